"""Correct Adam (epsilon inside the root) with the bias correction folded into one factor:
lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t); p -= lr_t v / sqrt(s + eps (1 - beta2^t)). The first moment as a
lerp. (Not s: g^2 + beta2 (s - g^2) cancels catastrophically for beta2 near 1, losing three digits.)"""
import math

import numpy as np

from _base import initialize_adam, initialize_velocity, random_mini_batches  # noqa: F401
from _base import update_parameters_with_gd, update_parameters_with_momentum  # noqa: F401


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999,
                                epsilon=1e-8):
    correction2 = 1 - math.pow(beta2, t)
    lr_t = learning_rate * math.sqrt(correction2) / (1 - math.pow(beta1, t))
    for key in v:
        g = grads[key]
        v[key] = g + beta1 * (v[key] - g)
        s[key] = beta2 * s[key] + (1 - beta2) * g * g
        parameters[key[1:]] = parameters[key[1:]] - lr_t * v[key] / np.sqrt(s[key] + epsilon * correction2)
    return parameters, v, s
