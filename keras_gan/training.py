"""The training workflow behind `keras-gan train`: one configuration in, one resumable run folder out.

Everything a run writes lives in one folder:

    OUT/backup/            Keras BackupAndRestore state (weights, optimizers, epoch), every file
                           with a sha256 record that resuming verifies (`keras_gan.checkpoints`)
    OUT/log.csv            one row per epoch (losses, D(x), D(G(z)), Parzen estimate)
    OUT/logs/              TensorBoard scalars and sample grids
    OUT/samples/           a PNG grid per epoch, from fixed noise
    OUT/gan.keras          the trained GAN (generator, discriminator, optimizers)
    OUT/generator.keras    the trained generator alone
    OUT/best.keras         the GAN of the epoch with the best validation Parzen estimate,
                           `best.json` its epoch and estimate (runs that measure it)
    OUT/run.json           the run record (`keras_gan.records`): the whole configuration,
                           its deviations, the command, the data, and the wall time and
                           machines, updated every epoch

Killing the process at any moment and running the same command again resumes
from the last completed epoch and ends with the same weights as a run that was
never interrupted: each epoch's minibatch order is a function of `(seed, epoch)`
alone, and the noise generator's state is saved with the weights. A damaged
checkpoint is refused before anything of the run is touched, and a second
`train` on the same folder is refused while the first runs.
"""

import contextlib
import json
import os
import time
from pathlib import Path

import keras

from keras_gan import architectures, checkpoints, experiments, records
from keras_gan._io import atomic_write
from keras_gan._tf import tensorflow_installed
from keras_gan.callbacks import (
    ParzenEvaluation,
    Progress,
    RunLog,
    SampleGrid,
    SampleQuality,
    TerminateOnNaN,
    TimeLimit,
    TrainingDiagnostics,
    WallTime,
)
from keras_gan.datasets.output_space import OutputSpace
from keras_gan.datasets.pipeline import TrainingData, epoch_batches, load_training_data
from keras_gan.evaluation.classifiers import CLASSIFIER_OF
from keras_gan.model import GAN

PathLike = str | os.PathLike


def build_networks(config: experiments.Experiment, data: TrainingData, images: PathLike | None = None):
    """A one-stage run's starting generator and discriminator.

    Args:
        config: Experiment. The run's configuration.
        data: TrainingData. The run's images (`load_training_data`).
        images: str, Path or None. The folder `data` came from, if any: then
            the networks of `architectures.image_folder`, sized to its
            images. Defaults to None.

    Example:
    >>> config = experiments.get("cifar10_conv").override({"width": 0.05, "center_output": True})
    >>> data = load_training_data("cifar10", gcn=True, data_dir="../shared/data")
    >>> generator, discriminator = build_networks(config, data)
    """
    if images is None:
        return config.build_networks(data.train)
    return architectures.image_folder(data.train.shape[1:]).build(
        config.width, data.train, config.g_init_ranges, config.d_init_ranges)


