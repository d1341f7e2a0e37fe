"""optoracle's readable numpy reference of the "Optimization methods" assignment.

Course names, signatures and dict keys; each docstring states its rule as math
and names its SPEC.md clause. The conventions on which correct implementations
differ, and the course's editions, are data in ``reference.conventions``;
``reference.editions.edition_module(name)`` serves the reference in one edition's signatures.
"""
from .conventions import AXES, EDITIONS, Conventions
from .network import (COST_REDUCTIONS, backward_propagation, compute_cost, cross_entropy_sum,
                      forward_propagation, initialize_parameters, load_dataset, predict, relu, sigmoid)
from .optimizers import (ADAM_RETURNS, DECAYS, EPSILON_PLACEMENTS, initialize_adam, initialize_velocity,
                         random_mini_batches, schedule_lr_decay, update_lr, update_parameters_with_adam,
                         update_parameters_with_gd, update_parameters_with_momentum)
from .training import COST_VIEWS, OPTIMIZERS, TrainResult, model, printed_lines, train

LAYERS_DIMS = [2, 5, 2, 1]

__all__ = [
    "load_dataset", "initialize_parameters", "forward_propagation", "compute_cost", "cross_entropy_sum",
    "backward_propagation", "predict", "relu", "sigmoid",
    "update_parameters_with_gd", "random_mini_batches", "initialize_velocity",
    "update_parameters_with_momentum", "initialize_adam", "update_parameters_with_adam",
    "update_lr", "schedule_lr_decay", "DECAYS",
    "train", "model", "printed_lines", "TrainResult", "OPTIMIZERS", "EPSILON_PLACEMENTS", "ADAM_RETURNS",
    "COST_REDUCTIONS", "COST_VIEWS", "LAYERS_DIMS", "AXES", "EDITIONS", "Conventions",
]
