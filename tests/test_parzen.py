"""Parzen-window evaluation against brute-force references written here."""

import dataclasses
import math
import re

import numpy as np
import pytest
import scipy.special
import scipy.stats

from keras_gan.evaluation import (
    ParzenResult,
    evaluate_generator,
    parzen_log_likelihood,
    select_sigma,
)

# numpy and Keras ops only: CI runs these under JAX and PyTorch too (.ci/run).
pytestmark = pytest.mark.backend_neutral

# The paper's grid, spelled out independently of the module's constant.
PAPER_GRID = np.logspace(-1.0, 0.0, 10)


def brute_force(samples, data, sigma):
    """Explicit double loop in float64: direct differences, max-shifted exponentials."""
    samples = np.asarray(samples, np.float64).reshape(len(samples), -1)
    data = np.asarray(data, np.float64).reshape(len(data), -1)
    n, dim = samples.shape
    out = []
    for x in data:
        exponents = []
        for s in samples:
            squared = math.fsum((xi - si) ** 2 for xi, si in zip(x, s))
            exponents.append(-squared / (2.0 * sigma**2))
        top = max(exponents)
        log_sum = top + math.log(math.fsum(math.exp(e - top) for e in exponents))
        out.append(log_sum - math.log(n) - 0.5 * dim * math.log(2.0 * math.pi * sigma**2))
    return np.array(out)


def broadcast_reference(samples, data, sigmas):
    """Vectorised reference (direct differences + scipy's logsumexp), shape (len(sigmas), len(data))."""
    samples = np.asarray(samples, np.float64).reshape(len(samples), -1)
    data = np.asarray(data, np.float64).reshape(len(data), -1)
    squared = ((data[:, None, :] - samples[None, :, :]) ** 2).sum(axis=-1)
    n, dim = samples.shape
    return np.stack(
        [
            scipy.special.logsumexp(-squared / (2.0 * s**2), axis=1)
            - math.log(n)
            - 0.5 * dim * math.log(2.0 * math.pi * s**2)
            for s in np.atleast_1d(sigmas)
        ]
    )


class FakeGenerator:
    """Has `generate(n, seed=...)` like `keras_gan.GAN`; records its calls."""

    def __init__(self):
        self.calls = []

    def generate(self, n, seed=None):
        self.calls.append((n, seed))
        return np.random.default_rng(seed).normal(size=(n, 2, 2))


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.mark.parametrize("sigma", [0.05, 0.3, 1.0, 4.0])
def test_matches_brute_force(rng, sigma):
    samples = rng.normal(size=(7, 2, 3))
    data = rng.normal(size=(5, 2, 3))
    np.testing.assert_allclose(
        parzen_log_likelihood(samples, data, sigma), brute_force(samples, data, sigma), rtol=1e-6
    )


def test_tiny_sigma_where_naive_exp_underflows(rng):
    samples = rng.uniform(size=(6, 4))
    data = rng.uniform(size=(4, 4))
    sigma = 1e-3
    squared = ((data[:, None] - samples[None]) ** 2).sum(-1)
    with np.errstate(divide="ignore"):
        naive = np.log(np.exp(-squared / (2 * sigma**2)).mean(axis=1))
    assert np.all(naive == -np.inf)  # the premise: a naive evaluation fails here
    result = parzen_log_likelihood(samples, data, sigma)
    np.testing.assert_allclose(result, brute_force(samples, data, sigma), rtol=1e-6)


def test_near_duplicates_far_from_origin(rng):
    # ||x||^2 + ||s||^2 - 2 x.s loses everything here: offsets of 1000, distances of 1e-14.
    samples = 1000.0 + rng.normal(size=(7, 4))
    data = samples[:3] + 1e-7 * rng.normal(size=(3, 4))
    sigma = 1e-7
    np.testing.assert_allclose(
        parzen_log_likelihood(samples, data, sigma), brute_force(samples, data, sigma), rtol=1e-6
    )


def test_single_sample_is_a_gaussian_density(rng):
    sample = rng.normal(size=(1, 5))
    points = rng.normal(size=(3, 5))
    sigma = 0.7
    expected = scipy.stats.multivariate_normal(mean=sample[0], cov=sigma**2 * np.eye(5)).logpdf(points)
    np.testing.assert_allclose(parzen_log_likelihood(sample, points, sigma), expected, rtol=1e-10)


