"""gd never returns (a Python loop); momentum is correct."""
from _correct import initialize_velocity, update_parameters_with_momentum  # noqa: F401


def update_parameters_with_gd(parameters, grads, learning_rate):
    while True:
        pass
