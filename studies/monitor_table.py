"""A run's monitored columns as a markdown table: every epoch where they were measured, with its update count.

For the runs of issue 33's screens, which log validation FID (`quality_every`) and the training
diagnostics (`diagnostics_every`) every few epochs. Updates are the epoch times the run record's
`steps_per_epoch`. The last line gives the mean of each column over the last `--last` measured rows
(single 2,000-sample FIDs move by tens between neighbouring measurements).

Usage: python -m studies.monitor_table runs/screens33/f_baseline \
    --columns fid g_output_cosine sample_variance phase_variance_spread d_real d_fake --last 3
"""

import argparse
import csv
from pathlib import Path

import numpy as np

from keras_gan.records import read_record


def rows_of(run: Path, columns: list) -> list:
    """`(epoch, updates, {column: value})` of every epoch of `run`'s log.csv where the first column was measured."""
    steps = int(read_record(run / "run.json")["steps_per_epoch"])
    with open(run / "log.csv", newline="") as f:
        measured = [row for row in csv.DictReader(f) if row.get(columns[0], "NA") not in ("NA", "")]
    return [(int(row["epoch"]) + 1, (int(row["epoch"]) + 1) * steps,
             {column: float(row[column]) if row.get(column, "NA") not in ("NA", "") else None for column in columns})
            for row in measured]


def table(run: Path, columns: list, last: int = 3) -> str:
    """The markdown table of `rows_of(run, columns)` and the mean of its last `last` rows."""
    rows = rows_of(run, columns)
    if not rows:
        raise SystemExit(f"{run}/log.csv has no epoch with a value of {columns[0]!r}: pick a column the run logged.")
    lines = ["| epoch | updates | " + " | ".join(columns) + " |", "|---" * (len(columns) + 2) + "|"]
    for epoch, updates, values in rows:
        cells = ["-" if values[c] is None else f"{values[c]:.4g}" for c in columns]
        lines.append(f"| {epoch} | {updates:,} | " + " | ".join(cells) + " |")
    tail = rows[-last:]
    means = []
    for column in columns:
        found = [values[column] for _, _, values in tail if values[column] is not None]
        means.append(f"{np.mean(found):.4g}" if found else "-")
    lines.append(f"| mean of the last {len(tail)} | | " + " | ".join(means) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run folder (log.csv and run.json)")
    parser.add_argument("--columns", nargs="+", default=["fid", "g_output_cosine", "sample_variance",
                                                          "high_frequency_ratio", "d_real", "d_fake"],
                        help="log.csv columns; rows are the epochs where the first was measured")
    parser.add_argument("--last", type=int, default=3, help="rows averaged on the last line (default 3)")
    args = parser.parse_args(argv)
    print(table(args.run, args.columns, args.last))


if __name__ == "__main__":
    main()
