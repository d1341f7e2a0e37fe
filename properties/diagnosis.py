"""Naming the mistake: which known variant a failing function behaves like.

For a course function, ``diagnose(target, function)`` runs a fixed set of probe inputs through
the target and through every candidate -- the reference under both profiles and each catalog
entry replacing that function -- and reports the candidates whose outputs match the target's
on every probe. The probes are chosen so that the catalog entries are distinguishable
(tests/test_diagnosis.py checks that each entry is named as itself and only itself).
"""
from __future__ import annotations

import numpy as np

import reference as ref

from .catalog import CATALOG
from .checks_network import relu_kink_case
from .target import Calls, ConformanceError, MissingFunction, Target
from .unit_cases import one_step_case, sequence_case, zero_state

RTOL = 1e-9        # float64 probes; candidates differ by O(1) relative, rounding by ~1e-15


def _flat(prefix, d):
    return {f"{prefix}/{k}": np.asarray(v) for k, v in d.items()}


def _tiny(seed):
    case = one_step_case(seed)
    case["grads"] = {k: np.sign(a) * 1e-6 for k, a in case["grads"].items()}
    return case


# ------------------------------------------------------------------------ probes
def _probe_gd(calls):
    for seed in range(3):
        c = one_step_case(seed)
        yield f"case {seed}", _flat("parameters", calls.gd(c["parameters"], c["grads"], c["learning_rate"]))
    c = one_step_case(0)
    yield "zero gradient", _flat("parameters", calls.gd(c["parameters"], zero_state(c["parameters"]), 0.01))


def _probe_momentum(calls):
    for seed in range(3):
        c = one_step_case(seed)
        p, v = calls.momentum(c["parameters"], c["grads"], c["v"], c["beta"], c["learning_rate"])
        yield f"case {seed}", {**_flat("parameters", p), **_flat("v", v)}
    c = one_step_case(1)
    p, v = calls.momentum(c["parameters"], zero_state(c["parameters"]), zero_state(c["parameters"]), 0.9, 0.01)
    yield "zero gradient and velocity", {**_flat("parameters", p), **_flat("v", v)}
    seq = sequence_case(0)
    p, v = seq["parameters"], zero_state(seq["parameters"])
    for t, g in enumerate(seq["grads_seq"], start=1):
        p, v = calls.momentum(p, g, v, seq["beta"], seq["learning_rate"])
        yield f"sequence step {t}", {**_flat("parameters", p), **_flat("v", v)}


def _probe_adam(calls):
    for seed, case in [(s, one_step_case(s)) for s in range(3)] + [("tiny", _tiny(3))]:
        p, v, s = calls.adam(case["parameters"], case["grads"], case["v"], case["s"], case["t"],
                             case["learning_rate"], case["beta1"], case["beta2"], case["epsilon"])
        yield f"case {seed} (t = {case['t']})", {**_flat("parameters", p), **_flat("v", v), **_flat("s", s)}
    c = one_step_case(2)
    zeros = zero_state(c["parameters"])
    p, v, s = calls.adam(c["parameters"], zeros, zeros, zeros, 3, 0.01, 0.9, 0.999, 1e-8)
    yield "zero gradient and moments", {**_flat("parameters", p), **_flat("v", v), **_flat("s", s)}
    seq = sequence_case(1)
    p = seq["parameters"]
    v, s = zero_state(p), zero_state(p)
    for t, g in enumerate(seq["grads_seq"], start=1):
        p, v, s = calls.adam(p, g, v, s, t, seq["learning_rate"], seq["beta1"], seq["beta2"], seq["epsilon"])
        yield f"sequence step t = {t}", {**_flat("parameters", p), **_flat("v", v), **_flat("s", s)}


def _aliasing(arrays):
    labels = sorted(arrays)
    return np.array([[np.shares_memory(arrays[a], arrays[b]) for b in labels] for a in labels], dtype=np.int64)


def _init_probe_parameters():
    """[2, 5, 2, 1], and [3, 3, 3, 1] where W1, W2 and b1, b2 share shapes (so shared buffers show)."""
    square = {"W1": np.ones((3, 3)), "b1": np.ones((3, 1)), "W2": np.ones((3, 3)), "b2": np.ones((3, 1)),
              "W3": np.ones((1, 3)), "b3": np.ones((1, 1))}
    return [("[2, 5, 2, 1]", one_step_case(0)["parameters"]), ("[3, 3, 3, 1]", square)]


def _probe_initialize_velocity(calls):
    for label, parameters in _init_probe_parameters():
        v = calls.initialize_velocity(parameters)
        yield label, {**_flat("v", v), "aliasing": _aliasing(v)}


