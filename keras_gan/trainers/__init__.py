"""The one backend-specific part of `GAN`: how a step takes gradients and updates state.

Keras splits its own `Trainer` the same way (`keras/src/backend/<name>/trainer.py`):
the training algorithm (`keras_gan.model.GAN`) is written once with `keras.ops`,
and each backend module here supplies a `GANTrainer` mixin with

- `_register_optimizers()`: show `fit` the two optimizers where it needs to;
- `train_step` / `test_step` in the signature the backend's `fit` calls
  (JAX's are stateless: `(state, data) -> (logs, state)`);
- `_losses_and_grads(fn, variable_lists)`: run `fn() -> (losses, aux)` and
  return `aux` and the gradient of `losses[i]` with respect to `variable_lists[i]`;
- `_apply_gradients(optimizer, grads, variables)`;
- `_per_replica(loss)` and `_noise_seed(seed_generator)`: what `tf.distribute`
  needs (the identity elsewhere).
"""

import keras

BACKENDS = ("tensorflow", "jax", "torch")


def get_trainer_class() -> type:
    """The `GANTrainer` mixin of Keras' current backend (`keras.backend.backend()`).

    Example:
    >>> get_trainer_class().__module__.split(".")[-1] == keras.backend.backend()
    True
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        from keras_gan.trainers.tensorflow import GANTrainer
    elif backend == "jax":
        from keras_gan.trainers.jax import GANTrainer
    elif backend == "torch":
        from keras_gan.trainers.torch import GANTrainer
    else:
        raise ValueError(f"keras-gan trains on the backends {BACKENDS}. Received: KERAS_BACKEND={backend!r}")
    return GANTrainer
