"""Decoding image files, shared by the JPEG datasets and `image_folder`.

JPEG and PNG are decoded by TensorFlow (fast, parallel in `tf.data`); other
formats go through Pillow, because TensorFlow's BMP decoder returns palette
indices instead of colours for palette and 1-bit files.
"""

import io
import re
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from keras_gan._tf import lazy_tensorflow
from keras_gan.datasets import _sources

tf = lazy_tensorflow("Decoding image files")

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
SPLITS = ("train", "valid", "test")

_PNG_SIGNATURE = b"\x89PNG"


def decode_image(contents: "tf.Tensor", channels: int) -> "tf.Tensor":
    """Decode one encoded image to a uint8 `(height, width, channels)` tensor.

    Args:
        contents: tf.Tensor. Scalar string: the bytes of a PNG, JPEG, BMP or
            GIF file (first frame).
        channels: int. 1 for grey, 3 for RGB; the image is converted.
    """

    def with_pillow(data: bytes) -> np.ndarray:
        with Image.open(io.BytesIO(data)) as image:
            return np.asarray(image.convert("L" if channels == 1 else "RGB"))

    def other_formats() -> "tf.Tensor":
        image = tf.numpy_function(with_pillow, [contents], tf.uint8, stateful=False)
        return tf.reshape(image, [tf.shape(image)[0], tf.shape(image)[1], channels])

    # TensorFlow's default fast DCT puts pixels up to 5 levels away from
    # libjpeg's (and Pillow's) standard accurate one.
    image = tf.cond(
        tf.io.is_jpeg(contents),
        lambda: tf.io.decode_jpeg(
            contents, channels=channels, dct_method="INTEGER_ACCURATE"
        ),
        lambda: tf.cond(
            tf.strings.substr(contents, 0, len(_PNG_SIGNATURE)) == _PNG_SIGNATURE,
            lambda: tf.io.decode_png(contents, channels=channels),
            other_formats,
        ),
    )
    image.set_shape([None, None, channels])
    return image


def decode_all(files: Sequence[Tuple[str, bytes]], shape: Tuple[int, int, int]) -> np.ndarray:
    """Decode many encoded images of one size into a uint8 `(N, *shape)` array.

    Args:
        files: sequence of `(name, bytes)` pairs. The names are for errors.
        shape: tuple. `(height, width, channels)` every image must have.

    Raises:
        ValueError: an image is corrupt or has another size; names it.
    """
    if not files:
        return np.zeros((0, *shape), np.uint8)

    def decode(data: "tf.Tensor") -> "tf.Tensor":
        return tf.ensure_shape(decode_image(data, shape[-1]), shape)

    dataset = (
        tf.data.Dataset.from_tensor_slices([data for _, data in files])
        .map(decode, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(4096)
    )
    try:
        return np.concatenate([batch.numpy() for batch in dataset])
    except tf.errors.InvalidArgumentError as batch_error:
        failure = batch_error
    # The batched error does not say which file failed: find it, one by one.
    for name, data in files:
        try:
            decode(tf.constant(data))
        except tf.errors.InvalidArgumentError as error:
            failure, failed_name = error, name
            break
    else:
        failed_name = "one of the images"
    # Drop TensorFlow's "{{function_node ...}}" prefix from the message.
    reason = re.sub(r"\{\{.*?\}\}\s*", "", failure.message).strip()
    raise ValueError(f"'{failed_name}' is not a {shape} image ({reason})") from failure


def read_labelled_jpegs(
    source: Path,
    top: str,
    classes: Dict[str, int],
    split_of: Callable[[str, str, int, int], Optional[str]],
    shape: Tuple[int, int, int],
    layout: str,
    how_to_get: str,
) -> _sources.Arrays:
    """Decode a `<top>/<folder>/<class>/<file>.jpg` tree into split arrays.

    Within a split, images are ordered by class, then by file name.

    Args:
        source: Path. The tarball, or the extracted `<top>` folder.
        top: str. The tree's top-level folder name.
        classes: dict. Class folder name to integer label.
        split_of: callable. `(folder, file_name, rank, count) -> split` where
            `rank` is the file's position among the `count` files of its class
            folder in name order; returns None for a file that does not belong.
        shape: tuple. `(height, width, channels)` of every image.
        layout: str. Description of the expected layout, for errors.
        how_to_get: str. Where to obtain the data, for errors.

    Returns:
        dict with `"{split}_images"` (uint8 NHWC) and `"{split}_labels"`
        (int64) for every split, empty where no file belongs to it.
    """
    try:
        files = _sources.read_tree(source, top)
    except ValueError as error:
        raise _sources.invalid_file_error(
            source, str(error), layout, how_to_get
        ) from error
    groups: Dict[Tuple[str, str], list] = {}
    for name in sorted(files):
        parts = name.split("/")
        if Path(name).suffix.lower() not in (".jpg", ".jpeg"):
            continue
        if len(parts) != 3 or parts[1] not in classes:
            raise _sources.invalid_file_error(
                source, f"unexpected image '{top}/{name}'", layout, how_to_get
            )
        groups.setdefault((parts[0], parts[1]), []).append(parts[2])
    if not groups:
        raise _sources.invalid_file_error(
            source, f"no JPEG images under '{top}/'", layout, how_to_get
        )

    members = {split: [] for split in SPLITS}
    for (folder, class_name), names in sorted(
        groups.items(), key=lambda item: (item[0][0], classes[item[0][1]])
    ):
        for rank, file_name in enumerate(names):
            split = split_of(folder, file_name, rank, len(names))
            if split is None:
                raise _sources.invalid_file_error(
                    source,
                    f"unexpected image '{top}/{folder}/{class_name}/{file_name}'",
                    layout,
                    how_to_get,
                )
            members[split].append((f"{folder}/{class_name}/{file_name}", class_name))

    arrays = {}
    for split, entries in members.items():
        try:
            images = decode_all([(name, files[name]) for name, _ in entries], shape)
        except ValueError as error:
            raise _sources.invalid_file_error(
                source, str(error), layout, how_to_get
            ) from error
        arrays[f"{split}_images"] = images
        arrays[f"{split}_labels"] = np.array(
            [classes[c] for _, c in entries], dtype=np.int64
        )
    return arrays
