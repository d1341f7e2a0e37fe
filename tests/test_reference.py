"""Tests of the reference's own behaviour (issue: readable reference implementation).

Expected values come from independent sources: a second formulation written
here, numpy's documented seeded draws, a finite-difference derivative, or the
seed text's own example.
"""
import copy

import numpy as np
import pytest

import reference as r
from properties.fixtures import moons  # the stored seed-3 moons: no scikit-learn import per test

LAYERS = [2, 5, 2, 1]


def small_problem(seed=0, layers=(3, 4, 2, 1), m=7):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layers)):
        parameters[f"W{l}"] = rng.normal(size=(layers[l], layers[l - 1]))
        parameters[f"b{l}"] = rng.normal(size=(layers[l], 1))
    X = rng.normal(size=(layers[0], m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    return parameters, X, Y


def grads_like(parameters, seed=1):
    rng = np.random.default_rng(seed)
    return {f"d{k}": rng.normal(size=p.shape) for k, p in parameters.items()}


# ------------------------------------------------------------------ data and init
def test_load_dataset_has_the_course_shapes_and_binary_labels():
    X, Y = r.load_dataset()
    assert X.shape == (2, 300) and Y.shape == (1, 300)
    assert set(np.unique(Y)) == {0, 1}
    assert Y.sum() == 150      # make_moons splits n_samples evenly between the two moons


def test_load_dataset_equals_make_moons_drawn_after_seed_3():
    import sklearn.datasets
    np.random.seed(3)
    x, y = sklearn.datasets.make_moons(n_samples=300, noise=.2)
    X, Y = r.load_dataset()
    np.testing.assert_array_equal(X, x.T)
    np.testing.assert_array_equal(Y[0], y)


def test_initialize_parameters_draws_he_weights_layer_by_layer_after_seed_3():
    parameters = r.initialize_parameters(LAYERS)
    rs = np.random.RandomState(3)          # the legacy global generator np.random.seed(3) sets up
    for l in range(1, 4):
        expected = rs.standard_normal((LAYERS[l], LAYERS[l - 1])) * np.sqrt(2 / LAYERS[l - 1])
        np.testing.assert_array_equal(parameters[f"W{l}"], expected)
        np.testing.assert_array_equal(parameters[f"b{l}"], np.zeros((LAYERS[l], 1)))
    assert list(parameters) == ["W1", "b1", "W2", "b2", "W3", "b3"]


# ------------------------------------------------------------- forward / backward
def test_forward_propagation_matches_the_course_three_layer_code():
    parameters, X, _ = small_problem()
    a3, cache = r.forward_propagation(X, parameters)
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ["W1", "b1", "W2", "b2", "W3", "b3"])
    z1 = W1 @ X + b1; a1 = np.maximum(0, z1)
    z2 = W2 @ a1 + b2; a2 = np.maximum(0, z2)
    z3 = W3 @ a2 + b3; expected = 1 / (1 + np.exp(-z3))
    np.testing.assert_allclose(a3, expected, rtol=1e-15)
    assert len(cache) == 12
    np.testing.assert_allclose(cache[0], z1, rtol=1e-15)


def test_compute_cost_is_the_mean_cross_entropy():
    a3 = np.array([[0.9, 0.2, 0.6]])
    Y = np.array([[1, 0, 0]])
    expected = -(np.log(0.9) + np.log(0.8) + np.log(0.4)) / 3
    assert r.compute_cost(a3, Y) == pytest.approx(expected, rel=1e-15)


def test_compute_cost_of_a_saturated_correct_prediction_is_finite():
    a3 = np.array([[1.0, 0.0, 0.5]])
    Y = np.array([[1, 0, 1]])
    assert r.compute_cost(a3, Y) == pytest.approx(np.log(2) / 3, rel=1e-15)


@pytest.mark.parametrize("layers", [(2, 5, 2, 1), (3, 1), (1, 3, 1), (4, 3, 3, 2, 1)])
def test_backward_propagation_agrees_with_central_finite_differences(layers):
    parameters, X, Y = small_problem(seed=len(layers), layers=layers, m=5)
    a, cache = r.forward_propagation(X, parameters)
    grads = r.backward_propagation(X, Y, cache)
    h = 1e-6   # central differences: truncation O(h^2) ~ 1e-12, rounding ~ 1e-16 / h ~ 1e-10
    for key, p in parameters.items():
        numeric = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            shifted = copy.deepcopy(parameters)
            shifted[key][idx] += h
            plus = r.compute_cost(r.forward_propagation(X, shifted)[0], Y)
            shifted[key][idx] -= 2 * h
            minus = r.compute_cost(r.forward_propagation(X, shifted)[0], Y)
            numeric[idx] = (plus - minus) / (2 * h)
        np.testing.assert_allclose(grads[f"d{key}"], numeric, rtol=1e-5, atol=1e-8, err_msg=key)


def test_backward_propagation_takes_relu_derivative_as_zero_at_zero():
    # a hidden unit whose pre-activation is exactly 0 must pass no gradient back
    parameters = {"W1": np.array([[1.0, -1.0]]), "b1": np.zeros((1, 1)),
                  "W2": np.array([[2.0]]), "b2": np.zeros((1, 1))}
    X = np.array([[1.0], [1.0]])          # z1 = 0 exactly
    Y = np.array([[1.0]])
    a, cache = r.forward_propagation(X, parameters)
    grads = r.backward_propagation(X, Y, cache)
    np.testing.assert_array_equal(grads["dW1"], np.zeros((1, 2)))
    np.testing.assert_array_equal(grads["db1"], np.zeros((1, 1)))


def test_predict_thresholds_strictly_above_one_half():
    parameters = {"W1": np.zeros((1, 1)), "b1": np.zeros((1, 1))}   # a = sigmoid(0) = 0.5 exactly
    X = np.zeros((1, 4))
    predictions, accuracy = r.predict(X, np.array([[0, 0, 1, 1]]), parameters)
    np.testing.assert_array_equal(predictions, np.zeros((1, 4)))
    assert accuracy == 0.5


# ---------------------------------------------------------------------- updates
def test_gd_update_is_p_minus_lr_g():
    parameters, _, _ = small_problem()
    grads = grads_like(parameters)
    new = r.update_parameters_with_gd(parameters, grads, 0.1)
    for k in parameters:
        np.testing.assert_array_equal(new[k], parameters[k] - 0.1 * grads[f"d{k}"])


def test_random_mini_batches_reproduces_the_seed_text_permutation_example():
    np.random.seed(1)
    np.testing.assert_array_equal(np.random.permutation(5), [2, 1, 4, 0, 3])
    X = np.arange(10.0).reshape(2, 5)
    Y = np.arange(5).reshape(1, 5)
    (bx, by), = r.random_mini_batches(X, Y, mini_batch_size=5, seed=1)
    np.testing.assert_array_equal(by, [[2, 1, 4, 0, 3]])
    np.testing.assert_array_equal(bx, X[:, [2, 1, 4, 0, 3]])


def test_random_mini_batches_cuts_full_batches_then_the_remainder():
    X = np.arange(2 * 148.0).reshape(2, 148)
    Y = np.arange(148).reshape(1, 148)
    batches = r.random_mini_batches(X, Y, 64, seed=0)
    assert [b[0].shape for b in batches] == [(2, 64), (2, 64), (2, 20)]
    assert [b[1].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]
    np.testing.assert_array_equal(np.sort(np.concatenate([b[1][0] for b in batches])), np.arange(148))


def test_momentum_with_constant_gradient_reaches_one_minus_beta_to_the_t_times_g():
    parameters, _, _ = small_problem()
    grads = grads_like(parameters)
    v = r.initialize_velocity(parameters)
    beta = 0.9
    for t in range(1, 6):
        parameters, v = r.update_parameters_with_momentum(parameters, grads, v, beta, 0.01)
        for k, g in grads.items():
            np.testing.assert_allclose(v[k], (1 - beta ** t) * g, rtol=1e-14)


def test_adam_first_step_uses_corrected_moments_g_and_g_squared():
    parameters, _, _ = small_problem()
    grads = grads_like(parameters)
    v, s = r.initialize_adam(parameters)
    lr, eps = 0.01, 1e-8
    for placement, denom in (("inside", lambda g: np.sqrt(g * g + eps)), ("outside", lambda g: np.abs(g) + eps)):
        new, v1, s1 = r.update_parameters_with_adam(parameters, grads, v, s, 1, lr, epsilon=eps,
                                                    epsilon_placement=placement)
        for k, p in parameters.items():
            g = grads[f"d{k}"]
            np.testing.assert_allclose(new[k], p - lr * g / denom(g), rtol=1e-14, atol=1e-17)
            np.testing.assert_allclose(v1[f"d{k}"], 0.1 * g, rtol=1e-15)
            np.testing.assert_allclose(s1[f"d{k}"], 0.001 * g * g, rtol=1e-14)


def test_update_functions_work_for_any_number_of_layers():
    for layers in [(3, 1), (2, 4, 4, 4, 4, 1)]:
        parameters, _, _ = small_problem(layers=layers)
        grads = grads_like(parameters)
        v, s = r.initialize_adam(parameters)
        new, v, s = r.update_parameters_with_adam(parameters, grads, v, s, 1)
        assert set(new) == set(parameters) and set(v) == set(grads)


def test_update_functions_never_mutate_their_inputs():
    parameters, _, _ = small_problem()
    grads = grads_like(parameters)
    v, s = r.initialize_adam(parameters)
    before = copy.deepcopy((parameters, grads, v, s))
    r.update_parameters_with_adam(parameters, grads, v, s, 3)
    r.update_parameters_with_momentum(parameters, grads, v, 0.9, 0.1)
    r.update_parameters_with_gd(parameters, grads, 0.1)
    for old, new in zip(before, (parameters, grads, v, s)):
        assert old.keys() == new.keys()
        for k in old:
            np.testing.assert_array_equal(old[k], new[k])


# ------------------------------------------------------------------------ errors
def _adam_args():
    parameters, _, _ = small_problem()
    grads = grads_like(parameters)
    v, s = r.initialize_adam(parameters)
    return dict(parameters=parameters, grads=grads, v=v, s=s, t=1)


def _with(base, **changes):
    args = {**base, **changes}
    return args


@pytest.mark.parametrize("change, exc, words", [
    (dict(t=0), ValueError, "'t'"),
    (dict(t=1.0), TypeError, "'t'"),
    (dict(t=True), TypeError, "'t'"),
    (dict(beta1=1.0), ValueError, "'beta1'"),
    (dict(beta2=-0.1), ValueError, "'beta2'"),
    (dict(learning_rate=-1e-3), ValueError, "'learning_rate'"),
    (dict(epsilon=-1e-8), ValueError, "'epsilon'"),
    (dict(epsilon_placement="middle"), ValueError, "'epsilon_placement'"),
])
def test_adam_rejects_bad_hyperparameters_naming_the_argument(change, exc, words):
    with pytest.raises(exc, match=words):
        r.update_parameters_with_adam(**_with(_adam_args(), **change))


def test_adam_rejects_a_missing_key_and_a_misshapen_gradient_without_partial_updates():
    args = _adam_args()
    del args["s"]["db3"]
    with pytest.raises(ValueError, match="'s' is missing key 'db3'"):
        r.update_parameters_with_adam(**args)
    args = _adam_args()
    args["grads"]["db3"] = np.zeros((2, 1))        # last key checked last: earlier keys must stay untouched
    before = copy.deepcopy(args)
    with pytest.raises(ValueError, match=r"grads\['db3'\] has shape \(2, 1\)"):
        r.update_parameters_with_adam(**args)
    for name in ("parameters", "grads", "v", "s"):
        for k in before[name]:
            np.testing.assert_array_equal(args[name][k], before[name][k])


def test_momentum_and_gd_reject_bad_arguments():
    parameters, _, _ = small_problem()
    grads = grads_like(parameters)
    v = r.initialize_velocity(parameters)
    with pytest.raises(ValueError, match="'beta'"):
        r.update_parameters_with_momentum(parameters, grads, v, 1.5, 0.1)
    with pytest.raises(ValueError, match="'learning_rate'"):
        r.update_parameters_with_gd(parameters, grads, -0.1)
    with pytest.raises(TypeError, match="'parameters'"):
        r.update_parameters_with_gd([1, 2], grads, 0.1)
    del grads["dW1"]
    with pytest.raises(ValueError, match="'grads' is missing key 'dW1'"):
        r.update_parameters_with_gd(parameters, grads, 0.1)


@pytest.mark.parametrize("X, Y, size, exc, words", [
    (np.zeros((2, 5)), np.zeros((1, 4)), 2, ValueError, "same number of columns"),
    (np.zeros((2, 5)), np.zeros((5,)), 2, ValueError, r"'Y' must have shape \(1, m\)"),
    (np.zeros((2, 5)), np.zeros((2, 5)), 2, ValueError, r"'Y' must have shape \(1, m\)"),
    (np.zeros((2, 5)), np.zeros((1, 5)), 0, ValueError, "'mini_batch_size'"),
    (np.zeros((2, 5)), np.zeros((1, 5)), 2.0, TypeError, "'mini_batch_size'"),
])
def test_random_mini_batches_rejects_bad_input(X, Y, size, exc, words):
    with pytest.raises(exc, match=words):
        r.random_mini_batches(X, Y, size, seed=0)


def test_train_rejects_unknown_optimizer_and_placement():
    X, Y = moons()
    with pytest.raises(ValueError, match="'optimizer'"):
        r.train(X, Y, LAYERS, "sgd", num_epochs=1)
    with pytest.raises(ValueError, match="'epsilon_placement'"):
        r.train(X, Y, LAYERS, "adam", num_epochs=1, epsilon_placement="both")


# ----------------------------------------------------------------------- training
@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_train_equals_a_loop_over_the_public_functions_bit_for_bit(optimizer):
    """Second formulation: the course's loop written with the public API only."""
    X, Y = moons()
    epochs, lr, b = 3, 0.0007, 64
    result = r.train(X, Y, LAYERS, optimizer, num_epochs=epochs)
    parameters = r.initialize_parameters(LAYERS)
    v = r.initialize_velocity(parameters)
    _, s = r.initialize_adam(parameters)
    seed, t, m = 10, 0, X.shape[1]
    for i in range(epochs):
        seed = seed + 1
        total = 0.0
        for k, (bx, by) in enumerate(r.random_mini_batches(X, Y, b, seed)):
            a3, cache = r.forward_propagation(bx, parameters)
            assert result.minibatch_costs[i, k] == r.compute_cost(a3, by)
            total += r.compute_cost(a3, by) * by.shape[1]
            grads = r.backward_propagation(bx, by, cache)
            if optimizer == "gd":
                parameters = r.update_parameters_with_gd(parameters, grads, lr)
            elif optimizer == "momentum":
                parameters, v = r.update_parameters_with_momentum(parameters, grads, v, 0.9, lr)
            else:
                t = t + 1
                parameters, v, s = r.update_parameters_with_adam(parameters, grads, v, s, t, lr)
        assert result.epoch_costs[i] == pytest.approx(total / m, rel=1e-14)
    for k in parameters:
        np.testing.assert_array_equal(result.parameters[k], parameters[k])
    assert result.t == t and result.minibatch_costs.shape == (epochs, 5)


def test_train_advances_adam_step_counter_once_per_minibatch_across_epochs():
    X, Y = moons()
    assert r.train(X, Y, LAYERS, "adam", num_epochs=4).t == 4 * 5


def test_adam_reaches_clearly_higher_train_accuracy_than_gd_and_momentum():
    # the seed's qualitative result, on a run short enough for CI (500 of the 10000 epochs)
    X, Y = moons()
    accuracy = {o: r.predict(X, Y, r.train(X, Y, LAYERS, o, num_epochs=500).parameters)[1] for o in r.OPTIMIZERS}
    assert accuracy["adam"] >= accuracy["gd"] + 0.1
    assert accuracy["adam"] >= accuracy["momentum"] + 0.1


def test_model_prints_the_cost_every_1000_epochs_and_returns_parameters(capsys):
    X, Y = moons()
    parameters = r.model(X, Y, LAYERS, "gd", num_epochs=1001)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["Cost after epoch 0", "Cost after epoch 1000"]
    assert set(parameters) == {"W1", "b1", "W2", "b2", "W3", "b3"}


def full_set_cost_at_initialisation(X, Y):
    """With learning_rate = 0 the parameters never move: every epoch's cost is the mean cost of all m columns
    under the initial parameters, whatever the batches."""
    a3, _ = r.forward_propagation(X, r.initialize_parameters(LAYERS))
    return r.compute_cost(a3, Y)


def test_train_starts_from_the_he_initialisation_drawn_after_its_init_seed():
    X, Y = moons()
    parameters = r.train(X, Y, LAYERS, "gd", learning_rate=0.0, num_epochs=1, init_seed=5).parameters
    rs = np.random.RandomState(5)
    for l in range(1, 4):
        expected = rs.standard_normal((LAYERS[l], LAYERS[l - 1])) * np.sqrt(2 / LAYERS[l - 1])
        np.testing.assert_array_equal(parameters[f"W{l}"], expected)


def test_train_calls_back_after_each_epoch_with_its_index_and_its_cost():
    X, Y = moons()
    calls = []
    r.train(X, Y, LAYERS, "gd", learning_rate=0.0, num_epochs=2, callback=lambda i, cost: calls.append((i, cost)))
    expected = full_set_cost_at_initialisation(X, Y)
    assert [i for i, _ in calls] == [0, 1]
    assert [cost for _, cost in calls] == pytest.approx([expected, expected], rel=1e-14)


def test_model_with_decay_prints_the_epoch_mean_cost_and_the_learning_rate_as_the_2021_notebook(capsys):
    X, Y = moons()
    r.model(X, Y, LAYERS, "gd", learning_rate=0.0, num_epochs=1, decay="update_lr", cost_view="epoch-mean")
    assert capsys.readouterr().out.splitlines() == [
        "Cost after epoch 0: %f" % full_set_cost_at_initialisation(X, Y),   # 0.702414; the last batch's: 0.690742
        "learning rate after epoch 0: 0.000000"]


def test_printed_lines_name_the_learning_rate_only_when_asked_to():
    X, Y = moons()
    result = r.train(X, Y, LAYERS, "gd", learning_rate=0.0, num_epochs=1)
    assert len(r.printed_lines(result, 0)) == 1
    assert r.printed_lines(result, 0, decay=True)[1] == "learning rate after epoch 0: 0.000000"


# ------------------------------------------------------- conventions and editions
def test_compute_cost_sum_is_m_times_the_mean():
    a3, Y = np.array([[0.9, 0.2, 0.6, 0.7]]), np.array([[1, 0, 0, 1]])
    expected_sum = -(np.log(0.9) + np.log(0.8) + np.log(0.4) + np.log(0.7))          # by hand
    assert r.compute_cost(a3, Y, reduction="sum") == pytest.approx(expected_sum, rel=1e-15)
    assert r.compute_cost(a3, Y) == pytest.approx(expected_sum / 4, rel=1e-15)


def test_update_lr_and_schedule_lr_decay_follow_the_2021_formulas():
    assert r.update_lr(0.1, 0, 1) == 0.1 and r.update_lr(0.1, 9, 1) == pytest.approx(0.01, rel=1e-15)
    assert r.schedule_lr_decay(0.1, 999, 1) == 0.1                 # floor(999 / 1000) = 0
    assert r.schedule_lr_decay(0.1, 1000, 1) == pytest.approx(0.05, rel=1e-15)
    assert r.schedule_lr_decay(0.1, 2500, 0.5, time_interval=500) == pytest.approx(0.1 / 3.5, rel=1e-15)


def test_train_with_decay_uses_the_decayed_rate_from_the_next_epoch_on():
    """Second formulation: epoch 0 at lr0, then epoch 1 at update_lr(lr0, 0, rate) = lr0, epoch 2 at lr0 / (1 +
    rate): two gd epochs with decay equal two plain epochs; the third uses the decayed rate."""
    X, Y = moons()
    decayed = r.train(X, Y, LAYERS, "gd", learning_rate=0.1, num_epochs=3, decay="update_lr", decay_rate=1)
    assert list(decayed.learning_rates) == [0.1, 0.05, 0.1 / 3]
    plain = r.train(X, Y, LAYERS, "gd", learning_rate=0.1, num_epochs=2)
    assert np.array_equal(decayed.epoch_costs[:2], plain.epoch_costs)


def test_model_trains_with_the_decay_and_the_decay_rate_it_is_given():
    X, Y = moons()
    via_model = r.model(X, Y, LAYERS, "gd", 0.1, num_epochs=3, print_cost=False, decay="update_lr", decay_rate=2)
    by_hand = r.train(X, Y, LAYERS, "gd", 0.1, num_epochs=3, decay=lambda lr0, e, rate: lr0 / (1 + rate * e),
                      decay_rate=2).parameters                  # SPEC train.decay: lr0 / (1 + rate * epoch)
    for k in by_hand:
        np.testing.assert_allclose(via_model[k], by_hand[k], rtol=1e-12)


def test_model_called_with_its_defaults_trains_with_the_courses_hyperparameters():
    """(Under mutmut a function keeps its original signature, so only a call sees a changed default.)"""
    X, Y = moons()
    course = (0.0007, 64, 0.9, 0.9, 0.999, 1e-8)          # the course's model signature (SPEC api.signatures)
    by_default = r.model(X, Y, LAYERS, "adam", num_epochs=2, print_cost=False)
    explicit = r.train(X, Y, LAYERS, "adam", *course, 2).parameters
    assert all(np.array_equal(by_default[k], explicit[k]) for k in explicit)
    by_default = r.model(X, Y, LAYERS, "gd", 0.1, num_epochs=3, print_cost=False, decay="update_lr")
    explicit = r.train(X, Y, LAYERS, "gd", 0.1, num_epochs=3, decay="update_lr", decay_rate=1).parameters
    assert all(np.array_equal(by_default[k], explicit[k]) for k in explicit)


def test_train_with_a_named_decay_and_no_decay_rate_takes_the_courses_rate_of_1():
    X, Y = moons()
    result = r.train(X, Y, LAYERS, "gd", learning_rate=0.1, num_epochs=3, decay="update_lr")
    assert list(result.learning_rates) == pytest.approx([0.1 / (1 + e) for e in range(3)], rel=1e-15)


def test_printed_cost_views_are_the_last_batch_and_the_epoch_mean():
    X, Y = moons()
    result = r.train(X, Y, LAYERS, "gd", num_epochs=1)
    assert result.printed_cost(0, "last-batch") == result.minibatch_costs[0, -1]
    last = 300 - 64 * 4                          # the last mini-batch of 300 columns in batches of 64: 44 columns
    assert result.printed_cost(0, "last-batch") == pytest.approx(result.minibatch_sums[0, -1] / last, rel=1e-15)
    assert result.printed_cost(0, "epoch-mean") == pytest.approx(result.minibatch_sums[0].sum() / 300, rel=1e-15)
    assert result.minibatch_sums[0, -1] == pytest.approx(result.minibatch_costs[0, -1] * (300 - 4 * 64), rel=1e-14)


@pytest.mark.parametrize("edition", ["seed", "course", "2019", "2021"])
def test_each_edition_module_has_the_course_signatures_of_its_edition(edition):
    import inspect
    from reference.conventions import EDITIONS, complete
    from reference.editions import course_signatures, edition_module
    module = edition_module(edition)
    for name, signature in course_signatures(EDITIONS[edition]).items():
        assert inspect.signature(getattr(module, name)) == signature, name
    c = complete(EDITIONS[edition])
    assert inspect.signature(module.model).parameters["num_epochs"].default == c.num_epochs


def test_the_2021_edition_module_returns_adams_corrected_moments():
    from reference.editions import edition_module
    parameters, _, _ = small_problem()
    grads = grads_like(parameters)
    v, s = r.initialize_adam(parameters)
    out = edition_module("2021").update_parameters_with_adam(parameters, grads, v, s, 3)
    assert len(out) == 5
    for k, g in grads.items():
        v1 = 0.1 * g                                        # from zero moments: (1 - beta1) g
        np.testing.assert_allclose(out[3][k], v1 / (1 - 0.9 ** 3), rtol=1e-15)


def test_a_convention_outside_its_axis_is_rejected_naming_the_values_it_may_take():
    from reference.conventions import Conventions
    with pytest.raises(ValueError) as info:
        Conventions(cost="median")
    assert str(info.value) == "convention cost='median': expected one of 'mean', 'sum'"


def test_the_course_edition_fixes_epsilon_and_cost_and_leaves_the_other_axes_open():
    from reference.conventions import EDITIONS
    assert EDITIONS["course"].fixed() == {"epsilon": "outside", "cost": "mean"}          # SPEC's edition table
    assert EDITIONS["course"].open_axes() == ["cost_view", "adam_returns", "num_epochs", "decay"]


def test_conventions_with_one_axis_changed_keep_all_the_others():
    from reference.conventions import EDITIONS, Conventions
    assert EDITIONS["seed"].with_(epsilon="outside") == Conventions(     # the seed row of SPEC's table, but outside
        epsilon="outside", cost="mean", cost_view="last-batch", adam_returns=3, num_epochs=10000, decay="absent")


def test_a_description_names_each_fixed_axis_and_skips_the_open_ones():
    from reference.conventions import Conventions
    assert Conventions(epsilon="outside", cost="sum").describe() == (
        "Adam's epsilon: sqrt(s_corrected) + epsilon; compute_cost returns: the batch sum")


def test_conventions_match_the_editions_whose_fixed_axes_they_agree_with():
    from reference.conventions import EDITIONS, Conventions, matching_editions
    # by hand from SPEC's edition table: seed is inside, course takes the mean
    assert matching_editions(Conventions(epsilon="outside", cost="sum")) == ["2019", "2021"]
    assert matching_editions(Conventions()) == ["seed", "course", "2019", "2021"]
    assert matching_editions(EDITIONS["seed"]) == ["seed"]


def test_an_edition_module_is_named_after_its_edition_and_carries_its_conventions():
    from reference.conventions import EDITIONS, Conventions
    from reference.editions import conventions_module, edition_module
    module = edition_module("2019")
    assert module.__name__ == "reference@2019" and module.conventions == EDITIONS["2019"]
    assert "compute_cost returns: the batch sum" in module.__doc__
    assert module.load_dataset is r.load_dataset
    assert conventions_module(Conventions()).__name__ == "reference"


def test_edition_functions_take_their_arguments_by_keyword_too():
    from reference.editions import edition_module
    assert edition_module("2021").update_lr(learning_rate0=0.5, epoch_num=1, decay_rate=1) == 0.25   # 0.5 / 2


def test_conventions_outside_any_edition_get_their_own_default_num_epochs():
    from reference.conventions import Conventions
    from reference.editions import course_signatures
    for c in (Conventions(num_epochs=5000), Conventions(num_epochs=10000, decay="present")):
        assert course_signatures(c)["model"].parameters["num_epochs"].default == c.num_epochs


def test_the_2021_edition_adam_takes_its_epsilon_outside_the_root():
    from reference.editions import edition_module
    parameters, _, _ = small_problem()
    grads = {f"d{k}": np.ones_like(p) for k, p in parameters.items()}
    v, s = r.initialize_adam(parameters)
    out = edition_module("2021").update_parameters_with_adam(parameters, grads, v, s, 1, 0.1, 0.9, 0.999, 0.5)
    for k, p in parameters.items():
        # from zero moments at t = 1: v_corrected = g = 1, s_corrected = g^2 = 1; p - 0.1 * 1 / (sqrt(1) + 0.5)
        np.testing.assert_allclose(out[0][k], p - 0.1 / 1.5, rtol=1e-14)


def test_the_2021_edition_model_is_the_reference_model_under_the_2021_conventions(capsys):
    from reference.editions import edition_module
    X, Y = moons()
    hyper = (0.01, 32, 0.5, 0.8, 0.99, 1e-4, 3, True, "update_lr", 2)   # ..., num_epochs, print_cost, decay, rate
    via_edition = edition_module("2021").model(X, Y, LAYERS, "adam", *hyper)
    printed_by_edition = capsys.readouterr().out
    via_reference = r.model(X, Y, LAYERS, "adam", *hyper, epsilon_placement="outside", cost_view="epoch-mean")
    assert printed_by_edition == capsys.readouterr().out != ""
    assert all(np.array_equal(via_edition[k], via_reference[k]) for k in via_reference)


def test_an_edition_predict_prints_the_accuracy_and_returns_the_predictions(capsys):
    from reference.editions import edition_module
    parameters = {"W1": np.array([[1.0, 0.0]]), "b1": np.zeros((1, 1))}     # class 1 iff x1 > 0
    X = np.array([[1.0, -1.0, 2.0, -3.0], [0.0, 0.0, 0.0, 0.0]])
    y = np.array([[1, 1, 1, 0]])
    predictions = edition_module("seed").predict(X, y, parameters)
    np.testing.assert_array_equal(predictions, [[1, 0, 1, 0]])
    assert capsys.readouterr().out == "Accuracy: 0.75\n"                    # 3 of 4 right


def test_an_edition_initialises_as_the_reference_and_reduces_the_cost_as_its_edition_does():
    from reference.editions import edition_module
    module = edition_module("2019")
    parameters = module.initialize_parameters(LAYERS)
    assert all(np.array_equal(parameters[k], p) for k, p in r.initialize_parameters(LAYERS).items())
    a3, Y = np.array([[0.5, 0.8]]), np.array([[1, 1]])
    expected_sum = -(np.log(0.5) + np.log(0.8))                              # by hand
    assert module.compute_cost(a3, Y) == pytest.approx(expected_sum, rel=1e-15)
    assert edition_module("seed").compute_cost(a3, Y) == pytest.approx(expected_sum / 2, rel=1e-15)
