"""The paper's networks, one module per experiment family, and a registry keyed by name.

Every entry builds a generator from `(width, output_bias, ranges=...)` and a
discriminator from `(width, ranges=...)`; `width` multiplies the hidden sizes
(1.0 is the paper) and `ranges` maps layer names to initial ranges (the
paper's are the entry's `g_init_ranges` and `d_init_ranges`). The
discriminators output logits. An entry trained in two stages (TFD's) names
its first stage's entry and how its generator grows from that stage's
(`FirstStage`); `image_folder(shape)` is the entry of a user's images.
"""

import functools
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


class FirstStage(NamedTuple):
    """The first of two training stages: the networks it trains, and how the second stage builds on them.

    Args:
        architecture: str. The registry entry of the first stage's networks.
        grow: callable. `grow(pretrained, width, ranges=...)`: the last
            stage's generator, new layers below the first stage's (trained)
            generator `pretrained`; `ranges` are the last stage's
            `g_init_ranges`.
    """

    architecture: str
    grow: Callable[..., keras.Model]


class Architecture(NamedTuple):
    """A generator/discriminator pair of the paper.

    Args:
        generator: callable. `generator(width, output_bias, ranges=...)`.
        discriminator: callable. `discriminator(width, ranges=...)`.
        image_shape: tuple. The images' `(H, W, C)`.
        output_bias_from_marginals: bool. Whether the generator's sigmoid
            output bias starts at the training images' pixel marginals.
        g_init_ranges, d_init_ranges: dict. The paper's initial range
            (irange) of each layer with one.
        first_stage: FirstStage or None. A first training stage, for a run
            with `pretrain_epochs`. Defaults to None (one stage).
        sparse_capped_output: bool. Whether the generator ends in pylearn2's
            `sparse_init` layer under a `max_col_norm` cap (TFD's), which the
            `g_output_max_norm_scale` and `g_output_init_range` settings
            change. Defaults to False.
    """

    generator: Callable[..., keras.Model]
    discriminator: Callable[..., keras.Model]
    image_shape: tuple
    output_bias_from_marginals: bool
    g_init_ranges: dict
    d_init_ranges: dict
    first_stage: FirstStage | None = None
    sparse_capped_output: bool = False

    def build(self, width: float = 1.0, train_images=None, g_init_ranges: dict | None = None,
              d_init_ranges: dict | None = None) -> tuple[keras.Model, keras.Model]:
        """The generator and discriminator, drawn in that order; see `build`.

        Example:
        >>> generator, _ = get("mnist").build(width=0.1)
        >>> generator.output_shape
        (None, 28, 28, 1)
        """
        use_marginals = self.output_bias_from_marginals and train_images is not None
        output_bias = marginal_logits(train_images) if use_marginals else None
        generator = self.generator(width, output_bias, ranges=g_init_ranges)
        return generator, self.discriminator(width, ranges=d_init_ranges)


ARCHITECTURES = {
    "mnist": Architecture(
        mnist.generator, mnist.discriminator, mnist.IMAGE_SHAPE, True,
        mnist.GENERATOR_INIT_RANGES, mnist.DISCRIMINATOR_INIT_RANGES,
    ),
    "tfd": Architecture(
        tfd.generator, tfd.discriminator, tfd.IMAGE_SHAPE, True, tfd.GENERATOR_INIT_RANGES, tfd.DISCRIMINATOR_INIT_RANGES,
        first_stage=FirstStage("tfd_pretrain", tfd.grow), sparse_capped_output=True,
    ),
    "tfd_pretrain": Architecture(
        tfd.pretrain_generator, tfd.discriminator, tfd.IMAGE_SHAPE, True,
        tfd.PRETRAIN_GENERATOR_INIT_RANGES, tfd.DISCRIMINATOR_INIT_RANGES, sparse_capped_output=True,
    ),
    "cifar10_fc": Architecture(
        cifar10.fc_generator, cifar10.fc_discriminator, cifar10.IMAGE_SHAPE, False,
        cifar10.FC_GENERATOR_INIT_RANGES, cifar10.FC_DISCRIMINATOR_INIT_RANGES,
    ),
    "cifar10_conv": Architecture(
        cifar10.conv_generator, cifar10.conv_discriminator, cifar10.IMAGE_SHAPE, False,
        cifar10.CONV_GENERATOR_INIT_RANGES, cifar10.CONV_DISCRIMINATOR_INIT_RANGES,
    ),
    # Not the paper's: its generator with the stride-3 layer's uneven overlap evened out (issue 33, screen (f)).
    "cifar10_conv_even_overlap": Architecture(
        functools.partial(cifar10.conv_generator, even_overlap=True), cifar10.conv_discriminator, cifar10.IMAGE_SHAPE,
        False, cifar10.CONV_GENERATOR_INIT_RANGES, cifar10.CONV_DISCRIMINATOR_INIT_RANGES,
    ),
}


def get(name: str) -> Architecture:
    """The registry entry `name`, with an error that lists the choices."""
    if name not in ARCHITECTURES:
        raise ValueError(f"Unknown architecture {name!r}. Choose one of {sorted(ARCHITECTURES)}.")
    return ARCHITECTURES[name]


def image_folder(image_shape: tuple) -> Architecture:
    """The networks of a user's folder of images (`keras-gan train --images`): MNIST's, sized to its images.

    Args:
        image_shape: tuple. The folder's images' `(H, W, C)`.

    Example:
    >>> generator, discriminator = image_folder((8, 8, 3)).build(width=0.1)
    >>> generator.output_shape, discriminator.input_shape
    ((None, 8, 8, 3), (None, 8, 8, 3))
    """
    image_shape = tuple(image_shape)
    return get("mnist")._replace(
        generator=functools.partial(mnist.generator, image_shape=image_shape),
        discriminator=functools.partial(mnist.discriminator, image_shape=image_shape),
        image_shape=image_shape,
    )


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
    return get(name).build(width, train_images, g_init_ranges, d_init_ranges)


__all__ = [
    "ARCHITECTURES", "Architecture", "FirstStage", "adjust_output_layer", "build", "center_output", "get",
    "image_folder", "init_ranges",
    "marginal_logits", "output_layer", "cifar10", "mnist",
    "tfd",
]
