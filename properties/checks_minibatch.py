"""Checks of ``random_mini_batches`` (SPEC ``minibatch.*``)."""
from __future__ import annotations

import math

import numpy as np
from hypothesis import given

from . import assertions as ph
from . import strategies as hh
from .registry import check
from .target import Calls, ConformanceError

NEEDS = ("random_mini_batches",)
EDGE_CASES = [(1, 64), (5, 8), (8, 8), (2 * 4 + 1, 4), (300, 64)]     # m = 1, m < b, m = b, m = 2b + 1, course


def _edge_data(m, n_x=2):
    X = np.vstack([np.arange(m, dtype=np.float64), np.linspace(-1, 1, m)][:n_x])   # X[0, j] == j
    return X, np.arange(m)[None, :]


def _cases():
    """Run ``body(X, Y, size, seed)`` on the edge cases, then on Hypothesis-drawn data."""
    def decorate(body):
        def run(impl):
            for m, size in EDGE_CASES:
                X, Y = _edge_data(m)
                body(impl, X, Y, size, 11)
            given(hh.minibatch_data())(lambda data: body(impl, *data))()
        run.__doc__ = body.__doc__
        run.__name__ = body.__name__
        return run
    return decorate


def _snippet(impl, X, Y, size, seed):
    return ph.repro(impl, "batches = impl.module.random_mini_batches(X, Y, mini_batch_size, seed)\n"
                          "print([(bx.shape, by.shape) for bx, by in batches])",
                    X=X, Y=Y, mini_batch_size=size, seed=seed)


def _ids(impl, batches, X, Y, size, seed):
    """Column ids carried by each batch's X (row 0) and Y, checking the batches are 2-D."""
    out = []
    for k, (bx, by) in enumerate(batches):
        if bx.ndim != 2 or bx.shape[0] != X.shape[0]:
            ph.fail("minibatch.shapes", f"batch {k}: X batch has shape {bx.shape}, expected ({X.shape[0]}, size)",
                    _snippet(impl, X, Y, size, seed))
        if by.ndim != 2 or by.shape[0] != 1:
            ph.fail("minibatch.shapes", f"batch {k}: Y batch has shape {by.shape}, expected (1, size)",
                    _snippet(impl, X, Y, size, seed))
        out.append((bx[0].astype(np.int64), by[0].astype(np.int64)))
    return out


def _batches(impl, X, Y, size, seed, clause):
    return Calls(impl).minibatches(X, Y, size, seed, clause)


@check("minibatch.pairing", needs=NEEDS)
@_cases()
def check_minibatch_keeps_x_and_y_columns_paired(impl, X, Y, size, seed):
    """One permutation shuffles X and Y: each Y label stays with its X column."""
    batches = _batches(impl, X, Y, size, seed, "minibatch.pairing")
    for k, (x_ids, y_ids) in enumerate(_ids(impl, batches, X, Y, size, seed)):
        if x_ids.shape != y_ids.shape or not np.array_equal(x_ids, y_ids):
            ph.fail("minibatch.pairing", f"batch {k}: X columns {x_ids[:8].tolist()}... carry Y labels "
                    f"{y_ids[:8].tolist()}...; X and Y must be shuffled with the same permutation",
                    _snippet(impl, X, Y, size, seed))


@check("minibatch.partition", needs=NEEDS)
@_cases()
def check_minibatch_batches_partition_the_columns(impl, X, Y, size, seed):
    """Every column appears in exactly one batch."""
    ids = _ids(impl, _batches(impl, X, Y, size, seed, "minibatch.partition"), X, Y, size, seed)
    seen = np.concatenate([x for x, _ in ids]) if ids else np.array([], dtype=np.int64)
    m = X.shape[1]
    counts = np.bincount(seen[(seen >= 0) & (seen < m)], minlength=m)
    if len(seen) != m or not np.all(counts == 1):
        missing = np.flatnonzero(counts == 0)[:8].tolist()
        repeated = np.flatnonzero(counts > 1)[:8].tolist()
        ph.fail("minibatch.partition", f"the batches hold {len(seen)} columns for m = {m}; "
                f"missing {missing}, repeated {repeated} (first 8 of each)", _snippet(impl, X, Y, size, seed))


