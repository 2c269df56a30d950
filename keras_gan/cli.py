"""The `keras-gan` command line: train, config, list, sample, info, evaluate, reference, figures, export, diagnose, publish.

A MODEL is a pretrained name (`keras-gan list` shows them), a run
folder written by `keras-gan train` (its `gan.keras` is used), a saved GAN
(`.keras`), or a saved generator (`.keras`; its latent prior comes from the
`run.json` beside it, or from `--latent-prior`).
Bad arguments exit with code 2 and one line on stderr; other failures (a
missing file, a corrupt dataset) exit with code 1 and one line.
"""

import argparse
import logging
import sys
from pathlib import Path

from keras_gan import experiments, pretrained
from keras_gan._io import FolderLockedError
from keras_gan.checkpoints import SHIPPABLE
from keras_gan.datasets import DATASETS, OutputSpace
from keras_gan.export import DEFAULT_MAX_SAMPLES, export_generator
from keras_gan.priors import PRIORS


def _train(args):
    from keras_gan.training import train

    train(args.config, args.out or f"runs/{args.experiment}", data_dir=args.data_dir, images=args.images,
          verbose=args.verbose, time_limit=args.time_limit)


def _config(args):
    from keras_gan.records import deviation_lines

    paper = args.config.paper().to_dict()
    for field, value in args.config.to_dict().items():
        note = "" if value == paper[field] else f"   (the paper's: {paper[field]})"
        print(f"{field} = {value}{note}")
    lines = deviation_lines(args.config)
    print(f"deviations from the paper: {'; '.join(lines) if lines else 'none'}")
    print(f"command: {experiments.command_line(args.config)}")


def _list(args):
    rows = [("name", "dataset", "width", "Parzen test (space)", "FID", "files", "what")]
    for model in pretrained.list_models(details=True):
        parzen, fid = model["parzen"], model["fid"]
        rows.append((model["name"], model["dataset"], f"{model['width']:g}",
                     f"{parzen['mean']:.1f} +- {parzen['std_error']:.1f} ({parzen['space']})",
                     "-" if fid is None else f"{fid:.1f}", f"{model['size_bytes'] / 2**20:.1f} MiB",
                     model["description"]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1])


def _sample(args):
    import numpy as np

    from keras_gan import plotting
    from keras_gan._io import atomic_write

    spec = pretrained.load_model(args.model, args.latent_prior)
    images = spec.generate(args.n, seed=args.seed)
    out = Path(args.output)
    if out.suffix == ".npy":
        atomic_write(out, lambda f: np.save(f, images))
    else:
        plotting.save_grid(np.clip(spec.output_space.to_display(images), 0.0, 1.0), out)
    print(f"wrote {len(images)} samples to {out}")


def _info(args):
    spec = pretrained.load_model(args.model, args.latent_prior)
    spec.generator.summary()
    print(f"generator parameters: {spec.generator.count_params():,}")
    if spec.gan is not None:
        print(f"discriminator parameters: {spec.gan.discriminator.count_params():,}")
    print(f"latent prior: {spec.latent_prior}")
    for key, value in sorted(spec.record.items()):
        print(f"{key}: {value}")


def _metric_list(text: str) -> list:
    from keras_gan.evaluation import METRICS

    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in METRICS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"must be a comma-separated list of {','.join(METRICS)}, got {text!r}")
    return names


def _evaluate(args):
    from keras_gan.evaluation import sample_quality

    spec = pretrained.load_model(args.model, args.latent_prior)
    report = sample_quality(
        spec, spec.dataset(args.dataset), args.data_dir, spec.output_space, metrics_to_run=args.metrics,
        n_samples=args.n_samples, n_real=args.n_real, seed=args.seed, protocol=args.protocol,
        n_valid="paper" if args.n_valid is None else (args.n_valid or None),
    )
    print(report)


