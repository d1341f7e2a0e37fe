"""Correct, but prints at import and in every call, through Python and straight to file descriptor 1,
and replaces numpy's sqrt in its own process."""
import os
import sys

import numpy as np

from _correct import initialize_velocity, update_parameters_with_momentum  # noqa: F401
from _correct import update_parameters_with_gd as _gd

print("hello from import")
os.write(1, b'{"id": 1001, "ok": true, "value": 42}\n')      # a line that looks like a reply
np.sqrt = lambda x: x                                        # monkeypatching numpy, in the target's process only


def update_parameters_with_gd(parameters, grads, learning_rate):
    print("gd called")
    sys.stdout.write("no newline")
    os.write(1, b"raw bytes\n")
    print("to stderr", file=sys.stderr)
    return _gd(parameters, grads, learning_rate)
