"""Building blocks shared by the paper's architectures."""

import math
import random

import keras
import numpy as np

from keras_gan._checks import check_positive_int, check_positive_number
from keras_gan.layers import MaxoutDense
from keras_gan.priors import sample_latent


def check_width(width: float) -> None:
    """Raise a `ValueError` unless `width` is a positive number."""
    check_positive_number("width", width)


def scaled(size: int, width: float) -> int:
    """A hidden size multiplied by `width`, at least 1."""
    return max(1, int(round(size * width)))


def irange(r: float) -> keras.initializers.Initializer:
    """pylearn2's `irange r`: weights uniform on [-r, r]."""
    return keras.initializers.RandomUniform(-r, r)


def dropout(rate: float) -> keras.layers.Dropout:
    """A `keras.layers.Dropout` whose masks come from its own seed state on every backend.

    Without a seed, Keras' Dropout draws its masks under PyTorch from torch's
    global generator, which no checkpoint holds, so a resumed run drew other
    masks than one that never stopped. Here the seed is drawn from Python's
    generator exactly as Keras draws one for `seed=None`
    (`keras.src.random.seed_generator.make_default_seed`): TensorFlow and JAX
    draw the masks they drew before, and PyTorch draws from the layer's seed
    state, which `GAN` saves with its weights. A rate of 0 draws nothing, as in
    Keras.

    Args:
        rate: float. Fraction of the inputs to drop, in [0, 1).

    Example:
    >>> keras.utils.set_random_seed(0)
    >>> first = dropout(0.5).seed
    >>> keras.utils.set_random_seed(0)
    >>> first == dropout(0.5).seed
    True
    """
    return keras.layers.Dropout(rate, seed=random.randint(1, int(1e9)) if rate > 0 else None)


