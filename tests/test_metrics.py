"""Sample-quality metrics: formulas against brute force, and evidence that each measures what it claims.

The formula tests and the behaviour tests on synthetic features need no data:
features are drawn from a mixture of 10 Gaussian "classes" in 8 dimensions.
The tests on MNIST use the shipped classifier and the real digits (from
`KERAS_GAN_DATA_DIR`; skipped without it).
"""

import dataclasses
import itertools
import json
import math

import keras
import numpy as np
import pytest
import scipy.linalg

import keras_gan
from keras_gan import GAN, classifier_training, cli, datasets
from keras_gan.callbacks import SampleQuality
from keras_gan.checkpoints import verify_file
from keras_gan.evaluation import (
    METRICS,
    Features,
    QualityReport,
    build_classifier,
    class_statistics,
    classifier_score,
    classifiers,
    classify,
    frechet_distance,
    kernel_distance,
    load_classifier,
    memorisation,
    prdc,
    sample_quality,
)
from keras_gan.evaluation.classifiers import CLASSIFIER_OF, PerImageStandardization, classifier_folder
from keras_gan.evaluation.metrics import FEATURE_METRICS, feature_metrics, nearest_distances
from keras_gan.records import machine_description
from tests import helpers
from tests.helpers import write_mnist

CENTRES = np.random.default_rng(123).normal(scale=4.0, size=(10, 8))
DATA_DIR = str(helpers.DATA_DIR)
needs_data = helpers.needs_data()


