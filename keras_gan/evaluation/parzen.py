"""Parzen-window log-likelihood: the evaluation behind Table 1 of the GAN paper.

Goodfellow et al. (2014) fit an isotropic Gaussian Parzen window to samples
drawn from the generator, choose its width `sigma` by cross-validation on a
validation set, and report the mean test log-likelihood with the standard error
of the mean (MNIST: 225 +- 2). This module reproduces the protocol of the
paper's code (goodfeli/adversarial `parzen_ll.py`): 10,000 samples, the grid
`numpy.logspace(-1, 0, 10)`, the first 1,000 validation examples for MNIST (the
whole validation fold for TFD), the sigma with the best mean validation
log-likelihood, and `std / sqrt(N_test)` (population std, as numpy's default)
as the "+-".

How it is computed. For a batch of data points, one float64 matrix product
gives `||s||^2 - 2 x.s` for every sample `s` (the samples' squared norms ride
along as an extra column; everything is centred at the samples' mean, which
shrinks the norms and so the cancellation). `||x||^2` is the same for every
sample and drops out: each row is shifted by its minimum (offsets >= 0,
exactly 0 at the nearest sample), and the nearest sample's squared distance is
recomputed directly as `||x - s||^2`, so the term that dominates at small
sigma has no cancellation error, even for near-duplicates. The log-sum-exp is
taken relative to the nearest sample, so nothing underflows at any sigma.
Terms below `exp(-(log N + 20))` of the largest are dropped: together they
move log p(x) by less than 2.1e-9 nats, and on MNIST they are 97% of the
terms over the paper's grid, so most exponentials are never computed. A grid
of sigmas shares one distance matrix; sigmas run from the widest to the
narrowest, each filtering the terms the previous one kept.

Backend, chosen by measurement on the project's 2-core machine (a shared VM,
timings noisy) for 10,000 samples x 10,000 MNIST validation digits x 784:
- float64 matrix product: numpy (OpenBLAS) 3.1 s, TensorFlow 6.2 s. In
  float32 (numpy 1.7 s, TensorFlow 2.9 s) distances are off by about 1e-5,
  5e-4 nats at sigma = 0.1, and near-duplicates lose every digit.
- log-sum-exp over the 10-sigma grid (1e9 terms): dense
  `scipy.special.logsumexp` 35 s, dense `tf.reduce_logsumexp` 10 s, the
  truncated numpy pipeline above 1.1 s (CPU time).
So the implementation is numpy (and `scipy.optimize` for the refined search);
TensorFlow is not used. `benchmarks/parzen.py` times the whole protocol.
"""

import dataclasses
import math
from typing import NamedTuple, Optional, Protocol, Sequence, Union

import numpy as np
import scipy.optimize

from keras_gan._checks import check_positive_int, is_positive_int

# The paper's grid: `numpy.logspace(sigma_start=-1, sigma_end=0, num=10)`.
PAPER_SIGMAS = np.logspace(-1.0, 0.0, 10)
PAPER_SIGMAS.setflags(write=False)

# Validation examples parzen_ll.py selects sigma on: the first 1,000 for MNIST,
# the whole fold for TFD (and FER-2013, its stand-in here). The paper scored no
# CIFAR-10 model; 1,000 as for MNIST.
PAPER_N_VALID = {"mnist": 1000, "tfd": None, "fer2013": None, "cifar10": 1000}

PROTOCOLS = ("paper", "refine")

# Terms smaller than exp(-(log N + _DROPPED_NATS)) times the largest one add up
# to less than exp(-_DROPPED_NATS) = 2.1e-9 of the sum, so skipping them moves
# log p(x) by less than 2.1e-9 nats. 30 would reach float64 rounding (1e-13)
# but computes 3x more exponentials on MNIST.
_DROPPED_NATS = 20.0

# Each refinement step past the grid's edge multiplies sigma by the grid's
# edge ratio; stop after this many (the curve may keep rising when validation
# points duplicate samples, as sigma -> 0).
_MAX_EDGE_STEPS = 30

ArrayLike = Union[np.ndarray, Sequence]


class _Block(NamedTuple):
    """Squared distances from a batch of data points to all samples.

    `products[i, j] - minima[i]` is `||x_i - s_j||^2` minus the smallest over
    `j` (>= 0, exactly 0 at the nearest sample); `nearest[i]` is that smallest
    squared distance, computed directly.
    """

    products: np.ndarray
    minima: np.ndarray
    nearest: np.ndarray


class SupportsGenerate(Protocol):
    """Anything with `generate(n, seed=...)` returning an array, like `keras_gan.GAN`."""

    def generate(self, n: int, seed: Optional[int] = None) -> np.ndarray: ...


