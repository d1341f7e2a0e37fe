"""Checks of the optional network functions and of training (SPEC ``init.he``, ``forward.*``,
``cost.*``, ``backward.*``, ``predict.*``, ``train.trajectory``).

Course implementations hard-code three layers, so these checks use
``[n_0, n_1, n_2, 1]`` networks.
"""
from __future__ import annotations

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as nps

import reference as ref

from . import assertions as ph
from .checks_updates import assert_adam_close
from .registry import check
from .target import ConformanceError

UNIT = st.floats(-1, 1, allow_nan=False, allow_subnormal=False)
# forward values stay below ~1e3 in magnitude, so float64 rounding stays below 1e-12 absolute; 1e-10 on a3 is safe
NETWORK_RTOL = 1e-10


@st.composite
def networks(draw):
    """(parameters, X, Y) for a [n_0, n_1, n_2, 1] network with weights and biases in [-1, 1]."""
    dims = [draw(st.integers(1, 4)), draw(st.integers(1, 6)), draw(st.integers(1, 4)), 1]
    m = draw(st.integers(1, 20), label="m")
    parameters = {}
    for l in range(1, 4):
        parameters[f"W{l}"] = draw(nps.arrays(np.float64, (dims[l], dims[l - 1]), elements=UNIT))
        parameters[f"b{l}"] = draw(nps.arrays(np.float64, (dims[l], 1), elements=UNIT))
    X = draw(nps.arrays(np.float64, (dims[0], m), elements=st.floats(-2, 2)), label="X")
    Y = draw(nps.arrays(np.int64, (1, m), elements=st.integers(0, 1)), label="Y")
    return parameters, X, Y


def _forward(impl, X, parameters, clause):
    out = impl.call("forward_propagation", X, parameters, clause=clause, protect=(0,))
    if not isinstance(out, tuple) or len(out) != 2:
        raise ConformanceError("api.signatures", "forward_propagation must return (a3, cache)")
    return np.asarray(out[0]), out[1]


@check("init.he", needs=("initialize_parameters",))
def check_initialize_parameters_draws_he_weights_after_seed_3(impl):
    """W_l = randn(n_l, n_{l-1}) * sqrt(2 / n_{l-1}) in layer order after np.random.seed(3); b_l = 0."""
    for dims in ([2, 5, 2, 1], [3, 4, 1], [2, 1]):
        yours = impl.call("initialize_parameters", list(dims), clause="init.he")
        expected = ref.initialize_parameters(list(dims))
        ph.assert_close(yours, expected, clause="init.he", what=f"initialize_parameters({dims})",
                        rtol=1e-15, snippet=ph.repro(impl, f"print(impl.module.initialize_parameters({dims}))"))


@check("forward.relu-sigmoid", needs=("forward_propagation",))
def check_forward_propagation_matches_the_reference(impl):
    """a3 of LINEAR->RELU->LINEAR->RELU->LINEAR->SIGMOID."""
    @given(networks())
    def run(net):
        parameters, X, _ = net
        a3, _ = _forward(impl, X, parameters, "forward.relu-sigmoid")
        expected, _ = ref.forward_propagation(X, parameters)
        ph.assert_close({"a3": a3}, {"a3": expected}, clause="forward.relu-sigmoid", what="a3",
                        rtol=NETWORK_RTOL, scales={"a3": 1.0},
                        snippet=ph.repro(impl, "print(impl.module.forward_propagation(X, parameters)[0])",
                                         X=X, parameters=parameters))
    run()


@check("cost.bce-mean", needs=("compute_cost",))
def check_compute_cost_is_the_mean_cross_entropy(impl):
    """J = (1/m) sum -(y log a + (1 - y) log(1 - a))."""
    @given(st.integers(1, 50).flatmap(lambda m: st.tuples(
        nps.arrays(np.float64, (1, m), elements=st.floats(1e-6, 1 - 1e-6)),
        nps.arrays(np.int64, (1, m), elements=st.integers(0, 1)))))
    def run(case):
        a3, Y = case
        yours = impl.call("compute_cost", a3, Y, clause="cost.bce-mean", protect=(0, 1))
        expected = ref.compute_cost(a3, Y)
        # summing m terms of size <= 14: rounding <= m ulp of the sum; rtol 1e-12 on the mean is safe
        ph.assert_close({"cost": np.asarray(yours, dtype=np.float64).reshape(())},
                        {"cost": np.asarray(expected)}, clause="cost.bce-mean", what="compute_cost",
                        rtol=1e-12, scales={"cost": 1.0},
                        snippet=ph.repro(impl, "print(impl.module.compute_cost(a3, Y))", a3=a3, Y=Y))
    run()


