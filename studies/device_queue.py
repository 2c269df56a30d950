"""The device script: one call on a lent GPU tests the package there, measures it and trains the long runs on.

A session lent the H200 (the `device` tool; its machine has JAX and PyTorch but no Keras and no
TensorFlow, and nothing can be downloaded there) runs `run` there in one call of at most 8-9
minutes. Under `KERAS_BACKEND=jax` it

1. installs the carried wheels (Keras and the two packages Keras needs that the machine lacks,
   namex and optree) into a folder on the path; keras-gan itself is imported from the working tree,
   as `pip install --no-deps -e .` would (installing it would need `saved_models/`, which does not
   travel),
2. runs the backend-neutral tests (`-m backend_neutral` on the files `.ci/run` uses),
3. measures training steps/s by experiment and width (`benchmarks/backends.py`'s child),
4. works through the queue of resumable runs, first to last, each a `keras-gan train ... --out RUN
   --time-limit S` that stops itself at an epoch end inside the call's budget (the same command
   resumes it), and
5. packs the logs, run records and checkpoints into at most 8 files of at most 16 MiB under `--out`
   (`manifest.json`, `logs.tar.gz`, `state.tar.gz.NN`, a split archive), with each file's sha256.

The working tree travels (at most 64 MiB with what `carry` names), but `saved_models/` and
`checkpoints/` alone are ~230 MB, so a session first runs, here, in the repository root:

    python studies/device_queue.py prepare      # fills .device/, moves the two folders to ../device-hold/
    # device run, carry [".device"], timeout_s 570:
    #   PYTHONUNBUFFERED=1 python3 studies/device_queue.py run --budget 480 --out $OUT
    python studies/device_queue.py restore      # moves them back (run it even if the call failed)
    python studies/device_queue.py unpack --from FILES_AT   # checks sha256, extracts to runs/device/

`prepare` copies into `.device/` (ignored) the wheels, the data files and, for each run, the
state to continue: `runs/device/NAME/` from an earlier call's `unpack`, else the run's `start`
checkpoint; it keeps the queue's runs, first to last, while what travels stays under 64 MiB, and
writes them to `.device/plan.json`. `unpack` puts each run folder in `runs/device/NAME/`, where the
next `prepare` finds it, and where the CPU resumes it with the command `manifest.json` names.

The tests and the speed take up to 220 s of the default 480: once a call has recorded them, later
calls pass `--skip-tests --skip-bench` and train for nearly the whole budget. The session's 15
device minutes hold one such call (the machine's start, ~8 minutes, the transfers); if a call fails
early, `restore`, then rerun it with a `--budget` that fits what `status` says is left.

CI runs the same `run` on the CPU with `--queue tiny` (tests/test_device_queue.py).
"""

import argparse
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 2**20
TRAVEL_LIMIT = 64 * MIB  # the working tree and the carried paths, per call
RETURN_FILES, RETURN_FILE_SIZE, RETURN_TOTAL = 8, 16 * MIB, 64 * MIB
HELD = ("saved_models", "checkpoints")  # tracked, ~230 MB: moved out of the tree for the call
HOLD = ROOT.parent / "device-hold"
WHEELS = ("keras=={keras}", "namex", "optree")  # what Keras needs that the GPU machine lacks
PIP_PLATFORM = ["--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp", "--platform",
                "manylinux_2_28_x86_64", "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64"]
NEUTRAL_TESTS = ["tests/test_backends.py", "tests/test_losses.py", "tests/test_schedules.py", "tests/test_parzen.py"]

