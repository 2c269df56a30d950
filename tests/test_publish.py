"""`keras-gan publish`: complete model folders whose scores `keras-gan evaluate` reproduces.

Three tiny runs are published once per module: MNIST (with a Parzen curve and
notes), the fully connected CIFAR-10 experiment (GCN, shipped in display
space) and TFD's two-stage schedule trained on FER-2013.
"""

import csv
import json
import os
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gan
from keras_gan import cli, experiments, pretrained, publish
from keras_gan._io import claim_folder
from keras_gan.checkpoints import CorruptFileError, write_checksum
from keras_gan.datasets.output_space import GCNToDisplay, gcn_to_display
from keras_gan.evaluation import sample_quality, score
from keras_gan.publish import model_card, publish_run
from keras_gan.training import train
from tests.helpers import write_cifar_python, write_fer, write_mnist

NOTES = "- Trained for 2 epochs, not 300.\n- *Verbatim*: `a < b` & c.\n"
SPLITS = {"mnist": (300, 1100, 50), "cifar": (120, 30, 30), "tfd": (105, 105, 105)}


@pytest.fixture(scope="module")
def zoo(tmp_path_factory):
    """The registry folder, with the entries `mnist`, `cifar` and `tfd` published from tiny runs."""
    root = tmp_path_factory.mktemp("publish")
    data = root / "data"
    data.mkdir()
    write_mnist(data, sizes=SPLITS["mnist"])
    write_cifar_python(data, per_batch=30, as_tarball=False)
    write_fer(data, per_class=15, as_tarball=False)
    (root / "notes.md").write_text(NOTES)

    def tiny(name, **changes):
        return experiments.get(name).override({"jit_compile": False, **changes})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KERAS_GAN_CACHE_DIR", str(root / "cache"))
        patch.setattr(pretrained, "_root", lambda: root / "zoo")
        patch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
        train(tiny("mnist", epochs=2, width=0.02, parzen_samples=100), root / "runs" / "mnist", data, verbose=0)
        # Read by TensorFlow at import only, so setting it here changes nothing but the record.
        patch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
        cifar = tiny("cifar10_fc", epochs=1, width=0.005, parzen_every=0, center_output=True, g_learning_rate=0.0625,
                     **{"d_init_ranges.h0": 0.05})
        train(cifar, root / "runs" / "cifar", data, verbose=0)
        patch.delenv("TF_ENABLE_ONEDNN_OPTS")
        train(tiny("tfd", epochs=1, pretrain_epochs=1, width=0.005, dataset="fer2013", parzen_every=0),
              root / "runs" / "tfd", data, verbose=0)
        publish_run(root / "runs" / "mnist", "mnist", data_dir=data, notes=root / "notes.md", n_samples=100)
        publish_run(root / "runs" / "cifar", "cifar", data_dir=data, n_samples=100, seed=3)
        publish_run(root / "runs" / "tfd", "tfd", data_dir=data, n_samples=100)
        yield root


def entry(zoo, name):
    return keras_gan.get_preset(name), (zoo / "zoo" / name / "model_card.md").read_text()


