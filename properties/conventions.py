"""Which conventions a target follows (``auto``), and which the checks judge it by.

``detect(target)`` asks the target a few questions whose answers differ between the allowed
values of each axis (``reference.conventions.AXES``); ``judged(profile, detected)`` is what the
checks then hold it to: the edition's fixed values, and for the axes it leaves open, what was
detected. An axis that could not be determined is judged by the value of the nearest edition (the
first full edition agreeing with the axes that were determined; seed if none) and reported
(its clause fails in ``check_conventions_follow_the_allowed_values``).
"""
from __future__ import annotations

import re

import numpy as np

import reference as ref
from reference.conventions import AXES, DEFAULT, EDITIONS, Conventions, complete

from .failures import ConformanceError

PROFILES = ("auto",) + tuple(EDITIONS)
COST_LINE = re.compile(r"^Cost after epoch (\d+): (\S+)\s*$")
LR_LINE = re.compile(r"^learning rate after epoch (\d+): (\S+)\s*$")


def _ask(target, function, *args, **kwargs):
    """The value ``function`` returns; a call that also mutated an input still answers the question (the
    mutation is its own clause's failure, reported by the checks)."""
    try:
        return target.call(function, *args, **kwargs)
    except ConformanceError as error:
        if error.failure.kind == "mutated" and error.failure.call is not None:
            return error.failure.call.value
        raise


def _probe_adam_inputs(t):
    """A [2, 5, 2, 1] Adam step with gradients of about 1e-6, where the step is about lr * g / sqrt(eps)
    (inside) or lr * g / (|g| + eps) (outside): a hundredfold apart. At t = 1 from zero moments, and at
    t = 10**7 (bias correction is exactly 1 there, so an Adam that gets it wrong is still placed)."""
    rng = np.random.default_rng(11 + t)
    shapes = {"W1": (5, 2), "b1": (5, 1), "W2": (2, 5), "b2": (2, 1), "W3": (1, 2), "b3": (1, 1)}
    parameters = {k: rng.normal(size=s) for k, s in shapes.items()}
    grads = {f"d{k}": rng.choice([-1.0, 1.0], size=s) * 10.0 ** rng.uniform(-6.5, -5.5, size=s)
             for k, s in shapes.items()}
    if t == 1:
        v = s = {f"d{k}": np.zeros(sh) for k, sh in shapes.items()}
    else:
        v = {k: g * 0.5 for k, g in grads.items()}
        s = {k: g * g * 0.25 for k, g in grads.items()}
    return parameters, grads, v, s


def _distance(yours, expected, parameters):
    """The median over entries of |log(|step yours| / |step expected|)|: 0 for the same step, ~4.6 a hundredfold."""
    logs = []
    for k, p in parameters.items():
        a = np.abs(np.asarray(yours[k], dtype=np.float64) - p).ravel()
        b = np.abs(expected[k] - p).ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            logs += list(np.abs(np.log(a / b)))
    logs = [x for x in logs if np.isfinite(x)]
    return float(np.median(logs)) if logs else np.inf


def _detect_adam(target):
    """(epsilon placement, arity, note): the placement whose step is nearest (within a factor of 3) on the
    probes where one is, if they agree: an Adam wrong in another way (its bias correction, say) is placed."""
    arity, votes, notes = None, [], []
    for t in (1, 10 ** 7):
        parameters, grads, v, s = _probe_adam_inputs(t)
        try:
            out = _ask(target, "update_parameters_with_adam", parameters, grads, v, s, t, 0.01, 0.9, 0.999, 1e-8)
        except ConformanceError as error:
            return None, None, f"Adam could not be asked ({error.failure.what.split('; meanwhile')[0]})"
        if isinstance(out, tuple) and len(out) in (3, 5):
            arity = len(out)
        if not (isinstance(out, tuple) and out and isinstance(out[0], dict)):
            continue
        distances = {}
        for placement in AXES["epsilon"].values:
            expected = ref.update_parameters_with_adam(parameters, grads, v, s, t, 0.01, 0.9, 0.999, 1e-8,
                                                       epsilon_placement=placement)[0]
            try:
                distances[placement] = _distance(out[0], expected, parameters)
            except (KeyError, TypeError, ValueError):
                distances[placement] = np.inf
        best = min(distances, key=distances.get)
        votes.append(best if distances[best] < np.log(3) else None)
    placed = {v for v in votes if v is not None}
    epsilon = placed.pop() if len(placed) == 1 else None
    if arity is None:
        notes.append("Adam returned neither 3 nor 5 values")
    if epsilon is None:
        notes.append("Adam's step with tiny gradients is near neither sqrt(s_corrected + epsilon) nor "
                     "sqrt(s_corrected) + epsilon (within a factor of 3); its other failures say more")
    return epsilon, arity, "; ".join(notes) or None


