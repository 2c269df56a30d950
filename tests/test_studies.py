"""The study scripts that turn a run's log into the tables the docs quote."""

import json

import pytest

from studies import monitor_table


@pytest.fixture
def run(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps({"steps_per_epoch": 287}))
    (tmp_path / "log.csv").write_text("epoch,fid,g_output_cosine,d_real\n"
                                      "0,500.0,0.99,0.6\n1,NA,NA,0.7\n4,400.0,0.98,0.8\n9,300.0,,0.9\n")
    return tmp_path


def test_the_table_has_the_measured_epochs_their_updates_and_the_mean_of_the_last_rows(run):
    lines = monitor_table.table(run, ["fid", "g_output_cosine", "d_real"], last=2).splitlines()
    assert lines[2:] == ["| 1 | 287 | 500 | 0.99 | 0.6 |", "| 5 | 1,435 | 400 | 0.98 | 0.8 |",
                         "| 10 | 2,870 | 300 | - | 0.9 |", "| mean of the last 2 | | 350 | 0.98 | 0.85 |"]


def test_a_column_the_run_never_logged_ends_with_one_line_naming_it(run):
    with pytest.raises(SystemExit, match="no epoch with a value of 'kid'"):
        monitor_table.table(run, ["kid"])
