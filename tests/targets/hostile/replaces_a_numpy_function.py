"""Right function by function, but gd replaces np.sqrt, which Adam (and He initialisation) use after it."""
import numpy as np

from _correct import *  # noqa: F401,F403
from _correct import update_parameters_with_gd as _gd

_sqrt = np.sqrt


def update_parameters_with_gd(parameters, grads, learning_rate):
    np.sqrt = lambda x, *args, **kwargs: 2 * _sqrt(x, *args, **kwargs)
    return _gd(parameters, grads, learning_rate)
