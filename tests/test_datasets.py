"""Tests for `keras_gan.datasets`: every loader on tiny fixtures built here.

Nothing is downloaded: tensorflow-datasets is only stubbed. One test reads
the real shared MNIST when `../shared/data` exists.
"""

import os
import sys
import tarfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.io
import tensorflow as tf
from PIL import Image

from keras_gan import datasets
from keras_gan.datasets import _images, _sources, cifar10, output_space
from tests.helpers import fer_level, jpeg_bytes, needs_data, write_cifar_python, write_fer, write_mnist, write_tfd, write_tree

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Keep caches out of the home folder and ignore the user's data folder."""
    monkeypatch.setenv(_sources.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(_sources.DATA_DIR_ENV, raising=False)


# --- fixture builders -------------------------------------------------------


def cifar_colour(label: int, index: int) -> tuple:
    """A flat colour that encodes the class (red) and the file's index (green)."""
    return (20 * label + 10, 25 * index + 20, 128)


def write_cifar_jpeg(folder: Path, per_class=5, test_per_class=2, as_tarball=True):
    files = {}
    for label, name in enumerate(cifar10.CLASSES):
        for index in range(per_class):
            files[f"cifar10/train/{name}/{index:04d}.jpg"] = jpeg_bytes(
                cifar_colour(label, index), 3, 32
            )
        for index in range(test_per_class):
            files[f"cifar10/test/{name}/{index:04d}.jpg"] = jpeg_bytes(
                cifar_colour(label, index), 3, 32
            )
    return write_tree(folder / "cifar10-jpeg.tar.gz", files, as_tarball)


# --- MNIST ------------------------------------------------------------------


def test_mnist_splits_and_k_over_255_scale(tmp_path):
    levels = write_mnist(tmp_path)
    for split, k in zip(("train", "valid", "test"), levels):
        images, labels = datasets.load_numpy("mnist", split, data_dir=tmp_path)
        assert images.shape == (len(k), 28, 28, 1) and images.dtype == np.float32
        # Stored as k/256, served as pylearn2's k/255.
        np.testing.assert_array_equal(
            images.reshape(len(k), 784), k.astype(np.float32) / np.float32(255)
        )
        assert images.max() == 1.0
        np.testing.assert_array_equal(labels, np.arange(len(k)) % 10)


def test_mnist_file_already_in_k_over_255_is_not_rescaled(tmp_path):
    levels = write_mnist(tmp_path, denominator=255)
    images, _ = datasets.load_numpy("mnist", "valid", data_dir=tmp_path)
    np.testing.assert_array_equal(np.rint(images.reshape(-1, 784) * 255), levels[1])


def test_mnist_with_an_unknown_scale_is_rejected(tmp_path):
    write_mnist(tmp_path, denominator=300)
    with pytest.raises(ValueError, match=r"largest pixel value.*mnist\.pkl\.gz"):
        datasets.load_numpy("mnist", data_dir=tmp_path)


def test_truncated_mnist_names_file_checksum_and_source(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError) as error:
        datasets.load_numpy("mnist", data_dir=tmp_path)
    message = str(error.value)
    assert str(path) in message
    assert _sources.KNOWN_SHA256["mnist.pkl.gz"] in message
    assert "deeplearning.net" in message


def test_missing_file_says_what_to_put_where(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"mnist\.pkl\.gz.*tensorflow-datasets"):
        datasets.load_numpy("mnist", data_dir=tmp_path)
    with pytest.raises(FileNotFoundError, match=r"cifar-10-python\.tar\.gz"):
        datasets.load_numpy("cifar10", data_dir=tmp_path)


def test_data_dir_must_be_an_existing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="`data_dir` must be an existing folder"):
        datasets.load_numpy("mnist", data_dir=tmp_path / "nowhere")


def test_environment_variable_is_honoured_and_data_dir_wins(tmp_path, monkeypatch):
    write_mnist(tmp_path, sizes=(4, 3, 2))
    monkeypatch.setenv(_sources.DATA_DIR_ENV, str(tmp_path))
    images, _ = datasets.load_numpy("mnist", "valid")
    assert len(images) == 3

    monkeypatch.setenv(_sources.DATA_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match=_sources.DATA_DIR_ENV):
        datasets.load_numpy("mnist")
    images, _ = datasets.load_numpy("mnist", "test", data_dir=tmp_path)
    assert len(images) == 2


