"""Fault soak: SIGKILL a tiny `keras-gan train` (and `export`, `publish`) at seeded random points, then check.

Each training kill lands at one of four kinds of point, in turn, with seeded
random details:

- `mid-epoch`: a random delay after the k-th checkpoint (k random) appeared;
- `mid-checkpoint`: the moment the checkpoint after epoch k starts being
  written (its `writing.json` marker or a temporary file appears in `backup/`);
- `mid-save`: the moment the final `gan.keras` / `generator.keras` save starts;
- `random`: a uniform delay over the whole run.

Every killed run folder is then

- copied, its checkpoint corrupted (4 KB flipped in the middle of the weights
  file that resuming would trust) and verified: resuming must refuse it;
- resumed by running the same command to completion, and compared with one
  uninterrupted run: identical generator weights, `log.csv` epochs 0..E-1
  exactly once each, and nothing half-written left (no temporary file of
  `keras_gan._io`, no `writing.json`, every sha256 record matching, both
  models recorded).

Export kills land at a uniform delay over one export's wall time; the
export folder must then hold complete versions only, and a rerun must add one
and leave no hidden `.tmp-*` folder of the killed export.

Publish kills stop `publish_run` (what `keras-gan publish` calls, here with
100 Parzen samples and a registry folder of its own) of the finished tiny run,
in turn at a uniform delay over one publish's wall time into an empty
registry (`random`), and at a uniform delay after its hidden staging folder
appeared, over the time from that folder's creation to the end of one
publish, while it replaces a published model (`staged`). The registry must
then hold nothing (where it was empty) or a complete model under the final
name (every file `metadata.json` lists with its recorded sha256, the card and
figures present), and a rerun must publish a model that loads and leave no
hidden staging or replaced folder behind.

Usage:
    python tests/fault_soak.py                      # 20 training kills, 5 export kills, 5 publish kills
    python tests/fault_soak.py --kills 3 --export-kills 2 --publish-kills 2 --work /tmp/soak
"""

import argparse
import contextlib
import csv
import dataclasses
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gan._io import sha256  # noqa: E402
from keras_gan.checkpoints import CHECKSUM_SUFFIX, CorruptFileError, VerifiedBackupAndRestore, verify_file  # noqa: E402
from keras_gan.pretrained import load_model  # noqa: E402
from keras_gan.publish import leftovers  # noqa: E402
from tests.helpers import write_mnist  # noqa: E402

KINDS = ("mid-epoch", "mid-checkpoint", "mid-save", "random")
PUBLISH_KINDS = ("random", "staged")
EPOCHS = 4
PUBLISHED = "tiny"  # the registry name publish kills write
TIMEOUT = 600  # seconds for any one command


@dataclasses.dataclass
class Trial:
    """One training kill and what the checks found."""

    kind: str
    detail: str  # where the kill landed, as observed in the folder
    identical: bool = False
    epochs_ok: bool = False
    half_written: list = dataclasses.field(default_factory=list)
    corrupt: str = "n/a"  # "refused", "accepted" or "n/a" (no complete checkpoint to corrupt)


def train_command(data_dir: Path, out: Path, epochs: int = EPOCHS) -> list:
    """The tiny CLI run the soak kills: MNIST at width 0.02, no Parzen monitor, no XLA, seed 5."""
    return [sys.executable, "-m", "keras_gan.cli", "train", "mnist", "--width", "0.02", "--epochs", str(epochs),
            "--set", "parzen_every=0", "--set", "jit_compile=false", "--seed", "5",
            "--data-dir", str(data_dir), "--out", str(out), "--verbose", "0"]


def export_command(run: Path, export_dir: Path) -> list:
    """`keras-gan export RUN DIR`."""
    return [sys.executable, "-m", "keras_gan.cli", "export", str(run), str(export_dir)]


def publish_command(run_dir: Path, data_dir: Path, root: Path) -> list:
    """`publish_run(RUN, "tiny")` into registry `root`, with 100 Parzen samples: `keras-gan publish` has no such options."""
    code = ("import sys; from keras_gan.publish import publish_run; "
            "publish_run(sys.argv[1], sys.argv[2], data_dir=sys.argv[3], n_samples=100, root=sys.argv[4])")
    return [sys.executable, "-c", code, str(run_dir), PUBLISHED, str(data_dir), str(root)]


