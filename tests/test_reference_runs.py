"""The reference's long training runs, kept on disk between runs of the checks, are the runs trained anew,
bit for bit; a damaged file is trained anew; short runs and different arguments never share a file."""
import os

import pytest

import reference as ref
from properties import reference_runs
from properties.fixtures import moons

LONG_RUN = {"learning_rate": 0.05, "mini_batch_size": 4, "num_epochs": 60}     # 60 updates on 4 columns


@pytest.fixture(autouse=True)
def long_from_60_updates(monkeypatch):
    monkeypatch.setattr(reference_runs, "LONG", 60)                 # the logic of 1000, at the cost of 60
    monkeypatch.setattr(reference_runs, "_RUNS", {})


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTORACLE_CACHE", str(tmp_path))
    return tmp_path / "reference-runs"


def _fresh(optimizer, placement, **kwargs):
    X, Y = moons()
    return ref.train(X[:, :4], Y[:, :4], [2, 5, 2, 1], optimizer, epsilon_placement=placement, **kwargs)


def _cached(optimizer, placement, **kwargs):
    X, Y = moons()
    reference_runs._RUNS.clear()                       # only the disk can answer
    return reference_runs.train(X[:, :4], Y[:, :4], optimizer, placement, **kwargs)


def _assert_same_run(a, b):
    assert sorted(a.parameters) == sorted(b.parameters) and a.t == b.t and a.optimizer == b.optimizer
    for key in a.parameters:
        assert a.parameters[key].tobytes() == b.parameters[key].tobytes(), key
    for name in ("minibatch_costs", "epoch_costs", "minibatch_sums", "learning_rates"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name


def test_a_long_run_read_back_from_the_cache_is_the_run_trained_anew_bit_for_bit(cache):
    _cached("adam", "outside", **LONG_RUN)                          # trains and writes
    assert len(os.listdir(cache)) == 1
    again = _cached("adam", "outside", **LONG_RUN)                  # reads
    _assert_same_run(again, _fresh("adam", "outside", **LONG_RUN))
    assert again.t == 60 and again.printed_cost(59, "epoch-mean") == again.epoch_costs[59]


@pytest.mark.parametrize("damage", ["not an npz file", "cut short"])
def test_a_damaged_cache_file_is_trained_anew_and_written_again(cache, damage):
    _cached("gd", "inside", **LONG_RUN)
    (path,) = cache.iterdir()
    whole = path.read_bytes()
    path.write_bytes(b"not an npz file" if damage == "not an npz file" else whole[:len(whole) // 2])
    fresh = _fresh("gd", "inside", **LONG_RUN)
    _assert_same_run(_cached("gd", "inside", **LONG_RUN), fresh)
    _assert_same_run(reference_runs._load(str(path), "gd"), fresh)  # written again, whole


def test_each_placement_and_hyperparameter_has_its_own_file_and_short_runs_none(cache):
    _cached("adam", "inside", **LONG_RUN)
    _cached("adam", "outside", **LONG_RUN)
    _cached("adam", "inside", **dict(LONG_RUN, beta2=0.99))
    _cached("adam", "inside", **dict(LONG_RUN, num_epochs=59))     # 59 updates: not worth a file
    assert len(os.listdir(cache)) == 3
    _assert_same_run(_cached("adam", "inside", **dict(LONG_RUN, beta2=0.99)),
                     _fresh("adam", "inside", **dict(LONG_RUN, beta2=0.99)))


def test_a_cache_that_cannot_be_written_changes_nothing_but_the_time(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("OPTORACLE_CACHE", str(blocked))             # a file where the folder should be
    _assert_same_run(_cached("momentum", "inside", **LONG_RUN), _fresh("momentum", "inside", **LONG_RUN))
