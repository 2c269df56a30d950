"""Publishing a finished training run as a pretrained model: `keras-gan publish RUN NAME`.

`publish_run` writes `saved_models/<name>/` whole or not at all (into a hidden
staging folder beside it, renamed into place; the next publish of that name
removes what a killed one left):

    generator.keras     the generator users load; a CIFAR-10 one ends in a
                        `GCNToDisplay` layer, so its outputs are images in [0, 1]
    discriminator.keras the discriminator (no optimizer state), for `load_gan`
    metadata.json       what `keras_gan.get_preset(name)` returns
    model_card.md       the same for people
    figure_2.png        samples beside their nearest training images (paper, Figure 2)
    figure_3.png        interpolations in z-space (paper, Figure 3)
    parzen_curve.png    the run's validation Parzen estimate per epoch
    log.csv             the run's log (`pretrain_log.csv`: a first stage's)

Every number in them is measured by the call (scores, parameter counts, file
size, split sizes) or recorded by the run (`run.json`: the whole configuration,
data checksum, wall time, hardware, versions); the paper's Table 1 is the one
quoted number. The deviations from the paper are the configuration's
differences from the paper's (`keras_gan.experiments.deviations`), nothing else.
"""

import contextlib
import csv
import os
import re
import shutil
from pathlib import Path

import keras
import numpy as np

from keras_gan import architectures, datasets, diagnostics, experiments, plotting, pretrained, training
from keras_gan._checks import check_positive_int, is_model_name
from keras_gan._io import LOCK_WAIT_SECONDS, atomic_folder, atomic_write_json, remove_unclaimed, sha256
from keras_gan._tf import lazy_tensorflow
from keras_gan.checkpoints import SHIPPABLE, BestCheckpoint, CorruptFileError, load_keras_file, verify_file
from keras_gan.datasets.output_space import OutputSpace
from keras_gan.datasets.pipeline import load_training_data
from keras_gan.evaluation import ParzenResult, data_reference, score
from keras_gan.figures import write_figures
from keras_gan.records import config_of, deviation_lines, machine_description, read_record

tf = lazy_tensorflow("Publishing a run")

# Table 1 of the paper: Parzen test log-likelihood (nats) +- standard error, on each experiment's own dataset.
PAPER_SCORES = {"mnist": (225.0, 2.0), "tfd": (2057.0, 26.0)}

DATASET_NAMES = {"mnist": "MNIST", "tfd": "TFD", "fer2013": "FER-2013", "cifar10": "CIFAR-10"}


