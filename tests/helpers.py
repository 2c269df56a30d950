"""Checks every model in the package must pass (serialization, saving, a training step, a resume), the
shared data folder, and writers of tiny datasets."""

import gzip
import io
import os
import pickle
import tarfile
from pathlib import Path

import keras
import numpy as np
import pytest
import scipy.io
from keras import ops
from PIL import Image

from keras_gan.datasets import fer2013

# The shared data (`../shared/data` beside the clone, as CI lays it out, unless KERAS_GAN_DATA_DIR names another).
DATA_DIR = Path(os.environ.get("KERAS_GAN_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data")


def require_data(*files: str, folder: Path = DATA_DIR) -> None:
    """Skip the calling test unless `folder` holds `files` (or, with none named, exists); in CI (`CI=true`,
    as `.ci/run` sets) fail instead, so that a run without the data is not green."""
    if not Path(folder).is_dir():
        reason = f"no data folder at {folder} (set KERAS_GAN_DATA_DIR)"
    else:
        missing = [name for name in files if not (Path(folder) / name).exists()]
        reason = missing and f"no {', '.join(missing)} in {folder} (set KERAS_GAN_DATA_DIR)"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI: {reason}", pytrace=False)
        pytest.skip(reason)


def needs_data(*files: str, folder: Path = DATA_DIR):
    """`require_data` as a mark: `@needs_data("mnist.pkl.gz")` (checked as the test sets up, tests/conftest.py)."""
    return pytest.mark.needs_data(*files, folder=folder)


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


def numpy(variable) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(variable))


def architecture_gan(name: str, n: int = 8, width: float = 0.02, experiment: str = "mnist"):
    """`name`'s networks at a tiny width, compiled as `experiment` trains them, and `n` images of its shape.

    The discriminator's initial ranges are ten times the paper's: through the paper's 0.005-range weights the
    first update of cifar10_conv's output kernel is about 1e-11, below float32's resolution at its 0.05-range
    values, so whether any entry moves in one step is chance (none did under JAX, 6 of 150 under TensorFlow).
    """
    from keras_gan import architectures, experiments

    architecture = architectures.get(name)
    shape = architecture.image_shape
    images = np.random.default_rng(0).uniform(size=(n, *shape)).astype("float32")
    d_ranges = {layer: 10 * value for layer, value in architecture.d_init_ranges.items()}
    networks = architectures.build(name, width=width, train_images=images, d_init_ranges=d_ranges)
    return experiments.get(experiment).build_gan(2, networks=networks), images


def one_step_train(gan, images) -> dict:
    """One update of `gan` on `images` (one batch): its losses are finite and every layer of both networks moved.

    Per layer, not per variable: from the paper's initial ranges some variables' first update is exactly zero
    (the discriminator's output bias while its logits are all about 0: the real and fake terms cancel) or
    below float32's resolution (cifar10_conv's first generator kernels, reached through the discriminator's
    0.005-range weights). A layer none of whose variables moved is frozen or cut off from the loss.
    Returns the step's logs.
    """
    networks = (gan.generator, gan.discriminator)
    before = [{v.path: numpy(v) for v in network.trainable_variables} for network in networks]
    g_steps = int(numpy(gan.g_optimizer.iterations))
    logs = gan.fit(images, batch_size=len(images), epochs=1, shuffle=False, verbose=0).history
    assert int(numpy(gan.g_optimizer.iterations)) == g_steps + 1
    assert logs and all(np.isfinite(values[-1]) for values in logs.values()), logs
    for network, start in zip(networks, before):
        assert start, f"{network.name} has no trainable weights"
        moved = {}
        for variable in network.trainable_variables:
            layer = variable.path.rsplit("/", 1)[0]
            moved[layer] = moved.get(layer, False) or not np.array_equal(numpy(variable), start[variable.path])
        assert all(moved.values()), f"{network.name}: no weight moved in {[k for k, v in moved.items() if not v]}"
    return {name: values[-1] for name, values in logs.items()}


def gan_state(gan) -> list:
    """Every variable of `gan` (the networks, the weight average, the random state, the metric trackers) and of
    both optimizers, as `(path, numpy value)` in order."""
    variables = gan.variables + gan.d_optimizer.variables + gan.g_optimizer.variables
    return [(v.path, numpy(v)) for v in variables]


def assert_same_state(actual: list, expected: list) -> None:
    assert len(actual) == len(expected)
    for (_, value), (path, want) in zip(actual, expected):
        np.testing.assert_array_equal(value, want, err_msg=path)


def resume_round_trip(gan, images, tmp_path: Path):
    """A step (`one_step_train`), a save and a load; then one more step on `gan` and on the loaded copy gives
    both the same losses and, bit for bit, the same weights, optimizer state and random state: every random draw
    (noise, dropout masks) comes from state the checkpoint holds, on every backend. Returns the copy."""
    one_step_train(gan, images)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert type(loaded) is type(gan)
    assert_same_state(gan_state(loaded), gan_state(gan))
    logs = []
    for model in (gan, loaded):
        logs.append(one_step_train(model, images))
    assert logs[1] == logs[0]
    assert_same_state(gan_state(loaded), gan_state(gan))
    return loaded


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
