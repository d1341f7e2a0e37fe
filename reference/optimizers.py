"""The optimizers of the assignment: gradient descent, mini-batches, momentum, Adam.

Every update function validates all of its inputs first and then returns *new*
dicts and arrays; it never mutates ``parameters``, ``grads``, ``v`` or ``s``
(the course's own code rebinds the dict entries in place; both are allowed for
a target, see SPEC ``api.in-place``). ``L = len(parameters) // 2`` layers.

The ``*_step`` helpers hold the arithmetic of one parameter; ``train`` calls
them directly, so the training loop computes exactly, bit for bit, what the
public functions compute.
"""
from __future__ import annotations

import math

import numpy as np

from . import _validate as validate

EPSILON_PLACEMENTS = ("inside", "outside")
ADAM_RETURNS = (3, 5)


# --------------------------------------------------------------------------- gd
def gd_step(p, g, learning_rate):
    """``p - lr * g``."""
    return p - learning_rate * g


def update_parameters_with_gd(parameters, grads, learning_rate):
    """One step of (mini-batch) gradient descent (SPEC ``gd.update``).

    .. math::  W_l \\leftarrow W_l - \\alpha\\, dW_l, \\qquad b_l \\leftarrow b_l - \\alpha\\, db_l

    Symbols: alpha = ``learning_rate``; dW_l, db_l = ``grads["dW{l}"]``, ``grads["db{l}"]``.
    """
    func = "update_parameters_with_gd"
    L = validate.number_of_layers(parameters, func)
    validate.matching_dict(grads, "grads", "d", parameters, L, func)
    validate.non_negative(learning_rate, "learning_rate", func)
    new = {}
    for l in range(1, L + 1):
        for name in ("W", "b"):
            new[f"{name}{l}"] = gd_step(parameters[f"{name}{l}"], grads[f"d{name}{l}"], learning_rate)
    return new


# ------------------------------------------------------------------- mini-batches
def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """Shuffle the columns of (X, Y) and cut them into mini-batches (SPEC ``minibatch.*``).

    Exactly as the seed text::

        np.random.seed(seed)
        permutation = list(np.random.permutation(m))   # one permutation for X and Y
        shuffled_X = X[:, permutation]
        shuffled_Y = Y[:, permutation].reshape((1, m))

    then ``floor(m / mini_batch_size)`` full batches of ``mini_batch_size``
    columns, and, if ``m % mini_batch_size != 0``, one last batch of the
    remaining ``m % mini_batch_size`` columns. Y batches are (1, size).

    Example: after ``np.random.seed(1)``, ``np.random.permutation(5)`` is ``[2 1 4 0 3]``.

    Returns a list of ``(mini_batch_X, mini_batch_Y)`` tuples.
    """
    func = "random_mini_batches"
    validate.data(X, Y, func)
    validate.integer(mini_batch_size, "mini_batch_size", func, minimum=1, why=" (a positive number of columns)")
    validate.integer(seed, "seed", func, minimum=0)
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]                     # (n_x, m)
    shuffled_Y = Y[:, permutation].reshape((1, m))     # (1, m)

    mini_batches = []
    num_complete_minibatches = math.floor(m / mini_batch_size)
    for k in range(num_complete_minibatches):
        cols = slice(k * mini_batch_size, (k + 1) * mini_batch_size)
        mini_batches.append((shuffled_X[:, cols], shuffled_Y[:, cols]))
    if m % mini_batch_size != 0:
        cols = slice(num_complete_minibatches * mini_batch_size, m)
        mini_batches.append((shuffled_X[:, cols], shuffled_Y[:, cols]))
    return mini_batches


# ----------------------------------------------------------------------- momentum
def initialize_velocity(parameters):
    """Zero velocity ``v["dW{l}"]``, ``v["db{l}"]`` shaped like each parameter (SPEC ``state.init``).

    Every entry is its own freshly allocated buffer (no two keys share memory).
    """
    L = validate.number_of_layers(parameters, "initialize_velocity")
    v = {}
    for l in range(1, L + 1):
        for name in ("W", "b"):
            v[f"d{name}{l}"] = np.zeros(parameters[f"{name}{l}"].shape)
    return v