def _describe(value):
    return f"a tuple of {len(value)}" if isinstance(value, tuple) else type(value).__name__


def _detect_cost(target):
    a3, Y = np.array([[0.9, 0.2, 0.6, 0.7]]), np.array([[1, 0, 0, 1]])
    try:
        value = float(np.asarray(_ask(target, "compute_cost", a3, Y)).reshape(()))
    except (ConformanceError, TypeError, ValueError) as error:
        what = error.failure.what if isinstance(error, ConformanceError) else str(error)
        return None, f"compute_cost could not be asked ({what.split('; meanwhile')[0]})"
    for reduction in AXES["cost"].values:
        if abs(value - ref.compute_cost(a3, Y, reduction=reduction)) <= 1e-9 * abs(value) + 1e-12:
            return reduction, None
    return None, (f"compute_cost gave {value!r} for four predictions; the mean is "
                  f"{float(ref.compute_cost(a3, Y))!r}, the sum {float(ref.compute_cost(a3, Y, reduction='sum'))!r}")


def parse_printed(lines):
    """{epoch: [costs]} and {epoch: [learning rates]} from what ``model`` printed, every line kept in the
    order printed: the course prints one cost line (and one learning-rate line) per printing epoch, and a
    second line for the same epoch (a print inside the mini-batch loop) is a mistake to report, not to merge."""
    costs, rates = {}, {}
    for line in lines:
        for pattern, table in ((COST_LINE, costs), (LR_LINE, rates)):
            match = pattern.match(line.strip())
            if match:
                try:
                    table.setdefault(int(match.group(1)), []).append(float(match.group(2)))
                except ValueError:
                    pass
    return costs, rates


def printed_close(yours, expected):
    """A cost printed with %f (6 decimals) against the exact value: rounding to 6 decimals."""
    return abs(yours - expected) <= 5e-7 * (1 + 1e-6) + 1e-12 * abs(expected)


VIEW_PROBE = dict(m=20, mini_batch_size=8)     # batches of 8, 8 and 4: the last batch's cost differs from the mean


def view_probe_data():
    from .fixtures import moons
    X, Y = moons()
    return X[:, :VIEW_PROBE["m"]], Y[:, :VIEW_PROBE["m"]]


def _detect_view(target):
    X, Y = view_probe_data()
    try:
        _ask(target, "model", X, Y, [2, 5, 2, 1], "gd", mini_batch_size=VIEW_PROBE["mini_batch_size"], num_epochs=1,
                    print_cost=True)
    except ConformanceError as error:
        return None, f"model could not be asked ({error.failure.what.split('; meanwhile')[0]})"
    costs, _ = parse_printed(target.last.output.splitlines())
    if 0 not in costs:
        return None, "model printed no 'Cost after epoch 0: ...' line with print_cost=True"
    if len(costs[0]) != 1:
        return None, f"model printed {len(costs[0])} 'Cost after epoch 0: ...' lines in one epoch"
    costs = {epoch: values[0] for epoch, values in costs.items()}
    result = ref.train(X, Y, [2, 5, 2, 1], "gd", mini_batch_size=VIEW_PROBE["mini_batch_size"], num_epochs=1)
    found = [view for view in AXES["cost_view"].values if printed_close(costs[0], result.printed_cost(0, view))]
    if found:
        return found[0], None
    summed = (" (the last mini-batch's summed cost: a summed compute_cost printed as is)"
              if printed_close(costs[0], result.minibatch_sums[0, -1]) else "")
    printed = next((m.group(2) for m in map(COST_LINE.match, map(str.strip, target.last.output.splitlines()))
                    if m and m.group(1) == "0"), f"{costs[0]:f}")          # as printed: 0.694470, not 0.69447
    return None, (f"model printed {printed} after epoch 0{summed}; the last mini-batch's mean cost is "
                  f"{result.printed_cost(0, 'last-batch'):f}, the epoch's total / m "
                  f"{result.printed_cost(0, 'epoch-mean'):f}")