def publish_run(
    run_dir,
    name: str,
    data_dir=None,
    notes=None,
    n_samples: int = 10000,
    seed: int = 0,
    root=None,
    checkpoint: str = "last",
) -> Path:
    """Ship a finished `keras-gan train` run as pretrained model `name`.

    Scores the generator that ships with the paper's Parzen protocol on its
    dataset's test split, scores the dataset's own training images the same
    way (the data reference), draws the paper's Figures 2 and 3 and the run's
    validation curve, and writes them with `metadata.json` and `model_card.md`
    (see the module docstring). Generators of GCN experiments (CIFAR-10) ship
    followed by a `GCNToDisplay` layer and are scored in that display space.

    Args:
        run_dir: str or Path. A finished run folder (`gan.keras`, `run.json`;
            for a two-stage run also `pretrain/run.json`).
        name: str. Registry name: letters, digits, `_`, `.` and `-`.
        data_dir: str, Path or None. Folder with the dataset files. Defaults to None.
        notes: str, Path or None. A markdown file stating how the run deviates
            from the paper, copied verbatim into the card. Defaults to None.
        n_samples: int. Parzen samples, of the generator and of the data
            reference. Defaults to 10000 (the paper's).
        seed: int. Seed of those samples and of the figures' noise. Defaults to 0.
        root: str, Path or None. Registry folder. Defaults to the package's
            `saved_models/`.
        checkpoint: str. `"last"` ships the finished run's `gan.keras`;
            `"best"` its `best.keras`, the epoch with the best validation
            Parzen estimate (chosen on validation only). Defaults to `"last"`.

    Returns:
        The model's folder.

    Example:
    >>> import tempfile
    >>> from keras_gan import training
    >>> run, zoo = tempfile.mkdtemp(), tempfile.mkdtemp()
    >>> config = experiments.get("mnist").override({"epochs": 1, "width": 0.02, "parzen_every": 0})
    >>> _ = training.train(config, run, data_dir="../shared/data", verbose=0)
    >>> publish_run(run, "tiny", data_dir="../shared/data", n_samples=100, root=zoo).name
    'tiny'
    """
    if not is_model_name(name):
        raise ValueError(
            f"`name` must be letters, digits, '_', '.' or '-', starting with a letter or digit. Received: name={name!r}"
        )
    check_positive_int("n_samples", n_samples)
    if checkpoint not in SHIPPABLE:
        raise ValueError(f"`checkpoint` must be one of {SHIPPABLE}. Received: checkpoint={checkpoint!r}")
    run_dir = Path(run_dir)
    for required in ("run.json", "gan.keras"):
        if not (run_dir / required).is_file():
            raise FileNotFoundError(f"{run_dir} is not a finished `keras-gan train` run: it has no {required}.")
    record = read_record(run_dir / "run.json")
    pretrain = read_record(run_dir / "pretrain" / "run.json") if (run_dir / "pretrain" / "run.json").is_file() else None
    config = config_of(record)
    dataset = record["dataset"]
    if dataset not in datasets.DATASETS:
        raise ValueError(
            f"Only runs on the paper's datasets {tuple(datasets.DATASETS)} can be scored and published. "
            f"Received: a run on {dataset!r}"
        )
    trained_space = OutputSpace.trained(config.gcn)
    space = trained_space.shown  # what ships, and what is scored
    notes_text = None if notes is None else Path(notes).read_text(encoding="utf-8")
    verify_file(run_dir / "gan.keras", fix="restore it, or run the run's `keras-gan train` command again to rewrite it")
    gan = keras.models.load_model(run_dir / "gan.keras")
    # run.json holds the epochs of the latest `train` call, gan.keras those of the latest finished one.
    trained = int(gan.g_optimizer.iterations) // (record["train_examples"] // (config.batch_size * config.d_steps))
    if trained != config.epochs:
        raise ValueError(
            f"{run_dir} is not finished: its gan.keras holds {trained} epochs, its run.json asks for "
            f"{config.epochs}. Run its `keras-gan train` command to the end first."
        )
    chosen = {"selected": "last", "epoch": trained}
    if checkpoint == "best":
        gan, chosen = _best_checkpoint(run_dir)
    folder = Path(root or pretrained._root()) / name
    busy = (f"Another publish in {folder.parent} held its lock for {LOCK_WAIT_SECONDS:.0f} s; "
            "wait for it to finish, then publish again.")
    # Killed publishes' leftovers are removed, and the staging folder created, under the registry folder's lock.
    with atomic_folder(folder, busy, LOCK_WAIT_SECONDS, tidy=lambda: remove_leftovers(folder)) as staging:
        generator_path = staging / "generator.keras"
        trained_space.wrap(gan.sampling_generator).save(generator_path)
        discriminator_path = staging / "discriminator.keras"
        gan.discriminator.save(discriminator_path)
        # Score and draw what ships: the file, loaded back.
        spec = pretrained.ModelSpec(keras.models.load_model(generator_path), gan.latent_prior, record, space)
        result = score(spec, dataset, data_dir, space, n_samples=n_samples, seed=seed)
        reference = data_reference(dataset, data_dir, space, n_samples=n_samples, seed=seed)
        train = space.real_images(dataset, "train", data_dir)
        write_figures(spec.generator, spec.latent_prior, train, staging, seed=seed)
        shutil.copyfile(run_dir / "log.csv", staging / "log.csv")
        if pretrain is not None:
            shutil.copyfile(run_dir / "pretrain" / "log.csv", staging / "pretrain_log.csv")
        curve = _write_parzen_curve(run_dir, pretrain, staging / "parzen_curve.png")
        report = run_diagnostics(gan.sampling_generator, gan.discriminator, record, data_dir, seed=seed)
        metadata = {
            "name": name,
            "description": _description(config, dataset),
            "experiment": config.name,
            "dataset": dataset,
            "latent_prior": config.latent_prior,
            "config": config.to_dict(),
            "deviations": deviation_lines(config),
            "checkpoint": chosen,
            **{key: record[key] for key in ("data_source", "data_sha256", "keras_version", "tensorflow_version")},
            "keras_backend": record.get("keras_backend", "tensorflow"),
            "output_space": space,
            "parzen_space": OutputSpace.of_curve(record, config.gcn),
            "latent_dim": gan.latent_dim,
            "image_shape": list(spec.generator.output_shape[1:]),
            "generator_parameters": spec.generator.count_params(),
            # The paper's size: the architecture built at width 1.0 (TFD: both stages).
            "generator_parameters_full_width": architectures.get(config.architecture).generator(1.0).count_params(),
            "data_splits": {split: len(datasets.load_numpy(dataset, split, data_dir)[0])
                            for split in ("train", "valid", "test")},
            "command": _training_command(record, config, name),
            "wall_time_seconds": round(record["wall_time_seconds"] + (pretrain or {}).get("wall_time_seconds", 0.0), 3),
            "hardware": _hardware(record, pretrain),
            "scored_on": f"{machine_description()}; Keras {keras.__version__}, TensorFlow {tf.__version__}",
            "files": {key: {"path": path.name, "sha256": sha256(path), "bytes": path.stat().st_size}
                      for key, path in (("generator", generator_path), ("discriminator", discriminator_path))},
            "figures": {"figure_2": "figure_2.png", "figure_3": "figure_3.png", "parzen_curve": curve},
            "scores": {
                "parzen_test_log_likelihood": {
                    **_score_entry(result, seed),
                    "command": f"keras-gan evaluate {name} --dataset {dataset} --n-samples {n_samples} "
                               f"--seed {seed} --data-dir DATA",
                },
                "data_reference": {
                    **_score_entry(reference, seed),
                    "command": f"keras-gan reference {dataset} --output-space {space} --n-samples {n_samples} "
                               f"--seed {seed} --data-dir DATA",
                },
                "paper": _paper_score(config.name, dataset),
            },
            "diagnostics": diagnostics_entry(name, report),
            "notes": notes_text,
        }
        atomic_write_json(metadata, staging / "metadata.json")
        (staging / "model_card.md").write_text(model_card(metadata), encoding="utf-8")
    return folder


