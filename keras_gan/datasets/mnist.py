"""MNIST with the GAN paper's split and pixel scale.

Splits: `train` = training digits 0-49,999 and `valid` = 50,000-59,999 in
the original order, `test` = the 10,000 test digits. This is the split of the
classic `mnist.pkl.gz` and of the paper's Parzen-window protocol (sigma chosen
on `valid`, log-likelihood reported on `test`).

Scale: pixels are k/255 (k = 0..255), as pylearn2, the paper's code, read
them. The classic `mnist.pkl.gz` stores k/256 instead (its largest value is
255/256); that file is detected by its maximum and multiplied by 256/255.
The difference matters: over 784 pixels it shifts a Parzen log-likelihood by
784 ln(256/255) = 3.1 nats, more than the paper's error bar.

Sources: `mnist.pkl.gz` in the data folder, else tensorflow-datasets. The
tensorflow-datasets copy stores the 60,000 training digits in its own
(hashed) order, so there `valid` is a different 10,000 digits than the
paper's; use `mnist.pkl.gz` to reproduce the paper's numbers.
"""

import gzip
import pickle
import zlib
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from keras_gan.datasets import _sources
from keras_gan.datasets._pickle import UnsafePickleError, safe_load

FILE = "mnist.pkl.gz"
SHAPE = (28, 28, 1)
SPLITS = ("train", "valid", "test")
LAYOUT = (
    "the classic mnist.pkl.gz: a gzipped pickle of three (images, labels) "
    "pairs, train 50,000 / valid 10,000 / test 10,000, images float32 of "
    "shape (N, 784) with values k/256 or k/255, labels 0-9"
)
HOW_TO_GET = (
    "mnist.pkl.gz is the classic file from deeplearning.net/data/mnist/ "
    "(copies circulate, e.g. in Michael Nielsen's "
    "neural-networks-and-deep-learning repository). Or leave `data_dir` and "
    f"{_sources.DATA_DIR_ENV} unset to download MNIST through "
    "tensorflow-datasets."
)

# What replaces the download, for the message when it fails.
OFFLINE_FILES = f"{FILE}, the classic file from deeplearning.net/data/mnist/"
_TFDS_SPLITS = {"train": "train[:50000]", "valid": "train[50000:]", "test": "test"}


def read(split: str, root: Optional[Path]) -> Tuple[np.ndarray, np.ndarray]:
    """Return one split as uint8 `(N, 28, 28, 1)` pixel levels and int64 labels.

    Args:
        split: str. `"train"`, `"valid"` or `"test"`.
        root: Path or None. Folder holding `mnist.pkl.gz`; None downloads
            through tensorflow-datasets.
    """
    if root is None:
        data = _sources.load_tfds("mnist", _TFDS_SPLITS[split], OFFLINE_FILES)
        return data["image"], data["label"].astype(np.int64)
    source = _sources.find_source(root, (FILE,), "MNIST", HOW_TO_GET)
    return _sources.cached_split("mnist", source, lambda: _decode(source), split)


def _decode(path: Path) -> _sources.Arrays:
    """Read `mnist.pkl.gz` into uint8 pixel levels k; a pickle that would run code is refused."""

    def invalid(problem: str) -> ValueError:
        return _sources.invalid_file_error(path, problem, LAYOUT, HOW_TO_GET)

    try:
        with gzip.open(path, "rb") as f:
            pairs = safe_load(f)
    except UnsafePickleError as error:
        raise invalid(str(error)) from error
    except (OSError, EOFError, ValueError, pickle.UnpicklingError, zlib.error) as error:
        raise invalid(f"it is not a readable gzipped pickle ({error})") from error
    if not isinstance(pairs, (tuple, list)) or len(pairs) != len(SPLITS):
        raise invalid("it does not hold three (images, labels) pairs")
    pixels = [np.asarray(pair[0]) for pair in pairs]
    labels = [np.asarray(pair[1]) for pair in pairs]
    for x, y in zip(pixels, labels):
        if x.ndim != 2 or x.shape[1] != 784 or y.shape != (len(x),):
            raise invalid(
                f"found images of shape {x.shape} with labels of shape {y.shape}"
            )
    peak = max(float(x.max()) for x in pixels if x.size)
    # The classic file stores k/256 (peak 255/256); pylearn2 read k/255.
    denominator = next((d for d in (256, 255) if abs(peak - 255 / d) < 1e-6), None)
    if denominator is None:
        raise invalid(f"the largest pixel value is {peak}, not 255/256 or 1")

    arrays = {}
    for split, x, y in zip(SPLITS, pixels, labels):
        levels = np.rint(x * denominator)
        off_grid = np.abs(levels / denominator - x).max(initial=0) > 1e-6
        if off_grid or levels.min(initial=0) < 0:
            raise invalid(f"the '{split}' pixels are not multiples of 1/{denominator}")
        arrays[f"{split}_images"] = levels.astype(np.uint8).reshape(-1, *SHAPE)
        arrays[f"{split}_labels"] = y.astype(np.int64)
    return arrays
