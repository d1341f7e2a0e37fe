"""Running the checks outside pytest: ``optoracle check TARGET``.

``run_check`` is the one place a check is executed, by this runner and by the
pytest layer alike: it turns every outcome into a :class:`CheckResult`.
"""
from __future__ import annotations

import json
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field

from hypothesis import reporting

from . import hypothesis_profiles
from .diagnosis import diagnose
from .registry import CHECKS, missing_needs
from .target import PROFILES, ConformanceError, MissingFunction, load_target

_SHRINK_CUT = "WARNING: Hypothesis has spent more than five minutes working to shrink"


@dataclass
class CheckResult:
    name: str
    clauses: list
    status: str                     # "passed" | "failed" | "skipped"
    clause: str                     # the clause a failure violates (the check's first clause otherwise)
    message: str = ""
    diagnosis: str | None = None
    seconds: float = 0.0

    @property
    def first_line(self):
        """The failure's first line, without the ``[clause]`` prefix."""
        line = self.message.strip().splitlines()[0] if self.message.strip() else ""
        return line.split("] ", 1)[1] if line.startswith("[") and "] " in line else line


def _quiet_reporter(previous):
    """Drop Hypothesis' note about our own shrinking bound (see hypothesis_profiles.SHRINK_SECONDS)."""
    def report(value):
        if isinstance(value, str) and value.startswith(_SHRINK_CUT):
            return
        previous(value)
    return report


def diagnoses(info, target):
    """Diagnosis lines for the functions ``info`` calls (cached on the target: probes run once per function)."""
    cache = target.diagnoses
    functions = info.needs or ("update_parameters_with_gd", "update_parameters_with_momentum",
                               "update_parameters_with_adam")
    lines = []
    for function in functions:
        if function not in cache:
            try:
                cache[function] = diagnose(target, function)
            except Exception as error:  # noqa: BLE001 - a diagnosis must never hide the failure it explains
                cache[function] = f"{function}: no diagnosis ({type(error).__name__}: {error})"
        if cache[function]:
            lines.append(cache[function])
    return "\n".join(lines) or None


def _with_diagnosis(result, info, target):
    """A failed check gets the diagnosis of the functions it calls (in its message too)."""
    if result.status == "failed":
        general = diagnoses(info, target)
        if general:
            result.diagnosis = general
            lines = "".join(f"\n  Diagnosis: {line}" for line in general.splitlines())
            head, marker, snippet = result.message.partition("\n  Reproduce with:")
            result.message = head + lines + marker + snippet       # the snippet stays last, runnable
    return result


def run_check(info, target):
    return _with_diagnosis(_run_check(info, target), info, target)


def _run_check(info, target):
    missing = missing_needs(info, target)
    if missing:
        return CheckResult(info.name, list(info.clauses), "skipped", info.clause,
                           f"target has no {', '.join(repr(m) for m in missing)}")
    start = time.perf_counter()
    try:
        with reporting.with_reporter(_quiet_reporter(reporting.current_reporter())):
            info.func(target)
    except ConformanceError as error:
        return CheckResult(info.name, list(info.clauses), "failed", error.clause, str(error),
                           error.diagnosis, time.perf_counter() - start)
    except MissingFunction as error:
        return CheckResult(info.name, list(info.clauses), "skipped", info.clause, str(error),
                           seconds=time.perf_counter() - start)
    except BaseException as error:  # noqa: BLE001 - a broken target must never break the run
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        inner = _first_conformance_error(error)
        if inner is not None:
            return CheckResult(info.name, list(info.clauses), "failed", inner.clause, str(inner), inner.diagnosis,
                               time.perf_counter() - start)
        return CheckResult(info.name, list(info.clauses), "failed", info.clause,
                           f"[{info.clause}] {type(error).__name__}: {error}", None, time.perf_counter() - start)
    return CheckResult(info.name, list(info.clauses), "passed", info.clause, seconds=time.perf_counter() - start)


def _first_conformance_error(error):
    """Hypothesis wraps non-reproducible failures (FlakyFailure, ExceptionGroup): dig out ours."""
    if isinstance(error, ConformanceError):
        return error
    for sub in getattr(error, "exceptions", ()) or ():
        found = _first_conformance_error(sub)
        if found is not None:
            return found
    return None


@dataclass
class Report:
    target: str
    target_file: str | None
    profile: str
    hypothesis_profile: str
    results: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self):
        return [r for r in self.results if r.status == "failed"]

    def by_clause(self):
        """clause -> {"passed": n, "failed": n, "skipped": n, "first_failure": str|None}, in first-seen order.

        A passed or skipped check counts for every clause it is tagged with; a failed
        one for the clause its failure names.
        """
        table = {}
        for r in self.results:                  # every clause a check is tagged with gets a row
            for clause in r.clauses:
                table.setdefault(clause, {"passed": 0, "failed": 0, "skipped": 0, "first_failure": None})
        for r in self.results:
            for clause in (r.clauses if r.status != "failed" else [r.clause]):
                row = table.setdefault(clause, {"passed": 0, "failed": 0, "skipped": 0, "first_failure": None})
                row[r.status] += 1
                if r.status == "failed" and row["first_failure"] is None:
                    row["first_failure"] = r.first_line
        return table

    def diagnosis_lines(self):
        return sorted({line for r in self.failed if r.diagnosis for line in r.diagnosis.splitlines()})

    def failing_clauses(self):
        return {c for c, row in self.by_clause().items() if row["failed"]}

    def to_json(self):
        return {"target": self.target, "target_file": self.target_file, "profile": self.profile,
                "hypothesis_profile": self.hypothesis_profile, "seconds": round(self.seconds, 3),
                "passed": all(r.status != "failed" for r in self.results),
                "diagnosis": self.diagnosis_lines(),
                "clauses": self.by_clause(), "checks": [asdict(r) for r in self.results]}