@check("minibatch.count", needs=NEEDS)
@_cases()
def check_minibatch_count_is_floor_plus_remainder(impl, X, Y, size, seed):
    """floor(m / b) full batches plus one when m % b > 0; m <= b gives one batch."""
    m = X.shape[1]
    expected = math.floor(m / size) + (m % size > 0)
    got = len(_batches(impl, X, Y, size, seed, "minibatch.count"))
    if got != expected:
        ph.fail("minibatch.count", f"m = {m}, mini_batch_size = {size}: {got} batches, expected "
                f"floor(m/b) + (m % b > 0) = {expected}", _snippet(impl, X, Y, size, seed))


@check("minibatch.shapes", needs=NEEDS)
@_cases()
def check_minibatch_shapes_are_full_then_remainder(impl, X, Y, size, seed):
    """Full batches have b columns, the last m % b; Y batches are (1, size)."""
    m = X.shape[1]
    batches = _batches(impl, X, Y, size, seed, "minibatch.shapes")
    sizes = [size] * (m // size) + ([m % size] if m % size else [])
    for k, (bx, by) in enumerate(batches):
        want = sizes[k] if k < len(sizes) else None
        if bx.shape != (X.shape[0], want) or by.shape != (1, want):
            ph.fail("minibatch.shapes", f"m = {m}, mini_batch_size = {size}: batch {k} has X {bx.shape} and "
                    f"Y {by.shape}, expected X {(X.shape[0], want)} and Y {(1, want)}",
                    _snippet(impl, X, Y, size, seed))


@check("minibatch.seed", needs=NEEDS)
@_cases()
def check_minibatch_order_is_the_seeded_permutation(impl, X, Y, size, seed):
    """After np.random.seed(seed) the shuffled order is np.random.permutation(m); same seed, same batches."""
    first = _batches(impl, X, Y, size, seed, "minibatch.seed")
    np.random.seed(12345)                    # disturb the global state: the target must seed it itself
    np.random.rand(3)
    second = _batches(impl, X, Y, size, seed, "minibatch.seed")
    if len(first) != len(second) or not all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
                                            for a, b in zip(first, second)):
        ph.fail("minibatch.seed", f"two calls with seed {seed} gave different batches "
                "(np.random.seed(seed) must be called inside, before the permutation)",
                _snippet(impl, X, Y, size, seed))
    np.random.seed(seed)
    permutation = np.random.permutation(X.shape[1])
    ids = _ids(impl, first, X, Y, size, seed)
    order = np.concatenate([x for x, _ in ids]) if ids else np.array([], dtype=np.int64)
    # a missing batch is minibatch.partition's business: compare the columns that are there
    if len(order) > len(permutation) or not np.array_equal(order, permutation[:len(order)]):
        ph.fail("minibatch.seed", f"column order {order[:10].tolist()}... differs from "
                f"np.random.permutation(m) after np.random.seed({seed}): {permutation[:10].tolist()}...",
                _snippet(impl, X, Y, size, seed))


@check("minibatch.no-mutation", needs=NEEDS)
@_cases()
def check_minibatch_leaves_x_and_y_untouched(impl, X, Y, size, seed):
    """X and Y are not shuffled in place (the call compares them with a snapshot)."""
    try:
        _batches(impl, X, Y, size, seed, "minibatch.no-mutation")
    except ConformanceError as error:
        if error.clause == "minibatch.no-mutation":
            ph.fail("minibatch.no-mutation", str(error).split("] ", 1)[1], _snippet(impl, X, Y, size, seed))
        # other failures are other clauses' business
