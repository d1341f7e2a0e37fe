"""The clauses of SPEC.md, loaded once: id, conformance level, section and order.

A check registers with clause ids; an id that SPEC.md does not define fails at import
(``UnknownClause``), so a check can never verify a clause the specification lacks.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

SPEC_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "SPEC.md")
_HEADING = re.compile(r"^### `([a-z0-9.-]+)` — (MUST|SHOULD)\s*$")
_SECTION = re.compile(r"^## (.+?)\s*$")
_VERSION = re.compile(r"^\*\*Version (\d+\.\d+\.\d+)\*\*")


class UnknownClause(ValueError):
    pass


@dataclass(frozen=True)
class Clause:
    id: str
    level: str            # "MUST" | "SHOULD"
    section: str
    order: int
    text: str             # the clause's first paragraph

    @property
    def advisory(self):
        return self.level == "SHOULD"


@functools.lru_cache(maxsize=None)
def _load(path=SPEC_PATH):
    if not os.path.exists(path):
        raise RuntimeError(f"{path}: SPEC.md is missing; optoracle reads its clauses from it "
                           "(install optoracle from its source tree: pip install -e .)")
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    clauses, section, version = {}, "", None
    i = 0
    while i < len(lines):
        line = lines[i]
        if version is None and _VERSION.match(line):
            version = _VERSION.match(line).group(1)
        if _SECTION.match(line):
            section = _SECTION.match(line).group(1)
        heading = _HEADING.match(line)
        if heading:
            body = []
            j = i + 1
            while j < len(lines) and lines[j].strip() and not lines[j].startswith("#"):
                body.append(lines[j].strip())
                j += 1
            clause_id, level = heading.groups()
            if clause_id in clauses:
                raise RuntimeError(f"SPEC.md defines clause {clause_id!r} twice")
            clauses[clause_id] = Clause(clause_id, level, section, len(clauses), " ".join(body))
        elif line.startswith("### `"):
            raise RuntimeError(f"SPEC.md line {i + 1}: a clause heading must read ### `id` — MUST|SHOULD, "
                               f"got {line!r}")
        i += 1
    return clauses, version


def clauses():
    """{id: Clause} in SPEC order."""
    return _load()[0]


def version():
    return _load()[1]


def clause(clause_id):
    try:
        return clauses()[clause_id]
    except KeyError:
        raise UnknownClause(f"clause {clause_id!r} is not defined in SPEC.md "
                            f"(defined: {', '.join(clauses())})") from None


def matching(patterns):
    """The clause ids matching any of ``patterns``: an exact id, a prefix ending in '.', or a glob
    (``adam.*``, ``*saturation``). Raises UnknownClause naming a pattern that matches nothing."""
    import fnmatch
    out = []
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            found = [c for c in clauses() if fnmatch.fnmatchcase(c, pattern)]
        else:
            found = [c for c in clauses() if c == pattern or c.startswith(pattern.rstrip(".") + ".")]
        if not found:
            raise UnknownClause(f"no clause matches {pattern!r}; clauses: {', '.join(clauses())}")
        out += [c for c in found if c not in out]
    return out
