"""The GAN on every Keras backend: the same update, state threaded, files that cross backends.

Tests marked `backend_neutral` run in-process on whichever backend the suite
runs under (CI runs them under TensorFlow, then JAX and PyTorch). Each checks
a way a backend's step can go silently wrong: a second optimizer whose state
never updates, noise or dropout masks repeated from step to step, the fake
batch reusing the real batch's dropout mask, metric trackers left at zero.

The cross-backend tests run under TensorFlow and run the other side in the
Python that `KERAS_GAN_JAX_PYTHON` or `KERAS_GAN_TORCH_PYTHON` names (a
virtual environment with that backend, Keras and this package; `.ci/run`
makes them), since a process has one backend.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import keras
import numpy as np
import pytest
from keras import ops

from keras_gan import architectures
from keras_gan.model import GAN
from tests import backend_worker
from tests.helpers import architecture_gan, resume_round_trip, write_mnist

# The Pythons that run the other backends' side: virtual environments with that backend, Keras and keras-gan.
PYTHONS = {"jax": os.environ.get("KERAS_GAN_JAX_PYTHON"), "torch": os.environ.get("KERAS_GAN_TORCH_PYTHON")}
WORKER = Path(backend_worker.__file__)


def other_backends(*backends: str) -> list:
    """`backends` as parameters, each skipped unless this suite runs under TensorFlow and its Python is named."""
    return [
        pytest.param(
            backend,
            marks=pytest.mark.skipif(
                keras.backend.backend() != "tensorflow" or not PYTHONS[backend],
                reason=f"needs the TensorFlow backend and KERAS_GAN_{backend.upper()}_PYTHON (a Python with {backend} "
                "and keras-gan)",
            ),
        )
        for backend in backends
    ]


def run_under(backend: str, *args: str) -> None:
    env = dict(os.environ, KERAS_BACKEND=backend)
    result = subprocess.run([PYTHONS[backend], str(WORKER), *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def floats(arrays) -> dict:
    return {k: arrays[k] for k in arrays.files if np.issubdtype(arrays[k].dtype, np.floating)}


def numpy(variable) -> np.ndarray:
    return np.asarray(ops.convert_to_numpy(variable))


# -- In-process, on the suite's backend ------------------------------------------------------------


@pytest.mark.backend_neutral
@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_both_optimizers_update_their_state(update):
    gan = backend_worker.compiled_gan(update)
    gan.fit(backend_worker.DATA, batch_size=backend_worker.BATCH, epochs=1, shuffle=False, verbose=0)
    assert int(numpy(gan.d_optimizer.iterations)) == 2
    assert int(numpy(gan.g_optimizer.iterations)) == 2
    # SGD's momentum and Adam's moments: zero if the step never wrote the optimizer's state back.
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        slots = [v for v in optimizer.variables if v.path.split("/")[-1] != "iteration" and len(v.shape)]
        assert slots and all(np.any(numpy(v) != 0) for v in slots), optimizer.name


@pytest.mark.backend_neutral
@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_noise_differs_between_steps(update):
    # Frozen networks (learning rate 0) and the same real batch twice: the
    # steps' D(G(z)) differ only if their noise does.
    generator, discriminator = backend_worker.networks()
    gan = GAN(generator, discriminator, update=update, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    state = numpy(gan.seed_generator.state).copy()
    per_step = []
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: per_step.append(float(logs["d_fake"])))
    data = np.concatenate([backend_worker.DATA[:8], backend_worker.DATA[:8]])
    gan.fit(data, batch_size=8, epochs=1, shuffle=False, verbose=0, callbacks=[record])
    assert len(per_step) == 2 and per_step[0] != per_step[1]  # a running mean: equal iff the steps were
    assert not np.array_equal(numpy(gan.seed_generator.state), state)


def frozen_dropout_gan(update: str, dim: int = 32) -> GAN:
    """G outputs exactly the real examples (all ones) and nothing trains: D's outputs differ only by dropout masks."""
    generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(dim, kernel_initializer="zeros", bias_initializer="ones")])
    discriminator = keras.Sequential(
        [keras.Input((dim,)), architectures.common.dropout(0.5),
         keras.layers.Dense(1, kernel_initializer=keras.initializers.RandomNormal(seed=0))]
    )
    gan = GAN(generator, discriminator, update=update, seed=0)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.0))
    return gan


@pytest.mark.backend_neutral
@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_fake_batch_gets_its_own_dropout_mask(update):
    history = frozen_dropout_gan(update).fit(np.ones((8, 32), "float32"), batch_size=8, epochs=1, verbose=0)
    assert history.history["d_real"][0] != history.history["d_fake"][0]


