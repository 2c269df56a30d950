import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import GAN
from keras_gan.callbacks import ParzenEvaluation, SampleGrid, TimeLimit
from keras_gan.datasets.output_space import OutputSpace
from keras_gan.evaluation import evaluate_generator
from tests.test_model import data, tiny_gan


@pytest.mark.slow
def test_parzen_evaluation_runs_on_the_first_and_every_nth_epoch():
    evaluated = []

    class Spy(ParzenEvaluation):
        def on_epoch_end(self, epoch, logs=None):
            logs = {}
            super().on_epoch_end(epoch, logs)
            evaluated.append(logs.get("parzen_ll"))

    gan = tiny_gan()
    gan.fit(data(16), batch_size=8, epochs=6, verbose=0,
            callbacks=[Spy(data(20, seed=1), data(30, seed=2), every=3, n_samples=50)])
    assert [value is not None for value in evaluated] == [True, False, True, False, False, True]
    assert all(np.isfinite(v) for v in evaluated if v is not None)
    # A resumed run (initial_epoch=4) evaluates its first epoch too, so CSVLogger gets the columns.
    evaluated.clear()
    gan.fit(data(16), batch_size=8, epochs=7, initial_epoch=4, verbose=0,
            callbacks=[Spy(data(20, seed=1), data(30, seed=2), every=3, n_samples=50)])
    assert [value is not None for value in evaluated] == [True, True, False]


@pytest.mark.slow
def test_time_limit_stops_at_an_epoch_end_only_when_another_epoch_would_pass_it():
    import time

    gan = tiny_gan()
    passed = TimeLimit(time.monotonic())
    history = gan.fit(data(16), batch_size=8, epochs=4, verbose=0, callbacks=[passed])
    assert len(history.history["d_loss"]) == 1 and passed.stopped_after == 1  # the first epoch always ends
    far = TimeLimit(time.monotonic() + 3600)
    history = gan.fit(data(16), batch_size=8, epochs=3, verbose=0, callbacks=[far])
    assert len(history.history["d_loss"]) == 3 and far.stopped_after is None


@pytest.mark.slow
def test_parzen_estimate_reaches_history():
    gan = tiny_gan()
    history = gan.fit(data(16), batch_size=8, epochs=2, verbose=0,
                      callbacks=[ParzenEvaluation(data(20, seed=1), data(30, seed=2), n_samples=50)])
    assert len(history.history["parzen_ll"]) == 2 and np.isfinite(history.history["parzen_se"]).all()


def test_parzen_evaluation_scores_samples_and_data_in_the_space_it_is_given():
    gan = tiny_gan()
    valid, test = data(20, seed=1), data(30, seed=2)
    to_display = OutputSpace.GCN_DISPLAY.from_trained

    logs = {}
    callback = ParzenEvaluation(valid, test, n_samples=50, space="gcn_display")
    callback.set_model(gan)
    callback.on_train_begin()
    callback.on_epoch_end(0, logs)
    samples = gan.generate(50, seed=0)
    mapped = evaluate_generator(to_display(samples), to_display(valid), to_display(test), n_valid=None)
    unmapped = evaluate_generator(samples, valid, test, n_valid=None)
    assert logs["parzen_ll"] == pytest.approx(mapped.mean) and logs["parzen_sigma"] == mapped.sigma
    assert abs(mapped.mean - unmapped.mean) > 1.0


def test_parzen_evaluation_rejects_bad_every():
    with pytest.raises(ValueError, match="`every` must be a positive integer"):
        ParzenEvaluation(data(2), data(2), every=0)


@pytest.mark.slow
def test_sample_grid_writes_one_png_per_epoch_from_fixed_noise(tmp_path):
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, "sigmoid"), keras.layers.Reshape((2, 2, 1))])
    discriminator = keras.Sequential([keras.Input((2, 2, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    gan = GAN(generator, discriminator, seed=0)
    gan.compile(d_optimizer="sgd", g_optimizer=keras.optimizers.SGD(0.0))  # G frozen: same grid twice
    images = np.random.default_rng(0).uniform(size=(8, 2, 2, 1)).astype("float32")
    gan.fit(images, batch_size=4, epochs=2, verbose=0,
            callbacks=[SampleGrid(tmp_path / "samples", n=9, log_dir=tmp_path / "logs")])
    first, second = (np.array(Image.open(tmp_path / "samples" / f"epoch_000{i}.png")) for i in (1, 2))
    np.testing.assert_array_equal(first, second)
    assert first.shape[:2] == (3 * 2 + 4, 3 * 2 + 4)  # 3x3 cells of 2 pixels, 1-pixel borders
    assert list((tmp_path / "logs" / "samples").glob("events.out.tfevents*"))