@pytest.mark.parametrize("name", ["mnist", "cifar", "tfd"])
@pytest.mark.slow
def test_metadata_and_card_state_scores_reference_sizes_and_provenance(zoo, name):
    meta, card = entry(zoo, name)
    record = json.loads((zoo / "runs" / name / "run.json").read_text())
    for key in ("parzen_test_log_likelihood", "data_reference"):
        result = meta["scores"][key]
        assert np.isfinite(result["mean"]) and result["protocol"] == "paper"
        assert f"{result['mean']:.1f} +- {result['std_error']:.1f}" in card
        assert result["command"] in card
    reference = meta["scores"]["data_reference"]
    assert reference["n_samples"] == min(100, SPLITS[name][0]) and reference["seed"] == (3 if name == "cifar" else 0)
    assert tuple(meta["data_splits"][split] for split in ("train", "valid", "test")) == SPLITS[name]
    assert "train {:,} / valid {:,} / test {:,} images".format(*SPLITS[name]) in card
    assert meta["generator_parameters"] == record["generator_parameters"]
    assert f"{meta['generator_parameters']:,} at this width; {meta['generator_parameters_full_width']:,}" in card
    size = (zoo / "zoo" / name / "generator.keras").stat().st_size
    assert meta["files"]["generator"]["bytes"] == size and f"{size / 2**20:.1f} MiB" in card
    assert meta["data_sha256"] == record["data_sha256"] and meta["data_sha256"] in card
    assert meta["command"] in card and f"--seed {record['config']['seed']}" in meta["command"]
    assert meta["config"] == record["config"] and meta["deviations"] == record["deviations"]
    # The tiny MNIST run keeps the default Parzen schedule; the others switch it off.
    assert ("--set parzen_every=0" in meta["command"]) == (name != "mnist")
    assert meta["command"].startswith("TF_ENABLE_ONEDNN_OPTS=1 keras-gan train" if name == "cifar" else "keras-gan train")
    # The card lists every deviation, and nothing else.
    expected = {
        "mnist": [],
        "cifar": ["g_learning_rate: 0.025 -> 0.0625", "d_init_ranges.h0: 0.005 -> 0.05", "center_output: False -> True"],
        "tfd": ["dataset: tfd -> fer2013"],
    }[name]
    assert meta["deviations"] == expected
    deviations = card.split("## Deviations from the paper")[1].split("\n\n", 2)[2].split("\n\n")[0]
    assert deviations.splitlines() == ([f"- {line}" for line in expected] or
                                       (NOTES.splitlines() if name == "mnist" else ["None: every setting is the paper's."]))
    assert meta["wall_time_seconds"] > 0 and meta["hardware"] == record["hardware"]
    assert f"width {meta['config']['width']} (multiplier" in card
    # The published command runs the published configuration.
    args = cli.build_parser().parse_args(meta["command"].replace("TF_ENABLE_ONEDNN_OPTS=1 ", "").split()[1:])
    assert cli.config_from_arguments(args).to_dict() == meta["config"]
    for figure in ("figure_2.png", "figure_3.png"):
        assert Image.open(zoo / "zoo" / name / figure).size[0] > 100 and f"]({figure})" in card


def test_mnist_card_quotes_the_paper_notes_and_curve(zoo):
    meta, card = entry(zoo, "mnist")
    # The paper's MNIST generator: 100 -> 1200 -> 1200 -> 784.
    assert meta["generator_parameters_full_width"] == 101 * 1200 + 1201 * 1200 + 1201 * 784
    assert meta["scores"]["paper"] == {"mean": 225.0, "std_error": 2.0, "dataset": "mnist", "comparable": True}
    assert "| paper, Table 1 | 225 +- 2 | | on MNIST |" in card
    assert meta["notes"] == NOTES and NOTES in card
    assert meta["output_space"] == "pixels"
    assert meta["command"] == ("keras-gan train mnist --epochs 2 --width 0.02 --seed 0 --set jit_compile=false "
                               "--set parzen_samples=100 "
                               "--data-dir DATA --out runs/mnist")
    assert Image.open(zoo / "zoo" / "mnist" / "parzen_curve.png").size == (640, 400)
    assert "](parzen_curve.png)" in card
    assert meta["parzen_space"] == "pixels" and "rest scored, in pixels in [0, 1]" in card
    # A GCN run's curve: display space now, GCN space in runs recorded before `parzen_space` existed.
    gcn = {**meta, "output_space": "gcn_display"}
    assert "rest scored, in display space, as are the scores above" in model_card({**gcn, "parzen_space": "gcn_display"})
    assert "cannot be compared with the display-space scores" in model_card({**gcn, "parzen_space": "gcn"})


