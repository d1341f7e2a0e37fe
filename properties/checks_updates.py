"""Checks of the update rules and state initialisation (SPEC ``gd.*``, ``momentum.*``,
``adam.*``, ``state.*``, ``trajectory.step-by-step``).

The reference side is always computed in float64 from the same inputs; a float32
target is held to the float32 tolerances of ``assertions.RTOL``.
"""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import reference as ref

from . import assertions as ph
from . import strategies as hh
from .registry import check
from .target import Calls, ConformanceError
from .unit_cases import zero_state

GD = ("update_parameters_with_gd",)
MOMENTUM = ("update_parameters_with_momentum",)
ADAM = ("update_parameters_with_adam",)


def f64(d):
    return {k: np.asarray(v, dtype=np.float64) for k, v in d.items()}


def denominator(s_corrected, epsilon, placement):
    return np.sqrt(s_corrected + epsilon) if placement == "inside" else np.sqrt(s_corrected) + epsilon


def ref_adam(impl, parameters, grads, v, s, t, lr, beta1, beta2, epsilon, placement=None):
    return ref.update_parameters_with_adam(f64(parameters), f64(grads), f64(v), f64(s), t, lr, beta1, beta2,
                                           epsilon, epsilon_placement=placement or impl.epsilon_placement)


def consistent_s(v, extra):
    """A second moment that could follow ``v``: s = v**2 + extra**2 >= v**2 (Cauchy-Schwarz for EMAs)."""
    return {k: np.square(v[k]) + np.square(extra[k]) for k in v}


def param_scales(parameters, new_reference):
    """|p| + |p_new - p|: the size of the two terms of ``p - lr * step``."""
    return {k: ph.magnitude(parameters[k], new_reference[k] - parameters[k]) for k in parameters}


def moment_scales(old, grads, square=False):
    return {k: ph.magnitude(old[k], np.square(grads[k]) if square else grads[k]) for k in old}


def call_snippet(impl, statement, **values):
    return ph.repro(impl, [f"out = impl.module.{statement}", "print(out)"], **values)


# ----------------------------------------------------------------------------- GD
@check("gd.update", needs=GD)
def check_gd_update_is_p_minus_lr_g(impl):
    """update_parameters_with_gd returns p - lr * g for every W and b."""
    @given(hh.update_problems(), hh.LEARNING_RATES)
    def run(problem, lr):
        p, g = problem["parameters"], problem["grads_seq"][0]
        yours = Calls(impl).gd(p, g, lr)
        expected = ref.update_parameters_with_gd(f64(p), f64(g), lr)
        ph.assert_close(yours, expected, clause="gd.update", what="parameters after one gd step",
                        rtol=ph.rtol_for("step", p), scales=param_scales(p, expected),
                        snippet=call_snippet(impl, "update_parameters_with_gd(parameters, grads, learning_rate)",
                                             parameters=p, grads=g, learning_rate=lr))
    run()


@check("gd.update", needs=GD)
def check_gd_with_zero_gradient_is_a_fixed_point(impl):
    """Zero gradients leave the parameters exactly unchanged."""
    @given(hh.update_problems(), hh.LEARNING_RATES)
    def run(problem, lr):
        p = problem["parameters"]
        g = zero_state(p)
        yours = Calls(impl).gd(p, g, lr)
        ph.assert_close(yours, f64(p), clause="gd.update", what="parameters after a zero-gradient gd step",
                        rtol=0.0, snippet=call_snippet(impl, "update_parameters_with_gd(parameters, grads, lr)",
                                                       parameters=p, grads=g, lr=lr))
    run()


@check("gd.update", needs=GD)
def check_gd_with_zero_learning_rate_is_the_identity(impl):
    """learning_rate = 0 leaves the parameters exactly unchanged."""
    @given(hh.update_problems())
    def run(problem):
        p, g = problem["parameters"], problem["grads_seq"][0]
        yours = Calls(impl).gd(p, g, 0.0)
        ph.assert_close(yours, f64(p), clause="gd.update", what="parameters after a gd step with lr = 0",
                        rtol=0.0, snippet=call_snippet(impl, "update_parameters_with_gd(parameters, grads, 0.0)",
                                                       parameters=p, grads=g))
    run()