def _reference(args):
    from keras_gan.evaluation import data_reference

    result = data_reference(args.dataset, args.data_dir, args.output_space, n_samples=args.n_samples, seed=args.seed)
    print(f"{args.dataset} ({args.output_space}), data reference ({result.n_samples:,} real training images "
          f"as samples, seed {args.seed}): {result}")


def _train_classifier(args):
    import json

    from keras_gan.classifier_training import train_classifier

    folder = train_classifier(args.dataset, args.run or f"runs/classifiers/{args.dataset}", out=args.out,
                              data_dir=args.data_dir, seed=args.seed, epochs=args.epochs, verbose=args.verbose)
    record = json.loads((folder / "metadata.json").read_text())
    print(f"wrote {folder}: valid accuracy {100 * record['valid_accuracy']:.2f}%, test accuracy "
          f"{100 * record['test_accuracy']:.2f}%, {record['wall_time_seconds']} s of training")


def _figures(args):
    from keras_gan.figures import write_figures

    spec = pretrained.load_model(args.model, args.latent_prior)
    train = spec.output_space.real_images(spec.dataset(args.dataset), "train", args.data_dir)
    for path in write_figures(spec.generator, spec.latent_prior, train, args.output, seed=args.seed,
                              output_space=spec.output_space):
        print(f"wrote {path}")


def _publish(args):
    from keras_gan.publish import publish_run

    folder = publish_run(args.run, args.name, data_dir=args.data_dir, notes=args.notes, checkpoint=args.checkpoint)
    print(f"published {folder}")


def _diagnose(args):
    from keras_gan.publish import load_networks, run_diagnostics

    generator, discriminator, record, first_stage = load_networks(args.model)
    report = run_diagnostics(generator, discriminator, record, args.data_dir, first_stage, n_samples=args.n_samples,
                             seed=args.seed)
    print(report.table())


