"""Meta-tests of the Hypothesis strategies: each reaches the range SPEC.md documents ("Input domain")."""
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


def test_update_problems_reach_every_layer_count_up_to_12_two_digit_keys_and_both_dtypes():
    for L in (1, 2, 4, 5, 9, 10, 12):
        find(hh.update_problems(), lambda p, L=L: len(p["layers"]) - 1 == L)
    assert "W12" in find(hh.update_problems(), lambda p: len(p["layers"]) == 13)["parameters"]
    find(hh.update_problems(), lambda p: p["dtype"] == np.float32)
    find(hh.update_problems(), lambda p: p["dtype"] == np.float64)


def test_gradients_reach_exact_zeros_and_both_magnitude_extremes():
    find(hh.update_problems(), lambda p: any((g == 0).any() for g in p["grads_seq"][0].values()))
    find(hh.update_problems(), lambda p: any((np.abs(g[g != 0]) < 1e-11).any() for g in p["grads_seq"][0].values()))
    find(hh.update_problems(), lambda p: any((np.abs(g) > 1e2).any() for g in p["grads_seq"][0].values()))


def test_parameters_reach_exact_zeros_and_both_ends_of_their_range():
    find(hh.update_problems(), lambda p: any((a == 0).any() for a in p["parameters"].values()))
    find(hh.update_problems(), lambda p: any((a > 9).any() for a in p["parameters"].values()))
    find(hh.update_problems(), lambda p: any((a < -9).any() for a in p["parameters"].values()))


def test_adams_t_reaches_one_the_boundaries_around_1000_and_ten_million():
    for t in hh.T_BOUNDARIES:
        find(hh.STEPS, lambda x, t=t: x == t)
    find(hh.STEPS, lambda x: 1001 < x < 10 ** 4)
    find(hh.STEPS, lambda x: 10 ** 5 < x < 10 ** 7)


@FAST
@given(hh.STEPS)
def test_adams_t_is_an_integer_from_1_to_ten_million(t):
    assert isinstance(t, int) and 1 <= t <= hh.MAX_T


@FAST
@given(hh.minibatch_data())
def test_minibatch_data_carries_column_ids_and_sizes_up_to_m_plus_10(data):
    X, Y, size, seed = data
    m = X.shape[1]
    assert 1 <= m <= hh.MAX_M and 1 <= size <= m + 10 and Y.shape == (1, m)
    np.testing.assert_array_equal(X[0], np.arange(m))
    np.testing.assert_array_equal(Y[0], np.arange(m))


def test_minibatch_data_reaches_every_documented_relation_of_m_and_the_batch_size():
    find(hh.minibatch_data(), lambda d: d[0].shape[1] < d[2])                        # b > m
    find(hh.minibatch_data(), lambda d: d[0].shape[1] == d[2])                       # b == m
    find(hh.minibatch_data(), lambda d: d[0].shape[1] % d[2] == 0 and d[0].shape[1] > 2 * d[2])   # m % b == 0
    find(hh.minibatch_data(), lambda d: d[0].shape[1] == 2 * d[2] + 1)               # m = 2b + 1
    find(hh.minibatch_data(), lambda d: d[0].shape[1] >= 250)
    find(hh.minibatch_data(), lambda d: d[0].shape[1] == 1)


def test_model_runs_reach_each_optimizer_divisible_batches_and_batches_larger_than_m():
    for optimizer in ("gd", "momentum", "adam"):
        find(hh.model_runs(), lambda r, o=optimizer: r[1] == o)
    find(hh.model_runs(), lambda r: r[0] % r[2]["mini_batch_size"] == 0 and r[2]["mini_batch_size"] < r[0])
    find(hh.model_runs(), lambda r: r[2]["mini_batch_size"] > r[0])
    find(hh.model_runs(), lambda r: r[2]["beta1"] != 0.9 and r[2]["epsilon"] != 1e-8)


def test_hyperparameters_reach_zero_and_the_course_values():
    find(hh.LEARNING_RATES, lambda x: x == 0.0)
    find(hh.BETAS, lambda x: x == 0.0)
    find(hh.BETA2S, lambda x: x > 0.9995)
    find(hh.EPSILONS, lambda x: x < 1e-10)


def test_strategy_examples_are_independent_arrays():
    problem = find(hh.update_problems(max_steps=3), lambda p: len(p["grads_seq"]) == 3)
    arrays = list(problem["parameters"].values()) + [a for g in problem["grads_seq"] for a in g.values()]
    for i, a in enumerate(arrays):
        assert not any(np.shares_memory(a, b) for b in arrays[i + 1:])


@FAST
@given(hh.networks())
def test_networks_have_the_courses_three_layers_and_binary_labels(net):
    parameters, X, Y = net
    assert len(parameters) == 6 and parameters["W3"].shape[0] == 1 and set(np.unique(Y)) <= {0, 1}
    assert X.shape[1] == Y.shape[1] and st is not None