# ----------------------------------------------------------------------- momentum
@check("momentum.ema", "momentum.update", needs=MOMENTUM)
def check_momentum_update_matches_the_ema_rule(impl):
    """v = beta v + (1 - beta) g, then p = p - lr v, from any velocity."""
    @given(hh.update_problems(max_steps=2), hh.BETAS, hh.LEARNING_RATES)
    def run(problem, beta, lr):
        p, (g, v) = problem["parameters"], (problem["grads_seq"] * 2)[:2]
        v = {k: np.asarray(a, dtype=problem["dtype"]) for k, a in v.items()}
        yours_p, yours_v = Calls(impl).momentum(p, g, v, beta, lr)
        ref_p, ref_v = ref.update_parameters_with_momentum(f64(p), f64(g), f64(v), beta, lr)
        snippet = call_snippet(impl, "update_parameters_with_momentum(parameters, grads, v, beta, learning_rate)",
                               parameters=p, grads=g, v=v, beta=beta, learning_rate=lr)
        rtol = ph.rtol_for("step", p)
        ph.assert_close(yours_v, ref_v, clause="momentum.ema", what="velocity v after one momentum step",
                        rtol=rtol, scales=moment_scales(v, g), snippet=snippet)
        ph.assert_close(yours_p, ref_p, clause="momentum.update", what="parameters after one momentum step",
                        rtol=rtol, scales=param_scales(p, ref_p), snippet=snippet)
    run()


@check("momentum.ema", needs=MOMENTUM)
def check_momentum_with_zero_gradient_and_velocity_is_a_fixed_point(impl):
    """g = 0 and v = 0 leave p and v exactly unchanged."""
    @given(hh.update_problems(), hh.BETAS, hh.LEARNING_RATES)
    def run(problem, beta, lr):
        p = problem["parameters"]
        zeros = zero_state(p)
        yours_p, yours_v = Calls(impl).momentum(p, zeros, zeros, beta, lr)
        snippet = call_snippet(impl, "update_parameters_with_momentum(parameters, grads, v, beta, lr)",
                               parameters=p, grads=zeros, v=zeros, beta=beta, lr=lr)
        ph.assert_close(yours_v, f64(zeros), clause="momentum.ema", what="velocity after a zero step", rtol=0.0,
                        snippet=snippet)
        ph.assert_close(yours_p, f64(p), clause="momentum.update", what="parameters after a zero step", rtol=0.0,
                        snippet=snippet)
    run()


@check("momentum.ema", needs=MOMENTUM + GD)
def check_momentum_with_zero_beta_equals_gd(impl):
    """beta = 0 makes momentum exactly gradient descent (v = g)."""
    @given(hh.update_problems(), hh.LEARNING_RATES)
    def run(problem, lr):
        p, g = problem["parameters"], problem["grads_seq"][0]
        yours_p, _ = Calls(impl).momentum(p, g, zero_state(p), 0.0, lr)
        expected = ref.update_parameters_with_gd(f64(p), f64(g), lr)
        ph.assert_close(yours_p, expected, clause="momentum.ema", what="momentum(beta=0) vs gd",
                        rtol=ph.rtol_for("step", p), scales=param_scales(p, expected),
                        snippet=call_snippet(impl, "update_parameters_with_momentum(parameters, grads, v, 0.0, lr)",
                                             parameters=p, grads=g, v=zero_state(p), lr=lr))
    run()


@check("momentum.ema", needs=MOMENTUM)
def check_momentum_constant_gradient_gives_one_minus_beta_to_the_t_times_g(impl):
    """A constant g from v = 0 gives v_t = (1 - beta**t) g."""
    @given(hh.update_problems(), hh.BETAS, st.integers(1, 20))
    def run(problem, beta, steps):
        p, g = problem["parameters"], problem["grads_seq"][0]
        v = zero_state(p)
        for t in range(1, steps + 1):
            p, v = Calls(impl).momentum(p, g, v, beta, 0.01)
            expected = {k: (1 - beta ** t) * a for k, a in f64(g).items()}
            ph.assert_close(v, expected, clause="momentum.ema", what=f"velocity after {t} constant-gradient steps",
                            rtol=ph.rtol_for("trajectory", g), scales={k: np.abs(a) for k, a in f64(g).items()},
                            snippet=ph.repro(impl, ["v = {k: np.zeros_like(a) for k, a in grads.items()}",
                                                    f"for t in range({t}):",
                                                    "    parameters, v = impl.module.update_parameters_with_momentum("
                                                    "parameters, grads, v, beta, 0.01)",
                                                    "print(v)"], parameters=problem["parameters"], grads=g,
                                             beta=beta))
    run()


