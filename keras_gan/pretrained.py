"""The model zoo: pretrained generators shipped in `saved_models/<name>/`.

Each entry is plain data, `saved_models/<name>/metadata.json`: the weights file
and its sha256, the architecture, latent size and prior, the space of the
outputs, the dataset and its checksum, the exact training command, seed,
epochs, wall time, hardware, the measured scores and the data's own reference
score. Its `model_card.md` says the same for people, with the paper's figures
and the training curve beside it. `keras-gan publish` (`keras_gan.publish`)
writes entries. A `url` in the metadata lets weights too large for the
repository be fetched with `keras.utils.get_file` (checked against the same
sha256); the local copy is used when present.
"""

import json
from pathlib import Path

import keras

from keras_gan._io import sha256
from keras_gan.checkpoints import load_keras_file, verify_file
from keras_gan.datasets.output_space import OutputSpace
from keras_gan.model import GAN, generate
from keras_gan.priors import PRIORS
from keras_gan.records import config_of, read_record


def _root() -> Path:
    # Installed: keras_gan/saved_models (setup.py maps the folder there).
    # Source checkout: the repository's top-level saved_models/.
    installed = Path(__file__).parent / "saved_models"
    return installed if installed.is_dir() else Path(__file__).parent.parent / "saved_models"


def list_models(details: bool = False) -> list:
    """The shipped pretrained models: their names, or with `details` a summary of each.

    Args:
        details: bool. Return one dict per model instead of its name: `name`,
            `description`, `dataset`, `width`, `generator_parameters`,
            `size_bytes` (its shipped files), `parzen` (test log-likelihood
            mean and standard error, in the space of the shipped outputs) and `fid`
            (None where not measured), all read from its `metadata.json`.
            Defaults to False.

    Example:
    >>> keras_gan.list_models()
    ['cifar10_conv', 'cifar10_fc', 'mnist', 'tfd_fer2013']
    >>> mnist = keras_gan.list_models(details=True)[2]
    >>> mnist["name"], mnist["width"], mnist["parzen"]["mean"] > 200
    ('mnist', 1.0, True)
    """
    # Hidden folders are `keras-gan publish`'s work in progress.
    names = sorted(p.parent.name for p in _root().glob("*/metadata.json") if not p.parent.name.startswith("."))
    return [_summary(get_preset(name)) for name in names] if details else names


def _summary(preset: dict) -> dict:
    """The facts `list_models(details=True)` gives of one model, from its metadata."""
    scores = preset["scores"]
    parzen = scores["parzen_test_log_likelihood"]
    quality = scores.get("sample_quality", {}).get("model", {})
    return {
        "name": preset["name"],
        "description": preset["description"],
        "dataset": preset["dataset"],
        "width": preset["config"]["width"],
        "generator_parameters": preset["generator_parameters"],
        "size_bytes": sum(entry["bytes"] for entry in preset["files"].values()),
        # The test score is of the shipped generator's outputs (GCN models: shown as pixels, "gcn_display").
        "parzen": {"mean": parzen["mean"], "std_error": parzen["std_error"], "space": preset["output_space"]},
        "fid": quality.get("fid"),
    }


def get_preset(name: str) -> dict:
    """The metadata of pretrained model `name` (see the module docstring).

    Example:
    >>> keras_gan.pretrained.get_preset("mnist")["scores"]["paper"]
    {'comparable': True, 'dataset': 'mnist', 'mean': 225.0, 'std_error': 2.0}
    """
    path = _root() / name / "metadata.json"
    if not path.is_file():
        raise ValueError(f"Unknown pretrained model {name!r}. Choose one of {list_models()}.")
    return json.loads(path.read_text())


def weights_path(name: str, key: str = "generator") -> Path:
    """Local path of a pretrained file, fetched from its `url` if not shipped, sha256-checked."""
    preset = get_preset(name)
    entry = preset["files"].get(key)
    if entry is None:
        raise ValueError(f"Pretrained model {name!r} ships no {key} (it has: {', '.join(sorted(preset['files']))}): "
                         f"use a model that does, or re-publish {name!r} from its run folder.")
    path = _root() / name / entry["path"]
    if not path.is_file():
        if not entry.get("url"):
            raise FileNotFoundError(f"{path} is missing and {name!r} names no download URL: reinstall keras-gan.")
        path = Path(keras.utils.get_file(f"keras_gan_{name}_{path.name}", entry["url"], file_hash=entry["sha256"]))
    actual = sha256(path)
    if actual != entry["sha256"]:
        raise ValueError(
            f"{path} is corrupt: its sha256 is {actual}, expected {entry['sha256']}. "
            "Delete it and reinstall keras-gan (or let it download again)."
        )
    return path


def load_generator(name: str) -> keras.Model:
    """The pretrained generator `name`, its file checked against its sha256.

    Sample it with `keras_gan.generate(generator, get_preset(name)["latent_prior"], n)`,
    or use `load_gan(name).generate(n)` where a discriminator is shipped.

    Example:
    >>> generator = keras_gan.load_generator("mnist")
    """
    return load_keras_file(weights_path(name, "generator"))