@check("cost.saturation", needs=("compute_cost",))
def check_compute_cost_is_finite_for_saturated_correct_predictions(impl):
    """a = 1.0 with y = 1 and a = 0.0 with y = 0 cost exactly 0, not NaN."""
    a3 = np.array([[1.0, 0.0, 0.5, 0.25]])
    Y = np.array([[1, 0, 1, 0]])
    yours = float(np.asarray(impl.call("compute_cost", a3, Y, clause="cost.saturation")))
    expected = (np.log(2) - np.log(0.75)) / 4            # hand derivation: only the last two terms count
    if not np.isfinite(yours) or abs(yours - expected) > 1e-12 * expected:
        ph.fail("cost.saturation", f"compute_cost gave {yours!r} for a saturated sigmoid with correct labels, "
                f"expected (log 2 - log 0.75) / 4 = {expected!r}: 0 * log 0 must count as 0 (mask or clip the logs)",
                ph.repro(impl, "print(impl.module.compute_cost(a3, Y))", a3=a3, Y=Y))


def _backward(impl, X, Y, parameters, clause):
    if impl.has("forward_propagation"):
        _, cache = _forward(impl, X, parameters, clause)
    else:
        _, cache = ref.forward_propagation(X, parameters)
    grads = impl.call("backward_propagation", X, Y, cache, clause=clause, protect=(0, 1))
    if not isinstance(grads, dict):
        raise ConformanceError("api.signatures", f"backward_propagation must return a dict, got {type(grads).__name__}")
    return grads


def _dW_db(grads):
    return {k: v for k, v in grads.items() if k[:2] in ("dW", "db")}


@check("backward.gradient", needs=("backward_propagation",))
def check_backward_propagation_matches_the_reference(impl):
    """dW_l, db_l of the mean cost, on inputs whose hidden pre-activations stay away from 0."""
    @given(networks())
    def run(net):
        parameters, X, Y = net
        _, cache = ref.forward_propagation(X, parameters)
        assume(all(np.min(np.abs(cache[i])) > 1e-6 for i in (0, 4)))      # z1, z2 away from ReLU's kink
        yours = _backward(impl, X, Y, parameters, "backward.gradient")
        expected = _dW_db(ref.backward_propagation(X, Y, cache))
        ph.assert_close(yours, expected, clause="backward.gradient", what="gradients dW, db",
                        rtol=NETWORK_RTOL, scales={k: 1.0 for k in expected},
                        snippet=ph.repro(impl, ["a3, cache = impl.module.forward_propagation(X, parameters)",
                                                "print(impl.module.backward_propagation(X, Y, cache))"],
                                         X=X, Y=Y, parameters=parameters))
    run()


def relu_kink_case():
    """(parameters, X, Y) of [2, 5, 2, 1] where W1 X < 0: a1 = 0, so z2 = b2 = 0 exactly for every example."""
    rng = np.random.default_rng(0)
    parameters = {"W1": -np.abs(rng.normal(size=(5, 2))), "b1": np.zeros((5, 1)),
                  "W2": rng.normal(size=(2, 5)), "b2": np.zeros((2, 1)),
                  "W3": np.array([[1.5, -2.0]]), "b3": np.zeros((1, 1))}
    X = np.abs(rng.normal(size=(2, 4))) + 0.1
    return parameters, X, np.array([[1, 0, 1, 1]])


@check("backward.relu-kink", needs=("backward_propagation",))
def check_backward_propagation_takes_relu_derivative_zero_at_zero(impl):
    """When layer 1 is all zero for an example, z2 = b2 = 0 exactly and must pass no gradient."""
    parameters, X, Y = relu_kink_case()
    yours = _backward(impl, X, Y, parameters, "backward.relu-kink")
    expected = _dW_db(ref.backward_propagation(X, Y, ref.forward_propagation(X, parameters)[1]))
    ph.assert_close(yours, expected, clause="backward.relu-kink", what="gradients at the ReLU kink",
                    rtol=NETWORK_RTOL, scales={k: 1.0 for k in expected},
                    snippet=ph.repro(impl, ["a3, cache = impl.module.forward_propagation(X, parameters)",
                                            "print(impl.module.backward_propagation(X, Y, cache))"],
                                     X=X, Y=Y, parameters=parameters))


