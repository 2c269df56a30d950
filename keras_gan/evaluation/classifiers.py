"""Small frozen classifiers, one per dataset: the feature extractors of `keras_gan.evaluation.metrics`.

FID, KID, precision/recall and density/coverage are usually computed on
Inception-v3 features, which need weights from the network and mean little
on 28x28 digits or 48x48 faces. Like TF-GAN's MNIST evaluation, this package
uses a small classifier trained on each dataset instead, shipped in
`saved_models/classifiers/<dataset>/` with its sha256 and a model card:

- `"mnist"`: 28x28x1 digits, 10 classes;
- `"cifar10"`: 32x32x3 images, 10 classes;
- `"fer2013"`: 48x48x1 faces, 7 expressions (TFD models use it too: TFD
  cannot be redistributed, FER-2013 is its stand-in).

Each takes images in the space generator samples are shown in, [0, 1]
pixels (a shipped CIFAR-10 generator's outputs are already mapped there by
its `GCNToDisplay` layer), and returns a dict with the penultimate layer's
`"embedding"` (the features the metrics compare) and the class
`"probabilities"`. The CIFAR-10 classifier starts by standardising each image
(zero mean, unit standard deviation over its pixels and channels), so that
raw pixels, GCN images and their display versions, which differ per image by
a positive scale and an offset, give the same features; the MNIST and FER-2013
ones see pixels as they are, so brightness and contrast count.

The network is ResNet-9 (D. Page, "How to train your ResNet", 2018) at a
fraction of its width: a 3x3 convolution, three stages that double the
channels and halve the resolution (max pooling), residual pairs of 3x3
convolutions after the first and the last, every convolution followed by
batch normalisation (momentum 0.9, so that its statistics keep up with short
runs) and ReLU, then global max pooling (the embedding) and a linear layer to
the classes, scaled by 0.125 as in ResNet-9 (the MNIST classifier was trained
without the scale). `keras-gan train-classifier DATASET` trains one
(`keras_gan.classifier_training`, with the training half of `CONFIGS`).

Where its config says `flip_average` (CIFAR-10), the shipped model is the
trained network wrapped by `flip_averaged`: its embedding and class
probabilities are the means over each image and its mirror image, a
test-time augmentation that is part of the saved model. It was adopted on
the validation split (85.35% -> 86.12%) before the test split was measured
(`keras_gan.classifier_training.finish_classifier`).
"""

import dataclasses
import json
from pathlib import Path
from typing import NamedTuple, Optional

import keras
import numpy as np

from keras_gan import datasets
from keras_gan._io import sha256
from keras_gan._tf import lazy_tensorflow

tf = lazy_tensorflow("The feature classifiers")

# TFD cannot be redistributed: TFD models are measured with the FER-2013 classifier, FER-2013 being its stand-in.
CLASSIFIER_OF = {"mnist": "mnist", "cifar10": "cifar10", "fer2013": "fer2013", "tfd": "fer2013"}
CLASSIFIER_FILE = "classifier.keras"


@dataclasses.dataclass(frozen=True)
class ClassifierConfig:
    """How the classifier of one dataset is built and trained.

    Attributes:
        width: int. Channels of the first convolution (ResNet-9 has 64); the
            stages have 2, 4 and 8 times as many, the embedding 8 times.
        early_pool: bool. Halve the resolution after the first convolution
            (for 48x48 faces).
        standardize: bool. Standardise each image first (see the module docstring).
        flip: bool. Random horizontal flips while training.
        shift: int. Random shifts of up to `shift` pixels (reflected borders) while training.
        epochs: int. Training epochs.
        batch_size: int. Training batch size.
        learning_rate: float. Peak learning rate, reached by a linear warm-up.
        warmup_fraction: float. Fraction of the training steps warming up; cosine decay to 0 follows.
        weight_decay: float. Decoupled weight decay of the convolution and dense kernels.
        label_smoothing: float. Label smoothing of the cross-entropy.
        logit_scale: float. Factor of the linear layer's outputs before the
            softmax (ResNet-9's 0.125). Defaults to 0.125; the MNIST
            classifier was trained without it (1.0).
        flip_average: bool. Ship the trained network inside `flip_averaged`
            (the mean over each image and its mirror image). Defaults to False.
    """

    width: int
    early_pool: bool
    standardize: bool
    flip: bool
    shift: int
    epochs: int
    batch_size: int = 256
    learning_rate: float = 0.2
    warmup_fraction: float = 0.15
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    logit_scale: float = 0.125
    flip_average: bool = False


