"""Sample-quality metrics on classifier features: FID, KID, precision/recall, density/coverage and more.

Every function takes features, `(N, d)` arrays, e.g. the `embeddings` and
`probabilities` of `keras_gan.evaluation.classifiers.classify`; `real` are
features of real images, `fake` of samples. What each one measures:

- `frechet_distance` (FID's formula; Heusel et al., 2017, "GANs Trained by a
  Two Time-Scale Update Rule Converge to a Local Nash Equilibrium"): the
  distance between Gaussians fitted to the two sets,
  `||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2))`. 0 for identical
  statistics; biased upwards for small sets.
- `kernel_distance` (KID; Binkowski et al., 2018, "Demystifying MMD GANs"):
  the unbiased estimate of the squared maximum mean discrepancy with the
  kernel `k(x, y) = (x.y / d + 1)^3`, averaged over random subsets. Unbiased:
  its expectation is 0 when both sets come from one distribution, so it
  can be slightly negative.
- `prdc`: precision and recall (Kynkaenniemi et al., 2019, "Improved
  Precision and Recall Metric for Assessing Generative Models"), the
  fraction of samples inside the real images' manifold (the union of balls
  around each real feature reaching its k-th nearest real neighbour, k = 3),
  and of real images inside the samples' manifold; density and coverage
  (Naeem et al., 2020, "Reliable Fidelity and Diversity Metrics for
  Generative Models"), the mean number of real balls (k = 5) a sample falls
  in, divided by k, and the fraction of real balls holding at least one
  sample. Precision and density fall with bad samples, recall and coverage
  with missing modes.
- `classifier_score`: the Inception score's formula (Salimans et al., 2016,
  "Improved Techniques for Training GANs") with the package's classifier,
  `exp(E_x KL(p(y|x) || p(y)))`: high when each sample is confidently one
  class and the classes are balanced; at most the number of classes.
- `class_statistics`: the histogram of the samples' most probable classes
  against the data's: how many classes are drawn at least `min_ratio` times
  as often as in the data, the largest and smallest share, and the
  histogram's entropy beside the data's.
- `memorisation`: each sample's distance to its nearest training feature,
  against the distances of held-out real images (the test split) to their
  nearest training feature: the fraction of samples closer to the training
  set than all but `quantile` of new real images are. About `quantile` for a
  model that draws new images, up to 1 for one that copies.

`FEATURE_METRICS` is the one list of them by name (with each value's key,
label and format), which `sample_quality` and the `SampleQuality` callback
both compute through `feature_metrics`.

How they are computed. Distances are blocked matrix products in float32
(`||a||^2 + ||b||^2 - 2 a.b`, 1,000 rows at a time, so 10,000 x 10,000 sets
need 40 MB at once), the k-th neighbour radii for precision/recall and
density/coverage come from one `numpy.partition` per block, and one
real-to-sample block serves all four. The nearest training feature of
`memorisation` is recomputed directly (`||a - b||^2`), free of the
cancellation, so exact copies are at distance 0. The Fréchet distance's
matrix square root is not computed: `Tr((S_r S_f)^(1/2))` is the sum of the
square roots of the eigenvalues of `S_r^(1/2) S_f S_r^(1/2)`, a symmetric
matrix (two `numpy.linalg.eigh` calls, float64). `benchmarks/sample_quality.py`
times each part against a straightforward implementation.
"""

from typing import Callable, Iterable, NamedTuple

import numpy as np
import scipy.special

from keras_gan._checks import check_positive_int, check_positive_number

# Rows of a distance block: 1,000 x 10,000 float32 distances are 40 MB.
_BLOCK = 1000


class KernelDistance(NamedTuple):
    """KID: the mean and standard deviation of the unbiased MMD^2 over subsets."""

    mean: float
    std: float


class PRDC(NamedTuple):
    """Precision, recall (k = 3), density and coverage (k = 5) of samples against real images."""

    precision: float
    recall: float
    density: float
    coverage: float


class ClassifierScore(NamedTuple):
    """The Inception score's formula over splits of the samples: mean and standard deviation."""

    mean: float
    std: float


