"""``train_batched``: ``lanes = arms x runs`` independent trainings advanced together.

An *arm* is one optimizer with its hyperparameters (``Arm("momentum", learning_rate=0.007, beta=0.9)``);
a *run* is a pair of seeds (``seeds.init_seed(r)``, ``seeds.first_seed(r, E)``). All arms of run r
see the same initialisation and the same mini-batches, as ``reference.train`` called with run r's
seeds would. The epoch loop is the reference's (``reference.training.train``); ``step`` holds one
mini-batch and ``updates`` the optimizers.

Runs are trained in chunks (lanes never interact, so the chunking changes no bit of any result),
and on the numpy backend the chunks are spread over worker processes: numpy releases the GIL
only inside its loops, and at these array sizes two threads in one process run no faster than one.
"""
from __future__ import annotations

import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, wait, FIRST_COMPLETED
from dataclasses import dataclass, field

import numpy as np

from .. import optimizers as ref_opt
from . import seeds as seedmod
from .backend import make_ops
from .step import Buffers, Layout, bias_folds, forward_backward
from .updates import Updates

OPTIMIZERS = ("gd", "momentum", "adam")
CHUNK_RUNS = 50                  # numpy: runs per chunk (3 arms x 50 runs of work arrays fit a core's L2 cache)
PROCESS_MIN_LANE_STEPS = 3e6     # below this much work (about 10 s on one core) processes cost more than they save


@dataclass(frozen=True)
class Arm:
    """One optimizer and its hyperparameters (``reference.train``'s names and defaults)."""
    optimizer: str
    learning_rate: float = 0.0007
    beta: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"Arm: optimizer must be one of {', '.join(OPTIMIZERS)}, got {self.optimizer!r}")
        for name in ("learning_rate", "epsilon"):
            value = getattr(self, name)
            if isinstance(value, bool) or not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"Arm: {name} must be a finite number >= 0, got {value!r}")
        for name in ("beta", "beta1", "beta2"):
            value = getattr(self, name)
            if isinstance(value, bool) or not (isinstance(value, (int, float)) and 0 <= value < 1):
                raise ValueError(f"Arm: {name} must be in [0, 1), got {value!r}")


@dataclass
class BatchedResult:
    """What ``train_batched`` returns; lane (a, k) is arm ``arms[a]`` trained with run ``runs[k]``.

    parameters:      {"W1": (A, R, n_1, n_0), "b1": (A, R, n_1, 1), ...} numpy arrays.
    epoch_costs:     (A, R, E) sum of the epoch's batch cost sums / m (``TrainResult.epoch_costs``).
    minibatch_sums:  (A, R, E, batches) summed cross-entropy of each mini-batch, or None if not recorded.
    minibatch_costs: the same / batch size (``TrainResult.minibatch_costs``), or None.
    learning_rates:  (A, E) learning rate after epoch i.
    t:               Adam's step counter after the last update (the same for every lane).
    seeds:           {"init": [init_seed of each run], "first": [first mini-batch seed of each run]}.
    """
    arms: list
    runs: list
    parameters: dict
    epoch_costs: np.ndarray
    learning_rates: np.ndarray
    t: int
    batch_sizes: list
    minibatch_sums: np.ndarray | None = None
    backend: str = "numpy"
    seeds: dict = field(default_factory=dict)

    @property
    def minibatch_costs(self):
        if self.minibatch_sums is None:
            return None
        return self.minibatch_sums / np.asarray(self.batch_sizes, dtype=np.float64)

    def lane(self, arm, k):
        """Lane (arm index, run position k) shaped as ``reference.train``'s ``TrainResult`` fields."""
        out = {"parameters": {name: v[arm, k] for name, v in self.parameters.items()},
               "epoch_costs": self.epoch_costs[arm, k], "learning_rates": self.learning_rates[arm]}
        if self.minibatch_sums is not None:
            out["minibatch_sums"] = self.minibatch_sums[arm, k]
            out["minibatch_costs"] = self.minibatch_costs[arm, k]
        return out


def _decay_function(decay):
    if decay is None or callable(decay):
        return decay
    if decay not in ref_opt.DECAYS:
        raise ValueError(f"decay must be None, a function or one of {', '.join(ref_opt.DECAYS)}, got {decay!r}")
    return ref_opt.DECAYS[decay]


