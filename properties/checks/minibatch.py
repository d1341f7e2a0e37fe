"""Checks of ``random_mini_batches`` (SPEC ``minibatch.*``)."""
from __future__ import annotations

import math

import numpy as np

from .. import strategies as hh
from ..casework import fail, require_observed_mutations
from ..failures import ConformanceError
from ..registry import verifies
from ..settings import for_all

CALLS = ("random_mini_batches",)
# m = 1, m < b, m = b, m = 2b + 1, m % b == 0 with several batches, the course's 300 / 64
EDGE_CASES = [(1, 64), (5, 8), (8, 8), (2 * 4 + 1, 4), (12, 4), (300, 64)]


def _edge_data(m, n_x=2):
    X = np.vstack([np.arange(m, dtype=np.float64), np.linspace(-1, 1, m)][:n_x])   # X[0, j] == j
    return X, np.arange(m)[None, :]


def _on_cases(body):
    """Run ``body(target, X, Y, size, seed)`` on the edge cases, then on Hypothesis-drawn data."""
    def run(target):
        for m, size in EDGE_CASES:
            X, Y = _edge_data(m)
            body(target, X, Y, size, 11)
        for_all(hh.minibatch_data())(lambda data: body(target, *data))()
    run.__doc__, run.__name__ = body.__doc__, body.__name__
    return run


def _ids(target, batches, X):
    """Column ids carried by each batch's X (row 0) and Y, checking the batches are 2-D."""
    out = []
    for k, (bx, by) in enumerate(batches):
        if bx.ndim != 2 or bx.shape[0] != X.shape[0]:
            fail(target, "minibatch.shapes", f"batch {k}: X batch has shape {bx.shape}, expected "
                 f"({X.shape[0]}, size)", output=f"[{k}][0].shape")
        if by.ndim != 2 or by.shape[0] != 1:
            fail(target, "minibatch.shapes", f"batch {k}: Y batch has shape {by.shape}, expected (1, size)",
                 output=f"[{k}][1].shape")
        out.append((bx[0].astype(np.int64), by[0].astype(np.int64)))
    return out


@verifies("minibatch.seed", calls=CALLS)
@_on_cases
def check_minibatch_order_is_the_seeded_permutation(target, X, Y, size, seed):
    """After np.random.seed(seed) the shuffled order is np.random.permutation(m); same seed, same batches."""
    first = target.random_mini_batches(X, Y, size, seed)
    second = target.random_mini_batches(X, Y, size, seed)
    if len(first) != len(second) or not all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
                                            for a, b in zip(first, second)):
        fail(target, "minibatch.seed", f"two calls with seed {seed} gave different batches "
             "(np.random.seed(seed) must be called inside, before the permutation)")
    permutation = np.random.RandomState(seed).permutation(X.shape[1])      # what np.random.seed(seed) gives
    ids = _ids(target, first, X)
    order = np.concatenate([x for x, _ in ids]) if ids else np.array([], dtype=np.int64)
    # a missing batch is minibatch.partition's business: compare the columns that are there
    if len(order) > len(permutation) or not np.array_equal(order, permutation[:len(order)]):
        m = X.shape[1]
        more = "..." if m > 10 else ""
        fail(target, "minibatch.seed", f"random_mini_batches(X, Y, {size}, {seed}) with m = {m} columns: the columns "
             f"come in the order {order[:10].tolist()}{'...' if len(order) > 10 else ''}, not "
             f"np.random.permutation({m}) after np.random.seed({seed}): {permutation[:10].tolist()}{more}",
             output="", expected=permutation[:10].tolist())


@verifies("minibatch.pairing", calls=CALLS)
@_on_cases
def check_minibatch_keeps_x_and_y_columns_paired(target, X, Y, size, seed):
    """One permutation shuffles X and Y: each Y label stays with its X column."""
    batches = target.random_mini_batches(X, Y, size, seed)
    for k, (x_ids, y_ids) in enumerate(_ids(target, batches, X)):
        if x_ids.shape != y_ids.shape or not np.array_equal(x_ids, y_ids):
            fail(target, "minibatch.pairing", f"batch {k}: X columns {x_ids[:8].tolist()}... carry Y labels "
                 f"{y_ids[:8].tolist()}...; X and Y must be shuffled with the same permutation",
                 output=f"[{k}][1]")


@verifies("minibatch.partition", calls=CALLS)
@_on_cases
def check_minibatch_batches_partition_the_columns(target, X, Y, size, seed):
    """Every column appears in exactly one batch."""
    ids = _ids(target, target.random_mini_batches(X, Y, size, seed), X)
    seen = np.concatenate([x for x, _ in ids]) if ids else np.array([], dtype=np.int64)
    m = X.shape[1]
    counts = np.bincount(seen[(seen >= 0) & (seen < m)], minlength=m)
    if len(seen) != m or not np.all(counts == 1):
        missing = np.flatnonzero(counts == 0)[:8].tolist()
        repeated = np.flatnonzero(counts > 1)[:8].tolist()
        fail(target, "minibatch.partition", f"m = {m}, mini_batch_size = {size}: the batches hold {len(seen)} "
             f"columns; missing {missing}, repeated {repeated} (first 8 of each)",
             output="", expected=m, yours=len(seen))


@verifies("minibatch.count", calls=CALLS)
@_on_cases
def check_minibatch_count_is_floor_plus_remainder(target, X, Y, size, seed):
    """floor(m / b) full batches plus one when m % b > 0; m <= b gives one batch; no empty batch."""
    m = X.shape[1]
    expected = math.floor(m / size) + (m % size > 0)
    got = len(target.random_mini_batches(X, Y, size, seed))
    if got != expected:
        fail(target, "minibatch.count", f"m = {m}, mini_batch_size = {size}: {got} batches, expected "
             f"floor(m/b) + (m % b > 0) = {expected}", yours=got, expected=expected, output="len(out)")


@verifies("minibatch.shapes", calls=CALLS)
@_on_cases
def check_minibatch_shapes_are_full_then_remainder(target, X, Y, size, seed):
    """Full batches have b columns, the last m % b; Y batches are (1, size)."""
    m = X.shape[1]
    batches = target.random_mini_batches(X, Y, size, seed)
    sizes = [size] * (m // size) + ([m % size] if m % size else [])
    for k, (bx, by) in enumerate(batches):
        want = sizes[k] if k < len(sizes) else None
        if bx.shape != (X.shape[0], want) or by.shape != (1, want):
            fail(target, "minibatch.shapes", f"m = {m}, mini_batch_size = {size}: batch {k} has X {bx.shape} and "
                 f"Y {by.shape}, expected X {(X.shape[0], want)} and Y {(1, want)}", output=f"[{k}][0].shape")


@verifies("minibatch.no-mutation", calls=CALLS)
@_on_cases
def check_minibatch_leaves_x_and_y_untouched(target, X, Y, size, seed):
    """X and Y are not shuffled in place (the harness compares them with a snapshot)."""
    try:
        target.random_mini_batches(X, Y, size, seed)
    except ConformanceError as error:
        if error.failure.clause == "minibatch.no-mutation":
            raise
        return                                   # other failures are other clauses' business
    require_observed_mutations(target)
