import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gan
from keras_gan import cli, experiments
from keras_gan.training import train
from tests.helpers import write_mnist


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    (root / "data").mkdir()
    write_mnist(root / "data", sizes=(300, 300, 50))
    config = experiments.get("mnist").override({"epochs": 1, "width": 0.02, "parzen_every": 0})
    train(config, root / "run", data_dir=root / "data", verbose=0)
    return root


def call(*argv):
    return cli.main([str(a) for a in argv])


@pytest.mark.parametrize("command", ["train", "config", "list", "sample", "info", "evaluate", "reference", "diagnose",
                                     "figures", "export", "publish"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        call(command, "--help")
    assert exit_.value.code == 0 and "usage: keras-gan" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "lsun"], "invalid choice: 'lsun'"),
        (["reference", "lsun"], "invalid choice: 'lsun'"),
        (["train", "mnist", "--width", "-1"], "must be a positive number"),
        (["train", "mnist", "--width", "wide"], "argument --width: must be a positive number, got wide"),
        (["train", "mnist", "--epochs", "0"], "must be a positive integer"),
        (["sample", "mnist", "-n", "abc"], "argument -n: must be a positive integer, got abc"),
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


@pytest.mark.slow
def test_train_with_settings_records_exactly_those_deviations(run, tmp_path):
    out = tmp_path / "run"
    assert call("train", "mnist", "--set", "update=alternating", "--set", "g_learning_rate=0.05", "--epochs", 1,
                "--width", 0.1, "--set", "parzen_every=0", "--data-dir", run / "data", "--out", out,
                "--verbose", 0) == 0
    record = json.loads((out / "run.json").read_text())
    assert record["deviations"] == ["g_learning_rate: 0.1 -> 0.05", "update: simultaneous -> alternating"]
    # The recorded command, parsed again, is the recorded configuration.
    words = record["command"].split()[1:]
    args = cli.build_parser().parse_args(words)
    assert cli.config_from_arguments(args).to_dict() == record["config"]


@pytest.mark.parametrize(
    "settings, message",
    [
        (["--set", "foo=1"], "Unknown setting 'foo'. Valid settings: adam_beta_1, architecture,"),
        (["--set", "width=wide"], "`width` must be a number. Received: width='wide'"),
        (["--set", "update=sideways"], "`update` must be one of ['alternating', 'simultaneous']"),
        (["--set", "g_init_ranges.h7=0.1"], "has no layer 'h7'. Its layers: ['h0', 'h1', 'y']"),
        (["--set", "center_output=true"], "`center_output` is for the linear-output CIFAR-10 generators"),
        (["--set", "center_output=maybe"], "`center_output` must be true/false"),
        (["--set", "d_steps=0"], "`d_steps` must be positive"),
        (["--set", "update"], "A setting must be written FIELD=VALUE"),
        (["--epochs", "2", "--set", "epochs=3"], "Both --epochs and --set epochs= were given"),
    ],
)
@pytest.mark.parametrize("command", ["train", "config"])
def test_bad_settings_exit_2_with_one_line(command, settings, message, tmp_path, capsys):
    assert call(command, "mnist", *settings, *(["--out", tmp_path / "run"] if command == "train" else [])) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"keras-gan {command}: error: ") and message in err[0], err
    assert not (tmp_path / "run").exists()


def test_config_prints_every_setting_with_the_papers_value(capsys):
    assert call("config", "cifar10_fc", "--set", "g_init_ranges.y=0.1", "--width", 0.25) == 0
    out = capsys.readouterr().out
    fields = [line.split(" = ")[0] for line in out.splitlines() if " = " in line]
    assert fields == list(experiments.get("cifar10_fc").to_dict())
    assert "g_init_ranges = {'h0': 0.05, 'h1': 0.05, 'y': 0.1}   (the paper's: {'h0': 0.05, 'h1': 0.05, 'y': 0.5})" in out
    assert "deviations from the paper: g_init_ranges.y: 0.5 -> 0.1" in out


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


@pytest.mark.slow
def test_evaluate_prints_the_parzen_score(run, capsys):
    assert call("evaluate", run / "run", "--data-dir", run / "data", "--n-samples", 200, "--n-valid", 0) == 0
    assert "+-" in capsys.readouterr().out


@pytest.mark.slow
def test_evaluate_scores_on_the_recorded_dataset_else_asks_for_one(run, tmp_path, capsys):
    (tmp_path / "gan.keras").write_bytes((run / "run" / "gan.keras").read_bytes())  # no run.json beside it
    assert call("evaluate", tmp_path / "gan.keras", "--data-dir", run / "data", "--n-samples", 50) == 1
    assert "records no dataset it was trained on: pass --dataset" in capsys.readouterr().err
    assert call("evaluate", tmp_path / "gan.keras", "--dataset", "mnist", "--data-dir", run / "data",
                "--n-samples", 50) == 0


