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
            detail = d.text if d is not None else "differs"
            rows.append((key, "drift", f"{detail} (committed vs recomputed; {rule}, rtol={rtol:g}, atol={atol:g})"))
    return rows


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
    """A committed file's raw document, without checksum verification (it may be what is replaced)."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def regenerate(force=False, out=print, data_dir=store.DATA_DIR, manifest_path=store.MANIFEST, only=None):
    """Recompute the fixtures (``only`` these names, default all) into ``data_dir``; 1 if any was refused."""
    start = time.perf_counter()
    try:
        old_manifest = store.read_manifest(manifest_path)
    except store.GoldenError:
        old_manifest = {"files": {}}
    X, Y = (None, None) if force else _stored_dataset(data_dir, old_manifest if old_manifest["files"] else None)
    built = fixtures.build(X, Y, only=only)
    records = dict(old_manifest["files"])
    refused, written = [], []
    for name, fx in built.items():
        path = os.path.join(data_dir, name)
        document = store.fixture_document(name, fx.description, fx.entries)
        committed = _committed(path)
        if committed is None:
            out(f"{name}: {'written (new)' if not os.path.exists(path) else 'rewritten (unreadable before)'}")
        else:
            old = {k: store.decode_array(v) for k, v in committed.get("entries", {}).items()}
            rows = [r for r in compare(old, fx.entries, fx.rules) if r[1] != "same"]
            drift = [r for r in rows if r[1] == "drift"]
            changed = [r for r in rows if r[1] in ("drift", "added", "removed")]
            if drift and not force:
                refused.append(name)
                out(f"{name}: REFUSED: {len(drift)} keys differ beyond their rule (use --force to overwrite):")
                for key, status, detail in drift[:20]:
                    out(f"    {key}: {status}: {detail}")
                continue
            # no churn: every key within its rule keeps its committed bytes
            kept = {key for key, status, _ in compare(old, fx.entries, fx.rules) if status in ("same", "within")}
            for key in kept:
                document["entries"][key] = committed["entries"][key]
            metadata_same = all(committed.get(f) == document[f] for f in ("format", "file", "description",
                                                                             "do_not_edit"))
            if not changed and metadata_same and name in records and set(committed["entries"]) == set(kept):
                within = sum(status == "within" for _, status, _ in rows)
                out(f"{name}: unchanged" + (f" ({within} keys recomputed within their rules, kept as committed)"
                                            if within else ""))
                continue
            out(f"{name}: {len(changed)} keys changed")
            for key, status, detail in changed[:20]:
                out(f"    {key}: {status}: {detail}")
        text = store.dumps(document)
        store.write_atomic(path, text)
        records[name] = _record(fx, text, document)
        written.append(name)
    if written or set(records) != set(old_manifest["files"]):
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
    committed = {}
    for name in names:
        try:
            committed[name] = store.load(name, data_dir=data_dir, manifest=manifest)
        except store.GoldenError as error:
            out(f"{name}: {error}")
            problems += 1
    X, Y = _stored_dataset(data_dir, manifest)
    if X is None:
        out("dataset.json is unusable: recomputing trajectories from scikit-learn's dataset instead")
    built = fixtures.build(X, Y, only=set(names))
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
        for key, status, detail in rows[:20]:
            out(f"    {key}: {status}: {detail}")
    out(f"golden check: {problems} problem(s) in {len(names)} files, {time.perf_counter() - start:.1f}s")
    return problems


def main(args):
    only = set(args.files) if args.files else (set(fixtures.QUICK) if getattr(args, "quick", False) else None)
    unknown = sorted(set(args.files or ()) - set(fixtures.FILES))
    if unknown:
        print(f"optoracle golden: unknown fixture(s) {', '.join(unknown)}; fixtures: {', '.join(fixtures.FILES)}")
        return 2
    if args.golden_command == "regenerate":
        return regenerate(force=args.force, only=only)
    return 1 if verify(only=only) else 0


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
