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
from keras_gan.evaluation.scoring import OUTPUT_SPACES, data_reference, real_images, score
from keras_gan.evaluation.theory import (
    discriminator_error,
    fit_toy,
    generator_gradient_norm,
    integration_grid,
    jensen_shannon,
    optimal_discriminator,
    value_function,
    virtual_training_criterion,
)

__all__ = [
    "Features",
    "METRICS",
    "OUTPUT_SPACES",
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
    "discriminator_error",
    "evaluate_generator",
    "fit_toy",
    "frechet_distance",
    "generator_gradient_norm",
    "integration_grid",
    "jensen_shannon",
    "kernel_distance",
    "load_classifier",
    "memorisation",
    "optimal_discriminator",
    "parzen_log_likelihood",
    "prdc",
    "real_images",
    "sample_quality",
    "score",
    "select_sigma",
    "value_function",
    "virtual_training_criterion",
]
