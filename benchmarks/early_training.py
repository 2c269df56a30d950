"""Early-training health of a paper experiment under candidate deviations: does D win, do samples collapse?

Trains `--steps` updates of one experiment on its real data (seed 0, the
experiment's optimizers unless `--adam`) and prints a row every `--every`
updates: D(x), D(G(z)), the generator loss, the per-pixel std of 2,000
samples across the noise (a collapsed generator has ~0; GCN data has ~1), and a
quick Parzen estimate in the display space (2,000 samples, sigma on 500
validation images, the next 1,000 scored), beside the same estimate for 2,000
real training images (the first row). After each row it rewrites `--grid` with the
latest samples, so a long screen can be looked at while it runs.

The candidate deviations, each off by default (the paper's settings):
- `--center-output`, `--d-init-scale S`, `--g-output-init-scale S`,
  `--g-last-hidden-init-scale S`, `--d-lr-scale S`, `--g-lr-scale S`: as
  `keras-gan train`'s options of the same names
  (`keras_gan.experiments.DEVIATIONS`);
- `--adam`: Adam(2e-4, beta_1=0.5) for both networks (DCGAN's) instead of the YAML's SGD.

This is a screen for choosing what to train, not a result: the rows after a
few thousand updates say little about where a run ends.

Usage: python -m benchmarks.early_training cifar10_conv --width 0.25 --steps 1200 --every 200 \
    --center-output --d-init-scale 10 --g-output-init-scale 40 --data-dir ../shared/data
"""

import argparse
import time

import keras
import numpy as np

from keras_gan import datasets, experiments
from keras_gan.cli import add_deviation_arguments
from keras_gan.evaluation import evaluate_generator
from keras_gan.plotting import save_grid
from keras_gan.priors import sample_latent
from keras_gan.training import build_networks, load_training_data


def quick_parzen(samples: np.ndarray, valid: np.ndarray) -> tuple:
    """(mean log-likelihood, sigma): the paper's protocol with sigma chosen on `valid[:500]`, `valid[500:]` scored."""
    result = evaluate_generator(samples, valid[:500], valid[500:], n_valid=None)
    return result.mean, result.sigma


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("experiment", choices=sorted(experiments.EXPERIMENTS))
    parser.add_argument("--width", type=float, default=0.25, help="hidden-size multiplier (default 0.25)")
    parser.add_argument("--steps", type=int, default=1200, help="updates (default 1200)")
    parser.add_argument("--every", type=int, default=200, help="updates between rows (default 200)")
    add_deviation_arguments(parser)
    parser.add_argument("--adam", action="store_true")
    parser.add_argument("--data-dir", help="folder with the dataset files")
    parser.add_argument("--grid", default="early_training.png", help="latest sample grid (default early_training.png)")
    args = parser.parse_args()

    keras.utils.set_random_seed(0)
    spec = experiments.get(args.experiment)
    data = load_training_data(spec, args.data_dir)
    display = datasets.gcn_to_display if spec.gcn else (lambda images: images)
    valid = display(data.valid[:1500])
    deviations = {key: getattr(args, key) for key in experiments.DEVIATIONS}
    generator, discriminator = build_networks(spec, args.width, data, deviations)
    steps_per_epoch = len(data.train) // spec.batch_size
    gan = spec.build_gan(
        steps_per_epoch, args.width, seed=0, jit_compile=False, networks=(generator, discriminator),
        d_learning_rate_scale=args.d_learning_rate_scale, g_learning_rate_scale=args.g_learning_rate_scale,
    )
    if args.adam:
        gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                    g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), jit_compile=False)
    noise = np.asarray(sample_latent(spec.latent_prior, (2000, generator.input_shape[-1]), seed=1))
    rng = np.random.default_rng(0)
    print(f"{'updates':>7s} {'seconds':>7s} {'D(x)':>5s} {'D(G(z))':>8s} {'g_loss':>6s} {'std across z':>12s} "
          f"{'Parzen':>7s} {'sigma':>5s}")
    real = data.train[rng.permutation(len(data.train))[:2000]]
    parzen, sigma = quick_parzen(display(real), valid)
    print(f"{'data':>7s} {'':7s} {'':5s} {'':8s} {'':6s} {real.std(axis=0).mean():12.3f} {parzen:7.1f} {sigma:5.3f}")
    start = time.time()
    for done in range(args.every, args.steps + 1, args.every):
        # Shuffled epochs back to back: a row may need more images than one epoch holds.
        epochs = -(-args.every * spec.batch_size // len(data.train))
        order = np.concatenate([rng.permutation(len(data.train)) for _ in range(epochs)])
        batch = data.train[order[: args.every * spec.batch_size]]
        logs = gan.fit(batch, batch_size=spec.batch_size, epochs=1, verbose=0, shuffle=False).history
        samples = np.asarray(generator.predict(noise, verbose=0))
        shown = display(samples)
        parzen, sigma = quick_parzen(shown, valid)
        print(f"{done:7d} {time.time() - start:7.0f} {logs['d_real'][-1]:5.3f} {logs['d_fake'][-1]:8.3f} "
              f"{logs['g_loss'][-1]:6.2f} {samples.std(axis=0).mean():12.3f} {parzen:7.1f} {sigma:5.3f}", flush=True)
        save_grid(shown[:64], args.grid)


if __name__ == "__main__":
    main()
