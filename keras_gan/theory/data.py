"""Toy problems with known densities: 1-D and 2-D Gaussian mixtures.

A `GaussianMixture` draws samples (numpy, or a `tf.data.Dataset` that
`GAN.fit` takes) and evaluates its exact log-density, which the paper's theory
needs (`keras_gan.theory.criteria`). `TOY_PROBLEMS` names three:

- `"gaussian_1d"`: N(2, 0.5^2), the data of the paper's Figure 1.
- `"mixture_1d"`: 0.3 N(-2, 0.5^2) + 0.7 N(2, 0.5^2).
- `"ring_2d"`: 8 equally weighted Gaussians of standard deviation 0.1 on the
  circle of radius 2.
"""

import math

import numpy as np
from scipy.special import logsumexp

from keras_gan._checks import check_positive_int
from keras_gan._tf import lazy_tensorflow

tf = lazy_tensorflow("A tf.data pipeline")


class GaussianMixture:
    """A mixture of isotropic Gaussians in `dim` dimensions.

    Args:
        means: array-like `(k, dim)`, or `(k,)` for a 1-D mixture. Component
            means.
        stds: array-like `(k,)`. Component standard deviations, positive.
        weights: array-like `(k,)` or None. Mixing weights, positive; they are
            normalised to sum to 1. Defaults to None (equal weights).

    Example:
    >>> mixture = GaussianMixture([-3.0, 3.0], [0.5, 0.5])
    >>> mixture.sample(4, seed=0).shape
    (4, 1)
    >>> round(float(mixture.log_prob([[3.0]])[0]), 4)  # log(0.5 / (0.5 sqrt(2 pi)))
    -0.9189
    """

    def __init__(self, means, stds, weights=None):
        means = np.asarray(means, dtype="float64")
        self.means = means[:, None] if means.ndim == 1 else means
        self.stds = np.asarray(stds, dtype="float64")
        k = len(self.means)
        if self.means.ndim != 2 or k == 0:
            raise ValueError(f"`means` must have shape (k, dim) or (k,). Received: shape={means.shape}")
        if self.stds.shape != (k,) or not (self.stds > 0).all():
            raise ValueError(f"`stds` must be {k} positive numbers, one per mean. Received: stds={stds!r}")
        weights = np.ones(k) if weights is None else np.asarray(weights, dtype="float64")
        if weights.shape != (k,) or not (weights > 0).all():
            raise ValueError(f"`weights` must be {k} positive numbers, one per mean. Received: weights={weights!r}")
        self.weights = weights / weights.sum()

    @property
    def dim(self) -> int:
        """Dimension of the examples."""
        return self.means.shape[1]

    def __repr__(self) -> str:
        return (f"GaussianMixture(means={self.means.tolist()}, stds={self.stds.tolist()}, "
                f"weights={self.weights.tolist()})")

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """Draw `n` examples.

        Args:
            n: int. Number of examples.
            seed: int. The same seed gives the same examples. Defaults to 0.

        Returns:
            A float32 array `(n, dim)`.

        Example:
        >>> TOY_PROBLEMS["ring_2d"].sample(3, seed=0).shape
        (3, 2)
        """
        check_positive_int("n", n)
        rng = np.random.default_rng(seed)
        component = rng.choice(len(self.weights), size=n, p=self.weights)
        noise = rng.standard_normal((n, self.dim))
        return (self.means[component] + self.stds[component, None] * noise).astype("float32")

    def log_prob(self, x) -> np.ndarray:
        """The exact log-density at each row of `x`, in float64.

        Args:
            x: array-like `(n, dim)`. Points.

        Returns:
            A float64 array `(n,)`.

        Example:
        >>> round(float(TOY_PROBLEMS["gaussian_1d"].log_prob([[2.0]])[0]), 4)  # -log(0.5 sqrt(2 pi))
        -0.2258
        """
        x = np.asarray(x, dtype="float64")
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"`x` must have shape (n, {self.dim}). Received: shape={x.shape}")
        squared = ((x[:, None, :] - self.means[None]) ** 2).sum(-1)  # (n, k)
        log_components = (
            -0.5 * squared / self.stds**2 - self.dim * np.log(self.stds) - 0.5 * self.dim * math.log(2 * math.pi)
        )
        return logsumexp(log_components + np.log(self.weights), axis=1)

    def dataset(self, n: int, batch_size: int, seed: int = 0) -> "tf.data.Dataset":
        """`n` examples from `sample(n, seed)` as a `tf.data.Dataset` for `GAN.fit`.

        The examples are reshuffled every epoch (reproducibly, with `seed`) and
        batched; a last, smaller batch is dropped, so every step of `fit` sees
        a full batch.

        Args:
            n: int. Number of examples drawn.
            batch_size: int. Examples per batch, at most `n`.
            seed: int. Seed of the examples and of the shuffling. Defaults to 0.

        Returns:
            A `tf.data.Dataset` of float32 batches `(batch_size, dim)`.

        Example:
        >>> batches = TOY_PROBLEMS["gaussian_1d"].dataset(1000, batch_size=100, seed=0)
        >>> len(batches), next(iter(batches)).shape
        (10, TensorShape([100, 1]))
        """
        check_positive_int("n", n)
        check_positive_int("batch_size", batch_size)
        if batch_size > n:
            raise ValueError(f"`batch_size` must be at most `n`. Received: batch_size={batch_size}, n={n}")
        examples = self.sample(n, seed)
        dataset = tf.data.Dataset.from_tensor_slices(examples).shuffle(n, seed=seed, reshuffle_each_iteration=True)
        return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


_RING_ANGLES = 2 * np.pi * np.arange(8) / 8

TOY_PROBLEMS = {
    "gaussian_1d": GaussianMixture([2.0], [0.5]),
    "mixture_1d": GaussianMixture([-2.0, 2.0], [0.5, 0.5], [0.3, 0.7]),
    "ring_2d": GaussianMixture(2.0 * np.stack([np.cos(_RING_ANGLES), np.sin(_RING_ANGLES)], 1), np.full(8, 0.1)),
}
