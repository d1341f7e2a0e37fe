"""Loading the implementation under test, and calling it safely.

``load_target(spec, profile)`` takes ``reference`` (the default), an importable
module name, or a path to a ``.py`` file. The returned :class:`Target` calls the
target's course-named functions with *copies* of the inputs and turns every way
a broken function can misbehave into a :class:`ConformanceError` naming the
function and the spec clause: it raises, returns None or the wrong type,
returns NaN, mutates ``grads``/``X``/``Y``, or hangs past the per-call time limit.
"""
from __future__ import annotations

import contextlib
import copy
import importlib
import importlib.util
import inspect
import io
import os
import signal
import sys
import threading
from contextlib import contextmanager

import numpy as np

COURSE_FUNCTIONS = (
    "random_mini_batches", "update_parameters_with_gd", "initialize_velocity",
    "update_parameters_with_momentum", "initialize_adam", "update_parameters_with_adam",
)
OPTIONAL_FUNCTIONS = ("initialize_parameters", "forward_propagation", "backward_propagation",
                      "compute_cost", "predict", "model")
PROFILES = {"seed": "inside", "course": "outside"}      # profile -> Adam's epsilon placement
DEFAULT_CALL_TIMEOUT_S = float(os.environ.get("OPTORACLE_CALL_TIMEOUT", "10"))


class ConformanceError(AssertionError):
    """A check failed. ``clause`` is the SPEC.md clause id that the failure violates."""

    def __init__(self, clause, message, diagnosis=None):
        self.clause = clause
        self.diagnosis = diagnosis
        super().__init__(f"[{clause}] {message}")


class MissingFunction(Exception):
    """The target does not define a function a check needs; the check is skipped."""


class CallTimeout(Exception):
    pass


@contextmanager
def time_limit(seconds):
    """Raise CallTimeout in the main thread after ``seconds`` (SIGALRM; Unix).

    Outside the main thread (where signals cannot be delivered) no limit applies.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or seconds is None:
        yield
        return

    def on_alarm(signum, frame):
        raise CallTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _snapshot(value):
    return copy.deepcopy(value)


def _same(a, b):
    """Deep equality of nested dicts/tuples/lists of arrays (NaN equal to NaN, dtype and shape too)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


class Target:
    """The implementation under test, seen through the course's function names."""

    def __init__(self, module, spec, profile="seed", call_timeout=DEFAULT_CALL_TIMEOUT_S):
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}: expected one of {', '.join(PROFILES)}")
        self.module = module
        self.spec = spec
        self.profile = profile
        self.epsilon_placement = PROFILES[profile]
        self.call_timeout = call_timeout
        self.hung = set()       # functions that timed out once: fail at once afterwards, so shrinking stays fast
        self.diagnoses = {}     # function -> diagnosis text (or None), filled by runner.diagnoses

    # ------------------------------------------------------------------ naming
    @property
    def name(self):
        return self.spec

    @property
    def file(self):
        return getattr(self.module, "__file__", None)

    def has(self, name):
        return callable(getattr(self.module, name, None))

    def function(self, name):
        fn = getattr(self.module, name, None)
        if not callable(fn):
            raise MissingFunction(f"target {self.spec!r} has no function '{name}'")
        return fn

    def repro_header(self):
        return ("import numpy as np\n"
                "from properties import load_target\n"
                f"impl = load_target({self.spec!r}, profile={self.profile!r})\n")

    # ------------------------------------------------------------------ calling
    def call(self, name, *args, clause, protect=(), mutation_clause="api.in-place", **kwargs):
        """Call target function ``name`` on deep copies of ``args``; its prints are swallowed.

        ``protect`` lists positional indices that the function must not mutate
        (grads, X, Y): they are compared with a snapshot afterwards.
        """
        fn = self.function(name)
        if name in self.hung:
            raise ConformanceError(clause, f"{name} timed out earlier in this run (limit {self.call_timeout} s); "
                                           "not called again")
        # each argument copied on its own: the target gets independent inputs, never aliases of each other
        args = tuple(_snapshot(a) for a in args)
        kwargs = {k: _snapshot(v) for k, v in kwargs.items()}
        before = {i: _snapshot(args[i]) for i in protect}
        try:
            with time_limit(self.call_timeout), np.errstate(all="ignore"), \
                    contextlib.redirect_stdout(io.StringIO()):
                result = fn(*args, **kwargs)
        except CallTimeout:
            self.hung.add(name)
            raise ConformanceError(clause, f"{name} did not return within {self.call_timeout} s "
                                           "(set OPTORACLE_CALL_TIMEOUT to change the limit)") from None
        except MissingFunction:
            raise
        except Exception as exc:
            raise ConformanceError(clause, f"{name} raised {type(exc).__name__}: {exc}") from exc
        for i, snapshot in before.items():
            if not _same(args[i], snapshot):
                label = _ARG_NAMES.get(name, {}).get(i, f"argument {i}")
                raise ConformanceError(mutation_clause, f"{name} mutated its input '{label}', "
                                                       "which the spec does not allow (only parameters, v and s "
                                                       "may be updated in place)")
        return result

    def placement_kwargs(self, name):
        """``{"epsilon_placement": ...}`` when the target's function ``name`` takes that keyword (as the
        reference's Adam, train and model do), else ``{}``: course signatures have one convention only."""
        try:
            accepts = "epsilon_placement" in inspect.signature(self.function(name)).parameters
        except (TypeError, ValueError):
            accepts = False
        return {"epsilon_placement": self.epsilon_placement} if accepts else {}