def _export(args):
    spec = pretrained.load_model(args.model, args.latent_prior)
    path = export_generator(spec.generator, args.export_dir, version=args.version, name=args.name,
                            latent_prior=spec.latent_prior, max_samples=args.max_samples)
    print(f"exported to {path}")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0  # argparse would name this function in its message
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that make a run configuration: the experiment, `--set FIELD=VALUE` and three shorthands."""
    parser.add_argument("experiment", choices=sorted(experiments.EXPERIMENTS), help="the paper's experiment")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", dest="settings",
                        help="change one setting of the paper's configuration (repeatable); "
                             "`keras-gan config EXPERIMENT` lists them all with the paper's values")
    parser.add_argument("--epochs", type=_positive_int, help="the same as --set epochs=N")
    parser.add_argument("--width", type=_positive_float, help="the same as --set width=W (hidden-size multiplier)")
    parser.add_argument("--seed", type=int, help="the same as --set seed=S")


def config_from_arguments(args: argparse.Namespace) -> experiments.Experiment:
    """The configuration that `add_config_arguments`' options describe; one clear `ValueError` if they are wrong."""
    config = experiments.get(args.experiment)
    changes = dict(experiments.parse_setting(config, text) for text in args.settings)
    for name in ("epochs", "width", "seed"):
        if getattr(args, name) is not None:
            if name in changes:
                raise ValueError(f"Both --{name} and --set {name}= were given: pass one.")
            changes[name] = getattr(args, name)
    return config.override(changes)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="keras-gan", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    model_help = (f"a pretrained name ({', '.join(pretrained.list_models())}; `keras-gan list`), a run folder, "
                  "or a saved GAN or generator (.keras)")

    def model_command(name, help_text, handler):
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument("model", help=model_help)
        command.add_argument("--latent-prior", choices=PRIORS, help="noise of a bare generator without run.json")
        command.set_defaults(handler=handler)
        return command

    train = commands.add_parser("train", help="train a paper experiment (resumable)",
                                description="Train a paper experiment; run it again to resume.")
    add_config_arguments(train)
    train.add_argument("--out", help="run folder (default runs/EXPERIMENT)")
    train.add_argument("--data-dir", help="folder with the dataset files (default $KERAS_GAN_DATA_DIR)")
    train.add_argument("--images", help="train the MNIST networks on this folder of images instead")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                       help="1: progress bar (default), 2: one line per epoch (for logs), 0: silent")
    train.add_argument("--time-limit", type=_positive_float, metavar="SECONDS",
                       help="stop at the first epoch end after which another epoch would pass SECONDS; "
                            "the same command resumes")
    train.set_defaults(handler=_train)

    config = commands.add_parser("config", help="print every setting of a run with the paper's values",
                                 description="Print the configuration that `keras-gan train` with the same "
                                             "options would run, its deviations from the paper and its command.")
    add_config_arguments(config)
    config.set_defaults(handler=_config)

    listing = commands.add_parser("list", help="the pretrained models: name, dataset, width, scores, size",
                                  description="The pretrained models that MODEL may name, with their test scores.")
    listing.set_defaults(handler=_list)

    sample = model_command("sample", "write samples as a PNG grid or a .npy array", _sample)
    sample.add_argument("-n", type=_positive_int, default=100, help="number of samples (default 100)")
    sample.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    sample.add_argument("-o", "--output", default="samples.png", help="grid.png or samples.npy")

    model_command("info", "print a model's architecture, parameters and training record", _info)

    evaluate = model_command("evaluate", "Parzen log-likelihood (the paper's protocol), FID, KID, precision/recall, "
                             "density/coverage, classes and memorisation, beside real training images' values",
                             _evaluate)
    evaluate.add_argument("--metrics", type=_metric_list, default="parzen,fid,kid,prdc,classes,memorisation",
                          help="comma-separated metrics (default: all, parzen,fid,kid,prdc,classes,memorisation)")
    evaluate.add_argument("--dataset", help="dataset of the real images (default: the model's own)")
    evaluate.add_argument("--data-dir", help="folder with the dataset files")
    evaluate.add_argument("--n-samples", type=_positive_int, default=10000, help="generator samples (default 10000)")
    evaluate.add_argument("--n-real", type=_positive_int, default=10000,
                          help="real training images of the feature metrics' reference set (default 10000)")
    evaluate.add_argument("--n-valid", type=int,
                          help="Parzen: validation examples for sigma (default: the paper's, 1000 for MNIST and "
                               "all for TFD/FER-2013; 0: all)")
    evaluate.add_argument("--protocol", choices=("paper", "refine"), default="paper", help="Parzen's sigma search")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the samples and real subsets (default 0)")

    reference_help = "a dataset's own Parzen score: real training images as the samples, the ceiling of the models' scores"
    reference = commands.add_parser("reference", help=reference_help, description=reference_help)
    reference.add_argument("dataset", choices=sorted(DATASETS), help="the dataset")
    reference.add_argument("--data-dir", help="folder with the dataset files (default $KERAS_GAN_DATA_DIR)")
    reference.add_argument("--output-space", type=OutputSpace, choices=list(OutputSpace), default="pixels",
                           help="the space the Parzen window is fitted in (default pixels)")
    reference.add_argument("--n-samples", type=_positive_int, default=10000, help="training images used (default 10000)")
    reference.add_argument("--seed", type=int, default=0, help="seed of the random subset (default 0)")
    reference.set_defaults(handler=_reference)

    figures = model_command("figures", "the paper's Figures 2 (nearest training examples) and 3 (interpolations)",
                            _figures)
    figures.add_argument("--dataset", help="training set for the nearest neighbours (default: the model's own)")
    figures.add_argument("--data-dir", help="folder with the dataset files")
    figures.add_argument("-o", "--output", default="figures", help="output folder (default figures)")
    figures.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")

    export = model_command("export", "write a TF Serving SavedModel to DIR/NAME/VERSION", _export)
    export.add_argument("export_dir", help="TF Serving model base folder")
    export.add_argument("--name", help="model name (default: the model's)")
    export.add_argument("--version", type=_positive_int, help="version (default: the next free one)")
    export.add_argument("--max-samples", type=_positive_int, default=DEFAULT_MAX_SAMPLES,
                        help=f"the most images one `sample` request may ask for (default: {DEFAULT_MAX_SAMPLES})")

    diagnose_help = ("per layer, how far the weights moved from their initial values, units at a max-norm cap and "
                     "gradient norms; the samples' variance across z and high-frequency energy against the data's")
    diagnose = commands.add_parser("diagnose", help=diagnose_help, description=diagnose_help)
    diagnose.add_argument("model", help="a pretrained name, or a run folder (or its gan.keras) with its run.json")
    diagnose.add_argument("--data-dir", help="folder with the dataset files")
    diagnose.add_argument("--n-samples", type=_positive_int, default=1000,
                          help="samples, against as many validation images (default 1000)")
    diagnose.add_argument("--seed", type=int, default=0, help="seed of the samples and the gradients' noise (default 0)")
    diagnose.set_defaults(handler=_diagnose)

    classifier = commands.add_parser(
        "train-classifier", help="train a dataset's feature classifier for `evaluate` (resumable; maintainers)",
        description="Train the small classifier whose features `keras-gan evaluate` measures samples with; "
                    "run it again to resume.")
    classifier.add_argument("dataset", choices=("mnist", "cifar10", "fer2013"), help="dataset (TFD uses fer2013's)")
    classifier.add_argument("--data-dir", help="folder with the dataset files (default $KERAS_GAN_DATA_DIR)")
    classifier.add_argument("--run", help="checkpoint and log folder (default runs/classifiers/DATASET)")
    classifier.add_argument("--out",
                            help="classifier folder written at the end (default saved_models/classifiers/DATASET)")
    classifier.add_argument("--epochs", type=_positive_int, help="training epochs (default: the dataset's)")
    classifier.add_argument("--seed", type=int, default=0, help="seed of weights, batches and shifts (default 0)")
    classifier.add_argument("--verbose", type=int, choices=(0, 1, 2), default=2, help="Keras fit verbosity (default 2)")
    classifier.set_defaults(handler=_train_classifier)

    publish = commands.add_parser("publish", help="ship a finished run as a pretrained model (maintainers)",
                                  description="Score a finished run and write saved_models/NAME/.")
    publish.add_argument("run", help="finished run folder")
    publish.add_argument("name", help="registry name")
    publish.add_argument("--data-dir", help="folder with the dataset files")
    publish.add_argument("--notes", help="markdown file of deviations from the paper, copied verbatim into the card")
    publish.add_argument("--checkpoint", choices=SHIPPABLE, default="last",
                         help="ship the last epoch, or the best validation epoch its best.json records (default last)")
    publish.set_defaults(handler=_publish)
    return parser


def main(argv=None) -> int:
    # tensorflow-datasets and the HTTP library under it log every retry and missing cache file:
    # the command's own one-line error says what went wrong. (TensorFlow's start-up lines: keras_gan._startup.)
    for logger in ("absl", "urllib3"):
        logging.getLogger(logger).setLevel(logging.ERROR)
    parser = build_parser()
    args = parser.parse_args(argv)
    if hasattr(args, "settings"):
        try:
            args.config = config_from_arguments(args)
        except ValueError as error:
            print(f"keras-gan {args.command}: error: {error}", file=sys.stderr)
            return 2
    try:
        args.handler(args)
    except FolderLockedError as error:
        print(f"keras-gan {args.command}: error: {error}", file=sys.stderr)
        return 2
    except (FileNotFoundError, FileExistsError, ValueError, OSError, RuntimeError, NotImplementedError) as error:
        print(f"keras-gan {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
