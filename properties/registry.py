"""The registry of conformance checks: each ``check_*`` function with its SPEC clauses.

A check is a plain function ``check_<name>(impl)`` taking a :class:`properties.target.Target`;
it returns None when the target conforms and raises ``ConformanceError`` otherwise.
The pytest layer (``properties/test_conformance.py``) and ``optoracle check`` both walk
``CHECKS`` in order.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckInfo:
    name: str
    func: object
    clauses: tuple
    needs: tuple           # target functions the check calls; a missing one skips the check
    doc: str

    @property
    def clause(self):
        return self.clauses[0]


CHECKS: dict[str, CheckInfo] = {}


def check(*clauses, needs):
    def register(func):
        doc = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else func.__name__
        CHECKS[func.__name__] = CheckInfo(func.__name__, func, tuple(clauses), tuple(needs), doc)
        func.clauses = tuple(clauses)
        return func
    return register


def missing_needs(info, target):
    return [n for n in info.needs if not target.has(n)]
