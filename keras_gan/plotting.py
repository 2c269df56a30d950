"""Tiling image batches into one grid image and saving it as PNG, and plain line plots.

`image_grid` lays out NHWC images (grey or RGB, float in [0, 1] or uint8)
in rows and columns; `save_image` writes one image as a PNG without ever
leaving a half-written file; `save_grid` does both. `save_line_plot` draws
training curves with Pillow alone (matplotlib is not a dependency).
"""

import math
from pathlib import Path
from typing import Optional, Tuple, Union

import numpy as np
from PIL import Image, ImageDraw

from keras_gan._io import atomic_write

PathLike = Union[str, Path]


def image_grid(
    images: np.ndarray,
    rows: Optional[int] = None,
    cols: Optional[int] = None,
    padding: int = 1,
    pad_value: float = 1.0,
) -> np.ndarray:
    """Tile a batch of images into one image.

    Images fill the grid row by row; cells left over stay `pad_value`.
    `padding` pixels separate the images and frame the grid.

    Args:
        images: array-like. `(N, H, W)`, `(N, H, W, 1)` or `(N, H, W, 3)`;
            float in [0, 1] or uint8. Tensors are converted.
        rows: int or None. Number of rows; None derives it from `cols`, or
            makes the grid as square as possible. Defaults to None.
        cols: int or None. Number of columns; None derives it from `rows`.
            Defaults to None.
        padding: int. Pixels between and around images. Defaults to 1.
        pad_value: float. Padding brightness in [0, 1]. Defaults to 1.0
            (white).

    Returns:
        `(rows * (H + padding) + padding, cols * (W + padding) + padding, C)`
        array with C = 1 or 3, of the input's dtype (float32 for floats).

    Raises:
        ValueError: wrong rank or channel count, NaN or values outside
            [0, 1], an empty batch, or a grid too small for the batch.

    Example:
    >>> grid = image_grid(np.zeros((10, 28, 28, 1)), cols=5)
    >>> grid.shape
    (59, 146, 1)
    """
    images = np.asarray(images)  # Also takes tensors.
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or images.size == 0:
        raise ValueError(
            "`images` must be a non-empty batch of shape (N, H, W), "
            f"(N, H, W, 1) or (N, H, W, 3). Received: shape={images.shape}"
        )
    images = _checked_pixels(images, "images")
    count, height, width, channels = images.shape
    rows, cols = _grid_shape(count, rows, cols)
    if not isinstance(padding, int) or padding < 0:
        raise ValueError(
            f"`padding` must be a non-negative int. Received: padding={padding!r}"
        )
    if not 0.0 <= pad_value <= 1.0:
        raise ValueError(
            f"`pad_value` must be in [0, 1]. Received: pad_value={pad_value!r}"
        )
    fill = round(pad_value * 255) if images.dtype == np.uint8 else pad_value
    grid_height = rows * (height + padding) + padding
    grid_width = cols * (width + padding) + padding
    grid = np.full((grid_height, grid_width, channels), fill, dtype=images.dtype)
    for index, image in enumerate(images):
        top = padding + (index // cols) * (height + padding)
        left = padding + (index % cols) * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid


def save_image(image: np.ndarray, path: PathLike) -> Path:
    """Save one image as a PNG, atomically, creating parent folders.

    Floats in [0, 1] are stored as round(255 x), so k/255 values round-trip
    exactly.

    Args:
        image: array-like. `(H, W)`, `(H, W, 1)` or `(H, W, 3)`; float in
            [0, 1] or uint8.
        path: str or Path. Destination; must end in `.png`.

    Returns:
        The path written.

    Raises:
        ValueError: bad shape, NaN or values outside [0, 1], or a path that
            does not end in `.png`.

    Example:
    >>> import tempfile
    >>> path = save_image(np.ones((4, 4)), f"{tempfile.mkdtemp()}/white.png")
    >>> path.name
    'white.png'
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(
            f"`path` must end in '.png' (images are saved losslessly). "
            f"Received: path='{path}'"
        )
    pixels = np.asarray(image)
    if pixels.ndim == 2:
        pixels = pixels[..., np.newaxis]
    if pixels.ndim != 3 or pixels.shape[-1] not in (1, 3) or pixels.size == 0:
        raise ValueError(
            "`image` must have shape (H, W), (H, W, 1) or (H, W, 3). "
            f"Received: shape={np.shape(image)}"
        )
    pixels = _checked_pixels(pixels, "image")
    if pixels.dtype != np.uint8:
        pixels = np.rint(pixels * 255).astype(np.uint8)
    png = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
    return atomic_write(path, lambda f: png.save(f, format="PNG"))


def save_grid(
    images: np.ndarray,
    path: PathLike,
    rows: Optional[int] = None,
    cols: Optional[int] = None,
    padding: int = 1,
    pad_value: float = 1.0,
) -> Path:
    """Tile a batch with `image_grid` and save it with `save_image`.

    Args:
        images: array-like. See `image_grid`.
        path: str or Path. Destination; must end in `.png`.
        rows: int or None. See `image_grid`. Defaults to None.
        cols: int or None. See `image_grid`. Defaults to None.
        padding: int. See `image_grid`. Defaults to 1.
        pad_value: float. See `image_grid`. Defaults to 1.0.

    Returns:
        The path written.

    Example:
    >>> import tempfile
    >>> samples = np.random.default_rng(0).random((16, 28, 28, 1))
    >>> save_grid(samples, f"{tempfile.mkdtemp()}/samples.png").suffix
    '.png'
    """
    grid = image_grid(
        images, rows=rows, cols=cols, padding=padding, pad_value=pad_value
    )
    return save_image(grid, path)


# Line colours, in order: blue, orange, green, red.
_COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40))


def save_line_plot(
    series: dict,
    path: PathLike,
    title: str = "",
    x_label: str = "",
    size: Tuple[int, int] = (640, 400),
) -> Path:
    """Draw curves on labelled axes and save them as a PNG.

    A minimal plot for training curves: a frame, the extreme and middle
    values on each axis, one coloured line per series and a legend.

    Args:
        series: dict. `{label: (x, y)}`, at most 4 series of 1-D arrays of
            equal length; points whose x or y is not finite are left out.
        path: str or Path. Destination; must end in `.png`.
        title: str. Text above the plot. Defaults to "".
        x_label: str. Text under the x axis. Defaults to "".
        size: `(width, height)` in pixels. Defaults to `(640, 400)`.

    Returns:
        The path written.

    Raises:
        ValueError: no series, more than 4, or no finite point at all.

    Example:
    >>> import tempfile
    >>> save_line_plot({"loss": ([1, 2, 3], [3.0, 2.0, 2.5])},
    ...                f"{tempfile.mkdtemp()}/loss.png").name
    'loss.png'
    """
    if not 1 <= len(series) <= len(_COLOURS):
        raise ValueError(
            f"`series` must hold 1 to {len(_COLOURS)} curves. Received: {len(series)} curves"
        )
    curves = {}
    for label, (x, y) in series.items():
        x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError(
                f"Each series must be two 1-D arrays of equal length. Received: "
                f"{label!r} with shapes {x.shape} and {y.shape}"
            )
        finite = np.isfinite(x) & np.isfinite(y)
        curves[label] = (x[finite], y[finite])
    points = np.concatenate([np.stack(c, axis=1) for c in curves.values()])
    if len(points) == 0:
        raise ValueError("`series` holds no finite point to draw: pass curves with at least one finite (x, y).")
    low, high = points.min(axis=0), points.max(axis=0)
    high = np.where(high > low, high, low + 1.0)
    width, height = size
    left, right, top, bottom = 70, width - 20, 30, height - 40
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)

    def position(x, y):
        return (
            left + (x - low[0]) / (high[0] - low[0]) * (right - left),
            bottom - (y - low[1]) / (high[1] - low[1]) * (bottom - top),
        )

    # Enough decimals for the labels of each axis to differ: 2 significant digits of its span.
    decimals = np.maximum(0, 2 - np.floor(np.log10(high - low))).astype(int)
    draw.rectangle((left, top, right, bottom), outline="black")
    for fraction in (0.0, 0.5, 1.0):
        x, y = low + fraction * (high - low)
        column, row = position(x, y)
        draw.text((column, bottom + 4), f"{x:.{decimals[0]}f}", fill="black", anchor="ma")
        draw.text((left - 4, row), f"{y:.{decimals[1]}f}", fill="black", anchor="rm")
    draw.text((width / 2, 8), title, fill="black", anchor="ma")
    draw.text(((left + right) / 2, height - 16), x_label, fill="black", anchor="ma")
    for index, (colour, (label, (x, y))) in enumerate(zip(_COLOURS, curves.items())):
        xy = [position(*point) for point in zip(x, y)]
        if len(xy) == 1:
            column, row = xy[0]
            draw.ellipse((column - 2, row - 2, column + 2, row + 2), fill=colour)
        else:
            draw.line(xy, fill=colour, width=2)
        draw.text((left + 8, top + 6 + 14 * index), label, fill=colour)
    return save_image(np.asarray(image), path)


def _grid_shape(
    count: int, rows: Optional[int], cols: Optional[int]
) -> Tuple[int, int]:
    """Return `(rows, cols)` for `count` images, as square as possible by default."""
    for name, value in (("rows", rows), ("cols", cols)):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(
                f"`{name}` must be a positive int or None. "
                f"Received: {name}={value!r}"
            )
    if rows is None and cols is None:
        cols = math.ceil(math.sqrt(count))
    if rows is None:
        rows = math.ceil(count / cols)
    elif cols is None:
        cols = math.ceil(count / rows)
    if rows * cols < count:
        raise ValueError(
            f"A {rows} x {cols} grid cannot hold {count} images: raise `rows` "
            f"or `cols`, or leave one of them None. Received: rows={rows}, "
            f"cols={cols}"
        )
    return int(rows), int(cols)


def _checked_pixels(array: np.ndarray, what: str) -> np.ndarray:
    """Return uint8 `array` as is, or as float32 after checking it is in [0, 1]."""
    if array.dtype == np.uint8:
        return array
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"`{what}` must hold real numbers. Received: dtype={array.dtype}"
        )
    array = array.astype(np.float32)
    if np.isnan(array).any():
        raise ValueError(
            f"`{what}` contains NaN (has the model diverged?): pass finite values in [0, 1]."
        )
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(
            f"`{what}` values must be in [0, 1]: rescale or `np.clip` them "
            f"first. Received: min={low}, max={high}"
        )
    return array
