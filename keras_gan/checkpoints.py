"""Checkpoints that are verified before they are trusted, and one writer per run folder.

HDF5 and `.keras` files hold no checksum of their data: a flipped byte loads
as a different weight, without an error. So every file written here gets a
sha256 record beside it, `<file>.sha256` (`<hex>  <file name>`, as
`sha256sum` writes it: `sha256sum -c latest.weights.h5.sha256`, run in the
file's folder, checks it by hand), written atomically after the file is
complete, and every load checks it first.

- `write_checksum` / `verify_file`: record and check any file, such as a run
  folder's `gan.keras` and `generator.keras` (`save_model` does
  `atomic_save_model` and `write_checksum` in one call).
- `VerifiedBackupAndRestore`: Keras' `BackupAndRestore` whose checkpoint is
  recorded and verified, and whose writing survives a kill at any point.
- `BestCheckpoint`: the model of the epoch with the best validation score,
  kept beside the run's latest checkpoint, for choosing what ships.
- `lock_run_folder`: one writer per run folder.
"""

import contextlib
import json
import os
import re
import shutil
import uuid
import warnings
import zipfile
from pathlib import Path
from typing import Iterator

import keras

from keras_gan._io import (
    FolderLockedError,
    WriteError,
    atomic_save_model,
    atomic_write,
    atomic_write_json,
    folder_lock,
    sha256,
)

__all__ = [
    "CHECKSUM_SUFFIX",
    "BestCheckpoint",
    "CorruptFileError",
    "FolderLockedError",
    "VerifiedBackupAndRestore",
    "checksum_path",
    "lock_run_folder",
    "save_model",
    "verify_file",
    "write_checksum",
]

CHECKSUM_SUFFIX = ".sha256"
# The checkpoints of a finished run that can ship: its last epoch, and its best validation epoch (`BestCheckpoint`).
SHIPPABLE = ("last", "best")
_RECORD = re.compile(r"([0-9a-f]{64})  (.+)\n?")
_DEFAULT_FIX = "restore it from a copy, or write it again"


class CorruptFileError(ValueError):
    """A file differs from the sha256 recorded when it was written, or cannot be checked."""


def checksum_path(path: str | os.PathLike) -> Path:
    """The sha256 record of `path`: the same name plus `.sha256`, in the same folder.

    Example:
    >>> checksum_path("runs/mnist/gan.keras").as_posix()
    'runs/mnist/gan.keras.sha256'
    """
    path = Path(path)
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def write_checksum(path: str | os.PathLike, digest: str | None = None) -> str:
    """Record the sha256 of the complete file `path` beside it, atomically.

    Call it after `path` is fully written (and renamed into place), so that
    the record always describes a whole file.

    Args:
        path: str or Path. The file.
        digest: str or None. Its hex sha256 if already known (e.g. computed
            before a rename). Defaults to None (hash the file).

    Returns:
        The hex sha256.

    Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "a.bin"
    >>> _ = path.write_bytes(b"abc")
    >>> write_checksum(path)[:16], checksum_path(path).read_text()[-8:]
    ('ba7816bf8f01cfea', '  a.bin\\n')
    """
    path = Path(path)
    digest = sha256(path) if digest is None else digest
    atomic_write(checksum_path(path), lambda f: f.write(f"{digest}  {path.name}\n".encode()))
    return digest


def _recorded(path: Path, fix: str) -> str | None:
    """The sha256 recorded for `path`, or None if it has no record."""
    record = checksum_path(path)
    try:
        text = record.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise CorruptFileError(f"Cannot read {record}, the sha256 record of {path.name} ({error}); {fix}.") from error
    match = _RECORD.fullmatch(text)
    if match is None or match[2] != path.name:
        raise CorruptFileError(f"{record} is not a sha256 record of {path.name}; {fix}.")
    return match[1]


