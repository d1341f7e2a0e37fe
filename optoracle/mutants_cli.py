"""``optoracle mutants``: run the suite against every catalog entry and print the kill table."""
from __future__ import annotations

import sys
import time

from reference.conventions import EDITIONS


def relevant_checks(entry):
    """The checks that call the mutated function (and the ones that call nothing in particular)."""
    from properties.registry import checks
    return [c for c in checks().values() if entry.function in c.calls or not c.calls
            or (entry.function == "forward_propagation" and "backward_propagation" in c.calls)]


def kill_table(names=None, edition="seed", out=print, examples="mutation"):
    """Rows (name, clauses that failed, seconds, named by the diagnosis) for the catalog under ``edition``."""
    from properties import settings
    from properties.catalog import CATALOG
    from properties.runner import open_target, run_check
    rows, survivors = [], []
    out(f"{'entry':<42} {'function':<32} {'time':>6}  clauses that caught it / diagnosis")
    with settings.use(examples):
        for name, entry in CATALOG.items():
            if (names and name not in names) or not entry.applies(EDITIONS[edition]):
                continue
            start = time.perf_counter()
            target = open_target(f"catalog:{name}@{edition}", profile=edition)
            try:
                results = [run_check(c, target, diagnose=False) for c in relevant_checks(entry)]
                failed = sorted({r.clause for r in results if r.status == "failed"})
                from properties.diagnosis import diagnose
                found = diagnose(target, entry.function)
            finally:
                target.close()
            named = bool(found) and found[1] == name
            seconds = time.perf_counter() - start
            if not failed:
                survivors.append(name)
            out(f"{name:<42} {entry.function:<32} {seconds:>5.1f}s  {', '.join(failed) or 'SURVIVED'}"
                f"{'' if named else '  [diagnosis does not name it]'}")
            rows.append((name, failed, seconds, named))
    killed = len(rows) - len(survivors)
    out(f"\n{killed} of {len(rows)} killed ({100 * killed / max(len(rows), 1):.0f}%); "
        f"{sum(r[3] for r in rows)} of {len(rows)} named correctly by the diagnosis (edition {edition})")
    return rows, survivors


def main(args):
    from properties.catalog import CATALOG
    unknown = [n for n in args.entries if n not in CATALOG]
    if unknown:
        print(f"optoracle mutants: error: unknown catalog entries {', '.join(unknown)}", file=sys.stderr)
        return 2
    rows, survivors = kill_table(args.entries or None, args.profile)
    return 1 if survivors or not all(r[3] for r in rows) else 0


def add_parser(subparsers):
    p = subparsers.add_parser("mutants", help="run the suite against the catalog of wrong implementations")
    p.add_argument("entries", nargs="*", help="only these catalog entries")
    p.add_argument("--profile", choices=list(EDITIONS), default="seed",
                   help="the edition the entries are built under and judged by (default seed)")
    p.set_defaults(func=main)
