"""A run of the paper, as one frozen configuration: `Experiment`.

`EXPERIMENTS[name]` holds what goodfeli/adversarial's YAML file for `name`
holds (architecture and per-layer initial ranges, batch size, per-network
learning rates and their decay, the momentum ramp, the noise prior, k, the
update rule), plus the settings this package adds (width, epochs, seed, XLA,
precision, the monitors). A run is such a configuration with some fields
changed: `config.override({"g_learning_rate": 0.01})` or
`keras-gan train mnist --set g_learning_rate=0.01`.

Every field is declared once, with `setting(default, group=..., check=...)`:
its type (the annotation) says how a value is checked and how `--set` text is
read, `check` its range or choices, and its group what changing it means:

- `METHOD`, the paper's method (networks, data, optimizers, update rule,
  precision): a value other than the paper's is a deviation
  (`deviations(config)`), and a run folder resumes only with the values it
  was trained with;
- `SIZE`, the run's size and seed, `MONITORING`, what is measured during the
  run, and `COMPUTE`, how it is compiled: not deviations (`RUN_SETTINGS`).
  Of these, a resumed run may change those in `RESUMABLE`: `COMPUTE`'s, and
  the fields whose declaration says `resumable=True`.

Two facts of the paper's code shape the optimizers:
- its discriminator objective is `0.5 * (BCE(real) + BCE(fake))`, half of
  `discriminator_loss` (-V). SGD is linear in the gradient, so the
  discriminator's learning rate here is half the YAML's: the same updates;
- it updates D and G simultaneously (`update="simultaneous"`), while
  `GAN`'s default is the paper's Algorithm 1 (`update="alternating"`).
"""

import dataclasses
import types
import typing
from typing import Any, Callable, NamedTuple

import keras

from keras_gan import architectures, datasets
from keras_gan._checks import check_positive
from keras_gan.losses import GENERATOR_LOSSES
from keras_gan.model import GAN, UPDATES
from keras_gan.priors import PRIORS
from keras_gan.schedules import ExponentialDecayToFloor, LinearMomentum, ScheduledMomentumSGD

OPTIMIZERS = ("sgd", "adam")
DTYPE_POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")
# The validation measures a run can keep its best epoch by (`best.keras`), and which way is better.
BEST_MONITORS = {"parzen_ll": "max", "fid": "min"}


class Group(NamedTuple):
    """A group of settings, and what changing one of them means.

    Args:
        name: str. The group's name.
        deviation: bool. Whether a value other than the paper's is a
            deviation from the paper (stated on the model card).
        resumable: bool. Whether a resumed run may change the group's
            settings; a setting's own declaration may allow it alone.

    Example:
    >>> [group.name for group in GROUPS if group.deviation]
    ['method']
    """

    name: str
    deviation: bool
    resumable: bool


METHOD = Group("method", deviation=True, resumable=False)
SIZE = Group("size", deviation=False, resumable=False)
MONITORING = Group("monitoring", deviation=False, resumable=False)
COMPUTE = Group("compute", deviation=False, resumable=True)
GROUPS = (METHOD, SIZE, MONITORING, COMPUTE)

# A check of one setting's value: `check(name, value)` raises one clear `ValueError` if it is out of range.
Check = Callable[[str, Any], None]


def setting(default: Any = dataclasses.MISSING, *, group: Group, check: Check | None = None,
            resumable: bool | None = None) -> Any:
    """Declare one field of `Experiment`: its default, its group and the check of its value.

    Its type is the field's annotation: values of another type are refused,
    and `--set` text is read as that type (`parse_setting`).

    Args:
        default: The paper's value where all experiments share it. Defaults
            to none (each experiment gives one).
        group: Group. What changing the setting means (`METHOD`, `SIZE`,
            `MONITORING` or `COMPUTE`).
        check: callable or None. `check(name, value)` refuses a value out of
            range (`positive`, `one_of(...)`, ...); None values are not
            checked. Defaults to None (any value of the type).
        resumable: bool or None. Whether a resumed run may change it.
            Defaults to None (its group's `resumable`).

    Example:
    >>> field = dataclasses.fields(Experiment)[4]
    >>> field.name, field.metadata["group"].name, field.metadata["resumable"]
    ('epochs', 'size', True)
    """
    metadata = {"group": group, "check": check, "resumable": group.resumable if resumable is None else resumable}
    return dataclasses.field(default=default, metadata=metadata)


