"""Naming the mistake: which known variant a failing function behaves like.

``diagnose(target, function)`` runs fixed probe inputs through the target (restarted fresh, so that
state left by the checks does not count) and through every candidate built under the target's
judged conventions: the reference, the reference under every other value of each convention axis,
and each catalog entry replacing that function. It names the candidates whose outputs match the
target's on every probe; otherwise the first divergence from the reference, in words: a value,
a dtype (float32 named as float32), an exception, a mutated input, a timeout, an exit.
Candidates are the checker's own code and run in-process; their fingerprints are cached.
"""
from __future__ import annotations

import re
import warnings

import numpy as np

import reference as ref
from golden.unit_cases import one_step_case, sequence_case
from reference.conventions import AXES

from .casework import as_backward_returns, relu_kink_case, saturated_case
from .catalog import CATALOG, module_for
from .compare import difference
from .failures import ConformanceError
from .fixtures import moons
from .protocol import FunctionRef, Opaque

RTOL = 1e-9        # float64 probes; candidates differ by O(1) relative, rounding by ~1e-15


def _zeros(parameters):
    return {f"d{k}": np.zeros_like(p) for k, p in parameters.items()}


def _tiny(seed):
    case = one_step_case(seed)
    case["grads"] = {k: np.sign(a) * 1e-6 for k, a in case["grads"].items()}
    return case


def _wide(L=12):
    """A 12-layer problem: two-digit keys W10..W12."""
    rng = np.random.default_rng(12)
    widths = [2] + [3] * (L - 1) + [1]
    p = {}
    for l in range(1, L + 1):
        p[f"W{l}"], p[f"b{l}"] = rng.normal(size=(widths[l], widths[l - 1])), rng.normal(size=(widths[l], 1))
    return p, {f"d{k}": rng.normal(size=a.shape) for k, a in p.items()}


# ------------------------------------------------------------------------ probes
# Each probe is (label, function, args, kwargs, observe); a generator may also adapt to earlier outputs.
def _probes_gd():
    for seed in range(3):
        c = one_step_case(seed)
        yield f"case {seed}", (c["parameters"], c["grads"], c["learning_rate"]), {}
    c = one_step_case(0)
    yield "zero gradient", (c["parameters"], _zeros(c["parameters"]), 0.01), {}
    p, g = _wide()
    yield "12 layers", (p, g, 0.01), {}
    g = {k: a.copy() for k, a in c["grads"].items()}
    g["dW1"][0, 0], g["db1"][0, 0] = np.nan, np.inf
    yield "a NaN and an infinite gradient", (c["parameters"], g, 0.01), {}
    yield "grads as backward_propagation returns them", (c["parameters"], as_backward_returns(c["grads"]), 0.01), {}


def _probes_momentum():
    for seed in range(3):
        c = one_step_case(seed)
        yield f"case {seed}", (c["parameters"], c["grads"], c["v"], c["beta"], c["learning_rate"]), {}
    c = one_step_case(1)
    yield "zero gradient and velocity", (c["parameters"], _zeros(c["parameters"]), _zeros(c["parameters"]), 0.9,
                                         0.01), {}
    seq = sequence_case(0)
    yield "from zero velocity", (seq["parameters"], seq["grads_seq"][0], _zeros(seq["parameters"]), 0.9, 0.01), {}
    c = one_step_case(2)
    yield "grads as backward_propagation returns them", (c["parameters"], as_backward_returns(c["grads"]), c["v"],
                                                          0.9, 0.01), {}