class ClassStatistics(NamedTuple):
    """The histogram of the samples' classes against the data's.

    Attributes:
        covered: int. Classes drawn at least `min_ratio` times as often as in the data.
        num_classes: int. Classes of the classifier.
        largest_share: float. Share of the most frequent class.
        smallest_share: float. Share of the least frequent class.
        entropy: float. Entropy of the samples' histogram (nats; at most `log(num_classes)`).
        data_entropy: float. Entropy of the data's histogram, measured the same way.
    """

    covered: int
    num_classes: int
    largest_share: float
    smallest_share: float
    entropy: float
    data_entropy: float


class Memorisation(NamedTuple):
    """How close samples are to the training set, against new real images.

    Attributes:
        fraction: float. Fraction of samples nearer to a training feature than
            `threshold`; about `quantile` for new images, 1 for copies.
        threshold: float. The `quantile`-quantile of the held-out images'
            nearest-training distances.
        median_ratio: float. The samples' median nearest-training distance
            over the held-out images' (below 1: closer to the training set
            than new real images are).
        quantile: float. The quantile that sets `threshold`.
    """

    fraction: float
    threshold: float
    median_ratio: float
    quantile: float


def frechet_distance(real, fake) -> float:
    """The Fréchet distance between Gaussians fitted to two feature sets (FID's formula).

    `||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2))` with the sample
    means and the covariances (`numpy.cov`, N - 1 in the denominator, as FID's
    reference code). Clipped at 0, its true minimum, against rounding.

    Args:
        real: array `(N, d)`. Features of real images.
        fake: array `(M, d)`. Features of samples.

    Returns:
        float.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(1000, 4))
    >>> round(frechet_distance(x, x + 1.0), 6)
    4.0
    """
    real = _as_features(real, "real", minimum=2)
    fake = _as_features(fake, "fake", minimum=2)
    _check_same_dim(real, fake)
    mu_r, mu_f = real.mean(axis=0), fake.mean(axis=0)
    cov_r, cov_f = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    cov_r, cov_f = np.atleast_2d(cov_r), np.atleast_2d(cov_f)
    values, vectors = np.linalg.eigh(cov_r)
    root_r = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    # S_r^(1/2) S_f S_r^(1/2) is symmetric PSD with the eigenvalues of S_r S_f.
    middle = np.linalg.eigvalsh(root_r @ cov_f @ root_r)
    trace_root = np.sqrt(np.clip(middle, 0.0, None)).sum()
    distance = np.sum((mu_r - mu_f) ** 2) + np.trace(cov_r) + np.trace(cov_f) - 2.0 * trace_root
    return max(float(distance), 0.0)


