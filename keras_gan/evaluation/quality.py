"""Every sample-quality metric of a generator, with the data's own value beside each: `sample_quality`.

What is compared with what (all features from the dataset's classifier,
`keras_gan.evaluation.classifiers`):

- the model: `n_samples` samples against `n_real` real training images (the
  reference set, a seeded random subset);
- the data's reference: `n_real` other training images in place of the
  samples, scored against the same reference set in the same way: the value
  a generator that draws new images from the data's distribution would get
  (FID and KID near 0, precision, recall and coverage near 1, density near 1,
  every class covered, the memorised fraction near its quantile);
- memorisation: nearest-reference distances of the samples (and of the
  other training images) against those of up to `n_real` test images.

The Parzen window log-likelihood, the paper's protocol (`score`,
`data_reference`), is in the same report; it rewards blurry samples (Theis et
al., 2016, "A note on the evaluation of generative models"), so read it
beside the others. Which metric answers which question:
FID and KID: overall distance; precision and density: are samples like real
images; recall and coverage: does the model draw every kind of image;
classes: which digits, objects or expressions it drops; memorisation: does it
copy its training images.
"""

import dataclasses
from typing import Optional, Sequence, Union

import keras
import numpy as np

from keras_gan._checks import check_positive_int
from keras_gan.datasets.output_space import OutputSpace
from keras_gan.evaluation import metrics
from keras_gan.evaluation.classifiers import classifier_name, classify, load_classifier
from keras_gan.evaluation.parzen import ArrayLike, ParzenResult, SupportsGenerate
from keras_gan.evaluation.scoring import score

# The Parzen window (on images, `score`), then the metrics on classifier features (`metrics.FEATURE_METRICS`).
METRICS = ("parzen", *metrics.FEATURE_METRICS)

# Each value of a report: (metric, key, label, format).
ROWS = (
    ("parzen", "parzen", "Parzen log-likelihood (test, nats)", "{:.1f} +- {:.1f}"),
    *((name, *value) for name, metric in metrics.FEATURE_METRICS.items() for value in metric.values),
)


@dataclasses.dataclass(frozen=True)
class QualityReport:
    """The metrics of a generator's samples and of real training images, measured the same way.

    Attributes:
        dataset: str. The dataset the samples are compared with.
        model: dict. Metric name -> value for the samples (see `ROWS`; KID in
            units of 1e-3 as `kid` and `kid_std`, the classifier score with
            `classifier_score_std`, Parzen as `parzen` and `parzen_se`).
        reference: dict. The same for `n_real` real training images in place
            of the samples (the data's own values).
        n_samples: int. Samples measured.
        n_real: int. Real training images in the reference set (and in the
            data's stand-in for the samples).
        n_heldout: int. Test images of the memorisation baseline.
        num_classes: int. Classes of the classifier (0 without feature metrics).
        parzen: `ParzenResult` or None. The samples' Parzen score, when measured.
        reference_parzen: `ParzenResult` or None. The data's: `n_real` real
            training images as the samples (`data_reference`'s subset).
    """

    dataset: str
    model: dict
    reference: dict
    n_samples: int
    n_real: int
    n_heldout: int
    num_classes: int
    parzen: Optional[ParzenResult] = None
    reference_parzen: Optional[ParzenResult] = None

    def __str__(self) -> str:
        lines = []
        if self.parzen is not None:
            lines += [str(self.parzen), f"data reference ({self.reference_parzen.n_samples:,} real training images "
                                        f"as the samples): {self.reference_parzen}"]
        if self.num_classes:
            lines.append(f"{self.n_samples:,} samples against {self.n_real:,} real training images, in the "
                         f"features of the {classifier_name(self.dataset)} classifier; the data's column: "
                         f"{self.n_real:,} other training images in place of the samples; memorisation "
                         f"baseline: {self.n_heldout:,} test images")
        return "\n".join([*lines, self.table()])

    def table(self) -> str:
        """The report as a plain-text table: one row per metric, the model's and the data's values."""
        lines = [f"{'metric':38s} {'model':>18s} {'real training images':>22s}"]
        for _, key, label, fmt in ROWS:
            if key in self.model:
                lines.append(f"{label:38s} {self._format(self.model, key, fmt):>18s} "
                             f"{self._format(self.reference, key, fmt):>22s}")
        return "\n".join(lines)

    def _format(self, values: dict, key: str, fmt: str) -> str:
        second = {"parzen": "parzen_se", "kid": "kid_std", "classifier_score": "classifier_score_std"}.get(key)
        if key == "classes_covered":
            return fmt.format(values[key], self.num_classes)
        return fmt.format(values[key], values[second]) if second else fmt.format(values[key])


