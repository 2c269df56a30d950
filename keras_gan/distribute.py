"""Training a `GAN` under `tf.distribute.MultiWorkerMirroredStrategy`.

`MirroredStrategy` (one machine, several devices) works with plain `gan.fit`.
Under `MultiWorkerMirroredStrategy`, Keras 3's `fit` fails before the first step
(TF 2.21 / Keras 3.15: "Invalid reduction dimension 0 for input with 0
dimensions" while reducing the step's scalar outputs across workers;
keras-team/keras#20585). The step itself is sound, so the smallest way through is
a loop that runs the GAN's own `train_step` with `strategy.run` and averages its
metrics across replicas. `tests/test_distribute.py` fails if this loop stops
working, and also if plain `fit` starts to work, so that the loop can then go.
"""


from keras_gan._checks import check_positive_int
from keras_gan._tf import lazy_tensorflow
from keras_gan.model import GAN

tf = lazy_tensorflow("tf.distribute training")


def fit_distributed(gan: GAN, dataset: "tf.data.Dataset", epochs: int = 1, strategy=None) -> list[dict]:
    """Train `gan` on `dataset` with a `strategy.run` loop around `gan.train_step`.

    Build and compile the GAN inside `strategy.scope()`. The dataset yields
    global batches; the strategy shards it across workers. No callbacks run:
    save with `gan.save` on the chief (worker 0) after the loop.

    Args:
        gan: `GAN`. Built and compiled under `strategy.scope()`.
        dataset: `tf.data.Dataset`. Batched with the global batch size.
        epochs: int. Passes over `dataset`. Defaults to 1.
        strategy: `tf.distribute.Strategy` or None. Defaults to the current one.

    Returns:
        One dict of metrics per epoch (averaged over the epoch's steps and replicas).

    Example:
    >>> strategy = tf.distribute.MirroredStrategy()
    >>> with strategy.scope():
    ...     gan = keras_gan.experiments.get("mnist").override({"width": 0.02}).build_gan(steps_per_epoch=2)
    >>> history = fit_distributed(gan, tf.data.Dataset.from_tensor_slices(images).batch(100), epochs=1)
    """
    check_positive_int("epochs", epochs)
    strategy = strategy or tf.distribute.get_strategy()
    distributed = strategy.experimental_distribute_dataset(dataset)

    @tf.function
    def step(batch):
        logs = strategy.run(gan.train_step, args=(batch,))
        return {name: strategy.reduce("MEAN", value, axis=None) for name, value in logs.items()}

    history = []
    for _ in range(epochs):
        gan.reset_metrics()
        logs = {}
        for batch in distributed:
            logs = step(batch)
        history.append({name: float(value) for name, value in logs.items()})
    return history
