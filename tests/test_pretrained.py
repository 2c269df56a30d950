"""The model zoo: every shipped entry loads, matches its sha256 and has the documented shapes."""

import json
import os
import shutil
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan import cli, pretrained, publish, records
from keras_gan._io import sha256
from keras_gan.diagnostics import Diagnostics
from keras_gan.evaluation import sample_quality
from keras_gan.evaluation.classifiers import classifier_folder
from tests.helpers import require_data

# As in tests/test_notebooks.py: CI lays shared/ beside the clone.
DATA_DIR = Path(os.environ.get("KERAS_GAN_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.mark.parametrize("name", keras_gan.list_models())
def test_every_shipped_model_loads_with_its_documented_shapes(name):
    preset = keras_gan.get_preset(name)
    generator = keras_gan.load_generator(name)
    assert generator.input_shape == (None, preset["latent_dim"])
    assert generator.output_shape == (None, *preset["image_shape"])
    images = keras_gan.generate(generator, preset["latent_prior"], 4, seed=0)
    assert np.isfinite(images).all()
    for key in ("command", "config", "deviations", "checkpoint", "data_sha256", "wall_time_seconds", "hardware", "scores"):
        assert key in preset, key


@pytest.mark.parametrize("name", keras_gan.list_models())
def test_every_shipped_models_command_runs_its_recorded_configuration(name):
    preset = keras_gan.get_preset(name)
    words = preset["command"].split()
    words = words[words.index("keras-gan") + 1:]
    config = cli.config_from_arguments(cli.build_parser().parse_args(words))
    assert config == records.config_of(preset)  # recorded before newer settings existed: their defaults
    assert records.deviation_lines(config) == preset["deviations"]


@pytest.mark.parametrize("name", keras_gan.list_models())
@pytest.mark.slow
def test_every_shipped_models_recorded_sample_quality_reproduces(name):
    # The full numbers (10,000 samples) take up to 2 minutes a model here; `check` (2,000, seeded) is the same
    # code and settings at a fifth of the size, recorded by the same `studies.zoo_quality --write` run.
    require_data(folder=DATA_DIR)  # the check needs the real images
    entry = keras_gan.get_preset(name)["scores"]["sample_quality"]
    classifier = json.loads((classifier_folder(entry["dataset"]) / "metadata.json").read_text())
    assert entry["classifier_sha256"] == classifier["files"]["classifier"]["sha256"], "re-run its command"
    check = entry["check"]
    spec = pretrained.load_model(name)
    report = sample_quality(spec, spec.dataset(), DATA_DIR, spec.output_space, metrics_to_run=check["metrics"],
                            n_samples=check["n_samples"], n_real=check["n_real"], seed=check["seed"])
    for recorded, measured in ((check["model"], report.model), (check["reference"], report.reference)):
        assert measured.keys() == recorded.keys()
        for key, value in recorded.items():
            assert measured[key] == pytest.approx(value, rel=1e-3, abs=1e-3), key


@pytest.mark.parametrize("name", keras_gan.list_models())
def test_every_model_card_and_the_readme_show_the_recorded_sample_quality(name):
    entry = keras_gan.get_preset(name)["scores"]["sample_quality"]
    assert set(entry["check"]["model"]) <= set(entry["model"]) and entry["model"].keys() == entry["reference"].keys()
    card = (pretrained._root() / name / "model_card.md").read_text()
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    row = next(line for line in readme.splitlines()
               if line.startswith(f"| [`{name}`]") and f"{entry['model']['fid']:.3f}" in line)
    for values in (entry["model"], entry["reference"]):
        for text in (f"{values['fid']:.3f}", f"{values['recall']:.3f}", f"{values['coverage']:.3f}"):
            assert text in card and text in row, text
    assert entry["command"] in card


@pytest.mark.parametrize("name", keras_gan.list_models())
@pytest.mark.slow
def test_every_shipped_models_recorded_diagnostics_reproduce_and_its_card_shows_them(name):
    require_data(folder=DATA_DIR)  # the samples are measured against the validation images
    recorded = keras_gan.get_preset(name)["diagnostics"]
    generator, discriminator, record, first_stage = publish.load_networks(name)
    report = publish.run_diagnostics(generator, discriminator, record, DATA_DIR, first_stage,
                                     n_samples=recorded["n_samples"])
    expected = Diagnostics.from_dict({key: value for key, value in recorded.items() if key != "command"})
    for key, value in expected.summary().items():
        assert report.summary()[key] == pytest.approx(value, rel=1e-3, abs=1e-3), key
    card = (pretrained._root() / name / "model_card.md").read_text()
    assert expected.table() in card and recorded["command"] in card


@pytest.mark.slow
def test_the_mnist_gan_loads_ready_to_fine_tune():
    gan = keras_gan.load_gan("mnist")
    np.testing.assert_array_equal(gan.generate(4, seed=0), keras_gan.generate(keras_gan.load_generator("mnist"),
                                                                              "uniform", 4, seed=0))
    images = np.asarray(gan.generate(200, seed=1))
    before = [np.array(w) for w in gan.discriminator.weights]
    gan.fit(images, batch_size=100, epochs=1, verbose=0)
    assert any(not np.array_equal(a, np.array(b)) for a, b in zip(before, gan.discriminator.weights))


@pytest.fixture
def zoo(tmp_path, monkeypatch):
    """A one-entry registry in tmp_path."""
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, "sigmoid"), keras.layers.Reshape((2, 2, 1))])
    folder = tmp_path / "tiny"
    folder.mkdir()
    generator.save(folder / "generator.keras")
    metadata = {
        "latent_dim": 3,
        "latent_prior": "normal",
        "image_shape": [2, 2, 1],
        "files": {"generator": {"path": "generator.keras", "sha256": sha256(folder / "generator.keras")}},
    }
    (folder / "metadata.json").write_text(json.dumps(metadata))
    monkeypatch.setattr(pretrained, "_root", lambda: tmp_path)
    return folder