def _probes_adam():
    for seed, case in [(s, one_step_case(s)) for s in range(3)] + [("tiny", _tiny(3))]:
        yield f"case {seed} (t = {case['t']})", (case["parameters"], case["grads"], case["v"], case["s"], case["t"],
                                                 case["learning_rate"], case["beta1"], case["beta2"],
                                                 case["epsilon"]), {}
    c = one_step_case(2)
    zeros = _zeros(c["parameters"])
    yield "zero gradient and moments", (c["parameters"], zeros, zeros, zeros, 3, 0.01, 0.9, 0.999, 1e-8), {}
    c = one_step_case(4)
    yield "t = 1500", (c["parameters"], c["grads"], c["v"], c["s"], 1500, 0.01, 0.9, 0.999, 1e-8), {}
    c = one_step_case(1)
    yield "t = 2, beta2 = 0.9", (c["parameters"], c["grads"], c["v"], c["s"], 2, 0.01, 0.8, 0.9, 1e-8), {}
    yield "the defaults (t = 2)", (c["parameters"], c["grads"], c["v"], c["s"], 2), {}
    c = _tiny(5)
    yield "epsilon = 1e-3, tiny gradients (t = 2)", (c["parameters"], c["grads"], c["v"], c["s"], 2, 0.01, 0.9, 0.999,
                                                     1e-3), {}
    c = one_step_case(0)
    yield "learning_rate = 1 (t = 4)", (c["parameters"], c["grads"], c["v"], c["s"], 4, 1.0, 0.9, 0.999, 1e-8), {}


def _square():
    return {"W1": np.ones((3, 3)), "b1": np.ones((3, 1)), "W2": np.ones((3, 3)), "b2": np.ones((3, 1)),
            "W3": np.ones((1, 3)), "b3": np.ones((1, 1))}


def _probes_init():
    """[2, 5, 2, 1], and [3, 3, 3, 1] where W1, W2 and b1, b2 share shapes (so shared buffers show)."""
    yield "[2, 5, 2, 1]", (one_step_case(0)["parameters"],), {}
    yield "[3, 3, 3, 1]", (_square(),), {}


MINIBATCH_PROBES = [(9, 4, 11), (300, 64, 12), (5, 8, 13), (8, 8, 14), (12, 4, 15)]


def _probes_minibatches():
    for m, size, seed in MINIBATCH_PROBES:
        X = np.vstack([np.arange(m, dtype=np.float64), np.arange(m, dtype=np.float64) * 2])
        for attempt in ("", ", again"):
            yield f"m = {m}, size = {size}, seed = {seed}{attempt}", (X, np.arange(m)[None, :], size, seed), {}
    X = np.arange(100, dtype=np.float64)[None, :]
    for attempt in ("", ", again"):
        yield f"m = 100, the default size and seed{attempt}", (X, np.arange(100)[None, :]), {}


def _network_inputs():
    rng = np.random.default_rng(7)
    # biases of 0.5 and non-negative W2 keep most ReLUs active, so every gradient entry is exercised
    parameters = {"W1": rng.normal(size=(5, 2)), "b1": np.full((5, 1), 0.5),
                  "W2": np.abs(rng.normal(size=(2, 5))), "b2": np.full((2, 1), 0.5),
                  "W3": rng.normal(size=(1, 2)), "b3": rng.normal(size=(1, 1)) * 0.1}
    X = rng.normal(size=(2, 6))
    return [("random network", parameters, X, np.array([[1, 0, 1, 1, 0, 0]])), ("ReLU kink", *relu_kink_case())]


def _probes_backward():
    for label, parameters, X, Y in _network_inputs() + [("saturated sigmoid", *saturated_case())]:
        yield label, (X, Y, ref.forward_propagation(X, parameters)[1]), {}


def _probes_forward():
    for label, parameters, X, _ in _network_inputs():
        yield label, (X, parameters), {}


def _probes_cost():
    for label, a3, Y in [("interior", np.array([[0.9, 0.2, 0.6]]), np.array([[1, 0, 0]])),
                         ("saturated, right", np.array([[1.0, 0.0, 0.5]]), np.array([[1, 0, 1]])),
                         ("saturated, wrong", np.array([[0.0, 0.5]]), np.array([[1, 0]]))]:
        yield label, (a3, Y), {}


def _probes_predict():
    half = {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1)), "W2": np.zeros((1, 1)), "b2": np.zeros((1, 1)),
            "W3": np.ones((1, 1)), "b3": np.zeros((1, 1))}
    network = _network_inputs()[0]
    yield "a3 = 0.5 exactly", (np.zeros((2, 4)), np.array([[0, 1, 0, 1]]), half), {}
    yield "random network", (network[2], network[3], network[1]), {}


