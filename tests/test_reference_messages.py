"""Every error of the reference names its function, its argument and what was expected.

(These also kill the mutmut mutants that alter messages: a message is part of the interface
a student reads.)
"""
import warnings

import numpy as np
import pytest

import reference as r
from properties.fixtures import moons  # the stored seed-3 moons: no scikit-learn import per test
from reference.optimizers import random_mini_batches


def problem():
    parameters = r.initialize_parameters([3, 4, 2, 1])
    grads = {f"d{k}": np.ones_like(p) for k, p in parameters.items()}
    v, s = r.initialize_adam(parameters)
    return parameters, grads, v, s


P, G, V, S = problem()
X, Y = np.zeros((3, 5)), np.zeros((1, 5))
BAD_SHAPE = {**G, "db2": np.zeros((3, 1))}
NO_DB1 = {k: a for k, a in V.items() if k != "db1"}

CASES = [
    # (call, function named first, argument named, words that must appear)
    (lambda: r.update_parameters_with_gd([1], G, 0.1), "update_parameters_with_gd", "parameters", "dict"),
    (lambda: r.update_parameters_with_gd(P, BAD_SHAPE, 0.1), "update_parameters_with_gd", "grads['db2']", "shape"),
    (lambda: r.update_parameters_with_gd(P, G, -0.1), "update_parameters_with_gd", "learning_rate", ">= 0.0"),
    (lambda: r.update_parameters_with_momentum([], G, V, 0.9, 0.1), "update_parameters_with_momentum",
     "'parameters'", "dict"),
    (lambda: r.update_parameters_with_adam([], G, V, S, 1), "update_parameters_with_adam", "'parameters'", "dict"),
    (lambda: r.update_parameters_with_momentum(P, BAD_SHAPE, V, 0.9, 0.1), "update_parameters_with_momentum",
     "grads['db2']", "shape"),
    (lambda: r.update_parameters_with_momentum(P, G, NO_DB1, 0.9, 0.1), "update_parameters_with_momentum", "'v'",
     "missing key 'db1'"),
    (lambda: r.update_parameters_with_momentum(P, G, V, 1.0, 0.1), "update_parameters_with_momentum", "'beta'",
     "[0, 1)"),
    (lambda: r.update_parameters_with_momentum(P, G, V, 0.9, -1.0), "update_parameters_with_momentum",
     "'learning_rate'", ">= 0.0"),
    (lambda: r.update_parameters_with_adam(P, BAD_SHAPE, V, S, 1), "update_parameters_with_adam", "grads['db2']",
     "shape"),
    (lambda: r.update_parameters_with_adam(P, G, NO_DB1, S, 1), "update_parameters_with_adam", "'v'",
     "missing key 'db1'"),
    (lambda: r.update_parameters_with_adam(P, G, V, NO_DB1, 1), "update_parameters_with_adam", "'s'",
     "missing key 'db1'"),
    (lambda: r.update_parameters_with_adam(P, G, V, S, 0), "update_parameters_with_adam", "'t'",
     "step counter starts at 1"),
    (lambda: r.update_parameters_with_adam(P, G, V, S, 1, -0.1), "update_parameters_with_adam", "'learning_rate'",
     ">= 0.0"),
    (lambda: r.update_parameters_with_adam(P, G, V, S, 1, 0.1, 1.5), "update_parameters_with_adam", "'beta1'",
     "[0, 1)"),
    (lambda: r.update_parameters_with_adam(P, G, V, S, 1, 0.1, 0.9, -0.5), "update_parameters_with_adam",
     "'beta2'", "[0, 1)"),
    (lambda: r.update_parameters_with_adam(P, G, V, S, 1, 0.1, 0.9, 0.999, -1e-8), "update_parameters_with_adam",
     "'epsilon'", ">= 0.0"),
    (lambda: r.update_parameters_with_adam(P, G, V, S, 1, epsilon_placement="under"), "update_parameters_with_adam",
     "'epsilon_placement'", "'inside', 'outside'"),
    (lambda: random_mini_batches(X, np.zeros((1, 4)), 2, 0), "random_mini_batches", "X and Y", "columns"),
    (lambda: random_mini_batches(X, Y, 0, 0), "random_mini_batches", "'mini_batch_size'",
     "a positive number of columns"),
    (lambda: random_mini_batches(X, Y, 2, -1), "random_mini_batches", "'seed'", ">= 0"),
    (lambda: r.initialize_velocity([]), "initialize_velocity", "'parameters'", "dict"),
    (lambda: r.initialize_adam({"W1": np.zeros(1)}), "initialize_adam", "'parameters'", "W1, b1"),
    (lambda: r.initialize_parameters([2]), "initialize_parameters", "'layers_dims'", "at least two"),
    (lambda: r.initialize_parameters(5), "initialize_parameters", "'layers_dims'", "at least two"),
    (lambda: r.initialize_parameters([2, 0, 1]), "initialize_parameters", "'layers_dims[i]'", ">= 1"),
    (lambda: r.forward_propagation(X, {"W1": 1}), "forward_propagation", "'parameters'", "W1, b1"),
    (lambda: r.backward_propagation(X, Y, (1, 2, 3)), "backward_propagation", "'cache'", "length 3"),
    (lambda: r.predict(X, np.zeros((2, 5)), P), "predict", "'Y'", "(1, m)"),
]


