"""A dataset's own Parzen score: 10,000 real training images (a seeded random subset) as the "samples".

The ceiling a generator can be compared with under the paper's protocol (sigma
chosen on the validation split, mean test log-likelihood +- standard error), in
the space the Parzen window is fitted in (pixels in [0, 1]).

Usage, from the repository root:

    python -m benchmarks.data_reference --dataset fer2013 --data-dir ../shared/data
"""

import argparse
import time

import numpy as np

from keras_gan import datasets
from keras_gan.evaluation import PAPER_N_VALID, evaluate_generator


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=sorted(PAPER_N_VALID), default="mnist")
    parser.add_argument("--data-dir", help="folder with the dataset files (default $KERAS_GAN_DATA_DIR)")
    parser.add_argument("--n-samples", type=int, default=10000, help="training images used (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random subset (default 0)")
    args = parser.parse_args(argv)
    train, _ = datasets.load_numpy(args.dataset, "train", data_dir=args.data_dir)
    valid, _ = datasets.load_numpy(args.dataset, "valid", data_dir=args.data_dir)
    test, _ = datasets.load_numpy(args.dataset, "test", data_dir=args.data_dir)
    start = time.perf_counter()
    # A random subset: the image-folder copies (FER-2013, CIFAR-10 JPEGs) are ordered by class.
    subset = np.random.default_rng(args.seed).permutation(len(train))[: args.n_samples]
    result = evaluate_generator(train[np.sort(subset)], valid, test, n_valid=PAPER_N_VALID[args.dataset])
    print(f"{args.dataset}: {len(train):,} train / {len(valid):,} valid / {len(test):,} test, "
          f"images {train.shape[1:]} in [0, 1]")
    print(f"data reference ({args.n_samples:,} real training images as samples): {result} "
          f"[{time.perf_counter() - start:.1f} s]")


if __name__ == "__main__":
    main()
