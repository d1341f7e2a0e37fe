"""optoracle's implementation-agnostic conformance checks.

Plain functions ``check_<name>(target)`` (see ``properties.registry.CHECKS``), each verifying
the SPEC clauses it names; they run with or without pytest::

    from properties import open_target, run_suite
    report = run_suite("my_solution.py")          # every check, in SPEC order
    print(report.verdict())

Importing this package is cheap: the checks, SymPy and the golden fixtures load on first use.
"""
__all__ = ["CHECKS", "Target", "open_target", "run_suite", "run_check", "ConformanceError", "Failure"]


def __getattr__(name):
    if name == "CHECKS":
        from .registry import CHECKS
        return CHECKS
    if name in ("Target",):
        from .gateway import Target
        return Target
    if name in ("open_target", "run_suite", "run_check"):
        from . import runner
        return getattr(runner, name)
    if name in ("ConformanceError", "Failure"):
        from . import failures
        return getattr(failures, name)
    raise AttributeError(f"module 'properties' has no attribute {name!r}")
