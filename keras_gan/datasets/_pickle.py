"""Reading pickled dataset files without running code from them.

A pickle names the functions that rebuild its objects, and `pickle.load`
calls them: a crafted `mnist.pkl.gz` can run any command. `safe_load` reads
only what the classic dataset pickles hold: tuples, lists, dicts, strings,
bytes and numbers, and numpy arrays of booleans or numbers. Arrays are
rebuilt here from their raw bytes, so numpy never sees the file's own
instructions; any other name refuses the whole file with `UnsafePickleError`.
"""

import math
import pickle
from typing import IO, Any

import numpy as np

# Numpy pickles its arrays as `_reconstruct(ndarray, ...)` then a data state
# (protocols 0-4), or `_frombuffer(buffer, dtype, shape, order)` (protocol 5),
# and its scalars as `scalar(dtype, bytes)`, under `numpy.core` (numpy 1) or
# `numpy._core` (numpy 2).
_NUMPY_MODULES = ("numpy.core", "numpy._core")
_NUMERIC_KINDS = "biufc"  # bool, signed, unsigned, float, complex


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for something a dataset file never needs, so it was not loaded."""


class _DType:
    """Stands for `numpy.dtype(...)` until its state is checked; numeric dtypes only."""

    def __init__(self, name: Any, align: Any = False, copy: Any = True):
        if not isinstance(name, str):
            raise UnsafePickleError(f"it names a numpy dtype by a {type(name).__name__}, not a string")
        try:
            dtype = np.dtype(name)
        except TypeError as error:
            raise UnsafePickleError(f"it names an unknown numpy dtype {name!r}") from error
        if dtype.kind not in _NUMERIC_KINDS:
            raise UnsafePickleError(
                f"it holds a numpy array of dtype {name!r}, not of numbers (bool, int, float or complex)"
            )
        self.dtype = dtype

    def __setstate__(self, state: Any) -> None:
        # (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
        if not isinstance(state, tuple) or len(state) not in (8, 9) or any(x is not None for x in state[2:5]):
            raise UnsafePickleError("it holds a numpy dtype with fields or subarrays, which datasets do not use")
        if state[1] not in ("<", ">", "=", "|"):
            raise UnsafePickleError(f"it holds a numpy dtype with byte order {state[1]!r}")
        self.dtype = self.dtype.newbyteorder(state[1]) if state[1] in "<>" else self.dtype


def _checked_dtype(dtype: Any) -> np.dtype:
    if not isinstance(dtype, _DType):
        raise UnsafePickleError("it holds a numpy array whose dtype is not a numpy dtype")
    return dtype.dtype


def _array(data: Any, dtype: Any, shape: Any, order: str) -> np.ndarray:
    """A copy of the array of `shape` and `dtype` whose bytes are `data`, after checking them."""
    dtype = _checked_dtype(dtype)
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise UnsafePickleError(f"it holds a numpy array of shape {shape!r}")
    if isinstance(data, str):  # A Python 2 byte string, decoded as latin-1.
        data = data.encode("latin-1")
    if not isinstance(data, (bytes, bytearray, pickle.PickleBuffer)):
        raise UnsafePickleError(f"it holds a numpy array of {type(data).__name__} instead of raw bytes")
    data = memoryview(data).cast("B")
    if len(data) != math.prod(shape) * dtype.itemsize:
        raise UnsafePickleError(f"it holds a numpy array of shape {shape} and dtype {dtype} with {len(data)} bytes")
    return np.frombuffer(data, dtype).reshape(shape, order=order).copy(order="K")


class _Array:
    """Stands for `numpy.ndarray` until its data state is checked and the array built."""

    def __init__(self, subtype: Any, shape: Any, dtype: Any):
        if subtype is not _ndarray:
            raise UnsafePickleError("it holds a numpy array of another class than numpy.ndarray")
        self.array = None

    def __setstate__(self, state: Any) -> None:
        # (version, shape, dtype, is_fortran, data), the version being optional.
        if isinstance(state, tuple) and len(state) == 5:
            state = state[1:]
        if not isinstance(state, tuple) or len(state) != 4 or not isinstance(state[2], bool):
            raise UnsafePickleError("it holds a numpy array whose state is not (shape, dtype, order, data)")
        shape, dtype, is_fortran, data = state
        self.array = _array(data, dtype, shape, "F" if is_fortran else "C")


def _from_buffer(data: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
    if order not in ("C", "F"):
        raise UnsafePickleError(f"it holds a numpy array of order {order!r}")
    return _array(data, dtype, shape, order)


def _scalar(dtype: Any, data: Any) -> np.generic:
    return _array(data, dtype, (), "C")[()]


def _empty_bytes() -> bytes:
    # How protocols 0-2 write an empty Python 3 `bytes`: `bytes()`.
    return b""


def _latin1_bytes(text: Any, encoding: Any = "utf-8") -> bytes:
    # How protocols 0-2 write any other: `_codecs.encode(text, "latin1")`.
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError(f"it calls `_codecs.encode` on {type(text).__name__} with encoding {encoding!r}")
    return text.encode("latin-1")


_ndarray = object()  # `numpy.ndarray` itself is never handed to the pickle.
_ALLOWED = {
    ("_codecs", "encode"): _latin1_bytes,
    ("__builtin__", "bytes"): _empty_bytes,
    ("numpy", "dtype"): _DType,
    ("numpy", "ndarray"): _ndarray,
    **{(f"{m}.multiarray", "_reconstruct"): _Array for m in _NUMPY_MODULES},
    **{(f"{m}.multiarray", "scalar"): _scalar for m in _NUMPY_MODULES},
    **{(f"{m}.numeric", "_frombuffer"): _from_buffer for m in _NUMPY_MODULES},
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise UnsafePickleError(
                f"it would call `{module}.{name}` while being read, which a dataset file never needs "
                "(that is how a pickle runs code), so it was not loaded"
            )
        return _ALLOWED[(module, name)]


def _finish(obj: Any, memo: dict) -> Any:
    """`obj` with every stand-in replaced by what it stands for (shared and cyclic lists kept)."""
    if isinstance(obj, _Array):
        if obj.array is None:
            raise UnsafePickleError("it holds a numpy array without data")
        return obj.array
    if isinstance(obj, _DType):
        return obj.dtype
    if id(obj) in memo:
        return memo[id(obj)]
    if isinstance(obj, list):
        memo[id(obj)] = out = []
        out.extend(_finish(x, memo) for x in obj)
        return out
    if isinstance(obj, dict):
        memo[id(obj)] = out = {}
        out.update((_finish(k, memo), _finish(v, memo)) for k, v in obj.items())
        return out
    if isinstance(obj, tuple):
        return tuple(_finish(x, memo) for x in obj)
    return obj


def safe_load(file: IO[bytes], encoding: str = "latin1") -> Any:
    """Read one pickle from an open binary file, refusing anything but data and numeric arrays.

    Args:
        file: binary file object. Positioned at the pickle.
        encoding: str. How Python 2 byte strings are decoded; `"latin1"`
            also keeps the bytes of Python 2 numpy arrays. Defaults to
            `"latin1"`.

    Returns:
        The pickled tuples, lists, dicts, strings, bytes, numbers and numpy arrays.

    Raises:
        UnsafePickleError: the pickle names any other function or class
            (nothing it names is called), or holds a non-numeric or malformed array.
        pickle.UnpicklingError, EOFError, ValueError: the file is not a readable
            pickle (`UnsafePickleError` is an `UnpicklingError` too).

    Example:
    >>> import io, pickle
    >>> safe_load(io.BytesIO(pickle.dumps((np.arange(3), [b"x", 1.5]), protocol=2)))
    (array([0, 1, 2]), [b'x', 1.5])
    >>> safe_load(io.BytesIO(pickle.dumps(print)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    keras_gan.datasets._pickle.UnsafePickleError: it would call `builtins.print` while being read, ...
    """
    try:
        return _finish(_Unpickler(file, encoding=encoding).load(), {})
    except (TypeError, AttributeError, IndexError, KeyError, RecursionError) as error:
        # A stand-in called with the wrong arguments, or a malformed stream.
        raise pickle.UnpicklingError(f"it is not a valid data pickle ({type(error).__name__}: {error})") from error
