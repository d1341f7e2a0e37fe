"""A reproduction the user can paste, generated from the call that failed.

Plain Python that imports the user's own file (no optoracle internals), builds the failing call's
inputs as literals (Hypothesis has shrunk them), calls the function and prints the value that
differs, with the expected value beside it. For a target in another language (``--cmd``) it is
the protocol lines to pipe into the command.
"""
from __future__ import annotations

import os
import shlex

import numpy as np

from . import protocol
from .gateway import ARGUMENTS
from .harness import pointer_parts

SIZE_CAP = 6000          # characters of literals; beyond it the inputs are in the JSON report's "call"


def literal(value):
    """Python source that rebuilds ``value`` exactly (floats via repr, which round-trips)."""
    if isinstance(value, np.ndarray):
        dtype = "" if value.dtype in (np.float64, np.int64) else f", dtype=np.{value.dtype.name}"
        if value.size == 0:
            return f"np.zeros({value.shape}{dtype})"
        return f"np.array({_nested(value.tolist())}{dtype})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(literal(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, np.generic):
        return literal(value.item())
    if isinstance(value, protocol.FunctionRef):
        return f"yours.{value.name}"
    return repr(value)


def _nested(x):
    if isinstance(x, list):
        return "[" + ", ".join(_nested(v) for v in x) + "]"
    return _float(x) if isinstance(x, float) else repr(x)


def _float(x):
    return repr(x) if np.isfinite(x) else f"float({str(x)!r})"


def _import(target):
    source = target.source
    if source == "reference":
        return ["import reference as yours"]
    if source.startswith("reference@"):
        return ["from reference.editions import edition_module", f"yours = edition_module({source[10:]!r})"]
    if source.startswith("catalog:"):
        name, _, edition = source[8:].partition("@")
        return ["from properties.catalog import module_for  # optoracle's catalog of known mistakes",
                f"yours = module_for({name!r}, {edition or 'seed'!r})"]
    path = target.file or source
    lines = []
    if any(note.startswith("get_ipython().") for note in target.notes):
        # a notebook exported as a script: its magics do nothing here, as in the check
        lines = ["import builtins",
                 "builtins.get_ipython = lambda: type('Shell', (), {'__getattr__': lambda self, name: lambda *a, **k: "
                 "None})()  # the notebook's magics do nothing, as in the check"]
    if path.endswith(".py"):
        folder, name = os.path.split(os.path.abspath(path))
        stem = os.path.splitext(name)[0]
        load = f"import {stem} as yours" if stem.isidentifier() else \
            f"yours = importlib.import_module({stem!r})  # the file's name is no Python name"
        return ["import sys", *(["import importlib"] if not stem.isidentifier() else []), *lines,
                f"sys.path.insert(0, {folder!r})", load]
    return [*lines, f"import {source} as yours"]


def _selector(failure):
    """Python for the compared value: ``output`` is a suffix of ``out`` (``[1]``) or an expression of it."""
    output = failure.output or ""
    text = output if "out" in output else "out" + output
    if failure.key is not None:
        text += f"[{failure.key!r}]"
    if failure.index:
        text += "[" + ", ".join(str(i) for i in failure.index) + "]"
    return text