def leftovers(folder: Path) -> list[Path]:
    """The hidden folders `atomic_folder(folder)` writes beside `folder`: `.<name>.<hex>.tmp` and `.<name>.<hex>.old`.

    Example:
    >>> import tempfile
    >>> leftovers(Path(tempfile.mkdtemp()) / "mnist")
    []
    """
    folder = Path(folder)
    pattern = re.compile(rf"\.{re.escape(folder.name)}\.[0-9a-f]{{32}}\.(tmp|old)")
    with contextlib.suppress(FileNotFoundError):
        return sorted(path for path in folder.parent.iterdir() if pattern.fullmatch(path.name))
    return []


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove what killed publishes of `folder` left beside it; return the removed folders.

    A staging `.tmp` folder no live publish claims is removed. A `.old` one
    (the previous model, moved aside just before the new one is renamed into
    place) is put back when a kill left no model at `folder`, and removed
    otherwise; either only when no live publish of `folder` is under way.
    Call it under the registry folder's lock (`publish_run` does).

    Example:
    >>> import tempfile
    >>> remove_leftovers(Path(tempfile.mkdtemp()) / "mnist")
    []
    """
    folder = Path(folder)
    staging = [path for path in leftovers(folder) if path.suffix == ".tmp"]
    removed = remove_unclaimed(staging)
    if len(removed) < len(staging):
        return removed  # A live publish is writing `folder`: its `.old` is its own.
    for old in (path for path in leftovers(folder) if path.suffix == ".old"):
        if not folder.exists():
            os.replace(old, folder)
        else:
            shutil.rmtree(old, ignore_errors=True)
            removed.append(old)
    return removed


def _best_checkpoint(run_dir: Path) -> tuple[keras.Model, dict]:
    """The GAN of a run's `best.keras` and what `metadata.json` records of it."""
    record = BestCheckpoint(run_dir / "best.keras").record()
    if record is None:
        raise FileNotFoundError(f"{run_dir} has no best.keras and best.json: only runs that measured a validation "
                                "estimate (parzen_every or quality_every > 0) keep their best epoch; publish its last one.")
    path = run_dir / "best.keras"
    fix = "restore it, or publish the run's last checkpoint"
    if verify_file(path, required=True, fix=fix) != record["sha256"]:
        raise CorruptFileError(f"{path} is not the file best.json records (another sha256): {fix}.")
    if record["monitor"] == "fid":
        chosen = {"selected": "lowest validation FID", "epoch": record["epoch"], "validation_fid": record["fid"]}
    else:
        chosen = {"selected": "best validation Parzen estimate", "epoch": record["epoch"],
                  "validation_estimate": record["parzen_ll"]}
    return keras.models.load_model(path), chosen


