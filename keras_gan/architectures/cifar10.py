"""The paper's CIFAR-10 networks (goodfeli/adversarial `cifar10_*.yaml`).

Both train on globally contrast-normalised images (pylearn2's `gcn: 55.`), so
the generators' outputs are linear. Fully connected: G 100 -> ReLU 8000 ->
sigmoid 8000 -> linear 3072 (irange .5); D maxout 1600x5 -> maxout 1600x5 ->
sigmoid. Convolutional: G 100 -> ReLU 8000 -> sigmoid 8000 -> 10x10x80 ->
transposed conv 5x5 stride 3 to 32x32x3 (linear, untied biases); D three maxout
convolution layers (32x2 k8 pad4 pool4/2, 32x2 k8 pad3 pool4/2, 192x2 k5 pad3
pool2/2) -> maxout 500x5 -> sigmoid. All D weights irange .005, inputs kept with
p=0.8 and hidden units with p=0.5.
"""

import keras

from keras_gan.architectures.common import (
    MAXOUT_INIT_RANGES,
    bias_initializer,
    check_width,
    dropout,
    init_ranges,
    irange,
    maxout_discriminator,
    scaled,
)
from keras_gan.layers import MaxoutConv2D, MaxoutDense, OverlapNormalization, UntiedBias

IMAGE_SHAPE = (32, 32, 3)
LATENT_DIM = 100
# The YAMLs' irange of each layer.
FC_GENERATOR_INIT_RANGES = {"h0": 0.05, "h1": 0.05, "y": 0.5}
FC_DISCRIMINATOR_INIT_RANGES = MAXOUT_INIT_RANGES
CONV_GENERATOR_INIT_RANGES = {"h0": 0.05, "h1": 0.05, "y": 0.05}
CONV_DISCRIMINATOR_INIT_RANGES = {"h0": 0.005, "h1": 0.005, "h2": 0.005, "h3": 0.005, "y": 0.005}


def fc_generator(
    width: float = 1.0, output_bias=None, latent_dim: int = LATENT_DIM, ranges: dict | None = None
) -> keras.Model:
    """The fully connected CIFAR-10 generator (outputs in GCN space).

    Args:
        width: float. Multiplier of the 8000-unit hidden sizes. Defaults to 1.0.
        output_bias: array of 3072 values or None. Initial bias of the linear
            output layer. Defaults to None (zeros; `center_output` moves it
            to the training images' mean after building).
        latent_dim: int. Noise size. Defaults to 100.
        ranges: dict or None. Initial ranges by layer name (`FC_GENERATOR_INIT_RANGES`).
            Defaults to None (the paper's).

    Example:
    >>> fc_generator(width=0.01).output_shape
    (None, 32, 32, 3)
    """
    check_width(width)
    r = init_ranges(FC_GENERATOR_INIT_RANGES, ranges, "generator")
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(scaled(8000, width), "relu", kernel_initializer=irange(r["h0"]), name="h0"),
            keras.layers.Dense(scaled(8000, width), "sigmoid", kernel_initializer=irange(r["h1"]), name="h1"),
            keras.layers.Dense(
                3072, kernel_initializer=irange(r["y"]), bias_initializer=bias_initializer(output_bias, 3072), name="y"
            ),
            keras.layers.Reshape(IMAGE_SHAPE),
        ],
        name="cifar10_fc_generator",
    )


def fc_discriminator(width: float = 1.0, ranges: dict | None = None) -> keras.Model:
    """The fully connected CIFAR-10 discriminator; it outputs logits.

    Args:
        width: float. Multiplier of the number of maxout units. Defaults to 1.0.
        ranges: dict or None. Initial ranges by layer name (`FC_DISCRIMINATOR_INIT_RANGES`).
            Defaults to None (the paper's).

    Example:
    >>> fc_discriminator(width=0.01).output_shape
    (None, 1)
    """
    check_width(width)
    return maxout_discriminator(IMAGE_SHAPE, scaled(1600, width), name="cifar10_fc_discriminator", ranges=ranges)


