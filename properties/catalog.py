"""A catalog of realistic wrong implementations ("mutants") of the assignment.

Each entry replaces exactly one course function of an otherwise correct
implementation (the reference, seed profile) with a version carrying one
mistake people really make. The suite must reject every entry
(tests/test_catalog.py), and ``optoracle mutants`` prints the kill table.
Load one as a target with ``load_target("catalog:NAME")``.

Every entry names the clauses expected to catch it (``caught_by``); the
meta-test checks that at least one of them does.
"""
from __future__ import annotations

import types
from dataclasses import dataclass

import numpy as np

import reference as ref


@dataclass(frozen=True)
class Mutant:
    name: str
    function: str          # the course function it replaces
    mistake: str           # one line: what is wrong
    caught_by: tuple       # SPEC clauses expected to reject it
    impl: object           # the wrong function


CATALOG: dict[str, Mutant] = {}


def mutant(name, function, mistake, *caught_by):
    def register(fn):
        CATALOG[name] = Mutant(name, function, mistake, tuple(caught_by), fn)
        return fn
    return register


def _keys(parameters):
    L = len(parameters) // 2
    return [(f"{p}{l}", f"d{p}{l}") for l in range(1, L + 1) for p in ("W", "b")]


# =========================================================================== Adam
def _adam(parameters, grads, v, s, t, lr, beta1, beta2, epsilon, *, moments=None, correct=None, step=None,
          only=None):
    """A configurable Adam used to write the mutants below without repeating the loop."""
    new_p, new_v, new_s = {}, {}, {}
    for key, dkey in _keys(parameters):
        g = grads[dkey]
        vv, ss = (moments or (lambda v_, s_, g_: (beta1 * v_ + (1 - beta1) * g_,
                                                  beta2 * s_ + (1 - beta2) * g_ ** 2)))(v[dkey], s[dkey], g)
        v_c, s_c = (correct or (lambda a, b: (a / (1 - beta1 ** t), b / (1 - beta2 ** t))))(vv, ss)
        update = (step or (lambda a, b, g_: a / np.sqrt(b + epsilon)))(v_c, s_c, g)
        new_p[key] = parameters[key] - lr * update if (only is None or key.startswith(only)) else parameters[key]
        new_v[dkey], new_s[dkey] = vv, ss
    return new_p, new_v, new_s


@mutant("adam-epsilon-outside-root", "update_parameters_with_adam",
        "epsilon added outside the square root (the later course's convention) under the seed profile",
        "adam.epsilon-placement")
def adam_epsilon_outside(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon,
                 step=lambda a, b, g: a / (np.sqrt(b) + epsilon))


@mutant("adam-no-bias-correction", "update_parameters_with_adam", "v and s used without bias correction",
        "adam.bias-correction", "adam.update")
def adam_no_bias_correction(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, correct=lambda a, b: (a, b))


@mutant("adam-bias-correction-t-minus-1", "update_parameters_with_adam",
        "bias correction with t - 1 (1 - beta**(t-1), a division by zero at t = 1)", "adam.bias-correction",
        "adam.update")
def adam_t_minus_1(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon,
                 correct=lambda a, b: (a / (1 - beta1 ** (t - 1)), b / (1 - beta2 ** (t - 1))))


@mutant("adam-bias-correction-t-plus-1", "update_parameters_with_adam", "bias correction with t + 1",
        "adam.bias-correction")
def adam_t_plus_1(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon,
                 correct=lambda a, b: (a / (1 - beta1 ** (t + 1)), b / (1 - beta2 ** (t + 1))))


@mutant("adam-bias-correction-without-power", "update_parameters_with_adam",
        "bias correction divides by (1 - beta) instead of (1 - beta**t): right only at t = 1",
        "adam.bias-correction")
def adam_no_power(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon,
                 correct=lambda a, b: (a / (1 - beta1), b / (1 - beta2)))


@mutant("adam-betas-swapped", "update_parameters_with_adam", "beta1 and beta2 swapped in the moments",
        "adam.moments", "adam.update")
def adam_betas_swapped(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta2, beta1, epsilon)


@mutant("adam-s-accumulates-g", "update_parameters_with_adam", "s accumulates g instead of g**2",
        "adam.moments", "adam.update")
def adam_s_of_g(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon,
                 moments=lambda v_, s_, g: (beta1 * v_ + (1 - beta1) * g, beta2 * s_ + (1 - beta2) * np.abs(g)))


