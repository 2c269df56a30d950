"""`GANTrainer` for PyTorch: `torch.autograd.grad` on each loss."""

from keras_gan.trainers._stateful import StatefulGANTrainer


class GANTrainer(StatefulGANTrainer):
    """Gradient step of `keras_gan.GAN` under PyTorch (see `keras_gan.trainers`)."""

    def _losses_and_grads(self, fn, variable_lists):
        import torch  # here, not at the top: the module must import where PyTorch is absent (doctest collection)

        losses, aux = fn()
        grads = []
        for i, (loss, variables) in enumerate(zip(losses, variable_lists)):
            # The simultaneous update takes two gradients from one graph: keep it for the second.
            grads.append(
                list(torch.autograd.grad(loss, [v.value for v in variables], retain_graph=i < len(losses) - 1))
            )
        return aux, grads

    def _apply_gradients(self, optimizer, grads, variables):
        import torch

        with torch.no_grad():
            optimizer.apply(grads, variables)