def _probes_parameters():
    for dims in ([2, 5, 2, 1], [3, 1]):
        yield str(dims), (list(dims),), {}


def _probes_model(conventions):
    X_all, Y_all = moons()
    net = [2, 5, 2, 1]
    runs = [("gd", {"num_epochs": 2}, net, 12),
            ("gd", {"learning_rate": 0.05, "mini_batch_size": 5, "num_epochs": 2}, net, 12),
            ("momentum", {"beta": 0.5, "beta1": 0.7, "mini_batch_size": 4, "num_epochs": 2}, net, 12),
            ("adam", {"learning_rate": 0.02, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-4, "mini_batch_size": 5,
                      "num_epochs": 3}, net, 12)]
    if conventions.decay == "present":
        runs.append(("gd", {"learning_rate": 0.1, "mini_batch_size": 5, "num_epochs": 2,
                            "decay": FunctionRef("update_lr"), "decay_rate": 0.5}, net, 12))
    runs.append(("gd", {"mini_batch_size": 5, "num_epochs": 1}, [2, 4, 3, 1], 12))
    runs.append(("gd", {"learning_rate": 0.1, "mini_batch_size": 128, "num_epochs": 1}, net, 150))   # b > 64
    for optimizer, kwargs, layers, m in runs:
        shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        yield (f"{optimizer}, m = {m}, {layers}, {shown}", (X_all[:, :m], Y_all[:, :m], layers, optimizer),
               {**kwargs, "print_cost": True})


def _probes_decay(name):
    def probes():
        for epoch, rate in ((0, 1.0), (7, 0.5), (2500, 1.0), (999, 2.0)):
            extra = (1000,) if name == "schedule_lr_decay" else ()
            yield f"epoch {epoch}, rate {rate}", (0.1, epoch, rate, *extra), {}
        if name == "schedule_lr_decay":                  # another interval: one hard-coded to 1000 shows here
            yield "epoch 25, rate 0.5, time_interval 10", (0.1, 25, 0.5, 10), {}
    return probes


PROBES = {
    "update_parameters_with_gd": _probes_gd, "update_parameters_with_momentum": _probes_momentum,
    "update_parameters_with_adam": _probes_adam, "initialize_velocity": _probes_init,
    "initialize_adam": _probes_init, "random_mini_batches": _probes_minibatches,
    "backward_propagation": _probes_backward, "forward_propagation": _probes_forward,
    "compute_cost": _probes_cost, "predict": _probes_predict, "initialize_parameters": _probes_parameters,
    "model": _probes_model, "update_lr": _probes_decay("update_lr"),
    "schedule_lr_decay": _probes_decay("schedule_lr_decay"),
}
OBSERVE = {"initialize_velocity": ("shared",), "initialize_adam": ("shared",)}


