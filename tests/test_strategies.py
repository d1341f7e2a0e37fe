"""Meta-tests of the Hypothesis strategies: they draw what their docstrings claim."""
import numpy as np
from hypothesis import find, given, settings
from hypothesis import strategies as st

from properties import strategies as hh

FAST = settings(max_examples=60, derandomize=True, database=None, deadline=None)


@FAST
@given(hh.update_problems(max_steps=20))
def test_update_problems_stay_within_their_documented_ranges(problem):
    layers = problem["layers"]
    assert 1 <= len(layers) - 1 <= hh.MAX_LAYERS and all(1 <= n <= hh.MAX_WIDTH for n in layers)
    assert 1 <= len(problem["grads_seq"]) <= 20
    for k, p in problem["parameters"].items():
        assert p.dtype == problem["dtype"] and np.all(np.abs(p) <= 10)
    for g in problem["grads_seq"]:
        assert list(g) == [f"d{k}" for k in problem["parameters"]]
        for k, a in g.items():
            assert a.shape == problem["parameters"][k[1:]].shape and a.dtype == problem["dtype"]
            mags = np.abs(a[a != 0]).astype(np.float64)
            # float32 rounding of 1e-12 and 1e3 moves them by at most half an ulp
            assert np.all(mags >= hh.MIN_GRAD * (1 - 1e-6)) and np.all(mags <= hh.MAX_GRAD * (1 + 1e-6))


def test_update_problems_reach_every_layer_count_and_both_dtypes():
    for L in range(1, hh.MAX_LAYERS + 1):
        find(hh.update_problems(), lambda p, L=L: len(p["layers"]) - 1 == L)
    find(hh.update_problems(), lambda p: p["dtype"] == np.float32)
    find(hh.update_problems(), lambda p: p["dtype"] == np.float64)


def test_gradients_include_zeros_and_both_magnitude_extremes():
    grid = np.abs(np.array(hh.GRADIENT_GRID))
    assert 0.0 in grid
    assert np.isclose(grid[grid > 0].min(), hh.MIN_GRAD) and np.isclose(grid.max(), hh.MAX_GRAD)
    find(hh.update_problems(), lambda p: any((g == 0).any() for g in p["grads_seq"][0].values()))


@FAST
@given(hh.minibatch_data())
def test_minibatch_data_carries_column_ids_and_sizes_up_to_m_plus_10(data):
    X, Y, size, seed = data
    m = X.shape[1]
    assert 1 <= m <= hh.MAX_M and 1 <= size <= m + 10 and Y.shape == (1, m)
    np.testing.assert_array_equal(X[0], np.arange(m))
    np.testing.assert_array_equal(Y[0], np.arange(m))


def test_minibatch_data_reaches_m_below_equal_and_above_the_batch_size():
    find(hh.minibatch_data(), lambda d: d[0].shape[1] < d[2])
    find(hh.minibatch_data(), lambda d: d[0].shape[1] == d[2])
    find(hh.minibatch_data(), lambda d: d[0].shape[1] > 2 * d[2])
    find(hh.minibatch_data(), lambda d: d[0].shape[1] >= 200)


@FAST
@given(hh.layer_dims().flatmap(lambda dims: st.tuples(st.just(dims), hh.parameters_for(dims, np.float64))))
def test_parameters_for_mirrors_the_layer_list(case):
    layers, parameters = case
    for l in range(1, len(layers)):
        assert parameters[f"W{l}"].shape == (layers[l], layers[l - 1])
        assert parameters[f"b{l}"].shape == (layers[l], 1)


def test_strategy_examples_are_independent_arrays():
    problem = find(hh.update_problems(max_steps=3), lambda p: len(p["grads_seq"]) == 3)
    arrays = list(problem["parameters"].values()) + [a for g in problem["grads_seq"] for a in g.values()]
    for i, a in enumerate(arrays):
        assert not any(np.shares_memory(a, b) for b in arrays[i + 1:])
