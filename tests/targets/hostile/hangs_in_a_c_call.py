"""gd never returns from one C call that holds the interpreter lock (no signal handler can run in it);
momentum is correct."""
from _correct import initialize_velocity, update_parameters_with_momentum  # noqa: F401


def update_parameters_with_gd(parameters, grads, learning_rate):
    return sum(range(10 ** 15))