def _probe_initialize_adam(calls):
    for label, parameters in _init_probe_parameters():
        v, s = calls.initialize_adam(parameters)
        yield label, {**_flat("v", v), **_flat("s", s), "aliasing": _aliasing({**_flat("v", v), **_flat("s", s)})}


MINIBATCH_PROBES = [(9, 4, 11), (300, 64, 12), (5, 8, 13), (8, 8, 14)]


def _probe_random_mini_batches(calls):
    for m, size, seed in MINIBATCH_PROBES:
        X = np.vstack([np.arange(m, dtype=np.float64), np.arange(m, dtype=np.float64) * 2])
        np.random.seed(20261126)       # a fixed global state: an implementation that never seeds is repeatable too
        batches = calls.minibatches(X, np.arange(m)[None, :], size, seed, "minibatch.partition")
        out = {"count": np.asarray(len(batches))}
        for k, (bx, by) in enumerate(batches):
            out[f"batch{k}/X"], out[f"batch{k}/Y"] = bx, by
        yield f"m = {m}, size = {size}, seed = {seed}", out


def _network_probe_inputs():
    rng = np.random.default_rng(7)
    # biases of 0.5 and non-negative W2 keep most ReLUs active, so every gradient entry is exercised
    parameters = {"W1": rng.normal(size=(5, 2)), "b1": np.full((5, 1), 0.5),
                  "W2": np.abs(rng.normal(size=(2, 5))), "b2": np.full((2, 1), 0.5),
                  "W3": rng.normal(size=(1, 2)), "b3": rng.normal(size=(1, 1)) * 0.1}
    X = rng.normal(size=(2, 6))
    Y = np.array([[1, 0, 1, 1, 0, 0]])
    return [("random network", parameters, X, Y), ("ReLU kink", *relu_kink_case())]


def _probe_backward_propagation(calls):
    for label, parameters, X, Y in _network_probe_inputs():
        _, cache = ref.forward_propagation(X, parameters)
        grads = calls.t.call("backward_propagation", X, Y, cache, clause="backward.gradient")
        yield label, {k: np.asarray(v) for k, v in grads.items() if k[:2] in ("dW", "db")}


def _probe_forward_propagation(calls):
    for label, parameters, X, _ in _network_probe_inputs():
        a3, _ = calls.t.call("forward_propagation", X, parameters, clause="forward.relu-sigmoid")
        yield label, {"a3": np.asarray(a3)}


def _probe_compute_cost(calls):
    for label, a3, Y in [("interior", np.array([[0.9, 0.2, 0.6]]), np.array([[1, 0, 0]])),
                         ("saturated", np.array([[1.0, 0.0, 0.5]]), np.array([[1, 0, 1]]))]:
        yield label, {"cost": np.asarray(calls.t.call("compute_cost", a3, Y, clause="cost.bce-mean"), dtype=float)}


def _probe_predict(calls):
    parameters = {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1)), "W2": np.zeros((1, 1)), "b2": np.zeros((1, 1)),
                  "W3": np.ones((1, 1)), "b3": np.zeros((1, 1))}
    for label, p in [("a3 = 0.5 exactly", parameters), ("random network", _network_probe_inputs()[0][1])]:
        X = np.array([[1.0, -1.0, 2.0], [0.5, 0.0, -3.0]])
        out = calls.t.call("predict", X, np.array([[0, 1, 0]]), p, clause="predict.threshold")
        yield label, {"predictions": np.asarray(out[0] if isinstance(out, tuple) else out).reshape(-1)}


def _probe_initialize_parameters(calls):
    for dims in ([2, 5, 2, 1], [3, 1]):
        yield str(dims), _flat("parameters", calls.t.call("initialize_parameters", list(dims), clause="init.he"))


def _probe_model(calls):
    X, Y = ref.load_dataset()
    for optimizer in ref.OPTIMIZERS:
        out = calls.t.call("model", X, Y, [2, 5, 2, 1], optimizer, num_epochs=2, print_cost=False,
                           clause="train.trajectory", **calls.t.placement_kwargs("model"))
        yield f"{optimizer}, 2 epochs", _flat("parameters", out[0] if isinstance(out, tuple) else out)


def _probe_train(calls):
    X, Y = ref.load_dataset()
    for optimizer in ref.OPTIMIZERS:
        result = calls.t.call("train", X, Y, [2, 5, 2, 1], optimizer, num_epochs=2, clause="train.costs",
                              **calls.t.placement_kwargs("train"))
        yield f"{optimizer}, 2 epochs", {name: np.asarray(getattr(result, name, np.nan), dtype=float)
                                         for name in ("epoch_costs", "minibatch_costs")}


