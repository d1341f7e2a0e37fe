"""Every Hypothesis strategy of the checks, in one module (imported as ``hh``).

What they draw is documented in SPEC.md ("Input domain of the checks") and meta-tested in
tests/test_strategies.py, range by range:

  * layer lists with L from 1 to 12 layers (two-digit keys), each 1 to 8 units wide;
  * parameters with entries in [-10, 10], exact zeros among them;
  * gradients whose entries are exactly 0 or have magnitude in [1e-12, 1e3] (never subnormal);
  * dtype float64 or float32 for a whole problem;
  * Adam's t log-uniform from 1 to 1e7, with the boundaries;
  * data with m from 1 to 300 columns and mini-batch sizes from 1 to m + 10.

Arrays are filled by numpy from a drawn seed and a drawn *style* (magnitude range, share of
zeros), not element by element: drawing stays cheap (the checks draw tens of thousands of
arrays), and shrinking still reaches the smallest shapes and the simplest styles, which is what
keeps a reproduction short.
"""
from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st

MAX_LAYERS = 12
MAX_WIDTH = 8
MAX_M = 300
MIN_GRAD, MAX_GRAD = 1e-12, 1e3
MAX_T = 10 ** 7
DTYPES = st.sampled_from([np.float64, np.float32])

LEARNING_RATES = st.one_of(st.just(0.0007), st.just(0.0), st.floats(1e-6, 1.0))
BETAS = st.one_of(st.just(0.9), st.just(0.0), st.floats(0.0, 0.999))
POSITIVE_BETAS = st.one_of(st.just(0.9), st.floats(0.1, 0.999))      # where the history in v shows
BETA2S = st.one_of(st.just(0.999), st.floats(0.0, 0.9999))
EPSILONS = st.one_of(st.just(1e-8), st.floats(1e-12, 1e-4))
ADAM_HYPER = st.tuples(LEARNING_RATES, BETAS, BETA2S, EPSILONS)
T_BOUNDARIES = (1, 2, 999, 1000, 1001, 10 ** 4, 5 * 10 ** 4, MAX_T)
STEPS = st.one_of(st.sampled_from(T_BOUNDARIES), st.floats(0, 7).map(lambda e: max(1, int(round(10 ** e)))))

# (low, high) decades of gradient magnitudes, and the share of exact zeros; the first is where
# shrinking goes.
GRADIENT_STYLES = ((-1, 1), (-12, 3), (-4, 1), (-12, -9), (1, 3), (-7, -5))
ZERO_SHARES = (0.0, 0.3, 1.0)
NONZERO = (0.0, 0.3)


@functools.lru_cache(maxsize=None)
def _integers(low, high):
    """One strategy object per range: Hypothesis computes a new object's properties on first use, which
    cost more than the draw itself when composites built fresh ones on every example."""
    return st.integers(low, high)


@functools.lru_cache(maxsize=None)
def _sampled(values):
    return st.sampled_from(values)


@functools.lru_cache(maxsize=None)
def _layers_of(L, widest):
    return st.lists(_integers(1, widest), min_size=L + 1, max_size=L + 1)


DEEP = 4            # beyond this many layers, widths stay at most 3 (arrays stay small; keys get two digits)


@st.composite
def layer_dims(draw, min_layers=1, max_layers=MAX_LAYERS):
    """``[n_0, n_1, ..., n_L]`` with L in [min_layers, max_layers] and widths in [1, MAX_WIDTH] (at most 3
    for networks deeper than 4 layers)."""
    L = draw(_layer_counts(min_layers, max_layers), label="L")
    return draw(_layers_of(L, MAX_WIDTH if L <= DEEP else 3), label="layers_dims")


@functools.lru_cache(maxsize=None)
def _layer_dims(min_layers, max_layers):
    """One ``layer_dims`` strategy object per range, for the composites below (as ``_integers``)."""
    return layer_dims(min_layers, max_layers)


@functools.lru_cache(maxsize=None)
def _layer_counts(min_layers, max_layers):
    return st.one_of(_integers(min_layers, min(DEEP, max_layers)), _integers(min_layers, max_layers))


