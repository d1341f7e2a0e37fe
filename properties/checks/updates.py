"""Checks of gradient descent, momentum and the optimizer states (SPEC ``gd.*``, ``momentum.*``,
``state.*``), with the special cases of SPEC.md's table."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import reference as ref

from .. import strategies as hh
from ..casework import (GD, MOMENTUM, at, fail, moment_scales, momentum_parameter_scales, param_scales,
                        with_special_entry, zero_state)
from ..compare import expect_close, f64, rtol_for
from ..failures import MissingFunction
from ..registry import verifies
from ..settings import for_all


# ----------------------------------------------------------------------------- GD
@verifies("gd.update", calls=GD)
def check_gd_update_is_p_minus_lr_g(target):
    """update_parameters_with_gd returns p - lr * g for every W and b, for any number of layers."""
    @for_all(hh.update_problems(), hh.LEARNING_RATES)
    def run(problem, lr):
        p, g = problem["parameters"], problem["grads_seq"][0]
        yours = target.update_parameters_with_gd(p, g, lr)
        expected = ref.update_parameters_with_gd(f64(p), f64(g), lr)
        expect_close(target, yours, expected, clause="gd.update", what="parameters after one gd step",
                     rtol=rtol_for("step", p), scales=param_scales(p, expected))
    run()


@verifies("gd.update", calls=GD)
def check_gd_with_zero_gradient_or_zero_learning_rate_leaves_p_unchanged(target):
    """A zero gradient, or learning_rate = 0, leaves the parameters exactly unchanged."""
    @for_all(hh.update_problems(), hh.LEARNING_RATES, st.booleans())
    def run(problem, lr, zero_gradient):
        p = problem["parameters"]
        g, lr = (zero_state(p), lr) if zero_gradient else (problem["grads_seq"][0], 0.0)
        yours = target.update_parameters_with_gd(p, g, lr)
        expect_close(target, yours, f64(p), clause="gd.update",
                     what=f"parameters after a gd step with {'g = 0' if zero_gradient else 'learning_rate = 0'}",
                     rtol=0.0)
    run()


@verifies("gd.update", calls=GD)
def check_gd_keeps_nan_and_infinite_gradients_to_their_entries(target):
    """A NaN or infinite gradient entry leaves that entry of p non-finite, and every other entry as without it."""
    @for_all(hh.update_problems(dtypes=st.just(np.float64)), st.sampled_from([np.nan, np.inf, -np.inf]))
    def run(problem, special):
        p, g = problem["parameters"], dict(problem["grads_seq"][0])
        key = sorted(g)[-1]
        g[key] = g[key].copy()
        g[key].flat[0] = special
        yours = target.update_parameters_with_gd(p, g, 0.01)
        with np.errstate(all="ignore"):
            expected = ref.update_parameters_with_gd(f64(p), f64(g), 0.01)
        expected = with_special_entry(yours, expected, key[1:], (0,) * g[key].ndim)
        expect_close(target, yours, expected, clause="gd.update",
                     what=f"parameters after a gd step with grads[{key!r}][0] = {special}", rtol=1e-12,
                     scales=param_scales(p, expected))
    run()


# ----------------------------------------------------------------------- momentum
@verifies("momentum.ema", "momentum.update", calls=MOMENTUM)
def check_momentum_update_matches_the_ema_rule(target):
    """v = beta v + (1 - beta) g, then p = p - lr v, from any velocity."""
    # two gradient dicts: the second is the velocity, unlike the gradient (with v = g, Nesterov's step and
    # the course's coincide)
    @for_all(hh.update_problems(min_steps=2, max_steps=2, zero_shares=hh.NONZERO), hh.BETAS, hh.LEARNING_RATES)
    def run(problem, beta, lr):
        p, (g, v) = problem["parameters"], problem["grads_seq"]
        yours_p, yours_v = target.update_parameters_with_momentum(p, g, v, beta, lr)
        ref_p, ref_v = ref.update_parameters_with_momentum(f64(p), f64(g), f64(v), beta, lr)
        rtol = rtol_for("step", p)
        expect_close(target, yours_v, ref_v, clause="momentum.ema", what="velocity v after one momentum step",
                     rtol=rtol, scales=moment_scales(v, g), output="[1]")
        expect_close(target, yours_p, ref_p, clause="momentum.update", what="parameters after one momentum step",
                     rtol=rtol, scales=momentum_parameter_scales(p, ref_p, v, g, lr), output="[0]")
    run()


@verifies("momentum.ema", calls=MOMENTUM)
def check_momentum_with_zero_gradient_and_velocity_is_a_fixed_point(target):
    """g = 0 and v = 0 leave p and v exactly unchanged."""
    @for_all(hh.update_problems(), hh.BETAS, hh.LEARNING_RATES)
    def run(problem, beta, lr):
        p = problem["parameters"]
        zeros = zero_state(p)
        yours_p, yours_v = target.update_parameters_with_momentum(p, zeros, zeros, beta, lr)
        expect_close(target, yours_v, f64(zeros), clause="momentum.ema", what="velocity after a zero step",
                     rtol=0.0, output="[1]")
        expect_close(target, yours_p, f64(p), clause="momentum.update", what="parameters after a zero step",
                     rtol=0.0, output="[0]")
    run()


@verifies("momentum.ema", calls=MOMENTUM)
def check_momentum_with_zero_beta_equals_gd(target):
    """beta = 0 makes momentum exactly gradient descent (v = g)."""
    @for_all(hh.update_problems(), hh.LEARNING_RATES)
    def run(problem, lr):
        p, g = problem["parameters"], problem["grads_seq"][0]
        yours_p, _ = target.update_parameters_with_momentum(p, g, zero_state(p), 0.0, lr)
        expected = ref.update_parameters_with_gd(f64(p), f64(g), lr)
        expect_close(target, yours_p, expected, clause="momentum.ema", what="momentum(beta = 0) vs gd",
                     rtol=rtol_for("step", p), scales=param_scales(p, expected), output="[0]")
    run()


@verifies("momentum.ema", calls=MOMENTUM)
def check_momentum_constant_gradient_gives_one_minus_beta_to_the_t_times_g(target):
    """A constant g from v = 0 gives v_t = (1 - beta**t) g."""
    # many steps, so networks of at most DEEP layers (deep keys: the single-step checks)
    @for_all(hh.update_problems(max_layers=hh.DEEP), hh.BETAS, st.integers(1, 12))
    def run(problem, beta, steps):
        p, g = problem["parameters"], problem["grads_seq"][0]
        v = zero_state(p)
        for t in range(1, steps + 1):
            p, v = target.update_parameters_with_momentum(p, g, v, beta, 0.01)
            expected = {k: (1 - beta ** t) * a for k, a in f64(g).items()}
            expect_close(target, v, expected, clause="momentum.ema",
                         what=f"velocity after {t} constant-gradient steps (expected (1 - beta**t) g)",
                         rtol=rtol_for("trajectory", g), scales={k: np.abs(a) for k, a in f64(g).items()},
                         output="[1]")
    run()


@verifies("momentum.ema", calls=MOMENTUM)
def check_momentum_velocity_never_exceeds_the_largest_gradient(target):
    """|v| <= max over steps so far of |g|, elementwise (an average never exceeds its terms)."""
    # two steps or more and beta > 0: from one step, or with beta = 0, every rule's v is g
    # many steps, so networks of at most DEEP layers (deep keys: the single-step checks)
    @for_all(hh.update_problems(min_steps=2, max_steps=8, zero_shares=hh.NONZERO,
                                max_layers=hh.DEEP), hh.POSITIVE_BETAS)
    def run(problem, beta):
        p = problem["parameters"]
        v = zero_state(p)
        bound = {k: np.zeros(a.shape) for k, a in v.items()}
        slack = 1 + 8 * np.finfo(problem["dtype"]).eps          # a few roundings per step
        for step, g in enumerate(problem["grads_seq"], start=1):
            p, v = target.update_parameters_with_momentum(p, g, v, beta, 0.01)
            for k in v:
                bound[k] = np.maximum(bound[k], np.abs(g[k].astype(np.float64)))
                excess = np.abs(v[k].astype(np.float64)) - bound[k] * slack
                if (excess > 0).any():
                    i = at(np.unravel_index(np.argmax(excess), excess.shape))
                    fail(target, "momentum.ema", f"after step {step}, |v[{k!r}]{i}| = {abs(v[k][i]).item()!r} "
                         f"exceeds the largest |g| so far {bound[k][i].item()!r}: the velocity must be an average "
                         "of gradients (v = beta v + (1 - beta) g)", output="[1]", key=k, index=i,
                         yours=float(v[k][i]), expected=float(bound[k][i]))
    run()


@verifies("momentum.ema", "momentum.update", calls=MOMENTUM)
def check_momentum_keeps_nan_and_infinite_gradients_to_their_entries(target):
    """A NaN or infinite gradient entry leaves that entry of v and p non-finite, and every other entry as without it."""
    @for_all(hh.update_problems(dtypes=st.just(np.float64)), st.sampled_from([np.nan, np.inf, -np.inf]),
             hh.BETAS)
    def run(problem, special, beta):
        p, g = problem["parameters"], dict(problem["grads_seq"][0])
        key = sorted(g)[0]
        g[key] = g[key].copy()
        g[key].flat[-1] = special
        v = zero_state(p)
        yours_p, yours_v = target.update_parameters_with_momentum(p, g, v, beta, 0.01)
        with np.errstate(all="ignore"):
            ref_p, ref_v = ref.update_parameters_with_momentum(f64(p), f64(g), f64(v), beta, 0.01)
        last = tuple(s - 1 for s in g[key].shape)
        ref_v = with_special_entry(yours_v, ref_v, key, last)
        ref_p = with_special_entry(yours_p, ref_p, key[1:], last)
        expect_close(target, yours_v, ref_v, clause="momentum.ema", rtol=1e-12, scales=moment_scales(v, g),
                     what=f"velocity after a step with grads[{key!r}][-1] = {special}", output="[1]")
        expect_close(target, yours_p, ref_p, clause="momentum.update", rtol=1e-12, scales=param_scales(p, ref_p),
                     what=f"parameters after a step with grads[{key!r}][-1] = {special}", output="[0]")
    run()


# -------------------------------------------------------------------------- state
def _check_zero_state(target, state, parameters, what, output):
    expected = [f"d{k}" for k in parameters]
    extra = sorted(set(state) - set(expected), key=lambda k: (str(k)[:2], len(str(k)), str(k)))     # dW2 < dW10
    if extra:
        function = target.last.function
        shown = ", ".join(map(str, extra[:6])) + (f", ... ({len(extra)} in all)" if len(extra) > 6 else "")
        fail(target, "state.init", f"{function}: {what} has keys {shown} besides those of the parameters given "
             f"({', '.join(expected)})", output=f"sorted(out{output}, key=str)", expected=sorted(expected),
             diagnosis=f"{function} returns keys that no parameter of this call has: kept from an earlier call? "
                       f"(a dict that outlives the call: a mutable default argument such as {what}={{}}, or a "
                       "module-level dict)")
    for k, p in parameters.items():
        a = state[f"d{k}"]
        if np.any(a != 0):
            fail(target, "state.init", f"{target.last.function}: {what}['d{k}'] is not all zeros "
                 f"(max |.| {float(np.max(np.abs(a)))!r})", output=output, key=f"d{k}")


def _parameters():
    return hh.layer_dims().flatmap(lambda dims: hh.parameters_for(dims, np.float64))


@verifies("state.init", calls=("initialize_velocity",))
def check_initialize_velocity_is_zeros_shaped_like_the_parameters(target):
    """v['dW{l}'], v['db{l}'] are zeros with the parameters' shapes."""
    @for_all(_parameters())
    def run(parameters):
        _check_zero_state(target, target.initialize_velocity(parameters), parameters, "v", "")
    run()