def mixture(n, seed, classes=range(10)):
    """`n` features of the 10-class Gaussian mixture, drawn from `classes` only, and their classes."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(list(classes), n)
    return CENTRES[labels] + rng.normal(size=(n, CENTRES.shape[1])), labels


# Formulas against brute force.


@pytest.mark.parametrize("n, d", [(50, 5), (7, 10)])  # the second: singular covariances
def test_frechet_distance_matches_the_formula_with_scipy_sqrtm(n, d):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(n, d)), 2.0 * rng.normal(size=(n, d)) + 0.5
    cov_x, cov_y = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    root = scipy.linalg.sqrtm(cov_x @ cov_y).real
    expected = np.sum((x.mean(0) - y.mean(0)) ** 2) + np.trace(cov_x + cov_y - 2 * root)
    assert frechet_distance(x, y) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-9)


def test_kernel_distance_is_the_unbiased_mmd_with_the_cubic_kernel():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(9, 3)) + 0.3
    # One subset of all 9 = min(sizes) points of each set; the estimate does not depend on their order.
    m = 9

    def k(a, b):
        return (a @ b / 3 + 1.0) ** 3

    def mmd(a, b):
        same_a = sum(k(a[i], a[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
        same_b = sum(k(b[i], b[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
        cross = sum(k(a[i], b[j]) for i in range(m) for j in range(m)) / m**2
        return same_a + same_b - 2 * cross

    result = kernel_distance(x[:9], y, n_subsets=3, subset_size=50)
    assert result.mean == pytest.approx(mmd(x[:9], y), rel=1e-9) and result.std == pytest.approx(0.0, abs=1e-9)
    # With subsets, each value is one of the subsets' estimates: the mean lies between the extremes.
    rng = np.random.default_rng(5)
    subsets = [mmd(x[rng.choice(12, m, replace=False)], y[rng.choice(9, m, replace=False)]) for _ in range(4)]
    result = kernel_distance(x, y, n_subsets=4, subset_size=9, seed=5)
    assert result.mean == pytest.approx(np.mean(subsets), rel=1e-9)
    assert result.std == pytest.approx(np.std(subsets), rel=1e-9)


def test_prdc_matches_brute_force_balls():
    rng = np.random.default_rng(2)
    real, fake = rng.normal(size=(40, 3)), rng.normal(size=(30, 3)) * 1.3 + 0.4

    def radius(points, i, k):
        return sorted(np.linalg.norm(points[i] - points[j]) for j in range(len(points)) if j != i)[k - 1]

    r3 = [radius(real, i, 3) for i in range(40)]
    r5 = [radius(real, i, 5) for i in range(40)]
    f3 = [radius(fake, j, 3) for j in range(30)]
    dist = [[np.linalg.norm(real[i] - fake[j]) for j in range(30)] for i in range(40)]
    precision = np.mean([any(dist[i][j] <= r3[i] for i in range(40)) for j in range(30)])
    recall = np.mean([any(dist[i][j] <= f3[j] for j in range(30)) for i in range(40)])
    density = sum(dist[i][j] <= r5[i] for i in range(40) for j in range(30)) / (5 * 30)
    coverage = np.mean([any(dist[i][j] <= r5[i] for j in range(30)) for i in range(40)])
    result = prdc(real, fake)
    assert result.precision == pytest.approx(precision)
    assert result.recall == pytest.approx(recall)
    assert result.density == pytest.approx(density)
    assert result.coverage == pytest.approx(coverage)
    assert 0 < precision < 1 and 0 < recall < 1 and 0 < coverage < 1  # the case tells the formulas apart


@pytest.mark.slow
def test_blocked_distances_agree_with_one_block(monkeypatch):
    real, _ = mixture(2500, seed=3)
    fake, _ = mixture(1200, seed=4)
    monkeypatch.setattr("keras_gan.evaluation.metrics._BLOCK", 10**6)
    whole, nearest = prdc(real, fake), nearest_distances(fake, real)
    monkeypatch.setattr("keras_gan.evaluation.metrics._BLOCK", 300)
    assert prdc(real, fake) == pytest.approx(whole)
    np.testing.assert_allclose(nearest_distances(fake, real), nearest, rtol=1e-12)


def test_classifier_score_matches_the_inception_score_formula():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(60, 4)) * 2
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    p[0] = [1.0, 0.0, 0.0, 0.0]  # a zero probability counts 0 * log 0 = 0
    scores = []
    for part in (p[:20], p[20:40], p[40:]):
        marginal = part.mean(axis=0)
        kl = [sum(q[c] * math.log(q[c] / marginal[c]) for c in range(4) if q[c] > 0) for q in part]
        scores.append(math.exp(np.mean(kl)))
    result = classifier_score(p, splits=3)
    assert result.mean == pytest.approx(np.mean(scores)) and result.std == pytest.approx(np.std(scores))
    assert classifier_score(np.full((10, 4), 0.25), splits=2).mean == pytest.approx(1.0)


def test_class_statistics_counts_the_histogram():
    data = np.eye(4)[[0] * 40 + [1] * 30 + [2] * 20 + [3] * 10]
    # Classes 2 and 3 at 0.03 / 0.2 and 0.01 / 0.1 of the data's shares, below a fifth: not covered.
    samples = np.eye(4)[[0] * 50 + [1] * 46 + [2] * 3 + [3] * 1]
    stats = class_statistics(samples * 0.7 + 0.075, data)  # soft but with the same most probable class
    shares = np.array([0.5, 0.46, 0.03, 0.01])
    assert stats.covered == 2 and stats.num_classes == 4
    assert (stats.largest_share, stats.smallest_share) == pytest.approx((0.5, 0.01))
    assert stats.entropy == pytest.approx(-np.sum(shares * np.log(shares)))
    assert stats.data_entropy == pytest.approx(-np.sum(np.array([0.4, 0.3, 0.2, 0.1]) * np.log([0.4, 0.3, 0.2, 0.1])))
    # Class 3 at exactly a fifth of the data's 10% is covered.
    assert class_statistics(np.eye(4)[[0] * 49 + [1] * 49 + [3] * 2], data).covered == 3


def test_memorisation_matches_brute_force_nearest_distances():
    rng = np.random.default_rng(4)
    train, heldout, samples = rng.normal(size=(50, 3)), rng.normal(size=(200, 3)), rng.normal(size=(30, 3))
    samples[:3] = train[[4, 9, 20]]

    def nearest(points):
        return np.array([min(np.linalg.norm(p - t) for t in train) for p in points])

    np.testing.assert_allclose(nearest_distances(samples, train), nearest(samples), rtol=1e-6, atol=1e-12)
    assert (nearest_distances(samples[:3], train) == 0.0).all()  # exact copies: exactly 0
    threshold = np.quantile(nearest(heldout), 0.05)
    result = memorisation(samples, train, heldout, quantile=0.05)
    assert result.threshold == pytest.approx(threshold)
    assert result.fraction == pytest.approx(np.mean(nearest(samples) <= threshold))
    assert result.median_ratio == pytest.approx(np.median(nearest(samples)) / np.median(nearest(heldout)))


# Behaviour on synthetic features.


@pytest.mark.slow
def test_two_draws_of_one_distribution_score_near_the_ideal():
    real, _ = mixture(2000, seed=10)
    other, _ = mixture(2000, seed=11)
    half, _ = mixture(2000, seed=12, classes=range(5))
    assert frechet_distance(real, other) < 0.02 * frechet_distance(real, half)
    same, apart = kernel_distance(real, other, n_subsets=20), kernel_distance(real, half, n_subsets=20)
    assert abs(same.mean) < 0.02 * apart.mean
    result = prdc(real, other)
    # k = 3 balls cover about 80% of a fresh draw in 8 dimensions (Kynkaenniemi et al. report the same).
    assert result.precision > 0.7 and result.recall > 0.7 and result.coverage > 0.9
    assert 0.85 < result.density < 1.15


def test_half_the_classes_removed_loses_half_the_recall_coverage_and_classes():
    real, labels = mixture(2000, seed=10)
    full, full_labels = mixture(2000, seed=11)
    half, half_labels = mixture(2000, seed=12, classes=range(5))
    before, after = prdc(real, full), prdc(real, half)
    assert 0.35 < after.recall / before.recall < 0.65
    assert 0.35 < after.coverage / before.coverage < 0.65
    assert after.precision > 0.9 * before.precision  # what is drawn is still real-like
    one_hot = np.eye(10)
    assert class_statistics(one_hot[full_labels], one_hot[labels]).covered == 10
    assert class_statistics(one_hot[half_labels], one_hot[labels]).covered == 5


def test_copies_of_training_features_are_flagged():
    train, _ = mixture(2000, seed=10)
    heldout, _ = mixture(1000, seed=11)
    new, _ = mixture(1000, seed=12)
    copies = memorisation(train[:500], train, heldout)
    fresh = memorisation(new, train, heldout)
    assert copies.fraction == 1.0 and copies.median_ratio == 0.0
    assert fresh.fraction < 0.05 and 0.8 < fresh.median_ratio < 1.25


@pytest.mark.parametrize("name", list(FEATURE_METRICS))
def test_every_registered_metric_reports_each_of_its_values_in_the_quality_table(name):
    (real, labels), (fake, fake_labels), (heldout, heldout_labels) = (mixture(300, seed) for seed in (10, 11, 12))
    one_hot = np.eye(10)
    real, fake, heldout = (Features(x, one_hot[y]) for x, y in ((real, labels), (fake, fake_labels),
                                                                  (heldout, heldout_labels)))
    metric = FEATURE_METRICS[name]
    values = metric.compute(fake, real, heldout if metric.needs_heldout else None, 0)
    assert values == feature_metrics(fake, real, heldout, [name], seed=0)
    assert {key for key, _, _ in metric.values} <= set(values) and all(np.isfinite(list(values.values())))
    report = QualityReport("mnist", values, values, 300, 300, 300, 10)
    assert [line.split("  ")[0] for line in report.table().splitlines()[1:]] == [label for _, label, _ in metric.values]
    if metric.needs_heldout:
        with pytest.raises(ValueError, match="`heldout` features are needed"):
            feature_metrics(fake, real, None, [name])


def test_the_callback_logs_values_of_the_registered_metrics():
    assert set(SampleQuality.METRICS) <= set(FEATURE_METRICS) <= set(METRICS)
    (real, labels), (fake, fake_labels) = mixture(100, 10), mixture(100, 11)
    values = feature_metrics(Features(fake, np.eye(10)[fake_labels]), Features(real, np.eye(10)[labels]), None,
                             SampleQuality.METRICS)
    assert set(SampleQuality.LOGGED) <= set(values)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: frechet_distance(np.zeros((5, 3)), np.zeros((5, 4))), "as many features per row"),
        (lambda: frechet_distance(np.zeros(5), np.zeros(5)), "must be a 2-D array"),
        (lambda: kernel_distance(np.zeros((5, 3)), np.zeros((5, 3)), subset_size=1), "at least 2"),
        (lambda: prdc(np.zeros((5, 3)), np.zeros((9, 3))), "at least 6 feature vectors"),
        (lambda: prdc(np.full((9, 3), np.nan), np.zeros((9, 3))), "only finite values"),
        (lambda: classifier_score(np.ones((5, 3)), splits=2), "must hold probabilities"),
        (lambda: classifier_score(np.eye(3), splits=4), "at most the number of samples"),
        (lambda: memorisation(np.zeros((5, 3)), np.zeros((5, 3)), np.zeros((5, 3)), quantile=1.0), "in (0, 1)"),
    ],
)
def test_bad_inputs_are_refused_with_one_line(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


# The shipped classifiers.


def test_classifiers_are_not_listed_as_generators():
    assert "classifiers" not in keras_gan.list_models()
    assert all((classifier_folder(name) / "metadata.json").is_file() for name in CLASSIFIER_OF)


@pytest.mark.parametrize("dataset", sorted(set(CLASSIFIER_OF.values())))
@pytest.mark.slow
def test_shipped_classifier_matches_its_record(dataset):
    record = json.loads((classifier_folder(dataset) / "metadata.json").read_text())
    model = load_classifier(dataset)
    assert model.count_params() == record["parameters"]
    assert model.get_layer("embedding").output.shape[-1] == record["embedding_dim"]
    assert (classifier_folder(dataset) / record["files"]["classifier"]["path"]).stat().st_size < 4 * 2**20


@needs_data
@pytest.mark.parametrize("dataset", sorted(set(CLASSIFIER_OF.values())))
@pytest.mark.slow
def test_recorded_test_accuracy_reproduces(dataset):
    record = json.loads((classifier_folder(dataset) / "metadata.json").read_text())
    images, labels = datasets.load_numpy(dataset, "test", data_dir=DATA_DIR)
    probabilities = classify(images, load_classifier(dataset)).probabilities
    assert np.mean(probabilities.argmax(axis=1) == labels) == pytest.approx(record["test_accuracy"], abs=1e-4)


@pytest.mark.slow
def test_cifar10_features_do_not_depend_on_the_output_space():
    images = np.random.default_rng(0).uniform(size=(8, 32, 32, 3)).astype("float32")
    gcn = datasets.global_contrast_normalize(images)
    classifier = load_classifier("cifar10")
    pixels = classify(images, classifier).embeddings
    np.testing.assert_allclose(classify(datasets.gcn_to_display(gcn), classifier).embeddings, pixels, atol=1e-3)
    np.testing.assert_allclose(classify(gcn, classifier).embeddings, pixels, atol=1e-3)
    layer = PerImageStandardization()
    assert np.allclose(layer(images), layer(2.0 * images + 3.0), atol=1e-5)


# The metrics in the shipped MNIST classifier's features, on real digits.


@pytest.fixture(scope="module")
def digits():
    """3,000 training and 3,000 test digits, their labels and features."""
    train, train_labels = datasets.load_numpy("mnist", "train", data_dir=DATA_DIR)
    test, test_labels = datasets.load_numpy("mnist", "test", data_dir=DATA_DIR)
    classifier = load_classifier("mnist")
    train, train_labels, test, test_labels = train[:3000], train_labels[:3000], test[:3000], test_labels[:3000]
    return dict(train=train, test=test, train_labels=train_labels, test_labels=test_labels, classifier=classifier,
                train_features=classify(train, classifier), test_features=classify(test, classifier))


@needs_data
@pytest.mark.slow
def test_real_digits_against_real_digits_score_near_the_ideal(digits):
    real, other = digits["train_features"], digits["test_features"]
    keep = digits["test_labels"] < 5
    half = classify(digits["test"][keep], digits["classifier"])
    fid_same, fid_half = frechet_distance(real.embeddings, other.embeddings), frechet_distance(real.embeddings,
                                                                                              half.embeddings)
    assert fid_same < 0.05 * fid_half
    same = kernel_distance(real.embeddings, other.embeddings, n_subsets=20)
    apart = kernel_distance(real.embeddings, half.embeddings, n_subsets=20)
    assert abs(same.mean) < 0.05 * apart.mean
    result = prdc(real.embeddings, other.embeddings)
    # Test digits are other writers' than training digits: 0.86, 0.84 and 0.83 here (3,000 each).
    assert result.precision > 0.75 and result.recall > 0.75 and result.coverage > 0.75
    assert class_statistics(other.probabilities, real.probabilities).covered == 10


@needs_data
@pytest.mark.slow
def test_digits_5_to_9_removed_lose_half_the_recall_coverage_and_classes(digits):
    real, full = digits["train_features"], digits["test_features"]
    half = classify(digits["test"][digits["test_labels"] < 5], digits["classifier"])
    before, after = prdc(real.embeddings, full.embeddings), prdc(real.embeddings, half.embeddings)
    assert 0.35 < after.recall / before.recall < 0.65
    assert 0.35 < after.coverage / before.coverage < 0.65
    assert class_statistics(half.probabilities, real.probabilities).covered == 5


@needs_data
@pytest.mark.slow
def test_growing_pixel_noise_worsens_fid_monotonically(digits):
    rng = np.random.default_rng(0)
    real = digits["train_features"].embeddings
    fids = []
    for sigma in (0.0, 0.1, 0.2, 0.3, 0.5):
        noisy = np.clip(digits["test"] + sigma * rng.normal(size=digits["test"].shape), 0.0, 1.0)
        fids.append(frechet_distance(real, classify(noisy.astype("float32"), digits["classifier"]).embeddings))
    assert all(a < b for a, b in itertools.pairwise(fids)), fids


@needs_data
@pytest.mark.slow
def test_copies_of_training_digits_are_flagged(digits):
    real, heldout = digits["train_features"], digits["test_features"]
    copies = classify(digits["train"][:1000], digits["classifier"])
    assert memorisation(copies.embeddings, real.embeddings, heldout.embeddings).fraction == 1.0
    new = classify(datasets.load_numpy("mnist", "valid", data_dir=DATA_DIR)[0][:1000], digits["classifier"])
    assert memorisation(new.embeddings, real.embeddings, heldout.embeddings).fraction < 0.05


# The entry point and the callback, on tiny data with an untrained classifier.


@pytest.mark.slow
def test_sample_quality_reports_every_metric_beside_the_data(tmp_path):
    write_mnist(tmp_path, sizes=(300, 300, 50))
    # The tiny training digits are uniform noise; samples of faint noise are unlike them.
    samples = 0.1 * np.random.default_rng(0).uniform(size=(120, 28, 28, 1)).astype("float32")
    report = sample_quality(samples, "mnist", tmp_path, n_real=100, classifier=build_classifier("mnist"))
    keys = {"parzen", "parzen_se", "fid", "kid", "kid_std", "precision", "recall", "density", "coverage",
            "classes_covered", "largest_class_share", "smallest_class_share", "class_entropy", "classifier_score",
            "classifier_score_std", "memorised_fraction", "nearest_distance_ratio"}
    assert set(report.model) == keys and set(report.reference) == keys
    assert (report.n_samples, report.n_real, report.n_heldout, report.num_classes) == (120, 100, 50, 10)
    text = str(report)
    assert text.splitlines()[0].startswith("Parzen log-likelihood:") and "real training images" in text
    assert f"{report.reference['fid']:.3f}" in text
    # The data's column: other training images, nearer to the reference set than the samples.
    assert report.reference["fid"] < report.model["fid"] and report.reference["coverage"] > report.model["coverage"]
    only = sample_quality(samples, "mnist", tmp_path, metrics_to_run=["fid"], n_real=100,
                          classifier=build_classifier("mnist"))
    assert set(only.model) == {"fid"} and only.parzen is None
    with pytest.raises(ValueError, match="non-empty selection of"):
        sample_quality(samples, "mnist", tmp_path, metrics_to_run=["fid", "is"])


def tiny_generator():
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(784, "sigmoid"), keras.layers.Reshape((28, 28, 1))])


@pytest.mark.slow
def test_sample_quality_callback_logs_fid_kid_and_classes_to_history():
    rng = np.random.default_rng(0)
    real = rng.uniform(size=(64, 28, 28, 1)).astype("float32")
    generator = tiny_generator()
    discriminator = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    gan = GAN(generator, discriminator, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
    callback = SampleQuality(real, "mnist", n_samples=32, every=2, classifier=build_classifier("mnist"))
    images = rng.uniform(size=(16, 28, 28, 1)).astype("float32")
    history = gan.fit(images, batch_size=8, epochs=3, verbose=0, callbacks=[callback])
    assert len(history.history["fid"]) == 2  # epochs 1 and 2 of 3
    assert all(np.isfinite(history.history[key]).all() for key in ("fid", "kid", "kid_std", "classes_covered"))


@pytest.mark.slow
def test_evaluate_command_prints_the_chosen_metrics_for_model_and_data(tmp_path, capsys):
    write_mnist(tmp_path, sizes=(300, 300, 50))
    generator = tiny_generator()
    generator.save(tmp_path / "generator.keras")
    argv = ["evaluate", str(tmp_path / "generator.keras"), "--latent-prior", "uniform", "--dataset", "mnist",
            "--data-dir", str(tmp_path), "--metrics", "fid,classes", "--n-samples", "50", "--n-real", "100"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "FID (classifier features)" in out and "classes covered" in out and "real training images" in out
    assert "Parzen" not in out and "precision" not in out
    with pytest.raises(SystemExit) as exit_:
        cli.main([*argv[:-4], "--metrics", "fid,inception"])
    assert exit_.value.code == 2 and "must be a comma-separated list of parzen,fid" in capsys.readouterr().err


@pytest.mark.slow
def test_train_classifier_command_writes_a_loadable_checked_folder_and_resumes(tmp_path, capsys):
    write_mnist(tmp_path, sizes=(300, 300, 50))
    out = tmp_path / "zoo" / "classifiers" / "mnist"
    argv = ["train-classifier", "mnist", "--epochs", "1", "--data-dir", str(tmp_path), "--run", str(tmp_path / "run"),
            "--out", str(out), "--verbose", "0"]
    assert cli.main(argv) == 0
    record = json.loads((out / "metadata.json").read_text())
    assert record["data_splits"] == {"train": 300, "valid": 300, "test": 50} and record["config"]["epochs"] == 1
    # The run's checkpoint is the package's verified one, and its time and machine come from `WallTime`.
    assert verify_file(tmp_path / "run" / "backup" / "latest.weights.h5", required=True) is not None
    assert record["wall_time_seconds"] > 0 and record["hardware"] == machine_description()
    assert f"{100 * record['test_accuracy']:.2f}%" in (out / "model_card.md").read_text()
    classifier = load_classifier("mnist", root=tmp_path / "zoo")
    assert classifier.count_params() == record["parameters"]
    # Run again: the finished checkpoint is reloaded, not trained further, and measures the same.
    assert cli.main(argv) == 0
    assert json.loads((out / "metadata.json").read_text())["test_accuracy"] == record["test_accuracy"]
    (out / "classifier.keras").write_bytes(b"corrupt")
    with pytest.raises(ValueError, match="is corrupt: its sha256 is"):
        load_classifier("mnist", root=tmp_path / "zoo")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train-classifier", "tfd"])
    assert exit_.value.code == 2 and "invalid choice: 'tfd'" in capsys.readouterr().err


@pytest.mark.slow
def test_finish_wraps_a_trained_classifier_in_flip_averaging_and_measures_it_again(tmp_path, monkeypatch, capsys):
    write_mnist(tmp_path, sizes=(300, 300, 50))
    out = tmp_path / "zoo" / "classifiers" / "mnist"
    classifier_training.train_classifier("mnist", tmp_path / "run", out=out, data_dir=tmp_path, epochs=1, verbose=0)
    trained = json.loads((out / "metadata.json").read_text())
    monkeypatch.setitem(classifiers.CONFIGS, "mnist", dataclasses.replace(classifiers.CONFIGS["mnist"], flip_average=True))
    classifier_training.main(["finish", "mnist", "--data-dir", str(tmp_path), "--folder", str(out)])
    assert "valid accuracy" in capsys.readouterr().out
    record = json.loads((out / "metadata.json").read_text())
    assert record["config"]["flip_average"] and record["single_view_valid_accuracy"] == trained["valid_accuracy"]
    assert record["command"] == trained["command"] and record["finish_command"].endswith(f"--folder {out.as_posix()}")
    assert "mean over image and mirror" in (out / "model_card.md").read_text()
    model = load_classifier("mnist", root=tmp_path / "zoo")  # its new sha256 checks out
    assert model.count_params() == record["parameters"] and classifiers.trained_network(model) is not model
    images, labels = datasets.load_numpy("mnist", "test", data_dir=tmp_path)
    plain = classify(images, classifiers.trained_network(model)).probabilities
    mirrored = classify(images[:, :, ::-1], classifiers.trained_network(model)).probabilities
    np.testing.assert_allclose(classify(images, model).probabilities, (plain + mirrored) / 2, atol=1e-6)
    assert np.mean(classify(images, model).probabilities.argmax(1) == labels) == pytest.approx(record["test_accuracy"])
