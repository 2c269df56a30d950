"""Training diagnostics: what loss curves do not show, per layer of the generator and discriminator.

Loss curves and D(x) / D(G(z)) can look healthy while a generator's output
layer stays where it started (issue 33). These measures read it off the weights
and samples, written with `keras.ops` so that they run on every backend:

- movement: `||W - W0|| / ||W0||` of each layer's kernel W against its initial
  value W0 (0: never moved);
- norm ratio: `||W|| / ||W0||` (the weights' spread against the initial one);
- cosine: `<W, W0> / (||W|| ||W0||)`, how much of the initial direction is
  left (about 1 for a layer that a max-norm cap only rescaled, where the
  movement reads large);
- initial share, for layers whose initial kernel is mostly zeros (`SparseInit`): per
  unit, the share of the squared weight norm still in the entries that were
  non-zero at the start, averaged over units (about n / fan-in for weights
  that moved everywhere; 1 when only the initial entries moved);
- at cap, for kernels under a `MaxNorm` constraint (pylearn2's
  `max_col_norm`): the fraction of units whose norm is within `CAP_TOLERANCE`
  (1%, relative) of the cap;
- gradient norm: `||dL/dW||` of the network's own loss (D: -V; G: its
  generator loss) on one batch of real images and noise, dropout off (so
  measuring leaves the training's random states alone). Keras has no
  gradient of its own: `_gradients` asks the backend in use (TensorFlow,
  JAX or PyTorch), imported only there;
- sample variance: the mean over pixels of each pixel's variance across samples
  (0 for a generator that ignores z);
- high-frequency ratio: the high-frequency energy of the mean of the samples
  over that of the mean of as many real images (`high_frequency_energy`, the
  mean squared 5-point Laplacian). A pattern every sample shares survives the
  mean and raises it far above 1; at equal counts the noise left in both means
  is alike, so a generator of the data's distribution reads about 1;
- neighbour cosine, for a generator whose output layer is dense with one unit
  per output value: the mean cosine between the kernel columns of
  horizontally and vertically neighbouring pixels (`neighbour_cosine`). A
  random layer reads about 0, so every change of its inputs with z lands on
  the pixels as independent noise; smooth samples need neighbours that read
  the same hidden units (the shipped MNIST generator: 0.50). With a
  discriminator, the same of the generator loss's gradient for that kernel: a
  coherent gradient (near 1) on a layer that stays near 0 says its updates
  are too small against its random start, not pointed the wrong way;
- phase variance spread, for a generator whose output layer is strided (the
  transposed convolution of `cifar10_conv`, stride 3): the per-pixel variance
  across samples averaged over each of the stride x stride positions modulo the
  stride, largest over smallest (`phase_variance_spread`; 1 without a grid).

The initial weights of a run are rebuilt from its configuration and seed
(`keras_gan.training.initial_networks`, which reproduces them exactly).
"""

import dataclasses
import math

import keras
import numpy as np
from keras import ops

from keras_gan import architectures, losses
from keras_gan._checks import check_positive_int
from keras_gan.model import generate
from keras_gan.priors import sample_latent

# Relative distance below a max-norm cap within which a unit counts as at the cap: a unit the constraint
# rescaled is at the cap exactly, and the last update may have moved it a fraction of a percent below.
CAP_TOLERANCE = 1e-2


@dataclasses.dataclass(frozen=True)
class LayerDiagnostics:
    """The measures of one layer's kernel (see the module docstring); None where a measure does not apply."""

    network: str
    layer: str
    shape: tuple
    movement: float
    norm_ratio: float
    cosine: float
    initial_share: float | None
    at_cap: float | None
    max_norm: float | None
    grad_norm: float | None


