"""Shared test setup: TensorFlow backend, quiet logs, seeded runs."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import pytest  # noqa: E402


def pytest_configure(config):
    # CI runs these again under JAX and PyTorch (`.ci/run`): they use no TensorFlow and hold on every backend.
    config.addinivalue_line("markers", "backend_neutral: holds on every Keras backend; CI runs it under each")


@pytest.fixture(autouse=True)
def _seeded():
    keras.utils.set_random_seed(0)
    yield
