"""How many examples the checks try: Hypothesis settings *objects*, applied to optoracle's own
checks only (nothing is registered or loaded globally, nothing patches Hypothesis).

``ci`` (the default: derandomized, no example database, so the same target always gets the same
report), ``dev`` (more, random), ``thorough`` (many more, random), ``mutation`` (few, for the
meta-tests and mutmut) and ``smoke`` (fewer: acceptance runs of correct code in optoracle's own tests).
Chosen with ``--examples`` / ``$OPTORACLE_EXAMPLES``.
"""
from __future__ import annotations

import contextlib
import hashlib
import os

from hypothesis import HealthCheck, Phase, given, seed, settings

# No "explain" phase: it traces every line of the failing example, which multiplies the time of a
# failing check by ten; the failure carries its own reproduction instead.
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
          HealthCheck.large_base_example]
_COMMON = dict(deadline=None, database=None, suppress_health_check=_QUIET, print_blob=False,
               report_multiple_bugs=False)

BUDGETS = {
    "ci": settings(max_examples=30, derandomize=True, phases=_PHASES, **_COMMON),
    "dev": settings(max_examples=150, derandomize=False, phases=_PHASES, **_COMMON),
    "thorough": settings(max_examples=1500, derandomize=False, phases=_PHASES, **_COMMON),
    # a kill needs one failing example, not a minimal one: no shrinking
    "mutation": settings(max_examples=10, derandomize=True, phases=_PHASES[:-1], **_COMMON),
    # acceptance runs of correct code through the whole pipeline (each check's fixed cases plus a few draws)
    "smoke": settings(max_examples=4, derandomize=True, phases=_PHASES[:-1], **_COMMON),
}
DEFAULT = "ci"
_active = [DEFAULT]


def selected():
    """The budget named by $OPTORACLE_EXAMPLES (default ci); a bad name is a usage error."""
    name = os.environ.get("OPTORACLE_EXAMPLES") or DEFAULT
    if name not in BUDGETS:
        raise ValueError(f"$OPTORACLE_EXAMPLES must be one of {', '.join(BUDGETS)}, got {name!r}")
    return name


def active():
    return _active[-1]


@contextlib.contextmanager
def use(name):
    if name not in BUDGETS:
        raise ValueError(f"unknown examples budget {name!r}: expected one of {', '.join(BUDGETS)}")
    _active.append(name)
    try:
        yield
    finally:
        _active.pop()


def for_all(*strategies):
    """``given(*strategies)`` with the active budget's settings, for the body of a check.

    A derandomized budget seeds each body from where it is written (file, line, name): what Hypothesis's
    derandomize does from the body's source text, without reading and tokenizing the source file at every
    call of a check (a new body is made per call)."""
    def decorate(body):
        budget = BUDGETS[active()]
        test = settings(budget)(given(*strategies)(body))
        if budget.derandomize:
            code = body.__code__
            place = f"{os.path.basename(code.co_filename)}:{code.co_firstlineno}:{code.co_qualname}"
            test = seed(int.from_bytes(hashlib.sha256(place.encode()).digest()[:8], "big"))(test)
            test._hypothesis_internal_database_key = place.encode()    # no example database is used
        return test
    return decorate