def marginal_logits(images: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """pylearn2's `init_sigmoid_bias_from_marginals`: logit of each pixel's mean.

    A sigmoid output layer with this bias starts out producing the training
    set's mean image, instead of grey.

    Args:
        images: array `(N, ...)` in [0, 1]. Training examples.
        eps: float. Means are clipped to [eps, 1 - eps]. Defaults to 1e-7, as
            in pylearn2 (an always-black pixel gets a bias of -16.1).

    Returns:
        A float32 vector with one logit per pixel (the flattened example size).

    Example:
    >>> marginal_logits(np.full((10, 4), 0.5)).tolist()
    [0.0, 0.0, 0.0, 0.0]
    """
    images = np.asarray(images, dtype="float64")
    if images.ndim < 2 or images.shape[0] == 0:
        raise ValueError(
            f"`images` must be a non-empty batch (N, ...). Received shape: {images.shape}"
        )
    mean = np.clip(images.reshape(len(images), -1).mean(axis=0), eps, 1 - eps)
    return np.log(mean / (1 - mean)).astype("float32")


def center_output(generator: keras.Model, train_images: np.ndarray, latent_prior: str, seed: int = 0,
                  n_noise: int = 10000) -> np.ndarray:
    """Shift a linear-output generator's last bias so that its mean sample is the data's mean image.

    The linear-output counterpart of `marginal_logits`: the CIFAR-10 YAMLs
    carry a commented-out `init_bias ... from_marginals` on their linear
    output layer. Without it, the paper's output init (CIFAR-10 fc: irange
    .5 over 2,000-8,000 sigmoid units of mean 0.5) makes every sample the same
    random image, several times the data's scale, which a discriminator
    rejects at once. Only the constant part moves; the weights, and so how
    samples vary with the noise, are untouched.

    Args:
        generator: keras.Model. Ends in a layer whose last weight is an
            output-shaped bias (`Dense`, or `UntiedBias` after a transposed
            convolution), optionally followed by a `Reshape`.
        train_images: array `(N, ...)`. Training images in the generator's
            output space.
        latent_prior: str. The noise prior, `"uniform"` or `"normal"`.
        seed: int. Seed of the noise used to estimate the mean sample. Defaults to 0.
        n_noise: int. Number of noise vectors. Defaults to 10000.

    Returns:
        The shift added to the bias, shaped like the bias.

    Example:
    >>> from keras_gan.architectures import cifar10
    >>> g = cifar10.fc_generator(width=0.01)
    >>> images = np.zeros((10, 32, 32, 3), "float32")
    >>> center_output(g, images, "normal", n_noise=100).shape
    (3072,)
    """
    check_positive_int("n_noise", n_noise)
    images = np.asarray(train_images)
    if images.shape[1:] != tuple(generator.output_shape[1:]):
        raise ValueError(
            f"`train_images` must have the generator's output shape {tuple(generator.output_shape[1:])} per image. "
            f"Received shape: {images.shape}"
        )
    bias = next(layer for layer in reversed(generator.layers) if layer.weights).weights[-1]
    if int(np.prod(bias.shape)) != int(np.prod(images.shape[1:])):
        raise ValueError(
            f"{generator.name}'s last weight {bias.path} has shape {tuple(bias.shape)}, not one value per output "
            f"pixel: `center_output` needs a generator that ends in a linear layer with a bias."
        )
    noise = sample_latent(latent_prior, (n_noise, generator.input_shape[-1]), seed=seed)
    mean_sample = np.asarray(generator.predict(noise, batch_size=1000, verbose=0), dtype="float64").mean(axis=0)
    # A float64 mean without a float64 copy of the training set (1 GB for CIFAR-10).
    shift = (images.mean(axis=0, dtype="float64") - mean_sample).reshape(bias.shape).astype("float32")
    bias.assign(bias.numpy() + shift)
    return shift


def init_ranges(defaults: dict, given=None, network: str = "network") -> dict:
    """The paper's per-layer `irange`s `defaults`, with those of `given` in their place.

    Args:
        defaults: dict. Layer name -> the paper's irange r (weights uniform on [-r, r]).
        given: mapping or None. Layer name -> r for the layers to change. Defaults to None.
        network: str. What the ranges are for, for error messages. Defaults to "network".

    Example:
    >>> init_ranges({"h0": 0.05, "y": 0.05}, {"y": 0.5})
    {'h0': 0.05, 'y': 0.5}
    """
    given = dict(given or {})
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise ValueError(f"The {network} has no layer {unknown[0]!r} with an initial range. Its layers: {sorted(defaults)}.")
    for name, value in given.items():
        check_positive_number(f"init range of {name}", value)
    return {**defaults, **given}


def output_layer(network: keras.Model) -> keras.layers.Layer:
    """The last layer of `network` with a kernel (nested models searched): a generator's output layer.

    Example:
    >>> from keras_gan.architectures import tfd
    >>> output_layer(tfd.generator(width=0.01)).name
    'y'
    """
    for layer in reversed(network.layers):
        if isinstance(layer, keras.Model):
            return output_layer(layer)
        if isinstance(getattr(layer, "kernel", None), keras.Variable):
            return layer
    raise ValueError(f"{network.name} has no layer with a kernel.")


def adjust_output_layer(generator: keras.Model, init_range: float = 0.0, max_norm_scale: float = 1.0,
                        seed: int = 0) -> keras.layers.Layer:
    """Change a built generator's output layer from the paper's: its initial weights and its max-norm cap.

    The screens of issue 33 (TFD's output layer, pylearn2's `sparse_init 100`
    under `max_col_norm 1.9365`). With the defaults nothing changes.

    Args:
        generator: keras.Model. A freshly built generator.
        init_range: float. If positive, the output kernel is redrawn uniform on
            [-r, r] (a dense `irange`) from `seed`, in place of its initial
            weights. Defaults to 0.0 (keep them).
        max_norm_scale: float. Factor on the output layer's `MaxNorm` cap; 0
            removes the cap. Defaults to 1.0 (the paper's cap).
        seed: int. Seed of the redrawn kernel. Defaults to 0.

    Returns:
        The output layer.

    Example:
    >>> from keras_gan.architectures import tfd
    >>> layer = adjust_output_layer(tfd.pretrain_generator(width=0.01), 0.05, max_norm_scale=0.0)
    >>> layer.kernel.constraint is None, float(abs(layer.kernel.numpy()).max()) <= 0.05
    (True, True)
    """
    if init_range < 0 or max_norm_scale < 0:
        raise ValueError(f"`init_range` and `max_norm_scale` must be non-negative. Received: {init_range}, "
                         f"{max_norm_scale}")
    layer = output_layer(generator)
    if init_range:
        kernel = np.random.default_rng(seed).uniform(-init_range, init_range, size=tuple(layer.kernel.shape))
        layer.kernel.assign(kernel.astype(layer.kernel.dtype))
        layer.kernel_initializer = irange(init_range)
    if max_norm_scale != 1.0:
        constraint = layer.kernel.constraint
        if not isinstance(constraint, keras.constraints.MaxNorm):
            raise ValueError(f"{generator.name}'s output layer {layer.name!r} has no max-norm cap to scale.")
        new = None if max_norm_scale == 0 else keras.constraints.MaxNorm(
            constraint.max_value * max_norm_scale, axis=constraint.axis)
        layer.kernel_constraint = new
        layer.kernel.constraint = new
    return layer


def bias_initializer(output_bias, shape: int | tuple):
    """`Constant(output_bias)` in the bias's `shape` after checking its size; zeros for None."""
    if output_bias is None:
        return "zeros"
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    output_bias = np.asarray(output_bias, dtype="float32").reshape(-1)
    if output_bias.size != math.prod(shape):
        raise ValueError(
            f"`output_bias` must have one value per output ({math.prod(shape)}). "
            f"Received shape: {output_bias.shape}"
        )
    return keras.initializers.Constant(output_bias.reshape(shape).tolist())


@keras.saving.register_keras_serializable(package="keras_gan")
class SparseInit(keras.initializers.Initializer):
    """pylearn2's `sparse_init n`: each unit gets `n` non-zero N(0, stddev) input weights.

    Args:
        n_nonzero: int. Non-zero incoming weights per output unit.
        stddev: float. Standard deviation of those weights. Defaults to 1.0.
        seed: int or None. Defaults to None.

    Example:
    >>> w = SparseInit(2, seed=0)((5, 3))
    >>> (keras.ops.convert_to_numpy(w) != 0).sum(axis=0).tolist()
    [2, 2, 2]
    """

    def __init__(self, n_nonzero: int, stddev: float = 1.0, seed: int | None = None):
        check_positive_int("n_nonzero", n_nonzero)
        self.n_nonzero = n_nonzero
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None):
        fan_in, units = shape
        # Without a seed, draw one from numpy's global state, which
        # `keras.utils.set_random_seed` seeds.
        seed = self.seed if self.seed is not None else np.random.randint(2**31)
        rng = np.random.default_rng(seed)
        kernel = np.zeros(shape, dtype="float32")
        n = min(self.n_nonzero, fan_in)
        for unit in range(units):
            rows = rng.choice(fan_in, size=n, replace=False)
            kernel[rows, unit] = rng.normal(scale=self.stddev, size=n)
        return keras.ops.convert_to_tensor(kernel, dtype=dtype)

    def get_config(self):
        return {"n_nonzero": self.n_nonzero, "stddev": self.stddev, "seed": self.seed}


