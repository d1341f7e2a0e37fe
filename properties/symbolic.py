"""Oracles that share no code with the reference: SymPy derivatives and 50-digit arithmetic.

1. ``symbolic_loss_and_gradient(layers)``: SymPy builds the cross-entropy of *one* example for the
   network ``layers``, differentiates it with respect to every entry of every W_l and b_l, and
   lambdifies loss and gradient; ``cost_and_gradient`` averages (or sums) them over the columns
   of a batch, so one derivation serves any m. ReLU is SymPy's ``Max(z, 0)``, the piecewise
   function ``Piecewise((z, z > 0), (0, True))`` (``Max(z, 0).rewrite(Piecewise)``); written as
   ``Max`` SymPy differentiates it about 15 times faster. Derivations are cached per process.
2. ``exact_*``: the update rules evaluated with mpmath at 50 significant digits on the exact
   values of the float64 inputs, with the *scale* of each result (SPEC ``precision.ulp``), and
   ``ulps`` measuring how far a float64 result lies from them in ulps of that scale.
"""
from __future__ import annotations

import functools
import hashlib
import inspect
import math
import os
import re

import numpy as np

from .cache import cache_dir, store

DIGITS = 50


# ------------------------------------------------------------------ SymPy gradients
_RESOLVERS = {"numpy": np, "functools": functools, "math": math}


def _cache_key(layers):
    """SymPy's version, the layers and this derivation's own source: any change derives anew."""
    import importlib.metadata
    source = inspect.getsource(_derive)
    text = f"{importlib.metadata.version('sympy')}|{tuple(layers)}|{source}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _path(layers):
    return os.path.join(cache_dir(), f"gradient-{_cache_key(layers)}.py")


def _load_cached(layers):
    """The lambdified function from the cache (None when absent or unreadable: then SymPy derives it)."""
    path = _path(layers)
    try:
        with open(path, encoding="utf-8") as f:
            header, source = f.read().split("\n", 1)
        namespace = {}
        for item in header.lstrip("# ").split():
            name, module = item.split("=")
            namespace[name] = getattr(_RESOLVERS[module], name)
        exec(compile(source, path, "exec"), namespace)          # noqa: S102 - optoracle's own generated code
        return namespace["_lambdifygenerated"]
    except (OSError, ValueError, KeyError, AttributeError, SyntaxError):
        return None


def _store(layers, f):
    """Keep the generated code of ``f`` with the module of every global it uses (only exact identities)."""
    try:
        source = inspect.getsource(f)
    except OSError:
        return                                                  # no cache: derived again next time
    names = {}
    for name in sorted(set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source)) & set(f.__globals__)):
        found = [m for m, module in _RESOLVERS.items() if getattr(module, name, None) is f.__globals__[name]]
        if not found:
            return
        names[name] = found[0]

    def write(temporary):
        with open(temporary, "w", encoding="utf-8") as out:
            out.write("# " + " ".join(f"{n}={m}" for n, m in names.items()) + "\n" + source)
    store(_path(layers), write)


@functools.lru_cache(maxsize=None)
def symbolic_loss_and_gradient(layers):
    """``f(flat parameters, x column, y) -> [loss, d loss / d each parameter entry]`` for one example, and
    the parameter shapes. SymPy derives it once per machine: the generated code is cached in
    ``$OPTORACLE_CACHE`` (default ``~/.cache/optoracle``), keyed by SymPy's version and this code."""
    layers = tuple(layers)
    shapes = {}
    for l in range(1, len(layers)):
        shapes[f"W{l}"], shapes[f"b{l}"] = (layers[l], layers[l - 1]), (layers[l], 1)
    f = _load_cached(layers)
    if f is None:
        f = _derive(layers)
        _store(layers, f)
    return f, shapes


def _derive(layers):
    import sympy as sp
    layers = tuple(layers)
    L = len(layers) - 1
    params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = sp.Matrix(layers[l], layers[l - 1], lambda i, j: sp.Symbol(f"W{l}_{i}_{j}", real=True))
        params[f"b{l}"] = sp.Matrix(layers[l], 1, lambda i, j: sp.Symbol(f"b{l}_{i}", real=True))
    x = sp.Matrix(layers[0], 1, lambda i, j: sp.Symbol(f"x_{i}", real=True))
    y = sp.Symbol("y", real=True)
    a = x
    for l in range(1, L + 1):
        z = params[f"W{l}"] * a + params[f"b{l}"]
        a = z.applyfunc(lambda e: 1 / (1 + sp.exp(-e))) if l == L else z.applyfunc(lambda e: sp.Max(e, 0))
    loss = -(y * sp.log(a[0, 0]) + (1 - y) * sp.log(1 - a[0, 0]))
    symbols = [s for key in params for s in params[key]]
    gradient = [sp.diff(loss, s) for s in symbols]
    return sp.lambdify([symbols, list(x), y], [loss] + gradient, modules="numpy", cse=True)


def cost_and_gradient(layers, parameters, X, Y, reduction="mean"):
    """(J, {dW1: ..., db1: ...}) of the batch: per-example SymPy results, summed (and divided by m for
    the mean; the gradient is always that of the mean cost, SPEC backward.gradient)."""
    f, shapes = symbolic_loss_and_gradient(tuple(layers))
    flat = [float(v) for key in shapes for v in np.asarray(parameters[key]).reshape(-1)]
    m = X.shape[1]
    total, grad = 0.0, np.zeros(len(flat))
    for j in range(m):
        out = f(flat, [float(v) for v in X[:, j]], float(np.asarray(Y).reshape(-1)[j]))
        total += float(out[0])
        grad += np.array(out[1:], dtype=np.float64)
    grads, start = {}, 0
    for key, (rows, cols) in shapes.items():
        grads[f"d{key}"] = (grad[start:start + rows * cols] / m).reshape(rows, cols)
        start += rows * cols
    return (total / m if reduction == "mean" else total), grads


