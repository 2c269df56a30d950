"""A full disk during `keras_gan._io`'s atomic writes: the previous state stays whole, the error is one line."""

import builtins
import errno
import os
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_gan import _io, datasets
from keras_gan._io import WriteError, atomic_folder, atomic_save_model, atomic_write_json
from keras_gan.datasets import _sources
from tests.helpers import write_mnist


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class FillsUp:
    """A file whose writes stop with ENOSPC after `room` bytes, as on a full disk."""

    def __init__(self, file, room: int = 4):
        self.file, self.room = file, room

    def write(self, data: bytes) -> int:
        self.file.write(data[: self.room])
        raise disk_full()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()


def listing(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def unchanged_line(path: Path) -> str:
    return (f"Cannot write {path} (No space left on device); it is unchanged: free some space or choose a "
            "writable folder, then try again")


def test_atomic_write_on_a_full_disk_keeps_the_old_file(tmp_path, monkeypatch):
    path = atomic_write_json({"epoch": 1}, tmp_path / "run.json")
    monkeypatch.setattr(_io, "open", lambda file, mode: FillsUp(builtins.open(file, mode)), raising=False)
    with pytest.raises(WriteError) as error:
        atomic_write_json({"epoch": 2}, path)
    assert str(error.value) == unchanged_line(path) and error.value.errno == errno.ENOSPC
    assert listing(tmp_path) == {"run.json": b'{\n  "epoch": 1\n}\n'}


def tiny_model(units: int = 1) -> keras.Model:
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(units)])


def test_atomic_save_model_on_a_full_disk_keeps_the_old_file(tmp_path, monkeypatch):
    path = atomic_save_model(tiny_model(), tmp_path / "gan.keras")
    before = listing(tmp_path)
    model = tiny_model(3)

    def save_until_full(filepath, **kwargs):
        Path(filepath).write_bytes(b"PK\x03\x04 half a zip")
        raise disk_full()

    monkeypatch.setattr(model, "save", save_until_full)
    with pytest.raises(WriteError) as error:
        atomic_save_model(model, path)
    assert str(error.value) == unchanged_line(path)
    assert listing(tmp_path) == before
    assert keras.models.load_model(path).output_shape == (None, 1)


@pytest.fixture
def published(tmp_path) -> Path:
    """A complete folder, as `keras-gan publish` leaves it."""
    with atomic_folder(tmp_path / "mnist") as folder:
        (folder / "metadata.json").write_text('{"version": 1}')
        atomic_save_model(tiny_model(), folder / "generator.keras")
    return tmp_path / "mnist"


def test_atomic_folder_on_a_full_disk_keeps_the_old_folder(published, monkeypatch):
    before = listing(published.parent)
    with pytest.raises(WriteError) as error:
        with atomic_folder(published) as folder:
            (folder / "metadata.json").write_text('{"version": 2}')
            with FillsUp(open(folder / "generator.keras", "wb")) as f:
                f.write(b"weights of version 2")
    assert str(error.value) == unchanged_line(published)
    assert listing(published.parent) == before  # No temporary folder is left either.


def test_atomic_folder_names_itself_when_a_nested_write_fails(published, monkeypatch):
    model = tiny_model(3)
    monkeypatch.setattr(model, "save", lambda filepath, **kwargs: (_ for _ in ()).throw(disk_full()))
    before = listing(published.parent)
    with pytest.raises(WriteError) as error:
        with atomic_folder(published) as folder:
            atomic_save_model(model, folder / "generator.keras")
    assert str(error.value) == unchanged_line(published)
    assert listing(published.parent) == before


def test_atomic_folder_keeps_the_old_folder_if_the_final_rename_fails(published, monkeypatch):
    before = listing(published.parent)
    real_replace = os.replace
    calls = []

    def replace(source, target):
        calls.append(target)
        if len(calls) == 2:  # The first moves the old folder aside, the second brings the new one in.
            raise disk_full()
        real_replace(source, target)

    monkeypatch.setattr(_io.os, "replace", replace)
    with pytest.raises(WriteError) as error:
        with atomic_folder(published) as folder:
            (folder / "metadata.json").write_text('{"version": 2}')
    monkeypatch.undo()
    assert str(error.value) == unchanged_line(published)
    assert listing(published.parent) == before


def test_atomic_folder_passes_other_errors_through(published):
    before = listing(published.parent)
    with pytest.raises(ValueError, match="not finished"):
        with atomic_folder(published):
            raise ValueError("the run is not finished")
    assert listing(published.parent) == before


def test_dataset_cache_that_cannot_be_written_only_warns(tmp_path, monkeypatch):
    write_mnist(tmp_path)
    cache = tmp_path / "cache"
    cache.write_text("a file where the cache folder should be")
    monkeypatch.setenv(_sources.CACHE_DIR_ENV, str(cache))
    with pytest.warns(UserWarning, match="The decoded mnist arrays are not cached; set KERAS_GAN_CACHE_DIR"):
        images, labels = datasets.load_numpy("mnist", "valid", data_dir=tmp_path)
    assert images.shape == (3, 28, 28, 1) and np.array_equal(labels, np.arange(3))
    assert cache.read_text() == "a file where the cache folder should be"