def positive(name: str, value) -> None:
    """Refuse a value (or any layer's value of a dict of ranges) that is not above 0.

    Example:
    >>> positive("width", 0.5)
    """
    if isinstance(value, dict):
        for layer, each in value.items():
            positive(f"{name}.{layer}", each)
    else:
        check_positive(name, value)


def non_negative(name: str, value) -> None:
    """Refuse a value below 0.

    Example:
    >>> non_negative("seed", 0)
    """
    if value < 0:
        raise ValueError(f"`{name}` must be non-negative. Received: {name}={value!r}")


def fraction(name: str, value) -> None:
    """Refuse a value outside [0, 1) (a momentum or a decay).

    Example:
    >>> fraction("final_momentum", 0.7)
    """
    non_negative(name, value)
    _below_one(name, value)


def positive_fraction(name: str, value) -> None:
    """Refuse a value outside (0, 1) (Adam's beta_1).

    Example:
    >>> positive_fraction("adam_beta_1", 0.5)
    """
    positive(name, value)
    _below_one(name, value)


def _below_one(name: str, value) -> None:
    if value >= 1:
        raise ValueError(f"`{name}` must be below 1. Received: {name}={value!r}")


def at_least_one(name: str, value) -> None:
    """Refuse a value below 1 (a learning-rate decay factor).

    Example:
    >>> at_least_one("decay_factor", 1.000004)
    """
    if value < 1:
        raise ValueError(f"`{name}` must be >= 1. Received: {name}={value!r}")


def one_of(choices) -> Check:
    """A check that refuses values not in `choices` (a tuple, or a registry dict read when checking).

    Example:
    >>> one_of(OPTIMIZERS)("optimizer", "sgd")
    """

    def check(name: str, value) -> None:
        if value not in choices:
            raise ValueError(f"`{name}` must be one of {list(choices)}. Received: {name}={value!r}")

    return check