def shapes_of(layers):
    """Shapes of W1, b1, ..., WL, bL, in that key order."""
    shapes = {}
    for l in range(1, len(layers)):
        shapes[f"W{l}"] = (layers[l], layers[l - 1])      # (n_l, n_{l-1})
        shapes[f"b{l}"] = (layers[l], 1)                  # (n_l, 1)
    return shapes


def fill_gradients(rng, shape, style, zeros):
    """Entries 0 (share ``zeros``) or sign * 10**U(style) (magnitudes within [1e-12, 1e3])."""
    low, high = style
    values = rng.choice([-1.0, 1.0], size=shape) * 10.0 ** rng.uniform(low, high, size=shape)
    return np.where(rng.random(shape) < zeros, 0.0, values)


def fill_parameters(rng, shape, zeros):
    values = rng.uniform(-10, 10, size=shape)
    return np.where(rng.random(shape) < zeros, 0.0, values)


SEEDS = st.integers(0, 2 ** 32 - 1)


def _rng(draw):
    """A numpy Generator from a drawn seed: one draw, and no strategy object built per example (a new
    object costs Hypothesis more than the draw itself)."""
    return np.random.default_rng(draw(SEEDS, label="seed"))


@st.composite
def parameters_for(draw, layers, dtype=np.float64):
    """W{l}, b{l} arrays of ``dtype`` with entries in [-10, 10]."""
    rng = _rng(draw)
    zeros = draw(_sampled((0.0, 0.2)), label="parameter zeros")
    return {k: fill_parameters(rng, s, zeros).astype(dtype) for k, s in shapes_of(layers).items()}


@st.composite
def gradients_for(draw, layers, dtype=np.float64, styles=GRADIENT_STYLES):
    """dW{l}, db{l} arrays of ``dtype``: zeros or magnitudes from a drawn style."""
    rng = _rng(draw)
    style = draw(_sampled(tuple(styles)), label="gradient style")
    zeros = draw(_sampled(ZERO_SHARES), label="gradient zeros")
    return {f"d{k}": fill_gradients(rng, s, style, zeros).astype(dtype) for k, s in shapes_of(layers).items()}


@st.composite
def update_problems(draw, max_steps=1, dtypes=DTYPES, styles=GRADIENT_STYLES, max_layers=MAX_LAYERS, min_steps=1,
                    zero_shares=ZERO_SHARES):
    """A dict with ``layers``, ``dtype``, ``parameters`` and ``grads_seq`` (``min_steps`` to ``max_steps``
    gradient dicts). ``zero_shares=NONZERO`` leaves out all-zero gradients, where a check's rule and many
    wrong rules agree (a check with its own zero-gradient case uses it).

    One seed, one style and one share of zeros for the whole problem: a few draws however many steps
    (drawing, not the target, dominated the time of the checks)."""
    layers = draw(_layer_dims(1, max_layers))
    dtype = draw(dtypes, label="dtype")
    steps = draw(_integers(min_steps, max_steps), label="steps")
    rng = _rng(draw)
    parameter_zeros = draw(_sampled((0.0, 0.2)), label="parameter zeros")
    style = draw(_sampled(tuple(styles)), label="gradient style")
    zeros = draw(_sampled(tuple(zero_shares)), label="gradient zeros")
    shapes = shapes_of(layers)
    parameters = {k: fill_parameters(rng, s, parameter_zeros).astype(dtype) for k, s in shapes.items()}
    grads_seq = [{f"d{k}": fill_gradients(rng, s, style, zeros).astype(dtype) for k, s in shapes.items()}
                 for _ in range(steps)]
    return {"layers": layers, "dtype": dtype, "parameters": parameters, "grads_seq": grads_seq}


def consistent_s(v, extra):
    """A second moment that could follow ``v``: s = v**2 + extra**2 >= v**2 (Cauchy-Schwarz for EMAs)."""
    return {k: np.square(v[k]) + np.square(extra[k]) for k in v}


@st.composite
def adam_states(draw, max_layers=MAX_LAYERS, dtypes=DTYPES, zero_shares=ZERO_SHARES):
    """(problem, v, s) with v from the gradient styles and s consistent with v."""
    problem = draw(update_problems(max_steps=3, max_layers=max_layers, dtypes=dtypes, zero_shares=zero_shares))
    g, v, extra = (problem["grads_seq"] * 3)[:3]
    return problem, v, consistent_s(v, extra)


