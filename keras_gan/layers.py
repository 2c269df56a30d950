"""The networks' own layers: maxout as in pylearn2 (the discriminators), `UntiedBias` and `OverlapNormalization`.

pylearn2's `Maxout` and `MaxoutConvC01B` compute `units * pieces` affine outputs
and keep, for each unit, the max over its `pieces` consecutive outputs (unit `j`
owns outputs `j * pieces ... j * pieces + pieces - 1`). Their optional max-norm
constraint rescales every output's incoming weight vector to a norm of at most
`max_norm` after each update, which is exactly `keras.constraints.MaxNorm` over
the input axes.
"""

import math

import keras
import numpy as np
from keras import ops

from keras_gan._checks import check_positive_int


def _check_max_norm(max_norm) -> None:
    if max_norm is not None and not (max_norm > 0 and math.isfinite(max_norm)):
        raise ValueError(
            f"`max_norm` must be a positive number or None. Received: max_norm={max_norm!r}"
        )


def _max_over_pieces(x, units: int, pieces: int):
    """Max over consecutive groups of `pieces` along the last axis."""
    shape = ops.shape(x)
    x = ops.reshape(x, tuple(shape[:-1]) + (units, pieces))
    return ops.max(x, axis=-1)


@keras.saving.register_keras_serializable(package="keras_gan")
class MaxoutDense(keras.layers.Layer):
    """Fully connected maxout layer (pylearn2's `Maxout`).

    Computes `x @ W + b` with `units * pieces` outputs, then the max over each
    unit's `pieces` consecutive outputs.

    Args:
        units: int. Number of maxout units (the layer's output size).
        pieces: int. Number of linear pieces each unit takes the max over.
        max_norm: float or None. If set, each column of the kernel (one
            piece's incoming weights) is rescaled to a norm of at most
            `max_norm` after every update (pylearn2's `max_col_norm`).
            Defaults to None.
        kernel_initializer: initializer for the kernel. The paper's configs use
            `irange r`, i.e. `keras.initializers.RandomUniform(-r, r)`.
            Defaults to `"glorot_uniform"`.
        bias_initializer: initializer for the bias. Defaults to `"zeros"`.

    Example:
    >>> layer = MaxoutDense(240, pieces=5)
    >>> tuple(layer(keras.ops.ones((2, 784))).shape)
    (2, 240)
    """

    def __init__(
        self,
        units: int,
        pieces: int,
        max_norm: float | None = None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        check_positive_int("units", units)
        check_positive_int("pieces", pieces)
        _check_max_norm(max_norm)
        super().__init__(**kwargs)
        self.units = units
        self.pieces = pieces
        self.max_norm = max_norm
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        constraint = None
        if self.max_norm is not None:
            constraint = keras.constraints.MaxNorm(self.max_norm, axis=0)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.units * self.pieces),
            initializer=self.kernel_initializer,
            constraint=constraint,
        )
        self.bias = self.add_weight(
            name="bias", shape=(self.units * self.pieces,), initializer=self.bias_initializer
        )

    def call(self, inputs):
        z = ops.add(ops.matmul(inputs, self.kernel), self.bias)
        return _max_over_pieces(z, self.units, self.pieces)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(
            units=self.units,
            pieces=self.pieces,
            max_norm=self.max_norm,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
        )
        return config


