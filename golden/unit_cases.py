"""The documented recipe for unit cases of the update functions (shared by the ulp oracle and golden/).

Recipe, for a case number ``seed``: ``rng = np.random.default_rng(seed)``, layers [2, 5, 2, 1];
in key order W1, b1, ..., W3, b3: parameters ~ N(0, 1); gradients g = sign * 10**U(-4, 1) with a
random sign; velocity v ~ N(0, 0.1); second moment s = v**2 + N(0, 0.1)**2 (so s >= v**2, as an
Adam state can be). Hyperparameters: learning_rate 0.01, beta 0.9, beta1 0.9, beta2 0.999,
epsilon 1e-8, t = 1 + seed % 5. A 5-step sequence draws five gradients and starts from zero state.
"""
from __future__ import annotations

import numpy as np

LAYERS = (2, 5, 2, 1)
HYPER = {"learning_rate": 0.01, "beta": 0.9, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}


def zero_state(parameters):
    """Zeros ``d{key}`` shaped like each parameter: a fresh velocity or moment."""
    return {f"d{k}": np.zeros_like(p) for k, p in parameters.items()}


def _shapes(layers=LAYERS):
    return {f"{name}{l}": ((layers[l], layers[l - 1]) if name == "W" else (layers[l], 1))
            for l in range(1, len(layers)) for name in ("W", "b")}


def _gradient(rng, shapes):
    return {f"d{k}": rng.choice([-1.0, 1.0], size=s) * 10.0 ** rng.uniform(-4, 1, size=s) for k, s in shapes.items()}


def one_step_case(seed):
    """Inputs of one update: parameters, grads, v, s, t and the hyperparameters."""
    rng = np.random.default_rng(seed)
    shapes = _shapes()
    parameters = {k: rng.normal(size=s) for k, s in shapes.items()}
    grads = _gradient(rng, shapes)
    v = {f"d{k}": rng.normal(0, 0.1, size=s) for k, s in shapes.items()}
    s = {k: a ** 2 + rng.normal(0, 0.1, size=a.shape) ** 2 for k, a in v.items()}
    return {"parameters": parameters, "grads": grads, "v": v, "s": s, "t": 1 + seed % 5, **HYPER}


def sequence_case(seed, steps=5):
    """Inputs of a ``steps``-step run from zero state: parameters and one gradient per step (t = 1..steps)."""
    rng = np.random.default_rng(seed)
    shapes = _shapes()
    parameters = {k: rng.normal(size=s) for k, s in shapes.items()}
    return {"parameters": parameters, "grads_seq": [_gradient(rng, shapes) for _ in range(steps)], **HYPER}