def momentum_step(p, g, v, beta, learning_rate):
    """Returns ``(p_new, v_new)`` with ``v_new = beta v + (1 - beta) g`` and ``p_new = p - lr v_new``."""
    v = beta * v + (1 - beta) * g
    return p - learning_rate * v, v


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    """One step of momentum, the course's exponential moving average form (SPEC ``momentum.ema``).

    .. math::
        v_{dW} \\leftarrow \\beta\\, v_{dW} + (1 - \\beta)\\, dW, \\qquad
        W \\leftarrow W - \\alpha\\, v_{dW}

    and the same for b. Symbols: beta = ``beta``, alpha = ``learning_rate``,
    v_dW = ``v["dW{l}"]``, dW = ``grads["dW{l}"]``.

    Warning (convention trap): PyTorch's ``SGD(momentum=beta)`` and optax's
    ``trace`` use ``v = beta v + g`` with no ``(1 - beta)`` factor; their
    velocity is ``1 / (1 - beta)`` times larger in the steady state. With the
    EMA form a constant gradient g gives ``v_t = (1 - beta**t) g``.

    Returns ``(parameters, v)``, both new dicts.
    """
    func = "update_parameters_with_momentum"
    L = validate.number_of_layers(parameters, func)
    validate.matching_dict(grads, "grads", "d", parameters, L, func)
    validate.matching_dict(v, "v", "d", parameters, L, func)
    validate.beta(beta, "beta", func)
    validate.non_negative(learning_rate, "learning_rate", func)
    new_parameters, new_v = {}, {}
    for l in range(1, L + 1):
        for name in ("W", "b"):
            key, dkey = f"{name}{l}", f"d{name}{l}"
            new_parameters[key], new_v[dkey] = momentum_step(parameters[key], grads[dkey], v[dkey], beta, learning_rate)
    return new_parameters, new_v


# --------------------------------------------------------------------------- adam
def initialize_adam(parameters):
    """Zero moments ``v`` and ``s``, keys ``dW{l}``, ``db{l}``, shaped like the parameters (SPEC ``state.init``).

    Returns ``(v, s)``; all 4L arrays are distinct buffers (v and s never alias).
    """
    L = validate.number_of_layers(parameters, "initialize_adam")
    v, s = {}, {}
    for l in range(1, L + 1):
        for name in ("W", "b"):
            v[f"d{name}{l}"] = np.zeros(parameters[f"{name}{l}"].shape)
            s[f"d{name}{l}"] = np.zeros(parameters[f"{name}{l}"].shape)
    return v, s


