"""Doctest set-up: the names the package's docstring examples use, run from the repository root.

The examples read data from `../shared/data` (CI lays `shared/` beside the clone), write only to
temporary folders and stay small.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

# isort: off
import keras_gan  # noqa: E402  (before Keras: it imports TensorFlow without its start-up lines)
# isort: on
import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

# Warnings the suite filters, each with its reason; any other warning shows in the summary.
WARNING_FILTERS = (
    # The tests' dataset files are synthetic copies under the releases' names, so every first load warns that
    # the sha256 is not the release's; test_unknown_checksum_warns_once checks that warning itself.
    "ignore:.*the known release:UserWarning",
    # Keras' `convert_to_numpy` (and `np.array` of a Keras variable) calls `np.array` on TensorFlow tensors, whose
    # `__array__` predates NumPy 2's `copy` keyword; NumPy falls back to a copy, which is what is wanted.
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning",
)


def pytest_configure(config):
    for line in WARNING_FILTERS:
        config.addinivalue_line("filterwarnings", line)


@pytest.fixture(autouse=True)
def _doctest_names(request):
    """`keras`, `np`, `keras_gan` and a tiny MNIST `gan` and `images` for the examples."""
    if not isinstance(request.node, pytest.DoctestItem):
        yield
        return

    keras.utils.set_random_seed(0)
    gan = keras_gan.experiments.get("mnist").override({"width": 0.02, "jit_compile": False}).build_gan(2)
    images = np.random.default_rng(0).random((200, 28, 28, 1), dtype="float32")
    namespace = request.getfixturevalue("doctest_namespace")
    namespace.update(keras=keras, np=np, keras_gan=keras_gan, gan=gan, images=images)
    yield
