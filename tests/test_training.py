import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import architectures, datasets, experiments, training
from keras_gan.training import WallTime, epoch_batches, machine_description, train
from tests.helpers import write_cifar_python, write_mnist, write_tfd

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(width=0.02, parzen_every=0, verbose=0, jit_compile=False)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "data"
    folder.mkdir()
    write_mnist(folder, sizes=(1000, 1200, 10))
    return folder


def generator_weights(out: Path):
    return [np.array(w) for w in keras.models.load_model(out / "generator.keras").weights]


def test_epoch_batches_depend_only_on_seed_and_epoch():
    x = np.arange(20, dtype="float32")[:, None]
    full = [b.numpy().ravel().tolist() for b in epoch_batches(x, 5, seed=3, first_epoch=0, epochs=3)]
    resumed = [b.numpy().ravel().tolist() for b in epoch_batches(x, 5, seed=3, first_epoch=2, epochs=3)]
    assert resumed == full[8:]
    assert sorted(sum(full[:4], [])) == list(range(20))  # each epoch is a permutation
    assert full[:4] != full[4:8]  # reshuffled every epoch


def test_run_writes_everything(data_dir, tmp_path, monkeypatch):
    splits = []

    class Recorder(training.ParzenEvaluation):
        def __init__(self, valid, test, **kwargs):
            splits.append((len(valid), len(test)))
            super().__init__(valid, test, **kwargs)

    monkeypatch.setattr(training, "ParzenEvaluation", Recorder)
    out = tmp_path / "run"
    train("mnist", out, epochs=2, data_dir=data_dir, seed=1, **{**TINY, "parzen_every": 1, "parzen_samples": 50})
    for name in ("gan.keras", "generator.keras", "log.csv", "run.json", "samples/epoch_0002.png"):
        assert (out / name).exists(), name
    assert list((out / "logs").rglob("events.out.tfevents*"))
    record = json.loads((out / "run.json").read_text())
    assert record["data_source"] == "mnist.pkl.gz"
    assert record["data_sha256"] == hashlib.sha256((data_dir / "mnist.pkl.gz").read_bytes()).hexdigest()
    assert record["wall_time_seconds"] > 0 and record["hardware"] == [machine_description()]
    assert record["parzen_space"] == "pixels"
    assert splits == [(1000, 200)]  # the 1,200 validation digits: sigma on the first 1,000
    header, *rows = (out / "log.csv").read_text().splitlines()
    assert {"d_loss", "g_loss", "d_real", "d_fake", "parzen_ll"} <= set(header.split(",")) and len(rows) == 2