def adam_step(p, g, v, s, t, learning_rate, beta1, beta2, epsilon, epsilon_placement):
    """Returns ``(p_new, v_new, s_new, v_corrected, s_corrected)`` for one parameter; see
    ``update_parameters_with_adam``."""
    v = beta1 * v + (1 - beta1) * g                       # first moment (EMA of g)
    s = beta2 * s + (1 - beta2) * np.square(g)            # second moment (EMA of g**2)
    v_corrected = v / (1 - beta1 ** t)                    # bias correction
    s_corrected = s / (1 - beta2 ** t)
    if epsilon_placement == "inside":
        denominator = np.sqrt(s_corrected + epsilon)      # seed text
    else:
        denominator = np.sqrt(s_corrected) + epsilon      # later course versions, PyTorch, optax
    return p - learning_rate * v_corrected / denominator, v, s, v_corrected, s_corrected


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,
                                beta1=0.9, beta2=0.999, epsilon=1e-8, *, epsilon_placement="inside", returns=3):
    """One step of Adam (SPEC ``adam.moments``, ``adam.bias-correction``, ``adam.epsilon-placement``).

    For every parameter p with gradient g, at step t = 1, 2, 3, ...:

    .. math::
        v &\\leftarrow \\beta_1 v + (1 - \\beta_1)\\, g \\\\
        s &\\leftarrow \\beta_2 s + (1 - \\beta_2)\\, g^2 \\\\
        \\hat v &= v / (1 - \\beta_1^t), \\qquad \\hat s = s / (1 - \\beta_2^t) \\\\
        p &\\leftarrow p - \\alpha\\, \\hat v / \\sqrt{\\hat s + \\varepsilon}
            \\quad (\\text{"inside"}, \\text{default, as the seed text}) \\\\
        p &\\leftarrow p - \\alpha\\, \\hat v / (\\sqrt{\\hat s} + \\varepsilon)
            \\quad (\\text{"outside"}: \\text{later course versions, PyTorch, optax})

    Symbols: alpha = ``learning_rate``, beta1/beta2 = ``beta1``/``beta2``,
    epsilon = ``epsilon``, t = ``t``, v/s = ``v["dW{l}"]``/``s["dW{l}"]``,
    v_hat/s_hat are the course's ``v_corrected``/``s_corrected``.

    Warnings (convention traps):
      * ``t`` starts at 1 (the first update) and is never reset, not per epoch
        and not per mini-batch; ``t = 0`` would divide by ``1 - beta**0 = 0``.
      * Epsilon inside the root (``sqrt(s_hat + eps)``, the seed text, this
        function's default) differs from outside (``sqrt(s_hat) + eps``) most
        when ``s_hat`` is small compared with ``eps**2`` vs ``eps``: the first
        bounds the step by ``|v_hat| / sqrt(eps)``, the second by ``|v_hat| / eps``.
        The two are named spec profiles (``seed`` and ``course``); pick with
        ``epsilon_placement``.
      * v and s store the *uncorrected* moments; the corrected ones are not kept.

    Reference: Kingma & Ba, "Adam: A Method for Stochastic Optimization", 2015, Algorithm 1.

    Returns ``(parameters, v, s)``, all new dicts; with ``returns=5`` (the 2021 edition)
    ``(parameters, v, s, v_corrected, s_corrected)``.
    """
    func = "update_parameters_with_adam"
    L = validate.number_of_layers(parameters, func)
    validate.matching_dict(grads, "grads", "d", parameters, L, func)
    validate.matching_dict(v, "v", "d", parameters, L, func)
    validate.matching_dict(s, "s", "d", parameters, L, func)
    validate.integer(t, "t", func, minimum=1, why=" (Adam's step counter starts at 1)")
    validate.non_negative(learning_rate, "learning_rate", func)
    validate.beta(beta1, "beta1", func)
    validate.beta(beta2, "beta2", func)
    validate.non_negative(epsilon, "epsilon", func)
    validate.choice(epsilon_placement, "epsilon_placement", func, EPSILON_PLACEMENTS)
    validate.choice(returns, "returns", func, ADAM_RETURNS)
    new_parameters, new_v, new_s, v_corrected, s_corrected = {}, {}, {}, {}, {}
    for l in range(1, L + 1):
        for name in ("W", "b"):
            key, dkey = f"{name}{l}", f"d{name}{l}"
            new_parameters[key], new_v[dkey], new_s[dkey], v_corrected[dkey], s_corrected[dkey] = adam_step(
                parameters[key], grads[dkey], v[dkey], s[dkey], t,
                learning_rate, beta1, beta2, epsilon, epsilon_placement)
    if returns == 5:
        return new_parameters, new_v, new_s, v_corrected, s_corrected
    return new_parameters, new_v, new_s


# ------------------------------------------------------------ learning-rate decay
def update_lr(learning_rate0, epoch_num, decay_rate):
    """Inverse-time decay, every epoch (2021 edition; SPEC ``train.decay``).

    .. math::  \\alpha = \\frac{\\alpha_0}{1 + r \\cdot e}

    Symbols: alpha_0 = ``learning_rate0``, r = ``decay_rate``, e = ``epoch_num``. The course writes it
    ``1 / (1 + decay_rate * epoch_num) * learning_rate0``; that order differs from this one in
    the last bit at most (SPEC ``precision.ulp``, "Tolerances").
    """
    func = "update_lr"
    validate.non_negative(learning_rate0, "learning_rate0", func)
    validate.non_negative(epoch_num, "epoch_num", func)
    validate.non_negative(decay_rate, "decay_rate", func)
    return learning_rate0 / (1 + decay_rate * epoch_num)


def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    """Inverse-time decay in steps of ``time_interval`` epochs (2021 edition; SPEC ``train.decay``).

    .. math::  \\alpha = \\frac{\\alpha_0}{1 + r \\lfloor e / T \\rfloor}

    Symbols: alpha_0 = ``learning_rate0``, r = ``decay_rate``, e = ``epoch_num``, T = ``time_interval``.
    """
    func = "schedule_lr_decay"
    validate.non_negative(learning_rate0, "learning_rate0", func)
    validate.non_negative(epoch_num, "epoch_num", func)
    validate.non_negative(decay_rate, "decay_rate", func)
    validate.real(time_interval, "time_interval", func, low=0.0)
    if time_interval == 0:
        raise ValueError(f"{func}: argument 'time_interval' must be > 0, got {time_interval!r}")
    return learning_rate0 / (1 + decay_rate * math.floor(epoch_num / time_interval))


DECAYS = {"update_lr": update_lr, "schedule_lr_decay": schedule_lr_decay}
