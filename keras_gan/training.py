"""The training workflow behind `keras-gan train`: data, GAN, callbacks, resume.

Everything a run writes lives in one folder:

    OUT/backup/            Keras BackupAndRestore state (weights, optimizers, epoch)
    OUT/log.csv            one row per epoch (losses, D(x), D(G(z)), Parzen estimate)
    OUT/logs/              TensorBoard scalars and sample grids
    OUT/samples/           a PNG grid per epoch, from fixed noise
    OUT/gan.keras          the trained GAN (generator, discriminator, optimizers)
    OUT/generator.keras    the trained generator alone
    OUT/run.json           what was run: experiment, width, seed, epochs, data,
                           and the wall time and machines, updated every epoch

Killing the process at any moment and running the same command again resumes
from the last completed epoch and ends with the same weights as a run that was
never interrupted: each epoch's minibatch order is a function of `(seed, epoch)`
alone, and the noise generator's state is saved with the weights.
"""

import dataclasses
import json
import os
import platform
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_gan import architectures, datasets, experiments
from keras_gan._io import atomic_save_model, atomic_write_json
from keras_gan.datasets._sources import fingerprint
from keras_gan.architectures import mnist
from keras_gan.callbacks import ParzenEvaluation, SampleGrid
from keras_gan.model import GAN
from keras_gan._checks import check_positive_int, check_positive_number

PathLike = str | os.PathLike


class TerminateOnNaN(keras.callbacks.TerminateOnNaN):
    """Keras' `TerminateOnNaN`, watching the GAN's `d_loss` and `g_loss`.

    A GAN has no single `loss`; this stops (by raising, so that the last good
    checkpoint is kept) as soon as either loss is NaN or infinite.
    """

    def __init__(self):
        super().__init__(raise_error=True)

    def on_batch_end(self, batch, logs=None):
        for key in ("d_loss", "g_loss"):
            value = (logs or {}).get(key)
            if value is not None and not np.isfinite(value):
                raise RuntimeError(
                    f"{key} is {value} at batch {batch}: training diverged. The last completed "
                    "epoch is kept in OUT/backup; lower the learning rate and run again."
                )


def machine_description() -> str:
    """This machine in words: processor, cores, operating system and GPUs, for run records and model cards.

    Example:
    >>> machine_description()
    'x86_64, 2 CPU cores, Linux'
    """
    gpus = [
        tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
        for gpu in tf.config.list_physical_devices("GPU")
    ]
    description = f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}"
    return description + "".join(f", {gpu}" for gpu in gpus)


class WallTime(keras.callbacks.Callback):
    """Adds each epoch's wall-clock time to a run record, atomically, at every epoch end.

    At the end of every epoch the seconds since the previous epoch ended (or
    since `fit` began) are added to `wall_time_seconds` in the JSON file
    `record_path`, and this machine (`machine_description`) to its `hardware`
    list, through an atomic rewrite. A session killed mid-run so keeps the
    time of its completed epochs, and a resumed run adds its own: the total
    is the time spent training over all sessions and machines, less the part
    of each interrupted epoch done before the interruption. Put it before
    `BackupAndRestore`, so that every checkpointed epoch has its time recorded.

    Args:
        record_path: str or Path. An existing JSON object file (`OUT/run.json`).

    Example:
    >>> gan.fit(images, epochs=5, callbacks=[WallTime("runs/mnist/run.json")])
    """

    def __init__(self, record_path: PathLike):
        super().__init__()
        self.record_path = Path(record_path)
        self.machine = machine_description()

    def on_train_begin(self, logs=None):
        self._last = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        now = time.monotonic()
        record = json.loads(self.record_path.read_text())
        record["wall_time_seconds"] = round(record.get("wall_time_seconds", 0.0) + now - self._last, 3)
        if self.machine not in record.setdefault("hardware", []):
            record["hardware"].append(self.machine)
        atomic_write_json(record, self.record_path)
        self._last = now


