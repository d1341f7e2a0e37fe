"""Step-by-step trajectories of the three optimizers (SPEC ``trajectory.step-by-step``)."""
from __future__ import annotations

from hypothesis import strategies as st

import reference as ref

from .. import strategies as hh
from ..casework import ADAM, GD, MOMENTUM, zero_state
from ..compare import expect_close, f64, max_magnitude, rtol_for
from ..registry import verifies
from ..settings import for_all

HYPER = st.tuples(hh.LEARNING_RATES, hh.BETAS, hh.BETA2S, hh.EPSILONS)


def _follow(target, optimizer, problem, hyper):
    """Run the target and the reference side by side; compare states and parameters after every step."""
    lr, beta, beta2, eps = hyper
    p = problem["parameters"]
    v, s = zero_state(p), zero_state(p)
    P, V, S = f64(p), f64(v), f64(s)
    rtol = rtol_for("trajectory", p)
    n = len(problem["grads_seq"])
    largest_g = {f"d{k}": 0.0 for k in P}          # the largest |g| seen so far, per key
    for t, g in enumerate(problem["grads_seq"], start=1):
        P_before = P
        largest_g = {k: max(m, max_magnitude(g[k])) for k, m in largest_g.items()}
        if optimizer == "gd":
            p = target.update_parameters_with_gd(p, g, lr)
            P = ref.update_parameters_with_gd(P, f64(g), lr)
            states, output = {}, ""
        elif optimizer == "momentum":
            p, v = target.update_parameters_with_momentum(p, g, v, beta, lr)
            P, V = ref.update_parameters_with_momentum(P, f64(g), V, beta, lr)
            states, output = {"v": (v, V, "[1]")}, "[0]"
        else:
            p, v, s = target.update_parameters_with_adam(p, g, v, s, t, lr, beta, beta2, eps)[:3]
            P, V, S = ref.update_parameters_with_adam(P, f64(g), V, S, t, lr, beta, beta2, eps,
                                                      epsilon_placement=target.conventions.epsilon)
            states, output = {"v": (v, V, "[1]"), "s": (s, S, "[2]")}, "[0]"
        # the largest magnitude seen so far bounds the absolute rounding error of the running sums
        for label, (yours, expected, out) in states.items():
            power = 2 if label == "s" else 1
            scale = {k: max(max_magnitude(expected[k]), largest_g[k] ** power) for k in expected}
            expect_close(target, yours, expected, clause="trajectory.step-by-step",
                         what=f"{optimizer} state {label} after step {t} of {n}", rtol=rtol, scales=scale, output=out)
        expect_close(target, p, P, clause="trajectory.step-by-step",
                     what=f"{optimizer} parameters after step {t} of {n}", rtol=rtol,
                     scales={k: max_magnitude(P_before[k], P[k]) + t * lr for k in P}, output=output,
                     axes=("epsilon",) if optimizer == "adam" else (),
                     expected_under=(lambda c: _replay(problem, hyper, t, c)) if optimizer == "adam" else None)


def _replay(problem, hyper, steps, conventions):
    """The reference's Adam parameters after ``steps`` steps under ``conventions``."""
    lr, beta, beta2, eps = hyper
    P = f64(problem["parameters"])
    V, S = zero_state(P), zero_state(P)
    for t, g in enumerate(problem["grads_seq"][:steps], start=1):
        P, V, S = ref.update_parameters_with_adam(P, f64(g), V, S, t, lr, beta, beta2, eps,
                                                  epsilon_placement=conventions.epsilon)
    return P


def _trajectory_check(optimizer, calls):
    def check(target):
        # at most DEEP layers: following many steps is about what carries from step to step (t, v, s);
        # every key of deep networks (two-digit layer numbers) is the single-step checks' business
        @for_all(hh.update_problems(max_steps=20, max_layers=hh.DEEP), HYPER)
        def run(problem, hyper):
            _follow(target, optimizer, problem, hyper)
        run()
    check.__name__ = check.__qualname__ = f"check_{optimizer}_trajectory_matches_the_reference_step_by_step"
    check.__doc__ = f"Up to 20 {optimizer} steps: parameters and states follow the reference after every step."
    return verifies("trajectory.step-by-step", calls=calls, weight=4)(check)


check_gd_trajectory_matches_the_reference_step_by_step = _trajectory_check("gd", GD)
check_momentum_trajectory_matches_the_reference_step_by_step = _trajectory_check("momentum", MOMENTUM)
check_adam_trajectory_matches_the_reference_step_by_step = _trajectory_check("adam", ADAM)
