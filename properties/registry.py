"""The registry of conformance checks.

A check is a plain function ``check_<what_it_verifies>(target)`` taking a
:class:`properties.gateway.Target`; it returns None when the target conforms and raises
``ConformanceError`` otherwise. ``@verifies(clause, ..., calls=(...))`` registers it with the
SPEC clauses it verifies (validated against SPEC.md at import) and the target functions it
calls (a missing one skips the check). ``checks()`` lists every check in SPEC order.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from . import spec

CHECK_MODULES = ("minibatch", "network", "updates", "adam", "trajectory", "symbolic", "model", "interface",
                 "golden")
# Modules the checks and the diagnosis import on first use. Imported with the checks: Hypothesis draws some
# values from the constants it finds in the project's loaded modules, so the set of loaded modules must not
# depend on which checks ran before (in two workers, that order varies) or the same target could get two
# different reports.
LAZY_MODULES = ("properties.catalog", "properties.diagnosis", "properties.harness", "properties.symbolic",
                "properties.compare", "properties.casework", "properties.strategies", "reference.editions",
                "golden.fixtures", "golden.unit_cases", "golden.store", "properties.fixtures")


@dataclass(frozen=True)
class Check:
    name: str
    func: object
    clauses: tuple          # Clause objects; the first is the one its failures default to
    calls: tuple            # target functions it needs
    doc: str
    sequence: int           # registration order, for ties within a clause
    weight: int = 1         # a rough cost, for scheduling parallel workers (heaviest first)

    @property
    def clause(self):
        return self.clauses[0]

    @property
    def level(self):
        return self.clause.level

    def __call__(self, target):
        return self.func(target)


_REGISTERED: dict[str, Check] = {}


def verifies(*clause_ids, calls=(), weight=1):
    """Register a check of ``clause_ids`` (SPEC.md ids) that calls the target functions ``calls``;
    ``weight`` (a rough cost) orders the work of parallel workers, never the report."""
    resolved = tuple(spec.clause(c) for c in clause_ids)     # raises UnknownClause at import

    def register(func):
        if not func.__name__.startswith("check_"):
            raise ValueError(f"a check's name starts with check_: {func.__name__}")
        doc = (func.__doc__ or func.__name__).strip().splitlines()[0]
        _REGISTERED[func.__name__] = Check(func.__name__, func, resolved, tuple(calls), doc, len(_REGISTERED), weight)
        return func
    return register


def _order(check):
    """SPEC order, then the order of the check modules and of definition (never the order of import)."""
    module = check.func.__module__.rsplit(".", 1)[-1]
    return (check.clause.order, CHECK_MODULES.index(module) if module in CHECK_MODULES else len(CHECK_MODULES),
            check.func.__code__.co_firstlineno, check.name)


def checks():
    """{name: Check} of every check, in SPEC order (clause order, then registration order)."""
    for module in CHECK_MODULES:
        importlib.import_module(f"properties.checks.{module}")
    for module in LAZY_MODULES:
        importlib.import_module(module)
    ordered = sorted(_REGISTERED.values(), key=_order)
    return {c.name: c for c in ordered}


def __getattr__(name):
    if name == "CHECKS":
        return checks()
    raise AttributeError(name)
