"""gd calls sys.exit(3); everything else is correct."""
import sys

from _correct import initialize_velocity, update_parameters_with_momentum  # noqa: F401


def update_parameters_with_gd(parameters, grads, learning_rate):
    sys.exit(3)