def environment(work: Path) -> dict:
    """The subprocesses' environment: this checkout first on the path, a private dataset cache."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "KERAS_GAN_CACHE_DIR": str(work / "cache")}


def run(command: list, env: dict) -> subprocess.CompletedProcess:
    """Run `command` to completion; raise with its last stderr line if it fails."""
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"{' '.join(command[2:5])} exited {done.returncode}: {last}")
    return done


def _checkpoint_epoch(backup: Path) -> int:
    """The epochs the checkpoint in `backup` holds, as far as a reader racing the writer can tell."""
    try:
        return int((backup / "training_metadata.json").read_text().split('"epoch": ')[1].split(",")[0])
    except (OSError, IndexError, ValueError):
        return 0


def _writing(backup: Path) -> bool:
    """True while a checkpoint is being written: its marker or a temporary file is in `backup`."""
    with contextlib.suppress(FileNotFoundError):
        return any(entry.name == "writing.json" or entry.name.startswith(".") for entry in os.scandir(backup))
    return False


def _saving(out: Path) -> bool:
    """True once the final model save started: a temporary `.keras` file or `gan.keras` is in `out`."""
    with contextlib.suppress(FileNotFoundError):
        return any(entry.name.endswith(".keras") for entry in os.scandir(out))
    return False


def _wait(process: subprocess.Popen, ready, deadline: float) -> bool:
    """Poll `ready()` every millisecond until it holds (True) or the process ends or the deadline passes."""
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def kill_training(command: list, env: dict, out: Path, kind: str, rng: random.Random, whole_s: float) -> str:
    """Start `command`, SIGKILL it at a point of `kind`, and describe where the kill landed."""
    backup = out / "backup"
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    after = rng.randrange(EPOCHS)  # the checkpoint after which the kill lands
    if kind == "mid-epoch":
        ready = _wait(process, lambda: (out / "run.json").exists() and _checkpoint_epoch(backup) >= after, deadline)
        if ready:
            time.sleep(rng.uniform(0.0, 0.5))
    elif kind == "mid-checkpoint":
        ready = _wait(process, lambda: _checkpoint_epoch(backup) >= after and _writing(backup), deadline)
    elif kind == "mid-save":
        ready = _wait(process, lambda: _saving(out), deadline)
    else:
        ready = _wait(process, lambda: False, time.monotonic() + rng.uniform(0.0, whole_s)) or True
    finished = process.poll() is not None
    process.send_signal(signal.SIGKILL)
    process.wait()
    if finished or not ready:
        return f"finished before the kill (rc {process.returncode})"
    marker = " writing.json present" if (backup / "writing.json").exists() else ""
    temporaries = sorted(path.name for path in out.rglob(".*"))
    return (f"after epoch {_checkpoint_epoch(backup)}{marker}"
            + (f", temporaries {len(temporaries)}" if temporaries else "")
            + (", gan.keras present" if (out / "gan.keras").exists() else ""))


def corrupt_trusted_checkpoint(out: Path, copy: Path) -> str:
    """Copy `out`, flip 4 KB of the weights file resuming would trust, and verify: "refused" or "accepted"."""
    if not out.exists():
        return "n/a"  # killed before the run folder was created
    shutil.copytree(out, copy)
    backup = copy / "backup"
    marker = backup / "writing.json"
    writing = marker.read_text() if marker.exists() else ""
    if '"latest"' in writing:
        if '"replaces": null' in writing:
            return "n/a"  # killed while writing the first checkpoint: nothing complete to corrupt
        target = backup / "latest.weights.h5.bkp"
    else:
        target = backup / "latest.weights.h5"
    if not target.exists():
        return "n/a"
    data = bytearray(target.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 4096] = bytes(b ^ 0xFF for b in data[middle:middle + 4096])
    target.write_bytes(bytes(data))
    try:
        VerifiedBackupAndRestore(backup).verify()
    except CorruptFileError:
        return "refused"
    return "accepted"


def half_written(out: Path) -> list:
    """What a finished run folder holds that it should not: temporary files, a marker, unmatched records."""
    problems = [f"temporary {path.relative_to(out)}" for path in out.rglob(".*")]
    problems += [f"marker {path.relative_to(out)}" for path in out.rglob("writing.json")]
    for model in ("gan.keras", "generator.keras"):
        if not (out / model).with_name(model + CHECKSUM_SUFFIX).exists():
            problems.append(f"{model} {'unrecorded' if (out / model).exists() else 'missing'}")
    for record in out.rglob(f"*{CHECKSUM_SUFFIX}"):
        try:
            verify_file(record.with_name(record.name[: -len(CHECKSUM_SUFFIX)]), required=True)
        except (CorruptFileError, FileNotFoundError) as error:
            problems.append(str(error).split(";")[0])
    return problems


def logged_epochs(out: Path) -> list:
    """The epoch column of `out/log.csv`."""
    with open(out / "log.csv") as log:
        return [int(row["epoch"]) for row in csv.DictReader(log)]


def generator_weights(out: Path) -> list:
    """The generator's weights as saved in `out/generator.keras`."""
    return [keras.ops.convert_to_numpy(weight) for weight in keras.models.load_model(out / "generator.keras").weights]


