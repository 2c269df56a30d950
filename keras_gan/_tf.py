"""TensorFlow, imported where it is first used, so that `import keras_gan` works without it.

Training, sampling, checkpoints and the metrics run under any Keras backend
(`KERAS_BACKEND=jax` or `torch` need no TensorFlow). SavedModel export,
`tf.distribute`, `tf.data` input, tensorflow-datasets and TensorBoard need it:
a module that uses it holds `tf = lazy_tensorflow("what needs it")`, which
imports TensorFlow at its first use and, when it is not installed, raises one
line that says what needed it.
"""

import importlib
import importlib.util
from types import ModuleType


class TensorFlowMissingError(ImportError):
    """A feature that needs TensorFlow was used where it is not installed."""


class _LazyTensorFlow:
    """Stands for the `tensorflow` module; imports it on first attribute access."""

    def __init__(self, purpose: str):
        self._purpose = purpose

    def __getattr__(self, name: str):
        return getattr(import_tensorflow(self._purpose), name)


def import_tensorflow(purpose: str) -> ModuleType:
    """The `tensorflow` module, or a one-line `TensorFlowMissingError` naming `purpose`.

    Args:
        purpose: str. What needs TensorFlow, for the error message.

    Example:
    >>> tf = import_tensorflow("SavedModel export")
    """
    try:
        return importlib.import_module("tensorflow")
    except ImportError:
        raise TensorFlowMissingError(
            f"{purpose} needs TensorFlow, which is not installed: `pip install tensorflow` "
            "(training and sampling under KERAS_BACKEND=jax or torch do not need it)."
        ) from None


def lazy_tensorflow(purpose: str) -> _LazyTensorFlow:
    """A stand-in for `tensorflow` that imports it when first used (see the module docstring).

    Args:
        purpose: str. What needs TensorFlow, for the error message.

    Example:
    >>> tf = lazy_tensorflow("SavedModel export")
    >>> tf.constant(1).shape
    TensorShape([])
    """
    return _LazyTensorFlow(purpose)


def tensorflow_installed() -> bool:
    """Whether TensorFlow can be imported (optional features such as TensorBoard logs depend on it).

    Example:
    >>> isinstance(tensorflow_installed(), bool)
    True
    """
    return importlib.util.find_spec("tensorflow") is not None
