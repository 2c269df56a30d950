"""Training diagnostics (`keras_gan.diagnostics`): each measure reads what was planted, the callback logs its
columns in a run's log.csv, and `keras-gan diagnose` reports on shipped models and run folders."""

import csv
import math
import os
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_gan import cli, diagnostics, experiments, training
from keras_gan.architectures.common import SparseInit
from keras_gan.datasets.pipeline import load_training_data
from keras_gan.layers import MaxoutDense
from keras_gan.model import GAN
from tests.helpers import needs_data, write_mnist, write_tfd

DATA_DIR = Path(os.environ.get("KERAS_GAN_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))


def tiny(name: str = "mnist", **changes) -> experiments.Experiment:
    return experiments.get(name).override({"width": 0.02, "parzen_every": 0, "jit_compile": False, **changes})


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    write_mnist(folder, sizes=(500, 300, 10))
    write_tfd(folder)
    return folder


def small_gan(generator: keras.Model) -> GAN:
    discriminator = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(1, name="y")])
    gan = GAN(generator, discriminator, latent_prior="normal", seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1))
    return gan


def test_a_frozen_layer_reads_no_movement_and_a_trained_one_does():
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, name="frozen"),
                                  keras.layers.Dense(16, name="trained"), keras.layers.Reshape((4, 4, 1))])
    generator.get_layer("frozen").trainable = False
    gan = small_gan(generator)
    start = diagnostics.initial_kernels(generator)
    gan.fit(np.random.default_rng(0).random((64, 4, 4, 1), "float32"), batch_size=16, epochs=2, verbose=0)
    rows = {row.layer: row for row in diagnostics.layer_diagnostics(generator, start)}
    assert rows["frozen"].movement == 0.0 and rows["frozen"].cosine == pytest.approx(1.0)
    assert rows["trained"].movement > 1e-3 and rows["trained"].cosine < 1.0


def test_a_generator_that_ignores_z_reads_no_variance():
    rng = np.random.default_rng(0)
    ignoring = keras.Sequential([keras.Input((3,)), keras.layers.Dense(16, kernel_initializer="zeros",
                                                                       bias_initializer="random_normal"),
                                 keras.layers.Reshape((4, 4, 1))])
    using = keras.Sequential([keras.Input((3,)), keras.layers.Dense(16), keras.layers.Reshape((4, 4, 1))])
    real = rng.random((200, 4, 4, 1), "float32")
    for generator, zero in ((ignoring, True), (using, False)):
        report = diagnostics.diagnose(generator, generator, "normal", real, n_samples=100)
        assert (report.sample_variance == pytest.approx(0.0, abs=1e-12)) == zero
    assert report.sample_variance > 0.1 and report.data_variance == pytest.approx(real[:100].var(axis=0).mean())


def smooth_images(rng, n: int) -> np.ndarray:
    """A fixed smooth mean image plus random low-frequency variation (cosine mixtures) and a little pixel noise."""
    y, x = np.mgrid[0:16, 0:16] / 16
    waves = np.stack([np.cos(2 * np.pi * (a * x + b * y)) for a in range(3) for b in range(3)])
    mean = np.cos(2 * np.pi * x) * np.sin(2 * np.pi * y)
    images = mean + np.einsum("nk,khw->nhw", 0.5 * rng.normal(size=(n, len(waves))), waves)
    return (images + 0.1 * rng.normal(size=(n, 16, 16)))[..., None].astype("float32")


def test_a_pattern_every_sample_shares_is_found_and_clean_samples_read_about_one():
    rng = np.random.default_rng(0)
    real, clean = smooth_images(rng, 500), smooth_images(rng, 500)
    pattern = 0.2 * (np.indices((16, 16)).sum(axis=0) % 2 * 2 - 1)[..., None]  # a fixed fine checkerboard
    assert 0.8 < diagnostics.high_frequency_ratio(clean, real) < 1.25
    assert diagnostics.high_frequency_ratio(clean + pattern, real) > 10
    with pytest.raises(ValueError, match="the same shape"):
        diagnostics.high_frequency_ratio(clean[:10], real)


def test_the_stride_3_grid_is_found_and_the_even_overlap_generator_reads_about_one():
    from keras_gan import architectures

    keras.utils.set_random_seed(0)
    noise = np.random.default_rng(0).normal(size=(1000, 100)).astype("float32")
    spreads = {}
    for name in ("cifar10_conv", "cifar10_conv_even_overlap"):
        # Width 0.25: 20 channels into the stride-3 layer, so that its taps' norms are alike.
        generator, _ = architectures.build(name, width=0.25, g_init_ranges={"y": 2.0})
        assert diagnostics.output_stride(generator) == 3
        spreads[name] = diagnostics.phase_variance_spread(generator.predict(noise, verbose=0), 3)
    assert spreads["cifar10_conv"] > 2.5 and spreads["cifar10_conv_even_overlap"] < 1.5
    # diagnose reports it, for the samples and for real images without a grid.
    real = np.random.default_rng(1).normal(size=(200, 32, 32, 3)).astype("float32")
    report = diagnostics.diagnose(generator, generator, "normal", real, n_samples=200)
    assert report.summary()["phase_variance_spread"] == report.phase_variance_spread < 1.5  # the even-overlap one
    assert 0.9 < report.data_phase_variance_spread < 1.3 and "output stride 3" in report.table()
    assert report.neighbour_cosine is None  # a convolution has no column per pixel
    # Collapsed samples: no division by zero in the middle of a run.
    constant = np.ones((10, 6, 6, 3), "float32")
    assert diagnostics.phase_variance_spread(constant, 3) == 1.0
    constant[:5, ::3, ::3] = 0.0
    assert diagnostics.phase_variance_spread(constant, 3) == math.inf


