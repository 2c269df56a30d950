"""The README's examples are true: its Python runs as written, its commands parse."""

import re
import shlex
from pathlib import Path

import pytest

from keras_gan import cli
from tests.helpers import needs_data

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
DATA_DIR = ROOT.parent / "shared" / "data"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@needs_data("mnist.pkl.gz", folder=DATA_DIR)
@pytest.mark.slow
def test_the_python_examples_run_as_written_from_any_folder_and_show_learning(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)  # the example finds its data through the environment, as it says
    monkeypatch.setenv("KERAS_GAN_DATA_DIR", str(DATA_DIR))
    (example,) = blocks("python")
    namespace = {}
    exec(compile(example, "README.md", "exec"), namespace)
    assert namespace["images"].shape == (16, 28, 28, 1) and namespace["samples"].shape == (1000, 28, 28, 1)
    # What it prints changes because of training: D(x) leaves 0.5, and the samples, alike at first, vary with z.
    d_real = namespace["history"].history["d_real"]
    variety = [images.std(axis=0).mean() for images in (namespace["before"], namespace["samples"])]
    assert abs(d_real[-1] - 0.5) > 0.2 > abs(d_real[0] - 0.5), d_real
    assert variety[1] > 10 * variety[0], variety
    assert f"variety across z: {variety[0]:.3f} -> {variety[1]:.3f}" in capsys.readouterr().out


def test_every_command_line_parses():
    commands = [line.split("#")[0].strip() for block in blocks("bash") for line in block.splitlines()]
    commands = [command.split("&&")[-1].strip() for command in commands if "keras-gan " in command]
    assert len(commands) >= 10
    for command in commands:
        words = shlex.split(command)
        while "=" in words[0]:  # an environment variable before the command, as in `KERAS_BACKEND=jax keras-gan ...`
            words.pop(0)
        assert words[0] == "keras-gan", command
        args = cli.build_parser().parse_args(words[1:])
        if hasattr(args, "settings"):
            cli.config_from_arguments(args)
