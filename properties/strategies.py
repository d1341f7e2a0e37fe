"""Hypothesis strategies for the conformance checks (imported as ``hh``).

What they draw (meta-tested in tests/test_strategies.py):
  * layer lists with 1 to 5 layers, each 1 to 8 units wide;
  * parameters with entries in [-10, 10];
  * gradients whose entries are exactly 0 or have magnitude in [1e-12, 1e3]
    (never subnormal: see SPEC.md "Tolerances");
  * dtype float64 or float32 for a whole problem;
  * data with m from 1 to 300 columns and mini-batch sizes from 1 to m + 10.
"""
from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as nps

MAX_LAYERS = 5
MAX_WIDTH = 8
MAX_M = 300
MIN_GRAD, MAX_GRAD = 1e-12, 1e3
DTYPES = st.sampled_from([np.float64, np.float32])

# Magnitudes on a log grid (4 per decade) from 1e-12 to 1e3, both signs, and exact zeros. A
# sampled_from strategy lets hypothesis.extra.numpy fill arrays sparsely (a few distinct values per
# array, the rest one fill value), which keeps drawing and shrinking fast; 0.0 comes first, so
# failures shrink towards zero gradients.
GRADIENT_GRID = (0.0,) + tuple(sign * 10.0 ** (e / 4) for e in range(-48, 13) for sign in (1.0, -1.0))
GRADIENT_ELEMENTS = st.sampled_from(GRADIENT_GRID)
PARAMETER_ELEMENTS = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
LEARNING_RATES = st.one_of(st.just(0.0), st.just(0.0007), st.floats(1e-6, 1.0))
BETAS = st.one_of(st.just(0.0), st.just(0.9), st.floats(0.0, 0.999))
BETA2S = st.one_of(st.just(0.999), st.floats(0.0, 0.9999))
EPSILONS = st.one_of(st.just(1e-8), st.floats(1e-12, 1e-4))


@st.composite
def layer_dims(draw, min_layers=1, max_layers=MAX_LAYERS):
    """``[n_0, n_1, ..., n_L]`` with L in [min_layers, max_layers] and widths in [1, MAX_WIDTH]."""
    L = draw(st.integers(min_layers, max_layers), label="L")
    return draw(st.lists(st.integers(1, MAX_WIDTH), min_size=L + 1, max_size=L + 1), label="layers_dims")


def shapes_of(layers):
    """Shapes of W1, b1, ..., WL, bL, in that key order."""
    shapes = {}
    for l in range(1, len(layers)):
        shapes[f"W{l}"] = (layers[l], layers[l - 1])      # (n_l, n_{l-1})
        shapes[f"b{l}"] = (layers[l], 1)                  # (n_l, 1)
    return shapes


def _split(flat, shapes, prefix, dtype):
    """One flat vector -> a dict of arrays with the given shapes (keys prefixed, e.g. 'dW1')."""
    out, start = {}, 0
    for key, shape in shapes.items():
        size = int(np.prod(shape))
        out[prefix + key] = flat[start:start + size].reshape(shape).astype(dtype)
        start += size
    return out


# One flat array per dict, split into W{l}/b{l} shapes, and cached per (layers, dtype): drawing ten
# small arrays, or building the strategies anew on every draw, dominated the time of shrinking.
@functools.lru_cache(maxsize=None)
def _dict_of_arrays(layers, dtype, elements, prefix):
    shapes = shapes_of(layers)
    total = sum(int(np.prod(shape)) for shape in shapes.values())
    return nps.arrays(np.float64, total, elements=elements).map(lambda flat: _split(flat, shapes, prefix, dtype))


def parameters_for(layers, dtype):
    """W{l}, b{l} arrays of ``dtype`` with entries in [-10, 10]."""
    return _dict_of_arrays(tuple(layers), dtype, PARAMETER_ELEMENTS, "")


def gradients_for(layers, dtype, elements=GRADIENT_ELEMENTS):
    """dW{l}, db{l} arrays of ``dtype`` drawn from ``elements``."""
    return _dict_of_arrays(tuple(layers), dtype, elements, "d")


@st.composite
def update_problems(draw, max_steps=1, dtypes=DTYPES, gradient_elements=GRADIENT_ELEMENTS):
    """A dict with ``layers``, ``dtype``, ``parameters`` and ``grads_seq`` (1 to ``max_steps`` gradient dicts)."""
    layers = draw(layer_dims())
    dtype = draw(dtypes, label="dtype")
    parameters = draw(parameters_for(layers, dtype), label="parameters")
    steps = draw(st.integers(1, max_steps), label="steps")
    grads = gradients_for(layers, dtype, gradient_elements)
    grads_seq = [draw(grads, label=f"grads_seq[{i}]") for i in range(steps)]
    return {"layers": layers, "dtype": dtype, "parameters": parameters, "grads_seq": grads_seq}


@st.composite
def minibatch_data(draw, max_m=MAX_M):
    """``(X, Y, mini_batch_size, seed)`` where column j carries its own id.

    ``X[0, j] == j`` and ``Y[0, j] == j``, so a shuffle can be read back from
    any batch; the other rows of X are random. m in [1, max_m], size in [1, m + 10].
    """
    m = draw(st.integers(1, max_m), label="m")
    n_x = draw(st.integers(1, 4), label="n_x")
    size = draw(st.integers(1, m + 10), label="mini_batch_size")
    seed = draw(st.integers(0, 2 ** 32 - 1), label="seed")
    rest = draw(nps.arrays(np.float64, (n_x - 1, m), elements=PARAMETER_ELEMENTS), label="X_rest")
    X = np.vstack([np.arange(m, dtype=np.float64)[None, :], rest])      # (n_x, m)
    y_dtype = draw(st.sampled_from([np.int64, np.float64]), label="Y_dtype")
    Y = np.arange(m, dtype=y_dtype)[None, :]                            # (1, m)
    return X, Y, size, seed
