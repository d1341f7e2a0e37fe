"""The network of the assignment: data, He initialisation, forward, cost, backward, predict.

The course trains ``layers_dims = [2, 5, 2, 1]``:
LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID. The functions below are
written for any number of layers L = len(layers_dims) - 1 (hidden layers use
ReLU, the last one a sigmoid); for L = 3 they compute exactly the course's
``opt_utils`` functions, and the cache has the course's layout
``(z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3)``.
"""
from __future__ import annotations

import numpy as np

from . import _validate as validate

COST_REDUCTIONS = ("mean", "sum")


def load_dataset():
    """The seed-3 moons (SPEC ``data.moons``).

    ``np.random.seed(3)``, then ``sklearn.datasets.make_moons(n_samples=300, noise=.2)``,
    transposed so that examples are columns.

    Returns:
        train_X: (2, 300) float64 array.
        train_Y: (1, 300) int array of labels in {0, 1}.
    """
    import sklearn.datasets          # imported here: scikit-learn costs a second to import, and only this needs it
    np.random.seed(3)
    train_X, train_Y = sklearn.datasets.make_moons(n_samples=300, noise=.2)
    train_X = train_X.T                                # (2, 300)
    train_Y = train_Y.reshape((1, train_Y.shape[0]))   # (1, 300)
    return train_X, train_Y


def initialize_parameters(layers_dims, *, seed=3):
    """He initialisation with ``np.random.seed(3)`` (SPEC ``init.he``; ``seed`` is for sweeps over
    initialisations, the course's is 3).

    For l = 1..L, in this order::

        W_l = randn(n_l, n_{l-1}) * sqrt(2 / n_{l-1})     # (n_l, n_{l-1})
        b_l = zeros((n_l, 1))                             # (n_l, 1)

    The seed is part of the spec: the draws for W1 come first, then W2, ...
    """
    func = "initialize_parameters"
    if not isinstance(layers_dims, (list, tuple)) or len(layers_dims) < 2:
        raise TypeError(f"{func}: argument 'layers_dims' must be a list of at least two layer sizes, "
                        f"got {layers_dims!r}")
    for n in layers_dims:
        validate.integer(n, "layers_dims[i]", func, minimum=1)
    validate.integer(seed, "seed", func, minimum=0)
    np.random.seed(seed)
    parameters = {}
    L = len(layers_dims) - 1
    for l in range(1, L + 1):
        n_l, n_prev = layers_dims[l], layers_dims[l - 1]
        parameters[f"W{l}"] = np.random.randn(n_l, n_prev) * np.sqrt(2 / n_prev)  # (n_l, n_{l-1})
        parameters[f"b{l}"] = np.zeros((n_l, 1))                                  # (n_l, 1)
    return parameters


def relu(x):
    return np.maximum(0, x)


def sigmoid(x):
    with np.errstate(over="ignore"):   # exp(-x) overflows to inf for x << 0; 1/inf = 0 is the right limit
        return 1 / (1 + np.exp(-x))


def forward_propagation(X, parameters):
    """LINEAR -> RELU -> ... -> LINEAR -> SIGMOID (SPEC ``forward.relu-sigmoid``).

    ``z_l = W_l a_{l-1} + b_l`` with ``a_0 = X``; ``a_l = relu(z_l)`` for l < L and
    ``a_L = sigmoid(z_L)``.

    Returns:
        a_L: (1, m) output probabilities (the course's ``a3``).
        cache: ``(z1, a1, W1, b1, ..., zL, aL, WL, bL)``.
    """
    L = validate.number_of_layers(parameters, "forward_propagation")
    cache = []
    a = X                                                   # (n_0, m)
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        z = np.dot(W, a) + b                                # (n_l, m)
        a = sigmoid(z) if l == L else relu(z)
        cache += [z, a, W, b]
    return a, tuple(cache)