def verify_file(path: str | os.PathLike, required: bool = False, fix: str = _DEFAULT_FIX) -> str | None:
    """Check `path` against its sha256 record before it is loaded.

    Args:
        path: str or Path. The file.
        required: bool. Refuse a file without a record. Defaults to False
            (files written before records existed are accepted, unchecked).
        fix: str. What the user should do, the end of every error message.
            Defaults to "restore it from a copy, or write it again".

    Returns:
        The verified hex sha256, or None for an unrecorded file (with
        `required=False`).

    Raises:
        CorruptFileError: the file differs from its record, the record is
            unreadable, or (with `required=True`) there is none.
        FileNotFoundError: the file is missing.

    Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "gan.keras"
    >>> _ = path.write_bytes(b"weights"); _ = write_checksum(path)
    >>> verify_file(path) == sha256(path)
    True
    >>> _ = path.write_bytes(b"weighty")
    >>> verify_file(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    keras_gan.checkpoints.CorruptFileError: .../gan.keras is corrupt: its sha256 is ..., not the ... recorded ...
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; {fix}.")
    expected = _recorded(path, fix)
    if expected is None:
        if required:
            raise CorruptFileError(
                f"{path} has no sha256 record ({checksum_path(path).name} is missing), so it cannot be "
                f"checked; {fix}."
            )
        return None
    actual = sha256(path)
    if actual != expected:
        raise CorruptFileError(
            f"{path} is corrupt: its sha256 is {actual[:16]}..., not the {expected[:16]}... recorded in "
            f"{checksum_path(path).name} when it was written; {fix}."
        )
    return actual


def save_model(model: keras.Model, path: str | os.PathLike) -> Path:
    """`model.save(path)` atomically (`atomic_save_model`), then its sha256 record beside it.

    Example:
    >>> import tempfile
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> path = save_model(model, Path(tempfile.mkdtemp()) / "generator.keras")
    >>> verify_file(path, required=True) is not None
    True
    """
    path = atomic_save_model(model, Path(path))
    write_checksum(path)
    return path


def load_keras_file(path: str | os.PathLike) -> keras.Model:
    """`keras.models.load_model(path)`, with one clear line for a file that is not a whole `.keras` archive.

    Keras reports a truncated or foreign file as "File not found" though it
    exists; a `.keras` file is a zip archive, so that is checked first.

    Raises:
        ValueError: `path` is not a valid `.keras` file.

    Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "half.keras"
    >>> _ = path.write_bytes(b"PK\x03\x04 cut short")
    >>> load_keras_file(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: .../half.keras is not a valid .keras file: not a complete zip archive (truncated, or another format)...
    """
    path = Path(path)
    if path.is_file() and not zipfile.is_zipfile(path):
        raise ValueError(f"{path} is not a valid .keras file: not a complete zip archive (truncated, or another "
                         "format); save the model again with `model.save`, or restore the file.")
    return keras.models.load_model(path)


@contextlib.contextmanager
def lock_run_folder(out: str | os.PathLike) -> Iterator[Path]:
    """Hold the run folder `out` (created if missing) for one writer during the block.

    A second writer is refused at once; a writer that dies, even by SIGKILL,
    frees the folder at once (`keras_gan._io.folder_lock`). A block that
    fails before writing any file removes the folder it created, so a
    mistyped command leaves no empty run folder behind.

    Raises:
        FolderLockedError: another process holds the folder.

    Example:
    >>> import tempfile
    >>> with lock_run_folder(tempfile.mkdtemp()) as out:
    ...     pass  # train, checkpoint, save into `out`
    """
    out = Path(out)
    busy = (
        f"{out} is being written by another keras-gan process (it holds the run folder's lock): "
        "wait for it to finish or stop it, or pass another --out"
    )
    created = not out.exists()
    try:
        with folder_lock(out, busy) as path:
            yield path
    except BaseException:
        if created and out.is_dir() and not any(p.is_file() for p in out.rglob("*")):
            shutil.rmtree(out, ignore_errors=True)
        raise


class VerifiedBackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` that verifies its checkpoint and survives a kill mid-write.

    The checkpoint is Keras' own files in `backup_dir` (`latest.weights.h5`
    and `training_metadata.json`, with `.bkp` copies of the previous ones
    when `double_checkpoint`), each with a sha256 record beside it. A write
    goes to a temporary file, renamed into place, then recorded; a marker,
    `writing.json`, says which pair of files is being replaced. So after a
    kill at any point, `verify` finds either a complete checkpoint or the
    marker, and goes back to the last complete pair. Any other difference
    from the records is damage: `verify` refuses it with one line naming the
    file and the fix, before anything is loaded. Checkpoints written without
    records (older versions) are used unverified, with a warning.

    Call `verify()` (which returns the completed epochs) before writing
    anything else of the run; `on_train_begin` calls it again, then loads.
    It assumes one writer per `backup_dir`: hold `lock_run_folder`.

    Args:
        backup_dir: str or Path. Folder of the checkpoint, used by nothing else.
        save_freq: `"epoch"` or int. Checkpoint at every epoch end, or every
            `save_freq` batches. Defaults to `"epoch"`.
        double_checkpoint: bool. Keep the previous checkpoint too, so that a
            kill while the latest is written loses nothing complete. Defaults
            to True.
        delete_checkpoint: bool. Delete `backup_dir` when `fit` completes.
            Defaults to False (a finished run keeps its last checkpoint).

    Example:
    >>> import tempfile
    >>> import numpy as np
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile("sgd", "mse")
    >>> backup = VerifiedBackupAndRestore(tempfile.mkdtemp())
    >>> backup.verify()
    0
    >>> _ = model.fit(np.ones((4, 2)), np.ones(4), epochs=2, verbose=0, callbacks=[backup])
    >>> backup.verify()
    2
    """

    def __init__(
        self,
        backup_dir: str | os.PathLike,
        save_freq: str | int = "epoch",
        double_checkpoint: bool = True,
        delete_checkpoint: bool = False,
    ):
        super().__init__(str(backup_dir), save_freq, double_checkpoint, delete_checkpoint)
        self._folder = Path(backup_dir)
        self._marker = self._folder / "writing.json"
        self._pairs = {
            "latest": (Path(self._weights_path), Path(self._training_metadata_path)),
            "previous": (Path(self._prev_weights_path), Path(self._prev_training_metadata_path)),
        }
        self._fix = f"restore it, or delete {self._folder} to start the run over"

    def verify(self) -> int:
        """Check the checkpoint, finish what a killed writer left, and return its completed epochs.

        Returns:
            The number of completed epochs the checkpoint holds (0 if none).

        Raises:
            CorruptFileError: a checkpoint file differs from its record, or
                a record or file of the pair is missing; nothing was loaded.
        """
        for temporary in self._folder.glob(".*"):
            # Left by a killed writer: `atomic_write`'s and `_save_model`'s temporary files.
            if temporary.name.endswith((".tmp", ".weights.h5")):
                temporary.unlink()
        writing = json.loads(self._marker.read_text()) if self._marker.exists() else {}
        if writing.get("pair") == "previous":
            # Killed while copying the latest pair to the previous one: the latest is whole.
            self._verify_pair("latest")
            self._remove_pair("previous")
        elif writing.get("pair") == "latest":
            # Killed while replacing the latest pair: go back to the one it replaced.
            if writing["replaces"] is None:
                self._remove_pair("latest")  # It was the first checkpoint: nothing was complete.
            elif self._exists("previous"):
                self._verify_pair("previous")
                self._copy_pair("previous", "latest")
            else:
                raise CorruptFileError(
                    f"The checkpoint in {self._folder} was being replaced when its process stopped and no "
                    f"previous copy is kept (double_checkpoint=False): delete {self._folder} to start the run over."
                )
        else:
            self._verify_pair("latest")
        self._marker.unlink(missing_ok=True)
        return self._epoch()

    def on_train_begin(self, logs=None):
        self.verify()
        self._load_model()

    def _save_model(self):
        weights, metadata = self._pairs["latest"]
        # Keras' `save_weights` wants a name ending in `.weights.h5`.
        temporary = self._folder / f".{uuid.uuid4().hex}.{weights.name}"
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            self.model.save_weights(str(temporary))
            digest = sha256(temporary)
            replaces = self._epoch() if weights.exists() else None
            if self.double_checkpoint and replaces is not None:
                atomic_write_json({"pair": "previous"}, self._marker)
                self._copy_pair("latest", "previous")
            atomic_write_json({"pair": "latest", "replaces": replaces}, self._marker)
            os.replace(temporary, weights)
            write_checksum(weights, digest)
            text = json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen})
            atomic_write(metadata, lambda f: f.write(text.encode()))
            write_checksum(metadata)
            self._marker.unlink()
        except OSError as error:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise WriteError(
                self._folder, error, "the last complete checkpoint is kept and running again resumes from it"
            ) from error

    def _exists(self, pair: str) -> bool:
        return any(path.exists() for path in self._pairs[pair])

    def _verify_pair(self, pair: str) -> None:
        files = self._pairs[pair]
        present = [path for path in files if path.exists()]
        if not present:
            return
        if len(present) == 1:
            (missing,) = set(files) - set(present)
            raise CorruptFileError(f"{missing} is missing beside {present[0].name}; {self._fix}.")
        if not any(checksum_path(path).exists() for path in files):
            warnings.warn(
                f"The checkpoint in {self._folder} has no sha256 records (an older keras-gan wrote it): "
                "it is used unchecked, and the next checkpoint is recorded.",
                stacklevel=3,
            )
            return
        for path in files:
            verify_file(path, required=True, fix=self._fix)

    def _copy_pair(self, source: str, target: str) -> None:
        for origin, copy in zip(self._pairs[source], self._pairs[target]):
            with open(origin, "rb") as f:
                atomic_write(copy, lambda out: shutil.copyfileobj(f, out))
            # The origin's record, not a new hash: damage to the origin stays detectable in the copy.
            write_checksum(copy, _recorded(origin, self._fix) or sha256(copy))

    def _remove_pair(self, pair: str) -> None:
        for path in self._pairs[pair]:
            path.unlink(missing_ok=True)
            checksum_path(path).unlink(missing_ok=True)

    def _epoch(self) -> int:
        metadata = self._pairs["latest"][1]
        if not metadata.exists():
            return 0
        try:
            return int(json.loads(metadata.read_text())["epoch"])
        except (ValueError, KeyError, TypeError) as error:
            raise CorruptFileError(
                f"{metadata} does not hold the checkpoint's epoch ({error}); {self._fix}."
            ) from error


