"""Rendering a Report once, for the terminal, pytest, JSON and JUnit.

The terminal report starts with the verdict in one line, then the conventions found and the
editions they match, a table of the clauses that have checks (in SPEC order), and each failure:
what differs key by key, the diagnosis, what the target printed, and a reproduction to paste.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from reference.conventions import matching_editions

from . import conventions as conv
from . import spec

REPORT_FORMAT = "optoracle-report/1"
FIRST_FAILURE_WIDTH = 72


def _clip(text, width):
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def failing_clauses(report):
    """(failed clauses, those that fail in their own right, those that may follow from what model calls), in
    SPEC order."""
    clauses = sorted({r.clause for r in report.failed}, key=lambda c: spec.clause(c).order)
    following = [c for c in clauses if all(r.failure.follows_from for r in report.failed if r.clause == c)]
    return clauses, [c for c in clauses if c not in following], following


def not_judged(report, table):
    """{clause: why} for the clauses of the checks run that have no row in ``table`` (``clause_table``): each of
    their checks failed under another clause first (the table leaves them out rather than show 0 0 0)."""
    rows = {row[0] for row in table}
    out = {}
    for r in report.results:
        for c in r.clauses:
            if c not in rows and r.status == "failed":
                out.setdefault(c, []).append(f"{r.name} failed under {r.clause}")
    return {c: "; ".join(why) for c, why in sorted(out.items(), key=lambda item: spec.clause(item[0]).order)}


def verdict(report):
    where = report.target_info.get("file") or report.target
    n_adv = len(report.advisories)
    clauses, roots, following = failing_clauses(report)
    if report.conforms:
        head = f"CONFORMS to SPEC {spec.version()}"
        tail = f" with {n_adv} advisor{'y' if n_adv == 1 else 'ies'} (SHOULD)" if n_adv else ""
    else:
        head = f"DOES NOT CONFORM to SPEC {spec.version()}"
        if not (following and roots):
            roots, following = clauses, []
        named = roots[:6] + (["..."] if len(roots) > 6 else [])
        if following:
            room = max(1, 6 - len(roots))
            named += ([f"then {len(following)} that may follow from {'it' if len(roots) == 1 else 'them'}: "
                       + following[0]] + following[1:room] + (["..."] if len(following) > room else []))
        parts = [f"{len(clauses)} clause{'s fail' if len(clauses) != 1 else ' fails'} ({', '.join(named)})"] \
            if clauses else []
        if report.missing:
            parts.append(missing_sentence(report))
        tail = ": " + "; ".join(parts) if parts else f": {n_adv} advisor{'y' if n_adv == 1 else 'ies'} under --strict"
    return f"optoracle: {where} {head} (profile {report.profile}){tail}"


def missing_sentence(report):
    """'2 required functions are missing (model, random_mini_batches): 9 checks need them (select the clauses of
    the others with --clause)'."""
    from .gateway import near_misses
    missing = report.missing
    lacking = missing_results(report)
    near = near_misses(missing, report.others)
    checks = f"{len(lacking)} check{'s' if len(lacking) != 1 else ''} need{'' if len(lacking) != 1 else 's'}"
    return (f"{len(missing)} required function{'s are' if len(missing) != 1 else ' is'} missing "
            f"({', '.join(missing)}{'; ' + near if near else ''}): {checks} "
            f"{'them' if len(missing) != 1 else 'it'} (SPEC's conformance table; "
            "--clause selects the clauses of the functions it has)")


def missing_results(report):
    missing = set(report.missing)
    return [r for r in report.results if r.status == "skipped" and missing & set(r.functions)]


def convention_lines(report):
    editions = matching_editions(report.detected)
    # every axis in its order, "?" where nothing determined it (the line below says how it is judged)
    found = [f"{k}={'?' if v is None else v}" for k, v in report.detected.items()]
    found = [] if all(f.endswith("=?") for f in found) else found
    lines = [f"conventions: {', '.join(found) or 'none determined'}; matches edition(s): "
             f"{', '.join(editions) or 'none'}" + ("" if report.profile == "auto" else
                                                   f"; judged by profile {report.profile}")]
    fake = type("T", (), {"detected": report.detected, "conventions": report.conventions,
                          "undetermined": report.undetermined, "profile": report.profile})
    lines += conv.describe(fake)
    return lines


