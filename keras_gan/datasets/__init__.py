"""The GAN paper's datasets as float32 NHWC images in [0, 1], and your own folders.

- `load(name, split, ...)`: a shuffled, batched `tf.data.Dataset`.
- `load_numpy(name, split, ...)`: `(images, labels)` numpy arrays.
- `image_folder(path, ...)`: a `tf.data.Dataset` over any folder of images.

Names and shapes: `"mnist"` (28, 28, 1), `"cifar10"` (32, 32, 3), `"tfd"`
(48, 48, 1; licence-restricted) and `"fer2013"` (48, 48, 1; TFD's freely
available stand-in). Splits are `"train"`, `"valid"` and `"test"` as in the
paper, plus `"unlabeled"` for TFD; each module's docstring says exactly which
images they hold and how pixels are scaled.

Data comes from `data_dir` if given, else from the folder named by the
`KERAS_GAN_DATA_DIR` environment variable, else (MNIST and CIFAR-10 only)
from tensorflow-datasets, which downloads it. The files a data folder may
hold: `mnist.pkl.gz`; `cifar-10-python.tar.gz` or `cifar-10-batches-py/`, or
`cifar10-jpeg.tar.gz` or `cifar10/`; `TFD_48x48.mat`; `fer2013-jpeg.tar.gz`
or `fer2013/`. Archives are decoded once and the arrays cached as `.npz` in
`KERAS_GAN_CACHE_DIR` (default `~/.keras/keras_gan`), keyed by the source's
sha256.
"""

import dataclasses
from typing import Callable, Optional, Tuple

import numpy as np

from keras_gan._tf import lazy_tensorflow
from keras_gan.datasets import _sources, cifar10, fer2013, mnist, tfd
from keras_gan.datasets._sources import PathLike, resolve_data_dir
from keras_gan.datasets.folder import image_folder
from keras_gan.datasets.output_space import OutputSpace, gcn_to_display, global_contrast_normalize

tf = lazy_tensorflow("A tf.data pipeline")

__all__ = [
    "DATASETS",
    "DatasetSpec",
    "OutputSpace",
    "gcn_to_display",
    "global_contrast_normalize",
    "image_folder",
    "load",
    "load_numpy",
    "source_fingerprint",
]


@dataclasses.dataclass(frozen=True)
class DatasetSpec:
    """What a dataset name provides.

    Attributes:
        image_shape: tuple. `(height, width, channels)` of every image.
        splits: tuple. The split names `load` accepts.
        num_classes: int. Number of distinct labels.
        read: callable. `(split, root, **options) -> (uint8 images, labels)`.
        sources: tuple. File or folder names a data folder may hold, in the
            order they are tried.
    """

    image_shape: Tuple[int, int, int]
    splits: Tuple[str, ...]
    num_classes: int
    read: Callable = dataclasses.field(repr=False)
    sources: Tuple[str, ...] = ()


_SPLITS = ("train", "valid", "test")

DATASETS = {
    "mnist": DatasetSpec(mnist.SHAPE, _SPLITS, 10, mnist.read, (mnist.FILE,)),
    "cifar10": DatasetSpec(cifar10.SHAPE, _SPLITS, 10, cifar10.read, cifar10.SOURCES),
    "tfd": DatasetSpec(tfd.SHAPE, (*_SPLITS, "unlabeled"), 7, tfd.read, (tfd.FILE,)),
    "fer2013": DatasetSpec(fer2013.SHAPE, _SPLITS, 7, fer2013.read, fer2013.SOURCES),
}


def source_fingerprint(name: str, data_dir: Optional[PathLike] = None) -> Optional[Tuple[str, str]]:
    """The local file a dataset is read from and its sha256 (a folder's: see `fingerprint`).

    Returns None when the data comes from tensorflow-datasets. Training runs
    record it, so that a model card names the exact data it was trained on.

    Example:
    >>> source_fingerprint("mnist", "../shared/data")[0]
    'mnist.pkl.gz'
    """
    if name not in DATASETS:
        raise ValueError(f"`name` must be one of {tuple(DATASETS)}. Received: name={name!r}")
    root = resolve_data_dir(data_dir)
    if root is None:
        return None
    source = _sources.find_source(root, DATASETS[name].sources, name, "")
    return source.name, _sources.fingerprint(source)


