import keras
import numpy as np
import pytest

from keras_gan import architectures, experiments
from keras_gan.architectures import marginal_logits, tfd
from tests.helpers import (
    architecture_gan,
    assert_saving_round_trip,
    assert_serialization_round_trip,
    changed,
    one_step_train,
    resume_round_trip,
    weights,
)


def dense(n_in, n_out):
    return n_in * n_out + n_out


# Parameter counts from the paper's configurations (goodfeli/adversarial), width 1.0.
PARAMETERS = {
    "mnist": (
        dense(100, 1200) + dense(1200, 1200) + dense(1200, 784),
        dense(784, 240 * 5) + dense(240, 240 * 5) + dense(240, 1),
    ),
    "tfd": (
        dense(100, 8000) + dense(8000, 100) + dense(100, 8000) + dense(8000, 8000) + dense(8000, 2304),
        dense(2304, 1200 * 5) + dense(1200, 1200 * 5) + dense(1200, 1),
    ),
    "tfd_pretrain": (
        dense(100, 8000) + dense(8000, 8000) + dense(8000, 2304),
        dense(2304, 1200 * 5) + dense(1200, 1200 * 5) + dense(1200, 1),
    ),
    "cifar10_fc": (
        dense(100, 8000) + dense(8000, 8000) + dense(8000, 3072),
        dense(3072, 1600 * 5) + dense(1600, 1600 * 5) + dense(1600, 1),
    ),
    "cifar10_conv": (
        # Transposed conv 5x5, 80 -> 3 channels, no tied bias; one bias per output value.
        dense(100, 8000) + dense(8000, 8000) + 5 * 5 * 80 * 3 + 32 * 32 * 3,
        # Maxout convs (pieces x channels outputs), spatial 32 -> 16 -> 7 -> 5 (cuda-convnet pooling).
        (8 * 8 * 3 + 1) * 64 + (8 * 8 * 32 + 1) * 64 + (5 * 5 * 32 + 1) * 384
        + dense(5 * 5 * 192, 500 * 5) + dense(500, 1),
    ),
}
# The overlap normalisation has no weights.
PARAMETERS["cifar10_conv_even_overlap"] = PARAMETERS["cifar10_conv"]


def test_every_architecture_has_its_parameter_count():
    assert sorted(PARAMETERS) == sorted(architectures.ARCHITECTURES)


@pytest.mark.parametrize("name", sorted(architectures.ARCHITECTURES))
@pytest.mark.slow
def test_full_width_parameter_counts(name):
    generator, discriminator = architectures.build(name, width=1.0)
    assert (generator.count_params(), discriminator.count_params()) == PARAMETERS[name]


@pytest.mark.parametrize("name", sorted(architectures.ARCHITECTURES))
def test_small_width_builds_trains_and_saves(name, tmp_path):
    architecture = architectures.get(name)
    images = np.random.default_rng(0).uniform(size=(8, *architecture.image_shape)).astype("float32")
    generator, discriminator = architectures.build(name, width=0.02, train_images=images)
    assert generator.output_shape == (None, *architecture.image_shape)
    assert discriminator.output_shape == (None, 1)
    for model in (generator, discriminator):
        assert_serialization_round_trip(model)
    assert_saving_round_trip(generator, np.ones((2, 100), "float32"), tmp_path)
    gan = experiments.get("mnist").build_gan(2, networks=(generator, discriminator))
    before = weights(gan.generator) + weights(gan.discriminator)
    one_step_train(gan, images)
    assert changed(before, weights(gan.generator) + weights(gan.discriminator))


# Every registered architecture (a new entry is tested without a line here); mnist's stays in the fast tier.
@pytest.mark.parametrize("name", [pytest.param(name, marks=() if name == "mnist" else pytest.mark.slow)
                                  for name in sorted(architectures.ARCHITECTURES)])
def test_a_step_saved_loaded_and_continued_matches_the_step_without_the_round_trip(name, tmp_path):
    resume_round_trip(*architecture_gan(name), tmp_path)


def test_marginal_logits_start_the_generator_at_the_mean_image():
    images = np.random.default_rng(0).uniform(size=(50, 28, 28, 1)).astype("float32")
    images[:, :2] = 0.0  # an always-black border, as in MNIST
    generator, _ = architectures.build("mnist", width=0.1, train_images=images)
    generator.layers[-2].kernel.assign(np.zeros_like(generator.layers[-2].kernel))
    out = np.array(generator(np.zeros((1, 100), "float32")))[0]
    np.testing.assert_allclose(out, np.clip(images.mean(0), 1e-7, 1 - 1e-7), rtol=1e-4, atol=1e-6)


