"""Checks against oracles that share no code with the reference (SPEC ``backward.gradient``,
``cost.bce-mean``, ``precision.ulp``): SymPy's derivative of the cost, and 50-digit arithmetic."""
from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from golden.unit_cases import one_step_case, sequence_case
import reference as ref

from .. import symbolic
from ..casework import NETWORK_RTOL, fail, forward_cache, zero_state
from ..compare import convention_sentence, expect_close
from ..failures import MissingFunction
from ..registry import verifies
from ..settings import for_all

# Course targets hard-code three layers. One shape whose weight matrices are all non-square (a
# transposed product cannot pass), small enough that SymPy derives it in a third of a second.
SYMBOLIC_LAYERS = [(2, 3, 2, 1)]
KINK_MARGIN = 1e-3        # hidden pre-activations at least this far from ReLU's kink
# Both sides are float64 evaluations of the same function in different orders; cancellation in
# the sum over examples can lose a few digits relative to the largest term: 1e-9 of the scale.
SYMBOLIC_RTOL = 1e-9


@st.composite
def symbolic_inputs(draw):
    """(layers, parameters, X, Y): entries of W and b in [-1, 1], X in [-2, 2], m from 1 to 6."""
    layers = draw(st.sampled_from(SYMBOLIC_LAYERS), label="layers")
    m = draw(st.integers(1, 6), label="m")
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    parameters = {}
    for l in range(1, len(layers)):
        parameters[f"W{l}"] = rng.uniform(-1, 1, size=(layers[l], layers[l - 1]))
        parameters[f"b{l}"] = rng.uniform(-1, 1, size=(layers[l], 1))
    X = rng.uniform(-2, 2, size=(layers[0], m))
    Y = rng.integers(0, 2, size=(1, m))
    return layers, parameters, X, Y


def _derive_all():
    """Derive (or fetch from the cache) every shape before Hypothesis runs, outside its timing."""
    for layers in SYMBOLIC_LAYERS:
        symbolic.symbolic_loss_and_gradient(layers)


def _away_from_kink(parameters, X):
    a = X
    L = len(parameters) // 2
    for l in range(1, L):
        z = parameters[f"W{l}"] @ a + parameters[f"b{l}"]
        if np.min(np.abs(z)) <= KINK_MARGIN:
            return False
        a = np.maximum(z, 0)
    return True


def gradient_scales(parameters, X, Y):
    """Per key, an upper bound of the terms summed into each gradient entry: backpropagation run on
    absolute values, starting from (|a_L| + |Y|) / m. Rounding errors are relative to these, not to the
    gradient, which can cancel to almost nothing (e.g. db3 = sum of (a3 - Y) / m)."""
    L = len(parameters) // 2
    m = X.shape[1]
    activations = [np.abs(X)]
    a = X
    for l in range(1, L + 1):
        z = parameters[f"W{l}"] @ a + parameters[f"b{l}"]
        a = 1 / (1 + np.exp(-z)) if l == L else np.maximum(z, 0)
        activations.append(a)
    dz = (np.abs(a) + np.abs(Y)) / m
    scales = {}
    for l in range(L, 0, -1):
        scales[f"dW{l}"] = dz @ np.abs(activations[l - 1]).T
        scales[f"db{l}"] = np.sum(dz, axis=1, keepdims=True)
        if l > 1:
            dz = (np.abs(parameters[f"W{l}"]).T @ dz) * (activations[l - 1] > 0)
    return scales


@verifies("backward.gradient", calls=("forward_propagation", "backward_propagation"), weight=3)
def check_backward_propagation_matches_the_symbolic_gradient(target):
    """dW, db equal SymPy's derivative of the mean cross-entropy (inputs away from ReLU's kink)."""
    _derive_all()

    @for_all(symbolic_inputs())
    def run(case):
        layers, parameters, X, Y = case
        assume(_away_from_kink(parameters, X))
        cache = forward_cache(target, X, parameters)
        yours = target.backward_propagation(X, Y, cache)
        _, expected = symbolic.cost_and_gradient(layers, parameters, X, Y)
        expect_close(target, {k: yours.get(k) for k in expected}, expected, clause="backward.gradient",
                     what="backward_propagation vs SymPy's gradient", rtol=SYMBOLIC_RTOL,
                     scales=gradient_scales(parameters, X, Y))
    run()


@verifies("cost.bce-mean", "forward.relu-sigmoid", calls=("forward_propagation", "compute_cost"), weight=8)
def check_forward_and_cost_match_the_symbolic_cost(target):
    """compute_cost(forward_propagation(X)) equals SymPy's cost expression (mean or sum, per the conventions)."""
    _derive_all()

    @for_all(symbolic_inputs())
    def run(case):
        layers, parameters, X, Y = case
        a3, _ = target.forward_propagation(X, parameters)
        expect_close(target, a3, ref.forward_propagation(X, parameters)[0], clause="forward.relu-sigmoid",
                     what="a3 of forward_propagation(X), before compute_cost is judged on it", rtol=NETWORK_RTOL,
                     scales=1.0, output="[0]")
        cost = target.compute_cost(a3, Y)
        under = (lambda c: symbolic.cost_and_gradient(layers, parameters, X, Y, c.cost)[0])
        expect_close(target, cost, under(target.conventions), clause="cost.bce-mean",
                     what="compute_cost(forward_propagation(X)) vs SymPy's cost", rtol=SYMBOLIC_RTOL, scales=1.0,
                     axes=("cost",), expected_under=under)
    run()


