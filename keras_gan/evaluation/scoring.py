"""Parzen scores on a named dataset, in the space of the generator's outputs.

`score` is what `keras-gan evaluate` and `keras-gan publish` run: it loads the
dataset's validation and test splits in the generator's output space and
applies the paper's protocol (`evaluate_generator`). `data_reference` scores the
dataset's own training images the same way, the ceiling to compare with.

The spaces are `keras_gan.datasets.OutputSpace`'s: a name (`"pixels"`, `"gcn"`,
`"gcn_display"`) works where a space is asked for.
"""

from typing import Union

import numpy as np

from keras_gan._checks import check_positive_int
from keras_gan.datasets.output_space import OutputSpace
from keras_gan.evaluation.parzen import PAPER_N_VALID, ArrayLike, ParzenResult, SupportsGenerate, evaluate_generator


def score(
    model: Union[SupportsGenerate, ArrayLike],
    dataset: str,
    data_dir=None,
    output_space: OutputSpace = OutputSpace.PIXELS,
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
        output_space: OutputSpace or its name. Defaults to `"pixels"`.
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
    Parzen log-likelihood: 226.9 +- 2.2 (sigma=0.167, 10000 samples, 10000 test examples)
    """
    space = OutputSpace(output_space)
    valid, test = space.real_images(dataset, "valid", data_dir), space.real_images(dataset, "test", data_dir)
    return evaluate_generator(
        model, valid, test, n_samples=n_samples, seed=seed, protocol=protocol,
        n_valid=PAPER_N_VALID[dataset] if n_valid == "paper" else n_valid,
    )


def data_reference(
    dataset: str, data_dir=None, output_space: OutputSpace = OutputSpace.PIXELS, n_samples: int = 10000, seed: int = 0
) -> ParzenResult:
    """The dataset's own score: `score` with real training images as the samples.

    A random subset of `n_samples` training images (all of them if there are
    fewer), drawn with `seed`, stands in for a generator's samples: the score
    a generator that reproduced the training set would get.

    Args:
        dataset: str. A name of `keras_gan.datasets.DATASETS`.
        data_dir: str, Path or None. Folder with the dataset files. Defaults to None.
        output_space: OutputSpace or its name. Defaults to `"pixels"`.
        n_samples: int. Training images used. Defaults to 10000.
        seed: int. Seed of the random subset. Defaults to 0.

    Returns:
        A `ParzenResult`; its `n_samples` is the number of images used.

    Example:
    >>> print(data_reference("mnist", "../shared/data"))
    Parzen log-likelihood: 242.5 +- 2.1 (sigma=0.167, 10000 samples, 10000 test examples)
    """
    check_positive_int("n_samples", n_samples)
    train = OutputSpace(output_space).real_images(dataset, "train", data_dir)
    # A random subset: the image-folder copies (FER-2013, CIFAR-10 JPEGs) are ordered by class.
    subset = np.sort(np.random.default_rng(seed).permutation(len(train))[:n_samples])
    return score(train[subset], dataset, data_dir, output_space)