@mutant("adam-stores-corrected-moments", "update_parameters_with_adam",
        "the corrected moments are stored back into v and s", "adam.moments")
def adam_stores_corrected(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    new_p, new_v, new_s = _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)
    return (new_p, {k: a / (1 - beta1 ** t) for k, a in new_v.items()},
            {k: a / (1 - beta2 ** t) for k, a in new_s.items()})


@mutant("adam-missing-square-root", "update_parameters_with_adam", "divides by s_corrected + eps, no square root",
        "adam.update")
def adam_no_sqrt(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon,
                 step=lambda a, b, g: a / (b + epsilon))


@mutant("adam-uses-raw-gradient", "update_parameters_with_adam",
        "the step uses the raw gradient instead of v_corrected", "adam.update")
def adam_raw_gradient(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon,
                 step=lambda a, b, g: g / np.sqrt(b + epsilon))


@mutant("adam-only-W-updated", "update_parameters_with_adam", "only the weights W move; the biases b stay",
        "adam.update")
def adam_only_w(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, only="W")


@mutant("adam-gradient-sign-flipped", "update_parameters_with_adam", "p + lr * step: ascends instead of descends",
        "adam.update")
def adam_sign(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, -learning_rate, beta1, beta2, epsilon)


@mutant("adam-epsilon-in-numerator", "update_parameters_with_adam",
        "epsilon added to v_corrected too: a zero gradient still moves the parameters", "adam.update")
def adam_eps_numerator(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon,
                 step=lambda a, b, g: (a + epsilon) / np.sqrt(b + epsilon))


# ======================================================================= momentum
def _momentum(parameters, grads, v, beta, lr, rule, use="v"):
    new_p, new_v = {}, {}
    for key, dkey in _keys(parameters):
        vv = rule(v[dkey], grads[dkey])
        new_v[dkey] = vv
        new_p[key] = parameters[key] - lr * (vv if use == "v" else grads[dkey])
    return new_p, new_v


@mutant("momentum-without-one-minus-beta", "update_parameters_with_momentum",
        "v = beta v + g (PyTorch's trace) instead of the EMA v = beta v + (1 - beta) g", "momentum.ema")
def momentum_trace(parameters, grads, v, beta, learning_rate):
    return _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: beta * v_ + g)


@mutant("momentum-updates-with-gradient", "update_parameters_with_momentum",
        "v is computed but the parameters move by the gradient", "momentum.update")
def momentum_with_gradient(parameters, grads, v, beta, learning_rate):
    return _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: beta * v_ + (1 - beta) * g, use="g")


@mutant("momentum-velocity-not-stored", "update_parameters_with_momentum",
        "the new velocity is used for the step but the old one is returned", "momentum.ema")
def momentum_not_stored(parameters, grads, v, beta, learning_rate):
    new_p, _ = _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: beta * v_ + (1 - beta) * g)
    return new_p, {k: a.copy() for k, a in v.items()}


@mutant("momentum-beta-on-gradient", "update_parameters_with_momentum",
        "beta applied to the gradient: v = (1 - beta) v + beta g", "momentum.ema")
def momentum_beta_swapped(parameters, grads, v, beta, learning_rate):
    return _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: (1 - beta) * v_ + beta * g)


@mutant("momentum-velocity-offset", "update_parameters_with_momentum",
        "a smoothing epsilon added to v: zero gradients still move the parameters", "momentum.ema")
def momentum_offset(parameters, grads, v, beta, learning_rate):
    return _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: beta * v_ + (1 - beta) * g + 1e-8)


# ============================================================================= GD
@mutant("gd-sign-flipped", "update_parameters_with_gd", "p + lr * g", "gd.update")
def gd_sign(parameters, grads, learning_rate):
    return {key: parameters[key] + learning_rate * grads[dkey] for key, dkey in _keys(parameters)}


@mutant("gd-db-uses-dW", "update_parameters_with_gd", "b updated with dW's key (broadcast) instead of db",
        "gd.update")
def gd_wrong_key(parameters, grads, learning_rate):
    out = {}
    for key, dkey in _keys(parameters):
        g = grads["dW" + key[1:]] if key.startswith("b") else grads[dkey]
        out[key] = parameters[key] - learning_rate * (g if g.shape == parameters[key].shape else g[:, :1])
    return out


@mutant("gd-unscaled-weight-decay", "update_parameters_with_gd",
        "an L2 weight decay p -= 1e-4 p slipped in, not scaled by lr", "gd.update")