@dataclasses.dataclass(frozen=True)
class Experiment:
    """Every setting of one training run; `EXPERIMENTS[name]` are the paper's.

    Args:
        name: str. The paper's experiment this run is based on (a key of
            `EXPERIMENTS`); deviations are counted against it.
        architecture: str. A key of `keras_gan.architectures.ARCHITECTURES`.
        dataset: str. A key of `keras_gan.datasets.DATASETS`.
        batch_size: int. Minibatch size m.
        epochs: int. Epochs of the (last) training stage.
        d_learning_rate, g_learning_rate: float. Initial learning rates of D
            and G (D's is half the YAML's, see the module docstring).
        latent_prior: str. `"uniform"` or `"normal"`.
        g_init_ranges, d_init_ranges: dict. Layer name -> initial range r
            (weights uniform on [-r, r]) of G's and D's layers.
        pretrain_epochs: int. Epochs of a first stage (architectures with
            one, TFD's), else 0.
        gcn: bool. Whether images are globally contrast normalised.
        width: float. Multiplier of the hidden sizes (1.0: the paper's).
        image_size: int or None. Side of a user's image folder's images
            after resizing (`keras-gan train --images`). Defaults to None.
        d_steps: int. k, discriminator updates per generator update.
        update: str. `"alternating"` (Algorithm 1) or `"simultaneous"` (the
            paper's code).
        generator_loss: str. `"non_saturating"` (the paper's practice and
            code) or `"minimax"`.
        optimizer: str. `"sgd"` (momentum SGD, the paper's) or `"adam"`
            (its beta_1 is `adam_beta_1`; no momentum ramp).
        adam_beta_1: float. Adam's beta_1, when `optimizer="adam"`.
        initial_momentum, final_momentum: float. The momentum ramp's ends.
        momentum_start, momentum_saturate: int. Epochs of the ramp.
        decay_factor, min_learning_rate: float. Learning rates are divided by
            `decay_factor` after every update, down to `min_learning_rate`.
        center_output: bool. Start a linear-output generator's bias so that
            its mean sample is the training set's mean image.
        g_ema_decay: float. Generator weight averaging (`GAN`'s `ema_decay`):
            samples, scores and the saved generator use the exponential moving
            average of G's weights with this decay; 0 (the paper's) is off.
        g_output_lr_scale: float. Factor on the learning rate of G's output
            layer's kernel (pylearn2's `W_lr_scale`; `optimizer="sgd"` only);
            1 (the paper's) leaves it at `g_learning_rate`.
        g_output_max_norm_scale: float. Factor on the max-norm cap of G's
            output layer (TFD's `max_col_norm` 1.9365); 0 removes the cap, 1
            is the paper's.
        g_output_init_range: float. TFD: G's output layer starts uniform on
            [-r, r] (a dense `irange`, drawn from `seed`) instead of the
            paper's `sparse_init 100`; 0 (the paper's) keeps `sparse_init`.
        init_from: str. A run folder whose last checkpoint the run starts
            from (`keras-gan train` only): both networks, the optimizers'
            states (so the learning-rate decay and momentum ramp go on where
            they were) and the epoch count; with the same seed, also the
            noise state. "" (the paper's) starts from the initial ranges.
        seed: int. Seed of the initial weights, data order and noise.
        jit_compile: bool or "auto". XLA compilation ("auto": Keras' choice).
        dtype_policy: str. Keras precision policy of both networks.
        parzen_every: int. A Parzen estimate on the validation split every
            this many epochs (0: never).
        parzen_samples: int. Generator samples for that estimate.
        quality_every: int. Classifier FID, KID and classes covered of
            `quality_samples` samples against as many validation images
            every this many epochs (`callbacks.SampleQuality`; 0: never).
        quality_samples: int. Samples (and validation images) of that measure.
        best_monitor: str. What `best.keras` keeps the best epoch of: the
            validation Parzen estimate (`"parzen_ll"`, highest) or the
            validation FID (`"fid"`, lowest; needs `quality_every`).
        diagnostics_every: int. Log the training diagnostics (how far each
            layer's weights moved from their initial values, units at their
            max-norm cap, gradient norms, the samples' variance across z and
            high-frequency energy; `callbacks.TrainingDiagnostics`) every this
            many epochs (0: never).

    Example:
    >>> config = EXPERIMENTS["mnist"].override({"g_learning_rate": 0.01, "width": 0.1})
    >>> deviations(config)
    {'g_learning_rate': (0.1, 0.01)}
    """

    name: str = setting(group=METHOD)
    architecture: str = setting(group=METHOD, check=one_of(architectures.ARCHITECTURES))
    dataset: str = setting(group=METHOD, check=one_of(datasets.DATASETS))
    batch_size: int = setting(group=METHOD, check=positive)
    epochs: int = setting(group=SIZE, check=positive, resumable=True)  # a finished run trains on
    d_learning_rate: float = setting(group=METHOD, check=positive)
    g_learning_rate: float = setting(group=METHOD, check=positive)
    latent_prior: str = setting(group=METHOD, check=one_of(PRIORS))
    g_init_ranges: dict = setting(group=METHOD, check=positive)
    d_init_ranges: dict = setting(group=METHOD, check=positive)
    pretrain_epochs: int = setting(0, group=SIZE, check=non_negative)
    gcn: bool = setting(False, group=METHOD)
    width: float = setting(1.0, group=SIZE, check=positive)
    image_size: int | None = setting(None, group=METHOD, check=positive)
    d_steps: int = setting(1, group=METHOD, check=positive)
    update: str = setting("simultaneous", group=METHOD, check=one_of(UPDATES))
    generator_loss: str = setting("non_saturating", group=METHOD, check=one_of(GENERATOR_LOSSES))
    optimizer: str = setting("sgd", group=METHOD, check=one_of(OPTIMIZERS))
    adam_beta_1: float = setting(0.5, group=METHOD, check=positive_fraction)
    initial_momentum: float = setting(0.5, group=METHOD, check=fraction)
    final_momentum: float = setting(0.7, group=METHOD, check=fraction)
    momentum_start: int = setting(1, group=METHOD, check=non_negative)
    momentum_saturate: int = setting(250, group=METHOD, check=non_negative)
    decay_factor: float = setting(1.000004, group=METHOD, check=at_least_one)
    min_learning_rate: float = setting(1e-6, group=METHOD, check=positive)
    center_output: bool = setting(False, group=METHOD)
    g_ema_decay: float = setting(0.0, group=METHOD, check=fraction)
    g_output_lr_scale: float = setting(1.0, group=METHOD, check=positive)
    g_output_max_norm_scale: float = setting(1.0, group=METHOD, check=non_negative)
    g_output_init_range: float = setting(0.0, group=METHOD, check=non_negative)
    init_from: str = setting("", group=METHOD)
    seed: int = setting(0, group=SIZE, check=non_negative)
    jit_compile: bool | str = setting("auto", group=COMPUTE, check=one_of((True, False, "auto")))
    # Precision changes the arithmetic of every update: part of the method, a deviation from the paper's float32.
    dtype_policy: str = setting("float32", group=METHOD, check=one_of(DTYPE_POLICIES))
    # The Parzen monitor may change on resume (its column stays); the other monitors add columns to a resumed
    # run's `log.csv` or change what its `best.keras` keeps.
    parzen_every: int = setting(1, group=MONITORING, check=non_negative, resumable=True)
    parzen_samples: int = setting(10000, group=MONITORING, check=positive, resumable=True)
    quality_every: int = setting(0, group=MONITORING, check=non_negative)
    quality_samples: int = setting(2000, group=MONITORING, check=positive)
    best_monitor: str = setting("parzen_ll", group=MONITORING, check=one_of(BEST_MONITORS))
    diagnostics_every: int = setting(0, group=MONITORING, check=non_negative)

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = _checked(field, getattr(self, field.name))
            object.__setattr__(self, field.name, value)
            if field.metadata["check"] and value is not None:
                field.metadata["check"](field.name, value)
        # Checks across fields.
        if self.best_monitor == "fid" and not self.quality_every:
            raise ValueError("`best_monitor='fid'` keeps the epoch of the lowest validation FID, which only "
                             "`quality_every` > 0 measures. Received: quality_every=0")
        if self.update == "simultaneous" and self.d_steps != 1:
            raise ValueError(f"`update='simultaneous'` makes one joint step, so it needs `d_steps=1`. "
                             f"Received: d_steps={self.d_steps}")
        architecture = architectures.get(self.architecture)
        for name, paper in (("g_init_ranges", architecture.g_init_ranges), ("d_init_ranges", architecture.d_init_ranges)):
            given = getattr(self, name)
            if set(given) != set(paper):
                raise ValueError(f"`{name}` of architecture {self.architecture!r} must name the layers "
                                 f"{sorted(paper)}. Received: {sorted(given)}")
        if self.pretrain_epochs and architecture.first_stage is None:
            raise ValueError(f"`pretrain_epochs` trains a first stage, which architecture {self.architecture!r} does "
                             f"not have. Received: pretrain_epochs={self.pretrain_epochs}; set it to 0.")
        if self.g_output_lr_scale != 1 and self.optimizer != "sgd":
            raise ValueError(f"`g_output_lr_scale` scales momentum SGD's learning rate (pylearn2's `W_lr_scale`); it "
                             f"needs optimizer='sgd'. Received: optimizer={self.optimizer!r}")
        for name, paper in (("g_output_max_norm_scale", 1.0), ("g_output_init_range", 0.0)):
            if getattr(self, name) != paper and not architecture.sparse_capped_output:
                capped = [key for key, entry in architectures.ARCHITECTURES.items() if entry.sparse_capped_output]
                raise ValueError(f"`{name}` changes the `sparse_init` output layer under a max-norm cap of "
                                 f"{capped}'s generator. Received: {name}={getattr(self, name)} "
                                 f"with architecture {self.architecture!r} (its output layer's range is "
                                 "`g_init_ranges.y`, where it has one).")
        if self.center_output and architecture.output_bias_from_marginals:
            raise ValueError(
                f"`center_output` is for the linear-output CIFAR-10 generators (cifar10_fc, cifar10_conv). "
                f"Received: center_output=True with architecture {self.architecture!r}, whose generator ends in a "
                "sigmoid with its bias already set from the data's marginals."
            )

    def override(self, changes: dict) -> "Experiment":
        """This configuration with `changes` applied; `"g_init_ranges.y"`-style keys change one layer.

        Args:
            changes: dict. Field name (or `field.layer` for the init ranges)
                -> new value.

        Example:
        >>> EXPERIMENTS["cifar10_fc"].override({"g_init_ranges.y": 0.1}).g_init_ranges
        {'h0': 0.05, 'h1': 0.05, 'y': 0.1}
        """
        fields = {field.name for field in dataclasses.fields(self)}
        updates = {}
        for key, value in changes.items():
            name, _, layer = key.partition(".")
            if name not in fields or name == "name" or (layer and not isinstance(getattr(self, name), dict)):
                raise ValueError(f"Unknown setting {key!r}. Valid settings: {', '.join(sorted(fields - {'name'}))} "
                                 "(`g_init_ranges.LAYER`, `d_init_ranges.LAYER` for one layer).")
            if layer:
                current = updates.get(name, getattr(self, name))
                if layer not in current:
                    raise ValueError(f"`{name}` of architecture {self.architecture!r} has no layer {layer!r}. "
                                     f"Its layers: {sorted(current)}.")
                updates[name] = {**current, layer: value}
            else:
                updates[name] = value
        return dataclasses.replace(self, **updates)

    def to_dict(self) -> dict:
        """Every field, as JSON-ready values (the form `run.json` records)."""
        return {field.name: _copy(getattr(self, field.name)) for field in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, values: dict) -> "Experiment":
        """The configuration `to_dict` gave, validated."""
        fields = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - fields)
        if unknown:
            raise ValueError(f"Unknown settings {unknown} in a recorded configuration. Valid settings: {sorted(fields)}.")
        return cls(**values)

    def paper(self) -> "Experiment":
        """The paper's configuration this run is based on."""
        return get(self.name)

    def build_networks(self, train_images=None) -> tuple[keras.Model, keras.Model]:
        """The starting generator and discriminator: the architecture at `width` with its initial ranges.

        Args:
            train_images: array or None. Training images in the generator's
                output space: the sigmoid output bias starts at their pixel
                marginals, and `center_output` moves the mean sample to their
                mean image. Defaults to None (zero bias; `center_output` needs them).

        Example:
        >>> generator, discriminator = EXPERIMENTS["mnist"].override({"width": 0.05}).build_networks()
        """
        generator, discriminator = architectures.build(
            self.architecture, self.width, train_images, self.g_init_ranges, self.d_init_ranges
        )
        self.adjust_output_layer(generator)
        if self.center_output:
            if train_images is None:
                raise ValueError("`center_output` needs the training images: pass `train_images`.")
            architectures.center_output(generator, train_images, self.latent_prior, self.seed)
        return generator, discriminator

    def build_gan(self, steps_per_epoch: int, networks: tuple | None = None, train_images=None) -> GAN:
        """A compiled `GAN` with this configuration's networks, update rule and optimizers.

        Args:
            steps_per_epoch: int. Updates per epoch (for the momentum ramp).
            networks: `(generator, discriminator)` or None. Networks to use
                instead of `build_networks(train_images)`. Defaults to None.
            train_images: array or None. Passed to `build_networks`. Defaults to None.

        Example:
        >>> gan = EXPERIMENTS["mnist"].override({"width": 0.05}).build_gan(steps_per_epoch=500)
        >>> gan.update, gan.latent_prior
        ('simultaneous', 'uniform')
        """
        generator, discriminator = networks or self.build_networks(train_images)
        g_lr_scales = {}
        if self.g_output_lr_scale != 1:
            # The layer's own part of the path: a loaded generator's paths lose the enclosing model's name.
            kernel = architectures.output_layer(generator).kernel
            g_lr_scales = {"/".join(kernel.path.split("/")[-2:]): self.g_output_lr_scale}
        gan = GAN(generator, discriminator, d_steps=self.d_steps, generator_loss=self.generator_loss,
                  latent_prior=self.latent_prior, update=self.update, seed=self.seed, ema_decay=self.g_ema_decay)
        gan.compile(
            d_optimizer=self.make_optimizer(steps_per_epoch, self.d_learning_rate),
            g_optimizer=self.make_optimizer(steps_per_epoch, self.g_learning_rate, g_lr_scales),
            jit_compile=self.jit_compile,
        )
        return gan

    def adjust_output_layer(self, generator: keras.Model) -> None:
        """Give a freshly built generator's output layer this configuration's initial range and max-norm cap.

        Nothing changes with the paper's `g_output_init_range` and
        `g_output_max_norm_scale`, so its weights are drawn as before.
        """
        if self.g_output_init_range or self.g_output_max_norm_scale != 1:
            architectures.adjust_output_layer(generator, self.g_output_init_range, self.g_output_max_norm_scale,
                                              seed=self.seed)

    def make_optimizer(self, steps_per_epoch: int, learning_rate: float,
                       lr_scales: dict | None = None) -> keras.optimizers.Optimizer:
        """This configuration's optimizer with its learning-rate decay (SGD: and momentum ramp).

        `lr_scales` (variable path -> factor; SGD only) scale some variables' learning rates.
        """
        schedule = ExponentialDecayToFloor(learning_rate, self.decay_factor, self.min_learning_rate)
        if self.optimizer == "adam":
            return keras.optimizers.Adam(learning_rate=schedule, beta_1=self.adam_beta_1)
        return ScheduledMomentumSGD(
            learning_rate=schedule,
            lr_scales=lr_scales or None,
            momentum_schedule=LinearMomentum(
                steps_per_epoch, self.initial_momentum, self.final_momentum, self.momentum_start,
                self.momentum_saturate,
            ),
        )