@dataclasses.dataclass(frozen=True, eq=False)
class SigmaSelection:
    """The outcome of the cross-validation of sigma.

    Attributes:
        sigma: float. The selected width, the argmax of `valid_curve`.
        log_likelihood: float. Mean validation log-likelihood at `sigma`.
        sigmas: np.ndarray. Every sigma evaluated, ascending (the grid, plus
            the refinement's evaluations with `protocol="refine"`).
        valid_curve: np.ndarray. Mean validation log-likelihood at each of
            `sigmas`.
        protocol: str. `"paper"` or `"refine"`.
    """

    sigma: float
    log_likelihood: float
    sigmas: np.ndarray
    valid_curve: np.ndarray
    protocol: str


@dataclasses.dataclass(frozen=True, eq=False)
class ParzenResult:
    """A Parzen-window evaluation, as reported in the paper's Table 1.

    Attributes:
        mean: float. Mean test log-likelihood (nats).
        std_error: float. The paper's "+-": the standard deviation of the
            per-example test log-likelihoods divided by `sqrt(n_test)`.
        sigma: float. The window width selected on the validation set.
        sigmas: np.ndarray. Sigmas evaluated on the validation set, ascending.
        valid_curve: np.ndarray. Mean validation log-likelihood at each of
            `sigmas`.
        n_samples: int. Number of samples the window is centred on.
        n_valid: int. Number of validation examples used to select sigma.
        n_test: int. Number of test examples.
        protocol: str. `"paper"` or `"refine"`.
        test_log_likelihoods: np.ndarray. Per-example test log-likelihoods.
    """

    mean: float
    std_error: float
    sigma: float
    sigmas: np.ndarray
    valid_curve: np.ndarray
    n_samples: int
    n_valid: int
    n_test: int
    protocol: str
    test_log_likelihoods: np.ndarray

    def __str__(self) -> str:
        return (
            f"Parzen log-likelihood: {self.mean:.1f} +- {self.std_error:.1f} "
            f"(sigma={self.sigma:.3g}, {self.n_samples} samples, "
            f"{self.n_test} test examples)"
        )


def parzen_log_likelihood(
    samples: ArrayLike,
    data: ArrayLike,
    sigma: Union[float, ArrayLike],
    batch_size: int = 1000,
) -> np.ndarray:
    """Log-likelihood of each data point under a Gaussian Parzen window.

    `log p(x) = logsumexp_i(-||x - s_i||^2 / (2 sigma^2)) - log N
    - (d / 2) log(2 pi sigma^2)`, for the `N` samples `s_i` in `d` dimensions.
    Examples of any shape are flattened (C order) to vectors.

    Args:
        samples: array of shape (N, ...). Centres of the window, e.g. samples
            from a generator.
        data: array of shape (M, ...). Points to evaluate, with as many values
            per example as `samples`.
        sigma: float or 1-D array. Window width; with a 1-D array, every width
            is evaluated from one shared distance matrix.
        batch_size: int. Data points per block; memory is about
            `4 * batch_size * N * 8` bytes. Defaults to 1000.

    Returns:
        float64 array of shape (M,) for a scalar `sigma`, or
        (len(sigma), M) for a 1-D `sigma`.

    Example:
    >>> samples = np.random.default_rng(0).uniform(size=(100, 784))
    >>> parzen_log_likelihood(samples, samples[:5], sigma=[0.1, 0.2]).shape
    (2, 5)
    """
    samples = _as_examples(samples, "samples")
    data = _as_examples(data, "data")
    _check_same_features(samples, data, "data")
    sigmas, is_scalar = _as_sigmas(sigma, "sigma")
    check_positive_int("batch_size", batch_size)
    out = _log_likelihoods(_Window(samples), data, sigmas, batch_size)
    return out[0] if is_scalar else out