# Each queue: the tests, the speed measurements, and the runs first to last. A run's `args` are
# `keras-gan train`'s; `start` is a checkpoint folder (`checkpoints/NAME` layout) it continues when
# no earlier call has returned its state; `checkpoint_mib` the size of its checkpoint (weights, both
# optimizers' momentum, the weight average), which must come back for the call's training to count,
# so a call runs only the runs whose checkpoints fit the return limit together (one full-width MNIST
# run per call); `seconds`, if given, caps the run's time limit in one call. cifar10_fc's full-width
# checkpoint (~970 MiB) can never come back: it is `logs_only`, trained from scratch in each call
# that reaches it, for its curve and epoch time. `reserve_s`: seconds kept for packing and for the
# last run to save its models; `startup_s`: seconds a `keras-gan train` spends importing before its
# time limit starts.
QUEUES = {
    "gpu": {
        "reserve_s": 30, "startup_s": 25,
        "tests": {"files": NEUTRAL_TESTS, "seconds": 120},
        "bench": {"experiments": ["mnist", "tfd", "cifar10_fc"], "widths": [1.0, 0.5], "steps": 200,
                  "repeats": 2, "spe": 50, "seconds": 100},
        "runs": [
            {"name": "mnist_ema9999", "data": ["mnist.pkl.gz"], "checkpoint_mib": 38,
             "args": ["mnist", "--epochs", "1000", "--width", "1.0", "--seed", "0", "--set", "g_ema_decay=0.9999",
                      "--set", "jit_compile=true"]},
            {"name": "mnist_faithful", "data": ["mnist.pkl.gz"], "checkpoint_mib": 29,
             "start": "checkpoints/mnist_faithful_continued",
             "args": ["mnist", "--epochs", "1000", "--width", "1.0", "--seed", "0", "--set", "jit_compile=true"]},
            {"name": "cifar10_fc", "data": ["cifar10-jpeg.tar.gz"], "logs_only": True,
             "args": ["cifar10_fc", "--epochs", "300", "--width", "1.0", "--seed", "0", "--set", "jit_compile=true"]},
        ],
    },
    # CI: every step on the CPU in about a minute; two calls show that a returned run resumes.
    "tiny": {
        "reserve_s": 5, "startup_s": 8,
        "tests": {"files": ["tests/test_schedules.py"], "seconds": 60},
        "bench": {"experiments": ["mnist"], "widths": [0.02], "steps": 2, "repeats": 1, "spe": 1, "seconds": 60},
        "runs": [
            # Not compiled: tracing a step costs more than two tiny epochs on the CPU.
            # One second: it stops after its first epoch, and the next call resumes it.
            {"name": "mnist_tiny", "data": ["mnist.pkl.gz"], "checkpoint_mib": 1, "seconds": 1,
             "args": ["mnist", "--epochs", "2", "--width", "0.02", "--seed", "0", "--set", "parzen_every=0",
                      "--set", "jit_compile=false"]},
        ],
    },
}


def sha256(path: Path) -> str:
    """The hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MIB), b""):
            digest.update(block)
    return digest.hexdigest()


def folder_size(path: Path) -> int:
    """Bytes of the files under `path` (0 if it does not exist)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def backup_dir(run: Path) -> Path:
    """The checkpoint folder of a run folder, or of a `checkpoints/NAME` copy of one (the folder itself)."""
    return run / "backup" if (run / "backup").is_dir() or not run.exists() else run


def checkpoint_files(run: Path) -> list[Path]:
    """The files that resume a run: its last checkpoint with their sha256 records, not the `.bkp` copy of the one before."""
    return sorted(path for path in backup_dir(run).glob("*") if path.is_file() and ".bkp" not in path.name
                  and path.name.startswith(("latest.weights.h5", "training_metadata.json")))


def checkpoint_epoch(run: Path) -> int:
    """Epochs completed by the run folder `run` (0 without a checkpoint)."""
    metadata = backup_dir(run) / "training_metadata.json"
    return int(json.loads(metadata.read_text())["epoch"]) if metadata.exists() else 0


def target_epochs(args: list[str]) -> int:
    """The `--epochs` of a run's `keras-gan train` arguments."""
    return int(args[args.index("--epochs") + 1])


def returned_size(run: dict, run_dir: Path) -> int:
    """Bytes of `run`'s checkpoint that must come back: its state's, else the queue's estimate."""
    if run.get("logs_only"):
        return 0
    return sum(path.stat().st_size for path in checkpoint_files(run_dir)) or run["checkpoint_mib"] * MIB


RETURN_ROOM = RETURN_TOTAL - 4 * MIB  # for the checkpoints: the rest is the logs' and the manifest's


# -- Here: prepare, restore, unpack ----------------------------------------------------------------


