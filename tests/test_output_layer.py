"""Issue 33's screens of G's output layer: `g_output_lr_scale`, `g_output_max_norm_scale`, `g_output_init_range`."""

import types

import keras
import numpy as np
import pytest

from keras_gan import architectures, experiments, training
from keras_gan.architectures import tfd
from keras_gan.schedules import ExponentialDecayToFloor, LinearMomentum, ScheduledMomentumSGD
from tests.helpers import assert_saving_round_trip

IMAGES = np.random.default_rng(0).uniform(size=(32, 48, 48, 1)).astype("float32")
DATA = types.SimpleNamespace(train=IMAGES)


def tfd_config(**changes):
    return experiments.get("tfd").override({"width": 0.02, **changes})


def first_stage(config):
    """The first stage's networks as `keras-gan train` draws them."""
    keras.utils.set_random_seed(config.seed)
    return training._first_stage_networks(config, DATA)


def all_weights(*networks):
    return {v.path: np.array(v) for network in networks for v in network.weights}


def test_the_papers_values_draw_the_same_networks_as_before():
    keras.utils.set_random_seed(0)
    first = architectures.get("tfd_pretrain")
    before = all_weights(first.generator(0.02, architectures.marginal_logits(IMAGES)), first.discriminator(0.02))
    after = all_weights(*first_stage(tfd_config()))
    assert before.keys() == after.keys()
    assert all(np.array_equal(before[key], after[key]) for key in before)
    keras.utils.set_random_seed(0)
    before = all_weights(*architectures.build("tfd", 0.02, IMAGES))
    keras.utils.set_random_seed(0)
    after = all_weights(*tfd_config().build_networks(IMAGES))
    assert all(np.array_equal(before[key], after[key]) for key in before)


def test_the_papers_optimizers_have_no_learning_rate_scales():
    gan = tfd_config().build_gan(2, train_images=IMAGES)
    assert "lr_scales" not in gan.g_optimizer.get_config() and gan.g_optimizer.lr_scales == {}


def test_a_dense_initial_range_replaces_only_the_output_kernel():
    paper = all_weights(*first_stage(tfd_config()))
    generator, discriminator = first_stage(tfd_config(g_output_init_range=0.05))
    dense = all_weights(generator, discriminator)
    kernel = generator.get_layer("y").kernel
    assert [key for key in paper if not np.array_equal(paper[key], dense[key])] == [kernel.path]
    values = np.array(kernel)
    assert (values != 0).mean() == 1.0 and np.abs(values).max() <= 0.05
    assert np.abs(values).max() > 0.045 and abs(values.std() - 0.05 / np.sqrt(3)) < 0.002  # uniform on [-r, r]
    assert (np.array(paper[kernel.path]) != 0).sum(axis=0).tolist() == [100] * 2304  # the paper's sparse_init


def test_the_initial_rebuild_of_a_run_has_the_changed_output_layer():
    """Diagnostics compare with `initial_networks`: it must draw what training started from."""
    config = tfd_config(g_output_init_range=0.05, g_output_max_norm_scale=0.0)
    generator, _ = first_stage(config)
    rebuilt, _ = training.initial_networks(config, DATA, first_stage=True)
    assert np.array_equal(np.array(generator.get_layer("y").kernel), np.array(rebuilt.get_layer("y").kernel))
    assert rebuilt.get_layer("y").kernel.constraint is None


@pytest.mark.parametrize("scale, cap", [(1.0, tfd.MAX_COL_NORM), (2.0, 2 * tfd.MAX_COL_NORM), (0.0, None)])
def test_the_max_norm_scale_sets_the_output_cap_and_survives_saving(scale, cap, tmp_path):
    generator, _ = first_stage(tfd_config(g_output_max_norm_scale=scale))
    layer = generator.get_layer("y")
    for constraint in (layer.kernel.constraint, layer.kernel_constraint):
        assert (None if constraint is None else constraint.max_value) == cap
    assert generator.get_layer("h1").kernel.constraint.max_value == tfd.MAX_COL_NORM  # the other layers keep theirs
    loaded = assert_saving_round_trip(generator, np.ones((2, 100), "float32"), tmp_path)
    constraint = loaded.get_layer("y").kernel.constraint
    assert (None if constraint is None else constraint.max_value) == cap


@pytest.mark.slow
def test_without_the_cap_the_output_columns_keep_their_initial_norm():
    """`sparse_init`'s columns start near norm 10; the paper's cap projects them to 1.9365 at the first update."""
    norms = {}
    for scale in (1.0, 0.0):
        config = tfd_config(g_output_max_norm_scale=scale)
        gan = config.build_gan(2, networks=first_stage(config))
        gan.fit(IMAGES, batch_size=16, epochs=1, verbose=0)
        norms[scale] = np.linalg.norm(np.array(gan.generator.get_layer("y").kernel), axis=0)
    assert norms[1.0].max() <= tfd.MAX_COL_NORM * (1 + 1e-5)
    assert norms[0.0].min() > 5


