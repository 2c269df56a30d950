"""Shared test setup: TensorFlow backend, quiet logs, seeded runs, the `slow` and `needs_data` marks."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import pytest  # noqa: E402

from tests.helpers import require_data  # noqa: E402


def pytest_configure(config):
    # CI runs these again under JAX and PyTorch (`.ci/run`): they use no TensorFlow and hold on every backend.
    config.addinivalue_line("markers", "backend_neutral: holds on every Keras backend; CI runs it under each")
    # The fast tier, `pytest -m "not slow"`, leaves these out (about 2 s or more each on 2 cores); CI runs them all.
    config.addinivalue_line("markers", "slow: left out of the fast tier (`-m \"not slow\"`); CI runs it")
    config.addinivalue_line("markers", "needs_data(*files, folder): skipped without the shared data, failed in CI")


def pytest_runtest_setup(item):
    for mark in item.iter_markers("needs_data"):
        require_data(*mark.args, **mark.kwargs)


@pytest.fixture(autouse=True)
def _seeded():
    keras.utils.set_random_seed(0)
    yield
