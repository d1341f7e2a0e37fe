"""gd reads address 0: the interpreter dies of SIGSEGV; momentum is correct."""
import ctypes

from _correct import initialize_velocity, update_parameters_with_momentum  # noqa: F401


def update_parameters_with_gd(parameters, grads, learning_rate):
    return ctypes.string_at(0)
