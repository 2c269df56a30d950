"""Latent priors p_z(z): the noise the generator is fed."""

import math
from typing import Callable, Union

import keras

# Uniform on [-sqrt(3), sqrt(3)] has unit variance, like N(0, 1).
UNIFORM_BOUND = math.sqrt(3.0)

PRIORS = ("uniform", "normal")

LatentPrior = Union[str, Callable]


def validate_prior(latent_prior: LatentPrior) -> None:
    """Raise a `ValueError` unless `latent_prior` is a known name or a callable."""
    if callable(latent_prior) or latent_prior in PRIORS:
        return
    raise ValueError(
        f"`latent_prior` must be one of {PRIORS} or a callable "
        f"`(shape, seed) -> tensor`. Received: latent_prior={latent_prior!r}"
    )


def _stateless_seed(seed):
    """A `[2]` int64 seed for TensorFlow's stateless random ops."""
    import tensorflow as tf

    if isinstance(seed, keras.random.SeedGenerator):
        return tf.cast(seed.next(), "int64")
    if seed is None:
        return tf.random.uniform([2], maxval=2**31 - 1, dtype="int64")
    seed = tf.cast(seed, "int64")
    if seed.shape.rank == 1:  # already a full stateless seed pair
        return seed
    return tf.stack([seed, tf.constant(0, "int64")])


def sample_latent(latent_prior: LatentPrior, shape, seed=None):
    """Draw noise of `shape` from `latent_prior`.

    Under TensorFlow the noise comes from TensorFlow's stateless generator with
    seed `[seed, 0]` (or the seed generator's next state): the same draw in
    eager code, in a `tf.function` and in an exported SavedModel. XLA's kernels
    (`jit_compile`) draw different, identically distributed numbers for the
    same seed. Under JAX and PyTorch it comes from `keras.random` with the
    same seed: the same distribution, other numbers.

    Args:
        latent_prior: str or callable. `"uniform"` (on [-sqrt 3, sqrt 3]),
            `"normal"` (N(0, 1)) or a callable `(shape, seed) -> tensor`.
        shape: tuple. Shape of the noise, usually `(batch, latent_dim)`.
        seed: int, scalar integer tensor, `[2]` integer tensor (a full
            stateless seed), `keras.random.SeedGenerator` or None (fresh
            noise); tensors only under TensorFlow. Defaults to None.

    Example:
    >>> z = sample_latent("uniform", (4, 100), seed=0)
    """
    validate_prior(latent_prior)
    if callable(latent_prior):
        return latent_prior(shape, seed)
    if keras.backend.backend() != "tensorflow":
        return _keras_sample(latent_prior, shape, seed)
    import tensorflow as tf

    seed = _stateless_seed(seed)
    if latent_prior == "uniform":
        return tf.random.stateless_uniform(
            shape, seed, minval=-UNIFORM_BOUND, maxval=UNIFORM_BOUND
        )
    return tf.random.stateless_normal(shape, seed)


def _keras_sample(latent_prior: str, shape, seed):
    if not (seed is None or isinstance(seed, (int, keras.random.SeedGenerator))):
        raise ValueError(
            f"Under {keras.backend.backend()}, `seed` must be an int, a `keras.random.SeedGenerator` or None. "
            f"Received: seed={seed!r}"
        )
    if latent_prior == "uniform":
        return keras.random.uniform(shape, minval=-UNIFORM_BOUND, maxval=UNIFORM_BOUND, seed=seed)
    return keras.random.normal(shape, seed=seed)
