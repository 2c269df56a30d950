"""Training the toy networks, and the gradient G gets from each generator loss.

`fit_toy` trains the toy networks with `GAN.fit`, optionally with G or D
frozen (the settings of Proposition 1 and Figure 1), and
`generator_gradient_norm` measures the gradient G's update gets from each
generator loss (the paper's Section 3 remark).
"""

import keras

from keras_gan import losses
from keras_gan._checks import check_positive_int, check_positive_number
from keras_gan._tf import lazy_tensorflow
from keras_gan.model import GAN
from keras_gan.priors import LatentPrior, sample_latent
from keras_gan.theory.data import GaussianMixture

tf = lazy_tensorflow("This theory check")

FREEZE = (None, "generator", "discriminator")


def _decaying_adam(learning_rate: float, updates: int) -> keras.optimizers.Optimizer:
    return keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(learning_rate, updates), beta_1=0.5)


def fit_toy(
    generator: keras.Model,
    discriminator: keras.Model,
    problem: GaussianMixture,
    updates: int,
    freeze: str | None = None,
    latent_prior: LatentPrior = "uniform",
    batch_size: int = 256,
    learning_rate: float = 1e-3,
    seed: int = 0,
) -> keras.callbacks.History:
    """Train toy networks for `updates` steps of `GAN.fit` on fresh samples of `problem`.

    Each step is Algorithm 1 with k = 1: one D update, then one G update.
    `freeze="generator"` keeps G fixed, so D alone learns: the paper's inner
    loop run to convergence, the setting of Proposition 1.
    `freeze="discriminator"` moves G against a fixed D (Figure 1 (c)). The
    frozen network is held by Keras' `trainable` flag, restored afterwards.
    Both optimizers are Adam (beta_1 = 0.5, as is usual for GANs) with a
    learning rate that decays to 0 along a cosine, so that the networks
    settle instead of jittering around the optimum.

    Args:
        generator: `keras.Model`. Maps noise to examples of `problem.dim`.
        discriminator: `keras.Model`. Maps examples to logits.
        problem: `GaussianMixture`. The data.
        updates: int. Training steps; each sees `batch_size` new examples.
        freeze: str or None. `"generator"`, `"discriminator"` or None (train
            both). Defaults to None.
        latent_prior: str or callable. The noise. Defaults to `"uniform"`
            (the paper's Figure 1).
        batch_size: int. Examples per step. Defaults to 256.
        learning_rate: float. Adam's initial learning rate. Defaults to 1e-3.
        seed: int. Seed of the examples and of the noise. Defaults to 0.

    Returns:
        The `History` of `fit`.

    Example:
    >>> from keras_gan.theory import TOY_PROBLEMS, networks
    >>> history = fit_toy(networks.generator(), networks.discriminator(), TOY_PROBLEMS["gaussian_1d"], 10)
    >>> len(history.history["d_loss"])
    1
    """
    if freeze not in FREEZE:
        raise ValueError(f"`freeze` must be one of {FREEZE}. Received: freeze={freeze!r}")
    check_positive_int("updates", updates)
    check_positive_number("learning_rate", learning_rate)
    trainable = generator.trainable, discriminator.trainable
    generator.trainable, discriminator.trainable = freeze != "generator", freeze != "discriminator"
    try:
        gan = GAN(generator, discriminator, latent_prior=latent_prior, seed=seed)
        gan.compile(
            d_optimizer=_decaying_adam(learning_rate, updates), g_optimizer=_decaying_adam(learning_rate, updates)
        )
        return gan.fit(problem.dataset(updates * batch_size, batch_size, seed=seed), epochs=1, shuffle=False, verbose=0)
    finally:
        generator.trainable, discriminator.trainable = trainable


def generator_gradient_norm(
    generator: keras.Model,
    discriminator: keras.Model,
    generator_loss="non_saturating",
    latent_prior: LatentPrior = "uniform",
    n: int = 1000,
    seed: int = 0,
) -> float:
    """The norm of the gradient of a generator loss w.r.t. G's weights, on `n` noise vectors.

    The paper's Section 3 remark, measured: when D confidently rejects G's
    samples, log(1 - D(G(z))) ("minimax") saturates and its gradient
    vanishes, while -log D(G(z)) ("non_saturating") keeps a strong one.

    Args:
        generator: `keras.Model`. G.
        discriminator: `keras.Model`. D, outputting logits.
        generator_loss: str or callable. `"non_saturating"`, `"minimax"` or a
            function of D's logits (see `keras_gan.losses`). Defaults to
            `"non_saturating"`.
        latent_prior: str or callable. The noise. Defaults to `"uniform"`.
        n: int. Noise vectors. Defaults to 1000.
        seed: int. Seed of the noise. Defaults to 0.

    Returns:
        The global (all weights together) Euclidean norm, a float.

    Example:
    >>> from keras_gan.theory import networks
    >>> g, d = networks.generator(), networks.discriminator()
    >>> generator_gradient_norm(g, d, "minimax") > 0
    True
    """
    check_positive_int("n", n)
    loss_fn = losses.get_generator_loss(generator_loss)
    z = sample_latent(latent_prior, (n, generator.input_shape[-1]), seed=seed)
    with tf.GradientTape() as tape:
        loss = loss_fn(discriminator(generator(z, training=True), training=True))
    gradients = tape.gradient(loss, generator.trainable_variables)
    return float(tf.linalg.global_norm(gradients))