def refusal_line(command: list, env: dict) -> tuple:
    """Run `command` on a corrupted checkpoint: (exit status, its last stderr line)."""
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    return done.returncode, (done.stderr.strip().splitlines() or [""])[-1]


def export_versions(export_dir: Path) -> tuple:
    """(complete versions, incomplete versions, temporary folders) under `export_dir/<name>/`."""
    complete, incomplete, temporary = [], [], []
    for model in (path for path in export_dir.glob("*") if path.is_dir()):
        for version in model.iterdir():
            if version.name.isdigit():
                whole = (version / "saved_model.pb").is_file() and (version / "variables" / "variables.index").is_file()
                (complete if whole else incomplete).append(version)
            else:
                temporary.append(version)
    return complete, incomplete, temporary


def published_problems(folder: Path) -> list:
    """What keeps `folder` from being a complete published model: missing files, sha256 mismatches."""
    try:
        metadata = json.loads((folder / "metadata.json").read_text())
    except (OSError, ValueError) as error:
        return [f"metadata.json unreadable ({type(error).__name__})"]
    problems = [f"{name} missing" for name in ("model_card.md", *filter(None, metadata["figures"].values()))
                if not (folder / name).is_file()]
    for entry in metadata["files"].values():
        path = folder / entry["path"]
        if not path.is_file() or sha256(path) != entry["sha256"]:
            problems.append(f"{entry['path']} {'does not match its sha256' if path.is_file() else 'missing'}")
    return problems


def loads(folder: Path) -> bool:
    """True if the published generator loads and generates (`keras_gan.pretrained.load_model` on its file)."""
    prior = json.loads((folder / "metadata.json").read_text())["latent_prior"]
    spec = load_model(str(folder / "generator.keras"), latent_prior=prior)
    return keras.ops.convert_to_numpy(spec.generate(2, seed=0)).shape[0] == 2


def _staged(folder: Path) -> bool:
    """True once a publish of `folder` created its hidden staging folder."""
    return any(path.suffix == ".tmp" for path in leftovers(folder))


def time_publish(command: list, env: dict, folder: Path) -> tuple:
    """Run a publish of `folder` to completion: (its wall time, the seconds from its staging folder's creation to its end)."""
    began = time.monotonic()
    with tempfile.TemporaryFile("w+") as stderr:  # not a pipe: a full one would stall the child
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        _wait(process, lambda: _staged(folder), began + TIMEOUT)
        staged = time.monotonic()
        process.wait(TIMEOUT)
        stderr.seek(0)
        last = (stderr.read().strip().splitlines() or ["(no output)"])[-1]
    if process.returncode:
        raise RuntimeError(f"publish exited {process.returncode}: {last}")
    return time.monotonic() - began, time.monotonic() - staged


def kill_publish(command: list, env: dict, folder: Path, kind: str, rng: random.Random, timing: tuple) -> str:
    """Start a publish of `folder`, SIGKILL it at a point of `kind`, and describe where the kill landed."""
    whole_s, staged_s = timing
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kind == "staged":
        ready = _wait(process, lambda: _staged(folder), time.monotonic() + TIMEOUT)
        delay = rng.uniform(0.0, staged_s)
        where = f"{delay:.1f} s after staging"
    else:
        ready, delay = True, rng.uniform(0.0, whole_s)
        where = f"at {delay:.1f} s"
    if ready:
        _wait(process, lambda: False, time.monotonic() + delay)
    finished = process.poll() is not None
    process.send_signal(signal.SIGKILL)
    process.wait()
    return f"finished before the kill (rc {process.returncode})" if finished or not ready else where


@dataclasses.dataclass
class PublishTrial:
    """One publish kill and what the checks found."""

    kind: str
    detail: str
    before: str = ""  # the registry after the kill: "nothing", "complete" or what is wrong
    litter: int = 0  # hidden staging or replaced folders the kill left
    after: str = ""  # the registry after a rerun: "complete" or what is wrong
    litter_after: int = 0
    loads: bool = False

    @property
    def ok(self) -> bool:
        return self.before in ("nothing", "complete") and self.after == "complete" and self.loads and not self.litter_after


