"""``optoracle golden check|regenerate``: recompute the golden fixtures and compare, or rewrite them.

check:      recomputes and compares with the committed files, key by key under the manifest's rules;
            exits 1 with a per-key diff on drift. ``--quick`` recomputes only the files that take a
            second (not the training runs).
regenerate: recomputes the fixtures and rewrites only what changed beyond its rule. A file whose
            recomputed values all agree with the committed ones within their rules stays byte for
            byte as committed (no churn across machines); a key that drifted beyond its rule is
            refused unless --force; every change is printed, key by key. Writes are atomic.

Comparisons use the checks' own comparator (``properties.compare``).
"""
from __future__ import annotations

import json
import os
import platform
import sys
import time

import numpy as np

from golden import fixtures, store
from properties.compare import difference

GENERATOR = "optoracle golden regenerate (golden/fixtures.py)"


def _versions():
    import sklearn

    from optoracle import __version__
    return {"optoracle": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "scikit_learn": sklearn.__version__, "platform": platform.platform()}


def compare(old, new, rules):
    """Per key: (key, status, detail) with status same | within | drift | added | removed."""
    rows = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            rows.append((key, "removed", "no longer generated"))
            continue
        if key not in old:
            rows.append((key, "added", f"shape {list(np.shape(new[key]))}"))
            continue
        a, b = np.asarray(old[key]), np.asarray(new[key])
        if a.shape == b.shape and a.dtype.kind == b.dtype.kind and np.array_equal(a, b):
            rows.append((key, "same", ""))
            continue
        rule, rtol, atol, _ = rules[key]
        d = difference(b, a, rtol, atol / rtol if rtol else 0.0)
        if d is None and rule != "exact":
            rows.append((key, "within", f"(within {rule} rtol={rtol:g}, atol={atol:g})"))
        else:
            rows.append((key, "drift", f"{_sides(d, a, b)} ({rule}, rtol={rtol:g}, atol={atol:g})"))
    return rows


def _sides(d, committed, recomputed):
    """Where a key differs, with the committed and the recomputed value named as such."""
    if d is None or d.index is None:
        if committed.shape != recomputed.shape:
            return f"shape {list(committed.shape)} committed vs {list(recomputed.shape)} recomputed"
        worst = np.unravel_index(np.argmax(committed != recomputed), committed.shape) if committed.size else ()
        return (f"at {tuple(int(i) for i in worst)}: committed {committed[worst].item()!r} vs recomputed "
                f"{recomputed[worst].item()!r}")
    errors = "" if d.abs_error is None or d.abs_error == float("inf") else \
        f"max abs err {d.abs_error:.3g}, max rel err {d.rel_error:.3g}; worst "
    return f"{errors}at {d.index}: committed {d.expected!r} vs recomputed {d.yours!r}"


def _stored_dataset(data_dir, manifest):
    try:
        data = store.load("dataset.json", data_dir=data_dir, manifest=manifest)
        return data["X"], data["Y"]
    except store.GoldenError:
        return None, None


def _record(fx, text, document):
    return {"sha256": store.file_digest(text), "description": fx.description, "profile": fx.profile,
            "hyperparameters": fx.hyperparameters,
            "keys": {key: {"sha256": store.entry_digest(document["entries"][key]), "rule": rule, "rtol": rtol,
                           "atol": atol, "why": why} for key, (rule, rtol, atol, why) in fx.rules.items()}}


