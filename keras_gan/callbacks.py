"""Callbacks that training a GAN needs and Keras does not provide.

Checkpoints and TensorBoard scalars come from Keras' own `BackupAndRestore`
and `TensorBoard`; the CSV log is `RunLog`, Keras' `CSVLogger` kept to one
header across resumed fits. Put these callbacks before `RunLog` and
`TensorBoard` in the list: they add their numbers to the epoch's `logs`, which
the later callbacks then record.
"""

import csv
import io
import time
from pathlib import Path

import keras
import numpy as np

from keras_gan import plotting
from keras_gan._checks import check_positive_int
from keras_gan._io import atomic_write
from keras_gan._tf import lazy_tensorflow
from keras_gan.datasets.output_space import OutputSpace
from keras_gan.evaluation.parzen import evaluate_generator
from keras_gan.records import add_wall_time, machine_description

tf = lazy_tensorflow("TensorBoard logging")


class TerminateOnNaN(keras.callbacks.TerminateOnNaN):
    """Keras' `TerminateOnNaN`, watching the GAN's `d_loss` and `g_loss`.

    A GAN has no single `loss`; this stops (by raising, so that the last good
    checkpoint is kept) as soon as either loss is NaN or infinite.

    Example:
    >>> TerminateOnNaN().on_batch_end(0, {"d_loss": float("nan")})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    RuntimeError: d_loss is nan at batch 0: training diverged. The last completed epoch is kept in OUT/backup; ...
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


class TimeLimit(keras.callbacks.Callback):
    """Stops training at the first epoch end after which another epoch would pass a deadline.

    The stop is clean: the epoch's checkpoint and log row are written as at
    any epoch end, so running the same command again resumes from there.
    The next epoch is assumed to take as long as the longest epoch of this
    call after its first (the first also traces and compiles).

    Args:
        deadline: float. The `time.monotonic()` value not to pass.

    Attributes:
        stopped_after: int or None. The epoch count (1-based) at which it
            stopped training; None while it has not.

    Example:
    >>> limit = TimeLimit(time.monotonic() + 3600)
    >>> limit.set_model(keras.Sequential())
    >>> limit.on_train_begin(); limit.on_epoch_end(0)
    >>> print(limit.stopped_after)
    None
    """

    def __init__(self, deadline: float):
        super().__init__()
        self.deadline = deadline
        self.stopped_after = None  # the number of epochs done when it stopped training

    def on_train_begin(self, logs=None):
        self._durations = []
        self._last = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        now = time.monotonic()
        self._durations.append(now - self._last)
        self._last = now
        if now + max(self._durations[1:] or self._durations) > self.deadline:
            self.model.stop_training = True
            self.stopped_after = epoch + 1


class RunLog(keras.callbacks.CSVLogger):
    r"""Appends each epoch's logs to a CSV file whose columns stay those of its header, widened where a fit adds some.

    Keras' `CSVLogger(append=True)` keeps an existing file's header but writes
    each row with the columns of the current fit's first epoch, so a run
    resumed with more or fewer logged values (a newer package's diagnostics, a
    monitor switched on) shifts every later value into the wrong column. Here
    the first epoch of a fit reads the header: values it lacks are written
    "NA", and columns it adds are appended to the header, the earlier rows
    rewritten with "NA" there (atomically).

    Args:
        path: str or Path. The CSV file.

    Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = path.write_text("epoch,a,val_a\n0,1.0,NA\n")
    >>> log = RunLog(path)
    >>> log.on_train_begin(); log.on_epoch_end(1, {"a": 2.0, "b": 3.0}); log.on_train_end()
    >>> print(path.read_text().strip())
    epoch,a,val_a,b,val_b
    0,1.0,NA,NA,NA
    1,2.0,NA,3.0,NA
    """

    def __init__(self, path):
        super().__init__(str(path), append=True)
        self.path = Path(path)

    def on_epoch_end(self, epoch, logs=None):
        if self.keys is None and self.path.exists() and self.path.stat().st_size:
            self._widen_header(logs or {})
        super().on_epoch_end(epoch, logs)

    def _widen_header(self, logs: dict) -> None:
        with self.path.open(newline="") as f:
            rows = list(csv.reader(f))
        columns = rows[0][1:]
        keys = sorted(logs)
        if not any(key.startswith("val_") for key in keys):
            keys += [f"val_{key}" for key in keys]  # as CSVLogger does
        added = [key for key in keys if key not in columns]
        if added:
            self.csv_file.close()
            lines = [rows[0] + added] + [row + ["NA"] * len(added) for row in rows[1:]]

            def write(f):
                text = io.StringIO()
                csv.writer(text, lineterminator="\n").writerows(lines)
                f.write(text.getvalue().encode())

            atomic_write(self.path, write)
            self.csv_file = open(self.path, "a")
        self.keys = columns + added


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
    >>> import json, tempfile
    >>> record = Path(tempfile.mkdtemp()) / "run.json"
    >>> _ = record.write_text("{}")
    >>> timer = WallTime(record); timer.on_train_begin(); timer.on_epoch_end(0)
    >>> sorted(json.loads(record.read_text()))
    ['hardware', 'wall_time_seconds']
    """

    def __init__(self, record_path):
        super().__init__()
        self.record_path = Path(record_path)
        self.machine = machine_description()

    def on_train_begin(self, logs=None):
        self._last = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        now = time.monotonic()
        add_wall_time(self.record_path, now - self._last, self.machine)
        self._last = now


