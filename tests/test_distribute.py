"""GAN under tf.distribute.MirroredStrategy over two logical CPU devices.

Logical devices must be configured before TensorFlow starts, so each check runs
in a fresh Python process.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r'''
import json, os
os.environ["KERAS_BACKEND"] = "tensorflow"
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np
from keras_gan import GAN

def fixed(shape, seed):
    return keras.ops.ones(shape) * 0.3

def make(prior):
    keras.utils.set_random_seed(0)
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, "relu"), keras.layers.Dense(2)])
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, "relu"), keras.layers.Dense(1)])
    gan = GAN(g, d, seed=0, latent_prior=prior)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1))
    return gan

x = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
single = make(fixed)
h1 = single.fit(x, batch_size=16, epochs=1, verbose=0, shuffle=False).history
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    mirrored = make(fixed)
    noisy = make("normal")
h2 = mirrored.fit(x, batch_size=16, epochs=1, verbose=0, shuffle=False).history
noise = strategy.experimental_local_results(strategy.run(tf.function(lambda: noisy.sample_noise(3))))
print(json.dumps({
    "replicas": strategy.num_replicas_in_sync,
    "max_weight_difference": max(float(np.abs(np.array(a) - np.array(b)).max())
                                 for a, b in zip(single.trainable_variables, mirrored.trainable_variables)),
    "weights_moved": max(float(np.abs(np.array(a) - np.array(b)).max())
                         for a, b in zip(single.trainable_variables, make(fixed).trainable_variables)),
    "history_single": {k: v[-1] for k, v in h1.items()},
    "history_mirrored": {k: v[-1] for k, v in h2.items()},
    "same_noise_on_replicas": bool(np.array_equal(np.array(noise[0]), np.array(noise[1]))),
}))
'''


def run_script():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mirrored_strategy_matches_one_device_and_draws_noise_per_replica():
    report = run_script()
    assert report["replicas"] == 2
    assert report["weights_moved"] > 1e-3  # training changed the weights ...
    assert report["max_weight_difference"] < 1e-6  # ... identically on one device and on two replicas
    for key, value in report["history_single"].items():
        assert abs(report["history_mirrored"][key] - value) < 1e-5, key
    assert not report["same_noise_on_replicas"]
