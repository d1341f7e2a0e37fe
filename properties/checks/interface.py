"""Checks of the interface: conventions, signatures, inputs left alone, errors (SPEC ``api.*`` and
the convention axes)."""
from __future__ import annotations

import numpy as np

from golden.unit_cases import one_step_case
from reference.conventions import AXES
from reference.editions import course_signatures

from ..casework import ADAM, as_backward_returns, fail, require_observed_mutations
from ..compare import convention_sentence
from ..failures import ConformanceError, Failure, MissingFunction
from ..harness import changed
from ..registry import verifies

# The functions whose behaviour shows each axis (a target without them cannot be judged on it).
SHOWN_BY = {"epsilon": ADAM, "adam_returns": ADAM, "cost": ("compute_cost",), "cost_view": ("model",),
            "num_epochs": ("model",), "decay": ("model",)}


def _convention_check(axis):
    def check(target):
        if not any(target.has(f) for f in SHOWN_BY[axis.name]):
            raise MissingFunction(f"the target has no {' or '.join(SHOWN_BY[axis.name])} to show its "
                                  f"{axis.question}")
        found = getattr(target.detected, axis.name)
        if found is None:
            # the function that shows the axis answered like no allowed value: wrong in some way, which its
            # own checks report under the nearest edition's value; this check cannot tell more
            why = target.undetermined.get(axis.name, "no function showed it")
            raise MissingFunction(f"{axis.question}: not determined ({why}); judged by the nearest edition's "
                                  f"value, {axis.meaning[getattr(target.conventions, axis.name)]} (see the other "
                                  "failures)")
        judged = getattr(target.conventions, axis.name)
        if found != judged:
            sentence = convention_sentence(target, axis.name, found)
            raise ConformanceError(Failure(axis.clause, sentence, kind="convention", diagnosis=sentence,
                                           diagnosis_id=f"convention:{axis.name}={found}"))
    name = axis.name.replace("_", "-")
    check.__name__ = check.__qualname__ = f"check_{axis.name}_convention_is_one_the_profile_allows"
    check.__doc__ = f"The target's {axis.question} ({name}) is an allowed value, and the profile's where it fixes one."
    return verifies(axis.clause)(check)


for _axis in AXES.values():
    globals()[f"check_{_axis.name}_convention_is_one_the_profile_allows"] = _convention_check(_axis)


def _describe(parameters):
    parts = []
    for p in parameters:
        text = p["name"] if p.get("kind") not in ("var_positional", "var_keyword") else \
            ("*" if p["kind"] == "var_positional" else "**") + p["name"]
        if "default" in p:
            text += f"={_default(p['default'])!r}"
        parts.append(text)
    return f"({', '.join(parts)})"


def _default(value):
    if isinstance(value, dict) and "object" in value:
        return value["object"].get("repr")
    if isinstance(value, dict) and "float" in value:
        return float(value["float"])
    return value


def _same_default(yours, course):
    return yours == course and isinstance(yours, bool) == isinstance(course, bool)


def signature_problems(declared, course):
    """What differs between a declared parameter list and the course's Signature (empty: conforms)."""
    problems = []
    wanted = list(course.parameters.values())
    variadic = [i for i, p in enumerate(declared) if p.get("kind") in ("var_positional", "var_keyword")]
    if variadic and variadic[0] < len(wanted):           # after the course's parameters, they change no call
        return [f"it takes *args/**kwargs {_describe(declared)} in place of course parameters; the course names "
                "every parameter"]
    for i, p in enumerate(wanted):
        if i >= len(declared):
            problems.append(f"parameter {i + 1} '{p.name}' is missing")
            continue
        d = declared[i]
        if d["name"] != p.name:
            problems.append(f"parameter {i + 1} is '{d['name']}', the course's is '{p.name}'")
            continue
        if d.get("kind") == "keyword_only":
            problems.append(f"'{p.name}' is keyword-only; the course passes it by position")
        if p.default is not p.empty:
            if "default" not in d:
                problems.append(f"'{p.name}' has no default; the course's is {p.default!r}")
            elif not _same_default(_default(d["default"]), p.default):
                problems.append(f"'{p.name}' defaults to {_default(d['default'])!r}; the course's default is "
                                f"{p.default!r}")
    for d in declared[len(wanted):]:
        if "default" not in d and d.get("kind") not in ("var_positional", "var_keyword"):
            problems.append(f"extra parameter '{d['name']}' has no default, so the course's calls cannot work")
    return problems


@verifies("api.signatures", calls=())
def check_course_functions_have_the_course_signatures(target):
    """Names, order and defaults of the graded functions' parameters, as the handshake declares them."""
    signatures = course_signatures(target.conventions)
    wrong, unknown = [], []
    for name, course in signatures.items():
        if not target.has(name):
            continue
        declared = target.functions[name]
        if declared is None:
            unknown.append(name)
            continue
        problems = signature_problems(declared, course)
        if problems:
            wrong.append(f"  {name}{_describe(declared)}: " + "; ".join(problems) + f"\n      course: {name}{course}")
    if wrong:
        raise ConformanceError(Failure("api.signatures", f"{len(wrong)} function(s) differ from the course's "
                                       "signature", kind="signature", details=wrong))
    if unknown and len(unknown) == sum(target.has(n) for n in signatures):
        raise MissingFunction(f"the target declares no parameters for {', '.join(unknown)}")


