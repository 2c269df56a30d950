import numpy as np
import pytest

from keras_gan import losses

# Keras ops only: CI runs these under JAX and PyTorch too (.ci/run).
pytestmark = pytest.mark.backend_neutral

LOGITS = np.array([-1000.0, -30.0, -2.0, 0.0, 0.5, 3.0, 40.0, 1000.0], "float32")


def _log_sigmoid(x):
    # Exact in float64 for any x, without overflow: log(sigmoid(x)) = -log(1 + exp(-x)).
    return -np.logaddexp(0.0, -x.astype("float64"))


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