def _detect_signature(target):
    """(num_epochs, decay, notes) from the handshake's declared parameters of model."""
    parameters = target.functions.get("model")
    notes = []
    num_epochs = None
    decay = "present" if target.has("update_lr") or target.has("schedule_lr_decay") else "absent"
    if parameters:
        names = {p["name"]: p for p in parameters}
        if "num_epochs" in names and "default" in names["num_epochs"]:
            default = names["num_epochs"]["default"]
            if default in AXES["num_epochs"].values:
                num_epochs = default
            else:
                notes.append(f"model's num_epochs defaults to {default!r}, neither 10000 nor 5000")
        else:
            notes.append("model declares no default for num_epochs")
        decay = "present" if "decay" in names else ("absent" if decay == "absent" else "present")
    return num_epochs, decay, "; ".join(notes) or None


def detect(target):
    """(Conventions detected, {axis: why it was not determined})."""
    values, why = {}, {}
    if target.has("update_parameters_with_adam"):
        values["epsilon"], values["adam_returns"], note = _detect_adam(target)
        if note:
            for axis in ("epsilon", "adam_returns"):
                if values[axis] is None:
                    why[axis] = note
    if target.has("compute_cost"):
        values["cost"], note = _detect_cost(target)
        if note:
            why["cost"] = note
    if target.has("model"):
        values["num_epochs"], values["decay"], note = _detect_signature(target)
        if note:
            why["num_epochs"] = note
        values["cost_view"], note = _detect_view(target)
        if note:
            why["cost_view"] = note
    elif target.has("update_lr") or target.has("schedule_lr_decay"):
        values["decay"] = "present"
    return Conventions(**{k: v for k, v in values.items() if v is not None}), why


def nearest_edition(conventions):
    """The first edition fixing every axis that agrees with ``conventions`` on the axes it sets (seed
    when none does): where an axis is open, its value is taken from the edition the others point to (a
    target with the summed cost whose printed cost could not be read is judged as printing the 2019/2021
    epoch total / m, not the seed text's last mini-batch)."""
    full = [name for name, edition in EDITIONS.items() if all(v is not None for _, v in edition.items())]
    for name in full:
        if name in matching(conventions):
            return name
    return "seed"


def judged(profile, detected):
    """The conventions the checks hold the target to under ``profile``: the edition's fixed values, what
    was detected for the axes it leaves open, and the nearest edition's value for the rest."""
    base = detected if profile == "auto" else EDITIONS[profile].merged(detected)
    return complete(base.merged(EDITIONS[nearest_edition(base)]))


# SPEC "Conformance table: functions per edition": what every edition requires, and the decay functions that
# the editions with learning-rate decay require (2021; under auto, a target whose decay was detected; the
# course profile leaves them optional). The course's opt_utils helpers are optional everywhere.
REQUIRED = ("random_mini_batches", "update_parameters_with_gd", "initialize_velocity",
            "update_parameters_with_momentum", "initialize_adam", "update_parameters_with_adam", "model")
REQUIRED_WITH_DECAY = ("update_lr", "schedule_lr_decay")


def required(profile, conventions):
    """The functions a target judged by ``conventions`` under ``profile`` must have (SPEC's conformance table)."""
    decay = conventions is not None and conventions.decay == "present" and profile != "course"
    return REQUIRED + (REQUIRED_WITH_DECAY if decay else ())


def describe(target):
    """The report's first lines: the conventions found, and the editions they match."""
    lines = []
    detected, conventions = target.detected, target.conventions
    for axis in AXES.values():
        found = getattr(detected, axis.name)
        judged_value = getattr(conventions, axis.name)
        if found is None:
            source = f"not determined ({target.undetermined[axis.name]})" if axis.name in target.undetermined \
                else "not determined (no function shows it)"
            base = detected if target.profile == "auto" else EDITIONS[target.profile].merged(detected)
            lines.append(f"  {axis.question}: {axis.meaning[judged_value]} [judged by the {nearest_edition(base)} "
                         f"edition's value; {source}]")
        elif found != judged_value:
            lines.append(f"  {axis.question}: yours {axis.meaning[found]}, but profile {target.profile} expects "
                         f"{axis.meaning[judged_value]}")
        else:
            lines.append(f"  {axis.question}: {axis.meaning[found]}")
    return lines


def matching(detected):
    from reference.conventions import matching_editions
    return matching_editions(detected)


__all__ = ["PROFILES", "detect", "judged", "describe", "parse_printed", "printed_close", "DEFAULT", "required"]
