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
(`train_classifier`): SGD with Nesterov momentum, a linear warm-up then cosine
decay of the learning rate, label smoothing, weight decay, and random shifts
(and horizontal flips, except for digits) of the training images; its
checkpoint lets an interrupted run resume.

Where its config says `flip_average` (CIFAR-10), the shipped model is the
trained network wrapped by `flip_averaged`: its embedding and class
probabilities are the means over each image and its mirror image, a
test-time augmentation that is part of the saved model. It was adopted on
the validation split (85.35% -> 86.12%) before the test split was measured.
`python -m keras_gan.evaluation.classifiers finish DATASET --data-dir DATA`
(`finish_classifier`) applies it to a shipped classifier's trained network
and rewrites the folder, measuring the validation and test accuracy again.
"""

import argparse
import dataclasses
import json
import os
import platform
import time
from pathlib import Path
from typing import NamedTuple, Optional

import keras
import numpy as np

from keras_gan import datasets
from keras_gan._io import atomic_folder, atomic_save_model, atomic_write, atomic_write_json, sha256
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


# Run as `python -m keras_gan.evaluation.classifiers`, this file is executed a second time as `__main__` (after
# the package imported it): its layer classes must not replace the package's in Keras' registry.
_register = keras.saving.register_keras_serializable(package="keras_gan") if __name__ != "__main__" else (lambda c: c)


@_register
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


@_register
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
    the pre-softmax scores, which `train_classifier` trains on.

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
    return _load_checked(classifier_folder(dataset, root), dataset)


def _load_checked(folder: Path, dataset: str) -> keras.Model:
    """The classifier of `folder`, its file checked against the sha256 of its `metadata.json`."""
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


def train_classifier(
    dataset: str,
    run_dir,
    out=None,
    data_dir=None,
    seed: int = 0,
    epochs: Optional[int] = None,
    verbose: int = 2,
) -> Path:
    """Train the classifier of `dataset` (resumable) and write its shippable folder.

    Trains on the `"train"` split with `CONFIGS[dataset]`, reports the
    validation accuracy after every epoch (`run_dir/log.csv`) and keeps a
    checkpoint in `run_dir/backup`, so that calling it again resumes an
    interrupted run (the batches and shifts of every epoch are fixed by
    `(seed, epoch)`). When training is done it measures the validation and,
    once, the test accuracy and writes `out`: `classifier.keras`,
    `metadata.json` (file sha256, data checksum, seed, command, wall time,
    machine, accuracies) and `model_card.md`.

    Args:
        dataset: str. `"mnist"`, `"cifar10"` or `"fer2013"`.
        run_dir: str or Path. Folder of the checkpoint and logs.
        out: str, Path or None. The classifier's folder. Defaults to None,
            `saved_models/classifiers/<dataset>` of the current folder.
        data_dir: str, Path or None. Folder with the dataset files. Defaults to None.
        seed: int. Seed of the weights, batch order and augmentation. Defaults to 0.
        epochs: int or None. Training epochs. Defaults to None, the config's.
        verbose: int. Keras' `fit` verbosity. Defaults to 2 (one line per epoch).

    Returns:
        The classifier's folder.

    Example:
    >>> folder = train_classifier("mnist", "runs/classifiers/mnist", data_dir="../shared/data")  # doctest: +SKIP
    """
    if dataset not in CONFIGS:
        raise ValueError(
            f"`dataset` must be one of {tuple(CONFIGS)} (TFD uses fer2013's). Received: dataset={dataset!r}"
        )
    config = CONFIGS[dataset] if epochs is None else dataclasses.replace(CONFIGS[dataset], epochs=epochs)
    run_dir = Path(run_dir)
    out = Path(out) if out is not None else Path("saved_models") / "classifiers" / dataset
    run_dir.mkdir(parents=True, exist_ok=True)
    train_x, train_y = datasets.load_numpy(dataset, "train", data_dir=data_dir)
    valid_x, valid_y = datasets.load_numpy(dataset, "valid", data_dir=data_dir)
    steps = len(train_x) // config.batch_size

    keras.utils.set_random_seed(seed)
    model = build_classifier(dataset, flip_average=False)  # `_write_classifier_folder` wraps it as `config` says
    trainable = keras.Model(model.input, model.get_layer("probabilities").input)
    warmup = int(config.warmup_fraction * config.epochs * steps)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, config.epochs * steps - warmup, warmup_target=config.learning_rate, warmup_steps=warmup
    )
    optimizer = keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True, weight_decay=config.weight_decay)
    optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])
    trainable.compile(
        optimizer,
        keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=config.label_smoothing),
        metrics=["accuracy"],
    )
    num_classes = datasets.DATASETS[dataset].num_classes
    backup = keras.callbacks.BackupAndRestore(run_dir / "backup", double_checkpoint=True, delete_checkpoint=False)
    metadata_path = Path(backup._training_metadata_path)
    first_epoch = json.loads(metadata_path.read_text())["epoch"] if metadata_path.exists() else 0
    timer = _EpochTimer(run_dir / "wall_time.json")
    if first_epoch < config.epochs:
        trainable.fit(
            _epoch_batches(train_x, train_y, num_classes, config, seed, first_epoch),
            validation_data=(valid_x, keras.ops.one_hot(valid_y, num_classes)),
            validation_batch_size=1000,
            epochs=config.epochs,
            initial_epoch=first_epoch,
            steps_per_epoch=steps,
            shuffle=False,  # each epoch's order is `_epoch_batches`'
            callbacks=[timer, backup, keras.callbacks.CSVLogger(run_dir / "log.csv", append=True)],
            verbose=verbose,
        )
    else:
        trainable.optimizer.build(trainable.trainable_variables)  # so that its saved state loads too
        trainable.load_weights(backup._weights_path)
    return _write_classifier_folder(dataset, config, model, out, run_dir, data_dir, seed, len(train_x), valid_x,
                                    valid_y)


def _epoch_batches(images, labels, num_classes, config, seed, first_epoch) -> "tf.data.Dataset":
    """Augmented one-hot batches from `first_epoch` on, each epoch's order and shifts fixed by `(seed, epoch)`."""
    n = len(images)
    steps = n // config.batch_size
    data = tf.Variable(images, trainable=False)  # by reference: no copy inside the graph
    targets = tf.constant(np.eye(num_classes, dtype="float32")[labels])
    height, width = images.shape[1:3]

    def augment(batch, key):
        if config.flip:
            flips = tf.random.stateless_uniform([tf.shape(batch)[0], 1, 1, 1], seed=key) < 0.5
            batch = tf.where(flips, batch[:, :, ::-1], batch)
        if config.shift:
            shifts = tf.random.stateless_uniform(
                [tf.shape(batch)[0], 2], seed=key + 1, minval=-config.shift, maxval=config.shift + 1, dtype="int32"
            )
            shifts = tf.cast(shifts, "float32")
            ones, zeros = tf.ones_like(shifts[:, :1]), tf.zeros_like(shifts[:, :1])
            transforms = tf.concat([ones, zeros, shifts[:, :1], zeros, ones, shifts[:, 1:], zeros, zeros], axis=1)
            batch = tf.raw_ops.ImageProjectiveTransformV3(
                images=batch, transforms=transforms, output_shape=[height, width], fill_value=0.0,
                interpolation="NEAREST", fill_mode="REFLECT",
            )
        return batch

    def one_epoch(epoch):
        order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=tf.stack([tf.cast(seed, "int64"), epoch]))
        batches = tf.data.Dataset.from_tensor_slices(tf.reshape(order[: steps * config.batch_size], [steps, -1]))
        return batches.enumerate().map(
            lambda step, index: (
                augment(tf.gather(data, index), tf.stack([epoch * steps + step, tf.cast(seed, "int64")])),
                tf.gather(targets, index),
            )
        )

    return tf.data.Dataset.range(first_epoch, config.epochs).flat_map(one_epoch).prefetch(2)


