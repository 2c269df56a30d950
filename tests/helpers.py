"""Checks every model in the package must pass: serialization, saving, one training step."""

import gzip
import pickle
from pathlib import Path

import keras
import numpy as np
import scipy.io


def assert_serialization_round_trip(obj):
    """`from_config(get_config())` rebuilds an object with the same config."""
    config = obj.get_config()
    clone = obj.__class__.from_config(config)
    assert clone.get_config() == config
    return clone


def assert_saving_round_trip(model: keras.Model, inputs, tmp_path: Path):
    """`.keras` save then load gives identical outputs on `inputs`."""
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded(inputs, training=False)),
        keras.ops.convert_to_numpy(model(inputs, training=False)),
    )
    return loaded


def weights(model: keras.Model) -> list:
    return [np.array(v) for v in model.trainable_variables]


def changed(before: list, after: list) -> bool:
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


def write_mnist(folder: Path, sizes=(6, 3, 2), denominator=256) -> list:
    """Write a tiny mnist.pkl.gz; return the uint8 levels of each split."""
    rng = np.random.default_rng(0)
    levels, pairs = [], []
    for size in sizes:
        k = rng.integers(0, 256, (size, 784)).astype(np.uint8)
        k[0, 0] = 255  # The scale is detected from the largest value.
        levels.append(k)
        labels = np.arange(size) % 10
        pairs.append(((k / denominator).astype(np.float32), labels))
    with gzip.open(folder / "mnist.pkl.gz", "wb") as f:
        pickle.dump(tuple(pairs), f, protocol=2)
    return levels


def write_tfd(folder: Path, count=40) -> dict:
    rng = np.random.default_rng(2)
    data = {
        "images": rng.integers(0, 256, (count, 48, 48)).astype(np.uint8),
        "folds": rng.integers(0, 4, (count, 5)).astype(np.uint8),
        "labs_ex": rng.integers(1, 8, (count, 1)).astype(np.int16),
        "labs_id": rng.integers(1, 50, (count, 1)).astype(np.int16),
    }
    data["images"][0, 0, 0] = 255
    data["folds"][:4, :] = [[0] * 5, [1] * 5, [2] * 5, [3] * 5]  # every split occurs
    scipy.io.savemat(folder / "TFD_48x48.mat", data)
    return data
