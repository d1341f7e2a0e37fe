"""``optoracle spec``: the clauses of SPEC.md, and the traceability table (clause -> checks).

``--traceability`` prints the table that SPEC.md carries between its traceability markers;
``--write`` puts it there (a test fails while SPEC.md's copy is stale).
"""
from __future__ import annotations

import re
import sys

BEGIN, END = "<!-- traceability: begin -->", "<!-- traceability: end -->"


NO_CHECK = {"api.isolation": "(no check of its own: failures of other clauses whose calls, replayed in fresh "
                             "processes, come back after another function's call; `runner._replay_alone`)"}


def traceability():
    """The Markdown table: every clause, its level, and the checks (and catalog entries) that verify it."""
    from properties import spec
    from properties.catalog import CATALOG
    from properties.registry import checks
    by_clause = {c: [] for c in spec.clauses()}
    for check in checks().values():
        for clause in check.clauses:
            by_clause[clause.id].append(f"`{check.name}`")
    killers = {c: sorted(e.name for e in CATALOG.values() if c in e.caught_by) for c in spec.clauses()}
    lines = ["| clause | level | checks | catalog entries it rejects |", "|---|---|---|---|"]
    for clause_id, clause in spec.clauses().items():
        checks_text = "<br>".join(by_clause[clause_id]) or NO_CHECK.get(
            clause_id, "(the reference and the golden fixtures; no target check)")
        lines.append(f"| `{clause_id}` | {clause.level} | {checks_text} | {len(killers[clause_id])} |")
    return "\n".join(lines)


def spec_text_with_table(text, table):
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"SPEC.md has no {BEGIN} ... {END} markers")
    return pattern.sub(lambda _: f"{BEGIN}\n{table}\n{END}", text)


def main(args):
    from properties import spec
    if args.traceability or args.write:
        table = traceability()
        if args.write:
            with open(spec.SPEC_PATH, encoding="utf-8") as f:
                text = f.read()
            new = spec_text_with_table(text, table)
            if new != text:
                with open(spec.SPEC_PATH, "w", encoding="utf-8") as f:
                    f.write(new)
                print(f"updated the traceability table in {spec.SPEC_PATH}")
            else:
                print(f"{spec.SPEC_PATH}: the traceability table is current")
        else:
            print(table)
        return 0
    print(f"SPEC {spec.version()}: {len(spec.clauses())} clauses")
    for clause in spec.clauses().values():
        print(f"  {clause.id:<26} {clause.level:<6} {clause.section}")
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser("spec", help="list the clauses; print or write the traceability table")
    p.add_argument("--traceability", action="store_true", help="print the clause -> checks table")
    p.add_argument("--write", action="store_true", help="write the table into SPEC.md")
    p.set_defaults(func=main)


if __name__ == "__main__":
    sys.exit(main(None))
