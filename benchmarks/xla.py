"""Training steps per second of each paper experiment with and without XLA, at one width.

`keras_gan.experiments` picks XLA per experiment (`Experiment.jit_compile`); this prints the
measurement behind each choice: one row per experiment, steps/s with `jit_compile=False` and
`True` on random images of the experiment's shape and batch size, and their ratio.

Usage: python -m benchmarks.xla [--width 0.25] [--steps 10] [--experiments mnist cifar10_conv]
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from benchmarks.train_step import steps_per_second  # noqa: E402
from keras_gan import experiments  # noqa: E402


def gan_steps_per_second(spec: experiments.Experiment, width: float, jit: bool, steps: int) -> float:
    keras.utils.set_random_seed(0)
    gan = spec.override({"width": width, "jit_compile": jit}).build_gan(steps)
    generator = gan.generator
    x = np.random.default_rng(0).uniform(size=(spec.batch_size * max(steps, 5), *generator.output_shape[1:]))
    return steps_per_second(gan, x.astype("float32"), steps, repeats=1, batch_size=spec.batch_size)


def parse_arguments(doc: str) -> argparse.Namespace:
    """`--width`, `--steps` and `--experiments`, the options of the per-experiment speed benchmarks."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--width", type=float, default=0.25, help="hidden-size multiplier (default 0.25)")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per measurement (default 10)")
    parser.add_argument("--experiments", nargs="+", default=sorted(experiments.EXPERIMENTS), help="default: all")
    return parser.parse_args()


def main():
    args = parse_arguments(__doc__)
    print(f"width {args.width}, {os.cpu_count()} CPUs, TensorFlow {tf.__version__}, Keras {keras.__version__}")
    print(f"{'experiment':14s} {'default':>8s} {'no XLA':>8s} {'XLA':>8s} {'XLA / no XLA':>13s}")
    for name in args.experiments:
        spec = experiments.get(name)
        plain = gan_steps_per_second(spec, args.width, False, args.steps)
        xla = gan_steps_per_second(spec, args.width, True, args.steps)
        print(f"{name:14s} {str(spec.jit_compile):>8s} {plain:8.2f} {xla:8.2f} {xla / plain:13.2f}")


if __name__ == "__main__":
    main()