class BestCheckpoint(keras.callbacks.Callback):
    """Keep the model of the epoch with the best `monitor` in `path`, with a record of that epoch.

    After each epoch whose `logs` hold `monitor` (a training run's
    validation Parzen estimate `parzen_ll`, or its validation FID `fid`)
    better than every earlier one, the model is saved to `path`
    (`save_model`: atomic, with its sha256 record), then `<path stem>.json`
    records the epoch, the monitor's name and value, and the file's sha256.
    The best value so far is read back from that record when training
    resumes, so a resumed run keeps choosing among all its epochs. A kill
    between the two writes leaves a file newer than its record; the resumed
    run trains that epoch again, reaches the same value and writes both
    again. Put it after the callbacks that add `monitor` to `logs`.

    Args:
        path: str or Path. The `.keras` file, such as `OUT/best.keras`.
        monitor: str. The `logs` key to watch. Defaults to `"parzen_ll"`.
        mode: str. `"max"` keeps the highest value, `"min"` the lowest.
            Defaults to `"max"`.

    Example:
    >>> import tempfile
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> best = BestCheckpoint(Path(tempfile.mkdtemp()) / "best.keras", monitor="fid", mode="min")
    >>> best.set_model(model)
    >>> best.on_train_begin()
    >>> for epoch, fid in enumerate([3.0, 1.0, 2.0]):
    ...     best.on_epoch_end(epoch, {"fid": fid})
    >>> {key: best.record()[key] for key in ("epoch", "monitor", "fid")}
    {'epoch': 2, 'monitor': 'fid', 'fid': 1.0}
    """

    def __init__(self, path: str | os.PathLike, monitor: str = "parzen_ll", mode: str = "max"):
        if mode not in ("max", "min"):
            raise ValueError(f"`mode` must be 'max' or 'min'. Received: mode={mode!r}")
        super().__init__()
        self.path = Path(path)
        self.monitor = monitor
        self.mode = mode
        self.record_path = self.path.with_suffix(".json")
        self.best = None

    def record(self) -> dict | None:
        """The record of the kept epoch (`epoch`: epochs completed, `monitor` and its value, `sha256`), or None.

        Records written before `monitor` was stored are of `parzen_ll`.
        """
        if not self.record_path.exists():
            return None
        return {"monitor": "parzen_ll", **json.loads(self.record_path.read_text())}

    def on_train_begin(self, logs=None):
        record = self.record()
        if record is not None and record["monitor"] != self.monitor:
            raise ValueError(f"{self.record_path} keeps the best `{record['monitor']}`, not `{self.monitor}`: resume the "
                             "run with its own settings, or pass a new --out.")
        self.best = None if record is None else record[self.monitor]

    def _better(self, value: float) -> bool:
        if self.best is None:
            return value == value  # anything but NaN
        return value > self.best if self.mode == "max" else value < self.best

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not self._better(float(value)):
            return  # not measured this epoch, NaN, or not better
        self.best = float(value)
        save_model(self.model, self.path)
        atomic_write_json({"epoch": epoch + 1, "monitor": self.monitor, self.monitor: self.best,
                           "sha256": sha256(self.path)}, self.record_path)
