"""Small networks for the toy problems of `keras_gan.theory.data` (Figure 1, the theory checks).

Not in `ARCHITECTURES`: those are the paper's image networks. `generator` and
`discriminator` are tanh MLPs on vectors; `affine_generator` is a G whose
p_g is known exactly, to compare a trained D with the optimal one.
"""

import keras

from keras_gan._checks import check_positive_number
from keras_gan.architectures.common import check_width, scaled

HIDDEN = 32


def _mlp(n_in: int, n_out: int, width: float, name: str, increasing: bool = False) -> keras.Model:
    check_width(width)
    units = scaled(HIDDEN, width)
    # Non-negative weights make every unit, and so the network, increasing in each input. With these ranges
    # the hidden units stay in tanh's near-linear part and the output spans about +-1 for inputs in +-sqrt 3.
    ranges = (1.0, 2.0 / units, 4.0 / units)
    initializers = [keras.initializers.RandomUniform(0.0, r) for r in ranges] if increasing else ["glorot_uniform"] * 3
    return keras.Sequential(
        [
            keras.Input((n_in,)),
            keras.layers.Dense(units, "tanh", kernel_initializer=initializers[0], name="h0"),
            keras.layers.Dense(units, "tanh", kernel_initializer=initializers[1], name="h1"),
            keras.layers.Dense(n_out, kernel_initializer=initializers[2], name="y"),
        ],
        name=name,
    )


def generator(width: float = 1.0, latent_dim: int = 1, dim: int = 1) -> keras.Model:
    """A toy generator: noise -> tanh 32 -> tanh 32 -> linear `dim`.

    Its weights start uniform on [0, r] (r = 1, 2/32 and 4/32 for the three
    layers at width 1), so that G starts increasing and nearly linear, its
    samples spread over about [-1, 1] for uniform noise, as in the paper's
    Figure 1. With Glorot's signed weights the first G is, depending on the
    seed, increasing or decreasing and nearly a point or several units wide,
    and a G that must turn over on its way to the data folds and piles its
    samples up.

    Args:
        width: float. Multiplier of the hidden sizes. Defaults to 1.0.
        latent_dim: int. Noise size. Defaults to 1 (the paper's Figure 1).
        dim: int. Size of the examples. Defaults to 1.

    Example:
    >>> generator().output_shape
    (None, 1)
    """
    return _mlp(latent_dim, dim, width, "toy_generator", increasing=True)


def discriminator(width: float = 1.0, dim: int = 1) -> keras.Model:
    """A toy discriminator: `dim` -> tanh 32 -> tanh 32 -> one logit.

    Args:
        width: float. Multiplier of the hidden sizes. Defaults to 1.0.
        dim: int. Size of the examples. Defaults to 1.

    Example:
    >>> discriminator(dim=2).output_shape
    (None, 1)
    """
    return _mlp(dim, 1, width, "toy_discriminator")


def affine_generator(scale: float, shift: float) -> keras.Model:
    """G(z) = scale z + shift on 1-D noise: with z ~ N(0, 1), p_g is N(shift, scale^2) exactly.

    Args:
        scale: float. Positive slope.
        shift: float. Offset.

    Example:
    >>> float(affine_generator(0.5, 2.0)(keras.ops.ones((1, 1)))[0, 0])
    2.5
    """
    check_positive_number("scale", scale)
    return keras.Sequential(
        [
            keras.Input((1,)),
            keras.layers.Dense(
                1,
                kernel_initializer=keras.initializers.Constant(scale),
                bias_initializer=keras.initializers.Constant(shift),
                name="y",
            ),
        ],
        name="affine_generator",
    )
