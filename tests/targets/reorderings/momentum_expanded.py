"""Correct momentum written expanded, v = beta v + g - beta g: the same EMA, rounded differently."""
from _base import initialize_adam, initialize_velocity, random_mini_batches  # noqa: F401
from _base import update_parameters_with_adam, update_parameters_with_gd  # noqa: F401


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for p in ("W", "b"):
            g = grads["d" + p + str(l)]
            v["d" + p + str(l)] = beta * v["d" + p + str(l)] + g - beta * g
            parameters[p + str(l)] = parameters[p + str(l)] - learning_rate * v["d" + p + str(l)]
    return parameters, v