def build(target, failure):
    """The reproduction of ``failure`` (None if it has no call to reproduce)."""
    call = failure.call
    if call is None:
        return None
    if target.command:
        hello = protocol.dumps({"op": "hello", "id": 0, "protocol": protocol.PROTOCOL, "functions": [call.function]})
        return (f"# the failing call, as protocol lines (PROTOCOL.md); the second reply is yours\n"
                f"printf '%s\\n' {shlex.quote(hello)} {shlex.quote(call.request)} | {target.command}")
    names = _argument_names(target, call)
    lines = ["import numpy as np", *_import(target)]
    assigned = []
    for name, value in zip(names, call.args):
        assigned.append(f"{name} = {literal(value)}")
    for name, value in call.kwargs.items():
        assigned.append(f"{name} = {literal(value)}")
    size = sum(len(line) for line in assigned)
    if size > SIZE_CAP:
        assigned, size, recipe = _with_the_moons(call, assigned, size)
        lines += recipe
    if size > SIZE_CAP:
        lines.append(f"# the inputs ({size} characters) are in the JSON report (--json), under this failure's "
                     "'call'; they were too large to inline")
        return "\n".join(lines)
    if failure.after is not None:
        earlier = failure.after
        earlier_call = _earlier_call(earlier)
        if size + len(earlier_call) > SIZE_CAP:
            lines.append(f"# the earlier call of {earlier.function} that changes this one's result is in the JSON "
                         "report (--json); it was too large to inline")
        else:
            lines.append(f"{earlier_call}  # one earlier call: without it, the call below gives another result")
    elif failure.after_calls > 1:
        lines.append(f"# in the check, {failure.after_calls} calls of {failure.after_function} reached the process "
                     "first; after them (one is not enough) the call below fails, alone it does not")
    lines += assigned
    arguments = ", ".join(names[:len(call.args)] + [f"{k}={k}" for k in call.kwargs])
    mutated = _mutated_input(failure, names) if failure.kind == "mutated" else None
    if mutated:
        lines.insert(1, "import copy")
        lines.append(f"before = copy.deepcopy({mutated[0]})")
    lines.append(f"out = yours.{call.function}({arguments})")
    if mutated:
        variable, selector = mutated
        lines.append(f"print(np.array_equal({variable}{selector}, before{selector}))  # expected True: "
                     f"{call.function} must leave it unchanged")
    elif call.outcome == "returned" and call.function == "model" and failure.clause == "model.printed-cost":
        expected = failure.expected
        lines.append("# what counts is what it prints (the 'Cost after epoch' lines)"
                     + (f"; expected {expected:f} on the line named in the failure" if isinstance(expected, float)
                        else ""))
    elif call.outcome == "returned":
        shown = _selector(failure)
        expected = failure.expected
        comment = f"  # expected {expected!r}" if isinstance(expected, (int, float, list)) and \
            failure.kind == "mismatch" else ""
        lines.append(f"print({shown}){comment}")
    if failure.after is not None or failure.after_calls or failure.varies:
        pass
    elif call.earlier and failure.alone is False and failure.kept:
        lines.append(f"# in the check, {call.earlier} other calls reached the same process of your code first; "
                     "alone, in a fresh process, this call returns other values: your code keeps state between "
                     "calls (a module-level variable, a mutable default argument, a counter)")
    elif call.earlier and failure.alone is False:
        lines.append(f"# in the check, {call.earlier} other calls reached the same process of your code first; "
                     "alone, in a fresh process, this call gives another result: state those calls left changes it")
    elif call.earlier and failure.alone is None and failure.clause and _level(failure.clause) == "MUST":
        # a MUST failure whose call was not sent again alone (the run's replays were spent): not an advisory (SHOULD),
        # whose calls are never replayed, such as a bad input that returned instead of raising or the course's
        # compute_cost on a saturated sigmoid: they fail alone as they fail here, and state is no question there
        lines.append(f"# in the check, {call.earlier} other calls reached the same process of your code first: if "
                     "this does not fail alone, your code keeps state between calls (a module-level variable, a "
                     "mutable default argument)")
    return "\n".join(lines)


# the seed-3 moons as the course's load_dataset makes them (SPEC data.moons; golden/data/dataset.json holds them)
MOONS = ["import sklearn.datasets",
         "np.random.seed(3)  # the check's data: the seed-3 moons, made as the course's load_dataset makes them",
         "moons_X, moons_Y = sklearn.datasets.make_moons(n_samples=300, noise=.2)",
         "moons_X, moons_Y = moons_X.T, moons_Y.reshape((1, 300))"]


def _moons_expression(value):
    """``moons_X`` or ``moons_X[:, :m]`` (``moons_Y`` ...) for an input that is the seed-3 moons or their first m
    columns, bit for bit; None for any other value."""
    from .fixtures import moons
    if not isinstance(value, np.ndarray) or value.ndim != 2:
        return None
    for name, data in zip(("moons_X", "moons_Y"), moons()):
        m = value.shape[1]
        if value.shape[0] == data.shape[0] and 0 < m <= data.shape[1] and value.dtype == data.dtype \
                and np.array_equal(value, data[:, :m]):
            return name if m == data.shape[1] else f"{name}[:, :{m}]"
    return None


def _with_the_moons(call, assigned, size):
    """(assignments, size, recipe lines): inputs too large to inline that are the moons (a model run on the
    course's data), written as the recipe that makes them instead of their 600 numbers."""
    values = [*call.args, *call.kwargs.values()]
    expressions = [_moons_expression(value) for value in values]
    if not any(expressions):
        return assigned, size, []
    assigned = [f"{line.split(' = ', 1)[0]} = {expression}" if expression else line
                for line, expression in zip(assigned, expressions)]
    return assigned, sum(len(line) for line in assigned), MOONS


def _level(clause):
    from .spec import clause as spec_clause
    return spec_clause(clause).level


def _earlier_call(earlier):
    """``yours.f(literal, ...)``: an EarlierCall written out, its arguments inline."""
    args, kwargs = earlier.arguments()
    arguments = [literal(v) for v in args] + [f"{k}={literal(v)}" for k, v in kwargs.items()]
    return f"yours.{earlier.function}({', '.join(arguments)})"


def _mutated_input(failure, names):
    """(variable, selector) of the input a call mutated, from its JSON pointer (/args/1/dW1)."""
    parts = pointer_parts(failure.output or "")
    if len(parts) < 2:
        return None
    if parts[0] == "args" and parts[1].isdigit() and int(parts[1]) < len(names):
        variable = names[int(parts[1])]
    elif parts[0] == "kwargs":
        variable = parts[1]
    else:
        return None
    return variable, "".join(f"[{int(p) if p.isdigit() else p!r}]" for p in parts[2:])


def _argument_names(target, call):
    declared = target.functions.get(call.function) or []
    names = [p["name"] for p in declared if p.get("kind") in ("positional_only", "positional_or_keyword")]
    course = list(ARGUMENTS.get(call.function, ()))
    out = []
    for i in range(len(call.args)):
        name = names[i] if i < len(names) else (course[i] if i < len(course) else f"arg{i}")
        out.append(name if name not in call.kwargs and name not in out else f"{name}_{i}")
    return out
