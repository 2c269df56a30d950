"""Serving under load: the exported `sample` signature in a TensorFlow-only process, from many threads.

Exports a generator (by default the shipped `mnist` one, `keras_gan.load_generator("mnist")`)
with `export_generator(..., max_samples=M)`, then starts a server process that imports
only TensorFlow (importing `keras` or `keras_gan` there fails) and loads the
SavedModel with `tf.saved_model.load`. In it, T threads send R requests to the
`sample` signature, each input converted to a tensor from its JSON value, as a
REST request's would be:

- valid (80%): `num_samples` from 1 to M, log-uniform, 1 and M included. Each
  must return `(num_samples, H, W, C)` float32 images in [0, 1], and those of
  one fixed seed must all be equal.
- invalid (20%), in turn: over the limit (M + 1, 2M, 2**31 - 1), negative (-1,
  -M, -2**31) and not an int32 (2.5, 3.0, "7", True, 2**31). Each must fail with
  TensorFlow's `InvalidArgumentError` and a clear message: "`num_samples` must
  be ..." from the export's checks, or "expected to be a int32 tensor" from
  the signature's type check.

The server's resident memory (RSS, from /proc) is read after loading, every
20 ms during a warm-up in which every thread asks for M images at once (the
heaviest single moment there can be) and during each quarter of the requests,
and at the end. It is bounded if no quarter's peak exceeds the RSS after
loading plus three times what the warm-up added, plus 64 MiB (the allocator keeps
some freed memory, fragmented by requests of every size), and the last
quarter's peak is the second's within 10% + 64 MiB (no growth with the number
of requests).

Run from the repository root after `pip install .` (or with `PYTHONPATH=.`):

    python tests/serving_load.py --requests 1000 --threads 8

Only the standard library is imported at the top: the server process runs this
file too (`--serve`).
"""

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

VALID_FRACTION = 0.8
BLOCKED = ("keras", "keras_gan", "tf_keras")
FIXED_SEED = 42
QUARTERS = ("quarter_1", "quarter_2", "quarter_3", "quarter_4")