_ARG_NAMES = {
    "update_parameters_with_gd": {0: "parameters", 1: "grads"},
    "update_parameters_with_momentum": {0: "parameters", 1: "grads", 2: "v"},
    "update_parameters_with_adam": {0: "parameters", 1: "grads", 2: "v", 3: "s"},
    "random_mini_batches": {0: "X", 1: "Y"},
    "forward_propagation": {0: "X", 1: "parameters"},
    "backward_propagation": {0: "X", 1: "Y", 2: "cache"},
    "compute_cost": {0: "a3", 1: "Y"},
    "model": {0: "X", 1: "Y"},
}


def _import_path(path):
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--impl {path!r}: no such file")
    name = "optoracle_target_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_module(spec):
    if spec in (None, "", "reference"):
        import reference
        return reference
    if spec.startswith("catalog:"):
        from .catalog import module_for
        return module_for(spec.split(":", 1)[1])
    if spec.endswith(".py") or os.sep in spec or os.path.isfile(spec):
        return _import_path(spec)
    return importlib.import_module(spec)


def load_target(spec="reference", profile="seed", call_timeout=DEFAULT_CALL_TIMEOUT_S):
    """The target named by ``spec`` (module name, ``.py`` path or ``reference``) under ``profile``."""
    spec = spec or "reference"
    module = load_module(spec)
    if not any(callable(getattr(module, f, None)) for f in COURSE_FUNCTIONS + OPTIONAL_FUNCTIONS):
        raise ImportError(f"target {spec!r} ({getattr(module, '__file__', '?')}) defines none of the course "
                          f"functions ({', '.join(COURSE_FUNCTIONS)})")
    return Target(module, spec, profile, call_timeout)


def default_spec():
    return os.environ.get("OPTORACLE_IMPL", "reference")


def default_profile():
    return os.environ.get("OPTORACLE_PROFILE", "seed")


# ---------------------------------------------------------------------- adapters
def _expect_state_dict(value, keys, shapes, name, what, clause):
    """Type, keys and shapes are ``api.signatures``; NaN in a value fails the calling check's ``clause``."""
    if not isinstance(value, dict):
        raise ConformanceError("api.signatures", f"{name} must return {what} as a dict, got {type(value).__name__}")
    missing = [k for k in keys if k not in value]
    if missing:
        raise ConformanceError("api.signatures", f"{name}: {what} is missing keys {missing} (has {sorted(value)})")
    for k in keys:
        if not isinstance(value[k], np.ndarray):
            raise ConformanceError("api.signatures", f"{name}: {what}[{k!r}] is {type(value[k]).__name__}, "
                                                     "expected a numpy array")
        if value[k].shape != shapes[k]:
            raise ConformanceError("api.signatures", f"{name}: {what}[{k!r}] has shape {value[k].shape}, "
                                                     f"expected {shapes[k]}")
        if value[k].dtype.kind == "f" and np.isnan(value[k]).any():
            raise ConformanceError(clause, f"{name}: {what}[{k!r}] contains NaN")


