"""The paper's networks, one module per experiment family, and a registry keyed by name.

Every entry builds a generator from `(width, output_bias, ranges=...)` and a
discriminator from `(width, ranges=...)`; `width` multiplies the hidden sizes
(1.0 is the paper) and `ranges` maps layer names to initial ranges (the
paper's are the entry's `g_init_ranges` and `d_init_ranges`). The
discriminators output logits.
"""

from typing import Callable, NamedTuple

import keras

from keras_gan.architectures import cifar10, mnist, tfd
from keras_gan.architectures.common import (
    adjust_output_layer,
    center_output,
    init_ranges,
    marginal_logits,
    output_layer,
)


class Architecture(NamedTuple):
    """A generator/discriminator pair of the paper."""

    generator: Callable[..., keras.Model]
    discriminator: Callable[..., keras.Model]
    image_shape: tuple
    # Whether the generator's sigmoid output bias starts at the pixel marginals.
    output_bias_from_marginals: bool
    # The paper's initial range (irange) of each layer with one.
    g_init_ranges: dict
    d_init_ranges: dict


ARCHITECTURES = {
    "mnist": Architecture(
        mnist.generator, mnist.discriminator, mnist.IMAGE_SHAPE, True,
        mnist.GENERATOR_INIT_RANGES, mnist.DISCRIMINATOR_INIT_RANGES,
    ),
    "tfd": Architecture(
        tfd.generator, tfd.discriminator, tfd.IMAGE_SHAPE, True, tfd.GENERATOR_INIT_RANGES, tfd.DISCRIMINATOR_INIT_RANGES
    ),
    "tfd_pretrain": Architecture(
        tfd.pretrain_generator, tfd.discriminator, tfd.IMAGE_SHAPE, True,
        tfd.PRETRAIN_GENERATOR_INIT_RANGES, tfd.DISCRIMINATOR_INIT_RANGES,
    ),
    "cifar10_fc": Architecture(
        cifar10.fc_generator, cifar10.fc_discriminator, cifar10.IMAGE_SHAPE, False,
        cifar10.FC_GENERATOR_INIT_RANGES, cifar10.FC_DISCRIMINATOR_INIT_RANGES,
    ),
    "cifar10_conv": Architecture(
        cifar10.conv_generator, cifar10.conv_discriminator, cifar10.IMAGE_SHAPE, False,
        cifar10.CONV_GENERATOR_INIT_RANGES, cifar10.CONV_DISCRIMINATOR_INIT_RANGES,
    ),
}


def get(name: str) -> Architecture:
    """The registry entry `name`, with an error that lists the choices."""
    if name not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {name!r}. Choose one of {sorted(ARCHITECTURES)}.")
    return ARCHITECTURES[name]


def build(
    name: str, width: float = 1.0, train_images=None, g_init_ranges: dict | None = None, d_init_ranges: dict | None = None
) -> tuple[keras.Model, keras.Model]:
    """Build the generator and discriminator of architecture `name`.

    Args:
        name: str. A key of `ARCHITECTURES`.
        width: float. Multiplier of the hidden sizes. Defaults to 1.0.
        train_images: array or None. Training images in [0, 1]; where the paper
            initialises the output bias from the pixel marginals, they are
            computed from these. Defaults to None (zero bias).
        g_init_ranges, d_init_ranges: dict or None. Initial ranges of the
            generator's and discriminator's layers, by name (those not given
            keep the paper's). Defaults to None.

    Example:
    >>> generator, discriminator = build("mnist", width=0.1, d_init_ranges={"y": 0.05})
    >>> float(keras.ops.max(discriminator.get_layer("y").kernel)) > 0.005
    True
    """
    architecture = get(name)
    if architecture.output_bias_from_marginals:
        output_bias = None if train_images is None else marginal_logits(train_images)
        generator = architecture.generator(width, output_bias, ranges=g_init_ranges)
    else:
        generator = architecture.generator(width, ranges=g_init_ranges)
    return generator, architecture.discriminator(width, ranges=d_init_ranges)


__all__ = [
    "ARCHITECTURES", "Architecture", "adjust_output_layer", "build", "center_output", "get", "init_ranges",
    "marginal_logits", "output_layer", "cifar10", "mnist",
    "tfd",
]
