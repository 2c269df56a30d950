"""The paper's theory on 1-D toy problems: Proposition 1 (D*), Theorem 1 (C(G) = -log 4 + 2 JSD), D -> 1/2.

p_data is N(0, 1). G is frozen at G(z) = scale z + shift with z ~ N(0, 1), so
p_g = N(shift, scale^2) exactly and D* is known in closed form. Tolerances
are stated beside each check; each trained one holds with at least twice the
margin measured at these seeds (the measured values are in the docstrings).
"""

import math

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import theory
from keras_gan.theory import FIGURE_1_LABELS, TOY_PROBLEMS, GaussianMixture, figure_1, networks, run_figure_1

DATA = GaussianMixture([0.0], [1.0])
POINTS, WEIGHTS = theory.integration_grid(-8.0, 8.0, num=1601)
LOG_P_DATA = DATA.log_prob(POINTS)
LOG_4 = math.log(4.0)
LOSSES = ("minimax", "non_saturating")


def _logits(discriminator) -> np.ndarray:
    return np.asarray(discriminator(POINTS.astype("float32")), dtype="float64")[:, 0]


def _train_discriminator(scale: float, shift: float, updates: int, seed: int = 0, initial_bias: float = 0.0):
    """A toy D trained for the frozen G(z) = scale z + shift; returns D, G and log p_g on the grid."""
    keras.utils.set_random_seed(seed)
    generator, discriminator = networks.affine_generator(scale, shift), networks.discriminator()
    discriminator.get_layer("y").bias.assign([initial_bias])
    before = [v.numpy() for v in generator.weights]
    theory.fit_toy(generator, discriminator, DATA, updates, freeze="generator", latent_prior="normal",
                   learning_rate=1e-2, seed=seed)
    assert all(np.array_equal(a, b.numpy()) for a, b in zip(before, generator.weights)), "G moved"
    assert generator.trainable and discriminator.trainable
    return discriminator, generator, GaussianMixture([shift], [scale]).log_prob(POINTS)


@pytest.fixture(scope="module")
def trained():
    """D trained to convergence against p_g = N(1, 0.5^2)."""
    return _train_discriminator(0.5, 1.0, updates=800)


@pytest.mark.slow
def test_toy_densities_integrate_to_one_and_match_their_samples():
    points, weights = theory.integration_grid(-3.0, 3.0, num=601, dim=2)
    assert abs(np.sum(weights * np.exp(TOY_PROBLEMS["ring_2d"].log_prob(points))) - 1) < 1e-4
    samples = TOY_PROBLEMS["mixture_1d"].sample(100_000, seed=0)
    exact_mean = 0.3 * -2.0 + 0.7 * 2.0
    # 5 standard errors of the mean (the mixture's std is below 2.1).
    assert abs(samples.mean() - exact_mean) < 5 * 2.1 / math.sqrt(len(samples))
    for name in ("gaussian_1d", "mixture_1d"):
        assert abs(np.sum(WEIGHTS * np.exp(TOY_PROBLEMS[name].log_prob(POINTS))) - 1) < 1e-6


def test_toy_dataset_is_seeded_full_batches_reshuffled_each_epoch():
    dataset = TOY_PROBLEMS["gaussian_1d"].dataset(10, batch_size=4, seed=0)
    first, second = (np.concatenate([np.asarray(b) for b in dataset]) for _ in range(2))
    assert first.shape == (8, 1)  # the last, smaller batch is dropped
    assert not np.array_equal(first, second)
    again = np.concatenate([np.asarray(b) for b in TOY_PROBLEMS["gaussian_1d"].dataset(10, batch_size=4, seed=0)])
    np.testing.assert_array_equal(first, again)


def test_jensen_shannon_matches_monte_carlo_and_its_limits():
    log_p_g = GaussianMixture([1.0], [0.5]).log_prob(POINTS)
    jsd = theory.jensen_shannon(LOG_P_DATA, log_p_g, WEIGHTS)
    # Monte Carlo: JSD = E_p[log p/m] / 2 + E_q[log q/m] / 2, 200,000 samples of each.
    g = GaussianMixture([1.0], [0.5])
    terms = []
    for p, q, seed in ((DATA, g, 1), (g, DATA, 2)):
        x = p.sample(200_000, seed=seed)
        terms.append(p.log_prob(x) - (np.logaddexp(p.log_prob(x), q.log_prob(x)) - math.log(2)))
    estimate = 0.5 * terms[0].mean() + 0.5 * terms[1].mean()
    error = 0.5 * math.sqrt(terms[0].var() / len(terms[0]) + terms[1].var() / len(terms[1]))
    assert abs(jsd - estimate) < 4 * error  # 4 standard errors: about 0.002 nats
    assert abs(theory.jensen_shannon(LOG_P_DATA, LOG_P_DATA, WEIGHTS)) < 1e-12
    far = GaussianMixture([40.0], [1.0])
    points, weights = theory.integration_grid(-10.0, 50.0, num=6001)
    assert abs(theory.jensen_shannon(DATA.log_prob(points), far.log_prob(points), weights) - math.log(2)) < 1e-6