@pytest.mark.backend_neutral
@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_dropout_masks_differ_between_steps(update):
    per_step = []
    record = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: per_step.append(float(logs["d_real"])))
    frozen_dropout_gan(update).fit(np.ones((16, 32), "float32"), batch_size=8, epochs=1, verbose=0, callbacks=[record])
    assert len(per_step) == 2 and per_step[0] != per_step[1]  # a running mean: equal iff the steps' masks were


@pytest.mark.backend_neutral
def test_all_four_trackers_update():
    gan = backend_worker.compiled_gan("alternating")
    history = gan.fit(backend_worker.DATA, batch_size=backend_worker.BATCH, epochs=1, shuffle=False, verbose=0)
    for tracker in gan.metrics:
        assert float(numpy(tracker.count)) > 0, tracker.name
        np.testing.assert_allclose(float(numpy(tracker.result())), history.history[tracker.name][0], rtol=1e-6)


@pytest.mark.backend_neutral
def test_d_steps_and_mixed_precision_train():
    keras.config.set_dtype_policy("mixed_float16")
    try:
        generator, discriminator = backend_worker.networks(dropout=0.2)
        gan = GAN(generator, discriminator, d_steps=2, seed=0, ema_decay=0.5)
        gan.compile(d_optimizer="adam", g_optimizer="adam")
    finally:
        keras.config.set_dtype_policy("float32")
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    history = gan.fit(backend_worker.DATA, batch_size=2 * backend_worker.BATCH, epochs=1, verbose=0)
    assert int(numpy(gan.d_optimizer.iterations)) == 2 and int(numpy(gan.g_optimizer.iterations)) == 1
    assert all(np.isfinite(values[0]) for values in history.history.values())


# Every registered architecture on JAX and PyTorch (tests/test_architectures.py runs them all under TensorFlow);
# mnist's stays in the fast tier.
ROUND_TRIP_ARCHITECTURES = ["mnist"] if keras.backend.backend() == "tensorflow" else sorted(architectures.ARCHITECTURES)


@pytest.mark.backend_neutral
@pytest.mark.parametrize("name", [pytest.param(name, marks=() if name == "mnist" else pytest.mark.slow)
                                  for name in ROUND_TRIP_ARCHITECTURES])
def test_a_step_saved_loaded_and_continued_matches_on_this_backend(name, tmp_path):
    """The shared one-step and resume checks (tests/helpers.py) on this backend."""
    resume_round_trip(*architecture_gan(name), tmp_path)


@pytest.mark.backend_neutral
def test_evaluate_and_generate():
    gan = backend_worker.compiled_gan("alternating", latent_prior="uniform", seed=0)
    logs = gan.evaluate(backend_worker.DATA, batch_size=backend_worker.BATCH, verbose=0, return_dict=True)
    assert sorted(logs) == ["d_fake", "d_loss", "d_real", "g_loss"]
    np.testing.assert_array_equal(gan.generate(5, seed=3), gan.generate(5, seed=3))
    assert not np.array_equal(gan.generate(5, seed=3), gan.generate(5, seed=4))


# -- Across backends: TensorFlow here, JAX or PyTorch in a subprocess -------------------------------


@pytest.mark.parametrize("backend", other_backends("jax", "torch"))
@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
@pytest.mark.slow
def test_same_updates_on_other_backend(backend, update, tmp_path):
    """Same weights, minibatches and noise, no dropout: two updates give the same weights and optimizer state."""
    backend_worker.step(tmp_path / "tensorflow.npz", update)
    run_under(backend, "step", str(tmp_path / "other.npz"), update)
    tf_state, other_state = np.load(tmp_path / "tensorflow.npz"), np.load(tmp_path / "other.npz")
    assert tf_state.files == other_state.files
    for key, value in floats(tf_state).items():
        # Measured: at most 1.2e-7 (JAX) and 6e-8 (PyTorch) apart on a 2-core AVX-512 CPU.
        np.testing.assert_allclose(other_state[key], value, rtol=1e-5, atol=1e-6, err_msg=key)
    # Integer state (the optimizers' step counts) must agree exactly.
    for key in set(tf_state.files) - set(floats(tf_state)):
        np.testing.assert_array_equal(other_state[key], tf_state[key], err_msg=key)


def assert_same_state(loaded: dict, saved) -> None:
    """Every saved weight and optimizer variable came back: floats bit for bit, step counts by value."""
    assert sorted(loaded) == sorted(k for k in saved.files if k.startswith("v"))
    for key, value in loaded.items():
        np.testing.assert_array_equal(value, saved[key].astype(value.dtype), err_msg=key)


@pytest.fixture(scope="module", params=other_backends("jax", "torch"))
def trained_elsewhere(request, tmp_path_factory) -> Path:
    """A folder with `backend_worker.train`'s files, written under JAX or PyTorch (once per backend)."""
    folder = tmp_path_factory.mktemp(request.param)
    run_under(request.param, "train", str(folder))
    return folder


