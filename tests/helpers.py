"""Checks every model in the package must pass (serialization, saving), and writers of tiny datasets."""

import gzip
import io
import pickle
import tarfile
from pathlib import Path

import keras
import numpy as np
import scipy.io
from PIL import Image

from keras_gan.datasets import fer2013


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


def run_layer_test(layer: keras.layers.Layer, input_shape: tuple, expected_output_shape: tuple, tmp_path: Path):
    """The checks every custom layer passes: its output shape, a config round trip and a `.keras` round trip."""
    inputs = np.random.default_rng(0).normal(size=input_shape).astype("float32")
    assert tuple(layer(inputs).shape) == expected_output_shape
    assert tuple(layer.compute_output_shape(input_shape)) == expected_output_shape
    clone = assert_serialization_round_trip(layer)
    assert type(clone) is type(layer)
    model = keras.Sequential([keras.Input(input_shape[1:]), layer.__class__.from_config(layer.get_config())])
    assert_saving_round_trip(model, inputs, tmp_path)


def run_initializer_test(initializer, shape: tuple, tmp_path: Path):
    """The checks every custom initializer passes: a config round trip that draws the same weights, and a
    `.keras` round trip of a layer it initialised."""
    clone = keras.initializers.deserialize(keras.initializers.serialize(initializer))
    assert type(clone) is type(initializer) and clone.get_config() == initializer.get_config()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(clone(shape)),
                                  keras.ops.convert_to_numpy(initializer(shape)))
    model = keras.Sequential([keras.Input(shape[:1]), keras.layers.Dense(shape[1], kernel_initializer=initializer)])
    assert_saving_round_trip(model, np.ones((2, shape[0]), "float32"), tmp_path)


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


def write_tree(target: Path, files: dict, as_tarball: bool) -> Path:
    """Write `{relative name: bytes}` as a .tar.gz at `target` or as a folder."""
    if as_tarball:
        with tarfile.open(target, "w:gz") as archive:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    else:
        for name, data in files.items():
            path = target.parent / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return target


def write_cifar_python(folder: Path, per_batch=3, as_tarball=True) -> dict:
    """Write a tiny official-layout release; return each batch's data rows."""
    rng = np.random.default_rng(1)
    files, rows = {}, {}
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        data = rng.integers(0, 256, (per_batch, 3072)).astype(np.uint8)
        batch = {
            b"batch_label": name.encode(),
            b"labels": list(rng.integers(0, 10, per_batch)),
            b"data": data,
            b"filenames": [b"x.png"] * per_batch,
        }
        rows[name] = batch
        files[f"cifar-10-batches-py/{name}"] = pickle.dumps(batch, protocol=2)
    files["cifar-10-batches-py/batches.meta"] = pickle.dumps({b"num_cases_per_batch": 3})
    write_tree(folder / "cifar-10-python.tar.gz", files, as_tarball)
    return rows


def jpeg_bytes(value, channels: int, size: int) -> bytes:
    """Encode a flat image of one grey level or RGB colour as a JPEG."""
    array = np.full((size, size, channels), value, np.uint8)
    image = Image.fromarray(array[..., 0] if channels == 1 else array)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


FER_SPLITS = {"train": "train/{e}/Training_{i}.jpg",
              "valid": "test/{e}/PublicTest_{i}.jpg",
              "test": "test/{e}/PrivateTest_{i}.jpg"}


def fer_level(split: str, label: int) -> int:
    return 30 * label + {"train": 10, "valid": 15, "test": 20}[split]


def write_fer(folder: Path, per_class=2, as_tarball=True) -> Path:
    files = {}
    for label, emotion in enumerate(fer2013.EMOTIONS):
        for split, pattern in FER_SPLITS.items():
            for index in range(per_class):
                name = "fer2013/" + pattern.format(e=emotion, i=100 + index)
                files[name] = jpeg_bytes(fer_level(split, label), 1, 48)
    return write_tree(folder / "fer2013-jpeg.tar.gz", files, as_tarball)