UPDATES = ("update_parameters_with_gd", "update_parameters_with_momentum", "update_parameters_with_adam")


@verifies("api.signatures", calls=())
def check_updates_take_the_gradients_as_backward_propagation_returns_them(target):
    """gd, momentum and Adam given grads as the course's backward_propagation returns them (dz{l} and da{l}
    beside dW{l} and db{l}, as model passes them) return what they return without those keys."""
    present = [f for f in UPDATES if target.has(f)]
    if not present:
        raise MissingFunction(f"the target has none of {', '.join(UPDATES)}")
    case = one_step_case(3)
    p, g, v, s = case["parameters"], case["grads"], case["v"], case["s"]
    course = as_backward_returns(g)
    extra = ", ".join(k for k in course if k not in g)
    rest = {"update_parameters_with_gd": (0.01,), "update_parameters_with_momentum": (0.9, 0.01),
            "update_parameters_with_adam": (2, 0.01, 0.9, 0.999, 1e-8)}
    for function in present:
        state = {"update_parameters_with_gd": (), "update_parameters_with_momentum": (v,),
                 "update_parameters_with_adam": (v, s)}[function]
        without = target.call(function, p, g, *state, *rest[function])
        try:
            given = target.call(function, p, course, *state, *rest[function])
        except ConformanceError as error:
            if error.failure.kind != "raised":
                raise
            fail(target, "api.signatures", f"{function}, given grads as backward_propagation returns them (with "
                 f"{extra}), {error.failure.call.describe()}: L is len(parameters) // 2, and only dW{{l}} and "
                 "db{l} are read from grads (model passes the whole dict)", details=error.failure.details)
        differ = changed(without, given)
        if differ and changed(without, target.call(function, p, g, *state, *rest[function])):
            raise MissingFunction(f"not judged: {function} returns other values when called again with the same "
                                  "inputs (state kept between calls, which other checks report)")
        if differ:
            fail(target, "api.signatures", f"{function}, given grads as backward_propagation returns them (with "
                 f"{extra}), returns other values than without those keys (at {differ[0] or 'the top'}): L is "
                 "len(parameters) // 2, and only dW{l} and db{l} are read from grads")


def _call_expecting_error(target, function, *args):
    """(error dict or None, the call): None if the call returned."""
    try:
        target.call(function, *args)
    except ConformanceError as error:
        if error.failure.kind != "raised":
            raise
        return error.failure.call.error or {}, error.failure.call
    return None, target.last


@verifies("api.errors", calls=ADAM)
def check_bad_input_raises_an_error_naming_the_argument(target):
    """t = 0, a negative learning rate and a gradient without 'db1' raise ValueError/TypeError naming it."""
    case = one_step_case(0)
    p, g, v, s = case["parameters"], case["grads"], case["v"], case["s"]
    no_db1 = {k: a for k, a in g.items() if k != "db1"}
    bad = [("t", "t = 0", (p, g, v, s, 0, 0.01, 0.9, 0.999, 1e-8)),
           ("learning_rate", "learning_rate = -0.01", (p, g, v, s, 1, -0.01, 0.9, 0.999, 1e-8)),
           ("db1", "grads without 'db1'", (p, no_db1, v, s, 1, 0.01, 0.9, 0.999, 1e-8))]
    for word, what, args in bad:
        error, call = _call_expecting_error(target, "update_parameters_with_adam", *args)
        if error is None:
            fail(target, "api.errors", f"update_parameters_with_adam with {what} returned instead of raising "
                 "ValueError or TypeError")
        if error.get("type") not in ("ValueError", "TypeError"):
            fail(target, "api.errors", f"update_parameters_with_adam with {what} raised {error.get('type')}: "
                 f"{error.get('message')}; expected ValueError or TypeError naming '{word}'")
        if word not in error.get("message", ""):
            fail(target, "api.errors", f"update_parameters_with_adam with {what} raised {error.get('type')}: "
                 f"{error.get('message')!r}, which does not name '{word}'")


@verifies("api.in-place", calls=ADAM)
def check_updates_leave_the_gradients_untouched(target):
    """gd, momentum and Adam may update parameters, v and s in place, never grads (observed by the harness)."""
    case = one_step_case(1)
    p, g, v, s = case["parameters"], case["grads"], case["v"], case["s"]
    target.update_parameters_with_adam(p, g, v, s, 2, 0.01, 0.9, 0.999, 1e-8)
    require_observed_mutations(target)
    if target.has("update_parameters_with_momentum"):
        target.update_parameters_with_momentum(p, g, v, 0.9, 0.01)
    if target.has("update_parameters_with_gd"):
        target.update_parameters_with_gd(p, g, 0.01)


@verifies("api.dtype", calls=ADAM)
def check_float64_inputs_give_float64_outputs(target):
    """Given float64 arrays, the update functions and the network return float64 arrays."""
    case = one_step_case(2)
    p, g, v, s = case["parameters"], case["grads"], case["v"], case["s"]
    target.update_parameters_with_adam(p, g, v, s, 3, 0.01, 0.9, 0.999, 1e-8)
    if target.has("update_parameters_with_momentum"):
        target.update_parameters_with_momentum(p, g, v, 0.9, 0.01)
    if target.has("update_parameters_with_gd"):
        target.update_parameters_with_gd(p, g, 0.01)
    if target.has("forward_propagation"):
        target.forward_propagation(np.ones((2, 3)), p)