def travelling_size(carry: Path) -> int:
    """Bytes the device tool sends: tracked and untracked-not-ignored files that exist, plus `carry`."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    return sum((ROOT / name).stat().st_size for name in listed if name and (ROOT / name).is_file()) + folder_size(carry)


def start_state(run: dict, state_dir: Path) -> Path | None:
    """The run folder (or `checkpoints/` copy) a run continues from, if any."""
    returned = state_dir / run["name"]
    if run.get("logs_only"):
        return None
    if (returned / "backup" / "latest.weights.h5").exists():
        return returned
    return ROOT / run["start"] if run.get("start") else None


def copy_state(source: Path, run_dir: Path) -> None:
    """Copy a run folder, or a `checkpoints/NAME` copy of one, into `run_dir` in the run-folder layout."""
    if (source / "backup").is_dir():
        shutil.copytree(source, run_dir, ignore=shutil.ignore_patterns("*.keras", "*.keras.sha256", "*.bkp*", "samples", "logs"))
        return
    (run_dir / "backup").mkdir(parents=True)
    for path in source.iterdir():
        checkpoint = path.name.startswith(("latest.weights.h5", "training_metadata.json"))
        shutil.copy2(path, run_dir / "backup" / path.name if checkpoint else run_dir / path.name)


def prepare(queue: str, carry: Path, data_dir: Path, state_dir: Path, wheels: Path | None) -> None:
    """Fill `carry` for one device call, keep the runs that fit, and move the held folders out of the tree.

    Args:
        queue: str. A name in `QUEUES`.
        carry: Path. The carried folder, emptied first.
        data_dir: Path. The dataset files (`../shared/data`).
        state_dir: Path. Runs returned by earlier calls (`unpack`'s `state_dir`).
        wheels: Path or None. A folder of the wheels to carry; None downloads them.
    """
    if any(not (ROOT / name).exists() for name in HELD):
        sys.exit(f"{', '.join(HELD)} are not all in the tree: run `restore` first")
    shutil.rmtree(carry, ignore_errors=True)
    (carry / "wheels").mkdir(parents=True)
    if wheels:
        for path in wheels.glob("*.whl"):
            shutil.copy2(path, carry / "wheels")
    else:
        names = [name.format(keras=importlib.metadata.version("keras")) for name in WHEELS]  # this venv's Keras
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *PIP_PLATFORM, "-d",
                        str(carry / "wheels"), *names], check=True)
    (carry / "data").mkdir()
    (carry / "state").mkdir()
    kept, skipped, returning = [], [], 0
    for run in QUEUES[queue]["runs"]:
        source = start_state(run, state_dir)
        if source and checkpoint_epoch(source) >= target_epochs(run["args"]):
            continue  # finished
        back = returned_size(run, source or carry / run["name"])
        if returning + back > RETURN_ROOM:
            skipped.append(run["name"])
            continue
        copied = [carry / "data" / name for name in run["data"] if not (carry / "data" / name).exists()]
        for path in copied:
            shutil.copy2(data_dir / path.name, path)
        if source:
            copy_state(source, carry / "state" / run["name"])
        # The tree as it travels: the held folders' files do not count, since they will be moved out.
        if travelling_size(carry) - sum(folder_size(ROOT / name) for name in HELD) > TRAVEL_LIMIT:
            for path in copied:
                path.unlink()
            shutil.rmtree(carry / "state" / run["name"], ignore_errors=True)
            skipped.append(run["name"])
            continue
        kept.append(run["name"])
        returning += back
    (carry / "plan.json").write_text(json.dumps({"queue": queue, "runs": kept, "skipped": skipped}, indent=1))
    HOLD.mkdir(exist_ok=True)
    for name in HELD:
        shutil.move(ROOT / name, HOLD / name)
    size = travelling_size(carry)
    print(f"runs: {', '.join(kept) or 'none'}; left for a later call (too large to travel or come back now): "
          f"{', '.join(skipped) or 'none'}")
    print(f"travels: {size / MIB:.1f} MiB of {TRAVEL_LIMIT // MIB} ({carry.name}/: {folder_size(carry) / MIB:.1f} MiB); "
          f"{', '.join(HELD)} moved to {HOLD}: run `restore` after the call")
    if size > TRAVEL_LIMIT:
        sys.exit("over the limit: carry less")


def restore() -> None:
    """Move the held folders back into the tree."""
    for name in HELD:
        if (HOLD / name).exists():
            if (ROOT / name).exists():
                sys.exit(f"both {ROOT / name} and {HOLD / name} exist: merge them by hand")
            shutil.move(HOLD / name, ROOT / name)
    print(f"restored {', '.join(HELD)}")


def unpack(source: Path, state_dir: Path) -> None:
    """Check the returned files against `manifest.json`, join the split state and extract the runs.

    Args:
        source: Path. The folder of a call's returned files.
        state_dir: Path. Each run goes to `state_dir/NAME/` (replacing an older state), the call's logs to
            `state_dir/calls/TIME/`.
    """
    manifest = json.loads((source / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        if sha256(source / name) != entry["sha256"]:
            sys.exit(f"{name}: sha256 differs from the manifest's: the transfer is damaged")
    # Each call's logs in a folder of their own, named by when they were unpacked.
    logs = state_dir / "calls" / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    logs.mkdir(parents=True)
    with tarfile.open(source / "logs.tar.gz") as archive:
        archive.extractall(logs, filter="data")
    parts = sorted(source.glob("state.tar.gz.*"))
    if parts:
        joined = state_dir / ".state.tar.gz"
        with open(joined, "wb") as f:
            for part in parts:
                f.write(part.read_bytes())
        with tarfile.open(joined) as archive:
            names = {member.name.split("/")[0] for member in archive.getmembers()}
            for name in names:
                shutil.rmtree(state_dir / name, ignore_errors=True)  # a returned run replaces the older state
            archive.extractall(state_dir, filter="data")
        joined.unlink()
    for name, run in manifest["runs"].items():
        where = "logs only" if run["logs_only"] else ("returned" if run.get("returned") else "NOT returned")
        print(f"{name}: epochs {run['epoch_before']} -> {run['epoch_after']} (checkpoint {where}); "
              f"resume: {run['resume']}")
    print(f"runs in {state_dir}; logs in {logs}")


# -- There: run --------------------------------------------------------------------------------------


class Runner:
    """One call's work under a deadline, logged to `log` and summarised in `manifest`."""

    def __init__(self, budget: float, work: Path, env: dict):
        self.budget = budget
        self.deadline = time.monotonic() + budget
        self.work = work
        self.env = env
        self.log = open(work / "runner.log", "a")
        self.manifest = {"budget_s": budget, "tests": None, "bench": [], "runs": {}, "files": {}, "left_out": []}

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def say(self, text: str) -> None:
        text = f"[{self.budget - self.left():5.0f} s] {text}"
        print(text, flush=True)
        self.log.write(text + "\n")
        self.log.flush()

    def call(self, command: list[str], seconds: float, log: Path, env: dict | None = None) -> int | None:
        """Run `command` with its output in `log`; its exit status, or None when stopped at `seconds`."""
        with open(log, "a") as f:
            try:
                return subprocess.run(command, cwd=ROOT, env=env or self.env, stdout=f, stderr=subprocess.STDOUT,
                                      timeout=max(seconds, 1)).returncode
            except subprocess.TimeoutExpired:
                return None


def run(args: argparse.Namespace) -> None:
    """Install, test, measure and train within `args.budget`, then pack whatever was done, even after an error.

    Args:
        args: argparse.Namespace. The `run` command's options (`main`).
    """
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(args.work)
    (work / "runs").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    runner = Runner(args.budget, work, env)
    start = time.time()
    try:
        steps(args, QUEUES[args.queue], runner, Path(args.carry))
    finally:
        runner.manifest["wall_s"] = round(time.time() - start, 1)
        pack(runner, out)


def steps(args: argparse.Namespace, queue: dict, runner: Runner, carry: Path) -> None:
    """The call's work in order: the wheels, the tests, the speed, the queue's runs (see the module docstring)."""
    env, work = runner.env, runner.work
    if not args.installed:
        site = work / "site"
        code = runner.call([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile",
                            "--no-cache-dir", "--upgrade", "--target", str(site),
                            *map(str, (carry / "wheels").glob("*.whl"))], runner.left(), work / "install.log")
        if code != 0:
            raise RuntimeError(f"installing the carried wheels failed ({code}): see install.log")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    runner.say(f"{args.queue} queue, budget {args.budget:.0f} s, Python {sys.version.split()[0]}")

    if not args.skip_tests:
        tests = queue["tests"]
        code = runner.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "backend_neutral",
                            *tests["files"]], min(tests["seconds"], runner.left() - queue["reserve_s"]), work / "tests.log")
        runner.manifest["tests"] = "timed out" if code is None else ("passed" if code == 0 else f"failed ({code})")
        runner.say(f"backend-neutral tests under JAX: {runner.manifest['tests']}")

    if not args.skip_bench:
        bench = queue["bench"]
        stop = time.monotonic() + min(bench["seconds"], runner.left() - queue["reserve_s"])
        for width in bench["widths"]:
            log = work / f"bench_{width}.log"
            code = runner.call([sys.executable, str(ROOT / "benchmarks" / "backends.py"), "--child", "--experiments",
                                *bench["experiments"], "--width", str(width), "--steps", str(bench["steps"]),
                                "--repeats", str(bench["repeats"]), "--spe", str(bench["spe"])],
                               stop - time.monotonic(), log)
            rows = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
            runner.manifest["bench"] += rows
            for row in rows:
                runner.say(f"steps/s {row['experiment']} width {row['width']} spe {row['steps_per_execution']}: "
                           f"{row['steps_per_s']:.1f}")
            if code is None:
                runner.say(f"speed at width {width}: stopped at its time share")
                break

    plan = carry / "plan.json"
    names = json.loads(plan.read_text())["runs"] if plan.exists() else [run["name"] for run in queue["runs"]]
    data_dir = Path(args.data_dir) if args.data_dir else carry / "data"
    returned = 0  # bytes of the checkpoints that will come back so far
    for item in (run for run in queue["runs"] if run["name"] in names):
        run_dir = work / "runs" / item["name"]
        if not run_dir.exists() and (carry / "state" / item["name"]).exists():
            copy_state(carry / "state" / item["name"], run_dir)
        before = checkpoint_epoch(run_dir)
        seconds = runner.left() - queue["reserve_s"] - queue["startup_s"]
        back = returned_size(item, run_dir)  # its checkpoint must come back, else its time is lost
        if before >= target_epochs(item["args"]) or seconds < queue["startup_s"] or returned + back > RETURN_ROOM:
            runner.say(f"{item['name']}: not run (epoch {before}, {seconds:.0f} s left, "
                       f"{(returned + back) / MIB:.0f} MiB of checkpoints to return)")
            continue
        limit = min(seconds, item.get("seconds", seconds))
        command = [sys.executable, "-m", "keras_gan.cli", "train", *item["args"], "--data-dir", str(data_dir),
                   "--out", str(run_dir), "--verbose", "2", "--time-limit", f"{limit:.0f}"]
        runner.say(f"{item['name']}: from epoch {before}, {limit:.0f} s: {' '.join(command[2:])}")
        code = runner.call(command, runner.left() - queue["reserve_s"] / 2, work / f"{item['name']}.log")
        after = checkpoint_epoch(run_dir)
        returned += returned_size(item, run_dir)
        resume = ["keras-gan", "train", *item["args"], "--data-dir", "DATA", "--out", f"runs/device/{item['name']}"]
        runner.manifest["runs"][item["name"]] = {
            "epoch_before": before, "epoch_after": after, "exit": code, "logs_only": bool(item.get("logs_only")),
            "resume": None if item.get("logs_only") else " ".join(resume),
            "wall_time_total_s": round(json.loads((run_dir / "run.json").read_text()).get("wall_time_seconds", 0), 1)
            if (run_dir / "run.json").exists() else None}
        runner.say(f"{item['name']}: epochs {before} -> {after}, exit {'killed at the budget' if code is None else code}")


