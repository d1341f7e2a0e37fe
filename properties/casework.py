"""Helpers shared by the check modules: states, scales, and the reference side of a comparison.

The reference side is always computed in float64 from the same inputs (a float32 target is held
to the float32 tolerances of ``compare.RTOL``), under the conventions the target is judged by.
"""
from __future__ import annotations

import numpy as np

import reference as ref

from .compare import difference, f64, magnitude
from .failures import ConformanceError, Failure, MissingFunction

# the network's float64 outputs: the same arithmetic in another order differs by a few ulp of the scale
NETWORK_RTOL = 1e-10
GD = ("update_parameters_with_gd",)
MOMENTUM = ("update_parameters_with_momentum",)
ADAM = ("update_parameters_with_adam",)


def zero_state(parameters):
    """Zeros ``d{key}`` shaped like each parameter: a fresh velocity or moment."""
    return {f"d{k}": np.zeros_like(p) for k, p in parameters.items()}


def param_scales(parameters, new_expected):
    """|p| + |p_new - p|: the size of the two terms of ``p - lr * step``."""
    return {k: magnitude(parameters[k], np.asarray(new_expected[k], dtype=np.float64) - np.asarray(parameters[k],
                                                                                                  dtype=np.float64))
            for k in parameters}


def momentum_parameter_scales(parameters, new_expected, v, grads, learning_rate):
    """|p| + |p_new - p| + lr max(|v|, |g|): the new velocity is rounded on its terms' scale (SPEC
    precision.ulp), which the step carries into the parameters however the EMA is written."""
    scales = param_scales(parameters, new_expected)
    return {k: scales[k] + abs(learning_rate) * np.maximum(np.abs(np.asarray(v[f"d{k}"], dtype=np.float64)),
                                                           np.abs(np.asarray(grads[f"d{k}"], dtype=np.float64)))
            for k in scales}


def moment_scales(old, grads, square=False):
    """|old| + |g| (or |g|^2): the size of the terms of an exponential moving average."""
    return {k: magnitude(old[k], np.square(np.asarray(grads[k], dtype=np.float64)) if square else grads[k])
            for k in old}


def adam_reference(parameters, grads, v, s, t, lr, beta1, beta2, epsilon):
    """``conventions -> (parameters, v, s, v_corrected, s_corrected)`` of the reference, in float64 (computed
    once per epsilon placement: a check asks for the expected value, its scales and its replay)."""
    done = {}

    def under(conventions):
        placement = conventions.epsilon
        if placement not in done:
            with np.errstate(all="ignore"):
                done[placement] = ref.update_parameters_with_adam(f64(parameters), f64(grads), f64(v), f64(s), t, lr,
                                                                  beta1, beta2, epsilon, epsilon_placement=placement,
                                                                  returns=5)
        return done[placement]
    under.inputs = (parameters, grads, v, t, lr, beta1, epsilon)
    return under


def adam_parameter_scales(under, conventions, expected):
    """The scale of Adam's new parameters (SPEC precision.ulp): |p| + |p_new - p| + the step computed from
    the magnitudes of the first moment's terms, lr max(|v|, |g|) / (1 - beta1**t) / den. A first moment
    that nearly cancels (v and g of opposite signs) is rounded on its terms' scale, not its own, and
    every correct order of the EMA (the lerp form among them) may err by that much."""
    parameters, grads, v, t, lr, beta1, epsilon = under.inputs
    s_corrected = under(conventions)[4]
    scales = param_scales(parameters, expected)
    with np.errstate(all="ignore"):
        for k in scales:
            terms = np.maximum(np.abs(f64(v[f"d{k}"])), np.abs(f64(grads[f"d{k}"])))
            den = denominator(s_corrected[f"d{k}"], epsilon, conventions.epsilon)
            step_max = abs(lr) * terms / (1 - beta1 ** t) / den
            scales[k] = scales[k] + np.where(np.isfinite(step_max), step_max, 0.0)
    return scales


def denominator(s_corrected, epsilon, placement):
    return np.sqrt(s_corrected + epsilon) if placement == "inside" else np.sqrt(s_corrected) + epsilon


def adam_first_step(parameters, grads, lr, epsilon):
    """``conventions -> p - lr g / den(g**2)``: the step when v_corrected = g and s_corrected = g**2 exactly."""
    p, g = f64(parameters), f64(grads)

    def under(conventions):
        return {k: p[k] - lr * g[f"d{k}"] / denominator(np.square(g[f"d{k}"]), epsilon, conventions.epsilon)
                for k in p}
    return under


