"""Export a trained generator as a SavedModel for TensorFlow Serving.

`export_generator` writes TensorFlow Serving's layout, `export_dir/<name>/<version>/`,
with three signatures:

- `serving_default`: `z` (float32, `[None, latent_dim]`) -> `images`
  (float32, `[None, H, W, C]`), the generator applied to the given noise.
- `sample`: `num_samples` (int32 scalar), `seed` (int64 scalar) -> `images`,
  the images `GAN.generate(num_samples, seed=seed)` gives: the same noise through
  the same generator, in one batch (so equal up to float rounding, ~1e-7). It
  refuses more than the export's `max_samples`, so that one request cannot
  exhaust the server's memory.
- `limits`: no inputs -> `max_samples` (int32 scalar), that limit.

The export needs only TensorFlow to load: no Keras, no keras_gan.
"""

import uuid
from pathlib import Path
from typing import Any

import keras
import numpy as np

from keras_gan._checks import check_positive_int, is_model_name
from keras_gan._io import LOCK_WAIT_SECONDS, WriteError, folder_lock, remove_unclaimed, staging_folder
from keras_gan._tf import lazy_tensorflow
from keras_gan.priors import PRIORS, sample_latent

tf = lazy_tensorflow("SavedModel export")

__all__ = ["export_generator"]

SERVING_SIGNATURE = "serving_default"
SAMPLE_SIGNATURE = "sample"
LIMITS_SIGNATURE = "limits"
OUTPUT_KEY = "images"
MAX_SAMPLES_KEY = "max_samples"

_PROBE_SIZE = 8
_PROBE_SEED = 1234
_TOLERANCE = 1e-5
DEFAULT_MAX_SAMPLES = 10000
_INT32_MAX = 2**31 - 1  # `num_samples` is an int32


def _generator_server(generator: keras.Model, latent_dim: int, latent_prior: str, max_samples: int):
    """What gets saved: the generator's variables and the three signatures."""
    server = tf.Module()
    server.generator = generator

    @tf.function(input_signature=[tf.TensorSpec([None, latent_dim], tf.float32, name="z")])
    def serve(z):
        # A mixed-precision generator computes in float16; clients get float32.
        return {OUTPUT_KEY: tf.cast(generator(z, training=False), tf.float32)}

    @tf.function(
        input_signature=[
            tf.TensorSpec([], tf.int32, name="num_samples"),
            tf.TensorSpec([], tf.int64, name="seed"),
        ]
    )
    def sample(num_samples, seed):
        checks = [
            tf.debugging.assert_greater_equal(
                num_samples,
                0,
                message=f"`num_samples` must be a non-negative integer: ask for 0 to {max_samples} images.",
            ),
            tf.debugging.assert_less_equal(
                num_samples,
                max_samples,
                message=f"`num_samples` must be at most {max_samples}, the `max_samples` of this export: "
                "ask for fewer images per request, or export again with a larger `max_samples`.",
            ),
        ]
        # The checks must run before the draw, whose own error is less clear.
        with tf.control_dependencies(checks):
            # The very draw `GAN.generate` makes: one call, seed pair [seed, 0].
            z = sample_latent(latent_prior, tf.stack([num_samples, latent_dim]), seed)
        return serve(z)

    @tf.function(input_signature=[])
    def limits():
        return {MAX_SAMPLES_KEY: tf.constant(max_samples, tf.int32)}

    server.serve = serve
    server.sample = sample
    server.limits = limits
    return server