@dataclasses.dataclass(frozen=True)
class Diagnostics:
    """Per-layer measures of a generator (and discriminator) and the summary of its samples.

    Attributes:
        layers: list of `LayerDiagnostics`, generator's first.
        sample_variance: float. Mean over pixels of the per-pixel variance across samples.
        data_variance: float. The same of the real images.
        high_frequency_ratio: float. See the module docstring.
        n_samples: int. Samples (and real images) measured.
        output_stride: int. The stride of the generator's output layer. Defaults to 1.
        phase_variance_spread: float or None. The samples' `phase_variance_spread` at `output_stride`,
            for a strided output layer. Defaults to None.
        data_phase_variance_spread: float or None. The same of the real images. Defaults to None.
        neighbour_cosine: float or None. `neighbour_cosine` of a dense output layer. Defaults to None.
        initial_neighbour_cosine: float or None. The same of its initial kernel. Defaults to None.
        gradient_neighbour_cosine: float or None. The same of the generator loss's gradient for that
            kernel (with a discriminator). Defaults to None.
    """

    layers: list
    sample_variance: float
    data_variance: float
    high_frequency_ratio: float
    n_samples: int
    output_stride: int = 1
    phase_variance_spread: float | None = None
    data_phase_variance_spread: float | None = None
    neighbour_cosine: float | None = None
    initial_neighbour_cosine: float | None = None
    gradient_neighbour_cosine: float | None = None

    def summary(self) -> dict:
        """The scalars a training log records: per network `g_`/`d_` movement (mean, max), the output layer's
        movement and norm ratio, at-cap fractions and gradient norms where they apply, and the samples' summary.

        Example:
        >>> layer = LayerDiagnostics("generator", "y", (2, 2), 0.5, 1.0, 0.9, None, None, None, None)
        >>> Diagnostics([layer], 1.0, 1.0, 1.0, 10).summary()["g_output_movement"]
        0.5
        """
        numbers = {}
        for prefix, network in (("g", "generator"), ("d", "discriminator")):
            rows = [row for row in self.layers if row.network == network]
            if not rows:
                continue
            movement = [row.movement for row in rows]
            numbers.update({f"{prefix}_movement_mean": float(np.mean(movement)), f"{prefix}_movement_max": max(movement),
                            f"{prefix}_output_movement": rows[-1].movement,
                            f"{prefix}_output_norm_ratio": rows[-1].norm_ratio,
                            f"{prefix}_output_cosine": rows[-1].cosine})
            capped = [row.at_cap for row in rows if row.at_cap is not None]
            if capped:
                numbers[f"{prefix}_at_cap_max"] = max(capped)
            if rows[-1].initial_share is not None:
                numbers[f"{prefix}_output_initial_share"] = rows[-1].initial_share
            grads = [row.grad_norm for row in rows if row.grad_norm is not None]
            if grads:
                numbers[f"{prefix}_grad_norm"] = math.sqrt(sum(g * g for g in grads))
        numbers.update(sample_variance=self.sample_variance, high_frequency_ratio=self.high_frequency_ratio)
        if self.phase_variance_spread is not None:
            numbers["phase_variance_spread"] = self.phase_variance_spread
        if self.neighbour_cosine is not None:
            numbers["g_output_neighbour_cosine"] = self.neighbour_cosine
        if self.gradient_neighbour_cosine is not None:
            numbers["g_output_gradient_neighbour_cosine"] = self.gradient_neighbour_cosine
        return numbers

    def to_dict(self) -> dict:
        """JSON-ready: what `metadata.json` records (`from_dict` reads it back)."""
        return {**dataclasses.asdict(self), "layers": [{**dataclasses.asdict(row), "shape": list(row.shape)}
                                                       for row in self.layers]}

    @classmethod
    def from_dict(cls, values: dict) -> "Diagnostics":
        """The diagnostics `to_dict` gave.

        Example:
        >>> layer = LayerDiagnostics("generator", "y", (2, 2), 0.5, 1.0, 0.9, None, None, None, None)
        >>> report = Diagnostics([layer], 1.0, 1.0, 1.0, 10)
        >>> Diagnostics.from_dict(report.to_dict()) == report
        True
        """
        rows = [LayerDiagnostics(**{**row, "shape": tuple(row["shape"])}) for row in values["layers"]]
        return cls(**{**values, "layers": rows})

    def table(self) -> str:
        """The per-layer measures as a markdown table, then the samples' summary.

        Example:
        >>> layer = LayerDiagnostics("generator", "y", (2, 2), 0.5, 1.0, 0.9, None, None, None, None)
        >>> print(Diagnostics([layer], 1.0, 1.0, 1.0, 10).table().splitlines()[2])
        | generator | y | 2x2 | 0.500 | 1.000 | 0.900 | - | - | - |
        """
        lines = ["| network | layer | kernel | movement | norm ratio | cosine | initial share | at cap | grad norm |",
                 "|---|---|---|---|---|---|---|---|---|"]
        for row in self.layers:
            cap = "-" if row.at_cap is None else f"{row.at_cap:.3f} of {row.max_norm:g}"
            lines.append(f"| {row.network} | {row.layer} | {'x'.join(map(str, row.shape))} | {row.movement:.3f} | "
                         f"{row.norm_ratio:.3f} | {row.cosine:.3f} | {_number(row.initial_share)} | {cap} | "
                         f"{_number(row.grad_norm, '.3g')} |")
        lines += ["", f"samples ({self.n_samples:,}, against as many real images): variance across z "
                      f"{self.sample_variance:.4g} (the data's {self.data_variance:.4g}); high-frequency energy of the "
                      f"mean sample {self.high_frequency_ratio:.2f}x the data's"]
        if self.neighbour_cosine is not None:
            lines[-1] += (f"; cosine of neighbouring pixels' output columns {self.neighbour_cosine:.3f} (at the start "
                          f"{_number(self.initial_neighbour_cosine)}; of its gradient "
                          f"{_number(self.gradient_neighbour_cosine)})")
        if self.phase_variance_spread is not None:
            lines[-1] += (f"; variance across z by position modulo the output stride {self.output_stride}, largest over "
                          f"smallest {self.phase_variance_spread:.3f} (the data's {_number(self.data_phase_variance_spread)})")
        return "\n".join(lines)


