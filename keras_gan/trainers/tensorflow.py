"""`GANTrainer` for TensorFlow: `tf.GradientTape`, and `tf.distribute`'s replicas."""

import tensorflow as tf

from keras_gan.trainers._stateful import StatefulGANTrainer


class GANTrainer(StatefulGANTrainer):
    """Gradient step of `keras_gan.GAN` under TensorFlow (see `keras_gan.trainers`)."""

    def _losses_and_grads(self, fn, variable_lists):
        # One tape for both losses of the simultaneous update: one forward pass.
        with tf.GradientTape(persistent=len(variable_lists) > 1) as tape:
            losses, aux = fn()
        grads = [tape.gradient(loss, variables) for loss, variables in zip(losses, variable_lists)]
        del tape
        return aux, grads

    def _apply_gradients(self, optimizer, grads, variables):
        optimizer.apply(grads, variables)

    def _per_replica(self, loss):
        # Keras' TF optimizers sum gradients over replicas: scale each replica's
        # mean loss so that the sum is the mean over the global batch.
        return loss / tf.distribute.get_strategy().num_replicas_in_sync

    def _noise_seed(self, seed_generator):
        replica = tf.distribute.get_replica_context()
        if replica is None or replica.num_replicas_in_sync == 1:
            return seed_generator
        # Under tf.distribute every replica reads the same generator state: fold
        # in the replica id so that each draws its own noise.
        return tf.random.experimental.stateless_fold_in(
            tf.cast(seed_generator.next(), "int64"), replica.replica_id_in_sync_group
        )