FUNCTIONS = {"gd": "update_parameters_with_gd", "momentum": "update_parameters_with_momentum",
             "adam": "update_parameters_with_adam"}


def _update(target, function, p, g, v, s, t, hp, where, worst):
    """One update by the target; every output key compared with the 50-digit result of the same inputs."""
    lr = hp["learning_rate"]
    if function == "gd":
        outputs = {"parameters": target.update_parameters_with_gd(p, g, lr)}
    elif function == "momentum":
        outputs = dict(zip(("parameters", "v"), target.update_parameters_with_momentum(p, g, v, hp["beta"], lr)))
    else:
        outputs = dict(zip(("parameters", "v", "s"), target.update_parameters_with_adam(
            p, g, v, s, t, lr, hp["beta1"], hp["beta2"], hp["epsilon"])[:3]))
    for name, out in outputs.items():
        if any(a.dtype != np.float64 for a in out.values()):
            raise MissingFunction(f"{FUNCTIONS[function]} returns {name} in a dtype other than float64; "
                                  "precision.ulp holds float64 implementations")
    positions = {"parameters": "[0]" if function != "gd" else "", "v": "[1]", "s": "[2]"}
    for key in p:
        dkey = f"d{key}"
        if function == "gd":
            exact, scales = symbolic.exact_gd(p[key], g[dkey], lr)
        elif function == "momentum":
            exact, scales = symbolic.exact_momentum(p[key], g[dkey], v[dkey], hp["beta"], lr)
        else:
            exact, scales = symbolic.exact_adam(p[key], g[dkey], v[dkey], s[dkey], t, lr, hp["beta1"], hp["beta2"],
                                                hp["epsilon"], target.conventions.epsilon)
        for name, value in exact.items():
            out_key = key if name == "parameters" else dkey
            d = symbolic.ulps(outputs[name][out_key], value, scales[name])
            bound = symbolic.ULP_BOUNDS.get((function, name)) or symbolic.adam_ulp_bound(t, hp["beta1"], hp["beta2"])
            row = (FUNCTIONS[function], name)
            worst[row] = max(worst.get(row, 0.0), d)
            if d > bound and function == "adam" and name == "parameters":
                _other_placement(target, p[key], g[dkey], v[dkey], s[dkey], t, hp, outputs[name][out_key], bound,
                                 where, out_key)
            if d > bound:
                fail(target, "precision.ulp", f"{FUNCTIONS[function]}: {name}[{out_key!r}] lies {d:.3g} ulps (of "
                     f"the inputs' scale) from the 50-digit exact result of the same float64 inputs ({where}); the "
                     f"documented bound is {bound:.3g} ulps", output=positions[name], key=out_key,
                     details=[f"  conventions judged: epsilon {target.conventions.epsilon} the root"]
                     if function == "adam" else [])
    return outputs["parameters"], outputs.get("v", v), outputs.get("s", s)


def _other_placement(target, p, g, v, s, t, hp, yours, bound, where, key):
    """A result within the bound under the other epsilon placement is that convention, not imprecision."""
    other = "outside" if target.conventions.epsilon == "inside" else "inside"
    if getattr(target.detected, "epsilon", None) not in (None, other):
        return                     # the placement detected is the one judged: imprecision, not a convention
    exact, scales = symbolic.exact_adam(p, g, v, s, t, hp["learning_rate"], hp["beta1"], hp["beta2"], hp["epsilon"],
                                        other)
    if symbolic.ulps(yours, exact["parameters"], scales["parameters"]) <= bound:
        sentence = convention_sentence(target, "epsilon", other)
        fail(target, "adam.epsilon-placement", f"update_parameters_with_adam: parameters[{key!r}] lies within "
             f"{bound:.3g} ulps of the 50-digit result with epsilon {other} the root ({where}): {sentence}",
             output="[0]", key=key, diagnosis=sentence, diagnosis_id=f"convention:epsilon={other}")


def ulp_report(target, seeds=range(3)):
    """{(function, output): worst ulp distance} over the unit cases, one-step and 5-step.

    Raises ConformanceError (``precision.ulp``) at the first output beyond its bound.
    """
    worst = {}
    for function, name in FUNCTIONS.items():
        if not target.has(name):
            continue
        for seed in seeds:
            case = one_step_case(seed)
            _update(target, function, case["parameters"], case["grads"], case["v"], case["s"], case["t"], case,
                    f"one-step case {seed}", worst)
            seq = sequence_case(seed)
            p = seq["parameters"]
            v, s = zero_state(p), zero_state(p)
            for t, g in enumerate(seq["grads_seq"], start=1):
                p, v, s = _update(target, function, p, g, v, s, t, seq, f"5-step case {seed}, t = {t}", worst)
    return worst


@verifies("precision.ulp", calls=(), weight=5)
def check_update_rules_lie_within_ulps_of_exact_arithmetic(target):
    """float64 updates stay within the documented ulp bounds of a 50-digit evaluation (unit cases)."""
    if not any(target.has(name) for name in FUNCTIONS.values()):
        raise MissingFunction(f"the target has none of {', '.join(FUNCTIONS.values())}")
    ulp_report(target)
