"""Throughput of the training input pipelines, in examples per second.

Times `keras_gan.datasets.load` for the MNIST (batch 100) and CIFAR-10
(batch 128) training splits, shuffled with a seed, after one warm-up epoch
(by then the decoded arrays are cached and the pipeline is built).

Usage, from the repository root:

    python -m benchmarks.input_pipeline --data-dir ../shared/data
"""

import argparse
import time
from typing import Optional, Sequence

from keras_gan import datasets

# (dataset, batch size) of the paper's training runs.
PIPELINES = (("mnist", 100), ("cifar10", 128))


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
    args = parser.parse_args(argv)
    for name, batch_size in PIPELINES:
        rate = pipeline_rate(name, batch_size, args.data_dir, args.epochs)
        print(f"{name:8s} batch {batch_size:4d}: {rate:10,.0f} examples/s")


if __name__ == "__main__":
    main()