@pytest.mark.slow
def test_the_output_learning_rate_scale_multiplies_only_the_output_kernels_update():
    """One update from the same start: the gradients are the same, so the output kernel moves `scale` times as far."""
    moves, zero = {}, None
    for scale in (1.0, 10.0):
        config = tfd_config(g_output_lr_scale=scale, g_output_max_norm_scale=0.0)  # no cap to project the update
        gan = config.build_gan(1, networks=first_stage(config))
        before = all_weights(gan.generator)
        zero = before[gan.generator.get_layer("y").kernel.path] == 0
        gan.fit(IMAGES[:16], batch_size=16, epochs=1, verbose=0)
        moves[scale] = {key: np.array(v) - before[key] for key, v in all_weights(gan.generator).items()}
    kernel = gan.generator.get_layer("y").kernel.path
    assert gan.g_optimizer.lr_scales == {"y/kernel": 10.0}
    # Where the kernel started at 0 (most of `sparse_init`'s entries) float32 holds the tiny first update exactly.
    assert (moves[1.0][kernel][zero] != 0).mean() > 0.5
    np.testing.assert_allclose(moves[10.0][kernel][zero], 10 * moves[1.0][kernel][zero], rtol=1e-4)
    for key in moves[1.0]:
        if key != kernel:
            np.testing.assert_array_equal(moves[10.0][key], moves[1.0][key])


def test_learning_rate_scales_survive_the_optimizers_config_and_name_real_variables():
    variable = keras.Variable(np.ones(3, "float32"), name="w")
    optimizer = ScheduledMomentumSGD(ExponentialDecayToFloor(0.1), LinearMomentum(10), lr_scales={variable.path: 3.0})
    clone = ScheduledMomentumSGD.from_config(optimizer.get_config())
    assert clone.lr_scales == {variable.path: 3.0}
    with pytest.raises(ValueError, match="exactly one of the optimizer's variables; it matches 0"):
        ScheduledMomentumSGD(0.1, LinearMomentum(10), lr_scales={"nowhere/kernel": 2.0}).build([variable])
    optimizer.build([variable])
    optimizer.apply([np.ones(3, "float32")], [variable])
    np.testing.assert_allclose(np.array(variable), 1 - 3 * 0.1)


@pytest.mark.parametrize(
    "name, changes, message",
    [
        ("tfd", {"g_output_lr_scale": 0.0}, "`g_output_lr_scale` must be positive"),
        ("tfd", {"g_output_lr_scale": 2.0, "optimizer": "adam"}, "needs optimizer='sgd'"),
        ("tfd", {"g_output_max_norm_scale": -1.0}, "`g_output_max_norm_scale` must be non-negative"),
        ("tfd", {"g_output_init_range": -0.1}, "`g_output_init_range` must be non-negative"),
        ("mnist", {"g_output_max_norm_scale": 2.0}, "with architecture 'mnist'"),
        ("cifar10_fc", {"g_output_init_range": 0.1}, "`g_init_ranges.y`"),
    ],
)
def test_bad_output_layer_settings_are_one_clear_error(name, changes, message):
    with pytest.raises(ValueError) as error:
        experiments.get(name).override(changes)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_the_settings_are_recorded_deviations_read_from_the_command_line():
    config = experiments.get("tfd")
    changes = dict(experiments.parse_setting(config, text) for text in
                   ("g_output_lr_scale=10", "g_output_max_norm_scale=0", "g_output_init_range=0.05"))
    changed = config.override(changes)
    assert experiments.deviations(changed) == {
        "g_output_lr_scale": (1.0, 10.0), "g_output_max_norm_scale": (1.0, 0.0), "g_output_init_range": (0.0, 0.05)}
    assert experiments.Experiment.from_dict(changed.to_dict()) == changed
    assert "--set g_output_lr_scale=10.0" in experiments.command_line(changed)


@pytest.mark.slow
def test_a_saved_gan_with_an_output_learning_rate_scale_loads_and_keeps_it(tmp_path):
    """A loaded generator's variable paths lose the enclosing model's name: the scale must still find its kernel."""
    config = tfd_config(g_output_lr_scale=10.0)
    gan = config.build_gan(2, networks=first_stage(config))
    gan.fit(IMAGES, batch_size=16, epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert loaded.g_optimizer.lr_scales == {"y/kernel": 10.0}
    index = [v.path for v in loaded.generator.trainable_variables].index(loaded.generator.get_layer("y").kernel.path)
    assert loaded.g_optimizer._lr_scale_of[index] == 10.0 and loaded.g_optimizer._lr_scale_of.count(None) == 5
