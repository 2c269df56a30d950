"""No code runs from data: pickled datasets are read by an allow-list, arrays and models load safely."""

import gzip
import io
import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from keras_gan import datasets
from keras_gan.datasets import _sources
from keras_gan.datasets._pickle import safe_load
from tests.helpers import write_tree

PACKAGE = Path(__file__).resolve().parents[1] / "keras_gan"


def _matrix_pickle() -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # NumPy discourages matrices; the test needs one
        return pickle.dumps(np.matrix([1, 2]))


class CreatesFile:
    """Unpickled by `pickle`, this creates the file `path` (any function could run)."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return open, (str(self.path), "w")


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(_sources.CACHE_DIR_ENV, str(tmp_path / "cache"))


def test_mnist_pickle_that_would_create_a_file_is_refused_and_creates_nothing(tmp_path):
    created = tmp_path / "created"
    pairs = [(np.zeros((2, 784), np.float32), np.zeros(2, np.int64))] * 2 + [CreatesFile(created)]
    with gzip.open(tmp_path / "mnist.pkl.gz", "wb") as f:
        pickle.dump(pairs, f, protocol=2)
    with pytest.raises(ValueError) as error:
        datasets.load_numpy("mnist", data_dir=tmp_path)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(
        f"Cannot read {tmp_path / 'mnist.pkl.gz'}: it would call `io.open` while being read, which a dataset "
        "file never needs (that is how a pickle runs code), so it was not loaded. Expected the classic mnist.pkl.gz"
    )
    assert not created.exists()
    with gzip.open(tmp_path / "mnist.pkl.gz", "rb") as f:
        pickle.load(f)  # What `pickle` itself does with the file.
    assert created.exists()


def test_cifar_batch_that_would_run_code_is_refused(tmp_path):
    created = tmp_path / "created"
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    files = {f"cifar-10-batches-py/{name}": pickle.dumps({"data": CreatesFile(created)}) for name in names}
    write_tree(tmp_path / "cifar-10-python.tar.gz", files, as_tarball=True)
    with pytest.raises(ValueError, match=r"'data_batch_1': it would call `io\.open` while being read"):
        datasets.load_numpy("cifar10", data_dir=tmp_path)
    assert not created.exists()


ARRAYS = [
    np.arange(12, dtype=">i4").reshape(3, 4),
    np.asfortranarray(np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)),
    np.array([True, False]),
    np.zeros((0, 784), np.float32),
    np.array([1 + 2j], np.complex64),
]


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_data_pickles_of_every_protocol_read_back_equal(protocol):
    data = {
        b"data": ARRAYS, "labels": [np.int64(3), 4, 5.5], "names": (b"x.png", "y", None), "shared": [ARRAYS[0]] * 2,
    }
    loaded = safe_load(io.BytesIO(pickle.dumps(data, protocol=protocol)))
    for got, expected in zip(loaded[b"data"], ARRAYS):
        assert got.dtype == expected.dtype and got.flags.writeable
        np.testing.assert_array_equal(got, expected)
    assert loaded["labels"] == [3, 4, 5.5] and type(loaded["labels"][0]) is np.int64
    assert loaded["names"] == (b"x.png", "y", None)
    np.testing.assert_array_equal(loaded["shared"][1], ARRAYS[0])


def test_python2_style_pickle_reads_back():
    # The classic files' opcodes: a Python 2 `str` of raw array bytes, decoded as latin-1.
    array = np.arange(6, dtype=np.float32)
    text = pickle.dumps(array, protocol=3)
    assert text.count(b"C\x18") == 1
    text = text.replace(b"C\x18", b"U\x18")  # SHORT_BINBYTES -> SHORT_BINSTRING
    np.testing.assert_array_equal(safe_load(io.BytesIO(text)), array)


@pytest.mark.parametrize(
    "payload, message",
    [
        (pickle.dumps(np.array([None, 1], object)), "dtype 'O8', not of numbers"),
        (pickle.dumps(np.zeros(2, [("a", "f4")])), "dtype 'V4', not of numbers"),
        (pickle.dumps(np.ma.masked_array([1, 2])), "would call `numpy.ma.core._mareconstruct`"),
        (_matrix_pickle(), "would call `numpy.matrix`"),
        (pickle.dumps(print), "would call `builtins.print`"),
        (pickle.dumps(np.arange(4), protocol=2).replace(b"K\x01K\x04\x85", b"K\x01K\x05\x85"),
         "of shape (5,) and dtype int64 with 32 bytes"),
        (b"\x80\x02c__builtin__\nbytes\nK\x0a\x85R.", "not a valid data pickle (TypeError: "),
    ],
    ids=["object_array", "structured_array", "masked_array", "matrix", "function", "short_data", "bytes_of_size"],
)
def test_anything_but_plain_numeric_arrays_is_refused(payload, message):
    with pytest.raises(pickle.UnpicklingError, match=re.escape(message)):
        safe_load(io.BytesIO(payload))


def package_sources():
    return {path: path.read_text() for path in PACKAGE.rglob("*.py")}


def test_every_np_load_refuses_pickles():
    calls = [(path.name, line) for path, text in package_sources().items()
             for line in text.splitlines() if re.search(r"\bnp\.load\(", line)]
    assert calls, "no np.load found: the search is broken"
    assert all("allow_pickle=False" in line for _, line in calls), calls


def test_no_pickle_load_and_no_unsafe_keras_load_in_the_package():
    for path, text in package_sources().items():
        assert not re.search(r"\bpickle\.loads?\(", text), path
        assert "safe_mode=False" not in text, path
        assert "enable_unsafe_deserialization" not in text, path
