"""Training the feature classifiers of `keras_gan.evaluation.classifiers`: `keras-gan train-classifier DATASET`.

The workflow beside `keras_gan.training`, on the package's own parts: the
batch order of `keras_gan.datasets.pipeline.epoch_indices` (each epoch's
order fixed by `(seed, epoch)`) with the classifier's augmentation on top,
the verified checkpoint of `keras_gan.checkpoints` (resumable, checked before
it is loaded, one writer per run folder), `callbacks.WallTime` and
`records.machine_description` for the time and machines in the record.
`train_classifier` trains with `CONFIGS[dataset]` (SGD with Nesterov
momentum, a linear warm-up then cosine decay of the learning rate, label
smoothing, weight decay, random shifts and, except for digits, horizontal
flips) and writes the shippable folder: `classifier.keras`, `metadata.json`
and `model_card.md`.

`python -m keras_gan.classifier_training finish DATASET --data-dir DATA`
(`finish_classifier`) wraps a shipped classifier's trained network as its
config says today (`flip_averaged` for CIFAR-10) and rewrites its folder,
measuring the validation and test accuracy again.
"""

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Optional

import keras
import numpy as np

from keras_gan import datasets, records
from keras_gan._io import atomic_folder, atomic_save_model, atomic_write, atomic_write_json, sha256
from keras_gan._tf import lazy_tensorflow
from keras_gan.callbacks import RunLog, WallTime
from keras_gan.checkpoints import VerifiedBackupAndRestore, lock_run_folder
from keras_gan.datasets.pipeline import epoch_indices
from keras_gan.evaluation.classifiers import (
    CLASSIFIER_FILE,
    CLASSIFIER_OF,
    CONFIGS,
    ClassifierConfig,
    accuracy,
    build_classifier,
    classifier_folder,
    flip_averaged,
    load_classifier_folder,
    trained_network,
)

tf = lazy_tensorflow("Training a feature classifier")

# The run folder's record of the training time and machines, which `WallTime` adds to at every epoch end.
_TIME_RECORD = "wall_time.json"


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
    verified checkpoint in `run_dir/backup`, so that calling it again resumes
    an interrupted run (the batches and shifts of every epoch are fixed by
    `(seed, epoch)`); one process at a time holds `run_dir`. When training is done it measures the validation and,
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
    with lock_run_folder(run_dir):
        return _train(dataset, config, run_dir, out, data_dir, seed, verbose)


def _train(dataset: str, config: ClassifierConfig, run_dir: Path, out: Path, data_dir, seed: int, verbose: int) -> Path:
    """`train_classifier`'s work, holding the run folder."""
    train_x, train_y = datasets.load_numpy(dataset, "train", data_dir=data_dir)
    valid_x, valid_y = datasets.load_numpy(dataset, "valid", data_dir=data_dir)
    steps = len(train_x) // config.batch_size

    keras.utils.set_random_seed(seed)
    model = build_classifier(dataset, flip_average=False)  # `_measure_and_write` wraps it as `config` says
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
    backup = VerifiedBackupAndRestore(run_dir / "backup", double_checkpoint=True, delete_checkpoint=False)
    first_epoch = backup.verify()
    time_record = run_dir / _TIME_RECORD
    if not time_record.exists():
        atomic_write_json({}, time_record)
    if first_epoch < config.epochs:
        trainable.fit(
            _augmented_batches(train_x, train_y, num_classes, config, seed, first_epoch),
            validation_data=(valid_x, keras.ops.one_hot(valid_y, num_classes)),
            validation_batch_size=1000,
            epochs=config.epochs,
            initial_epoch=first_epoch,
            steps_per_epoch=steps,
            shuffle=False,  # each epoch's order is `_augmented_batches`'
            callbacks=[WallTime(time_record), backup, RunLog(run_dir / "log.csv")],
            verbose=verbose,
        )
    else:
        trainable.optimizer.build(trainable.trainable_variables)  # so that its saved state loads too
        trainable.load_weights(backup._weights_path)
    source = datasets.source_fingerprint(dataset, data_dir)
    timing = json.loads(time_record.read_text())
    record = {
        "dataset": dataset,
        "measures": sorted(k for k, v in CLASSIFIER_OF.items() if v == dataset),
        "data_source": source[0] if source else "tensorflow-datasets",
        "data_sha256": source[1] if source else None,
        "data_splits": {"train": len(train_x)},
        "seed": seed,
        "command": (f"keras-gan train-classifier {dataset} --epochs {config.epochs} --seed {seed} --data-dir DATA "
                    f"--run {run_dir.as_posix()} --out {out.as_posix()}"),
        "wall_time_seconds": timing.get("wall_time_seconds"),
        "hardware": "; ".join(timing.get("hardware", [records.machine_description()])),
        "keras_version": keras.__version__,
        "tensorflow_version": records.tensorflow_version(),
    }
    log = run_dir / "log.csv"
    return _measure_and_write(model, config, record, out, data_dir, (valid_x, valid_y),
                              log.read_bytes() if log.exists() else None)


def _augmented_batches(images, labels, num_classes, config, seed, first_epoch) -> "tf.data.Dataset":
    """Augmented one-hot batches from `first_epoch` on, in `epoch_indices`' order, each step's augmentation fixed."""
    steps = len(images) // config.batch_size
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

    indices = epoch_indices(len(images), config.batch_size, seed, first_epoch, config.epochs)
    # Numbered from the run's first step, so that a resumed run draws the shifts an uninterrupted one would.
    return indices.enumerate(start=first_epoch * steps).map(
        lambda step, index: (
            augment(tf.gather(data, index), tf.stack([step, tf.cast(seed, "int64")])),
            tf.gather(targets, index),
        )
    ).prefetch(2)


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
    network = trained_network(load_classifier_folder(folder, dataset))
    config = dataclasses.replace(ClassifierConfig(**record["config"]), flip_average=CONFIGS[dataset].flip_average)
    record["finish_command"] = (f"python -m keras_gan.classifier_training finish {dataset} --data-dir DATA"
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
    """`python -m keras_gan.classifier_training finish DATASET --data-dir DATA`: run `finish_classifier`.

    Args:
        argv: list of str or None. Command-line words. Defaults to None, `sys.argv[1:]`.

    Example:
    >>> main(["finish", "cifar10", "--data-dir", "../shared/data"])  # doctest: +SKIP
    """
    parser = argparse.ArgumentParser(prog="python -m keras_gan.classifier_training",
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
    main()
