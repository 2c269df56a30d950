"""Quiet start-up: TensorFlow's C++ start-up lines kept off the terminal unless asked for.

On import TensorFlow's C++ core writes a block of log lines to stderr twice
(oneDNN, the CPU-feature guard, the CUDA stub, `absl::InitializeLog`), and its
first device set-up logs `failed call to cuInit` on a machine without a GPU.
They are written before its `TF_CPP_MIN_LOG_LEVEL` setting takes effect, and
users read them as errors. `import_tensorflow_quietly` imports TensorFlow and
sets up its devices with the process's stderr sent to /dev/null.

A user who sets `TF_CPP_MIN_LOG_LEVEL` (for example `TF_CPP_MIN_LOG_LEVEL=0
keras-gan train ...`) gets TensorFlow's own logging as TensorFlow writes it.
"""

import contextlib
import importlib.util
import os
import sys

LOG_LEVEL_ENV = "TF_CPP_MIN_LOG_LEVEL"


@contextlib.contextmanager
def _stderr_to_devnull():
    """Send file descriptor 2 to /dev/null during the block (C++ writes to it directly)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow without its C++ start-up lines, unless the user set `TF_CPP_MIN_LOG_LEVEL`.

    Python errors are unaffected: an import that fails raises as usual, its
    traceback printed after stderr is restored. Does nothing when TensorFlow
    is already imported, is not installed, or is not Keras' backend.
    """
    if (
        LOG_LEVEL_ENV in os.environ
        or "tensorflow" in sys.modules
        or os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow"
        or importlib.util.find_spec("tensorflow") is None
    ):
        return
    # Level 2 keeps TensorFlow's later C++ info and warning lines away too; its errors still print.
    # TensorFlow reads the level once, at import; unset again, it is not passed on to child processes,
    # which then quiet their own start-up.
    os.environ[LOG_LEVEL_ENV] = "2"
    try:
        with _stderr_to_devnull():
            import tensorflow as tf

            # The device set-up is where a machine without a GPU logs `failed call to cuInit`.
            tf.config.list_physical_devices()
    finally:
        del os.environ[LOG_LEVEL_ENV]