def test_registry_lists_and_loads(zoo):
    # A hidden folder is a publish in progress (or one that was killed), not an entry.
    (zoo.parent / ".tiny.0123.tmp").mkdir()
    shutil.copyfile(zoo / "metadata.json", zoo.parent / ".tiny.0123.tmp" / "metadata.json")
    assert keras_gan.list_models() == ["tiny"]
    assert keras_gan.load_generator("tiny").output_shape == (None, 2, 2, 1)


def test_corrupted_copy_is_refused(zoo):
    data = bytearray((zoo / "generator.keras").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (zoo / "generator.keras").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="is corrupt: its sha256 is"):
        keras_gan.load_generator("tiny")


def test_missing_file_without_url_says_reinstall(zoo):
    (zoo / "generator.keras").unlink()
    with pytest.raises(FileNotFoundError, match="reinstall keras-gan"):
        keras_gan.load_generator("tiny")


def test_missing_file_with_url_is_fetched_and_checked(zoo, monkeypatch, tmp_path):
    metadata = json.loads((zoo / "metadata.json").read_text())
    metadata["files"]["generator"]["url"] = "https://example.invalid/generator.keras"
    (zoo / "metadata.json").write_text(json.dumps(metadata))
    shutil.move(zoo / "generator.keras", tmp_path / "downloaded.keras")
    calls = []
    monkeypatch.setattr(keras.utils, "get_file", lambda *a, **k: calls.append(k) or str(tmp_path / "downloaded.keras"))
    assert keras_gan.load_generator("tiny").output_shape == (None, 2, 2, 1)
    assert calls[0]["file_hash"] == metadata["files"]["generator"]["sha256"]


def test_unknown_names_list_the_choices(zoo):
    with pytest.raises(ValueError, match=r"Unknown pretrained model 'lsun'. Choose one of \['tiny'\]"):
        keras_gan.load_generator("lsun")
    with pytest.raises(ValueError, match="ships no discriminator"):
        keras_gan.load_gan("tiny")


@pytest.mark.parametrize(
    "record, space",
    [
        ({"experiment": "mnist"}, "pixels"),
        ({"experiment": "cifar10_fc", "parzen_space": "gcn_display"}, "gcn"),
        ({"experiment": "cifar10_conv"}, "gcn"),  # a run from before run.json named its space
        ({"experiment": "cifar10_fc", "parzen_space": "pixels"}, "pixels"),  # --images under a CIFAR-10 experiment
        ({"output_space": "gcn_display", "experiment": "cifar10_conv"}, "gcn_display"),  # a shipped model
    ],
)
def test_a_run_generator_output_space_follows_its_record(record, space):
    assert pretrained._output_space(record) == space
