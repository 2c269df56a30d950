"""keras-gan: the reference Keras 3 implementation of Generative Adversarial Nets (Goodfellow et al., 2014)."""

import os

# TensorFlow is the default backend (SavedModel export, tf.distribute and tf.data need it);
# KERAS_BACKEND=jax or torch trains without it (keras_gan.trainers).
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from keras_gan._startup import import_tensorflow_quietly  # noqa: E402

# Before Keras imports TensorFlow, whose C++ start-up lines users read as errors.
import_tensorflow_quietly()

from keras_gan import (  # noqa: E402
    architectures,
    callbacks,
    datasets,
    evaluation,
    experiments,
    layers,
    losses,
    plotting,
    priors,
    schedules,
)
from keras_gan.datasets.output_space import GCNToDisplay  # noqa: E402
from keras_gan.export import export_generator  # noqa: E402
from keras_gan.layers import MaxoutConv2D, MaxoutDense  # noqa: E402
from keras_gan.model import GAN, generate  # noqa: E402
from keras_gan.pretrained import get_preset, list_models, load_gan, load_generator  # noqa: E402
from keras_gan.version import __version__  # noqa: E402

__all__ = [
    "GAN",
    "GCNToDisplay",
    "MaxoutConv2D",
    "MaxoutDense",
    "__version__",
    "architectures",
    "callbacks",
    "datasets",
    "evaluation",
    "experiments",
    "export_generator",
    "generate",
    "get_preset",
    "layers",
    "list_models",
    "load_gan",
    "load_generator",
    "losses",
    "plotting",
    "priors",
    "schedules",
]