# ------------------------------------------------------------------ fingerprints
def _flatten(value, path=""):
    """{JSON pointer: array or marker} of a returned structure."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{path}/{k}"))
        return out or {path or "/": "{}"}
    if isinstance(value, (list, tuple)):
        out = {f"{path}/length": np.asarray(len(value))}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{path}/{i}"))
        return out
    if isinstance(value, (np.ndarray, np.generic, float, int)) and not isinstance(value, bool):
        return {path or "/": np.asarray(value)}
    if isinstance(value, Opaque):                  # what the protocol has no encoding for (a torch.Tensor)
        return {path or "/": f"a {value.type_name}"}
    return {path or "/": f"{type(value).__name__}: {value!r}"[:80]}


def _outcome(error):
    """A probe that did not return: what happened, in words (never 'raised' unless something raised)."""
    f = error.failure
    if f.kind == "mutated":
        what = f.what.split(" mutated its input ", 1)[-1].split(",")[0].replace("'", "", 2)
        return f"mutated its input {what}"
    if f.kind == "raised":
        return f"raised {(f.call.error or {}).get('type', 'an error')}" if f.call else "raised"
    return f.what.split(" during ")[0] if f.kind in ("exited", "killed", "timed out") else f.what


def _minibatch_rows(function, raw_rows, probes):
    """Mini-batches depend on the global RNG when a target seeds wrongly: classify each call as the
    reference's batches for its seed, for the previous call's seed, or unexplained (random)."""
    rows, previous = [], None
    for (label, value), (_, args, _) in zip(raw_rows, probes):
        X, Y, size, seed = (*args, 64, 0)[:4] if len(args) == 2 else args        # the course's defaults
        if isinstance(value, str):
            rows.append((label, value))
            previous = seed
            continue
        cls = "other"
        for name, s in ((f"gave the batches of its seed {seed}", seed),
                        (f"gave the batches of the previous call's seed {previous}", previous)):
            if s is not None and _same(value, _flatten(ref.random_mini_batches(X, Y, size, s))):
                cls = name
                break
        rows.append((label, cls if cls != "other" else value))
        previous = seed
    # a pair of identical calls that gave different unexplained batches: random, not data
    out, random = [], "gave batches no seed explains (the global RNG is not seeded before the permutation)"
    for i in range(0, len(rows), 2):
        (la, a), (lb, b) = rows[i], rows[i + 1]
        if isinstance(a, dict) and isinstance(b, dict) and not _same(a, b):
            a, b = random, random
        elif isinstance(a, dict) and isinstance(b, str):
            a = random
        out += [(la, a), (lb, b)]
    return out


def fingerprint(target, function):
    """[(probe label, {pointer: array} or a description of what happened)] of ``function`` on the probes."""
    probes = PROBES[function]
    probes = list(probes(target.conventions) if function == "model" else probes())
    rows = []
    for label, args, kwargs in probes:
        try:
            value = target.call(function, *args, observe=OBSERVE.get(function, ()), **kwargs)
        except ConformanceError as error:
            rows.append((label, _outcome(error)))
            continue
        flat = _flatten(value)
        if function == "backward_propagation" and isinstance(value, dict):
            # the course's backward also returns dz, da: only the gradients are the spec
            flat = {k: a for k, a in flat.items() if k.startswith(("/dW", "/db"))} or flat
        if OBSERVE.get(function):
            flat["shared"] = np.asarray(len(target.last.shared or ()))
        if function in ("model", "predict"):
            from .conventions import parse_printed
            costs, rates = parse_printed(target.last.output.splitlines())
            flat.update({f"printed cost {i}": np.asarray(v) for i, v in costs.items()})
            flat.update({f"printed learning rate {i}": np.asarray(v) for i, v in rates.items()})
        rows.append((label, flat))
    if function == "random_mini_batches":
        rows = _minibatch_rows(function, rows, probes)
    return rows


def _same(a, b):
    return _difference(a, b, describe=False) is None


def _difference(a, b, other="the other", describe=True):
    """None if two probe rows match, else (key, description) of the first difference (yours = a): a row
    is a {pointer: array} of what returned, or a phrase ('raised KeyError', 'gave the batches of ...')."""
    if isinstance(a, str) or isinstance(b, str):
        if isinstance(a, str) and isinstance(b, str) and a.split(" (")[0] == b.split(" (")[0]:
            return None
        yours = a if isinstance(a, str) else _returned(a)
        theirs = b if isinstance(b, str) else "returned normally"
        return "", f"yours {yours}; {other} {theirs}"
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            return key, "missing from yours" if key not in a else f"yours has it, {other} does not"
        x, y = a[key], b[key]
        if isinstance(x, str) or isinstance(y, str):
            if not (isinstance(x, str) and isinstance(y, str) and x == y):
                return key, (f"yours {x if isinstance(x, str) else 'an array'}; "
                             f"{other} {y if isinstance(y, str) else 'an array'}")
            continue
        if x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
            continue                                   # identical (the common case among candidates): no tolerance
        if x.dtype.kind == "f" and y.dtype.kind == "f" and x.dtype != y.dtype:
            return key, f"yours is {x.dtype.name} where the other is {y.dtype.name}"
        finite = np.abs(y.astype(np.float64))
        # the array's scale, for entries near zero; overflowed values (np.nan_to_num's 1.8e308) are no scale
        scale = float(np.max(finite[np.isfinite(finite) & (finite < 1e300)], initial=0.0))
        d = difference(x, y, RTOL, scale, describe)
        if d is not None:
            return key, d.text.replace("expected", other)
    return None


def _returned(flat):
    """What a probe returned, in words, where the other side is a phrase: no values, or mini-batches counted."""
    arrays = {key: value for key, value in flat.items() if not key.endswith("/length")}
    if not arrays:
        return "returned nothing (an empty list)" if "/length" in flat else "returned other values"
    batches = sorted({int(key.split("/")[1]) for key in arrays if re.fullmatch(r"/\d+/[01]", key)})
    if batches == list(range(len(batches))) and len(arrays) == 2 * len(batches):
        columns = [np.shape(arrays.get(f"/{i}/0", ()))[-1:] or ("?",) for i in batches]
        return (f"returned {len(batches)} mini-batch{'es' if len(batches) != 1 else ''} of "
                f"{', '.join(str(c[0]) for c in columns)} columns")
    return "returned other values"


def _max_abs(rows_a, rows_b):
    worst = 0.0
    for (_, a), (_, b) in zip(rows_a, rows_b):
        if isinstance(a, dict) and isinstance(b, dict):
            for k in set(a) & set(b):
                if isinstance(a[k], str) or isinstance(b[k], str) or np.shape(a[k]) != np.shape(b[k]):
                    continue
                with np.errstate(invalid="ignore"):
                    d = np.nan_to_num(np.abs(a[k].astype(float) - b[k].astype(float)))
                worst = max(worst, float(np.max(d, initial=0.0)))
    return worst


_CANDIDATES = {}
# functions with a catalog entry that keeps state between calls: a fresh process may be needed to name it
STATEFUL = ("update_parameters_with_adam",)


def candidates(function, conventions):
    """[(id, description, fingerprint)] of the reference under the conventions, under each other value of
    every axis, and of each catalog entry of ``function`` (cached per function and conventions)."""
    key = (function, conventions)
    if key in _CANDIDATES:
        return _CANDIDATES[key]
    from reference.editions import conventions_module
    out = [("reference", "the reference", conventions_module(conventions))]
    for axis in AXES.values():
        for value in axis.values:
            if value != getattr(conventions, axis.name):
                out.append((f"convention:{axis.name}={value}", f"the reference with {axis.question} "
                            f"{axis.meaning[value]} ({axis.name} = {value})",
                            conventions_module(conventions.with_(**{axis.name: value}))))
    out += [(entry.name, entry.mistake, module_for(entry.name, conventions)) for entry in CATALOG.values()
            if entry.function == function and entry.applies(conventions) and entry.probed]
    rows = [(identifier, description, _candidate_fingerprint(identifier, module, conventions, function))
            for identifier, description, module in out if callable(getattr(module, function, None))]
    _CANDIDATES[key] = rows
    return rows


def _candidate_fingerprint(identifier, module, conventions, function):
    """The fingerprint of ``module``'s ``function``, in-process, on the probes of ``conventions`` (those the
    target judged by them is probed with)."""
    from .gateway import Target
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")           # the candidates' own floating-point warnings are expected
        candidate = Target.local(f"candidate:{identifier}", module=module)
        candidate.conventions = conventions
        return fingerprint(candidate, function)


def _matches(yours, rows):
    n = len(yours)
    return [(i, d, _max_abs(yours, theirs)) for i, d, theirs in rows
            if len(theirs) == n and all(_same(a, b) for (_, a), (_, b) in zip(yours, theirs))]


def _under_undetermined_values(target, function, yours):
    """(catalog entries that ``yours`` matches under another value of an axis the detection could not
    determine, and the words saying which value): a mistake can hide the convention it is judged by (an
    epoch that shuffles with the wrong seed prints a cost that matches neither view of the right run), and
    the value judged by is then only the nearest edition's, no reason not to name the mistake."""
    for name in sorted(getattr(target, "undetermined", {}) or {}):
        axis = AXES[name]
        for value in axis.values:
            if value == getattr(target.conventions, name):
                continue
            rows = candidates(function, target.conventions.with_(**{name: value}))
            entries = [m for m in _matches(yours, rows) if m[0] != "reference" and not m[0].startswith("convention:")]
            if entries:
                return entries, (f" (taking '{axis.question} {axis.meaning[value]}', which the detection could "
                                 "not determine: the mistake changes what it looked at)")
    return [], ""


