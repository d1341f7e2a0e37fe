"""A target whose gd raises and whose momentum returns None and whose Adam returns NaN."""
import numpy as np

from reference import initialize_adam, initialize_velocity, random_mini_batches  # noqa: F401


def update_parameters_with_gd(parameters, grads, learning_rate):
    raise RuntimeError("not implemented yet")


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    for k in v:
        v[k] = beta * v[k] + (1 - beta) * grads[k]
    # forgot: return parameters, v


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999,
                                epsilon=1e-8):
    return ({k: p * np.nan for k, p in parameters.items()}, v, s)