def train(config: experiments.Experiment, out_dir: PathLike, data_dir: PathLike | None = None,
          images: PathLike | None = None, verbose: int = 1, time_limit: float | None = None) -> GAN:
    """Train one configuration (or the image-folder networks of it on a folder of images), resumably.

    Running the same call again after an interruption resumes from the last
    completed epoch; a finished run returns at once, and one with more
    `epochs` trains on. A run with `pretrain_epochs` of an architecture with
    a first stage (TFD's) trains that stage in `OUT/pretrain/`, then the full
    generator in `OUT`.

    Args:
        config: Experiment. Every setting of the run: `experiments.get(name)`,
            optionally `.override({...})`.
        out_dir: str or Path. The run's folder (see the module docstring).
        data_dir: str, Path or None. Folder with the dataset files (else
            `KERAS_GAN_DATA_DIR`, else tensorflow-datasets). Defaults to None.
        images: str, Path or None. Train on this folder of images instead,
            with `architectures.image_folder`'s networks. Defaults to None.
        verbose: int. Keras progress bar (0, 1 or 2). Defaults to 1.
        time_limit: float or None. Seconds from this call: stop at the first
            epoch end after which another epoch would pass them
            (`callbacks.TimeLimit`); the same call then resumes. Defaults to
            None (train all `epochs`).

    Example:
    >>> import tempfile
    >>> config = experiments.get("mnist").override({"epochs": 1, "width": 0.02, "parzen_every": 0})
    >>> gan = train(config, tempfile.mkdtemp(), data_dir="../shared/data", verbose=0)
    >>> int(gan.g_optimizer.iterations)
    500
    """
    out = Path(out_dir)
    limit = TimeLimit(time.monotonic() + time_limit) if time_limit else None
    with checkpoints.lock_run_folder(out), _dtype_policy(config.dtype_policy):
        keras.utils.set_random_seed(config.seed)
        data = load_training_data(config.dataset, config.gcn, data_dir, images, config.image_size)
        if config.pretrain_epochs and images is not None:
            raise ValueError(f"{config.name!r} trains two stages, which `images` does not support: "
                             "set pretrain_epochs=0 or use a one-stage experiment.")
        if config.quality_every and data.name not in CLASSIFIER_OF:
            raise ValueError(f"`quality_every` measures samples in the features of a shipped classifier, which exist "
                             f"for {sorted(CLASSIFIER_OF)}; this run's images are {data.name!r}: set quality_every=0.")
        if not config.pretrain_epochs or config.init_from:
            # A run that starts from another run's checkpoint skips a first stage: its weights are loaded.
            return _fit_stage(config, out, config.epochs, data, _last_stage_networks(config, data, images), verbose,
                              images, limit=limit)
        # Two stages (TFD's pretrain.yaml, then train.yaml): a first generator, then
        # new layers below it and a new discriminator.
        pretrained = _fit_stage(config, out / "pretrain", config.pretrain_epochs, data,
                                _first_stage_networks(config, data), verbose, limit=limit)
        if limit and limit.stopped_after:
            return pretrained  # out of time in the first stage: the same call resumes it
        # A seed of its own, so that the second stage starts the same whether the
        # first was just trained or loaded from its checkpoint.
        keras.utils.set_random_seed(config.seed + 1)
        return _fit_stage(config, out, config.epochs, data, _last_stage_networks(config, data, images, pretrained.generator),
                          verbose, limit=limit)


def _first_stage(config: experiments.Experiment) -> architectures.FirstStage:
    """The first stage of `config`'s architecture (`Experiment` refuses `pretrain_epochs` without one)."""
    return architectures.get(config.architecture).first_stage


def _first_stage_networks(config: experiments.Experiment, data: TrainingData):
    """The first stage's generator and discriminator, with the configuration's ranges of its layers."""
    first = architectures.get(_first_stage(config).architecture)
    ranges = {layer: config.g_init_ranges[layer] for layer in first.g_init_ranges}
    generator, discriminator = first.build(config.width, data.train, ranges, config.d_init_ranges)
    config.adjust_output_layer(generator)  # after both are drawn: D starts as with the paper's output layer
    return generator, discriminator


def _last_stage_networks(config: experiments.Experiment, data: TrainingData, images: PathLike | None = None,
                         pretrained: keras.Model | None = None):
    """The networks of a run's last (or only) stage; a two-stage run's generator grows from `pretrained`."""
    if not config.pretrain_epochs:
        return build_networks(config, data, images)
    pretrained = pretrained or _first_stage_networks(config, data)[0]
    return (_first_stage(config).grow(pretrained, config.width, ranges=config.g_init_ranges),
            architectures.get(config.architecture).discriminator(config.width, ranges=config.d_init_ranges))


def initial_networks(config: experiments.Experiment, data: TrainingData, images: PathLike | None = None,
                     first_stage: bool = False) -> tuple[keras.Model, keras.Model]:
    """The generator and discriminator a run of `config` started from, rebuilt with its seeds as `train` builds them.

    The same seeds draw the same initial weights, so a run's (or a shipped
    model's) starting point needs no file of its own. A second stage (TFD's)
    starts from the first stage's initial layers below a new network drawn
    with seed + 1, as `train` builds it. A run started `init_from` another run
    continues that run's weights, so it gets that run's initial weights (from
    its `run.json`, when the folder is there; else those of its own seed).
    Global random states are re-seeded.

    Args:
        config: Experiment. The run's configuration.
        data: TrainingData. The run's images (`load_training_data`).
        images: str, Path or None. The folder `data` came from, if any. Defaults to None.
        first_stage: bool. A two-stage run: the first stage's networks
            (`OUT/pretrain`) instead of the last stage's. Defaults to False.

    Example:
    >>> config = experiments.get("mnist").override({"width": 0.02})
    >>> data = load_training_data("mnist", data_dir="../shared/data")
    >>> generator, _ = initial_networks(config, data)
    >>> again, _ = initial_networks(config, data)
    >>> all((a == b).all() for a, b in zip(generator.get_weights(), again.get_weights()))
    True
    """
    source = Path(config.init_from) / "run.json" if config.init_from else None
    if source and source.is_file() and not first_stage:
        # TFD's continued second stage would otherwise be rebuilt as a one-stage run, from other draws.
        return initial_networks(records.config_of(records.read_record(source)), data, images)
    keras.utils.set_random_seed(config.seed)
    if first_stage:
        return _first_stage_networks(config, data)
    if not config.pretrain_epochs or config.init_from:
        return _last_stage_networks(config, data, images)  # as `train` builds a one-stage run
    first = _first_stage_networks(config, data)[0]
    keras.utils.set_random_seed(config.seed + 1)
    return _last_stage_networks(config, data, images, first)