def test_without_local_data_or_tensorflow_datasets_the_error_is_clear(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)  # import fails
    for name in ("mnist", "cifar10"):
        with pytest.raises(FileNotFoundError, match="tensorflow-datasets cannot be imported .*--data-dir"):
            datasets.load_numpy(name)
    with pytest.raises(FileNotFoundError, match="licence-restricted"):
        datasets.load_numpy("tfd")
    with pytest.raises(FileNotFoundError, match="not in tensorflow-datasets"):
        datasets.load_numpy("fer2013")


def test_tensorflow_datasets_path_uses_the_paper_split(monkeypatch):
    requests = []
    shuffled = np.random.default_rng(3).permutation(50000)

    def fake_load_tfds(name, split, files):
        requests.append((name, split))
        if name == "mnist":
            return {"image": np.zeros((5, 28, 28, 1), np.uint8), "label": np.arange(5)}
        # tensorflow-datasets stores CIFAR-10 in a hashed order; `id` undoes it.
        return {
            "id": np.array([f"train_{i:05d}".encode() for i in shuffled]),
            "image": shuffled.reshape(-1, 1, 1, 1),
            "label": shuffled % 10,
        }

    monkeypatch.setattr(_sources, "load_tfds", fake_load_tfds)
    datasets.DATASETS["mnist"].read("valid", None)
    assert requests == [("mnist", "train[50000:]")]
    images, labels = cifar10.read("valid", None)
    np.testing.assert_array_equal(images.reshape(-1), np.arange(40000, 50000))
    np.testing.assert_array_equal(labels, np.arange(40000, 50000) % 10)
    images, _ = cifar10.read("train", None)
    np.testing.assert_array_equal(images.reshape(-1), np.arange(40000))


@pytest.fixture
def network_cut(tmp_path, monkeypatch):
    """tensorflow-datasets' real code path, with every HTTP request failing as it does offline; returns the URLs asked for."""
    import requests

    asked = []

    def refuse(adapter, request, **kwargs):
        asked.append(request.url)
        raise requests.exceptions.ConnectionError(f"network cut by the test: {request.url}")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    monkeypatch.delenv(_sources.DATA_DIR_ENV, raising=False)
    return asked


@pytest.mark.parametrize("name, files", [("mnist", "mnist.pkl.gz"), ("cifar10", "cifar-10-python.tar.gz")])
def test_offline_download_ends_at_once_with_one_line_naming_the_fix(network_cut, name, files):
    # The whole tensorflow-datasets path up to the network: a dependency it lacks fails here, not on a user's machine.
    with pytest.raises(FileNotFoundError) as error:
        datasets.load_numpy(name)
    message = str(error.value)
    assert network_cut, "tensorflow-datasets never reached the network"
    assert "\n" not in message and "--data-dir" in message and _sources.DATA_DIR_ENV in message and files in message
    # One retry per file, not tensorflow-datasets' ten with back-off (about 3.5 minutes offline).
    assert len(network_cut) <= 2 * len(set(network_cut))


@needs_data(folder=SHARED_DATA)
@pytest.mark.slow
def test_real_shared_mnist_matches_the_paper_protocol():
    path = SHARED_DATA / "mnist.pkl.gz"
    assert _sources.sha256(path) == _sources.KNOWN_SHA256["mnist.pkl.gz"]
    sizes = {}
    for split in ("train", "valid", "test"):
        images, labels = datasets.load_numpy("mnist", split, data_dir=SHARED_DATA)
        sizes[split] = len(images)
        assert images.max() == 1.0 and images.min() == 0.0
        # Every value is exactly some k/255 in float32.
        levels = np.rint(images * 255)
        np.testing.assert_array_equal(
            levels.astype(np.float32) / np.float32(255), images
        )
        if split == "valid":
            np.testing.assert_array_equal(labels[:5], [3, 8, 6, 9, 6])
    assert sizes == {"train": 50000, "valid": 10000, "test": 10000}


# --- CIFAR-10 ---------------------------------------------------------------


