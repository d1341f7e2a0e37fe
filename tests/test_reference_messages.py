"""Every error of the reference names its function, its argument and what was expected.

(These also kill the mutmut mutants that alter messages: a message is part of the interface
a student reads.)
"""
import warnings

import numpy as np
import pytest

import reference as r
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