# ------------------------------------------------------------ 50-digit arithmetic
# Arrays come first in products (G * lr, not lr * G): mpf * ndarray first tries to convert the whole array,
# failing with the array's repr in its message, before numpy takes over; a cost, never a different value.
def _mp(a):
    """float64 array -> object array of exact mpf values."""
    import mpmath
    return np.vectorize(lambda x: mpmath.mpf(float(x)), otypes=[object])(np.asarray(a, dtype=np.float64))


def _abs(a):
    return np.vectorize(abs, otypes=[object])(a)


def _max(*arrays):
    out = arrays[0]
    for a in arrays[1:]:
        out = np.vectorize(max, otypes=[object])(out, a)
    return out


def _by_inputs(function):
    """The exact result, kept by its inputs' float64 bits: the unit cases are the same for every target, and a
    target's later steps often match the reference's bit for bit (a 50-digit evaluation costs milliseconds)."""
    results = {}

    def key(x):
        return (x.shape, np.asarray(x, dtype=np.float64).tobytes()) if isinstance(x, np.ndarray) else (type(x), x)

    @functools.wraps(function)
    def exact(*args):
        inputs = tuple(key(a) for a in args)
        if inputs not in results:
            if len(results) >= 4096:
                results.clear()
            results[inputs] = function(*args)
        return results[inputs]
    return exact


@_by_inputs
def exact_gd(p, g, lr):
    """(exact p_new, scale): the scale is max(|p|, |lr g|)."""
    import mpmath
    with mpmath.workdps(DIGITS):
        P, G, lr = _mp(p), _mp(g), mpmath.mpf(lr)
        return {"parameters": P - G * lr}, {"parameters": _max(_abs(P), _abs(G * lr))}


@_by_inputs
def exact_momentum(p, g, v, beta, lr):
    """Exact (p_new, v_new) and their scales: max(|v|, |g|) for the moving average (any of the orders it is
    written in rounds terms of that size), max(|p|, lr max(|v|, |g|)) for the parameters."""
    import mpmath
    with mpmath.workdps(DIGITS):
        P, G, V = _mp(p), _mp(g), _mp(v)
        beta, lr = mpmath.mpf(beta), mpmath.mpf(lr)
        V_new = V * beta + G * (1 - beta)
        M = _max(_abs(V), _abs(G))
        return ({"parameters": P - V_new * lr, "v": V_new},
                {"parameters": _max(_abs(P), M * lr), "v": M})


@_by_inputs
def exact_adam(p, g, v, s, t, lr, beta1, beta2, eps, placement):
    """Exact (p_new, v_new, s_new) and their scales (SPEC precision.ulp)."""
    import mpmath
    with mpmath.workdps(DIGITS):
        P, G, V, S = _mp(p), _mp(g), _mp(v), _mp(s)
        lr, beta1, beta2, eps = (mpmath.mpf(x) for x in (lr, beta1, beta2, eps))
        V_new = V * beta1 + G * (1 - beta1)
        S_new = S * beta2 + G * G * (1 - beta2)
        v_corrected = V_new / (1 - beta1 ** t)
        s_corrected = S_new / (1 - beta2 ** t)
        sqrt = np.vectorize(mpmath.sqrt, otypes=[object])
        denominator = sqrt(s_corrected + eps) if placement == "inside" else sqrt(s_corrected) + eps
        M_v = _max(_abs(V), _abs(G))
        step_max = np.vectorize(lambda m, d: lr * m / (1 - beta1 ** t) / d if d else mpmath.mpf(0),
                                otypes=[object])(M_v, denominator)
        return ({"parameters": P - v_corrected * lr / denominator, "v": V_new, "s": S_new},
                {"parameters": _max(_abs(P), step_max), "v": M_v, "s": _max(_abs(S), G * G)})


def ulps(computed, exact, scale):
    """Max over elements of |computed - exact| in units of the last place of ``scale``."""
    import mpmath
    computed = np.asarray(computed, dtype=np.float64)
    worst = 0.0
    for idx in np.ndindex(computed.shape):
        unit = float(scale[idx])
        if not np.isfinite(computed[idx]):
            return float("inf")                      # the exact results of the unit cases are all finite
        if unit == 0.0:
            if computed[idx] != 0.0:
                return float("inf")
            continue
        error = abs(mpmath.mpf(float(computed[idx])) - exact[idx])
        worst = max(worst, float(error / mpmath.mpf(np.spacing(unit))))
    return worst


ULP_BOUNDS = {("gd", "parameters"): 2.0, ("momentum", "v"): 4.0, ("momentum", "parameters"): 10.0,
              ("adam", "v"): 4.0, ("adam", "s"): 5.0}


def adam_ulp_bound(t, beta1, beta2):
    """The documented bound (SPEC ``precision.ulp``) for Adam's parameters, in ulps of the scale.

    ``1 - beta**t`` is computed from a rounded ``beta**t`` close to 1: its absolute error is at most
    ulp(1) = 2**-52 (doubled for the ways of computing the power), i.e. a relative error of
    2 * 2**-52 / (1 - beta**t), which bias correction passes on to v_corrected (and, halved by the
    root, from s_corrected). The other roundings, in any order, add at most 16. At t = 1 the power
    is exact.
    """
    amplification = 0.0 if t == 1 else 4 / (1 - beta1 ** t) + 2 / (1 - beta2 ** t)
    return 16.0 + amplification