@pytest.mark.parametrize("as_tarball", [True, False])
def test_cifar_python_release_split_and_channel_order(tmp_path, as_tarball):
    rows = write_cifar_python(tmp_path, as_tarball=as_tarball)
    source = tmp_path / ("cifar-10-python.tar.gz" if as_tarball else "cifar-10-batches-py")
    assert source.exists()
    expected = {
        "train": ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4"],
        "valid": ["data_batch_5"],
        "test": ["test_batch"],
    }
    for split, names in expected.items():
        images, labels = datasets.load_numpy("cifar10", split, data_dir=tmp_path)
        data = np.concatenate([rows[n][b"data"] for n in names])
        assert images.shape == (len(data), 32, 32, 3)
        # Rows are 1024 red, then 1024 green, then 1024 blue values.
        np.testing.assert_array_equal(images[:, 0, 1, 0] * 255, data[:, 1])
        np.testing.assert_array_equal(images[:, 0, 0, 2] * 255, data[:, 2048])
        np.testing.assert_array_equal(
            labels, np.concatenate([rows[n][b"labels"] for n in names])
        )


@pytest.mark.parametrize("as_tarball", [True, False])
def test_cifar_jpeg_copy_holds_out_last_fifth_of_each_class(tmp_path, as_tarball):
    # 8 per class: valid is the last 8 // 5 = 1 (as 1,000 of 5,000).
    write_cifar_jpeg(tmp_path, per_class=8, test_per_class=2, as_tarball=as_tarball)
    train, train_labels = datasets.load_numpy("cifar10", "train", data_dir=tmp_path)
    valid, valid_labels = datasets.load_numpy("cifar10", "valid", data_dir=tmp_path)
    test, _ = datasets.load_numpy("cifar10", "test", data_dir=tmp_path)
    assert (len(train), len(valid), len(test)) == (70, 10, 20)
    np.testing.assert_array_equal(train_labels, np.repeat(np.arange(10), 7))
    np.testing.assert_array_equal(valid_labels, np.arange(10))
    # Each image's colour encodes its class and file index: valid is file 7.
    for images, labels, indices in (
        (train, train_labels, np.tile(np.arange(7), 10)),
        (valid, valid_labels, np.full(10, 7)),
    ):
        expected = np.array([cifar_colour(c, i) for c, i in zip(labels, indices)])
        np.testing.assert_allclose(images.mean(axis=(1, 2)) * 255, expected, atol=3)


def test_cifar_prefers_the_lossless_release(tmp_path):
    write_cifar_jpeg(tmp_path)
    write_cifar_python(tmp_path, per_batch=3)
    images, _ = datasets.load_numpy("cifar10", "valid", data_dir=tmp_path)
    assert len(images) == 3


def test_cifar_batch_missing_from_release_is_named(tmp_path):
    write_cifar_python(tmp_path)
    path = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(path) as archive:
        files = {m.name: archive.extractfile(m).read() for m in archive if m.isfile()}
    del files["cifar-10-batches-py/data_batch_5"]
    write_tree(path, files, as_tarball=True)
    with pytest.raises(ValueError, match=r"'data_batch_5' is missing.*6d958be0"):
        datasets.load_numpy("cifar10", data_dir=tmp_path)


def test_truncated_jpeg_tarball_names_file_and_checksum(tmp_path):
    path = write_cifar_jpeg(tmp_path)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ValueError, match=r"cifar10-jpeg\.tar\.gz.*7854ea05"):
        datasets.load_numpy("cifar10", data_dir=tmp_path)


