"""Writing files and folders so that a crash never leaves one half-written: temporary copy, then rename."""

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import keras


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Write a file through `write(file)` so that `path` is never half-written.

    The bytes go to a temporary file in the same folder, which then replaces
    `path` in one rename; parent folders are created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # A unique hidden name in the same folder (so the rename is atomic);
    # unlike `tempfile.mkstemp`, `open` keeps the usual umask permissions.
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temp, "xb") as f:
            write(f)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_json(data: dict, path: Path) -> Path:
    """Write `data` as indented, key-sorted JSON, atomically."""
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    return atomic_write(path, lambda f: f.write(text.encode()))


def atomic_save_model(model: keras.Model, path: Path) -> Path:
    """`model.save(path)` through a temporary `.keras` file in the same folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Keras needs the temporary name to end in ".keras" too.
    temp = path.with_name(f".{uuid.uuid4().hex}.{path.name}")
    try:
        model.save(temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def sha256(path: Path) -> str:
    """Return the hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_folder(path: Path) -> Iterator[Path]:
    """Fill a folder so that `path` is replaced whole or not at all.

    Yields a new temporary folder beside `path` to write into. When the
    block ends without an error, the temporary folder takes the place of
    `path` (an existing `path` is removed); after an error it is removed and
    `path` is left as it was.

    Example:
    >>> with atomic_folder(Path("saved_models/mnist")) as folder:
    ...     (folder / "metadata.json").write_text("{}")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    temp.mkdir()
    try:
        yield temp
    except BaseException:
        shutil.rmtree(temp)
        raise
    old = path.with_name(f".{path.name}.{uuid.uuid4().hex}.old")
    if path.exists():
        os.replace(path, old)
    os.replace(temp, path)
    shutil.rmtree(old, ignore_errors=True)
