"""What a check reports: one structured ``Failure``, raised inside a ``ConformanceError``.

A failure is data (clause, what, the worst key and index, both sides, the errors, the call
that produced it, the reproduction and the diagnosis); ``properties.report`` renders it once
for the terminal, pytest, JSON and JUnit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class Failure:
    clause: str | None                 # the SPEC clause violated (None: the running check's own)
    what: str                          # one line: what differs, or what happened
    kind: str = "mismatch"             # mismatch | raised | exited | killed | timed out | mutated | returns
    details: list = field(default_factory=list)      # further lines (key by key)
    key: str | None = None             # e.g. "W1" or "v['dW1']"
    index: tuple | None = None
    yours: object = None
    expected: object = None
    abs_error: float | None = None
    rel_error: float | None = None
    call: object = None                # the properties.gateway.CallRecord this failure came from
    output: str = ""                   # Python selector from the call's return value to ``yours`` (a mutated
    #                                    input's JSON pointer, /args/1/dW1, where kind is "mutated")
    repro: str | None = None
    diagnosis: str | None = None
    diagnosis_id: str | None = None    # a catalog entry or "convention:AXIS=VALUE"
    follows_from: list = field(default_factory=list)  # [(clause, function, diagnosis id)]: of what model calls
    alone: bool | None = None          # the failing call replayed in a fresh process: the same value (True),
    #                                    another (False: the code keeps state between calls), or not replayed
    varies: bool = False               # replayed in two fresh processes, it returned two other values
    kept: bool = False                 # replays showed the function's own earlier calls change it
    after: object = None               # the gateway.EarlierCall of another function after which the failing value
    #                                    comes back in a fresh process (api.isolation), where one call does
    after_function: str | None = None  # the function that changes what the call computes (api.isolation) ...
    after_calls: int = 0               # ... and how many of its calls reached the process first

    @property
    def headline(self):
        return self.what

    def to_json(self):
        call = self.call
        return {
            "clause": self.clause, "kind": self.kind, "what": self.what, "details": list(self.details),
            "key": self.key, "index": list(self.index) if self.index is not None else None,
            "yours": _jsonable(self.yours), "expected": _jsonable(self.expected),
            "abs_error": self.abs_error, "rel_error": self.rel_error,
            "repro": self.repro, "diagnosis": self.diagnosis, "diagnosis_id": self.diagnosis_id,
            "follows_from": [{"clause": c, "function": f, "diagnosis_id": d} for c, f, d in self.follows_from],
            "same_alone": self.alone,
            "varies_between_processes": self.varies,
            "changed_by": None if self.after_function is None else {
                "function": self.after_function, "calls": self.after_calls,
                "request": json.loads(self.after.request) if self.after is not None else None},
            "call": call.to_json() if call is not None else None,
        }


def _jsonable(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else repr(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return repr(value)


class ConformanceError(AssertionError):
    """A check found the target not conforming; ``failure`` says how."""

    def __init__(self, failure):
        self.failure = failure
        super().__init__(f"[{failure.clause or '?'}] {failure.what}")


class MissingFunction(Exception):
    """The target does not define a function a check needs: the check is skipped, with the reason."""


class LoadError(Exception):
    """The target could not be started or loaded at all (exit code 2). One line, naming the problem."""


def fail(clause, what, **fields):
    raise ConformanceError(Failure(clause, what, **fields))
