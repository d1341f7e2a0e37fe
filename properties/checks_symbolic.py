"""Checks against oracles that share no code with the reference (SPEC ``backward.gradient``,
``cost.bce-mean``, ``precision.ulp``): SymPy's derivative of the cost, and 50-digit arithmetic."""
from __future__ import annotations

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as nps

from . import assertions as ph
from . import symbolic
from .registry import check
from .checks_updates import OTHER_PLACEMENT, placement_diagnosis
from .target import Calls, ConformanceError, MissingFunction
from .unit_cases import one_step_case, sequence_case, zero_state

# Course targets hard-code three layers; these shapes keep each SymPy derivation ~1 s.
SYMBOLIC_SHAPES = [((2, 5, 2, 1), 3), ((3, 2, 2, 1), 2)]
KINK_MARGIN = 1e-3        # hidden pre-activations at least this far from ReLU's kink
# Both sides are float64 evaluations of the same function in different orders; cancellation in
# the sum over examples can lose a few digits relative to the largest term: 1e-9 of the scale.
SYMBOLIC_RTOL = 1e-9
UNIT = st.floats(-1, 1, allow_nan=False, allow_subnormal=False)


@st.composite
def symbolic_inputs(draw, shapes=SYMBOLIC_SHAPES):
    """(layers, m, parameters, X, Y) for one of ``shapes``, entries of W and b in [-1, 1], X in [-2, 2]."""
    layers, m = draw(st.sampled_from(shapes))
    parameters = {}
    for l in range(1, len(layers)):
        parameters[f"W{l}"] = draw(nps.arrays(np.float64, (layers[l], layers[l - 1]), elements=UNIT))
        parameters[f"b{l}"] = draw(nps.arrays(np.float64, (layers[l], 1), elements=UNIT))
    X = draw(nps.arrays(np.float64, (layers[0], m), elements=st.floats(-2, 2)))
    Y = draw(nps.arrays(np.int64, (1, m), elements=st.integers(0, 1)))
    return layers, m, parameters, X, Y


def _derive_all():
    """Derive (or fetch from the cache) every shape before Hypothesis runs, outside its timing and tracing."""
    for layers, m in SYMBOLIC_SHAPES:
        symbolic.symbolic_cost_and_gradient(layers, m)


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
    activations, a = [np.abs(X)], X
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


@check("backward.gradient", needs=("forward_propagation", "backward_propagation"))
def check_backward_propagation_matches_the_symbolic_gradient(impl):
    """dW, db equal SymPy's derivative of the mean cross-entropy (inputs away from ReLU's kink)."""
    _derive_all()

    @given(symbolic_inputs())
    def run(case):
        layers, m, parameters, X, Y = case
        assume(_away_from_kink(parameters, X))
        _, cache = impl.call("forward_propagation", X, parameters, clause="backward.gradient", protect=(0,))
        yours = impl.call("backward_propagation", X, Y, cache, clause="backward.gradient", protect=(0, 1))
        _, expected = symbolic.symbolic_cost_and_gradient(layers, m)(parameters, X, Y)
        ph.assert_close(yours if isinstance(yours, dict) else {}, expected, clause="backward.gradient",
                        what="backward_propagation vs SymPy's gradient", rtol=SYMBOLIC_RTOL,
                        scales=gradient_scales(parameters, X, Y),
                        snippet=ph.repro(impl, ["a3, cache = impl.module.forward_propagation(X, parameters)",
                                                "print(impl.module.backward_propagation(X, Y, cache))"],
                                         X=X, Y=Y, parameters=parameters))
    run()


@check("cost.bce-mean", "forward.relu-sigmoid", needs=("forward_propagation", "compute_cost"))
def check_forward_and_cost_match_the_symbolic_cost(impl):
    """compute_cost(forward_propagation(X)) equals SymPy's cost expression."""
    _derive_all()

    @given(symbolic_inputs())
    def run(case):
        layers, m, parameters, X, Y = case
        a3, _ = impl.call("forward_propagation", X, parameters, clause="forward.relu-sigmoid", protect=(0,))
        cost = impl.call("compute_cost", np.asarray(a3), Y, clause="cost.bce-mean", protect=(0, 1))
        expected, _ = symbolic.symbolic_cost_and_gradient(layers, m)(parameters, X, Y)
        ph.assert_close({"cost": np.asarray(cost, dtype=np.float64).reshape(())}, {"cost": np.asarray(expected)},
                        clause="cost.bce-mean", what="compute_cost(forward_propagation(X)) vs SymPy's cost",
                        rtol=SYMBOLIC_RTOL, scales={"cost": 1.0},
                        snippet=ph.repro(impl, "print(impl.module.compute_cost("
                                               "impl.module.forward_propagation(X, parameters)[0], Y))",
                                         X=X, Y=Y, parameters=parameters))
    run()


# Bounds in ulps of the largest term of each result (SPEC.md, precision.ulp). Each rounding adds at
# most 0.5 ulp of its own result; a sum of two terms can be twice the larger term, so its rounding
# costs up to 1 ulp of the larger term. 1 - beta is exact for beta in [0.5, 1] (Sterbenz).
#   gd p:        lr*g (0.5) + the subtraction (1)                                  = 1.5
#   momentum v:  beta*v (0.5) + (1-beta)*g (0.5) + the sum (1)                     = 2
#   momentum p:  v's error carried by lr*v (2) + lr*v (0.5) + the subtraction (1)  = 3.5 -> 4
#   adam v:      as momentum's v                                                   = 2
#   adam s:      beta2*s (0.5) + g*g (0.5) + (1-beta2)*g**2 (0.5) + the sum (1)    = 2.5
#   adam p:      symbolic.adam_ulp_bound(t, beta1, beta2): bias correction amplifies the error
#                of beta**t by 1 / (1 - beta**t)
FUNCTIONS = {"gd": "update_parameters_with_gd", "momentum": "update_parameters_with_momentum",
             "adam": "update_parameters_with_adam"}
