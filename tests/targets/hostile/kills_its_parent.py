"""gd sends SIGTERM to its parent process, then returns the right answer; everything else is correct."""
import os
import signal

from _correct import initialize_velocity, update_parameters_with_momentum  # noqa: F401
from _correct import update_parameters_with_gd as _gd


def update_parameters_with_gd(parameters, grads, learning_rate):
    os.kill(os.getppid(), signal.SIGTERM)
    return _gd(parameters, grads, learning_rate)