@check("momentum.ema", needs=MOMENTUM)
def check_momentum_velocity_never_exceeds_the_largest_gradient(impl):
    """|v| <= max over steps so far of |g|, elementwise (an average never exceeds its terms)."""
    @given(hh.update_problems(max_steps=8), hh.BETAS)
    def run(problem, beta):
        p = problem["parameters"]
        v = zero_state(p)
        bound = {k: np.zeros(a.shape) for k, a in v.items()}
        slack = 1 + 8 * np.finfo(problem["dtype"]).eps          # a few roundings per step
        for step, g in enumerate(problem["grads_seq"], start=1):
            p, v = Calls(impl).momentum(p, g, v, beta, 0.01)
            for k in v:
                bound[k] = np.maximum(bound[k], np.abs(g[k].astype(np.float64)))
                excess = np.abs(v[k].astype(np.float64)) - bound[k] * slack
                if (excess > 0).any():
                    i = np.unravel_index(np.argmax(excess), excess.shape)
                    ph.fail("momentum.ema", f"after step {step}, |v[{k!r}]{ph.at(i)}| = {abs(v[k][i]).item()!r} "
                            f"exceeds the largest |g| so far {bound[k][i].item()!r}: the velocity must be an "
                            "average of gradients (v = beta v + (1 - beta) g)",
                            ph.repro(impl, ["v = {k: np.zeros_like(a) for k, a in grads_seq[0].items()}",
                                            "for g in grads_seq:",
                                            "    parameters, v = impl.module.update_parameters_with_momentum("
                                            "parameters, g, v, beta, 0.01)", "print(v)"],
                                     parameters=problem["parameters"], grads_seq=problem["grads_seq"][:step],
                                     beta=beta))
    run()


# -------------------------------------------------------------------------- state
def _check_zero_state(impl, state, parameters, name, what):
    for k, p in parameters.items():
        a = state[f"d{k}"]
        if np.any(a != 0):
            ph.fail("state.init", f"{name}: {what}['d{k}'] is not all zeros (max |.| {np.max(np.abs(a))!r})",
                    ph.repro(impl, f"print(impl.module.{name}(parameters))", parameters=parameters))


@check("state.init", needs=("initialize_velocity",))
def check_initialize_velocity_is_zeros_shaped_like_the_parameters(impl):
    """v['dW{l}'], v['db{l}'] are zeros with the parameters' shapes."""
    @given(hh.layer_dims().flatmap(lambda dims: hh.parameters_for(dims, np.float64)))
    def run(parameters):
        _check_zero_state(impl, Calls(impl).initialize_velocity(parameters), parameters, "initialize_velocity", "v")
    run()


@check("state.init", needs=("initialize_adam",))
def check_initialize_adam_is_zeros_shaped_like_the_parameters(impl):
    """v and s have keys dW{l}, db{l}, zeros with the parameters' shapes."""
    @given(hh.layer_dims().flatmap(lambda dims: hh.parameters_for(dims, np.float64)))
    def run(parameters):
        v, s = Calls(impl).initialize_adam(parameters)
        _check_zero_state(impl, v, parameters, "initialize_adam", "v")
        _check_zero_state(impl, s, parameters, "initialize_adam", "s")
    run()


@check("state.no-aliasing", needs=("initialize_velocity", "initialize_adam"))
def check_state_arrays_are_separate_buffers(impl):
    """No two state arrays share memory: not two keys, not v and s."""
    @given(hh.layer_dims().flatmap(lambda dims: hh.parameters_for(dims, np.float64)))
    def run(parameters):
        calls = Calls(impl)
        v_m = calls.initialize_velocity(parameters)
        v, s = calls.initialize_adam(parameters)
        for name, arrays in (("initialize_velocity", {f"v[{k!r}]": a for k, a in v_m.items()}),
                             ("initialize_adam", {**{f"v[{k!r}]": a for k, a in v.items()},
                                                  **{f"s[{k!r}]": a for k, a in s.items()}})):
            labels = list(arrays)
            for i, a in enumerate(labels):
                for b in labels[i + 1:]:
                    if np.shares_memory(arrays[a], arrays[b]):
                        ph.fail("state.no-aliasing", f"{name}: {a} and {b} share one buffer; an in-place update "
                                "of one would change the other",
                                ph.repro(impl, f"out = impl.module.{name}(parameters)", parameters=parameters))
    run()


