"""Argument checks shared by the package's constructors and functions."""


def check_positive_int(name: str, value) -> None:
    """Raise `ValueError("`name` must be a positive integer. Received: name=value")` unless it is one."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")


def check_positive_number(name: str, value) -> None:
    """Raise `ValueError("`name` must be a positive number. Received: name=value")` unless it is one."""
    if not (isinstance(value, (int, float)) and value > 0):
        raise ValueError(f"`{name}` must be a positive number. Received: {name}={value!r}")
