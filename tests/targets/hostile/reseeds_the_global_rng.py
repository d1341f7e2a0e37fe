"""Correct, but reseeds numpy's global generator and draws from it in every update."""
import numpy as np

from _correct import initialize_adam, initialize_velocity, random_mini_batches  # noqa: F401
from _correct import update_parameters_with_adam as _adam
from _correct import update_parameters_with_gd as _gd
from _correct import update_parameters_with_momentum as _momentum


def update_parameters_with_gd(parameters, grads, learning_rate):
    np.random.seed(0)
    np.random.rand(7)
    return _gd(parameters, grads, learning_rate)


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    np.random.seed(12345)
    return _momentum(parameters, grads, v, beta, learning_rate)


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    np.random.permutation(10)
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)
