"""Conformance against the golden fixtures (SPEC ``golden.*``): the target reproduces the recorded
reference outputs, within each key's rule from golden/manifest.json (float32 targets: the
manifest's float32 rule)."""
from __future__ import annotations

import functools

import numpy as np

import golden

from . import assertions as ph
from .checks_updates import placement_diagnosis
from .registry import check
from .target import Calls, ConformanceError
from .unit_cases import zero_state

FILE_OF_ADAM = {"seed": "units_adam_seed.json", "course": "units_adam_course.json"}
OTHER_PROFILE = {"seed": "course", "course": "seed"}
COMPARED_EPOCHS = (1, 10)      # of golden.fixtures.SNAPSHOT_EPOCHS: cheap enough for every check run


@functools.lru_cache(maxsize=None)
def _fixture(name):
    """A verified fixture and the manifest, read once per process (every comparison reuses them)."""
    try:
        return golden.load(name), golden.read_manifest()
    except golden.GoldenError as error:
        raise ConformanceError("golden.integrity", str(error)) from None


def group(entries, prefix):
    """{'W1': array, ...} from flat keys 'prefix/W1', ...."""
    return {k[len(prefix) + 1:]: v for k, v in entries.items() if k.startswith(prefix + "/")
            and "/" not in k[len(prefix) + 1:]}


def _compare(impl, yours, entries, prefix, manifest, name, clause, what):
    expected = group(entries, prefix)
    rules = manifest["files"][name]["keys"]
    float32 = isinstance(yours, dict) and any(getattr(a, "dtype", None) == np.float32 for a in yours.values())
    rtol = manifest["float32"]["rtol"] if float32 else max(rules[f"{prefix}/{k}"]["rtol"] for k in expected)
    atol = 0.0 if float32 else max(rules[f"{prefix}/{k}"]["atol"] for k in expected)
    scale = atol / rtol if rtol else 0.0
    ph.assert_close(yours, expected, clause=clause, what=f"{what} vs golden/data/{name}:{prefix}",
                    rtol=rtol, scales={k: scale for k in expected},
                    snippet=ph.repro(impl, [f"import golden; fixture = golden.load({name!r})",
                                            f"# inputs and expected outputs: fixture['{prefix}/...'] and its inputs"]))


def _compare_adam(impl, yours, name_for, prefix, clause, what):
    """As ``_compare`` against the profile's Adam fixture; a mismatch that the *other* profile's fixture
    explains is reported as ``adam.epsilon-placement``, with the diagnosis."""
    entries, manifest = _fixture(name_for(impl.profile))
    try:
        _compare(impl, yours, entries, prefix, manifest, name_for(impl.profile), clause, what)
    except ConformanceError as error:
        other = name_for(OTHER_PROFILE[impl.profile])
        other_entries, other_manifest = _fixture(other)
        try:
            _compare(impl, yours, other_entries, prefix, other_manifest, other, clause, what)
        except ConformanceError:
            raise error from None
        diagnosis = placement_diagnosis(impl)
        raise ConformanceError("adam.epsilon-placement", f"{str(error).split('] ', 1)[1]}\n  Diagnosis: {diagnosis}"
                               f" (yours matches golden/data/{other})", diagnosis) from None


@check("golden.units", needs=("update_parameters_with_gd", "update_parameters_with_momentum",
                              "update_parameters_with_adam"))
