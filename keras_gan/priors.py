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


def sample_latent(latent_prior: LatentPrior, shape, seed=None):
    """Draw noise of `shape` from `latent_prior`.

    With an integer `seed`, the TensorFlow backend draws
    `tf.random.stateless_{uniform,normal}(shape, seed=[seed, 0])`, which is
    what the exported `sample` signature reproduces.

    Args:
        latent_prior: str or callable. `"uniform"` (on [-sqrt 3, sqrt 3]),
            `"normal"` (N(0, 1)) or a callable `(shape, seed) -> tensor`.
        shape: tuple. Shape of the noise, usually `(batch, latent_dim)`.
        seed: int, `keras.random.SeedGenerator` or None.

    Example:
    >>> z = sample_latent("uniform", (4, 100), seed=0)
    """
    validate_prior(latent_prior)
    if callable(latent_prior):
        return latent_prior(shape, seed)
    if latent_prior == "uniform":
        return keras.random.uniform(
            shape, minval=-UNIFORM_BOUND, maxval=UNIFORM_BOUND, seed=seed
        )
    return keras.random.normal(shape, seed=seed)
