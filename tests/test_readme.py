"""The README's examples are true: its Python runs as written, its commands parse."""

import re
import shlex
from pathlib import Path

import pytest

from keras_gan import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
DATA_DIR = ROOT.parent / "shared" / "data"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@pytest.mark.skipif(not (DATA_DIR / "mnist.pkl.gz").is_file(), reason=f"no mnist.pkl.gz in {DATA_DIR}")
def test_the_python_examples_run_as_written(monkeypatch):
    monkeypatch.chdir(ROOT)  # the examples read ../shared/data
    (example,) = blocks("python")
    namespace = {}
    exec(compile(example, "README.md", "exec"), namespace)
    assert namespace["images"].shape == (16, 28, 28, 1) and namespace["samples"].shape == (16, 28, 28, 1)


def test_every_command_line_parses():
    commands = [line.split("#")[0].strip() for block in blocks("bash") for line in block.splitlines()]
    commands = [command.split("&&")[-1].strip() for command in commands if "keras-gan " in command]
    assert len(commands) >= 10
    for command in commands:
        args = cli.build_parser().parse_args(shlex.split(command)[1:])
        if hasattr(args, "settings"):
            cli.config_from_arguments(args)