def test_vector_of_sigmas_equals_scalar_calls(rng):
    samples = rng.normal(size=(30, 6))
    data = rng.normal(size=(11, 6))
    sigmas = [0.5, 0.1, 2.0, 0.3]
    grid = parzen_log_likelihood(samples, data, sigmas)
    assert grid.shape == (4, 11)
    for row, sigma in zip(grid, sigmas):
        np.testing.assert_allclose(row, parzen_log_likelihood(samples, data, sigma), rtol=1e-12)
        np.testing.assert_allclose(row, brute_force(samples, data, sigma), rtol=1e-6)


def test_batching_does_not_change_the_result(rng):
    samples = rng.normal(size=(20, 3))
    data = rng.normal(size=(9, 3))
    np.testing.assert_allclose(
        parzen_log_likelihood(samples, data, [0.2, 1.0], batch_size=2),
        parzen_log_likelihood(samples, data, [0.2, 1.0], batch_size=100),
        rtol=1e-12,
    )


def test_integer_images_are_accepted(rng):
    samples = rng.integers(0, 256, size=(10, 3, 3), dtype=np.uint8)
    data = rng.integers(0, 256, size=(4, 9), dtype=np.uint8)
    np.testing.assert_allclose(
        parzen_log_likelihood(samples, data, 30.0), brute_force(samples, data, 30.0), rtol=1e-6
    )


def _two_cluster_data(rng, n_samples=60, n_valid=40):
    """2-D data whose best Parzen width lies inside the paper's grid."""
    centres = np.array([[0.0, 0.0], [1.5, 1.5]])

    def draw(n):
        return centres[rng.integers(0, 2, n)] + 0.25 * rng.normal(size=(n, 2))

    return draw(n_samples), draw(n_valid)


def test_paper_protocol_picks_the_argmax_of_the_validation_curve(rng):
    samples, valid = _two_cluster_data(rng)
    selection = select_sigma(samples, valid)
    expected_curve = broadcast_reference(samples, valid, PAPER_GRID).mean(axis=1)
    np.testing.assert_allclose(selection.sigmas, PAPER_GRID, rtol=1e-12)
    np.testing.assert_allclose(selection.valid_curve, expected_curve, rtol=1e-6)
    best = int(np.argmax(expected_curve))
    assert 0 < best < len(PAPER_GRID) - 1  # interior, so the refine test below is meaningful
    assert selection.sigma == pytest.approx(PAPER_GRID[best], rel=1e-12)
    assert selection.log_likelihood == pytest.approx(expected_curve[best], rel=1e-6)


def test_refine_is_at_least_as_good_as_the_grid(rng):
    samples, valid = _two_cluster_data(rng)
    refined = select_sigma(samples, valid, protocol="refine")
    grid_best = broadcast_reference(samples, valid, PAPER_GRID).mean(axis=1).max()
    refined_ll = broadcast_reference(samples, valid, refined.sigma).mean()
    assert refined_ll >= grid_best
    assert refined.log_likelihood == pytest.approx(refined_ll, rel=1e-6)
    # Within a hair of a dense scan of the whole curve.
    dense = broadcast_reference(samples, valid, np.logspace(-2, 1, 3001)).mean(axis=1)
    assert refined_ll >= dense.max() - 1e-5
    assert refined.sigma == refined.sigmas[np.argmax(refined.valid_curve)]
    assert set(PAPER_GRID.round(12)) <= set(np.round(refined.sigmas, 12))


@pytest.mark.parametrize("scale, edge", [(10.0, -1), (0.005, 0)])
def test_refine_steps_past_the_edge_of_the_grid(rng, scale, edge):
    samples = scale * rng.normal(size=(40, 2))
    valid = scale * rng.normal(size=(30, 2))
    reference_curve = broadcast_reference(samples, valid, PAPER_GRID).mean(axis=1)
    assert np.argmax(reference_curve) == range(len(PAPER_GRID))[edge]  # the grid's best is an edge
    paper = select_sigma(samples, valid)
    refined = select_sigma(samples, valid, protocol="refine")
    assert paper.sigma == pytest.approx(PAPER_GRID[edge])
    # Well outside the grid, and much better on the validation set.
    assert not PAPER_GRID[0] / 1.5 < refined.sigma < PAPER_GRID[-1] * 1.5
    assert broadcast_reference(samples, valid, refined.sigma).mean() > reference_curve[edge] + 1.0