def test_wall_time_is_added_at_every_epoch_end_and_survives_an_interruption(tmp_path, monkeypatch):
    record_path = tmp_path / "run.json"
    record_path.write_text(json.dumps({"seed": 3, "wall_time_seconds": 100.0}))
    clock = iter([0.0, 10.0, 30.0, 1000.0, 1004.0])
    monkeypatch.setattr(training, "time", SimpleNamespace(monotonic=lambda: next(clock)))

    class Killed(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("killed")

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.zeros((4, 2)), np.zeros((4, 1))
    with pytest.raises(RuntimeError, match="killed"):
        model.fit(x, y, epochs=5, verbose=0, callbacks=[WallTime(record_path), Killed()])
    # Both completed epochs are on disk, the rest of the record untouched.
    assert json.loads(record_path.read_text()) == {
        "seed": 3, "wall_time_seconds": 130.0, "hardware": [machine_description()]
    }
    model.fit(x, y, epochs=1, verbose=0, callbacks=[WallTime(record_path)])  # the resumed session adds its own
    assert json.loads(record_path.read_text())["wall_time_seconds"] == 134.0


def test_continuing_a_run_matches_an_uninterrupted_run(data_dir, tmp_path):
    train("mnist", tmp_path / "a", epochs=3, data_dir=data_dir, **TINY)
    train("mnist", tmp_path / "b", epochs=2, data_dir=data_dir, **TINY)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train("mnist", tmp_path / "b", epochs=3, data_dir=data_dir, **TINY)
    # Keras warns when a checkpoint does not fit the model, e.g. when it holds
    # an optimizer that `fit` built but the train step never uses.
    assert not [str(w.message) for w in caught if "Skipping" in str(w.message)]
    for a, b in zip(generator_weights(tmp_path / "a"), generator_weights(tmp_path / "b")):
        np.testing.assert_array_equal(a, b)


def test_sigkill_mid_epoch_then_rerun_resumes(data_dir, tmp_path):
    """Kill the CLI with SIGKILL after its first checkpoint, run it again: same weights as never killed."""
    command = [sys.executable, "-m", "keras_gan.cli", "train", "mnist", "--epochs", "4", "--width", "0.02",
               "--data-dir", str(data_dir), "--parzen-every", "0", "--seed", "5"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = tmp_path / "killed"
    process = subprocess.Popen(command + ["--out", str(killed)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not (killed / "backup" / "training_metadata.json").exists():
        assert process.poll() is None and time.time() < deadline, "no checkpoint appeared"
        time.sleep(0.05)
    time.sleep(0.3)  # well inside epoch 2
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (killed / "generator.keras").exists()
    # The checkpointed epoch's time was recorded before the kill, and the rerun adds its own.
    before = json.loads((killed / "run.json").read_text())["wall_time_seconds"]
    assert before > 0
    subprocess.run(command + ["--out", str(killed)], env=env, check=True, capture_output=True, timeout=300)
    assert json.loads((killed / "run.json").read_text())["wall_time_seconds"] > before
    subprocess.run(command + ["--out", str(tmp_path / "whole")], env=env, check=True, capture_output=True, timeout=300)
    for a, b in zip(generator_weights(killed), generator_weights(tmp_path / "whole")):
        np.testing.assert_array_equal(a, b)


def test_finished_run_returns_at_once(data_dir, tmp_path):
    train("mnist", tmp_path / "a", epochs=1, data_dir=data_dir, **TINY)
    stamp = (tmp_path / "a" / "log.csv").read_text()
    gan = train("mnist", tmp_path / "a", epochs=1, data_dir=data_dir, **TINY)
    assert (tmp_path / "a" / "log.csv").read_text() == stamp
    assert int(gan.g_optimizer.iterations) == 1000 // 100


def test_gcn_runs_score_their_curve_in_display_space_and_older_runs_keep_gcn_space(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_CACHE_DIR", str(tmp_path / "cache"))
    write_cifar_python(tmp_path, per_batch=30, as_tarball=False)
    mappings, splits = [], []

    class Recorder(training.ParzenEvaluation):
        def __init__(self, valid, test, to_display=None, **kwargs):
            mappings.append(to_display)
            splits.append((len(valid), len(test)))
            super().__init__(valid, test, to_display=to_display, **kwargs)

    monkeypatch.setattr(training, "ParzenEvaluation", Recorder)
    options = dict(data_dir=tmp_path, **{**TINY, "width": 0.005, "parzen_every": 1, "parzen_samples": 20})
    record_path = tmp_path / "run" / "run.json"
    train("cifar10_fc", tmp_path / "run", epochs=1, **options)
    assert json.loads(record_path.read_text())["parzen_space"] == "gcn_display"
    # A run recorded before `parzen_space` existed resumes with its curve in GCN space.
    record = json.loads(record_path.read_text())
    del record["parzen_space"]
    record_path.write_text(json.dumps(record))
    train("cifar10_fc", tmp_path / "run", epochs=2, **options)
    assert json.loads(record_path.read_text())["parzen_space"] == "gcn"
    assert mappings == [datasets.gcn_to_display, None]
    # The 30 validation images: sigma on 15, 15 scored.
    assert splits == [(15, 15), (15, 15)]
    with open(tmp_path / "run" / "log.csv") as log:
        assert [np.isfinite(float(row["parzen_ll"])) for row in csv.DictReader(log)] == [True, True]
    # A user's folder is not contrast-normalised, whatever the experiment.
    folder = tmp_path / "folder"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(120):
        Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype="uint8")).save(folder / f"{i}.png")
    train("cifar10_fc", tmp_path / "user", epochs=1, images=folder, **options)
    assert json.loads((tmp_path / "user" / "run.json").read_text())["parzen_space"] == "pixels"
    assert mappings[-1] is None and splits[-1] == (6, 6)  # 120 images: the last 12 validate


def test_bad_epochs(data_dir, tmp_path):
    with pytest.raises(ValueError, match="`epochs` must be a positive integer"):
        train("mnist", tmp_path / "a", epochs=0, data_dir=data_dir, **TINY)


def test_center_output_is_refused_for_sigmoid_output_generators(data_dir, tmp_path):
    with pytest.raises(ValueError, match="for the linear-output CIFAR-10 generators"):
        train("mnist", tmp_path / "a", epochs=1, data_dir=data_dir, center_output=True, **TINY)
    assert not (tmp_path / "a").exists()


def test_init_and_learning_rate_deviations_are_applied_and_recorded(data_dir, tmp_path):
    deviations = dict(
        d_init_scale=100.0, g_output_init_scale=50.0, g_last_hidden_init_scale=4.0, d_learning_rate_scale=0.5,
        g_learning_rate_scale=3.0,
    )
    paper = train("mnist", tmp_path / "paper", epochs=1, data_dir=data_dir, **TINY)
    changed = train("mnist", tmp_path / "changed", epochs=1, data_dir=data_dir, **deviations, **TINY)

    def mean_abs(model, layer):
        return float(np.abs(np.asarray(model.get_layer(layer).kernel)).mean())

    # Ten small updates move the weights far less than the scaled initial draw
    # (D's "y" is left out: its max-norm constraint clips the scaled kernel).
    for layer in ("h0", "h1"):
        assert 50 < mean_abs(changed.discriminator, layer) / mean_abs(paper.discriminator, layer) < 200, layer
    assert 25 < mean_abs(changed.generator, "y") / mean_abs(paper.generator, "y") < 100
    assert 3 < mean_abs(changed.generator, "h1") / mean_abs(paper.generator, "h1") < 6
    for network, scale in (("d", 0.5), ("g", 3.0)):
        rates = [float(getattr(gan, f"{network}_optimizer").learning_rate) for gan in (paper, changed)]
        np.testing.assert_allclose(rates[1], rates[0] * scale, rtol=1e-6)
    record = json.loads((tmp_path / "changed" / "run.json").read_text())
    assert {key: record[key] for key in deviations} == deviations and record["center_output"] is False


@pytest.mark.parametrize("experiment", ["mnist", "cifar10_fc", "cifar10_conv"])
def test_init_deviations_scale_exactly_their_own_layers(experiment):
    spec = experiments.get(experiment)
    shape = architectures.get(spec.architecture).image_shape
    images = np.random.default_rng(0).random((20, *shape), dtype="float32")
    data = training.TrainingData(images, images, spec.dataset)
    paper = {key: deviation.default for key, deviation in experiments.DEVIATIONS.items()}
    changed = {**paper, "d_init_scale": 10.0, "g_last_hidden_init_scale": 4.0, "g_output_init_scale": 0.5}
    networks = []
    for deviations in (paper, changed):
        keras.utils.set_random_seed(0)  # the same draws, before scaling
        networks.append(training.build_networks(spec, 0.02, data, deviations))
    (g_paper, d_paper), (g_changed, d_changed) = networks

    def ratios(before, after):
        return {
            layer.name: float(np.abs(after.get_layer(layer.name).kernel).sum() / np.abs(layer.kernel).sum())
            for layer in before.layers if hasattr(layer, "kernel")
        }

    np.testing.assert_allclose(list(ratios(d_paper, d_changed).values()), 10.0, rtol=1e-5)
    np.testing.assert_allclose(list(ratios(g_paper, g_changed).values()), [1.0, 4.0, 0.5], rtol=1e-5)


@pytest.mark.parametrize("option", ["d_init_scale", "g_learning_rate_scale"])
def test_deviation_scales_must_be_positive(data_dir, tmp_path, option):
    with pytest.raises(ValueError, match=f"`{option}` must be a positive number"):
        train("mnist", tmp_path / "a", epochs=1, data_dir=data_dir, **{option: 0.0}, **TINY)
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize("option", ["d_init_scale", "g_output_init_scale", "g_last_hidden_init_scale"])
def test_init_scales_are_refused_for_two_stage_experiments(tmp_path, option):
    with pytest.raises(ValueError, match=f"for one-stage experiments.*{option}=10.0"):
        train("tfd", tmp_path / "a", epochs=1, **{option: 10.0}, **TINY)
    assert not (tmp_path / "a").exists()


def test_tfd_trains_its_two_stages_and_resumes(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_CACHE_DIR", str(tmp_path / "cache"))
    write_tfd(tmp_path, count=700)
    options = dict(epochs=1, pretrain_epochs=1, data_dir=tmp_path, width=0.005, parzen_every=0, verbose=0)
    gan = train("tfd", tmp_path / "run", **options)
    pretrained = keras.models.load_model(tmp_path / "run" / "pretrain" / "generator.keras")
    # The full generator is two new layers below the first stage's, whose weights it starts from.
    assert len(gan.generator.layers) == len(pretrained.layers) + 2
    assert gan.generator.output_shape == (None, 48, 48, 1)
    assert (tmp_path / "run" / "generator.keras").exists()
    again = train("tfd", tmp_path / "run", **options)  # both stages finished: nothing retrains
    for a, b in zip(again.generator.weights, gan.generator.weights):
        np.testing.assert_array_equal(np.array(a), np.array(b))
