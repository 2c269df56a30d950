"""Run records: what a `keras-gan train` run writes to `OUT/run.json`, and the machine it ran on.

A record (`RunRecord`) holds the run's whole configuration (`config`, an
`experiments.Experiment` as a dict), its deviations from the paper, the
command that reproduces it, the data it read (name, file, sha256), the
parameter counts, the library versions and, growing at every epoch end
(`add_wall_time`), the wall time and the machines. `read_record(path)` reads
one back and `config_of(record)` gives its configuration, also from records
written before configurations existed.
"""

import dataclasses
import json
import os
import platform
import sys
from pathlib import Path

import keras

from keras_gan import datasets, experiments
from keras_gan._io import atomic_write_json


def machine_description() -> str:
    """This machine in words: processor, cores, operating system and GPUs, for run records and model cards.

    Example:
    >>> machine_description().startswith(platform.machine())
    True
    """
    gpus = _gpu_names()
    description = f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}"
    return description + "".join(f", {gpu}" for gpu in gpus)


def _gpu_names() -> list[str]:
    """The GPUs Keras' backend sees, by name."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return [
            tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
            for gpu in tf.config.list_physical_devices("GPU")
        ]
    if backend == "jax":
        import jax

        return [device.device_kind for device in jax.devices() if device.platform == "gpu"]
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return []


def tensorflow_version() -> str | None:
    """TensorFlow's version where this process uses it (always under the TensorFlow backend), else None.

    Example:
    >>> tensorflow_version() is None or tensorflow_version()[0].isdigit()
    True
    """
    module = sys.modules.get("tensorflow")
    return getattr(module, "__version__", None)


@dataclasses.dataclass(frozen=True)
class RunRecord:
    """`OUT/run.json`: what one stage of a `keras-gan train` run trained, on what data and with which libraries.

    `training.train` writes it at the start of every call (`write`); the
    `WallTime` callback adds each epoch's time and machine (`add_wall_time`).

    Args:
        experiment: str. The paper's experiment the run is based on.
        config: dict. The whole configuration (`Experiment.to_dict()`).
        deviations: list of str. Its deviations from the paper (`deviation_lines`).
        command: str. The `keras-gan train` command that reproduces the run.
        stage_epochs: int. Epochs of this stage.
        dataset: str. The training data's name (a folder's path for `--images`).
        data_source: str. The file it was read from, or "tensorflow-datasets".
        data_sha256: str or None. That file's sha256.
        train_examples, steps_per_epoch: int. Training images, updates per epoch.
        generator_parameters, discriminator_parameters: int. Parameter counts.
        parzen_space: str. The space of `log.csv`'s `parzen_ll`.
        tf_enable_onednn_opts: str or None. `TF_ENABLE_ONEDNN_OPTS`, which
            changes TensorFlow's CPU kernels.
        keras_version, keras_backend: str. Keras and its backend.
        tensorflow_version: str or None. TensorFlow's, where it was used.
        wall_time_seconds: float. Training time over all sessions. Defaults to 0.
        hardware: list of str. The machines that trained it. Defaults to none.

    Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "run.json"
    >>> config = experiments.get("mnist")
    >>> record = RunRecord("mnist", config.to_dict(), [], "keras-gan train mnist", 300, "mnist", "mnist.pkl.gz",
    ...                    None, 50000, 500, 1, 1, "pixels", None, keras.__version__, None, "jax")
    >>> _ = record.write(path)
    >>> config_of(read_record(path)) == config
    True
    """

    experiment: str
    config: dict
    deviations: list
    command: str
    stage_epochs: int
    dataset: str
    data_source: str
    data_sha256: str | None
    train_examples: int
    steps_per_epoch: int
    generator_parameters: int
    discriminator_parameters: int
    parzen_space: str
    tf_enable_onednn_opts: str | None
    keras_version: str
    tensorflow_version: str | None
    keras_backend: str
    wall_time_seconds: float = 0.0
    hardware: list = dataclasses.field(default_factory=list)

    def write(self, path: str | os.PathLike) -> Path:
        """Write the record to `path` atomically: a crash leaves the previous one whole."""
        return atomic_write_json(dataclasses.asdict(self), Path(path))


def read_record(path: str | os.PathLike) -> dict:
    """The JSON object of a run record (also an older flat one, which `config_of` reads), with one clear error.

    Raises:
        FileNotFoundError: there is no file at `path`.
        ValueError: the file is not a JSON object.

    Example:
    >>> read_record("checkpoints/mnist/run.json")["experiment"]
    'mnist'
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: a `keras-gan train` run folder holds its run record there.")
    try:
        record = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        record = error
    if not isinstance(record, dict):
        raise ValueError(f"{path} is not a run record (a JSON object): restore it from a copy of the run folder.")
    return record


