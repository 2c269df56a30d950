"""Every shipped generator's sample quality beside its dataset's own, as one markdown table; `--write` records it.

For each name of `keras_gan.list_models()` (or those given), runs
`keras_gan.evaluation.sample_quality` with its defaults, what `keras-gan
evaluate NAME` prints (10,000 samples, seed 0, against 10,000 real training
images; Parzen with the paper's protocol), and prints one row for the model
and one for its dataset's reference (10,000 other training images in place of
the samples; Parzen: 10,000 training images as the samples). A dataset's
reference row is printed once, after its first model.

`--write` also records the numbers in `saved_models/NAME/metadata.json` as
`scores.sample_quality` (the `keras-gan evaluate` command that reproduces them, the classifier's sha256, the settings,
`model` and `reference`, and `check`: the feature metrics again on 2,000
samples against 2,000 training images, seed 0, which
`tests/test_pretrained.py` recomputes), and puts a "Sample quality" section
with the key numbers in `saved_models/NAME/model_card.md`.

Usage, from the repository root:

    python -m studies.zoo_quality --data-dir ../shared/data [--metrics fid,prdc] [--write] [NAME ...]
"""

import argparse
import json
import time

import keras_gan
from keras_gan import pretrained, publish
from keras_gan._io import atomic_write, atomic_write_json
from keras_gan.evaluation import METRICS, QualityReport, sample_quality
from keras_gan.evaluation.classifiers import classifier_folder, classifier_name

# (title, the value it needs, how it shows a report's values)
COLUMNS = (
    ("Parzen", "parzen", lambda v: f"{v['parzen']:.1f} +- {v['parzen_se']:.1f}"),
    ("FID", "fid", lambda v: f"{v['fid']:.3f}"),
    ("KID x 1000", "kid", lambda v: f"{v['kid']:.1f} +- {v['kid_std']:.1f}"),
    ("precision", "precision", lambda v: f"{v['precision']:.3f}"),
    ("recall", "recall", lambda v: f"{v['recall']:.3f}"),
    ("density", "density", lambda v: f"{v['density']:.3f}"),
    ("coverage", "coverage", lambda v: f"{v['coverage']:.3f}"),
    ("classes", "classes_covered", lambda v: f"{v['classes_covered']}"),
    ("largest / smallest class share", "largest_class_share",
     lambda v: f"{v['largest_class_share']:.3f} / {v['smallest_class_share']:.3f}"),
    ("class entropy", "class_entropy", lambda v: f"{v['class_entropy']:.3f}"),
    ("classifier score", "classifier_score", lambda v: f"{v['classifier_score']:.2f}"),
    ("memorised", "memorised_fraction", lambda v: f"{v['memorised_fraction']:.3f}"),
    ("distance ratio", "nearest_distance_ratio", lambda v: f"{v['nearest_distance_ratio']:.3f}"),
)
# What `--write` measures again, smaller, for the tests to recompute: every feature metric, seeded.
CHECK = {"metrics": [name for name in METRICS if name != "parzen"], "n_samples": 2000, "n_real": 2000, "seed": 0}
CARD_HEADING = "## Sample quality in classifier features"
# The metric group (`METRICS`) of each column's value.
_METRIC_OF = {"precision": "prdc", "recall": "prdc", "density": "prdc", "coverage": "prdc", "classes_covered": "classes",
              "largest_class_share": "classes", "class_entropy": "classes", "classifier_score": "classes",
              "memorised_fraction": "memorisation", "nearest_distance_ratio": "memorisation"}


def measure(name: str, data_dir=None, metrics=METRICS, n_samples: int = 10000, n_real: int = 10000,
            seed: int = 0) -> QualityReport:
    """`sample_quality` of the shipped model `name`, in its own output space, against its dataset.

    Args:
        name: str. A name of `keras_gan.list_models()`.
        data_dir: str, Path or None. Folder with the dataset files. Defaults to None.
        metrics: sequence of str. Some of `METRICS`. Defaults to all.
        n_samples, n_real, seed: int. As `sample_quality`'s. Default to 10000, 10000 and 0.

    Example:
    >>> measure("mnist", "../shared/data", ["fid"], n_samples=500, n_real=500).model["fid"] > 0  # doctest: +SKIP
    True
    """
    spec = pretrained.load_model(name)
    return sample_quality(spec, spec.dataset(), data_dir, spec.output_space, metrics_to_run=list(metrics),
                          n_samples=n_samples, n_real=n_real, seed=seed)


def record(name: str, report: QualityReport, check: QualityReport, command: str, seconds: float) -> dict:
    """The `scores.sample_quality` entry of `name`'s metadata for a full report and its `CHECK` report.

    Example:
    >>> entry = record("mnist", report, check, "keras-gan evaluate mnist --data-dir DATA", 15.0)  # doctest: +SKIP
    """
    folder = classifier_folder(report.dataset)
    classifier = json.loads((folder / "metadata.json").read_text())["files"]["classifier"]
    return {
        "command": command,
        "classifier": classifier_name(report.dataset),
        "classifier_sha256": classifier["sha256"],
        "dataset": report.dataset,
        "n_samples": report.n_samples,
        "n_real": report.n_real,
        "n_heldout": report.n_heldout,
        "num_classes": report.num_classes,
        "seed": 0,
        "seconds": round(seconds, 1),
        "model": report.model,
        "reference": report.reference,
        "check": {**CHECK, "model": check.model, "reference": check.reference},
    }


