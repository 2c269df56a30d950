"""Time the full sample-quality metric set for 10,000 samples against 10,000 real images, part by part.

The parts `keras_gan.evaluation.sample_quality` runs for one column (Parzen,
the paper's protocol, has its own benchmark, `benchmarks/parzen.py`):
classifier features of the samples, of the real training images and of the
test images that are memorisation's baseline; FID; KID (100 subsets of
1,000); precision/recall (k = 3) and density/coverage (k = 5); the class
histogram and classifier score; memorisation. Each part is timed as the
package does it and as a straightforward implementation would, in the same
run, on the same features, and the values of both are printed so they can be
compared:

- features: `keras.Model.predict` (batches of 32) against `classify`
  (batches of 1,000 through one traced function);
- FID: `scipy.linalg.sqrtm(S_r @ S_f)` against two symmetric eigendecompositions;
- KID: `(x @ y.T / d + 1) ** 3` per subset against `_cubic_kernel_sum`;
- P/R/D/C: the `prdc` package's method (full float64 distance matrices with
  `scipy.spatial.distance.cdist`, run once per k) against blocked float32
  products shared by all four;
- memorisation: `cdist(...).min(axis=1)` against `nearest_distances`.

Usage, from the repository root:

    python -m benchmarks.sample_quality --data-dir ../shared/data [--model mnist] [--skip-straightforward]
"""

import argparse
import os
import platform
import time

import keras
import numpy as np
import scipy.linalg
import scipy.spatial.distance

from keras_gan import pretrained
from keras_gan.evaluation import Features, classify, load_classifier, metrics
from keras_gan.evaluation.classifiers import classifier_name


def straightforward_fid(real, fake) -> float:
    mu_r, mu_f = real.mean(0), fake.mean(0)
    cov_r, cov_f = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    root = scipy.linalg.sqrtm(cov_r @ cov_f).real
    return float(np.sum((mu_r - mu_f) ** 2) + np.trace(cov_r + cov_f - 2 * root))


def straightforward_kid(real, fake, n_subsets=100, m=1000, seed=0) -> float:
    d, rng, values = real.shape[1], np.random.default_rng(seed), []
    off = ~np.eye(m, dtype=bool)
    for _ in range(n_subsets):
        x, y = real[rng.choice(len(real), m, replace=False)], fake[rng.choice(len(fake), m, replace=False)]
        k_xx, k_yy, k_xy = ((x @ x.T / d + 1) ** 3), ((y @ y.T / d + 1) ** 3), ((x @ y.T / d + 1) ** 3)
        values.append(k_xx[off].mean() + k_yy[off].mean() - 2 * k_xy.mean())
    return float(np.mean(values))


def straightforward_prdc(real, fake, k) -> tuple:
    """The `prdc` package's `compute_prdc`, with scipy's distances."""
    real_radii = np.partition(scipy.spatial.distance.cdist(real, real), k, axis=1)[:, k]
    fake_radii = np.partition(scipy.spatial.distance.cdist(fake, fake), k, axis=1)[:, k]
    cross = scipy.spatial.distance.cdist(real, fake)
    precision = (cross <= real_radii[:, None]).any(axis=0).mean()
    recall = (cross <= fake_radii[None, :]).any(axis=1).mean()
    density = (cross <= real_radii[:, None]).sum(axis=0).mean() / k
    coverage = (cross.min(axis=1) <= real_radii).mean()
    return float(precision), float(recall), float(density), float(coverage)