@pytest.mark.parametrize("call, function, argument, words", CASES, ids=[c[1] + ":" + c[2] for c in CASES])
def test_errors_name_the_function_the_argument_and_what_was_expected(call, function, argument, words):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"{function}: "), message
    assert argument in message and words in message, message


def test_messages_read_exactly_as_documented():
    with pytest.raises(ValueError) as info:
        r.update_parameters_with_adam(P, G, V, S, 0)
    assert str(info.value) == ("update_parameters_with_adam: argument 't' must be an integer >= 1 "
                               "(Adam's step counter starts at 1), got 0")
    with pytest.raises(ValueError) as info:
        random_mini_batches(X, Y, 0, 0)
    assert str(info.value) == ("random_mini_batches: argument 'mini_batch_size' must be an integer >= 1 "
                               "(a positive number of columns), got 0")


def test_public_signatures_and_defaults_are_the_courses():
    import inspect

    def defaults(fn):
        return {n: p.default for n, p in inspect.signature(fn).parameters.items()
                if p.default is not inspect.Parameter.empty}
    assert list(inspect.signature(random_mini_batches).parameters) == ["X", "Y", "mini_batch_size", "seed"]
    assert defaults(random_mini_batches) == {"mini_batch_size": 64, "seed": 0}
    assert defaults(r.update_parameters_with_adam) == {"learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999,
                                                       "epsilon": 1e-8, "epsilon_placement": "inside", "returns": 3}
    assert list(inspect.signature(r.update_parameters_with_adam).parameters)[:9] == [
        "parameters", "grads", "v", "s", "t", "learning_rate", "beta1", "beta2", "epsilon"]
    assert list(inspect.signature(r.update_parameters_with_momentum).parameters) == [
        "parameters", "grads", "v", "beta", "learning_rate"]
    model_defaults = {"learning_rate": 0.0007, "mini_batch_size": 64, "beta": 0.9, "beta1": 0.9, "beta2": 0.999,
                      "epsilon": 1e-8, "num_epochs": 10000}
    assert defaults(r.model) == {**model_defaults, "print_cost": True, "decay": None, "decay_rate": 1,
                                 "epsilon_placement": "inside", "cost_view": "last-batch"}
    assert defaults(r.schedule_lr_decay) == {"time_interval": 1000}
    assert list(inspect.signature(r.update_lr).parameters) == ["learning_rate0", "epoch_num", "decay_rate"]
    assert {k: defaults(r.train)[k] for k in model_defaults} == model_defaults


def test_sigmoid_and_the_cost_of_saturated_outputs_raise_no_floating_point_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert r.sigmoid(np.array([-1000.0]))[0] == 0.0
        assert r.compute_cost(np.array([[1.0, 0.0]]), np.array([[1, 0]])) == 0.0


