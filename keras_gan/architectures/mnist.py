"""The paper's MNIST networks (goodfeli/adversarial `mnist.yaml`).

G: 100 -> ReLU 1200 -> ReLU 1200 -> sigmoid 784, irange .05, output bias from
the pixel marginals. D: maxout 240x5 -> maxout 240x5 -> sigmoid 1, irange .005,
inputs kept with p=0.8 and hidden units with p=0.5.
"""

import math

import keras

from keras_gan.architectures.common import (
    MAXOUT_INIT_RANGES,
    bias_initializer,
    check_width,
    init_ranges,
    irange,
    maxout_discriminator,
    scaled,
)

IMAGE_SHAPE = (28, 28, 1)
LATENT_DIM = 100
# The YAML's irange of each layer.
GENERATOR_INIT_RANGES = {"h0": 0.05, "h1": 0.05, "y": 0.05}
DISCRIMINATOR_INIT_RANGES = MAXOUT_INIT_RANGES


def generator(
    width: float = 1.0,
    output_bias=None,
    latent_dim: int = LATENT_DIM,
    image_shape: tuple = IMAGE_SHAPE,
    ranges: dict | None = None,
) -> keras.Model:
    """The MNIST generator.

    Args:
        width: float. Multiplier of the hidden sizes. Defaults to 1.0 (the paper).
        output_bias: array of 784 values or None. Initial output bias, usually
            `marginal_logits(train_images)`. Defaults to None (zeros).
        latent_dim: int. Noise size. Defaults to 100.
        image_shape: tuple. Output shape `(H, W, C)`, to train the same
            network on other images. Defaults to (28, 28, 1).
        ranges: dict or None. Initial ranges of layers `h0`, `h1`, `y`
            (`GENERATOR_INIT_RANGES`). Defaults to None (the paper's).

    Example:
    >>> generator().output_shape
    (None, 28, 28, 1)
    """
    check_width(width)
    size = math.prod(image_shape)
    r = init_ranges(GENERATOR_INIT_RANGES, ranges, "generator")
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(scaled(1200, width), "relu", kernel_initializer=irange(r["h0"]), name="h0"),
            keras.layers.Dense(scaled(1200, width), "relu", kernel_initializer=irange(r["h1"]), name="h1"),
            keras.layers.Dense(
                size,
                "sigmoid",
                kernel_initializer=irange(r["y"]),
                bias_initializer=bias_initializer(output_bias, size),
                name="y",
            ),
            keras.layers.Reshape(image_shape),
        ],
        name="mnist_generator",
    )


def discriminator(width: float = 1.0, image_shape: tuple = IMAGE_SHAPE, ranges: dict | None = None) -> keras.Model:
    """The MNIST discriminator; it outputs logits.

    Args:
        width: float. Multiplier of the number of maxout units. Defaults to 1.0.
        image_shape: tuple. Input shape `(H, W, C)`. Defaults to (28, 28, 1).
        ranges: dict or None. Initial ranges of layers `h0`, `h1`, `y`
            (`DISCRIMINATOR_INIT_RANGES`). Defaults to None (the paper's).

    Example:
    >>> discriminator().output_shape
    (None, 1)
    """
    check_width(width)
    return maxout_discriminator(image_shape, scaled(240, width), name="mnist_discriminator", ranges=ranges)