def test_reference_prints_the_datasets_own_score(run, capsys):
    from keras_gan.evaluation import data_reference

    assert call("reference", "mnist", "--data-dir", run / "data", "--n-samples", 100, "--seed", 2) == 0
    expected = data_reference("mnist", run / "data", n_samples=100, seed=2)
    assert capsys.readouterr().out.strip() == ("mnist (pixels), data reference (100 real training images as samples, "
                                               f"seed 2): {expected}")


def test_figures_writes_both_pngs(run, tmp_path):
    assert call("figures", run / "run", "--data-dir", run / "data", "-o", tmp_path / "figs") == 0
    assert Image.open(tmp_path / "figs" / "figure_2.png").size[0] > 10 * 28
    assert Image.open(tmp_path / "figs" / "figure_3.png").size[0] > 10 * 28


@pytest.mark.slow
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


@pytest.mark.slow
def test_console_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "keras_gan.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "train" in result.stdout


def test_list_shows_every_pretrained_model_with_its_scores(capsys):
    assert call("list") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["name", "dataset", "width"]
    rows = {line.split()[0]: line for line in out[1:]}
    assert sorted(rows) == keras_gan.list_models()
    for model in keras_gan.list_models(details=True):
        assert f"{model['parzen']['mean']:.1f} +- {model['parzen']['std_error']:.1f}" in rows[model["name"]]


def test_model_help_names_the_pretrained_models(capsys):
    with pytest.raises(SystemExit):
        call("sample", "--help")
    help_text = " ".join(capsys.readouterr().out.split())
    assert all(name in help_text for name in keras_gan.list_models()) and "keras-gan list" in help_text


@pytest.mark.parametrize("content", [b"not a zip archive", None])
def test_a_damaged_keras_file_is_named_not_missing(run, tmp_path, capsys, content):
    whole = (run / "run" / "generator.keras").read_bytes()
    (tmp_path / "g.keras").write_bytes(content if content is not None else whole[: len(whole) // 2])
    assert call("sample", tmp_path / "g.keras", "--latent-prior", "uniform", "-o", tmp_path / "x.png") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not a valid .keras file" in err[0] and "not found" not in err[0].lower()


def test_train_offline_ends_with_one_line_and_leaves_no_folder(tmp_path, monkeypatch, capsys):
    import requests

    def refuse(adapter, request, **kwargs):
        raise requests.exceptions.ConnectionError("network cut by the test")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    monkeypatch.delenv("KERAS_GAN_DATA_DIR", raising=False)
    assert call("train", "mnist", "--width", 0.02, "--epochs", 1, "--out", tmp_path / "run") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("keras-gan train: error: Could not download mnist"), err
    assert "--data-dir" in err[0] and "KERAS_GAN_DATA_DIR" in err[0]
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_train_says_what_it_trains_where_and_what_it_wrote(run, tmp_path, capsys):
    argv = ["train", "mnist", "--width", 0.02, "--set", "parzen_every=0", "--data-dir", run / "data",
            "--out", tmp_path / "run", "--verbose", 2]
    assert call(*argv, "--epochs", 2) == 0
    out = capsys.readouterr().out
    assert "data: mnist, 300 training images from mnist.pkl.gz" in out
    assert f"run folder: {tmp_path / 'run'}, started at epoch 1 of 2" in out
    assert "epoch 1/2: " in out and "1 left, about" in out
    assert f"wrote {tmp_path / 'run'}: " in out and "generator.keras" in out
    assert call(*argv, "--epochs", 3) == 0
    assert "resumed after epoch 2 of 3" in capsys.readouterr().out


@pytest.mark.slow
def test_commands_print_no_tensorflow_start_up_lines(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run([sys.executable, "-m", "keras_gan.cli", "sample", "mnist", "-n", "4", "-o",
                             str(tmp_path / "grid.png")], capture_output=True, text=True, env=env)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    # Asked for, TensorFlow's own logging is back.
    env["TF_CPP_MIN_LOG_LEVEL"] = "0"
    result = subprocess.run([sys.executable, "-m", "keras_gan.cli", "list"], capture_output=True, text=True, env=env)
    # Which lines TensorFlow prints depends on the CPU (the oneDNN line needs AVX-512); absl's preamble does not.
    assert result.returncode == 0 and "absl::InitializeLog" in result.stderr, result.stderr
