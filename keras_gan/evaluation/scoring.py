"""Parzen scores on a named dataset, in the space of the generator's outputs.

`score` is what `keras-gan evaluate` and `keras-gan publish` run: it loads the
dataset's validation and test splits in the generator's output space and
applies the paper's protocol (`evaluate_generator`). `data_reference` scores the
dataset's own training images the same way, the ceiling to compare with.

Output spaces:
- `"pixels"`: images in [0, 1], as `datasets.load_numpy` returns them
  (MNIST, TFD, FER-2013 generators);
- `"gcn"`: pylearn2's global contrast normalisation, what the CIFAR-10
  networks train on (the generators of `keras-gan train` runs);
- `"gcn_display"`: GCN images mapped to [0, 1] by `datasets.gcn_to_display`
  (the shipped CIFAR-10 generators, which end in a `GCNToDisplay` layer).
"""

from typing import Union

import numpy as np

from keras_gan import datasets
from keras_gan._checks import check_positive_int
from keras_gan.evaluation.parzen import PAPER_N_VALID, ArrayLike, ParzenResult, SupportsGenerate, evaluate_generator

OUTPUT_SPACES = ("pixels", "gcn", "gcn_display")


def check_output_space(output_space: str) -> None:
    """Raise a `ValueError` unless `output_space` is one of `OUTPUT_SPACES`."""
    if output_space not in OUTPUT_SPACES:
        raise ValueError(f"`output_space` must be one of {OUTPUT_SPACES}. Received: output_space={output_space!r}")


def real_images(dataset: str, split: str, data_dir=None, output_space: str = "pixels") -> np.ndarray:
    """A dataset split in a generator's output space (see the module docstring).

    Args:
        dataset: str. A name of `keras_gan.datasets.DATASETS`.
        split: str. `"train"`, `"valid"` or `"test"`.
        data_dir: str, Path or None. Folder with the dataset files. Defaults to None.
        output_space: str. One of `OUTPUT_SPACES`. Defaults to `"pixels"`.

    Returns:
        float32 images `(N, height, width, channels)`.

    Example:
    >>> real_images("mnist", "valid", "../shared/data").shape
    (10000, 28, 28, 1)
    """
    check_output_space(output_space)
    if dataset not in datasets.DATASETS:
        raise ValueError(f"`dataset` must be one of {tuple(datasets.DATASETS)}. Received: dataset={dataset!r}")
    images, _ = datasets.load_numpy(dataset, split, data_dir=data_dir, gcn=output_space != "pixels")
    return datasets.gcn_to_display(images) if output_space == "gcn_display" else images


def score(
    model: Union[SupportsGenerate, ArrayLike],
    dataset: str,
    data_dir=None,
    output_space: str = "pixels",
    n_samples: int = 10000,
    seed: int = 0,
    protocol: str = "paper",
    n_valid: Union[int, None, str] = "paper",
) -> ParzenResult:
    """Parzen test log-likelihood of a generator (or of samples) on `dataset`, the paper's protocol.

    The validation and test splits are loaded in `output_space`, the space
    the generator's outputs are in; sigma is chosen on the validation split,
    the test split is scored.

    Args:
        model: an object with `generate(n, seed=...)` (a `GAN`, a
            `keras-gan` model spec) or an array of samples, used whole.
        dataset: str. A name of `keras_gan.datasets.DATASETS`.
        data_dir: str, Path or None. Folder with the dataset files. Defaults to None.
        output_space: str. One of `OUTPUT_SPACES`. Defaults to `"pixels"`.
        n_samples: int. Samples drawn from a generator. Defaults to 10000 (the paper's).
        seed: int. Seed of those samples. Defaults to 0.
        protocol: str. `"paper"` or `"refine"` (see `select_sigma`). Defaults to `"paper"`.
        n_valid: int, None or `"paper"`. Validation examples sigma is chosen
            on: the first `n_valid`, None for all, `"paper"` for the paper's
            choice for `dataset` (`PAPER_N_VALID`). Defaults to `"paper"`.

    Returns:
        A `ParzenResult`.

    Example:
    >>> spec = keras_gan.pretrained.load_model("mnist")
    >>> print(score(spec, "mnist", "../shared/data", spec.output_space))
    Parzen log-likelihood: 222.8 +- 2.2 (sigma=0.167, 10000 samples, 10000 test examples)
    """
    valid = real_images(dataset, "valid", data_dir, output_space)
    test = real_images(dataset, "test", data_dir, output_space)
    return evaluate_generator(
        model, valid, test, n_samples=n_samples, seed=seed, protocol=protocol,
        n_valid=PAPER_N_VALID[dataset] if n_valid == "paper" else n_valid,
    )


def data_reference(
    dataset: str, data_dir=None, output_space: str = "pixels", n_samples: int = 10000, seed: int = 0
) -> ParzenResult:
    """The dataset's own score: `score` with real training images as the samples.

    A random subset of `n_samples` training images (all of them if there are
    fewer), drawn with `seed`, stands in for a generator's samples: the score
    a generator that reproduced the training set would get.

    Args:
        dataset: str. A name of `keras_gan.datasets.DATASETS`.
        data_dir: str, Path or None. Folder with the dataset files. Defaults to None.
        output_space: str. One of `OUTPUT_SPACES`. Defaults to `"pixels"`.
        n_samples: int. Training images used. Defaults to 10000.
        seed: int. Seed of the random subset. Defaults to 0.

    Returns:
        A `ParzenResult`; its `n_samples` is the number of images used.

    Example:
    >>> print(data_reference("mnist", "../shared/data"))
    Parzen log-likelihood: 242.5 +- 2.1 (sigma=0.167, 10000 samples, 10000 test examples)
    """
    check_positive_int("n_samples", n_samples)
    train = real_images(dataset, "train", data_dir, output_space)
    # A random subset: the image-folder copies (FER-2013, CIFAR-10 JPEGs) are ordered by class.
    subset = np.sort(np.random.default_rng(seed).permutation(len(train))[:n_samples])
    return score(train[subset], dataset, data_dir, output_space)
