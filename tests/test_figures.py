import keras
import numpy as np
import pytest

from keras_gan.figures import figure_3, nearest_training_examples
from keras_gan.priors import sample_latent


def test_nearest_training_examples_matches_brute_force():
    rng = np.random.default_rng(0)
    train = rng.uniform(size=(257, 3, 3, 1))
    samples = rng.uniform(size=(7, 3, 3, 1))
    expected = train[((samples[:, None] - train[None]) ** 2).sum(axis=(2, 3, 4)).argmin(1)]
    np.testing.assert_array_equal(nearest_training_examples(samples, train, batch_size=50), expected)


def test_nearest_training_examples_rejects_other_shapes():
    with pytest.raises(ValueError, match="differ in shape"):
        nearest_training_examples(np.zeros((1, 4)), np.zeros((3, 5)))


def test_interpolation_endpoints_are_the_generators_images(tmp_path, monkeypatch):
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, "sigmoid"), keras.layers.Reshape((2, 2, 1))])
    grids = []
    monkeypatch.setattr("keras_gan.plotting.save_grid", lambda images, path, cols: grids.append(images) or path)
    figure_3(generator, "normal", tmp_path / "f.png", rows=2, steps=5, seed=1)
    images = grids[0].reshape(2, 5, 2, 2, 1)
    ends = np.asarray(sample_latent("normal", (4, 2), seed=1))
    np.testing.assert_allclose(images[:, 0], np.asarray(generator(ends[0::2])), rtol=1e-5)
    np.testing.assert_allclose(images[:, -1], np.asarray(generator(ends[1::2])), rtol=1e-5)