def straightforward_memorisation(samples, train, heldout, quantile=0.01) -> float:
    sample_d = scipy.spatial.distance.cdist(samples, train).min(axis=1)
    heldout_d = scipy.spatial.distance.cdist(heldout, train).min(axis=1)
    return float(np.mean(sample_d <= np.quantile(heldout_d, quantile)))


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mnist", help="a pretrained generator (default mnist)")
    parser.add_argument("--data-dir", help="folder with the dataset files (default $KERAS_GAN_DATA_DIR)")
    parser.add_argument("-n", type=int, default=10000, help="samples, real images and test images (default 10000)")
    parser.add_argument("--skip-straightforward", action="store_true", help="time the package's parts only")
    args = parser.parse_args(argv)
    spec = pretrained.load_model(args.model)
    dataset = spec.dataset()
    samples = spec.generate(args.n, seed=0)
    rng = np.random.default_rng(0)
    train = spec.output_space.real_images(dataset, "train", args.data_dir)
    train = train[np.sort(rng.permutation(len(train))[: args.n])]
    test = spec.output_space.real_images(dataset, "test", args.data_dir)[: args.n]
    classifier = load_classifier(dataset)
    classify(samples[:10], classifier)  # trace once, outside the timing
    cpu = sorted({flag for flag in open("/proc/cpuinfo").read().split() if flag in ("avx512f", "amx_bf16")}) \
        if os.path.exists("/proc/cpuinfo") else []
    print(f"{args.model}: {len(samples):,} samples, {len(train):,} training and {len(test):,} test images, "
          f"{classifier_name(dataset)} classifier; {platform.machine()}, {os.cpu_count()} CPU cores "
          f"({', '.join(cpu) or 'no avx512f/amx_bf16'}), Keras {keras.__version__}")

    rows = []

    def part(name, fast, slow=None):
        value, seconds = timed(*fast)
        slow_value, slow_seconds = timed(*slow) if slow and not args.skip_straightforward else (None, None)
        rows.append((name, seconds, slow_seconds, value, slow_value))
        return value

    images = np.concatenate([samples, train, test])
    features = part("features (3 sets)", (classify, images, classifier),
                    (lambda x: classifier.predict(x, batch_size=32, verbose=0), images))
    n_fake, n_real = len(samples), len(samples) + len(train)
    fake, real, heldout = np.split(features.embeddings, [n_fake, n_real])
    fake_p, real_p, _ = np.split(features.probabilities, [n_fake, n_real])
    part("FID", (metrics.frechet_distance, real, fake), (straightforward_fid, real, fake))
    part("KID", (lambda: metrics.kernel_distance(real, fake).mean,), (straightforward_kid, real, fake))
    part("precision/recall/density/coverage", (lambda: tuple(metrics.prdc(real, fake)),),
         (lambda: straightforward_prdc(real, fake, 3)[:2] + straightforward_prdc(real, fake, 5)[2:],))
    part("classes and classifier score",
         (lambda: (metrics.class_statistics(fake_p, real_p).covered, metrics.classifier_score(fake_p).mean),))
    part("memorisation", (lambda: metrics.memorisation(fake, real, heldout).fraction,),
         (straightforward_memorisation, fake, real, heldout))

    print(f"{'part':36s} {'package (s)':>12s} {'straightforward (s)':>20s} {'ratio':>7s}  "
          "values (package | straightforward)")
    for name, seconds, slow_seconds, value, slow_value in rows:
        if slow_seconds is None:
            print(f"{name:36s} {seconds:12.2f} {'':>20s} {'':>7s}  {_show(value)}")
        else:
            print(f"{name:36s} {seconds:12.2f} {slow_seconds:20.2f} {slow_seconds / seconds:6.1f}x  "
                  f"{_show(value)} | {_show(slow_value)}")
    total = sum(row[1] for row in rows)
    line = f"{'total':36s} {total:12.2f}"
    if not args.skip_straightforward:
        slow_total = sum(row[2] for row in rows if row[2] is not None) + sum(row[1] for row in rows if row[2] is None)
        line += f" {slow_total:20.2f} {slow_total / total:6.1f}x"
    print(line)


def _show(value) -> str:
    if isinstance(value, Features):
        value = value._asdict()
    if isinstance(value, dict):  # features: the embedding's size, and a checksum to compare the two ways
        embeddings = next(iter(value.values()))
        return f"{embeddings.shape[1]}-d, mean {float(np.mean(embeddings)):.6f}"
    if isinstance(value, tuple):
        return ", ".join(f"{v:.4g}" for v in value)
    return f"{value:.4g}"


if __name__ == "__main__":
    main()