def test_corrupt_jpeg_is_reported_as_invalid_file(tmp_path):
    write_cifar_jpeg(tmp_path, as_tarball=False)
    (tmp_path / "cifar10/train/cat/0001.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    with pytest.raises(ValueError, match=r"'train/cat/0001.jpg' is not a \(32, 32, 3\) image"):
        datasets.load_numpy("cifar10", data_dir=tmp_path)


def test_wrong_image_size_is_reported(tmp_path):
    write_cifar_jpeg(tmp_path, as_tarball=False)
    (tmp_path / "cifar10/test/cat/0000.jpg").write_bytes(jpeg_bytes(0, 3, 16))
    with pytest.raises(ValueError, match=r"'test/cat/0000.jpg' is not a \(32, 32, 3\) image"):
        datasets.load_numpy("cifar10", "test", data_dir=tmp_path)


def test_gcn_matches_pylearn2_and_maps_back_to_display_range(tmp_path):
    x = np.random.default_rng(4).integers(0, 256, (3, 4, 4, 3)).astype(np.float32)
    x[2] = 7.0  # a constant image: pylearn2 only centres it
    y = output_space.global_contrast_normalize(x)
    flat = y.reshape(3, -1)
    np.testing.assert_allclose(flat.mean(axis=1), 0, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(flat[:2], axis=1), 55.0, rtol=1e-5)
    np.testing.assert_array_equal(flat[2], 0.0)
    # The scale of the input does not matter.
    np.testing.assert_allclose(output_space.global_contrast_normalize(x / 255), y, atol=1e-4)

    shown = output_space.gcn_to_display(y)
    assert shown.min() >= 0.0 and shown.max() <= 1.0
    np.testing.assert_array_equal(shown[2], 0.5)
    # Each image's most extreme pixel touches 0 or 1.
    extremes = np.abs(shown[:2].reshape(2, -1) - 0.5).max(axis=1)
    np.testing.assert_allclose(extremes, 0.5)

    write_cifar_python(tmp_path)
    plain, _ = datasets.load_numpy("cifar10", "test", data_dir=tmp_path)
    normalised, _ = datasets.load_numpy("cifar10", "test", data_dir=tmp_path, gcn=True)
    np.testing.assert_allclose(
        normalised, output_space.global_contrast_normalize(plain), rtol=1e-5, atol=1e-5
    )
    batch = next(iter(datasets.load("cifar10", "test", data_dir=tmp_path, gcn=True, batch_size=3)))
    np.testing.assert_allclose(batch.numpy(), normalised, rtol=1e-6)


# --- FER-2013 and TFD -------------------------------------------------------


@pytest.mark.parametrize("as_tarball", [True, False])
def test_fer_splits_follow_the_challenge(tmp_path, as_tarball):
    write_fer(tmp_path, per_class=2, as_tarball=as_tarball)
    for split in ("train", "valid", "test"):
        images, labels = datasets.load_numpy("fer2013", split, data_dir=tmp_path)
        assert images.shape == (14, 48, 48, 1)
        np.testing.assert_array_equal(labels, np.repeat(np.arange(7), 2))
        expected = [fer_level(split, label) for label in labels]
        np.testing.assert_allclose(images.mean(axis=(1, 2, 3)) * 255, expected, atol=2)


def test_fer_file_outside_the_layout_is_rejected(tmp_path):
    write_fer(tmp_path, as_tarball=False)
    (tmp_path / "fer2013/train/happy/PublicTest_1.jpg").write_bytes(jpeg_bytes(0, 1, 48))
    with pytest.raises(ValueError, match=r"unexpected image 'fer2013/train/happy/PublicTest_1"):
        datasets.load_numpy("fer2013", data_dir=tmp_path)


def test_tfd_folds_follow_pylearn2(tmp_path):
    data = write_tfd(tmp_path)
    fold_values = {"unlabeled": 0, "train": 1, "valid": 2, "test": 3}
    for fold in (0, 3):
        for split, value in fold_values.items():
            images, labels = datasets.load_numpy("tfd", split, data_dir=tmp_path, fold=fold)
            rows = data["folds"][:, fold] == value
            np.testing.assert_array_equal(
                images[..., 0], data["images"][rows].astype(np.float32) / 255
            )
            if split == "unlabeled":
                assert labels is None
            else:
                np.testing.assert_array_equal(labels, data["labs_ex"][rows, 0] - 1)
    with pytest.raises(ValueError, match="no labels"):
        datasets.load("tfd", "unlabeled", data_dir=tmp_path, with_labels=True)


def test_tfd_arguments_and_bad_files(tmp_path):
    with pytest.raises(ValueError, match=r"`fold` must be an int from 0 to 4. Received: fold=5"):
        datasets.load_numpy("tfd", data_dir=tmp_path, fold=5)
    with pytest.raises(ValueError, match="`fold` only applies to name='tfd'"):
        datasets.load_numpy("mnist", data_dir=tmp_path, fold=1)
    with pytest.raises(FileNotFoundError, match=r"TFD_48x48\.mat.*licence"):
        datasets.load_numpy("tfd", data_dir=tmp_path)
    scipy.io.savemat(tmp_path / "TFD_48x48.mat", {"images": np.zeros((2, 48, 48))})
    with pytest.raises(ValueError, match=r"lacks the variables \['folds', 'labs_ex'\]"):
        datasets.load_numpy("tfd", data_dir=tmp_path)
    (tmp_path / "TFD_48x48.mat").write_bytes(b"garbage" * 30)
    with pytest.raises(ValueError, match=r"TFD_48x48\.mat: it is not a readable MATLAB file"):
        datasets.load_numpy("tfd", data_dir=tmp_path)


# --- cache ------------------------------------------------------------------


@pytest.mark.slow
def test_decoded_arrays_are_cached_and_rebuilt_when_needed(tmp_path, monkeypatch):
    write_fer(tmp_path, per_class=1, as_tarball=False)
    first, _ = datasets.load_numpy("fer2013", data_dir=tmp_path)
    cache = tmp_path / "cache"
    (cache_file,) = cache.iterdir()  # one .npz and no temporary files left
    assert cache_file.name.startswith("fer2013-") and cache_file.suffix == ".npz"

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again although cached")

    with monkeypatch.context() as patch:
        patch.setattr(_images, "read_labelled_jpegs", no_decoding)
        again, _ = datasets.load_numpy("fer2013", data_dir=tmp_path)
    np.testing.assert_array_equal(first, again)

    cache_file.write_bytes(b"damaged")
    again, _ = datasets.load_numpy("fer2013", data_dir=tmp_path)
    np.testing.assert_array_equal(first, again)
    # A changed source gets a new cache entry.
    (tmp_path / "fer2013/train/angry/Training_100.jpg").write_bytes(jpeg_bytes(200, 1, 48))
    changed, _ = datasets.load_numpy("fer2013", data_dir=tmp_path)
    assert changed[0].mean() > 0.7 and first[0].mean() < 0.1
    assert len(list(cache.iterdir())) == 2


def test_unknown_checksum_warns_once(tmp_path):
    write_fer(tmp_path, per_class=1)
    with pytest.warns(UserWarning, match=r"sha256 \w+, not 81f3a48e\w+ \(the known"):
        datasets.load_numpy("fer2013", data_dir=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # cached: no second warning
        datasets.load_numpy("fer2013", data_dir=tmp_path)


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "sub" / "arrays.npz"
    _sources.atomic_write(target, lambda f: f.write(b"old"))

    def failing(f):
        f.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _sources.atomic_write(target, failing)
    assert target.read_bytes() == b"old"
    assert os.listdir(target.parent) == ["arrays.npz"]


# --- tf.data pipeline -------------------------------------------------------


@pytest.fixture
def mnist_dir(tmp_path):
    write_mnist(tmp_path, sizes=(23, 3, 2))
    return tmp_path


def test_pipeline_batches_match_numpy(mnist_dir):
    images, labels = datasets.load_numpy("mnist", data_dir=mnist_dir)
    dataset = datasets.load("mnist", data_dir=mnist_dir, batch_size=10, with_labels=True)
    batches = list(dataset)
    assert [len(x) for x, _ in batches] == [10, 10, 3]
    assert batches[0][0].dtype == tf.float32 and batches[0][0].shape[1:] == (28, 28, 1)
    np.testing.assert_array_equal(np.concatenate([x for x, _ in batches]), images)
    np.testing.assert_array_equal(np.concatenate([y for _, y in batches]), labels)

    dropped = datasets.load("mnist", data_dir=mnist_dir, batch_size=10, drop_remainder=True)
    assert [len(x) for x in dropped] == [10, 10]
    single = next(iter(datasets.load("mnist", data_dir=mnist_dir)))
    np.testing.assert_array_equal(single, images[0])


def epochs(dataset, count=2):
    return [np.concatenate([b.numpy() for b in dataset]) for _ in range(count)]


def test_shuffle_is_reproducible_with_a_seed_and_differs_by_epoch(mnist_dir):
    images, _ = datasets.load_numpy("mnist", data_dir=mnist_dir)
    def make(seed):
        return datasets.load(
            "mnist", data_dir=mnist_dir, batch_size=5, shuffle=True, seed=seed
        )
    first, second = epochs(make(7))
    np.testing.assert_array_equal(epochs(make(7))[0], first)
    assert not np.array_equal(first, second)
    assert not np.array_equal(epochs(make(8))[0], first)
    # Every epoch is a permutation of the split.
    def key(x):
        return sorted(map(bytes, x.reshape(len(x), -1)))
    assert key(first) == key(second) == key(images)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "svhn"}, r"`name` must be one of \('mnist', 'cifar10', 'tfd', 'fer2013'\)"),
        ({"name": "mnist", "split": "unlabeled"}, r"`split` must be one of \('train', 'valid', 'test'\)"),
        ({"name": "mnist", "batch_size": 0}, r"`batch_size` must be a positive int"),
    ],
)
def test_bad_arguments_name_the_problem(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        datasets.load(data_dir=tmp_path, **kwargs)


def test_registry_describes_every_dataset():
    assert set(datasets.DATASETS) == {"mnist", "cifar10", "tfd", "fer2013"}
    assert datasets.DATASETS["cifar10"].image_shape == (32, 32, 3)
    assert "unlabeled" in datasets.DATASETS["tfd"].splits


# --- image_folder -----------------------------------------------------------


def save(path: Path, array: np.ndarray, **kwargs) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **kwargs)