# --------------------------------------------------------------------------- adam
ADAM_HYPER = st.tuples(hh.LEARNING_RATES, hh.BETAS, hh.BETA2S, hh.EPSILONS)


def adam_snippet(impl, p, g, v, s, t, lr, b1, b2, eps):
    return call_snippet(impl, "update_parameters_with_adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, "
                              "epsilon)", parameters=p, grads=g, v=v, s=s, t=t, learning_rate=lr, beta1=b1,
                        beta2=b2, epsilon=eps)


OTHER_PLACEMENT = {"inside": "outside", "outside": "inside"}
PROFILE_OF = {"inside": "seed", "outside": "course"}


def placement_diagnosis(impl):
    other = OTHER_PLACEMENT[impl.epsilon_placement]
    return (f"your Adam puts epsilon {other} the square root; profile {impl.profile!r} expects it "
            f"{impl.epsilon_placement}. Run with --profile {PROFILE_OF[other]} to check against that convention.")


def assert_adam_close(impl, yours, expected_for, *, clause, what, rtol, scales_for, snippet):
    """Compare Adam parameters with ``expected_for(placement)`` under the profile's placement.

    A mismatch that disappears under the *other* placement is reported as
    ``adam.epsilon-placement`` (with a diagnosis), whatever check found it: a
    convention choice must not read as a broken bias correction.
    """
    expected = expected_for(impl.epsilon_placement)
    scales = scales_for(expected)
    if all(ph.key_report(yours[k], expected[k], rtol, scales[k]) is None for k in expected):
        return
    alt = expected_for(OTHER_PLACEMENT[impl.epsilon_placement])
    alt_scales = scales_for(alt)
    if all(ph.key_report(yours[k], alt[k], rtol, alt_scales[k]) is None for k in alt):
        clause, diagnosis = "adam.epsilon-placement", placement_diagnosis(impl)
    else:
        diagnosis = None
    ph.assert_close(yours, expected, clause=clause, what=what, rtol=rtol, scales=scales, snippet=snippet,
                    diagnosis=diagnosis)


@check("adam.moments", "adam.update", needs=ADAM)
def check_adam_update_matches_the_reference_rule(impl):
    """Moments, bias correction and step of one Adam update, from any state and t."""
    @given(hh.update_problems(max_steps=3), st.integers(1, 1000), ADAM_HYPER)
    def run(problem, t, hyper):
        lr, b1, b2, eps = hyper
        p, (g, v, sq) = problem["parameters"], (problem["grads_seq"] * 3)[:3]
        s = consistent_s(v, sq)
        yours = Calls(impl).adam(p, g, v, s, t, lr, b1, b2, eps)
        _, ref_v, ref_s = ref_adam(impl, p, g, v, s, t, lr, b1, b2, eps)
        snippet = adam_snippet(impl, p, g, v, s, t, lr, b1, b2, eps)
        rtol = ph.rtol_for("step", p)
        ph.assert_close(yours[1], ref_v, clause="adam.moments", what="first moment v", rtol=rtol,
                        scales=moment_scales(v, g), snippet=snippet)
        ph.assert_close(yours[2], ref_s, clause="adam.moments", what="second moment s", rtol=rtol,
                        scales=moment_scales(s, g, square=True), snippet=snippet)
        assert_adam_close(impl, yours[0],
                          lambda placement: ref_adam(impl, p, g, v, s, t, lr, b1, b2, eps, placement)[0],
                          clause="adam.update", what="parameters after one Adam step", rtol=rtol,
                          scales_for=lambda expected: param_scales(p, expected), snippet=snippet)
    run()


def constant_gradient_snippet(impl, parameters, g, t, hyper):
    """A repro of ``t`` Adam steps with the constant gradient ``g`` from zero moments."""
    lr, b1, b2, eps = hyper
    return ph.repro(impl, ["v = {k: np.zeros_like(a) for k, a in grads.items()}",
                           "s = {k: np.zeros_like(a) for k, a in grads.items()}",
                           f"for t in range(1, {t + 1}):",
                           "    parameters, v, s = impl.module.update_parameters_with_adam("
                           "parameters, grads, v, s, t, lr, beta1, beta2, epsilon)[:3]",
                           "print(parameters)"], parameters=parameters, grads=g, lr=lr, beta1=b1, beta2=b2, epsilon=eps)


