"""`image_folder`: a `tf.data` pipeline over any folder of images, e.g. your own data."""

from pathlib import Path
from typing import Optional, Tuple, Union

from PIL import Image, UnidentifiedImageError

from keras_gan._tf import lazy_tensorflow
from keras_gan.datasets._images import IMAGE_EXTENSIONS, decode_image
from keras_gan.datasets._sources import PathLike

tf = lazy_tensorflow("Reading a folder of images")

ImageSize = Union[int, Tuple[int, int]]


def image_folder(
    path: PathLike,
    image_size: Optional[ImageSize] = None,
    grayscale: bool = False,
    batch_size: Optional[int] = None,
    shuffle: bool = False,
    seed: Optional[int] = None,
) -> "tf.data.Dataset":
    """Stream every image under a folder as float32 `(height, width, channels)`.

    Files are found recursively (`.png`, `.jpg`, `.jpeg`, `.bmp`, `.gif`;
    GIFs give their first frame) and taken in sorted path order. Pixels are
    k/255 in [0, 1]. Images are decoded on every pass, in parallel, so large
    folders need not fit in memory.

    Args:
        path: str or Path. Folder to search.
        image_size: int, `(height, width)` or None. Resize every image to this
            size (bilinear, antialiased). None requires all images to have the
            same size, which is checked up front. Defaults to None.
        grayscale: bool. Convert to one grey channel instead of RGB. Defaults
            to False.
        batch_size: int or None. Batch size; None yields single images.
            Defaults to None.
        shuffle: bool. Shuffle all files, anew each epoch. Defaults to False.
        seed: int or None. Shuffle seed; with a seed the sequence of epochs is
            reproducible. Defaults to None.

    Returns:
        A `tf.data.Dataset` of float32 images (batched if `batch_size`).

    Raises:
        FileNotFoundError: `path` is not a folder or holds no images.
        ValueError: sizes differ and no `image_size` is given, a file cannot
            be read as an image, or `image_size` is invalid.

    Example:
    >>> import numpy as np, tempfile
    >>> from PIL import Image
    >>> folder = tempfile.mkdtemp()
    >>> Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(f"{folder}/a.png")
    >>> next(iter(image_folder(folder, batch_size=1))).shape
    TensorShape([1, 8, 8, 3])
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"`path` must be an existing folder of images. Received: path='{path}'"
        )
    files = sorted(
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
    )
    if not files:
        raise FileNotFoundError(
            f"No images in {folder}: searched it recursively for files ending "
            f"in {', '.join(IMAGE_EXTENSIONS)}; add images or pass the folder that holds them."
        )
    height, width = (
        _common_size(folder, files) if image_size is None else _as_size(image_size)
    )
    channels = 1 if grayscale else 3

    def load_image(file: "tf.Tensor") -> "tf.Tensor":
        image = tf.cast(decode_image(tf.io.read_file(file), channels), tf.float32)
        image = image / 255.0
        if image_size is not None:
            # Antialiased bilinear weights are non-negative: stays in [0, 1].
            image = tf.image.resize(image, (height, width), antialias=True)
        return tf.ensure_shape(image, (height, width, channels))

    dataset = tf.data.Dataset.from_tensor_slices([str(p) for p in files])
    if shuffle:
        # Shuffling file names, not decoded images, keeps the buffer small.
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.map(load_image, num_parallel_calls=tf.data.AUTOTUNE)
    if batch_size is not None:
        dataset = dataset.batch(batch_size)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _as_size(image_size: ImageSize) -> Tuple[int, int]:
    """Validate `image_size` and return it as `(height, width)`."""
    size = (image_size, image_size) if isinstance(image_size, int) else image_size
    if (
        not isinstance(size, (tuple, list))
        or len(size) != 2
        or not all(isinstance(s, int) and s > 0 for s in size)
    ):
        raise ValueError(
            "`image_size` must be a positive int or a (height, width) pair of "
            f"positive ints. Received: image_size={image_size!r}"
        )
    return tuple(size)


def _common_size(folder: Path, files: list) -> Tuple[int, int]:
    """Return the `(height, width)` all `files` share, reading only headers."""
    first_size = None
    for file in files:
        try:
            with Image.open(file) as image:
                width, height = image.size
        except (UnidentifiedImageError, OSError) as error:
            raise ValueError(f"Cannot read {file} as an image ({error}): remove or replace it.") from error
        if first_size is None:
            first_size, first_file = (height, width), file
        elif (height, width) != first_size:
            raise ValueError(
                f"Images in {folder} differ in size: {first_file.name} is "
                f"{first_size[1]}x{first_size[0]} but {file.name} is "
                f"{width}x{height} (width x height). Pass "
                "`image_size=(height, width)` to resize them all."
            )
    return first_size
