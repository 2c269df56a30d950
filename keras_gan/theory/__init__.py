"""The paper's theory on toy problems: known densities, D*, C(G) = -log 4 + 2 JSD, and Figure 1.

- `data`: `GaussianMixture` (exact samples and log-densities) and `TOY_PROBLEMS`.
- `networks`: the toy G and D (tanh MLPs) and `affine_generator`, whose p_g is known.
- `criteria`: `integration_grid`, `optimal_discriminator`, `value_function`,
  `jensen_shannon`, `virtual_training_criterion`, `discriminator_error`.
- `toy_training`: `fit_toy` (`GAN.fit` with G or D frozen) and `generator_gradient_norm`.
- `figure`: the paper's Figure 1 from a real run (`run_figure_1`, `figure_1`,
  `figure_1_table`, `write_figure_1`).

Example:
>>> from keras_gan import theory
>>> points, weights = theory.integration_grid(-10.0, 10.0)
>>> log_p = theory.TOY_PROBLEMS["gaussian_1d"].log_prob(points)
>>> round(theory.jensen_shannon(log_p, log_p, weights), 6)
0.0
"""

from keras_gan.theory import networks
from keras_gan.theory.criteria import (
    discriminator_error,
    integration_grid,
    jensen_shannon,
    optimal_discriminator,
    value_function,
    virtual_training_criterion,
)
from keras_gan.theory.data import TOY_PROBLEMS, GaussianMixture
from keras_gan.theory.figure import (
    FIGURE_1_LABELS,
    Figure1Panel,
    figure_1,
    figure_1_table,
    run_figure_1,
    write_figure_1,
)
from keras_gan.theory.toy_training import fit_toy, generator_gradient_norm

__all__ = [
    "FIGURE_1_LABELS",
    "Figure1Panel",
    "GaussianMixture",
    "TOY_PROBLEMS",
    "discriminator_error",
    "figure_1",
    "figure_1_table",
    "fit_toy",
    "generator_gradient_norm",
    "integration_grid",
    "jensen_shannon",
    "networks",
    "optimal_discriminator",
    "run_figure_1",
    "value_function",
    "virtual_training_criterion",
    "write_figure_1",
]
