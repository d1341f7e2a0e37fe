"""optoracle's readable numpy reference of the "Optimization methods" assignment.

Course names, signatures and dict keys; each docstring states its rule as math
and names its SPEC.md clause.
"""
from .network import (backward_propagation, compute_cost, cross_entropy_sum, forward_propagation,
                      initialize_parameters, load_dataset, predict, relu, sigmoid)
from .optimizers import (EPSILON_PLACEMENTS, initialize_adam, initialize_velocity, random_mini_batches,
                         update_parameters_with_adam, update_parameters_with_gd,
                         update_parameters_with_momentum)
from .training import OPTIMIZERS, TrainResult, model, train

LAYERS_DIMS = [2, 5, 2, 1]

__all__ = [
    "load_dataset", "initialize_parameters", "forward_propagation", "compute_cost", "cross_entropy_sum",
    "backward_propagation", "predict", "relu", "sigmoid",
    "update_parameters_with_gd", "random_mini_batches", "initialize_velocity",
    "update_parameters_with_momentum", "initialize_adam", "update_parameters_with_adam",
    "train", "model", "TrainResult", "OPTIMIZERS", "EPSILON_PLACEMENTS", "LAYERS_DIMS",
]