def test_neighbour_cosine_reads_zero_for_a_random_output_layer_and_one_where_neighbours_share_a_column():
    from keras_gan import architectures

    generator, discriminator = architectures.build("mnist", width=0.5)
    start = diagnostics.initial_kernels(generator)
    real = np.random.default_rng(0).uniform(size=(100, 28, 28, 1)).astype("float32")
    before = diagnostics.diagnose(generator, start, "uniform", real, n_samples=100)
    assert abs(before.neighbour_cosine) < 0.02 and before.neighbour_cosine == before.initial_neighbour_cosine
    assert before.gradient_neighbour_cosine is None  # no discriminator, no gradient
    # With one, the gradient's columns are measured the same way.
    with_d = diagnostics.diagnose(generator, start, "uniform", real, discriminator, n_samples=100)
    grad = diagnostics.kernel_gradients(generator, discriminator, real, "uniform")[("generator", "y")]
    assert with_d.gradient_neighbour_cosine == diagnostics.neighbour_cosine(grad, (28, 28, 1))
    assert "of its gradient" in with_d.table()
    kernel = generator.get_layer("y").kernel
    # Every pixel reads what the first pixel of its row reads: horizontal neighbours' columns are equal.
    rows = np.repeat(kernel.numpy().reshape(-1, 28, 28)[:, :, :1], 28, axis=2).reshape(kernel.shape)
    kernel.assign(rows)
    after = diagnostics.diagnose(generator, start, "uniform", real, n_samples=100)
    assert 0.45 < after.neighbour_cosine < 0.55 and after.summary()["g_output_neighbour_cosine"] == after.neighbour_cosine
    assert "neighbouring pixels' output columns 0.5" in after.table()
    dense, _ = architectures.build("cifar10_fc", width=0.01)
    assert diagnostics.output_stride(dense) == 1


def test_fraction_at_cap_is_one_for_columns_renormalised_to_the_cap_and_zero_below_it():
    layer = MaxoutDense(4, 2, max_norm=1.5, name="h0")
    model = keras.Sequential([keras.Input((10,)), layer])
    start = diagnostics.initial_kernels(model)
    layer.kernel.assign(layer.kernel.constraint(10.0 * layer.kernel))  # every column past the cap, renormalised
    (row,) = diagnostics.layer_diagnostics(model, start)
    assert (row.at_cap, row.max_norm) == (1.0, 1.5)
    np.testing.assert_allclose(np.linalg.norm(layer.kernel.numpy(), axis=0), 1.5, rtol=1e-5)
    half = layer.kernel.numpy() / 2
    half[:, 0] *= 2  # one of 8 columns back at the cap
    assert diagnostics.fraction_at_cap(half, 1.5, 0) == 1 / 8
    dense = keras.Sequential([keras.Input((10,)), keras.layers.Dense(3)])
    assert diagnostics.layer_diagnostics(dense, dense)[0].at_cap is None  # no constraint, no cap


def test_initial_share_tells_weights_that_stayed_in_their_sparse_entries_from_ones_that_spread():
    model = keras.Sequential([keras.Input((50,)), keras.layers.Dense(20, kernel_initializer=SparseInit(5, seed=0))])
    kernel = model.layers[0].kernel
    start = diagnostics.initial_kernels(model)
    kernel.assign(3.0 * kernel.numpy())
    (row,) = diagnostics.layer_diagnostics(model, start)
    assert row.initial_share == 1.0 and row.cosine == pytest.approx(1.0) and row.movement == pytest.approx(2.0)
    kernel.assign(np.random.default_rng(0).normal(size=(50, 20)).astype("float32"))
    assert diagnostics.layer_diagnostics(model, start)[0].initial_share == pytest.approx(5 / 50, abs=0.05)
    dense = keras.Sequential([keras.Input((50,)), keras.layers.Dense(20)])
    assert diagnostics.layer_diagnostics(dense, dense)[0].initial_share is None  # dense init: not meaningful