def epoch_batches(images: np.ndarray, batch_size: int, seed: int, first_epoch: int, epochs: int) -> tf.data.Dataset:
    """Minibatches for epochs `first_epoch .. epochs - 1`, in an order fixed by `(seed, epoch)`.

    Each epoch is a fresh permutation drawn with `stateless_shuffle(seed=[seed,
    epoch])`, cut into full batches (the last partial batch is dropped, as
    pylearn2 does). Starting at a later epoch gives exactly the batches an
    uninterrupted run would see there.

    Args:
        images: array `(N, ...)`. Training examples.
        batch_size: int. Examples per batch.
        seed: int. Seed of the orders.
        first_epoch: int. Epoch to start at (0-based).
        epochs: int. Epoch to stop before.

    Example:
    >>> ds = epoch_batches(np.zeros((10, 2), "float32"), 4, seed=0, first_epoch=0, epochs=2)
    >>> [b.shape[0] for b in ds]
    [4, 4, 4, 4]
    """
    n = len(images)
    if batch_size > n:
        raise ValueError(f"`batch_size` ({batch_size}) is larger than the training set ({n} examples).")
    steps = n // batch_size
    # A variable holds the data by reference: no copy of it inside the tf.data graph.
    data = tf.Variable(images, trainable=False)

    def one_epoch(epoch):
        order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=tf.stack([tf.cast(seed, "int64"), epoch]))
        return tf.data.Dataset.from_tensor_slices(order[: steps * batch_size]).batch(batch_size)

    return (
        tf.data.Dataset.range(first_epoch, epochs)
        .flat_map(one_epoch)
        .map(lambda idx: tf.gather(data, idx), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def _completed_epochs(backup: keras.callbacks.BackupAndRestore) -> int:
    # BackupAndRestore restores the epoch itself at `on_train_begin`, but the
    # data pipeline must know it before `fit` starts.
    path = Path(backup._training_metadata_path)
    return json.loads(path.read_text())["epoch"] if path.exists() else 0


@dataclasses.dataclass
class TrainingData:
    """Numpy splits for training and for the Parzen monitor, and where they came from."""

    train: np.ndarray
    valid: np.ndarray
    name: str
    source: tuple | None = None  # (file name, sha256), None for tensorflow-datasets
    gcn: bool = False  # globally contrast-normalised (the CIFAR-10 experiments; never a user's folder)


def load_training_data(experiment: experiments.Experiment, data_dir=None, dataset=None, images=None, image_size=None):
    """Train and validation images for an experiment, or for a folder of images."""
    if images is not None:
        ds = datasets.image_folder(images, image_size=image_size)
        x = np.concatenate([np.asarray(b) for b in ds.batch(1000)])
        # A user's folder has no validation split: monitor on its last 10%.
        cut = max(1, len(x) // 10)
        return TrainingData(x[:-cut], x[-cut:], str(images), (str(images), fingerprint(Path(images))))
    name = dataset or experiment.dataset
    train, _ = datasets.load_numpy(name, "train", data_dir=data_dir, gcn=experiment.gcn)
    valid, _ = datasets.load_numpy(name, "valid", data_dir=data_dir, gcn=experiment.gcn)
    return TrainingData(train, valid, name, datasets.source_fingerprint(name, data_dir), gcn=experiment.gcn)


def build_networks(experiment: experiments.Experiment, width: float, data: TrainingData, deviations: dict,
                   images: PathLike | None = None, seed: int = 0) -> tuple[keras.Model, keras.Model]:
    """A one-stage run's starting generator and discriminator, with the run's init deviations applied.

    Args:
        experiment: Experiment. The paper's experiment.
        width: float. Multiplier of the hidden sizes.
        data: TrainingData. The run's images (from `load_training_data`).
        deviations: dict. A value for every key of `experiments.DEVIATIONS`;
            the learning-rate scales are `build_gan`'s business, not this one's.
        images: str, Path or None. The folder `data` came from, if any: then
            the MNIST networks sized to its images. Defaults to None.
        seed: int. Seed of the noise that `center_output` averages over. Defaults to 0.

    Example:
    >>> spec = experiments.get("cifar10_conv")
    >>> data = load_training_data(spec, "../shared/data")
    >>> options = {key: deviation.default for key, deviation in experiments.DEVIATIONS.items()}
    >>> generator, discriminator = build_networks(spec, 0.1, data, {**options, "d_init_scale": 10.0})
    """
    if images is not None:
        # A user's images: the paper's MNIST networks at the folder's image size.
        shape = data.train.shape[1:]
        bias = architectures.marginal_logits(data.train)
        generator = mnist.generator(width, bias, image_shape=shape)
        discriminator = mnist.discriminator(width, image_shape=shape)
    else:
        generator, discriminator = architectures.build(experiment.architecture, width, data.train)
    if deviations["d_init_scale"] != 1:
        architectures.scale_kernels(discriminator, deviations["d_init_scale"])
    # Every paper generator names its output layer "y" and has no kernel after it.
    if deviations["g_last_hidden_init_scale"] != 1:
        below_output = [layer.name for layer in generator.layers if hasattr(layer, "kernel")][-2]
        architectures.scale_kernels(generator, deviations["g_last_hidden_init_scale"], layer_names=[below_output])
    if deviations["g_output_init_scale"] != 1:
        architectures.scale_kernels(generator, deviations["g_output_init_scale"], layer_names=["y"])
    # After the scaling: it centres the generator that trains.
    if deviations["center_output"]:
        architectures.center_output(generator, data.train, experiment.latent_prior, seed)
    return generator, discriminator


def train(
    experiment: str = "mnist",
    out_dir: PathLike = "runs/mnist",
    epochs: int | None = None,
    pretrain_epochs: int | None = None,
    width: float = 1.0,
    seed: int = 0,
    data_dir: PathLike | None = None,
    dataset: str | None = None,
    images: PathLike | None = None,
    image_size=None,
    jit_compile: bool | str | None = None,
    parzen_every: int = 1,
    parzen_samples: int = 10000,
    verbose: int = 1,
    center_output: bool = False,
    d_init_scale: float = 1.0,
    g_output_init_scale: float = 1.0,
    g_last_hidden_init_scale: float = 1.0,
    d_learning_rate_scale: float = 1.0,
    g_learning_rate_scale: float = 1.0,
    **overrides,
) -> GAN:
    """Train one of the paper's experiments (or the MNIST networks on a folder), resumably.

    Running the same call again after an interruption resumes from the last
    completed epoch; a finished run returns at once. TFD's two-stage schedule
    trains its first stage in `OUT/pretrain/`, then the full generator in `OUT`.

    Args:
        experiment: str. A key of `keras_gan.experiments.EXPERIMENTS`.
            Defaults to `"mnist"`.
        out_dir: str or Path. The run's folder (see the module docstring).
            Defaults to `"runs/mnist"`.
        epochs: int or None. Total epochs. Defaults to the experiment's.
        pretrain_epochs: int or None. Epochs of the first stage of a two-stage
            experiment (TFD). Defaults to the experiment's.
        width: float. Multiplier of the hidden sizes. Defaults to 1.0.
        seed: int. Seed of the initial weights, data order and noise.
            Defaults to 0.
        data_dir: str, Path or None. Folder with the dataset files (else
            `KERAS_GAN_DATA_DIR`, else tensorflow-datasets). Defaults to None.
        dataset: str or None. Train on another dataset of the same image
            shape (e.g. `"fer2013"` for the TFD experiment). Defaults to None.
        images: str, Path or None. Train on this folder of images instead,
            with the MNIST networks sized to its images. Defaults to None.
        image_size: int, tuple or None. Resize the folder's images. Defaults to None.
        jit_compile: bool, "auto" or None. XLA compilation. Defaults to None
            (the experiment's: Keras' "auto", except no XLA for `cifar10_conv`).
        parzen_every: int. Parzen estimate on the validation split every this
            many epochs (0: never), in the space the model is published in
            (GCN experiments: display space). Defaults to 1.
        parzen_samples: int. Samples for that estimate. Defaults to 10000.
        verbose: int. Keras progress bar (0, 1 or 2). Defaults to 1.
        center_output: bool. A deviation from the paper for linear-output
            generators (CIFAR-10): start the generator's output bias so that
            its mean sample is the training set's mean image
            (`architectures.center_output`). Defaults to False.
        d_init_scale: float. A deviation: every discriminator kernel starts
            this many times the paper's irange. Defaults to 1.0.
        g_output_init_scale: float. A deviation: the generator's output
            kernel starts this many times the paper's irange. Defaults to 1.0.
        g_last_hidden_init_scale: float. A deviation: the kernel of the
            generator's last hidden layer starts this many times the paper's
            irange. Defaults to 1.0.
        d_learning_rate_scale, g_learning_rate_scale: float. Deviations: the
            discriminator's and generator's learning rates times this.
            Defaults to 1.0. All deviations are listed in
            `keras_gan.experiments.DEVIATIONS` and recorded in `run.json`.
        **overrides: `GAN` arguments to change from the experiment's.

    Example:
    >>> gan = train("mnist", "runs/tiny", epochs=1, width=0.05, data_dir="../shared/data")
    """
    spec = experiments.get(experiment)
    epochs = spec.epochs if epochs is None else epochs
    check_positive_int("epochs", epochs)
    if center_output and (images is not None or architectures.get(spec.architecture).output_bias_from_marginals):
        raise ValueError(
            f"`center_output` is for the linear-output CIFAR-10 generators (cifar10_fc, cifar10_conv). "
            f"Received: experiment={experiment!r}{' with images' if images is not None else ''}, whose generator "
            f"ends in a sigmoid with its bias already set from the data's marginals."
        )
    deviations = dict(
        center_output=center_output, d_init_scale=d_init_scale, g_output_init_scale=g_output_init_scale,
        g_last_hidden_init_scale=g_last_hidden_init_scale, d_learning_rate_scale=d_learning_rate_scale,
        g_learning_rate_scale=g_learning_rate_scale,
    )
    for name in (key for key, deviation in experiments.DEVIATIONS.items() if not isinstance(deviation.default, bool)):
        check_positive_number(name, deviations[name])
    pretrain_epochs = spec.pretrain_epochs if pretrain_epochs is None else pretrain_epochs
    init_scales = {name: deviations[name] for name in ("d_init_scale", "g_output_init_scale", "g_last_hidden_init_scale")}
    if pretrain_epochs and any(value != 1 for value in init_scales.values()):
        raise ValueError(
            f"`d_init_scale`, `g_output_init_scale` and `g_last_hidden_init_scale` are for one-stage experiments; "
            f"{experiment!r} trains two stages and its second generator reuses the first's trained layers. "
            f"Received: {', '.join(f'{name}={value}' for name, value in init_scales.items())}."
        )
    out = Path(out_dir)
    keras.utils.set_random_seed(seed)
    data = load_training_data(spec, data_dir, dataset, images, image_size)
    options = dict(
        width=width, seed=seed, jit_compile=jit_compile, parzen_every=parzen_every,
        parzen_samples=parzen_samples, verbose=verbose, deviations=deviations, overrides=overrides,
    )
    if not pretrain_epochs:
        networks = build_networks(spec, width, data, deviations, images, seed)
        return _fit_stage(spec, out, epochs, data, networks, **options)
    # TFD's two stages (tfd_pretrain/pretrain.yaml, then train.yaml): a first
    # generator, then new layers below it and a new discriminator.
    first = dataclasses.replace(spec, architecture=f"{spec.architecture}_pretrain", pretrain_epochs=0)
    pretrained = _fit_stage(
        first, out / "pretrain", pretrain_epochs, data, architectures.build(first.architecture, width, data.train),
        **options,
    )
    architecture = architectures.get(spec.architecture)
    # A seed of its own, so that the second stage starts the same whether the
    # first was just trained or loaded from its checkpoint.
    keras.utils.set_random_seed(seed + 1)
    networks = (
        architecture.generator(width, pretrained=pretrained.generator),
        architecture.discriminator(width),
    )
    return _fit_stage(spec, out, epochs, data, networks, **options)


def recorded_parzen_space(record: dict, gcn: bool) -> str:
    """The space of a run's `parzen_ll` column: `"pixels"`, `"gcn_display"` or `"gcn"`.

    Args:
        record: dict. The run's `run.json`.
        gcn: bool. Whether the run trained on contrast-normalised images.

    Runs recorded before `parzen_space` existed scored GCN runs in GCN space.
    """
    return record.get("parzen_space", "gcn" if gcn else "pixels")


def _fit_stage(spec, out: Path, epochs: int, data: TrainingData, networks, width, seed, jit_compile,
               parzen_every, parzen_samples, verbose, deviations, overrides) -> GAN:
    """Train one stage in `out`, resuming from its checkpoint; return the trained GAN."""
    out.mkdir(parents=True, exist_ok=True)
    batch_size = spec.batch_size * spec.d_steps
    steps = len(data.train) // batch_size
    gan = spec.build_gan(
        steps, width, seed=seed, jit_compile=jit_compile, networks=networks,
        d_learning_rate_scale=deviations["d_learning_rate_scale"],
        g_learning_rate_scale=deviations["g_learning_rate_scale"], **overrides,
    )
    # Keep the last checkpoint after the run: a finished run is then recognised,
    # and a later call with more epochs continues it.
    backup = keras.callbacks.BackupAndRestore(out / "backup", double_checkpoint=True, delete_checkpoint=False)
    first_epoch = _completed_epochs(backup)
    record_path = out / "run.json"
    previous = json.loads(record_path.read_text()) if record_path.exists() else {}
    run = dict(
        experiment=spec.name,
        architecture=spec.architecture,
        width=width,
        seed=seed,
        epochs=epochs,
        dataset=data.name,
        data_source=data.source[0] if data.source else "tensorflow-datasets",
        data_sha256=data.source[1] if data.source else None,
        train_examples=len(data.train),
        batch_size=batch_size,
        update=gan.update,
        latent_prior=gan.latent_prior,
        d_steps=gan.d_steps,
        generator_parameters=gan.generator.count_params(),
        discriminator_parameters=gan.discriminator.count_params(),
        # Recorded so that the model card's command reproduces the run exactly.
        parzen_every=parzen_every,
        # The space of `log.csv`'s `parzen_ll`, kept when a run resumes so that its curve stays one series.
        # A new GCN run is scored in display space, as its published score is.
        parzen_space=recorded_parzen_space(previous, data.gcn) if first_epoch else
        ("gcn_display" if data.gcn else "pixels"),
        jit_compile=jit_compile,
        **deviations,
        # TensorFlow reads it at import; it changes CPU kernels (benchmarks/onednn.py).
        tf_enable_onednn_opts=os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
        keras_version=keras.__version__,
        tensorflow_version=tf.__version__,
        # Both grow at every epoch end (`WallTime`), over all sessions.
        wall_time_seconds=previous.get("wall_time_seconds", 0.0),
        hardware=previous.get("hardware", []),
    )
    atomic_write_json(run, record_path)
    if first_epoch >= epochs:
        gan.load_weights(backup._weights_path)
        return gan

    to_display = datasets.gcn_to_display if data.gcn else None
    callbacks = []
    if parzen_every:
        # Sigma on the first 1,000 validation examples, the score on the rest; a split of 1,000 or
        # fewer (a small `--images` folder) is cut in half, so that something is left to score.
        cut = 1000 if len(data.valid) > 1000 else len(data.valid) // 2
        callbacks.append(ParzenEvaluation(
            data.valid[:cut], data.valid[cut:], every=parzen_every, n_samples=parzen_samples,
            to_display=to_display if run["parzen_space"] == "gcn_display" else None,
        ))
    callbacks += [
        SampleGrid(out / "samples", log_dir=out / "logs", to_display=to_display),
        WallTime(record_path),
        backup,
        keras.callbacks.CSVLogger(out / "log.csv", append=True),
        keras.callbacks.TensorBoard(out / "logs", write_graph=False),
        TerminateOnNaN(),
    ]
    gan.fit(
        epoch_batches(data.train, batch_size, seed, first_epoch, epochs),
        epochs=epochs,
        initial_epoch=first_epoch,
        steps_per_epoch=steps,
        callbacks=callbacks,
        verbose=verbose,
    )
    atomic_save_model(gan, out / "gan.keras")
    atomic_save_model(gan.generator, out / "generator.keras")
    return gan
