"""A solution with three classic mistakes, for trying out `optoracle check`.

1. random_mini_batches drops the last, partial mini-batch.
2. Momentum uses PyTorch's `v = beta*v + g` instead of the course's EMA `v = beta*v + (1-beta)*g`.
3. Adam skips the bias correction (uses v and s where v_corrected and s_corrected belong).

Everything else is correct (epsilon inside the root, as the seed profile expects). There is no
`model`: the report names it as a missing required function.
"""
import math

import numpy as np

# The clauses `optoracle check examples/student_buggy.py` must report as failing (tested).
EXPECTED_FAILING_CLAUSES = {
    "minibatch.partition", "minibatch.count",                    # mistake 1
    "momentum.ema",                                               # mistake 2
    "adam.bias-correction", "adam.update",                        # mistake 3
    "trajectory.step-by-step",                                    # mistakes 2 and 3, step by step
    "precision.ulp",                                              # mistakes 2 and 3, vs 50-digit arithmetic
    "golden.minibatches",                                         # mistake 1, vs the recorded partitions
    "golden.units",                                               # mistakes 2 and 3, vs the recorded unit cases
}


def update_parameters_with_gd(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters


def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    np.random.seed(seed)
    m = X.shape[1]
    mini_batches = []
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(0, num_complete_minibatches):
        mini_batch_X = shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batch_Y = shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]
        mini_batches.append((mini_batch_X, mini_batch_Y))
    return mini_batches                       # mistake 1: the last m % mini_batch_size columns are lost


def initialize_velocity(parameters):
    L = len(parameters) // 2
    v = {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        v["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
    return v


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        v["dW" + str(l)] = beta * v["dW" + str(l)] + grads["dW" + str(l)]      # mistake 2: no (1 - beta)
        v["db" + str(l)] = beta * v["db" + str(l)] + grads["db" + str(l)]
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * v["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * v["db" + str(l)]
    return parameters, v


def initialize_adam(parameters):
    L = len(parameters) // 2
    v = {}
    s = {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        v["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
        s["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        s["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
    return v, s


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,
                                beta1=0.9, beta2=0.999, epsilon=1e-8):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for p in ("W", "b"):
            key = "d" + p + str(l)
            v[key] = beta1 * v[key] + (1 - beta1) * grads[key]
            s[key] = beta2 * s[key] + (1 - beta2) * np.power(grads[key], 2)
            # mistake 3: v and s used without bias correction
            parameters[p + str(l)] = parameters[p + str(l)] - learning_rate * v[key] / np.sqrt(s[key] + epsilon)
    return parameters, v, s