def _adam_formula(p, g, lr, eps, placement):
    """p - lr * g / den(g**2): the step when v_corrected = g and s_corrected = g**2 exactly."""
    p, g = f64(p), f64(g)
    return {k: p[k] - lr * g[f"d{k}"] / denominator(np.square(g[f"d{k}"]), eps, placement) for k in p}


@check("adam.bias-correction", needs=ADAM)
def check_adam_first_step_uses_corrected_moments_g_and_g_squared(impl):
    """At t = 1 from zero moments, v_corrected = g and s_corrected = g**2."""
    @given(hh.update_problems(), ADAM_HYPER)
    def run(problem, hyper):
        lr, b1, b2, eps = hyper
        p, g = problem["parameters"], problem["grads_seq"][0]
        zeros = zero_state(p)
        yours, _, _ = Calls(impl).adam(p, g, zeros, zeros, 1, lr, b1, b2, eps)
        assert_adam_close(impl, yours, lambda placement: _adam_formula(p, g, lr, eps, placement),
                          clause="adam.bias-correction",
                          what="parameters after Adam's first step (expected p - lr g / den(g**2))",
                          rtol=ph.rtol_for("step", p), scales_for=lambda expected: param_scales(p, expected),
                          snippet=adam_snippet(impl, p, g, zeros, zeros, 1, lr, b1, b2, eps))
    run()


@check("adam.bias-correction", needs=ADAM)
def check_adam_constant_gradient_keeps_corrected_moments_exact(impl):
    """For a constant g, every step t = 1..20 moves p by lr g / den(g**2)."""
    @given(hh.update_problems(), ADAM_HYPER, st.integers(2, 20))
    def run(problem, hyper, steps):
        lr, b1, b2, eps = hyper
        p, g = problem["parameters"], problem["grads_seq"][0]
        v, s = zero_state(p), zero_state(p)
        for t in range(1, steps + 1):
            before = p
            p, v, s = Calls(impl).adam(p, g, v, s, t, lr, b1, b2, eps)
            assert_adam_close(impl, p, lambda placement: _adam_formula(before, g, lr, eps, placement),
                              clause="adam.bias-correction",
                              what=f"parameters at step t = {t} of a constant gradient (expected p - lr g / den(g**2))",
                              rtol=ph.rtol_for("trajectory", g),
                              scales_for=lambda expected: param_scales(before, expected),
                              snippet=constant_gradient_snippet(impl, problem["parameters"], g, t, hyper))
    run()


@check("adam.bias-correction", needs=ADAM)
def check_adam_bias_correction_vanishes_at_large_t(impl):
    """At t = 10**6 the update equals the uncorrected formula (beta**t underflows to 0)."""
    @given(hh.update_problems(max_steps=3), ADAM_HYPER)
    def run(problem, hyper):
        lr, b1, b2, eps = hyper
        b2 = min(b2, 0.999)                        # 0.999**1e6 = e**-1000: 0 in float64
        p, (g, v, sq) = problem["parameters"], (problem["grads_seq"] * 3)[:3]
        s = consistent_s(v, sq)
        t = 10 ** 6
        yours, _, _ = Calls(impl).adam(p, g, v, s, t, lr, b1, b2, eps)
        P, G, V, S = f64(p), f64(g), f64(v), f64(s)

        def uncorrected(placement):
            expected = {}
            for k in P:
                v_new = b1 * V[f"d{k}"] + (1 - b1) * G[f"d{k}"]
                s_new = b2 * S[f"d{k}"] + (1 - b2) * np.square(G[f"d{k}"])
                expected[k] = P[k] - lr * v_new / denominator(s_new, eps, placement)
            return expected
        assert_adam_close(impl, yours, uncorrected, clause="adam.bias-correction",
                          what="parameters at t = 10**6 vs the uncorrected update", rtol=ph.rtol_for("step", p),
                          scales_for=lambda expected: param_scales(p, expected),
                          snippet=adam_snippet(impl, p, g, v, s, t, lr, b1, b2, eps))
    run()


