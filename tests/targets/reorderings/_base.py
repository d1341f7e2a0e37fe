"""The reference's course functions (seed edition), for the reorderings beside this file to build on."""
from reference.editions import edition_module

_seed = edition_module("seed")
random_mini_batches = _seed.random_mini_batches
update_parameters_with_gd = _seed.update_parameters_with_gd
initialize_velocity = _seed.initialize_velocity
update_parameters_with_momentum = _seed.update_parameters_with_momentum
initialize_adam = _seed.initialize_adam
update_parameters_with_adam = _seed.update_parameters_with_adam