def conv_generator(
    width: float = 1.0, output_bias=None, latent_dim: int = LATENT_DIM, ranges: dict | None = None,
    even_overlap: bool = False,
) -> keras.Model:
    """The "deconvolutional" CIFAR-10 generator (outputs in GCN space).

    Args:
        width: float. Multiplier of the hidden sizes: the sigmoid layer has
            `100 * scaled(80)` units, reshaped to 10x10 with `scaled(80)` channels.
            Defaults to 1.0.
        output_bias: array of 3072 values or None. Initial bias of the linear
            output layer. Defaults to None (zeros; `center_output` moves it
            to the training images' mean after building).
        latent_dim: int. Noise size. Defaults to 100.
        ranges: dict or None. Initial ranges by layer name (`CONV_GENERATOR_INIT_RANGES`).
            Defaults to None (the paper's).
        even_overlap: bool. Scale each output of the stride-3 5x5 layer by
            `sqrt(mean count / count)`, count the inputs that overlap there
            (`OverlapNormalization`; not in the paper: the registry's
            `cifar10_conv_even_overlap`). Defaults to False.

    Example:
    >>> conv_generator(width=0.05).output_shape
    (None, 32, 32, 3)
    """
    check_width(width)
    r = init_ranges(CONV_GENERATOR_INIT_RANGES, ranges, "generator")
    channels = scaled(80, width)
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(scaled(8000, width), "relu", kernel_initializer=irange(r["h0"]), name="h0"),
            keras.layers.Dense(100 * channels, "sigmoid", kernel_initializer=irange(r["h1"]), name="h1"),
            keras.layers.Reshape((10, 10, channels)),
            # (10 - 1) * 3 + 5 = 32: pylearn2's Deconv with output_stride 3, no padding.
            keras.layers.Conv2DTranspose(
                3, 5, strides=3, padding="valid", use_bias=False, kernel_initializer=irange(r["y"]), name="y"
            ),
            *([OverlapNormalization(5, 3, name="y_overlap")] if even_overlap else []),
            UntiedBias(bias_initializer(output_bias, IMAGE_SHAPE), name="y_bias"),
        ],
        name="cifar10_conv_generator",
    )


def conv_discriminator(width: float = 1.0, ranges: dict | None = None) -> keras.Model:
    """The convolutional CIFAR-10 discriminator; it outputs logits.

    Args:
        width: float. Multiplier of the channel and unit counts. Defaults to 1.0.
        ranges: dict or None. Initial ranges by layer name (`CONV_DISCRIMINATOR_INIT_RANGES`).
            Defaults to None (the paper's).

    Example:
    >>> conv_discriminator(width=0.1).output_shape
    (None, 1)
    """
    check_width(width)
    r = init_ranges(CONV_DISCRIMINATOR_INIT_RANGES, ranges, "discriminator")
    return keras.Sequential(
        [
            keras.Input(IMAGE_SHAPE),
            dropout(0.2),
            MaxoutConv2D(scaled(32, width), 2, 8, padding=4, pool_size=4, pool_strides=2, kernel_initializer=irange(r["h0"]), name="h0"),
            dropout(0.5),
            MaxoutConv2D(scaled(32, width), 2, 8, padding=3, pool_size=4, pool_strides=2, kernel_initializer=irange(r["h1"]), name="h1"),
            dropout(0.5),
            MaxoutConv2D(scaled(192, width), 2, 5, padding=3, pool_size=2, pool_strides=2, kernel_initializer=irange(r["h2"]), name="h2"),
            keras.layers.Flatten(),
            dropout(0.5),
            MaxoutDense(scaled(500, width), 5, kernel_initializer=irange(r["h3"]), name="h3"),
            dropout(0.5),
            keras.layers.Dense(1, kernel_initializer=irange(r["y"]), name="y"),
        ],
        name="cifar10_conv_discriminator",
    )
