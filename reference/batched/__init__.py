"""A batched trainer: many independent trainings of the reference at once (a performance formulation).

``reference.train`` stays the readable spec; this package computes the same thing for N runs of
several optimizers together, vectorized across runs, on numpy (the default) or PyTorch::

    from reference.batched import Arm, train_batched
    result = train_batched(X, Y, ["gd", "momentum", "adam"], runs=100, num_epochs=10000)
    result.epoch_costs            # (3 arms, 100 runs, 10000 epochs)

Seeds of run r (``reference.batched.seeds``)
    init_seed(r) = 3 + r;  first_seed(r, E) = 11 + r * max(10000, E);  epoch i uses first_seed + i.
    Run 0 is the course's run (seeds 3 and 11). Two runs' mini-batch seeds never collide, and up to
    10000 epochs a run's seeds do not depend on E. Lane (arm a, run r) equals
    ``reference.train(X, Y, layers_dims, arm.optimizer, ..., init_seed=init_seed(r),
    first_seed=first_seed(r, E))``. numpy's global random state is left alone.

Bit-identity (numpy backend)
    Every lane is bit-identical to ``reference.train``: parameters, epoch costs, mini-batch costs and
    sums, learning rates, for gd, momentum and Adam, epsilon inside or outside the root, with or
    without learning-rate decay (``tests/test_batched.py`` checks it run by run). The reference's
    matrix products go through BLAS, whose kernels use fused multiply-adds in an order numpy cannot
    express elementwise; so the trainer does not re-derive them: ``np.matmul`` of stacked arrays makes,
    per lane, the same gemm/gemv call as the reference's ``np.dot``. ``step`` says line by line why
    each other operation is the same (the bias folded into the product is checked against this
    process's BLAS before it is used). Bit-identity holds between the two formulations on one machine;
    like the reference itself, results can differ in the last bits on another BLAS or CPU.

Tolerance (torch backend)
    PyTorch's batched matmul, exp and log round differently from OpenBLAS and numpy (different
    kernels and summation orders), so torch agrees with numpy within a tolerance, not bitwise. One
    step's products of length K <= 64 differ by at most ``gamma_K = K u / (1 - K u)`` relatively
    (u = 2**-53; Higham, Accuracy and Stability, 3.1), exp/log by a few ulp. Parameters move by
    ``lr * update`` per step, with ``|update| <= max|g|`` for gd/momentum and ``<= 1/sqrt(1-beta2)``
    for Adam, so after n steps the parameters differ by at most about
    ``n * lr * U * (64 + 8) u`` times the growth of a perturbation over n steps, ``(1 + lr H)^n``
    with H the curvature; for the lengths tested (``TORCH_TOLERANCE_STEPS``) the growth is below 2
    and ``torch_tolerance`` returns that bound with a factor 2 of margin (see its docstring). A
    ReLU whose input lies within that distance of 0 could flip its gradient; none does in the test's
    configurations.
"""
from . import seeds
from .backend import BACKENDS, available_backends
from .step import Layout
from .trainer import OPTIMIZERS, Arm, BatchedResult, train_batched

TORCH_TOLERANCE_STEPS = 250        # the derivation below assumes the perturbation growth stays < 2


def torch_tolerance(arm, steps, max_update=1.0, max_parameter=10.0):
    """Absolute bound on |torch - numpy| for parameters after ``steps`` updates of ``arm``.

    ``steps * (lr * U * (K + 8) * u + 2 u P) * growth * margin`` with K = 64 (longest sum: a
    mini-batch), 8 ulp for exp, log and the update's own operations, u = 2**-53, growth 2 and margin
    2; U the largest update direction: ``max_update`` (a bound on |gradient| for gd and momentum; 1
    for this network's gradients on the moons, whose inputs and activations are O(1)) or Adam's
    ``1 / sqrt(1 - beta2)``; and ``2 u P`` the rounding of ``p - lr * update`` itself, which can
    differ by an ulp of p on each side every step even where the two updates agree (P =
    ``max_parameter`` bounds |p|: the moons' weights stay within a few units).
    """
    u = 2.0 ** -53
    U = 1 / (1 - arm.beta2) ** 0.5 if arm.optimizer == "adam" else max_update
    return steps * (arm.learning_rate * U * (64 + 8) * u + 2 * u * max_parameter) * 2 * 2


__all__ = ["Arm", "BatchedResult", "train_batched", "seeds", "Layout", "OPTIMIZERS", "BACKENDS",
           "available_backends", "torch_tolerance", "TORCH_TOLERANCE_STEPS"]