@pytest.mark.parametrize("name, changes", [
    ("mnist", {}), ("tfd", {"pretrain_epochs": 1, "batch_size": 5}),
    # Issue 33's output-layer screens: a redrawn output kernel is rebuilt as drawn.
    ("tfd", {"pretrain_epochs": 1, "batch_size": 5, "g_output_init_range": 0.05, "g_output_max_norm_scale": 0.0}),
])
@pytest.mark.slow
def test_the_rebuilt_initial_networks_are_the_ones_a_run_starts_from(name, changes, data_dir, tmp_path, monkeypatch):
    started = []
    build = experiments.Experiment.build_gan

    def recording(self, steps_per_epoch, networks=None, train_images=None):
        started.append([diagnostics.initial_kernels(network) for network in networks])
        return build(self, steps_per_epoch, networks=networks, train_images=train_images)

    monkeypatch.setattr(experiments.Experiment, "build_gan", recording)
    config = tiny(name, epochs=1, seed=3, **changes)
    training.train(config, tmp_path / "run", data_dir=data_dir, verbose=0)
    data = load_training_data(config.dataset, config.gcn, data_dir)
    stages = [training.initial_networks(config, data, first_stage=True)] if config.pretrain_epochs else []
    stages.append(training.initial_networks(config, data))
    assert len(started) == len(stages)
    # TFD's second stage starts on the trained first stage: its lower layers' starting point is the first stage's.
    first_generator = {**started[-1][0], **started[0][0]}
    recorded = [first_generator, started[-1][1]]
    for kernels, network in zip(recorded, stages[-1]):
        rebuilt = diagnostics.initial_kernels(network)
        assert sorted(rebuilt) == sorted(kernels) and all(np.array_equal(kernels[k], rebuilt[k]) for k in kernels)
    if config.pretrain_epochs:
        for kernels, network in zip(started[0], stages[0]):
            rebuilt = diagnostics.initial_kernels(network)
            assert all(np.array_equal(kernels[k], rebuilt[k]) for k in kernels)


@pytest.mark.slow
def test_a_continued_second_stage_is_measured_from_the_initial_networks_of_the_run_it_continues(data_dir, tmp_path):
    source = tiny("tfd", epochs=1, pretrain_epochs=1, batch_size=5, seed=3)
    training.train(source, tmp_path / "run", data_dir=data_dir, verbose=0)
    continued = source.override({"epochs": 2, "init_from": str(tmp_path / "run")})
    data = load_training_data(source.dataset, source.gcn, data_dir)
    for expected, rebuilt in zip(training.initial_networks(source, data), training.initial_networks(continued, data)):
        expected, rebuilt = diagnostics.initial_kernels(expected), diagnostics.initial_kernels(rebuilt)
        assert sorted(rebuilt) == sorted(expected) and all(np.array_equal(expected[k], rebuilt[k]) for k in expected)


@pytest.fixture(scope="module")
def diagnosed_run(data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "run"
    training.train(tiny(epochs=2, diagnostics_every=2), out, data_dir=data_dir, verbose=0)
    return out


@pytest.mark.slow
def test_the_callback_writes_its_columns_into_log_csv(diagnosed_run):
    rows = list(csv.DictReader((diagnosed_run / "log.csv").open()))
    columns = {"g_movement_mean", "g_movement_max", "g_output_movement", "g_output_norm_ratio", "g_output_cosine",
               "d_movement_max", "g_grad_norm", "d_grad_norm", "sample_variance", "high_frequency_ratio"}
    assert columns <= set(rows[0]) and len(rows) == 2
    # Measured after the first epoch and every second one: here both.
    assert all(math.isfinite(float(row[column])) for row in rows for column in columns)
    assert 0 < float(rows[0]["g_movement_max"]) < float(rows[1]["g_movement_max"])


def test_diagnose_prints_the_table_for_a_run_folder(diagnosed_run, data_dir, capsys):
    assert cli.main(["diagnose", str(diagnosed_run), "--data-dir", str(data_dir), "--n-samples", "100"]) == 0
    out = capsys.readouterr().out
    assert "| generator | y | 24x784 |" in out and "| discriminator | h0 |" in out
    assert "high-frequency energy of the mean sample" in out


@needs_data("mnist.pkl.gz", folder=DATA_DIR)
@pytest.mark.slow
def test_diagnose_prints_the_table_for_a_shipped_model(capsys):
    assert cli.main(["diagnose", "mnist", "--data-dir", str(DATA_DIR), "--n-samples", "200"]) == 0
    out = capsys.readouterr().out
    assert "| generator | y | 1200x784 |" in out and "| discriminator | y |" in out


def test_a_published_card_shows_the_diagnostics_table_and_older_cards_stay_as_they_were():
    from keras_gan import get_preset
    from keras_gan.publish import model_card

    row = diagnostics.LayerDiagnostics("generator", "y", (1200, 784), 3.0, 3.1, 0.25, None, None, None, 0.5)
    report = diagnostics.Diagnostics([row], 0.07, 0.06, 0.94, 1000)
    # A card from metadata written before diagnostics existed (the shipped mnist's has them since session 16).
    metadata = {key: value for key, value in get_preset("mnist").items() if key != "diagnostics"}
    card = model_card({**metadata, "diagnostics": {**report.to_dict(), "command": "keras-gan diagnose mnist"}})
    assert "## Training diagnostics" in card and "| generator | y | 1200x784 | 3.000 | 3.100 | 0.250 | - | - | 0.5 |" in card
    assert "Reproduce: `keras-gan diagnose mnist`" in card
    assert "## Training diagnostics" not in model_card(metadata)
