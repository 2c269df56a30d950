"""`GAN`: a `keras.Model` whose `train_step` is the paper's Algorithm 1."""

import keras
import numpy as np
from keras import ops

from keras_gan import losses
from keras_gan._checks import check_positive_int
from keras_gan.priors import LatentPrior, sample_latent, validate_prior
from keras_gan.trainers import get_trainer_class

UPDATES = ("alternating", "simultaneous")


def _real_images(data):
    """Images from a batch that may be `x`, `(x,)`, `(x, y)` or `(x, y, w)`."""
    return data[0] if isinstance(data, (tuple, list)) else data


def _minibatches(x, k: int):
    """Split a batch of `k * m` examples into `k` minibatches of `m`."""
    if k == 1:
        return [x]
    m = ops.shape(x)[0] // k
    return [x[i * m : (i + 1) * m] for i in range(k)]


def generate(
    generator: keras.Model, latent_prior: LatentPrior, n: int, seed: int | None = None, batch_size: int = 1000
) -> np.ndarray:
    """Run `generator` on `n` noise vectors from `latent_prior`; return numpy.

    The noise is drawn in one call, `sample_latent(latent_prior,
    (n, latent_dim), seed)`, and fed to the generator in batches, so the
    result does not depend on `batch_size` (up to float rounding) and equals
    what an exported `sample` signature returns for the same seed.

    Args:
        generator: `keras.Model`. Maps `(batch, latent_dim)` noise to examples.
        latent_prior: str or callable. The prior the generator was trained with.
        n: int. Number of examples.
        seed: int or None. The same seed gives the same examples. Defaults to
            None (fresh noise).
        batch_size: int. Examples per generator call. Defaults to 1000.

    Example:
    >>> images = generate(keras_gan.load_generator("mnist"), "uniform", 16, seed=0)
    """
    check_positive_int("n", n)
    z = sample_latent(latent_prior, (n, generator.input_shape[-1]), seed=seed)
    # Direct calls: `predict` costs ~0.1 s of set-up per call on a CPU.
    batches = [generator(z[i : i + batch_size], training=False) for i in range(0, n, batch_size)]
    return np.concatenate([keras.ops.convert_to_numpy(b) for b in batches]).astype("float32")


