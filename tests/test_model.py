import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gan import GAN
from keras_gan.losses import GENERATOR_LOSSES
from keras_gan.priors import PRIORS, sample_latent
from tests.helpers import changed, one_step_train, weights


def tiny_gan(latent_dim=4, data_dim=2, seed=0, **kwargs):
    generator = keras.Sequential(
        [keras.Input((latent_dim,)), keras.layers.Dense(8, "relu"), keras.layers.Dense(data_dim)]
    )
    discriminator = keras.Sequential(
        [keras.Input((data_dim,)), keras.layers.Dense(8, "relu"), keras.layers.Dense(1)]
    )
    gan = GAN(generator, discriminator, seed=seed, **kwargs)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
    return gan


def data(n=64, dim=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, dim)).astype("float32")


def ring(n, seed=0):
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * rng.integers(0, 8, n) / 8
    centres = np.stack([np.cos(angles), np.sin(angles)], axis=1) * 2.0
    return (centres + rng.normal(scale=0.05, size=(n, 2))).astype("float32")


@pytest.mark.slow
def test_learns_ring_of_eight_gaussians():
    keras.utils.set_random_seed(1)
    generator = keras.Sequential(
        [keras.Input((16,)), keras.layers.Dense(64, "relu"), keras.layers.Dense(64, "relu"), keras.layers.Dense(2)]
    )
    discriminator = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(64, "relu"), keras.layers.Dense(64, "relu"), keras.layers.Dense(1)]
    )
    gan = GAN(generator, discriminator, seed=1)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        jit_compile=True,
    )
    gan.fit(ring(25600), batch_size=128, epochs=15, verbose=0)
    samples = gan.generate(2000, seed=2)
    centres = 2.0 * np.stack([np.cos(2 * np.pi * np.arange(8) / 8), np.sin(2 * np.pi * np.arange(8) / 8)], 1)
    distances = np.linalg.norm(samples[:, None] - centres[None], axis=-1)
    near = distances.min(axis=1) < 0.5
    covered = np.unique(distances.argmin(axis=1)[near])
    assert near.mean() > 0.6, f"only {near.mean():.2f} of the samples lie near a mode"
    assert len(covered) >= 6, f"only modes {covered.tolist()} are covered"


@pytest.mark.parametrize("latent_prior", PRIORS)
@pytest.mark.parametrize("generator_loss", sorted(GENERATOR_LOSSES))
def test_every_prior_and_generator_loss_trains(latent_prior, generator_loss):
    one_step_train(tiny_gan(latent_prior=latent_prior, generator_loss=generator_loss), data(8))


@pytest.mark.parametrize("k", [1, 3])
def test_k_discriminator_updates_per_generator_update(k):
    gan = tiny_gan(d_steps=k)
    gan.fit(data(12 * k), batch_size=4 * k, epochs=1, verbose=0, shuffle=False)
    assert int(gan.d_optimizer.iterations) == 3 * k
    assert int(gan.g_optimizer.iterations) == 3


def test_each_discriminator_step_sees_its_own_minibatch(monkeypatch):
    gan = tiny_gan(d_steps=2)
    seen = []
    original = gan._discriminator_step
    monkeypatch.setattr(gan, "_discriminator_step", lambda real: seen.append(real) or original(real))
    x = data(8)
    gan.compile(d_optimizer="sgd", g_optimizer="sgd", run_eagerly=True)
    gan.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False)
    assert len(seen) == 2
    np.testing.assert_array_equal(np.concatenate([np.array(s) for s in seen]), x)


def test_discriminator_step_leaves_generator_and_vice_versa():
    gan = tiny_gan()
    g0, d0 = weights(gan.generator), weights(gan.discriminator)
    gan._discriminator_step(tf.constant(data(8)))
    g1, d1 = weights(gan.generator), weights(gan.discriminator)
    assert not changed(g0, g1) and changed(d0, d1)
    gan._generator_step(8)
    g2, d2 = weights(gan.generator), weights(gan.discriminator)
    assert changed(g1, g2) and not changed(d1, d2)