CONFIGS = {
    "mnist": ClassifierConfig(width=8, early_pool=False, standardize=False, flip=False, shift=2, epochs=8,
                              logit_scale=1.0),
    "cifar10": ClassifierConfig(width=16, early_pool=False, standardize=True, flip=True, shift=4, epochs=16,
                                flip_average=True),
    "fer2013": ClassifierConfig(width=16, early_pool=True, standardize=False, flip=True, shift=4, epochs=16),
}


class Features(NamedTuple):
    """What a classifier sees in a batch of images.

    Attributes:
        embeddings: float32 `(N, d)`. Penultimate-layer features.
        probabilities: float32 `(N, classes)`. Class probabilities.
    """

    embeddings: np.ndarray
    probabilities: np.ndarray


@keras.saving.register_keras_serializable(package="keras_gan")
class PerImageStandardization(keras.layers.Layer):
    """Standardises each image to zero mean and unit standard deviation over all its values.

    `(x - mean) / max(std, 1 / sqrt(n))` per image, as
    `tf.image.per_image_standardization`, so that a constant image maps to
    zeros. Any per-image positive scale and offset of the input (GCN, its
    display mapping) leaves the output unchanged.

    Example:
    >>> x = np.random.default_rng(0).uniform(size=(2, 4, 4, 3)).astype("float32")
    >>> layer = PerImageStandardization()
    >>> bool(np.allclose(layer(x), layer(3.0 * x - 1.0), atol=1e-5))
    True
    """

    def call(self, inputs):
        axes = tuple(range(1, len(inputs.shape)))
        mean = keras.ops.mean(inputs, axis=axes, keepdims=True)
        std = keras.ops.std(inputs, axis=axes, keepdims=True)
        count = float(np.prod(inputs.shape[1:]))
        return (inputs - mean) / keras.ops.maximum(std, count**-0.5)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="keras_gan")
class HorizontalFlip(keras.layers.Layer):
    """Mirrors images left to right (reverses the width axis of `(N, height, width, channels)`), always.

    Example:
    >>> x = np.arange(6, dtype="float32").reshape(1, 1, 3, 2)
    >>> HorizontalFlip()(x)[0, 0].numpy().tolist()
    [[4.0, 5.0], [2.0, 3.0], [0.0, 1.0]]
    """

    def call(self, inputs):
        return keras.ops.flip(inputs, axis=2)

    def compute_output_shape(self, input_shape):
        return input_shape


def flip_averaged(network: keras.Model) -> keras.Model:
    """`network` applied to each image and to its mirror image, its two outputs averaged.

    The returned model's `"embedding"` and `"probabilities"` are the means of
    `network`'s over `x` and `HorizontalFlip()(x)` (test-time augmentation).
    It shares `network`'s weights, which it holds as its layer
    `network.name` (`trained_network` gives it back).

    Args:
        network: `keras.Model`. A model of `build_classifier(..., flip_average=False)`.

    Example:
    >>> network = build_classifier("mnist")
    >>> x = np.random.default_rng(0).uniform(size=(2, 28, 28, 1)).astype("float32")
    >>> mean = 0.5 * (network(x)["embedding"] + network(x[:, :, ::-1])["embedding"])
    >>> bool(np.allclose(flip_averaged(network)(x)["embedding"], mean, atol=1e-5))
    True
    """
    inputs = keras.Input(network.input_shape[1:], name="images")
    plain, mirrored = network(inputs), network(HorizontalFlip(name="mirror")(inputs))
    outputs = {key: keras.layers.Average(name=key)([plain[key], mirrored[key]]) for key in ("embedding", "probabilities")}
    return keras.Model(inputs, outputs, name=f"{network.name}_flip_averaged")


