"""Conformance against the golden fixtures (SPEC ``golden.*``): the target reproduces the recorded
reference outputs within each key's rule from golden/manifest.json (float32 targets: the
manifest's float32 rule). Adam's files are chosen by the target's epsilon convention."""
from __future__ import annotations

import numpy as np

from golden.fixtures import adam_units_name, train_name

from ..casework import fail, zero_state
from ..compare import expect_close, precision
from ..fixtures import fixture, group, moons
from ..registry import verifies

COMPARED_EPOCHS = (1, 10)      # of golden.fixtures.SNAPSHOT_EPOCHS: cheap enough for every check run


def _rule(manifest, name, prefix, expected, yours):
    """(rtol, scale) for the comparator from the manifest's rules of the keys under ``prefix``."""
    rules = manifest["files"][name]["keys"]
    if precision(yours) == "float32":
        return manifest["float32"]["rtol"], 0.0
    rtol = max(rules[f"{prefix}/{k}"]["rtol"] for k in expected)
    atol = max(rules[f"{prefix}/{k}"]["atol"] for k in expected)
    return rtol, (atol / rtol if rtol else 0.0)


def _expect_golden(target, yours, name_for, prefix, clause, what, output=""):
    """Compare with the fixture of the target's conventions; another convention's file that matches is named."""
    def expected_under(conventions):
        entries, _ = fixture(name_for(conventions))
        return group(entries, prefix)
    name = name_for(target.conventions)
    entries, manifest = fixture(name)
    expected = group(entries, prefix)
    rtol, scale = _rule(manifest, name, prefix, expected, yours)
    expect_close(target, yours, expected, clause=clause, what=f"{what} vs golden/data/{name}:{prefix}", rtol=rtol,
                 scales=scale, output=output, axes=("epsilon",), expected_under=expected_under)


@verifies("golden.units", calls=("update_parameters_with_gd", "update_parameters_with_momentum",
                                 "update_parameters_with_adam"))
def check_update_functions_reproduce_the_golden_unit_cases(target):
    """gd, momentum and Adam (the file of its epsilon convention) reproduce golden/data/units*.json."""
    entries, _ = fixture("units.json")
    units = (lambda c: "units.json")
    cases = sorted({k.split("/")[1] for k in entries if k.startswith("gd/case")})
    for case in cases:
        base = f"gd/{case}"
        p, g = group(entries, f"{base}/inputs/parameters"), group(entries, f"{base}/inputs/grads")
        _expect_golden(target, target.update_parameters_with_gd(p, g, 0.01), units, f"{base}/outputs/parameters",
                       "golden.units", "update_parameters_with_gd")
        base = f"momentum/{case}"
        new_p, new_v = target.update_parameters_with_momentum(p, g, group(entries, f"{base}/inputs/v"), 0.9, 0.01)
        _expect_golden(target, new_v, units, f"{base}/outputs/v", "golden.units", "momentum v", "[1]")
        _expect_golden(target, new_p, units, f"{base}/outputs/parameters", "golden.units", "momentum parameters",
                       "[0]")
    adam, _ = fixture(adam_units_name(target.conventions.epsilon))
    adam_file = (lambda c: adam_units_name(c.epsilon))
    for case in sorted({k.split("/")[1] for k in adam if k.startswith("adam/case")}):
        base = f"adam/{case}"
        args = [group(adam, f"{base}/inputs/{n}") for n in ("parameters", "grads", "v", "s")]
        t = int(adam[f"{base}/inputs/t"])
        new = target.update_parameters_with_adam(*args, t, 0.01, 0.9, 0.999, 1e-8)
        for i, label in enumerate(("parameters", "v", "s")):
            _expect_golden(target, new[i], adam_file, f"{base}/outputs/{label}", "golden.units",
                           f"update_parameters_with_adam {label} (t = {t})", f"[{i}]")
    p = group(adam, "adam/sequence/inputs/parameters")
    v, s = zero_state(p), zero_state(p)
    for t in range(1, 6):
        p, v, s = target.update_parameters_with_adam(p, group(adam, f"adam/sequence/inputs/grads_t{t}"), v, s, t,
                                                     0.01, 0.9, 0.999, 1e-8)[:3]
        _expect_golden(target, p, adam_file, f"adam/sequence/outputs/parameters_t{t}", "golden.units",
                       f"update_parameters_with_adam after step t = {t} of the 5-step sequence", "[0]")


@verifies("golden.minibatches", calls=("random_mini_batches",))
def check_random_mini_batches_reproduce_the_golden_partitions(target):
    """Column indices of every batch equal golden/data/minibatches.json (seeds 11-13 and edge cases)."""
    entries, _ = fixture("minibatches.json")
    for case in sorted({k.split("/")[0] for k in entries}):
        m, size, seed = (int(entries[f"{case}/{n}"]) for n in ("m", "mini_batch_size", "seed"))
        X = np.arange(m, dtype=np.float64)[None, :]
        batches = target.random_mini_batches(X, np.arange(m)[None, :], size, seed)
        expected = [entries[f"{case}/batch{k}"] for k in range(int(entries[f"{case}/count"]))]
        got = [np.asarray(bx).reshape(-1).astype(np.int64) for bx, _ in batches]
        if len(got) != len(expected) or not all(np.array_equal(a, b) for a, b in zip(got, expected)):
            fail(target, "golden.minibatches", f"case {case} (m = {m}, mini_batch_size = {size}, seed = {seed}): "
                 f"yours {[g[:6].tolist() for g in got]} vs golden {[e[:6].tolist() for e in expected]} "
                 "(first 6 column indices of each batch)")


@verifies("golden.trajectory", calls=("model",))
def check_model_reproduces_the_golden_trajectory(target):
    """model(...) on the stored seed-3 moons ends epochs 1 and 10 at the golden parameters."""
    X, Y = moons()
    for optimizer in ("gd", "momentum", "adam"):
        for epochs in COMPARED_EPOCHS:
            yours, _ = target.model(X, Y, [2, 5, 2, 1], optimizer, num_epochs=epochs, print_cost=False)
            _expect_golden(target, yours, lambda c, o=optimizer: train_name(o, c.epsilon),
                           f"parameters_after_epoch_{epochs}", "golden.trajectory",
                           f"model(X, Y, [2, 5, 2, 1], '{optimizer}', num_epochs={epochs})")