def load_numpy(
    name: str,
    split: str = "train",
    data_dir: Optional[PathLike] = None,
    gcn: bool = False,
    fold: int = 0,
) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Load a split as numpy arrays.

    Args:
        name: str. `"mnist"`, `"cifar10"`, `"tfd"` or `"fer2013"`.
        split: str. `"train"`, `"valid"`, `"test"`, or for TFD also
            `"unlabeled"`. Defaults to `"train"`.
        data_dir: str, Path or None. Folder holding the dataset files; None
            falls back to `KERAS_GAN_DATA_DIR`, then tensorflow-datasets.
            Defaults to None.
        gcn: bool. Apply pylearn2's global contrast normalisation (scale 55)
            as the paper did for CIFAR-10; images are then no longer in
            [0, 1] (see `gcn_to_display`). Defaults to False.
        fold: int. TFD fold, 0-4; only for `name="tfd"`. Defaults to 0.

    Returns:
        `(images, labels)`: float32 `(N, height, width, channels)` in [0, 1]
        and int64 `(N,)` labels (None for TFD's `"unlabeled"`).

    Raises:
        FileNotFoundError: no data folder holds the dataset and it cannot be
            downloaded.
        ValueError: bad arguments, or a corrupt or wrongly laid out file.

    Example:
    >>> images, labels = load_numpy("mnist", "valid", data_dir="../shared/data")
    >>> images.shape, labels.shape
    ((10000, 28, 28, 1), (10000,))
    """
    levels, labels = _read_levels(name, split, data_dir, fold)
    if gcn:
        # Like pylearn2, normalise the 0-255 levels (GCN ignores the scale).
        return global_contrast_normalize(levels), labels
    images = levels.astype(np.float32)
    images /= 255  # In place: a second float copy of CIFAR-10 costs seconds.
    return images, labels


def load(
    name: str,
    split: str = "train",
    data_dir: Optional[PathLike] = None,
    batch_size: Optional[int] = None,
    shuffle: bool = False,
    seed: Optional[int] = None,
    with_labels: bool = False,
    drop_remainder: bool = False,
    gcn: bool = False,
    fold: int = 0,
) -> "tf.data.Dataset":
    """Load a split as a `tf.data.Dataset` of float32 images in [0, 1].

    The split is held in memory; each epoch shuffles indices (with `seed`,
    the sequence of epochs is reproducible, and each epoch differs), gathers
    whole batches at once and converts pixels to float32 k/255 per batch.

    Args:
        name: str. `"mnist"`, `"cifar10"`, `"tfd"` or `"fer2013"`.
        split: str. `"train"`, `"valid"`, `"test"`, or for TFD also
            `"unlabeled"`. Defaults to `"train"`.
        data_dir: str, Path or None. Folder holding the dataset files; None
            falls back to `KERAS_GAN_DATA_DIR`, then tensorflow-datasets.
            Defaults to None.
        batch_size: int or None. Batch size; None yields single examples.
            Defaults to None.
        shuffle: bool. Reshuffle the whole split every epoch. Defaults to
            False.
        seed: int or None. Shuffle seed. Defaults to None.
        with_labels: bool. Yield `(image, label)` pairs instead of images.
            Defaults to False.
        drop_remainder: bool. Drop a last, smaller batch. Defaults to False.
        gcn: bool. Apply pylearn2's global contrast normalisation (scale 55),
            as the paper did for CIFAR-10. Defaults to False.
        fold: int. TFD fold, 0-4; only for `name="tfd"`. Defaults to 0.

    Returns:
        A `tf.data.Dataset` of images `(batch, height, width, channels)`, or
        of `(images, labels)` with `with_labels=True`.

    Raises:
        FileNotFoundError: no data folder holds the dataset and it cannot be
            downloaded.
        ValueError: bad arguments, or a corrupt or wrongly laid out file.

    Example:
    >>> dataset = load("mnist", batch_size=100, shuffle=True, seed=0,
    ...                data_dir="../shared/data")
    >>> next(iter(dataset)).shape
    TensorShape([100, 28, 28, 1])
    """
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(
            "`batch_size` must be a positive int or None. "
            f"Received: batch_size={batch_size!r}"
        )
    levels, labels = _read_levels(name, split, data_dir, fold)
    if with_labels and labels is None:
        raise ValueError(
            f"The '{split}' split of {name} has no labels: pass "
            f"`with_labels=False` or another split. Received: split='{split}'"
        )
    # uint8 levels stay uint8 in memory (4x smaller) and are converted per
    # batch; GCN images are float already.
    images = tf.constant(global_contrast_normalize(levels) if gcn else levels)
    targets = tf.constant(labels) if with_labels else None

    def gather(index: "tf.Tensor"):
        batch = tf.gather(images, index)
        if batch.dtype == tf.uint8:
            batch = tf.cast(batch, tf.float32) / 255.0
        return batch if targets is None else (batch, tf.gather(targets, index))

    # Shuffling indices and gathering whole batches is much faster than a
    # per-example pipeline, and the data is in memory, so `cache()` has
    # nothing to add.
    dataset = tf.data.Dataset.range(len(levels))
    if shuffle:
        dataset = dataset.shuffle(len(levels), seed=seed, reshuffle_each_iteration=True)
    if batch_size is not None:
        dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
    dataset = dataset.map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _read_levels(
    name: str, split: str, data_dir: Optional[PathLike], fold: int
) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Validate the arguments and return a split's uint8 pixels and labels."""
    if name not in DATASETS:
        raise ValueError(
            f"`name` must be one of {tuple(DATASETS)}. Received: name={name!r}"
        )
    spec = DATASETS[name]
    if split not in spec.splits:
        raise ValueError(
            f"`split` must be one of {spec.splits} for {name}. "
            f"Received: split={split!r}"
        )
    if not isinstance(fold, int) or not 0 <= fold < tfd.NUM_FOLDS:
        raise ValueError(
            f"`fold` must be an int from 0 to {tfd.NUM_FOLDS - 1}. "
            f"Received: fold={fold!r}"
        )
    if fold and name != "tfd":
        raise ValueError(
            "`fold` only applies to name='tfd'; leave it at 0. "
            f"Received: name={name!r}, fold={fold}"
        )
    options = {"fold": fold} if name == "tfd" else {}
    levels, labels = spec.read(split, resolve_data_dir(data_dir), **options)
    if len(levels) == 0:
        raise ValueError(
            f"The '{split}' split of {name} is empty in the given data: check "
            "that the data folder holds the complete dataset."
        )
    return levels, labels

