"""``optoracle mutants``: run the suite against every catalog entry and print the kill table."""
from __future__ import annotations

import sys
import time

from . import hypothesis_profiles
from .catalog import CATALOG
from .diagnosis import diagnose
from .registry import CHECKS
from .runner import _run_check
from .target import load_target


def relevant_checks(entry):
    return [i for i in CHECKS.values() if entry.function in i.needs or not i.needs
            or (entry.function == "forward_propagation" and "backward_propagation" in i.needs)]


def kill_table(names=None, out=print):
    hypothesis_profiles.load(hypothesis_profiles.selected() if hypothesis_profiles.selected() != "ci"
                             else "mutation")
    survivors, rows = [], []
    out(f"{'entry':<38} {'function':<32} {'time':>6}  clauses that caught it / diagnosis")
    for name, entry in CATALOG.items():
        if names and name not in names:
            continue
        start = time.perf_counter()
        target = load_target(f"catalog:{name}")
        failed = sorted({r.clause for r in (_run_check(i, target) for i in relevant_checks(entry))
                         if r.status == "failed"})
        seconds = time.perf_counter() - start
        named = diagnose(target, entry.function) or ""
        correct = f"'{name}'" in named
        if not failed:
            survivors.append(name)
        out(f"{name:<38} {entry.function:<32} {seconds:>5.1f}s  {', '.join(failed) or 'SURVIVED'}"
            f"{'' if correct else '  [diagnosis does not name it]'}")
        rows.append((name, failed, seconds, correct))
    killed = len(rows) - len(survivors)
    out(f"\n{killed} of {len(rows)} killed ({100 * killed / max(len(rows), 1):.0f}%); "
        f"{sum(r[3] for r in rows)} of {len(rows)} named correctly by the diagnosis")
    return rows, survivors


def main(args):
    rows, survivors = kill_table(args.entries or None)
    return 1 if survivors or not all(r[3] for r in rows) else 0


def add_parser(subparsers):
    p = subparsers.add_parser("mutants", help="run the suite against the catalog of wrong implementations")
    p.add_argument("entries", nargs="*", help="only these catalog entries")
    p.set_defaults(func=main)


if __name__ == "__main__":
    sys.exit(main(None))