@keras.saving.register_keras_serializable(package="keras_gan")
class GAN(get_trainer_class(), keras.Model):
    """Generative adversarial net trained by Algorithm 1 of Goodfellow et al. (2014).

    Each `fit` step performs `d_steps` (k) discriminator updates, each on its own
    minibatch of real examples and fresh noise, then one generator update on
    fresh noise. With `d_steps=k` every batch that `fit` receives holds `k`
    minibatches: pass `batch_size=k * m` to train with minibatches of `m`.

    The discriminator must output one logit per example (no final sigmoid):
    D(x) = sigmoid(logit). The losses are computed from logits, so they stay
    finite when D saturates.

    The algorithm is written once with `keras.ops`; how a step takes gradients
    and updates state is the one part that differs by Keras backend
    (TensorFlow, JAX, PyTorch), in `keras_gan.trainers`.

    Args:
        generator: `keras.Model`. Maps noise `(batch, latent_dim)` to examples.
        discriminator: `keras.Model`. Maps examples to logits `(batch, 1)`.
        latent_dim: int or None. Size of the noise vector. Defaults to the
            generator's input size.
        d_steps: int. k, discriminator updates per generator update.
            Defaults to 1 (the paper's experiments).
        generator_loss: str or callable. `"non_saturating"` (minimise
            -log D(G(z)), the paper's practical choice and its code's),
            `"minimax"` (minimise log(1 - D(G(z)))) or a function of D's logits
            on generated examples. Defaults to `"non_saturating"`.
        latent_prior: str or callable. `"uniform"` (on [-sqrt 3, sqrt 3]),
            `"normal"` (N(0, 1), the default of the paper's code) or a callable
            `(shape, seed) -> tensor`. Defaults to `"normal"`.
        update: str. `"alternating"` (Algorithm 1) or `"simultaneous"` (the
            paper's code: one noise sample and one dropout mask, both gradients
            taken at the same parameters, both applied; needs `d_steps=1`).
            Defaults to `"alternating"`.
        seed: int or None. Seed of the training noise. Defaults to None.
        ema_decay: float. Generator weight averaging: after every generator
            update, `average = ema_decay * average + (1 - ema_decay) * weights`,
            the average starting at the generator's weights when the GAN is
            built. 0 switches it off. When on, `averaged_generator` holds the
            average, and `generate` (and so sample grids, Parzen estimates and
            exports of training runs) uses it. Defaults to 0.0.

    Example:
    >>> generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    >>> discriminator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> gan = GAN(generator, discriminator, seed=0)
    >>> gan.compile(d_optimizer=keras.optimizers.Adam(1e-3),
    ...             g_optimizer=keras.optimizers.Adam(1e-3))
    >>> history = gan.fit(np.random.rand(64, 2).astype("float32"), batch_size=16,
    ...                   epochs=1, verbose=0)
    >>> sorted(history.history)
    ['d_fake', 'd_loss', 'd_real', 'g_loss']
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        latent_dim: int | None = None,
        d_steps: int = 1,
        generator_loss="non_saturating",
        latent_prior: LatentPrior = "normal",
        update: str = "alternating",
        seed: int | None = None,
        ema_decay: float = 0.0,
        **kwargs,
    ):
        if not isinstance(generator, keras.Model):
            raise ValueError(
                f"`generator` must be a `keras.Model`. Received: generator={generator!r}"
            )
        if not isinstance(discriminator, keras.Model):
            raise ValueError(
                "`discriminator` must be a `keras.Model`. "
                f"Received: discriminator={discriminator!r}"
            )
        if latent_dim is None:
            latent_dim = generator.input_shape[-1]
        check_positive_int("latent_dim", latent_dim)
        check_positive_int("d_steps", d_steps)
        losses.get_generator_loss(generator_loss)
        validate_prior(latent_prior)
        if update not in UPDATES:
            raise ValueError(f"`update` must be one of {UPDATES}. Received: update={update!r}")
        if update == "simultaneous" and d_steps != 1:
            raise ValueError(
                "`update='simultaneous'` makes one joint step, so it needs `d_steps=1`. "
                f"Received: d_steps={d_steps}"
            )
        if not (isinstance(ema_decay, (int, float)) and 0 <= ema_decay < 1):
            raise ValueError(f"`ema_decay` must be in [0, 1) (0: no averaging). Received: ema_decay={ema_decay!r}")
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.d_steps = d_steps
        self.generator_loss = generator_loss
        self.latent_prior = latent_prior
        self.update = update
        self.seed = seed
        self.ema_decay = float(ema_decay)
        # The average is a second generator whose weights start as the generator's.
        average = None
        if self.ema_decay:
            average = keras.models.clone_model(generator)
            average.build((None, latent_dim))
            average.set_weights(generator.get_weights())
            average.trainable = False
        self.averaged_generator = average
        self._generator_loss_fn = losses.get_generator_loss(generator_loss)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        if generator.built and discriminator.built:
            self.build()

    def compile(self, d_optimizer="adam", g_optimizer="adam", **kwargs):
        """Configure the two optimizers; Keras' own options pass through.

        Args:
            d_optimizer: optimizer or name. Updates the discriminator.
                Defaults to `"adam"`.
            g_optimizer: optimizer or name. Updates the generator.
                Defaults to `"adam"`.
            **kwargs: `keras.Model.compile` options such as `jit_compile`,
                `steps_per_execution` and `run_eagerly`.
        """
        # No optimizer of Keras' own: it would be built over both networks'
        # variables by `fit` and saved, unused, beside the two real ones.
        super().compile(optimizer=None, **kwargs)
        self.d_optimizer = self._with_loss_scaling(keras.optimizers.get(d_optimizer))
        self.g_optimizer = self._with_loss_scaling(keras.optimizers.get(g_optimizer))
        # Build the optimizers' slots now, so that saved state (a `.keras`
        # file, `BackupAndRestore`) can load into them before training.
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)
        self._register_optimizers()

    def _with_loss_scaling(self, optimizer):
        # As `keras.Model.compile` does for its one optimizer: float16 gradients
        # underflow without loss scaling (bfloat16 has float32's range).
        if self.dtype_policy.name == "mixed_float16" and not isinstance(
            optimizer, keras.optimizers.LossScaleOptimizer
        ):
            return keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def get_compile_config(self):
        config = super().get_compile_config() or {}
        config.update(
            d_optimizer=keras.optimizers.serialize(self.d_optimizer),
            g_optimizer=keras.optimizers.serialize(self.g_optimizer),
        )
        return config

    def compile_from_config(self, config):
        config = dict(config)
        self.compile(
            d_optimizer=keras.optimizers.deserialize(config.pop("d_optimizer")),
            g_optimizer=keras.optimizers.deserialize(config.pop("g_optimizer")),
            **{k: v for k, v in config.items() if k in ("jit_compile", "steps_per_execution")},
        )

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def build(self, input_shape=None):
        self.generator.build((None, self.latent_dim))
        self.discriminator.build(self.generator.compute_output_shape((None, self.latent_dim)))
        super().build(input_shape)

    def sample_noise(self, batch_size, seed=None):
        """Noise `(batch_size, latent_dim)` from the latent prior.

        Args:
            batch_size: int or scalar tensor. Number of noise vectors.
            seed: int, `keras.random.SeedGenerator` or None. Defaults to the
                GAN's own seed generator.
        """
        if seed is None:
            seed = self._noise_seed(self.seed_generator)
        return sample_latent(self.latent_prior, (batch_size, self.latent_dim), seed=seed)

    def _update_trackers(self, d_loss, g_loss, real_logits, fake_logits):
        self.d_loss_tracker.update_state(d_loss)
        if g_loss is not None:
            self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(ops.sigmoid(ops.cast(real_logits, "float32")))
        self.d_fake_tracker.update_state(ops.sigmoid(ops.cast(fake_logits, "float32")))

    def _discriminator_step(self, real):
        """One discriminator update on `real` and as many fresh fakes."""
        z = self.sample_noise(ops.shape(real)[0])
        fake = self.generator(z, training=True)

        def forward():
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = losses.discriminator_loss(real_logits, fake_logits)
            return (self.d_optimizer.scale_loss(self._per_replica(d_loss)),), (d_loss, real_logits, fake_logits)

        variables = self.discriminator.trainable_variables
        (d_loss, real_logits, fake_logits), (grads,) = self._losses_and_grads(forward, [variables])
        self._apply_gradients(self.d_optimizer, grads, variables)
        return d_loss, real_logits, fake_logits

    def _generator_step(self, batch_size):
        """One generator update on fresh noise; D is only read."""
        z = self.sample_noise(batch_size)

        def forward():
            fake_logits = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = self._generator_loss_fn(fake_logits)
            return (self.g_optimizer.scale_loss(self._per_replica(g_loss)),), g_loss

        variables = self.generator.trainable_variables
        g_loss, (grads,) = self._losses_and_grads(forward, [variables])
        self._apply_gradients(self.g_optimizer, grads, variables)
        return g_loss

    def _simultaneous_step(self, real):
        """The paper's code: both gradients from one noise draw and one D pass."""
        z = self.sample_noise(ops.shape(real)[0])

        def forward():
            fake = self.generator(z, training=True)
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = losses.discriminator_loss(real_logits, fake_logits)
            g_loss = self._generator_loss_fn(fake_logits)
            scaled = (
                self.d_optimizer.scale_loss(self._per_replica(d_loss)),
                self.g_optimizer.scale_loss(self._per_replica(g_loss)),
            )
            return scaled, (d_loss, g_loss, real_logits, fake_logits)

        d_variables = self.discriminator.trainable_variables
        g_variables = self.generator.trainable_variables
        aux, (d_grads, g_grads) = self._losses_and_grads(forward, [d_variables, g_variables])
        self._apply_gradients(self.d_optimizer, d_grads, d_variables)
        self._apply_gradients(self.g_optimizer, g_grads, g_variables)
        return aux

    def _train_step(self, data):
        """One step of the algorithm; `train_step` (`keras_gan.trainers`) calls it as its backend needs."""
        real = _real_images(data)
        if self.update == "simultaneous":
            d_loss, g_loss, real_logits, fake_logits = self._simultaneous_step(real)
            self._update_trackers(d_loss, g_loss, real_logits, fake_logits)
            self._update_average()
            return {m.name: m.result() for m in self.metrics}
        minibatches = _minibatches(real, self.d_steps)
        for minibatch in minibatches:
            d_loss, real_logits, fake_logits = self._discriminator_step(minibatch)
            self._update_trackers(d_loss, None, real_logits, fake_logits)
        self.g_loss_tracker.update_state(self._generator_step(ops.shape(minibatches[0])[0]))
        self._update_average()
        return {m.name: m.result() for m in self.metrics}

    def _update_average(self):
        if not self.ema_decay:
            return
        for average, weight in zip(self.averaged_generator.weights, self.generator.weights):
            average.assign(self.ema_decay * average + (1.0 - self.ema_decay) * ops.cast(weight, average.dtype))

    @property
    def sampling_generator(self) -> keras.Model:
        """The generator that samples: the weight average when `ema_decay` is on, else the generator."""
        return self.averaged_generator if self.ema_decay else self.generator

    def _test_step(self, data):
        real = _real_images(data)
        fake = self.generator(self.sample_noise(ops.shape(real)[0]), training=False)
        real_logits = self.discriminator(real, training=False)
        fake_logits = self.discriminator(fake, training=False)
        d_loss = losses.discriminator_loss(real_logits, fake_logits)
        self._update_trackers(d_loss, self._generator_loss_fn(fake_logits), real_logits, fake_logits)
        return {m.name: m.result() for m in self.metrics}

    def generate(self, n: int, seed: int | None = None, batch_size: int = 1000) -> np.ndarray:
        """Generate `n` examples as a numpy array in the data's space (see `generate`).

        Args:
            n: int. Number of examples.
            seed: int or None. The same seed gives the same examples.
                Defaults to None (fresh noise).
            batch_size: int. Examples per generator call. Defaults to 1000.

        Example:
        >>> images = gan.generate(16, seed=0)
        """
        return generate(self.sampling_generator, self.latent_prior, n, seed=seed, batch_size=batch_size)

    def _seed_states(self) -> list:
        return [v for v in self.non_trainable_variables if v.path.endswith("seed_generator_state")]

    # Keras saves no random-generator state. The GAN saves the states of its
    # own and its networks' generators (noise, dropout masks) with its weights,
    # so that a run resumed from a checkpoint draws the same numbers as one
    # that never stopped.
    def save_own_variables(self, store):
        super().save_own_variables(store)
        for i, state in enumerate(self._seed_states()):
            store[f"seed_state_{i}"] = keras.ops.convert_to_numpy(state)

    def load_own_variables(self, store):
        keys = list(store.keys())
        states = [k for k in keys if k.startswith("seed_state_")]
        super().load_own_variables({k: store[k] for k in keys if k not in states})
        for i, state in enumerate(self._seed_states()):
            if f"seed_state_{i}" in states:
                state.assign(store[f"seed_state_{i}"])

    def get_config(self):
        config = super().get_config()
        config.update(
            generator=keras.saving.serialize_keras_object(self.generator),
            discriminator=keras.saving.serialize_keras_object(self.discriminator),
            latent_dim=self.latent_dim,
            d_steps=self.d_steps,
            generator_loss=keras.saving.serialize_keras_object(self.generator_loss),
            latent_prior=keras.saving.serialize_keras_object(self.latent_prior),
            update=self.update,
            seed=self.seed,
            ema_decay=self.ema_decay,
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("generator", "discriminator", "generator_loss", "latent_prior"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
