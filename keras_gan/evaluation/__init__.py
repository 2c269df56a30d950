"""Evaluation of generative models: the paper's Parzen window, and sample quality in classifier features."""

from keras_gan.evaluation.classifiers import Features, build_classifier, classify, load_classifier
from keras_gan.evaluation.metrics import (
    class_statistics,
    classifier_score,
    frechet_distance,
    kernel_distance,
    memorisation,
    prdc,
)
from keras_gan.evaluation.parzen import (
    PAPER_N_VALID,
    PAPER_SIGMAS,
    ParzenResult,
    SigmaSelection,
    evaluate_generator,
    parzen_log_likelihood,
    select_sigma,
)
from keras_gan.evaluation.quality import METRICS, QualityReport, sample_quality
from keras_gan.evaluation.scoring import data_reference, score

__all__ = [
    "Features",
    "METRICS",
    "PAPER_N_VALID",
    "PAPER_SIGMAS",
    "ParzenResult",
    "QualityReport",
    "SigmaSelection",
    "build_classifier",
    "class_statistics",
    "classifier_score",
    "classify",
    "data_reference",
    "evaluate_generator",
    "frechet_distance",
    "kernel_distance",
    "load_classifier",
    "memorisation",
    "parzen_log_likelihood",
    "prdc",
    "sample_quality",
    "score",
    "select_sigma",
]
