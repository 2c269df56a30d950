import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gan import cli
from keras_gan.training import train
from tests.helpers import write_mnist


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    (root / "data").mkdir()
    write_mnist(root / "data", sizes=(300, 300, 50))
    train("mnist", root / "run", epochs=1, width=0.02, data_dir=root / "data", parzen_every=0, verbose=0)
    return root


def call(*argv):
    return cli.main([str(a) for a in argv])


@pytest.mark.parametrize("command", ["train", "sample", "info", "evaluate", "figures", "export", "publish"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        call(command, "--help")
    assert exit_.value.code == 0 and "usage: keras-gan" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "lsun"], "invalid choice: 'lsun'"),
        (["train", "mnist", "--width", "-1"], "must be positive"),
        (["train", "mnist", "--epochs", "0"], "must be a positive integer"),
        (["sample"], "the following arguments are required: model"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        call(*argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and message in err
    assert err.strip().splitlines()[-1].startswith("keras-gan")


def test_train_passes_center_output_and_refuses_it_for_mnist(tmp_path, capsys):
    assert call("train", "mnist", "--center-output", "--out", tmp_path / "run") == 1
    assert "`center_output` is for the linear-output CIFAR-10 generators" in capsys.readouterr().err


def test_train_passes_init_scales_and_checks_them(tmp_path, capsys):
    assert call("train", "tfd", "--d-init-scale", 10, "--out", tmp_path / "run") == 1
    assert "`g_last_hidden_init_scale` are for one-stage experiments" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        call("train", "mnist", "--g-lr-scale", 0)
    assert exit_.value.code == 2


def test_sample_grid_and_array(run, tmp_path):
    assert call("sample", run / "run", "-n", 16, "--seed", 3, "-o", tmp_path / "grid.png") == 0
    assert Image.open(tmp_path / "grid.png").size[0] > 28 * 4
    assert call("sample", run / "run" / "generator.keras", "-n", 5, "--seed", 3, "-o", tmp_path / "a.npy") == 0
    assert call("sample", run / "run" / "gan.keras", "-n", 5, "--seed", 3, "-o", tmp_path / "b.npy") == 0
    a, b = np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy")
    assert a.shape == (5, 28, 28, 1) and ((a >= 0) & (a <= 1)).all()
    np.testing.assert_array_equal(a, b)


def test_bare_generator_needs_its_prior(run, tmp_path, capsys):
    generator = keras.models.load_model(run / "run" / "generator.keras")
    generator.save(tmp_path / "alone.keras")
    assert call("sample", tmp_path / "alone.keras", "-o", tmp_path / "x.png") == 1
    assert "pass --latent-prior" in capsys.readouterr().err
    assert call("sample", tmp_path / "alone.keras", "--latent-prior", "uniform", "-o", tmp_path / "x.png") == 0


def test_info_prints_parameters_and_record(run, capsys):
    assert call("info", run / "run") == 0
    out = capsys.readouterr().out
    assert "generator parameters:" in out and "latent prior: uniform" in out and "experiment: mnist" in out


def test_evaluate_prints_the_parzen_score(run, capsys):
    assert call("evaluate", run / "run", "--data-dir", run / "data", "--n-samples", 200, "--n-valid", 0) == 0
    assert "+-" in capsys.readouterr().out


def test_evaluate_scores_on_the_recorded_dataset_else_asks_for_one(run, tmp_path, capsys):
    (tmp_path / "gan.keras").write_bytes((run / "run" / "gan.keras").read_bytes())  # no run.json beside it
    assert call("evaluate", tmp_path / "gan.keras", "--data-dir", run / "data", "--n-samples", 50) == 1
    assert "records no dataset it was trained on: pass --dataset" in capsys.readouterr().err
    assert call("evaluate", tmp_path / "gan.keras", "--dataset", "mnist", "--data-dir", run / "data",
                "--n-samples", 50) == 0


def test_figures_writes_both_pngs(run, tmp_path):
    assert call("figures", run / "run", "--data-dir", run / "data", "-o", tmp_path / "figs") == 0
    assert Image.open(tmp_path / "figs" / "figure_2.png").size[0] > 10 * 28
    assert Image.open(tmp_path / "figs" / "figure_3.png").size[0] > 10 * 28


def test_export_writes_a_version(run, tmp_path, capsys):
    assert call("export", run / "run", tmp_path / "serving", "--name", "tiny") == 0
    assert (tmp_path / "serving" / "tiny" / "1" / "saved_model.pb").exists()
    assert call("export", run / "run", tmp_path / "serving", "--name", "tiny", "--version", 1) == 1
    assert "error" in capsys.readouterr().err
    assert call("export", run / "run", tmp_path / "serving", "--name", "small", "--max-samples", 2) == 0
    sample = tf.saved_model.load(str(tmp_path / "serving" / "small" / "1")).signatures["sample"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="at most 2"):
        sample(num_samples=tf.constant(3), seed=tf.constant(0, tf.int64))


def test_missing_model_is_one_clear_line(tmp_path, capsys):
    assert call("info", tmp_path / "nothing") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No model at" in err[0]


def test_console_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "keras_gan.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "train" in result.stdout
