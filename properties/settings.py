"""How much a run does: how many examples the checks try, as Hypothesis settings *objects* applied to
optoracle's own checks only (nothing is registered or loaded globally, nothing patches Hypothesis), and
how many workers run them.

``ci`` (the default: derandomized, no example database, so the same target always gets the same
report), ``dev`` (more, random), ``thorough`` (many more, random), ``mutation`` (few, for the
meta-tests and mutmut) and ``smoke`` (fewer: acceptance runs of correct code in optoracle's own tests).
Chosen with ``--examples`` / ``$OPTORACLE_EXAMPLES``.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys

NAMES = ("ci", "dev", "thorough", "mutation", "smoke")
DEFAULT = "ci"
_active = [DEFAULT]


@functools.lru_cache(maxsize=None)
def budget(name):
    """The Hypothesis settings object of the budget ``name``. Hypothesis is imported here, on first use:
    reading a budget's name or the number of workers (``optoracle check`` validating its input before it
    starts the target) imports nothing."""
    from hypothesis import HealthCheck, Phase, settings
    # No "explain" phase: it traces every line of the failing example, which multiplies the time of a
    # failing check by ten; the failure carries its own reproduction instead.
    phases = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
    quiet = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
             HealthCheck.large_base_example]
    common = dict(deadline=None, database=None, suppress_health_check=quiet, print_blob=False,
                  report_multiple_bugs=False)
    budgets = {
        "ci": dict(max_examples=30, derandomize=True, phases=phases),
        "dev": dict(max_examples=150, derandomize=False, phases=phases),
        "thorough": dict(max_examples=1500, derandomize=False, phases=phases),
        # a kill needs one failing example, not a minimal one: no shrinking
        "mutation": dict(max_examples=10, derandomize=True, phases=phases[:-1]),
        # acceptance runs of correct code through the whole pipeline (each check's fixed cases plus a few draws)
        "smoke": dict(max_examples=4, derandomize=True, phases=phases[:-1]),
    }
    return settings(**budgets[name], **common)


def selected():
    """The budget named by $OPTORACLE_EXAMPLES (default ci); a bad name is a usage error."""
    name = os.environ.get("OPTORACLE_EXAMPLES") or DEFAULT
    if name not in NAMES:
        raise ValueError(f"$OPTORACLE_EXAMPLES must be one of {', '.join(NAMES)}, got {name!r}")
    return name


def default_jobs():
    """How many workers run the checks: two where there are two cores and fork is safe (Linux), else one;
    $OPTORACLE_JOBS overrides. A bad value is a usage error (ValueError)."""
    text = os.environ.get("OPTORACLE_JOBS")
    if text:
        try:
            jobs = int(text)
        except ValueError:
            raise ValueError(f"$OPTORACLE_JOBS must be a whole number of workers, got {text!r}") from None
        if jobs < 1:
            raise ValueError(f"$OPTORACLE_JOBS must be at least 1, got {text!r}")
        return jobs
    return min(2, os.cpu_count() or 1) if sys.platform.startswith("linux") else 1


def active():
    return _active[-1]


@contextlib.contextmanager
def use(name):
    if name not in NAMES:
        raise ValueError(f"unknown examples budget {name!r}: expected one of {', '.join(NAMES)}")
    _active.append(name)
    try:
        yield
    finally:
        _active.pop()


class _Drawn:
    """A drawn value, handed to the body unwrapped. Hypothesis writes out the arguments of a failing example
    (dicts of arrays: a tenth of a failing check's time); a failure carries its own reproduction instead."""
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return "<drawn>"


def _drawn(strategy):
    """``strategy``'s values as ``_Drawn``: through a composite, not ``map``, whose values Hypothesis
    remembers as calls (``_Drawn(<the dict of arrays>)``) and writes out in full when it replays a failing
    example (a tenth of a failing check's time), whatever ``_Drawn``'s own repr says."""
    from hypothesis import strategies as st
    return st.composite(lambda draw: _Drawn(draw(strategy)))()


def for_all(*strategies):
    """``given(*strategies)`` with the active budget's settings, for the body of a check.

    A derandomized budget seeds each body from where it is written (file, line, name): what Hypothesis's
    derandomize does from the body's source text, without reading and tokenizing the source file at every
    call of a check (a new body is made per call). The values drawn are the strategies' own (the same
    choices, the same shrinking), passed through ``_drawn`` so that Hypothesis never writes them out."""
    from hypothesis import given, seed, settings

    def decorate(body):
        chosen = budget(active())

        @functools.wraps(body)
        def unwrapped(*args, **kwargs):
            return body(*(a.value for a in args), **{k: v.value for k, v in kwargs.items()})

        test = settings(chosen)(given(*(_drawn(s) for s in strategies))(unwrapped))
        if chosen.derandomize:
            code = body.__code__
            place = f"{os.path.basename(code.co_filename)}:{code.co_firstlineno}:{code.co_qualname}"
            test = seed(int.from_bytes(hashlib.sha256(place.encode()).digest()[:8], "big"))(test)
            test._hypothesis_internal_database_key = place.encode()    # no example database is used
        return test
    return decorate