def run_diagnostics(generator: keras.Model, discriminator: keras.Model | None, record: dict, data_dir=None,
                    first_stage: bool = False, n_samples: int = 1000, seed: int = 0) -> diagnostics.Diagnostics:
    """The training diagnostics of a run's trained networks against the ones it started from, rebuilt.

    The initial networks are rebuilt from the record's configuration and seed
    (`training.initial_networks`, which reproduces them exactly); the real
    images are the run's validation split, in the space the networks trained in.

    Args:
        generator: `keras.Model`. The trained generator, in the space it trained in (a GCN model's without
            its `GCNToDisplay`).
        discriminator: `keras.Model` or None. The trained discriminator, if there is one.
        record: dict. The run's `run.json`, or a shipped model's metadata.
        data_dir: str, Path or None. Folder with the dataset files. Defaults to None.
        first_stage: bool. The networks are TFD's first stage (`OUT/pretrain`). Defaults to False.
        n_samples: int. Samples (and validation images) measured, at most the split's size. Defaults to 1000.
        seed: int. Seed of the samples and gradients' noise. Defaults to 0.

    Example:
    >>> generator, discriminator, record, first_stage = load_networks("mnist")
    >>> report = run_diagnostics(generator, discriminator, record, "../shared/data", n_samples=100)
    >>> report.summary()["g_output_movement"] > 0
    True
    """
    config = config_of(record)
    name = record.get("dataset", config.dataset)
    images = None if name in datasets.DATASETS else name  # a `--images` run records its folder
    data = load_training_data(config.dataset, config.gcn, data_dir, images, config.image_size)
    initial_generator, initial_discriminator = training.initial_networks(config, data, images, first_stage)
    n = min(n_samples, len(data.valid))
    return diagnostics.diagnose(generator, initial_generator, config.latent_prior, data.valid, discriminator,
                                initial_discriminator, n_samples=n, seed=seed, generator_loss=config.generator_loss,
                                batch_size=min(100, n))


def load_networks(model: str) -> tuple[keras.Model, keras.Model | None, dict, bool]:
    """A model's trained generator (in its training space), discriminator (None if not saved), record, and
    whether it is TFD's first stage: what `run_diagnostics` takes.

    Args:
        model: str. A shipped model's name, a run folder or a saved GAN beside its run.json.

    Example:
    >>> generator, discriminator, record, first_stage = load_networks("cifar10_fc")
    >>> generator.name, discriminator, first_stage
    ('cifar10_fc_generator', None, False)
    """
    path = Path(model)
    if not path.exists() and model in pretrained.list_models():
        preset = pretrained.get_preset(model)
        discriminator = None
        if "discriminator" in preset["files"]:
            discriminator = load_keras_file(pretrained.weights_path(model, "discriminator"))
        return pretrained.trained_generator(model), discriminator, preset, False
    spec = pretrained.load_model(model)
    if not spec.record:
        raise ValueError(f"{model} has no run.json beside it: its initial weights are rebuilt from the run's "
                         "configuration, which run.json records. Pass a run folder or a shipped model's name.")
    folder = path if path.is_dir() else path.parent
    return (spec.generator, None if spec.gan is None else spec.gan.discriminator, spec.record,
            folder.resolve().name == "pretrain")


