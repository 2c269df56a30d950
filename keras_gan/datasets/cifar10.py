"""CIFAR-10 with the GAN paper's split (its global contrast normalisation: `datasets.output_space`).

Splits, as in the paper's pylearn2 configs (`start: 0, stop: 40000` and
`start: 40000, stop: 50000` of the training set): `train` = the first 40,000
training images (`data_batch_1` to `data_batch_4`), `valid` = the last 10,000
(`data_batch_5`), `test` = the 10,000 test images. Pixels are k/255.

Sources, the first found in the data folder wins:

1. `cifar-10-python.tar.gz`, the official release, or the
   `cifar-10-batches-py/` folder it extracts to (lossless);
2. `cifar10-jpeg.tar.gz`, or the `cifar10/` folder it extracts to: the
   project's lossy JPEG copy (`cifar10/{train,test}/<class>/NNNN.jpg`). The
   batch order is lost there, so `valid` is defined as the last fifth of each
   class's training images in file-name order (1,000 per class, 10,000 in
   all) and `train` as the rest. Images are ordered by class, then file name.

Without a data folder, tensorflow-datasets' `cifar10` is used; its `id`
feature (`train_00000` ...) restores the official order, so the split is the
paper's.
"""

import io
import pickle
from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from keras_gan.datasets import _images, _sources
from keras_gan.datasets._pickle import UnsafePickleError, safe_load

SHAPE = (32, 32, 3)
CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
SOURCES = (
    "cifar-10-python.tar.gz",
    "cifar-10-batches-py",
    "cifar10-jpeg.tar.gz",
    "cifar10",
)

_BATCHES = {
    "train": ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4"),
    "valid": ("data_batch_5",),
    "test": ("test_batch",),
}
BATCHES_LAYOUT = (
    "the official CIFAR-10 python release: cifar-10-batches-py/"
    "{data_batch_1..5, test_batch}, each a pickled dict with 'data' (uint8, "
    "N x 3072, channel-major 32x32) and 'labels'"
)
JPEG_LAYOUT = (
    "cifar10/{train,test}/<class>/NNNN.jpg with 32x32 RGB JPEGs and classes "
    + " ".join(CLASSES)
)
HOW_TO_GET = (
    "Get the official cifar-10-python.tar.gz from "
    "https://www.cs.toronto.edu/~kriz/cifar.html, or leave `data_dir` and "
    f"{_sources.DATA_DIR_ENV} unset to download CIFAR-10 through "
    "tensorflow-datasets."
)

# What replaces the download, for the message when it fails.
OFFLINE_FILES = "cifar-10-python.tar.gz, the official release from https://www.cs.toronto.edu/~kriz/cifar.html"


def read(split: str, root: Optional[Path]) -> Tuple[np.ndarray, np.ndarray]:
    """Return one split as uint8 `(N, 32, 32, 3)` pixels and int64 labels.

    Args:
        split: str. `"train"`, `"valid"` or `"test"`.
        root: Path or None. Data folder; None downloads through
            tensorflow-datasets.
    """
    if root is None:
        return _from_tfds(split)
    source = _sources.find_source(root, SOURCES, "CIFAR-10", HOW_TO_GET)
    if source.name in SOURCES[:2]:
        return _sources.cached_split(
            "cifar10", source, lambda: _decode_batches(source), split
        )
    return _sources.cached_split(
        "cifar10-jpeg",
        source,
        lambda: _images.read_labelled_jpegs(
            source,
            top="cifar10",
            classes={name: label for label, name in enumerate(CLASSES)},
            split_of=_jpeg_split,
            shape=SHAPE,
            layout=JPEG_LAYOUT,
            how_to_get=HOW_TO_GET,
        ),
        split,
    )


def _jpeg_split(folder: str, file_name: str, rank: int, count: int) -> Optional[str]:
    """Assign a JPEG to a split: the last fifth of each training class is `valid`."""
    if folder == "test":
        return "test"
    if folder == "train":
        return "valid" if rank >= count - count // 5 else "train"
    return None


def _decode_batches(source: Path) -> _sources.Arrays:
    """Read the official pickled batches into split arrays; a pickle that would run code is refused."""

    def invalid(problem: str) -> ValueError:
        return _sources.invalid_file_error(source, problem, BATCHES_LAYOUT, HOW_TO_GET)

    try:
        files = _sources.read_tree(source, "cifar-10-batches-py")
    except ValueError as error:
        raise invalid(str(error)) from error
    arrays = {}
    for split, names in _BATCHES.items():
        images, labels = [], []
        for name in names:
            if name not in files:
                raise invalid(f"'{name}' is missing")
            try:
                batch = safe_load(io.BytesIO(files[name]))
                # Python 2 pickles give str keys, Python 3 ones may give bytes.
                batch = {
                    (k.decode() if isinstance(k, bytes) else k): v
                    for k, v in batch.items()
                }
                data = np.asarray(batch["data"], np.uint8).reshape(-1, 3, 32, 32)
                label = np.asarray(batch["labels"], np.int64).reshape(len(data))
            except UnsafePickleError as error:
                raise invalid(f"'{name}': {error}") from error
            except (pickle.UnpicklingError, EOFError, AttributeError, KeyError,
                    ValueError) as error:
                raise invalid(f"'{name}' is not a valid batch ({error!r})") from error
            images.append(data.transpose(0, 2, 3, 1))
            labels.append(label)
        arrays[f"{split}_images"] = np.concatenate(images)
        arrays[f"{split}_labels"] = np.concatenate(labels)
    return arrays


def _from_tfds(split: str) -> Tuple[np.ndarray, np.ndarray]:
    """Read a split from tensorflow-datasets in the official order."""
    data = _sources.load_tfds("cifar10", "test" if split == "test" else "train", OFFLINE_FILES)
    order = np.argsort(data["id"])
    images, labels = data["image"][order], data["label"][order].astype(np.int64)
    if split == "train":
        return images[:40000], labels[:40000]
    if split == "valid":
        return images[40000:], labels[40000:]
    return images, labels