def test_evaluate_generator_calls_generate_and_slices_valid(rng):
    generator = FakeGenerator()
    valid = rng.normal(size=(30, 4))
    # Far-away tail: if it were used, sigma would be driven to the grid's top.
    valid = np.concatenate([valid, 50.0 + rng.normal(size=(20, 4))])
    test = rng.normal(size=(25, 2, 2))
    result = evaluate_generator(generator, valid, test, n_samples=80, seed=7, n_valid=30)
    assert generator.calls == [(80, 7)]
    samples = np.random.default_rng(7).normal(size=(80, 2, 2))
    curve = broadcast_reference(samples, valid[:30], PAPER_GRID).mean(axis=1)
    assert result.sigma == pytest.approx(PAPER_GRID[np.argmax(curve)], rel=1e-12)
    assert result.sigma < 1.0
    expected = broadcast_reference(samples, test, result.sigma)[0]
    assert result.mean == pytest.approx(expected.mean(), rel=1e-6)
    assert (result.n_samples, result.n_valid, result.n_test) == (80, 30, 25)
    assert result.protocol == "paper"


def test_std_error_is_std_over_sqrt_n(rng):
    samples = rng.normal(size=(50, 3))
    valid = rng.normal(size=(20, 3))
    test = rng.normal(size=(40, 3))
    result = evaluate_generator(samples, valid, test, n_valid=None)
    per_example = brute_force(samples, test, result.sigma)
    np.testing.assert_allclose(result.test_log_likelihoods, per_example, rtol=1e-6)
    assert result.std_error == pytest.approx(np.std(per_example) / math.sqrt(40), rel=1e-6)
    assert result.n_valid == 20


def test_result_prints_like_the_paper_and_is_frozen(rng):
    samples = rng.normal(size=(50, 3))
    result = evaluate_generator(samples, rng.normal(size=(20, 3)), rng.normal(size=(20, 3)))
    text = str(result)
    match = re.fullmatch(
        r"Parzen log-likelihood: (-?\d+\.\d) \+- (\d+\.\d) \(sigma=([\d.]+), 50 samples, 20 test examples\)",
        text,
    )
    assert match, text
    assert float(match.group(1)) == pytest.approx(result.mean, abs=0.05)
    assert float(match.group(2)) == pytest.approx(result.std_error, abs=0.05)
    assert float(match.group(3)) == pytest.approx(result.sigma, rel=1e-2)
    assert isinstance(result, ParzenResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.mean = 0.0
    with pytest.raises(ValueError):
        result.valid_curve[0] = 0.0


@pytest.mark.parametrize(
    "samples_shape, data_shape, message",
    [
        ((5, 3), (4, 2), "same number of values per example"),
        ((0, 3), (4, 3), "`samples` must hold at least one example"),
        ((5, 3), (0, 3), "`data` must hold at least one example"),
        ((5, 0), (4, 0), "`samples` must hold at least one example"),
    ],
)
def test_bad_shapes_raise(samples_shape, data_shape, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parzen_log_likelihood(np.zeros(samples_shape), np.zeros(data_shape), 1.0)


@pytest.mark.parametrize("sigma", [0, -1.0, np.nan, np.inf, [0.1, 0.0], [], [[0.1]], 1e-200])
def test_bad_sigma_raises(sigma):
    with pytest.raises(ValueError, match="`sigma` must"):
        parzen_log_likelihood(np.zeros((3, 2)), np.zeros((2, 2)), sigma)


@pytest.mark.parametrize("where", ["samples", "data"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_inputs_raise(where, bad):
    arrays = {"samples": np.zeros((4, 3)), "data": np.zeros((3, 3))}
    arrays[where][1, 2] = bad
    with pytest.raises(ValueError, match=f"`{where}` must contain only finite values.*index 1"):
        parzen_log_likelihood(arrays["samples"], arrays["data"], 1.0)


def test_bad_options_raise():
    samples, data = np.zeros((4, 2)), np.ones((3, 2))
    with pytest.raises(ValueError, match="`protocol` must be one of"):
        select_sigma(samples, data, protocol="grid")
    with pytest.raises(ValueError, match="at least 2 distinct `sigmas`"):
        select_sigma(samples, data, sigmas=[0.5], protocol="refine")
    with pytest.raises(ValueError, match="`sigmas` must be positive"):
        select_sigma(samples, data, sigmas=[0.5, -1.0])
    with pytest.raises(ValueError, match="`batch_size` must be a positive integer"):
        parzen_log_likelihood(samples, data, 1.0, batch_size=0)
    with pytest.raises(ValueError, match="`n_valid` must be a positive integer"):
        evaluate_generator(samples, data, data, n_valid=0)
    with pytest.raises(ValueError, match="`valid` must contain only finite values"):
        evaluate_generator(samples, np.full((3, 2), np.nan), data)