def check_update_functions_reproduce_the_golden_unit_cases(impl):
    """gd, momentum and Adam (the profile's file) reproduce golden/data/units*.json, one step and 5 steps."""
    calls = Calls(impl)
    entries, manifest = _fixture("units.json")
    for case in [k.split("/")[1] for k in entries if k.startswith("gd/case") and k.endswith("inputs/parameters/W1")]:
        base = f"gd/{case}"
        p, g = group(entries, f"{base}/inputs/parameters"), group(entries, f"{base}/inputs/grads")
        _compare(impl, calls.gd(p, g, 0.01, clause="golden.units"), entries, f"{base}/outputs/parameters", manifest,
                 "units.json", "golden.units", "update_parameters_with_gd")
        base = f"momentum/{case}"
        new_p, new_v = calls.momentum(p, g, group(entries, f"{base}/inputs/v"), 0.9, 0.01, clause="golden.units")
        _compare(impl, new_v, entries, f"{base}/outputs/v", manifest, "units.json", "golden.units",
                 "update_parameters_with_momentum v")
        _compare(impl, new_p, entries, f"{base}/outputs/parameters", manifest, "units.json", "golden.units",
                 "update_parameters_with_momentum parameters")
    adam, _ = _fixture(FILE_OF_ADAM[impl.profile])
    name_for = FILE_OF_ADAM.get
    for case in sorted({k.split("/")[1] for k in adam if k.startswith("adam/case")}):
        base = f"adam/{case}"
        args = [group(adam, f"{base}/inputs/{n}") for n in ("parameters", "grads", "v", "s")]
        t = int(adam[f"{base}/inputs/t"])
        new = calls.adam(*args, t, 0.01, 0.9, 0.999, 1e-8, clause="golden.units")
        for label, value in zip(("parameters", "v", "s"), new):
            _compare_adam(impl, value, name_for, f"{base}/outputs/{label}", "golden.units",
                          f"update_parameters_with_adam {label} (t = {t})")
    p = group(adam, "adam/sequence/inputs/parameters")
    v, s = zero_state(p), zero_state(p)
    for t in range(1, 6):
        p, v, s = calls.adam(p, group(adam, f"adam/sequence/inputs/grads_t{t}"), v, s, t, 0.01, 0.9, 0.999, 1e-8,
                             clause="golden.units")
        _compare_adam(impl, p, name_for, f"adam/sequence/outputs/parameters_t{t}", "golden.units",
                      f"update_parameters_with_adam after step t = {t} of the 5-step sequence")


@check("golden.minibatches", needs=("random_mini_batches",))
def check_random_mini_batches_reproduce_the_golden_partitions(impl):
    """Column indices of every batch equal golden/data/minibatches.json (seeds 11-13 and edge cases)."""
    entries, _ = _fixture("minibatches.json")
    for case in sorted({k.split("/")[0] for k in entries}):
        m, size, seed = (int(entries[f"{case}/{n}"]) for n in ("m", "mini_batch_size", "seed"))
        X = np.arange(m, dtype=np.float64)[None, :]
        batches = Calls(impl).minibatches(X, np.arange(m)[None, :], size, seed, "golden.minibatches")
        expected = [entries[f"{case}/batch{k}"] for k in range(int(entries[f"{case}/count"]))]
        got = [np.asarray(bx).reshape(-1).astype(np.int64) for bx, _ in batches]
        if len(got) != len(expected) or not all(np.array_equal(a, b) for a, b in zip(got, expected)):
            ph.fail("golden.minibatches", f"case {case} (m = {m}, mini_batch_size = {size}, seed = {seed}): "
                    f"yours {[g[:6].tolist() for g in got]} vs golden {[e[:6].tolist() for e in expected]} "
                    "(first 6 column indices of each batch)",
                    ph.repro(impl, [f"X = np.arange({m}, dtype=float)[None, :]",
                                    f"print(impl.module.random_mini_batches(X, X.astype(int), {size}, {seed}))"]))


@check("golden.trajectory", needs=("model",))
def check_model_reproduces_the_golden_trajectory(impl):
    """model(...) on the stored seed-3 moons ends epochs 1 and 10 at the golden parameters."""
    data, _ = _fixture("dataset.json")
    X, Y = data["X"], data["Y"]
    for optimizer in ("gd", "momentum", "adam"):
        name = f"train_{optimizer}.json" if optimizer != "adam" else f"train_adam_{impl.profile}.json"
        entries, manifest = _fixture(name)
        for epochs in COMPARED_EPOCHS:
            yours = impl.call("model", X, Y, [2, 5, 2, 1], optimizer, num_epochs=epochs, print_cost=False,
                              clause="golden.trajectory", protect=(0, 1), **impl.placement_kwargs("model"))
            if isinstance(yours, tuple):
                yours = yours[0]
            what = f"model(..., '{optimizer}', num_epochs={epochs})"
            if optimizer == "adam":
                _compare_adam(impl, yours, lambda profile: f"train_adam_{profile}.json",
                              f"parameters_after_epoch_{epochs}", "golden.trajectory", what)
            else:
                _compare(impl, yours, entries, f"parameters_after_epoch_{epochs}", manifest, name,
                         "golden.trajectory", what)