def _resolve(generator_or_name: Any, latent_prior: str | None):
    """The generator, its latent prior, its latent size if known, and a default name."""
    if isinstance(generator_or_name, str):
        # The registry pulls in the architectures and weights; only this path needs it.
        from keras_gan import pretrained

        preset = pretrained.get_preset(generator_or_name)
        generator = pretrained.load_generator(generator_or_name)
        own = (preset["latent_prior"], preset["latent_dim"], generator_or_name)
    elif hasattr(generator_or_name, "generator") and hasattr(generator_or_name, "latent_prior"):
        gan = generator_or_name
        generator = getattr(gan, "sampling_generator", gan.generator)
        own = (gan.latent_prior, getattr(gan, "latent_dim", None), getattr(gan, "name", None))
    elif isinstance(generator_or_name, keras.Model):
        generator = generator_or_name
        if latent_prior is None:
            raise ValueError(
                "A bare generator does not record the noise it was trained on, so "
                "`latent_prior` is required: pass the GAN's `latent_prior` "
                f"({' or '.join(repr(p) for p in PRIORS)}), or pass the GAN itself. "
                "Received: latent_prior=None"
            )
        own = (latent_prior, None, generator.name)
    else:
        raise ValueError(
            "`generator_or_name` must be a generator `keras.Model`, a GAN (an object "
            "with `.generator` and `.latent_prior`) or a pretrained model name. "
            f"Received: generator_or_name={generator_or_name!r}"
        )
    own_prior, latent_dim, default_name = own
    if latent_prior is not None and latent_prior != own_prior:
        raise ValueError(
            f"`latent_prior` must match the model's prior ({own_prior!r}), or be left "
            "as None, otherwise `sample` would not reproduce `GAN.generate`. "
            f"Received: latent_prior={latent_prior!r}"
        )
    if own_prior not in PRIORS:
        raise ValueError(
            f"`latent_prior` must be one of {PRIORS} to be exported: the `sample` "
            "signature draws the noise inside the SavedModel, where a Python callable "
            f"cannot go. Received: latent_prior={own_prior!r}"
        )
    return generator, own_prior, latent_dim, default_name


def _check_generator(generator: Any, latent_dim: int | None) -> int:
    """Return the latent size of `generator`, or raise unless it maps noise to images."""
    if not isinstance(generator, keras.Model):
        raise ValueError(
            f"The generator must be a `keras.Model`. Received: generator={generator!r}"
        )
    try:
        inputs = generator.inputs
    except AttributeError:
        # Unbuilt Sequential models and subclassed models have no symbolic inputs.
        inputs = None
    if inputs is not None:
        if len(inputs) != 1 or len(inputs[0].shape) != 2 or inputs[0].shape[1] is None:
            raise ValueError(
                "The generator must take one input of shape `(batch, latent_dim)`. "
                f"Received: a model with inputs {[tuple(x.shape) for x in inputs]}"
            )
        if latent_dim is not None and inputs[0].shape[1] != latent_dim:
            raise ValueError(
                f"The generator takes noise of size {inputs[0].shape[1]} but the model "
                f"records latent_dim={latent_dim}; export the matching generator."
            )
        latent_dim = inputs[0].shape[1]
    if latent_dim is None:
        raise ValueError(
            "Cannot tell the generator's noise size: give it a `keras.Input((latent_dim,))` "
            f"or pass the GAN itself. Received: generator={generator.name!r} with no inputs"
        )
    try:
        probe = generator(np.zeros((2, latent_dim), "float32"), training=False)
    except Exception as err:
        raise ValueError(
            f"The generator failed on noise of shape (2, {latent_dim}): {err}"
        ) from err
    shape = getattr(probe, "shape", None)
    if shape is None or len(shape) != 4 or shape[0] != 2:
        raise ValueError(
            "The generator must output one image batch `(batch, height, width, channels)`; "
            "end it with `keras.layers.Reshape((height, width, channels))`. "
            f"Received: output {shape if shape is not None else type(probe).__name__}"
        )
    if not keras.backend.is_float_dtype(keras.backend.standardize_dtype(probe.dtype)):
        raise ValueError(
            f"The generator must output floating-point images. Received: dtype={probe.dtype}"
        )
    return latent_dim


def _check_name_and_version(name: Any, version: Any) -> None:
    # TF Serving puts the model name in URLs and reads versions from directory names.
    if not is_model_name(name):
        raise ValueError(
            "`name` must be a model name of letters, digits, '_', '.' and '-' that "
            "starts with a letter or digit (it becomes a directory and a URL part). "
            f"Received: name={name!r}"
        )
    if version is not None:
        check_positive_int("version", version)


def _make_dirs(path: Path) -> list[Path]:
    """Create `path` and its missing parents; return the created ones, deepest first."""
    missing = []
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            break
        missing.append(candidate)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        _remove_empty(missing)
        raise OSError(
            f"Cannot create the model directory {str(path)!r}: {err}. "
            "Pass an `export_dir` that is a writable directory."
        ) from err
    return missing


def _remove_empty(directories: list[Path]) -> None:
    for directory in directories:
        try:
            directory.rmdir()
        except OSError:
            # Not empty (someone else wrote there) or already gone: leave it.
            break


def _next_version(model_dir: Path) -> int:
    versions = [int(p.name) for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()]
    return max(versions, default=0) + 1


