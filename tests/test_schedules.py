import keras
import numpy as np
import pytest

from keras_gan import experiments
from keras_gan.schedules import ExponentialDecayToFloor, LinearMomentum, ScheduledMomentumSGD
from tests.helpers import assert_serialization_round_trip

# Keras ops only: CI runs these under JAX and PyTorch too (.ci/run).
pytestmark = pytest.mark.backend_neutral


def test_learning_rate_decays_per_update_to_its_floor():
    schedule = ExponentialDecayToFloor(0.1, decay_factor=1.000004, min_learning_rate=1e-6)
    for step in (0, 1, 500, 250_000):
        np.testing.assert_allclose(float(schedule(step)), 0.1 / 1.000004**step, rtol=1e-4)
    assert float(schedule(10**8)) == pytest.approx(1e-6)


def test_momentum_follows_pylearn2_momentum_adjustor():
    momentum = LinearMomentum(steps_per_epoch=10, initial_momentum=0.5, final_momentum=0.7, start=1, saturate=250)
    # Epochs 0 and 1 train with 0.5; epoch e with 0.5 + 0.2 (e - 1) / 249; 0.7 from epoch 250.
    for epoch, expected in [(0, 0.5), (1, 0.5), (2, 0.5 + 0.2 / 249), (125, 0.5 + 0.2 * 124 / 249), (250, 0.7), (900, 0.7)]:
        for step in (epoch * 10, epoch * 10 + 9):
            assert float(momentum(step)) == pytest.approx(expected, rel=1e-6)


def test_scheduled_momentum_sgd_update_rule():
    optimizer = ScheduledMomentumSGD(0.1, LinearMomentum(steps_per_epoch=1, start=0, saturate=2))
    w = keras.Variable(np.zeros(2, "float32"))
    grads = [np.array([1.0, -2.0], "float32")] * 3
    velocity, expected = np.zeros(2), np.zeros(2)
    for step, g in enumerate(grads):
        momentum = 0.5 + 0.2 * min(step / 2, 1.0)
        velocity = momentum * velocity - 0.1 * g
        expected = expected + velocity
        optimizer.apply([g], [w])
    np.testing.assert_allclose(np.array(w), expected, rtol=1e-6)


def test_schedules_and_optimizer_serialize():
    for obj in (ExponentialDecayToFloor(0.1), LinearMomentum(500)):
        assert_serialization_round_trip(obj)
    optimizer = experiments.get("mnist").make_optimizer(500, 0.1)
    clone = ScheduledMomentumSGD.from_config(optimizer.get_config())
    assert float(clone.learning_rate) == pytest.approx(float(optimizer.learning_rate))
    assert clone.momentum_schedule.get_config() == optimizer.momentum_schedule.get_config()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: ExponentialDecayToFloor(0.0), "`initial_learning_rate` must be positive"),
        (lambda: ExponentialDecayToFloor(0.1, decay_factor=0.5), "`decay_factor` must be >= 1"),
        (lambda: LinearMomentum(0), "`steps_per_epoch` must be a positive integer"),
        (lambda: LinearMomentum(10, final_momentum=1.5), "`final_momentum` must be in"),
        (lambda: LinearMomentum(10, start=5, saturate=5), "`saturate` must be greater"),
        (lambda: ScheduledMomentumSGD(0.1), "`momentum_schedule` is required"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()
