"""Oracles that share no code with the reference: SymPy derivatives and 50-digit arithmetic.

1. ``symbolic_cost_and_gradient(layers, m)``: SymPy builds the mean cross-entropy of the
   network for a symbolic batch of m examples, differentiates it with respect to every
   entry of every W_l and b_l, and lambdifies cost and gradient. ReLU is SymPy's
   ``Max(z, 0)`` -- the piecewise function ``Piecewise((z, z > 0), (0, True))``
   (``Max(z, 0).rewrite(Piecewise)``); written as ``Max`` SymPy differentiates it about
   15 times faster. Derivations are cached per (layers, m) for the process.
2. ``exact_*``: the update rules evaluated with mpmath at 50 significant digits on the
   exact values of the float64 inputs, and ``ulps`` measuring how far a float64 result
   lies from them. See SPEC.md clause ``precision.ulp`` for the bounds and their derivation.
"""
from __future__ import annotations

import functools

import mpmath
import numpy as np
import sympy as sp

DIGITS = 50


# ------------------------------------------------------------------ SymPy gradients
@functools.lru_cache(maxsize=None)
def symbolic_cost_and_gradient(layers, m):
    """Returns ``f(parameters, X, Y) -> (J, grads)`` for the network ``layers`` on m examples."""
    layers = tuple(layers)
    L = len(layers) - 1
    params = {}
    for l in range(1, L + 1):
        params[f"W{l}"] = sp.Matrix(layers[l], layers[l - 1], lambda i, j: sp.Symbol(f"W{l}_{i}_{j}", real=True))
        params[f"b{l}"] = sp.Matrix(layers[l], 1, lambda i, j: sp.Symbol(f"b{l}_{i}", real=True))
    X = sp.Matrix(layers[0], m, lambda i, j: sp.Symbol(f"x_{i}_{j}", real=True))
    Y = sp.Matrix(1, m, lambda i, j: sp.Symbol(f"y_{j}", real=True))
    a = X
    for l in range(1, L + 1):
        z = params[f"W{l}"] * a + params[f"b{l}"] * sp.ones(1, m)
        a = z.applyfunc(lambda e: 1 / (1 + sp.exp(-e))) if l == L else z.applyfunc(lambda e: sp.Max(e, 0))
    J = -sp.Rational(1, m) * sum(Y[0, j] * sp.log(a[0, j]) + (1 - Y[0, j]) * sp.log(1 - a[0, j]) for j in range(m))
    symbols = [s for key in params for s in params[key]]
    gradient = [sp.diff(J, s) for s in symbols]
    f = sp.lambdify([symbols, list(X), list(Y)], [J] + gradient, modules="numpy", cse=True)
    shapes = {key: M.shape for key, M in params.items()}

    def evaluate(parameters, X_value, Y_value):
        flat = [float(v) for key in params for v in np.asarray(parameters[key]).reshape(-1)]
        # sympy matrices flatten row by row, like numpy's C order
        out = f(flat, [float(v) for v in np.asarray(X_value).reshape(-1)],
                [float(v) for v in np.asarray(Y_value).reshape(-1)])
        cost, values = float(out[0]), np.array(out[1:], dtype=np.float64)
        grads, start = {}, 0
        for key, shape in shapes.items():
            size = shape[0] * shape[1]
            grads[f"d{key}"] = values[start:start + size].reshape(shape)
            start += size
        return cost, grads
    return evaluate


# ------------------------------------------------------------ 50-digit arithmetic
def _mp(a):
    """float64 array -> object array of exact mpf values."""
    return np.vectorize(lambda x: mpmath.mpf(float(x)), otypes=[object])(np.asarray(a, dtype=np.float64))


def exact_gd(p, g, lr):
    with mpmath.workdps(DIGITS):
        P, G, lr = _mp(p), _mp(g), mpmath.mpf(lr)
        return P - lr * G, {"p": [P, lr * G]}


def exact_momentum(p, g, v, beta, lr):
    with mpmath.workdps(DIGITS):
        P, G, V = _mp(p), _mp(g), _mp(v)
        beta, lr = mpmath.mpf(beta), mpmath.mpf(lr)
        V_new = beta * V + (1 - beta) * G
        return (P - lr * V_new, V_new), {"p": [P, lr * V_new], "v": [beta * V, (1 - beta) * G]}


def exact_adam(p, g, v, s, t, lr, beta1, beta2, eps, placement):
    with mpmath.workdps(DIGITS):
        P, G, V, S = _mp(p), _mp(g), _mp(v), _mp(s)
        lr, beta1, beta2, eps = (mpmath.mpf(x) for x in (lr, beta1, beta2, eps))
        V_new = beta1 * V + (1 - beta1) * G
        S_new = beta2 * S + (1 - beta2) * G * G
        v_corrected = V_new / (1 - beta1 ** t)
        s_corrected = S_new / (1 - beta2 ** t)
        sqrt = np.vectorize(mpmath.sqrt, otypes=[object])
        denominator = sqrt(s_corrected + eps) if placement == "inside" else sqrt(s_corrected) + eps
        step = lr * v_corrected / denominator
        return (P - step, V_new, S_new), {"p": [P, step], "v": [beta1 * V, (1 - beta1) * G],
                                          "s": [beta2 * S, (1 - beta2) * G * G]}


def ulps(computed, exact, terms):
    """Max over elements of |computed - exact| in units of the last place of the largest term.

    A sum's rounding error is bounded by ulps of the terms summed, not of the result (which
    can be tiny after cancellation), so distances are measured in ulp(max |term|).
    """
    computed = np.asarray(computed, dtype=np.float64)
    worst = 0.0
    for idx in np.ndindex(computed.shape):
        scale = max(abs(float(T[idx])) for T in terms)
        if scale == 0.0:
            if computed[idx] != 0.0:
                return float("inf")
            continue
        error = abs(mpmath.mpf(float(computed[idx])) - exact[idx])
        worst = max(worst, float(error / mpmath.mpf(np.spacing(scale))))
    return worst


def adam_ulp_bound(t, beta1, beta2):
    """The documented bound (SPEC ``precision.ulp``) for Adam's parameters, in ulps of max(|p|, |step|).

    ``1 - beta**t`` is computed from a rounded ``beta**t`` close to 1: its absolute error is
    at most ulp(1) = 2**-52, i.e. a relative error of 2**-52 / (1 - beta**t), which bias
    correction passes on to v_corrected (and, halved by the root, from s_corrected). The
    remaining ~12 roundings add at most 0.5 ulp each. At t = 1 the power is exact.
    """
    amplification = 0.0 if t == 1 else 2 / (1 - beta1 ** t) + 1 / (1 - beta2 ** t)
    return 8.0 + amplification
