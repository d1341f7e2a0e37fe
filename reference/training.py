"""The training loop of the assignment (SPEC ``train.*``)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _validate as validate
from .network import (backward_propagation, cross_entropy_sum, forward_propagation,
                      initialize_parameters)
from .optimizers import (DECAYS, EPSILON_PLACEMENTS, adam_step, gd_step, initialize_adam, initialize_velocity,
                         momentum_step, random_mini_batches)

OPTIMIZERS = ("gd", "momentum", "adam")
COST_VIEWS = ("last-batch", "epoch-mean")


@dataclass
class TrainResult:
    """What ``train`` returns.

    parameters:       the trained ``W{l}``, ``b{l}``.
    minibatch_costs:  (num_epochs, batches_per_epoch) ``compute_cost`` (the batch mean) of each
                      mini-batch's forward pass, taken before that batch's update.
    minibatch_sums:   the same forward passes' summed cross-entropy (``compute_cost`` of the
                      2019 and 2021 editions).
    epoch_costs:      (num_epochs,) ``sum over the epoch's batches of the summed cross-entropy / m``.
    learning_rates:   (num_epochs,) the learning rate after epoch i (what the next epoch uses;
                      constant without decay).
    t:                Adam's step counter after the last update (0 for gd, momentum).
    snapshots:        {e: parameters after e completed epochs} for each e in ``snapshot_epochs``.
    """
    parameters: dict
    minibatch_costs: np.ndarray
    epoch_costs: np.ndarray
    optimizer: str
    t: int
    snapshots: dict = field(default_factory=dict)
    minibatch_sums: np.ndarray | None = None
    learning_rates: np.ndarray | None = None

    def printed_cost(self, epoch, cost_view="last-batch"):
        """The cost ``model`` prints after ``epoch`` (SPEC ``model.printed-cost``): a cost per example
        in every edition, whatever ``compute_cost`` returns.

        ``last-batch`` (the seed text): the mean cross-entropy of the epoch's last mini-batch (the
        seed's ``compute_cost``); ``epoch-mean`` (2019, 2021): the epoch's total cost / m.
        """
        if cost_view == "epoch-mean":
            return self.epoch_costs[epoch]
        return self.minibatch_costs[epoch, self.minibatch_costs.shape[1] - 1]


def _decay_function(decay, func):
    """``decay`` as a function ``(learning_rate0, epoch_num, decay_rate) -> learning_rate``, or None."""
    if decay is None or callable(decay):
        return decay
    validate.choice(decay, "decay", func, tuple(DECAYS))
    return DECAYS[decay]


def train(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9,
          beta1=0.9, beta2=0.999, epsilon=1e-8, num_epochs=10000, *, epsilon_placement="inside",
          decay=None, decay_rate=1, init_seed=3, first_seed=11, callback=None, snapshot_epochs=()):
    """Train the network with mini-batch gd, momentum or Adam (SPEC ``train.*``).

    The loop of the course's ``model``, whose details are part of the spec::

        parameters = initialize_parameters(layers_dims)     # He, np.random.seed(3)
        seed, t = 10, 0
        learning_rate0 = learning_rate
        for i in range(num_epochs):
            seed = seed + 1                                  # epoch i uses seed 11 + i
            for (X_b, Y_b) in random_mini_batches(X, Y, mini_batch_size, seed):
                a3, cache = forward_propagation(X_b, parameters)
                cost of this batch (before the update)
                grads = backward_propagation(X_b, Y_b, cache)
                t = t + 1                                    # Adam only; never reset
                parameters = update(parameters, grads, ...)
            if decay:                                        # 2021 edition (SPEC train.decay)
                learning_rate = decay(learning_rate0, i, decay_rate)

    ``init_seed`` (the course's 3) seeds the He initialisation and ``first_seed`` (the course's 11)
    is epoch 0's mini-batch seed; both are for sweeps over many runs (``reference.batched``).
    ``decay`` is None, a function ``(learning_rate0, epoch_num, decay_rate)``, or the name of
    one of the course's (``"update_lr"``, ``"schedule_lr_decay"``).
    ``callback(epoch, epoch_cost)``, if given, is called after every epoch;
    ``snapshot_epochs`` lists counts of completed epochs after which to keep a copy of the parameters.
    """
    func = "train"
    validate.data(X, Y, func)
    validate.choice(optimizer, "optimizer", func, OPTIMIZERS)
    validate.choice(epsilon_placement, "epsilon_placement", func, EPSILON_PLACEMENTS)
    validate.non_negative(learning_rate, "learning_rate", func)
    validate.integer(mini_batch_size, "mini_batch_size", func, minimum=1, why=" (a positive number of columns)")
    validate.beta(beta, "beta", func)
    validate.beta(beta1, "beta1", func)
    validate.beta(beta2, "beta2", func)
    validate.non_negative(epsilon, "epsilon", func)
    validate.integer(num_epochs, "num_epochs", func, minimum=1)
    decay = _decay_function(decay, func)
    validate.non_negative(decay_rate, "decay_rate", func)
    validate.integer(first_seed, "first_seed", func, minimum=1)
    if layers_dims[0] != X.shape[0] or layers_dims[-1] != 1:
        raise ValueError(f"{func}: argument 'layers_dims' must start with X's {X.shape[0]} features "
                         f"and end with 1 output unit, got {layers_dims!r}")

    m = X.shape[1]
    parameters = initialize_parameters(layers_dims, seed=init_seed)
    keys = [(f"{name}{l}", f"d{name}{l}") for l in range(1, len(layers_dims)) for name in ("W", "b")]
    v, s = initialize_adam(parameters) if optimizer == "adam" else (initialize_velocity(parameters), None)
    batches_per_epoch = math.ceil(m / mini_batch_size)
    minibatch_sums = np.empty((num_epochs, batches_per_epoch))
    minibatch_costs = np.empty((num_epochs, batches_per_epoch))
    epoch_costs = np.empty(num_epochs)
    learning_rates = np.empty(num_epochs)
    learning_rate0 = learning_rate
    seed, t = first_seed - 1, 0
    snapshots = {}

    for i in range(num_epochs):
        seed = seed + 1
        cost_total = 0.0
        for k, (X_b, Y_b) in enumerate(random_mini_batches(X, Y, mini_batch_size, seed)):
            a3, cache = forward_propagation(X_b, parameters)
            batch_cost_sum = cross_entropy_sum(a3, Y_b)
            minibatch_sums[i, k] = batch_cost_sum
            minibatch_costs[i, k] = batch_cost_sum / Y_b.shape[1]   # == compute_cost(a3, Y_b)
            cost_total += batch_cost_sum
            grads = backward_propagation(X_b, Y_b, cache)
            if optimizer == "gd":
                for key, dkey in keys:
                    parameters[key] = gd_step(parameters[key], grads[dkey], learning_rate)
            elif optimizer == "momentum":
                for key, dkey in keys:
                    parameters[key], v[dkey] = momentum_step(parameters[key], grads[dkey], v[dkey], beta,
                                                             learning_rate)
            else:
                t = t + 1
                for key, dkey in keys:
                    parameters[key], v[dkey], s[dkey], _, _ = adam_step(
                        parameters[key], grads[dkey], v[dkey], s[dkey], t,
                        learning_rate, beta1, beta2, epsilon, epsilon_placement)
        epoch_costs[i] = cost_total / m
        if decay:
            learning_rate = decay(learning_rate0, i, decay_rate)
        learning_rates[i] = learning_rate
        if i + 1 in snapshot_epochs:
            snapshots[i + 1] = {k: p.copy() for k, p in parameters.items()}
        if callback is not None:
            callback(i, epoch_costs[i])
    return TrainResult(parameters, minibatch_costs, epoch_costs, optimizer, t, snapshots, minibatch_sums,
                       learning_rates)


def printed_lines(result, epoch, print_every=1000, cost_view="last-batch", decay=False):
    """The lines the course's ``model`` prints after ``epoch`` (SPEC ``model.printed-cost``).

    Every ``print_every`` epochs ``Cost after epoch %i: %f`` and, with decay (2021),
    ``learning rate after epoch %i: %f``."""
    if epoch % print_every:
        return []
    lines = ["Cost after epoch %i: %f" % (epoch, result.printed_cost(epoch, cost_view))]
    if decay:
        lines.append("learning rate after epoch %i: %f" % (epoch, result.learning_rates[epoch]))
    return lines


def model(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9,
          beta1=0.9, beta2=0.999, epsilon=1e-8, num_epochs=10000, print_cost=True, decay=None, decay_rate=1, *,
          epsilon_placement="inside", cost_view="last-batch"):
    """The course's ``model``: ``train``, printing what the course prints every 1000 epochs;
    returns the trained parameters.

    The course's positional signature is kept (with the 2021 edition's ``decay``, ``decay_rate``);
    the keyword-only options select the conventions (``reference.conventions``): Adam's
    ``epsilon_placement`` and the printed ``cost_view`` (a cost per example either way: what
    ``compute_cost`` returns does not change what is printed)
    The defaults are the seed text's."""
    validate.choice(cost_view, "cost_view", "model", COST_VIEWS)
    result = train(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2,
                   epsilon, num_epochs, epsilon_placement=epsilon_placement, decay=decay, decay_rate=decay_rate)
    if print_cost:
        for i in range(num_epochs):
            for line in printed_lines(result, i, cost_view=cost_view, decay=bool(decay)):
                print(line)
    return result.parameters
