"""Tests for `keras_gan.plotting`: grid layout, validation and PNG round trips."""

import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gan import plotting


def numbered(count, height=2, width=3, channels=1):
    """Images whose every pixel holds the image's index / 10."""
    values = np.arange(count, dtype=np.float32) / 10
    return np.broadcast_to(
        values[:, None, None, None], (count, height, width, channels)
    ).copy()


def test_grid_places_images_row_by_row_with_padding():
    grid = plotting.image_grid(numbered(5), cols=3, padding=1, pad_value=1.0)
    assert grid.shape == (2 * 3 + 1, 3 * 4 + 1, 1) and grid.dtype == np.float32
    for index in range(5):
        top, left = 1 + (index // 3) * 3, 1 + (index % 3) * 4
        np.testing.assert_array_equal(
            grid[top : top + 2, left : left + 3], np.float32(index / 10)
        )
    assert (grid[0] == 1.0).all() and (grid[:, 4] == 1.0).all()  # padding lines
    assert (grid[4:6, 9:12] == 1.0).all()  # the empty sixth cell


@pytest.mark.parametrize(
    "rows, cols, expected",
    [(None, None, (3, 3)), (2, None, (2, 4)), (None, 2, (4, 2)), (1, 7, (1, 7))],
)
def test_grid_shape_is_derived(rows, cols, expected):
    grid = plotting.image_grid(numbered(7), rows=rows, cols=cols, padding=0)
    assert grid.shape[:2] == (expected[0] * 2, expected[1] * 3)


def test_grid_keeps_rgb_uint8_and_takes_tensors():
    images = np.random.default_rng(0).integers(0, 256, (4, 5, 5, 3)).astype(np.uint8)
    grid = plotting.image_grid(images, padding=2, pad_value=0.0)
    assert grid.shape == (16, 16, 3) and grid.dtype == np.uint8
    np.testing.assert_array_equal(grid[9:14, 9:14], images[3])
    np.testing.assert_array_equal(grid[:2], 0)
    grey = plotting.image_grid(tf.zeros((2, 4, 4)), padding=0)
    assert grey.shape == (4, 8, 1)


@pytest.mark.parametrize(
    "images, kwargs, message",
    [
        (np.zeros((2, 4, 4, 2)), {}, r"shape \(N, H, W\).*Received: shape=\(2, 4, 4, 2\)"),
        (np.zeros((4, 4)), {}, r"Received: shape=\(4, 4\)"),
        (np.zeros((0, 4, 4)), {}, "non-empty"),
        (np.full((1, 2, 2), np.nan), {}, "NaN"),
        (np.full((1, 2, 2), 1.5), {}, r"\[0, 1\].*max=1.5"),
        (np.full((1, 2, 2), -0.5), {}, r"min=-0.5"),
        (np.zeros((5, 2, 2)), {"rows": 2, "cols": 2}, "2 x 2 grid cannot hold 5"),
        (np.zeros((5, 2, 2)), {"cols": 0}, r"`cols` must be a positive int"),
        (np.zeros((5, 2, 2)), {"padding": -1}, r"`padding` must be"),
    ],
)
def test_grid_rejects_bad_input(images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plotting.image_grid(images, **kwargs)


@pytest.mark.parametrize("shape", [(7, 5), (7, 5, 1), (7, 5, 3)])
def test_png_round_trip_is_exact(tmp_path, shape):
    levels = np.random.default_rng(1).integers(0, 256, shape).astype(np.uint8)
    path = plotting.save_image(levels / 255, tmp_path / "new" / "dir" / "x.png")
    with Image.open(path) as image:
        restored = np.asarray(image)
    np.testing.assert_array_equal(restored, levels.reshape(restored.shape))
    assert restored.ndim == (2 if len(shape) == 2 or shape[-1] == 1 else 3)
    assert os.listdir(path.parent) == ["x.png"]  # no temporary file left


def test_save_image_rounds_to_the_nearest_level(tmp_path):
    values = np.array([[0.0, 0.3 / 255, 0.7 / 255, 0.999, 1.0]])
    path = plotting.save_image(values, tmp_path / "x.png")
    with Image.open(path) as image:
        np.testing.assert_array_equal(np.asarray(image), [[0, 0, 1, 255, 255]])


def test_save_image_checks_path_and_values(tmp_path):
    with pytest.raises(ValueError, match=r"must end in '.png'"):
        plotting.save_image(np.zeros((2, 2)), tmp_path / "x.jpg")
    with pytest.raises(ValueError, match=r"`image` must have shape.*\(2, 2, 2, 1\)"):
        plotting.save_image(np.zeros((2, 2, 2, 1)), tmp_path / "x.png")
    with pytest.raises(ValueError, match="NaN"):
        plotting.save_image(np.full((2, 2), np.nan), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = plotting.save_image(np.zeros((2, 2)), tmp_path / "x.png")
    before = path.read_bytes()

    def broken_save(self, fp, format=None, **params):
        fp.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        plotting.save_image(np.ones((2, 2)), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["x.png"]


def test_save_grid_writes_the_grid(tmp_path):
    images = numbered(6, channels=3)
    path = plotting.save_grid(images, tmp_path / "grid.png", rows=2, padding=1)
    with Image.open(path) as image:
        saved = np.asarray(image)
    expected = plotting.image_grid(images, rows=2, padding=1)
    np.testing.assert_array_equal(saved, np.rint(expected * 255).astype(np.uint8))


def test_line_plot_draws_finite_points_in_each_series_colour(tmp_path):
    x = np.arange(1, 11)
    y = np.where(x == 5, np.nan, x**2).astype(float)  # a missing estimate is left out
    path = plotting.save_line_plot({"first": (x, y), "second": (x + 10, 100 - y)}, tmp_path / "curve.png",
                                   title="title", x_label="epoch", size=(300, 200))
    pixels = np.asarray(Image.open(path).convert("RGB"))
    assert pixels.shape == (200, 300, 3)
    for colour in plotting._COLOURS[:2]:
        assert (pixels == colour).all(axis=-1).sum() > 50


@pytest.mark.parametrize(
    "series, message",
    [
        ({}, "must hold 1 to 4 curves"),
        ({"a": ([1, 2], [np.nan, np.inf])}, "no finite point"),
        ({"a": ([1, 2], [1.0])}, "two 1-D arrays of equal length"),
    ],
)
def test_line_plot_rejects_what_it_cannot_draw(series, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        plotting.save_line_plot(series, tmp_path / "curve.png")
