"""A catalogue of bad inputs across the API and the CLI: each fails with one line naming the problem and the fix.

Every entry is `(make, error, fragment)`: `make(tmp_path)` builds the input and
calls the API (or returns the `keras-gan` arguments of a `Cli` entry); the
call must raise `error` (or exit with the entry's code) with a one-line
message holding `fragment`. The training workflow's own inputs are not here.
"""

import gzip
import pickle
from pathlib import Path
from typing import Callable, NamedTuple

import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import GAN, cli, datasets, generate, plotting
from keras_gan.datasets import OutputSpace, _sources
from keras_gan.evaluation import (
    evaluate_generator,
    parzen_log_likelihood,
    select_sigma,
)
from keras_gan.export import export_generator
from tests.helpers import write_cifar_python, write_fer, write_mnist

RNG = np.random.default_rng(0)
SAMPLES = RNG.uniform(size=(20, 4))


class Cli(NamedTuple):
    """`keras-gan ARGS` (from `argv(tmp_path)`), which must exit with `code`."""

    argv: Callable[[Path], list]
    code: int


class RunsCode:
    """A pickle that, if loaded with `pickle`, creates the file `path`."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return open, (str(self.path), "w")


def mnist_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    write_mnist(folder)
    return folder


def with_mnist_file(tmp_path: Path, content) -> Path:
    """A data folder whose mnist.pkl.gz holds `content` (bytes, or an object pickled and gzipped)."""
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    path = folder / "mnist.pkl.gz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        with gzip.open(path, "wb") as f:
            pickle.dump(content, f, protocol=2)
    return folder


def truncated_mnist(tmp_path: Path) -> Path:
    folder = mnist_dir(tmp_path)
    data = (folder / "mnist.pkl.gz").read_bytes()
    (folder / "mnist.pkl.gz").write_bytes(data[: len(data) // 2])
    return folder


def image_dir(tmp_path: Path, sizes=(), extra: dict | None = None) -> Path:
    folder = tmp_path / "images"
    folder.mkdir(exist_ok=True)
    for i, (width, height) in enumerate(sizes):
        Image.fromarray(np.zeros((height, width, 3), np.uint8)).save(folder / f"{i}.png")
    for name, data in (extra or {}).items():
        (folder / name).write_bytes(data)
    return folder


def first_batch(dataset):
    return next(iter(dataset))


def truncated(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def tiny_generator(output_shape=(2, 2, 3)):
    return keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(int(np.prod(output_shape)), "sigmoid"),
         keras.layers.Reshape(output_shape)], name="tiny",
    )


def tiny_gan(**kwargs):
    discriminator = keras.Sequential([keras.Input((2, 2, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
    return GAN(tiny_generator(), discriminator, **kwargs)


def bare_generator_file(tmp_path: Path) -> Path:
    path = tmp_path / "alone" / "generator.keras"
    path.parent.mkdir()
    tiny_generator((28, 28, 1)).save(path)
    return path


CASES = {
    # --- datasets ---------------------------------------------------------
    "dataset_unknown_name": (lambda t: datasets.load_numpy("mnistt"), ValueError, "`name` must be one of"),
    "dataset_unknown_split": (
        lambda t: datasets.load_numpy("mnist", "validation", data_dir=mnist_dir(t)), ValueError,
        "`split` must be one of ('train', 'valid', 'test') for mnist",
    ),
    "dataset_tfd_fold_out_of_range": (
        lambda t: datasets.load_numpy("tfd", fold=5), ValueError, "`fold` must be an int from 0 to 4",
    ),
    "dataset_fold_for_mnist": (lambda t: datasets.load_numpy("mnist", fold=1), ValueError, "leave it at 0"),
    "dataset_batch_size_zero": (
        lambda t: datasets.load("mnist", batch_size=0), ValueError, "`batch_size` must be a positive int or None",
    ),
    "data_dir_missing": (
        lambda t: datasets.load_numpy("mnist", data_dir=t / "nowhere"), FileNotFoundError,
        "`data_dir` must be an existing folder holding the dataset files",
    ),
    "data_dir_without_the_file": (
        lambda t: datasets.load_numpy("mnist", data_dir=t), FileNotFoundError,
        "No MNIST data in",
    ),
    "mnist_truncated": (
        lambda t: datasets.load_numpy("mnist", data_dir=truncated_mnist(t)), ValueError,
        "it is not a readable gzipped pickle",
    ),
    "mnist_not_gzip": (
        lambda t: datasets.load_numpy("mnist", data_dir=with_mnist_file(t, b"<html>404</html>")), ValueError,
        "it is not a readable gzipped pickle",
    ),
    "mnist_wrong_layout": (
        lambda t: datasets.load_numpy("mnist", data_dir=with_mnist_file(t, (np.zeros((2, 784)), np.zeros(2)))),
        ValueError, "it does not hold three (images, labels) pairs",
    ),
    "mnist_wrong_image_shape": (
        lambda t: datasets.load_numpy(
            "mnist", data_dir=with_mnist_file(t, [(np.ones((2, 28, 28), np.float32), np.zeros(2))] * 3)
        ),
        ValueError, "found images of shape (2, 28, 28)",
    ),
    "mnist_unknown_pixel_scale": (
        lambda t: datasets.load_numpy(
            "mnist", data_dir=with_mnist_file(t, [(np.full((2, 784), 7.0, np.float32), np.zeros(2))] * 3)
        ),
        ValueError, "the largest pixel value is 7.0, not 255/256 or 1",
    ),
    "mnist_pickle_that_runs_code": (
        lambda t: datasets.load_numpy("mnist", data_dir=with_mnist_file(t, RunsCode(t / "created"))),
        ValueError, "it would call `io.open` while being read, which a dataset file never needs",
    ),
    "mnist_object_array": (
        lambda t: datasets.load_numpy(
            "mnist", data_dir=with_mnist_file(t, [(np.array([None] * 784, object)[None], np.zeros(1))] * 3)
        ),
        ValueError, "it holds a numpy array of dtype 'O8', not of numbers",
    ),
    "cifar10_truncated_release": (
        lambda t: (write_cifar_python(t), truncated(t / "cifar-10-python.tar.gz"),
                   datasets.load_numpy("cifar10", data_dir=t)),
        ValueError, "is not a readable tarball",
    ),
    "fer2013_truncated_archive": (
        lambda t: (truncated(write_fer(t)), datasets.load_numpy("fer2013", data_dir=t)),
        ValueError, "is not a readable tarball",
    ),
    "image_folder_missing": (
        lambda t: datasets.image_folder(t / "nowhere"), FileNotFoundError, "`path` must be an existing folder",
    ),
    "image_folder_empty": (
        lambda t: datasets.image_folder(image_dir(t, extra={"notes.txt": b"no images"})), FileNotFoundError,
        "add images or pass the folder that holds them",
    ),
    "image_folder_mixed_sizes": (
        lambda t: datasets.image_folder(image_dir(t, sizes=[(8, 8), (8, 6)])), ValueError,
        "Pass `image_size=(height, width)` to resize them all",
    ),
    "image_folder_corrupt_image": (
        lambda t: datasets.image_folder(image_dir(t, sizes=[(8, 8)], extra={"bad.png": b"not a png"})),
        ValueError, "as an image (cannot identify image file",
    ),
    "image_folder_bad_size": (
        lambda t: datasets.image_folder(image_dir(t, sizes=[(8, 8)]), image_size=(8, 0)), ValueError,
        "`image_size` must be a positive int or a (height, width) pair",
    ),
    # --- evaluation -------------------------------------------------------
    "parzen_nan_samples": (
        lambda t: parzen_log_likelihood(np.where(np.eye(20, 4) > 0, np.nan, SAMPLES), SAMPLES, 0.2), ValueError,
        ("`samples` must contain only finite values; 4 example(s) hold NaN or inf, the first at index 0. "
         "Remove or repair them"),
    ),
    "parzen_inf_data": (
        lambda t: parzen_log_likelihood(SAMPLES, np.full((3, 4), np.inf), 0.2), ValueError,
        "`data` must contain only finite values",
    ),
    "parzen_feature_mismatch": (
        lambda t: parzen_log_likelihood(SAMPLES, np.zeros((3, 5)), 0.2), ValueError,
        "Pass data of the same kind as the samples",
    ),
    "parzen_text_samples": (
        lambda t: parzen_log_likelihood(np.array([["a"]]), SAMPLES, 0.2), ValueError,
        "`samples` must hold real numbers",
    ),
    "parzen_negative_sigma": (
        lambda t: parzen_log_likelihood(SAMPLES, SAMPLES, -0.1), ValueError, "`sigma` must be positive and finite",
    ),
    "sigma_selection_empty_valid": (
        lambda t: select_sigma(SAMPLES, np.zeros((0, 4))), ValueError, "`valid` must hold at least one example",
    ),
    "evaluate_zero_samples": (
        lambda t: evaluate_generator(tiny_gan(), SAMPLES, SAMPLES, n_samples=0), ValueError,
        "`n_samples` must be a positive integer",
    ),
    "evaluate_unknown_protocol": (
        lambda t: evaluate_generator(SAMPLES, SAMPLES, SAMPLES, protocol="best"), ValueError,
        "`protocol` must be one of",
    ),
    "real_images_unknown_space": (
        lambda t: OutputSpace("rgb").real_images("mnist", "valid"), ValueError, "`output_space` must be one of",
    ),
    "real_images_unknown_dataset": (
        lambda t: OutputSpace.PIXELS.real_images("lsun", "valid"), ValueError, "`dataset` must be one of",
    ),
    # --- plotting ---------------------------------------------------------
    "grid_nan_images": (
        lambda t: plotting.image_grid(np.full((2, 4, 4, 1), np.nan)), ValueError,
        "`images` contains NaN (has the model diverged?): pass finite values in [0, 1]",
    ),
    "grid_inf_images": (
        lambda t: plotting.image_grid(np.full((2, 4, 4, 1), np.inf)), ValueError,
        "values must be in [0, 1]: rescale or `np.clip` them first",
    ),
    "grid_0_255_floats": (
        lambda t: plotting.image_grid(np.full((2, 4, 4, 3), 255.0)), ValueError, "rescale or `np.clip` them first",
    ),
    "grid_two_channels": (
        lambda t: plotting.image_grid(np.zeros((2, 4, 4, 2))), ValueError,
        "must be a non-empty batch of shape (N, H, W), (N, H, W, 1) or (N, H, W, 3)",
    ),
    "grid_empty_batch": (
        lambda t: plotting.image_grid(np.zeros((0, 4, 4, 1))), ValueError, "must be a non-empty batch",
    ),
    "grid_complex_images": (
        lambda t: plotting.image_grid(np.zeros((2, 4, 4, 1), complex)), ValueError,
        "`images` must hold real numbers",
    ),
    "grid_too_small": (
        lambda t: plotting.image_grid(np.zeros((5, 4, 4, 1)), rows=2, cols=2), ValueError,
        "A 2 x 2 grid cannot hold 5 images: raise `rows` or `cols`",
    ),
    "save_image_not_png": (
        lambda t: plotting.save_image(np.zeros((4, 4)), t / "a.jpg"), ValueError, "`path` must end in '.png'",
    ),
    "line_plot_no_finite_point": (
        lambda t: plotting.save_line_plot({"loss": ([1.0], [np.nan])}, t / "a.png"), ValueError,
        "pass curves with at least one finite (x, y)",
    ),
    # --- model, priors, generate, export -----------------------------------
    "gan_unknown_prior": (lambda t: tiny_gan(latent_prior="laplace"), ValueError, "`latent_prior` must be one of"),
    "gan_unknown_update": (lambda t: tiny_gan(update="async"), ValueError, "`update` must be one of"),
    "generate_zero_images": (
        lambda t: generate(tiny_generator(), "normal", 0), ValueError, "`n` must be a positive integer",
    ),
    "generate_unknown_prior": (
        lambda t: generate(tiny_generator(), "laplace", 4), ValueError, "`latent_prior` must be one of",
    ),
    "export_bare_generator_without_prior": (
        lambda t: export_generator(tiny_generator(), t), ValueError, "`latent_prior` is required",
    ),
    "export_flat_output": (
        lambda t: export_generator(keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]), t,
                                   latent_prior="normal"),
        ValueError, "end it with `keras.layers.Reshape((height, width, channels))`",
    ),
    "export_max_samples_float": (
        lambda t: export_generator(tiny_generator(), t, latent_prior="normal", max_samples=2.5), ValueError,
        "`max_samples` must be a positive integer",
    ),
    "export_into_a_file": (
        lambda t: (Path(t / "file").write_text("x"), export_generator(tiny_generator(), t / "file",
                                                                     latent_prior="normal")),
        OSError, "Pass an `export_dir` that is a writable directory",
    ),
    # --- the command line -------------------------------------------------
    "cli_sample_zero": (Cli(lambda t: ["sample", "mnist", "-n", "0"], 2), SystemExit,
                        "argument -n: must be a positive integer, got 0"),
    "cli_sample_unknown_model": (Cli(lambda t: ["sample", t / "nope"], 1), SystemExit,
                                 "No model at"),
    "cli_sample_unknown_prior": (Cli(lambda t: ["sample", "mnist", "--latent-prior", "laplace"], 2), SystemExit,
                                 "argument --latent-prior: invalid choice: 'laplace'"),
    "cli_sample_generator_of_unknown_prior": (
        Cli(lambda t: ["sample", bare_generator_file(t), "-o", t / "x.png"], 1), SystemExit,
        "no run.json beside it records its noise: pass --latent-prior",
    ),
    "cli_sample_jpeg_output": (Cli(lambda t: ["sample", "mnist", "-n", "4", "-o", t / "grid.jpg"], 1), SystemExit,
                               "`path` must end in '.png'"),
    "cli_evaluate_unknown_dataset": (Cli(lambda t: ["evaluate", "mnist", "--dataset", "lsun"], 1), SystemExit,
                                     "`dataset` must be one of"),
    "cli_evaluate_missing_data_dir": (Cli(lambda t: ["evaluate", "mnist", "--data-dir", t / "nowhere"], 1),
                                      SystemExit, "`data_dir` must be an existing folder"),
    "cli_evaluate_empty_data_dir": (Cli(lambda t: ["evaluate", "mnist", "--data-dir", t], 1), SystemExit,
                                    "No MNIST data in"),
    "cli_evaluate_truncated_data": (Cli(lambda t: ["evaluate", "mnist", "--data-dir", truncated_mnist(t)], 1),
                                    SystemExit, "it is not a readable gzipped pickle"),
    "cli_evaluate_unknown_protocol": (Cli(lambda t: ["evaluate", "mnist", "--protocol", "best"], 2), SystemExit,
                                      "argument --protocol: invalid choice: 'best'"),
    "cli_export_version_zero": (Cli(lambda t: ["export", "mnist", t, "--version", "0"], 2), SystemExit,
                                "argument --version: must be a positive integer, got 0"),
    "cli_export_max_samples_zero": (Cli(lambda t: ["export", "mnist", t, "--max-samples", "0"], 2), SystemExit,
                                    "argument --max-samples: must be a positive integer, got 0"),
    "cli_export_path_name": (Cli(lambda t: ["export", "mnist", t, "--name", "../up"], 1), SystemExit,
                             "`name` must be a model name"),
}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Caches in `tmp_path`, no data folder from the environment."""
    monkeypatch.setenv(_sources.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(_sources.DATA_DIR_ENV, raising=False)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_with_one_clear_line(case, tmp_path, capsys):
    make, error, fragment = CASES[case]
    if isinstance(make, Cli):
        try:
            code = cli.main([str(a) for a in make.argv(tmp_path)])
        except SystemExit as exit_:  # argparse: usage lines, then the error line
            code = exit_.code
        err = capsys.readouterr().err.strip().splitlines()
        assert code == make.code, err
        message = err[-1]
        assert message.startswith("keras-gan "), err
        if code == 1:
            assert len(err) == 1, err
    else:
        with pytest.raises(error) as raised:
            make(tmp_path)
        message = str(raised.value)
        assert "\n" not in message, message
    assert fragment in message


def test_the_catalogue_is_large():
    assert len(CASES) >= 30