def _pooled_size(size: int, pool: int, stride: int) -> int:
    # cuda-convnet (which pylearn2's MaxoutConvC01B uses) keeps a last, partial
    # window: ceil((size - pool) / stride) + 1 outputs, one more than Keras'
    # "valid" pooling when the windows do not tile the input exactly.
    return max(0, -(-(size - pool) // stride)) + 1


@keras.saving.register_keras_serializable(package="keras_gan")
class MaxoutConv2D(keras.layers.Layer):
    """Convolutional maxout layer (pylearn2's `MaxoutConvC01B`), channels last.

    Zero-pads the input by `padding` pixels on each side, applies a "valid"
    convolution with `filters * pieces` output channels, takes the max over each
    filter's `pieces` consecutive channels, then max-pools with `pool_size` and
    `pool_strides`, keeping cuda-convnet's last partial window.

    Args:
        filters: int. Number of maxout channels (the layer's output channels).
        pieces: int. Number of linear pieces each channel takes the max over.
        kernel_size: int. Side of the square convolution kernel.
        padding: int. Zero padding added on each side before the convolution
            (pylearn2's `pad`). Defaults to 0.
        pool_size: int. Side of the square max-pooling window. Defaults to 1
            (no pooling).
        pool_strides: int or None. Pooling stride. Defaults to `pool_size`.
        max_norm: float or None. If set, each output channel's kernel (all
            its incoming weights) is rescaled to a norm of at most `max_norm`
            after every update (pylearn2's `max_kernel_norm`). Defaults to None.
        kernel_initializer: initializer for the kernel; `irange r` is
            `keras.initializers.RandomUniform(-r, r)`. Defaults to
            `"glorot_uniform"`.
        bias_initializer: initializer for the bias. Defaults to `"zeros"`.

    Example:
    >>> layer = MaxoutConv2D(32, pieces=2, kernel_size=8, padding=4,
    ...                      pool_size=4, pool_strides=2)
    >>> tuple(layer(keras.ops.ones((1, 32, 32, 3))).shape)
    (1, 16, 16, 32)
    """

    def __init__(
        self,
        filters: int,
        pieces: int,
        kernel_size: int,
        padding: int = 0,
        pool_size: int = 1,
        pool_strides: int | None = None,
        max_norm: float | None = None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        **kwargs,
    ):
        check_positive_int("filters", filters)
        check_positive_int("pieces", pieces)
        check_positive_int("kernel_size", kernel_size)
        check_positive_int("pool_size", pool_size)
        if pool_strides is not None:
            check_positive_int("pool_strides", pool_strides)
        if not isinstance(padding, int) or padding < 0:
            raise ValueError(
                f"`padding` must be a non-negative integer. Received: padding={padding!r}"
            )
        _check_max_norm(max_norm)
        super().__init__(**kwargs)
        self.filters = filters
        self.pieces = pieces
        self.kernel_size = kernel_size
        self.padding = padding
        self.pool_size = pool_size
        self.pool_strides = pool_strides
        self.max_norm = max_norm
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    @property
    def _strides(self) -> int:
        return self.pool_strides or self.pool_size

    def build(self, input_shape):
        constraint = None
        if self.max_norm is not None:
            constraint = keras.constraints.MaxNorm(self.max_norm, axis=[0, 1, 2])
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.kernel_size, self.kernel_size, input_shape[-1], self.filters * self.pieces),
            initializer=self.kernel_initializer,
            constraint=constraint,
        )
        self.bias = self.add_weight(
            name="bias", shape=(self.filters * self.pieces,), initializer=self.bias_initializer
        )

    def _conv_size(self, size: int) -> int:
        return size + 2 * self.padding - self.kernel_size + 1

    def call(self, inputs):
        p = self.padding
        x = ops.pad(inputs, ((0, 0), (p, p), (p, p), (0, 0)))
        z = ops.add(ops.conv(x, self.kernel, padding="valid"), self.bias)
        z = _max_over_pieces(z, self.filters, self.pieces)
        if self.pool_size == 1 and self._strides == 1:
            return z
        # Pad bottom/right with -inf so that "valid" pooling keeps the partial window.
        height, width = ops.shape(z)[1], ops.shape(z)[2]
        extra = [
            (_pooled_size(size, self.pool_size, self._strides) - 1) * self._strides
            + self.pool_size
            - size
            for size in (height, width)
        ]
        z = ops.pad(z, ((0, 0), (0, extra[0]), (0, extra[1]), (0, 0)), constant_values=-math.inf)
        return ops.max_pool(z, self.pool_size, self._strides, padding="valid")

    def compute_output_shape(self, input_shape):
        batch, height, width, _ = input_shape
        sizes = [
            _pooled_size(self._conv_size(size), self.pool_size, self._strides)
            for size in (height, width)
        ]
        return (batch, sizes[0], sizes[1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            filters=self.filters,
            pieces=self.pieces,
            kernel_size=self.kernel_size,
            padding=self.padding,
            pool_size=self.pool_size,
            pool_strides=self.pool_strides,
            max_norm=self.max_norm,
            kernel_initializer=keras.initializers.serialize(self.kernel_initializer),
            bias_initializer=keras.initializers.serialize(self.bias_initializer),
        )
        return config


@keras.saving.register_keras_serializable(package="keras_gan")
class UntiedBias(keras.layers.Layer):
    """Adds a separate learned bias to every element of its input (pylearn2's `tied_b: 0`).

    The paper's convolutional CIFAR-10 generator ends in a transposed
    convolution with one bias per output pixel and channel, not per channel.

    Args:
        bias_initializer: initializer for the bias. Defaults to `"zeros"`.

    Example:
    >>> tuple(UntiedBias()(keras.ops.ones((2, 4, 4, 3))).shape)
    (2, 4, 4, 3)
    """

    def __init__(self, bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.bias_initializer = keras.initializers.get(bias_initializer)

    def build(self, input_shape):
        self.bias = self.add_weight(
            name="bias", shape=tuple(input_shape[1:]), initializer=self.bias_initializer
        )

    def call(self, inputs):
        return ops.add(inputs, self.bias)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["bias_initializer"] = keras.initializers.serialize(self.bias_initializer)
        return config


def overlap_counts(size: int, kernel_size: int, strides: int) -> np.ndarray:
    """How many input positions a `padding="valid"` transposed convolution adds into each of its `size` outputs.

    Output `p` sums the kernel taps `p - strides * i` of every input `i` that
    lands within `[0, kernel_size)`. With `kernel_size` not a multiple of
    `strides` the counts alternate (5 and 3: 2, 2, 1, ...), which is the grid a
    stride-3 5x5 layer draws into every sample (issue 33, screen (f)).

    Example:
    >>> overlap_counts(11, 5, 3).tolist()
    [1, 1, 1, 2, 2, 1, 2, 2, 1, 1, 1]
    """
    inputs = (size - kernel_size) // strides + 1
    starts = strides * np.arange(inputs)
    positions = np.arange(size)[:, None] - starts[None, :]
    return ((positions >= 0) & (positions < kernel_size)).sum(axis=1)


@keras.saving.register_keras_serializable(package="keras_gan")
class OverlapNormalization(keras.layers.Layer):
    """Scales each output of a transposed convolution by `sqrt(mean count / count)`, count its overlapping inputs.

    A `padding="valid"` transposed convolution whose kernel size is not a
    multiple of its stride sums a different number of terms into each output
    position (`overlap_counts`), so at its initial random weights the output's
    variance varies with the position modulo the stride: a fixed grid in every
    sample. A fixed factor per position evens it out, keeping the mean variance
    over positions, while the layer and its weights stay the paper's. No
    weights of its own.

    Args:
        kernel_size: int. The transposed convolution's (square) kernel size.
        strides: int. Its stride.

    Example:
    >>> layer = OverlapNormalization(5, 3)
    >>> [round(float(v), 3) for v in layer(keras.ops.ones((1, 11, 11, 1)))[0, 3, 2:6, 0]]
    [0.964, 0.682, 0.682, 0.964]
    """

    def __init__(self, kernel_size: int, strides: int, **kwargs):
        check_positive_int("kernel_size", kernel_size)
        check_positive_int("strides", strides)
        super().__init__(**kwargs)
        self.kernel_size = int(kernel_size)
        self.strides = int(strides)

    def build(self, input_shape):
        height, width = input_shape[1:3]
        if height is None or width is None:
            raise ValueError(f"OverlapNormalization needs a fixed image size. Received input shape: {input_shape}")
        rows, cols = (overlap_counts(size, self.kernel_size, self.strides) for size in (height, width))
        if rows.min() < 1 or cols.min() < 1:
            raise ValueError(f"OverlapNormalization({self.kernel_size}, {self.strides}) does not match an input of "
                             f"{height}x{width}: it follows a padding='valid' transposed convolution with this "
                             f"kernel size and stride, whose output is (n - 1) * strides + kernel_size.")
        # A constant, not a weight: saved models stay loadable by the layer's arguments alone.
        counts = np.outer(rows, cols)
        self._scale = np.sqrt(counts.mean() / counts)[None, :, :, None].astype("float32")

    def call(self, inputs):
        return ops.multiply(inputs, ops.cast(self._scale, inputs.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(kernel_size=self.kernel_size, strides=self.strides)
        return config
