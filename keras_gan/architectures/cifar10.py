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

from keras_gan.architectures.common import check_width, irange, maxout_discriminator, scaled
from keras_gan.layers import MaxoutConv2D, MaxoutDense, UntiedBias

IMAGE_SHAPE = (32, 32, 3)
LATENT_DIM = 100


def fc_generator(width: float = 1.0, latent_dim: int = LATENT_DIM) -> keras.Model:
    """The fully connected CIFAR-10 generator (outputs in GCN space).

    Args:
        width: float. Multiplier of the 8000-unit hidden sizes. Defaults to 1.0.
        latent_dim: int. Noise size. Defaults to 100.

    Example:
    >>> fc_generator(width=0.01).output_shape
    (None, 32, 32, 3)
    """
    check_width(width)
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(scaled(8000, width), "relu", kernel_initializer=irange(0.05), name="h0"),
            keras.layers.Dense(scaled(8000, width), "sigmoid", kernel_initializer=irange(0.05), name="h1"),
            keras.layers.Dense(3072, kernel_initializer=irange(0.5), name="y"),
            keras.layers.Reshape(IMAGE_SHAPE),
        ],
        name="cifar10_fc_generator",
    )


def fc_discriminator(width: float = 1.0) -> keras.Model:
    """The fully connected CIFAR-10 discriminator; it outputs logits.

    Args:
        width: float. Multiplier of the number of maxout units. Defaults to 1.0.

    Example:
    >>> fc_discriminator(width=0.01).output_shape
    (None, 1)
    """
    check_width(width)
    return maxout_discriminator(IMAGE_SHAPE, scaled(1600, width), name="cifar10_fc_discriminator")


def conv_generator(width: float = 1.0, latent_dim: int = LATENT_DIM) -> keras.Model:
    """The "deconvolutional" CIFAR-10 generator (outputs in GCN space).

    Args:
        width: float. Multiplier of the hidden sizes: the sigmoid layer has
            `100 * scaled(80)` units, reshaped to 10x10 with `scaled(80)` channels.
            Defaults to 1.0.
        latent_dim: int. Noise size. Defaults to 100.

    Example:
    >>> conv_generator(width=0.05).output_shape
    (None, 32, 32, 3)
    """
    check_width(width)
    channels = scaled(80, width)
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            keras.layers.Dense(scaled(8000, width), "relu", kernel_initializer=irange(0.05), name="h0"),
            keras.layers.Dense(100 * channels, "sigmoid", kernel_initializer=irange(0.05), name="h1"),
            keras.layers.Reshape((10, 10, channels)),
            # (10 - 1) * 3 + 5 = 32: pylearn2's Deconv with output_stride 3, no padding.
            keras.layers.Conv2DTranspose(
                3, 5, strides=3, padding="valid", use_bias=False, kernel_initializer=irange(0.05), name="y"
            ),
            UntiedBias(name="y_bias"),
        ],
        name="cifar10_conv_generator",
    )


def conv_discriminator(width: float = 1.0) -> keras.Model:
    """The convolutional CIFAR-10 discriminator; it outputs logits.

    Args:
        width: float. Multiplier of the channel and unit counts. Defaults to 1.0.

    Example:
    >>> conv_discriminator(width=0.1).output_shape
    (None, 1)
    """
    check_width(width)
    init = irange(0.005)
    return keras.Sequential(
        [
            keras.Input(IMAGE_SHAPE),
            keras.layers.Dropout(0.2),
            MaxoutConv2D(scaled(32, width), 2, 8, padding=4, pool_size=4, pool_strides=2, kernel_initializer=init, name="h0"),
            keras.layers.Dropout(0.5),
            MaxoutConv2D(scaled(32, width), 2, 8, padding=3, pool_size=4, pool_strides=2, kernel_initializer=init, name="h1"),
            keras.layers.Dropout(0.5),
            MaxoutConv2D(scaled(192, width), 2, 5, padding=3, pool_size=2, pool_strides=2, kernel_initializer=init, name="h2"),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.5),
            MaxoutDense(scaled(500, width), 5, kernel_initializer=init, name="h3"),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(1, kernel_initializer=init, name="y"),
        ],
        name="cifar10_conv_discriminator",
    )
