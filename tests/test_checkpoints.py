"""Tests for `keras_gan.checkpoints`: recorded and verified checkpoints, kills mid-write, the run lock."""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import keras
import numpy as np
import pytest

from keras_gan import GAN, checkpoints
from keras_gan._io import WriteError
from keras_gan.checkpoints import (
    BestCheckpoint,
    CorruptFileError,
    FolderLockedError,
    VerifiedBackupAndRestore,
    checksum_path,
    lock_run_folder,
    save_model,
    verify_file,
    write_checksum,
)
from tests.helpers import weights

ROOT = Path(__file__).resolve().parents[1]
DATA = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
CHECKPOINT = ("latest.weights.h5", "training_metadata.json")
PREVIOUS = tuple(f"{name}.bkp" for name in CHECKPOINT)


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no `except Exception` sees it."""


def die(*args, **kwargs):
    raise Killed


class StopAt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise Killed


def tiny_gan():
    keras.utils.set_random_seed(0)
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, "relu"), keras.layers.Dense(2)])
    discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, "relu"), keras.layers.Dense(1)])
    gan = GAN(generator, discriminator, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    return gan


def fit(gan, backup_dir, epochs, *callbacks, **options):
    backup = VerifiedBackupAndRestore(backup_dir, **options)
    gan.fit(DATA, batch_size=16, epochs=epochs, shuffle=False, verbose=0, callbacks=[backup, *callbacks])
    return gan


class EpochsRun(keras.callbacks.Callback):
    """Records the epochs `fit` runs, so that a resumed run is seen to skip the completed ones."""

    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


def interrupted(backup_dir, epochs, stop_at, **options):
    with pytest.raises(Killed):
        fit(tiny_gan(), backup_dir, epochs, StopAt(stop_at), **options)


@pytest.fixture(scope="module")
def three_epochs(tmp_path_factory):
    """The weights of an uninterrupted three-epoch run."""
    return weights(fit(tiny_gan(), tmp_path_factory.mktemp("reference") / "backup", 3))


def one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message, message
    return message


def flip(path: Path, size: int = 4096) -> None:
    data = bytearray(path.read_bytes())
    start = max(0, len(data) // 2 - size // 2)
    for i in range(start, min(len(data), start + size)):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.slow
def test_every_checkpoint_file_is_recorded_after_it_is_written(tmp_path):
    backup = tmp_path / "backup"
    fit(tiny_gan(), backup, 2)
    names = sorted(p.name for p in backup.iterdir())
    expected = [*CHECKPOINT, *PREVIOUS]
    assert names == sorted([*expected, *(f"{name}.sha256" for name in expected)])
    for name in expected:
        assert verify_file(backup / name, required=True) is not None
    assert json.loads((backup / "training_metadata.json").read_text())["epoch"] == 2
    assert json.loads((backup / "training_metadata.json.bkp").read_text())["epoch"] == 1
    if shutil.which("sha256sum"):  # The records are `sha256sum -c` files.
        records = [f"{name}.sha256" for name in expected]
        subprocess.run(["sha256sum", "--quiet", "-c", *records], cwd=backup, check=True)


@pytest.mark.slow
def test_interrupted_run_resumes_identically(tmp_path, three_epochs):
    backup = tmp_path / "backup"
    interrupted(backup, 3, stop_at=2)
    assert VerifiedBackupAndRestore(backup).verify() == 2
    run = EpochsRun()
    resumed = fit(tiny_gan(), backup, 3, run)
    assert run.epochs == [2]
    for got, expected in zip(weights(resumed), three_epochs):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", CHECKPOINT)
def test_damaged_checkpoint_is_refused_before_anything_is_loaded_or_logged(tmp_path, name):
    backup = tmp_path / "backup"
    fit(tiny_gan(), backup, 1)
    flip(backup / name)
    log = tmp_path / "log.csv"
    log.write_text("epoch,d_loss\n0,1.0\n")
    gan = tiny_gan()
    before = weights(gan)
    with pytest.raises(CorruptFileError) as error:
        fit(gan, backup, 2, keras.callbacks.CSVLogger(log, append=True))
    message = one_line(error)
    assert message.startswith(f"{backup / name} is corrupt: its sha256 is ")
    assert message.endswith(f"recorded in {name}.sha256 when it was written; restore it, or delete {backup} "
                            "to start the run over.")
    assert all(np.array_equal(a, b) for a, b in zip(weights(gan), before))
    assert log.read_text() == "epoch,d_loss\n0,1.0\n"
    with pytest.raises(CorruptFileError, match="is corrupt"):
        VerifiedBackupAndRestore(backup).verify()


def test_missing_record_or_file_is_refused(tmp_path):
    backup = tmp_path / "backup"
    fit(tiny_gan(), backup, 1)
    checksum_path(backup / "latest.weights.h5").unlink()
    with pytest.raises(CorruptFileError) as error:
        VerifiedBackupAndRestore(backup).verify()
    assert "latest.weights.h5 has no sha256 record (latest.weights.h5.sha256 is missing)" in one_line(error)
    (backup / "latest.weights.h5").unlink()
    with pytest.raises(CorruptFileError) as error:
        VerifiedBackupAndRestore(backup).verify()
    assert one_line(error).endswith(f"latest.weights.h5 is missing beside training_metadata.json; restore it, "
                                    f"or delete {backup} to start the run over.")


# The n-th sha256 record written by the second checkpoint, which first copies the
# latest pair to the previous one (records 1 and 2), then replaces it (3 and 4).
@pytest.mark.parametrize("killed_at", [1, 2, 3, 4])
@pytest.mark.slow
def test_kill_while_a_checkpoint_is_written_resumes_from_the_last_complete_one(
    tmp_path, monkeypatch, three_epochs, killed_at
):
    backup = tmp_path / "backup"
    fit(tiny_gan(), backup, 1)
    calls = []

    def write_or_die(path, digest=None):
        calls.append(path)
        if len(calls) == killed_at:
            raise Killed
        return write_checksum(path, digest)

    monkeypatch.setattr(checkpoints, "write_checksum", write_or_die)
    with pytest.raises(Killed):
        fit(tiny_gan(), backup, 3)
    monkeypatch.undo()
    assert (backup / "writing.json").exists()
    # At 3 the new weights are renamed in but not recorded: the latest pair is mixed.
    assert VerifiedBackupAndRestore(backup).verify() == 1
    assert not (backup / "writing.json").exists()
    run = EpochsRun()
    resumed = fit(tiny_gan(), backup, 3, run)
    assert run.epochs == [1, 2]
    for got, expected in zip(weights(resumed), three_epochs):
        np.testing.assert_array_equal(got, expected)


def test_kill_during_the_first_checkpoint_starts_over(tmp_path, monkeypatch):
    backup = tmp_path / "backup"
    monkeypatch.setattr(checkpoints, "write_checksum", die)
    with pytest.raises(Killed):
        fit(tiny_gan(), backup, 1)
    monkeypatch.undo()
    assert list(backup.glob("latest.weights.h5"))  # Renamed in, never recorded.
    assert VerifiedBackupAndRestore(backup).verify() == 0
    assert sorted(p.name for p in backup.iterdir()) == []


@pytest.mark.slow
def test_kill_mid_write_without_a_previous_copy_is_refused(tmp_path, monkeypatch):
    backup = tmp_path / "backup"
    fit(tiny_gan(), backup, 1, double_checkpoint=False)
    monkeypatch.setattr(checkpoints, "write_checksum", die)
    with pytest.raises(Killed):
        fit(tiny_gan(), backup, 2, double_checkpoint=False)
    monkeypatch.undo()
    with pytest.raises(CorruptFileError) as error:
        VerifiedBackupAndRestore(backup, double_checkpoint=False).verify()
    assert one_line(error).endswith(f"no previous copy is kept (double_checkpoint=False): delete {backup} to "
                                    "start the run over.")


@pytest.mark.slow
def test_full_disk_during_a_checkpoint_keeps_the_last_one(tmp_path, monkeypatch):
    backup = tmp_path / "backup"
    fit(tiny_gan(), backup, 1)
    before = {p.name: p.read_bytes() for p in backup.iterdir()}
    gan = tiny_gan()

    def full(filepath, overwrite=True):
        Path(filepath).write_bytes(b"half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(gan, "save_weights", full)
    with pytest.raises(WriteError) as error:
        fit(gan, backup, 2)
    assert one_line(error) == (
        f"Cannot write {backup} (No space left on device); the last complete checkpoint is kept and running "
        "again resumes from it: free some space or choose a writable folder, then try again"
    )
    assert error.value.errno == errno.ENOSPC
    assert {p.name: p.read_bytes() for p in backup.iterdir()} == before
    assert VerifiedBackupAndRestore(backup).verify() == 1


@pytest.mark.slow
def test_checkpoint_without_records_is_used_with_a_warning(tmp_path):
    backup = tmp_path / "backup"
    gan = tiny_gan()
    plain = keras.callbacks.BackupAndRestore(str(backup), double_checkpoint=True, delete_checkpoint=False)
    gan.fit(DATA, batch_size=16, epochs=1, shuffle=False, verbose=0, callbacks=[plain])
    with pytest.warns(UserWarning, match="no sha256 records"):
        assert VerifiedBackupAndRestore(backup).verify() == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit(tiny_gan(), backup, 2)
    assert all(verify_file(backup / name, required=True) for name in (*CHECKPOINT, *PREVIOUS))


def test_saved_model_is_verified_before_loading(tmp_path):
    path = save_model(tiny_gan().generator, tmp_path / "generator.keras")
    assert verify_file(path, required=True) == checkpoints.sha256(path)
    flip(path, size=16)
    with pytest.raises(CorruptFileError) as error:
        verify_file(path, fix="delete it and run `keras-gan train` again")
    assert one_line(error).startswith(f"{path} is corrupt: its sha256 is ")
    assert one_line(error).endswith("; delete it and run `keras-gan train` again.")
    checksum_path(path).write_text("not a record\n")
    with pytest.raises(CorruptFileError, match="is not a sha256 record of generator.keras"):
        verify_file(path)
    checksum_path(path).unlink()
    assert verify_file(path) is None
    with pytest.raises(CorruptFileError, match="has no sha256 record"):
        verify_file(path, required=True)


HOLD_LOCK = """
import sys, time
from keras_gan.checkpoints import lock_run_folder
with lock_run_folder(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(600)
"""


@pytest.mark.slow
def test_run_lock_refuses_a_second_writer_and_is_freed_by_sigkill(tmp_path):
    out = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(FolderLockedError) as error, lock_run_folder(out):
            pass
        assert one_line(error) == (
            f"{out} is being written by another keras-gan process (it holds the run folder's lock): "
            "wait for it to finish or stop it, or pass another --out"
        )
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        holder.kill()
        holder.stdout.close()
    with lock_run_folder(out) as folder:
        assert folder == out
    assert list(out.iterdir()) == []  # The lock leaves no file behind.


def test_best_checkpoint_keeps_the_best_epoch_across_a_resume_and_skips_nan(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    path = tmp_path / "best.keras"

    def epochs(values, first=0):
        best = BestCheckpoint(path, monitor="score")
        best.set_model(model)
        best.on_train_begin()
        for epoch, value in enumerate(values, start=first):
            model.layers[0].bias.assign([float(epoch)])  # which epoch's weights were kept
            best.on_epoch_end(epoch, {"score": value})
        return best.record()

    assert epochs([1.0, 5.0, 2.0])["epoch"] == 2
    # A resumed run compares with the recorded best: a lower value and NaN are not kept.
    record = epochs([4.0, float("nan")], first=3)
    assert (record["epoch"], record["score"]) == (2, 5.0)
    assert record["sha256"] == verify_file(path, required=True)
    assert float(keras.models.load_model(path).layers[0].bias[0]) == 1.0
    assert epochs([6.0], first=5)["epoch"] == 6


def test_best_checkpoint_keeps_the_lowest_in_min_mode_and_refuses_another_monitors_record(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    best = BestCheckpoint(tmp_path / "best.keras", monitor="fid", mode="min")
    best.set_model(model)
    best.on_train_begin()
    for epoch, value in enumerate([float("nan"), 3.0, 1.0, 2.0]):
        best.on_epoch_end(epoch, {"fid": value})
    assert {key: best.record()[key] for key in ("epoch", "monitor", "fid")} == {"epoch": 3, "monitor": "fid", "fid": 1.0}
    other = BestCheckpoint(tmp_path / "best.keras", monitor="parzen_ll")
    with pytest.raises(ValueError, match="keeps the best `fid`, not `parzen_ll`"):
        other.on_train_begin()
    with pytest.raises(ValueError, match="`mode` must be 'max' or 'min'"):
        BestCheckpoint(tmp_path / "x.keras", mode="lowest")
    # A record from before monitors were stored is a Parzen estimate's.
    (tmp_path / "old.json").write_text(json.dumps({"epoch": 4, "parzen_ll": 10.0, "sha256": "0" * 64}))
    assert BestCheckpoint(tmp_path / "old.keras").record()["monitor"] == "parzen_ll"