def test_compute_cost_weighs_fractional_labels_as_the_formula_says():
    a3, Y = np.array([[0.5, 0.8]]), np.array([[0.25, 1.0]])
    expected = -(0.25 * np.log(0.5) + 0.75 * np.log(0.5) + np.log(0.8)) / 2
    assert r.compute_cost(a3, Y) == pytest.approx(expected, rel=1e-15)


def test_backward_propagation_returns_the_course_keys_with_their_values():
    parameters = r.initialize_parameters([2, 5, 2, 1])
    Xb, Yb = np.array([[1.0, -0.5], [0.3, 2.0]]), np.array([[1, 0]])
    a3, cache = r.forward_propagation(Xb, parameters)
    grads = r.backward_propagation(Xb, Yb, cache)
    assert set(grads) == {"dz3", "dW3", "db3", "da2", "dz2", "dW2", "db2", "da1", "dz1", "dW1", "db1"}
    z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3 = cache
    np.testing.assert_allclose(grads["dz3"], (a3 - Yb) / 2, rtol=1e-15)
    np.testing.assert_allclose(grads["da2"], W3.T @ grads["dz3"], rtol=1e-15)
    np.testing.assert_allclose(grads["da1"], W2.T @ grads["dz2"], rtol=1e-15)
    np.testing.assert_allclose(grads["dz1"], grads["da1"] * (a1 > 0), rtol=1e-15)


def test_predictions_are_integers():
    predictions, _ = r.predict(np.zeros((2, 3)), np.zeros((1, 3), dtype=int), r.initialize_parameters([2, 1]))
    assert predictions.dtype.kind == "i"


def test_calls_with_default_arguments_use_the_course_defaults():
    Xs, Ys = np.arange(200.0).reshape(2, 100), np.arange(100).reshape(1, 100)
    by_default = random_mini_batches(Xs, Ys)
    explicit = random_mini_batches(Xs, Ys, 64, 0)
    assert [b[0].shape[1] for b in by_default] == [64, 36]
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(by_default, explicit))
    default_step = r.update_parameters_with_adam(P, G, V, S, 1)
    explicit_step = r.update_parameters_with_adam(P, G, V, S, 1, 0.01, 0.9, 0.999, 1e-8, epsilon_placement="inside")
    for a, b in zip(default_step, explicit_step):
        assert all(np.array_equal(a[k], b[k]) for k in a)