@functools.lru_cache(maxsize=None)
def _batch_sizes(m):
    """Mini-batch sizes for m columns, the edge cases first: m % b == 0, b == m, b > m, m = 2b + 1."""
    divisors = tuple(b for b in range(1, m + 1) if m % b == 0)
    edges = tuple(b for b in (m, m + 1, m + 10, max(1, (m - 1) // 2)) if b >= 1)
    return st.one_of(_sampled(divisors), _sampled(edges), _integers(1, m + 10))


_M_VALUES = st.one_of(st.integers(1, 20), st.integers(1, MAX_M))
_MINIBATCH_SEEDS = st.one_of(st.integers(0, 100), st.integers(0, 2 ** 32 - 1))
_Y_DTYPES = st.sampled_from([np.int64, np.float64])


@st.composite
def minibatch_data(draw, max_m=MAX_M):
    """``(X, Y, mini_batch_size, seed)`` where column j carries its own id.

    ``X[0, j] == j`` and ``Y[0, j] == j``, so a shuffle can be read back from any batch; the
    other rows of X are random. m in [1, max_m], size in [1, m + 10].
    """
    m = draw(_M_VALUES, label="m")
    n_x = draw(_integers(1, 4), label="n_x")
    size = draw(_batch_sizes(m), label="mini_batch_size")
    seed = draw(_MINIBATCH_SEEDS, label="seed")
    rng = _rng(draw)
    X = np.vstack([np.arange(m, dtype=np.float64)[None, :], rng.uniform(-10, 10, size=(n_x - 1, m))])  # (n_x, m)
    y_dtype = draw(_Y_DTYPES, label="Y_dtype")
    Y = np.arange(m, dtype=y_dtype)[None, :]                                                        # (1, m)
    return X, Y, size, seed


@st.composite
def networks(draw, max_m=20):
    """(parameters, X, Y) for a [n_0, n_1, n_2, 1] network (the course's three layers), weights and
    biases in [-1, 1], X in [-2, 2], labels 0/1."""
    dims = [draw(_integers(1, 4), label="n_0"), draw(_integers(1, 6), label="n_1"),
            draw(_integers(1, 4), label="n_2"), 1]
    m = draw(_integers(1, max_m), label="m")
    rng = _rng(draw)
    parameters = {k: rng.uniform(-1, 1, size=s) for k, s in shapes_of(dims).items()}
    X = rng.uniform(-2, 2, size=(dims[0], m))                     # (n_0, m)
    Y = rng.integers(0, 2, size=(1, m))                           # (1, m)
    return parameters, X, Y


@st.composite
def model_runs(draw, m_max=40):
    """Hyperparameters of a short ``model`` run on the first m columns of the stored moons.

    Returns (m, kwargs) with optimizer, learning_rate, mini_batch_size (m % b == 0 and b > m among
    them), beta, beta1, beta2, epsilon and num_epochs (1 to 3).
    """
    m = draw(_integers(1, m_max), label="m")
    optimizer = draw(_OPTIMIZERS, label="optimizer")
    kwargs = {name: draw(strategy, label=name) for name, strategy in _MODEL_HYPER.items()}
    kwargs["mini_batch_size"] = draw(_batch_sizes(m), label="mini_batch_size")
    return m, optimizer, kwargs


_OPTIMIZERS = st.sampled_from(["adam", "momentum", "gd"])
_MODEL_HYPER = {
    "learning_rate": st.one_of(st.just(0.0007), st.floats(1e-4, 0.5)),
    "beta": st.one_of(st.just(0.9), st.floats(0.0, 0.99)),
    "beta1": st.one_of(st.just(0.9), st.floats(0.0, 0.99)),
    "beta2": st.one_of(st.just(0.999), st.floats(0.5, 0.9999)),
    "epsilon": st.one_of(st.just(1e-8), st.floats(1e-10, 1e-2)),
    "num_epochs": st.integers(1, 3),
}
