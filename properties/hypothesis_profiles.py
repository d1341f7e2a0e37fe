"""Hypothesis profiles: ``ci`` (derandomized, no database, no deadline; the default),
``dev`` (random, more examples) and ``thorough`` (many examples).

Chosen with pytest's ``--hypothesis-profile`` or the ``HYPOTHESIS_PROFILE``
environment variable. ``ci`` is the default everywhere so that a run is
reproducible: the same target gives the same report.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

# No "explain" phase: it traces every line of the failing example (SymPy derivations included), which
# multiplies the time of a failing check by ten; the failure message carries our own repro instead.
_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink]
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
          HealthCheck.large_base_example]

settings.register_profile("ci", phases=_PHASES, max_examples=30, derandomize=True, database=None, deadline=None,
                          suppress_health_check=_QUIET, print_blob=False, report_multiple_bugs=False)
settings.register_profile("dev", phases=_PHASES, max_examples=150, deadline=None, suppress_health_check=_QUIET,
                          report_multiple_bugs=False)
settings.register_profile("thorough", phases=_PHASES, max_examples=1500, deadline=None, suppress_health_check=_QUIET,
                          report_multiple_bugs=False)
# mutmut runs the suite hundreds of times: few examples, no database, derandomized
settings.register_profile("mutation", phases=_PHASES, max_examples=10, derandomize=True, database=None, deadline=None,
                          suppress_health_check=_QUIET, print_blob=False, report_multiple_bugs=False)

PROFILES = ("ci", "dev", "thorough", "mutation")
DEFAULT = "ci"


def selected():
    return os.environ.get("HYPOTHESIS_PROFILE", DEFAULT)


# Shrinking a failure to a minimal example can take Hypothesis minutes on array inputs. Under
# the fast profiles it is cut after SHRINK_SECONDS per check (the example is then smaller, not
# always minimal); dev and thorough shrink fully. This uses Hypothesis' internal bound, when present.
SHRINK_SECONDS = {"ci": 2.0, "mutation": 0.5}


def bound_shrinking(name):
    from hypothesis.internal.conjecture import engine
    if not hasattr(engine, "MAX_SHRINKING_SECONDS"):
        return
    if not hasattr(engine, "_optoracle_default_shrink_seconds"):
        engine._optoracle_default_shrink_seconds = engine.MAX_SHRINKING_SECONDS
    engine.MAX_SHRINKING_SECONDS = SHRINK_SECONDS.get(name, engine._optoracle_default_shrink_seconds)


def load(name=None):
    name = name or selected()
    if name not in PROFILES:
        raise ValueError(f"unknown Hypothesis profile {name!r}: expected one of {', '.join(PROFILES)}")
    settings.load_profile(name)
    bound_shrinking(name)
    return name
