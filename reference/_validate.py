"""Input validation shared by the reference functions.

Every check raises before anything is computed, so a call that raises leaves
its inputs untouched (SPEC clause ``api.errors``). Messages name the function,
the argument and what was expected.
"""
from __future__ import annotations

import numbers

import numpy as np


def _fail(exc, func, msg):
    raise exc(f"{func}: {msg}")


def number_of_layers(parameters, func):
    """Return L for a parameters dict holding W1, b1, ..., WL, bL (L >= 1)."""
    if not isinstance(parameters, dict):
        _fail(TypeError, func, f"argument 'parameters' must be a dict of arrays, got {type(parameters).__name__}")
    if len(parameters) == 0 or len(parameters) % 2:
        _fail(ValueError, func, "argument 'parameters' must hold W1, b1, ..., WL, bL "
              f"(an even, non-zero number of keys), got keys {sorted(parameters)}")
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for name in ("W", "b"):
            key = f"{name}{l}"
            if key not in parameters:
                _fail(ValueError, func, f"argument 'parameters' is missing key '{key}' "
                      f"(expected W1..W{L}, b1..b{L}; got {sorted(parameters)})")
            if not isinstance(parameters[key], np.ndarray):
                _fail(TypeError, func,
                      f"parameters['{key}'] must be a numpy array, got {type(parameters[key]).__name__}")
    return L


def matching_dict(d, argname, prefix, parameters, L, func):
    """Check that ``d`` has keys ``prefix+W{l}``/``prefix+b{l}`` shaped like the parameters."""
    if not isinstance(d, dict):
        _fail(TypeError, func, f"argument '{argname}' must be a dict of arrays, got {type(d).__name__}")
    for l in range(1, L + 1):
        for name in ("W", "b"):
            key = f"{prefix}{name}{l}"
            if key not in d:
                _fail(ValueError, func, f"argument '{argname}' is missing key '{key}' "
                      f"(it must mirror parameters '{name}{l}')")
            value = d[key]
            if not isinstance(value, np.ndarray):
                _fail(TypeError, func, f"{argname}['{key}'] must be a numpy array, got {type(value).__name__}")
            expected = parameters[f"{name}{l}"].shape
            if value.shape != expected:
                _fail(ValueError, func, f"{argname}['{key}'] has shape {value.shape}, "
                      f"but parameters['{name}{l}'] has shape {expected}")


def real(value, argname, func, *, low=None, below=None, why=""):
    """A finite real number (not a bool) with ``value >= low`` and ``value < below`` where given."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _fail(TypeError, func, f"argument '{argname}' must be a real number, got {type(value).__name__}")
    if not np.isfinite(value):
        _fail(ValueError, func, f"argument '{argname}' must be finite, got {value!r}")
    if low is not None and value < low:
        _fail(ValueError, func, f"argument '{argname}' must be >= {low}{why}, got {value!r}")
    if below is not None and value >= below:
        _fail(ValueError, func, f"argument '{argname}' must be < {below}{why}, got {value!r}")


def beta(value, argname, func):
    real(value, argname, func, low=0.0, below=1.0, why=" (a decay rate in [0, 1))")


def non_negative(value, argname, func):
    real(value, argname, func, low=0.0)


def integer(value, argname, func, *, minimum, why=""):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        _fail(TypeError, func, f"argument '{argname}' must be an integer >= {minimum}{why}, "
              f"got {value!r} of type {type(value).__name__}")
    if value < minimum:
        _fail(ValueError, func, f"argument '{argname}' must be an integer >= {minimum}{why}, got {value!r}")


def choice(value, argname, func, allowed):
    if value not in allowed:
        _fail(ValueError, func, f"argument '{argname}' must be one of {', '.join(map(repr, allowed))}, got {value!r}")


def data(X, Y, func):
    """X of shape (n_x, m) and Y of shape (1, m), both numpy arrays."""
    for name, arr in (("X", X), ("Y", Y)):
        if not isinstance(arr, np.ndarray):
            _fail(TypeError, func, f"argument '{name}' must be a numpy array, got {type(arr).__name__}")
    if X.ndim != 2:
        _fail(ValueError, func, f"argument 'X' must have shape (n_x, m), got shape {X.shape}")
    if Y.ndim != 2 or Y.shape[0] != 1:
        _fail(ValueError, func, f"argument 'Y' must have shape (1, m), got shape {Y.shape}")
    if X.shape[1] != Y.shape[1]:
        _fail(ValueError, func, f"X and Y must have the same number of columns (examples), "
              f"got X {X.shape} and Y {Y.shape}")
