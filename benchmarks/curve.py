"""A run's validation Parzen curve from its `log.csv`: the estimate after every N-th epoch, its best, and its trend.

Usage: python -m benchmarks.curve checkpoints/mnist_faithful/log.csv --every 25
"""

import argparse
import csv

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("log", help="a run's log.csv")
    parser.add_argument("--every", type=int, default=25, help="epochs between printed rows (default 25)")
    args = parser.parse_args()
    with open(args.log, newline="") as f:
        rows = [row for row in csv.DictReader(f) if row.get("parzen_ll", "NA") != "NA"]
    epochs = np.array([int(row["epoch"]) + 1 for row in rows])
    values = np.array([float(row["parzen_ll"]) for row in rows])
    print(f"{'epoch':>6s} {'estimate':>9s} {'mean of the 10 epochs up to it':>31s}")
    for epoch, value in zip(epochs, values):
        if epoch % args.every == 0 or epoch == epochs[-1]:
            recent = values[(epochs > epoch - 10) & (epochs <= epoch)]
            print(f"{epoch:6d} {value:9.1f} {recent.mean():31.1f}")
    best = int(np.argmax(values))
    print(f"best: {values[best]:.1f} after epoch {epochs[best]}; last: {values[-1]:.1f} after epoch {epochs[-1]}")


if __name__ == "__main__":
    main()