class _EpochTimer(keras.callbacks.Callback):
    """Adds each epoch's wall time to a JSON file, so that a resumed run's total covers every session."""

    def __init__(self, path: Path):
        super().__init__()
        self.path = path

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        record = json.loads(self.path.read_text()) if self.path.exists() else {"seconds": 0.0}
        record["seconds"] = round(record["seconds"] + time.monotonic() - self._start, 1)
        atomic_write_json(record, self.path)


def _machine() -> str:
    """This machine in words, with its processor's model name where Linux names it."""
    cpuinfo = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
             if line.startswith("model name")] if cpuinfo.exists() else []
    processor = names[0] if names else platform.machine()
    return f"{processor} ({platform.machine()}), {os.cpu_count()} CPU cores, {platform.system()}"


def _write_classifier_folder(dataset, config, model, out, run_dir, data_dir, seed, n_train, valid_x, valid_y) -> Path:
    """Measure the trained classifier and write `out` whole (see `train_classifier`)."""
    source = datasets.source_fingerprint(dataset, data_dir)
    wall = run_dir / "wall_time.json"
    command = (f"keras-gan train-classifier {dataset} --epochs {config.epochs} --seed {seed} --data-dir DATA "
               f"--run {run_dir.as_posix()} --out {out.as_posix()}")
    record = {
        "dataset": dataset,
        "measures": sorted(k for k, v in CLASSIFIER_OF.items() if v == dataset),
        "data_source": source[0] if source else "tensorflow-datasets",
        "data_sha256": source[1] if source else None,
        "data_splits": {"train": n_train},
        "seed": seed,
        "command": command,
        "wall_time_seconds": json.loads(wall.read_text())["seconds"] if wall.exists() else None,
        "hardware": _machine(),
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
    }
    log = run_dir / "log.csv"
    return _measure_and_write(model, config, record, out, data_dir, (valid_x, valid_y),
                              log.read_bytes() if log.exists() else None)


