"""Callbacks that training a GAN needs and Keras does not provide.

Checkpoints, CSV and TensorBoard scalars come from Keras' own
`BackupAndRestore`, `CSVLogger`, `TensorBoard` and `TerminateOnNaN`. Put these
callbacks before `CSVLogger` and `TensorBoard` in the list: they add their
numbers to the epoch's `logs`, which the later callbacks then record.
"""

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_gan import plotting
from keras_gan.evaluation.parzen import evaluate_generator
from keras_gan._checks import check_positive_int


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
        to_display: callable or None. Maps generator outputs to [0, 1] for
            viewing (e.g. `keras_gan.datasets.gcn_to_display`). Defaults to None.

    Example:
    >>> gan.fit(images, epochs=5, callbacks=[SampleGrid("samples")])
    """

    def __init__(self, directory, n: int = 100, seed: int = 0, log_dir=None, to_display=None):
        check_positive_int("n", n)
        super().__init__()
        self.directory = Path(directory)
        self.n = n
        self.seed = seed
        self.log_dir = None if log_dir is None else Path(log_dir)
        self.to_display = to_display
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        images = self.model.generate(self.n, seed=self.seed)
        if self.to_display is not None:
            images = self.to_display(images)
        grid = plotting.image_grid(np.clip(images, 0.0, 1.0))
        plotting.save_image(grid, self.directory / f"epoch_{epoch + 1:04d}.png")
        if self.log_dir is not None:
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(str(self.log_dir / "samples"))
            with self._writer.as_default():
                tf.summary.image("samples", grid[None].astype("float32"), step=epoch + 1)
            self._writer.flush()


class ParzenEvaluation(keras.callbacks.Callback):
    """Logs a Parzen-window log-likelihood estimate every `every` epochs.

    Uses the paper's protocol (`evaluate_generator`) on a held-out subset, so
    the estimate lands in `History`, the CSV log and TensorBoard as
    `parzen_ll` (with `parzen_se` and `parzen_sigma`). Small `n_samples`
    give a fast but lower estimate than the full protocol's. The first epoch of
    every `fit` call (a resumed run's too) is always evaluated, so that
    `CSVLogger`, which fixes its columns on the first epoch, records them.

    Args:
        valid: array. Examples to select sigma on, in the generator's output space.
        test: array. Examples to score, in the generator's output space.
        every: int. Evaluate after the first epoch of `fit` and every
            `every`-th. Defaults to 1.
        n_samples: int. Generator samples of the window. Defaults to 10000.
        seed: int. Seed of the samples. Defaults to 0.
        to_display: callable or None. Maps the samples, and `valid` and
            `test` (once, here), to the space to score in, e.g.
            `keras_gan.datasets.gcn_to_display` for a GCN model, whose
            published score is measured in display space (where the paper's
            sigma grid fits). Defaults to None (score them as they are).

    Example:
    >>> callback = ParzenEvaluation(valid[:1000], valid[1000:3000], n_samples=2000)
    """

    def __init__(self, valid, test, every: int = 1, n_samples: int = 10000, seed: int = 0, to_display=None):
        check_positive_int("every", every)
        check_positive_int("n_samples", n_samples)
        super().__init__()
        self.to_display = to_display
        self.valid = self._space(np.asarray(valid))
        self.test = self._space(np.asarray(test))
        self.every = every
        self.n_samples = n_samples
        self.seed = seed

    def _space(self, images):
        return images if self.to_display is None else self.to_display(images)

    def on_train_begin(self, logs=None):
        self._evaluated = False

    def on_epoch_end(self, epoch, logs=None):
        if self._evaluated and (epoch + 1) % self.every:
            return
        self._evaluated = True
        samples = self._space(np.asarray(self.model.generate(self.n_samples, seed=self.seed)))
        result = evaluate_generator(samples, self.valid, self.test, n_valid=None)
        if logs is not None:
            logs.update(parzen_ll=result.mean, parzen_se=result.std_error, parzen_sigma=result.sigma)