def trained_generator(name: str) -> keras.Model:
    """The pretrained generator `name` as it trained: for GCN models, the network below its `GCNToDisplay` layer.

    Example:
    >>> keras_gan.pretrained.trained_generator("cifar10_fc").name
    'cifar10_fc_generator'
    """
    return OutputSpace(get_preset(name)["output_space"]).unwrap(load_generator(name))


def load_gan(name: str) -> GAN:
    """The pretrained GAN `name`, ready to fine-tune with `fit`; its files checked against their sha256.

    The shipped generator (for GCN models the network below its `GCNToDisplay`
    layer, which is what trained) and discriminator, compiled with the
    optimizers of the model's training configuration. Optimizer states are not
    shipped: the learning-rate decay and momentum ramp start again.

    Example:
    >>> gan = keras_gan.load_gan("mnist"); images = gan.generate(16, seed=0)
    >>> images.shape
    (16, 28, 28, 1)
    """
    preset = get_preset(name)
    discriminator = load_keras_file(weights_path(name, "discriminator"))
    generator = trained_generator(name)
    config = config_of(preset)
    steps = preset["data_splits"]["train"] // (config.batch_size * config.d_steps)
    return config.build_gan(steps, networks=(generator, discriminator))


class ModelSpec:
    """A generator with what is known about it: its prior, its record and the space of its outputs.

    Args:
        generator: `keras.Model`. The generator.
        latent_prior: str. Its noise prior.
        record: dict. Its `run.json` or registry metadata (may be empty).
        output_space: `keras_gan.datasets.OutputSpace` or its name:
            `"pixels"`, `"gcn"` (a CIFAR-10 training run's generator) or
            `"gcn_display"` (a shipped CIFAR-10 generator). Defaults to `"pixels"`.
        gan: `GAN` or None. The whole GAN, when it was loaded. Defaults to None.

    Example:
    >>> spec = ModelSpec(gan.generator, "uniform", {}); spec.generate(16, seed=0).shape
    (16, 28, 28, 1)
    """

    def __init__(self, generator, latent_prior: str, record: dict,
                 output_space: OutputSpace = OutputSpace.PIXELS, gan=None):
        self.generator = generator
        self.latent_prior = latent_prior
        self.record = record
        self.output_space = OutputSpace(output_space)
        self.gan = gan

    def generate(self, n: int, seed: int | None = None):
        return generate(self.generator, self.latent_prior, n, seed=seed)

    def dataset(self, override: str | None = None) -> str:
        """`override`, else the dataset the model was trained on, as its record says."""
        name = override or self.record.get("dataset")
        if name is None:
            raise ValueError("The model records no dataset it was trained on: pass --dataset.")
        return name


def _output_space(record: dict) -> OutputSpace:
    # An empty record (a bare generator's) has no configuration: its outputs are taken as pixels.
    return OutputSpace.of_record(record, gcn=lambda: bool(record) and config_of(record).gcn)


def load_model(model: str, latent_prior: str | None = None) -> ModelSpec:
    """A generator and what is known about it, from a pretrained name, a run folder or a `.keras` file.

    Args:
        model: str. A name of `list_models()`, a `keras-gan train` run folder
            (its `gan.keras`), a saved `GAN` or a saved generator.
        latent_prior: str or None. The prior of a bare generator with no
            `run.json` beside it. Defaults to None.

    Example:
    >>> spec = keras_gan.pretrained.load_model("mnist"); images = spec.generate(16, seed=0)
    """

    path = Path(model)
    if not path.exists() and model in list_models():
        preset = get_preset(model)
        return ModelSpec(load_generator(model), preset["latent_prior"], preset, _output_space(preset))
    if path.is_dir():
        path = path / "gan.keras"
    if not path.is_file():
        raise FileNotFoundError(
            f"No model at {model}: pass a pretrained name ({', '.join(list_models()) or 'none shipped'}), "
            "a run folder written by `keras-gan train`, or a `.keras` file."
        )
    record_path = path.parent / "run.json"
    record = read_record(record_path) if record_path.exists() else {}
    # Run folders record each saved model's sha256: a damaged file is refused, not loaded.
    verify_file(path, fix="restore it, or run the run's `keras-gan train` command again to rewrite it")
    loaded = load_keras_file(path)
    if isinstance(loaded, GAN):
        return ModelSpec(loaded.sampling_generator, loaded.latent_prior, record, _output_space(record), gan=loaded)
    prior = latent_prior or (config_of(record).latent_prior if record else None)
    if prior is None:
        raise ValueError(
            f"{path} is a bare generator and no run.json beside it records its noise: "
            f"pass --latent-prior ({' or '.join(PRIORS)})."
        )
    return ModelSpec(loaded, prior, record, _output_space(record))
