"""Correct Adam (epsilon inside the root) that multiplies by reciprocals instead of dividing, with
np.power for beta**t and the step scaled before the correction."""
import numpy as np

from _base import initialize_adam, initialize_velocity, random_mini_batches  # noqa: F401
from _base import update_parameters_with_gd, update_parameters_with_momentum  # noqa: F401


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999,
                                epsilon=1e-8):
    inverse1 = 1.0 / (1.0 - np.power(beta1, t))
    inverse2 = 1.0 / (1.0 - np.power(beta2, t))
    for key in v:
        v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
        s[key] = beta2 * s[key] + (1 - beta2) * np.square(grads[key])
        step = (learning_rate * v[key]) * inverse1 * (1.0 / np.sqrt(s[key] * inverse2 + epsilon))
        parameters[key[1:]] = parameters[key[1:]] - step
    return parameters, v, s
