"""The training loop of the assignment (SPEC ``train.*``)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _validate as check
from .network import backward_propagation, cross_entropy_sum, forward_propagation, initialize_parameters
from .optimizers import (EPSILON_PLACEMENTS, adam_step, gd_step, initialize_adam, initialize_velocity,
                         momentum_step, random_mini_batches)

OPTIMIZERS = ("gd", "momentum", "adam")


@dataclass
class TrainResult:
    """What ``train`` returns.

    parameters:      the trained ``W{l}``, ``b{l}``.
    minibatch_costs: (num_epochs, batches_per_epoch) ``compute_cost`` of each
                     mini-batch's forward pass, taken before that batch's update.
    epoch_costs:     (num_epochs,) ``sum over the epoch's batches of the summed
                     cross-entropy / m``, from the same forward passes.
    t:               Adam's step counter after the last update (0 for gd, momentum).
    snapshots:       {e: parameters after e completed epochs} for each e in ``snapshot_epochs``.
    """
    parameters: dict
    minibatch_costs: np.ndarray
    epoch_costs: np.ndarray
    optimizer: str
    t: int
    snapshots: dict = field(default_factory=dict)


def train(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9,
          beta1=0.9, beta2=0.999, epsilon=1e-8, num_epochs=10000, *, epsilon_placement="inside",
          callback=None, snapshot_epochs=()):
    """Train the network with mini-batch gd, momentum or Adam (SPEC ``train.*``).

    The loop of the course's ``model``, whose details are part of the spec::

        parameters = initialize_parameters(layers_dims)     # He, np.random.seed(3)
        seed, t = 10, 0
        for i in range(num_epochs):
            seed = seed + 1                                  # epoch i uses seed 11 + i
            for (X_b, Y_b) in random_mini_batches(X, Y, mini_batch_size, seed):
                a3, cache = forward_propagation(X_b, parameters)
                cost of this batch (before the update)
                grads = backward_propagation(X_b, Y_b, cache)
                t = t + 1                                    # Adam only; never reset
                parameters = update(parameters, grads, ...)

    ``callback(epoch, epoch_cost)``, if given, is called after every epoch;
    ``snapshot_epochs`` lists counts of completed epochs after which to keep a copy of the parameters.
    """
    func = "train"
    check.data(X, Y, func)
    check.choice(optimizer, "optimizer", func, OPTIMIZERS)
    check.choice(epsilon_placement, "epsilon_placement", func, EPSILON_PLACEMENTS)
    check.non_negative(learning_rate, "learning_rate", func)
    check.integer(mini_batch_size, "mini_batch_size", func, minimum=1, why=" (a positive number of columns)")
    check.beta(beta, "beta", func)
    check.beta(beta1, "beta1", func)
    check.beta(beta2, "beta2", func)
    check.non_negative(epsilon, "epsilon", func)
    check.integer(num_epochs, "num_epochs", func, minimum=1)
    if layers_dims[0] != X.shape[0] or layers_dims[-1] != 1:
        raise ValueError(f"{func}: argument 'layers_dims' must start with X's {X.shape[0]} features "
                         f"and end with 1 output unit, got {layers_dims!r}")

    m = X.shape[1]
    parameters = initialize_parameters(layers_dims)
    keys = [(f"{name}{l}", f"d{name}{l}") for l in range(1, len(layers_dims)) for name in ("W", "b")]
    v, s = initialize_adam(parameters) if optimizer == "adam" else (initialize_velocity(parameters), None)
    minibatch_costs = np.empty((num_epochs, math.ceil(m / mini_batch_size)))
    epoch_costs = np.empty(num_epochs)
    seed, t = 10, 0
    snapshots = {}

    for i in range(num_epochs):
        seed = seed + 1
        cost_total = 0.0
        for k, (X_b, Y_b) in enumerate(random_mini_batches(X, Y, mini_batch_size, seed)):
            a3, cache = forward_propagation(X_b, parameters)
            batch_cost_sum = cross_entropy_sum(a3, Y_b)
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
                    parameters[key], v[dkey], s[dkey] = adam_step(
                        parameters[key], grads[dkey], v[dkey], s[dkey], t,
                        learning_rate, beta1, beta2, epsilon, epsilon_placement)
        epoch_costs[i] = cost_total / m
        if i + 1 in snapshot_epochs:
            snapshots[i + 1] = {k: p.copy() for k, p in parameters.items()}
        if callback is not None:
            callback(i, epoch_costs[i])
    return TrainResult(parameters, minibatch_costs, epoch_costs, optimizer, t, snapshots)


def model(X, Y, layers_dims, optimizer, learning_rate=0.0007, mini_batch_size=64, beta=0.9,
          beta1=0.9, beta2=0.999, epsilon=1e-8, num_epochs=10000, print_cost=True, *, epsilon_placement="inside"):
    """The course's ``model``: ``train``, printing ``Cost after epoch i: %f`` every
    1000 epochs; returns the trained parameters.

    The course's positional signature is kept; ``epsilon_placement`` (keyword-only)
    selects the spec profile, ``"inside"`` (seed) by default."""
    def report(i, cost):
        if print_cost and i % 1000 == 0:
            print("Cost after epoch %i: %f" % (i, cost))
    return train(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2,
                 epsilon, num_epochs, epsilon_placement=epsilon_placement, callback=report).parameters