def select_sigma(
    samples: ArrayLike,
    valid: ArrayLike,
    sigmas: Optional[ArrayLike] = None,
    protocol: str = "paper",
    batch_size: int = 1000,
    xatol: float = 1e-3,
) -> SigmaSelection:
    """Choose the Parzen window's width by cross-validation, as in the paper.

    `protocol="paper"` evaluates the mean log-likelihood of `valid` at each of
    `sigmas` and keeps the best (ties go to the smaller sigma, like
    `numpy.argmax` in the paper's code). `protocol="refine"` starts from the
    same grid, steps past its edge while the best sigma sits on it, then runs
    a bounded scalar search (scipy's Brent / golden section) in log sigma
    between the best point's neighbours (a unimodal curve is assumed; after
    30 steps past the edge the edge is returned). It keeps the
    `len(valid) x len(samples)` float64 distance matrix in memory (80 MB for
    the paper's 1,000 x 10,000) so each extra sigma costs no matrix product.

    Args:
        samples: array of shape (N, ...). Centres of the window.
        valid: array of shape (M, ...). Validation examples; the paper uses
            the first 1,000 for MNIST and the whole fold for TFD.
        sigmas: 1-D array or None. Candidate widths (at least 2 for
            `"refine"`). Defaults to None, the paper's
            `numpy.logspace(-1, 0, 10)`.
        protocol: str. `"paper"` (the grid) or `"refine"` (the grid, then a
            finer search). Defaults to `"paper"`.
        batch_size: int. Validation examples per block. Defaults to 1000.
        xatol: float. Tolerance of the refined search on log(sigma) (1e-3 is
            sigma to 0.1%); unused by `"paper"`. Defaults to 1e-3.

    Returns:
        A `SigmaSelection` with the chosen `sigma` and the validation curve.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> samples, valid = rng.uniform(size=(200, 16)), rng.uniform(size=(50, 16))
    >>> select_sigma(samples, valid).sigma in PAPER_SIGMAS
    True
    """
    samples = _as_examples(samples, "samples")
    valid = _as_examples(valid, "valid")
    _check_same_features(samples, valid, "valid")
    grid = _check_selection_options(sigmas, protocol, batch_size, xatol)
    return _select(_Window(samples), valid, grid, protocol, batch_size, xatol)


def evaluate_generator(
    generator_or_samples: Union[SupportsGenerate, ArrayLike],
    valid: ArrayLike,
    test: ArrayLike,
    n_samples: int = 10000,
    seed: int = 0,
    protocol: str = "paper",
    n_valid: Optional[int] = 1000,
    sigmas: Optional[ArrayLike] = None,
    batch_size: int = 1000,
    xatol: float = 1e-3,
) -> ParzenResult:
    """Parzen-window test log-likelihood of a generator, the paper's protocol.

    Draws `n_samples` samples, selects sigma on the first `n_valid` validation
    examples (`select_sigma`), then reports the mean log-likelihood of `test`
    and its standard error. Samples and data must be on the same scale (the
    paper: MNIST pixels k/255 in [0, 1]).

    Args:
        generator_or_samples: object or array. Either an array of samples of
            shape (N, ...), used whole, or any object with a method
            `generate(n, seed=...)` returning an array, like `keras_gan.GAN`.
        valid: array of shape (M, ...). Validation examples.
        test: array of shape (K, ...). Test examples.
        n_samples: int. Samples to draw from a generator; unused with an
            array. Defaults to 10000 (the paper).
        seed: int. Seed passed to `generate`. Defaults to 0.
        protocol: str. `"paper"` or `"refine"`, see `select_sigma`. Defaults
            to `"paper"`.
        n_valid: int or None. Use the first `n_valid` validation examples;
            None uses them all (the paper's TFD choice). Defaults to 1000
            (the paper's MNIST choice).
        sigmas: 1-D array or None. Candidate widths. Defaults to None (the
            paper's `numpy.logspace(-1, 0, 10)`).
        batch_size: int. Data points per block. Defaults to 1000.
        xatol: float. Tolerance of `"refine"` on log(sigma). Defaults to 1e-3.

    Returns:
        A `ParzenResult`; `str(result)` reads like the paper's table.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> train, valid, test = (rng.uniform(size=(n, 16)) for n in (500, 100, 100))
    >>> result = evaluate_generator(train, valid, test)
    >>> result.n_samples, result.n_valid, result.n_test
    (500, 100, 100)
    """
    check_positive_int("n_samples", n_samples)
    if n_valid is not None and not is_positive_int(n_valid):
        raise ValueError(
            "`n_valid` must be a positive integer, or None to use the whole validation set. "
            f"Received: n_valid={n_valid!r}"
        )
    grid = _check_selection_options(sigmas, protocol, batch_size, xatol)
    if hasattr(generator_or_samples, "generate"):
        samples = np.asarray(generator_or_samples.generate(int(n_samples), seed=seed))
    else:
        samples = generator_or_samples
    samples = _as_examples(samples, "samples")
    valid = _as_examples(valid, "valid")[:n_valid]
    test = _as_examples(test, "test")
    _check_same_features(samples, valid, "valid")
    _check_same_features(samples, test, "test")
    window = _Window(samples)
    selection = _select(window, valid, grid, protocol, batch_size, xatol)
    test_ll = _log_likelihoods(window, test, np.array([selection.sigma]), batch_size)[0]
    test_ll.setflags(write=False)
    return ParzenResult(
        mean=float(test_ll.mean()),
        # numpy's default population std, as the paper's code.
        std_error=float(test_ll.std() / math.sqrt(len(test_ll))),
        sigma=selection.sigma,
        sigmas=selection.sigmas,
        valid_curve=selection.valid_curve,
        n_samples=len(samples),
        n_valid=len(valid),
        n_test=len(test_ll),
        protocol=protocol,
        test_log_likelihoods=test_ll,
    )


