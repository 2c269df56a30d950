"""`GANTrainer` for JAX: a stateless step that threads every variable through `fit`.

Keras' JAX `fit` keeps the model's state outside its variables while it trains
and passes it to `train_step(state, data)` as four lists: the trainable and
non-trainable variables' values, `model.optimizer.variables` and
`model.metrics_variables`, which the step returns updated. The GAN has two
optimizers and no Keras one, so

- `model.optimizer` is `_BothOptimizers`, whose `variables` are both optimizers'
  (with `optimizer=None` JAX's `fit` fails; a second optimizer read outside the
  state would silently never update: its moments would stay 0);
- the step runs the backend-neutral algorithm inside a `keras.StatelessScope`
  mapping every variable to its value in `state`, so that noise
  (`SeedGenerator` states), dropout masks, optimizer slots, metric trackers and
  the weight average all read the current state and write the next one;
- a gradient is taken by `jax.vjp` of a function of the differentiated weights
  that runs in a nested scope over the whole state, and returns the state it
  changed (dropout's seed states after the real *and* the fake batch's pass),
  which is then written to the outer scope.
"""

import keras
from keras import ops


class _BothOptimizers:
    """What Keras' JAX `fit` reads of `model.optimizer`: both optimizers' variables, in one list."""

    built = True

    def __init__(self, *optimizers):
        self.optimizers = optimizers

    @property
    def variables(self):
        return [v for optimizer in self.optimizers for v in optimizer.variables]


def _scope_state(variables):
    """`(variable, current value)` for `variables`, read through the enclosing scope."""
    return [(v, v.value) for v in variables]


class GANTrainer:
    """Gradient step of `keras_gan.GAN` under JAX (see `keras_gan.trainers`)."""

    def _register_optimizers(self):
        self.optimizer = _BothOptimizers(self.d_optimizer, self.g_optimizer)

    def _state_variables(self, training: bool):
        # In the order of JAX `fit`'s state tuple.
        lists = [self.trainable_variables, self.non_trainable_variables]
        if training:
            lists.append(self.optimizer.variables)
        lists.append(self.metrics_variables)
        return lists

    def _stateless(self, step, state, data, training: bool):
        lists = self._state_variables(training)
        mapping = [pair for variables, values in zip(lists, state) for pair in zip(variables, values)]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            logs = step(data)
        new_state = tuple(
            [_current(scope, v, old) for v, old in zip(variables, values)] for variables, values in zip(lists, state)
        )
        return logs, new_state

    def train_step(self, state, data):
        return self._stateless(self._train_step, state, data, training=True)

    def test_step(self, state, data):
        return self._stateless(self._test_step, state, data, training=False)

    def _all_variables(self):
        seen, result = set(), []
        for variables in self._state_variables(training=True):
            for v in variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    result.append(v)
        return result

    def _losses_and_grads(self, fn, variable_lists):
        differentiated = [v for variables in variable_lists for v in variables]
        wrt = {id(v) for v in differentiated}
        others = [v for v in self._all_variables() if id(v) not in wrt]
        others_state = _scope_state(others)

        def forward(values):
            mapping = others_state + list(zip(differentiated, values))
            with keras.StatelessScope(state_mapping=mapping) as scope:
                losses, aux = fn()
            # The state the pass changed (seed states of dropout, ...), returned,
            # not leaked: it is written to the enclosing scope below.
            updated = [_current(scope, v, value) for v, value in others_state]
            return tuple(losses), (aux, updated)

        import jax  # here, not at the top: the module must import where JAX is absent (doctest collection)

        losses, vjp, (aux, updated) = jax.vjp(forward, [v.value for v in differentiated], has_aux=True)
        grads, start = [], 0
        for i, variables in enumerate(variable_lists):
            # d losses[i] / d variables[i]: a cotangent of 1 on that loss only.
            cotangent = tuple(ops.ones_like(loss) if j == i else ops.zeros_like(loss) for j, loss in enumerate(losses))
            (all_grads,) = vjp(cotangent)
            grads.append(all_grads[start : start + len(variables)])
            start += len(variables)
        for v, value in zip(others, updated):
            v.assign(value)
        return aux, grads

    def _apply_gradients(self, optimizer, grads, variables):
        new_values, new_slots = optimizer.stateless_apply(
            [v.value for v in optimizer.variables], grads, [v.value for v in variables]
        )
        for v, value in zip(variables, new_values):
            v.assign(value)
        for v, value in zip(optimizer.variables, new_slots):
            v.assign(value)

    def _per_replica(self, loss):
        # Under JAX a distributed batch is one global array: the mean is already global.
        return loss

    def _noise_seed(self, seed_generator):
        return seed_generator


def _current(scope, variable, default):
    value = scope.get_current_value(variable)
    return default if value is None else value
