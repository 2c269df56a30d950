"""The MNIST study's screens: configuration overrides that continue one checkpoint, ranked on validation.

Each screen is `keras-gan train mnist` with `init_from` a checkpoint (default:
`checkpoints/mnist`, the paper's settings after 250 epochs) and the screen's
settings, for `--epochs` more epochs, in `RUNS/<screen>/`. Its `log.csv` holds
the validation estimate of every epoch (`ParzenEvaluation`: 10,000 samples,
sigma chosen on the first 1,000 validation digits, the other 9,000 scored; not
the test split). The table ranks the screens by the mean of their last five
epochs' estimates, and gives the best epoch's. A finished screen is not run
again; a killed one resumes.

Usage, from the repository root:

    python -m studies.screens --data-dir ../shared/data                 # every screen, then the table
    python -m studies.screens --data-dir ../shared/data --only "lr x0.1" --seed 1
    python -m studies.screens --table                                   # the table of what has run
"""

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from keras_gan import experiments, training

# Screen name -> settings changed from the paper's (as `--set FIELD=VALUE` takes them).
SCREENS = {
    "lr x0.1": {"g_learning_rate": 0.01, "d_learning_rate": 0.005},
    "average 0.999": {"g_ema_decay": 0.999},
    "lr x0.1 + average 0.999": {"g_learning_rate": 0.01, "d_learning_rate": 0.005, "g_ema_decay": 0.999},
    "average 0.9999": {"g_ema_decay": 0.9999},
    "lr x0.01": {"g_learning_rate": 0.001, "d_learning_rate": 0.0005},
    # From update 125,000 on, 1.00001 puts the rate at 0.29 of its start (0.61 with the paper's 1.000004),
    # then halves it every 139 epochs.
    "decay 1.00001": {"decay_factor": 1.00001},
    "alternating": {"update": "alternating"},
    "paper": {},
}


def screen_config(name: str, checkpoint: Path, epochs: int, seed: int) -> experiments.Experiment:
    """Screen `name`'s configuration: `epochs` more epochs than `checkpoint`'s, XLA on."""
    done = int(json.loads(training.checkpoint_files(checkpoint)[1].read_text())["epoch"])
    changes = {**SCREENS[name], "init_from": str(checkpoint), "epochs": done + epochs, "seed": seed,
               "jit_compile": True}
    return experiments.get("mnist").override(changes)


def run_folder(runs: Path, name: str, seed: int) -> Path:
    """The screen's run folder: its name without spaces, and its seed unless 0."""
    return runs / (name.replace(" ", "").replace("+", "_") + (f"_seed{seed}" if seed else ""))


def table(runs: Path) -> str:
    """Markdown rows of every screen folder under `runs`, best first."""
    rows = []
    for log in sorted(runs.glob("*/log.csv")):
        with open(log, newline="") as f:
            values = [(int(row["epoch"]) + 1, float(row["parzen_ll"])) for row in csv.DictReader(f)
                      if row.get("parzen_ll", "NA") != "NA"]
        if not values:
            continue
        epochs, estimates = np.array(values).T
        command = json.loads((log.parent / "run.json").read_text())["command"]
        best = int(np.argmax(estimates))
        rows.append((estimates[-5:].mean(), f"| {log.parent.name} | {int(epochs[0] - 1)} -> {int(epochs[-1])} | "
                     f"{estimates[-5:].mean():.1f} | {estimates[best]:.1f} (epoch {int(epochs[best])}) | "
                     f"{estimates[-1]:.1f} | `{command}` |"))
    header = ("| screen | epochs | mean of the last 5 | best | last | command |\n"
              "|---|---|---|---|---|---|")
    return "\n".join([header] + [row for _, row in sorted(rows, reverse=True)])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder with mnist.pkl.gz (default $KERAS_GAN_DATA_DIR)")
    parser.add_argument("--checkpoint", type=Path, default=Path("checkpoints/mnist"), help="run folder to continue")
    parser.add_argument("--epochs", type=int, default=10, help="epochs each screen trains (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every screen (default 0)")
    parser.add_argument("--only", nargs="+", choices=sorted(SCREENS), help="these screens only")
    parser.add_argument("--runs", type=Path, default=Path("runs/screens"), help="folder of the screens' run folders")
    parser.add_argument("--table", action="store_true", help="print the table of what has run, train nothing")
    args = parser.parse_args(argv)
    if not args.table:
        for name in args.only or SCREENS:
            config = screen_config(name, args.checkpoint, args.epochs, args.seed)
            out = run_folder(args.runs, name, args.seed)
            print(f"{name}: {experiments.command_line(config, out=str(out))}", flush=True)
            training.train(config, out, data_dir=args.data_dir, verbose=2)
    print(table(args.runs))


if __name__ == "__main__":
    main()
