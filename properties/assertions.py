"""Assertions that explain themselves: yours vs reference, key by key.

Every failure names the spec clause, shows for each key the max absolute and
relative error with the worst element of both sides, and ends with a
copy-paste snippet that reproduces it.
"""
from __future__ import annotations

import numpy as np

from .target import ConformanceError

# Tolerances, justified in SPEC.md ("Tolerances"):
#  float64: one step is a few correctly rounded operations (<= 0.5 ulp each, ulp = 2.2e-16),
#           so 1e-12 leaves ~1000x margin; 20-step trajectories accumulate at most linearly: 1e-10.
#  float32: unit roundoff 6e-8; one step 1e-5, 20 steps 1e-4.
RTOL = {"float64": {"step": 1e-12, "trajectory": 1e-10},
        "float32": {"step": 1e-5, "trajectory": 1e-4}}


def precision(*arrays):
    """'float32' if any input array is float32 (or lower), else 'float64'."""
    for a in arrays:
        for x in (a.values() if isinstance(a, dict) else [a]):
            if isinstance(x, np.ndarray) and x.dtype.kind == "f" and x.dtype.itemsize <= 4:
                return "float32"
    return "float64"


def rtol_for(kind, *arrays):
    return RTOL[precision(*arrays)][kind]


# ----------------------------------------------------------------- repro snippets
def literal(value):
    """Python source that rebuilds ``value`` exactly (floats via repr round-trip)."""
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r}, dtype=np.{value.dtype.name})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        body = ", ".join(literal(v) for v in value)
        return f"[{body}]" if isinstance(value, list) else f"({body}{',' if len(value) == 1 else ''})"
    if isinstance(value, (np.floating, np.integer)):
        return repr(value.item())
    return repr(value)


def repro(target, statements, **values):
    """A runnable snippet: inputs as literals, then ``statements``."""
    lines = [target.repro_header()]
    lines += [f"{name} = {literal(v)}" for name, v in values.items()]
    lines += statements if isinstance(statements, list) else [statements]
    return "\n".join(lines)


def _indent(text, prefix="    "):
    return "\n".join(prefix + line for line in text.splitlines())


def fail(clause, message, snippet=None):
    if snippet:
        message += "\n  Reproduce with:\n" + _indent(snippet)
    raise ConformanceError(clause, message)


# ---------------------------------------------------------------- comparisons
def key_report(yours, ref, rtol, scale):
    """None if close, else a one-line description of the worst element.

    Element i passes when ``|yours - ref| <= rtol * (|ref_i| + scale)``: relative
    error, with an absolute floor ``rtol * scale`` where ``scale`` is the size of
    the terms that were summed to make ``ref`` (cancellation loses relative,
    not absolute, accuracy).
    """
    yours = np.asarray(yours)
    if yours.shape != ref.shape:
        return f"shape {yours.shape} (yours) vs {ref.shape} (reference)"
    if yours.dtype.kind not in "fiub":
        return f"dtype {yours.dtype} is not numeric"
    y = yours.astype(np.float64)
    r = ref.astype(np.float64)
    if np.isnan(y).any() and not np.isnan(r).any():
        idx = np.unravel_index(np.argmax(np.isnan(y)), y.shape)
        return f"NaN at index {at(idx)} (reference {r[idx].item()!r})"
    err = np.abs(y - r)
    err = np.where(np.isnan(err), 0.0, err)            # NaN on both sides counts as equal
    # below the smallest normal number of your dtype nothing is representable accurately
    floor = np.finfo(yours.dtype).tiny if yours.dtype.kind == "f" else 0.0
    tol = rtol * (np.abs(r) + scale) + floor
    bad = err > tol
    if not bad.any():
        return None
    i = np.unravel_index(np.argmax(np.where(bad, err / np.maximum(tol, 1e-300), -1)), r.shape)
    max_abs = float(err.max())
    with np.errstate(divide="ignore", invalid="ignore"):
        max_rel = float(np.nanmax(np.where(r != 0, err / np.abs(r), np.where(err > 0, np.inf, 0.0))))
    return (f"max abs err {max_abs:.3g}, max rel err {max_rel:.3g}; worst at {at(i)}: "
            f"yours {y[i].item()!r} vs reference {r[i].item()!r}")


def assert_close(yours, ref, *, clause, what, rtol, scales=None, snippet=None, diagnosis=None):
    """Compare dicts of arrays (or tuples of them) key by key; raise one message listing every key."""
    if not isinstance(yours, dict):
        fail(clause, f"{what}: expected a dict with keys {sorted(ref)}, got {type(yours).__name__}", snippet)
    lines, ok = [], True
    for key in ref:
        if key not in yours:
            lines.append(f"  {key:>4}: missing from yours")
            ok = False
            continue
        scale = 0.0 if scales is None else scales.get(key, 0.0)
        report = key_report(yours[key], np.asarray(ref[key]), rtol, scale)
        ok = ok and report is None
        lines.append(f"  {key:>4}: {'ok' if report is None else report}")
    extra = sorted(set(yours) - set(ref))
    if not ok:
        message = f"{what} differ from the reference (rtol={rtol:g}), key by key:\n" + "\n".join(lines)
        if extra:
            message += f"\n  (yours also has keys {extra})"
        if diagnosis:
            message += "\n  Diagnosis: " + diagnosis
        if snippet:
            message += "\n  Reproduce with:\n" + _indent(snippet)
        raise ConformanceError(clause, message, diagnosis)


def magnitude(*arrays):
    """Elementwise sum of |a| over same-shaped arrays: the ``scale`` of a sum of those terms."""
    return sum(np.abs(np.asarray(a, dtype=np.float64)) for a in arrays)


def at(index):
    """An index as plain ints, for messages."""
    return tuple(int(i) for i in index)


def max_magnitude(*arrays):
    return float(max((np.max(np.abs(np.asarray(a, dtype=np.float64)), initial=0.0) for a in arrays), default=0.0))