def test_tfd_on_fer2013_says_so_and_adds_up_both_stages(zoo):
    meta, card = entry(zoo, "tfd")
    stages = [json.loads((zoo / "runs" / "tfd" / path).read_text()) for path in ("pretrain/run.json", "run.json")]
    assert "TFD architecture and two-stage schedule (experiment `tfd`) trained on FER-2013, not on TFD" in card
    assert "--set dataset=fer2013 --set pretrain_epochs=1 " in meta["command"]
    assert meta["wall_time_seconds"] == pytest.approx(sum(stage["wall_time_seconds"] for stage in stages))
    # Both stages: 100 -> 8000 -> 100 below 100 -> 8000 -> 8000 -> 2304.
    assert meta["generator_parameters_full_width"] == 101 * 8000 + 8001 * 100 + 101 * 8000 + 8001 * 8000 + 8001 * 2304
    assert meta["scores"]["paper"]["comparable"] is False and "on TFD: not comparable" in card
    assert (zoo / "zoo" / "tfd" / "pretrain_log.csv").is_file() and meta["figures"]["parzen_curve"] is None


def test_gcn_model_is_shipped_and_scored_in_display_space(zoo):
    meta, card = entry(zoo, "cifar")
    assert meta["output_space"] == "gcn_display" and "measured in this display space" in card
    assert meta["scores"]["paper"] is None and "not reported" in card
    generator = keras_gan.load_generator("cifar")
    assert isinstance(generator.layers[-1], GCNToDisplay)
    images = keras_gan.generate(generator, meta["latent_prior"], 20, seed=0)
    assert images.min() >= 0.0 and images.max() <= 1.0 and images.max() == 1.0
    trained = keras.models.load_model(zoo / "runs" / "cifar" / "generator.keras")
    np.testing.assert_allclose(images, gcn_to_display(keras_gan.generate(trained, "normal", 20, seed=0)), atol=1e-6)


def test_gcn_model_samples_and_serves_images_in_0_1(zoo, tmp_path):
    assert cli.main(["sample", "cifar", "-n", "5", "-o", str(tmp_path / "x.npy")]) == 0
    samples = np.load(tmp_path / "x.npy")
    assert samples.shape == (5, 32, 32, 3) and samples.min() >= 0.0 and samples.max() <= 1.0
    path = keras_gan.export_generator("cifar", tmp_path / "serving")
    served = tf.saved_model.load(str(path)).signatures["sample"](num_samples=tf.constant(5), seed=tf.constant(0, tf.int64))
    assert float(tf.reduce_min(served["images"])) >= 0.0 and float(tf.reduce_max(served["images"])) <= 1.0


@pytest.mark.parametrize("name", ["mnist", "cifar", "tfd"])
@pytest.mark.slow
def test_evaluate_reproduces_the_published_score(zoo, name, capsys):
    published = keras_gan.get_preset(name)["scores"]["parzen_test_log_likelihood"]
    argv = published["command"].replace("DATA", str(zoo / "data")).split()[1:]
    assert cli.main(argv) == 0
    assert f"{published['mean']:.1f} +- {published['std_error']:.1f}" in capsys.readouterr().out
    spec = pretrained.load_model(name)
    result = score(spec, spec.dataset(), zoo / "data", spec.output_space, n_samples=published["n_samples"],
                   seed=published["seed"])
    assert (result.mean, result.std_error, result.sigma) == (published["mean"], published["std_error"],
                                                             published["sigma"])


@pytest.mark.parametrize("name", ["mnist", "cifar", "tfd"])
def test_reference_reproduces_the_published_data_reference(zoo, name, capsys):
    published = keras_gan.get_preset(name)["scores"]["data_reference"]
    argv = published["command"].replace("DATA", str(zoo / "data")).split()
    assert argv[:2] == ["keras-gan", "reference"]  # the package's command, not a script of the repository
    assert cli.main(argv[1:]) == 0
    assert f"{published['mean']:.1f} +- {published['std_error']:.1f} (sigma={published['sigma']:.3g}" in capsys.readouterr().out


