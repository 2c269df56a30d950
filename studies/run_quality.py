"""Sample quality of a training run's generator before it is published: no test split involved.

Loads a run folder's `best.keras` (its best validation epoch) or `gan.keras` (its last) and
prints the feature metrics of `keras_gan.evaluation.sample_quality` (FID, KID,
precision/recall/density/coverage, classes, memorisation) for 10,000 samples (seed 0) against
10,000 training images, beside the data's own values: what `zoo_quality` measures of a shipped
model, without the Parzen test score, so that candidates can be compared and the test split is
still scored once, by `keras-gan publish`. Memorisation's baseline uses test images, but only
their distances to the training images, never a model's score on them.

Usage, from the repository root:

    python -m studies.run_quality runs/cifar10_fc_ema --data-dir ../shared/data [--checkpoint last] [--raw]
"""

import argparse
from pathlib import Path

import keras
import numpy as np

from keras_gan.checkpoints import SHIPPABLE, verify_file
from keras_gan.datasets.output_space import OutputSpace
from keras_gan.evaluation import QualityReport, sample_quality
from keras_gan.model import generate
from keras_gan.records import config_of, read_record

FEATURE_METRICS = ("fid", "kid", "prdc", "classes", "memorisation")


def run_samples(run: Path, checkpoint: str = "best", n: int = 10000, seed: int = 0,
                raw: bool = False) -> tuple[np.ndarray, OutputSpace]:
    """`n` samples of `run`'s `checkpoint` ("best" or "last") in the space its published generator outputs, and that space.

    `raw` samples the trained generator instead of its weight average (`g_ema_decay`): the one the
    paper's code would ship, which the discriminator trained against.
    """
    trained = OutputSpace.trained(config_of(read_record(run / "run.json")).gcn)
    path = run / ("best.keras" if checkpoint == "best" else "gan.keras")
    verify_file(path, required=True, fix="train the run to the end, or pick the other --checkpoint")
    gan = keras.models.load_model(path)
    generator = trained.wrap(gan.generator if raw else gan.sampling_generator)
    return generate(generator, gan.latent_prior, n, seed=seed), trained.shown


def run_report(run: Path, checkpoint: str = "best", data_dir=None, n_samples: int = 10000, seed: int = 0,
               raw: bool = False) -> QualityReport:
    """The feature metrics of `run_samples(run, checkpoint, n_samples, seed, raw)` against as many training images."""
    dataset = config_of(read_record(run / "run.json")).dataset
    samples, output_space = run_samples(run, checkpoint, n_samples, seed, raw)
    return sample_quality(samples, dataset, data_dir, output_space, metrics_to_run=FEATURE_METRICS,
                          n_real=n_samples, seed=seed)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a `keras-gan train` run folder")
    parser.add_argument("--checkpoint", choices=SHIPPABLE, default="best", help="default best")
    parser.add_argument("--data-dir", help="folder with the dataset files (default $KERAS_GAN_DATA_DIR)")
    parser.add_argument("--n-samples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--raw", action="store_true", help="the trained generator, not its weight average")
    args = parser.parse_args(argv)
    report = run_report(args.run, args.checkpoint, args.data_dir, args.n_samples, args.seed, args.raw)
    which = "trained generator" if args.raw else "generator that samples"
    print(f"{args.run}: {args.checkpoint} checkpoint, {which}, {args.n_samples} samples, seed {args.seed}")
    print(report)


if __name__ == "__main__":
    main()
