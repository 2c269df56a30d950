"""Where one experiment's training step spends its time: TensorFlow's profiler, summed by op type.

Builds the paper's configuration of `--experiment` at `--width` (with its XLA setting), trains
on random images until traced, then records `--steps` steps with `tf.profiler` (the trace
TensorBoard's profiler shows: `tensorboard --logdir LOGDIR`). It prints the kernel time of the
TensorFlow executor threads summed three ways: by network and pass (generator / discriminator,
forward / backward), and by op type, each as a share of all kernel time, beside the wall time
per step. The shares say which layer to make cheaper before choosing a width.

Usage: python -m benchmarks.profile_step [--experiment cifar10_conv] [--width 0.25] [--steps 5]
"""

import argparse
import collections
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.tsl.profiler.protobuf import xplane_pb2  # noqa: E402

from keras_gan import experiments  # noqa: E402


def kernel_times(logdir: Path) -> list[tuple[str, int]]:
    """`(op path "scope/.../name:Type", picoseconds)` of every kernel the executor threads ran."""
    space = xplane_pb2.XSpace()
    space.ParseFromString(next(logdir.rglob("*.xplane.pb")).read_bytes())
    events = []
    for plane in space.planes:
        for line in plane.lines:
            if not line.name.startswith("tf_Compute"):
                continue
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                # Op kernels are named "scope/op:Type"; the rest are the thread pool's own markers.
                if ":" in name and not name.startswith(("ThreadpoolListener", "ExecutorState")):
                    events.append((name, event.duration_ps))
    return events


def part(path: str) -> str:
    """`generator forward`, `discriminator backward`, ... or `other` (optimizers, noise)."""
    scopes = path.split("/")
    network = next((net for net in ("generator", "discriminator") if any(net in s for s in scopes)), None)
    if network is None:
        return "other"
    return f"{network} {'backward' if 'gradient_tape' in scopes else 'forward'}"


def shares(events, key) -> list[tuple[str, float]]:
    totals = collections.Counter()
    for path, duration in events:
        totals[key(path)] += duration
    whole = sum(totals.values())
    return [(name, value / whole) for name, value in totals.most_common()]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", default="cifar10_conv", choices=sorted(experiments.EXPERIMENTS))
    parser.add_argument("--width", type=float, default=0.25)
    parser.add_argument("--steps", type=int, default=5, help="profiled steps (default 5)")
    parser.add_argument("--logdir", type=Path, help="where the trace goes (default: a temporary folder)")
    parser.add_argument("--top", type=int, default=12, help="op types listed (default 12)")
    args = parser.parse_args(argv)
    logdir = args.logdir or Path(tempfile.mkdtemp(prefix="profile_step_"))
    spec = experiments.get(args.experiment).override({"width": args.width})
    keras.utils.set_random_seed(0)
    gan = spec.build_gan(args.steps)
    batch = spec.batch_size
    x = np.random.default_rng(0).uniform(size=(batch * args.steps, *gan.generator.output_shape[1:])).astype("float32")
    gan.fit(x, batch_size=batch, epochs=1, verbose=0)  # trace (and compile) outside the profile
    tf.profiler.experimental.start(str(logdir))
    start = time.perf_counter()
    gan.fit(x, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    seconds = (time.perf_counter() - start) / args.steps
    tf.profiler.experimental.stop()
    events = kernel_times(logdir)
    kernel = sum(duration for _, duration in events) / 1e12 / args.steps
    print(f"{args.experiment}, width {args.width}, batch {batch}, jit_compile={spec.jit_compile}, "
          f"{os.cpu_count()} CPUs: {seconds:.3f} s per step wall, {kernel:.3f} s of kernel time per step "
          f"(trace: {logdir})")
    print("| network and pass | share of kernel time |\n|---|---|")
    for name, share in shares(events, part):
        print(f"| {name} | {share:.1%} |")
    print("| op type | share of kernel time |\n|---|---|")
    for name, share in shares(events, lambda path: path.rsplit(":", 1)[1])[: args.top]:
        print(f"| {name} | {share:.1%} |")


if __name__ == "__main__":
    main()