def _duration(seconds: float) -> str:
    """`seconds` as people read it: "41 s", "12 min", "3 h 24 min"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


class Progress(keras.callbacks.Callback):
    """Prints each epoch's wall time and the time left for the run: epochs left x the last epoch's time.

    The line is printed when the next epoch begins (and at the end), so that
    it follows Keras' finished progress bar instead of breaking into it.

    Args:
        epochs: int. The epoch `fit` ends at.
        print_fn: callable. Where the lines go. Defaults to `print`.

    Example:
    >>> progress = Progress(epochs=300, print_fn=print)
    >>> progress.on_epoch_begin(0); progress._started -= 41; progress.on_epoch_end(0); progress.on_train_end()
    epoch 1/300: 41 s; 299 left, about 3 h 24 min
    """

    def __init__(self, epochs: int, print_fn=print):
        super().__init__()
        check_positive_int("epochs", epochs)
        self.epochs = epochs
        self.print_fn = print_fn
        self._pending = None

    def _flush(self):
        if self._pending:
            self.print_fn(self._pending)
            self._pending = None

    def on_epoch_begin(self, epoch, logs=None):
        self._flush()
        self._started = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.monotonic() - self._started
        left = self.epochs - epoch - 1
        eta = f"; {left} left, about {_duration(left * seconds)}" if left else ""
        self._pending = f"epoch {epoch + 1}/{self.epochs}: {_duration(seconds)}{eta}"

    def on_train_end(self, logs=None):
        self._flush()


class SampleGrid(keras.callbacks.Callback):
    """Writes a grid of samples from fixed noise after every epoch.

    The same noise every epoch shows how the generator's mapping evolves.
    Each grid goes to `directory/epoch_0001.png` (atomically) and, when
    `log_dir` is given, to TensorBoard as an image.

    Args:
        directory: str or Path. Where the PNG files go.
        n: int. Number of samples in the grid. Defaults to 100.
        seed: int. Seed of the fixed noise. Defaults to 0.
        log_dir: str, Path or None. TensorBoard log folder. Defaults to None.
        space: `OutputSpace` or its name. The space the grid shows the
            samples in (`"gcn_display"` for a GCN model: its samples are
            mapped there). Defaults to `"pixels"`.

    Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> history = gan.fit(images, batch_size=100, epochs=1, verbose=0, callbacks=[SampleGrid(folder)])
    >>> sorted(path.name for path in folder.iterdir())
    ['epoch_0001.png']
    """

    def __init__(self, directory, n: int = 100, seed: int = 0, log_dir=None, space: OutputSpace | str = "pixels"):
        check_positive_int("n", n)
        super().__init__()
        self.directory = Path(directory)
        self.n = n
        self.seed = seed
        self.log_dir = None if log_dir is None else Path(log_dir)
        self.space = OutputSpace(space)
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        images = self.space.from_trained(np.asarray(self.model.generate(self.n, seed=self.seed)))
        grid = plotting.image_grid(np.clip(images, 0.0, 1.0))
        plotting.save_image(grid, self.directory / f"epoch_{epoch + 1:04d}.png")
        if self.log_dir is not None:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(str(self.log_dir / "samples"))
            with self._writer.as_default():
                tf.summary.image("samples", grid[None].astype("float32"), step=epoch + 1)
            self._writer.flush()


class _SampleMetric(keras.callbacks.Callback):
    """Measures `n_samples` seeded samples after the first epoch of every `fit` call and every `every`-th.

    The first epoch is always measured so that `RunLog`, which fixes its
    columns on the first epoch, records them. Subclasses map the samples (put in
    `space`) to the numbers `measure` returns, which land in the epoch's `logs`.
    """

    def __init__(self, every: int, n_samples: int, seed: int, space: OutputSpace | str | None):
        check_positive_int("every", every)
        check_positive_int("n_samples", n_samples)
        super().__init__()
        self.every = every
        self.n_samples = n_samples
        self.seed = seed
        self.space = None if space is None else OutputSpace(space)  # None: as the generator gives them

    def _in_space(self, images):
        return images if self.space is None else self.space.from_trained(images)

    def on_train_begin(self, logs=None):
        self._evaluated = False

    def on_epoch_end(self, epoch, logs=None):
        if self._evaluated and (epoch + 1) % self.every:
            return
        self._evaluated = True
        numbers = self.measure(self._in_space(np.asarray(self.model.generate(self.n_samples, seed=self.seed))))
        if logs is not None:
            logs.update(numbers)

    def measure(self, samples) -> dict:
        raise NotImplementedError


class ParzenEvaluation(_SampleMetric):
    """Logs a Parzen-window log-likelihood estimate every `every` epochs.

    Uses the paper's protocol (`evaluate_generator`) on a held-out subset, so
    the estimate lands in `History`, the CSV log and TensorBoard as
    `parzen_ll` (with `parzen_se` and `parzen_sigma`). Small `n_samples`
    give a fast but lower estimate than the full protocol's. The first epoch of
    every `fit` call (a resumed run's too) is always evaluated, so that
    `RunLog`, which fixes its columns on the first epoch, records them.

    Args:
        valid: array. Examples to select sigma on, in the generator's output space.
        test: array. Examples to score, in the generator's output space.
        every: int. Evaluate after the first epoch of `fit` and every
            `every`-th. Defaults to 1.
        n_samples: int. Generator samples of the window. Defaults to 10000.
        seed: int. Seed of the samples. Defaults to 0.
        space: `OutputSpace` or its name. The space to score in: the
            samples, `valid` and `test` (once, here) are put in it, e.g.
            `"gcn_display"` for a GCN model, whose published score is measured
            in display space (where the paper's sigma grid fits). Defaults to
            `"pixels"`.

    Example:
    >>> valid = images[:100]
    >>> callback = ParzenEvaluation(valid[:50], valid[50:], n_samples=200)
    >>> history = gan.fit(images, batch_size=100, epochs=1, verbose=0, callbacks=[callback])
    >>> sorted(history.history)
    ['d_fake', 'd_loss', 'd_real', 'g_loss', 'parzen_ll', 'parzen_se', 'parzen_sigma']
    """

    def __init__(self, valid, test, every: int = 1, n_samples: int = 10000, seed: int = 0,
                 space: OutputSpace | str = "pixels"):
        super().__init__(every, n_samples, seed, space)
        self.valid = self.space.from_trained(np.asarray(valid))
        self.test = self.space.from_trained(np.asarray(test))

    def measure(self, samples) -> dict:
        result = evaluate_generator(samples, self.valid, self.test, n_valid=None)
        return dict(parzen_ll=result.mean, parzen_se=result.std_error, parzen_sigma=result.sigma)


class SampleQuality(_SampleMetric):
    """Logs the cheap sample-quality metrics every `every` epochs: classifier FID, KID and classes covered.

    `n_samples` samples are compared with `real` images in the features of
    the dataset's frozen classifier (`keras_gan.evaluation.classifiers`), as
    `sample_quality` does (`metrics.FEATURE_METRICS`): `fid`, `kid` and
    `kid_std` (in units of 1e-3) and `classes_covered` land in the
    epoch's `logs`, hence in `History`, the CSV log and TensorBoard. With a few
    thousand images, FID is biased upwards against the full evaluation's
    (`sample_quality`, 10,000 each): compare epochs with each other. Like
    `ParzenEvaluation`, the first epoch of every `fit` call is measured, so
    that `RunLog` records the columns.

    Args:
        real: array. Real images in the generator's output space, e.g.
            2,000 training images.
        dataset: str. The dataset whose shipped classifier measures
            (`"tfd"` uses FER-2013's); ignored with `classifier`.
        n_samples: int. Samples per evaluation. Defaults to 2000.
        every: int. Measure after the first epoch of `fit` and every
            `every`-th. Defaults to 1.
        seed: int. Seed of the samples and of KID's subsets. Defaults to 0.
        space: `OutputSpace` or its name. The [0, 1] space the classifier
            takes the images in: the samples and `real` (once, here) are put
            in it, `"gcn_display"` for a GCN model. Defaults to `"pixels"`.
        classifier: `keras.Model` or None. The feature classifier. Defaults
            to None, the shipped one of `dataset`.

    Example:
    >>> callback = SampleQuality(images, "mnist", n_samples=100)
    >>> history = gan.fit(images, batch_size=100, epochs=1, verbose=0, callbacks=[callback])
    >>> sorted(key for key in history.history if key in ("fid", "kid", "kid_std", "classes_covered"))
    ['classes_covered', 'fid', 'kid', 'kid_std']
    """

    def __init__(self, real, dataset: str, n_samples: int = 2000, every: int = 1, seed: int = 0,
                 space: OutputSpace | str = "pixels", classifier=None):
        from keras_gan.evaluation.classifiers import classify, load_classifier

        super().__init__(every, n_samples, seed, space)
        self.classifier = classifier if classifier is not None else load_classifier(dataset)
        self.real = classify(self.space.from_trained(np.asarray(real)), self.classifier)

    # Of `metrics.FEATURE_METRICS`, the cheap ones, and of their values those logged: a resumed run's CSV log keeps
    # the columns its first epoch fixed.
    METRICS = ("fid", "kid", "classes")
    LOGGED = ("fid", "kid", "kid_std", "classes_covered")

    def measure(self, samples) -> dict:
        from keras_gan.evaluation import classify, metrics

        values = metrics.feature_metrics(classify(samples, self.classifier), self.real, None, self.METRICS, self.seed)
        return {key: values[key] for key in self.LOGGED}


class TrainingDiagnostics(_SampleMetric):
    """Logs the training diagnostics' scalars every `every` epochs: how far the weights moved, caps, gradients, samples.

    `keras_gan.diagnostics` defines each measure. Against the networks the run
    started from, after the first epoch of every `fit` call and every
    `every`-th: `g_movement_mean`, `g_movement_max`, `g_output_movement`,
    `g_output_norm_ratio` (and the same with `d_` for the discriminator),
    `g_output_initial_share` for a sparse-initialised output layer,
    `g_at_cap_max` / `d_at_cap_max` (the largest fraction of a layer's units at
    its max-norm cap) where caps exist, `g_grad_norm` and `d_grad_norm` (on one
    batch of `real` images, dropout off), `g_output_neighbour_cosine` (and,
    with the discriminator, `g_output_gradient_neighbour_cosine`) for a dense
    output layer, and the samples' `sample_variance` (across z),
    `high_frequency_ratio` (their mean's against as many real images') and,
    for a strided output layer, `phase_variance_spread` land in the epoch's
    `logs`, hence in `log.csv` and TensorBoard.
    The generator measured is the one that samples (`GAN.sampling_generator`).

    Args:
        initial_generator: `keras.Model`. The generator the run started from
            (`keras_gan.training.initial_networks`); its kernels are copied here.
        initial_discriminator: `keras.Model` or None. The discriminator it started from.
        real: array. At least `n_samples` real images in the generator's output space (validation images).
        every: int. Measure after the first epoch of `fit` and every `every`-th. Defaults to 1.
        n_samples: int. Samples (and real images) of the samples' summary. Defaults to 1000.
        seed: int. Seed of the samples and of the gradients' noise. Defaults to 0.

    Example:
    >>> callback = TrainingDiagnostics(gan.generator, gan.discriminator, images, n_samples=100)
    >>> history = gan.fit(images, batch_size=100, epochs=1, verbose=0, callbacks=[callback])
    >>> history.history["g_movement_max"][0] > 0
    True
    """

    def __init__(self, initial_generator: keras.Model, initial_discriminator, real, every: int = 1,
                 n_samples: int = 1000, seed: int = 0):
        from keras_gan.diagnostics import initial_kernels

        super().__init__(every, n_samples, seed, None)
        self.initial_generator = initial_kernels(initial_generator)
        self.initial_discriminator = None if initial_discriminator is None else initial_kernels(initial_discriminator)
        self.real = np.asarray(real)
        if len(self.real) < n_samples:
            raise ValueError(f"`real` must hold at least n_samples={n_samples} images. Received: {len(self.real)}")

    def measure(self, samples) -> dict:
        from keras_gan.diagnostics import diagnose

        gan = self.model
        report = diagnose(gan.sampling_generator, self.initial_generator, gan.latent_prior, self.real,
                          gan.discriminator, self.initial_discriminator, n_samples=self.n_samples, seed=self.seed,
                          generator_loss=gan.generator_loss, batch_size=min(100, self.n_samples), samples=samples)
        return report.summary()
