import keras
import numpy as np
import pytest

from keras_gan.architectures.common import SparseInit
from keras_gan.datasets.output_space import GCNToDisplay, global_contrast_normalize
from keras_gan.layers import MaxoutConv2D, MaxoutDense, OverlapNormalization, UntiedBias, overlap_counts
from tests.helpers import (
    assert_saving_round_trip,
    assert_serialization_round_trip,
    run_initializer_test,
    run_layer_test,
)


def test_maxout_dense_is_max_over_consecutive_affine_pieces():
    layer = MaxoutDense(3, pieces=4, bias_initializer="random_normal")
    x = np.random.default_rng(0).normal(size=(5, 7)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(x))
    w, b = (np.array(v) for v in layer.weights)
    z = x @ w + b
    expected = np.stack([z[:, j * 4 : (j + 1) * 4].max(axis=1) for j in range(3)], axis=1)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_maxout_conv_matches_explicit_pieces_pool_and_partial_window():
    rng = np.random.default_rng(1)
    layer = MaxoutConv2D(2, pieces=3, kernel_size=3, padding=1, pool_size=3, pool_strides=2,
                         bias_initializer="random_normal")
    x = rng.normal(size=(2, 6, 6, 2)).astype("float32")
    out = keras.ops.convert_to_numpy(layer(x))
    w, b = (np.array(v) for v in layer.weights)
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    conv = np.zeros((2, 6, 6, 6))
    for i in range(6):
        for j in range(6):
            conv[:, i, j] = np.einsum("nhwc,hwcf->nf", xp[:, i : i + 3, j : j + 3], w) + b
    maxed = conv.reshape(2, 6, 6, 2, 3).max(axis=-1)
    # cuda-convnet pooling: ceil((6 - 3) / 2) + 1 = 3 windows starting at 0, 2, 4.
    expected = np.zeros((2, 3, 3, 2))
    for i, r in enumerate((0, 2, 4)):
        for j, c in enumerate((0, 2, 4)):
            expected[:, i, j] = maxed[:, r : r + 3, c : c + 3].max(axis=(1, 2))
    assert out.shape == (2, 3, 3, 2) == layer.compute_output_shape((2, 6, 6, 2))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "layer, shape, axes",
    [
        (MaxoutDense(4, 2, max_norm=0.5, kernel_initializer="ones"), (8, 6), (0,)),
        (MaxoutConv2D(2, 2, 3, max_norm=0.5, kernel_initializer="ones"), (2, 5, 5, 3), (0, 1, 2)),
    ],
)
@pytest.mark.slow
def test_max_norm_holds_after_updates(layer, shape, axes):
    model = keras.Sequential([keras.Input(shape[1:]), layer, keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(1.0), "mse")
    x = np.random.default_rng(2).normal(size=shape).astype("float32")
    model.fit(x, np.ones((shape[0], 1)), epochs=2, verbose=0)
    norms = np.sqrt((np.array(layer.kernel) ** 2).sum(axis=axes))
    assert norms.max() <= 0.5 + 1e-5
    assert norms.max() > 0.4  # the initial norms (> 0.5) were clipped, not zeroed


@pytest.mark.parametrize(
    "make, input_shape, output_shape",
    [
        (lambda: MaxoutDense(4, 3, max_norm=1.9365), (2, 5), (2, 4)),
        (lambda: MaxoutConv2D(4, 2, 3, padding=1, pool_size=2, max_norm=0.9), (2, 8, 8, 3), (2, 4, 4, 4)),
        (lambda: UntiedBias(), (2, 4, 4, 3), (2, 4, 4, 3)),
        (lambda: GCNToDisplay(), (2, 4, 4, 3), (2, 4, 4, 3)),
        (lambda: OverlapNormalization(5, 3), (2, 11, 11, 3), (2, 11, 11, 3)),
    ],
    ids=["MaxoutDense", "MaxoutConv2D", "UntiedBias", "GCNToDisplay", "OverlapNormalization"],
)
def test_every_custom_layer_passes_the_layer_checks(make, input_shape, output_shape, tmp_path):
    run_layer_test(make(), input_shape, output_shape, tmp_path)


def test_sparse_init_passes_the_initializer_checks(tmp_path):
    run_initializer_test(SparseInit(3, stddev=0.5, seed=1), (10, 4), tmp_path)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(units=0, pieces=2), "`units` must be a positive integer"),
        (dict(units=3, pieces=0), "`pieces` must be a positive integer"),
        (dict(units=3, pieces=2, max_norm=-1.0), "`max_norm` must be a positive number"),
    ],
)
def test_maxout_dense_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MaxoutDense(**kwargs)