def _number(value, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def _kernel(layer: keras.layers.Layer):
    """The layer's kernel variable, or None (a bias-only or weightless layer)."""
    kernel = getattr(layer, "kernel", None)
    return kernel if isinstance(kernel, keras.Variable) else None


def kernel_layers(network: keras.Model) -> list:
    """The layers of `network` that have a kernel, in order (nested models flattened).

    Example:
    >>> [layer.name for layer in kernel_layers(gan.generator)]
    ['h0', 'h1', 'y']
    """
    found = []
    for layer in network.layers:
        if isinstance(layer, keras.Model):
            found += kernel_layers(layer)
        elif _kernel(layer) is not None:
            found.append(layer)
    return found


def initial_kernels(network: keras.Model) -> dict:
    """`{layer name: kernel}` of `network`, copied: the starting point `layer_diagnostics` compares with.

    Example:
    >>> sorted(initial_kernels(gan.generator))
    ['h0', 'h1', 'y']
    """
    return {layer.name: np.array(_kernel(layer).numpy()) for layer in kernel_layers(network)}


def _unit_axes(layer: keras.layers.Layer, kernel) -> tuple:
    """The axes of one unit's incoming weights: those its max-norm constraint normalises, else all but the
    output axis (the last; a transposed convolution's output channels are its second last)."""
    constraint = getattr(kernel, "constraint", None)
    if isinstance(constraint, keras.constraints.MaxNorm):
        axis = constraint.axis
        return tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    rank = len(kernel.shape)
    output = rank - 2 if isinstance(layer, keras.layers.Conv2DTranspose) else rank - 1
    return tuple(a for a in range(rank) if a != output)


def weight_movement(weights, initial) -> float:
    """`||W - W0|| / ||W0||`: how far weights moved from their initial values, relative to the initial norm.

    Args:
        weights: array or tensor. The weights W.
        initial: array or tensor of the same shape. Their initial values W0.

    Example:
    >>> weight_movement(np.ones((2, 2)), np.ones((2, 2)))
    0.0
    """
    weights, initial = ops.convert_to_tensor(weights, "float32"), ops.convert_to_tensor(initial, "float32")
    return float(ops.norm(ops.reshape(weights - initial, (-1,))) / ops.norm(ops.reshape(initial, (-1,))))


def initial_share(weights, initial, axes) -> float:
    """Per unit, the share of the squared norm of W in the entries where W0 is non-zero; the mean over units.

    Args:
        weights: array or tensor. The weights W.
        initial: array or tensor of the same shape. Their initial values W0.
        axes: int or tuple. The axes of one unit's weights (a `Dense` kernel's: 0).

    Example:
    >>> initial_share([[3.0, 1.0], [4.0, 0.0]], [[1.0, 1.0], [0.0, 1.0]], 0)  # (9/25 + 1/1) / 2
    0.68
    """
    weights, initial = ops.convert_to_tensor(weights, "float32"), ops.convert_to_tensor(initial, "float32")
    squared = ops.square(weights)
    kept = ops.sum(ops.where(ops.not_equal(initial, 0), squared, 0.0), axis=axes)
    return round(float(ops.mean(kept / ops.maximum(ops.sum(squared, axis=axes), 1e-30))), 6)


def fraction_at_cap(weights, max_norm: float, axes, tolerance: float = CAP_TOLERANCE) -> float:
    """The fraction of units whose weight norm is at least `max_norm * (1 - tolerance)`.

    Args:
        weights: array or tensor. A kernel.
        max_norm: float. The cap of its `MaxNorm` constraint.
        axes: int or tuple. The axes of one unit's weights (the constraint's `axis`).
        tolerance: float. Relative distance below the cap that counts as at it. Defaults to `CAP_TOLERANCE`.

    Example:
    >>> fraction_at_cap([[3.0, 0.1], [4.0, 0.1]], 5.0, 0)
    0.5
    """
    norms = ops.sqrt(ops.sum(ops.square(ops.convert_to_tensor(weights, "float32")), axis=axes))
    return float(ops.mean(ops.cast(norms >= max_norm * (1 - tolerance), "float32")))


def sample_variance(samples) -> float:
    """The mean over pixels of each pixel's variance across samples (0 for a generator that ignores z).

    Example:
    >>> sample_variance(np.ones((5, 4, 4, 1)))
    0.0
    """
    return float(ops.mean(ops.var(ops.convert_to_tensor(samples, "float32"), axis=0)))


def phase_variance_spread(samples, stride: int) -> float:
    """Largest over smallest mean per-pixel variance across samples among the `stride` x `stride` pixel phases.

    A phase is the set of pixels `(i, j)` with one `(i mod stride, j mod
    stride)`; the variance is across samples, averaged over channels. A
    strided transposed convolution whose kernel overlaps unevenly gives some
    phases more variance than others (a grid); images without one read about 1,
    samples that do not vary at all read 1, and samples with some phase constant inf.

    Args:
        samples: array `(n, height, width, channels)`.
        stride: int. The period of the grid looked for.

    Example:
    >>> grid = np.ones((12, 12, 1)); grid[::3, ::3] = 2.0
    >>> noise = np.random.default_rng(0).normal(size=(4000, 12, 12, 1))
    >>> round(phase_variance_spread(noise * grid, 3)), round(phase_variance_spread(noise, 3))
    (4, 1)
    """
    check_positive_int("stride", stride)
    variance = ops.mean(ops.var(ops.convert_to_tensor(samples, "float32"), axis=0), axis=-1)
    phases = [float(ops.mean(variance[i::stride, j::stride])) for i in range(stride) for j in range(stride)]
    if min(phases) == 0:  # collapsed samples: infinite where some phases still vary, no grid where none does
        return math.inf if max(phases) > 0 else 1.0
    return max(phases) / min(phases)


def neighbour_cosine(kernel, image_shape: tuple) -> float:
    """The mean cosine between the kernel columns of neighbouring output pixels of a dense output layer.

    Column `i` of the `(inputs, H * W * C)` kernel holds the weights output `i`
    reads from the hidden units; outputs are laid out as `image_shape`.
    Pairs are horizontal and vertical neighbours of the same channel.

    Args:
        kernel: array `(inputs, H * W * C)`.
        image_shape: tuple `(H, W, C)`.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> rows = np.repeat(rng.normal(size=(5000, 4, 1, 1)), 4, axis=2).reshape(5000, 16)  # same column along a row
    >>> round(neighbour_cosine(rows, (4, 4, 1)), 1), abs(neighbour_cosine(rng.normal(size=(5000, 16)), (4, 4, 1))) < 0.05
    (0.5, True)
    """
    w = ops.convert_to_tensor(kernel, "float32")
    w = ops.reshape(w / ops.norm(w, axis=0, keepdims=True), (int(w.shape[0]), *image_shape))
    across = ops.sum(w[:, :, 1:] * w[:, :, :-1], axis=0)
    down = ops.sum(w[:, 1:] * w[:, :-1], axis=0)
    return float(ops.mean(ops.concatenate([ops.reshape(across, (-1,)), ops.reshape(down, (-1,))])))


def output_stride(generator: keras.Model) -> int:
    """The (row) stride of `generator`'s output layer: 1 for a dense layer, 3 for `cifar10_conv`'s.

    Example:
    >>> from keras_gan.architectures import cifar10
    >>> output_stride(cifar10.conv_generator(width=0.05)), output_stride(cifar10.fc_generator(width=0.01))
    (3, 1)
    """
    return int(getattr(architectures.output_layer(generator), "strides", (1,))[0])


def high_frequency_energy(image) -> float:
    """The mean squared 5-point Laplacian `4 x[i, j] - x[i-1, j] - x[i+1, j] - x[i, j-1] - x[i, j+1]` of an image.

    Taken over interior pixels and channels: 0 for a constant or linear
    ramp, 64 for a +-1 checkerboard, so it weighs the finest details most.

    Args:
        image: array or tensor `(height, width, channels)`.

    Example:
    >>> checkerboard = (np.indices((6, 6)).sum(axis=0) % 2 * 2 - 1)[..., None]
    >>> high_frequency_energy(checkerboard)
    64.0
    """
    x = ops.convert_to_tensor(image, "float32")
    centre = x[1:-1, 1:-1]
    laplacian = 4 * centre - x[:-2, 1:-1] - x[2:, 1:-1] - x[1:-1, :-2] - x[1:-1, 2:]
    return float(ops.mean(ops.square(laplacian)))


def high_frequency_ratio(samples, real) -> float:
    """The high-frequency energy of the mean sample over that of the mean real image, each a mean of as many images.

    Args:
        samples: array `(n, height, width, channels)`. Generated images.
        real: array `(n, height, width, channels)`. As many real images, in the same space.

    Example:
    >>> rng = np.random.default_rng(0)
    >>> real, samples = rng.normal(size=(2, 500, 8, 8, 1))
    >>> round(high_frequency_ratio(samples, real), 1) < 2
    True
    """
    samples, real = (ops.convert_to_tensor(images, "float32") for images in (samples, real))
    if tuple(samples.shape) != tuple(real.shape):
        raise ValueError(f"`samples` and `real` must have the same shape (as many images of one size). Received: "
                         f"{tuple(samples.shape)} and {tuple(real.shape)}")
    return high_frequency_energy(ops.mean(samples, axis=0)) / high_frequency_energy(ops.mean(real, axis=0))


def _gradients(loss_fn, variables: list) -> list:
    """d loss_fn() / d variables, by the backend's own differentiation (Keras 3 has none of its own)."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = loss_fn()
        return tape.gradient(loss, variables)
    if backend == "jax":
        import jax

        def of(values):
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return loss_fn()

        return jax.grad(of)([variable.value for variable in variables])
    if backend == "torch":
        import torch

        return torch.autograd.grad(loss_fn(), [variable.value for variable in variables], allow_unused=True)
    raise NotImplementedError(f"Gradient norms need the tensorflow, jax or torch backend. Received: {backend}")


def kernel_gradients(generator: keras.Model, discriminator: keras.Model, real, latent_prior, seed: int = 0,
                     generator_loss="non_saturating") -> dict:
    """`dL/dW` of every kernel: D's under -V, G's under its generator loss, on `real` and as much noise.

    Dropout is off (`training=False`), so the measure draws nothing from the
    networks' random states.

    Args:
        generator: `keras.Model`. The generator.
        discriminator: `keras.Model`. Its discriminator (logits).
        real: array `(m, ...)`. One batch of real images in the generator's output space.
        latent_prior: str or callable. The noise prior.
        seed: int. Seed of the noise. Defaults to 0.
        generator_loss: str or callable. A name of `keras_gan.losses.GENERATOR_LOSSES` or a loss of D's
            logits. Defaults to `"non_saturating"`.

    Returns:
        `{("generator" or "discriminator", layer name): gradient}`, each shaped like its kernel.

    Example:
    >>> grads = kernel_gradients(gan.generator, gan.discriminator, images[:10], "uniform")
    >>> sorted(grads)[0], tuple(grads[("generator", "y")].shape) == tuple(gan.generator.get_layer("y").kernel.shape)
    (('discriminator', 'h0'), True)
    """
    real = ops.convert_to_tensor(real, "float32")
    z = sample_latent(latent_prior, (int(real.shape[0]), generator.input_shape[-1]), seed=seed)
    g_loss = losses.get_generator_loss(generator_loss)

    def d_loss():
        return losses.discriminator_loss(discriminator(real, training=False),
                                         discriminator(generator(z, training=False), training=False))

    grads = {}
    for name, network, loss_fn in (("discriminator", discriminator, d_loss),
                                   ("generator", generator, lambda: g_loss(discriminator(generator(z, training=False),
                                                                                         training=False)))):
        layers = kernel_layers(network)
        grads.update({(name, layer.name): grad
                      for layer, grad in zip(layers, _gradients(loss_fn, [_kernel(layer) for layer in layers]))})
    return grads


def gradient_norms(grads: dict) -> dict:
    """`||dL/dW||` of each of `kernel_gradients`' gradients, by the same keys.

    Example:
    >>> gradient_norms({("generator", "y"): np.full((2, 2), 0.5)})
    {('generator', 'y'): 1.0}
    """
    return {key: float(ops.norm(ops.reshape(ops.convert_to_tensor(grad, "float32"), (-1,))))
            for key, grad in grads.items()}


def layer_diagnostics(network: keras.Model, initial: keras.Model | dict, name: str = "generator",
                      grad_norms: dict | None = None) -> list:
    """The measures of every kernel of `network` against the same-named layer of `initial`.

    Args:
        network: `keras.Model`. Trained network.
        initial: `keras.Model` or dict. The same architecture with the initial
            weights, or its `initial_kernels`.
        name: str. `"generator"` or `"discriminator"`. Defaults to `"generator"`.
        grad_norms: dict or None. `gradient_norms`' result. Defaults to None (not measured).

    Returns:
        A list of `LayerDiagnostics`, in layer order.

    Example:
    >>> [row.movement for row in layer_diagnostics(gan.generator, gan.generator)]
    [0.0, 0.0, 0.0]
    """
    starting = initial if isinstance(initial, dict) else initial_kernels(initial)
    rows = []
    for layer in kernel_layers(network):
        kernel = _kernel(layer)
        if layer.name not in starting or tuple(starting[layer.name].shape) != tuple(kernel.shape):
            raise ValueError(f"The initial {name} has no layer {layer.name!r} with a kernel of shape "
                             f"{tuple(kernel.shape)}: pass the network `{name}` started from.")
        w, w0 = ops.convert_to_tensor(kernel.value, "float32"), ops.convert_to_tensor(starting[layer.name], "float32")
        norm, norm0 = ops.norm(ops.reshape(w, (-1,))), ops.norm(ops.reshape(w0, (-1,)))
        axes = _unit_axes(layer, kernel)
        constraint = getattr(kernel, "constraint", None)
        max_norm = float(constraint.max_value) if isinstance(constraint, keras.constraints.MaxNorm) else None
        # A dense draw may hold a few exact zeros; `SparseInit` leaves most of a kernel at zero.
        sparse = float(ops.mean(ops.cast(ops.equal(w0, 0), "float32"))) > 0.5
        rows.append(LayerDiagnostics(
            network=name, layer=layer.name, shape=tuple(kernel.shape),
            movement=weight_movement(w, w0),
            norm_ratio=float(norm / norm0),
            cosine=float(ops.sum(w * w0) / (norm * norm0)),
            initial_share=initial_share(w, w0, axes) if sparse else None,
            at_cap=None if max_norm is None else fraction_at_cap(w, max_norm, axes),
            max_norm=max_norm,
            grad_norm=None if grad_norms is None else grad_norms.get((name, layer.name)),
        ))
    return rows


def diagnose(generator: keras.Model, initial_generator: keras.Model | dict, latent_prior, real,
             discriminator: keras.Model | None = None, initial_discriminator: keras.Model | dict | None = None,
             n_samples: int = 1000, seed: int = 0, generator_loss="non_saturating", batch_size: int = 100,
             samples=None) -> Diagnostics:
    """Every diagnostic of a generator (and its discriminator) against the networks it started from.

    Args:
        generator: `keras.Model`. The trained generator.
        initial_generator: `keras.Model` or dict. The generator it started from, or its `initial_kernels`.
        latent_prior: str or callable. Its noise prior.
        real: array `(N, ...)`, N >= `n_samples`. Real images in the generator's output space (the run's
            validation images): the first `n_samples` are the samples' reference, the first
            `batch_size` the gradients' real batch.
        discriminator: `keras.Model` or None. The trained discriminator; without it there are no
            gradient norms. Defaults to None.
        initial_discriminator: `keras.Model`, dict or None. The discriminator it started from, or its
            `initial_kernels`. Defaults to None.
        n_samples: int. Samples (and real images) of the samples' summary. Defaults to 1000.
        seed: int. Seed of the samples and the gradients' noise. Defaults to 0.
        generator_loss: str or callable. The generator's loss, for its gradients. Defaults to `"non_saturating"`.
        batch_size: int. Real images and noise vectors of the gradients' batch. Defaults to 100.
        samples: array or None. `n_samples` samples of `generator` already drawn. Defaults to None (drawn
            here with `seed`).

    Example:
    >>> report = diagnose(gan.generator, gan.generator, "uniform", images, gan.discriminator, gan.discriminator,
    ...                   n_samples=100)
    >>> report.summary()["g_movement_max"], len(report.layers)
    (0.0, 6)
    """
    check_positive_int("n_samples", n_samples)
    check_positive_int("batch_size", batch_size)
    real = np.asarray(real)
    if len(real) < max(n_samples, batch_size):
        raise ValueError(f"`real` must hold at least n_samples={n_samples} and batch_size={batch_size} images. "
                         f"Received: {len(real)}")
    grads = norms = None
    if discriminator is not None:
        grads = kernel_gradients(generator, discriminator, real[:batch_size], latent_prior, seed, generator_loss)
        norms = gradient_norms(grads)
    rows = layer_diagnostics(generator, initial_generator, "generator", norms)
    if discriminator is not None and initial_discriminator is not None:
        rows += layer_diagnostics(discriminator, initial_discriminator, "discriminator", norms)
    samples = generate(generator, latent_prior, n_samples, seed=seed) if samples is None else np.asarray(samples)
    reference = real[:n_samples]
    stride = output_stride(generator)
    spreads = [phase_variance_spread(images, stride) for images in (samples, reference)] if stride > 1 else [None] * 2
    return Diagnostics(rows, sample_variance(samples), sample_variance(reference),
                       high_frequency_ratio(samples, reference), n_samples, stride, *spreads,
                       *_neighbour_cosines(generator, initial_generator, grads))


def _neighbour_cosines(generator: keras.Model, initial: keras.Model | dict, grads: dict | None) -> tuple:
    """`neighbour_cosine` of the trained output kernel, the initial one and its gradient (None without
    `kernel_gradients`' result), or Nones for an output layer without one column per pixel."""
    layer, image_shape = architectures.output_layer(generator), tuple(generator.output_shape[1:])
    kernel = _kernel(layer)
    if len(kernel.shape) != 2 or len(image_shape) != 3 or kernel.shape[1] != math.prod(image_shape):
        return None, None, None
    # Only the output layer's kernel of a model: a full-width generator's kernels are hundreds of MB.
    start = initial[layer.name] if isinstance(initial, dict) else _kernel(architectures.output_layer(initial)).value
    grad = None if grads is None else neighbour_cosine(grads[("generator", layer.name)], image_shape)
    return neighbour_cosine(kernel.value, image_shape), neighbour_cosine(start, image_shape), grad
