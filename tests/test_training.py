import csv
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import architectures, callbacks, datasets, experiments, training
from keras_gan.callbacks import WallTime
from keras_gan.datasets.pipeline import epoch_batches
from keras_gan.records import machine_description
from keras_gan.training import train
from tests.helpers import write_cifar_python, write_mnist, write_tfd

ROOT = Path(__file__).resolve().parents[1]


def tiny(name: str = "mnist", **changes) -> experiments.Experiment:
    """The paper's configuration `name` at a tiny width, no Parzen monitor, no XLA, with `changes`."""
    return experiments.get(name).override({"width": 0.02, "parzen_every": 0, "jit_compile": False, **changes})


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "data"
    folder.mkdir()
    write_mnist(folder, sizes=(1000, 1200, 10))
    return folder


def generator_weights(out: Path):
    return [np.array(w) for w in keras.models.load_model(out / "generator.keras").weights]


def logged_epochs(out: Path) -> list:
    """The epoch column of `out/log.csv`."""
    return [line.split(",", 1)[0] for line in (out / "log.csv").read_text().splitlines()[1:]]


def test_epoch_batches_depend_only_on_seed_and_epoch():
    x = np.arange(20, dtype="float32")[:, None]
    full = [b.numpy().ravel().tolist() for b in epoch_batches(x, 5, seed=3, first_epoch=0, epochs=3)]
    resumed = [b.numpy().ravel().tolist() for b in epoch_batches(x, 5, seed=3, first_epoch=2, epochs=3)]
    assert resumed == full[8:]
    assert sorted(sum(full[:4], [])) == list(range(20))  # each epoch is a permutation
    assert full[:4] != full[4:8]  # reshuffled every epoch


@pytest.mark.slow
def test_run_writes_everything(data_dir, tmp_path, monkeypatch):
    splits = []

    class Recorder(training.ParzenEvaluation):
        def __init__(self, valid, test, **kwargs):
            splits.append((len(valid), len(test)))
            super().__init__(valid, test, **kwargs)

    monkeypatch.setattr(training, "ParzenEvaluation", Recorder)
    out = tmp_path / "run"
    train(tiny(epochs=2, seed=1, parzen_every=1, parzen_samples=50), out, data_dir=data_dir, verbose=0)
    for name in ("gan.keras", "generator.keras", "log.csv", "run.json", "samples/epoch_0002.png"):
        assert (out / name).exists(), name
    assert list((out / "logs").rglob("events.out.tfevents*"))
    record = json.loads((out / "run.json").read_text())
    assert record["data_source"] == "mnist.pkl.gz"
    assert record["data_sha256"] == hashlib.sha256((data_dir / "mnist.pkl.gz").read_bytes()).hexdigest()
    assert record["wall_time_seconds"] > 0 and record["hardware"] == [machine_description()]
    assert record["parzen_space"] == "pixels"
    assert experiments.Experiment.from_dict(record["config"]) == tiny(epochs=2, seed=1, parzen_every=1,
                                                                       parzen_samples=50)
    assert record["deviations"] == [] and record["command"].startswith("keras-gan train mnist --epochs 2 --width 0.02")
    assert splits == [(1000, 200)]  # the 1,200 validation digits: sigma on the first 1,000
    header, *rows = (out / "log.csv").read_text().splitlines()
    assert {"d_loss", "g_loss", "d_real", "d_fake", "parzen_ll"} <= set(header.split(",")) and len(rows) == 2


@pytest.mark.slow
def test_a_run_keeps_its_lowest_validation_fid_epoch_when_asked(data_dir, tmp_path, monkeypatch):
    measured = []

    class Recorder(training.SampleQuality):
        def __init__(self, real, dataset, **kwargs):
            measured.append((np.array(real), dataset, kwargs["n_samples"]))
            super().__init__(real, dataset, **kwargs)

    monkeypatch.setattr(training, "SampleQuality", Recorder)
    out = tmp_path / "run"
    train(tiny(epochs=3, quality_every=1, quality_samples=100, best_monitor="fid"), out, data_dir=data_dir, verbose=0)
    (real, dataset, n_samples), = measured
    valid, _ = datasets.load_numpy("mnist", "valid", data_dir=data_dir)
    np.testing.assert_array_equal(real, valid[:100])  # validation images, never the test split
    assert (dataset, n_samples) == ("mnist", 100)
    fids = [float(row["fid"]) for row in csv.DictReader((out / "log.csv").open())]
    record = json.loads((out / "best.json").read_text())
    assert len(fids) == 3 and record["monitor"] == "fid"
    assert (record["epoch"], record["fid"]) == (int(np.argmin(fids)) + 1, min(fids))
    with pytest.raises(ValueError, match="`quality_every` measures samples in the features of a shipped classifier"):
        folder = tmp_path / "images"
        folder.mkdir()
        for index in range(4):
            Image.fromarray(np.full((8, 8), 40 * index, "uint8")).save(folder / f"{index}.png")
        train(tiny(quality_every=1), tmp_path / "mine", images=folder, verbose=0)


