"""The few array operations the batched trainer uses, for numpy and for any array-API namespace.

The trainer is written once against these operations. Each takes an optional ``out`` buffer:

* ``GenericOps(xp, device)`` uses only functions of the array API standard (through
  ``array_api_compat``: PyTorch on CPU or CUDA, numpy's own namespace, ...). An ``out`` given is
  filled with ``out[...] = result`` (standard ``__setitem__``), so parameter views stay views.
* ``NumpyOps`` is the same operations as numpy ufuncs with ``out=`` (an extension of numpy's that
  the standard leaves out): no temporaries in the inner loop, and every operation is the very
  ufunc or BLAS call the reference makes, applied to stacked arrays, which is what makes the
  numpy path bit-identical to ``reference.train`` (see ``reference.batched``).
"""
from __future__ import annotations

import numpy as np

BACKENDS = ("numpy", "torch")


class NumpyOps:
    name = "numpy"
    device = "cpu"

    def __init__(self):
        self.xp = np

    def asarray(self, a):                   # a writable, C-contiguous copy
        return np.array(a, dtype=np.float64, order="C")

    def asarray_view(self, a):              # host arrays the step only reads: no copy
        return a

    def to_numpy(self, a):
        return np.asarray(a)

    def empty(self, shape):
        return np.empty(shape)

    def zeros(self, shape):
        return np.zeros(shape)

    def matmul(self, a, b, out=None):       # per slice: the cblas gemm/gemv call np.dot makes
        return np.matmul(a, b, out=out)

    def add(self, a, b, out=None):
        return np.add(a, b, out=out)

    def sub(self, a, b, out=None):
        return np.subtract(a, b, out=out)

    def mul(self, a, b, out=None):
        return np.multiply(a, b, out=out)

    def div(self, a, b, out=None):
        return np.divide(a, b, out=out)

    def neg(self, a, out=None):
        return np.negative(a, out=out)

    def abs(self, a, out=None):
        return np.absolute(a, out=out)

    def exp(self, a, out=None):
        return np.exp(a, out=out)

    def log(self, a, out=None):
        return np.log(a, out=out)

    def sqrt(self, a, out=None):
        return np.sqrt(a, out=out)

    def square(self, a, out=None):
        return np.square(a, out=out)

    def relu(self, a, zeros, out=None):     # np.maximum(0, x): the same ufunc; an array of zeros is 2x faster
        return np.maximum(zeros, a, out=out)

    def positive(self, a, out=None):        # float64 1.0 where a > 0 else 0.0 (the reference's int64 mask)
        return np.greater(a, 0.0, out=out)

    def where(self, cond, a, b, out=None):
        if out is None:
            return np.where(cond, a, b)
        np.copyto(out, b)
        np.copyto(out, a, where=cond)
        return out

    def sum_last(self, a, out=None):        # numpy's pairwise sum along the last axis, as np.sum of a row
        return np.sum(a, axis=-1, out=out)

    def errstate(self):
        return np.errstate(over="ignore", divide="ignore", invalid="ignore")


class GenericOps:
    """The operations through an array-API namespace ``xp`` on ``device``."""

    def __init__(self, xp, device=None, name="array-api"):
        self.xp = xp
        self.device = device
        self.name = name

    def asarray(self, a):
        return self.xp.asarray(np.ascontiguousarray(a, dtype=np.float64), device=self.device)

    def asarray_view(self, a):
        return self.asarray(a)

    def to_numpy(self, a):
        if hasattr(a, "cpu"):                       # torch: leave the device first
            a = a.cpu()
        return np.asarray(a)

    def empty(self, shape):
        return self.xp.empty(shape, dtype=self.xp.float64, device=self.device)

    def zeros(self, shape):
        return self.xp.zeros(shape, dtype=self.xp.float64, device=self.device)

    @staticmethod
    def _put(value, out):
        if out is None:
            return value
        out[...] = value
        return out

    def matmul(self, a, b, out=None):
        return self._put(self.xp.matmul(a, b), out)

    def add(self, a, b, out=None):
        return self._put(a + b, out)

    def sub(self, a, b, out=None):
        return self._put(a - b, out)

    def mul(self, a, b, out=None):
        return self._put(a * b, out)

    def div(self, a, b, out=None):
        return self._put(a / b, out)

    def neg(self, a, out=None):
        return self._put(-a, out)

    def abs(self, a, out=None):
        return self._put(self.xp.abs(a), out)

    def exp(self, a, out=None):
        return self._put(self.xp.exp(a), out)

    def log(self, a, out=None):
        return self._put(self.xp.log(a), out)

    def sqrt(self, a, out=None):
        return self._put(self.xp.sqrt(a), out)

    def square(self, a, out=None):
        return self._put(a * a, out)

    def relu(self, a, zeros, out=None):
        return self._put(self.xp.maximum(zeros, a), out)

    def positive(self, a, out=None):
        return self._put(self.xp.astype(a > 0.0, self.xp.float64), out)

    def where(self, cond, a, b, out=None):
        return self._put(self.xp.where(cond, a, b), out)

    def sum_last(self, a, out=None):
        return self._put(self.xp.sum(a, axis=-1), out)

    def errstate(self):
        return np.errstate(over="ignore", divide="ignore", invalid="ignore")


def make_ops(backend="numpy", device=None):
    """``NumpyOps()`` for ``"numpy"``; for ``"torch"`` the array-API namespace of torch on ``device``
    (``"cpu"``, ``"cuda"``, or None: CUDA where there is a GPU, else the CPU)."""
    if backend == "numpy":
        if device not in (None, "cpu"):
            raise ValueError(f"backend 'numpy' runs on the cpu only, got device {device!r}")
        return NumpyOps()
    if backend == "torch":
        try:
            import torch
        except ImportError:
            raise ValueError("backend 'torch' needs PyTorch: pip install torch (the CPU wheel is enough)") from None
        import array_api_compat
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        xp = array_api_compat.array_namespace(torch.empty(0))
        return GenericOps(xp, torch.device(device), name=f"torch-{torch.device(device).type}")
    raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")


def available_backends():
    """Backends whose library is installed here (found, not imported: importing torch takes seconds)."""
    import importlib.util
    return ["numpy"] + (["torch"] if importlib.util.find_spec("torch") is not None else [])
