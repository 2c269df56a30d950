"""The data a training run reads: its splits as arrays, and the minibatches it feeds to `fit`."""

import dataclasses
from pathlib import Path

import keras
import numpy as np

from keras_gan._tf import lazy_tensorflow
from keras_gan.datasets import _sources, image_folder, load_numpy, source_fingerprint

tf = lazy_tensorflow("A tf.data pipeline")


@dataclasses.dataclass
class TrainingData:
    """Numpy splits for training and for the Parzen monitor, and where they came from."""

    train: np.ndarray
    valid: np.ndarray
    name: str
    source: tuple | None = None  # (file name, sha256), None for tensorflow-datasets
    gcn: bool = False  # globally contrast-normalised (the CIFAR-10 experiments; never a user's folder)


def load_training_data(dataset: str, gcn: bool = False, data_dir=None, images=None, image_size=None) -> TrainingData:
    """Train and validation images of a paper dataset, or of a folder of images.

    Args:
        dataset: str. A key of `keras_gan.datasets.DATASETS` (ignored with `images`).
        gcn: bool. Globally contrast-normalise the images. Defaults to False.
        data_dir: str, Path or None. Folder with the dataset files. Defaults to None.
        images: str, Path or None. A folder of images to train on instead;
            its last 10% is the validation split. Defaults to None.
        image_size: int or None. Resize the folder's images. Defaults to None.

    Example:
    >>> data = load_training_data("mnist", data_dir="../shared/data")
    >>> data.train.shape, data.valid.shape, data.source[0]
    ((50000, 28, 28, 1), (10000, 28, 28, 1), 'mnist.pkl.gz')
    """
    if images is not None:
        ds = image_folder(images, image_size=image_size)
        x = np.concatenate([np.asarray(b) for b in ds.batch(1000)])
        # A user's folder has no validation split: monitor on its last 10%.
        cut = max(1, len(x) // 10)
        return TrainingData(x[:-cut], x[-cut:], str(images), (str(images), _sources.fingerprint(Path(images))))
    train, _ = load_numpy(dataset, "train", data_dir=data_dir, gcn=gcn)
    valid, _ = load_numpy(dataset, "valid", data_dir=data_dir, gcn=gcn)
    return TrainingData(train, valid, dataset, source_fingerprint(dataset, data_dir), gcn=gcn)


def epoch_batches(images: np.ndarray, batch_size: int, seed: int, first_epoch: int, epochs: int):
    """Minibatches for epochs `first_epoch .. epochs - 1`, in an order fixed by `(seed, epoch)`.

    Each epoch is a fresh permutation, cut into full batches (the last partial
    batch is dropped, as pylearn2 does). Starting at a later epoch gives
    exactly the batches an uninterrupted run would see there. Under the
    TensorFlow backend it is a `tf.data.Dataset` and the permutation is
    `stateless_shuffle(seed=[seed, epoch])`; under JAX and PyTorch a Python
    generator of numpy batches, permuted by `numpy.random.default_rng([seed,
    epoch])`: another order, so a run resumed on another backend family sees
    other batches from then on.

    Args:
        images: array `(N, ...)`. Training examples.
        batch_size: int. Examples per batch.
        seed: int. Seed of the orders.
        first_epoch: int. Epoch to start at (0-based).
        epochs: int. Epoch to stop before.

    Example:
    >>> ds = epoch_batches(np.zeros((10, 2), "float32"), 4, seed=0, first_epoch=0, epochs=2)
    >>> [b.shape[0] for b in ds]
    [4, 4, 4, 4]
    """
    n = len(images)
    if batch_size > n:
        raise ValueError(f"`batch_size` ({batch_size}) is larger than the training set ({n} examples).")
    if keras.backend.backend() != "tensorflow":
        return _numpy_epoch_batches(images, batch_size, seed, first_epoch, epochs)
    # A variable holds the data by reference: no copy of it inside the tf.data graph.
    data = tf.Variable(images, trainable=False)
    return (
        epoch_indices(n, batch_size, seed, first_epoch, epochs)
        .map(lambda idx: tf.gather(data, idx), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def epoch_indices(n: int, batch_size: int, seed: int, first_epoch: int, epochs: int) -> "tf.data.Dataset":
    """The example indices of `epoch_batches`' TensorFlow batches, as a `tf.data.Dataset` under every backend.

    Epoch `e` is `stateless_shuffle(range(n), seed=[seed, e])` cut into
    `n // batch_size` full batches; batch `k` of the whole sequence is the
    `first_epoch * (n // batch_size) + k`-th step of an uninterrupted run.

    Args:
        n: int. Training examples.
        batch_size: int. Examples per batch.
        seed: int. Seed of the orders.
        first_epoch: int. Epoch to start at (0-based).
        epochs: int. Epoch to stop before.

    Example:
    >>> batches = [b.numpy() for b in epoch_indices(10, 4, seed=0, first_epoch=0, epochs=2)]
    >>> [len(b) for b in batches], len(set(np.concatenate(batches[:2])))  # an epoch draws each example once at most
    ([4, 4, 4, 4], 8)
    """
    steps = n // batch_size

    def one_epoch(epoch):
        order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=tf.stack([tf.cast(seed, "int64"), epoch]))
        return tf.data.Dataset.from_tensor_slices(order[: steps * batch_size]).batch(batch_size)

    return tf.data.Dataset.range(first_epoch, epochs).flat_map(one_epoch)


def _numpy_epoch_batches(images: np.ndarray, batch_size: int, seed: int, first_epoch: int, epochs: int):
    steps = len(images) // batch_size
    for epoch in range(first_epoch, epochs):
        order = np.random.default_rng([seed, epoch]).permutation(len(images))
        for step in range(steps):
            yield (images[order[step * batch_size : (step + 1) * batch_size]],)  # Keras wants a tuple