def _check(X, Y, layers_dims, mini_batch_size, num_epochs, epsilon_placement):
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y)
    if X.ndim != 2 or Y.shape != (1, X.shape[1]):
        raise ValueError(f"X must be (n_x, m) and Y (1, m), got {X.shape} and {Y.shape}")
    dims = tuple(int(n) for n in layers_dims)
    if len(dims) < 2 or dims[0] != X.shape[0] or dims[-1] != 1 or min(dims) < 1:
        raise ValueError(f"layers_dims must start with X's {X.shape[0]} features and end with 1, got {layers_dims}")
    for name, value in (("mini_batch_size", mini_batch_size), ("num_epochs", num_epochs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if epsilon_placement not in ref_opt.EPSILON_PLACEMENTS:
        raise ValueError(f"epsilon_placement must be one of {ref_opt.EPSILON_PLACEMENTS}, got {epsilon_placement!r}")
    return X, Y, dims


def train_batched(X, Y, arms, runs, *, layers_dims=(2, 5, 2, 1), num_epochs=10000, mini_batch_size=64,
                  epsilon_placement="inside", decay=None, decay_rate=1, record_minibatches=True,
                  backend="numpy", device=None, workers=None, chunk_runs=None, callback=None):
    """Train every arm on every run; lane (a, r) equals ``reference.train`` with run r's seeds.

    Args:
        X, Y: (n_x, m) inputs and (1, m) 0/1 labels, as for ``reference.train``.
        arms: list of ``Arm`` (or optimizer names, for the defaults).
        runs: an int R (runs 0..R-1) or a list of run indices; ``seeds`` says what run r draws.
        num_epochs, mini_batch_size, epsilon_placement, decay, decay_rate: as ``reference.train``.
        record_minibatches: keep the (A, R, E, batches) mini-batch cost sums.
        backend, device: ``"numpy"`` (bit-identical to the reference) or ``"torch"`` (CPU or CUDA).
        workers: processes for the numpy backend (None: one per CPU, at most 2, when the work is
            large enough to pay for starting them; 1: this process only).
        chunk_runs: runs per chunk (numpy: ``CHUNK_RUNS``; torch: all at once).
        callback: ``callback(n)`` each time n more run-epochs are done (progress bars).
    """
    arms = [a if isinstance(a, Arm) else Arm(a) for a in arms]
    if not arms:
        raise ValueError("arms: at least one arm is needed")
    X, Y, dims = _check(X, Y, layers_dims, mini_batch_size, num_epochs, epsilon_placement)
    runs = seedmod.check_runs(range(runs) if isinstance(runs, int) else runs, num_epochs)
    decay_fn = _decay_function(decay)
    make_ops(backend, device)                                           # a bad backend fails here
    if chunk_runs is None:
        chunk_runs = CHUNK_RUNS if backend == "numpy" else len(runs)
    lane_steps = len(arms) * len(runs) * num_epochs * math.ceil(X.shape[1] / mini_batch_size)
    if workers is None:
        big = backend == "numpy" and lane_steps >= PROCESS_MIN_LANE_STEPS and (decay is None or isinstance(decay, str))
        workers = min(2, os.cpu_count() or 1) if big else 1
    n_chunks = max(math.ceil(len(runs) / chunk_runs), workers if len(runs) >= workers else 1)
    size = math.ceil(len(runs) / n_chunks)
    chunks = [runs[i:i + size] for i in range(0, len(runs), size)]
    options = dict(dims=dims, num_epochs=num_epochs, mini_batch_size=mini_batch_size,
                   epsilon_placement=epsilon_placement, decay=decay_fn if workers <= 1 else decay,
                   decay_rate=decay_rate, record_minibatches=record_minibatches, backend=backend, device=device)
    if workers <= 1:
        parts = [train_chunk(X, Y, arms, chunk, callback=callback, **options) for chunk in chunks]
    else:
        parts = _in_processes(X, Y, arms, chunks, options, workers, callback)
    return _concatenate(parts)


def _in_processes(X, Y, arms, chunks, options, workers, callback):
    """``train_chunk`` of each chunk in ``workers`` processes; progress through a shared counter.

    Forked where the platform can (a spawned worker would re-import the caller's ``__main__``)."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    done = context.Value("q", 0)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_init,
                             initargs=(done,)) as pool:
        futures = [pool.submit(_worker_chunk, X, Y, arms, chunk, options) for chunk in chunks]
        pending, reported = set(futures), 0
        while pending:
            _, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            if callback is not None and done.value > reported:
                callback(done.value - reported)
                reported = done.value
        return [f.result() for f in futures]


_PROGRESS = None


def _worker_init(counter):
    global _PROGRESS
    _PROGRESS = counter


def _worker_chunk(X, Y, arms, chunk, options):
    options = dict(options, decay=_decay_function(options["decay"]))

    def progress(n):
        with _PROGRESS.get_lock():
            _PROGRESS.value += n
    return train_chunk(X, Y, arms, chunk, callback=progress, **options)


def _concatenate(parts):
    first = parts[0]
    if len(parts) == 1:
        return first
    cat = lambda xs: np.concatenate(xs, axis=1)                         # noqa: E731  along the run axis
    return BatchedResult(
        first.arms, [r for p in parts for r in p.runs],
        {k: cat([p.parameters[k] for p in parts]) for k in first.parameters},
        cat([p.epoch_costs for p in parts]), first.learning_rates, first.t, first.batch_sizes,
        None if first.minibatch_sums is None else cat([p.minibatch_sums for p in parts]), first.backend,
        {k: [s for p in parts for s in p.seeds[k]] for k in first.seeds})


def train_chunk(X, Y, arms, runs, *, dims, num_epochs, mini_batch_size, epsilon_placement, decay,
                decay_rate, record_minibatches, backend, device, callback=None):
    """The reference's epoch loop for the lanes ``arms x runs``, in this thread (no validation)."""
    ops = make_ops(backend, device)
    A, R, m = len(arms), len(runs), X.shape[1]
    layout = Layout(dims)
    starts = list(range(0, m, mini_batch_size))
    sizes = [min(mini_batch_size, m - s) for s in starts]
    fold = bias_folds(tuple(dims), tuple(sorted(set(sizes)))) if backend == "numpy" else True

    init = np.stack([seedmod.he_parameters(dims, r) for r in runs])     # (R, size) W1, b1, W2, ...
    init = np.stack([layout.flat(_unflatten(row, dims)) for row in init])
    P_flat = ops.asarray(np.broadcast_to(init, (A, R, layout.size)))    # (A, R, size)
    G_flat = ops.zeros((A, R, layout.size))
    P, G = layout.views(P_flat), layout.views(G_flat)
    update = Updates(ops, arms, R, layout.size, epsilon_placement)
    buffers = {b: Buffers(ops, A, R, dims, b) for b in set(sizes)}
    perms = seedmod.Permutations(runs, m, num_epochs)
    X1 = np.concatenate([X, np.ones((1, m))])                           # (n_x + 1, m): [X; 1]
    labels = Y[0].astype(np.float64)                                    # (m,)
    shuffled, Ys, Ym1s = np.empty((X1.shape[0], R, m)), np.empty((R, 1, m)), np.empty((R, 1, m))

    epoch_costs = np.empty((A, R, num_epochs))
    sums = np.empty((A, R, num_epochs, len(sizes))) if record_minibatches else None
    learning_rates = np.empty((A, num_epochs))
    lr0 = [arm.learning_rate for arm in arms]
    rates = list(lr0)
    batch_sums = ops.zeros((len(sizes), A, R))
    t = 0
    with ops.errstate():
        for i in range(num_epochs):
            perm = perms.epoch(i)                                       # (R, m)
            np.take(X1, perm, axis=1, out=shuffled)                     # (n_x + 1, R, m) shuffled columns
            np.take(labels, perm, out=Ys[:, 0, :])                      # (R, 1, m)
            np.subtract(Ys, 1.0, out=Ym1s)
            Xs = ops.asarray_view(np.swapaxes(shuffled, 0, 1))          # (R, n_x + 1, m)
            Yf, Ym1 = ops.asarray_view(Ys), ops.asarray_view(Ym1s)
            for k, (s0, b) in enumerate(zip(starts, sizes)):
                cols = slice(s0, s0 + b)
                batch_sums[k] = forward_backward(ops, P, G, buffers[b], Xs[..., cols], Yf[..., cols],
                                                 Ym1[..., cols], b, fold)
                t += 1                                                  # Adam's t: every update, never reset
                update(P_flat, G_flat, t)
            host = ops.to_numpy(batch_sums)                             # (batches, A, R)
            total = np.zeros((A, R))                                    # cost_total = 0.0; += S_k in order
            for k in range(len(sizes)):
                total += host[k]
            epoch_costs[..., i] = total / m
            if sums is not None:
                sums[:, :, i, :] = np.moveaxis(host, 0, -1)
            if decay:
                rates = [decay(rate0, i, decay_rate) for rate0 in lr0]
                update.set_learning_rates(rates)
            learning_rates[:, i] = rates
            if callback is not None:
                callback(R)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = np.array(ops.to_numpy(P[f"W{l}"]))
        parameters[f"b{l}"] = np.array(ops.to_numpy(P[f"b{l}"]))
    return BatchedResult(arms, runs, parameters, epoch_costs, learning_rates, t, sizes, sums, ops.name,
                         {"init": [seedmod.init_seed(r) for r in runs],
                          "first": [seedmod.first_seed(r, num_epochs) for r in runs]})


def _unflatten(row, dims):
    """{"W1", "b1", ...} from ``seeds.he_parameters``' flat vector."""
    out, start = {}, 0
    for l in range(1, len(dims)):
        n_l, n_prev = dims[l], dims[l - 1]
        out[f"W{l}"] = row[start:start + n_l * n_prev].reshape(n_l, n_prev)
        start += n_l * n_prev
        out[f"b{l}"] = row[start:start + n_l].reshape(n_l, 1)
        start += n_l
    return out