def test_image_folder_reads_all_formats_recursively(tmp_path):
    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, (6, 5, 3)).astype(np.uint8)
    save(tmp_path / "a.png", rgb)
    save(tmp_path / "deep/er/b.BMP", rgb)
    Image.fromarray(rgb).convert("P").save(tmp_path / "c.gif")
    Image.fromarray(rgb).quantize(16).save(tmp_path / "d.bmp")  # palette BMP
    save(tmp_path / "e.jpg", rgb, quality=100)
    (tmp_path / "notes.txt").write_text("not an image")
    batch = next(iter(datasets.image_folder(tmp_path, batch_size=10))).numpy()
    assert batch.shape == (5, 6, 5, 3) and batch.dtype == np.float32
    # Sorted order: a.png, c.gif, d.bmp, deep/er/b.BMP, e.jpg.
    np.testing.assert_array_equal(batch[0], rgb / np.float32(255))
    np.testing.assert_array_equal(batch[3], rgb / np.float32(255))
    palette = np.asarray(Image.fromarray(rgb).quantize(16).convert("RGB"))
    np.testing.assert_array_equal(batch[2], palette / np.float32(255))
    # JPEGs decode exactly as libjpeg's standard (Pillow's) decoder does.
    with Image.open(tmp_path / "e.jpg") as jpeg:
        np.testing.assert_array_equal(batch[4], np.asarray(jpeg) / np.float32(255))

    grey = next(iter(datasets.image_folder(tmp_path, grayscale=True, batch_size=10)))
    assert grey.shape == (5, 6, 5, 1)
    assert 0.0 <= grey.numpy().min() and grey.numpy().max() <= 1.0


