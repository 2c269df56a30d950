"""Parzen-window evaluation on real MNIST: the reference number and the protocol's speed.

1. Reference. The first 10,000 real MNIST training digits stand in for
   generator samples; sigma is chosen on the validation digits and the
   log-likelihood of the 10,000 test digits is reported with its standard
   error, by the paper's protocol (10-sigma grid on the first 1,000
   validation digits) and by the refined search. Real digits score about 240
   nats; the paper's GAN scored 225 +- 2.
2. Speed. The full protocol (10,000 samples; all 10,000 validation digits at
   each of the 10 sigmas; 10,000 test digits) through
   `keras_gan.evaluation.evaluate_generator`, best of `--repeats` runs, against
   a per-example numpy loop in the style of the paper's `parzen_ll.py` (for
   each example: squared distances to all samples, then logsumexp). The loop
   is timed on `--naive-examples` test digits and scaled to the full size:
   110,000 example-sigma evaluations, since the paper's code recomputes the
   distances for every sigma (also shown: the loop with distances shared
   across sigmas). The loop runs in float32, the data's own dtype and its
   faster setting here, so the speed-up is not flattered.

The data come from `keras_gan.datasets.load_numpy("mnist", ...)`: pixels k/255,
the values of the paper's code (`mnist.pkl.gz` stores k/256 and is rescaled).

Usage, from the repository root:

    python -m benchmarks.parzen --data-dir ../shared/data
"""

import argparse
import math
import os
import time
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import scipy.special

# Importing keras_gan loads TensorFlow (unused here): keep its start-up logs quiet.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_gan import datasets  # noqa: E402
from keras_gan.evaluation import evaluate_generator, parzen_log_likelihood  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
N_SAMPLES = 10000


def load_mnist(data_dir: Path) -> tuple:
    """Return the train, valid and test images of MNIST as (N, 784) float32, pixels k/255.

    Example:
    >>> train, valid, test = load_mnist(Path("../shared/data"))
    """
    return tuple(
        datasets.load_numpy("mnist", split, data_dir=data_dir)[0].reshape(-1, 784)
        for split in ("train", "valid", "test")
    )


def naive_log_likelihood(samples: np.ndarray, data: np.ndarray, sigma: float) -> tuple:
    """The paper-style loop: one example at a time, distances then logsumexp.

    Args:
        samples: np.ndarray. Window centres, shape (N, d).
        data: np.ndarray. Examples to evaluate, shape (M, d).
        sigma: float. Window width.

    Returns:
        `(log_likelihoods, distance_seconds, logsumexp_seconds)`: the (M,)
        log-likelihoods and the time spent in each half of the loop.

    Example:
    >>> ll, _, _ = naive_log_likelihood(np.zeros((3, 2)), np.ones((2, 2)), 1.0)
    """
    n, dim = samples.shape
    norm = math.log(n) + 0.5 * dim * math.log(2 * math.pi * sigma**2)
    out = np.empty(len(data))
    distance_s = logsumexp_s = 0.0
    for i, x in enumerate(data):
        start = time.perf_counter()
        squared = ((samples - x) ** 2).sum(axis=1)
        middle = time.perf_counter()
        out[i] = scipy.special.logsumexp(-squared / (2 * sigma**2)) - norm
        distance_s += middle - start
        logsumexp_s += time.perf_counter() - middle
    return out, distance_s, logsumexp_s


def reference(samples: np.ndarray, valid: np.ndarray, test: np.ndarray) -> list:
    """Run both protocols on the paper's first 1,000 validation examples.

    Args:
        samples: np.ndarray. Window centres, shape (N, d).
        valid: np.ndarray. Validation examples, shape (M, d).
        test: np.ndarray. Test examples, shape (K, d).

    Returns:
        One `(ParzenResult, seconds)` pair per protocol, `"paper"` first.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> rows = reference(*(rng.uniform(size=(n, 4)) for n in (50, 20, 20)))
    """
    rows = []
    for protocol in ("paper", "refine"):
        start = time.perf_counter()
        result = evaluate_generator(samples, valid, test, protocol=protocol, n_valid=1000)
        rows.append((result, time.perf_counter() - start))
    return rows


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Parse the command line, run both parts and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("KERAS_GAN_DATA_DIR", DEFAULT_DATA_DIR)),
        help="folder with mnist.pkl.gz (default: $KERAS_GAN_DATA_DIR, else ../shared/data)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of the full protocol; the best is shown")
    parser.add_argument("--naive-examples", type=int, default=200, help="test digits the naive loop is timed on")
    args = parser.parse_args(argv)

    train, valid, test = load_mnist(args.data_dir)
    samples = train[:N_SAMPLES]
    print(f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} at start")

    print("\n1. Reference: 10,000 real MNIST training digits as samples (paper: GAN 225 +- 2)")
    print(f"{'protocol':<9}{'n_valid':>8}{'sigma':>9}{'valid LL':>10}{'test LL':>18}{'time (s)':>10}")
    rows = reference(samples, valid, test)
    for result, elapsed in rows:
        test_ll = f"{result.mean:.1f} +- {result.std_error:.1f}"
        print(
            f"{result.protocol:<9}{result.n_valid:>8}{result.sigma:>9.4f}{result.valid_curve.max():>10.1f}"
            f"{test_ll:>18}{elapsed:>10.2f}"
        )
    print(rows[0][0])

    print(
        "\n2. Full protocol: 10,000 samples; 10,000 valid x 10 sigmas "
        "(numpy.logspace(-1, 0, 10)); 10,000 test"
    )
    times, cpu_times = [], []
    for _ in range(args.repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        full = evaluate_generator(samples, valid, test, n_valid=None)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    fast_s = min(times)

    subset = test[: args.naive_examples]
    naive_ll, distance_s, logsumexp_s = naive_log_likelihood(samples, subset, full.sigma)
    fast_ll = parzen_log_likelihood(samples, subset, full.sigma)
    per_distance = distance_s / len(subset)
    per_logsumexp = logsumexp_s / len(subset)
    n_sigmas, n_valid, n_test = len(full.sigmas), full.n_valid, full.n_test
    evaluations = n_sigmas * n_valid + n_test
    naive_s = evaluations * (per_distance + per_logsumexp)
    shared_s = (n_valid + n_test) * per_distance + evaluations * per_logsumexp

    print(f"{'method':<58}{'time (s)':>10}{'speed-up':>10}")
    print(f"{f'keras_gan.evaluation (best of {args.repeats})':<58}{fast_s:>10.2f}{'1x':>10}")
    print(
        f"{f'naive loop, {evaluations:,} evaluations (scaled)':<58}{naive_s:>10.0f}{naive_s / fast_s:>9.0f}x"
    )
    print(
        f"{'naive loop, distances shared across sigmas (scaled)':<58}{shared_s:>10.0f}{shared_s / fast_s:>9.0f}x"
    )
    print(
        f"naive loop timed on {len(subset)} test digits at sigma={full.sigma:.3g}: "
        f"{1e3 * per_distance:.1f} ms distances + {1e3 * per_logsumexp:.1f} ms logsumexp per example, "
        f"scaled to {n_sigmas} x {n_valid:,} + {n_test:,} evaluations"
    )
    print(
        f"all runs, wall (CPU, both cores) s: "
        f"{', '.join(f'{t:.2f} ({c:.2f})' for t, c in zip(times, cpu_times))}"
    )
    print(f"max |fast - naive (float32)| on those digits: {np.abs(fast_ll - naive_ll).max():.1e} nats")
    print(full)


if __name__ == "__main__":
    main()