def _description(config: experiments.Experiment, dataset: str) -> str:
    """What the model is, in one sentence."""
    trained_on = DATASET_NAMES[dataset]
    paper = config.paper()
    paper_data = DATASET_NAMES[paper.dataset]
    if config.architecture != paper.architecture:
        return (f"A generator of architecture `{config.architecture}`, not the paper's `{paper.architecture}`, "
                f"trained as the `{config.name}` experiment on {trained_on}.")
    if trained_on == paper_data:
        schedule = " (two-stage schedule)" if config.pretrain_epochs else ""
        return f"The generator of the paper's `{config.name}` experiment{schedule}, trained on {trained_on}."
    schedule = " and two-stage schedule" if config.pretrain_epochs else ""
    return (f"The paper's {paper_data} architecture{schedule} (experiment `{config.name}`) trained on "
            f"{trained_on}, not on {paper_data}.")


def _training_command(record: dict, config: experiments.Experiment, name: str) -> str:
    """The `keras-gan train` call that reproduces the run."""
    environment = []
    if record.get("keras_backend", "tensorflow") != "tensorflow":  # runs that recorded none trained on TensorFlow
        environment.append(f"KERAS_BACKEND={record['keras_backend']}")
    if record.get("tf_enable_onednn_opts") is not None:
        environment.append(f"TF_ENABLE_ONEDNN_OPTS={record['tf_enable_onednn_opts']}")
    return " ".join([*environment, experiments.command_line(config, out=f"runs/{name}")])


def _versions(m: dict) -> str:
    """The card's line of the Keras version and the backend the run trained on."""
    backend = m.get("keras_backend", "tensorflow")  # metadata written before backends were recorded: TensorFlow
    if backend == "tensorflow":
        return f"- Keras {m['keras_version']}, TensorFlow {m['tensorflow_version']}"
    return f"- Keras {m['keras_version']} on its {backend} backend (`KERAS_BACKEND={backend}`)"


def _hardware(record: dict, pretrain: dict | None) -> list | None:
    """The machines that trained the run (both stages), or None when the run did not record them."""
    machines = [*(pretrain or {}).get("hardware", []), *record.get("hardware", [])]
    return list(dict.fromkeys(machines)) or None


def _score_entry(result: ParzenResult, seed: int) -> dict:
    return {
        "mean": result.mean, "std_error": result.std_error, "sigma": result.sigma, "n_samples": result.n_samples,
        "n_valid": result.n_valid, "n_test": result.n_test, "protocol": result.protocol, "seed": seed,
    }


def _paper_score(experiment: str, dataset: str) -> dict | None:
    """Table 1's number for the experiment, and whether this model's score can be compared with it."""
    if experiment not in PAPER_SCORES:
        return None
    mean, std_error = PAPER_SCORES[experiment]
    paper_dataset = experiments.get(experiment).dataset
    return {"mean": mean, "std_error": std_error, "dataset": paper_dataset, "comparable": dataset == paper_dataset}


def _parzen_series(log: Path, first_epoch: int) -> tuple[np.ndarray, np.ndarray]:
    """Epochs (1-based, counted from `first_epoch`) and the `parzen_ll` column of a CSV log; NaN where absent."""
    with open(log, newline="") as f:
        rows = list(csv.DictReader(f))
    epochs = np.array([first_epoch + int(row["epoch"]) + 1 for row in rows], dtype="float64")
    # RunLog writes "NA" in epochs without an estimate; runs with `--parzen-every 0` have no such column.
    values = [row.get("parzen_ll", "NA") for row in rows]
    return epochs, np.array([np.nan if value == "NA" else float(value) for value in values])