@verifies("state.init", calls=("initialize_adam",))
def check_initialize_adam_is_zeros_shaped_like_the_parameters(target):
    """v and s have keys dW{l}, db{l}, zeros with the parameters' shapes."""
    @for_all(_parameters())
    def run(parameters):
        v, s = target.initialize_adam(parameters)
        _check_zero_state(target, v, parameters, "v", "[0]")
        _check_zero_state(target, s, parameters, "s", "[1]")
    run()


@verifies("state.no-aliasing", calls=("initialize_velocity", "initialize_adam"))
def check_state_arrays_are_separate_buffers(target):
    """No two state arrays share memory: not two keys, not v and s (observed by the harness)."""
    @for_all(_parameters())
    def run(parameters):
        for name in ("initialize_velocity", "initialize_adam"):
            getattr(target, name)(parameters)
            if target.last.shared is None:
                raise MissingFunction("the target's harness does not report shared buffers (PROTOCOL.md, "
                                      "\"observe\": [\"shared\"])")
            shared = target.last.shared
            pairs = {tuple(sorted(group)) for group in shared or ()}
            if shared and name == "initialize_adam" and all(len(g) == 2 and g[0][3:] == g[1][3:] for g in pairs) \
                    and {(f"/0/d{k}", f"/1/d{k}") for k in parameters} <= pairs:
                fail(target, "state.no-aliasing", "initialize_adam: v and s are the same arrays, key by key (v is s: "
                     "one dict returned twice, or both filled with the same arrays); an update of v changes s")
            if shared:
                group = shared[0]
                fail(target, "state.no-aliasing", f"{name}: {' and '.join(_label(p, name) for p in group)} share one "
                     "buffer; an in-place update of one would change the other")
    run()


def _label(pointer, name):
    parts = pointer.strip("/").split("/")
    if name == "initialize_adam" and len(parts) == 2:
        return f"{'vs'[int(parts[0])]}[{parts[1]!r}]"
    return f"v[{parts[-1]!r}]"
