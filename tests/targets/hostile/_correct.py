"""The reference's course functions, for the hostile targets beside this file to build on."""
from reference import (initialize_adam, initialize_velocity, random_mini_batches,  # noqa: F401
                       update_parameters_with_adam, update_parameters_with_gd, update_parameters_with_momentum)
