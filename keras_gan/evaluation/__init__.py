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

__all__ = [
    "PAPER_N_VALID",
    "PAPER_SIGMAS",
    "ParzenResult",
    "SigmaSelection",
    "evaluate_generator",
    "parzen_log_likelihood",
    "select_sigma",
]
