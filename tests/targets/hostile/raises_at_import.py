"""Raises while being imported (a typo in a helper's name)."""
import numpy as np

parameters = np.zeros(3)
undefined_helper(parameters)  # noqa: F821