def run_suite(spec="reference", profile="seed", hypothesis_profile=None, names=None, target=None, clauses=None):
    """Run the checks (``names``, or those tagged with a clause starting with one of ``clauses``; default all)."""
    hp = hypothesis_profiles.load(hypothesis_profile)
    target = target or load_target(spec, profile)
    report = Report(target.name, target.file, target.profile, hp)
    start = time.perf_counter()
    for info in CHECKS.values():
        if names is not None and info.name not in names:
            continue
        if clauses and not any(c.startswith(prefix) for c in info.clauses for prefix in clauses):
            continue
        report.results.append(run_check(info, target))
    report.seconds = time.perf_counter() - start
    return report


# ------------------------------------------------------------------------- output
def header(report):
    placement = PROFILES[report.profile]
    return (f"optoracle check: target {report.target} ({report.target_file}), profile {report.profile} "
            f"(Adam epsilon {placement} the root), hypothesis profile {report.hypothesis_profile}")


def format_summary(report, full=True):
    lines = [header(report), ""]
    table = report.by_clause()
    width = max(len(c) for c in table) if table else 10
    lines.append(f"{'clause':<{width}}  pass  fail  skip  first failure")
    for clause, row in table.items():
        first = (row["first_failure"] or "")[:110]
        lines.append(f"{clause:<{width}}  {row['passed']:>4}  {row['failed']:>4}  {row['skipped']:>4}  {first}")
    n = {s: sum(r.status == s for r in report.results) for s in ("passed", "failed", "skipped")}
    if full and report.failed:
        lines += ["", "Failures", "========"]
        for r in report.failed:
            lines += ["", f"--- {r.name} [{r.clause}]", r.message]
    skipped = [r for r in report.results if r.status == "skipped"]
    if skipped:
        missing = sorted({name.strip("'") for r in skipped if r.message.startswith("target has no ")
                          for name in r.message[len("target has no "):].split(", ")})
        other = sorted({r.message for r in skipped if not r.message.startswith("target has no ")})
        lines += ["", f"Skipped {len(skipped)} checks" + (f": the target has no {', '.join(missing)}" if missing
                                                          else "") + "".join(f"; {m}" for m in other)]
    if report.diagnosis_lines():
        lines += ["", "Diagnosis:"] + [f"  {d}" for d in report.diagnosis_lines()]
    lines += ["", f"{n['passed']} passed, {n['failed']} failed, {n['skipped']} skipped in {report.seconds:.1f}s"]
    return "\n".join(lines)


def write_junit(report, path):
    suite = ET.Element("testsuite", name=f"optoracle[{report.target}, {report.profile}]",
                       tests=str(len(report.results)), failures=str(len(report.failed)),
                       skipped=str(sum(r.status == "skipped" for r in report.results)),
                       time=f"{report.seconds:.3f}")
    for r in report.results:
        case = ET.SubElement(suite, "testcase", classname=r.clauses[0], name=r.name, time=f"{r.seconds:.3f}")
        if r.status == "failed":
            ET.SubElement(case, "failure", message=r.first_line, type=r.clause).text = r.message
        elif r.status == "skipped":
            ET.SubElement(case, "skipped", message=r.message)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def main(args):
    try:
        report = run_suite(args.target, args.profile, args.hypothesis_profile, clauses=args.clause)
    except (ImportError, FileNotFoundError, SyntaxError, ValueError) as error:
        print(f"optoracle check: cannot load target {args.target!r}: {type(error).__name__}: {error}",
              file=sys.stderr)
        return 2
    print(format_summary(report, full=not args.quiet))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report.to_json(), f, indent=2)
    if args.junitxml:
        write_junit(report, args.junitxml)
    return 1 if report.failed else 0


def add_parser(subparsers):
    p = subparsers.add_parser("check", help="check an implementation against the spec, clause by clause")
    p.add_argument("target", nargs="?", default="reference",
                   help="'reference', an importable module name, or a path to a .py file")
    p.add_argument("--profile", choices=list(PROFILES), default="seed",
                   help="spec profile: seed = Adam's epsilon inside the root (default), course = outside")
    p.add_argument("--hypothesis-profile", choices=list(hypothesis_profiles.PROFILES), default=None,
                   help="default: $HYPOTHESIS_PROFILE or ci")
    p.add_argument("--clause", action="append", metavar="PREFIX",
                   help="only checks of clauses starting with PREFIX (e.g. adam, minibatch.seed); repeatable")
    p.add_argument("--json", metavar="FILE", help="write a machine-readable report")
    p.add_argument("--junitxml", metavar="FILE", help="write a JUnit XML report")
    p.add_argument("-q", "--quiet", action="store_true", help="summary table only, no failure details")
    p.set_defaults(func=main)
