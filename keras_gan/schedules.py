"""The paper's SGD schedules: learning-rate decay per update, momentum ramp per epoch.

pylearn2's `ExponentialDecay(decay_factor, min_lr)` divides the learning rate by
`decay_factor` after every update and stops at `min_lr`. Its
`MomentumAdjustor(start, saturate, final_momentum)` moves the momentum linearly
from its initial value to `final_momentum` between epochs `start` and
`saturate`. Both are functions of the optimizer's step counter here, so they
compile into the train function, are saved with the optimizer and resume exactly.
"""

import math

import keras
from keras import ops

from keras_gan._checks import check_positive, check_positive_int


@keras.saving.register_keras_serializable(package="keras_gan")
class ExponentialDecayToFloor(keras.optimizers.schedules.LearningRateSchedule):
    """`lr(step) = max(initial / decay_factor**step, min_learning_rate)`.

    Args:
        initial_learning_rate: float. Learning rate of the first update.
        decay_factor: float. Divisor applied after every update. Defaults to
            1.000004 (the paper's configs).
        min_learning_rate: float. Floor. Defaults to 1e-6.

    Example:
    >>> schedule = ExponentialDecayToFloor(0.1)
    >>> optimizer = keras.optimizers.SGD(learning_rate=schedule)
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_factor: float = 1.000004,
        min_learning_rate: float = 1e-6,
    ):
        check_positive("initial_learning_rate", initial_learning_rate)
        if not decay_factor >= 1:
            raise ValueError(
                f"`decay_factor` must be >= 1. Received: decay_factor={decay_factor!r}"
            )
        check_positive("min_learning_rate", min_learning_rate)
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.decay_factor = decay_factor
        self.min_learning_rate = min_learning_rate

    def __call__(self, step):
        # exp(-step * log d) keeps float32 accurate where (1 / d) ** step does not.
        step = ops.cast(step, "float32")
        lr = self.initial_learning_rate * ops.exp(-step * math.log(self.decay_factor))
        return ops.maximum(lr, self.min_learning_rate)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_factor": self.decay_factor,
            "min_learning_rate": self.min_learning_rate,
        }


@keras.saving.register_keras_serializable(package="keras_gan")
class LinearMomentum(keras.optimizers.schedules.LearningRateSchedule):
    """pylearn2's `MomentumAdjustor` as a function of the update count.

    During epoch `e` (counted from 0, `e = step // steps_per_epoch`) the momentum
    is `initial + (final - initial) * clip((e - start) / (saturate - start), 0, 1)`.

    Args:
        steps_per_epoch: int. Updates per epoch.
        initial_momentum: float. Defaults to 0.5.
        final_momentum: float. Defaults to 0.7.
        start: int. Epoch at which the ramp starts. Defaults to 1.
        saturate: int. Epoch at which `final_momentum` is reached. Defaults to 250.

    Example:
    >>> momentum = LinearMomentum(steps_per_epoch=500)
    >>> round(float(momentum(500 * 250)), 6)
    0.7
    """

    def __init__(
        self,
        steps_per_epoch: int,
        initial_momentum: float = 0.5,
        final_momentum: float = 0.7,
        start: int = 1,
        saturate: int = 250,
    ):
        check_positive_int("steps_per_epoch", steps_per_epoch)
        for name, value in (("initial_momentum", initial_momentum), ("final_momentum", final_momentum)):
            if not 0 <= value <= 1:
                raise ValueError(f"`{name}` must be in [0, 1]. Received: {name}={value!r}")
        if not saturate > start:
            raise ValueError(
                f"`saturate` must be greater than `start`. Received: start={start}, saturate={saturate}"
            )
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.initial_momentum = initial_momentum
        self.final_momentum = final_momentum
        self.start = start
        self.saturate = saturate

    def __call__(self, step):
        epoch = ops.cast(ops.floor_divide(step, self.steps_per_epoch), "float32")
        alpha = ops.clip((epoch - self.start) / (self.saturate - self.start), 0.0, 1.0)
        return self.initial_momentum + (self.final_momentum - self.initial_momentum) * alpha

    def get_config(self):
        return {
            "steps_per_epoch": self.steps_per_epoch,
            "initial_momentum": self.initial_momentum,
            "final_momentum": self.final_momentum,
            "start": self.start,
            "saturate": self.saturate,
        }


def _same_variable(path: str, key: str) -> bool:
    """Whether `path` and `key` name the same variable, one perhaps without the enclosing models' names."""
    return path == key or path.endswith("/" + key) or key.endswith("/" + path)


