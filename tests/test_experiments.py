"""Run configurations: the paper's values, overrides, validation, deviations and the command that reproduces a run."""

import dataclasses

import pytest

from keras_gan import cli, experiments, records

# Written from goodfeli/adversarial's YAML files, not from the package: (YAML learning rate, batch size,
# noise, G's iranges by layer, D's iranges by layer). Every YAML also has momentum .5 -> .7 over epochs
# 1-250, ExponentialDecay(1.000004, min_lr .000001) and one simultaneous D and G update per batch.
YAML = {
    "mnist": (0.1, 100, "uniform", {"h0": 0.05, "h1": 0.05, "y": 0.05}, {"h0": 0.005, "h1": 0.005, "y": 0.005}),
    "cifar10_fc": (0.025, 100, "normal", {"h0": 0.05, "h1": 0.05, "y": 0.5}, {"h0": 0.005, "h1": 0.005, "y": 0.005}),
    "cifar10_conv": (0.004, 128, "normal", {"h0": 0.05, "h1": 0.05, "y": 0.05},
                     {"h0": 0.005, "h1": 0.005, "h2": 0.005, "h3": 0.005, "y": 0.005}),
    "tfd": (0.05, 100, "normal", {"g0": 0.05, "g1": 0.05, "h0": 0.05, "h1": 0.05},
            {"h0": 0.005, "h1": 0.005, "y": 0.005}),
}


@pytest.mark.parametrize("name", sorted(experiments.EXPERIMENTS))
def test_each_experiment_holds_its_yaml_settings(name):
    config = experiments.get(name)
    learning_rate, batch_size, noise, g_ranges, d_ranges = YAML[name]
    # D's rate is half the YAML's: its loss here is twice the code's 0.5 * (BCE(real) + BCE(fake)).
    assert (config.g_learning_rate, config.d_learning_rate) == (learning_rate, learning_rate / 2)
    assert (config.batch_size, config.latent_prior, config.d_steps, config.update) == (batch_size, noise, 1,
                                                                                        "simultaneous")
    assert (config.g_init_ranges, config.d_init_ranges) == (g_ranges, d_ranges)
    assert (config.initial_momentum, config.final_momentum, config.momentum_start, config.momentum_saturate) == (
        0.5, 0.7, 1, 250)
    assert (config.decay_factor, config.min_learning_rate, config.optimizer) == (1.000004, 1e-6, "sgd")
    assert (config.generator_loss, config.center_output, config.dtype_policy, config.width) == (
        "non_saturating", False, "float32", 1.0)
    assert config.gcn == name.startswith("cifar10") and experiments.deviations(config) == {}


@pytest.mark.parametrize("name", sorted(experiments.EXPERIMENTS))
def test_a_configuration_survives_its_record_and_its_command(name):
    paper = experiments.get(name)
    changes = {"width": 0.5, "seed": 7, "update": "alternating", "d_steps": 2, "generator_loss": "minimax",
               f"d_init_ranges.{next(iter(paper.d_init_ranges))}": 0.02, "jit_compile": True,
               "dtype_policy": "mixed_bfloat16", "optimizer": "adam"}
    config = paper.override(changes)
    assert experiments.Experiment.from_dict(config.to_dict()) == config
    assert records.config_of({"config": config.to_dict()}) == config
    words = experiments.command_line(config).split()[1:]
    assert cli.config_from_arguments(cli.build_parser().parse_args(words)) == config


def test_deviations_are_the_diff_and_run_settings_are_not_deviations():
    config = experiments.get("cifar10_conv").override(
        {"g_learning_rate": 0.04, "g_init_ranges.y": 2.0, "center_output": True, "width": 0.25, "epochs": 60,
         "seed": 3, "parzen_every": 5, "quality_every": 2, "best_monitor": "fid"})
    assert experiments.deviations(config) == {
        "g_learning_rate": (0.004, 0.04), "g_init_ranges.y": (0.05, 2.0), "center_output": (False, True)}
    assert records.deviation_lines(config) == [
        "g_learning_rate: 0.004 -> 0.04", "g_init_ranges.y: 0.05 -> 2.0", "center_output: False -> True"]


