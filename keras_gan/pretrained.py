"""The model zoo: pretrained generators shipped in `saved_models/<name>/`.

Each entry is plain data, `saved_models/<name>/metadata.json`: the weights file
and its sha256, the architecture, latent size and prior, the dataset and its
checksum, the exact training command, seed, epochs, wall time, hardware and the
measured scores. Its `model_card.md` says the same for people. A `url` in the
metadata lets weights too large for the repository be fetched with
`keras.utils.get_file` (checked against the same sha256); the local copy is
used when present.
"""

import json
from pathlib import Path

import keras

from keras_gan._io import sha256
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
    return keras.models.load_model(weights_path(name, "generator"))


def load_gan(name: str) -> GAN:
    """The pretrained GAN `name` (generator, discriminator and optimizers), checked against its sha256.

    Example:
    >>> gan = keras_gan.load_gan("mnist"); images = gan.generate(16, seed=0)
    """
    return keras.models.load_model(weights_path(name, "gan"))


def _hardware() -> str:
    import os
    import platform

    return f"{platform.machine()} {platform.processor() or 'CPU'}, {os.cpu_count()} cores, {platform.system()}"


def publish_run(run_dir, name: str, data_dir=None, n_samples: int = 10000, seed: int = 0, root=None) -> Path:
    """Ship a finished `keras-gan train` run as pretrained model `name`.

    Scores the run's generator with the paper's Parzen protocol on its
    dataset's test split, then writes `saved_models/<name>/`: the generator,
    `metadata.json` (file sha256, architecture, data checksum, command, seed,
    epochs, wall time, hardware, scores), `log.csv` and `model_card.md`. Every
    number it writes was measured by this call or recorded by the run.

    Args:
        run_dir: str or Path. A finished run folder (`gan.keras`, `run.json`).
        name: str. Registry name.
        data_dir: str, Path or None. Dataset folder for the evaluation. Defaults to None.
        n_samples: int. Parzen samples. Defaults to 10000 (the paper's).
        seed: int. Seed of those samples. Defaults to 0.
        root: str, Path or None. Registry folder. Defaults to `saved_models/`.

    Example:
    >>> publish_run("runs/mnist", "mnist", data_dir="../shared/data")
    """
    import shutil

    from keras_gan import datasets
    from keras_gan._io import atomic_save_model, atomic_write, atomic_write_json
    from keras_gan.evaluation.parzen import PAPER_N_VALID, evaluate_generator

    run_dir = Path(run_dir)
    record = json.loads((run_dir / "run.json").read_text())
    gan = keras.models.load_model(run_dir / "gan.keras")
    valid, _ = datasets.load_numpy(record["dataset"], "valid", data_dir=data_dir)
    test, _ = datasets.load_numpy(record["dataset"], "test", data_dir=data_dir)
    result = evaluate_generator(
        gan, valid, test, n_samples=n_samples, seed=seed, n_valid=PAPER_N_VALID.get(record["dataset"], 1000)
    )
    folder = Path(root or _root()) / name
    generator_path = atomic_save_model(gan.generator, folder / "generator.keras")
    shutil.copyfile(run_dir / "log.csv", folder / "log.csv")
    command = (
        f"keras-gan train {record['experiment']} --width {record['width']} --seed {record['seed']} "
        f"--epochs {record['epochs']} --data-dir DATA --out runs/{name}"
    )
    metadata = {
        **{k: record[k] for k in ("experiment", "architecture", "width", "seed", "epochs", "dataset", "batch_size",
                                  "update", "latent_prior", "d_steps", "generator_parameters", "data_source",
                                  "data_sha256", "wall_time_seconds", "keras_version", "tensorflow_version")},
        "latent_dim": gan.latent_dim,
        "image_shape": list(gan.generator.output_shape[1:]),
        "command": command,
        "hardware": _hardware(),
        "files": {"generator": {"path": "generator.keras", "sha256": sha256(generator_path),
                                "bytes": generator_path.stat().st_size}},
        "scores": {"parzen_test_log_likelihood": {
            "mean": result.mean, "std_error": result.std_error, "sigma": result.sigma,
            "n_samples": result.n_samples, "n_valid": result.n_valid, "n_test": result.n_test,
            "protocol": result.protocol, "seed": seed,
            "command": f"keras-gan evaluate {name} --dataset {record['dataset']} --data-dir DATA",
        }},
    }
    atomic_write_json(metadata, folder / "metadata.json")
    card = "\n".join([
        f"# {name}",
        "",
        f"The generator of the paper's `{record['experiment']}` experiment, width {record['width']} "
        f"({record['generator_parameters']:,} parameters, {generator_path.stat().st_size / 2**20:.1f} MiB).",
        "",
        f"- Parzen test log-likelihood (paper protocol, {result.n_samples:,} samples): "
        f"**{result.mean:.1f} +- {result.std_error:.1f}** (sigma {result.sigma:.3f})",
        f"- Trained with: `{command}` ({record['update']} updates, {record['latent_prior']} noise)",
        f"- Data: {record['data_source']} (sha256 {record['data_sha256']})",
        f"- Epochs: {record['epochs']}; wall time: {record['wall_time_seconds']:.0f} s; hardware: {_hardware()}",
        f"- Keras {record['keras_version']}, TensorFlow {record['tensorflow_version']}",
        f"- File: generator.keras, sha256 {metadata['files']['generator']['sha256']}",
        "- Training log: log.csv (losses, D(x), D(G(z)) and the Parzen estimate on the validation split per epoch)",
        "",
    ])
    atomic_write(folder / "model_card.md", lambda f: f.write(card.encode()))
    return folder