def _copy(value):
    return dict(value) if isinstance(value, dict) else value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _read_bool(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise ValueError(text)
    return text.lower() == "true"


def _read_none(text: str) -> None:
    if text.lower() != "none":
        raise ValueError(text)


class _Type(NamedTuple):
    """How values of one field type are checked, stored and read from `--set` text."""

    words: str  # what a value must be, in an error
    written: str  # what `--set` text must be, in an error
    accepts: Callable[[Any], bool]
    stored: Callable[[Any], Any]  # an accepted value as the field holds it
    read: Callable[[str], Any]  # `--set` text as a value; ValueError if it is not one


_TYPES = {
    bool: _Type("true or false", "true/false", lambda value: isinstance(value, bool), bool, _read_bool),
    int: _Type("an integer", "an integer", lambda value: _is_number(value) and isinstance(value, int), int, int),
    # An int where a float is due becomes a float.
    float: _Type("a number", "a number", _is_number, float, float),
    str: _Type("a string", "a word", lambda value: isinstance(value, str), str, str),
    type(None): _Type("None", "none", lambda value: value is None, lambda value: None, _read_none),
    # Init ranges: `--set g_init_ranges.LAYER=R` sets one layer's range, a number.
    dict: _Type("a dict of layer names to numbers", "a number",
                lambda value: isinstance(value, dict) and all(_is_number(v) for v in value.values()),
                lambda value: {str(layer): float(v) for layer, v in value.items()}, float),
}


def _types(field: dataclasses.Field) -> list[_Type]:
    """The `_TYPES` of a field's annotation (`int | None`: both)."""
    kinds = typing.get_args(field.type) if isinstance(field.type, types.UnionType) else (field.type,)
    return [_TYPES[kind] for kind in kinds]


def _checked(field: dataclasses.Field, value):
    """`value` as the field stores it if it has the field's type; else one clear error."""
    for kind in _types(field):
        if kind.accepts(value):
            return kind.stored(value)
    names = " or ".join(kind.words for kind in _types(field))
    raise ValueError(f"`{field.name}` must be {names}. Received: {field.name}={value!r}")


# The settings that size, seed, monitor and compile a run: changing them is not a deviation from the paper.
RUN_SETTINGS = tuple(field.name for field in dataclasses.fields(Experiment) if not field.metadata["group"].deviation)
# The settings a resumed run may change.
RESUMABLE = tuple(field.name for field in dataclasses.fields(Experiment) if field.metadata["resumable"])


def deviations(config: Experiment) -> dict:
    """`{setting: (paper value, run value)}` for every setting of the run that differs from the paper's.

    Init ranges are compared layer by layer (`"g_init_ranges.y"`); the
    settings of the groups that are not the method (`RUN_SETTINGS`: width,
    epochs, seed, ...) are not deviations.

    Example:
    >>> deviations(EXPERIMENTS["cifar10_fc"].override({"g_init_ranges.y": 0.1, "seed": 3}))
    {'g_init_ranges.y': (0.5, 0.1)}
    """
    return {key: values for key, values in _differences(config.paper(), config).items()
            if key.partition(".")[0] not in RUN_SETTINGS}


def unresumable_changes(recorded: Experiment, config: Experiment) -> list[str]:
    """One `"setting: recorded -> new"` line per setting a resumed run may not change (not in `RESUMABLE`).

    Example:
    >>> paper = EXPERIMENTS["mnist"]
    >>> unresumable_changes(paper, paper.override({"epochs": 400, "update": "alternating"}))
    ['update: simultaneous -> alternating']
    """
    return [f"{field.name}: {getattr(recorded, field.name)} -> {getattr(config, field.name)}"
            for field in dataclasses.fields(config)
            if field.name not in RESUMABLE and getattr(recorded, field.name) != getattr(config, field.name)]


def _leaves(config: Experiment) -> dict:
    leaves = {}
    for key, value in config.to_dict().items():
        if isinstance(value, dict):
            leaves.update({f"{key}.{layer}": v for layer, v in value.items()})
        else:
            leaves[key] = value
    return leaves


def _differences(paper: Experiment, config: Experiment) -> dict:
    before, after = _leaves(paper), _leaves(config)
    return {key: (before[key], after[key]) for key in after if before.get(key) != after[key]}


def parse_setting(config: Experiment, text: str) -> tuple[str, typing.Any]:
    """`"field=value"` as `(field, value)`, the value read as the field's type.

    Booleans are `true`/`false`, `jit_compile` also takes `auto`, `image_size`
    `none`; `g_init_ranges.LAYER=R` sets one layer's range.

    Example:
    >>> parse_setting(EXPERIMENTS["mnist"], "update=alternating")
    ('update', 'alternating')
    >>> parse_setting(EXPERIMENTS["mnist"], "d_init_ranges.y=0.05")
    ('d_init_ranges.y', 0.05)
    """
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"A setting must be written FIELD=VALUE. Received: {text!r}")
    fields = {field.name: field for field in dataclasses.fields(config)}
    name, dot, _ = key.partition(".")
    if name not in fields or name == "name" or (dot and fields[name].type is not dict):
        config.override({key: None})  # raises the error that lists the valid settings
    for kind in _types(fields[name]):
        try:
            return key, kind.read(raw.strip())
        except ValueError:
            continue
    expected = " or ".join(kind.written for kind in _types(fields[name]))
    raise ValueError(f"`{key}` must be {expected}. Received: {key}={raw!r}")


