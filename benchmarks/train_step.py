"""Training-step throughput of the MNIST experiment: keras_gan.GAN vs a keras-io DCGAN-style loop.

Prints, in one run and on the same data and networks (the paper's MNIST generator and
discriminator, batch 100):

- steps/s of `keras_gan.GAN` (Algorithm 1) without and with XLA;
- steps/s of a baseline written the way the keras-io DCGAN example writes its `train_step`
  (real and fake images concatenated, noisy labels, `BinaryCrossentropy`, two tapes), no XLA;
- the ratios to the baseline;
- the achieved model GFLOP/s as a fraction of a large float32 matmul's GFLOP/s measured here.

FLOPs per Algorithm-1 step, counting only the matrix products (2 FLOPs per multiply-add) with a
backward pass costing twice its forward pass: the D step runs G forward on m noise vectors (Fg)
and D forward and backward on 2m examples (2 Fd + 4 Fd); the G step runs G forward and backward
(3 Fg) and D forward and backward to its input only (2 Fd). Total 4 Fg + 8 Fd, where Fg and Fd are
one forward pass of m examples.

Usage: python benchmarks/train_step.py [--steps 100] [--repeats 3]
"""

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gan import GAN  # noqa: E402
from keras_gan.architectures import mnist  # noqa: E402

BATCH = 100
LATENT = 100


class DCGANStyle(keras.Model):
    """The keras-io DCGAN example's `train_step`, verbatim in structure."""

    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)

    def compile(self, d_optimizer, g_optimizer, loss_fn, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn
        self.d_loss_metric = keras.metrics.Mean(name="d_loss")
        self.g_loss_metric = keras.metrics.Mean(name="g_loss")

    @property
    def metrics(self):
        return [self.d_loss_metric, self.g_loss_metric]

    def train_step(self, real_images):
        batch_size = tf.shape(real_images)[0]
        random_latent_vectors = keras.random.normal(shape=(batch_size, self.latent_dim), seed=self.seed_generator)
        generated_images = self.generator(random_latent_vectors)
        combined_images = tf.concat([generated_images, real_images], axis=0)
        labels = tf.concat([tf.ones((batch_size, 1)), tf.zeros((batch_size, 1))], axis=0)
        labels += 0.05 * tf.random.uniform(tf.shape(labels))
        with tf.GradientTape() as tape:
            predictions = self.discriminator(combined_images)
            d_loss = self.loss_fn(labels, predictions)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        random_latent_vectors = keras.random.normal(shape=(batch_size, self.latent_dim), seed=self.seed_generator)
        misleading_labels = tf.zeros((batch_size, 1))
        with tf.GradientTape() as tape:
            predictions = self.discriminator(self.generator(random_latent_vectors))
            g_loss = self.loss_fn(misleading_labels, predictions)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_metric.update_state(d_loss)
        self.g_loss_metric.update_state(g_loss)
        return {"d_loss": self.d_loss_metric.result(), "g_loss": self.g_loss_metric.result()}


def dense_macs(model: keras.Model) -> int:
    """Multiply-adds of one example's forward pass through the Dense/maxout kernels."""
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights if len(w.shape) == 2)


def steps_per_second(model, x, steps, repeats, batch_size=BATCH):
    """The best of `repeats` timed `fit` calls of `steps` batches, after one untimed call that traces."""
    model.fit(x[: batch_size * 5], batch_size=batch_size, epochs=1, verbose=0)  # trace / compile
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.fit(x[: batch_size * steps], batch_size=batch_size, epochs=1, verbose=0, shuffle=False)
        rates.append(steps / (time.perf_counter() - start))
    return max(rates)


def matmul_gflops(n=2048, repeats=10):
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    matmul = tf.function(lambda: tf.linalg.matmul(a, b))
    matmul().numpy()
    start = time.perf_counter()
    for _ in range(repeats):
        out = matmul()
    out.numpy()
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=100, help="timed steps per repeat (default 100)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats; the best is kept (default 3)")
    args = parser.parse_args()
    x = np.random.default_rng(0).uniform(size=(BATCH * max(args.steps, 5), 28, 28, 1)).astype("float32")

    rows = []
    for label, jit in (("keras_gan.GAN, no XLA", False), ("keras_gan.GAN, XLA", True)):
        keras.utils.set_random_seed(0)
        gan = GAN(mnist.generator(), mnist.discriminator(), latent_prior="uniform", seed=0)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.05, momentum=0.5),
                    g_optimizer=keras.optimizers.SGD(0.1, momentum=0.5), jit_compile=jit)
        rows.append((label, steps_per_second(gan, x, args.steps, args.repeats)))
    keras.utils.set_random_seed(0)
    baseline = DCGANStyle(mnist.discriminator(), mnist.generator(), LATENT)
    baseline.compile(keras.optimizers.SGD(0.05, momentum=0.5), keras.optimizers.SGD(0.1, momentum=0.5),
                     keras.losses.BinaryCrossentropy(from_logits=True), jit_compile=False)
    base_rate = steps_per_second(baseline, x, args.steps, args.repeats)
    rows.append(("keras-io DCGAN-style loop, no XLA (baseline)", base_rate))

    forward_g = 2 * BATCH * dense_macs(mnist.generator())
    forward_d = 2 * BATCH * dense_macs(mnist.discriminator())
    flops_per_step = 4 * forward_g + 8 * forward_d
    peak = matmul_gflops()

    print(f"MNIST networks, batch {BATCH}, {os.cpu_count()} CPUs, TensorFlow {tf.__version__}, Keras {keras.__version__}")
    print(f"model FLOPs per step: {flops_per_step / 1e9:.2f} GFLOP; float32 matmul 2048^3: {peak:.1f} GFLOP/s")
    print(f"{'implementation':48s} {'steps/s':>8s} {'x baseline':>10s} {'GFLOP/s':>8s} {'of matmul':>9s}")
    for label, rate in rows:
        gflops = rate * flops_per_step / 1e9
        print(f"{label:48s} {rate:8.1f} {rate / base_rate:10.2f} {gflops:8.1f} {gflops / peak:9.2f}")


if __name__ == "__main__":
    main()
