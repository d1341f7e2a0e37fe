"""The reference's training runs that the ``model`` checks compare with, computed once.

Remembered per process (every target checked in one process, optoracle's own tests and the diagnosis's
candidates among them, is compared with the same few runs), and the long ones (``LONG`` updates or more:
the 1001-epoch and 2100-update runs) also on disk, in ``$OPTORACLE_CACHE/reference-runs`` (default
``~/.cache/optoracle``), keyed by the reference's source, numpy's version and every argument: a change
to any of them trains anew. A missing, unreadable or foreign file is trained anew and written again;
a cache that cannot be written changes nothing but the time.
"""
from __future__ import annotations

import functools
import hashlib
import os
import zipfile

import numpy as np

import reference as ref

from .cache import cache_dir, store

LONG = 1000                        # updates from which a run is worth a file
_RUNS = {}
_ARRAYS = ("minibatch_costs", "epoch_costs", "minibatch_sums", "learning_rates")


def train(X, Y, optimizer, placement, decay=None, decay_rate=1, layers=(2, 5, 2, 1), **kwargs):
    """``reference.train(X, Y, layers, optimizer, epsilon_placement=placement, ...)``, shared: callers only
    read the result."""
    key = (X.tobytes(), X.shape, Y.tobytes(), optimizer, placement, decay, decay_rate, tuple(layers),
           tuple(sorted(kwargs.items())))
    if key not in _RUNS:
        if len(_RUNS) >= 64:
            _RUNS.clear()
        _RUNS[key] = _train(X, Y, optimizer, placement, decay, decay_rate, layers, kwargs, key)
    return _RUNS[key]


def _train(X, Y, optimizer, placement, decay, decay_rate, layers, kwargs, key):
    def run():
        return ref.train(X, Y, list(layers), optimizer, epsilon_placement=placement, decay=decay,
                         decay_rate=decay_rate, **kwargs)
    if updates(X.shape[1], kwargs) < LONG:
        return run()
    path = os.path.join(_folder(), f"{_digest(key)}.npz")
    result = _load(path, optimizer)
    if result is None:
        result = run()
        _store(path, result)
    return result


def updates(m, kwargs):
    """How many updates a run with ``kwargs`` makes on m columns (the reference's defaults where absent)."""
    return kwargs.get("num_epochs", 10000) * -(-m // kwargs.get("mini_batch_size", 64))


def _folder():
    return os.path.join(cache_dir(), "reference-runs")


@functools.lru_cache(maxsize=1)
def _source_digest():
    """The reference package's own code (not its batched trainers) and numpy's version."""
    folder = os.path.dirname(os.path.abspath(ref.__file__))
    digest = hashlib.sha256(np.__version__.encode())
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), "rb") as f:
                digest.update(name.encode() + b"\0" + f.read())
    return digest.hexdigest()


def _digest(key):
    return hashlib.sha256(_source_digest().encode() + repr(key).encode()).hexdigest()[:32]


def _load(path, optimizer):
    try:
        with np.load(path, allow_pickle=False) as data:
            parameters = {name.split("/", 1)[1]: data[name] for name in data.files if name.startswith("parameters/")}
            arrays = {name: data[name] for name in _ARRAYS}
            t = int(data["t"])
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    return ref.TrainResult(parameters, arrays["minibatch_costs"], arrays["epoch_costs"], optimizer, t,
                           minibatch_sums=arrays["minibatch_sums"], learning_rates=arrays["learning_rates"])


def _store(path, result):
    store(path, lambda temporary: np.savez(temporary, t=np.int64(result.t),
                                           **{name: getattr(result, name) for name in _ARRAYS},
                                           **{f"parameters/{k}": v for k, v in result.parameters.items()}))
