"""One mini-batch step of every lane: forward, cost, backward (``reference.network``, stacked).

Arrays carry the lanes in front, ``(A, R, ...)`` for A arms and R runs. Per lane, exactly the
reference's operations::

    z_l = W_l a_{l-1} + b_l;  a_l = relu(z_l) (l < L);  a_L = 1 / (1 + exp(-z_L))     # (A, R, n_l, b)
    S   = -sum_j log q_j,  q_j = a_L,j if y_j = 1 else 1 - a_L,j                      # (A, R) batch cost sum
    dz_L = 1/b (a_L - Y);  dW_l = dz_l a_{l-1}^T;  db_l = sum_j dz_l;  dz_{l-1} = (W_l^T dz_l) * [a_{l-1} > 0]

Why each line is bit-identical to the reference (numpy backend):

* ``W_l a_{l-1}``, ``dz_l a_{l-1}^T``, ``W_l^T dz_l``: ``np.matmul`` of stacked arrays calls, per
  lane, the same cblas gemm/gemv (same shapes, same transposition flags) that ``np.dot`` calls in
  the reference. Where the contraction has K = 1 (``W_L^T dz_L``) the product is elementwise:
  BLAS computes ``fma(w, d, 0)``, which is the rounded product ``w * d``.
* ``+ b_l`` is folded into the product: ``[W_l | b_l] [a_{l-1}; 1]``. The BLAS kernels add the K
  products as a chain of FMAs in order, so the last link is ``fma(b, 1, acc) = round(acc + b)``,
  the reference's rounded addition. This is a property of the BLAS at hand, so ``bias_folds``
  checks it once per process on random data for the shapes in use; where it fails the trainer
  adds ``b_l`` separately.
* ``S``: ``-(y log a) - (1 - y) log(1 - a)`` with the zero-weight term exactly 0 is ``-log q``
  term for term; ``q = |a + (y - 1)|`` is exact (``0 + a = a``; ``|a - 1| = 1 - a``), and
  ``sum(-x) = -sum(x)`` exactly. ``sum_j`` is numpy's pairwise sum of a contiguous row, as the
  reference's ``np.sum`` of a (1, b) or (n_l, b) array.
* ``[a > 0]`` as float64 0/1 is the reference's ``np.int64(a > 0)`` cast by the multiplication.
"""
from __future__ import annotations

import functools

import numpy as np


class Layout:
    """Where ``[W_l | b_l]`` sits in a lane's flat parameter vector: one (n_l, n_{l-1} + 1) block per
    layer, row-major, layers in order."""

    def __init__(self, layers_dims):
        self.dims = list(layers_dims)
        self.L = len(layers_dims) - 1
        self.blocks, start = [], 0
        for l in range(1, self.L + 1):
            shape = (layers_dims[l], layers_dims[l - 1] + 1)
            self.blocks.append((start, shape))
            start += shape[0] * shape[1]
        self.size = start

    def views(self, flat):
        """{"Wb1": (A, R, n_1, n_0 + 1), "W1": (A, R, n_1, n_0), "b1": (A, R, n_1, 1), ...}: views of
        ``flat`` (A, R, size)."""
        lead, out = tuple(flat.shape[:-1]), {}
        for l, (start, (n_l, cols)) in enumerate(self.blocks, 1):
            Wb = flat[..., start:start + n_l * cols].reshape(lead + (n_l, cols))
            out[f"Wb{l}"], out[f"W{l}"], out[f"b{l}"] = Wb, Wb[..., :cols - 1], Wb[..., cols - 1:]
        return out

    def flat(self, parameters):
        """A flat vector from a reference ``parameters`` dict (one lane)."""
        return np.concatenate([np.concatenate([parameters[f"W{l}"], parameters[f"b{l}"]], axis=1).ravel()
                               for l in range(1, self.L + 1)])


class Buffers:
    """Work arrays for one batch size b. ``a[l]`` (l < L) holds ``[a_l; 1]``: a row of ones under the
    activations, for the bias column of ``[W_{l+1} | b_{l+1}]``."""

    def __init__(self, ops, A, R, dims, b):
        L, lanes = len(dims) - 1, (A, R)
        self.a = [None] + [ops.zeros(lanes + (dims[l] + 1, b)) for l in range(1, L)]
        for l in range(1, L):
            self.a[l][..., dims[l]:, :] = 1.0
        self.z = [None] + [ops.empty(lanes + (dims[l], b)) for l in range(1, L + 1)]          # (A, R, n_l, b)
        self.zeros = [None] + [ops.zeros(lanes + (dims[l], b)) for l in range(1, L)]
        self.mask = [None] + [ops.empty(lanes + (dims[l], b)) for l in range(1, L)]
        self.dz = [None] + [ops.empty(lanes + (dims[l], b)) for l in range(1, L + 1)]
        self.da = [None] + [ops.empty(lanes + (dims[l], b)) for l in range(1, L)]
        self.aL = ops.empty(lanes + (1, b))
        self.tmp = ops.empty(lanes + (1, b))
        self.cost = ops.empty(lanes + (1,))
        self.cost_sum = ops.empty(lanes)
        self.dims = dims