@pytest.mark.slow
def test_generator_trained_elsewhere_loads_samples_and_exports_under_tensorflow(trained_elsewhere, tmp_path):
    saved = np.load(trained_elsewhere / "samples.npz")
    assert_same_state(backend_worker.state(keras.models.load_model(trained_elsewhere / "gan.keras")), saved)
    generator = keras.models.load_model(trained_elsewhere / "generator.keras")
    z = backend_worker.IMAGE_NOISE
    np.testing.assert_allclose(numpy(generator(z, training=False)), saved["samples"], rtol=1e-5, atol=1e-6)

    import tensorflow as tf

    from keras_gan.export import export_generator

    path = export_generator(generator, tmp_path / "export", latent_prior="normal")
    served = tf.saved_model.load(str(path)).signatures["serving_default"](z=tf.constant(z))["images"]
    np.testing.assert_allclose(served.numpy(), saved["samples"], rtol=1e-5, atol=1e-6)


def assert_resumed(folder: Path) -> None:
    """`resume` started from the saved state and made two more updates with each optimizer."""
    resumed = np.load(folder / "resumed.npz")
    assert_same_state({k[len("before_"):]: resumed[k] for k in resumed.files if k.startswith("before_")}, np.load(folder / "samples.npz"))
    gan = backend_worker.mnist_gan()
    names = list(backend_worker.state(gan))
    variables = gan.weights + gan.d_optimizer.variables + gan.g_optimizer.variables
    for name, variable in zip(names, variables):
        if variable is gan.d_optimizer.iterations or variable is gan.g_optimizer.iterations:
            assert int(resumed[name]) == 4, variable.path


@pytest.mark.slow
def test_checkpoint_written_elsewhere_resumes_under_tensorflow(trained_elsewhere, tmp_path):
    shutil.copytree(trained_elsewhere, tmp_path, dirs_exist_ok=True)
    backend_worker.resume(tmp_path)
    assert_resumed(tmp_path)


@pytest.mark.parametrize("backend", other_backends("jax", "torch"))
@pytest.mark.slow
def test_checkpoint_written_under_tensorflow_resumes_on_other_backend(backend, tmp_path):
    backend_worker.train(tmp_path)
    run_under(backend, "resume", str(tmp_path))
    assert_resumed(tmp_path)


@pytest.mark.parametrize("backend", other_backends("jax", "torch"))
@pytest.mark.slow
def test_cli_trains_and_resumes_on_other_backend_and_its_generator_loads_under_tensorflow(backend, tmp_path):
    """The issue's acceptance test, on tiny data: `keras-gan train` under JAX or PyTorch trains, resumes and saves."""
    (tmp_path / "data").mkdir()
    write_mnist(tmp_path / "data", sizes=(300, 300, 50))
    command = [str(Path(PYTHONS[backend]).parent / "keras-gan"), "train", "mnist", "--width", "0.1", "--set", "parzen_every=0",
               "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "run"), "--verbose", "0"]
    env = dict(os.environ, KERAS_BACKEND=backend)
    for epochs in ("1", "2"):  # the second call resumes the first run
        result = subprocess.run([*command, "--epochs", epochs], env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
    assert len((tmp_path / "run" / "log.csv").read_text().splitlines()) == 3  # header and two epochs
    assert json.loads((tmp_path / "run" / "run.json").read_text())["keras_backend"] == backend
    generator = keras.models.load_model(tmp_path / "run" / "generator.keras")
    assert numpy(generator(np.zeros((2, 100), "float32"))).shape == (2, 28, 28, 1)


@pytest.mark.backend_neutral
def test_export_says_it_needs_tensorflow_backend(tmp_path):
    if keras.backend.backend() == "tensorflow":
        pytest.skip("exports under TensorFlow (tests/test_export.py)")
    from keras_gan.export import export_generator

    generator, _ = backend_worker.networks()
    with pytest.raises(ValueError, match="SavedModel export runs under KERAS_BACKEND=tensorflow"):
        export_generator(generator, tmp_path, latent_prior="normal")


@pytest.mark.backend_neutral
def test_missing_tensorflow_is_one_clear_line():
    from keras_gan._tf import TensorFlowMissingError, lazy_tensorflow, tensorflow_installed

    if tensorflow_installed():
        pytest.skip("TensorFlow is installed here")
    with pytest.raises(TensorFlowMissingError) as error:
        lazy_tensorflow("SavedModel export").saved_model
    message = str(error.value)
    assert "\n" not in message and message.startswith("SavedModel export needs TensorFlow, which is not installed")


@pytest.mark.backend_neutral
def test_trainer_matches_backend():
    assert GAN.__mro__[1].__module__ == f"keras_gan.trainers.{keras.backend.backend()}"