@check("adam.update", needs=ADAM)
def check_adam_with_zero_gradient_and_moments_is_a_fixed_point(impl):
    """g = 0, v = 0, s = 0 leave p, v and s exactly unchanged."""
    @given(hh.update_problems(), st.integers(1, 100), ADAM_HYPER)
    def run(problem, t, hyper):
        lr, b1, b2, eps = hyper
        p = problem["parameters"]
        zeros = zero_state(p)
        yours = Calls(impl).adam(p, zeros, zeros, zeros, t, lr, b1, b2, eps)
        snippet = adam_snippet(impl, p, zeros, zeros, zeros, t, lr, b1, b2, eps)
        ph.assert_close(yours[0], f64(p), clause="adam.update", what="parameters after a zero step", rtol=0.0,
                        snippet=snippet)
        ph.assert_close(yours[1], f64(zeros), clause="adam.moments", what="v after a zero step", rtol=0.0,
                        snippet=snippet)
        ph.assert_close(yours[2], f64(zeros), clause="adam.moments", what="s after a zero step", rtol=0.0,
                        snippet=snippet)
    run()


@check("adam.update", needs=ADAM)
def check_adam_constant_gradient_moves_each_coordinate_at_most_lr(impl):
    """|v_corrected| / den(s_corrected) <= 1 for a constant gradient, so |delta p| <= lr."""
    @given(hh.update_problems(), ADAM_HYPER, st.integers(1, 20))
    def run(problem, hyper, steps):
        lr, b1, b2, eps = hyper
        p, g = problem["parameters"], problem["grads_seq"][0]
        v, s = zero_state(p), zero_state(p)
        rtol = ph.rtol_for("trajectory", g)
        for t in range(1, steps + 1):
            before = f64(p)
            p, v, s = Calls(impl).adam(p, g, v, s, t, lr, b1, b2, eps)
            for k in before:
                moved = np.abs(p[k].astype(np.float64) - before[k])
                allowed = lr * (1 + rtol) + rtol * np.abs(before[k])
                if (moved > allowed).any():
                    i = np.unravel_index(np.argmax(moved - allowed), moved.shape)
                    ph.fail("adam.update", f"step t = {t}: parameters[{k!r}]{ph.at(i)} moved by {moved[i].item()!r} > "
                            f"learning_rate {lr!r} under a constant gradient",
                            constant_gradient_snippet(impl, problem["parameters"], g, t, hyper))
    run()


@check("adam.update", needs=ADAM)
def check_adam_update_is_invariant_to_gradient_scale(impl):
    """Scaling g by c (and the moments by c, c**2) leaves the step unchanged up to the epsilon term.

    Bound, per element, with r = |v_c| / sqrt(s_c) and the step's relative
    epsilon effect d(s) = 1 - (1 + eps/s)**-1/2 <= eps / (2 s) (inside) or
    d(s) = 1 - (1 + eps/sqrt s)**-1 <= eps / sqrt(s) (outside):
    ``|delta(c) - delta(1)| <= lr r (d(s_c) + d(c**2 s_c))`` plus rounding.
    """
    @given(hh.update_problems(max_steps=3), st.integers(1, 50), ADAM_HYPER,
           st.sampled_from([1e-3, 0.5, 2.0, 10.0, 1e3]))
    def run(problem, t, hyper, c):
        lr, b1, b2, eps = hyper
        p, (g, v, sq) = problem["parameters"], (problem["grads_seq"] * 3)[:3]
        s = consistent_s(v, sq)
        scaled = [{k: (a * factor).astype(problem["dtype"]) for k, a in d.items()}
                  for d, factor in ((g, c), (v, c), (s, c * c))]
        one, _, _ = Calls(impl).adam(p, g, v, s, t, lr, b1, b2, eps)
        many, _, _ = Calls(impl).adam(p, *scaled, t, lr, b1, b2, eps)
        _, ref_v, ref_s = ref_adam(impl, p, g, v, s, t, lr, b1, b2, eps)
        # where s_corrected is 0 (or the state is one that no history produces) only the trivial bound
        # |step(c)| + |step(1)| holds; the reference's steps under both placements give it
        steps = [(ref_adam(impl, p, g, v, s, t, lr, b1, b2, eps, pl)[0],
                  ref_adam(impl, p, *scaled, t, lr, b1, b2, eps, pl)[0]) for pl in ("inside", "outside")]
        rtol = ph.rtol_for("step", p)
        for k in p:
            P = p[k].astype(np.float64)
            trivial = np.maximum(*(np.abs(a[k] - P) + np.abs(b[k] - P) for a, b in steps))
            v_c = ref_v[f"d{k}"] / (1 - b1 ** t)
            s_c = ref_s[f"d{k}"] / (1 - b2 ** t)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                r = np.abs(v_c) / np.sqrt(s_c)
                # the larger of the two placements' bounds: scale invariance does not depend on the convention
                d = np.maximum(np.minimum(eps / (2 * s_c), 1) + np.minimum(eps / (2 * c * c * s_c), 1),
                               np.minimum(eps / np.sqrt(s_c), 1) + np.minimum(eps / (c * np.sqrt(s_c)), 1))
                epsilon_bound = np.where(s_c > 0, lr * r * d, np.inf)
            diff = np.abs(many[k].astype(np.float64) - one[k].astype(np.float64))
            bound = np.minimum(epsilon_bound, trivial) * (1 + 4 * rtol) + 4 * rtol * (np.abs(P) + trivial)
            if (diff > bound).any():
                i = np.unravel_index(np.argmax(diff - bound), diff.shape)
                ph.fail("adam.update", f"scaling the gradients by c = {c} changed parameters[{k!r}]{ph.at(i)} by "
                        f"{diff[i].item()!r}, more than the epsilon bound {bound[i].item()!r}: Adam's step must "
                        "depend on v_corrected / sqrt(s_corrected) (is s accumulating g instead of g**2, or the "
                        "root missing?)",
                        adam_snippet(impl, p, g, v, s, t, lr, b1, b2, eps) + f"\nc = {c!r}\n"
                        "print(impl.module.update_parameters_with_adam(parameters, {k: c * a for k, a in grads.items()}"
                        ", {k: c * a for k, a in v.items()}, {k: c * c * a for k, a in s.items()}, t, learning_rate,"
                        " beta1, beta2, epsilon))")
    run()