def _write_parzen_curve(run_dir: Path, pretrain: dict | None, path: Path) -> str | None:
    """Plot the validation Parzen estimate per epoch (both stages); the file's name, or None if none was logged."""
    series = {}
    if pretrain is not None:
        series["first stage"] = _parzen_series(run_dir / "pretrain" / "log.csv", 0)
    label = "second stage" if pretrain is not None else "validation estimate"
    series[label] = _parzen_series(run_dir / "log.csv", 0 if pretrain is None else config_of(pretrain).pretrain_epochs)
    if not any(np.isfinite(values).any() for _, values in series.values()):
        return None
    plotting.save_line_plot(series, path, title="Parzen log-likelihood of the validation split (nats)",
                            x_label="epoch")
    return path.name


def _space_words(output_space: str) -> str:
    if output_space == "pixels":
        return "images in [0, 1] (pixel levels k/255), the scale the generator outputs"
    return ("display space: globally contrast-normalised images mapped to [0, 1] by `gcn_to_display`, "
            "the mapping the shipped generator's last layer applies")


def model_card(metadata: dict) -> str:
    """The markdown model card of a published model, written from its metadata alone.

    Args:
        metadata: dict. A model's `metadata.json`, as `publish_run` writes it.

    Returns:
        The card's markdown text.

    Example:
    >>> model_card(keras_gan.get_preset("mnist")).splitlines()[0]
    '# mnist'
    """
    m = metadata
    model_score, reference, paper = (m["scores"][key] for key in ("parzen_test_log_likelihood", "data_reference",
                                                                   "paper"))
    c = m["config"]
    trained_on = DATASET_NAMES[m["dataset"]]
    splits = m["data_splits"]
    two_stages = bool(c["pretrain_epochs"])
    epochs = f"{c['pretrain_epochs']} (first stage) + {c['epochs']} (second stage)" if two_stages else f"{c['epochs']}"
    wall = m["wall_time_seconds"]
    hardware = "; ".join(m["hardware"]) if m["hardware"] else "not recorded by the run"
    lines = [
        f"# {m['name']}",
        "",
        m["description"],
        "",
        "## Model",
        "",
        f"- Experiment `{m['experiment']}`, architecture `{c['architecture']}`, width {c['width']} "
        "(multiplier of the paper's hidden sizes)",
        f"- Generator parameters: {m['generator_parameters']:,} at this width; "
        f"{m['generator_parameters_full_width']:,} at the paper's full width (1.0)",
        f"- Noise: {m['latent_dim']}-dimensional, `{m['latent_prior']}` prior; output images "
        f"{' x '.join(map(str, m['image_shape']))}",
        f"- File: `{m['files']['generator']['path']}`, {m['files']['generator']['bytes'] / 2**20:.1f} MiB, "
        f"sha256 `{m['files']['generator']['sha256']}`",
        "",
        "## Training",
        "",
        f"- Command: `{m['command']}` (DATA: the folder holding `{m['data_source']}`)",
        f"- Data: {trained_on} from `{m['data_source']}` (sha256 `{m['data_sha256']}`); splits: "
        f"train {splits['train']:,} / valid {splits['valid']:,} / test {splits['test']:,} images",
        f"- Seed {c['seed']}; epochs: {epochs}; minibatches of {c['batch_size']}, k = {c['d_steps']}; "
        f"{c['update']} updates of D and G; `{m['latent_prior']}` noise; the whole configuration is "
        "`metadata.json`'s `config` (`keras-gan config` prints the paper's)",
        _checkpoint_words(m),
        f"- Wall time{' (both stages)' if two_stages else ''}: "
        f"{f'{wall:,.0f} s ({wall / 3600:.1f} h)' if wall else 'not recorded by the run'}; "
        f"hardware: {hardware}",
        _versions(m),
        "",
        "## Scores",
        "",
        f"Parzen-window log-likelihood of the {splits['test']:,} test images, the paper's protocol: a Gaussian "
        f"window on {model_score['n_samples']:,} samples, its width sigma chosen from `numpy.logspace(-1, 0, 10)` "
        f"on the first {model_score['n_valid']:,} of the {splits['valid']:,} validation images; mean +- standard "
        "error, in nats. "
        f"Space: {_space_words(m['output_space'])}; the real images are put in the same space.",
        "",
        "| | log-likelihood | sigma | samples |",
        "|---|---|---|---|",
        f"| this model | **{model_score['mean']:.1f} +- {model_score['std_error']:.1f}** | "
        f"{model_score['sigma']:.3f} | {model_score['n_samples']:,} generated (seed {model_score['seed']}) |",
        f"| data reference | {reference['mean']:.1f} +- {reference['std_error']:.1f} | {reference['sigma']:.3f} | "
        f"{reference['n_samples']:,} random training images (seed {reference['seed']}) |",
        _paper_row(paper, trained_on),
        "",
        f"Reproduce: `{model_score['command']}`; the data reference: `{reference['command']}`.",
        "",
        *diagnostics_lines(m),
        "## How outputs are displayed",
        "",
        _display_words(m["output_space"]),
        "",
        "## Deviations from the paper",
        "",
        "Each setting of the run that differs from the paper's configuration, as `setting: paper -> run` (the "
        "run settings width, epochs and seed are under Model and Training):",
        "",
        *_deviations(m),
        "",
        "## Figures",
        "",
        "Samples (left of each pair) beside their nearest training image (right), as in the paper's Figure 2:",
        "",
        f"![Figure 2]({m['figures']['figure_2']})",
        "",
        "Linear interpolations between random points of z-space, as in the paper's Figure 3:",
        "",
        f"![Figure 3]({m['figures']['figure_3']})",
        "",
        *_curve_words(m),
    ]
    return "\n".join(lines) + "\n"


