"""Doctest set-up: the names the package's docstring examples use, run from the repository root.

The examples read data from `../shared/data` (CI lays `shared/` beside the clone), write only to
temporary folders and stay small.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _doctest_names(request):
    """`keras`, `np`, `keras_gan` and a tiny MNIST `gan` and `images` for the examples."""
    if not isinstance(request.node, pytest.DoctestItem):
        yield
        return
    import keras_gan

    keras.utils.set_random_seed(0)
    gan = keras_gan.experiments.get("mnist").override({"width": 0.02, "jit_compile": False}).build_gan(2)
    images = np.random.default_rng(0).random((200, 28, 28, 1), dtype="float32")
    namespace = request.getfixturevalue("doctest_namespace")
    namespace.update(keras=keras, np=np, keras_gan=keras_gan, gan=gan, images=images)
    yield