def _measure_and_write(network, config, record, out, data_dir, valid, log: Optional[bytes]) -> Path:
    """Wrap the trained `network` as `config` says, measure it (test once) and write `out` whole with `record`.

    Measures the validation accuracy (and, for a `flip_averaged` model, the
    trained network's own, one view per image), then the test accuracy of the
    shipped model, and writes `classifier.keras`, `log.csv` (when `log` is
    given), `metadata.json` (`record` with the files, sizes and accuracies)
    and `model_card.md`.
    """
    test_x, test_y = datasets.load_numpy(record["dataset"], "test", data_dir=data_dir)
    model = flip_averaged(network) if config.flip_average else network
    record = {key: value for key, value in record.items() if key != "single_view_valid_accuracy"}
    if config.flip_average:
        record["single_view_valid_accuracy"] = accuracy(network, *valid)
    record.update(
        config=dataclasses.asdict(config),
        data_splits={**record["data_splits"], "valid": len(valid[1]), "test": len(test_y)},
        valid_accuracy=accuracy(model, *valid),
        test_accuracy=accuracy(model, test_x, test_y),
        parameters=model.count_params(),
        embedding_dim=int(model.get_layer("embedding").output.shape[-1]),
    )
    with atomic_folder(out) as folder:
        atomic_save_model(model, folder / CLASSIFIER_FILE)
        if log is not None:
            atomic_write(folder / "log.csv", lambda f: f.write(log))
        record["files"] = {"classifier": {"path": CLASSIFIER_FILE, "sha256": sha256(folder / CLASSIFIER_FILE),
                                          "bytes": (folder / CLASSIFIER_FILE).stat().st_size}}
        atomic_write_json(record, folder / "metadata.json")
        atomic_write(folder / "model_card.md", lambda f: f.write(_model_card(record).encode()))
    return out


def finish_classifier(dataset: str, folder=None, data_dir=None) -> Path:
    """Rewrap a shipped classifier's trained network as `CONFIGS[dataset]` says, measure it again, rewrite its folder.

    For the finishing steps that need no training (today `flip_average`):
    takes the trained network out of the folder's `classifier.keras`
    (`trained_network`), wraps it as the current config says, measures the
    validation accuracy (one view and, where wrapped, the flip average), then
    the test accuracy, and rewrites the folder whole: `classifier.keras`,
    `metadata.json` (new sha256, bytes, config, accuracies and this command
    as `finish_command`; the training record kept) and `model_card.md`.

    Args:
        dataset: str. `"mnist"`, `"cifar10"` or `"fer2013"`.
        folder: str, Path or None. The classifier's folder. Defaults to None,
            the package's `saved_models/classifiers/<dataset>`.
        data_dir: str, Path or None. Folder with the dataset files. Defaults to None.

    Returns:
        The classifier's folder.

    Example:
    >>> finish_classifier("cifar10", data_dir="../shared/data")  # doctest: +SKIP
    """
    if dataset not in CONFIGS:
        raise ValueError(f"`dataset` must be one of {tuple(CONFIGS)}. Received: dataset={dataset!r}")
    default = folder is None
    folder = classifier_folder(dataset) if default else Path(folder)
    record = json.loads((folder / "metadata.json").read_text())
    source = datasets.source_fingerprint(dataset, data_dir)
    if source and record.get("data_sha256") and source[1] != record["data_sha256"]:
        raise ValueError(f"The {dataset} data in {data_dir} has sha256 {source[1]}; the classifier in {folder} was "
                         f"trained and measured on {record['data_sha256']}. Point `data_dir` at that data.")
    network = trained_network(_load_checked(folder, dataset))
    config = dataclasses.replace(ClassifierConfig(**record["config"]), flip_average=CONFIGS[dataset].flip_average)
    record["finish_command"] = (f"python -m keras_gan.evaluation.classifiers finish {dataset} --data-dir DATA"
                                + ("" if default else f" --folder {folder.as_posix()}"))
    log = folder / "log.csv"
    valid = datasets.load_numpy(dataset, "valid", data_dir=data_dir)
    return _measure_and_write(network, config, record, folder, data_dir, valid,
                              log.read_bytes() if log.exists() else None)


