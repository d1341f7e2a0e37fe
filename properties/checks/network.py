"""Checks of the course's network helpers (SPEC ``init.he``, ``forward.*``, ``cost.*``, ``backward.*``,
``predict.*``). Course implementations hard-code three layers, so these use ``[n_0, n_1, n_2, 1]``."""
from __future__ import annotations

import re

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

import reference as ref

from .. import strategies as hh
from ..casework import NETWORK_RTOL, fail, forward_cache, relu_kink_case, saturated_case
from ..compare import expect_close
from ..registry import verifies
from ..settings import for_all

# forward values stay below ~1e3 in magnitude, so float64 rounding stays below 1e-12 absolute; 1e-10 on a3 is safe
COST = ("compute_cost",)


@verifies("init.he", calls=("initialize_parameters",))
def check_initialize_parameters_draws_he_weights_after_seed_3(target):
    """W_l = randn(n_l, n_{l-1}) * sqrt(2 / n_{l-1}) in layer order after np.random.seed(3); b_l = 0."""
    for dims in ([2, 5, 2, 1], [3, 4, 1], [2, 1], [4, 3, 3, 2, 1]):
        yours = target.initialize_parameters(dims)
        expect_close(target, yours, ref.initialize_parameters(list(dims)), clause="init.he",
                     what=f"initialize_parameters({dims})", rtol=1e-15)


@verifies("forward.relu-sigmoid", calls=("forward_propagation",))
def check_forward_propagation_matches_the_reference(target):
    """a3 of LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID."""
    @for_all(hh.networks())
    def run(net):
        parameters, X, _ = net
        a3, _ = target.forward_propagation(X, parameters)
        expected, _ = ref.forward_propagation(X, parameters)
        expect_close(target, a3, expected, clause="forward.relu-sigmoid", what="a3", rtol=NETWORK_RTOL, scales=1.0,
                     output="[0]")
    run()


def _cost_under(a3, Y):
    return lambda conventions: ref.compute_cost(a3, Y, reduction=conventions.cost)


@verifies("cost.bce-mean", "cost.reduction", calls=COST)
def check_compute_cost_is_the_cross_entropy(target):
    """J = sum -(y log a + (1 - y) log(1 - a)), divided by m under the mean convention."""
    @for_all(st.integers(1, 50).flatmap(lambda m: st.tuples(
        st.just(m), st.integers(0, 2 ** 32 - 1), st.sampled_from([np.int64, np.float64]))))
    def run(case):
        m, seed, y_dtype = case
        rng = np.random.default_rng(seed)
        a3 = rng.uniform(1e-6, 1 - 1e-6, size=(1, m))                    # (1, m)
        Y = rng.integers(0, 2, size=(1, m)).astype(y_dtype)             # (1, m)
        yours = target.compute_cost(a3, Y)
        under = _cost_under(a3, Y)
        # summing m terms of size <= 14: rounding <= m ulp of the sum; rtol 1e-12 of (value + 1) is safe
        expect_close(target, yours, under(target.conventions), clause="cost.bce-mean",
                     what=f"compute_cost's values (held to the batch {target.conventions.cost})", rtol=1e-12,
                     scales=1.0, axes=("cost",), expected_under=under)
    run()


@verifies("cost.saturation", calls=COST)
def check_compute_cost_is_finite_for_saturated_correct_predictions(target):
    """a = 1.0 with y = 1 and a = 0.0 with y = 0 cost exactly 0, not NaN."""
    a3 = np.array([[1.0, 0.0, 0.5, 0.25]])
    Y = np.array([[1, 0, 1, 0]])
    yours = target.compute_cost(a3, Y)
    total = np.log(2) - np.log(0.75)             # hand derivation: only the last two terms count
    expected = float(total / 4 if target.conventions.cost == "mean" else total)
    if not np.isfinite(yours) or abs(yours - expected) > 1e-12 * expected:
        relative = abs(yours - expected) / expected if np.isfinite(yours) else None
        why = ("0 * log 0 should count as 0 (mask the logs where the label's weight is 0)" if relative is None else
               f"a relative difference of {relative:.2g}" + ("; float32 arithmetic rounds at about 6e-08, float64 "
                                                             "at 1e-16" if 1e-9 < relative < 1e-6 else ""))
        fail(target, "cost.saturation", f"compute_cost gave {yours!r} for a saturated sigmoid with correct labels, "
             f"expected {'(log 2 - log 0.75) / 4' if target.conventions.cost == 'mean' else 'log 2 - log 0.75'} = "
             f"{expected!r}: {why}", yours=yours, expected=expected)