@contextlib.contextmanager
def _dtype_policy(name: str):
    """Build and train under Keras' precision policy `name`, then restore the previous one."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _fit_stage(config: experiments.Experiment, out: Path, epochs: int, data: TrainingData, networks,
               verbose: int, images: PathLike | None = None, limit: TimeLimit | None = None) -> GAN:
    """Train one stage of `config` for `epochs` in `out`, resuming from its checkpoint; return the trained GAN.

    `limit`, if any, may stop it at an epoch end before `epochs`.
    """
    out.mkdir(parents=True, exist_ok=True)
    batch_size = config.batch_size * config.d_steps
    steps = len(data.train) // batch_size
    gan = config.build_gan(steps, networks=networks)
    # Keep the last checkpoint after the run: a finished run is then recognised,
    # and a later call with more epochs continues it.
    backup = checkpoints.VerifiedBackupAndRestore(out / "backup")
    resumed = backup.verify()  # before anything of the run is written
    record_path = out / "run.json"
    previous = records.read_record(record_path) if record_path.exists() else {}
    if resumed and previous:
        _check_resumable(records.config_of(previous), config, out)
    first_epoch = resumed or (start_from(gan, config, steps) if config.init_from else 0)
    run = records.RunRecord(
        experiment=config.name,
        config=config.to_dict(),
        deviations=records.deviation_lines(config),
        command=experiments.command_line(config, out=str(out if out.name != "pretrain" else out.parent)),
        stage_epochs=epochs,
        dataset=data.name,
        data_source=data.source[0] if data.source else "tensorflow-datasets",
        data_sha256=data.source[1] if data.source else None,
        train_examples=len(data.train),
        steps_per_epoch=steps,
        generator_parameters=gan.generator.count_params(),
        discriminator_parameters=gan.discriminator.count_params(),
        # The space of `log.csv`'s `parzen_ll`, kept when a run resumes so that its curve stays one series.
        # A new GCN run is scored in display space, as its published score is.
        parzen_space=OutputSpace.of_curve(previous, data.gcn) if resumed else OutputSpace.trained(data.gcn).shown,
        # TensorFlow reads it at import; it changes CPU kernels (benchmarks/onednn.py).
        tf_enable_onednn_opts=os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
        keras_version=keras.__version__,
        tensorflow_version=records.tensorflow_version(),
        keras_backend=keras.backend.backend(),
        # Both grow at every epoch end (`WallTime`), over all sessions.
        wall_time_seconds=previous.get("wall_time_seconds", 0.0),
        hardware=previous.get("hardware", []),
    )
    run.write(record_path)
    for temporary in [*out.glob(".*.keras"), *out.glob(".*.tmp")]:
        temporary.unlink()  # left by a process killed while saving the models below
    if verbose:
        _print_start(run, out, first_epoch, epochs, resumed)
    if first_epoch >= epochs:
        gan.load_weights(backup._weights_path)
        if not all(checkpoints.checksum_path(out / name).exists() for name in ("gan.keras", "generator.keras")):
            _save_models(gan, out)  # killed after the last checkpoint, before the models were saved
        return gan
    _drop_rows_from(out / "log.csv", first_epoch)

    shown = OutputSpace.trained(data.gcn).shown
    tensorboard = tensorflow_installed()
    callbacks = []
    if config.parzen_every:
        # Sigma on the first 1,000 validation examples, the score on the rest; a split of 1,000 or
        # fewer (a small `--images` folder) is cut in half, so that something is left to score.
        cut = 1000 if len(data.valid) > 1000 else len(data.valid) // 2
        callbacks.append(ParzenEvaluation(
            data.valid[:cut], data.valid[cut:], every=config.parzen_every, n_samples=config.parzen_samples,
            space=run.parzen_space,
        ))
    if config.quality_every:
        # Against validation images, so that the FID that chooses `best.keras` leaves the test split alone.
        callbacks.append(SampleQuality(
            data.valid[:config.quality_samples], data.name, n_samples=config.quality_samples,
            every=config.quality_every, space=shown,
        ))
    if config.diagnostics_every:
        # Rebuilt, not copied from `networks`: a resumed run's, and TFD's second stage's lower layers, have trained.
        initial = initial_networks(config, data, images, first_stage=out.name == "pretrain")
        callbacks.append(TrainingDiagnostics(*initial, data.valid, every=config.diagnostics_every,
                                             n_samples=min(1000, len(data.valid))))
    if config.parzen_every or config.quality_every:
        callbacks.append(checkpoints.BestCheckpoint(out / "best.keras", monitor=config.best_monitor,
                                                    mode=experiments.BEST_MONITORS[config.best_monitor]))
    callbacks += [
        # TensorBoard logs need TensorFlow, which training under JAX or PyTorch does not.
        SampleGrid(out / "samples", log_dir=out / "logs" if tensorboard else None, space=shown),
        WallTime(record_path),
        # The log row before the checkpoint: a kill between them leaves a row that resuming drops.
        RunLog(out / "log.csv"),
        backup,
        *([keras.callbacks.TensorBoard(out / "logs", write_graph=False)] if tensorboard else []),
        TerminateOnNaN(),
        *([limit] if limit else []),
    ]
    if verbose:
        callbacks.append(Progress(epochs))
    gan.fit(
        epoch_batches(data.train, batch_size, config.seed, first_epoch, epochs),
        epochs=epochs,
        initial_epoch=first_epoch,
        steps_per_epoch=steps,
        callbacks=callbacks,
        verbose=verbose,
        shuffle=False,  # `epoch_batches` already orders each epoch by (seed, epoch)
    )
    _save_models(gan, out)
    if verbose and limit and limit.stopped_after:
        print(f"stopped after epoch {limit.stopped_after} of {epochs} at the time limit: run the same command to resume")
    if verbose:
        written = sorted(path.name + ("/" if path.is_dir() else "") for path in out.iterdir()
                         if not path.name.startswith(".") and path.suffix != ".sha256")
        print(f"wrote {out}: {', '.join(written)}")
    return gan


def _print_start(run: records.RunRecord, out: Path, first_epoch: int, epochs: int, resumed: int) -> None:
    """What a user needs before the first progress bar: which model, which data, started or resumed, where."""
    source = f"{run.data_source} (sha256 {run.data_sha256[:12]})" if run.data_sha256 else run.data_source
    print(f"{run.experiment}: generator {run.generator_parameters:,} and discriminator "
          f"{run.discriminator_parameters:,} parameters; deviations from the paper: "
          f"{'; '.join(run.deviations) or 'none'}")
    print(f"data: {run.dataset}, {run.train_examples:,} training images from {source}")
    if resumed:
        state = (f"resumed after epoch {first_epoch} of {epochs}; a part-done epoch is trained again"
                 if first_epoch < epochs else f"finished, all {epochs} epochs done")
    else:
        state = f"started at epoch {first_epoch + 1} of {epochs}"
    print(f"run folder: {out}, {state}")


def checkpoint_files(run: PathLike) -> tuple[Path, Path]:
    """The weights and epoch files of the last checkpoint of the run folder `run`.

    They are in `run/backup/`, or in `run` itself for a copy of that folder
    such as `checkpoints/mnist/`.

    Example:
    >>> [path.as_posix() for path in checkpoint_files("checkpoints/mnist")]
    ['checkpoints/mnist/latest.weights.h5', 'checkpoints/mnist/training_metadata.json']
    """
    run = Path(run)
    folder = run / "backup" if (run / "backup").is_dir() else run
    return folder / "latest.weights.h5", folder / "training_metadata.json"


def start_from(gan: GAN, config: experiments.Experiment, steps_per_epoch: int) -> int:
    """Load the last checkpoint of the run folder `config.init_from` into `gan`; return its epoch count.

    Both networks and both optimizers' states (update counts, momentum
    slots) are copied, so the learning-rate decay and momentum ramp go on
    from where that run stopped; `gan`'s weight average, if any, starts at
    the checkpoint's sampling generator. The noise state is copied only when
    the seeds are the same: another seed draws noise of its own.

    Args:
        gan: GAN. Built by `config.build_gan(steps_per_epoch)`.
        config: Experiment. The run's configuration; its architecture, width,
            image size and optimizer must be those of the checkpoint's run.
        steps_per_epoch: int. Updates per epoch.

    Returns:
        The number of epochs the checkpoint completed: the run's first epoch.

    Example:
    >>> import tempfile
    >>> config = experiments.get("mnist").override({"epochs": 1, "width": 0.02, "parzen_every": 0})
    >>> first = tempfile.mkdtemp()
    >>> _ = train(config, first, data_dir="../shared/data", verbose=0)
    >>> screen = config.override({"epochs": 2, "g_learning_rate": 0.01, "init_from": first})
    >>> start_from(screen.build_gan(500), screen, 500)
    1
    """
    source = Path(config.init_from)
    weights, metadata = checkpoint_files(source)
    record = source / "run.json"
    if not (weights.is_file() and metadata.is_file() and record.is_file()):
        raise ValueError(f"`init_from` must be a run folder with a run.json and a checkpoint (backup/latest.weights.h5 "
                         f"and training_metadata.json). Received: init_from={config.init_from!r}")
    if (weights.parent / "writing.json").exists():
        raise ValueError(f"The checkpoint of {source} was being written when its run stopped: resume that run once "
                         "(the command in its run.json) before starting from it.")
    fix = f"restore it, or start from another run folder than {source}"
    for path in (weights, metadata):
        checkpoints.verify_file(path, fix=fix)
    epoch = int(json.loads(metadata.read_text())["epoch"])
    recorded = records.config_of(records.read_record(record))
    differing = [f"{field}: {getattr(recorded, field)} -> {getattr(config, field)}"
                 for field in ("architecture", "width", "image_size", "optimizer", "dtype_policy")
                 if getattr(recorded, field) != getattr(config, field)]
    if differing:
        raise ValueError(f"{source} trained other networks or optimizers ({'; '.join(differing)}): start from a run "
                         "with the same ones, or set those settings to its values.")
    if config.epochs <= epoch:
        raise ValueError(f"`epochs` must be more than the {epoch} epochs of {source}'s checkpoint, which the run "
                         f"continues. Received: epochs={config.epochs}")
    networks = [keras.models.clone_model(network) for network in (gan.generator, gan.discriminator)]
    for network in networks:
        network.build(network.input_shape)
    previous = recorded.build_gan(steps_per_epoch, networks=networks)
    previous.load_weights(weights)
    gan.generator.set_weights(previous.generator.get_weights())
    gan.discriminator.set_weights(previous.discriminator.get_weights())
    pairs = [(gan.d_optimizer.variables, previous.d_optimizer.variables),
             (gan.g_optimizer.variables, previous.g_optimizer.variables)]
    if config.seed == recorded.seed:
        pairs.append((gan._seed_states(), previous._seed_states()))
    for new, old in pairs:
        for variable, value in zip(new, old, strict=True):
            variable.assign(value)
    if gan.ema_decay:
        gan.averaged_generator.set_weights(previous.sampling_generator.get_weights())
    return epoch


def _save_models(gan: GAN, out: Path) -> None:
    """Write the trained `gan.keras` and `generator.keras` of `out`, each with its sha256 record."""
    checkpoints.save_model(gan, out / "gan.keras")
    checkpoints.save_model(gan.sampling_generator, out / "generator.keras")


def _drop_rows_from(log: Path, first_epoch: int) -> None:
    """Keep only `log.csv`'s rows of the checkpointed epochs (0-based epoch < `first_epoch`)."""
    lines = log.read_text().splitlines(keepends=True) if log.exists() else []
    if not lines:
        return  # none yet, or killed before RunLog wrote its header: it writes one when the file is empty
    header, *rows = lines
    kept = [row for row in rows if int(row.split(",", 1)[0]) < first_epoch]
    if len(kept) < len(rows):
        atomic_write(log, lambda f: f.write((header + "".join(kept)).encode()))


def _check_resumable(recorded: experiments.Experiment, config: experiments.Experiment, out: Path) -> None:
    """Refuse to resume a run folder with settings other than the ones it was trained with (`experiments.RESUMABLE`)."""
    differing = experiments.unresumable_changes(recorded, config)
    if differing:
        raise ValueError(
            f"{out} was trained with other settings ({'; '.join(differing)}): run the command in its run.json "
            "to resume it, or pass a new --out to start another run."
        )