def test_failed_publish_leaves_the_entry_as_it_was(zoo, tmp_path):
    before = {path.name: path.read_bytes() for path in (zoo / "zoo" / "mnist").iterdir()}
    with pytest.raises(FileNotFoundError):
        publish_run(zoo / "runs" / "mnist", "mnist", data_dir=tmp_path, n_samples=100)  # no dataset there
    assert {path.name: path.read_bytes() for path in (zoo / "zoo" / "mnist").iterdir()} == before
    assert sorted(path.name for path in (zoo / "zoo").iterdir()) == ["cifar", "mnist", "tfd"]


def test_bad_arguments_are_refused(zoo, tmp_path):
    with pytest.raises(ValueError, match="`name` must be letters"):
        publish_run(zoo / "runs" / "mnist", "../mnist", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="is not a finished `keras-gan train` run: it has no run.json"):
        publish_run(zoo / "runs" / "tfd" / "backup", "x", root=tmp_path)
    unfinished = tmp_path / "unfinished"
    shutil.copytree(zoo / "runs" / "mnist", unfinished)
    record = json.loads((unfinished / "run.json").read_text())
    record["config"]["epochs"] = 5  # a longer run, killed at once
    (unfinished / "run.json").write_text(json.dumps(record))
    with pytest.raises(ValueError, match="its gan.keras holds 2 epochs, its run.json asks for 5"):
        publish_run(unfinished, "x", root=tmp_path)


def test_the_best_validation_epoch_ships_when_asked(zoo, tmp_path):
    run = zoo / "runs" / "mnist"
    estimates = [float(row["parzen_ll"]) for row in csv.DictReader((run / "log.csv").open())]
    folder = publish_run(run, "best", data_dir=zoo / "data", n_samples=100, root=tmp_path, checkpoint="best")
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["checkpoint"] == {"selected": "best validation Parzen estimate", "epoch": int(np.argmax(estimates)) + 1,
                                  "validation_estimate": max(estimates)}
    assert "keras-gan publish runs/best best --checkpoint best" in (folder / "model_card.md").read_text()
    best = keras.models.load_model(run / "best.keras").sampling_generator
    for shipped, kept in zip(keras.models.load_model(folder / "generator.keras").get_weights(), best.get_weights()):
        np.testing.assert_array_equal(shipped, kept)
    assert keras_gan.get_preset("mnist")["checkpoint"] == {"selected": "last", "epoch": 2}


@pytest.mark.slow
def test_the_lowest_validation_fid_epoch_ships_with_its_fid_on_the_card(zoo, tmp_path):
    config = experiments.get("mnist").override({"jit_compile": False, "epochs": 2, "width": 0.02, "parzen_every": 0,
                                                "quality_every": 1, "quality_samples": 100, "best_monitor": "fid"})
    run = tmp_path / "runs" / "fid"
    train(config, run, zoo / "data", verbose=0)
    fids = [float(row["fid"]) for row in csv.DictReader((run / "log.csv").open())]
    folder = publish_run(run, "fid", data_dir=zoo / "data", n_samples=100, root=tmp_path, checkpoint="best")
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["checkpoint"] == {"selected": "lowest validation FID", "epoch": int(np.argmin(fids)) + 1,
                                  "validation_fid": min(fids)}
    assert f"the lowest validation FID ({min(fids):.3f}: 100 samples against as many validation images" in (
        folder / "model_card.md").read_text()
    assert meta["deviations"] == []  # how a run is monitored and chosen is not a deviation


def test_best_checkpoint_is_refused_when_missing_or_not_the_recorded_one(zoo, tmp_path):
    with pytest.raises(FileNotFoundError, match="has no best.keras and best.json: only runs that measured"):
        publish_run(zoo / "runs" / "cifar", "x", data_dir=zoo / "data", root=tmp_path, checkpoint="best")
    with pytest.raises(ValueError, match="`checkpoint` must be one of"):
        publish_run(zoo / "runs" / "mnist", "x", root=tmp_path, checkpoint="first")
    copy = tmp_path / "copy"
    shutil.copytree(zoo / "runs" / "mnist", copy)
    shutil.copyfile(copy / "gan.keras", copy / "best.keras")  # another epoch's file, with a record of its own
    write_checksum(copy / "best.keras")
    with pytest.raises(CorruptFileError, match="is not the file best.json records"):
        publish_run(copy, "x", data_dir=zoo / "data", root=tmp_path, checkpoint="best")