EXACT = [
    (lambda: r.update_parameters_with_gd("p", G, 0.1), TypeError,
     "update_parameters_with_gd: argument 'parameters' must be a dict of arrays, got str"),
    (lambda: r.update_parameters_with_gd({}, G, 0.1), ValueError,
     "update_parameters_with_gd: argument 'parameters' must hold W1, b1, ..., WL, bL (an even, non-zero number "
     "of keys), got keys []"),
    (lambda: r.update_parameters_with_gd({"W1": np.zeros(1), "W2": np.zeros(1)}, G, 0.1), ValueError,
     "update_parameters_with_gd: argument 'parameters' is missing key 'b1' (expected W1..W1, b1..b1; "
     "got ['W1', 'W2'])"),
    (lambda: r.update_parameters_with_gd({**P, "b3": [0.0]}, G, 0.1), TypeError,
     "update_parameters_with_gd: parameters['b3'] must be a numpy array, got list"),
    (lambda: r.update_parameters_with_gd(P, "g", 0.1), TypeError,
     "update_parameters_with_gd: argument 'grads' must be a dict of arrays, got str"),
    (lambda: r.update_parameters_with_gd(P, {**G, "dW2": 1.0}, 0.1), TypeError,
     "update_parameters_with_gd: grads['dW2'] must be a numpy array, got float"),
    (lambda: r.update_parameters_with_gd(P, G, "0.1"), TypeError,
     "update_parameters_with_gd: argument 'learning_rate' must be a real number, got str"),
    (lambda: r.update_parameters_with_gd(P, G, True), TypeError,
     "update_parameters_with_gd: argument 'learning_rate' must be a real number, got bool"),
    (lambda: r.update_parameters_with_gd(P, G, -0.1), ValueError,
     "update_parameters_with_gd: argument 'learning_rate' must be >= 0.0, got -0.1"),
    (lambda: r.update_parameters_with_gd(P, G, float("inf")), ValueError,
     "update_parameters_with_gd: argument 'learning_rate' must be finite, got inf"),
    (lambda: r.update_parameters_with_momentum(P, G, V, 1.0, 0.1), ValueError,
     "update_parameters_with_momentum: argument 'beta' must be < 1.0 (a decay rate in [0, 1)), got 1.0"),
    (lambda: r.update_parameters_with_momentum(P, G, V, -0.1, 0.1), ValueError,
     "update_parameters_with_momentum: argument 'beta' must be >= 0.0 (a decay rate in [0, 1)), got -0.1"),
    (lambda: r.update_parameters_with_adam(P, G, V, S, 2.0), TypeError,
     "update_parameters_with_adam: argument 't' must be an integer >= 1 (Adam's step counter starts at 1), "
     "got 2.0 of type float"),
    (lambda: random_mini_batches([[1.0]], Y, 2, 0), TypeError,
     "random_mini_batches: argument 'X' must be a numpy array, got list"),
    (lambda: random_mini_batches(X, [[1.0]], 2, 0), TypeError,
     "random_mini_batches: argument 'Y' must be a numpy array, got list"),
    (lambda: random_mini_batches(np.zeros(5), Y, 2, 0), ValueError,
     "random_mini_batches: argument 'X' must have shape (n_x, m), got shape (5,)"),
    (lambda: random_mini_batches(X, np.zeros((1, 4)), 2, 0), ValueError,
     "random_mini_batches: X and Y must have the same number of columns (examples), got X (3, 5) and Y (1, 4)"),
    (lambda: r.update_parameters_with_adam(P, G, V, S, 1, epsilon_placement="under"), ValueError,
     "update_parameters_with_adam: argument 'epsilon_placement' must be one of 'inside', 'outside', got 'under'"),
    (lambda: r.update_parameters_with_adam(P, G, V, S, 1, returns=4), ValueError,
     "update_parameters_with_adam: argument 'returns' must be one of 3, 5, got 4"),
    (lambda: r.initialize_parameters([2, 1], seed=-1), ValueError,
     "initialize_parameters: argument 'seed' must be an integer >= 0, got -1"),
    (lambda: r.compute_cost(np.array([[0.5]]), np.array([[1]]), reduction="median"), ValueError,
     "compute_cost: argument 'reduction' must be one of 'mean', 'sum', got 'median'"),
    (lambda: r.model(X, Y, [3, 2, 1], "gd", cost_view="last"), ValueError,
     "model: argument 'cost_view' must be one of 'last-batch', 'epoch-mean', got 'last'"),
    (lambda: r.update_lr(-0.1, 0, 1), ValueError, "update_lr: argument 'learning_rate0' must be >= 0.0, got -0.1"),
    (lambda: r.update_lr(0.1, -1, 1), ValueError, "update_lr: argument 'epoch_num' must be >= 0.0, got -1"),
    (lambda: r.update_lr(0.1, 0, -1), ValueError, "update_lr: argument 'decay_rate' must be >= 0.0, got -1"),
    (lambda: r.schedule_lr_decay(-0.1, 0, 1), ValueError,
     "schedule_lr_decay: argument 'learning_rate0' must be >= 0.0, got -0.1"),
    (lambda: r.schedule_lr_decay(0.1, -1, 1), ValueError,
     "schedule_lr_decay: argument 'epoch_num' must be >= 0.0, got -1"),
    (lambda: r.schedule_lr_decay(0.1, 0, -1), ValueError,
     "schedule_lr_decay: argument 'decay_rate' must be >= 0.0, got -1"),
    (lambda: r.schedule_lr_decay(0.1, 0, 1, time_interval=-1), ValueError,
     "schedule_lr_decay: argument 'time_interval' must be >= 0.0, got -1"),
    (lambda: r.schedule_lr_decay(0.1, 0, 1, time_interval=0), ValueError,
     "schedule_lr_decay: argument 'time_interval' must be > 0, got 0"),
]


