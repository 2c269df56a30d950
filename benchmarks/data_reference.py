"""A dataset's own Parzen score: 10,000 real training images (a seeded random subset) as the "samples".

The ceiling a generator can be compared with under the paper's protocol (sigma
chosen on the validation split, mean test log-likelihood +- standard error), in
the space the Parzen window is fitted in: pixels in [0, 1] by default, or the
space of the CIFAR-10 generators (`--output-space gcn` for training runs,
`gcn_display` for the shipped models). `keras-gan publish` writes the same
number into each model card (`keras_gan.evaluation.data_reference`).

Usage, from the repository root:

    python -m benchmarks.data_reference --dataset fer2013 --data-dir ../shared/data
"""

import argparse
import time

from keras_gan.evaluation import OUTPUT_SPACES, PAPER_N_VALID, data_reference


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(PAPER_N_VALID), default="mnist")
    parser.add_argument("--data-dir", help="folder with the dataset files (default $KERAS_GAN_DATA_DIR)")
    parser.add_argument("--output-space", choices=OUTPUT_SPACES, default="pixels", help="default pixels")
    parser.add_argument("--n-samples", type=int, default=10000, help="training images used (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random subset (default 0)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = data_reference(args.dataset, args.data_dir, args.output_space, n_samples=args.n_samples, seed=args.seed)
    print(f"{args.dataset} ({args.output_space}), data reference ({result.n_samples:,} real training images "
          f"as samples, seed {args.seed}): {result} [{time.perf_counter() - start:.1f} s]")


if __name__ == "__main__":
    main()
