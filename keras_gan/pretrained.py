"""The model zoo: pretrained generators shipped in `saved_models/<name>/`.

Each entry is plain data, `saved_models/<name>/metadata.json`: the weights file
and its sha256, the architecture, latent size and prior, the dataset and its
checksum, the exact training command, seed, epochs, wall time, hardware and the
measured scores. Its `model_card.md` says the same for people. A `url` in the
metadata lets weights too large for the repository be fetched with
`keras.utils.get_file` (checked against the same sha256); the local copy is
used when present.
"""

import hashlib
import json
from pathlib import Path

import keras

from keras_gan.model import GAN


def _root() -> Path:
    # Installed: keras_gan/saved_models (setup.py maps the folder there).
    # Source checkout: the repository's top-level saved_models/.
    installed = Path(__file__).parent / "saved_models"
    return installed if installed.is_dir() else Path(__file__).parent.parent / "saved_models"


def list_models() -> list[str]:
    """Names of the shipped pretrained models.

    Example:
    >>> keras_gan.list_models()
    """
    return sorted(p.parent.name for p in _root().glob("*/metadata.json"))


def get_preset(name: str) -> dict:
    """The metadata of pretrained model `name` (see the module docstring).

    Example:
    >>> keras_gan.pretrained.get_preset("mnist")["scores"]
    """
    path = _root() / name / "metadata.json"
    if not path.is_file():
        raise ValueError(f"Unknown pretrained model {name!r}. Choose one of {list_models()}.")
    return json.loads(path.read_text())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def weights_path(name: str, key: str = "generator") -> Path:
    """Local path of a pretrained file, fetched from its `url` if not shipped, sha256-checked."""
    preset = get_preset(name)
    entry = preset["files"].get(key)
    if entry is None:
        raise ValueError(f"Pretrained model {name!r} ships no {key}. It has: {sorted(preset['files'])}.")
    path = _root() / name / entry["path"]
    if not path.is_file():
        if not entry.get("url"):
            raise FileNotFoundError(f"{path} is missing and {name!r} names no download URL: reinstall keras-gan.")
        path = Path(keras.utils.get_file(f"keras_gan_{name}_{path.name}", entry["url"], file_hash=entry["sha256"]))
    actual = _sha256(path)
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
    return keras.models.load_model(weights_path(name, "generator"))


def load_gan(name: str) -> GAN:
    """The pretrained GAN `name` (generator, discriminator and optimizers), checked against its sha256.

    Example:
    >>> gan = keras_gan.load_gan("mnist"); images = gan.generate(16, seed=0)
    """
    return keras.models.load_model(weights_path(name, "gan"))
