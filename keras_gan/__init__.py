"""keras-gan: the reference Keras 3 implementation of Generative Adversarial Nets (Goodfellow et al., 2014)."""

import os

# The package needs TensorFlow (tf.data, SavedModel, tf.distribute).
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from keras_gan import layers, losses, priors, schedules  # noqa: E402
from keras_gan.layers import MaxoutConv2D, MaxoutDense  # noqa: E402
from keras_gan.model import GAN  # noqa: E402
from keras_gan.version import __version__  # noqa: E402