def gd_decay(parameters, grads, learning_rate):
    return {key: parameters[key] - learning_rate * grads[dkey] - 1e-4 * parameters[key]
            for key, dkey in _keys(parameters)}


# =================================================================== initialisation
@mutant("adam-state-v-and-s-share-buffers", "initialize_adam", "v and s hold the same zeros arrays",
        "state.no-aliasing")
def init_adam_shared(parameters):
    v = {f"d{key}": np.zeros(parameters[key].shape) for key, _ in _keys(parameters)}
    return v, dict(v)


@mutant("velocity-keys-share-one-buffer", "initialize_velocity",
        "one zeros array reused for every key of the same shape", "state.no-aliasing")
def init_velocity_shared(parameters):
    cache, v = {}, {}
    for key, dkey in _keys(parameters):
        v[dkey] = cache.setdefault(parameters[key].shape, np.zeros(parameters[key].shape))
    return v


@mutant("velocity-initialized-to-ones", "initialize_velocity", "np.ones instead of np.zeros", "state.init")
def init_velocity_ones(parameters):
    return {dkey: np.ones(parameters[key].shape) for key, dkey in _keys(parameters)}


@mutant("adam-state-shapes-transposed", "initialize_adam", "v and s shaped like the transposed parameters",
        "api.signatures", "state.init")
def init_adam_transposed(parameters):
    return ({dkey: np.zeros(parameters[key].T.shape) for key, dkey in _keys(parameters)},
            {dkey: np.zeros(parameters[key].T.shape) for key, dkey in _keys(parameters)})


@mutant("he-init-uses-xavier-scale", "initialize_parameters", "sqrt(1 / n_{l-1}) instead of sqrt(2 / n_{l-1})",
        "init.he")
