"""Building blocks shared by the paper's architectures."""

import keras
import numpy as np


def check_width(width: float) -> None:
    """Raise a `ValueError` unless `width` is a positive number."""
    if not (isinstance(width, (int, float)) and width > 0):
        raise ValueError(f"`width` must be a positive number. Received: width={width!r}")


def scaled(size: int, width: float) -> int:
    """A hidden size multiplied by `width`, at least 1."""
    return max(1, int(round(size * width)))


def irange(r: float) -> keras.initializers.Initializer:
    """pylearn2's `irange r`: weights uniform on [-r, r]."""
    return keras.initializers.RandomUniform(-r, r)


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


def bias_initializer(output_bias, size: int):
    """`Constant(output_bias)` after checking its size; zeros for None."""
    if output_bias is None:
        return "zeros"
    output_bias = np.asarray(output_bias, dtype="float32").reshape(-1)
    if output_bias.shape != (size,):
        raise ValueError(
            f"`output_bias` must have one value per output ({size}). "
            f"Received shape: {output_bias.shape}"
        )
    return keras.initializers.Constant(output_bias.tolist())


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
        if not isinstance(n_nonzero, int) or n_nonzero < 1:
            raise ValueError(f"`n_nonzero` must be a positive integer. Received: n_nonzero={n_nonzero!r}")
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