def card_section(entry: dict) -> str:
    """The model card's "Sample quality" section: the key numbers of `entry` beside the data's.

    Example:
    >>> print(card_section(get_preset("mnist")["scores"]["sample_quality"]))  # doctest: +SKIP
    """
    classes = entry["num_classes"]

    def row(label, v):
        return (f"| {label} | {v['fid']:.3f} | {v['precision']:.3f} | {v['recall']:.3f} | {v['coverage']:.3f} | "
                f"{v['classes_covered']}/{classes} | {v['memorised_fraction']:.3f} |")

    return f"""{CARD_HEADING}

In the features of the shipped `{entry['classifier']}` feature classifier (sha256
`{entry['classifier_sha256'][:12]}...`): {entry['n_samples']:,} samples (seed {entry['seed']}) against
{entry['n_real']:,} real training images; the data's reference: {entry['n_real']:,} other training images in
place of the samples, scored the same way. What each number means:
[docs/sample_quality.md](../../docs/sample_quality.md).

| | FID | precision | recall | coverage | classes covered | memorised |
|---|---|---|---|---|---|---|
{row("this model", entry["model"])}
{row("data reference", entry["reference"])}

Reproduce: `{entry['command']}` (all metrics: `metadata.json`'s `scores.sample_quality`).
"""


def write(name: str, entry: dict) -> None:
    """Record `entry` as `scores.sample_quality` of `saved_models/name` and put its section in the model card."""
    folder = pretrained._root() / name
    metadata = json.loads((folder / "metadata.json").read_text())
    metadata["scores"]["sample_quality"] = entry
    atomic_write_json(metadata, folder / "metadata.json")
    card = folder / "model_card.md"
    text = publish.with_card_section(card.read_text(), card_section(entry) + "\n")
    atomic_write(card, lambda f: f.write(text.encode()))


def readme_table(names) -> str:
    """The README's compact table: FID, recall, coverage and classes of each recorded model, the data's beside.

    Example:
    >>> print(readme_table(["mnist"]))  # doctest: +SKIP
    """
    lines = ["| model | FID | recall | coverage | classes covered |", "|---|---|---|---|---|"]
    for name in names:
        entry = pretrained.get_preset(name)["scores"]["sample_quality"]
        model, data = entry["model"], entry["reference"]
        cells = [f"**{model[key]:.3f}** ({data[key]:.3f})" for key in ("fid", "recall", "coverage")]
        cells.append(f"**{model['classes_covered']}**/{entry['num_classes']} ({data['classes_covered']})")
        lines.append(f"| [`{name}`](saved_models/{name}/model_card.md) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _rows(name: str, report: QualityReport, seconds: float, seen: set) -> list[str]:
    """The table rows of `name`: the model's, and its dataset's reference the first time it is seen."""
    shows = [show for _, key, show in COLUMNS if key in report.model]
    space = pretrained.get_preset(name)["output_space"]
    rows = [f"| `{name}` ({seconds:.0f} s) | " + " | ".join(show(report.model) for show in shows) + " |"]
    if (report.dataset, space) not in seen:
        seen.add((report.dataset, space))
        rows.append(f"| {report.dataset} training images ({space}) | "
                    + " | ".join(show(report.reference) for show in shows) + " |")
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="pretrained models (default: all of list_models())")
    parser.add_argument("--data-dir", help="folder with the dataset files (default $KERAS_GAN_DATA_DIR)")
    parser.add_argument("--metrics", default=",".join(METRICS),
                        help=f"comma-separated metrics (default all: {','.join(METRICS)})")
    parser.add_argument("--write", action="store_true",
                        help="record the numbers in saved_models/NAME/metadata.json and model_card.md")
    args = parser.parse_args(argv)
    metrics = [m for m in args.metrics.split(",") if m]
    if args.write and not set(CHECK["metrics"]) <= set(metrics):
        parser.error(f"--write needs every feature metric: {','.join(CHECK['metrics'])}")
    # What reproduces the numbers: the package's own command, as for every other recorded score.
    metrics_flag = f" --metrics {args.metrics}" if args.metrics != ",".join(METRICS) else ""
    names = args.names or keras_gan.list_models()
    shown = [title for title, key, _ in COLUMNS if _METRIC_OF.get(key, key) in metrics]
    print("| model | " + " | ".join(shown) + " |")
    print("|---" * (len(shown) + 1) + "|")
    seen = set()
    for name in names:
        start = time.perf_counter()
        report = measure(name, args.data_dir, metrics)
        seconds = time.perf_counter() - start
        print("\n".join(_rows(name, report, seconds, seen)), flush=True)
        if args.write:
            check = measure(name, args.data_dir, CHECK["metrics"], CHECK["n_samples"], CHECK["n_real"], CHECK["seed"])
            write(name, record(name, report, check, f"keras-gan evaluate {name}{metrics_flag} --data-dir DATA", seconds))
    if args.write:
        print("\nREADME.md (the data's own in brackets):\n" + readme_table(names))


if __name__ == "__main__":
    main()