def fail(target, clause, what, **fields):
    """A failure of the last call (its reproduction is generated from that call)."""
    raise ConformanceError(Failure(clause, what, call=target.last, **fields))


def require_observed_mutations(target):
    """Skip (not judged) where the last call's harness did not report what it mutated: a harness that cannot
    observe mutations omits ``mutated`` (PROTOCOL.md section 6), and no mutation seen is then no evidence."""
    if target.last.mutated is None:
        raise MissingFunction("the target's harness does not report which inputs a call mutated (PROTOCOL.md, "
                              "\"mutated\")")


def at(index):
    return tuple(int(i) for i in index)


def with_special_entry(yours, expected, key, index):
    """``expected`` with entry (key, index) replaced by yours there when yours is NaN or infinite there.

    A NaN or infinite gradient entry must leave that entry of the result non-finite (IEEE arithmetic gives
    inf or NaN depending on the order of operations: ``(1 - beta) g`` is inf, ``g + beta (v - g)`` is NaN;
    both are correct) and every other entry exactly as without it (SPEC "Special cases"). So the entry
    matches any non-finite value and nothing finite: a silently dropped NaN still fails."""
    out = {k: np.array(v, dtype=np.float64) for k, v in expected.items()}
    if isinstance(yours, dict) and key in yours and key in out:
        mine = np.asarray(yours[key], dtype=np.float64)
        if mine.shape == out[key].shape and not np.isfinite(mine[index]):
            out[key][index] = mine[index]
    return out


def as_backward_returns(grads, m=4, seed=0):
    """``grads`` with the keys the course's ``backward_propagation`` returns beside ``dW{l}`` and ``db{l}``:
    ``dz{l}`` for every layer and ``da{l}`` below the last, each (n_l, m), in the course's order (dz3, dW3,
    db3, da2, dz2, ...). ``model`` passes exactly such a dict to the update functions."""
    rng = np.random.default_rng(seed)
    L = len(grads) // 2
    out = {}
    for l in range(L, 0, -1):
        rows = grads[f"db{l}"].shape[0]
        out[f"dz{l}"] = rng.normal(size=(rows, m))
        out[f"dW{l}"], out[f"db{l}"] = grads[f"dW{l}"], grads[f"db{l}"]
        if l > 1:
            out[f"da{l - 1}"] = rng.normal(size=(grads[f"db{l - 1}"].shape[0], m))
    return out


def relu_kink_case():
    """(parameters, X, Y) of [2, 5, 2, 1] where W1 X < 0: a1 = 0, so z2 = b2 = 0 exactly for every example."""
    rng = np.random.default_rng(0)
    parameters = {"W1": -np.abs(rng.normal(size=(5, 2))), "b1": np.zeros((5, 1)),
                  "W2": rng.normal(size=(2, 5)), "b2": np.zeros((2, 1)),
                  "W3": np.array([[1.5, -2.0]]), "b3": np.zeros((1, 1))}
    X = np.abs(rng.normal(size=(2, 4))) + 0.1
    return parameters, X, np.array([[1, 0, 1, 1]])


def saturated_case():
    """(parameters, X, Y) of [2, 5, 2, 1] where z1, z2 > 0 and z3 = 40 for the first example (a3 = 1.0 exactly in
    float64, label 1) and 20 for the second (a3 = 1 - 2e-9, label 0): dz3 = [0, (a3 - 0) / 2], finite."""
    parameters = {"W1": np.full((5, 2), 0.5), "b1": np.zeros((5, 1)), "W2": np.full((2, 5), 0.2),
                  "b2": np.zeros((2, 1)), "W3": np.array([[20.0, 20.0]]), "b3": np.zeros((1, 1))}
    X = np.array([[1.0, 0.5], [1.0, 0.5]])
    return parameters, X, np.array([[1, 0]])


def forward_cache(target, X, parameters):
    """The target's own forward cache for its backward_propagation (the cache's layout is the target's),
    once its a3 is the reference's: the backward of a wrong forward's cache cannot be judged, and is
    skipped ("not judged") rather than failed for the forward's mistake."""
    a3, cache = target.forward_propagation(X, parameters)
    if difference(a3, ref.forward_propagation(X, parameters)[0], NETWORK_RTOL, 1.0) is not None:   # forward's bound
        raise MissingFunction("not judged: forward_propagation's a3 differs from the reference's "
                              "(forward.relu-sigmoid), and backward_propagation takes its cache")
    return cache