def _validate(
    path: Path, generator: keras.Model, latent_prior: str, latent_dim: int, probe_size: int, max_samples: int
) -> None:
    """Reload the SavedModel, compare its images with the Keras generator's and check its limit."""
    loaded = tf.saved_model.load(str(path))
    exported_limit = int(loaded.signatures[LIMITS_SIGNATURE]()[MAX_SAMPLES_KEY])
    if exported_limit != max_samples:
        raise RuntimeError(
            f"The exported `{LIMITS_SIGNATURE}` signature reports max_samples={exported_limit} instead of "
            f"{max_samples}; nothing was written. Export again."
        )
    z = sample_latent(latent_prior, (probe_size, latent_dim), seed=_PROBE_SEED)
    expected = keras.ops.convert_to_numpy(generator(z, training=False)).astype("float32")
    outputs = {
        SERVING_SIGNATURE: loaded.signatures[SERVING_SIGNATURE](z=tf.constant(z, tf.float32)),
        SAMPLE_SIGNATURE: loaded.signatures[SAMPLE_SIGNATURE](
            num_samples=tf.constant(probe_size, tf.int32),
            seed=tf.constant(_PROBE_SEED, tf.int64),
        ),
    }
    for signature, output in outputs.items():
        images = output[OUTPUT_KEY].numpy()
        if images.shape != expected.shape or not np.allclose(
            images, expected, rtol=_TOLERANCE, atol=_TOLERANCE
        ):
            error = (
                f"shape {images.shape} instead of {expected.shape}"
                if images.shape != expected.shape
                else f"max abs difference {np.max(np.abs(images - expected)):.3g}"
            )
            raise RuntimeError(
                f"The exported `{signature}` signature does not reproduce the Keras "
                f"generator ({error}); nothing was written. The generator must be "
                "deterministic in inference mode (`training=False`) and built from "
                "layers that trace into a `tf.function`."
            )