def kernel_distance(real, fake, n_subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> KernelDistance:
    """KID: the unbiased MMD^2 with the kernel `(x.y / d + 1)^3`, over random subsets.

    For each of `n_subsets` subsets, `m = min(subset_size, N, M)` features of
    each set are drawn without replacement and
    `MMD^2_u = sum_{i != j} k(x_i, x_j) / (m (m - 1)) + sum_{i != j} k(y_i, y_j) / (m (m - 1))
    - 2 sum_{i, j} k(x_i, y_j) / m^2` is computed (float64), as in Binkowski
    et al.'s reference code with its defaults (100 subsets of 1,000).

    Args:
        real: array `(N, d)`. Features of real images.
        fake: array `(M, d)`. Features of samples.
        n_subsets: int. Number of subsets. Defaults to 100.
        subset_size: int. Features per subset and set. Defaults to 1000.
        seed: int. Seed of the subsets. Defaults to 0.

    Returns:
        `KernelDistance(mean, std)` over the subsets (population std).

    Example:
    >>> rng = np.random.default_rng(0)
    >>> same = kernel_distance(rng.normal(size=(500, 8)), rng.normal(size=(500, 8)), n_subsets=10)
    >>> abs(same.mean) < 0.01
    True
    """
    real = _as_features(real, "real", minimum=2)
    fake = _as_features(fake, "fake", minimum=2)
    _check_same_dim(real, fake)
    check_positive_int("n_subsets", n_subsets)
    check_positive_int("subset_size", subset_size)
    if subset_size < 2:
        raise ValueError(
            f"`subset_size` must be at least 2 for the unbiased estimate. Received: subset_size={subset_size}"
        )
    m = min(subset_size, len(real), len(fake))
    # x.y / d = (x / sqrt(d)).(y / sqrt(d)): scaled once, so each kernel matrix is a product, +1 and a cube.
    scale = 1.0 / np.sqrt(real.shape[1])
    real, fake = real * scale, fake * scale
    rng = np.random.default_rng(seed)
    values = np.empty(n_subsets)
    for i in range(n_subsets):
        x = real[rng.choice(len(real), m, replace=False)]
        y = fake[rng.choice(len(fake), m, replace=False)]
        same = (_cubic_kernel_sum(x, x) - np.sum((np.einsum("ij,ij->i", x, x) + 1.0) ** 3)
                + _cubic_kernel_sum(y, y) - np.sum((np.einsum("ij,ij->i", y, y) + 1.0) ** 3))
        values[i] = same / (m * (m - 1)) - 2.0 * _cubic_kernel_sum(x, y) / m**2
    return KernelDistance(float(values.mean()), float(values.std()))


def prdc(real, fake, pr_k: int = 3, dc_k: int = 5) -> PRDC:
    """Precision and recall (k = 3) and density and coverage (k = 5) of samples.

    With `B(x, r)` the closed ball of radius `r` around `x` and `NN_k(x)` the
    distance from `x` to its k-th nearest neighbour in its own set (itself
    excluded), for `N` real features `X` and `M` sample features `Y`:

    - precision = (1/M) sum_j 1[Y_j in some B(X_i, NN_3(X_i))];
    - recall = (1/N) sum_i 1[X_i in some B(Y_j, NN_3(Y_j))];
    - density = 1/(5 M) sum_j sum_i 1[Y_j in B(X_i, NN_5(X_i))];
    - coverage = (1/N) sum_i 1[some Y_j in B(X_i, NN_5(X_i))].

    Euclidean distances, as the papers'.

    Args:
        real: array `(N, d)`. Features of real images, N > `max(pr_k, dc_k)`.
        fake: array `(M, d)`. Features of samples, M > `pr_k`.
        pr_k: int. Neighbour of the precision/recall radii. Defaults to 3.
        dc_k: int. Neighbour of the density/coverage radii. Defaults to 5.

    Returns:
        `PRDC(precision, recall, density, coverage)`; density can exceed 1.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 4))
    >>> prdc(x, x).precision, prdc(x, x).coverage
    (1.0, 1.0)
    """
    check_positive_int("pr_k", pr_k)
    check_positive_int("dc_k", dc_k)
    real = _as_features(real, "real", minimum=max(pr_k, dc_k) + 1, dtype=np.float32)
    fake = _as_features(fake, "fake", minimum=pr_k + 1, dtype=np.float32)
    _check_same_dim(real, fake)
    real_pr, real_dc = _neighbour_radii(real, (pr_k, dc_k))
    (fake_pr,) = _neighbour_radii(fake, (pr_k,))
    fake_norms = np.einsum("ij,ij->i", fake, fake)
    precise = np.zeros(len(fake), bool)
    recalled = np.empty(len(real), bool)
    covered = np.empty(len(real), bool)
    inside = 0
    for start in range(0, len(real), _BLOCK):
        rows = slice(start, start + _BLOCK)
        distances = _squared_distances(real[rows], fake, fake_norms)
        in_pr = distances <= real_pr[rows, None]
        in_dc = distances <= real_dc[rows, None]
        precise |= in_pr.any(axis=0)
        recalled[rows] = (distances <= fake_pr[None, :]).any(axis=1)
        covered[rows] = in_dc.any(axis=1)
        inside += int(np.count_nonzero(in_dc))
    return PRDC(
        precision=float(precise.mean()),
        recall=float(recalled.mean()),
        density=inside / (dc_k * len(fake)),
        coverage=float(covered.mean()),
    )


def classifier_score(probabilities, splits: int = 10) -> ClassifierScore:
    """The Inception score's formula with a classifier's probabilities, over `splits` splits.

    For each of `splits` consecutive splits of the samples,
    `exp(mean_x KL(p(y|x) || p(y)))` with `p(y)` the split's mean
    prediction; the mean and standard deviation over splits are returned, as
    in Salimans et al.'s code. Between 1 (every sample gets the same
    prediction) and the number of classes (confident and balanced).

    Args:
        probabilities: array `(N, classes)`. Class probabilities of the samples.
        splits: int. Number of splits. Defaults to 10.

    Returns:
        `ClassifierScore(mean, std)`.

    Example:
    >>> round(classifier_score(np.eye(10)[np.arange(1000) % 10]).mean, 6)
    10.0
    """
    probabilities = _as_probabilities(probabilities, "probabilities")
    check_positive_int("splits", splits)
    if splits > len(probabilities):
        raise ValueError(
            f"`splits` must be at most the number of samples ({len(probabilities)}). Received: splits={splits}"
        )
    scores = [
        np.exp(scipy.special.rel_entr(part, part.mean(axis=0, keepdims=True)).sum(axis=1).mean())
        for part in np.array_split(probabilities, splits)
    ]
    return ClassifierScore(float(np.mean(scores)), float(np.std(scores)))


def class_statistics(probabilities, data_probabilities, min_ratio: float = 0.2) -> ClassStatistics:
    """The histogram of the samples' most probable classes against the data's.

    Each sample (and each real image) counts for its most probable class. A
    class is covered when its share among the samples is at least
    `min_ratio` times its share among the real images (with `min_ratio=0.2`,
    a class drawn a fifth as often as in the data still counts).

    Args:
        probabilities: array `(N, classes)`. Class probabilities of the samples.
        data_probabilities: array `(M, classes)`. Those of real images.
        min_ratio: float. Smallest share, relative to the data's, of a
            covered class. Defaults to 0.2.

    Returns:
        `ClassStatistics`.

    Example:
    >>> data = np.eye(4)[np.arange(400) % 4]
    >>> class_statistics(data[data[:, 3] == 0], data).covered
    3
    """
    probabilities = _as_probabilities(probabilities, "probabilities")
    data_probabilities = _as_probabilities(data_probabilities, "data_probabilities")
    if probabilities.shape[1] != data_probabilities.shape[1]:
        raise ValueError(
            "`probabilities` and `data_probabilities` must have as many classes. Received: "
            f"{probabilities.shape[1]} and {data_probabilities.shape[1]}"
        )
    check_positive_number("min_ratio", min_ratio)
    num_classes = probabilities.shape[1]
    shares = np.bincount(probabilities.argmax(axis=1), minlength=num_classes) / len(probabilities)
    data_shares = np.bincount(data_probabilities.argmax(axis=1), minlength=num_classes) / len(data_probabilities)
    present = data_shares > 0
    return ClassStatistics(
        # The tolerance keeps a share of exactly `min_ratio` times the data's covered despite rounding.
        covered=int(np.count_nonzero(shares[present] >= min_ratio * data_shares[present] - 1e-12)),
        num_classes=num_classes,
        largest_share=float(shares.max()),
        smallest_share=float(shares.min()),
        entropy=float(scipy.special.entr(shares).sum()),
        data_entropy=float(scipy.special.entr(data_shares).sum()),
    )


def memorisation(samples, train, heldout, quantile: float = 0.01) -> Memorisation:
    """Whether samples sit closer to the training set than new real images do.

    `d(x)` is the Euclidean distance from `x` to its nearest feature in
    `train`. The threshold is the `quantile`-quantile of `d` over `heldout`
    (real images not in `train`, e.g. the test split); the returned fraction
    is that of samples with `d <= threshold`.

    Args:
        samples: array `(N, d)`. Features of samples.
        train: array `(M, d)`. Features of training images.
        heldout: array `(K, d)`. Features of real images not in `train`.
        quantile: float. In (0, 1). Defaults to 0.01.

    Returns:
        `Memorisation(fraction, threshold, median_ratio, quantile)`.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> train, heldout = rng.normal(size=(500, 4)), rng.normal(size=(500, 4))
    >>> memorisation(train[:100], train, heldout).fraction
    1.0
    """
    samples = _as_features(samples, "samples", dtype=np.float32)
    train = _as_features(train, "train", dtype=np.float32)
    heldout = _as_features(heldout, "heldout", dtype=np.float32)
    _check_same_dim(train, samples, "samples")
    _check_same_dim(train, heldout, "heldout")
    if not (isinstance(quantile, float) and 0.0 < quantile < 1.0):
        raise ValueError(f"`quantile` must be a float in (0, 1). Received: quantile={quantile!r}")
    sample_distances = nearest_distances(samples, train)
    heldout_distances = nearest_distances(heldout, train)
    threshold = float(np.quantile(heldout_distances, quantile))
    median = float(np.median(heldout_distances))
    return Memorisation(
        fraction=float(np.mean(sample_distances <= threshold)),
        threshold=threshold,
        median_ratio=float(np.median(sample_distances)) / median if median > 0 else float("inf"),
        quantile=quantile,
    )


class FeatureMetric(NamedTuple):
    """One metric of `FEATURE_METRICS`: what it tells, the values it reports, and how they are computed.

    Attributes:
        description: str. The question it answers.
        values: tuple of `(key, label, format)`. Each value shown in a
            report: its key, its label and its format (a format with two
            fields also takes the key's `_std` or `_se` partner, which
            `compute` gives too).
        compute: callable `(fake, real, heldout, seed) -> dict`. The values by
            key, from the features (`embeddings` and `probabilities`, as
            `keras_gan.evaluation.classifiers.Features`) of the samples, of
            the real reference set and of held-out real images (None unless
            `needs_heldout`), and a seed.
        needs_heldout: bool. Whether `compute` reads `heldout`. Defaults to False.
    """

    description: str
    values: tuple
    compute: Callable[..., dict]
    needs_heldout: bool = False


def _fid(fake, real, heldout, seed: int) -> dict:
    return {"fid": frechet_distance(real.embeddings, fake.embeddings)}


def _kid(fake, real, heldout, seed: int) -> dict:
    kid = kernel_distance(real.embeddings, fake.embeddings, seed=seed)
    return {"kid": 1000 * kid.mean, "kid_std": 1000 * kid.std}  # in units of 1e-3, as KID is usually quoted


def _prdc(fake, real, heldout, seed: int) -> dict:
    return prdc(real.embeddings, fake.embeddings)._asdict()


def _classes(fake, real, heldout, seed: int) -> dict:
    stats = class_statistics(fake.probabilities, real.probabilities)
    score = classifier_score(fake.probabilities, splits=min(10, len(fake.probabilities)))
    return dict(
        classes_covered=stats.covered, largest_class_share=stats.largest_share,
        smallest_class_share=stats.smallest_share, class_entropy=stats.entropy,
        classifier_score=score.mean, classifier_score_std=score.std,
    )


def _memorisation(fake, real, heldout, seed: int) -> dict:
    result = memorisation(fake.embeddings, real.embeddings, heldout.embeddings)
    return {"memorised_fraction": result.fraction, "nearest_distance_ratio": result.median_ratio}


# The metrics on classifier features, by name: `sample_quality` and the `SampleQuality` callback both read them here.
FEATURE_METRICS = {
    "fid": FeatureMetric("overall distance (Gaussian fit)", (("fid", "FID (classifier features)", "{:.3f}"),), _fid),
    "kid": FeatureMetric("overall distance (unbiased, kernel)", (("kid", "KID (x 1000)", "{:.2f} +- {:.2f}"),), _kid),
    "prdc": FeatureMetric(
        "are samples like real images (precision, density); is every kind drawn (recall, coverage)",
        (("precision", "precision (k=3)", "{:.3f}"), ("recall", "recall (k=3)", "{:.3f}"),
         ("density", "density (k=5)", "{:.3f}"), ("coverage", "coverage (k=5)", "{:.3f}")),
        _prdc,
    ),
    "classes": FeatureMetric(
        "which classes the samples drop",
        (("classes_covered", "classes covered", "{}/{}"), ("largest_class_share", "largest class share", "{:.3f}"),
         ("smallest_class_share", "smallest class share", "{:.3f}"),
         ("class_entropy", "class entropy (nats)", "{:.3f}"),
         ("classifier_score", "classifier score", "{:.2f} +- {:.2f}")),
        _classes,
    ),
    "memorisation": FeatureMetric(
        "does the model copy its training images",
        (("memorised_fraction", "memorised fraction (1% quantile)", "{:.3f}"),
         ("nearest_distance_ratio", "nearest-training distance / test's", "{:.3f}")),
        _memorisation,
        needs_heldout=True,
    ),
}


def feature_metrics(fake, real, heldout, names: Iterable[str], seed: int = 0) -> dict:
    """The values of the `FEATURE_METRICS` in `names`, for the features `fake` against `real`.

    Args:
        fake: `Features`. Of the samples.
        real: `Features`. Of the real reference set.
        heldout: `Features` or None. Of held-out real images; needed by
            the metrics marked `needs_heldout` (memorisation).
        names: iterable of str. Keys of `FEATURE_METRICS`.
        seed: int. Seed of KID's subsets. Defaults to 0.

    Returns:
        dict. Value key -> value, in `FEATURE_METRICS`' order.

    Example:
    >>> from keras_gan.evaluation.classifiers import Features
    >>> rng = np.random.default_rng(0)
    >>> real, fake = (Features(rng.normal(size=(50, 4)), np.full((50, 2), 0.5)) for _ in range(2))
    >>> sorted(feature_metrics(fake, real, None, ["fid", "kid"]))
    ['fid', 'kid', 'kid_std']
    """
    names = set(names)
    unknown = sorted(names - set(FEATURE_METRICS))
    if unknown:
        raise ValueError(f"`names` must be keys of FEATURE_METRICS {tuple(FEATURE_METRICS)}. Received: {unknown}")
    if heldout is None and any(FEATURE_METRICS[name].needs_heldout for name in names):
        raise ValueError(f"`heldout` features are needed by {sorted(n for n in names if FEATURE_METRICS[n].needs_heldout)}.")
    values = {}
    for name, metric in FEATURE_METRICS.items():
        if name in names:
            values.update(metric.compute(fake, real, heldout, seed))
    return values


def nearest_distances(x, reference) -> np.ndarray:
    """The Euclidean distance from each row of `x` to its nearest row of `reference`.

    The nearest row is found with blocked float32 products, then its distance
    is recomputed directly in float64, so that a copy is at exactly 0.

    Example:
    >>> nearest_distances(np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[3.0, 4.0]])).tolist()
    [5.0, 0.0]
    """
    x = _as_features(x, "x", dtype=np.float32)
    reference = _as_features(reference, "reference", dtype=np.float32)
    _check_same_dim(reference, x, "x")
    norms = np.einsum("ij,ij->i", reference, reference)
    out = np.empty(len(x))
    for start in range(0, len(x), _BLOCK):
        rows = x[start : start + _BLOCK]
        nearest = _squared_distances(rows, reference, norms).argmin(axis=1)
        offsets = rows.astype(np.float64) - reference[nearest]
        out[start : start + len(rows)] = np.sqrt(np.einsum("ij,ij->i", offsets, offsets))
    return out


def _cubic_kernel_sum(x: np.ndarray, y: np.ndarray) -> float:
    """`sum_ij (x_i.y_j + 1)^3`, with four passes over the matrix."""
    gram = x @ y.T
    gram += 1.0
    cube = gram * gram
    cube *= gram
    return float(cube.sum())


def _squared_distances(x: np.ndarray, y: np.ndarray, y_norms: np.ndarray) -> np.ndarray:
    """`||x_i - y_j||^2` for a block of rows `x` (float32, clipped at 0)."""
    distances = x @ y.T
    distances *= -2.0
    distances += np.einsum("ij,ij->i", x, x)[:, None]
    distances += y_norms[None, :]
    return np.maximum(distances, 0.0, out=distances)


def _neighbour_radii(x: np.ndarray, ks: tuple) -> list:
    """For each k of `ks`, every row's squared distance to its k-th nearest other row."""
    norms = np.einsum("ij,ij->i", x, x)
    radii = [np.empty(len(x), np.float32) for _ in ks]
    for start in range(0, len(x), _BLOCK):
        distances = _squared_distances(x[start : start + _BLOCK], x, norms)
        # Each row's own distance first: it is then the 0-th neighbour, whatever the rounding.
        distances[np.arange(len(distances)), np.arange(start, start + len(distances))] = -1.0
        parts = np.partition(distances, ks, axis=1)
        for radius, k in zip(radii, ks):
            radius[start : start + len(distances)] = parts[:, k]
    return radii


def _as_features(x, name: str, minimum: int = 1, dtype=np.float64) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or x.dtype.kind not in "biuf":
        raise ValueError(f"`{name}` must be a 2-D array of real features (N, d). Received: {name}.shape={x.shape}, "
                         f"dtype={x.dtype}")
    if len(x) < minimum or x.shape[1] == 0:
        raise ValueError(f"`{name}` must hold at least {minimum} feature vectors of at least one value. "
                         f"Received: {name}.shape={x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"`{name}` must contain only finite values: remove or repair the rows with NaN or inf.")
    return np.ascontiguousarray(x, dtype=dtype)


def _as_probabilities(p, name: str) -> np.ndarray:
    p = _as_features(p, name)
    if (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(f"`{name}` must hold probabilities: non-negative rows that sum to 1 (apply a softmax).")
    return p


def _check_same_dim(a: np.ndarray, b: np.ndarray, name: str = "fake") -> None:
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"`{name}` must have as many features per row as the reference set. "
                         f"Received: {b.shape[1]} and {a.shape[1]}; use features of one classifier.")