def test_override_leaves_the_paper_untouched():
    paper = experiments.get("cifar10_fc")
    ranges = dict(paper.g_init_ranges)
    paper.override({"g_init_ranges.y": 0.1})
    assert paper.g_init_ranges == ranges and dataclasses.replace(paper) == paper


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"learning_rate": 0.1}, "Unknown setting 'learning_rate'. Valid settings: adam_beta_1,"),
        ({"name": "x"}, "Unknown setting 'name'"),
        ({"width.h0": 1.0}, "Unknown setting 'width.h0'"),
        ({"epochs": 2.5}, "`epochs` must be an integer. Received: epochs=2.5"),
        ({"center_output": 1}, "`center_output` must be true or false. Received: center_output=1"),
        ({"g_learning_rate": "fast"}, "`g_learning_rate` must be a number. Received: g_learning_rate='fast'"),
        ({"g_learning_rate": 0}, "`g_learning_rate` must be positive"),
        ({"seed": -1}, "`seed` must be non-negative"),
        ({"decay_factor": 0.5}, "`decay_factor` must be >= 1"),
        ({"final_momentum": 1.0}, "must be below 1"),
        ({"optimizer": "rmsprop"}, "`optimizer` must be one of ['sgd', 'adam']"),
        ({"dataset": "lsun"}, "`dataset` must be one of"),
        ({"d_steps": 2}, "needs `d_steps=1`"),
        ({"g_init_ranges.y7": 0.1}, "has no layer 'y7'. Its layers: ['h0', 'h1', 'y']"),
        ({"g_init_ranges": {"h0": 0.1}}, "must name the layers ['h0', 'h1', 'y']"),
        ({"d_init_ranges.y": -1.0}, "`d_init_ranges.y` must be positive"),
        ({"center_output": True}, "`center_output` is for the linear-output CIFAR-10 generators"),
        ({"best_monitor": "fid"}, "`best_monitor='fid'` keeps the epoch of the lowest validation FID, which only"),
        ({"best_monitor": "kid"}, "`best_monitor` must be one of ['parzen_ll', 'fid']"),
        ({"quality_samples": 0}, "`quality_samples` must be positive"),
        ({"pretrain_epochs": 5}, "`pretrain_epochs` trains a first stage, which architecture 'mnist' does not have"),
    ],
)
def test_bad_overrides_are_one_clear_error(changes, message):
    with pytest.raises(ValueError) as error:
        experiments.get("mnist").override(changes)
    assert message in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("update=alternating", ("update", "alternating")),
        ("g_learning_rate=1e-3", ("g_learning_rate", 0.001)),
        ("epochs=5", ("epochs", 5)),
        ("center_output=True", ("center_output", True)),
        ("jit_compile=auto", ("jit_compile", "auto")),
        ("jit_compile=false", ("jit_compile", False)),
        ("image_size=none", ("image_size", None)),
        ("d_init_ranges.h1=0.05", ("d_init_ranges.h1", 0.05)),
    ],
)
def test_settings_are_read_as_their_fields_type(text, parsed):
    assert experiments.parse_setting(experiments.get("mnist"), text) == parsed


def test_records_from_before_configurations_convert_to_the_settings_they_ran():
    """The old six options as their settings: the `cifar10_fc` run's record, before and after."""
    legacy = {"experiment": "cifar10_fc", "width": 0.25, "seed": 0, "epochs": 50, "batch_size": 100,
              "update": "simultaneous", "latent_prior": "normal", "d_steps": 1, "parzen_every": 5,
              "center_output": True, "d_init_scale": 10.0, "g_output_init_scale": 0.2,
              "g_last_hidden_init_scale": 4.0, "d_learning_rate_scale": 1.0, "g_learning_rate_scale": 3.0}
    config = records.config_of(legacy)
    assert experiments.deviations(config) == {
        "g_learning_rate": (0.025, 0.075), "g_init_ranges.h1": (0.05, 0.2), "g_init_ranges.y": (0.5, 0.1),
        "d_init_ranges.h0": (0.005, 0.05), "d_init_ranges.h1": (0.005, 0.05), "d_init_ranges.y": (0.005, 0.05),
        "center_output": (False, True)}
    assert (config.width, config.epochs, config.parzen_every) == (0.25, 50, 5)


def test_the_groups_keep_todays_deviations_and_resumable_settings():
    """The settings that are not deviations and those a resumed run may change, as they were before the groups."""
    assert set(experiments.RUN_SETTINGS) == {
        "width", "epochs", "pretrain_epochs", "seed", "jit_compile", "parzen_every", "parzen_samples",
        "quality_every", "quality_samples", "best_monitor", "diagnostics_every"}
    assert set(experiments.RESUMABLE) == {"epochs", "jit_compile", "parzen_every", "parzen_samples"}
    assert all(field.metadata["group"] in experiments.GROUPS for field in dataclasses.fields(experiments.Experiment))