def export_generator(
    generator_or_name: Any,
    export_dir: str | Path,
    version: int | None = None,
    name: str | None = None,
    latent_prior: str | None = None,
    max_samples: int = DEFAULT_MAX_SAMPLES,
) -> Path:
    """Write a generator as a TensorFlow Serving SavedModel `export_dir/<name>/<version>/`.

    The SavedModel has two signatures returning `images` (float32,
    `[None, H, W, C]`): `serving_default` takes noise `z` (float32,
    `[None, latent_dim]`); `sample` takes `num_samples` (int32 scalar) and
    `seed` (int64 scalar) and returns the images of
    `GAN.generate(num_samples, seed=seed)`, up to float rounding, for
    `num_samples` up to `max_samples`. A third, `limits`, takes no input and
    returns `max_samples` (int32 scalar). It is written
    to a temporary directory beside the target, reloaded and checked against
    the Keras generator, then renamed into place, so TF Serving never sees a
    half-written version and a failed export (a full disk included) leaves
    nothing behind. Concurrent exports to the same model directory take
    turns to choose their version and rename it into place, so they never
    write the same version; meanwhile an export removes the hidden `.tmp-*`
    folders that killed exports left (an export claims its own until the
    rename, so a live one's is never taken for a leftover).

    Args:
        generator_or_name: `keras.Model`, GAN or str. A generator mapping noise
            `(batch, latent_dim)` to images `(batch, H, W, C)`, a GAN (any
            object with `.generator` and `.latent_prior`, such as
            `keras_gan.GAN`) or the name of a pretrained model.
        export_dir: str or `pathlib.Path`. The base path TF Serving watches
            (`--model_base_path` is `export_dir/<name>`). Created if missing.
        version: int or None. Version directory to write; it must not exist.
            Defaults to None (one more than the largest existing version, or 1).
        name: str or None. Model name, the directory under `export_dir` and
            TF Serving's `MODEL_NAME`. Defaults to None (the pretrained name,
            else the model's `.name`).
        latent_prior: str or None. `"uniform"` or `"normal"`, the noise the
            `sample` signature draws. Required for a bare generator; for a GAN
            or a pretrained name it defaults to None (the model's own prior)
            and must match it if given.
        max_samples: int. The most images one `sample` request may ask for;
            larger requests get an `INVALID_ARGUMENT` error instead of
            exhausting the server's memory. Defaults to 10000.

    Returns:
        The path of the written version directory, `export_dir/<name>/<version>`.

    Raises:
        ValueError: if an argument is invalid, the object is not a generator, or
            Keras' backend is not TensorFlow.
        FileExistsError: if the version already exists, or another export
            wrote it meanwhile.
        OSError: if `export_dir` cannot be written (e.g. the disk is full).
        RuntimeError: if the reloaded export does not reproduce the generator.

    Example:
    >>> import tempfile
    >>> import keras
    >>> generator = keras.Sequential(
    ...     [keras.Input((8,)), keras.layers.Dense(12, "sigmoid"),
    ...      keras.layers.Reshape((2, 2, 3))], name="tiny")
    >>> path = export_generator(generator, tempfile.mkdtemp(), latent_prior="normal")
    >>> path.parent.name, path.name
    ('tiny', '1')
    """
    if keras.backend.backend() != "tensorflow":
        # The SavedModel traces the Keras generator into TensorFlow graphs: its weights must be TensorFlow's.
        raise ValueError(
            "SavedModel export runs under KERAS_BACKEND=tensorflow. A generator saved under "
            f"{keras.backend.backend()} (`.keras`) loads there: export it there. "
            f"Received: KERAS_BACKEND={keras.backend.backend()!r}"
        )
    generator, latent_prior, latent_dim, default_name = _resolve(generator_or_name, latent_prior)
    name = default_name if name is None else name
    _check_name_and_version(name, version)
    check_positive_int("max_samples", max_samples)
    if max_samples > _INT32_MAX:
        raise ValueError(
            f"`max_samples` must be at most {_INT32_MAX}: `num_samples` is an int32. Received: max_samples={max_samples}"
        )
    latent_dim = _check_generator(generator, latent_dim)

    model_dir = Path(export_dir).expanduser().absolute() / name
    created = _make_dirs(model_dir)
    if version is not None:
        _check_free(model_dir, name, version)
    busy = (
        f"Another export to {str(model_dir)!r} held its lock for {LOCK_WAIT_SECONDS:.0f} s; "
        "wait for it to finish, then export again."
    )
    try:
        # Not all digits, so TF Serving ignores it until the rename.
        with staging_folder(model_dir / f".tmp-{uuid.uuid4().hex}", busy, LOCK_WAIT_SECONDS) as tmp:
            server = _generator_server(generator, latent_dim, latent_prior, max_samples)
            try:
                tf.saved_model.save(
                    server,
                    str(tmp),
                    signatures={
                        SERVING_SIGNATURE: server.serve,
                        SAMPLE_SIGNATURE: server.sample,
                        LIMITS_SIGNATURE: server.limits,
                    },
                )
            except (OSError, tf.errors.OpError) as err:
                reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err).splitlines()[0]
                raise OSError(
                    f"Cannot write the export in {str(model_dir)!r} ({reason}); nothing was written and "
                    "existing versions are unchanged: free some space or pass another `export_dir`."
                ) from err
            _validate(tmp, generator, latent_prior, latent_dim, min(_PROBE_SIZE, max_samples), max_samples)
            # One export at a time chooses a version and renames into it, and removes killed exports' leftovers.
            with folder_lock(model_dir, busy, wait=LOCK_WAIT_SECONDS):
                remove_unclaimed([path for path in model_dir.glob(".tmp-*") if path != tmp])
                if version is None:
                    version = _next_version(model_dir)
                else:
                    _check_free(model_dir, name, version, while_exporting=True)
                target = model_dir / str(version)
                tmp.rename(target)
    except BaseException as err:
        _remove_empty(created)
        if isinstance(err, WriteError):  # The temporary folder could not be created.
            raise OSError(
                f"Cannot write in {str(model_dir)!r}: {err.__cause__}. "
                "Pass an `export_dir` that is a writable directory."
            ) from err.__cause__
        raise
    return target


def _check_free(model_dir: Path, name: str, version: int, while_exporting: bool = False) -> None:
    """Raise `FileExistsError` if version `version` of `name` exists in `model_dir`."""
    target = model_dir / str(version)
    if not target.exists():
        return
    when = " was written by another export meanwhile" if while_exporting else " already exists"
    raise FileExistsError(
        f"Version {version} of model {name!r}{when} at {str(target)!r}. "
        f"Pass `version={_next_version(model_dir)}` or leave `version=None` to "
        "append a new version; versions are never overwritten."
    )