def test_simultaneous_update_takes_both_gradients_at_the_same_parameters():
    gan = tiny_gan(update="simultaneous")
    real = tf.constant(data(8))
    z = gan.sample_noise(8, seed=3)
    d_before = [tf.identity(v) for v in gan.discriminator.trainable_variables]
    # Expected G gradient: at D's parameters *before* this step.
    with tf.GradientTape() as tape:
        g_loss = gan._generator_loss_fn(gan.discriminator(gan.generator(z)))
    g_grads = tape.gradient(g_loss, gan.generator.trainable_variables)
    g_before = weights(gan.generator)
    gan.sample_noise = lambda n, seed=None: z
    gan._simultaneous_step(real)
    assert changed([np.array(v) for v in d_before], weights(gan.discriminator))
    for before, grad, after in zip(g_before, g_grads, weights(gan.generator)):
        np.testing.assert_allclose(after, before - 0.05 * np.array(grad), rtol=1e-5, atol=1e-7)
    assert int(gan.d_optimizer.iterations) == int(gan.g_optimizer.iterations) == 1


@pytest.mark.parametrize("generator_loss", ["non_saturating", "minimax"])
def test_losses_stay_finite_when_discriminator_saturates(generator_loss):
    gan = tiny_gan(generator_loss=generator_loss)
    gan.discriminator.layers[-1].bias.assign([-500.0])  # D(x) = sigmoid(-500): log D(x) = -500
    history = gan.fit(data(16), batch_size=16, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert history.history["d_loss"][-1] > 100  # -log D(x) on real data is about 500
    assert all(np.isfinite(np.array(v)).all() for v in gan.trainable_variables)


def test_metrics_and_evaluate_do_not_update_weights():
    gan = tiny_gan()
    history = gan.fit(data(), batch_size=16, epochs=2, verbose=0)
    assert sorted(history.history) == ["d_fake", "d_loss", "d_real", "g_loss"]
    before = weights(gan.generator) + weights(gan.discriminator)
    result = gan.evaluate(data(seed=1), batch_size=16, verbose=0, return_dict=True)
    assert sorted(result) == ["d_fake", "d_loss", "d_real", "g_loss"]
    assert 0 < result["d_real"] < 1 and 0 < result["d_fake"] < 1
    assert not changed(before, weights(gan.generator) + weights(gan.discriminator))


def test_fit_accepts_datasets_with_and_without_labels():
    x = data(32)
    for ds in (tf.data.Dataset.from_tensor_slices(x), tf.data.Dataset.from_tensor_slices((x, np.zeros(32)))):
        gan = tiny_gan()
        gan.fit(ds.batch(8), epochs=1, verbose=0, shuffle=False)  # a dataset is not shuffled by `fit`
        assert int(gan.g_optimizer.iterations) == 4


def fixed_noise(shape, seed):
    # XLA draws other random numbers than TensorFlow's kernels for one seed:
    # fixed noise makes the two runs comparable update by update.
    return keras.ops.ones(shape) * 0.3


@pytest.mark.parametrize(
    "options, prior",
    [(dict(jit_compile=True), fixed_noise), (dict(steps_per_execution=2), "normal")],
)
@pytest.mark.slow
def test_compiled_training_matches_eager(options, prior):
    runs = []
    for compile_options in (dict(run_eagerly=True), options):
        keras.utils.set_random_seed(0)
        gan = tiny_gan(latent_prior=prior)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05), **compile_options)
        gan.fit(data(16), batch_size=4, epochs=1, verbose=0, shuffle=False)
        runs.append(weights(gan.generator) + weights(gan.discriminator))
    for eager, compiled in zip(*runs):
        np.testing.assert_allclose(compiled, eager, rtol=1e-4, atol=1e-6)


def test_generate_is_seeded_batched_and_shaped():
    gan = tiny_gan()
    a = gan.generate(10, seed=7)
    np.testing.assert_allclose(a, gan.generate(10, seed=7, batch_size=3), rtol=1e-6, atol=1e-7)
    assert a.shape == (10, 2) and isinstance(a, np.ndarray)
    assert not np.array_equal(a, gan.generate(10, seed=8))
    with pytest.raises(ValueError, match="`n` must be a positive integer"):
        gan.generate(0)


