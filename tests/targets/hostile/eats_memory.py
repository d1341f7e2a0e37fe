"""gd allocates without bound; momentum is correct."""
from _correct import initialize_velocity, update_parameters_with_momentum  # noqa: F401


def update_parameters_with_gd(parameters, grads, learning_rate):
    hoard = []
    while True:
        hoard.append(bytearray(10 ** 8))
