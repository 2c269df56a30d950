"""Argument checks shared by the package's constructors and functions."""

import numbers
import re

# A name that becomes a folder and a URL part (a published or exported model's): no separator, no leading dot.
_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def is_positive_int(value) -> bool:
    """Whether `value` is an integer (Python's or NumPy's, not a bool) of at least 1.

    Example:
    >>> is_positive_int(3), is_positive_int(0), is_positive_int(True), is_positive_int(2.0)
    (True, False, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def check_positive_int(name: str, value) -> None:
    """Raise `ValueError("`name` must be a positive integer. Received: name=value")` unless it is one."""
    if not is_positive_int(value):
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")


def check_positive_number(name: str, value) -> None:
    """Raise `ValueError("`name` must be a positive number. Received: name=value")` unless it is one."""
    if not (isinstance(value, (int, float)) and value > 0):
        raise ValueError(f"`{name}` must be a positive number. Received: {name}={value!r}")


def check_positive(name: str, value) -> None:
    """Raise `ValueError("`name` must be positive. Received: name=value")` unless `value > 0` (a setting's check)."""
    if not value > 0:
        raise ValueError(f"`{name}` must be positive. Received: {name}={value!r}")


def is_model_name(value) -> bool:
    """Whether `value` can name a published or exported model: letters, digits, "_", "." and "-", from a letter or digit.

    Example:
    >>> is_model_name("mnist_0.25"), is_model_name("../up"), is_model_name("")
    (True, False, False)
    """
    return isinstance(value, str) and _NAME_PATTERN.fullmatch(value) is not None
