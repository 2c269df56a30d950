"""Writing files and folders so that a crash never leaves one half-written: temporary copy, then rename.

A failed write (a full disk, a read-only folder) leaves the target as it was
and raises `WriteError`, one line naming the target, the reason and the fix.
`folder_lock` lets one process at a time write a folder; `staging_folder` is
the claimed temporary folder that `atomic_folder`, `keras-gan publish` and
`keras-gan export` fill before renaming it into place.
"""

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import keras

# Errors of a block written into `atomic_folder` that can only come from writing.
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
# How long a writer waits for another one to create, or rename into place, its folder in the same parent.
LOCK_WAIT_SECONDS = 60.0


class WriteError(OSError):
    """A file or folder could not be written; what was there before is unchanged.

    `str(error)` is one line; `errno` is the failed write's, and `reason` its
    description (e.g. "No space left on device").

    Args:
        path: Path. What could not be written.
        error: OSError. The failure (or a `WriteError`, whose reason is kept).
        kept: str. What is left as it was, for the message. Defaults to
            "it is unchanged".

    Example:
    >>> error = WriteError(Path("run.json"), OSError(28, "No space left on device"))
    >>> str(error).split("; ")[0]
    'Cannot write run.json (No space left on device)'
    >>> error.errno
    28
    """

    def __init__(self, path: Path, error: OSError, kept: str = "it is unchanged"):
        self.reason = getattr(error, "reason", None) or " ".join(
            (error.strerror or str(error) or type(error).__name__).split()
        )
        super().__init__(
            error.errno,
            f"Cannot write {path} ({self.reason}); {kept}: free some space or choose a writable folder, "
            "then try again",
        )

    def __str__(self) -> str:
        return self.args[1]


class FolderLockedError(OSError):
    """Another process holds the folder's lock (see `folder_lock`)."""


def _discard(temp: Path) -> None:
    """Remove a temporary file if it was created (its folder may not even exist)."""
    with contextlib.suppress(OSError):
        temp.unlink(missing_ok=True)


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Write a file through `write(file)` so that `path` is never half-written.

    The bytes go to a temporary file in the same folder, which then replaces
    `path` in one rename; parent folders are created. If writing fails,
    `path` is left as it was.

    Raises:
        WriteError: the file cannot be written (e.g. the disk is full).

    Example:
    >>> import tempfile
    >>> atomic_write(Path(tempfile.mkdtemp()) / "a.txt", lambda f: f.write(b"hi")).read_bytes()
    b'hi'
    """
    path = Path(path)

    def write_new(temp: Path) -> None:
        # Unlike `tempfile.mkstemp`, `open` keeps the usual umask permissions.
        with open(temp, "xb") as f:
            write(f)

    # A unique hidden name in the same folder, so that the rename is atomic.
    return _replace_through(path, path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp"), write_new)


def atomic_write_json(data: dict, path: Path) -> Path:
    """Write `data` as indented, key-sorted JSON, atomically (see `atomic_write`)."""
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    return atomic_write(path, lambda f: f.write(text.encode()))


def atomic_save_model(model: keras.Model, path: Path) -> Path:
    """`model.save(path)` through a temporary `.keras` file in the same folder.

    Raises:
        WriteError: the file cannot be written (e.g. the disk is full);
            `path` is left as it was.
    """
    path = Path(path)
    # Keras needs the temporary name to end in ".keras" too.
    return _replace_through(path, path.with_name(f".{uuid.uuid4().hex}.{path.name}"), model.save)


def _replace_through(path: Path, temp: Path, write: Callable[[Path], object]) -> Path:
    """`write(temp)`, then `temp` replaces `path` in one rename; after a failure `temp` is gone and `path` as it was."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(temp)
        os.replace(temp, path)
    except BaseException as error:
        _discard(temp)
        if isinstance(error, OSError) and not isinstance(error, WriteError):
            raise WriteError(path, error) from error
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
def staging_folder(
    temp: Path, busy: str | None = None, wait: float = 0.0, tidy: Callable[[], object] | None = None
) -> Iterator[Path]:
    """Create the folder `temp` for the block to fill and rename into place, claimed by this process meanwhile.

    The claim (`claim_folder`) is held until the block ends, after its
    rename, so that another writer never takes a live `temp` for a killed
    writer's leftover (`remove_unclaimed`). If the block fails, `temp` is
    removed and the error passes through unchanged.

    Args:
        temp: Path. The new folder; its parent is created if missing.
        busy: str or None. With a message, `tidy()` and the creation run
            under `folder_lock(temp.parent, busy, wait)`. Defaults to None
            (no lock).
        wait: float. Seconds to wait for that lock. Defaults to 0.
        tidy: callable or None. Run before the creation, e.g. to remove
            killed writers' leftovers. Defaults to None.

    Raises:
        FolderLockedError: another writer held the lock for `wait` seconds.
        WriteError: `temp` cannot be created.

    Example:
    >>> import tempfile
    >>> parent = Path(tempfile.mkdtemp())
    >>> with staging_folder(parent / ".tmp-1") as temp:
    ...     claim_folder(temp) is None  # held by this writer
    ...     _ = temp.rename(parent / "1")
    True
    >>> sorted(p.name for p in parent.iterdir())
    ['1']
    """
    temp = Path(temp)
    lock = contextlib.nullcontext() if busy is None else folder_lock(temp.parent, busy, wait)
    try:
        with lock:
            if tidy is not None:
                tidy()
            temp.parent.mkdir(parents=True, exist_ok=True)
            temp.mkdir()
            claim = claim_folder(temp)
    except FolderLockedError:
        raise
    except OSError as error:
        raise WriteError(temp.parent, error) from error
    try:
        yield temp
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    finally:
        if claim is not None:
            os.close(claim)


