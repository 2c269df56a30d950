"""Throughput of the training input pipelines against the training step's consumption.

For the MNIST experiment (batch 100) and the convolutional CIFAR-10 experiment
(batch 128), prints examples/second of
- `keras_gan.datasets.load` (shuffled with a seed), after one warm-up epoch;
- `keras_gan.datasets.pipeline.epoch_batches`, the pipeline `keras-gan train` feeds to `fit`;
- the GAN's training step (the experiment's networks at `--width`, XLA as `fit`
  chooses), measured on random images of the same shape;
and the ratio of the slower pipeline to the training step (target: >= 5, so that
the input is never the bottleneck).

Usage, from the repository root:

    python -m benchmarks.input_pipeline --data-dir ../shared/data
"""

import argparse
import time
from typing import Optional, Sequence

import numpy as np

from keras_gan import datasets, experiments
from keras_gan.datasets.pipeline import epoch_batches

# (experiment, dataset, batch size) of the paper's training runs.
PIPELINES = (("mnist", "mnist", 100), ("cifar10_conv", "cifar10", 128))


def training_rate(experiment: str, width: float, steps: int = 10) -> float:
    """Examples/second the experiment's training step consumes (after tracing)."""
    spec = experiments.get(experiment)
    gan = spec.override({"width": width}).build_gan(steps_per_epoch=steps)
    shape = (spec.batch_size * steps, *gan.generator.output_shape[1:])
    x = np.random.default_rng(0).uniform(size=shape).astype("float32")
    gan.fit(x, batch_size=spec.batch_size, epochs=1, verbose=0)  # trace and compile
    start = time.perf_counter()
    gan.fit(x, batch_size=spec.batch_size, epochs=1, verbose=0)
    return len(x) / (time.perf_counter() - start)


def epoch_batches_rate(name: str, batch_size: int, data_dir: Optional[str], epochs: int = 3) -> float:
    """Examples/second of `epoch_batches` over `epochs` epochs, after one warm-up epoch."""
    images, _ = datasets.load_numpy(name, "train", data_dir=data_dir)
    dataset = epoch_batches(images, batch_size, seed=0, first_epoch=0, epochs=epochs + 1)
    steps = len(images) // batch_size
    iterator = iter(dataset)
    for _ in range(steps):  # Warm-up epoch.
        next(iterator)
    start = time.perf_counter()
    count = sum(int(next(iterator).shape[0]) for _ in range(steps * epochs))
    return count / (time.perf_counter() - start)


def pipeline_rate(
    name: str, batch_size: int, data_dir: Optional[str], epochs: int = 3
) -> float:
    """Return examples/second of a shuffled training pipeline after warm-up.

    Args:
        name: str. Dataset name, e.g. `"mnist"`.
        batch_size: int. Batch size.
        data_dir: str or None. Folder with the dataset files; None falls back
            to `KERAS_GAN_DATA_DIR`, then tensorflow-datasets.
        epochs: int. Timed epochs after the warm-up one. Defaults to 3.

    Returns:
        Examples per second over the timed epochs.

    Example:
    >>> rate = pipeline_rate("mnist", 100, "../shared/data", epochs=1)
    """
    dataset = datasets.load(
        name, "train", data_dir=data_dir, batch_size=batch_size, shuffle=True, seed=0
    )
    for _ in dataset:  # Warm-up epoch.
        pass
    count = 0
    start = time.perf_counter()
    for _ in range(epochs):
        for batch in dataset:
            count += int(batch.shape[0])
    return count / (time.perf_counter() - start)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Print the rate of each pipeline in `PIPELINES`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        default=None,
        help="Folder holding mnist.pkl.gz and a CIFAR-10 copy. Defaults to "
        "KERAS_GAN_DATA_DIR, then tensorflow-datasets.",
    )
    parser.add_argument(
        "--epochs", type=int, default=3, help="Timed epochs after warm-up."
    )
    parser.add_argument(
        "--width", type=float, default=1.0, help="Width of the networks whose step is timed (default 1.0)."
    )
    args = parser.parse_args(argv)
    print(f"{'experiment':13s} {'batch':>5s} {'load() ex/s':>12s} {'epoch_batches ex/s':>19s} "
          f"{'train step ex/s':>16s} {'ratio':>7s}")
    for experiment, name, batch_size in PIPELINES:
        load_rate = pipeline_rate(name, batch_size, args.data_dir, args.epochs)
        fit_rate = epoch_batches_rate(name, batch_size, args.data_dir, args.epochs)
        step_rate = training_rate(experiment, args.width)
        ratio = min(load_rate, fit_rate) / step_rate
        print(f"{experiment:13s} {batch_size:5d} {load_rate:12,.0f} {fit_rate:19,.0f} {step_rate:16,.0f} {ratio:7.1f}")


if __name__ == "__main__":
    main()
