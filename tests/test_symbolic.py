"""SymPy-derived verification (SPEC backward.gradient, cost.bce-mean, momentum.ema, adam.bias-correction,
precision.ulp): derivations and proofs that share no code with the reference."""
import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings

import reference as r
from conftest import trusted
from properties import symbolic
from properties.checks.symbolic import KINK_MARGIN, SYMBOLIC_RTOL, gradient_scales, ulp_report
from properties.registry import checks
from properties.runner import run_check
from reference.optimizers import momentum_step

FEW = settings(max_examples=15, derandomize=True, database=None, deadline=None)
b, t, k, g, lr, eps, p = sp.symbols("beta t k g alpha epsilon p", real=True)
beta1, beta2 = sp.symbols("beta1 beta2", real=True)


# ---------------------------------------------------------------- gradients
def away_from_kink(cache):
    return all(np.min(np.abs(cache[i])) > KINK_MARGIN for i in range(0, len(cache) - 4, 4))


def inputs(layers):
    """(parameters, X, Y) for ``layers`` and m from 1 to 5, entries in [-1, 1], X in [-2, 2]."""
    from hypothesis import strategies as st
    return st.tuples(st.integers(0, 2 ** 32 - 1), st.integers(1, 5)).map(lambda case: _draw(layers, *case))


def _draw(layers, seed, m):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layers)):
        parameters[f"W{l}"] = rng.uniform(-1, 1, size=(layers[l], layers[l - 1]))
        parameters[f"b{l}"] = rng.uniform(-1, 1, size=(layers[l], 1))
    return parameters, rng.uniform(-2, 2, size=(layers[0], m)), rng.integers(0, 2, size=(1, m))


@pytest.mark.parametrize("layers", [(2, 3, 2, 1), (3, 1), (2, 3, 2, 2, 1)])
def test_reference_forward_cost_and_backward_equal_sympys_derivative(layers):
    @FEW
    @given(inputs(layers))
    def run(case):
        parameters, X, Y = case
        a, cache = r.forward_propagation(X, parameters)
        assume(away_from_kink(cache))
        J, expected = symbolic.cost_and_gradient(layers, parameters, X, Y)
        assert r.compute_cost(a, Y) == pytest.approx(J, rel=SYMBOLIC_RTOL)
        assert r.compute_cost(a, Y, reduction="sum") == pytest.approx(
            symbolic.cost_and_gradient(layers, parameters, X, Y, "sum")[0], rel=SYMBOLIC_RTOL)
        grads = r.backward_propagation(X, Y, cache)
        scales = gradient_scales(parameters, X, Y)
        for key, value in expected.items():
            err = np.abs(grads[key] - value)
            floor = np.finfo(np.float64).tiny          # below the smallest normal, nothing is accurate
            assert np.all(err <= SYMBOLIC_RTOL * (np.abs(value) + scales[key]) + floor), (key, grads[key], value)
    run()


@pytest.mark.parametrize("mutant", ["backward-missing-one-over-m", "relu-derivative-on-wrong-layer",
                                    "backward-one-over-m-twice"])
def test_the_symbolic_gradient_check_rejects_a_wrong_backward_pass(mutant, mutation_examples):
    result = run_check(checks()["check_backward_propagation_matches_the_symbolic_gradient"],
                       trusted(f"catalog:{mutant}"), diagnose=False)
    assert result.status == "failed" and result.clause == "backward.gradient"


def test_relu_as_max_is_the_piecewise_function():
    z = sp.Symbol("z", real=True)
    assert sp.simplify(sp.Max(z, 0).rewrite(sp.Piecewise) - sp.Piecewise((z, z > 0), (0, True))) == 0


# ---------------------------------------------------------------- identities, proved
def test_unrolled_ema_weights_sum_to_one_minus_beta_to_the_t():
    beta = sp.Symbol("beta", positive=True)
    steps, j = sp.symbols("t k", integer=True, positive=True)
    weights = sp.summation((1 - beta) * beta ** (steps - j), (j, 1, steps))
    # SymPy answers piecewise, with a separate branch for beta = 1; the spec has beta in [0, 1)
    weights = weights.subs(sp.Eq(1 / beta, 1), False).subs(sp.Eq(beta, 1), False)
    assert sp.simplify(weights - (1 - beta ** steps)) == 0


