"""Training steps per second of each paper experiment with TensorFlow's oneDNN CPU kernels off and on.

TensorFlow reads `TF_ENABLE_ONEDNN_OPTS` once, at import, and turns oneDNN on by default only
on some CPUs (not on AVX2-only ones such as the AMD EPYC machines this project trains on). Each
measurement therefore runs in a fresh Python process with the variable set to 0 or 1; both use
`benchmarks.xla.gan_steps_per_second` without XLA, at one width, on random images. The last
column is the ratio on / off.

Usage: python -m benchmarks.onednn [--width 0.25] [--steps 10] [--experiments cifar10_conv tfd]
"""

import os
import platform
import subprocess
import sys

from benchmarks.xla import parse_arguments

MEASURE = (
    "import sys; from benchmarks.xla import gan_steps_per_second; from keras_gan import experiments; "
    "print(gan_steps_per_second(experiments.get(sys.argv[1]), float(sys.argv[2]), False, int(sys.argv[3])))"
)


def steps_per_second(name: str, width: float, steps: int, onednn: str) -> float:
    env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=onednn, TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run(
        [sys.executable, "-c", MEASURE, name, str(width), str(steps)],
        env=env, capture_output=True, text=True, check=True,
    )
    return float(result.stdout.split()[-1])


def main():
    args = parse_arguments(__doc__)
    print(f"width {args.width}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, no XLA")
    print(f"{'experiment':14s} {'oneDNN off':>11s} {'oneDNN on':>10s} {'on / off':>9s}")
    for name in args.experiments:
        off = steps_per_second(name, args.width, args.steps, "0")
        on = steps_per_second(name, args.width, args.steps, "1")
        print(f"{name:14s} {off:11.2f} {on:10.2f} {on / off:9.2f}")


if __name__ == "__main__":
    main()
