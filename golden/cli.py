"""``optoracle golden regenerate|check`` (also ``python -m golden ...``).

regenerate: recomputes every fixture; writes each atomically; prints what changed, key by key;
            refuses to overwrite a file whose content drifted beyond its tolerance unless --force.
check:      recomputes and compares with the committed files; exits 1 with a per-key diff on drift.
"""
from __future__ import annotations

import json
import os
import platform
import sys
import time

import numpy as np
import sklearn

from . import fixtures, store

GENERATOR = "optoracle golden regenerate (golden/fixtures.py)"


def _versions():
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
        if a.shape != b.shape:
            rows.append((key, "drift", f"shape {list(a.shape)} -> {list(b.shape)}"))
            continue
        if np.array_equal(a, b):
            rows.append((key, "same", ""))
            continue
        rule, rtol, atol, _ = rules[key]
        err = np.abs(a.astype(np.float64) - b.astype(np.float64))
        tol = atol + rtol * np.abs(a.astype(np.float64))
        i = np.unravel_index(np.argmax(err - tol), err.shape) if err.ndim else ()
        detail = (f"max abs diff {float(err.max()):.3g}; worst at {tuple(int(x) for x in i)}: "
                  f"committed {a[i].item()!r} vs recomputed {b[i].item()!r} ({rule}, rtol={rtol:g}, atol={atol:g})")
        rows.append((key, "within" if rule != "exact" and np.all(err <= tol) else "drift", detail))
    return rows


def _stored_dataset():
    try:
        data = store.load("dataset.json")
        return data["X"], data["Y"]
    except store.GoldenError:
        return None, None


def _manifest_record(fx, text, document):
    return {"sha256": store.file_digest(text), "description": fx.description, "profile": fx.profile,
            "hyperparameters": fx.hyperparameters,
            "keys": {key: {"sha256": store.entry_digest(document["entries"][key]), "rule": rule, "rtol": rtol,
                           "atol": atol, "why": why} for key, (rule, rtol, atol, why) in fx.rules.items()}}


def _raw_entries(path):
    """A committed file's entries without checksum verification (it may be the thing being replaced)."""
    try:
        with open(path, encoding="utf-8") as f:
            return {k: store.decode_array(v) for k, v in json.load(f)["entries"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def regenerate(force=False, out=print, data_dir=store.DATA_DIR, manifest_path=store.MANIFEST, only=None):
    """Recompute the fixtures (``only`` these names, default all) into ``data_dir``; returns 1 if any was refused."""
    start = time.perf_counter()
    X, Y = (None, None) if force else _stored_dataset()
    built = fixtures.build(X, Y, only=only)
    try:
        old_manifest = store.read_manifest(manifest_path)
    except store.GoldenError:
        old_manifest = {"files": {}}
    records = {n: r for n, r in old_manifest["files"].items() if n not in built}
    refused = []
    for name, fx in built.items():
        document = store.fixture_document(name, fx.description, fx.entries)
        text = store.dumps(document)
        path = os.path.join(data_dir, name)
        old = _raw_entries(path) if os.path.exists(path) else None
        if old is None:
            out(f"{name}: {'written (new)' if not os.path.exists(path) else 'rewritten (unreadable before)'}")
        else:
            rows = [r for r in compare(old, fx.entries, fx.rules) if r[1] != "same"]
            drift = [r for r in rows if r[1] in ("drift", "added", "removed")]
            if drift and not force:
                refused.append(name)
                out(f"{name}: REFUSED: {len(drift)} keys differ beyond their tolerance (use --force to overwrite):")
                for key, status, detail in drift[:20]:
                    out(f"    {key}: {status}: {detail}")
                if name in old_manifest["files"]:
                    records[name] = old_manifest["files"][name]
                continue
            with open(path, encoding="utf-8") as f:
                unchanged = f.read() == text
            out(f"{name}: {'unchanged' if unchanged else f'{len(rows)} keys changed'}")
            for key, status, detail in rows[:20]:
                out(f"    {key}: {status}: {detail}")
        store.write_atomic(path, text)
        records[name] = _manifest_record(fx, text, document)
    manifest = {"format": store.FORMAT, "generator": GENERATOR, "versions": _versions(),
                "float32": fixtures.FLOAT32, "files": {n: records[n] for n in fixtures.FILES if n in records}}
    store.write_atomic(manifest_path, store.dumps(manifest))
    out(f"regenerated {len(built) - len(refused)} of {len(built)} files in {time.perf_counter() - start:.1f}s"
        + (f"; refused {refused}" if refused else ""))
    return 1 if refused else 0


def check(out=print, only=None):
    """Recompute and compare with the committed fixtures. Returns the number of problems."""
    start = time.perf_counter()
    problems = 0
    manifest = store.read_manifest()
    names = [n for n in fixtures.FILES if only is None or n in only]
    committed = {}
    for name in names:
        try:
            committed[name] = store.load(name, manifest=manifest)
        except store.GoldenError as error:
            out(f"{name}: {error}")
            problems += 1
    X, Y = _stored_dataset()
    if X is None:
        out("dataset.json is unusable: recomputing trajectories from scikit-learn's dataset instead")
    built = fixtures.build(X, Y, only=set(names))
    for name, fx in built.items():
        if name not in committed:
            continue
        rules = {k: tuple(manifest["files"][name]["keys"][k][f] for f in ("rule", "rtol", "atol", "why"))
                 if k in manifest["files"][name]["keys"] else fx.rules[k] for k in fx.entries}
        rows = [r for r in compare(committed[name], fx.entries, rules) if r[1] in ("drift", "added", "removed")]
        if name == "dataset.json" and rows:
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
    if args.golden_command == "regenerate":
        return regenerate(force=args.force, only=set(args.files) if args.files else None)
    return 1 if check(only=set(args.files) if args.files else None) else 0


def add_parser(subparsers):
    p = subparsers.add_parser("golden", help="check or regenerate the golden fixtures")
    sub = p.add_subparsers(dest="golden_command", required=True)
    r = sub.add_parser("regenerate", help="recompute every fixture; refuses to overwrite drift without --force")
    r.add_argument("--force", action="store_true", help="overwrite fixtures that drifted beyond tolerance")
    r.add_argument("files", nargs="*", help="only these files (default: all)")
    c = sub.add_parser("check", help="recompute and compare with the committed fixtures (exit 1 on drift)")
    c.add_argument("files", nargs="*", help=f"only these files (default: all of {', '.join(fixtures.FILES)})")
    p.set_defaults(func=main)


def run(argv=None):
    import argparse
    parser = argparse.ArgumentParser(prog="python -m golden")
    sub = parser.add_subparsers(dest="command", required=True)
    add_parser(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(run())