def test_wall_time_is_added_at_every_epoch_end_and_survives_an_interruption(tmp_path, monkeypatch):
    record_path = tmp_path / "run.json"
    record_path.write_text(json.dumps({"seed": 3, "wall_time_seconds": 100.0}))
    clock = iter([0.0, 10.0, 30.0, 1000.0, 1004.0])
    monkeypatch.setattr(callbacks, "time", SimpleNamespace(monotonic=lambda: next(clock)))

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


@pytest.mark.parametrize("changes", [{}, {"g_ema_decay": 0.9}], ids=["paper", "weight averaging"])
@pytest.mark.slow
def test_continuing_a_run_matches_an_uninterrupted_run(data_dir, tmp_path, changes):
    whole = train(tiny(epochs=3, **changes), tmp_path / "a", data_dir=data_dir, verbose=0)
    train(tiny(epochs=2, **changes), tmp_path / "b", data_dir=data_dir, verbose=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train(tiny(epochs=3, **changes), tmp_path / "b", data_dir=data_dir, verbose=0)
    # The saved generator is the one that samples: the average when averaging is on.
    np.testing.assert_array_equal(generator_weights(tmp_path / "a")[0], np.array(whole.sampling_generator.weights[0]))
    assert changes == {} or not np.array_equal(generator_weights(tmp_path / "a")[0], np.array(whole.generator.weights[0]))
    # Keras warns when a checkpoint does not fit the model, e.g. when it holds
    # an optimizer that `fit` built but the train step never uses.
    assert not [str(w.message) for w in caught if "Skipping" in str(w.message)]
    for a, b in zip(generator_weights(tmp_path / "a"), generator_weights(tmp_path / "b")):
        np.testing.assert_array_equal(a, b)


# `keras-gan train`, run by a child that stops itself (SIGSTOP) at batch 3 of epoch 2, after the checkpoint of
# epoch 1: the kill then lands at that exact point however loaded or fast the machine is.
_STOP_MID_EPOCH_2 = """
import os, signal, sys
from keras_gan import cli, training

class StopMidEpoch2(training.TerminateOnNaN):
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if self.epoch == 1 and batch == 3:
            os.kill(os.getpid(), signal.SIGSTOP)

training.TerminateOnNaN = StopMidEpoch2
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_sigkill_mid_epoch_then_rerun_resumes(data_dir, tmp_path):
    """SIGKILL the CLI in the middle of epoch 2, run it again: same weights and log as never killed."""
    arguments = ["train", "mnist", "--epochs", "4", "--width", "0.02", "--data-dir", str(data_dir),
                 "--set", "parzen_every=0", "--seed", "5"]
    command = [sys.executable, "-m", "keras_gan.cli", *arguments]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = tmp_path / "killed"
    process = subprocess.Popen([sys.executable, "-c", _STOP_MID_EPOCH_2, *arguments, "--out", str(killed)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status = os.waitpid(process.pid, os.WUNTRACED)  # returns once the child stopped itself (or ended)
    assert os.WIFSTOPPED(status), f"the run ended (wait status {status}) before stopping in epoch 2"
    process.send_signal(signal.SIGKILL)
    process.wait()
    # Stopped mid-epoch 2: epoch 1 checkpointed and logged, nothing of epoch 2 or the end written.
    assert json.loads((killed / "backup" / "training_metadata.json").read_text())["epoch"] == 1
    assert not (killed / "backup" / "writing.json").exists()
    assert logged_epochs(killed) == ["0"]
    assert not (killed / "generator.keras").exists()
    # The checkpointed epoch's time was recorded before the kill, and the rerun adds its own.
    before = json.loads((killed / "run.json").read_text())["wall_time_seconds"]
    assert before > 0
    subprocess.run(command + ["--out", str(killed)], env=env, check=True, capture_output=True, timeout=600)
    assert json.loads((killed / "run.json").read_text())["wall_time_seconds"] > before
    assert logged_epochs(killed) == ["0", "1", "2", "3"]
    subprocess.run(command + ["--out", str(tmp_path / "whole")], env=env, check=True, capture_output=True, timeout=600)
    for a, b in zip(generator_weights(killed), generator_weights(tmp_path / "whole"), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_finished_run_returns_at_once(data_dir, tmp_path):
    train(tiny(epochs=1), tmp_path / "a", data_dir=data_dir, verbose=0)
    stamp = (tmp_path / "a" / "log.csv").read_text()
    gan = train(tiny(epochs=1), tmp_path / "a", data_dir=data_dir, verbose=0)
    assert (tmp_path / "a" / "log.csv").read_text() == stamp
    assert int(gan.g_optimizer.iterations) == 1000 // 100


@pytest.mark.slow
def test_gcn_runs_score_their_curve_in_display_space_and_older_runs_keep_gcn_space(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_CACHE_DIR", str(tmp_path / "cache"))
    write_cifar_python(tmp_path, per_batch=30, as_tarball=False)
    mappings, splits = [], []

    class Recorder(training.ParzenEvaluation):
        def __init__(self, valid, test, space="pixels", **kwargs):
            mappings.append(space)
            splits.append((len(valid), len(test)))
            super().__init__(valid, test, space=space, **kwargs)

    monkeypatch.setattr(training, "ParzenEvaluation", Recorder)
    config = tiny("cifar10_fc", width=0.005, parzen_every=1, parzen_samples=20, epochs=1)
    record_path = tmp_path / "run" / "run.json"
    train(config, tmp_path / "run", data_dir=tmp_path, verbose=0)
    assert json.loads(record_path.read_text())["parzen_space"] == "gcn_display"
    # A run recorded before `parzen_space` existed resumes with its curve in GCN space.
    record = json.loads(record_path.read_text())
    del record["parzen_space"]
    record_path.write_text(json.dumps(record))
    train(config.override({"epochs": 2}), tmp_path / "run", data_dir=tmp_path, verbose=0)
    assert json.loads(record_path.read_text())["parzen_space"] == "gcn"
    assert mappings == ["gcn_display", "gcn"]  # the space each run scores in
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
    train(config, tmp_path / "user", data_dir=tmp_path, images=folder, verbose=0)
    assert json.loads((tmp_path / "user" / "run.json").read_text())["parzen_space"] == "pixels"
    assert mappings[-1] == "pixels" and splits[-1] == (6, 6)  # 120 images: the last 12 validate


@pytest.mark.slow
def test_resuming_with_other_settings_is_refused_and_names_them(data_dir, tmp_path):
    train(tiny(epochs=1), tmp_path / "a", data_dir=data_dir, verbose=0)
    record = (tmp_path / "a" / "run.json").read_text()
    with pytest.raises(ValueError, match="update: simultaneous -> alternating.*pass a new --out"):
        train(tiny(epochs=2, update="alternating"), tmp_path / "a", data_dir=data_dir, verbose=0)
    assert (tmp_path / "a" / "run.json").read_text() == record


@pytest.mark.slow
def test_a_run_recorded_before_configurations_resumes(data_dir, tmp_path):
    """An old flat run.json (as `checkpoints/mnist` has) resumes, and its record is rewritten in the new form."""
    train(tiny(epochs=1), tmp_path / "a", data_dir=data_dir, verbose=0)
    legacy = {"experiment": "mnist", "width": 0.02, "seed": 0, "epochs": 1, "batch_size": 100, "update": "simultaneous",
              "latent_prior": "uniform", "d_steps": 1, "parzen_every": 0, "wall_time_seconds": 5.0, "hardware": []}
    (tmp_path / "a" / "run.json").write_text(json.dumps(legacy))
    gan = train(tiny(epochs=2), tmp_path / "a", data_dir=data_dir, verbose=0)
    record = json.loads((tmp_path / "a" / "run.json").read_text())
    assert record["config"]["epochs"] == 2 and record["wall_time_seconds"] > 5.0
    assert int(gan.g_optimizer.iterations) == 2 * 1000 // 100


@pytest.mark.slow
def test_learning_rates_and_initial_ranges_reach_the_networks_and_the_record(data_dir, tmp_path):
    changes = {"d_learning_rate": 0.01, "g_learning_rate": 0.3, "d_init_ranges.h0": 0.5, "g_init_ranges.y": 2.5}
    config = tiny(epochs=1).override(changes)
    paper = train(tiny(epochs=1), tmp_path / "paper", data_dir=data_dir, verbose=0)
    changed = train(config, tmp_path / "changed", data_dir=data_dir, verbose=0)

    def mean_abs(model, layer):
        return float(np.abs(np.asarray(model.get_layer(layer).kernel)).mean())

    # Ten small updates move the weights far less than the wider initial draw.
    assert 50 < mean_abs(changed.discriminator, "h0") / mean_abs(paper.discriminator, "h0") < 200
    assert 25 < mean_abs(changed.generator, "y") / mean_abs(paper.generator, "y") < 100
    assert 0.8 < mean_abs(changed.generator, "h1") / mean_abs(paper.generator, "h1") < 1.25
    for network, scale in (("d", 0.01 / 0.05), ("g", 3.0)):
        rates = [float(getattr(gan, f"{network}_optimizer").learning_rate) for gan in (paper, changed)]
        np.testing.assert_allclose(rates[1], rates[0] * scale, rtol=1e-6)
    record = json.loads((tmp_path / "changed" / "run.json").read_text())
    assert record["deviations"] == ["d_learning_rate: 0.05 -> 0.01", "g_learning_rate: 0.1 -> 0.3",
                                    "g_init_ranges.y: 0.05 -> 2.5", "d_init_ranges.h0: 0.005 -> 0.5"]


@pytest.mark.parametrize("experiment", ["mnist", "cifar10_fc", "cifar10_conv"])
def test_initial_ranges_change_exactly_their_own_layers(experiment):
    """Wider ranges draw the same numbers, scaled: the old `*_init_scale` options' models are reproduced."""
    spec = tiny(experiment)
    changed = spec.override({"d_init_ranges": {k: r * 10 for k, r in spec.d_init_ranges.items()},
                             "g_init_ranges.h1": spec.g_init_ranges["h1"] * 4,
                             "g_init_ranges.y": spec.g_init_ranges["y"] * 0.5})
    networks = []
    for config in (spec, changed):
        keras.utils.set_random_seed(0)  # the same draws
        networks.append(config.build_networks())
    (g_paper, d_paper), (g_changed, d_changed) = networks

    def ratios(before, after):
        return [float(np.abs(after.get_layer(layer.name).kernel).sum() / np.abs(layer.kernel).sum())
                for layer in before.layers if hasattr(layer, "kernel")]

    np.testing.assert_allclose(ratios(d_paper, d_changed), 10.0, rtol=1e-5)
    np.testing.assert_allclose(ratios(g_paper, g_changed), [1.0, 4.0, 0.5], rtol=1e-5)


def test_center_output_uses_the_runs_latent_prior(monkeypatch):
    seen = []
    monkeypatch.setattr(architectures, "center_output", lambda g, images, prior, seed: seen.append(prior))
    images = np.zeros((4, 32, 32, 3), "float32")
    tiny("cifar10_fc", center_output=True, latent_prior="uniform").build_networks(images)
    assert seen == ["uniform"]


@pytest.mark.slow
def test_tfd_trains_its_two_stages_and_resumes(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GAN_CACHE_DIR", str(tmp_path / "cache"))
    write_tfd(tmp_path, count=700)
    config = tiny("tfd", epochs=1, pretrain_epochs=1, width=0.005, d_init_ranges={"h0": 0.05, "h1": 0.05, "y": 0.05})
    gan = train(config, tmp_path / "run", data_dir=tmp_path, verbose=0)
    pretrained = keras.models.load_model(tmp_path / "run" / "pretrain" / "generator.keras")
    # The full generator is two new layers below the first stage's, whose weights it starts from.
    assert len(gan.generator.layers) == len(pretrained.layers) + 2
    assert gan.generator.output_shape == (None, 48, 48, 1)
    assert (tmp_path / "run" / "generator.keras").exists()
    assert float(np.abs(gan.discriminator.get_layer("h0").kernel).max()) > 0.005  # the ranges reach stage two
    again = train(config, tmp_path / "run", data_dir=tmp_path, verbose=0)  # both stages finished: nothing retrains
    for a, b in zip(again.generator.weights, gan.generator.weights):
        np.testing.assert_array_equal(np.array(a), np.array(b))


@pytest.mark.slow
def test_a_damaged_checkpoint_is_refused_before_anything_is_touched(data_dir, tmp_path):
    out = tmp_path / "a"
    train(tiny(epochs=1), out, data_dir=data_dir, verbose=0)
    weights = out / "backup" / "latest.weights.h5"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2: len(data) // 2 + 4096] = bytes(b ^ 0xFF for b in data[len(data) // 2: len(data) // 2 + 4096])
    weights.write_bytes(bytes(data))
    before = {name: (out / name).read_bytes() for name in ("log.csv", "run.json")}
    with pytest.raises(ValueError, match="latest.weights.h5 is corrupt.*restore it, or delete"):
        train(tiny(epochs=2), out, data_dir=data_dir, verbose=0)
    assert {name: (out / name).read_bytes() for name in ("log.csv", "run.json")} == before


@pytest.mark.slow
def test_a_damaged_run_model_is_refused_by_the_commands(data_dir, tmp_path, capsys):
    out = tmp_path / "a"
    train(tiny(epochs=1), out, data_dir=data_dir, verbose=0)
    data = bytearray((out / "gan.keras").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (out / "gan.keras").write_bytes(bytes(data))
    from keras_gan import cli

    capsys.readouterr()
    assert cli.main(["sample", str(out), "-o", str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "gan.keras is corrupt" in err[0] and not (tmp_path / "x.png").exists()


@pytest.mark.slow
def test_resuming_drops_log_rows_of_epochs_the_checkpoint_does_not_hold(data_dir, tmp_path):
    out = tmp_path / "a"
    train(tiny(epochs=1), out, data_dir=data_dir, verbose=0)
    header, row = (out / "log.csv").read_text().splitlines()
    (out / "log.csv").write_text("\n".join([header, row, "1" + row[1:]]) + "\n")  # a row written, then killed
    train(tiny(epochs=2), out, data_dir=data_dir, verbose=0)
    assert [line.split(",")[0] for line in (out / "log.csv").read_text().splitlines()[1:]] == ["0", "1"]


def test_a_run_resumed_with_more_logged_values_keeps_every_value_in_its_column(data_dir, tmp_path):
    """A monitor switched on at resume (or a newer package's diagnostics) widens the header; no value shifts."""
    out = tmp_path / "a"
    train(tiny(epochs=1), out, data_dir=data_dir, verbose=0)
    train(tiny(epochs=2, parzen_every=1, parzen_samples=50), out, data_dir=data_dir, verbose=0)
    with open(out / "log.csv", newline="") as f:
        header, *rows = list(csv.reader(f))
    assert all(len(row) == len(header) for row in rows) and "parzen_ll" in header
    first, second = (dict(zip(header, row)) for row in rows)
    assert first["parzen_ll"] == "NA" and np.isfinite(float(second["parzen_ll"]))
    assert all(0 < float(row["d_real"]) < 1 for row in (first, second))


@pytest.mark.slow
def test_a_run_killed_before_its_log_had_a_header_starts_again(data_dir, tmp_path):
    """The fault soak's kill between `log.csv`'s creation and its header: the rerun trains and logs every epoch."""
    out = tmp_path / "a"
    out.mkdir()
    (out / "log.csv").write_text("")
    train(tiny(epochs=2), out, data_dir=data_dir, verbose=0)
    header, *rows = (out / "log.csv").read_text().splitlines()
    assert header.startswith("epoch,") and logged_epochs(out) == ["0", "1"]

@pytest.mark.slow
def test_starting_from_another_runs_checkpoint_continues_it_exactly(data_dir, tmp_path):
    """`init_from` with unchanged settings: the same weights as resuming that run, in a folder of its own."""
    whole = train(tiny(epochs=3), tmp_path / "whole", data_dir=data_dir, verbose=0)
    train(tiny(epochs=2), tmp_path / "first", data_dir=data_dir, verbose=0)
    before = {path.name: path.read_bytes() for path in (tmp_path / "first").rglob("*") if path.is_file()}
    screen = tiny(epochs=3, init_from=str(tmp_path / "first"))
    train(screen, tmp_path / "screen", data_dir=data_dir, verbose=0)
    for a, b in zip(generator_weights(tmp_path / "screen"), [np.array(w) for w in whole.generator.weights]):
        np.testing.assert_array_equal(a, b)
    assert logged_epochs(tmp_path / "screen") == ["2"]  # the epochs it trained, numbered as the source's
    record = json.loads((tmp_path / "screen" / "run.json").read_text())
    assert record["deviations"] == [f"init_from:  -> {tmp_path / 'first'}"]
    assert experiments.Experiment.from_dict(record["config"]) == screen
    assert {path.name: path.read_bytes() for path in (tmp_path / "first").rglob("*") if path.is_file()} == before


@pytest.mark.slow
def test_starting_from_a_run_without_averaging_starts_the_average_at_its_generator(data_dir, tmp_path):
    first = train(tiny(epochs=1), tmp_path / "first", data_dir=data_dir, verbose=0)
    config = tiny(epochs=2, g_ema_decay=0.99, g_learning_rate=0.01, init_from=str(tmp_path / "first"))
    gan = config.build_gan(10)
    assert training.start_from(gan, config, 10) == 1
    for average, weight, loaded in zip(gan.averaged_generator.weights, gan.generator.weights, first.generator.weights):
        np.testing.assert_array_equal(np.array(average), np.array(loaded))
        np.testing.assert_array_equal(np.array(weight), np.array(loaded))
    # The schedules go on: the update count is the first run's, the new rate is 0.01 decayed over it.
    assert int(gan.g_optimizer.iterations) == int(first.g_optimizer.iterations) == 10
    expected = 0.01 / config.decay_factor ** 10
    np.testing.assert_allclose(float(gan.g_optimizer.learning_rate), expected, rtol=1e-6)


@pytest.mark.parametrize("changes, words", [
    ({"init_from": "missing-folder"}, "must be a run folder with a run.json and a checkpoint"),
    ({"width": 0.03}, "width: 0.02 -> 0.03"),
    ({"epochs": 1}, "`epochs` must be more than the 1 epochs"),
    ({"optimizer": "adam"}, "optimizer: sgd -> adam"),
], ids=["no checkpoint", "other width", "no epochs left", "other optimizer"])
@pytest.mark.slow
def test_starting_from_an_unfit_run_is_refused_before_anything_is_written(data_dir, tmp_path, changes, words):
    train(tiny(epochs=1), tmp_path / "first", data_dir=data_dir, verbose=0)
    config = tiny(epochs=2, init_from=str(tmp_path / "first")).override(changes)
    with pytest.raises(ValueError, match=re.escape(words)) as error:
        train(config, tmp_path / "screen", data_dir=data_dir, verbose=0)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "screen" / "run.json").exists()


def test_a_registered_two_stage_experiment_trains_both_stages(data_dir, tmp_path, monkeypatch):
    """Adding a two-stage experiment is a registry entry plus its networks: `train` knows no experiment by name."""
    def generator(width, output_bias=None, ranges=None):
        return keras.Sequential([keras.Input((100,)), keras.layers.Dense(784, "sigmoid", name="y"),
                                 keras.layers.Reshape((28, 28, 1))], name="first_generator")

    def grow(pretrained, width, ranges=None):
        return keras.Sequential([keras.Input((100,)), keras.layers.Dense(100, "sigmoid", name="g0"),
                                 *pretrained.layers], name="grown_generator")

    def discriminator(width, ranges=None):
        return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(1, name="y")])

    monkeypatch.setitem(architectures.ARCHITECTURES, "two_first", architectures.Architecture(
        generator, discriminator, (28, 28, 1), True, {}, {}))
    monkeypatch.setitem(architectures.ARCHITECTURES, "two", architectures.Architecture(
        generator, discriminator, (28, 28, 1), True, {}, {}, first_stage=architectures.FirstStage("two_first", grow)))
    monkeypatch.setitem(experiments.EXPERIMENTS, "two", experiments.Experiment(
        name="two", architecture="two", dataset="mnist", batch_size=100, epochs=1, d_learning_rate=0.05,
        g_learning_rate=0.1, latent_prior="uniform", g_init_ranges={}, d_init_ranges={}, pretrain_epochs=1))
    gan = train(tiny("two"), tmp_path / "run", data_dir=data_dir, verbose=0)
    pretrained = keras.models.load_model(tmp_path / "run" / "pretrain" / "generator.keras")
    assert len(gan.generator.layers) == len(pretrained.layers) + 1
    assert logged_epochs(tmp_path / "run" / "pretrain") == logged_epochs(tmp_path / "run") == ["0"]
