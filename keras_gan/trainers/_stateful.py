"""What the TensorFlow and PyTorch trainers share: Keras' stateful `fit` calls the steps directly."""


class StatefulGANTrainer:
    """Base of the `GANTrainer` mixins whose `fit` runs on the variables themselves (not JAX's stateless one).

    `_per_replica` and `_noise_seed` are the identity: only `tf.distribute` needs them.
    """

    def _register_optimizers(self):
        pass  # `fit` reads no optimizer of Keras' own here

    def train_step(self, data):
        return self._train_step(data)

    def test_step(self, data):
        return self._test_step(data)

    def _per_replica(self, loss):
        return loss

    def _noise_seed(self, seed_generator):
        return seed_generator