def diagnostics_entry(name: str, report: diagnostics.Diagnostics) -> dict:
    """`report` as a shipped model's metadata records it: its numbers and the command that reproduces them."""
    return {**report.to_dict(), "command": f"keras-gan diagnose {name} --data-dir DATA"}


def diagnostics_lines(m: dict) -> list:
    """The card's training diagnostics section, as lines; none for a model whose metadata has no diagnostics."""
    if "diagnostics" not in m:
        return []
    report = diagnostics.Diagnostics.from_dict({k: v for k, v in m["diagnostics"].items() if k != "command"})
    return [
        "## Training diagnostics",
        "",
        "Per layer: how far the kernel moved from its initial value (`||W - W0|| / ||W0||`, the initial weights "
        "rebuilt from the configuration and seed) and its norm against the initial one; for a sparse-initialised "
        "layer, the share of each unit's squared weight norm still in its initial non-zero entries; the fraction "
        "of units at the max-norm cap; gradient norms of each network's loss on one validation batch (where the "
        "discriminator is shipped). Then the samples' variance across z and the high-frequency energy (mean squared "
        "Laplacian) of their mean image against the mean of as many validation images; for a dense output layer, "
        "the cosine between neighbouring pixels' kernel columns (about 0 for a random layer) and between those of "
        "its gradient; for a strided one, "
        "the variance across z by position modulo its stride, largest over smallest (`keras_gan.diagnostics`). "
        f"Reproduce: `{m['diagnostics']['command']}`.",
        "",
        report.table(),
        "",
    ]


def with_card_section(card: str, section: str, before: tuple = ("## How outputs are displayed",)) -> str:
    r"""The model card text `card` with `section` (markdown that starts with its `## ` heading) in it.

    A section with the same heading is replaced; otherwise `section` goes
    before the first heading of `before` that the card has, or at its end.

    Example:
    >>> card = "# m\n\n## Scores\n\n1\n\n## How outputs are displayed\n\nx\n"
    >>> once = with_card_section(card, "## Notes\n\nnew\n\n")
    >>> once == with_card_section(once, "## Notes\n\nnew\n\n")
    True
    >>> print(with_card_section(once, "## Notes\n\nnewer\n\n"))
    # m
    <BLANKLINE>
    ## Scores
    <BLANKLINE>
    1
    <BLANKLINE>
    ## Notes
    <BLANKLINE>
    newer
    <BLANKLINE>
    ## How outputs are displayed
    <BLANKLINE>
    x
    <BLANKLINE>
    """
    heading = section.split("\n", 1)[0]
    if f"\n{heading}\n" in card:
        start = card.index(f"\n{heading}\n") + 1
        end = card.find("\n## ", start + len(heading))
        card = card[:start] + (card[end + 1:] if end >= 0 else "")
    at = next((card.index(f"\n{marker}") + 1 for marker in before if f"\n{marker}" in card), len(card))
    return card[:at] + section + card[at:]


