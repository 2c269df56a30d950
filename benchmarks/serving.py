"""Latency and throughput of the exported generator against Keras, on the MNIST generator.

Builds the paper's MNIST generator (100 -> Dense 1200 relu -> Dense 1200 relu ->
Dense 784 sigmoid -> 28x28x1; untrained, speed does not depend on the weights),
exports it with `keras_gan.export.export_generator` to a temporary directory,
reloads it with `tf.saved_model.load` and times, for each batch size, on the
same noise:

- `signature`: the exported `serving_default` signature, in process: the graph
  TF Serving runs, without its HTTP/gRPC layer.
- `predict`: `model.predict(z, batch_size=len(z))`.
- `model(z)`: a direct (eager) call of the Keras model.
- `sample`: the exported `sample` signature, which also draws the noise.

Every call's output is brought back as a numpy array, as `predict` does.
Latency is the median over calls; throughput is batch size / median latency;
`x predict` is `predict`'s median latency over the row's.

Run from the repository root after `pip install .` (or with `PYTHONPATH=.`):

    python benchmarks/serving.py --batch-sizes 1 64 1024 --min-time 2
"""

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gan.export import export_generator  # noqa: E402

LATENT_DIM = 100
LATENT_PRIOR = "normal"


def build_generator() -> keras.Model:
    """The paper's MNIST generator, untrained.

    Returns:
        A `keras.Model` mapping `(batch, 100)` noise to `(batch, 28, 28, 1)` images.

    Example:
    >>> build_generator().output_shape
    (None, 28, 28, 1)
    """
    return keras.Sequential(
        [
            keras.Input((LATENT_DIM,)),
            keras.layers.Dense(1200, "relu"),
            keras.layers.Dense(1200, "relu"),
            keras.layers.Dense(784, "sigmoid"),
            keras.layers.Reshape((28, 28, 1)),
        ],
        name="mnist",
    )


def time_calls(fn, min_time: float, warmup: int, min_calls: int = 5) -> np.ndarray:
    """Seconds taken by each call of `fn`, after `warmup` untimed calls.

    Args:
        fn: callable. Called with no arguments.
        min_time: float. Keep calling until this many seconds have been timed.
        warmup: int. Untimed calls first (tracing, allocation).
        min_calls: int. At least this many timed calls. Defaults to 5.

    Returns:
        A float array with one duration per timed call.

    Example:
    >>> len(time_calls(lambda: None, min_time=0.0, warmup=0))
    5
    """
    for _ in range(warmup):
        fn()
    times = []
    while len(times) < min_calls or sum(times) < min_time:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return np.array(times)


def _methods(model, serve, sample, z) -> dict:
    """The timed calls on the batch `z`, each returning numpy images."""
    batch = int(z.shape[0])
    return {
        "signature": lambda: serve(z=z)["images"].numpy(),
        "predict": lambda: model.predict(z, batch_size=batch, verbose=0),
        "model(z)": lambda: model(z, training=False).numpy(),
        "sample": lambda: sample(
            num_samples=tf.constant(batch), seed=tf.constant(0, tf.int64)
        )["images"].numpy(),
    }


def run(batch_sizes: list[int], min_time: float, warmup: int, export_dir: Path) -> list[dict]:
    """Export the generator to `export_dir` and time every method at every batch size.

    Args:
        batch_sizes: list of int. Batch sizes to time.
        min_time: float. Seconds of timed calls per method and batch size.
        warmup: int. Untimed calls before timing.
        export_dir: `pathlib.Path`. Where to write the SavedModel.

    Returns:
        One dict per (batch size, method) with keys `batch`, `method`,
        `median_ms`, `p90_ms`, `images_per_s` and `x_predict`.

    Example:
    >>> rows = run([1], min_time=0.0, warmup=1, export_dir=Path(tempfile.mkdtemp()))
    >>> [row["method"] for row in rows]
    ['signature', 'predict', 'model(z)', 'sample']
    """
    model = build_generator()
    path = export_generator(model, export_dir, latent_prior=LATENT_PRIOR)
    loaded = tf.saved_model.load(str(path))
    serve, sample = loaded.signatures["serving_default"], loaded.signatures["sample"]
    rows = []
    for batch in batch_sizes:
        z = tf.random.stateless_normal((batch, LATENT_DIM), seed=[batch, 0])
        methods = _methods(model, serve, sample, z)
        medians = {}
        for method, fn in methods.items():
            times = time_calls(fn, min_time, warmup)
            medians[method] = float(np.median(times))
            rows.append(
                {
                    "batch": batch,
                    "method": method,
                    "median_ms": 1e3 * medians[method],
                    "p90_ms": 1e3 * float(np.percentile(times, 90)),
                    "images_per_s": batch / medians[method],
                }
            )
        for row in rows[-len(methods) :]:
            row["x_predict"] = medians["predict"] / medians[row["method"]]
    return rows


def format_table(rows: list[dict]) -> str:
    """The rows of `run` as a Markdown table.

    Args:
        rows: list of dict. What `run` returns.

    Returns:
        The table, one line per row.

    Example:
    >>> print(format_table([{"batch": 1, "method": "predict", "median_ms": 2.0,
    ...                      "p90_ms": 2.5, "images_per_s": 500.0, "x_predict": 1.0}]))
    | batch | method | median ms | p90 ms | images/s | x predict |
    |------:|:-------|----------:|-------:|---------:|----------:|
    | 1 | predict | 2.000 | 2.500 | 500 | 1.00 |
    """
    lines = [
        "| batch | method | median ms | p90 ms | images/s | x predict |",
        "|------:|:-------|----------:|-------:|---------:|----------:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['batch']} | {row['method']} | {row['median_ms']:.3f} | {row['p90_ms']:.3f} "
            f"| {row['images_per_s']:,.0f} | {row['x_predict']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, run the benchmark and print the table.

    Args:
        argv: list of str or None. Arguments. Defaults to None (`sys.argv`).

    Example:
    >>> main(["--batch-sizes", "1", "--min-time", "0"])  # doctest: +SKIP
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 64, 1024])
    parser.add_argument(
        "--min-time", type=float, default=2.0, help="seconds timed per method and batch size"
    )
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls first")
    args = parser.parse_args(argv)

    print(
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs, "
        f"GPUs: {len(tf.config.list_physical_devices('GPU'))}"
    )
    with tempfile.TemporaryDirectory() as export_dir:
        rows = run(args.batch_sizes, args.min_time, args.warmup, Path(export_dir))
    print(format_table(rows))


if __name__ == "__main__":
    main()