@pytest.mark.parametrize("call, exc, message", EXACT, ids=[m[:60] for _, _, m in EXACT])
def test_validation_messages_read_exactly(call, exc, message):
    with pytest.raises(exc) as info:
        call()
    assert type(info.value) is exc and str(info.value) == message


TRAIN_DATA = (np.zeros((2, 4)), np.zeros((1, 4)))
TRAIN_CASES = [
    (dict(X=np.zeros((2, 3))), ValueError, "train: X and Y must have the same number of columns"),
    (dict(optimizer="sgd"), ValueError, "train: argument 'optimizer' must be one of 'gd', 'momentum', 'adam'"),
    (dict(epsilon_placement="both"), ValueError, "train: argument 'epsilon_placement' must be one of"),
    (dict(learning_rate=-1.0), ValueError, "train: argument 'learning_rate' must be >= 0.0"),
    (dict(mini_batch_size=0), ValueError, "train: argument 'mini_batch_size' must be an integer >= 1 "
                                          "(a positive number of columns), got 0"),
    (dict(beta=1.0), ValueError, "train: argument 'beta' must be < 1.0"),
    (dict(beta1=1.0), ValueError, "train: argument 'beta1' must be < 1.0"),
    (dict(beta2=1.0), ValueError, "train: argument 'beta2' must be < 1.0"),
    (dict(epsilon=-1.0), ValueError, "train: argument 'epsilon' must be >= 0.0"),
    (dict(num_epochs=0), ValueError, "train: argument 'num_epochs' must be an integer >= 1, got 0"),
    (dict(layers_dims=[3, 2, 1]), ValueError, "train: argument 'layers_dims' must start with X's 2 features and "
                                              "end with 1 output unit, got [3, 2, 1]"),
    (dict(layers_dims=[2, 2, 2]), ValueError, "train: argument 'layers_dims' must start with X's 2 features"),
    (dict(decay="exponential"), ValueError, "train: argument 'decay' must be one of 'update_lr', "
                                            "'schedule_lr_decay', got 'exponential'"),
    (dict(decay_rate=-1), ValueError, "train: argument 'decay_rate' must be >= 0.0, got -1"),
    (dict(first_seed=0), ValueError, "train: argument 'first_seed' must be an integer >= 1, got 0"),
]


@pytest.mark.parametrize("change, exc, start", TRAIN_CASES, ids=[c[2][:50] for c in TRAIN_CASES])
def test_train_rejects_each_bad_argument_by_name(change, exc, start):
    args = dict(X=TRAIN_DATA[0], Y=TRAIN_DATA[1], layers_dims=[2, 2, 1], optimizer="gd", num_epochs=1,
                mini_batch_size=2)
    args.update(change)
    with pytest.raises(exc) as info:
        r.train(**args)
    assert str(info.value).startswith(start), str(info.value)


def test_train_keeps_snapshots_after_the_requested_epochs_only():
    Xd, Yd = moons()
    result = r.train(Xd, Yd, [2, 5, 2, 1], "gd", num_epochs=3, snapshot_epochs=(1, 3))
    assert result.optimizer == "gd" and sorted(result.snapshots) == [1, 3]
    one = r.train(Xd, Yd, [2, 5, 2, 1], "gd", num_epochs=1).parameters
    assert all(np.array_equal(result.snapshots[1][k], one[k]) for k in one)
    assert all(np.array_equal(result.snapshots[3][k], result.parameters[k]) for k in one)
    assert r.train(Xd, Yd, [2, 5, 2, 1], "gd", num_epochs=1).snapshots == {}


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_model_passes_every_hyperparameter_to_train(optimizer):
    Xd, Yd = moons()
    hyper = (0.01, 32, 0.5, 0.8, 0.99, 1e-4, 2)       # lr, batch, beta, beta1, beta2, epsilon, epochs
    via_model = r.model(Xd, Yd, [2, 5, 2, 1], optimizer, *hyper, print_cost=False, epsilon_placement="outside")
    via_train = r.train(Xd, Yd, [2, 5, 2, 1], optimizer, *hyper, epsilon_placement="outside").parameters
    assert all(np.array_equal(via_model[k], via_train[k]) for k in via_train)