def _log_likelihoods(window: "_Window", data: np.ndarray, sigmas: np.ndarray, batch_size: int) -> np.ndarray:
    """Log-likelihoods of `data` at each of `sigmas`, shape (len(sigmas), len(data))."""
    return np.concatenate(
        [
            window.log_likelihood(window.distances(data[start : start + batch_size]), sigmas)
            for start in range(0, len(data), batch_size)
        ],
        axis=1,
    )


def _select(
    window: "_Window", valid: np.ndarray, grid: np.ndarray, protocol: str, batch_size: int, xatol: float
) -> SigmaSelection:
    """`select_sigma` on checked inputs."""
    if protocol == "paper":
        return _selection(grid, _log_likelihoods(window, valid, grid, batch_size).mean(axis=1), protocol)

    blocks = [window.distances(valid[start : start + batch_size]) for start in range(0, len(valid), batch_size)]
    curve = {}

    def mean_ll(sigma: float) -> float:
        if sigma not in curve:
            sigma_array = np.array([sigma])
            total = sum(window.log_likelihood(block, sigma_array).sum() for block in blocks)
            curve[sigma] = total / len(valid)
        return curve[sigma]

    for sigma in grid:
        mean_ll(float(sigma))
    # Step past the grid's edge, by the ratio of its two outermost sigmas, while the best sits on it.
    for _ in range(_MAX_EDGE_STEPS):
        known = sorted(curve)
        best = max(known, key=curve.get)
        if best == known[0]:
            mean_ll(best * best / known[1])
        elif best == known[-1]:
            mean_ll(best * best / known[-2])
        else:
            break
    known = sorted(curve)
    i = known.index(max(known, key=curve.get))
    if 0 < i < len(known) - 1:
        scipy.optimize.minimize_scalar(
            lambda log_sigma: -mean_ll(math.exp(log_sigma)),
            bounds=(math.log(known[i - 1]), math.log(known[i + 1])),
            method="bounded",
            options={"xatol": xatol},
        )
    evaluated = np.array(sorted(curve))
    return _selection(evaluated, np.array([curve[s] for s in evaluated]), protocol)


class _Window:
    """The samples, prepared once for distance blocks against many data batches."""

    def __init__(self, samples: np.ndarray):
        n_samples, dim = samples.shape
        self.mean = samples.mean(axis=0, dtype=np.float64)
        # ||s||^2 rides along as an extra column, so one product gives ||s||^2 - 2 x.s.
        self.augmented = np.empty((n_samples, dim + 1))
        self.samples = self.augmented[:, :dim]
        # Centring shrinks the norms, hence the cancellation in ||s||^2 - 2 x.s.
        np.subtract(samples, self.mean, out=self.samples)
        self.augmented[:, dim] = np.einsum("ij,ij->i", self.samples, self.samples)

    def distances(self, data: np.ndarray) -> _Block:
        """Distances from a batch of `data` to every sample."""
        x = data.astype(np.float64) - self.mean
        lhs = np.empty((len(x), x.shape[1] + 1))
        np.multiply(x, -2.0, out=lhs[:, :-1])
        lhs[:, -1] = 1.0
        products = lhs @ self.augmented.T
        argmin = products.argmin(axis=1)
        # Direct ||x - s||^2 for the nearest sample: the dominant term, free of cancellation.
        offsets = x - self.samples[argmin]
        return _Block(
            products=products,
            minima=products[np.arange(len(x)), argmin],
            nearest=np.einsum("ij,ij->i", offsets, offsets),
        )

    def log_likelihood(self, block: _Block, sigmas: np.ndarray) -> np.ndarray:
        """Log-likelihoods of one block at each of `sigmas`, shape (len(sigmas), len(block))."""
        n_rows, n_samples = block.products.shape
        scale = 0.5 / sigmas**2
        cutoff = math.log(n_samples) + _DROPPED_NATS
        log_sums = np.empty((len(sigmas), n_rows))
        # Kept terms are stored row after row; every row keeps at least its
        # nearest sample (offset 0), so no segment of `reduceat` is empty.
        offsets = starts = None
        # Widest sigma first: each narrower one keeps a subset of its terms.
        for k in np.argsort(scale):
            limit = cutoff / scale[k]
            if offsets is None:
                kept = block.products < (block.minima + limit)[:, None]
                counts = np.count_nonzero(kept, axis=1)
                offsets = block.products[kept] - np.repeat(block.minima, counts)
            else:
                kept = offsets < limit
                counts = np.add.reduceat(kept, starts, dtype=np.intp)
                offsets = offsets[kept]
            starts = np.cumsum(counts) - counts
            log_sums[k] = np.log(np.add.reduceat(np.exp(offsets * -scale[k]), starts))
        dim = self.samples.shape[1]
        norm = math.log(n_samples) + 0.5 * dim * np.log(2.0 * math.pi * sigmas**2)
        return log_sums - scale[:, None] * block.nearest - norm[:, None]


