"""The paper's networks, one module per experiment family, and a registry keyed by name.

Every entry builds a generator from `(width, output_bias)` and a discriminator
from `width`; `width` multiplies the hidden sizes (1.0 is the paper).
The discriminators output logits.
"""

from typing import Callable, NamedTuple

import keras

from keras_gan.architectures import cifar10, mnist, tfd
from keras_gan.architectures.common import center_output, marginal_logits, scale_kernels


class Architecture(NamedTuple):
    """A generator/discriminator pair of the paper."""

    generator: Callable[..., keras.Model]
    discriminator: Callable[..., keras.Model]
    image_shape: tuple
    # Whether the generator's sigmoid output bias starts at the pixel marginals.
    output_bias_from_marginals: bool


ARCHITECTURES = {
    "mnist": Architecture(mnist.generator, mnist.discriminator, mnist.IMAGE_SHAPE, True),
    "tfd": Architecture(tfd.generator, tfd.discriminator, tfd.IMAGE_SHAPE, True),
    "tfd_pretrain": Architecture(tfd.pretrain_generator, tfd.discriminator, tfd.IMAGE_SHAPE, True),
    "cifar10_fc": Architecture(cifar10.fc_generator, cifar10.fc_discriminator, cifar10.IMAGE_SHAPE, False),
    "cifar10_conv": Architecture(cifar10.conv_generator, cifar10.conv_discriminator, cifar10.IMAGE_SHAPE, False),
}


def get(name: str) -> Architecture:
    """The registry entry `name`, with an error that lists the choices."""
    if name not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {name!r}. Choose one of {sorted(ARCHITECTURES)}.")
    return ARCHITECTURES[name]


def build(name: str, width: float = 1.0, train_images=None) -> tuple[keras.Model, keras.Model]:
    """Build the generator and discriminator of architecture `name`.

    Args:
        name: str. A key of `ARCHITECTURES`.
        width: float. Multiplier of the hidden sizes. Defaults to 1.0.
        train_images: array or None. Training images in [0, 1]; where the paper
            initialises the output bias from the pixel marginals, they are
            computed from these. Defaults to None (zero bias).

    Example:
    >>> generator, discriminator = build("mnist", width=0.1)
    """
    architecture = get(name)
    if architecture.output_bias_from_marginals:
        output_bias = None if train_images is None else marginal_logits(train_images)
        generator = architecture.generator(width, output_bias)
    else:
        generator = architecture.generator(width)
    return generator, architecture.discriminator(width)


__all__ = ["ARCHITECTURES", "Architecture", "build", "center_output", "get", "marginal_logits", "scale_kernels", "cifar10", "mnist", "tfd"]
