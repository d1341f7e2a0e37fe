"""The one comparator: yours vs expected, key by key, and whether a mismatch is a convention.

Used by every check, by the diagnosis and by the golden fixtures' regeneration. Element i of a
key passes when ``|yours_i - expected_i| <= rtol * (|expected_i| + scale_i)`` (plus the smallest
normal number of your dtype), where ``scale`` is the size of the terms that were summed to make
the expected value: cancellation loses relative accuracy, never absolute accuracy. NaN matches
NaN and an infinity matches the same infinity (the special cases of SPEC.md).

``expect_close`` raises the structured failure; given the axes a check depends on, it first asks
whether the target's result is what *another value* of one of those axes would give, and if so
fails that axis's clause instead, naming the convention (SPEC: "nothing switches silently").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reference.conventions import AXES, EDITIONS

from .failures import ConformanceError, Failure

# Tolerances, derived in SPEC.md ("Tolerances"):
#  float64: one step is a few correctly rounded operations (<= 0.5 ulp each of the scale), so 1e-12
#           leaves ~1000x margin; 20-step trajectories accumulate at most linearly: 1e-10.
#  float32: unit roundoff 6e-8; one step 1e-5, 20 steps 1e-4.
RTOL = {"float64": {"step": 1e-12, "trajectory": 1e-10},
        "float32": {"step": 1e-5, "trajectory": 1e-4}}


def precision(*values):
    """'float32' if any array among ``values`` (or in their dicts) is float32 or narrower, else 'float64'."""
    for value in values:
        for a in (value.values() if isinstance(value, dict) else [value]):
            if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.dtype.itemsize <= 4:
                return "float32"
    return "float64"


def rtol_for(kind, *values):
    return RTOL[precision(*values)][kind]


def magnitude(*arrays):
    """Elementwise sum of |a| over same-shaped arrays: the ``scale`` of a sum of those terms."""
    return sum(np.abs(np.asarray(a, dtype=np.float64)) for a in arrays)


def max_magnitude(*arrays):
    return float(max((np.max(np.abs(np.asarray(a, dtype=np.float64)), initial=0.0) for a in arrays), default=0.0))


def f64(d):
    """A dict of arrays (or one array) as float64: the reference side always computes in float64."""
    if isinstance(d, dict):
        return {k: v if type(v) is np.ndarray and v.dtype == np.float64 else np.asarray(v, dtype=np.float64)
                for k, v in d.items()}
    return np.asarray(d, dtype=np.float64)


_TINY = {2: float(np.finfo(np.float16).tiny), 4: float(np.finfo(np.float32).tiny),
         8: float(np.finfo(np.float64).tiny)}


@dataclass
class Difference:
    """The worst element of one compared value."""
    text: str
    index: tuple | None = None
    yours: float | None = None
    expected: float | None = None
    abs_error: float | None = None
    rel_error: float | None = None


def _at(index):
    return tuple(int(i) for i in index)


DIFFERENT = Difference("differs")          # what ``difference(..., describe=False)`` returns for any difference


def difference(yours, expected, rtol, scale=0.0, describe=True):
    """None if ``yours`` is close to ``expected`` elementwise, else the worst Difference (``describe=False``:
    DIFFERENT, for a caller that only asks whether they are close)."""
    expected = np.asarray(expected)
    if type(yours) is np.ndarray and yours.shape == expected.shape and yours.dtype.kind == "f":
        # the common case, fast: finite and close (NaN and infinities fall through to the careful path)
        with np.errstate(invalid="ignore", over="ignore"):
            tol = rtol * (np.abs(expected) + scale) + _TINY[yours.dtype.itemsize]
            if (np.abs(yours - expected) <= tol).all() and np.isfinite(tol).all():
                return None
    if not isinstance(yours, (np.ndarray, np.generic, float, int)) or isinstance(yours, bool):
        kind = getattr(yours, "type_name", None) or type(yours).__name__      # a Tensor, not 'Opaque'
        return Difference(f"a {kind} (yours) vs an array of shape {expected.shape} (expected)")
    yours = np.asarray(yours)
    if yours.shape != expected.shape:
        return Difference(f"shape {yours.shape} (yours) vs {expected.shape} (expected)")
    if yours.dtype.kind not in "fiub":
        return Difference(f"dtype {yours.dtype} is not numeric")
    y = yours.astype(np.float64)
    e = expected.astype(np.float64)
    y_nan, e_nan = np.isnan(y), np.isnan(e)
    bad_nan = y_nan != e_nan
    with np.errstate(invalid="ignore", over="ignore"):
        y_inf, e_inf = np.isinf(y), np.isinf(e)
        bad_inf = (y_inf | e_inf) & ~(y_nan | e_nan) & ~(y_inf & e_inf & (np.sign(y) == np.sign(e)))
        finite = ~(y_nan | e_nan | y_inf | e_inf)
        err = np.where(finite, np.abs(y - e), 0.0)
        floor = np.finfo(yours.dtype).tiny if yours.dtype.kind == "f" else 0.0
        tol = rtol * (np.abs(np.where(finite, e, 0.0)) + scale) + floor
    bad = bad_nan | bad_inf | (err > tol)
    if not bad.any():
        return None
    if not describe:
        return DIFFERENT
    special = bad_nan | bad_inf
    if special.any():
        i = _at(np.unravel_index(np.argmax(special), y.shape))
        return Difference(f"at {i}: yours {y[i].item()!r} vs expected {e[i].item()!r}", i, y[i].item(),
                          e[i].item(), float("inf") if not np.isnan(y[i]) or not np.isnan(e[i]) else None, None)
    with np.errstate(all="ignore"):
        ratio = np.where(bad, err / np.maximum(tol, 1e-300), -1.0)
        rel = np.where(e != 0, err / np.abs(e), np.where(err > 0, np.inf, 0.0))
    i = _at(np.unravel_index(np.argmax(ratio), y.shape))
    max_abs, max_rel = float(err.max()), float(np.max(rel))
    return Difference(f"max abs err {max_abs:.3g}, max rel err {max_rel:.3g}; worst at {i}: "
                      f"yours {y[i].item()!r} vs expected {e[i].item()!r}", i, y[i].item(), e[i].item(),
                      max_abs, max_rel)


def _scale(scales, key):
    if scales is None:
        return 0.0
    if isinstance(scales, dict):
        return scales.get(key, 0.0)
    return scales


def compare(yours, expected, rtol, scales=None):
    """[(key, Difference or None or 'missing')] for dicts; [(None, Difference or None)] for one value."""
    if not isinstance(expected, dict):
        return [(None, difference(yours, expected, rtol, _scale(scales, None)))]
    if not isinstance(yours, dict):
        return [(None, Difference(f"expected a dict with keys {sorted(expected)}, got {type(yours).__name__}"))]
    return [(key, "missing" if key not in yours else difference(yours[key], expected[key], rtol, _scale(scales, key)))
            for key in expected]


def all_close(yours, expected, rtol, scales=None):
    return all(d is None for _, d in compare(yours, expected, rtol, scales))


def _lines(rows):
    width = max((len(str(k)) for k, _ in rows if k is not None), default=4)
    out = []
    for key, d in rows:
        label = f"{key:>{width}}: " if key is not None else ""
        out.append("  " + label + ("ok" if d is None else "missing from yours" if d == "missing" else d.text))
    return out


def expect_close(target, yours, expected, *, clause, what, rtol, scales=None, output="", axes=(),
                 expected_under=None):
    """Raise ConformanceError (``clause``) unless ``yours`` is close to ``expected``.

    ``scales``: per-key scales, or a function of the expected dict returning them.
    ``axes`` and ``expected_under(conventions)``: the convention axes the expected value depends
    on; a mismatch that another value of one of them explains fails that axis's clause.
    ``output``: Python selecting ``yours`` from the last call's return value (for the repro).
    """
    resolve = scales if callable(scales) else (lambda _: scales)
    rows = compare(yours, expected, rtol, resolve(expected))
    if all(d is None for _, d in rows):
        return
    explained = _explained_by_convention(target, yours, rtol, resolve, axes, expected_under)
    worst_key, worst = next((k, d) for k, d in rows if d is not None)
    failure = Failure(clause, f"{what} differ from the expected values (rtol={rtol:g})", details=_lines(rows),
                      call=target.last, output=output)
    if isinstance(worst, Difference):
        failure.key, failure.index = worst_key, worst.index
        failure.yours, failure.expected = worst.yours, worst.expected
        failure.abs_error, failure.rel_error = worst.abs_error, worst.rel_error
    if isinstance(yours, dict) and isinstance(expected, dict) and set(yours) - set(expected):
        failure.details.append(f"  (yours also has keys {sorted(set(yours) - set(expected))})")
    if explained:
        axis, value = explained
        failure.clause = AXES[axis].clause
        failure.what = f"{what}: another convention explains them. {convention_sentence(target, axis, value)}"
        failure.diagnosis = convention_sentence(target, axis, value)
        failure.diagnosis_id = f"convention:{axis}={value}"
    raise ConformanceError(failure)


def _explained_by_convention(target, yours, rtol, resolve, axes, expected_under):
    """(axis, value) when the target's result is the reference's under another value of one of ``axes``:
    the value detected, where a named profile fixes the axis otherwise, or any value of an axis that
    could not be determined. A detected value the profile agrees with is never explained away (an Adam
    that ignores its epsilon argument is not 'another placement')."""
    conventions = getattr(target, "conventions", None)
    if not axes or expected_under is None or conventions is None:
        return None
    detected = getattr(target, "detected", None)
    for axis in axes:
        found = getattr(detected, axis, None) if detected is not None else None
        for value in AXES[axis].values:
            if value == getattr(conventions, axis) or (found is not None and value != found):
                continue
            alternative = expected_under(conventions.with_(**{axis: value}))
            if all_close(yours, alternative, rtol, resolve(alternative)):
                return axis, value
    return None


def convention_sentence(target, axis, value):
    """'your Adam puts epsilon outside the root; profile seed expects inside (--profile course, 2019, 2021, auto)'."""
    current = getattr(target.conventions, axis)
    question = AXES[axis].question
    profile = getattr(target, "profile", "auto")
    detected = getattr(getattr(target, "detected", None), axis, None)
    fits = [name for name, edition in EDITIONS.items() if getattr(edition, axis) == value]
    if profile != "auto" and detected is not None:
        fits.append("auto")
    use = " or ".join(f"--profile {name}" for name in fits)
    if detected is None:
        why = (getattr(target, "undetermined", {}) or {}).get(axis, "no function showed it")
        expects = (f"profile {profile} could not determine it ({why}) and judged by "
                   f"{AXES[axis].meaning[current]} ({axis} = {current})")
    else:
        expects = f"profile {profile} expects {AXES[axis].meaning[current]} ({axis} = {current})"
    return (f"{question}: yours {AXES[axis].meaning[value]} ({axis} = {value}); {expects}. "
            f"To check against yours use {use}")
