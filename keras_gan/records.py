"""Run records: what a `keras-gan train` run writes to `OUT/run.json`, and the machine it ran on.

A record holds the run's whole configuration (`config`, an
`experiments.Experiment` as a dict), its deviations from the paper, the
command that reproduces it, the data it read (name, file, sha256), the
parameter counts, the library versions and, growing at every epoch end, the
wall time and the machines. `config_of(record)` gives the configuration back,
also from records written before configurations existed.
"""

import os
import platform
import sys

import keras

from keras_gan import datasets, experiments


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


def output_space(gcn: bool) -> str:
    """The space a published generator's samples are in: a GCN model's are mapped back to display images.

    Example:
    >>> output_space(gcn=True)
    'gcn_display'
    """
    return "gcn_display" if gcn else "pixels"


def recorded_parzen_space(record: dict, gcn: bool) -> str:
    """The space of a run's `parzen_ll` column: `"pixels"`, `"gcn_display"` or `"gcn"`.

    Args:
        record: dict. The run's `run.json`.
        gcn: bool. Whether the run trained on contrast-normalised images.

    Runs recorded before `parzen_space` existed scored GCN runs in GCN space.

    Example:
    >>> recorded_parzen_space({}, gcn=True)
    'gcn'
    """
    return record.get("parzen_space", "gcn" if gcn else "pixels")


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