PROBES = {
    "train": _probe_train,
    "update_parameters_with_gd": _probe_gd, "update_parameters_with_momentum": _probe_momentum,
    "update_parameters_with_adam": _probe_adam, "initialize_velocity": _probe_initialize_velocity,
    "initialize_adam": _probe_initialize_adam, "random_mini_batches": _probe_random_mini_batches,
    "backward_propagation": _probe_backward_propagation, "forward_propagation": _probe_forward_propagation,
    "compute_cost": _probe_compute_cost, "predict": _probe_predict,
    "initialize_parameters": _probe_initialize_parameters, "model": _probe_model,
}


def fingerprint(target, function):
    """[(probe label, outputs dict or an error string)] of ``target``'s ``function`` on the probes."""
    rows = []
    calls = Calls(target)
    generator = PROBES[function](calls)
    while True:
        try:
            label, outputs = next(generator)
        except StopIteration:
            break
        except ConformanceError as error:           # the target broke: that, too, is behaviour to match
            rows.append(("error", str(error).split("] ", 1)[-1].splitlines()[0]))
            break
        rows.append((label, outputs))
    return rows


def _difference(a, b):
    """None if the two outputs match, else (key, description) of the first difference."""
    if isinstance(a, str) or isinstance(b, str):
        return None if (isinstance(a, str) and isinstance(b, str)) else ("", "one of them raised")
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            return key, "missing on one side"
        x, y = np.asarray(a[key]), np.asarray(b[key])
        if x.shape != y.shape:
            return key, f"shape {x.shape} vs {y.shape}"
        x64, y64 = x.astype(np.float64), y.astype(np.float64)
        scale = max(float(np.max(np.abs(np.nan_to_num(y64)), initial=0.0)), 1e-300)
        with np.errstate(invalid="ignore"):
            close = np.isclose(x64, y64, rtol=RTOL, atol=RTOL * scale, equal_nan=True)
        if not np.all(close):
            i = np.unravel_index(np.argmin(close), close.shape)
            return key, f"yours {x64[i].item()!r} vs {y64[i].item()!r} at {tuple(int(k) for k in i)}"
    return None


def _max_abs(rows_a, rows_b):
    worst = 0.0
    for (_, a), (_, b) in zip(rows_a, rows_b):
        if isinstance(a, dict) and isinstance(b, dict):
            for k in a:
                with np.errstate(invalid="ignore"):
                    d = np.nan_to_num(np.abs(np.asarray(a[k], dtype=float) - np.asarray(b[k], dtype=float)))
                worst = max(worst, float(np.max(d, initial=0.0)))
    return worst


def candidates(function):
    """(name, description, Target) for the reference under both profiles and each catalog entry of ``function``."""
    out = [(f"profile '{p}'", f"the reference under profile {p!r}", Target(ref, "reference", p))
           for p in ("seed", "course")]
    from .target import load_target
    out += [(entry.name, entry.mistake, load_target(f"catalog:{entry.name}"))
            for entry in CATALOG.values() if entry.function == function]
    return out


def diagnose(target, function):
    """A one-paragraph diagnosis of ``target``'s ``function``; None if it behaves like the profile's reference."""
    if function not in PROBES or not target.has(function):
        return None
    try:
        yours = fingerprint(target, function)
    except MissingFunction:
        return None
    matches, profile_rows = [], None
    for name, description, candidate in candidates(function):
        try:
            theirs = fingerprint(candidate, function)
        except MissingFunction:
            continue
        if name == f"profile '{target.profile}'":
            profile_rows = theirs
        if len(theirs) == len(yours) and all(_difference(a, b) is None for (_, a), (_, b) in zip(yours, theirs)):
            matches.append((name, description, _max_abs(yours, theirs)))
    n = len(yours)
    if any(name == f"profile '{target.profile}'" for name, _, _ in matches):
        return None
    profiles = [name.split("'")[1] for name, _, _ in matches if name.startswith("profile ")]
    entries = [m for m in matches if not m[0].startswith("profile ")]
    if entries or profiles:
        if entries:
            described = "; or ".join(f"'{name}' ({description}; max abs diff {diff:.3g} on {n} probes)"
                                     for name, description, diff in entries)
            text = f"{function} behaves like {described}"
            if profiles:
                text += f", which is the reference under profile '{profiles[0]}'"
        else:
            text = f"{function} behaves like the reference under profile '{profiles[0]}' ({n} probes)"
        if profiles:
            placement = "inside" if target.profile == "seed" else "outside"
            text += (f". Profile '{target.profile}' expects epsilon {placement} the root; "
                     f"`--profile {profiles[0]}` checks against that convention")
        return text + "."
    for (label, a), (_, b) in zip(yours, profile_rows or []):
        diff = _difference(a, b)
        if diff is not None:
            key, description = diff
            return (f"{function} matches no known variant on {n} probes; first divergence from the reference "
                    f"(profile '{target.profile}') at probe '{label}', key '{key}': {description}.")
    return f"{function} matches no known variant (it behaves like the reference on the {n} probes)."
