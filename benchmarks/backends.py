"""Training steps/s of each experiment's `GAN` by Keras backend, side by side, in one run on this machine.

A process has one Keras backend, so each backend runs in its own Python: this script starts one
child per backend (`--python BACKEND=PATH`; TensorFlow defaults to this Python), and each child
builds every experiment's `GAN` as `keras-gan train` does (`Experiment.build_gan`: its networks,
update rule, optimizers and `jit_compile`) and times `fit` on random data of the experiment's
shape, with `steps_per_execution` 1 and `--spe` (1 only under PyTorch). The children run one after another, so they do
not share the CPU with each other.

Usage: python -m benchmarks.backends --python jax=/work/venv-jax/bin/python \
    --python torch=/work/venv-torch/bin/python [--experiments mnist tfd] [--width 0.5] [--steps 50]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def child(experiment_names: list[str], width: float | None, steps: int, repeats: int, spe: int) -> None:
    """Time each experiment under this process's backend; print one JSON line per measurement."""
    import keras
    import numpy as np

    from keras_gan import experiments

    for name in experiment_names:
        config = experiments.get(name)
        if width is not None:
            config = config.override({"width": width})
        batch = config.batch_size * config.d_steps
        # Keras' PyTorch trainer runs one step per call (it refuses steps_per_execution > 1).
        for steps_per_execution in [1] if keras.backend.backend() == "torch" else sorted({1, spe}):
            keras.utils.set_random_seed(0)
            gan = config.build_gan(steps_per_epoch=steps)
            if steps_per_execution > 1:
                gan.compile(d_optimizer=gan.d_optimizer, g_optimizer=gan.g_optimizer, jit_compile=config.jit_compile,
                            steps_per_execution=steps_per_execution)
            shape = gan.generator.output_shape[1:]
            x = np.random.default_rng(0).uniform(size=(batch * steps, *shape)).astype("float32")
            gan.fit(x[: batch * steps_per_execution * 2], batch_size=batch, epochs=1, verbose=0)  # trace, compile
            rates = []
            for _ in range(repeats):
                start = time.perf_counter()
                gan.fit(x, batch_size=batch, epochs=1, verbose=0, shuffle=False)
                rates.append(steps / (time.perf_counter() - start))
            print(json.dumps({"backend": keras.backend.backend(), "experiment": name, "width": config.width,
                              "steps_per_execution": steps_per_execution, "steps_per_s": max(rates)}), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", action="append", default=[], metavar="BACKEND=PATH",
                        help="a backend and the Python that has it (repeatable); tensorflow defaults to this Python")
    parser.add_argument("--experiments", nargs="+", default=["mnist", "tfd", "cifar10_fc"])
    parser.add_argument("--width", type=float, help="override the experiments' width")
    parser.add_argument("--steps", type=int, default=50, help="timed steps per repeat (default 50)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats; the best is kept (default 3)")
    parser.add_argument("--spe", type=int, default=50, help="the larger steps_per_execution (default 50)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.experiments, args.width, args.steps, args.repeats, args.spe)
        return
    pythons = {"tensorflow": sys.executable, **dict(item.split("=", 1) for item in args.python)}
    common = ["--experiments", *args.experiments, "--steps", str(args.steps), "--repeats", str(args.repeats),
              "--spe", str(args.spe), *(["--width", str(args.width)] if args.width is not None else [])]
    rows = []
    for backend, python in pythons.items():
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
        result = subprocess.run([python, str(Path(__file__).resolve()), "--child", *common], env=env,
                                capture_output=True, text=True)
        if result.returncode:
            print(f"{backend}: failed\n{result.stderr[-2000:]}", file=sys.stderr)
            continue
        rows += [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    print(f"{os.cpu_count()} CPUs; best of {args.repeats} `fit` calls of {args.steps} steps")
    print(f"{'experiment':12s} {'width':>5s} {'backend':>10s} {'spe':>4s} {'steps/s':>8s}")
    for row in sorted(rows, key=lambda r: (r["experiment"], r["steps_per_execution"], r["backend"])):
        print(f"{row['experiment']:12s} {row['width']:5.2f} {row['backend']:>10s} {row['steps_per_execution']:4d} "
              f"{row['steps_per_s']:8.1f}")


if __name__ == "__main__":
    main()