def forward_backward(ops, P, G, buf, Xb, Yb, Ym1, b, fold_bias):
    """One mini-batch of every lane: writes dW_l, db_l into G's views; returns the (A, R) cost sums.

    Xb: (R, n_0 + 1, b) input columns with a row of ones; Yb: (R, 1, b) labels as float64;
    Ym1: (R, 1, b) labels - 1. P, G: ``Layout.views`` of the parameters and of the gradients.
    """
    dims = buf.dims
    L = len(dims) - 1
    a_aug = Xb                                                  # (., n_{l-1} + 1, b)
    for l in range(1, L + 1):                                   # forward
        if fold_bias:
            z = ops.matmul(P[f"Wb{l}"], a_aug, out=buf.z[l])    # [W_l | b_l] [a_{l-1}; 1]
        else:
            z = ops.matmul(P[f"W{l}"], a_aug[..., :dims[l - 1], :], out=buf.z[l])
            z = ops.add(z, P[f"b{l}"], out=z)                   # np.dot(W_l, a_{l-1}) + b_l
        if l < L:
            a_aug = buf.a[l]
            ops.relu(z, buf.zeros[l], out=a_aug[..., :dims[l], :])
    t = ops.neg(z, out=buf.tmp)                                 # a_L = 1 / (1 + exp(-z_L))
    t = ops.exp(t, out=t)
    t = ops.add(t, 1.0, out=t)
    aL = ops.div(1.0, t, out=buf.aL)                            # (A, R, 1, b)
    q = ops.add(aL, Ym1, out=buf.tmp)                           # a + (y - 1)
    q = ops.log(ops.abs(q, out=q), out=q)                       # log q, q = a if y = 1 else 1 - a
    cost = ops.sum_last(q, out=buf.cost)                        # (A, R, 1) sum_j log q_j
    cost_sum = ops.neg(cost[..., 0], out=buf.cost_sum)          # (A, R)

    dz = ops.sub(aL, Yb, out=buf.dz[L])                         # dz_L = 1/b * (a_L - Y)
    dz = ops.mul(dz, 1. / b, out=dz)
    for l in range(L, 0, -1):                                   # backward
        a_prev = (Xb if l == 1 else buf.a[l - 1])[..., :dims[l - 1], :]      # (., n_{l-1}, b)
        ops.matmul(dz, _t(a_prev), out=G[f"W{l}"])              # dW_l = dz_l a_{l-1}^T   (A, R, n_l, n_{l-1})
        ops.sum_last(dz, out=G[f"b{l}"][..., 0])                # db_l = sum_j dz_l       (A, R, n_l)
        if l > 1:
            W_T = _t(P[f"W{l}"])                                # (A, R, n_{l-1}, n_l)
            if dims[l] == 1:                                    # K = 1: BLAS's fma(w, d, 0) is w * d
                da = ops.mul(W_T, dz, out=buf.da[l - 1])
            else:
                da = ops.matmul(W_T, dz, out=buf.da[l - 1])
            mask = ops.positive(a_prev, out=buf.mask[l - 1])    # [a_{l-1} > 0]
            dz = ops.mul(da, mask, out=buf.dz[l - 1])
    return cost_sum


def _t(a):
    """Swap the last two axes (a view)."""
    return np.swapaxes(a, -1, -2) if isinstance(a, np.ndarray) else a.mT


@functools.lru_cache(maxsize=None)
def bias_folds(dims, sizes, trials=8):
    """Whether ``np.matmul([W | b], [a; 1])`` equals ``np.dot(W, a) + b`` bit for bit, for every layer
    of ``dims`` and batch size in ``sizes``, with this process's BLAS (checked on random data, with
    ReLU-like zeros in ``a``; a kernel that added the bias column anywhere but last would differ)."""
    rng = np.random.default_rng(20240611)
    for l in range(1, len(dims)):
        n_l, n_prev = dims[l], dims[l - 1]
        for b in sizes:
            W = rng.standard_normal((trials, n_l, n_prev)) * np.exp(rng.standard_normal((trials, n_l, n_prev)))
            bias = rng.standard_normal((trials, n_l, 1))
            a = np.maximum(0.0, rng.standard_normal((trials, n_prev, b))) * 3.0
            Wb = np.concatenate([W, bias], axis=2)
            a1 = np.concatenate([a, np.ones((trials, 1, b))], axis=1)
            folded = np.matmul(Wb, a1)
            if not all(np.array_equal(folded[k], np.dot(W[k], a[k]) + bias[k]) for k in range(trials)):
                return False
    return True
