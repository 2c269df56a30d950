"""A run's validation Parzen curve from its `log.csv`: the estimate after every N-th epoch, its best, and its trend.

With `--decay-factor` and `--steps-per-epoch`, also the learning rate's factor of its start after
each printed epoch (the paper's decay: divided by the factor after every update).

Usage: python -m studies.curve checkpoints/mnist_faithful/log.csv --every 25 --decay-factor 1.000004 \
    --steps-per-epoch 500
"""

import argparse
import csv

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("log", help="a run's log.csv")
    parser.add_argument("--every", type=int, default=25, help="epochs between printed rows (default 25)")
    parser.add_argument("--decay-factor", type=float, help="the run's decay_factor")
    parser.add_argument("--steps-per-epoch", type=int, help="the run's updates per epoch")
    args = parser.parse_args()
    decay = args.decay_factor is not None and args.steps_per_epoch is not None
    with open(args.log, newline="") as f:
        rows = [row for row in csv.DictReader(f) if row.get("parzen_ll", "NA") != "NA"]
    epochs = np.array([int(row["epoch"]) + 1 for row in rows])
    values = np.array([float(row["parzen_ll"]) for row in rows])
    print(f"{'epoch':>6s} {'estimate':>9s} {'mean of the 10 epochs up to it':>31s}" + (" lr / initial lr" if decay else ""))
    for epoch, value in zip(epochs, values):
        if epoch % args.every == 0 or epoch == epochs[-1]:
            recent = values[(epochs > epoch - 10) & (epochs <= epoch)]
            factor = f" {args.decay_factor ** -(epoch * args.steps_per_epoch):15.2f}" if decay else ""
            print(f"{epoch:6d} {value:9.1f} {recent.mean():31.1f}{factor}")
    best = int(np.argmax(values))
    print(f"best: {values[best]:.1f} after epoch {epochs[best]}; last: {values[-1]:.1f} after epoch {epochs[-1]}")


if __name__ == "__main__":
    main()
