"""How wide each shipped model can train on this machine: training steps/s by width and precision policy.

For every shipped model in `saved_models/` (its `metadata.json`), this builds the paper's
configuration of its experiment at each `--widths` and `--policies`, with the model's XLA
setting, and times `--steps` training steps on random images of the experiment's shape and batch
size (`benchmarks.xla.gan_steps_per_second`). Each rate becomes the hours the model's schedule
would take at that width: its epochs (both stages for `tfd`) times its training split over its
batch size, without the per-epoch Parzen estimate. `ratio` is the rate over the same model's
first row (width 0.25, float32 by default), measured in this run. The `tfd` first stage is timed with the
second stage's larger generator, so its hours are an upper bound.

Usage: python -m benchmarks.width [--widths 0.25 0.5 1.0] [--policies float32 mixed_bfloat16] [--steps 10]
"""

import argparse
import json
import os
import platform
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from benchmarks.xla import gan_steps_per_second  # noqa: E402
from keras_gan import experiments  # noqa: E402

SAVED_MODELS = Path(__file__).resolve().parents[1] / "saved_models"


def cpu_flags() -> str:
    """The CPU's bf16 matrix units, as the project's machines differ in them."""
    flags = Path("/proc/cpuinfo").read_text().split() if Path("/proc/cpuinfo").is_file() else []
    return ", ".join(flag for flag in ("avx512f", "avx512_bf16", "amx_bf16") if flag in flags) or "no AVX-512"


def rate(spec: experiments.Experiment, width: float, policy: str, steps: int) -> float:
    """Training steps/s of `spec` at `width` under the Keras precision policy `policy`."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        return gan_steps_per_second(spec, width, spec.jit_compile is True, steps)
    finally:
        keras.config.set_dtype_policy(previous)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", type=float, nargs="+", default=[0.25, 0.5, 1.0])
    parser.add_argument("--policies", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--steps", type=int, default=10, help="timed steps per measurement (default 10)")
    parser.add_argument("--models", nargs="+", help="shipped model names (default: every GAN in saved_models/)")
    args = parser.parse_args(argv)
    names = args.models or sorted(p.parent.name for p in SAVED_MODELS.glob("*/metadata.json"))
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs ({cpu_flags()}), "
          f"TensorFlow {tf.__version__}, Keras {keras.__version__}, TF_ENABLE_ONEDNN_OPTS="
          f"{os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'unset')}")
    print("| model | width | policy | steps/s | ratio | hours for the shipped schedule |")
    print("|---|---|---|---|---|---|")
    for name in names:
        shipped = json.loads((SAVED_MODELS / name / "metadata.json").read_text())
        config = experiments.Experiment.from_dict(shipped["config"])
        spec = experiments.get(shipped["experiment"]).override({"jit_compile": config.jit_compile})
        steps = (config.epochs + config.pretrain_epochs) * (shipped["data_splits"]["train"] // config.batch_size)
        baseline = None
        for width in args.widths:
            for policy in args.policies:
                value = rate(spec, width, policy, args.steps)
                baseline = baseline or value
                print(f"| {name} | {width} | {policy} | {value:.2f} | {value / baseline:.2f} | "
                      f"{steps / value / 3600:.1f} |", flush=True)


if __name__ == "__main__":
    main()
