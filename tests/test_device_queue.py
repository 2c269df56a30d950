"""The device script (`studies/device_queue.py`) on the CPU, so that it works when a GPU is lent.

Its tiny queue runs every step a GPU call runs, under JAX in the Python that
`KERAS_GAN_JAX_PYTHON` names (`.ci/run` makes it): the backend-neutral tests
(one file), the speed measurement, a run stopped by its time limit after one
epoch, the packing; then the returned files are checked and unpacked, and a
second call resumes the run to its end.
"""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import write_mnist

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "studies" / "device_queue.py"
JAX_PYTHON = os.environ.get("KERAS_GAN_JAX_PYTHON")


def device_queue():
    """The script as a module (studies/ is no package)."""
    spec = importlib.util.spec_from_file_location("device_queue", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def device_call(tmp_path: Path, name: str, *flags: str) -> dict:
    """One `run --queue tiny` in the JAX Python; its manifest, after checking the returned files against it."""
    out = tmp_path / name
    result = subprocess.run(
        [JAX_PYTHON, str(SCRIPT), "run", "--queue", "tiny", "--budget", "120", "--installed", "--out", str(out),
         "--carry", str(tmp_path / "carry"), "--work", str(tmp_path / f"work_{name}"),
         "--data-dir", str(tmp_path / "data"), *flags],
        capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    files = sorted(path.name for path in out.iterdir())
    assert len(files) <= 8 and all((out / f).stat().st_size <= 16 * 2**20 for f in files)
    assert sorted(manifest["files"]) == [f for f in files if f != "manifest.json"]
    subprocess.run([sys.executable, str(SCRIPT), "unpack", "--from", str(out), "--state",
                    str(tmp_path / "carry" / "state")], check=True, capture_output=True)
    return manifest


def test_gpu_queue_tests_the_files_ci_runs_under_every_backend():
    ci = (ROOT / ".ci" / "run").read_text()
    assert " ".join(device_queue().NEUTRAL_TESTS) in ci  # the device runs the backend-neutral tests CI runs


@pytest.mark.skipif(not JAX_PYTHON, reason="needs KERAS_GAN_JAX_PYTHON (a Python with JAX, Keras and keras-gan)")
@pytest.mark.slow
def test_tiny_queue_tests_measures_stops_packs_and_resumes(tmp_path):
    (tmp_path / "data").mkdir()
    write_mnist(tmp_path / "data", sizes=(200, 20, 20))
    first = device_call(tmp_path, "first")
    assert first["tests"] == "passed"
    assert [row["experiment"] for row in first["bench"]] == ["mnist"] and first["bench"][0]["steps_per_s"] > 0
    run = first["runs"]["mnist_tiny"]
    # A one-second time limit: one epoch of two, a clean stop, the checkpoint returned.
    assert (run["epoch_before"], run["epoch_after"], run["exit"], run["returned"]) == (0, 1, 0, True)
    state = tmp_path / "carry" / "state" / "mnist_tiny"
    assert json.loads((state / "backup" / "training_metadata.json").read_text())["epoch"] == 1

    second = device_call(tmp_path, "second", "--skip-tests", "--skip-bench")
    run = second["runs"]["mnist_tiny"]
    assert (run["epoch_before"], run["epoch_after"], run["exit"]) == (1, 2, 0)
    assert len((state / "log.csv").read_text().splitlines()) == 3  # the header and both epochs, one series
