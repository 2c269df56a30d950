"""Evaluation of generative models: the paper's Parzen-window log-likelihood."""

from keras_gan.evaluation.parzen import (
    PAPER_N_VALID,
    PAPER_SIGMAS,
    ParzenResult,
    SigmaSelection,
    evaluate_generator,
    parzen_log_likelihood,
    select_sigma,
)
from keras_gan.evaluation.scoring import OUTPUT_SPACES, data_reference, real_images, score

__all__ = [
    "OUTPUT_SPACES",
    "PAPER_N_VALID",
    "PAPER_SIGMAS",
    "ParzenResult",
    "SigmaSelection",
    "data_reference",
    "evaluate_generator",
    "parzen_log_likelihood",
    "real_images",
    "score",
    "select_sigma",
]