@contextlib.contextmanager
def atomic_folder(
    path: Path, busy: str | None = None, wait: float = 0.0, tidy: Callable[[], object] | None = None
) -> Iterator[Path]:
    """Fill a folder so that `path` is replaced whole or not at all.

    Yields a new temporary folder beside `path` to write into
    (`staging_folder`, which `busy`, `wait` and `tidy` are passed to). When
    the block ends without an error, the temporary folder takes the place of
    `path` (an existing `path` is removed); after an error it is removed and
    `path` is left as it was.

    Raises:
        FolderLockedError: as `staging_folder`'s.
        WriteError: the folder cannot be written, or the block failed for a
            full disk (`errno.ENOSPC`, `EDQUOT`, `EFBIG`); other errors of the
            block pass through unchanged. Either way `path` is as it was.

    Example:
    >>> import tempfile
    >>> with atomic_folder(Path(tempfile.mkdtemp()) / "mnist") as folder:
    ...     _ = (folder / "metadata.json").write_text("{}")
    >>> sorted(p.name for p in folder.parent.iterdir())
    ['mnist']
    """
    path = Path(path)
    old = path.with_name(f".{path.name}.{uuid.uuid4().hex}.old")
    try:
        with staging_folder(path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp"), busy, wait, tidy) as temp:
            yield temp
            try:
                if path.exists():
                    os.replace(path, old)
                try:
                    os.replace(temp, path)
                except OSError:
                    if old.exists():
                        os.replace(old, path)
                    raise
            except OSError as error:
                raise WriteError(path, error) from error
    except OSError as error:
        # The creation's and the rename's failures are `WriteError`s already; the block's count if the disk is full.
        if isinstance(error, WriteError) or error.errno in _DISK_FULL:
            raise WriteError(path, error) from error
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def folder_lock(path: Path, busy: str, wait: float = 0.0) -> Iterator[Path]:
    """Hold an exclusive lock on the folder `path` (created if missing) during the block.

    The lock is the kernel's `flock` on the folder itself: it leaves no file
    behind, and a process that dies, even by SIGKILL, releases it at once.
    Every process (or thread) that takes it for the same folder waits for,
    or is refused by, the others. It is advisory: only writers that take it
    are kept out. (Local file systems; some network ones ignore `flock`.)

    Args:
        path: str or Path. The folder.
        busy: str. The message of the `FolderLockedError` raised when the
            lock is held elsewhere: one line naming the folder and the fix.
        wait: float. Seconds to wait for the lock before giving up. Defaults
            to 0 (refuse at once).

    Raises:
        FolderLockedError: another holder kept the lock for `wait` seconds.
        WriteError: the folder cannot be created.

    Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with folder_lock(folder, "busy"):  # doctest: +ELLIPSIS
    ...     with folder_lock(folder, f"{folder.name} is busy"):
    ...         pass
    Traceback (most recent call last):
    ...
    keras_gan._io.FolderLockedError: ... is busy
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WriteError(path, error) from error
    # Not inherited by subprocesses (PEP 446), so a child never keeps it held.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise FolderLockedError(busy) from None
                time.sleep(0.01)
        yield path
    finally:
        os.close(fd)  # Closing the last descriptor releases the lock.


def claim_folder(folder: Path) -> int | None:
    """Take the `flock` of `folder` without waiting: its descriptor (close it to release), or None if held or gone.

    A writer holds the claim of its temporary folder until the folder is
    renamed into place, and the kernel releases it when the writer dies, even
    by SIGKILL: a temporary folder nobody claims is a killed writer's leftover.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def remove_unclaimed(folders) -> list[Path]:
    """Remove each of `folders` that no live writer claims (see `claim_folder`); return the removed ones."""
    removed = []
    for folder in folders:
        fd = claim_folder(folder)
        if fd is None:
            continue  # A live writer's, or already gone.
        try:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            os.close(fd)
    return removed
