"""gd ends the process with os._exit(3) (no cleanup, no exception); momentum is correct."""
import os

from _correct import initialize_velocity, update_parameters_with_momentum  # noqa: F401


def update_parameters_with_gd(parameters, grads, learning_rate):
    os._exit(3)
