"""Seeds of run r, and what they draw: He initialisation and each epoch's permutation.

Run r is the reference's ``train(..., init_seed=init_seed(r), first_seed=first_seed(r, num_epochs))``:

    init_seed(r)      = 3 + r                                   # run 0: the course's 3
    first_seed(r, E)  = 11 + r * stride(E),  stride(E) = max(10000, E)
    epoch i of run r  : random_mini_batches(..., seed=first_seed(r, E) + i)

Run r's mini-batch seeds are the interval ``[11 + r*stride, 11 + r*stride + E)``; the intervals of two
runs never overlap because ``E <= stride``. Up to the course's 10000 epochs the stride is 10000 and
does not depend on E, so a run with fewer epochs is a prefix of the same run with more. Every seed
must be below 2**32 (``np.random.seed``'s limit), which bounds the number of runs
(``max_runs(E)``: 429496 runs at 10000 epochs).

The draws never touch numpy's global random state: ``np.random.RandomState(seed)`` draws the same
stream as ``np.random.seed(seed)`` followed by ``np.random.*`` (both seed MT19937 with
``init_genrand(seed)``), and ``RandomState.seed(s)`` re-seeds one object without allocating.
"""
from __future__ import annotations

import numpy as np

COURSE_INIT_SEED = 3
COURSE_FIRST_SEED = 11
MIN_STRIDE = 10000
SEED_LIMIT = 2 ** 32             # np.random.seed accepts 0 .. 2**32 - 1


def init_seed(run):
    """He-initialisation seed of run ``run`` (the course's 3 for run 0)."""
    return COURSE_INIT_SEED + run


def stride(num_epochs):
    """Distance between the first mini-batch seeds of consecutive runs."""
    return max(MIN_STRIDE, num_epochs)


def first_seed(run, num_epochs):
    """Epoch 0's mini-batch seed of run ``run`` (the course's 11 for run 0)."""
    return COURSE_FIRST_SEED + run * stride(num_epochs)


def max_runs(num_epochs):
    """The number of runs whose every seed is below 2**32."""
    return (SEED_LIMIT - COURSE_FIRST_SEED - num_epochs) // stride(num_epochs) + 1


def check_runs(runs, num_epochs):
    """``runs`` as a list of distinct non-negative ints whose seeds all fit, else ValueError."""
    runs = [int(r) for r in runs]
    if not runs:
        raise ValueError("runs: at least one run is needed")
    if len(set(runs)) != len(runs) or min(runs) < 0:
        raise ValueError(f"runs: expected distinct non-negative run indices, got {runs[:10]}...")
    if max(runs) >= max_runs(num_epochs):
        raise ValueError(f"runs: run {max(runs)} needs mini-batch seeds above 2**32 - 1 at {num_epochs} epochs "
                         f"(at most {max_runs(num_epochs)} runs)")
    return runs


def he_parameters(layers_dims, run):
    """``reference.initialize_parameters(layers_dims, seed=init_seed(run))``, without the global state.

    ``W_l = randn(n_l, n_{l-1}) * sqrt(2 / n_{l-1})``, ``b_l = 0``, drawn layer by layer.
    Returns a flat float64 vector ``[W1.ravel(), b1.ravel(), ..., WL.ravel(), bL.ravel()]``.
    """
    rs = np.random.RandomState(init_seed(run))
    parts = []
    for l in range(1, len(layers_dims)):
        n_l, n_prev = layers_dims[l], layers_dims[l - 1]
        parts.append((rs.randn(n_l, n_prev) * np.sqrt(2 / n_prev)).ravel())     # (n_l * n_{l-1},)
        parts.append(np.zeros(n_l))                                             # (n_l,)
    return np.concatenate(parts)


class Permutations:
    """Epoch i's column permutation of each run: ``RandomState(first_seed(r, E) + i).permutation(m)``."""

    def __init__(self, runs, m, num_epochs):
        self.first = np.array([first_seed(r, num_epochs) for r in runs], dtype=np.int64)   # (R,)
        self.m = m
        self._rs = np.random.RandomState()
        self._columns = np.arange(m)

    def epoch(self, i):
        """(R, m) int array: row r is run r's permutation of the m columns in epoch i."""
        out = np.empty((len(self.first), self.m), dtype=np.intp)
        rs = self._rs
        for k, s in enumerate(self.first):
            rs.seed(int(s) + i)                  # == np.random.seed(s + i)
            out[k] = self._columns
            rs.shuffle(out[k])                   # == np.random.permutation(m): arange(m), then shuffle
        return out
