"""The fault soak's short version (`tests/fault_soak.py`): SIGKILL a tiny run and an export, resume, compare."""

import random

import numpy as np
import pytest

from tests import fault_soak
from tests.helpers import write_mnist


@pytest.mark.slow
def test_short_soak_resumes_identically_and_leaves_nothing_half_written(tmp_path):
    """Three training kills (mid-epoch, mid-checkpoint, random) and two export kills: every check holds."""
    figures = fault_soak.soak(tmp_path, kills=3, export_kills=2, seed=0,
                              kinds=("mid-epoch", "mid-checkpoint", "random"), log=lambda line: None)
    print(fault_soak.table(figures))
    assert figures["landed"] >= 1, "every run finished before its kill: nothing was tested"
    assert figures["identical"] == 3, [trial for trial in figures["trials"] if not trial.identical]
    assert figures["half_written"] == 0, [trial.half_written for trial in figures["trials"]]
    assert figures["corrupt_accepted"] == 0
    assert figures["export_ok"] == 2
    assert figures["export_temporaries_after"] == 0


@pytest.mark.slow
def test_kill_while_saving_the_models_then_rerun_writes_them(tmp_path):
    """A kill as the final `gan.keras` save starts: the rerun writes both models, recorded, nothing left over."""
    env = fault_soak.environment(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    write_mnist(data, sizes=(1000, 1200, 10))
    fault_soak.run(fault_soak.train_command(data, tmp_path / "whole"), env)
    command = fault_soak.train_command(data, tmp_path / "killed")
    detail = fault_soak.kill_training(command, env, tmp_path / "killed", "mid-save", random.Random(0), 0.0)
    assert detail.startswith("after epoch 4"), detail
    fault_soak.run(command, env)
    assert fault_soak.half_written(tmp_path / "killed") == []
    for a, b in zip(fault_soak.generator_weights(tmp_path / "killed"),
                    fault_soak.generator_weights(tmp_path / "whole"), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_kill_a_publish_as_it_stages_then_rerun_publishes_and_clears_the_litter(tmp_path):
    """A publish killed the moment its staging folder appears: nothing under the final name, its hidden folder
    left; a rerun publishes a complete model that loads and removes the killed publish's folder."""
    env = fault_soak.environment(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    write_mnist(data, sizes=(1000, 1200, 10))
    run_dir = tmp_path / "run"
    fault_soak.run(fault_soak.train_command(data, run_dir, epochs=1), env)
    folder = tmp_path / "zoo" / fault_soak.PUBLISHED
    command = fault_soak.publish_command(run_dir, data, folder.parent)
    detail = fault_soak.kill_publish(command, env, folder, "staged", random.Random(0), (0.0, 0.0))
    assert detail == "0.0 s after staging", detail
    assert fault_soak.registry_state(folder, published_before=False) == "nothing"
    assert len(fault_soak.leftovers(folder)) == 1
    fault_soak.run(command, env)
    assert fault_soak.registry_state(folder, published_before=True) == "complete"
    assert fault_soak.leftovers(folder) == []
    assert fault_soak.loads(folder)