def init_xavier(layers_dims):
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layers_dims)):
        parameters[f"W{l}"] = np.random.randn(layers_dims[l], layers_dims[l - 1]) * np.sqrt(1 / layers_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((layers_dims[l], 1))
    return parameters


# ==================================================================== mini-batches
def _shuffle(X, Y, seed, set_seed=True):
    if set_seed:
        np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    return X[:, permutation], Y[:, permutation].reshape((1, m))


def _cut(X, Y, size, keep_last=True):
    m = X.shape[1]
    batches = [(X[:, k * size:(k + 1) * size], Y[:, k * size:(k + 1) * size]) for k in range(m // size)]
    if keep_last and m % size:
        batches.append((X[:, (m // size) * size:], Y[:, (m // size) * size:]))
    return batches


@mutant("minibatch-separate-permutations", "random_mini_batches", "X and Y shuffled with two different permutations",
        "minibatch.pairing")
def mb_two_perms(X, Y, mini_batch_size=64, seed=0):
    np.random.seed(seed)
    m = X.shape[1]
    shuffled_X = X[:, np.random.permutation(m)]
    shuffled_Y = Y[:, np.random.permutation(m)].reshape((1, m))
    return _cut(shuffled_X, shuffled_Y, mini_batch_size)


@mutant("minibatch-drops-last-partial-batch", "random_mini_batches", "the last m % size columns are lost",
        "minibatch.partition", "minibatch.count")
def mb_drop_last(X, Y, mini_batch_size=64, seed=0):
    return _cut(*_shuffle(X, Y, seed), mini_batch_size, keep_last=False)


@mutant("minibatch-off-by-one-slices", "random_mini_batches",
        "slices k*size+1 .. (k+1)*size+1: the first column lost, batches overlap", "minibatch.partition")
def mb_off_by_one(X, Y, mini_batch_size=64, seed=0):
    sx, sy = _shuffle(X, Y, seed)
    m, size = X.shape[1], mini_batch_size
    batches = [(sx[:, k * size + 1:(k + 1) * size + 1], sy[:, k * size + 1:(k + 1) * size + 1])
               for k in range(m // size)]
    if m % size:
        batches.append((sx[:, (m // size) * size:], sy[:, (m // size) * size:]))
    return batches


@mutant("minibatch-seed-not-set", "random_mini_batches", "np.random.seed(seed) never called", "minibatch.seed")
def mb_no_seed(X, Y, mini_batch_size=64, seed=0):
    return _cut(*_shuffle(X, Y, seed, set_seed=False), mini_batch_size)


@mutant("minibatch-y-flattened", "random_mini_batches", "Y batches returned with shape (size,) instead of (1, size)",
        "minibatch.shapes")
def mb_flat_y(X, Y, mini_batch_size=64, seed=0):
    return [(bx, by.reshape(-1)) for bx, by in _cut(*_shuffle(X, Y, seed), mini_batch_size)]


@mutant("minibatch-shuffles-in-place", "random_mini_batches", "X and Y shuffled in place (the caller's arrays change)",
        "minibatch.no-mutation")
def mb_in_place(X, Y, mini_batch_size=64, seed=0):
    np.random.seed(seed)
    permutation = np.random.permutation(X.shape[1])
    X[:] = X[:, permutation]
    Y[:] = Y[:, permutation]
    return _cut(X.copy(), Y.copy(), mini_batch_size)


@mutant("minibatch-size-ignored", "random_mini_batches", "the default 64 is used whatever mini_batch_size says",
        "minibatch.count", "minibatch.shapes")
def mb_size_ignored(X, Y, mini_batch_size=64, seed=0):
    return _cut(*_shuffle(X, Y, seed), 64)


@mutant("minibatch-last-batch-wraps-around", "random_mini_batches",
        "the last batch is padded to full size with columns from the start", "minibatch.shapes", "minibatch.partition")
def mb_wrap(X, Y, mini_batch_size=64, seed=0):
    sx, sy = _shuffle(X, Y, seed)
    m, size = X.shape[1], mini_batch_size
    batches = _cut(sx, sy, size, keep_last=False)
    if m % size:
        idx = [(m // size) * size + j for j in range(size)]
        idx = [i % m for i in idx]
        batches.append((sx[:, idx], sy[:, idx]))
    return batches


# ========================================================== forward / cost / backward
@mutant("relu-derivative-one-at-zero", "backward_propagation", "ReLU'(0) taken as 1 (a >= 0)", "backward.relu-kink")
def backward_relu_ge(X, Y, cache):
    return _backward(X, Y, cache, lambda a: np.int64(a >= 0))


@mutant("relu-derivative-half-at-zero", "backward_propagation", "ReLU'(0) taken as 0.5", "backward.relu-kink")
def backward_relu_half(X, Y, cache):
    return _backward(X, Y, cache, lambda a: np.where(a > 0, 1.0, np.where(a == 0, 0.5, 0.0)))


@mutant("backward-missing-one-over-m", "backward_propagation", "dz3 = a3 - Y: the gradient of the sum, not the mean",
        "backward.gradient")
def backward_no_mean(X, Y, cache):
    return _backward(X, Y, cache, lambda a: np.int64(a > 0), scale=lambda m: 1.0)


@mutant("backward-one-over-m-twice", "backward_propagation", "1/m applied in dz3 and again in every dW",
        "backward.gradient")
def backward_mean_twice(X, Y, cache):
    grads = _backward(X, Y, cache, lambda a: np.int64(a > 0))
    m = X.shape[1]
    return {k: (a / m if k.startswith("dW") else a) for k, a in grads.items()}


@mutant("relu-derivative-on-wrong-layer", "backward_propagation",
        "dz_{l-1} masked with [a_l > 0] of the layer above instead of its own", "backward.gradient")
def backward_wrong_layer(X, Y, cache):
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache
    m = X.shape[1]
    dz3 = 1. / m * (a3 - Y)
    dW3, db3 = dz3 @ a2.T, np.sum(dz3, axis=1, keepdims=True)
    dz2 = (W3.T @ dz3) * np.int64(a2 > 0)
    dW2, db2 = dz2 @ a1.T, np.sum(dz2, axis=1, keepdims=True)
    dz1 = (W2.T @ dz2) * np.int64((W2.T @ a2) > 0)          # wrong: a mask built from layer 2
    dW1, db1 = dz1 @ X.T, np.sum(dz1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def _backward(X, Y, cache, relu_prime, scale=lambda m: 1. / m):
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache
    m = X.shape[1]
    dz3 = scale(m) * (a3 - Y)
    dW3, db3 = dz3 @ a2.T, np.sum(dz3, axis=1, keepdims=True)
    dz2 = (W3.T @ dz3) * relu_prime(a2)
    dW2, db2 = dz2 @ a1.T, np.sum(dz2, axis=1, keepdims=True)
    dz1 = (W2.T @ dz2) * relu_prime(a1)
    dW1, db1 = dz1 @ X.T, np.sum(dz1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


@mutant("cost-naive-log-on-saturated-sigmoid", "compute_cost",
        "-(y log a + (1-y) log(1-a)) evaluated as is: 0 * log 0 gives NaN", "cost.saturation")
def cost_naive(a3, Y):
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return 1. / m * np.sum(logprobs)


@mutant("cost-sum-not-mean", "compute_cost", "the summed cross-entropy (later course versions) as the cost",
        "cost.bce-mean")
def cost_sum(a3, Y):
    return ref.cross_entropy_sum(a3, Y)


@mutant("forward-sigmoid-on-hidden-layers", "forward_propagation", "sigmoid instead of ReLU on the hidden layers",
        "forward.relu-sigmoid")
def forward_sigmoid(X, parameters):
    a, cache = X, []
    L = len(parameters) // 2
    for l in range(1, L + 1):
        z = parameters[f"W{l}"] @ a + parameters[f"b{l}"]
        a = ref.sigmoid(z)
        cache += [z, a, parameters[f"W{l}"], parameters[f"b{l}"]]
    return a, tuple(cache)


@mutant("predict-threshold-inclusive", "predict", "class 1 iff a3 >= 0.5", "predict.threshold")
def predict_ge(X, Y, parameters):
    a3, _ = ref.forward_propagation(X, parameters)
    p = (a3 >= 0.5).astype(int)
    return p, float(np.mean(p == Y))


# ========================================================================= training
def _model(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9, beta1=0.9,
           beta2=0.999, epsilon=1e-8, num_epochs=10000, print_cost=True, *, seed_step=1, reset_t=False):
    parameters = ref.initialize_parameters(layers_dims)
    v = ref.initialize_velocity(parameters)
    _, s = ref.initialize_adam(parameters)
    t, seed = 0, 10
    for i in range(num_epochs):
        seed = seed + seed_step
        if reset_t:
            t = 0
        for bx, by in ref.random_mini_batches(X, Y, mini_batch_size, seed):
            a3, cache = ref.forward_propagation(bx, parameters)
            grads = ref.backward_propagation(bx, by, cache)
            if optimizer == "gd":
                parameters = ref.update_parameters_with_gd(parameters, grads, learning_rate)
            elif optimizer == "momentum":
                parameters, v = ref.update_parameters_with_momentum(parameters, grads, v, beta, learning_rate)
            else:
                t = t + 1
                parameters, v, s = ref.update_parameters_with_adam(parameters, grads, v, s, t, learning_rate,
                                                                   beta1, beta2, epsilon)
    return parameters


@mutant("train-adam-t-reset-every-epoch", "model", "Adam's t set back to 0 at the start of every epoch",
        "train.trajectory")
def model_reset_t(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9, beta1=0.9,
                  beta2=0.999, epsilon=1e-8, num_epochs=10000, print_cost=True):
    return _model(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2, epsilon,
                  num_epochs, print_cost, reset_t=True)


@mutant("train-epoch-cost-is-mean-of-batch-means", "train",
        "epoch cost = mean of the mini-batch means (over-weights the last, partial batch)", "train.costs")
def train_mean_of_means(X, Y, layers_dims, optimizer, *args, **kwargs):
    result = ref.train(X, Y, layers_dims, optimizer, *args, **kwargs)
    result.epoch_costs = result.minibatch_costs.mean(axis=1)
    return result


@mutant("train-seed-not-incremented", "model", "every epoch reshuffles with the same seed 10", "train.trajectory")
def model_same_seed(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9, beta1=0.9,
                    beta2=0.999, epsilon=1e-8, num_epochs=10000, print_cost=True):
    return _model(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2, epsilon,
                  num_epochs, print_cost, seed_step=0)


# ------------------------------------------------------------------------ targets
def module_for(name):
    """A module exposing the reference's course functions, with entry ``name``'s function swapped in.

    The base is the reference in the course's signatures: the seed profile
    (epsilon inside), Adam returning (parameters, v, s), ``model`` printing nothing.
    """
    if name not in CATALOG:
        raise ImportError(f"no catalog entry {name!r}; entries: {', '.join(CATALOG)}")
    entry = CATALOG[name]
    module = types.ModuleType(f"catalog:{name}")
    module.__file__ = __file__
    for fn in ("random_mini_batches", "update_parameters_with_gd", "initialize_velocity",
               "update_parameters_with_momentum", "initialize_adam", "initialize_parameters",
               "forward_propagation", "backward_propagation", "compute_cost", "predict"):
        setattr(module, fn, getattr(ref, fn))
    module.update_parameters_with_adam = (
        lambda parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8:
        ref.update_parameters_with_adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon))
    module.model = _model
    module.train = ref.train
    setattr(module, entry.function, entry.impl)
    module.__doc__ = f"{entry.function}: {entry.mistake}"
    return module