def test_image_folder_sizes_must_agree_unless_resized(tmp_path):
    save(tmp_path / "big.png", np.zeros((8, 10, 3), np.uint8))
    save(tmp_path / "small.png", np.full((4, 4), 255, np.uint8))
    with pytest.raises(ValueError, match=r"differ in size.*image_size=\(height, width\)"):
        datasets.image_folder(tmp_path)
    images = list(datasets.image_folder(tmp_path, image_size=(6, 6)))
    assert [x.shape for x in images] == [(6, 6, 3)] * 2
    np.testing.assert_allclose(images[1], 1.0, atol=1e-6)
    assert list(datasets.image_folder(tmp_path, image_size=3))[0].shape == (3, 3, 3)
    with pytest.raises(ValueError, match=r"`image_size` must be a positive int"):
        datasets.image_folder(tmp_path, image_size=(0, 4))


def test_image_folder_errors_for_missing_or_empty_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="must be an existing folder"):
        datasets.image_folder(tmp_path / "nowhere")
    (tmp_path / "readme.md").write_text("no images here")
    with pytest.raises(FileNotFoundError, match=r"No images in .*\.png"):
        datasets.image_folder(tmp_path)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match=r"Cannot read .*broken\.png"):
        datasets.image_folder(tmp_path)


def test_image_folder_shuffle_is_seeded(tmp_path):
    for index in range(12):
        save(tmp_path / f"{index:02d}.png", np.full((2, 2), index * 20, np.uint8))
    def make():
        return datasets.image_folder(tmp_path, shuffle=True, seed=3, batch_size=12)
    first, second = epochs(make())
    np.testing.assert_array_equal(epochs(make())[0], first)
    assert not np.array_equal(first, second)
    assert sorted(first[:, 0, 0, 0]) == sorted(second[:, 0, 0, 0])