def add_wall_time(path: str | os.PathLike, seconds: float, machine: str) -> None:
    """Add `seconds` to the record's `wall_time_seconds` and `machine` to its `hardware`, atomically.

    The rest of the record is left as it is.

    Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "run.json"
    >>> _ = path.write_text('{"wall_time_seconds": 1.5}')
    >>> add_wall_time(path, 2.0, "a machine"); read_record(path)
    {'hardware': ['a machine'], 'wall_time_seconds': 3.5}
    """
    record = read_record(path)
    record["wall_time_seconds"] = round(record.get("wall_time_seconds", 0.0) + seconds, 3)
    if machine not in record.setdefault("hardware", []):
        record["hardware"].append(machine)
    atomic_write_json(record, Path(path))


def deviation_lines(config: experiments.Experiment) -> list[str]:
    """One `"setting: paper value -> run value"` line per deviation of `config`.

    Example:
    >>> deviation_lines(experiments.EXPERIMENTS["mnist"].override({"update": "alternating"}))
    ['update: simultaneous -> alternating']
    """
    return [f"{key}: {paper} -> {value}" for key, (paper, value) in experiments.deviations(config).items()]


def config_of(record: dict) -> experiments.Experiment:
    """The configuration a run record or shipped model's metadata holds.

    Records written before configurations existed (flat keys and the six
    deviation options `center_output`, `d_init_scale`, ...) are converted:
    each scale multiplies the paper's initial range or learning rate it scaled.

    Example:
    >>> config_of({"config": experiments.EXPERIMENTS["mnist"].to_dict()}) == experiments.EXPERIMENTS["mnist"]
    True
    """
    if "config" in record:
        return experiments.Experiment.from_dict(record["config"])
    paper = experiments.get(record["experiment"])
    g_ranges, d_ranges = dict(paper.g_init_ranges), dict(paper.d_init_ranges)
    d_ranges = {layer: _round(r * record.get("d_init_scale", 1.0)) for layer, r in d_ranges.items()}
    # The old options scaled G's output layer "y" and the layer with a kernel below it (one-stage runs only).
    for layer, key in ((list(g_ranges)[-2], "g_last_hidden_init_scale"), ("y", "g_output_init_scale")):
        if record.get(key, 1.0) != 1.0:
            g_ranges[layer] = _round(g_ranges[layer] * record[key])
    d_steps = record.get("d_steps", paper.d_steps)
    changes = dict(
        width=record.get("width", paper.width), seed=record.get("seed", paper.seed),
        epochs=record.get("epochs", paper.epochs), update=record.get("update", paper.update),
        latent_prior=record.get("latent_prior", paper.latent_prior), d_steps=d_steps,
        batch_size=record.get("batch_size", paper.batch_size * d_steps) // d_steps,
        parzen_every=record.get("parzen_every", 1), center_output=record.get("center_output", False),
        g_init_ranges=g_ranges, d_init_ranges=d_ranges,
        d_learning_rate=_round(paper.d_learning_rate * record.get("d_learning_rate_scale", 1.0)),
        g_learning_rate=_round(paper.g_learning_rate * record.get("g_learning_rate_scale", 1.0)),
    )
    if record.get("dataset") in datasets.DATASETS:
        changes["dataset"] = record["dataset"]
    if record.get("jit_compile") is not None:
        changes["jit_compile"] = record["jit_compile"]
    if record.get("pretrain_epochs") is not None:
        changes["pretrain_epochs"] = record["pretrain_epochs"]
    return paper.override(changes)


def _round(value: float) -> float:
    # 0.004 * 10 is 0.04000000000000001 in binary floating point: keep the decimal the user meant.
    return float(f"{value:.12g}")