def test_criterion_is_the_value_at_the_optimal_discriminator_and_its_maximum():
    """Theorem 1's identity V(D*, G) = -log 4 + 2 JSD, and D* as V's maximiser (Proposition 1)."""
    log_p_g = GaussianMixture([1.0], [0.5]).log_prob(POINTS)
    optimal_logits = LOG_P_DATA - log_p_g  # the logit of p_data / (p_data + p_g)
    np.testing.assert_allclose(theory.optimal_discriminator(LOG_P_DATA, log_p_g), 1 / (1 + np.exp(-optimal_logits)))
    criterion = theory.virtual_training_criterion(LOG_P_DATA, log_p_g, WEIGHTS)
    assert criterion == pytest.approx(-LOG_4 + 2 * theory.jensen_shannon(LOG_P_DATA, log_p_g, WEIGHTS), abs=1e-12)
    assert theory.value_function(optimal_logits, LOG_P_DATA, log_p_g, WEIGHTS) == pytest.approx(criterion, abs=1e-9)
    for other in (optimal_logits + 0.3, 1.2 * optimal_logits, np.zeros_like(optimal_logits)):
        assert theory.value_function(other, LOG_P_DATA, log_p_g, WEIGHTS) < criterion - 1e-3


@pytest.mark.slow
def test_trained_discriminator_matches_the_optimal_one(trained):
    """Proposition 1: E|D - D*| over (p_data + p_g) / 2 is below 0.03 (measured: 0.014).

    The D* of a p_g whose mean is off by 0.25 must fail the same bound, so the bound can tell D* apart.
    """
    discriminator, _, log_p_g = trained
    error = theory.discriminator_error(_logits(discriminator), LOG_P_DATA, log_p_g, WEIGHTS)
    assert error < 0.03
    log_p_wrong = GaussianMixture([1.25], [0.5]).log_prob(POINTS)
    wrong = theory.discriminator_error(_logits(discriminator), LOG_P_DATA, log_p_wrong, WEIGHTS)
    assert wrong > 0.03


def test_value_at_the_trained_discriminator_is_minus_log_4_plus_twice_the_jsd(trained):
    """Theorem 1 at a trained D: V(D, G) within 0.01 nats below C(G) = -log 4 + 2 JSD (measured gap: 0.004)."""
    discriminator, _, log_p_g = trained
    value = theory.value_function(_logits(discriminator), LOG_P_DATA, log_p_g, WEIGHTS)
    criterion = -LOG_4 + 2 * theory.jensen_shannon(LOG_P_DATA, log_p_g, WEIGHTS)
    assert criterion - 0.01 < value <= criterion + 1e-9
    assert criterion > -LOG_4 + 0.1  # p_g != p_data: C(G) is well above its minimum


@pytest.mark.slow
def test_when_g_matches_the_data_d_goes_to_one_half_and_v_to_minus_log_4():
    """p_g = p_data, D started at D = 0.95: after training |D - 1/2| < 0.05 on [-2, 2] and |V + log 4| < 0.005.

    Measured: 0.020 and 0.0002.
    """
    discriminator, _, log_p_g = _train_discriminator(1.0, 0.0, updates=400, initial_bias=3.0)
    d = 1 / (1 + np.exp(-_logits(discriminator)))
    assert np.abs(d[np.abs(POINTS[:, 0]) <= 2] - 0.5).max() < 0.05
    assert abs(theory.value_function(_logits(discriminator), LOG_P_DATA, log_p_g, WEIGHTS) + LOG_4) < 0.005
    assert abs(theory.virtual_training_criterion(LOG_P_DATA, log_p_g, WEIGHTS) + LOG_4) < 1e-12


@pytest.mark.slow
def test_non_saturating_loss_gives_g_a_stronger_gradient_early(trained):
    """Section 3: when D rejects G's samples, the minimax loss's gradient is over 10x weaker (measured: 51x).

    At D = 1/2 the two gradients are equal.
    """
    _, generator, _ = trained
    discriminator, far, _ = _train_discriminator(0.5, 4.0, updates=200)
    norms = {loss: theory.generator_gradient_norm(far, discriminator, loss, "normal") for loss in LOSSES}
    assert norms["non_saturating"] > 10 * norms["minimax"]
    half = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros")])  # D = 1/2
    norms = [theory.generator_gradient_norm(generator, half, loss, "normal") for loss in LOSSES]
    assert norms[0] == pytest.approx(norms[1], rel=1e-6)


@pytest.mark.slow
def test_figure_1_panels_and_png(tmp_path):
    panels = run_figure_1(seed=0, d_updates=2, g_updates=2, joint_updates=2, n_samples=200)
    assert [panel.label for panel in panels] == list(FIGURE_1_LABELS)
    for panel in panels:
        assert panel.criterion == pytest.approx(-LOG_4 + 2 * panel.jsd)
        assert panel.value <= panel.criterion + 1e-9
    # Stage (b) trains D alone and (c) G alone.
    (a, b, c, _) = panels
    assert np.array_equal(a.g_of_z, b.g_of_z) and not np.array_equal(a.d_logits, b.d_logits)
    assert np.array_equal(b.d_logits, c.d_logits) and not np.array_equal(b.g_of_z, c.g_of_z)
    path = figure_1(panels, tmp_path / "figure_1.png", panel_width=200)
    assert Image.open(path).size == (800, 276)


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: GaussianMixture([0.0, 1.0], [1.0]), "`stds` must be 2 positive numbers"),
        (lambda: GaussianMixture([0.0], [1.0]).log_prob(np.zeros((3, 2))), r"`x` must have shape \(n, 1\)"),
        (lambda: theory.integration_grid(1.0, 0.0), "`high` must be above `low`"),
        (lambda: theory.jensen_shannon(np.zeros(3), np.zeros(4), np.ones(3)), "of one length"),
        (lambda: theory.fit_toy(networks.generator(), networks.discriminator(), DATA, 1, freeze="both"), "`freeze` must be"),
        (lambda: networks.affine_generator(0.0, 1.0), "`scale` must be a positive number"),
    ],
)
def test_invalid_arguments_name_the_problem(make, match):
    with pytest.raises(ValueError, match=match):
        make()
