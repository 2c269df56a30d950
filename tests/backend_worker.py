"""One GAN computation under whichever Keras backend this process runs, for tests/test_backends.py.

A process has one Keras backend, so the cross-backend tests run the other
backend's side as a script (`KERAS_BACKEND` picks it):

    python tests/backend_worker.py step OUT.npz UPDATE   # two updates from fixed weights, batch and noise
    python tests/backend_worker.py train OUT_DIR         # MNIST networks (dropout): train, save, sample
    python tests/backend_worker.py resume OUT_DIR        # load OUT_DIR/gan.keras, train on, save state.npz

Everything random is fixed here with numpy, so both backends start from the same numbers.
"""

import sys
from pathlib import Path

import keras
import numpy as np
from keras import ops

import keras_gan  # noqa: F401  (TensorFlow unless KERAS_BACKEND says otherwise)
from keras_gan import architectures
from keras_gan.layers import MaxoutDense
from keras_gan.model import GAN

LATENT_DIM, DATA_DIM, BATCH = 4, 3, 8
NOISE = np.random.default_rng(1).normal(size=(BATCH, LATENT_DIM)).astype("float32")
DATA = np.random.default_rng(3).normal(size=(2 * BATCH, DATA_DIM)).astype("float32")


def fixed_noise(shape, seed):
    """A latent prior that always returns `NOISE`: the same noise on every backend."""
    return ops.convert_to_tensor(NOISE)


def networks(dropout: float = 0.0) -> tuple[keras.Model, keras.Model]:
    """A small generator and a discriminator with the package's max-norm maxout layer, weights from numpy."""
    generator = keras.Sequential(
        [keras.Input((LATENT_DIM,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(DATA_DIM)]
    )
    discriminator = keras.Sequential(
        [
            keras.Input((DATA_DIM,)),
            architectures.common.dropout(dropout),
            MaxoutDense(8, pieces=2, max_norm=1.0),
            architectures.common.dropout(dropout),
            keras.layers.Dense(1),
        ]
    )
    rng = np.random.default_rng(0)
    for model in (generator, discriminator):
        model.set_weights([(0.5 * rng.normal(size=w.shape)).astype("float32") for w in model.get_weights()])
    return generator, discriminator


def compiled_gan(update: str, networks_=None, latent_prior=fixed_noise, seed=None) -> GAN:
    """Two optimizers with state (momentum, Adam's moments) and weight averaging, as a run uses them."""
    generator, discriminator = networks_ or networks()
    gan = GAN(generator, discriminator, latent_prior=latent_prior, update=update, ema_decay=0.9, seed=seed)
    gan.compile(
        d_optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
        g_optimizer=keras.optimizers.Adam(0.01),
    )
    return gan


def mnist_gan() -> GAN:
    """The paper's MNIST networks (maxout, dropout) at a tenth of their width, weights from numpy."""
    generator, discriminator = architectures.build("mnist", width=0.1)
    rng = np.random.default_rng(0)
    for model in (generator, discriminator):
        model.set_weights([(0.05 * rng.normal(size=w.shape)).astype(w.dtype) for w in model.get_weights()])
    return compiled_gan("alternating", (generator, discriminator), latent_prior="normal", seed=0)


IMAGES = np.random.default_rng(4).uniform(size=(2 * BATCH, 28, 28, 1)).astype("float32")
IMAGE_NOISE = np.random.default_rng(2).normal(size=(16, 100)).astype("float32")


def state(gan: GAN) -> dict:
    """Weights (networks and average) and both optimizers' variables, as numpy, by position."""
    variables = gan.weights + gan.d_optimizer.variables + gan.g_optimizer.variables
    return {f"v{i:03d}": np.asarray(ops.convert_to_numpy(v)) for i, v in enumerate(variables)}


def step(out: Path, update: str) -> None:
    gan = compiled_gan(update)
    gan.fit(DATA, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)  # two updates
    np.savez(out, **state(gan))


def train(out: Path) -> None:
    gan = mnist_gan()
    gan.fit(IMAGES, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    gan.save(out / "gan.keras")
    gan.generator.save(out / "generator.keras")
    samples = ops.convert_to_numpy(gan.generator(IMAGE_NOISE, training=False))
    np.savez(out / "samples.npz", samples=samples, **state(gan))


def resume(out: Path) -> None:
    gan = keras.models.load_model(out / "gan.keras")
    before = state(gan)
    gan.fit(IMAGES, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    np.savez(out / "resumed.npz", **{f"before_{k}": v for k, v in before.items()}, **state(gan))


if __name__ == "__main__":
    command, path = sys.argv[1], Path(sys.argv[2])
    {"step": lambda: step(path, sys.argv[3]), "train": lambda: train(path), "resume": lambda: resume(path)}[command]()