def _model_card(record: dict) -> str:
    """The classifier's model card, from its metadata."""
    config, splits, file = record["config"], record["data_splits"], record["files"]["classifier"]
    network = f"ResNet-9 at first-layer width {config['width']}"
    if config["early_pool"]:
        network += ", halving the resolution after the first convolution"
    if config["standardize"]:
        network += ", each image standardised first"
    network += f", logits scaled by {config['logit_scale']}"
    if config.get("flip_average"):
        network += ("; the shipped model averages the embedding and probabilities over each image and its mirror "
                    "image (`flip_averaged`), adopted because it raised the validation accuracy")
    augmentation = f"random shifts of up to {config['shift']} pixels (reflected borders)"
    if config["flip"]:
        augmentation += " and horizontal flips"
    measures = ", ".join(f"`{name}`" for name in record["measures"])
    valid = f"| {splits['valid']:,} | {100 * record['valid_accuracy']:.2f}% |"
    if config.get("flip_average"):
        rows = [f"| valid, trained network alone (monitored every epoch) | {splits['valid']:,} | "
                f"{100 * record['single_view_valid_accuracy']:.2f}% |",
                f"| valid, shipped model (mean over image and mirror) {valid}"]
    else:
        rows = [f"| valid (monitored every epoch) {valid}"]
    finish = f"\n- **Finished by:** `{record['finish_command']}`." if record.get("finish_command") else ""
    table = "\n".join(rows)
    return f"""# The `{record['dataset']}` feature classifier

The frozen classifier whose penultimate layer (`embedding`, {record['embedding_dim']} values) and class
probabilities `keras_gan.evaluation.sample_quality` measures samples of {measures} with
(`keras_gan.evaluation.classifiers`). {record['parameters']:,} parameters,
`{file['path']}` {file['bytes']:,} bytes, sha256 `{file['sha256']}`.

| split | images | accuracy |
|---|---|---|
{table}
| **test (measured once, after training)** | {splits['test']:,} | **{100 * record['test_accuracy']:.2f}%** |

- **Network:** {network}.
- **Training:** {config['epochs']} epochs on the {splits['train']:,} training images, batch {config['batch_size']},
  SGD with Nesterov momentum 0.9, learning rate warmed up linearly to {config['learning_rate']} over the first
  {100 * config['warmup_fraction']:.0f}% of the steps then cosine-decayed to 0, weight decay {config['weight_decay']},
  label smoothing {config['label_smoothing']}, {augmentation}.
- **Data:** `{record['data_source']}`, sha256 `{record['data_sha256']}`.
- **Command:** `{record['command']}` (seed {record['seed']}).{finish}
- **Wall time:** {record['wall_time_seconds']} s of training epochs (other jobs on the machine slow them) on
  {record['hardware']}; Keras {record['keras_version']}, TensorFlow {record['tensorflow_version']}.
- **Log:** `log.csv` (training loss and accuracy, validation loss and accuracy per epoch).
"""


def main(argv=None) -> None:
    """`python -m keras_gan.evaluation.classifiers finish DATASET --data-dir DATA`: run `finish_classifier`.

    Args:
        argv: list of str or None. Command-line words. Defaults to None, `sys.argv[1:]`.

    Example:
    >>> main(["finish", "cifar10", "--data-dir", "../shared/data"])  # doctest: +SKIP
    """
    parser = argparse.ArgumentParser(prog="python -m keras_gan.evaluation.classifiers",
                                     description="Maintenance of the shipped feature classifiers.")
    commands = parser.add_subparsers(dest="command", required=True)
    finish = commands.add_parser("finish", help="rewrap a shipped classifier as its config says and measure it again")
    finish.add_argument("dataset", choices=tuple(CONFIGS))
    finish.add_argument("--data-dir", help="folder with the dataset files (default $KERAS_GAN_DATA_DIR)")
    finish.add_argument("--folder", help="classifier folder (default: the package's saved_models/classifiers/DATASET)")
    args = parser.parse_args(argv)
    folder = finish_classifier(args.dataset, args.folder, args.data_dir)
    record = json.loads((folder / "metadata.json").read_text())
    single = record.get("single_view_valid_accuracy")
    print(f"wrote {folder}: valid accuracy {100 * record['valid_accuracy']:.2f}%"
          + (f" (trained network alone {100 * single:.2f}%)" if single is not None else "")
          + f", test accuracy {100 * record['test_accuracy']:.2f}%")


if __name__ == "__main__":
    from keras_gan.evaluation import classifiers  # the package's copy, whose layers are the registered ones

    classifiers.main()