# The paper's fully connected discriminators: every weight uniform on [-0.005, 0.005].
MAXOUT_INIT_RANGES = {"h0": 0.005, "h1": 0.005, "y": 0.005}


def maxout_discriminator(
    image_shape: tuple,
    units: int,
    pieces: int = 5,
    max_norm: float | None = None,
    name: str | None = None,
    ranges: dict | None = None,
) -> keras.Model:
    """The paper's fully connected discriminator: two maxout layers and a logit, under dropout.

    pylearn2's dropout in the paper's configs keeps the input with p=0.8 and the
    inputs of every later layer with p=0.5 (inverted scaling, as Keras does).
    Weights start uniform on [-r, r], r from `ranges` (the paper: 0.005).

    Args:
        image_shape: tuple. Input shape `(H, W, C)`.
        units: int. Maxout units per hidden layer.
        pieces: int. Pieces per unit. Defaults to 5.
        max_norm: float or None. pylearn2's `max_col_norm` on every layer.
            Defaults to None.
        name: str or None. Model name. Defaults to None.
        ranges: dict or None. Initial ranges of layers `h0`, `h1` and `y`
            (see `init_ranges`). Defaults to None (the paper's).

    Example:
    >>> maxout_discriminator((28, 28, 1), 240).output_shape
    (None, 1)
    """
    constraint = None if max_norm is None else keras.constraints.MaxNorm(max_norm, axis=0)
    r = init_ranges(MAXOUT_INIT_RANGES, ranges, "discriminator")
    return keras.Sequential(
        [
            keras.Input(image_shape),
            keras.layers.Flatten(),
            dropout(0.2),
            MaxoutDense(units, pieces, max_norm=max_norm, kernel_initializer=irange(r["h0"]), name="h0"),
            dropout(0.5),
            MaxoutDense(units, pieces, max_norm=max_norm, kernel_initializer=irange(r["h1"]), name="h1"),
            dropout(0.5),
            keras.layers.Dense(1, kernel_initializer=irange(r["y"]), kernel_constraint=constraint, name="y"),
        ],
        name=name,
    )
