"""The model zoo: every shipped entry loads, matches its sha256 and has the documented shapes."""

import json
import shutil

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan import pretrained
from keras_gan._io import sha256


@pytest.mark.parametrize("name", keras_gan.list_models())
def test_every_shipped_model_loads_with_its_documented_shapes(name):
    preset = keras_gan.get_preset(name)
    generator = keras_gan.load_generator(name)
    assert generator.input_shape == (None, preset["latent_dim"])
    assert generator.output_shape == (None, *preset["image_shape"])
    images = keras_gan.generate(generator, preset["latent_prior"], 4, seed=0)
    assert np.isfinite(images).all()
    for key in ("command", "seed", "data_sha256", "epochs", "wall_time_seconds", "hardware", "scores"):
        assert key in preset, key


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
    with pytest.raises(ValueError, match="ships no gan"):
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