def trained_network(classifier: keras.Model) -> keras.Model:
    """The trained network of `classifier`: the one inside a `flip_averaged` model, else `classifier` itself.

    Example:
    >>> network = build_classifier("mnist")
    >>> trained_network(flip_averaged(network)) is network, trained_network(network) is network
    (True, True)
    """
    nested = [layer for layer in classifier.layers if isinstance(layer, keras.Model)]
    return nested[0] if nested else classifier


def classifier_name(dataset: str) -> str:
    """The classifier that measures samples of `dataset` (`"tfd"` -> `"fer2013"`).

    Example:
    >>> classifier_name("tfd")
    'fer2013'
    """
    if dataset not in CLASSIFIER_OF:
        raise ValueError(f"`dataset` must be one of {tuple(CLASSIFIER_OF)}. Received: dataset={dataset!r}")
    return CLASSIFIER_OF[dataset]


def build_classifier(dataset: str, flip_average: Optional[bool] = None) -> keras.Model:
    """An untrained classifier for `dataset`, with `"embedding"` and `"probabilities"` outputs.

    Without flip averaging, the input of the layer named `"probabilities"` is
    the pre-softmax scores, which `keras_gan.classifier_training` trains on.

    Args:
        dataset: str. A key of `CLASSIFIER_OF`.
        flip_average: bool or None. Wrap the network in `flip_averaged`.
            Defaults to None, the config's `flip_average` (the shipped architecture).

    Example:
    >>> model = build_classifier("mnist")
    >>> {k: v.shape for k, v in model(np.zeros((2, 28, 28, 1), "float32")).items()}
    {'embedding': TensorShape([2, 64]), 'probabilities': TensorShape([2, 10])}
    """
    name = classifier_name(dataset)
    config = CONFIGS[name]
    spec = datasets.DATASETS[name]
    layers = keras.layers

    def conv(x, filters, pool=False):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.ReLU()(layers.BatchNormalization(momentum=0.9)(x))
        return layers.MaxPooling2D()(x) if pool else x

    def residual(x, filters):
        return layers.add([x, conv(conv(x, filters), filters)])

    inputs = keras.Input(spec.image_shape, name="images")
    x = PerImageStandardization()(inputs) if config.standardize else inputs
    c = config.width
    x = conv(x, c, pool=config.early_pool)
    x = residual(conv(x, 2 * c, pool=True), 2 * c)
    x = conv(x, 4 * c, pool=True)
    x = residual(conv(x, 8 * c, pool=True), 8 * c)
    embedding = layers.GlobalMaxPooling2D(name="embedding")(x)
    logits = layers.Dense(spec.num_classes, name="logits")(embedding)
    if config.logit_scale != 1.0:
        # Without it the first updates blow up on FER-2013 (loss 10-30 in the first epoch, then chance).
        logits = layers.Rescaling(config.logit_scale, name="scaled_logits")(logits)
    probabilities = layers.Softmax(name="probabilities")(logits)
    network = keras.Model(inputs, {"embedding": embedding, "probabilities": probabilities}, name=f"{name}_classifier")
    return flip_averaged(network) if (config.flip_average if flip_average is None else flip_average) else network


def classifier_folder(dataset: str, root=None) -> Path:
    """The folder of the shipped classifier that measures `dataset`.

    Args:
        dataset: str. A key of `CLASSIFIER_OF`.
        root: str, Path or None. A registry folder; defaults to the package's
            `saved_models/` (installed as `keras_gan/saved_models`).

    Example:
    >>> classifier_folder("tfd").name
    'fer2013'
    """
    if root is None:
        package = Path(__file__).parent.parent
        installed = package / "saved_models"
        root = installed if installed.is_dir() else package.parent / "saved_models"
    return Path(root) / "classifiers" / classifier_name(dataset)


