"""The paper's losses, computed from the discriminator's logits.

With D(x) = sigmoid(l), log D(x) = -softplus(-l) and log(1 - D(x)) = -softplus(l).
`softplus` is evaluated stably for any logit, so no loss here takes log(0) or
returns NaN when the discriminator saturates.
"""

import keras
from keras import ops


def _mean_softplus(x):
    return ops.mean(ops.softplus(ops.cast(x, "float32")))


@keras.saving.register_keras_serializable(package="keras_gan")
def discriminator_loss(real_logits, fake_logits):
    """-V(D, G): minus the paper's value function, which D maximises.

    `E[-log D(x)] + E[-log(1 - D(G(z)))]`. At the global optimum
    (D = 1/2 everywhere) it equals log 4.

    Args:
        real_logits: tensor. D's logits on real examples.
        fake_logits: tensor. D's logits on generated examples.

    Returns:
        A float32 scalar.

    Example:
    >>> float(discriminator_loss(keras.ops.zeros(4), keras.ops.zeros(4)))  # log 4
    1.386294...
    """
    return _mean_softplus(-real_logits) + _mean_softplus(fake_logits)


@keras.saving.register_keras_serializable(package="keras_gan")
def non_saturating_generator_loss(fake_logits):
    """`E[-log D(G(z))]`: the paper's practical generator loss (and its code's).

    Args:
        fake_logits: tensor. D's logits on generated examples.

    Returns:
        A float32 scalar.

    Example:
    >>> float(non_saturating_generator_loss(keras.ops.zeros(4)))  # log 2
    0.693147...
    """
    return _mean_softplus(-fake_logits)


@keras.saving.register_keras_serializable(package="keras_gan")
def minimax_generator_loss(fake_logits):
    """`E[log(1 - D(G(z)))]`: the generator's side of the minimax game.

    Its gradient vanishes when D confidently rejects the samples, which is why
    the paper trains G with `non_saturating_generator_loss` instead.

    Args:
        fake_logits: tensor. D's logits on generated examples.

    Returns:
        A float32 scalar.

    Example:
    >>> float(minimax_generator_loss(keras.ops.zeros(4)))  # log 1/2
    -0.693147...
    """
    return -_mean_softplus(fake_logits)


GENERATOR_LOSSES = {
    "non_saturating": non_saturating_generator_loss,
    "minimax": minimax_generator_loss,
}


def get_generator_loss(generator_loss):
    """Return the loss function for a name in `GENERATOR_LOSSES`, or a callable as is."""
    if callable(generator_loss):
        return generator_loss
    if generator_loss in GENERATOR_LOSSES:
        return GENERATOR_LOSSES[generator_loss]
    raise ValueError(
        f"`generator_loss` must be one of {tuple(GENERATOR_LOSSES)} or a callable "
        f"`fake_logits -> scalar`. Received: generator_loss={generator_loss!r}"
    )