def test_a_run_is_measured_before_publishing_as_its_published_generator_would_be(zoo):
    from studies.run_quality import run_report, run_samples

    # The GCN run: its samples must be put in the published (display) space, as `publish` does.
    samples, space = run_samples(zoo / "runs" / "cifar", "last", n=20, seed=1)
    assert space == "gcn_display"
    np.testing.assert_allclose(samples, pretrained.load_model("cifar").generate(20, seed=1), atol=1e-6)
    report = run_report(zoo / "runs" / "mnist", "best", zoo / "data", n_samples=20, seed=1)
    expected = sample_quality(run_samples(zoo / "runs" / "mnist", "best", n=20, seed=1)[0], "mnist", zoo / "data",
                              metrics_to_run=("fid", "prdc"), n_real=20, seed=1)
    assert report.model["fid"] == pytest.approx(expected.model["fid"]) and report.parzen is None  # no test score
    with pytest.raises(FileNotFoundError, match="best.keras"):
        run_samples(zoo / "runs" / "cifar", "best", n=20)  # it measured no validation estimate


def test_a_publish_removes_the_leftovers_of_killed_publishes_only(tmp_path):
    """Staging folders nobody claims are removed, a live publish's kept; a model moved aside by a killed
    publish is put back where the kill left none, once no live publish of that name is under way."""
    folder = tmp_path / "mnist"
    killed, live, other = (tmp_path / f".{name}.{digit * 32}.tmp" for name, digit in
                           (("mnist", "a"), ("mnist", "b"), ("mnist2", "c")))
    old = tmp_path / f".mnist.{'d' * 32}.old"
    for leftover in (killed, live, other, old):
        leftover.mkdir()
        (leftover / "metadata.json").write_text("{}")
    claim = claim_folder(live)
    assert claim is not None
    try:
        assert publish.remove_leftovers(folder) == [killed]
        assert publish.leftovers(folder) == [live, old]  # The live publish's own, and what it replaces.
    finally:
        os.close(claim)
    assert publish.remove_leftovers(folder) == [live]
    assert (folder / "metadata.json").read_text() == "{}"  # Put back.
    assert publish.leftovers(folder) == [] and other.is_dir()


def test_a_card_names_an_architecture_that_is_not_the_papers():
    config = experiments.get("cifar10_conv").override({"architecture": "cifar10_conv_even_overlap"})
    assert "`cifar10_conv_even_overlap`, not the paper's `cifar10_conv`" in publish._description(config, "cifar10")
    assert publish._description(experiments.get("cifar10_conv"), "cifar10").startswith("The generator of the paper's")


def test_a_run_on_another_backend_publishes_a_command_and_card_line_that_name_it():
    config = experiments.get("mnist")
    command = experiments.command_line(config, out="runs/m")
    # Records written before backends were recorded trained on TensorFlow.
    for record, prefix in [({}, ""), ({"keras_backend": "tensorflow", "tf_enable_onednn_opts": "1"}, "TF_ENABLE_ONEDNN_OPTS=1 "),
                           ({"keras_backend": "jax"}, "KERAS_BACKEND=jax ")]:
        assert publish._training_command(record, config, "m") == prefix + command
    versions = {"keras_version": "3.15.1", "tensorflow_version": "2.21.0"}
    assert publish._versions(versions) == publish._versions({**versions, "keras_backend": "tensorflow"}) == \
        "- Keras 3.15.1, TensorFlow 2.21.0"
    line = publish._versions({"keras_version": "3.15.1", "tensorflow_version": None, "keras_backend": "jax"})
    assert "None" not in line and "`KERAS_BACKEND=jax`" in line