def _selection(sigmas: np.ndarray, curve: np.ndarray, protocol: str) -> SigmaSelection:
    order = np.argsort(sigmas, kind="stable")
    sigmas, curve = np.array(sigmas[order]), np.array(curve[order])
    sigmas.setflags(write=False)
    curve.setflags(write=False)
    best = int(np.argmax(curve))
    return SigmaSelection(
        sigma=float(sigmas[best]),
        log_likelihood=float(curve[best]),
        sigmas=sigmas,
        valid_curve=curve,
        protocol=protocol,
    )


def _as_examples(x: ArrayLike, name: str) -> np.ndarray:
    """`x` as a 2-D (examples, features) array, after checking it."""
    x = np.asarray(x)
    if x.ndim == 0:
        raise ValueError(f"`{name}` must be an array of examples of shape (N, ...). Received: {name}={x!r}")
    if x.dtype.kind not in "biuf":
        raise ValueError(f"`{name}` must hold real numbers. Received: {name}.dtype={x.dtype}")
    if x.size == 0:
        raise ValueError(
            f"`{name}` must hold at least one example with at least one value. Received: {name}.shape={x.shape}"
        )
    finite = np.isfinite(x.reshape(len(x), -1)).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ValueError(
            f"`{name}` must contain only finite values; {len(bad)} example(s) hold NaN or inf, "
            f"the first at index {bad[0]}. Remove or repair them. Received: {name}.shape={x.shape}"
        )
    return x.reshape(len(x), -1)


def _check_same_features(samples: np.ndarray, data: np.ndarray, name: str) -> None:
    if samples.shape[1] != data.shape[1]:
        raise ValueError(
            f"`samples` and `{name}` must have the same number of values per example "
            f"(both are flattened). Received: {samples.shape[1]} values per sample and "
            f"{data.shape[1]} per `{name}` example. Pass data of the same kind as the samples."
        )


def _as_sigmas(sigma: Union[float, ArrayLike], name: str) -> tuple:
    """`(sigmas, is_scalar)`: `sigma` as a 1-D float64 array, after checking it."""
    arr = np.asarray(sigma)
    if arr.dtype.kind not in "iuf" or arr.ndim > 1 or arr.size == 0:
        raise ValueError(
            f"`{name}` must be a positive number or a non-empty 1-D array of them. Received: {name}={sigma!r}"
        )
    arr = arr.astype(np.float64)
    if not (np.isfinite(arr).all() and (arr > 0).all()):
        raise ValueError(f"`{name}` must be positive and finite. Received: {name}={sigma!r}")
    squared = arr**2
    if not ((squared >= np.finfo(np.float64).tiny) & np.isfinite(squared)).all():
        raise ValueError(
            f"`{name}` must be between 1e-150 and 1e150 so that sigma**2 is a float64. Received: {name}={sigma!r}"
        )
    return np.atleast_1d(arr), arr.ndim == 0


def _check_selection_options(
    sigmas: Optional[ArrayLike], protocol: str, batch_size: int, xatol: float
) -> np.ndarray:
    """The checked grid of sigmas, after checking the other options of `select_sigma`."""
    grid, _ = _as_sigmas(PAPER_SIGMAS if sigmas is None else sigmas, "sigmas")
    if protocol not in PROTOCOLS:
        raise ValueError(f"`protocol` must be one of {PROTOCOLS}. Received: protocol={protocol!r}")
    if protocol == "refine" and len(np.unique(grid)) < 2:
        raise ValueError(
            "`protocol='refine'` needs at least 2 distinct `sigmas` to bracket its search. "
            f"Received: sigmas={grid.tolist()}"
        )
    if not (xatol > 0 and math.isfinite(xatol)):
        raise ValueError(f"`xatol` must be positive and finite. Received: xatol={xatol!r}")
    check_positive_int("batch_size", batch_size)
    return grid