def _param_shapes(parameters):
    return {k: p.shape for k, p in parameters.items()}


def _grad_shapes(parameters):
    return {f"d{k}": p.shape for k, p in parameters.items()}


def _unpack(result, n_allowed, name, clause):
    if result is None:
        raise ConformanceError("api.signatures", f"{name} returned None (did you forget a return statement?)")
    if not isinstance(result, tuple) or len(result) not in n_allowed:
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise ConformanceError("api.signatures", f"{name} must return a tuple of "
                                                 f"{' or '.join(map(str, n_allowed))}, got {got}")
    return result


class Calls:
    """Course-signature adapters: each validates what the target returns."""

    def __init__(self, target):
        self.t = target

    def gd(self, parameters, grads, learning_rate, clause="gd.update"):
        name = "update_parameters_with_gd"
        out = self.t.call(name, parameters, grads, learning_rate, clause=clause, protect=(1,))
        if out is None:
            raise ConformanceError("api.signatures", f"{name} returned None (did you forget a return statement?)")
        _expect_state_dict(out, list(parameters), _param_shapes(parameters), name, "parameters", clause)
        return out

    def momentum(self, parameters, grads, v, beta, learning_rate, clause="momentum.ema"):
        name = "update_parameters_with_momentum"
        out = _unpack(self.t.call(name, parameters, grads, v, beta, learning_rate, clause=clause, protect=(1,)),
                      (2,), name, clause)
        _expect_state_dict(out[0], list(parameters), _param_shapes(parameters), name, "parameters", clause)
        _expect_state_dict(out[1], list(grads), _grad_shapes(parameters), name, "v", clause)
        return out[0], out[1]

    def adam(self, parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8,
             clause="adam.update"):
        """Returns ``(parameters, v, s)``; the later course's 5-tuple is accepted and trimmed."""
        name = "update_parameters_with_adam"
        out = _unpack(self.t.call(name, parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon,
                                  clause=clause, protect=(1,), **self.t.placement_kwargs(name)), (3, 5), name, clause)
        _expect_state_dict(out[0], list(parameters), _param_shapes(parameters), name, "parameters", clause)
        _expect_state_dict(out[1], list(grads), _grad_shapes(parameters), name, "v", clause)
        _expect_state_dict(out[2], list(grads), _grad_shapes(parameters), name, "s", clause)
        return out[0], out[1], out[2]

    def initialize_velocity(self, parameters, clause="state.init"):
        name = "initialize_velocity"
        out = self.t.call(name, parameters, clause="state.init")
        _expect_state_dict(out, [f"d{k}" for k in parameters], _grad_shapes(parameters), name, "v", clause)
        return out

    def initialize_adam(self, parameters, clause="state.init"):
        name = "initialize_adam"
        out = _unpack(self.t.call(name, parameters, clause="state.init"), (2,), name, "state.init")
        for what, d in zip(("v", "s"), out):
            _expect_state_dict(d, [f"d{k}" for k in parameters], _grad_shapes(parameters), name, what, clause)
        return out

    def minibatches(self, X, Y, size, seed, clause):
        name = "random_mini_batches"
        out = self.t.call(name, X, Y, size, seed, clause=clause, protect=(0, 1),
                          mutation_clause="minibatch.no-mutation")
        if out is None:
            raise ConformanceError("api.signatures", f"{name} returned None (did you forget a return statement?)")
        if not isinstance(out, (list, tuple)) or not all(isinstance(b, (list, tuple)) and len(b) == 2 for b in out):
            raise ConformanceError("api.signatures", f"{name} must return a list of (mini_batch_X, mini_batch_Y) "
                                                     f"pairs, got {type(out).__name__}")
        return [(np.asarray(bx), np.asarray(by)) for bx, by in out]