def registry_state(folder: Path, published_before: bool) -> str:
    """"nothing", "complete" or what is wrong with `folder`; a model published before must still be there."""
    if not folder.exists():
        return "replaced model missing" if published_before else "nothing"
    problems = published_problems(folder)
    return "; ".join(problems) if problems else "complete"


def publish_soak(work: Path, run_dir: Path, data: Path, env: dict, kills: int, seed: int, log=print) -> list:
    """Time one publish of `run_dir`, then kill `kills` publishes, cycling through `PUBLISH_KINDS`; their trials."""
    if not kills:
        return []
    timing = work / "publish-timing"
    publish_s = time_publish(publish_command(run_dir, data, timing), env, timing / PUBLISHED)
    log(f"uninterrupted publish: {publish_s[0]:.1f} s, {publish_s[1]:.1f} s of them staging")
    trials = []
    for index in range(kills):
        rng = random.Random(seed * 1000 + 700 + index)
        kind = PUBLISH_KINDS[index % len(PUBLISH_KINDS)]
        root = work / f"publish{index:02d}"
        folder = root / PUBLISHED
        replacing = kind == "staged"
        if replacing:
            shutil.copytree(timing / PUBLISHED, folder)
        command = publish_command(run_dir, data, root)
        trial = PublishTrial(kind, kill_publish(command, env, folder, kind, rng, publish_s))
        trial.before, trial.litter = registry_state(folder, replacing), len(leftovers(folder))
        run(command, env)
        trial.after, trial.litter_after = registry_state(folder, True), len(leftovers(folder))
        trial.loads = trial.after == "complete" and loads(folder)
        trials.append(trial)
        log(f"publish kill {index} {kind:9s} {trial.detail:22s}: {trial.before}, {trial.litter} hidden; after a rerun "
            f"{trial.after}, {trial.litter_after} hidden, loads={trial.loads}")
    return trials


