"""The space a generator's images are in, and everything that moves images between spaces.

The paper's CIFAR-10 networks train on pylearn2's globally contrast-normalised
(GCN) images, which have no fixed range; every other dataset's on pixels in
[0, 1]. A generator's outputs, and the real images they are compared with,
are therefore in one of three `OutputSpace`s:

- `"pixels"`: images in [0, 1], as `datasets.load_numpy` returns them
  (MNIST, TFD, FER-2013 generators);
- `"gcn"`: GCN images, what the CIFAR-10 networks train on (the generators
  of `keras-gan train` runs);
- `"gcn_display"`: GCN images mapped to [0, 1] by `gcn_to_display` (the
  shipped CIFAR-10 generators, which end in a `GCNToDisplay` layer).

This module owns the GCN transform and its display mapping (numpy and
tensor), the `GCNToDisplay` layer, the real images of a dataset in a space,
and the space a run's or shipped model's record implies.
"""

import enum
from typing import Callable

import keras
import numpy as np

from keras_gan import datasets

# pylearn2's `CIFAR10(gcn=55.)`, which the paper's CIFAR-10 models used.
GCN_SCALE = 55.0


def global_contrast_normalize(
    images: np.ndarray, scale: float = GCN_SCALE, min_divisor: float = 1e-8
) -> np.ndarray:
    """Normalise each image to zero mean and L2 norm `scale`, as pylearn2 does.

    This is pylearn2's `global_contrast_normalize(X, scale=55.)` with its
    other defaults (`subtract_mean=True, use_std=False, sqrt_bias=0.`): per
    example, subtract the mean over all pixels and channels, then divide by
    `sqrt(sum of squares) / scale`, skipping divisors below `min_divisor`.
    The result does not depend on whether pixels are in [0, 255] or [0, 1].

    Args:
        images: np.ndarray. Batch of images, any shape `(N, ...)`.
        scale: float. L2 norm of each normalised image. Defaults to 55.
        min_divisor: float. Images whose divisor is smaller (constant
            images) are only centred. Defaults to 1e-8.

    Returns:
        float32 array of the same shape.

    Example:
    >>> x = np.random.default_rng(0).random((2, 32, 32, 3))
    >>> y = global_contrast_normalize(x)
    >>> bool(np.allclose(np.linalg.norm(y.reshape(2, -1), axis=1), 55.0))
    True
    """
    flat = np.asarray(images, np.float32).reshape(len(images), -1)
    flat = flat - flat.mean(axis=1, keepdims=True)
    divisors = np.sqrt((flat**2).sum(axis=1, keepdims=True)) / scale
    divisors[divisors < min_divisor] = 1.0
    return (flat / divisors).reshape(np.shape(images))


def gcn_to_display(images: np.ndarray) -> np.ndarray:
    """Map contrast-normalised images (or a generator's output) to [0, 1] for viewing.

    GCN is not invertible: it discards each image's mean brightness and
    contrast. Following pylearn2's `CIFAR10.adjust_for_viewer`, each image is
    divided by its largest absolute value (to [-1, 1]) and then mapped
    linearly to [0, 1], so 0.5 is the image's mean and its most extreme pixel
    touches 0 or 1. All-zero images become uniform 0.5.

    Args:
        images: np.ndarray. Batch of images `(N, ...)`, any real values.

    Returns:
        float32 array of the same shape in [0, 1].

    Example:
    >>> x = global_contrast_normalize(np.random.default_rng(0).random((2, 4, 4, 3)))
    >>> y = gcn_to_display(x)
    >>> float(y.min()) >= 0.0 and float(y.max()) <= 1.0
    True
    """
    return keras.ops.convert_to_numpy(display_gcn(keras.ops.convert_to_tensor(np.asarray(images, np.float32))))


def display_gcn(images):
    """`gcn_to_display`'s formula on a tensor: the one the `GCNToDisplay` layer of shipped generators applies.

    Args:
        images: tensor. Batch of images `(N, ...)`, any real values.

    Returns:
        A tensor of the same shape in [0, 1].

    Example:
    >>> keras.ops.convert_to_numpy(display_gcn(keras.ops.convert_to_tensor([[[-2.0, 1.0]]]))).tolist()
    [[[0.0, 0.75]]]
    """
    axes = tuple(range(1, len(images.shape)))
    peaks = keras.ops.max(keras.ops.abs(images), axis=axes, keepdims=True)
    peaks = keras.ops.where(keras.ops.equal(peaks, 0), keras.ops.ones_like(peaks), peaks)
    return 0.5 + 0.5 * images / peaks


