"""optoracle's implementation-agnostic conformance checks.

Plain functions ``check_<name>(impl)`` (see ``CHECKS``) that take a target from
``load_target``; they run with or without pytest::

    from properties import CHECKS, load_target
    impl = load_target("my_solution.py", profile="course")
    for info in CHECKS.values():
        info.func(impl)            # raises ConformanceError naming the SPEC clause
"""
from . import hypothesis_profiles  # noqa: F401  (registers the ci/dev/thorough profiles)
from . import checks_golden, checks_minibatch, checks_network, checks_symbolic, checks_updates  # noqa: F401
from .registry import CHECKS, CheckInfo, missing_needs
from .target import ConformanceError, MissingFunction, Target, load_target

__all__ = ["CHECKS", "CheckInfo", "ConformanceError", "MissingFunction", "Target", "load_target", "missing_needs"]