def soak(work: Path, kills: int, export_kills: int, seed: int, kinds: tuple = KINDS, log=print,
         publish_kills: int = 0) -> dict:
    """Run the soak in `work`, its training kills cycling through `kinds`, and return its figures."""
    start = time.monotonic()
    env = environment(work)
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    write_mnist(data, sizes=(1000, 1200, 10))
    whole = work / "whole"
    began = time.monotonic()
    run(train_command(data, whole), env)
    whole_s = time.monotonic() - began
    reference = generator_weights(whole)
    log(f"uninterrupted run: {whole_s:.1f} s")

    trials = []
    for index in range(kills):
        rng = random.Random(seed * 1000 + index)
        kind = kinds[index % len(kinds)]
        out = work / f"kill{index:02d}"
        command = train_command(data, out)
        trial = Trial(kind, kill_training(command, env, out, kind, rng, whole_s))
        trial.corrupt = corrupt_trusted_checkpoint(out, work / f"corrupt{index:02d}")
        run(command, env)
        trial.identical = (out / "generator.keras").exists() and all(
            np.array_equal(a, b) for a, b in zip(generator_weights(out), reference, strict=True))
        trial.epochs_ok = logged_epochs(out) == list(range(EPOCHS))
        trial.half_written = half_written(out)
        trials.append(trial)
        log(f"kill {index:2d} {kind:14s} {trial.detail:48s} identical={trial.identical} epochs={trial.epochs_ok} "
            f"half-written={trial.half_written or 0} corrupt={trial.corrupt}")

    # Once through the CLI: a corrupted checkpoint is refused with one line, log.csv and run.json untouched.
    damaged = work / "corrupt-cli"
    shutil.copytree(whole, damaged)
    weights = damaged / "backup" / "latest.weights.h5"
    data_bytes = bytearray(weights.read_bytes())
    data_bytes[len(data_bytes) // 2] ^= 0xFF
    weights.write_bytes(bytes(data_bytes))
    before = [(damaged / name).read_bytes() for name in ("log.csv", "run.json")]
    status, line = refusal_line(train_command(data, damaged, EPOCHS + 1), env)
    cli_refused = status != 0 and "corrupt" in line and before == [
        (damaged / name).read_bytes() for name in ("log.csv", "run.json")]
    log(f"corrupted checkpoint through the CLI: exit {status}: {line}")

    export_dir = work / "export-timing"
    began = time.monotonic()
    run(export_command(whole, export_dir), env)
    export_s = time.monotonic() - began
    export_trials = []
    for index in range(export_kills):
        rng = random.Random(seed * 1000 + 500 + index)
        export_dir = work / f"export{index:02d}"
        process = subprocess.Popen(export_command(whole, export_dir), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        delay = rng.uniform(0.0, export_s)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(delay)
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait()
        complete, incomplete, temporary = export_versions(export_dir)
        run(export_command(whole, export_dir), env)
        after, incomplete_after, temporary_after = export_versions(export_dir)
        ok = not incomplete and not incomplete_after and len(after) == len(complete) + 1 and not temporary_after
        export_trials.append((ok, len(temporary), len(temporary_after)))
        log(f"export kill {index} at {delay:5.1f} s{' (finished first)' if finished else ''}: versions "
            f"{len(complete)} complete, {len(incomplete)} incomplete, {len(temporary)} temporary; "
            f"after a rerun {len(after)} complete, {len(temporary_after)} temporary")

    publish_trials = publish_soak(work, whole, data, env, publish_kills, seed, log)

    landed = [trial for trial in trials if not trial.detail.startswith("finished")]
    corruptible = [trial for trial in trials if trial.corrupt != "n/a"]
    return dict(
        kills=kills,
        landed=len(landed),
        by_kind={kind: sum(t.kind == kind for t in landed) for kind in kinds},
        identical=sum(t.identical and t.epochs_ok for t in trials),
        half_written=sum(bool(t.half_written) for t in trials),
        corrupt_tried=len(corruptible) + 1,
        corrupt_accepted=sum(t.corrupt == "accepted" for t in corruptible) + (not cli_refused),
        export_kills=export_kills,
        export_ok=sum(ok for ok, _, _ in export_trials),
        export_temporaries=sum(count for _, count, _ in export_trials),
        export_temporaries_after=sum(count for _, _, count in export_trials),
        publish_kills=publish_kills,
        publish_landed=sum(not t.detail.startswith("finished") for t in publish_trials),
        publish_ok=sum(t.ok for t in publish_trials),
        publish_litter=sum(t.litter for t in publish_trials),
        publish_litter_after=sum(t.litter_after for t in publish_trials),
        wall_s=time.monotonic() - start,
        trials=trials,
        publish_trials=publish_trials,
    )


def table(figures: dict) -> str:
    """The soak's figures as a markdown table."""
    rows = [
        ("kills (training)", f"{figures['kills']} ({figures['landed']} landed before the end: "
                             + ", ".join(f"{k} {n}" for k, n in figures["by_kind"].items()) + ")"),
        ("resumed identical (weights and log.csv)", f"{figures['identical']}/{figures['kills']}"),
        ("folders left half-written", f"{figures['half_written']}/{figures['kills']}"),
        ("corrupted checkpoints accepted", f"{figures['corrupt_accepted']}/{figures['corrupt_tried']}"),
        ("export kills: only complete versions, rerun adds one", f"{figures['export_ok']}/{figures['export_kills']}"),
        ("export kills: hidden temporary folders left by the kill, after a rerun",
         f"{figures['export_temporaries']}, {figures['export_temporaries_after']}"),
        ("publish kills: nothing or a complete model, rerun publishes one that loads",
         f"{figures['publish_ok']}/{figures['publish_kills']} ({figures['publish_landed']} landed before the end)"),
        ("publish kills: hidden staging folders left by the kill, after a rerun",
         f"{figures['publish_litter']}, {figures['publish_litter_after']}"),
        ("wall time", f"{figures['wall_s']:.0f} s"),
    ]
    return "\n".join(["| check | result |", "|---|---|"] + [f"| {name} | {value} |" for name, value in rows])


def main(argv=None) -> int:
    """Parse the arguments, run the soak, print the table; exit 1 if any check failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="training kills (default 20)")
    parser.add_argument("--export-kills", type=int, default=5, help="export kills (default 5)")
    parser.add_argument("--publish-kills", type=int, default=5, help="publish kills (default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill points (default 0)")
    parser.add_argument("--work", type=Path, help="folder for the runs (default: a new temporary folder)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="fault_soak-"))
    figures = soak(work, args.kills, args.export_kills, args.seed, publish_kills=args.publish_kills)
    print(table(figures))
    failed = (figures["identical"] < figures["kills"] or figures["half_written"] or figures["corrupt_accepted"]
              or figures["export_ok"] < figures["export_kills"] or figures["publish_ok"] < figures["publish_kills"])
    return int(bool(failed))


if __name__ == "__main__":
    sys.exit(main())