def sample_quality(
    generator_or_samples: Union[SupportsGenerate, ArrayLike],
    dataset: str,
    data_dir=None,
    output_space: OutputSpace = OutputSpace.PIXELS,
    metrics_to_run: Sequence[str] = METRICS,
    n_samples: int = 10000,
    n_real: int = 10000,
    seed: int = 0,
    classifier: Optional[keras.Model] = None,
    protocol: str = "paper",
    n_valid: Union[int, None, str] = "paper",
) -> QualityReport:
    """Every metric of `METRICS` for a generator (or samples), with the data's own values beside them.

    Args:
        generator_or_samples: an object with `generate(n, seed=...)` (a
            `GAN`, a `keras_gan.pretrained.ModelSpec`) or an array of samples,
            used whole, in `output_space`.
        dataset: str. A name of `keras_gan.datasets.DATASETS`.
        data_dir: str, Path or None. Folder with the dataset files. Defaults to None.
        output_space: OutputSpace or its name. The samples' space;
            real images are loaded in it. Defaults to `"pixels"`.
        metrics_to_run: sequence of str. Some of `METRICS`. Defaults to all.
        n_samples: int. Samples drawn from a generator. Defaults to 10000.
        n_real: int. Real training images in the reference set, and as
            many others as the data's stand-in samples (at most half the
            training split each); up to as many test images are the
            memorisation baseline. Defaults to 10000.
        seed: int. Seed of the samples, of the subsets and of KID. Defaults to 0.
        classifier: `keras.Model` or None. The feature classifier. Defaults
            to None, the shipped one of `dataset`.
        protocol: str. Parzen's sigma search, `"paper"` or `"refine"` (see
            `score`). Defaults to `"paper"`.
        n_valid: int, None or `"paper"`. Parzen's validation examples (see
            `score`). Defaults to `"paper"`.

    Returns:
        A `QualityReport`; `print(report.table())` shows it.

    Example (`keras-gan evaluate mnist` runs every metric on 10,000 samples;
    here uniform noise "samples" against 200 training digits):
    >>> report = sample_quality(images, "mnist", "../shared/data", metrics_to_run=["fid", "classes"], n_real=200)
    >>> report.model["fid"] > 10 * report.reference["fid"]
    True
    """
    space = OutputSpace(output_space)
    unknown = sorted(set(metrics_to_run) - set(METRICS))
    if unknown or not metrics_to_run:
        raise ValueError(
            f"`metrics_to_run` must be a non-empty selection of {METRICS}. Received: {list(metrics_to_run)}"
        )
    check_positive_int("n_samples", n_samples)
    check_positive_int("n_real", n_real)
    if hasattr(generator_or_samples, "generate"):
        samples = np.asarray(generator_or_samples.generate(n_samples, seed=seed))
    else:
        samples = np.asarray(generator_or_samples)
    model, reference = {}, {}
    train = space.real_images(dataset, "train", data_dir)
    # `data_reference`'s subset; sorted, as the image-folder copies (FER-2013, CIFAR-10 JPEGs) are ordered by class.
    order = np.random.default_rng(seed).permutation(len(train))
    parzen = reference_parzen = None
    if "parzen" in metrics_to_run:
        parzen = score(samples, dataset, data_dir, space, protocol=protocol, n_valid=n_valid)
        reference_parzen = score(train[np.sort(order[:n_real])], dataset, data_dir, space, protocol=protocol,
                                 n_valid=n_valid)
        for values, result in ((model, parzen), (reference, reference_parzen)):
            values.update(parzen=result.mean, parzen_se=result.std_error)
    feature_metrics = [name for name in metrics_to_run if name != "parzen"]
    n_heldout, num_classes = 0, 0
    if feature_metrics:
        classifier = classifier if classifier is not None else load_classifier(dataset)
        if len(train) < 12:
            raise ValueError(f"The {dataset} training split holds {len(train)} images: the feature metrics need at "
                             "least 12, 6 for the reference set and 6 for the data's stand-in samples.")
        n_real = min(n_real, len(train) // 2)
        real = classify(train[np.sort(order[:n_real])], classifier)
        stand_in = classify(train[np.sort(order[n_real : 2 * n_real])], classifier)
        heldout = None
        if any(metrics.FEATURE_METRICS[name].needs_heldout for name in feature_metrics):
            test = space.real_images(dataset, "test", data_dir)
            heldout = classify(test[np.sort(np.random.default_rng(seed).permutation(len(test))[:n_real])], classifier)
            n_heldout = len(heldout.embeddings)
        fake = classify(samples, classifier)
        num_classes = fake.probabilities.shape[1]
        model.update(metrics.feature_metrics(fake, real, heldout, feature_metrics, seed))
        reference.update(metrics.feature_metrics(stand_in, real, heldout, feature_metrics, seed))
    return QualityReport(dataset, model, reference, len(samples), n_real, n_heldout, num_classes, parzen,
                         reference_parzen)
