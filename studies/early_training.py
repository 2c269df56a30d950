"""Early-training health of a paper experiment under candidate deviations: does D win, do samples collapse?

Trains `--steps` updates of one run configuration (the experiment with
`--set FIELD=VALUE` changes, as `keras-gan train` takes them) on its real
data and prints a row every `--every` updates: D(x), D(G(z)),
the generator loss, the per-pixel std of 2,000 samples across the noise (a
collapsed generator has ~0; GCN data has ~1), and a quick Parzen estimate in
the display space (2,000 samples, sigma on 500 validation images, the next
1,000 scored), beside the same estimate for 2,000 real training images (the
first row). After each row it rewrites `--grid` with the latest samples, so a
long screen can be looked at while it runs.

Candidate deviations are settings (`keras-gan config EXPERIMENT` lists them),
e.g. `--set center_output=true`, `--set d_init_ranges.y=0.05`,
`--set g_learning_rate=0.04`, `--set optimizer=adam --set g_learning_rate=2e-4`.

This is a screen for choosing what to train, not a result: the rows after a
few thousand updates say little about where a run ends.

Usage: python -m studies.early_training cifar10_conv --width 0.25 --steps 1200 --every 200 \
    --set center_output=true --set g_init_ranges.y=2.0 --set jit_compile=false --data-dir ../shared/data
"""

import argparse
import time

import keras
import numpy as np

from keras_gan.cli import add_config_arguments, config_from_arguments
from keras_gan.datasets.output_space import OutputSpace
from keras_gan.datasets.pipeline import load_training_data
from keras_gan.evaluation import evaluate_generator
from keras_gan.plotting import save_grid
from keras_gan.priors import sample_latent


def quick_parzen(samples: np.ndarray, valid: np.ndarray) -> tuple:
    """(mean log-likelihood, sigma): the paper's protocol with sigma chosen on `valid[:500]`, `valid[500:]` scored."""
    result = evaluate_generator(samples, valid[:500], valid[500:], n_valid=None)
    return result.mean, result.sigma


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_config_arguments(parser)
    parser.add_argument("--steps", type=int, default=1200, help="updates (default 1200)")
    parser.add_argument("--every", type=int, default=200, help="updates between rows (default 200)")
    parser.add_argument("--data-dir", help="folder with the dataset files")
    parser.add_argument("--grid", default="early_training.png", help="latest sample grid (default early_training.png)")
    args = parser.parse_args()

    spec = config_from_arguments(args)
    keras.utils.set_random_seed(spec.seed)
    data = load_training_data(spec.dataset, spec.gcn, args.data_dir)
    display = OutputSpace.trained(spec.gcn).to_display
    valid = display(data.valid[:1500])
    generator, discriminator = spec.build_networks(data.train)
    steps_per_epoch = len(data.train) // spec.batch_size
    gan = spec.build_gan(steps_per_epoch, networks=(generator, discriminator))
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