def test_marginal_logits_rejects_empty_batches():
    with pytest.raises(ValueError, match="must be a non-empty batch"):
        marginal_logits(np.zeros((0, 4)))


@pytest.mark.parametrize("name", ["cifar10_fc", "cifar10_conv"])
@pytest.mark.slow
def test_center_output_moves_the_mean_sample_to_the_mean_image(name):
    images = np.random.default_rng(0).normal(loc=0.3, size=(40, 32, 32, 3)).astype("float32")
    generator, _ = architectures.build(name, width=0.05)
    noise = np.random.default_rng(1).normal(size=(4000, 100)).astype("float32")
    before = np.asarray(generator.predict(noise, verbose=0))
    architectures.center_output(generator, images, "normal", n_noise=4000)
    after = np.asarray(generator.predict(noise, verbose=0))
    # Only the constant part moves: how samples vary with the noise is untouched.
    np.testing.assert_allclose(after - after.mean(0), before - before.mean(0), atol=1e-4)
    assert np.abs(before.mean(0) - images.mean(0)).mean() > 0.1
    np.testing.assert_allclose(after.mean(0), images.mean(0), atol=0.05)


def test_center_output_needs_a_linear_output_of_the_image_shape():
    generator, _ = architectures.build("cifar10_fc", width=0.05)
    with pytest.raises(ValueError, match="output shape"):
        architectures.center_output(generator, np.zeros((4, 28, 28, 1)), "normal")
    no_bias = keras.Sequential([keras.Input((100,)), keras.layers.Dense(8), keras.layers.Dense(8, use_bias=False)])
    with pytest.raises(ValueError, match="linear layer with a bias"):
        architectures.center_output(no_bias, np.zeros((4, 8)), "normal")


@pytest.mark.parametrize("name", sorted(architectures.ARCHITECTURES))
def test_initial_ranges_name_every_uniform_layer_and_bound_its_weights(name):
    """Each architecture's ranges cover exactly its uniformly initialised layers (TFD's sparse `y` aside)."""
    architecture = architectures.get(name)
    tight = ({layer: 1e-4 for layer in architecture.g_init_ranges}, {layer: 1e-4 for layer in architecture.d_init_ranges})
    generator, discriminator = architectures.build(name, 0.02, None, *tight)
    for network, ranges, sparse in ((generator, tight[0], {"y"} if name.startswith("tfd") else set()),
                                    (discriminator, tight[1], set())):
        kernels = {layer.name: float(np.abs(np.asarray(layer.kernel)).max())
                   for layer in network.layers if hasattr(layer, "kernel") and layer.name not in sparse}
        assert set(kernels) == set(ranges), network.name
        assert max(kernels.values()) <= 1e-4, network.name


def test_initial_ranges_are_checked():
    with pytest.raises(ValueError, match="The generator has no layer 'h9' with an initial range. Its layers"):
        architectures.build("mnist", 0.02, g_init_ranges={"h9": 0.1})
    with pytest.raises(ValueError, match="`init range of y` must be a positive number"):
        architectures.build("mnist", 0.02, d_init_ranges={"y": 0.0})


def test_tfd_second_stage_reuses_the_pretrained_layers():
    pretrained = tfd.pretrain_generator(width=0.01)
    generator = tfd.grow(pretrained, width=0.01)
    assert all(any(layer is mine for mine in generator.layers) for layer in pretrained.layers)
    assert generator.layers[1].output.shape[-1] == pretrained.input_shape[-1]


def test_tfd_generator_obeys_max_col_norm():
    generator = tfd.pretrain_generator(width=0.01)
    assert all(isinstance(layer.kernel_constraint, keras.constraints.MaxNorm) for layer in generator.layers[:-1])


@pytest.mark.parametrize("width", [0, -1.0, "wide"])
def test_rejects_bad_width(width):
    with pytest.raises(ValueError, match="`width` must be a positive number"):
        architectures.build("mnist", width=width)


def test_unknown_names_list_the_choices():
    with pytest.raises(ValueError, match="Choose one of"):
        architectures.get("lsun")
    with pytest.raises(ValueError, match="Choose one of"):
        experiments.get("lsun")