def clause_table(report):
    """[(clause id, level, passed, failed, skipped, first failure)] for clauses with checks, in SPEC order."""
    rows = {}
    for r in report.results:
        targets = [r.clause] if r.status == "failed" else r.clauses
        for clause_id in targets:
            row = rows.setdefault(clause_id, {"passed": 0, "failed": 0, "skipped": 0, "first": ""})
            row[r.status] += 1
            if r.status == "failed" and not row["first"]:
                row["first"] = (f"(may follow from {r.failure.follows_from[0][0]}) " if r.failure.follows_from
                                else "") + r.headline
    order = spec.clauses()
    return [(c, order[c].level, row["passed"], row["failed"], row["skipped"], row["first"])
            for c, row in sorted(rows.items(), key=lambda item: order[item[0]].order)]


_CONTROLS = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x09), *range(0x0b, 0x20), 0x7f, *range(0x80, 0xa0)]}


def visible(text):
    """The text with control characters written out (\\x1b): what a target prints or raises reaches the terminal
    as text, never as escape sequences that clear it, retitle it, or colour a line to look like the verdict."""
    return text.translate(_CONTROLS)


def _indent(text, prefix="    "):
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def render_failure(result, verbose=False, shown=None):
    """The failure's lines; ``shown`` (diagnosis -> the check it was shown under) shortens a diagnosis
    already shown in the same report to a pointer, unless ``verbose``."""
    f = result.failure
    level = "SHOULD, advisory" if result.advisory else "MUST"
    lines = [f"--- {result.name} [{result.clause}, {level}]", f"  {f.what}"]
    details = f.details if verbose else f.details[:12]
    lines += [d if d.startswith("  ") else "  " + d for d in details]
    if len(f.details) > len(details):
        lines.append(f"  ... {len(f.details) - len(details)} more lines (-v)")
    if f.follows_from:
        lines.append(f"  May follow from what {f.call.function} calls: {follows_from(f)}. Fix "
                     f"{'that' if len({fn for _, fn, _ in f.follows_from}) == 1 else 'those'} first.")
    if f.diagnosis and shown is not None and not verbose and shown.get(f.diagnosis, result.name) != result.name:
        lines.append(f"  Diagnosis: as under {shown[f.diagnosis]} above")
    elif f.diagnosis:
        lines.append(f"  Diagnosis: {f.diagnosis}")
        if shown is not None:
            shown.setdefault(f.diagnosis, result.name)
    call = f.call
    if call is not None and (call.stdout.strip() or call.stderr.strip()):
        for label, text in (("stdout", call.stdout), ("stderr", call.stderr)):
            text = text.strip()
            if text:
                shown = text if verbose else _tail(text, 8)
                lines.append(f"  The target wrote to {label} during {call.function}:")
                lines.append(_indent(shown, "    | "))
    if f.repro:
        lines.append("  Reproduce with:")
        lines.append(_indent(f.repro))
    return visible("\n".join(lines))


def follows_from(failure):
    """"random_mini_batches fails minibatch.count and minibatch.shapes (it behaves like '...'); ...", in SPEC
    order."""
    clauses, known = {}, {}
    for clause_id, function, identifier in failure.follows_from:
        clauses.setdefault(function, []).append(clause_id)
        if identifier and identifier not in known.get(function, []):
            known.setdefault(function, []).append(identifier)
    return "; ".join(f"{function} fails {_and(ids)}" + (f" (it behaves like {_and(repr(k) for k in known[function])})"
                                                         if function in known else "")
                     for function, ids in clauses.items())


def _and(items):
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _tail(text, n):
    rows = text.splitlines()
    return text if len(rows) <= n else "\n".join([f"[... {len(rows) - n} earlier lines]"] + rows[-n:])