# The registered name ("keras_gan>GCNToDisplay") is what the shipped CIFAR-10 generators' files name.
@keras.saving.register_keras_serializable(package="keras_gan")
class GCNToDisplay(keras.layers.Layer):
    """Maps globally contrast-normalised images to displayable images in [0, 1].

    pylearn2's `CIFAR10.adjust_for_viewer` (the formula of `gcn_to_display`,
    applied to numpy arrays): each image is divided by its largest
    absolute value, to [-1, 1], then mapped linearly to [0, 1]; all-zero
    images become uniform 0.5. Put after a generator trained on GCN images, it
    makes the generator's outputs displayable wherever it is used (`generate`,
    `keras-gan sample`, a TF Serving export). It has no weights and no
    arguments beyond a layer's own.

    Example:
    >>> GCNToDisplay()(keras.ops.convert_to_tensor([[[-2.0, 1.0]]])).numpy().tolist()
    [[[0.0, 0.75]]]
    """

    def call(self, inputs):
        return display_gcn(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape


class OutputSpace(str, enum.Enum):
    """The space of a generator's images (see the module docstring); equal to its name, a string.

    `OutputSpace(name)` checks a name: `OutputSpace("gcn")` is `OutputSpace.GCN`.

    Example:
    >>> space = OutputSpace("gcn")
    >>> space.shown, space == "gcn"
    (<OutputSpace.GCN_DISPLAY: 'gcn_display'>, True)
    """

    PIXELS = "pixels"
    GCN = "gcn"
    GCN_DISPLAY = "gcn_display"

    # Written as its name (`str`, f-strings): `enum.StrEnum` would do this, from Python 3.11 on.
    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @classmethod
    def _missing_(cls, value):
        raise ValueError(f"`output_space` must be one of {tuple(map(str, cls))}. Received: output_space={value!r}")

    @classmethod
    def trained(cls, gcn: bool) -> "OutputSpace":
        """The space networks train in: GCN for the experiments with `gcn` set (CIFAR-10), else pixels.

        Example:
        >>> OutputSpace.trained(gcn=True)
        <OutputSpace.GCN: 'gcn'>
        """
        return cls.GCN if gcn else cls.PIXELS

    @classmethod
    def of_curve(cls, record: dict, gcn: bool) -> "OutputSpace":
        """The space of a run's `parzen_ll` column (`run.json`'s `parzen_space`).

        Runs recorded before `parzen_space` existed scored GCN runs in GCN space.

        Args:
            record: dict. The run's `run.json`.
            gcn: bool. Whether the run's configuration trains on contrast-normalised images.

        Example:
        >>> OutputSpace.of_curve({}, gcn=True)
        <OutputSpace.GCN: 'gcn'>
        """
        return cls(record.get("parzen_space", cls.trained(gcn)))

    @classmethod
    def of_record(cls, record: dict, gcn: Callable[[], bool]) -> "OutputSpace":
        """The space of the generator a run folder or shipped model holds, from its record.

        Shipped models record it (`output_space`). A run's generator is in its
        training space, which the run's curve space names (a user's folder is
        never GCN, even under a CIFAR-10 experiment).

        Args:
            record: dict. A `run.json`, a shipped model's metadata, or empty.
            gcn: callable. `gcn()`: whether the record's configuration trains
                on contrast-normalised images; called only for a record that
                does not name its space.

        Example:
        >>> OutputSpace.of_record({"parzen_space": "gcn_display"}, gcn=lambda: True)
        <OutputSpace.GCN: 'gcn'>
        """
        if "output_space" in record:
            return cls(record["output_space"])
        return cls.PIXELS if cls.of_curve(record, gcn()) == cls.PIXELS else cls.GCN

    @property
    def shown(self) -> "OutputSpace":
        """The space `to_display` maps to, and shipped generators output: GCN's display space, else this one."""
        return OutputSpace.GCN_DISPLAY if self == OutputSpace.GCN else self

    def to_display(self, images: np.ndarray) -> np.ndarray:
        """`images` of this space mapped to `shown`, [0, 1] for viewing: GCN images through `gcn_to_display`.

        Example:
        >>> OutputSpace.GCN.to_display(np.array([[[-2.0, 1.0]]])).tolist()
        [[[0.0, 0.75]]]
        """
        return gcn_to_display(images) if self == OutputSpace.GCN else images

    def wrap(self, generator: keras.Model) -> keras.Model:
        """The generator users get: a GCN one followed by `GCNToDisplay`, so its outputs are in `shown`.

        Example:
        >>> OutputSpace.PIXELS.wrap(gan.generator) is gan.generator
        True
        """
        if self != OutputSpace.GCN:
            return generator
        return keras.Sequential([generator, GCNToDisplay(name="gcn_to_display")], name=f"{generator.name}_display")

    def unwrap(self, generator: keras.Model) -> keras.Model:
        """A generator of this space as it trained: a display-space one without its `GCNToDisplay`.

        Example:
        >>> OutputSpace.GCN_DISPLAY.unwrap(OutputSpace.GCN.wrap(gan.generator)) is gan.generator
        True
        """
        return generator.layers[0] if self == OutputSpace.GCN_DISPLAY else generator

    def from_trained(self, images: np.ndarray) -> np.ndarray:
        """Images of the space a generator of this space trained in (pixels or GCN), put in this space.

        Display space is reached from GCN through `gcn_to_display`; the other spaces are their own.

        Example:
        >>> OutputSpace.GCN_DISPLAY.from_trained(np.array([[[-2.0, 1.0]]])).tolist()
        [[[0.0, 0.75]]]
        >>> OutputSpace.GCN.from_trained(np.array([[[-2.0, 1.0]]])).tolist()
        [[[-2.0, 1.0]]]
        """
        return gcn_to_display(images) if self == OutputSpace.GCN_DISPLAY else images

    def real_images(self, dataset: str, split: str, data_dir=None) -> np.ndarray:
        """A dataset split in this space, the real images a generator of it is compared with.

        Args:
            dataset: str. A name of `keras_gan.datasets.DATASETS`.
            split: str. `"train"`, `"valid"` or `"test"`.
            data_dir: str, Path or None. Folder with the dataset files. Defaults to None.

        Returns:
            float32 images `(N, height, width, channels)`.

        Example:
        >>> OutputSpace.PIXELS.real_images("mnist", "valid", "../shared/data").shape
        (10000, 28, 28, 1)
        """
        if dataset not in datasets.DATASETS:
            raise ValueError(f"`dataset` must be one of {tuple(datasets.DATASETS)}. Received: dataset={dataset!r}")
        images, _ = datasets.load_numpy(dataset, split, data_dir=data_dir, gcn=self != OutputSpace.PIXELS)
        return self.from_trained(images)
