"""The paper's experiments: networks plus training settings, in one place.

Each `Experiment` holds what goodfeli/adversarial's YAML files hold: the
architecture, batch size, learning rate and its decay, the momentum ramp, the
noise prior and k. `experiment.build_gan(...)` returns a compiled `GAN` that
trains as that YAML file does.

Two facts of the paper's code shape the optimizers:
- its discriminator objective is `0.5 * (BCE(real) + BCE(fake))`, half of
  `discriminator_loss` (-V). SGD is linear in the gradient, so the
  discriminator's learning rate here is half the YAML's: the same updates;
- it updates D and G simultaneously (`update="simultaneous"`), while
  `GAN`'s default is the paper's Algorithm 1 (`update="alternating"`).
"""

import dataclasses
from typing import NamedTuple

from keras_gan import architectures
from keras_gan.model import GAN
from keras_gan.schedules import ExponentialDecayToFloor, LinearMomentum, ScheduledMomentumSGD


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One experiment of the paper.

    Args:
        name: str. Registry key.
        architecture: str. Key of `keras_gan.architectures.ARCHITECTURES`.
        dataset: str. Name for `keras_gan.datasets.load`.
        batch_size: int. Minibatch size m.
        learning_rate: float. The YAML's learning rate (G's; D's is half).
        latent_prior: str. `"uniform"` or `"normal"`.
        epochs: int. Epochs of the (last) training stage.
        pretrain_epochs: int. Epochs of a first stage (TFD), else 0.
        gcn: bool. Whether images are globally contrast normalised.
        d_steps: int. k. Defaults to 1.
        update: str. `"alternating"` or `"simultaneous"`. Defaults to
            `"simultaneous"` (the paper's code).
        initial_momentum, final_momentum: float. The momentum ramp's ends.
        momentum_start, momentum_saturate: int. Epochs of the ramp.
        decay_factor, min_learning_rate: float. Learning-rate decay per update.
        jit_compile: bool or "auto". XLA compilation when `build_gan` is not
            told otherwise. Defaults to "auto" (Keras' choice).
        source: str. The YAML file(s) this reproduces.
    """

    name: str
    architecture: str
    dataset: str
    batch_size: int
    learning_rate: float
    latent_prior: str
    epochs: int
    pretrain_epochs: int = 0
    gcn: bool = False
    d_steps: int = 1
    update: str = "simultaneous"
    initial_momentum: float = 0.5
    final_momentum: float = 0.7
    momentum_start: int = 1
    momentum_saturate: int = 250
    decay_factor: float = 1.000004
    min_learning_rate: float = 1e-6
    jit_compile: bool | str = "auto"
    source: str = ""

    def optimizer(self, steps_per_epoch: int, learning_rate: float) -> ScheduledMomentumSGD:
        """SGD with this experiment's learning-rate decay and momentum ramp."""
        return ScheduledMomentumSGD(
            learning_rate=ExponentialDecayToFloor(learning_rate, self.decay_factor, self.min_learning_rate),
            momentum_schedule=LinearMomentum(
                steps_per_epoch,
                self.initial_momentum,
                self.final_momentum,
                self.momentum_start,
                self.momentum_saturate,
            ),
        )

    def build_gan(
        self,
        steps_per_epoch: int,
        width: float = 1.0,
        train_images=None,
        seed: int | None = None,
        jit_compile: bool | str | None = None,
        networks: tuple | None = None,
        d_learning_rate_scale: float = 1.0,
        g_learning_rate_scale: float = 1.0,
        **overrides,
    ) -> GAN:
        """A compiled `GAN` with this experiment's networks and optimizers.

        Args:
            steps_per_epoch: int. Updates per epoch (for the momentum ramp).
            width: float. Multiplier of the hidden sizes. Defaults to 1.0.
            train_images: array or None. Training images in [0, 1], for the
                output bias "from marginals". Defaults to None (zero bias).
            seed: int or None. Seed of the training noise. Defaults to None.
            jit_compile: bool, "auto" or None. Passed to `compile`. Defaults
                to None (the experiment's `jit_compile`).
            networks: `(generator, discriminator)` or None. Networks to use
                instead of the experiment's architecture. Defaults to None.
            d_learning_rate_scale, g_learning_rate_scale: float. Multipliers of
                the discriminator's and generator's learning rates, each a
                documented deviation (see `DEVIATIONS`). Defaults to 1.0.
            **overrides: `GAN` arguments to change (`update`, `d_steps`,
                `generator_loss`, `latent_prior`), each a documented deviation.

        Example:
        >>> gan = EXPERIMENTS["mnist"].build_gan(steps_per_epoch=500, width=0.1)
        """
        generator, discriminator = networks or architectures.build(self.architecture, width, train_images)
        options = dict(latent_prior=self.latent_prior, d_steps=self.d_steps, update=self.update)
        options.update(overrides)
        gan = GAN(generator, discriminator, seed=seed, **options)
        gan.compile(
            d_optimizer=self.optimizer(steps_per_epoch, self.learning_rate / 2 * d_learning_rate_scale),
            g_optimizer=self.optimizer(steps_per_epoch, self.learning_rate * g_learning_rate_scale),
            jit_compile=self.jit_compile if jit_compile is None else jit_compile,
        )
        return gan


class Deviation(NamedTuple):
    """A training option that departs from the paper's code; off at its default."""

    default: bool | float
    flag: str  # `keras-gan train`'s option
    help: str  # its `--help` line
    card: str  # the model card's line, `{value}` being the run's value


# The options of `keras_gan.training.train` that change what the YAMLs do: the
# run records them, the CLI offers them, and a model card lists those used.
DEVIATIONS = {
    "center_output": Deviation(
        False, "--center-output", "CIFAR-10: start G's output bias at the data's mean image",
        "the generator's output bias starts so that its mean sample is the training set's mean image (the YAML's "
        "output layer has this commented out); the paper's starts at zero.",
    ),
    "d_init_scale": Deviation(
        1.0, "--d-init-scale", "D's initial weights times S (irange r -> S r)",
        "every discriminator weight starts uniform on {value} times the paper's irange.",
    ),
    "g_output_init_scale": Deviation(
        1.0, "--g-output-init-scale", "G's initial output-layer weights times S (irange r -> S r)",
        "the generator's output-layer weights start uniform on {value} times the paper's irange.",
    ),
    "g_last_hidden_init_scale": Deviation(
        1.0, "--g-last-hidden-init-scale", "G's initial last-hidden-layer weights times S (irange r -> S r)",
        "the weights of the generator's last hidden layer (the one below its output) start uniform on {value} times "
        "the paper's irange.",
    ),
    "d_learning_rate_scale": Deviation(
        1.0, "--d-lr-scale", "D's learning rate times S", "the discriminator's learning rate is {value} times the paper's.",
    ),
    "g_learning_rate_scale": Deviation(
        1.0, "--g-lr-scale", "G's learning rate times S", "the generator's learning rate is {value} times the paper's.",
    ),
}


EXPERIMENTS = {
    "mnist": Experiment(
        name="mnist",
        architecture="mnist",
        dataset="mnist",
        batch_size=100,
        learning_rate=0.1,
        latent_prior="uniform",
        epochs=300,
        source="goodfeli/adversarial mnist.yaml",
    ),
    "tfd": Experiment(
        name="tfd",
        architecture="tfd",
        dataset="tfd",
        batch_size=100,
        learning_rate=0.05,
        latent_prior="normal",
        pretrain_epochs=50,
        epochs=22,
        source="goodfeli/adversarial tfd_pretrain/pretrain.yaml, tfd_pretrain/train.yaml",
    ),
    "cifar10_fc": Experiment(
        name="cifar10_fc",
        architecture="cifar10_fc",
        dataset="cifar10",
        batch_size=100,
        learning_rate=0.025,
        latent_prior="normal",
        epochs=300,
        gcn=True,
        source="goodfeli/adversarial cifar10_fully_connected.yaml",
    ),
    "cifar10_conv": Experiment(
        name="cifar10_conv",
        architecture="cifar10_conv",
        dataset="cifar10",
        batch_size=128,
        learning_rate=0.004,
        latent_prior="normal",
        epochs=300,
        gcn=True,
        # `python -m benchmarks.xla --experiments cifar10_conv --steps 30` on a 2-core CPU, width 0.25:
        # 1.44 steps/s with and without XLA. XLA buys nothing here, so the run skips its compilation.
        jit_compile=False,
        source="goodfeli/adversarial cifar10_convolutional.yaml",
    ),
}


def get(name: str) -> Experiment:
    """The experiment `name`, with an error that lists the choices."""
    if name not in EXPERIMENTS:
        raise ValueError(f"Unknown experiment {name!r}. Choose one of {sorted(EXPERIMENTS)}.")
    return EXPERIMENTS[name]