@verifies("cost.infinite", calls=COST)
def check_compute_cost_of_a_confidently_wrong_prediction_is_infinite(target):
    """a = 0.0 with y = 1 (or a = 1.0 with y = 0) costs +inf: no clipping."""
    for a3, Y in ((np.array([[0.0, 0.5, 0.25]]), np.array([[1, 1, 0]])),
                  (np.array([[0.3, 1.0]]), np.array([[1, 0]]))):
        yours = target.compute_cost(a3, Y)
        if yours != np.inf:
            fail(target, "cost.infinite", f"compute_cost gave {yours!r} for a prediction of exactly "
                 f"{'0 with label 1' if a3[0, 0] == 0 else '1 with label 0'}: the cross-entropy of an impossible "
                 "label is +inf (is a3 clipped?)", yours=yours, expected=np.inf)


def _backward(target, X, Y, parameters):
    if target.has("forward_propagation"):
        cache = forward_cache(target, X, parameters)
    else:
        _, cache = ref.forward_propagation(X, parameters)
    return target.backward_propagation(X, Y, cache)


def _expect_backward_on(target, case, clause, what):
    """The gradients of one fixed (parameters, X, Y) case, compared with the reference's under ``clause``."""
    parameters, X, Y = case
    yours = _backward(target, X, Y, parameters)
    expected = _dW_db(ref.backward_propagation(X, Y, ref.forward_propagation(X, parameters)[1]))
    expect_close(target, yours, expected, clause=clause, what=what, rtol=NETWORK_RTOL, scales=1.0)


def _dW_db(grads):
    return {k: v for k, v in grads.items() if k[:2] in ("dW", "db")}


@verifies("backward.gradient", calls=("backward_propagation",))
def check_backward_propagation_matches_the_reference(target):
    """dW_l, db_l of the mean cost, on inputs whose hidden pre-activations stay away from 0."""
    @for_all(hh.networks())
    def run(net):
        parameters, X, Y = net
        _, cache = ref.forward_propagation(X, parameters)
        assume(all(np.min(np.abs(cache[i])) > 1e-6 for i in (0, 4)))      # z1, z2 away from ReLU's kink
        yours = _backward(target, X, Y, parameters)
        expect_close(target, yours, _dW_db(ref.backward_propagation(X, Y, cache)), clause="backward.gradient",
                     what="gradients dW, db", rtol=NETWORK_RTOL, scales=1.0)
    run()


@verifies("backward.gradient", calls=("backward_propagation",))
def check_backward_propagation_is_finite_where_the_sigmoid_saturates(target):
    """a3 = 1.0 exactly with y = 1 (z3 = 40) has dz3 = (a3 - y) / m = 0: finite gradients, not the NaN of 0 / 0
    that the chain rule through da3 = -(y / a3) + (1 - y) / (1 - a3) gives (autograd through the cost)."""
    _expect_backward_on(target, saturated_case(), "backward.gradient",
                        "gradients where the sigmoid saturates (a3 = 1.0 exactly, y = 1: dz3 = 0)")


@verifies("backward.relu-kink", calls=("backward_propagation",))
def check_backward_propagation_takes_relu_derivative_zero_at_zero(target):
    """When layer 1 is all zero for an example, z2 = b2 = 0 exactly and must pass no gradient."""
    _expect_backward_on(target, relu_kink_case(), "backward.relu-kink", "gradients at the ReLU kink")


_ACCURACY = re.compile(r"Accuracy:\s*(\S+)")


@verifies("predict.threshold", calls=("predict",))
def check_predict_is_one_strictly_above_one_half(target):
    """Class 1 iff a3 > 0.5 (a3 = 0.5 exactly is class 0); the accuracy, returned or printed, is the mean."""
    # W3 = 1 and everything else 0: a3 = sigmoid(0) = 0.5 exactly for every example
    half = {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1)), "W2": np.zeros((1, 1)), "b2": np.zeros((1, 1)),
            "W3": np.ones((1, 1)), "b3": np.zeros((1, 1))}

    @for_all(hh.networks(), st.booleans())
    def run(net, at_half):
        parameters, X, Y = net
        if at_half:
            X, parameters = np.zeros((2, Y.shape[1])), half
        predictions, accuracy = target.predict(X, Y, parameters)
        expected, expected_accuracy = ref.predict(X, Y, parameters)
        expected_accuracy = float(expected_accuracy)
        expect_close(target, predictions, expected, clause="predict.threshold", rtol=0.0,
                     what="predictions" + (" at a3 = 0.5 exactly" if at_half else ""),
                     output="[0]" if accuracy is not None else "")
        printed = _ACCURACY.search(target.last.stdout or "")
        for label, value in (("returned", accuracy), ("printed", printed and printed.group(1))):
            if value is None:
                continue
            try:
                value = float(value)
            except (TypeError, ValueError):
                fail(target, "predict.threshold", f"predict {label} the accuracy as {value!r}, not a number")
            if abs(value - expected_accuracy) > 1e-12:
                fail(target, "predict.threshold", f"predict {label} accuracy {value!r}, expected "
                     f"{expected_accuracy!r}", yours=value, expected=expected_accuracy)
    run()
