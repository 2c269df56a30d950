import numpy as np
import pytest

from keras_gan import losses

LOGITS = np.array([-1000.0, -30.0, -2.0, 0.0, 0.5, 3.0, 40.0, 1000.0], "float32")


def _log_sigmoid(x):
    # Exact in float64 for any x: log(sigmoid(x)) = -log1p(exp(-x)).
    x = x.astype("float64")
    return np.where(x > 0, -np.log1p(np.exp(-x)), x - np.log1p(np.exp(x)))


def test_discriminator_loss_is_minus_value_function():
    real, fake = LOGITS, LOGITS[::-1].copy()
    # V = E log D(x) + E log(1 - D(G(z))), with 1 - sigmoid(l) = sigmoid(-l).
    value = _log_sigmoid(real).mean() + _log_sigmoid(-fake).mean()
    np.testing.assert_allclose(float(losses.discriminator_loss(real, fake)), -value, rtol=1e-6)


def test_discriminator_loss_at_global_optimum_is_log_4():
    np.testing.assert_allclose(float(losses.discriminator_loss(np.zeros(3), np.zeros(3))), np.log(4), rtol=1e-6)


def test_generator_losses_equal_their_formulas_including_saturation():
    ns = float(losses.non_saturating_generator_loss(LOGITS))
    mm = float(losses.minimax_generator_loss(LOGITS))
    np.testing.assert_allclose(ns, -_log_sigmoid(LOGITS).mean(), rtol=1e-6)
    np.testing.assert_allclose(mm, _log_sigmoid(-LOGITS).mean(), rtol=1e-6)
    assert np.isfinite([ns, mm]).all()


def test_get_generator_loss_rejects_unknown_names():
    with pytest.raises(ValueError, match="`generator_loss` must be one of"):
        losses.get_generator_loss("wasserstein")