@check("adam.update", needs=ADAM)
def check_adam_first_step_moves_against_the_gradient_sign(impl):
    """From zero moments with lr > 0, every coordinate with g != 0 moves opposite to g (or not at all)."""
    @given(hh.update_problems(), ADAM_HYPER.filter(lambda h: h[0] > 0))
    def run(problem, hyper):
        lr, b1, b2, eps = hyper
        p, g = problem["parameters"], problem["grads_seq"][0]
        zeros = zero_state(p)
        yours, _, _ = Calls(impl).adam(p, g, zeros, zeros, 1, lr, b1, b2, eps)
        for k in p:
            moved = yours[k].astype(np.float64) - p[k].astype(np.float64)
            wrong = np.sign(moved) * np.sign(g[f"d{k}"]) > 0
            if wrong.any():
                i = np.unravel_index(np.argmax(wrong), wrong.shape)
                ph.fail("adam.update", f"parameters[{k!r}]{ph.at(i)} moved by {moved[i].item()!r} in the direction "
                        f"of its gradient {g[f'd{k}'][i].item()!r} on the first step (check the sign of the update)",
                        adam_snippet(impl, p, g, zeros, zeros, 1, lr, b1, b2, eps))
    run()


TINY_GRADIENTS = st.builds(lambda sign, e: sign * 10.0 ** e, st.sampled_from([-1.0, 1.0]), st.floats(-7, -5))


@check("adam.epsilon-placement", needs=ADAM)
def check_adam_epsilon_placement_follows_the_profile(impl):
    """Tiny gradients (|g| ~ 1e-7..1e-5) tell sqrt(s_c + eps) from sqrt(s_c) + eps by orders of magnitude."""
    @given(hh.update_problems(gradient_elements=TINY_GRADIENTS), hh.LEARNING_RATES.filter(lambda lr: lr > 0))
    def run(problem, lr):
        p, g = problem["parameters"], problem["grads_seq"][0]
        zeros = zero_state(p)
        yours, _, _ = Calls(impl).adam(p, g, zeros, zeros, 1, lr, 0.9, 0.999, 1e-8)
        # matching neither placement is not a convention choice: it is reported as adam.update
        assert_adam_close(impl, yours, lambda placement: _adam_formula(p, g, lr, 1e-8, placement),
                          clause="adam.update",
                          what=f"parameters after Adam's first step with tiny gradients (epsilon "
                               f"{impl.epsilon_placement} the root, profile {impl.profile!r})",
                          rtol=ph.rtol_for("step", p), scales_for=lambda expected: param_scales(p, expected),
                          snippet=adam_snippet(impl, p, g, zeros, zeros, 1, lr, 0.9, 0.999, 1e-8))
    run()


