"""The paper's theory, computed: the optimal discriminator (Proposition 1) and C(G) = -log 4 + 2 JSD (Theorem 1).

Densities are passed as their logarithms at the points of an integration grid
(`integration_grid`: points and trapezoid weights), the discriminator as its
logits at the same points, so that nothing overflows where D saturates or a
density is tiny:

- `optimal_discriminator`: D*(x) = p_data(x) / (p_data(x) + p_g(x)).
- `value_function`: V(D, G) = integral of p_data log D + p_g log(1 - D).
- `jensen_shannon`: JSD(p_data || p_g), in nats.
- `virtual_training_criterion`: C(G) = max_D V(D, G) = -log 4 + 2 JSD.
- `discriminator_error`: the mean |D - D*| where the two distributions put
  their mass.
"""

import math

import numpy as np
from scipy.special import expit

from keras_gan._checks import check_positive_int


def integration_grid(low: float, high: float, num: int = 2001, dim: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Points of a regular grid on [low, high]^dim and their trapezoid-rule weights.

    `sum(weights * f(points))` approximates the integral of `f` over the cube;
    for densities, choose the cube so that it holds nearly all their mass.

    Args:
        low: float. Lower end of every axis.
        high: float. Upper end of every axis, above `low`.
        num: int. Points per axis, at least 2. Defaults to 2001.
        dim: int. Number of axes. Defaults to 1.

    Returns:
        `(points, weights)`: float64 arrays `(num**dim, dim)` and `(num**dim,)`.

    Example:
    >>> points, weights = integration_grid(0.0, 1.0, num=3)
    >>> points[:, 0].tolist(), weights.tolist()
    ([0.0, 0.5, 1.0], [0.25, 0.5, 0.25])
    """
    if not high > low:
        raise ValueError(f"`high` must be above `low`. Received: low={low!r}, high={high!r}")
    if not isinstance(num, int) or num < 2:
        raise ValueError(f"`num` must be an integer of at least 2. Received: num={num!r}")
    check_positive_int("dim", dim)
    axis = np.linspace(low, high, num)
    axis_weights = np.full(num, (high - low) / (num - 1))
    axis_weights[[0, -1]] /= 2
    points = np.stack([a.ravel() for a in np.meshgrid(*[axis] * dim, indexing="ij")], axis=1)
    weights = np.prod(np.meshgrid(*[axis_weights] * dim, indexing="ij"), axis=0).ravel()
    return points, weights


def _arrays(**arrays) -> list:
    """The arrays as float64, after checking that they are 1-D and of one length (values at the same points)."""
    arrays = {name: np.asarray(value, dtype="float64") for name, value in arrays.items()}
    shapes = {name: value.shape for name, value in arrays.items()}
    if len(set(shapes.values())) != 1 or len(next(iter(shapes.values()))) != 1:
        raise ValueError(
            f"The arrays must be 1-D and of one length, values at the same points. Received shapes: {shapes}"
        )
    return list(arrays.values())


def _integral(weights: np.ndarray, log_density: np.ndarray, values: np.ndarray) -> float:
    """The integral of p f on the grid; p f is 0 where p is 0, whatever f is (0 log 0 = 0)."""
    density = np.exp(log_density)
    return float(np.sum(weights * density * np.where(density > 0, values, 0.0)))


def optimal_discriminator(log_p_data, log_p_g) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)), the best D for a fixed G (Proposition 1).

    Args:
        log_p_data: array-like `(n,)`. log p_data at n points.
        log_p_g: array-like `(n,)`. log p_g at the same points.

    Returns:
        A float64 array `(n,)` in [0, 1]; NaN where both densities are 0 (D*
        is only defined on their supports). Its logit is log p_data - log p_g.

    Example:
    >>> optimal_discriminator(np.log([0.3, 0.1]), np.log([0.1, 0.1])).round(6).tolist()
    [0.75, 0.5]
    """
    log_p_data, log_p_g = _arrays(log_p_data=log_p_data, log_p_g=log_p_g)
    return expit(log_p_data - log_p_g)


def value_function(d_logits, log_p_data, log_p_g, weights) -> float:
    """V(D, G) = E_{p_data}[log D(x)] + E_{p_g}[log(1 - D(x))], by numerical integration.

    The paper's value function (Eq. 1), written over x as in its Proposition 1.
    `GAN`'s `d_loss` metric is -V estimated on minibatches.

    Args:
        d_logits: array-like `(n,)`. D's logits at the grid's points.
        log_p_data: array-like `(n,)`. log p_data at those points.
        log_p_g: array-like `(n,)`. log p_g at those points.
        weights: array-like `(n,)`. The grid's integration weights.

    Returns:
        V in nats, a float.

    Example:
    >>> from keras_gan.theory.data import GaussianMixture
    >>> points, weights = integration_grid(-10.0, 10.0)
    >>> log_p = GaussianMixture([0.0], [1.0]).log_prob(points)
    >>> round(value_function(np.zeros(len(points)), log_p, log_p, weights), 6)  # D = 1/2: -log 4
    -1.386294
    """
    d_logits, log_p_data, log_p_g, weights = _arrays(
        d_logits=d_logits, log_p_data=log_p_data, log_p_g=log_p_g, weights=weights
    )
    # log D = -softplus(-logit), log(1 - D) = -softplus(logit), as in keras_gan.losses.
    return _integral(weights, log_p_data, -np.logaddexp(0.0, -d_logits)) + _integral(
        weights, log_p_g, -np.logaddexp(0.0, d_logits)
    )


def jensen_shannon(log_p_data, log_p_g, weights) -> float:
    """JSD(p_data || p_g) = KL(p_data || m) / 2 + KL(p_g || m) / 2, m = (p_data + p_g) / 2, by numerical integration.

    Args:
        log_p_data: array-like `(n,)`. log p_data at the grid's points.
        log_p_g: array-like `(n,)`. log p_g at those points.
        weights: array-like `(n,)`. The grid's integration weights.

    Returns:
        The divergence in nats, in [0, log 2].

    Example:
    >>> from keras_gan.theory.data import GaussianMixture
    >>> points, weights = integration_grid(-30.0, 30.0, num=6001)
    >>> far_apart = [GaussianMixture([mean], [1.0]).log_prob(points) for mean in (-10, 10)]
    >>> round(jensen_shannon(*far_apart, weights), 6)  # disjoint supports: log 2
    0.693147
    """
    log_p_data, log_p_g, weights = _arrays(log_p_data=log_p_data, log_p_g=log_p_g, weights=weights)
    log_m = np.logaddexp(log_p_data, log_p_g) - math.log(2.0)
    return 0.5 * _integral(weights, log_p_data, log_p_data - log_m) + 0.5 * _integral(
        weights, log_p_g, log_p_g - log_m
    )


def virtual_training_criterion(log_p_data, log_p_g, weights) -> float:
    """C(G) = max_D V(D, G) = -log 4 + 2 JSD(p_data || p_g) (Theorem 1).

    Its minimum, -log 4, is reached exactly when p_g = p_data.

    Args:
        log_p_data: array-like `(n,)`. log p_data at the grid's points.
        log_p_g: array-like `(n,)`. log p_g at those points.
        weights: array-like `(n,)`. The grid's integration weights.

    Returns:
        C(G) in nats, a float.

    Example:
    >>> from keras_gan.theory.data import GaussianMixture
    >>> points, weights = integration_grid(-10.0, 10.0)
    >>> log_p = GaussianMixture([0.0], [1.0]).log_prob(points)
    >>> round(virtual_training_criterion(log_p, log_p, weights), 6)
    -1.386294
    """
    return -math.log(4.0) + 2.0 * jensen_shannon(log_p_data, log_p_g, weights)


def discriminator_error(d_logits, log_p_data, log_p_g, weights) -> float:
    """E|D(x) - D*(x)| for x from the mixture (p_data + p_g) / 2: how far D is from Proposition 1's optimum.

    The mixture is where D is trained (half real, half generated examples);
    far outside it a trained D is an extrapolation and D* is not learnable.

    Args:
        d_logits: array-like `(n,)`. D's logits at the grid's points.
        log_p_data: array-like `(n,)`. log p_data at those points.
        log_p_g: array-like `(n,)`. log p_g at those points.
        weights: array-like `(n,)`. The grid's integration weights.

    Returns:
        The mean absolute error, in [0, 1].

    Example:
    >>> from keras_gan.theory.data import GaussianMixture
    >>> points, weights = integration_grid(-10.0, 10.0)
    >>> log_p = GaussianMixture([0.0], [1.0]).log_prob(points)
    >>> round(discriminator_error(np.full(len(points), 1e9), log_p, log_p, weights), 6)  # D = 1, D* = 1/2
    0.5
    """
    d_logits, log_p_data, log_p_g, weights = _arrays(
        d_logits=d_logits, log_p_data=log_p_data, log_p_g=log_p_g, weights=weights
    )
    log_mixture = np.logaddexp(log_p_data, log_p_g) - math.log(2.0)
    return _integral(weights, log_mixture, np.abs(expit(d_logits) - optimal_discriminator(log_p_data, log_p_g)))