def test_momentum_with_constant_gradient_solves_to_one_minus_beta_to_the_t_times_g():
    v = sp.Function("v")
    solution = sp.rsolve(v(t) - b * v(t - 1) - (1 - b) * g, v(t), {v(0): 0})
    assert sp.simplify(solution - (1 - b ** t) * g) == 0


def test_the_references_momentum_step_is_the_ema_recurrence_symbolically():
    # the reference's own arithmetic, run on SymPy symbols
    v_prev = sp.Symbol("v_prev", real=True)
    p_new, v_new = momentum_step(p, g, v_prev, b, lr)
    assert sp.simplify(v_new - (b * v_prev + (1 - b) * g)) == 0
    assert sp.simplify(p_new - (p - lr * (b * v_prev + (1 - b) * g))) == 0


def test_momentum_with_zero_beta_is_gradient_descent_symbolically():
    p_new, v_new = momentum_step(p, g, sp.Symbol("v_prev"), 0, lr)
    assert sp.simplify(p_new - (p - lr * g)) == 0 and sp.simplify(v_new - g) == 0


def test_adam_corrected_moments_of_a_constant_gradient_are_g_and_g_squared_at_every_t():
    v, s = sp.Function("v"), sp.Function("s")
    v_t = sp.rsolve(v(t) - beta1 * v(t - 1) - (1 - beta1) * g, v(t), {v(0): 0})
    s_t = sp.rsolve(s(t) - beta2 * s(t - 1) - (1 - beta2) * g ** 2, s(t), {s(0): 0})
    assert sp.simplify(v_t / (1 - beta1 ** t) - g) == 0
    assert sp.simplify(s_t / (1 - beta2 ** t) - g ** 2) == 0


def test_adam_first_step_is_lr_g_over_the_root_of_g_squared_plus_eps_or_abs_g_plus_eps():
    v1 = (beta1 * 0 + (1 - beta1) * g) / (1 - beta1 ** 1)
    s1 = (beta2 * 0 + (1 - beta2) * g ** 2) / (1 - beta2 ** 1)
    assert sp.simplify(v1 - g) == 0 and sp.simplify(s1 - g ** 2) == 0
    inside = lr * v1 / sp.sqrt(s1 + eps)
    outside = lr * v1 / (sp.sqrt(s1) + eps)
    assert sp.simplify(inside - lr * g / sp.sqrt(g ** 2 + eps)) == 0
    assert sp.simplify(outside - lr * g / (sp.Abs(g) + eps)) == 0


def test_a_wrong_bias_correction_does_not_simplify_to_g():
    # the proof method can fail: (1 - beta) in place of (1 - beta**t) leaves a t-dependent factor
    v = sp.Function("v")
    v_t = sp.rsolve(v(t) - beta1 * v(t - 1) - (1 - beta1) * g, v(t), {v(0): 0})
    assert sp.simplify(v_t / (1 - beta1) - g) != 0


# ---------------------------------------------------------------- 50-digit oracle
@pytest.mark.parametrize("edition", ["seed", "course"])
def test_the_reference_lies_within_the_documented_ulp_bounds(edition):
    worst = ulp_report(trusted(f"reference@{edition}", edition))
    assert worst[("update_parameters_with_gd", "parameters")] <= 2
    assert worst[("update_parameters_with_adam", "parameters")] > 0       # the measurement is not vacuous


@pytest.mark.parametrize("mutant", ["adam-bias-correction-t-plus-1", "adam-bias-correction-without-power",
                                    "adam-float32-denominator"])
def test_the_ulp_oracle_rejects_a_wrong_bias_correction_and_float32_arithmetic(mutant):
    result = run_check(checks()["check_update_rules_lie_within_ulps_of_exact_arithmetic"], trusted(f"catalog:{mutant}"),
                       diagnose=False)
    assert result.status == "failed" and result.clause == "precision.ulp"


@pytest.mark.parametrize("mutant, function, epsilon_named", [
    ("momentum-without-one-minus-beta", "update_parameters_with_momentum", False),
    ("adam-float32-denominator", "update_parameters_with_adam", True),
])
def test_a_precision_failure_names_the_epsilon_placement_judged_only_for_adam(mutant, function, epsilon_named):
    result = run_check(checks()["check_update_rules_lie_within_ulps_of_exact_arithmetic"], trusted(f"catalog:{mutant}"),
                       diagnose=False)
    assert result.status == "failed" and result.failure.what.startswith(f"{function}: ")
    assert any("epsilon" in line for line in result.failure.details) is epsilon_named, result.failure.details