def terminal(report, verbose=False, quiet=False):
    lines = [verdict(report)]
    info = report.target_info
    lines.append(f"target: {report.target} ({info.get('language', '?')}"
                 + (f", numpy {info['numpy']}" if info.get("numpy") else "") + f"); examples: {report.examples}")
    lines += convention_lines(report)
    if report.notes:
        lines.append("notes: " + "; ".join(_notes(report.notes)))
    lines.append("")
    table = clause_table(report)
    width = max((len(c) for c, *_ in table), default=10)
    lines.append(f"{'clause':<{width}}  level   pass  fail  skip  first failure")
    for clause_id, level, passed, failed, skipped, first in table:
        lines.append(f"{clause_id:<{width}}  {level:<6} {passed:>5} {failed:>5} {skipped:>5}  "
                     f"{_clip(first, FIRST_FAILURE_WIDTH)}")
    unjudged = not_judged(report, table)
    if unjudged:
        lines.append(f"not judged (their checks failed under another clause first): {', '.join(unjudged)}")
    failures = report.failed + report.advisories
    if failures and not quiet:
        lines += ["", "Failures" if report.failed else "Advisories", "========"]
        shown = {}
        for r in report.failed + report.advisories:
            lines += ["", render_failure(r, verbose, shown)]
    skipped = [r for r in report.results if r.status == "skipped"]
    if skipped:
        reasons, lacking = {}, {r.name for r in missing_results(report)}
        for r in skipped:
            why = " (required: it does not conform without it)" if r.name in lacking else (
                " (not required here: SPEC's conformance table)"
                if r.reason.startswith("the target has no ") else "")
            reasons.setdefault(r.reason + why, []).append(r.name)
        lines += ["", f"Skipped {len(skipped)} check{'s' if len(skipped) != 1 else ''}:"]
        lines += [f"  {reason} ({len(names)})" for reason, names in reasons.items()]
    if verbose:
        lines += ["", "Checks:"] + [f"  {r.status:<7} {r.seconds:6.2f}s  {r.name}" for r in report.results]
    lines += ["", f"{report.count('passed')} passed, {len(report.failed)} failed, {len(report.advisories)} "
                  f"advisories, {report.count('skipped')} skipped in {report.seconds:.1f}s"]
    return visible("\n".join(lines))


def _notes(notes):
    """The notes in words, the notebook's magics in one sentence (run_line_magic and run_cell_magic alike)."""
    magics = [n for n in notes if n.startswith("get_ipython().")]
    said = [_note(n) for n in notes if not n.startswith("get_ipython().")]
    if magics:
        said.insert(0, f"your file calls {' and '.join(magics)} (a notebook exported as a script: its magics, such "
                       f"as %matplotlib inline); the harness ignores {'them' if len(magics) > 1 else 'it'}")
    return said


def _note(note):
    if note.startswith("np."):
        return (f"your code uses {note}, removed in NumPy 1.24; the harness maps it to Python's "
                f"{note[3:].replace('long', 'int').replace('unicode', 'str')} as NumPy < 1.24 did")
    return note


def to_json(report):
    from optoracle import __version__
    _, roots, following = failing_clauses(report)
    table = clause_table(report)
    return {
        "format": REPORT_FORMAT, "optoracle": __version__, "spec": spec.version(),
        "verdict": "conforms" if report.conforms else "does not conform", "conforms": report.conforms,
        "exit_code": 0 if report.conforms else 1, "headline": verdict(report),
        "failed_clauses": roots, "may_follow": following,
        "target": report.target, "target_info": report.target_info, "profile": report.profile,
        "examples": report.examples, "strict": report.strict,
        "conventions": {"detected": dict(report.detected.items()), "judged": dict(report.conventions.items()),
                        "undetermined": report.undetermined, "editions": matching_editions(report.detected)},
        "notes": report.notes, "notes_explained": _notes(report.notes), "seconds": round(report.seconds, 3),
        "counts": {"passed": report.count("passed"), "failed": len(report.failed),
                   "advisories": len(report.advisories), "skipped": report.count("skipped")},
        "missing": report.missing,
        "diagnoses": diagnoses(report),
        "advisories": sorted({r.clause for r in report.advisories}),
        "clauses": [{"clause": c, "level": level, "judged": True, "passed": p, "failed": f, "skipped": s,
                     "first_failure": first} for c, level, p, f, s, first in table]
        + [{"clause": c, "level": spec.clause(c).level, "judged": False, "not_judged": why, "passed": 0, "failed": 0,
            "skipped": 0, "first_failure": ""} for c, why in not_judged(report, table).items()],
        "checks": [{"name": r.name, "clauses": r.clauses, "status": r.status, "clause": r.clause, "level": r.level,
                    "advisory": r.advisory, "reason": r.reason or None, "seconds": round(r.seconds, 4),
                    "failure": r.failure.to_json() if r.failure else None} for r in report.results],
    }