def pack(runner: Runner, out: Path) -> None:
    """Write logs.tar.gz, the split state archive and manifest.json under `out`, within the return limits."""
    work = runner.work
    records = ("log.csv", "run.json", "best.json")
    runner.say("packing")
    runner.log.close()
    with tarfile.open(out / "logs.tar.gz", "w:gz") as archive:
        for path in sorted(work.glob("*.log")):
            archive.add(path, path.name)
        for run_dir in sorted((work / "runs").iterdir()):
            for name in records:
                if (run_dir / name).exists():
                    archive.add(run_dir / name, f"{run_dir.name}/{name}")
            grids = sorted((run_dir / "samples").glob("*.png"))
            if grids:
                archive.add(grids[-1], f"{run_dir.name}/samples/{grids[-1].name}")
    room = RETURN_TOTAL - (out / "logs.tar.gz").stat().st_size - MIB  # a MiB for the manifest
    room = min(room, (RETURN_FILES - 2) * RETURN_FILE_SIZE)
    # Per run, first to last: what resumes it (records and checkpoint), then the GAN of its best validation
    # epoch, which nothing else can rebuild, then its last generator (the checkpoint holds it too).
    groups = []
    for run_dir in sorted((work / "runs").iterdir(), key=lambda p: list(runner.manifest["runs"]).index(p.name)
                          if p.name in runner.manifest["runs"] else len(runner.manifest["runs"])):
        if not runner.manifest["runs"].get(run_dir.name, {}).get("logs_only"):
            resume = [run_dir / name for name in records if (run_dir / name).exists()]
            resume += checkpoint_files(run_dir)
            groups.append((run_dir.name, "checkpoint", resume))
        for name in ("best.keras", "generator.keras"):
            if (run_dir / name).exists():
                groups.append((run_dir.name, name, [run_dir / name, run_dir / f"{name}.sha256"]))
    chosen = []
    for name, what, paths in groups:
        size = sum(p.stat().st_size for p in paths if p.exists())
        if size <= room:
            chosen += [p for p in paths if p.exists()]
            room -= size
            if what == "checkpoint" and name in runner.manifest["runs"]:
                runner.manifest["runs"][name]["returned"] = True
        else:
            runner.manifest["left_out"].append(f"{name}/{what} ({size / MIB:.1f} MiB)")
    if chosen:
        state = work / "state.tar.gz"
        with tarfile.open(state, "w:gz", compresslevel=1) as archive:
            for path in chosen:
                archive.add(path, path.relative_to(work / "runs").as_posix())
        with open(state, "rb") as f:
            for index, block in enumerate(iter(lambda: f.read(RETURN_FILE_SIZE), b"")):
                (out / f"state.tar.gz.{index:02d}").write_bytes(block)
        state.unlink()
    for path in sorted(out.iterdir()):
        runner.manifest["files"][path.name] = {"bytes": path.stat().st_size, "sha256": sha256(path)}
    (out / "manifest.json").write_text(json.dumps(runner.manifest, indent=1))
    print(json.dumps({name: entry["bytes"] for name, entry in runner.manifest["files"].items()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prep = commands.add_parser("prepare", help="here: fill the carried folder, move the large folders out")
    prep.add_argument("--queue", choices=sorted(QUEUES), default="gpu")
    prep.add_argument("--carry", default=str(ROOT / ".device"), help="the carried folder (default .device)")
    prep.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    prep.add_argument("--state", default=str(ROOT / "runs" / "device"), help="runs returned by earlier calls")
    prep.add_argument("--wheels", help="a folder of wheels to carry instead of downloading them")
    commands.add_parser("restore", help="here: move saved_models/ and checkpoints/ back")
    unpacking = commands.add_parser("unpack", help="here: check and extract a call's returned files")
    unpacking.add_argument("--from", dest="source", required=True, help="the folder of the returned files")
    unpacking.add_argument("--state", default=str(ROOT / "runs" / "device"))
    there = commands.add_parser("run", help="there (or on the CPU): test, measure, train, pack")
    there.add_argument("--queue", choices=sorted(QUEUES), default="gpu")
    there.add_argument("--budget", type=float, default=480, help="seconds for everything (default 480)")
    there.add_argument("--out", required=True, help="where the returned files go ($OUT)")
    there.add_argument("--carry", default=str(ROOT / ".device"))
    there.add_argument("--work", default="/tmp/device_queue", help="scratch folder for the runs")
    there.add_argument("--data-dir", help="the dataset files (default CARRY/data)")
    there.add_argument("--installed", action="store_true", help="Keras is installed: carry no wheels")
    there.add_argument("--skip-tests", action="store_true")
    there.add_argument("--skip-bench", action="store_true")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.queue, Path(args.carry), Path(args.data_dir), Path(args.state),
                Path(args.wheels) if args.wheels else None)
    elif args.command == "restore":
        restore()
    elif args.command == "unpack":
        unpack(Path(args.source), Path(args.state))
    else:
        run(args)


if __name__ == "__main__":
    main()