def command_line(config: Experiment, out: str = "runs/RUN", data_dir: str = "DATA") -> str:
    """The `keras-gan train` command that runs `config`: a `--set` for every setting not the paper's.

    Example:
    >>> command_line(EXPERIMENTS["mnist"].override({"update": "alternating", "epochs": 5}))
    'keras-gan train mnist --epochs 5 --width 1.0 --seed 0 --set update=alternating --data-dir DATA --out runs/RUN'
    """
    differences = _differences(config.paper(), config)
    words = ["keras-gan", "train", config.name, "--epochs", str(config.epochs), "--width", str(config.width),
             "--seed", str(config.seed)]
    for key, (_, value) in differences.items():
        if key not in ("epochs", "width", "seed"):
            words += ["--set", f"{key}={_word(value)}"]
    return " ".join(words + ["--data-dir", data_dir, "--out", out])


def _word(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "none" if value is None else str(value)


def _paper(name, architecture, dataset, batch_size, learning_rate, latent_prior, epochs, **settings) -> Experiment:
    # The YAML's one learning rate: G's as it is, D's halved (see the module docstring).
    ranges = architectures.get(architecture)
    return Experiment(
        name=name, architecture=architecture, dataset=dataset, batch_size=batch_size, epochs=epochs,
        d_learning_rate=learning_rate / 2, g_learning_rate=learning_rate, latent_prior=latent_prior,
        g_init_ranges=dict(ranges.g_init_ranges), d_init_ranges=dict(ranges.d_init_ranges), **settings,
    )


# The YAML files each reproduces: goodfeli/adversarial mnist.yaml; tfd_pretrain/pretrain.yaml and
# tfd_pretrain/train.yaml; cifar10_fully_connected.yaml; cifar10_convolutional.yaml.
EXPERIMENTS = {
    "mnist": _paper("mnist", "mnist", "mnist", 100, 0.1, "uniform", 300),
    "tfd": _paper("tfd", "tfd", "tfd", 100, 0.05, "normal", 22, pretrain_epochs=50),
    "cifar10_fc": _paper("cifar10_fc", "cifar10_fc", "cifar10", 100, 0.025, "normal", 300, gcn=True),
    # `python -m benchmarks.xla --experiments cifar10_conv --steps 30` on a 2-core CPU, width 0.25:
    # 1.44 steps/s with and without XLA. XLA buys nothing here, so the run skips its compilation.
    "cifar10_conv": _paper("cifar10_conv", "cifar10_conv", "cifar10", 128, 0.004, "normal", 300, gcn=True,
                           jit_compile=False),
}


def get(name: str) -> Experiment:
    """The paper's configuration `name`, with an error that lists the choices."""
    if name not in EXPERIMENTS:
        raise ValueError(f"Unknown experiment {name!r}. Choose one of {sorted(EXPERIMENTS)}.")
    return EXPERIMENTS[name]