def diagnoses(report):
    """What the failures (not the advisories) behave like, once each, for a grade sheet: [{"id", "clauses"}] with
    a catalog entry's name, "convention:AXIS=VALUE" (another convention than the one judged by), or "unknown"
    (probed: no known variant matches); failures the diagnosis could not probe have none."""
    found = {}
    for r in report.failed:
        identifier = r.failure.diagnosis_id if r.failure else None
        if identifier:
            found.setdefault(identifier, set()).add(r.clause)
    return [{"id": identifier, "clauses": sorted(clauses)} for identifier, clauses in sorted(found.items())]


def write_json_error(target, profile, message, path):
    """The JSON report of a target that could not be loaded or run at all (exit code 2): no checks ran."""
    from optoracle import __version__
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"format": REPORT_FORMAT, "optoracle": __version__, "spec": spec.version(), "verdict": "not checked",
                   "conforms": False, "exit_code": 2, "error": message, "target": target, "profile": profile,
                   "checks": []}, f, indent=2)
        f.write("\n")


def write_junit_error(target, message, path):
    totals = {"tests": "1", "failures": "0", "errors": "1", "skipped": "0", "time": "0"}
    root = ET.Element("testsuites", name="optoracle", **totals)
    suite = ET.SubElement(root, "testsuite", name=f"optoracle[{target}]", **totals)
    case = ET.SubElement(suite, "testcase", classname="load", name="load the target", time="0")
    ET.SubElement(case, "error", message=message, type="load")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def write_json(report, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(to_json(report), f, indent=2)
        f.write("\n")


def write_junit(report, path):
    lacking = {r.name for r in missing_results(report)}        # skipped for a required function: failures here
    totals = {"tests": str(len(report.results)), "failures": str(len(report.failed) + len(lacking)), "errors": "0",
              "skipped": str(report.count("skipped") - len(lacking)), "time": f"{report.seconds:.3f}"}
    root = ET.Element("testsuites", name="optoracle", **totals)
    suite = ET.SubElement(root, "testsuite", name=f"optoracle[{report.target}, {report.profile}]", **totals)
    properties = ET.SubElement(suite, "properties")
    for name, value in (("spec", spec.version()), ("profile", report.profile),
                        ("conventions", ", ".join(f"{k}={v}" for k, v in report.conventions.items()))):
        ET.SubElement(properties, "property", name=name, value=str(value))
    for r in report.results:
        case = ET.SubElement(suite, "testcase", classname=r.clauses[0], name=r.name, time=f"{r.seconds:.3f}")
        if r.status == "failed" and not r.advisory:
            ET.SubElement(case, "failure", message=r.headline, type=r.clause).text = render_failure(r, True)
        elif r.advisory:
            props = ET.SubElement(case, "properties")
            ET.SubElement(props, "property", name="advisory", value=f"[{r.clause}] {r.headline}")
            ET.SubElement(case, "system-out").text = render_failure(r, True)
        elif r.name in lacking:
            ET.SubElement(case, "failure", message=f"{r.reason} (a required function: SPEC's conformance table)",
                          type="missing function")
        elif r.status == "skipped":
            ET.SubElement(case, "skipped", message=r.reason)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