@keras.saving.register_keras_serializable(package="keras_gan")
class ScheduledMomentumSGD(keras.optimizers.SGD):
    """`keras.optimizers.SGD` whose momentum follows a schedule of the step count.

    The update is Keras' (and pylearn2's) `v = momentum * v - lr * g; w += v`;
    only the momentum now comes from `momentum_schedule(iterations)`.

    Args:
        learning_rate: float or `LearningRateSchedule`. Defaults to 0.01.
        momentum_schedule: `LinearMomentum` or another serializable callable
            of the step count.
        lr_scales: dict or None. Variable path (or its end, such as
            `"y/kernel"`: a loaded model's paths lose the enclosing model's
            name) -> factor on its learning rate (pylearn2's `W_lr_scale`:
            `v = momentum * v - scale * lr * g`). Each must name exactly one
            variable. Defaults to None (every variable at the learning rate).
        **kwargs: other `keras.optimizers.SGD` arguments (not `momentum`).

    Example:
    >>> optimizer = ScheduledMomentumSGD(
    ...     ExponentialDecayToFloor(0.1), LinearMomentum(steps_per_epoch=500))
    """

    def __init__(self, learning_rate=0.01, momentum_schedule=None, lr_scales=None, **kwargs):
        if momentum_schedule is None:
            raise ValueError("`momentum_schedule` is required, e.g. LinearMomentum(steps_per_epoch=500).")
        if "momentum" in kwargs:
            raise ValueError("Pass `momentum_schedule`, not `momentum`, to ScheduledMomentumSGD.")
        # A non-zero momentum makes SGD create its velocity slots.
        super().__init__(learning_rate=learning_rate, momentum=1.0, **kwargs)
        self.momentum_schedule = momentum_schedule
        self.lr_scales = {str(path): float(scale) for path, scale in (lr_scales or {}).items()}
        for path, scale in self.lr_scales.items():
            if not scale > 0:
                raise ValueError(f"`lr_scales` must be positive. Received: {path}={scale}")

    def build(self, variables):
        super().build(variables)
        # By index: a backend may hand `update_step` its own variable type, without Keras' `path`.
        self._lr_scale_of = [None] * len(variables)
        for key, scale in self.lr_scales.items():
            found = [i for i, variable in enumerate(variables) if _same_variable(variable.path, key)]
            if len(found) != 1:
                raise ValueError(f"`lr_scales` names {key!r}, which must be the path (or its end) of exactly one of "
                                 f"the optimizer's variables; it matches {len(found)} of "
                                 f"{[variable.path for variable in variables]}")
            self._lr_scale_of[found[0]] = scale

    def update_step(self, gradient, variable, learning_rate):
        if self.lr_scales:
            scale = self._lr_scale_of[self._get_variable_index(variable)]
            if scale is not None:
                learning_rate = learning_rate * scale
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        momentum = ops.cast(self.momentum_schedule(self.iterations), variable.dtype)
        velocity = self.momentums[self._get_variable_index(variable)]
        self.assign(velocity, momentum * velocity - learning_rate * gradient)
        self.assign_add(variable, velocity)

    def get_config(self):
        config = super().get_config()
        config.pop("momentum")
        config.pop("nesterov")
        config["momentum_schedule"] = keras.saving.serialize_keras_object(self.momentum_schedule)
        if self.lr_scales:  # absent when unused, so that the paper's optimizers save as before
            config["lr_scales"] = dict(self.lr_scales)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["momentum_schedule"] = keras.saving.deserialize_keras_object(
            config["momentum_schedule"], custom_objects=custom_objects
        )
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = keras.saving.deserialize_keras_object(
                config["learning_rate"], custom_objects=custom_objects
            )
        return cls(**config)
