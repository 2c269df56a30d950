"""The paper's Toronto Face Database networks (goodfeli/adversarial `tfd_pretrain/`).

The generator is trained in two stages. `pretrain.yaml`: 100 -> ReLU 8000 ->
sigmoid 8000 (bias -2) -> sigmoid 2304 (bias from the marginals, sparse_init
100), 50 epochs. `train.yaml`: a new 100 -> ReLU 8000 -> sigmoid 100 (bias -2)
network is put below the pretrained one, feeding it its "noise", and the whole
generator trains 22 more epochs against a new discriminator. Every layer of both
networks has max_col_norm 1.9365. D: maxout 1200x5 -> maxout 1200x5 -> sigmoid,
irange .005, inputs kept with p=0.8 and hidden units with p=0.5.
"""

import keras

from keras_gan.architectures.common import (
    MAXOUT_INIT_RANGES,
    SparseInit,
    bias_initializer,
    check_width,
    init_ranges,
    irange,
    maxout_discriminator,
    scaled,
)

IMAGE_SHAPE = (48, 48, 1)
LATENT_DIM = 100
MAX_COL_NORM = 1.9365
# The YAMLs' irange of each layer; the first stage's output layer uses `sparse_init` instead.
PRETRAIN_GENERATOR_INIT_RANGES = {"h0": 0.05, "h1": 0.05}
GENERATOR_INIT_RANGES = {"g0": 0.05, "g1": 0.05, **PRETRAIN_GENERATOR_INIT_RANGES}
DISCRIMINATOR_INIT_RANGES = MAXOUT_INIT_RANGES


def _dense(units, activation, name, init, bias="zeros"):
    return keras.layers.Dense(
        units,
        activation,
        kernel_initializer=init,
        bias_initializer=bias,
        kernel_constraint=keras.constraints.MaxNorm(MAX_COL_NORM, axis=0),
        name=name,
    )


def pretrain_generator(
    width: float = 1.0, output_bias=None, latent_dim: int = LATENT_DIM, ranges: dict | None = None
) -> keras.Model:
    """The first-stage TFD generator (`pretrain.yaml`).

    Args:
        width: float. Multiplier of the 8000-unit hidden sizes. Defaults to 1.0.
        output_bias: array of 2304 values or None. Usually
            `marginal_logits(train_images)`. Defaults to None (zeros).
        latent_dim: int. Noise size. Defaults to 100.
        ranges: dict or None. Initial ranges of layers `h0` and `h1`
            (`PRETRAIN_GENERATOR_INIT_RANGES`). Defaults to None (the paper's).

    Example:
    >>> pretrain_generator(width=0.01).output_shape
    (None, 48, 48, 1)
    """
    check_width(width)
    r = init_ranges(PRETRAIN_GENERATOR_INIT_RANGES, ranges, "first-stage generator")
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            _dense(scaled(8000, width), "relu", "h0", irange(r["h0"])),
            _dense(scaled(8000, width), "sigmoid", "h1", irange(r["h1"]), bias=keras.initializers.Constant(-2.0)),
            _dense(2304, "sigmoid", "y", SparseInit(100), bias=bias_initializer(output_bias, 2304)),
            keras.layers.Reshape(IMAGE_SHAPE),
        ],
        name="tfd_pretrain_generator",
    )


def generator(width: float = 1.0, output_bias=None, ranges: dict | None = None) -> keras.Model:
    """The second-stage TFD generator on a fresh first stage: `grow(pretrain_generator(...))`.

    Args:
        width: float. Multiplier of the 8000-unit layers. Defaults to 1.0.
        output_bias: array of 2304 values or None. Output bias of the first
            stage. Defaults to None (zeros).
        ranges: dict or None. Initial ranges of the new layers `g0`, `g1` and
            of the first stage's `h0`, `h1` (`GENERATOR_INIT_RANGES`).
            Defaults to None (the paper's).

    Example:
    >>> generator(width=0.01).output_shape
    (None, 48, 48, 1)
    """
    check_width(width)
    r = init_ranges(GENERATOR_INIT_RANGES, ranges, "generator")
    first = pretrain_generator(width, output_bias, ranges={k: r[k] for k in PRETRAIN_GENERATOR_INIT_RANGES})
    return grow(first, width, ranges=r)


def grow(pretrained: keras.Model, width: float = 1.0, ranges: dict | None = None) -> keras.Model:
    """The second-stage TFD generator: a new network below the first stage's `pretrained` (`train.yaml`).

    The new layers map the noise to a sigmoid code the size of `pretrained`'s
    input; `pretrained`'s layers (and weights) follow unchanged.

    Args:
        pretrained: `keras.Model`. A (trained) `pretrain_generator`.
        width: float. Multiplier of the 8000-unit layer. Defaults to 1.0.
        ranges: dict or None. Initial ranges by layer name
            (`GENERATOR_INIT_RANGES`; the new layers are `g0` and `g1`).
            Defaults to None (the paper's).

    Example:
    >>> grow(pretrain_generator(width=0.01), width=0.01).output_shape
    (None, 48, 48, 1)
    """
    check_width(width)
    r = init_ranges(GENERATOR_INIT_RANGES, ranges, "generator")
    code_dim = pretrained.input_shape[-1]
    return keras.Sequential(
        [
            keras.Input((LATENT_DIM,)),
            _dense(scaled(8000, width), "relu", "g0", irange(r["g0"])),
            _dense(code_dim, "sigmoid", "g1", irange(r["g1"]), bias=keras.initializers.Constant(-2.0)),
            *pretrained.layers,
        ],
        name="tfd_generator",
    )


def discriminator(width: float = 1.0, ranges: dict | None = None) -> keras.Model:
    """The TFD discriminator; it outputs logits.

    Args:
        width: float. Multiplier of the number of maxout units. Defaults to 1.0.
        ranges: dict or None. Initial ranges of layers `h0`, `h1`, `y`
            (`DISCRIMINATOR_INIT_RANGES`). Defaults to None (the paper's).

    Example:
    >>> discriminator(width=0.01).output_shape
    (None, 1)
    """
    check_width(width)
    return maxout_discriminator(IMAGE_SHAPE, scaled(1200, width), max_norm=MAX_COL_NORM, name="tfd_discriminator", ranges=ranges)
