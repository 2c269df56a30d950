"""The paper's figures of a trained model: samples beside their nearest training examples (Fig. 2), z-space
interpolations (Fig. 3). Figure 1, a 1-D run, is `keras_gan.theory.figure_1`."""

from pathlib import Path

import numpy as np

from keras_gan import plotting
from keras_gan.datasets.output_space import OutputSpace
from keras_gan.model import generate
from keras_gan.priors import sample_latent


def nearest_training_examples(samples: np.ndarray, train: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """For each sample, the training example closest in Euclidean distance.

    Args:
        samples: array `(n, ...)`. Generated examples.
        train: array `(N, ...)`. Training examples, same shape.
        batch_size: int. Training examples compared at a time. Defaults to 1000.

    Returns:
        An array like `samples`: the nearest training example of each.

    Example:
    >>> nearest_training_examples(np.ones((1, 2)), np.eye(2)).tolist()
    [[1.0, 0.0]]
    """
    flat = samples.reshape(len(samples), -1).astype("float64")
    flat_train = train.reshape(len(train), -1)
    if flat.shape[1] != flat_train.shape[1]:
        raise ValueError(f"`samples` and `train` differ in shape: {samples.shape[1:]} vs {train.shape[1:]}.")
    best = np.full(len(flat), np.inf)
    index = np.zeros(len(flat), dtype=int)
    for start in range(0, len(flat_train), batch_size):
        block = flat_train[start : start + batch_size].astype("float64")
        distances = (block**2).sum(1)[None] - 2 * flat @ block.T  # + |s|^2, the same for every column
        closest = distances.argmin(1)
        better = distances[np.arange(len(flat)), closest] < best
        best[better] = distances[np.arange(len(flat)), closest][better]
        index[better] = start + closest[better]
    return train[index]


def figure_2(samples: np.ndarray, train: np.ndarray, path, cols: int = 5) -> Path:
    """Samples with their nearest training example to the right of each (paper, Figure 2).

    Args:
        samples: array `(n, H, W, C)` in [0, 1].
        train: array `(N, H, W, C)` in [0, 1].
        path: str or Path. PNG to write.
        cols: int. Sample/neighbour pairs per row. Defaults to 5.
    """
    neighbours = nearest_training_examples(samples, train)
    pairs = np.stack([samples, neighbours], axis=1).reshape(-1, *samples.shape[1:])
    return plotting.save_grid(np.clip(pairs, 0, 1), path, cols=2 * cols)


def figure_3(generator, latent_prior, path, rows: int = 6, steps: int = 10, seed: int = 0,
             output_space: OutputSpace | str = OutputSpace.PIXELS) -> Path:
    """Linear interpolations between random points of z-space (paper, Figure 3).

    Args:
        generator: `keras.Model`. The generator.
        latent_prior: str or callable. Its latent prior.
        path: str or Path. PNG to write.
        rows: int. Interpolations (pairs of endpoints). Defaults to 6.
        steps: int. Images per interpolation, endpoints included. Defaults to 10.
        seed: int. Seed of the endpoints. Defaults to 0.
        output_space: `OutputSpace` or its name. The generator's; its outputs are drawn mapped to [0, 1].
            Defaults to pixels.
    """
    ends = np.asarray(sample_latent(latent_prior, (2 * rows, generator.input_shape[-1]), seed=seed))
    t = np.linspace(0.0, 1.0, steps)[None, :, None]
    z = ((1 - t) * ends[0::2, None] + t * ends[1::2, None]).reshape(rows * steps, -1).astype("float32")
    images = OutputSpace(output_space).to_display(np.asarray(generator(z, training=False), dtype="float32"))
    return plotting.save_grid(np.clip(images, 0, 1), path, cols=steps)


def write_figures(generator, latent_prior, train: np.ndarray, out_dir, seed: int = 0,
                  output_space: OutputSpace | str = OutputSpace.PIXELS) -> list[Path]:
    """Write `figure_2.png` and `figure_3.png` to `out_dir`; `train` is in the generator's `output_space`."""
    output_space = OutputSpace(output_space)
    out = Path(out_dir)
    samples = output_space.to_display(generate(generator, latent_prior, 30, seed=seed))
    return [
        figure_2(samples, output_space.to_display(train), out / "figure_2.png"),
        figure_3(generator, latent_prior, out / "figure_3.png", seed=seed, output_space=output_space),
    ]