def _checkpoint_words(m: dict) -> str:
    chosen = m["checkpoint"]
    if chosen["selected"] == "last":
        return f"- Shipped: the last epoch ({chosen['epoch']})"
    if "validation_fid" in chosen:
        which = (f"the lowest validation FID ({chosen['validation_fid']:.3f}: {m['config']['quality_samples']:,} "
                 "samples against as many validation images, in the shipped classifier's features)")
    else:
        which = (f"the best validation Parzen estimate ({chosen['validation_estimate']:.1f} nats, sigma chosen on the "
                 "first 1,000 validation images, the rest scored; not the test score)")
    return (f"- Shipped: epoch {chosen['epoch']}, the epoch with {which}; published with "
            f"`keras-gan publish runs/{m['name']} {m['name']} --checkpoint best`")


def _paper_row(paper: dict | None, trained_on: str) -> str:
    if paper is None:
        return "| paper | not reported: the paper gives no Parzen score for this experiment | | |"
    number = f"{paper['mean']:.0f} +- {paper['std_error']:.0f}"
    paper_data = DATASET_NAMES[paper["dataset"]]
    if paper["comparable"]:
        return f"| paper, Table 1 | {number} | | on {paper_data} |"
    return (f"| paper, Table 1 | {number} | | on {paper_data}: not comparable, this model is scored on "
            f"{trained_on} |")


def _display_words(output_space: str) -> str:
    if output_space == "pixels":
        return ("The generator outputs grey levels in [0, 1], on the scale of the training images; "
                "`keras_gan.generate`, `keras-gan sample` and the TF Serving export show them as they are.")
    return ("The networks were trained, as in the paper, on globally contrast-normalised (GCN) images: each image "
            "centred and scaled to an L2 norm of 55, so without a fixed range. The shipped generator ends in a "
            "`GCNToDisplay` layer that divides each image by its largest absolute value and maps [-1, 1] to [0, 1] "
            "(pylearn2's `adjust_for_viewer`): `keras_gan.generate`, `keras-gan sample` and the TF Serving export "
            "give displayable images in [0, 1], where 0.5 is each image's mean and its most extreme pixel touches "
            "0 or 1. GCN discards each image's brightness and contrast, so these are not the original colours. "
            "The scores above are measured in this display space. The GCN-space generator is "
            "`keras_gan.load_generator(name).layers[0]`.")


def _deviations(m: dict) -> list:
    lines = [f"- {line}" for line in m["deviations"]]
    if m["notes"] is not None:
        lines += ["", m["notes"]] if lines else [m["notes"]]
    return lines or ["None: every setting is the paper's."]


def _curve_words(m: dict) -> list:
    two_stages = bool(m["config"]["pretrain_epochs"])
    logs = "`log.csv` and `pretrain_log.csv` (first stage) hold" if two_stages else "`log.csv` holds"
    if m["figures"]["parzen_curve"] is None:
        return [f"The run logged no Parzen estimate; {logs} its losses, D(x) and D(G(z)) per epoch."]
    not_the_score = "it is not the test score above"
    space, caveat = {
        "pixels": ("pixels in [0, 1], the space the networks trained in", not_the_score),
        "gcn_display": ("display space, as are the scores above", not_the_score),
        "gcn": ("GCN space, the space the networks trained in, where the candidate sigmas stop at 1.0: an epoch "
                "whose sigma is 1.0 might score higher with a wider window",
                "its numbers cannot be compared with the display-space scores above"),
    }[m["parzen_space"]]
    return [
        f"The training curve: the run's own Parzen estimate after each epoch ({logs} it, column `parzen_ll`), sigma "
        f"chosen on the first 1,000 validation images and the rest scored, in {space}. It tracks progress; {caveat}.",
        "",
        f"![Validation Parzen estimate per epoch]({m['figures']['parzen_curve']})",
    ]