def request_plan(requests: int, max_samples: int, seed: int = 0) -> list[dict]:
    """The requests to send: `{"kind", "num_samples", "seed"}` dicts, shuffled.

    Args:
        requests: int. How many.
        max_samples: int. The export's `max_samples`.
        seed: int. Seed of the sizes and the order. Defaults to 0.

    Returns:
        A list of `requests` dicts; `kind` is `"valid"`, `"over_limit"`,
        `"negative"` or `"not_int32"`. A tenth of the valid ones ask for the
        same images (`FIXED_SEED`), which must then agree.

    Example:
    >>> plan = request_plan(20, max_samples=100)
    >>> sorted({r["kind"] for r in plan}), sum(r["kind"] == "valid" for r in plan)
    (['negative', 'not_int32', 'over_limit', 'valid'], 16)
    >>> sorted(r["num_samples"] for r in plan if r["kind"] == "valid")[::15]
    [1, 100]
    """
    rng = random.Random(seed)
    n_valid = round(requests * VALID_FRACTION)
    n_fixed = n_valid // 10
    sizes = [1, max_samples][:n_valid] + [
        min(max_samples, max(1, round(math.exp(rng.uniform(0, math.log(max_samples))))))
        for _ in range(n_valid - 2 - n_fixed)
    ]
    plan = [{"kind": "valid", "num_samples": n, "seed": rng.randrange(2**40)} for n in sizes]
    plan += [{"kind": "valid", "num_samples": min(8, max_samples), "seed": FIXED_SEED}] * n_fixed
    invalid = {
        "over_limit": [max_samples + 1, 2 * max_samples, 2**31 - 1],
        "negative": [-1, -max_samples, -(2**31)],
        "not_int32": [2.5, 3.0, "7", True, 2**31],
    }
    kinds = sorted(invalid)
    for i in range(requests - len(plan)):
        kind = kinds[i % len(kinds)]
        values = invalid[kind]
        plan.append({"kind": kind, "num_samples": values[(i // len(kinds)) % len(values)], "seed": i})
    rng.shuffle(plan)
    return [dict(entry) for entry in plan]


def _memory_mib() -> dict:
    """This process's resident memory now (`VmRSS`) and at its peak so far (`VmHWM`), in MiB."""
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))
    return {key: int(value.split()[0]) / 1024 for key, value in fields.items()}


def serve(path: str, plan: list[dict], threads: int) -> dict:
    """Load the export with TensorFlow alone and answer `plan` from `threads` threads.

    Runs in the server process (`--serve`): `keras` and `keras_gan` cannot be
    imported there. Returns the report that `main` prints.
    """
    for name in BLOCKED:
        sys.modules[name] = None  # importing them now fails
    import numpy as np
    import tensorflow as tf

    start = _memory_mib()["VmRSS"]
    loaded = tf.saved_model.load(path)
    sample = loaded.signatures["sample"]
    max_samples = int(loaded.signatures["limits"]()["max_samples"])
    after_load = _memory_mib()["VmRSS"]

    def call(num_samples, seed):
        return sample(num_samples=tf.constant(num_samples), seed=tf.constant(seed, tf.int64))["images"]

    lock = threading.Lock()
    phase = ["warmup"]  # then the quarters of the requests, 1 to 4
    peaks = {"warmup": after_load, **{quarter: 0.0 for quarter in QUARTERS}}
    stop = threading.Event()

    def watch():
        while not stop.wait(0.02):
            rss = _memory_mib()["VmRSS"]
            with lock:
                peaks[phase[0]] = max(peaks[phase[0]], rss)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    # The heaviest load there can be: every thread asks for `max_samples` images at once.
    with ThreadPoolExecutor(threads) as pool:
        shapes = list(pool.map(lambda _: call(max_samples, 0).numpy().shape, range(threads)))
    after_warmup = _memory_mib()["VmRSS"]
    image_shape = list(shapes[0][1:])
    fixed = {}
    done = [0]

    def answer(entry: dict) -> dict:
        began = time.perf_counter()
        try:
            images = call(entry["num_samples"], entry["seed"]).numpy()
            outcome = {"answered": True, "shape": list(images.shape)}
            ok = (
                entry["kind"] == "valid"
                and list(images.shape) == [entry["num_samples"], *image_shape]
                and images.dtype == np.float32
                and bool(np.isfinite(images).all() and images.min() >= 0 and images.max() <= 1)
            )
            if ok and entry["seed"] == FIXED_SEED:
                with lock:
                    ok = np.array_equal(images, fixed.setdefault("images", images))
        except tf.errors.InvalidArgumentError as error:
            message = " ".join(str(error.message).split())
            outcome = {"answered": False, "error": message}
            clear = "`num_samples` must be" in message or "expected to be a int32 tensor" in message
            ok = entry["kind"] != "valid" and clear
        except Exception as error:  # noqa: BLE001 - any other failure is counted and shown, not raised
            outcome = {"answered": False, "error": f"{type(error).__name__}: {error}"}
            ok = False
        with lock:
            done[0] += 1
            phase[0] = QUARTERS[min(3, 4 * done[0] // len(plan))]
        return {**entry, **outcome, "ok": ok, "seconds": time.perf_counter() - began}

    with lock:
        phase[0] = QUARTERS[0]
    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(answer, plan))
    wall = time.perf_counter() - began
    stop.set()
    watcher.join()
    memory = _memory_mib()

    valid = [r for r in results if r["kind"] == "valid"]
    invalid = [r for r in results if r["kind"] != "valid"]
    latencies = sorted(r["seconds"] for r in valid)
    # Under load, memory stays within three times what the warm-up (every thread at the limit)
    # added, and stops growing: the last quarter's peak is the second's, give or take 10% + 64 MiB.
    bound = after_load + 3 * (peaks["warmup"] - after_load) + 64
    bounded = max(peaks[q] for q in QUARTERS) <= bound and peaks[QUARTERS[3]] <= 1.1 * peaks[QUARTERS[1]] + 64
    return {
        "imported": sorted({m.split(".")[0] for m, v in sys.modules.items() if v is not None} & set(BLOCKED)),
        "max_samples": max_samples,
        "image_shape": image_shape,
        "requests": len(results),
        "threads": threads,
        "valid": len(valid),
        "answered": sum(r["ok"] for r in valid),
        "invalid": len(invalid),
        "refused_clearly": sum(r["ok"] for r in invalid),
        "by_kind": {
            kind: f"{sum(r['ok'] for r in results if r['kind'] == kind)}/{sum(r['kind'] == kind for r in results)}"
            for kind in sorted({r["kind"] for r in results})
        },
        "errors": {r["kind"]: r["error"] for r in invalid if "error" in r},
        "failures": [r for r in results if not r["ok"]][:5],
        "images": sum(r["num_samples"] for r in valid),
        "wall_seconds": round(wall, 2),
        "latency_ms": {
            "p50": round(1e3 * latencies[len(latencies) // 2], 2) if latencies else None,
            "p99": round(1e3 * latencies[int(0.99 * (len(latencies) - 1))], 2) if latencies else None,
        },
        "rss_mib": {
            "start": round(start, 1),
            "after_load": round(after_load, 1),
            "peak_warmup": round(peaks["warmup"], 1),
            "after_warmup": round(after_warmup, 1),
            **{f"peak_{q}": round(peaks[q], 1) for q in QUARTERS},
            "end": round(memory["VmRSS"], 1),
            "high_water_mark": round(memory["VmHWM"], 1),
            "bound": round(bound, 1),
        },
        "rss_bounded": bounded,
    }


def run_server(
    path: Path, requests: int, threads: int, max_samples: int, seed: int = 0, timeout: float = 600
) -> dict:
    """Serve the export at `path` in a TensorFlow-only subprocess and return its report.

    Args:
        path: Path. The version directory `export_generator` returned.
        requests: int. Requests to send.
        threads: int. Client threads.
        max_samples: int. The export's `max_samples`.
        seed: int. Seed of the request plan. Defaults to 0.
        timeout: float. Seconds before the server is killed. Defaults to 600.

    Returns:
        The report of `serve` (a dict).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-I", str(Path(__file__).resolve()), "--serve", str(path), "--requests", str(requests),
         "--threads", str(threads), "--max-samples", str(max_samples), "--seed", str(seed)],
        env={**env, "TF_CPP_MIN_LOG_LEVEL": "3"}, capture_output=True, text=True, timeout=timeout, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"The server process failed (exit {result.returncode}): {result.stderr[-2000:]}")
    return json.loads(result.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> dict:
    """Export, serve under load and print the report as JSON.

    Args:
        argv: list of str or None. Arguments. Defaults to None (`sys.argv`).

    Example:
    >>> report = main(["--requests", "1000"])  # doctest: +SKIP
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mnist", help="pretrained model name (default mnist)")
    parser.add_argument("--max-samples", type=int, default=10000, help="the export's max_samples (default 10000)")
    parser.add_argument("--requests", type=int, default=1000, help="requests to send (default 1000)")
    parser.add_argument("--threads", type=int, default=8, help="client threads (default 8)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the request plan (default 0)")
    parser.add_argument("--serve", metavar="EXPORT", help=argparse.SUPPRESS)  # The server process.
    args = parser.parse_args(argv)
    if args.serve:
        plan = request_plan(args.requests, args.max_samples, args.seed)
        report = serve(args.serve, plan, args.threads)
    else:
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        import keras_gan
        from keras_gan.export import export_generator

        with tempfile.TemporaryDirectory() as export_dir:
            path = export_generator(
                keras_gan.load_generator(args.model), export_dir, name=args.model,
                latent_prior=keras_gan.pretrained.get_preset(args.model)["latent_prior"],
                max_samples=args.max_samples,
            )
            report = run_server(path, args.requests, args.threads, args.max_samples, args.seed)
        report["model"] = args.model
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