@check("predict.threshold", needs=("predict",))
def check_predict_is_one_strictly_above_one_half(impl):
    """Class 1 iff a3 > 0.5; a3 == 0.5 exactly is class 0."""
    parameters = {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1)), "W2": np.zeros((1, 1)), "b2": np.zeros((1, 1)),
                  "W3": np.array([[1.0]]), "b3": np.zeros((1, 1))}       # a3 = sigmoid(0) = 0.5 exactly
    X = np.array([[1.0, -1.0, 2.0], [0.5, 0.0, -3.0]])
    Y = np.array([[0, 1, 0]])
    out = impl.call("predict", X, Y, parameters, clause="predict.threshold", protect=(0, 1))
    predictions = np.asarray(out[0] if isinstance(out, tuple) else out)
    if predictions.reshape(-1).tolist() != [0, 0, 0]:
        ph.fail("predict.threshold", f"predictions {predictions.tolist()} for a3 = 0.5 exactly; expected all 0 "
                "(class 1 iff a3 > 0.5, strictly)", ph.repro(impl, "print(impl.module.predict(X, Y, parameters))",
                                                              X=X, Y=Y, parameters=parameters))


@check("train.trajectory", "train.seed-schedule", "train.step-counter", needs=("model",))
def check_model_follows_the_reference_for_ten_epochs(impl):
    """model(...) on the seed-3 moons for 10 epochs ends where the reference's train does, per optimizer."""
    X, Y = ref.load_dataset()
    extra = impl.placement_kwargs("model")
    for optimizer in ref.OPTIMIZERS:
        yours = impl.call("model", X, Y, list(ref.LAYERS_DIMS), optimizer, num_epochs=10, print_cost=False,
                          clause="train.trajectory", protect=(0, 1), **extra)
        if isinstance(yours, tuple):
            yours = yours[0]

        def expected_for(placement):
            return ref.train(X, Y, list(ref.LAYERS_DIMS), optimizer, num_epochs=10,
                             epsilon_placement=placement).parameters
        # 50 float64 updates: rounding differences grow at most linearly, ~50 * 1e-15; 1e-8 is safe.
        # A float32 implementation rounds at 6e-8 per operation: 1e-4 (100x the 20-step float32 tolerance).
        rtol = ph.rtol_for("trajectory", yours) * 1e2 if isinstance(yours, dict) else 1e-8
        what = f"parameters after model(..., '{optimizer}', num_epochs=10)"
        snippet = ph.repro(impl, ["import reference", "X, Y = reference.load_dataset()",
                                  f"print(impl.module.model(X, Y, [2, 5, 2, 1], '{optimizer}', "
                                  "num_epochs=10, print_cost=False))"])
        scales_for = lambda expected: {k: ph.max_magnitude(v) for k, v in expected.items()}  # noqa: E731
        if optimizer == "adam" and isinstance(yours, dict):
            assert_adam_close(impl, yours, expected_for, clause="train.trajectory", what=what, rtol=rtol,
                              scales_for=scales_for, snippet=snippet)
        else:
            expected = expected_for(impl.epsilon_placement)
            ph.assert_close(yours, expected, clause="train.trajectory", what=what, rtol=rtol,
                            scales=scales_for(expected), snippet=snippet)


@check("train.costs", "train.seed-schedule", "train.step-counter", needs=("train",))
def check_train_costs_follow_the_reference_for_ten_epochs(impl):
    """A target's ``train`` (optoracle's extension of ``model``) reports the reference's epoch and mini-batch
    costs for the first 10 epochs on the seed-3 moons."""
    X, Y = ref.load_dataset()
    for optimizer in ref.OPTIMIZERS:
        result = impl.call("train", X, Y, list(ref.LAYERS_DIMS), optimizer, num_epochs=10, clause="train.costs",
                           protect=(0, 1), **impl.placement_kwargs("train"))
        expected = ref.train(X, Y, list(ref.LAYERS_DIMS), optimizer, num_epochs=10,
                             epsilon_placement=impl.epsilon_placement)
        yours = {name: np.asarray(getattr(result, name, None), dtype=np.float64)
                 for name in ("epoch_costs", "minibatch_costs")}
        # costs are sums of ~300 terms of size <= ~1 after 50 updates: 1e-8 as for the parameters
        ph.assert_close(yours, {"epoch_costs": expected.epoch_costs, "minibatch_costs": expected.minibatch_costs},
                        clause="train.costs", what=f"costs of train(..., '{optimizer}', num_epochs=10)", rtol=1e-8,
                        scales={"epoch_costs": 1.0, "minibatch_costs": 1.0},
                        snippet=ph.repro(impl, ["import reference", "X, Y = reference.load_dataset()",
                                                f"print(impl.module.train(X, Y, [2, 5, 2, 1], '{optimizer}', "
                                                "num_epochs=10).epoch_costs)"]))