# --------------------------------------------------------------- trajectories
def _trajectory(impl, optimizer, problem, hyper, placement=None):
    lr, beta, b2, eps = hyper
    placement = placement or impl.epsilon_placement
    calls = Calls(impl)
    p = problem["parameters"]
    v, s = zero_state(p), zero_state(p)
    P, V, S = f64(p), f64(v), f64(s)
    rtol = ph.rtol_for("trajectory", p)
    for t, g in enumerate(problem["grads_seq"], start=1):
        P_before = P
        if optimizer == "gd":
            p = calls.gd(p, g, lr, clause="trajectory.step-by-step")
            P = ref.update_parameters_with_gd(P, f64(g), lr)
            states = {}
        elif optimizer == "momentum":
            p, v = calls.momentum(p, g, v, beta, lr, clause="trajectory.step-by-step")
            P, V = ref.update_parameters_with_momentum(P, f64(g), V, beta, lr)
            states = {"v": (v, V)}
        else:
            p, v, s = calls.adam(p, g, v, s, t, lr, beta, b2, eps, clause="trajectory.step-by-step")
            P, V, S = ref.update_parameters_with_adam(P, f64(g), V, S, t, lr, beta, b2, eps,
                                                      epsilon_placement=placement)
            states = {"v": (v, V), "s": (s, S)}
        call = {"gd": "p = impl.module.update_parameters_with_gd(p, g, lr)",
                "momentum": "p, v = impl.module.update_parameters_with_momentum(p, g, v, beta, lr)",
                "adam": "p, v, s = impl.module.update_parameters_with_adam(p, g, v, s, t, lr, beta, beta2, "
                        "epsilon)[:3]"}[optimizer]
        snippet = ph.repro(impl, ["p = parameters", "v = {k: np.zeros_like(a) for k, a in grads_seq[0].items()}",
                                  "s = {k: np.zeros_like(a) for k, a in grads_seq[0].items()}",
                                  "for t, g in enumerate(grads_seq, start=1):", "    " + call, "print(p)"],
                           parameters=problem["parameters"], grads_seq=problem["grads_seq"][:t], lr=lr, beta=beta,
                           beta2=b2, epsilon=eps)
        # the largest magnitude seen so far bounds the absolute rounding error of the running sums
        for label, (yours, expected) in states.items():
            scale = {k: ph.max_magnitude(expected[k], *(f64(gg)[k] for gg in problem["grads_seq"][:t])) ** (
                2 if label == "s" else 1) for k in expected}
            ph.assert_close(yours, expected, clause="trajectory.step-by-step",
                            what=f"{optimizer} state {label} after step {t} of {len(problem['grads_seq'])}",
                            rtol=rtol, scales=scale, snippet=snippet)
        ph.assert_close(p, P, clause="trajectory.step-by-step",
                        what=f"{optimizer} parameters after step {t} of {len(problem['grads_seq'])}",
                        rtol=rtol, scales={k: ph.max_magnitude(P_before[k], P[k]) + t * lr for k in P},
                        snippet=snippet)


def _trajectory_check(optimizer, needs):
    def checker(impl):
        @given(hh.update_problems(max_steps=20), st.tuples(hh.LEARNING_RATES, hh.BETAS, hh.BETA2S, hh.EPSILONS))
        def run(problem, hyper):
            try:
                _trajectory(impl, optimizer, problem, hyper)
            except ConformanceError as error:
                if optimizer != "adam" or error.clause != "trajectory.step-by-step":
                    raise
                try:                                  # does the whole run follow the other convention?
                    _trajectory(impl, optimizer, problem, hyper, OTHER_PLACEMENT[impl.epsilon_placement])
                except ConformanceError:
                    raise error from None
                raise ConformanceError("adam.epsilon-placement", str(error).split("] ", 1)[1] +
                                       "\n  Diagnosis: " + placement_diagnosis(impl), placement_diagnosis(impl))
        run()
    checker.__name__ = checker.__qualname__ = f"check_{optimizer}_trajectory_matches_the_reference_step_by_step"
    checker.__doc__ = f"Up to 20 {optimizer} steps: parameters and states follow the reference after every step."
    return check("trajectory.step-by-step", needs=needs)(checker)


check_gd_trajectory_matches_the_reference_step_by_step = _trajectory_check("gd", GD)
check_momentum_trajectory_matches_the_reference_step_by_step = _trajectory_check("momentum", MOMENTUM)
check_adam_trajectory_matches_the_reference_step_by_step = _trajectory_check("adam", ADAM)