ULP_BOUNDS = {("gd", "parameters"): 1.5, ("momentum", "v"): 2.0, ("momentum", "parameters"): 4.0,
              ("adam", "v"): 2.0, ("adam", "s"): 2.5}


def _update(impl, function, p, g, v, s, t, hp, where, worst):
    """One update by the target; every output key compared with the 50-digit result of the same inputs."""
    calls, lr = Calls(impl), hp["learning_rate"]
    if function == "gd":
        outputs = {"parameters": calls.gd(p, g, lr, clause="precision.ulp")}
    elif function == "momentum":
        outputs = dict(zip(("parameters", "v"), calls.momentum(p, g, v, hp["beta"], lr, clause="precision.ulp")))
    else:
        outputs = dict(zip(("parameters", "v", "s"), calls.adam(p, g, v, s, t, lr, hp["beta1"], hp["beta2"],
                                                                hp["epsilon"], clause="precision.ulp")))
    for name, out in outputs.items():
        if any(a.dtype != np.float64 for a in out.values()):
            raise MissingFunction(f"{FUNCTIONS[function]} returns {name} in a dtype other than float64; "
                                  "precision.ulp holds float64 implementations")
    for key in p:
        dkey = f"d{key}"
        if function == "gd":
            exact, terms = symbolic.exact_gd(p[key], g[dkey], lr)
            exact = {"parameters": exact}
        elif function == "momentum":
            (ep, ev), terms = symbolic.exact_momentum(p[key], g[dkey], v[dkey], hp["beta"], lr)
            exact = {"parameters": ep, "v": ev}
        else:
            (ep, ev, es), terms = symbolic.exact_adam(p[key], g[dkey], v[dkey], s[dkey], t, lr, hp["beta1"],
                                                      hp["beta2"], hp["epsilon"], impl.epsilon_placement)
            exact = {"parameters": ep, "v": ev, "s": es}
            bound = symbolic.adam_ulp_bound(t, hp["beta1"], hp["beta2"])
            if symbolic.ulps(outputs["parameters"][key], ep, terms["p"]) > bound:
                other = OTHER_PLACEMENT[impl.epsilon_placement]
                (alt, _, _), alt_terms = symbolic.exact_adam(p[key], g[dkey], v[dkey], s[dkey], t, lr, hp["beta1"],
                                                             hp["beta2"], hp["epsilon"], other)
                if symbolic.ulps(outputs["parameters"][key], alt, alt_terms["p"]) <= bound:
                    diagnosis = placement_diagnosis(impl)
                    raise ConformanceError("adam.epsilon-placement",
                                           f"update_parameters_with_adam: parameters[{key!r}] is within "
                                           f"{bound:.3g} ulps of the 50-digit result with epsilon {other} the root, "
                                           f"not {impl.epsilon_placement} ({where})\n  Diagnosis: "
                                           f"{diagnosis}", diagnosis)
        for name, value in exact.items():
            out_key = key if name == "parameters" else dkey
            d = symbolic.ulps(outputs[name][out_key], value, terms["p" if name == "parameters" else name])
            bound = ULP_BOUNDS.get((function, name)) or symbolic.adam_ulp_bound(t, hp["beta1"], hp["beta2"])
            worst[(FUNCTIONS[function], name)] = max(worst.get((FUNCTIONS[function], name), 0.0), d)
            if d > bound:
                ph.fail("precision.ulp", f"{FUNCTIONS[function]}: {name}[{out_key!r}] lies {d:.3g} ulps from the "
                        f"50-digit exact result of the same float64 inputs ({where}, profile {impl.profile!r}); "
                        f"the documented bound is {bound:.3g} ulps",
                        ph.repro(impl, [f"# inputs: properties.unit_cases ({where})",
                                        "from properties.checks_symbolic import ulp_report",
                                        "print(ulp_report(impl))"]))
    return outputs["parameters"], outputs.get("v", v), outputs.get("s", s)


def ulp_report(impl, seeds=range(5)):
    """{(function, output): worst ulp distance} of the target over the unit cases, one-step and 5-step.

    Raises ConformanceError (``precision.ulp``) at the first output beyond its bound.
    """
    worst = {}
    for function, name in FUNCTIONS.items():
        if not impl.has(name):
            continue
        for seed in seeds:
            case = one_step_case(seed)
            _update(impl, function, case["parameters"], case["grads"], case["v"], case["s"], case["t"], case,
                    f"one-step case {seed}", worst)
            seq = sequence_case(seed)
            p = seq["parameters"]
            v, s = zero_state(p), zero_state(p)
            for t, g in enumerate(seq["grads_seq"], start=1):
                p, v, s = _update(impl, function, p, g, v, s, t, seq, f"5-step case {seed}, t = {t}", worst)
    return worst


@check("precision.ulp", needs=())
def check_update_rules_lie_within_ulps_of_exact_arithmetic(impl):
    """float64 updates stay within the documented ulp bounds of a 50-digit evaluation (unit cases)."""
    if not any(impl.has(name) for name in FUNCTIONS.values()):
        raise MissingFunction(f"target has none of {', '.join(FUNCTIONS.values())}")
    ulp_report(impl)