def load_classifier(dataset: str, root=None) -> keras.Model:
    """The shipped classifier that measures `dataset`, its file checked against its sha256.

    Args:
        dataset: str. A key of `CLASSIFIER_OF` (`"tfd"` gives FER-2013's).
        root: str, Path or None. A registry folder. Defaults to the package's.

    Example:
    >>> load_classifier("mnist").get_layer("embedding").output.shape
    (None, 64)
    """
    return load_classifier_folder(classifier_folder(dataset, root), dataset)


def load_classifier_folder(folder: Path, dataset: str) -> keras.Model:
    """The classifier of `folder`, its file checked against the sha256 of its `metadata.json`.

    Args:
        folder: Path. A classifier's folder, such as `classifier_folder(dataset)`.
        dataset: str. The dataset it measures, for the message when the folder holds none.

    Example:
    >>> load_classifier_folder(classifier_folder("tfd"), "tfd").name
    'fer2013_classifier'
    """
    record_path = folder / "metadata.json"
    if not record_path.is_file():
        raise FileNotFoundError(
            f"No classifier for {dataset!r} in {folder}: reinstall keras-gan, or train one with "
            f"`keras-gan train-classifier {classifier_name(dataset)}`."
        )
    entry = json.loads(record_path.read_text())["files"]["classifier"]
    path = folder / entry["path"]
    actual = sha256(path)
    if actual != entry["sha256"]:
        raise ValueError(f"{path} is corrupt: its sha256 is {actual}, expected {entry['sha256']}. Reinstall keras-gan.")
    return keras.models.load_model(path)


def classify(images, classifier: keras.Model, batch_size: int = 1000) -> Features:
    """Embeddings and class probabilities of `images` under `classifier`.

    Args:
        images: array `(N, height, width, channels)`. Images in [0, 1], in
            the classifier's input shape.
        classifier: `keras.Model`. A model of `build_classifier` or `load_classifier`.
        batch_size: int. Images per forward pass. Defaults to 1000.

    Returns:
        `Features(embeddings, probabilities)`.

    Example:
    >>> features = classify(np.zeros((3, 28, 28, 1), "float32"), build_classifier("mnist"))
    >>> features.embeddings.shape, features.probabilities.shape
    ((3, 64), (3, 10))
    """
    images = np.asarray(images, np.float32)
    expected = tuple(classifier.input_shape[1:])
    if images.ndim != 4 or images.shape[1:] != expected or len(images) == 0:
        raise ValueError(
            f"`images` must be a non-empty batch of shape (N, {', '.join(map(str, expected))}), the classifier's "
            f"input. Received: images.shape={images.shape}"
        )
    forward = _forward(classifier)
    outputs = [forward(tf.constant(images[start : start + batch_size])) for start in range(0, len(images), batch_size)]
    return Features(
        np.concatenate([o["embedding"].numpy() for o in outputs]),
        np.concatenate([o["probabilities"].numpy() for o in outputs]),
    )


def _forward(classifier: keras.Model):
    # One traced graph per model for every batch size: `predict` costs more per call.
    if not hasattr(classifier, "_keras_gan_forward"):
        classifier._keras_gan_forward = tf.function(
            lambda x: classifier(x, training=False), reduce_retracing=True, jit_compile=False
        )
    return classifier._keras_gan_forward


def accuracy(classifier: keras.Model, images, labels) -> float:
    """The fraction of `images` whose most probable class is their label.

    Example:
    >>> accuracy(build_classifier("mnist"), np.zeros((4, 28, 28, 1)), np.zeros(4)) in (0.0, 1.0)
    True
    """
    predicted = classify(images, classifier).probabilities.argmax(axis=1)
    return float(np.mean(predicted == np.asarray(labels)))