def cross_entropy_sum(a3, Y):
    """``sum_i -(y_i log a_i + (1 - y_i) log(1 - a_i))`` over the given columns.

    A term whose label weight is zero contributes exactly 0, also where the
    sigmoid has saturated to exactly 0.0 or 1.0 (``0 * log 0`` is taken as 0,
    its limit), so a confident correct prediction never turns the cost into NaN
    (SPEC ``cost.saturation``). A confident *wrong* prediction costs ``inf``.
    """
    with np.errstate(divide="ignore"):          # log(0) = -inf where the mask discards it
        log_a = np.where(Y != 0, np.log(a3), 0.0)
        log_1ma = np.where(Y != 1, np.log(1 - a3), 0.0)
    logprobs = -(Y * log_a) - (1 - Y) * log_1ma
    return np.sum(logprobs)


def compute_cost(a3, Y, *, reduction="mean"):
    """Binary cross-entropy of the m columns given (SPEC ``cost.bce-mean``, ``cost.reduction``).

    ``J = (1/m) sum_i -(y_i log a3_i + (1 - y_i) log(1 - a3_i))`` (``reduction="mean"``, the seed
    text), or the sum without ``1/m`` (``reduction="sum"``: the 2019 and 2021 editions, whose
    ``model`` adds the batch sums and divides by m once per epoch).
    """
    validate.choice(reduction, "reduction", "compute_cost", COST_REDUCTIONS)
    total = cross_entropy_sum(a3, Y)
    return total / Y.shape[1] if reduction == "mean" else total


def backward_propagation(X, Y, cache):
    """Gradient of ``compute_cost`` with respect to every W_l, b_l (SPEC ``backward.gradient``).

    With m = X.shape[1]::

        dz_L = (a_L - Y) / m                       # (1, m): sigmoid + cross-entropy
        dW_l = dz_l a_{l-1}^T                      # (n_l, n_{l-1})
        db_l = sum over columns of dz_l            # (n_l, 1)
        da_{l-1} = W_l^T dz_l
        dz_{l-1} = da_{l-1} * [a_{l-1} > 0]        # ReLU'(0) is taken as 0

    The ``1/m`` enters once, in ``dz_L``. ReLU's derivative uses the strict
    ``a > 0`` (SPEC ``backward.relu-kink``): exact zeros do occur in training,
    because a pre-activation equals its bias (0 at the start) whenever the
    previous layer's activations are all zero for that example.

    Returns a dict with ``dW_l``, ``db_l`` (and ``dz_l``, ``da_l`` as the course does).
    """
    if len(cache) % 4:
        raise ValueError(f"backward_propagation: argument 'cache' must be (z1, a1, W1, b1, ..., zL, aL, WL, bL), "
                         f"got a tuple of length {len(cache)}")
    L = len(cache) // 4
    m = X.shape[1]
    grads = {}
    a_L = cache[4 * L - 3]
    dz = 1. / m * (a_L - Y)                                 # (1, m)
    for l in range(L, 0, -1):
        W = cache[4 * l - 2]
        a_prev = X if l == 1 else cache[4 * (l - 1) - 3]    # (n_{l-1}, m)
        grads[f"dz{l}"] = dz
        grads[f"dW{l}"] = np.dot(dz, a_prev.T)              # (n_l, n_{l-1})
        grads[f"db{l}"] = np.sum(dz, axis=1, keepdims=True) # (n_l, 1)
        if l > 1:
            da = np.dot(W.T, dz)                            # (n_{l-1}, m)
            grads[f"da{l - 1}"] = da
            dz = np.multiply(da, np.int64(a_prev > 0))
    return grads


def predict(X, Y, parameters):
    """Class 1 iff ``a_L > 0.5`` strictly (SPEC ``predict.threshold``).

    Returns:
        predictions: (1, m) int array of 0/1.
        accuracy: the fraction of columns where the prediction equals Y.

    The course's ``predict`` prints the accuracy and returns only the
    predictions; the reference returns both and prints nothing.
    """
    validate.data(X, Y, "predict")
    a3, _ = forward_propagation(X, parameters)
    predictions = (a3 > 0.5).astype(int)
    accuracy = float(np.mean(predictions[0, :] == Y[0, :]))
    return predictions, accuracy