def _committed(path):
    """(a committed file's raw document and its entries as arrays, or None), without checksum verification
    (it may be what is replaced)."""
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
        return document, {k: store.decode_array(v) for k, v in document["entries"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None, None


def _untrusted(name, data_dir, manifest):
    """Why the committed ``name`` fails its checksums in ``manifest`` (hand-edited, or written without its
    manifest), or None: its bytes are kept only if they are the ones the manifest records."""
    if name not in manifest["files"]:
        return None
    try:
        store.load(name, data_dir=data_dir, manifest=manifest)
    except store.GoldenError as error:
        return str(error).split(": ", 1)[-1].split(". ")[0].split("; ")[0]
    return None


def regenerate(force=False, out=print, data_dir=store.DATA_DIR, manifest_path=store.MANIFEST, only=None):
    """Recompute the fixtures (``only`` these names, default all) into ``data_dir``; 1 if any was refused."""
    start = time.perf_counter()
    try:
        old_manifest = store.read_manifest(manifest_path)
    except store.GoldenError as error:
        if only is not None:
            # a partial run would write a manifest that lists only its files: the others would look unlisted
            raise store.GoldenError(f"{error}; `optoracle golden regenerate` with no file names writes it again, "
                                    "listing every file") from None
        old_manifest = {"files": {}}
    X, Y = (None, None) if force else _stored_dataset(data_dir, old_manifest if old_manifest["files"] else None)
    built = fixtures.build(X, Y, only=only)
    records = dict(old_manifest["files"])
    refused, written, updated = [], [], []
    for name, fx in built.items():
        path = os.path.join(data_dir, name)
        document = store.fixture_document(name, fx.description, fx.entries)
        committed, old = _committed(path)
        untrusted = _untrusted(name, data_dir, old_manifest) if committed is not None else None
        if committed is None:
            out(f"{name}: {'written (new)' if not os.path.exists(path) else 'rewritten (unreadable before)'}")
        else:
            compared = compare(old, fx.entries, fx.rules)
            rows = [r for r in compared if r[1] != "same"]
            drift = [r for r in rows if r[1] == "drift"]
            changed = [r for r in rows if r[1] in ("drift", "added", "removed")]
            if drift and not force:
                refused.append(name)
                out(f"{name}: REFUSED: {len(drift)} keys differ beyond their rule (use --force to overwrite"
                    + (f"; the committed file does not match the manifest either ({untrusted}): restore it from "
                       "git if the reference did not change" if untrusted else "") + "):")
                for key, status, detail in drift:
                    out(f"    {key}: {status}: {detail}")
                continue
            if untrusted:
                # its bytes are not the ones the manifest records: nothing of it is kept, even within the rules
                out(f"{name}: rewritten: the committed file did not match the manifest ({untrusted}); "
                    f"{len(changed)} keys differ beyond their rule from it")
                for key, status, detail in changed:
                    out(f"    {key}: {status}: {detail}")
            else:
                # no churn: every key within its rule keeps its committed bytes
                kept = {key for key, status, _ in compared if status in ("same", "within")}
                for key in kept:
                    document["entries"][key] = committed["entries"][key]
                metadata_same = all(committed.get(f) == document[f] for f in ("format", "file", "description",
                                                                                 "do_not_edit"))
                if not changed and metadata_same and name in records and set(committed["entries"]) == set(kept):
                    within = sum(status == "within" for _, status, _ in rows)
                    text = store.dumps(committed)
                    record = _record(fx, text, committed)
                    stale = sorted(f for f in record if record[f] != records[name].get(f))
                    if stale:                       # what the manifest says of it (hyperparameters, rules, ...)
                        records[name] = record
                        updated.append(name)
                    out(f"{name}: unchanged" + (f" ({within} keys recomputed within their rules, kept as committed)"
                                                if within else "")
                        + (f"; its manifest record updated ({', '.join(stale)})" if stale else ""))
                    continue
                out(f"{name}: {len(changed)} keys changed" if changed or name in records else
                    f"{name}: no key changed; recorded in the manifest again (it did not list it)")
                for key, status, detail in changed:
                    out(f"    {key}: {status}: {detail}")
        text = store.dumps(document)
        store.write_atomic(path, text)
        records[name] = _record(fx, text, document)
        written.append(name)
    if written or updated or set(records) != set(old_manifest["files"]):
        manifest = {"format": store.FORMAT, "generator": GENERATOR, "versions": _versions(),
                    "float32": fixtures.FLOAT32, "files": {n: records[n] for n in fixtures.FILES if n in records}}
        store.write_atomic(manifest_path, store.dumps(manifest))
    out(f"regenerated {len(built)} files in {time.perf_counter() - start:.1f}s: {len(written)} written, "
        f"{len(built) - len(written) - len(refused)} unchanged" + (f", refused {refused}" if refused else ""))
    return 1 if refused else 0


def verify(out=print, only=None, data_dir=store.DATA_DIR, manifest_path=store.MANIFEST):
    """Recompute and compare with the committed fixtures. Returns the number of problems."""
    start = time.perf_counter()
    problems = 0
    manifest = store.read_manifest(manifest_path)
    names = [n for n in fixtures.FILES if only is None or n in only]
    asked = len(names)
    committed = {}
    for name in names:
        try:
            committed[name] = store.load(name, data_dir=data_dir, manifest=manifest)
        except store.GoldenError as error:
            out(f"{name}: {error}")
            problems += 1
    X, Y = _stored_dataset(data_dir, manifest)
    if X is None:
        # the trajectories train on the stored moons (SPEC data.moons), never on a live make_moons call
        skipped = [n for n in names if n.startswith("train_")]
        if skipped:
            out(f"dataset.json is unusable: {len(skipped)} training fixtures not recomputed ({', '.join(skipped)})")
            problems += len(skipped)
            names = [n for n in names if n not in skipped]
    built = fixtures.build(X, Y, only=set(names)) if names else {}
    for name, fx in built.items():
        if name not in committed:
            continue
        keys = manifest["files"][name]["keys"]
        rules = {k: tuple(keys[k][f] for f in ("rule", "rtol", "atol", "why")) if k in keys else fx.rules[k]
                 for k in set(fx.entries) | set(committed[name])}
        rows = [r for r in compare(committed[name], fx.entries, rules) if r[1] in ("drift", "added", "removed")]
        if name == "dataset.json" and rows:
            import sklearn
            out(f"NOTE: scikit-learn {sklearn.__version__} no longer reproduces the stored seed-3 moons "
                f"({len(rows)} keys differ). The fixtures and checks use the stored dataset, so nothing else "
                "is affected; see tests/test_golden.py::test_todays_scikit_learn_still_draws_the_stored_moons.")
            continue
        problems += len(rows)
        out(f"{name}: {'ok' if not rows else f'{len(rows)} keys drifted'}")
        for key, status, detail in rows:
            out(f"    {key}: {status}: {detail}")
    out(f"golden check: {problems} problem(s) in {asked} files, {time.perf_counter() - start:.1f}s")
    return problems


def main(args):
    if getattr(args, "quick", False) and args.files:
        print(f"optoracle golden: --quick checks {', '.join(fixtures.QUICK)}; name files or give --quick, not both",
              file=sys.stderr)
        return 2
    only = set(args.files) if args.files else (set(fixtures.QUICK) if getattr(args, "quick", False) else None)
    unknown = sorted(set(args.files or ()) - set(fixtures.FILES))
    if unknown:
        print(f"optoracle golden: unknown fixture(s) {', '.join(map(repr, unknown))}; fixtures: "
              f"{', '.join(fixtures.FILES)}", file=sys.stderr)
        return 2
    try:
        if args.golden_command == "regenerate":
            return regenerate(force=args.force, only=only)
        return 1 if verify(only=only) else 0
    except store.GoldenError as error:               # the manifest itself: nothing can be compared or recorded
        print(f"optoracle golden: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:                          # stdout closed early (`| head`): the command's own business
        raise
    except OSError as error:                         # a folder that cannot be written
        print(f"optoracle golden: cannot write {error.filename or 'the fixtures'}: {error.strerror}", file=sys.stderr)
        return 2


def add_parser(subparsers):
    p = subparsers.add_parser("golden", help="check or regenerate the golden fixtures")
    sub = p.add_subparsers(dest="golden_command", required=True)
    r = sub.add_parser("regenerate", help="recompute the fixtures; rewrite only what changed beyond its rule")
    r.add_argument("--force", action="store_true", help="overwrite fixtures that drifted beyond their rules")
    r.add_argument("files", nargs="*", help="only these files (default: all)")
    c = sub.add_parser("check", help="recompute and compare with the committed fixtures (exit 1 on drift)")
    c.add_argument("--quick", action="store_true", help="only the fixtures that take a second (not the training runs)")
    c.add_argument("files", nargs="*", help=f"only these files (default: all of {', '.join(fixtures.FILES)})")
    p.set_defaults(func=main)