def _under_detected_conventions(target, function, yours):
    """(text, "convention:A=a+B=b") where ``yours`` behaves like the reference under the conventions detected in
    the target, and these differ from the judged ones on two axes or more (a named profile that fixes several):
    each axis's own candidate changes one value and keeps the profile's for the others, so none matched."""
    from reference.editions import conventions_module
    detected = getattr(target, "detected", None)
    if detected is None or target.conventions is None:
        return None
    yours_conventions = detected.merged(target.conventions)
    differing = [name for name in AXES if getattr(yours_conventions, name) != getattr(target.conventions, name)]
    if len(differing) < 2:
        return None
    theirs = _candidate_fingerprint("detected", conventions_module(yours_conventions), target.conventions, function)
    if not _matches(yours, [("detected", "", theirs)]):
        return None
    described = "; ".join(f"{AXES[name].question}: {AXES[name].meaning[getattr(yours_conventions, name)]}"
                          for name in differing)
    return (f"{function} behaves like the reference with the conventions detected in your code ({described}), "
            f"which the profile judged here ({target.profile}) does not allow; see the convention clauses' failures "
            "for the profile to use.",
            "convention:" + "+".join(f"{name}={getattr(yours_conventions, name)}" for name in differing))


def diagnose(target, function):
    """(text, identifier) naming what ``target``'s ``function`` behaves like; None if it behaves like the
    reference under its judged conventions (or the function has no probes)."""
    if function not in PROBES or not target.has(function) or function in getattr(target, "given_up", {}):
        return None                    # a function given up (it hung, or crashed again and again) is not probed
    rows = candidates(function, target.conventions)
    for fresh in (False, True) if function in STATEFUL else (False,):
        if fresh:
            target.restart()           # state left by the checks (a running power, a counter) may hide a match
        yours = fingerprint(target, function)
        n = len(yours)
        matches = _matches(yours, rows)
        if matches:
            break
    if any(i == "reference" for i, _, _ in matches):
        return None
    entries = [m for m in matches if not m[0].startswith("convention:")]
    conventions = [m for m in matches if m[0].startswith("convention:")]
    assumed = ""
    if not entries:
        entries, assumed = _under_undetermined_values(target, function, yours)
    if entries:
        described = "; or ".join(f"'{i}' ({d}; max abs diff {diff:.3g} on {n} probes)" for i, d, diff in entries)
        return f"{function} behaves like {described}{assumed}.", entries[0][0]
    if conventions:
        i, d, _ = conventions[0]
        return (f"{function} behaves like {d}, a convention the profile judged here ({target.profile}) does not "
                f"allow; see the convention clause's failure for the profile to use.", i)
    found = _under_detected_conventions(target, function, yours)
    if found:
        return found
    reference_rows = next(theirs for i, _, theirs in rows if i == "reference")
    for (label, a), (_, b) in zip(yours, reference_rows):
        diff = _difference(a, b, other="the reference")
        if diff is not None:
            key, description = diff
            where = f", key '{key}'" if key else ""
            return (f"{function} matches no known variant on {n} probes; first divergence from the reference at "
                    f"probe '{label}'{where}: {description}.", "unknown")
    return f"{function} matches no known variant (it behaves like the reference on the {n} probes).", "unknown"