def test_maxout_conv_rejects_negative_padding():
    with pytest.raises(ValueError, match="`padding` must be a non-negative integer"):
        MaxoutConv2D(2, 2, 3, padding=-1)


def test_gcn_to_display_layer_maps_each_image_by_its_peak():
    x = global_contrast_normalize(np.random.default_rng(3).random((4, 5, 5, 3)))
    x[1] = 0.0  # an all-zero image becomes uniform 0.5
    x[2] *= 1e4  # the mapping does not depend on the scale
    out = keras.ops.convert_to_numpy(GCNToDisplay()(x))
    flat = x.reshape(4, -1)
    np.testing.assert_allclose(out[0].reshape(-1), 0.5 + 0.5 * flat[0] / np.abs(flat[0]).max(), atol=1e-7)
    np.testing.assert_allclose(out[2], keras.ops.convert_to_numpy(GCNToDisplay()(x[2:3] / 1e4))[0], atol=1e-6)
    assert (out[1] == 0.5).all() and out.min() >= 0.0 and out.max() <= 1.0
    for image in out[[0, 2, 3]]:  # each image's most extreme pixel touches 0 or 1
        assert image.min() == 0.0 or image.max() == 1.0


def test_gcn_to_display_layer_serializes_and_saves_after_a_generator(tmp_path):
    assert_serialization_round_trip(GCNToDisplay(name="display"))
    generator = keras.Sequential([keras.Input((3,)), keras.layers.Dense(12), keras.layers.Reshape((2, 2, 3))])
    model = keras.Sequential([generator, GCNToDisplay()])
    loaded = assert_saving_round_trip(model, np.random.default_rng(0).normal(size=(4, 3)).astype("float32"), tmp_path)
    assert isinstance(loaded.layers[-1], GCNToDisplay)


@pytest.mark.parametrize("kernel_size, strides", [(5, 3), (4, 2), (3, 1)])
def test_overlap_counts_are_what_a_transposed_convolution_adds_into_each_output(kernel_size, strides):
    inputs = 4
    size = (inputs - 1) * strides + kernel_size
    # A transposed convolution of ones with a kernel of ones counts its overlapping inputs.
    layer = keras.layers.Conv2DTranspose(1, kernel_size, strides=strides, padding="valid", use_bias=False,
                                         kernel_initializer="ones")
    counted = np.asarray(layer(np.ones((1, inputs, 1, 1), "float32")))[0, :, kernel_size // 2, 0]
    assert counted.shape == (size,)
    np.testing.assert_array_equal(counted, overlap_counts(size, kernel_size, strides))


def test_overlap_normalization_evens_the_variance_of_a_random_stride_3_layer_and_keeps_its_mean():
    rng = np.random.default_rng(0)
    # Many input channels, so that every tap's weight norm is about the same (as in the paper's 80-channel layer).
    inputs = rng.normal(size=(2000, 10, 10, 64)).astype("float32")
    layer = keras.layers.Conv2DTranspose(3, 5, strides=3, padding="valid", use_bias=False)
    raw = np.asarray(layer(inputs))
    even = np.asarray(OverlapNormalization(5, 3)(raw))
    counts = np.outer(overlap_counts(32, 5, 3), overlap_counts(32, 5, 3))
    raw_var, even_var = raw.var(axis=0).mean(axis=-1), even.var(axis=0).mean(axis=-1)
    assert raw_var[counts == 4].mean() / raw_var[counts == 1].mean() > 3  # the grid
    assert 0.85 < even_var[counts == 4].mean() / even_var[counts == 1].mean() < 1.15
    assert abs(even_var.mean() / raw_var.mean() - 1) < 0.05


def test_overlap_normalization_refuses_an_input_no_valid_transposed_convolution_gives():
    with pytest.raises(ValueError, match="does not match an input of 3x3"):
        OverlapNormalization(5, 3)(np.ones((1, 3, 3, 1), "float32"))