def test_save_and_load_resumes_training(tmp_path):
    gan = tiny_gan(latent_prior="uniform", d_steps=2)
    gan.fit(data(32), batch_size=8, epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    z = np.random.default_rng(0).uniform(size=(5, 4)).astype("float32")
    np.testing.assert_array_equal(np.array(loaded.generator(z)), np.array(gan.generator(z)))
    assert (loaded.latent_prior, loaded.d_steps) == ("uniform", 2)
    assert int(loaded.d_optimizer.iterations) == 8 and int(loaded.g_optimizer.iterations) == 4
    for a, b in zip(loaded.d_optimizer.variables, gan.d_optimizer.variables):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    loaded.fit(data(32), batch_size=8, epochs=1, verbose=0)
    assert int(loaded.g_optimizer.iterations) == 8


def test_generator_and_discriminator_save_on_their_own(tmp_path):
    gan = tiny_gan()
    for part in (gan.generator, gan.discriminator):
        part.save(tmp_path / f"{part.name}.keras")
        loaded = keras.models.load_model(tmp_path / f"{part.name}.keras")
        x = np.ones((2, part.input_shape[-1]), "float32")
        np.testing.assert_array_equal(np.array(loaded(x)), np.array(part(x)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(d_steps=0), "`d_steps` must be a positive integer"),
        (dict(latent_dim=0), "`latent_dim` must be a positive integer"),
        (dict(generator_loss="hinge"), "`generator_loss` must be one of"),
        (dict(latent_prior="cauchy"), "`latent_prior` must be one of"),
        (dict(update="sideways"), "`update` must be one of"),
        (dict(update="simultaneous", d_steps=2), "needs `d_steps=1`"),
    ],
)
def test_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny_gan(**kwargs)


def test_rejects_non_models():
    with pytest.raises(ValueError, match="`generator` must be a `keras.Model`"):
        GAN(lambda z: z, keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]))


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_trains_with_float32_losses_and_outputs(policy):
    keras.mixed_precision.set_global_policy(policy)
    try:
        gan = tiny_gan()
        gan.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
        history = gan.fit(data(32), batch_size=8, epochs=1, verbose=0)
        scaled = isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
        images = gan.generate(4, seed=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert scaled == (policy == "mixed_float16")
    assert gan.generator.layers[0].compute_dtype == policy.split("_")[1]
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert images.dtype == np.float32 and np.isfinite(images).all()
    assert int(gan.g_optimizer.iterations) == 4


def test_generator_weight_average_is_the_closed_form_and_saves_and_resumes_exactly(tmp_path):
    """average_t = d average_{t-1} + (1 - d) w_t from the initial weights, after every generator update."""
    keras.utils.set_random_seed(0)
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    discriminator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    gan = GAN(generator, discriminator, seed=0, ema_decay=0.9)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.5), jit_compile=False)
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    expected = [np.array(w) for w in generator.weights]
    for batch in range(4):
        gan.fit(x[batch * 10:(batch + 1) * 10], batch_size=10, epochs=1, verbose=0, shuffle=False)
        expected = [0.9 * a + 0.1 * np.array(w) for a, w in zip(expected, generator.weights)]
    for average, value in zip(gan.averaged_generator.weights, expected):
        np.testing.assert_allclose(np.array(average), value, rtol=1e-5, atol=1e-7)
    assert not np.allclose(np.array(gan.averaged_generator.weights[0]), np.array(generator.weights[0]))
    z = np.random.default_rng(1).normal(size=(5, 2)).astype("float32")
    np.testing.assert_allclose(gan.generate(5, seed=3), gan.averaged_generator(
        sample_latent("normal", (5, 2), seed=3)).numpy(), rtol=1e-6)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert loaded.ema_decay == 0.9
    for a, b in zip(loaded.averaged_generator.weights, gan.averaged_generator.weights):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    np.testing.assert_array_equal(np.asarray(loaded.averaged_generator(z)), np.asarray(gan.averaged_generator(z)))


@pytest.mark.parametrize("ema_decay", [-0.1, 1.0, "0.9"])
def test_bad_ema_decay_is_refused(ema_decay):
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    discriminator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"`ema_decay` must be in \[0, 1\)"):
        GAN(generator, discriminator, ema_decay=ema_decay)
