"""A catalog of realistic wrong implementations ("mutants") of the assignment.

Each entry replaces exactly one course function of an otherwise correct implementation (the
reference in the course's signatures) with a version carrying one mistake people really make:
other optimizers' rules (Nesterov, AMSGrad, Keras's epsilon hat, PyTorch's momentum buffer),
precedence slips, state corruption, slicing, seeding, float32 arithmetic, hard-coded
hyperparameters. Every entry is written for every convention: it is built under the
conventions a target is judged by (``module_for(name, conventions)``), so the diagnosis names
the same mistake under every edition.

The suite must reject every entry (tests/test_catalog.py), and ``optoracle mutants`` prints the
kill table. Load one as a target with ``catalog:NAME`` or ``catalog:NAME@EDITION``.
Every entry names the clauses expected to catch it (``caught_by``).
"""
from __future__ import annotations

import inspect
import math
import types
from dataclasses import dataclass

import numpy as np

import reference as ref
from reference.conventions import EDITIONS, Conventions, complete
from reference.editions import _with_signature, conventions_module


@dataclass(frozen=True)
class Mutant:
    name: str
    function: str          # the course function it replaces
    mistake: str           # one line: what is wrong
    caught_by: tuple       # SPEC clauses expected to reject it
    impl: object           # the wrong function; its last parameter ``c`` receives the Conventions
    needs: tuple = ()      # conventions it is a mistake under (e.g. decay present); () = all
    signature: str | None = None   # its own signature, where the mistake is in the signature
    probed: bool = True    # named by the diagnosis's probes; False where telling it from the reference takes
                           # more than probes afford (thousands of updates): its check's message names it

    def applies(self, conventions):
        c = complete(conventions)
        return all(getattr(c, axis) == value for axis, value in self.needs)


CATALOG: dict[str, Mutant] = {}

# the course functions whose reference differs between conventions (reference.editions): an entry replacing
# one of them is a different function under each edition; the others are the same under every edition
SHAPED_BY_CONVENTIONS = ("update_parameters_with_adam", "compute_cost", "model", "update_lr", "schedule_lr_decay")


def editions_to_test(entry, editions=("seed", "2021")):
    """The editions an entry is tested under: each of ``editions`` it applies to where its function
    depends on the conventions, else the first (the same function under every edition)."""
    applicable = [e for e in editions if entry.applies(EDITIONS[e])]
    return applicable if entry.function in SHAPED_BY_CONVENTIONS else applicable[:1]


def mutant(name, function, mistake, *caught_by, needs=(), signature=None, probed=True):
    if name in CATALOG:                 # a second entry of a name would silently replace the first
        raise ValueError(f"catalog entry {name!r} is defined twice")

    def register(fn):
        CATALOG[name] = Mutant(name, function, mistake, tuple(caught_by), fn, tuple(needs), signature, probed)
        return fn
    return register


def _keys(parameters):
    L = len(parameters) // 2
    return [(f"{p}{l}", f"d{p}{l}") for l in range(1, L + 1) for p in ("W", "b")]


def _denominator(s_corrected, epsilon, c):
    return np.sqrt(s_corrected + epsilon) if c.epsilon == "inside" else np.sqrt(s_corrected) + epsilon


# =========================================================================== Adam
def _adam(parameters, grads, v, s, t, lr, beta1, beta2, epsilon, c, *, moments=None, correct=None, step=None,
          only=None, store=None, layer_t=None):
    """A configurable Adam (returning what the conventions' Adam returns) to write the mutants below.
    ``layer_t(l)``: the t that layer l is corrected with (t itself by default)."""
    new_p, new_v, new_s, v_cor, s_cor = {}, {}, {}, {}, {}
    for key, dkey in _keys(parameters):
        g = grads[dkey]
        vv, ss = (moments or (lambda v_, s_, g_: (beta1 * v_ + (1 - beta1) * g_,
                                                  beta2 * s_ + (1 - beta2) * g_ ** 2)))(v[dkey], s[dkey], g)
        t_here = layer_t(int(key[1:])) if layer_t else t
        v_c, s_c = (correct or (lambda a, b: (a / (1 - beta1 ** t_here), b / (1 - beta2 ** t_here))))(vv, ss)
        update = (step or (lambda a, b, g_: a / _denominator(b, epsilon, c)))(v_c, s_c, g)
        new_p[key] = parameters[key] - lr * update if (only is None or key.startswith(only)) else parameters[key]
        new_v[dkey], new_s[dkey], v_cor[dkey], s_cor[dkey] = (store or (lambda a, b, ac, bc: (a, b)))(
            vv, ss, v_c, s_c) + (v_c, s_c)
    return (new_p, new_v, new_s, v_cor, s_cor) if c.adam_returns == 5 else (new_p, new_v, new_s)


def _adam_mutant(name, mistake, *caught_by, **hooks):
    """An Adam with one hook of ``_adam`` changed; a hook named ``X_of`` is a function of the call's
    environment (t, beta1, beta2, epsilon, c) returning hook X."""
    def impl(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c):
        env = {"t": t, "beta1": beta1, "beta2": beta2, "epsilon": epsilon, "c": c, "learning_rate": learning_rate}
        resolved = {(k[:-3] if k.endswith("_of") else k): (h(env) if k.endswith("_of") else h)
                    for k, h in hooks.items()}
        return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c, **resolved)
    return mutant(name, "update_parameters_with_adam", mistake, *caught_by)(impl)


_adam_mutant("adam-no-bias-correction", "v and s used without bias correction", "adam.bias-correction",
             "adam.update", correct=lambda a, b: (a, b))
_adam_mutant("adam-bias-correction-t-minus-1", "bias correction with t - 1 (1 - beta**(t-1), a division by zero at "
             "t = 1)", "adam.bias-correction", "adam.update",
             correct_of=lambda e: lambda a, b: (a / (1 - e["beta1"] ** (e["t"] - 1)),
                                                b / (1 - e["beta2"] ** (e["t"] - 1))))
_adam_mutant("adam-bias-correction-t-plus-1", "bias correction with t + 1", "adam.bias-correction",
             correct_of=lambda e: lambda a, b: (a / (1 - e["beta1"] ** (e["t"] + 1)),
                                                b / (1 - e["beta2"] ** (e["t"] + 1))))
_adam_mutant("adam-t-incremented-per-layer", "t += 1 inside the loop over the layers: layer l is bias-corrected with "
             "t + l (the course counts t in model, once per update)", "adam.bias-correction", "adam.update",
             layer_t_of=lambda e: lambda l: e["t"] + l)
_adam_mutant("adam-bias-correction-without-power", "bias correction divides by (1 - beta) instead of (1 - beta**t): "
             "right only at t = 1", "adam.bias-correction",
             correct_of=lambda e: lambda a, b: (a / (1 - e["beta1"]), b / (1 - e["beta2"])))
_adam_mutant("adam-bias-correction-skipped-after-1000", "bias correction skipped once t > 1000 ('beta**t is 0 by "
             "then'; beta2**1001 is still 0.37)", "adam.bias-correction",
             correct_of=lambda e: lambda a, b: (a, b) if e["t"] > 1000 else
             (a / (1 - e["beta1"] ** e["t"]), b / (1 - e["beta2"] ** e["t"])))
_adam_mutant("adam-power-precedence-slip", "s_corrected = s / (1 - beta2) ** t: the power binds to (1 - beta2)",
             "adam.bias-correction", "adam.update",
             correct_of=lambda e: lambda a, b: (a / (1 - e["beta1"] ** e["t"]), b / (1 - e["beta2"]) ** e["t"]))
_adam_mutant("adam-power-precedence-slip-in-v", "v_corrected = v / (1 - beta1) ** t: the power binds to (1 - beta1)",
             "adam.bias-correction", "adam.update",
             correct_of=lambda e: lambda a, b: (a / (1 - e["beta1"]) ** e["t"], b / (1 - e["beta2"] ** e["t"])))
_adam_mutant("adam-s-ema-uses-beta1", "s = beta1 s + (1 - beta1) g**2: beta1 copied into the second moment",
             "adam.moments", "adam.update",
             moments_of=lambda e: lambda v_, s_, g: (e["beta1"] * v_ + (1 - e["beta1"]) * g,
                                                     e["beta1"] * s_ + (1 - e["beta1"]) * g ** 2))
_adam_mutant("adam-division-precedence-slip", "v_corrected = v / 1 - beta1 ** t: the division binds first",
             "adam.bias-correction", "adam.update",
             correct_of=lambda e: lambda a, b: (a / 1 - e["beta1"] ** e["t"], b / (1 - e["beta2"] ** e["t"])))
_adam_mutant("adam-s-corrected-with-beta1", "s_corrected = s / (1 - beta1 ** t): beta1 copied from the line above",
             "adam.bias-correction", "adam.update",
             correct_of=lambda e: lambda a, b: (a / (1 - e["beta1"] ** e["t"]), b / (1 - e["beta1"] ** e["t"])))
_adam_mutant("adam-betas-swapped", "beta1 and beta2 swapped in the moments", "adam.moments", "adam.update",
             moments_of=lambda e: lambda v_, s_, g: (e["beta2"] * v_ + (1 - e["beta2"]) * g,
                                                     e["beta1"] * s_ + (1 - e["beta1"]) * g ** 2))
_adam_mutant("adam-s-accumulates-abs-g", "s accumulates |g| instead of g**2", "adam.moments", "adam.update",
             moments_of=lambda e: lambda v_, s_, g: (e["beta1"] * v_ + (1 - e["beta1"]) * g,
                                                     e["beta2"] * s_ + (1 - e["beta2"]) * np.abs(g)))
_adam_mutant("adam-amsgrad", "AMSGrad's running maximum: s = max(s, beta2 s + (1 - beta2) g**2)", "adam.moments",
             "adam.update",
             moments_of=lambda e: lambda v_, s_, g: (e["beta1"] * v_ + (1 - e["beta1"]) * g,
                                                     np.maximum(s_, e["beta2"] * s_ + (1 - e["beta2"]) * g ** 2)))
@mutant("adam-decoupled-weight-decay", "update_parameters_with_adam", "torch.optim.AdamW's default weight_decay = 0.01 "
        "kept: p (1 - learning_rate 0.01) - learning_rate v_corrected / (...), a decay the course's Adam has not",
        "adam.update")
def adam_weight_decay(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c):
    out = _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c)
    for key in out[0]:
        out[0][key] = out[0][key] - learning_rate * 0.01 * parameters[key]
    return out


_adam_mutant("adam-stores-corrected-moments", "the corrected moments are stored back into v and s", "adam.moments",
             store=lambda a, b, ac, bc: (ac, bc))
_adam_mutant("adam-missing-square-root", "divides by s_corrected + eps, no square root", "adam.update",
             step_of=lambda e: lambda a, b, g: a / (b + e["epsilon"]))
_adam_mutant("adam-epsilon-hard-coded", "the step adds the literal 1e-8 whatever epsilon says", "adam.update",
             step_of=lambda e: lambda a, b, g: a / _denominator(b, 1e-8, e["c"]))
_adam_mutant("adam-denominator-uses-uncorrected-s", "v_corrected / (sqrt(s) + epsilon): the second moment's "
             "correction left out of the step", "adam.bias-correction", "adam.update",
             step_of=lambda e: lambda a, b, g: a / _denominator(b * (1 - e["beta2"] ** e["t"]), e["epsilon"], e["c"]))
_adam_mutant("adam-epsilon-added-to-the-parameter", "p - lr * v_corrected / sqrt(s_corrected) + epsilon: the "
             "epsilon binds to the parameter (a zero second moment gives NaN)", "adam.update",
             step_of=lambda e: lambda a, b, g: a / np.sqrt(b) - e["epsilon"] / e["learning_rate"])
_adam_mutant("adam-uses-raw-gradient", "the step uses the raw gradient instead of v_corrected", "adam.update",
             step_of=lambda e: lambda a, b, g: g / _denominator(b, e["epsilon"], e["c"]))
_adam_mutant("adam-only-W-updated", "only the weights W move; the biases b stay", "adam.update", only="W")
_adam_mutant("adam-epsilon-in-numerator", "epsilon added to v_corrected too: a zero gradient still moves the "
             "parameters", "adam.update",
             step_of=lambda e: lambda a, b, g: (a + e["epsilon"]) / _denominator(b, e["epsilon"], e["c"]))
_adam_mutant("adam-float32-denominator", "the denominator computed in float32 (np.float32(...)): half the digits "
             "lost in every step", "adam.update", "precision.ulp",
             step_of=lambda e: lambda a, b, g: a / _denominator(b, e["epsilon"], e["c"]).astype(np.float32))


@mutant("adam-gradient-sign-flipped", "update_parameters_with_adam", "p + lr * step: ascends instead of descends",
        "adam.update")
def adam_sign(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c):
    return _adam(parameters, grads, v, s, t, -learning_rate, beta1, beta2, epsilon, c)


@mutant("adam-default-learning-rate-0.001", "update_parameters_with_adam", "learning_rate defaults to 0.001 "
        "(PyTorch's and Keras's default) instead of the course's 0.01", "api.signatures",
        signature="(parameters, grads, v, s, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8)")
def adam_default_lr(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c)


@mutant("adam-corrected-moments-not-corrected", "update_parameters_with_adam", "the 5-tuple returns v and s where "
        "v_corrected and s_corrected belong", "adam.returns", needs=(("adam_returns", 5),))
def adam_wrong_corrected(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c):
    p, v_new, s_new, _, _ = _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c)
    return p, v_new, s_new, dict(v_new), dict(s_new)


@mutant("adam-corrected-moments-swapped", "update_parameters_with_adam", "the 5-tuple returns s_corrected where "
        "v_corrected belongs and v_corrected where s_corrected does", "adam.returns", needs=(("adam_returns", 5),))
def adam_swapped_corrected(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c):
    p, v_new, s_new, v_corrected, s_corrected = _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2,
                                                      epsilon, c)
    return p, v_new, s_new, s_corrected, v_corrected


@mutant("adam-update-with-uncorrected-v", "update_parameters_with_adam", "p -= lr v / (sqrt(s_corrected) + "
        "epsilon): v_corrected computed, but the step takes the uncorrected first moment", "adam.update",
        "adam.bias-correction")
def adam_uncorrected_v_in_step(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c):
    out = list(_adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c))
    new_v, new_s = out[1], out[2]
    s_corrected = {dkey: new_s[dkey] / (1 - beta2 ** t) for _, dkey in _keys(parameters)}
    out[0] = {key: parameters[key] - learning_rate * new_v[dkey] / _denominator(s_corrected[dkey], epsilon, c)
              for key, dkey in _keys(parameters)}
    return tuple(out)


@mutant("adam-epsilon-hat", "update_parameters_with_adam", "Keras/TF1 form: lr_t = lr sqrt(1 - beta2**t) / "
        "(1 - beta1**t), p -= lr_t v / (sqrt(s) + epsilon): epsilon not scaled by the correction", "adam.update")
def adam_epsilon_hat(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c):
    # the same step written with the corrected moments, which a 5-tuple returns as the course computes them:
    # lr_t v / (sqrt(s) + epsilon) = learning_rate v_corrected / (sqrt(s_corrected) + epsilon / sqrt(1 - beta2**t))
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c,
                 step=lambda a, b, g: a / (np.sqrt(b) + epsilon / math.sqrt(1 - beta2 ** t)))


@mutant("adam-epsilon-squared-inside-the-root", "update_parameters_with_adam", "sqrt(s_corrected + epsilon**2): "
        "epsilon squared under the root (the same as + epsilon outside only while s_corrected is 0)", "adam.update")
def adam_epsilon_squared_inside(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c,
                 step=lambda a, b, g: a / np.sqrt(b + epsilon ** 2))


@mutant("adam-running-beta-powers", "update_parameters_with_adam", "TF1-style running powers: beta1_power *= beta1 "
        "at every call, ignoring t (right only for calls t = 1, 2, 3, ... in order)", "adam.bias-correction")
def adam_running_powers(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c, state):
    state = state.setdefault("powers", [1.0, 1.0])          # per module: a fresh target starts at 1
    state[0] *= beta1
    state[1] *= beta2
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c,
                 correct=lambda a, b: (a / (1 - state[0]), b / (1 - state[1])))


@mutant("adam-hyperparameters-in-float32", "update_parameters_with_adam", "beta1, beta2 (and 1 - beta) as "
        "np.float32: the arrays stay float64 but every moment is off in the 8th digit", "adam.moments", "adam.update")
def adam_float32_betas(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c):
    return _adam(parameters, grads, v, s, t, learning_rate, np.float32(beta1), np.float32(beta2), epsilon, c)


@mutant("adam-squares-the-gradients-in-place", "update_parameters_with_adam", "np.square(g, out=g) for the second "
        "moment: the caller's gradients change", "api.in-place")
def adam_squares_in_place(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c):
    originals = {k: g.copy() for k, g in grads.items()}
    out = _adam(parameters, originals, v, s, t, learning_rate, beta1, beta2, epsilon, c)
    for g in grads.values():
        np.square(g, out=g)
    return out


@mutant("adam-computes-in-float32", "update_parameters_with_adam", "the whole update in float32 (arrays cast with "
        ".astype(np.float32))", "api.dtype")
def adam_float32(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, c):
    cast = (lambda d: {k: a.astype(np.float32) for k, a in d.items()})
    return _adam(cast(parameters), cast(grads), cast(v), cast(s), t, np.float32(learning_rate), np.float32(beta1),
                 np.float32(beta2), np.float32(epsilon), c)


# ======================================================================= momentum
def _momentum(parameters, grads, v, beta, lr, rule, use="v"):
    new_p, new_v = {}, {}
    for key, dkey in _keys(parameters):
        vv = rule(v[dkey], grads[dkey])
        new_v[dkey] = vv
        new_p[key] = parameters[key] - lr * (vv if use == "v" else use(vv, grads[dkey]))
    return new_p, new_v


@mutant("momentum-without-one-minus-beta", "update_parameters_with_momentum",
        "v = beta v + g (PyTorch's trace) instead of the EMA v = beta v + (1 - beta) g", "momentum.ema")
def momentum_trace(parameters, grads, v, beta, learning_rate, c):
    return _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: beta * v_ + g)


@mutant("momentum-updates-with-gradient", "update_parameters_with_momentum",
        "v is computed but the parameters move by the gradient", "momentum.update")
def momentum_with_gradient(parameters, grads, v, beta, learning_rate, c):
    return _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: beta * v_ + (1 - beta) * g,
                     use=lambda vv, g: g)


@mutant("momentum-nesterov", "update_parameters_with_momentum", "Nesterov's look-ahead: p -= lr (beta v_new + "
        "(1 - beta) g) instead of p -= lr v_new", "momentum.update")
def momentum_nesterov(parameters, grads, v, beta, learning_rate, c):
    return _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: beta * v_ + (1 - beta) * g,
                     use=lambda vv, g: beta * vv + (1 - beta) * g)


@mutant("momentum-buffer-starts-at-gradient", "update_parameters_with_momentum", "PyTorch's buffer: v = g when v is "
        "all zeros (the first step), the EMA afterwards", "momentum.ema")
def momentum_pytorch_start(parameters, grads, v, beta, learning_rate, c):
    return _momentum(parameters, grads, v, beta, learning_rate,
                     lambda v_, g: g.copy() if not np.any(v_) else beta * v_ + (1 - beta) * g)


@mutant("momentum-loops-over-the-gradients", "update_parameters_with_momentum", "for key in grads: the grads "
        "model passes hold dz{l} and da{l} too, which have no velocity (and no parameter)", "api.signatures")
def momentum_over_grads(parameters, grads, v, beta, learning_rate, c):
    new_p, new_v = dict(parameters), {}
    for dkey, g in grads.items():
        new_v[dkey] = beta * v[dkey] + (1 - beta) * g
        new_p[dkey[1:]] = parameters[dkey[1:]] - learning_rate * new_v[dkey]
    return new_p, new_v


@mutant("momentum-scales-grads-in-place", "update_parameters_with_momentum", "grads[k] *= (1 - beta): the "
        "caller's gradients change", "api.in-place")
def momentum_in_place(parameters, grads, v, beta, learning_rate, c):
    for k in grads:
        grads[k] *= (1 - beta)
    return _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: beta * v_ + g)


@mutant("momentum-steps-with-old-velocity", "update_parameters_with_momentum",
        "the parameters move by the old velocity (p updated before v)", "momentum.update")
def momentum_old_velocity(parameters, grads, v, beta, learning_rate, c):
    new_p, new_v = _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: beta * v_ + (1 - beta) * g)
    return {key: parameters[key] - learning_rate * v[dkey] for key, dkey in _keys(parameters)}, new_v


@mutant("momentum-sutskever", "update_parameters_with_momentum", "classical (Sutskever) momentum: v = beta v - "
        "lr g, p += v; a different velocity, and a different step", "momentum.ema")
def momentum_sutskever(parameters, grads, v, beta, learning_rate, c):
    new_v = {dkey: beta * v[dkey] - learning_rate * grads[dkey] for _, dkey in _keys(parameters)}
    return {key: parameters[key] + new_v[dkey] for key, dkey in _keys(parameters)}, new_v


@mutant("momentum-velocity-not-stored", "update_parameters_with_momentum",
        "the new velocity is used for the step but the old one is returned", "momentum.ema")
def momentum_not_stored(parameters, grads, v, beta, learning_rate, c):
    new_p, _ = _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: beta * v_ + (1 - beta) * g)
    return new_p, {k: a.copy() for k, a in v.items()}


@mutant("momentum-beta-on-gradient", "update_parameters_with_momentum",
        "beta applied to the gradient: v = (1 - beta) v + beta g", "momentum.ema")
def momentum_beta_swapped(parameters, grads, v, beta, learning_rate, c):
    return _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: (1 - beta) * v_ + beta * g)


@mutant("momentum-velocity-offset", "update_parameters_with_momentum",
        "a smoothing epsilon added to v: zero gradients still move the parameters", "momentum.ema")
def momentum_offset(parameters, grads, v, beta, learning_rate, c):
    return _momentum(parameters, grads, v, beta, learning_rate, lambda v_, g: beta * v_ + (1 - beta) * g + 1e-8)


# ============================================================================= GD
@mutant("gd-sign-flipped", "update_parameters_with_gd", "p + lr * g", "gd.update")
def gd_sign(parameters, grads, learning_rate, c):
    return {key: parameters[key] + learning_rate * grads[dkey] for key, dkey in _keys(parameters)}


@mutant("gd-bias-sign-flipped", "update_parameters_with_gd", "b + lr * db: the weights descend, the biases ascend",
        "gd.update")
def gd_bias_sign(parameters, grads, learning_rate, c):
    return {key: parameters[key] + (1 if key.startswith("b") else -1) * learning_rate * grads[dkey]
            for key, dkey in _keys(parameters)}


@mutant("gd-layers-from-grads", "update_parameters_with_gd", "L = len(grads) // 2: the grads model passes hold "
        "dz{l} and da{l} too, so the loop reaches layers that do not exist", "api.signatures")
def gd_layers_from_grads(parameters, grads, learning_rate, c):
    L = len(grads) // 2
    out = {}
    for l in range(1, L + 1):
        out[f"W{l}"] = parameters[f"W{l}"] - learning_rate * grads[f"dW{l}"]
        out[f"b{l}"] = parameters[f"b{l}"] - learning_rate * grads[f"db{l}"]
    return out


@mutant("gd-skips-the-last-layer", "update_parameters_with_gd", "for l in range(L - 1): the last layer never moves",
        "gd.update")
def gd_skip_last(parameters, grads, learning_rate, c):
    L = len(parameters) // 2
    return {key: parameters[key] - (learning_rate * grads[dkey] if int(key[1:]) < L else 0)
            for key, dkey in _keys(parameters)}


@mutant("gd-db-uses-dW", "update_parameters_with_gd", "b updated with dW's key (broadcast) instead of db",
        "gd.update")
def gd_wrong_key(parameters, grads, learning_rate, c):
    out = {}
    for key, dkey in _keys(parameters):
        g = grads["dW" + key[1:]] if key.startswith("b") else grads[dkey]
        out[key] = parameters[key] - learning_rate * (g if g.shape == parameters[key].shape else g[:, :1])
    return out


@mutant("gd-unscaled-weight-decay", "update_parameters_with_gd",
        "an L2 weight decay p -= 1e-4 p slipped in, not scaled by lr", "gd.update")
def gd_decay(parameters, grads, learning_rate, c):
    return {key: parameters[key] - learning_rate * grads[dkey] - 1e-4 * parameters[key]
            for key, dkey in _keys(parameters)}


@mutant("gd-nan-gradients-zeroed", "update_parameters_with_gd", "np.nan_to_num(g): a NaN gradient silently "
        "becomes 0 and an infinite one a huge finite step", "gd.update")
def gd_nan_to_num(parameters, grads, learning_rate, c):
    return {key: parameters[key] - learning_rate * np.nan_to_num(grads[dkey]) for key, dkey in _keys(parameters)}


@mutant("gd-layer-from-last-character", "update_parameters_with_gd", "the layer number read as int(key[-1]): "
        "W10 looks for dW0 (a KeyError from layer 10 on)", "gd.update")
def gd_last_character(parameters, grads, learning_rate, c):
    return {key: parameters[key] - learning_rate * grads[f"d{key[0]}{key[-1]}"] for key in parameters}


# =================================================================== initialisation
@mutant("adam-state-v-and-s-share-buffers", "initialize_adam", "v and s hold the same zeros arrays",
        "state.no-aliasing")
def init_adam_shared(parameters, c):
    v = {f"d{key}": np.zeros(parameters[key].shape) for key, _ in _keys(parameters)}
    return v, dict(v)


@mutant("velocity-kept-between-calls", "initialize_velocity", "v={} as a default argument: one dict for every "
        "call, holding the keys of earlier calls (and initialize_adam's v is its s)", "state.init", probed=False)
def init_velocity_kept(parameters, c, v={}):  # noqa: B006 - the mistake itself
    for key, dkey in _keys(parameters):
        v[dkey] = np.zeros(parameters[key].shape)
    return v


@mutant("velocity-keys-share-one-buffer", "initialize_velocity",
        "one zeros array reused for every key of the same shape", "state.no-aliasing")
def init_velocity_shared(parameters, c):
    cache, v = {}, {}
    for key, dkey in _keys(parameters):
        v[dkey] = cache.setdefault(parameters[key].shape, np.zeros(parameters[key].shape))
    return v


@mutant("velocity-shapes-transposed", "initialize_velocity", "v['dW'] shaped like W transposed: np.zeros((W.shape[1], "
        "W.shape[0]))", "state.init")
def init_velocity_transposed(parameters, c):
    return {dkey: np.zeros(parameters[key].T.shape if key.startswith("W") else parameters[key].shape)
            for key, dkey in _keys(parameters)}


@mutant("adam-state-in-float32", "initialize_adam", "np.zeros(shape, dtype=np.float32): the state is float32 for "
        "float64 parameters", "api.dtype")
def init_adam_float32(parameters, c):
    return ({dkey: np.zeros(parameters[key].shape, dtype=np.float32) for key, dkey in _keys(parameters)},
            {dkey: np.zeros(parameters[key].shape, dtype=np.float32) for key, dkey in _keys(parameters)})


@mutant("velocity-initialized-to-ones", "initialize_velocity", "np.ones instead of np.zeros", "state.init")
def init_velocity_ones(parameters, c):
    return {dkey: np.ones(parameters[key].shape) for key, dkey in _keys(parameters)}


@mutant("adam-state-shapes-transposed", "initialize_adam", "v and s shaped like the transposed parameters",
        "state.init")
def init_adam_transposed(parameters, c):
    return ({dkey: np.zeros(parameters[key].T.shape) for key, dkey in _keys(parameters)},
            {dkey: np.zeros(parameters[key].T.shape) for key, dkey in _keys(parameters)})


@mutant("he-init-uses-xavier-scale", "initialize_parameters", "sqrt(1 / n_{l-1}) instead of sqrt(2 / n_{l-1})",
        "init.he")
def init_xavier(layer_dims, c):
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * np.sqrt(1 / layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters


@mutant("he-init-uses-fan-out", "initialize_parameters", "sqrt(2 / n_l), the layer's own width, instead of "
        "sqrt(2 / n_{l-1})", "init.he")
def init_fan_out(layer_dims, c):
    np.random.seed(3)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * np.sqrt(2 / layer_dims[l])
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters


# ==================================================================== mini-batches
def _shuffle(X, Y, seed, set_seed=True):
    if set_seed:
        np.random.seed(seed)
    return _permuted(X, Y, list(np.random.permutation(X.shape[1])))


def _permuted(X, Y, permutation):
    return X[:, permutation], Y[:, permutation].reshape((1, X.shape[1]))


def _cut(X, Y, size, keep_last=True):
    m = X.shape[1]
    batches = [(X[:, k * size:(k + 1) * size], Y[:, k * size:(k + 1) * size]) for k in range(m // size)]
    if keep_last and m % size:
        batches.append((X[:, (m // size) * size:], Y[:, (m // size) * size:]))
    return batches


@mutant("minibatch-separate-permutations", "random_mini_batches", "X and Y shuffled with two different permutations",
        "minibatch.pairing")
def mb_two_perms(X, Y, mini_batch_size, seed, c):
    np.random.seed(seed)
    m = X.shape[1]
    shuffled_X = X[:, np.random.permutation(m)]
    shuffled_Y = Y[:, np.random.permutation(m)].reshape((1, m))
    return _cut(shuffled_X, shuffled_Y, mini_batch_size)


@mutant("minibatch-drops-last-partial-batch", "random_mini_batches", "the last m % size columns are lost",
        "minibatch.partition", "minibatch.count")
def mb_drop_last(X, Y, mini_batch_size, seed, c):
    return _cut(*_shuffle(X, Y, seed), mini_batch_size, keep_last=False)


@mutant("minibatch-off-by-one-slices", "random_mini_batches",
        "slices k*size+1 .. (k+1)*size+1: the first column lost, batches overlap", "minibatch.partition")
def mb_off_by_one(X, Y, mini_batch_size, seed, c):
    sx, sy = _shuffle(X, Y, seed)
    m, size = X.shape[1], mini_batch_size
    batches = [(sx[:, k * size + 1:(k + 1) * size + 1], sy[:, k * size + 1:(k + 1) * size + 1])
               for k in range(m // size)]
    if m % size:
        batches.append((sx[:, (m // size) * size:], sy[:, (m // size) * size:]))
    return batches


@mutant("minibatch-range-stops-a-batch-early", "random_mini_batches", "the complete batches cut with range(0, m - "
        "size, size): where size divides m the last complete batch is lost (m == size gives no batch at all)",
        "minibatch.partition", "minibatch.count")
def mb_range_early(X, Y, mini_batch_size, seed, c):
    sx, sy = _shuffle(X, Y, seed)
    m, size = X.shape[1], mini_batch_size
    batches = [(sx[:, k:k + size], sy[:, k:k + size]) for k in range(0, m - size, size)]
    if m % size:
        batches.append((sx[:, (m // size) * size:], sy[:, (m // size) * size:]))
    return batches


@mutant("minibatch-extra-empty-batch", "random_mini_batches", "the end case appended also when m % size == 0: "
        "an empty last batch", "minibatch.count")
def mb_empty_last(X, Y, mini_batch_size, seed, c):
    sx, sy = _shuffle(X, Y, seed)
    batches = _cut(sx, sy, mini_batch_size, keep_last=False)
    k = X.shape[1] // mini_batch_size
    batches.append((sx[:, k * mini_batch_size:], sy[:, k * mini_batch_size:]))
    return batches


@mutant("minibatch-seed-not-set", "random_mini_batches", "np.random.seed(seed) never called", "minibatch.seed")
def mb_no_seed(X, Y, mini_batch_size, seed, c):
    return _cut(*_shuffle(X, Y, seed, set_seed=False), mini_batch_size)


@mutant("minibatch-seed-set-after-permutation", "random_mini_batches", "np.random.seed(seed) called after "
        "np.random.permutation(m): the shuffle uses the previous call's state", "minibatch.seed")
def mb_seed_after(X, Y, mini_batch_size, seed, c):
    permutation = list(np.random.permutation(X.shape[1]))
    np.random.seed(seed)
    return _cut(*_permuted(X, Y, permutation), mini_batch_size)


@mutant("minibatch-uses-default-rng", "random_mini_batches", "np.random.default_rng(seed).permutation(m): a "
        "different generator from np.random.seed(seed); np.random.permutation(m)", "minibatch.seed")
def mb_default_rng(X, Y, mini_batch_size, seed, c):
    return _cut(*_permuted(X, Y, np.random.default_rng(seed).permutation(X.shape[1])), mini_batch_size)


@mutant("minibatch-last-batch-from-loop-variable", "random_mini_batches", "the end case sliced from the loop's k "
        "(k + 1) * size: an UnboundLocalError when m < size", "minibatch.count", "minibatch.shapes")
def mb_leaked_k(X, Y, mini_batch_size, seed, c):
    sx, sy = _shuffle(X, Y, seed)
    m, size = X.shape[1], mini_batch_size
    batches = _cut(sx, sy, size, keep_last=False)
    if m % size:
        if m < size:
            raise UnboundLocalError("cannot access local variable 'k' where it is not associated with a value")
        batches.append((sx[:, (m // size) * size:], sy[:, (m // size) * size:]))
    return batches


@mutant("minibatch-equal-sections", "random_mini_batches", "np.array_split(..., ceil(m / size)): near-equal "
        "sections instead of full batches and a remainder", "minibatch.shapes")
def mb_sections(X, Y, mini_batch_size, seed, c):
    sx, sy = _shuffle(X, Y, seed)
    n = -(-X.shape[1] // mini_batch_size)
    return list(zip(np.array_split(sx, n, axis=1), np.array_split(sy, n, axis=1)))


@mutant("minibatch-last-batch-overlaps", "random_mini_batches", "the last batch is the last size columns: it "
        "repeats columns of the batch before", "minibatch.partition", "minibatch.shapes")
def mb_overlap(X, Y, mini_batch_size, seed, c):
    sx, sy = _shuffle(X, Y, seed)
    m, size = X.shape[1], mini_batch_size
    batches = _cut(sx, sy, size, keep_last=False)
    if m % size:
        batches.append((sx[:, m - size:], sy[:, m - size:]))  # m < size: a negative start, the last size - m only
    return batches


@mutant("minibatch-default-size-32", "random_mini_batches", "mini_batch_size defaults to 32 instead of the course's "
        "64", "api.signatures", signature="(X, Y, mini_batch_size=32, seed=0)")
def mb_default_32(X, Y, mini_batch_size, seed, c):
    return _cut(*_shuffle(X, Y, seed), mini_batch_size)


@mutant("minibatch-y-flattened", "random_mini_batches", "Y batches returned with shape (size,) instead of (1, size)",
        "minibatch.shapes")
def mb_flat_y(X, Y, mini_batch_size, seed, c):
    return [(bx, by.reshape(-1)) for bx, by in _cut(*_shuffle(X, Y, seed), mini_batch_size)]


@mutant("minibatch-shuffles-in-place", "random_mini_batches", "X and Y shuffled in place (the caller's arrays change)",
        "minibatch.no-mutation")
def mb_in_place(X, Y, mini_batch_size, seed, c):
    np.random.seed(seed)
    permutation = np.random.permutation(X.shape[1])
    X[:] = X[:, permutation]
    Y[:] = Y[:, permutation]
    return _cut(X.copy(), Y.copy(), mini_batch_size)


@mutant("minibatch-size-ignored", "random_mini_batches", "the default 64 is used whatever mini_batch_size says",
        "minibatch.count", "minibatch.shapes")
def mb_size_ignored(X, Y, mini_batch_size, seed, c):
    return _cut(*_shuffle(X, Y, seed), 64)


@mutant("minibatch-last-batch-wraps-around", "random_mini_batches",
        "the last batch is padded to full size with columns from the start", "minibatch.shapes", "minibatch.partition")
def mb_wrap(X, Y, mini_batch_size, seed, c):
    sx, sy = _shuffle(X, Y, seed)
    m, size = X.shape[1], mini_batch_size
    batches = _cut(sx, sy, size, keep_last=False)
    if m % size:
        idx = [((m // size) * size + j) % m for j in range(size)]
        batches.append((sx[:, idx], sy[:, idx]))
    return batches


# ========================================================== forward / cost / backward
def _backward(X, Y, cache, relu_prime, scale=lambda m: 1. / m, dz3_of=None, of_z=False):
    """The course's backward with one hook: ``relu_prime`` of the activations a (or of z, ``of_z``)."""
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache
    m = X.shape[1]
    dz3 = scale(m) * (a3 - Y) if dz3_of is None else dz3_of(a3, Y, m)
    dW3, db3 = dz3 @ a2.T, np.sum(dz3, axis=1, keepdims=True)
    dz2 = (W3.T @ dz3) * relu_prime(z2 if of_z else a2)
    dW2, db2 = dz2 @ a1.T, np.sum(dz2, axis=1, keepdims=True)
    dz1 = (W2.T @ dz2) * relu_prime(z1 if of_z else a1)
    dW1, db1 = dz1 @ X.T, np.sum(dz1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


@mutant("relu-derivative-one-at-zero", "backward_propagation", "ReLU'(0) taken as 1: the mask z >= 0 instead of "
        "z > 0 (the units exactly at the kink pass their gradient)", "backward.relu-kink")
def backward_relu_z_ge(X, Y, cache, c):
    return _backward(X, Y, cache, lambda z: np.int64(z >= 0), of_z=True)


@mutant("relu-derivative-half-at-zero", "backward_propagation", "ReLU'(0) taken as 0.5: np.heaviside(z, 0.5), whose "
        "second argument is its value at 0", "backward.relu-kink")
def backward_relu_heaviside(X, Y, cache, c):
    return _backward(X, Y, cache, lambda z: np.heaviside(z, 0.5), of_z=True)


@mutant("relu-derivative-one-everywhere", "backward_propagation", "the mask a >= 0 instead of a > 0: a = relu(z) is "
        "never negative, so every unit passes its gradient, active or not", "backward.relu-kink",
        "backward.gradient")
def backward_relu_a_ge(X, Y, cache, c):
    return _backward(X, Y, cache, lambda a: np.int64(a >= 0))


@mutant("backward-missing-one-over-m", "backward_propagation", "dz3 = a3 - Y: the gradient of the sum, not the mean",
        "backward.gradient")
def backward_no_mean(X, Y, cache, c):
    return _backward(X, Y, cache, lambda a: np.int64(a > 0), scale=lambda m: 1.0)


@mutant("backward-dz3-through-da3", "backward_propagation", "da3 = -(Y / a3) + (1 - Y) / (1 - a3), then dz3 = da3 * "
        "a3 (1 - a3) / m (the chain rule written out, as autograd does it): equal to (a3 - Y) / m except where the "
        "sigmoid saturates, where 0 / 0 gives NaN", "backward.gradient")
def backward_through_da3(X, Y, cache, c):
    def dz3_of(a3, Y, m):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (-(Y / a3) + (1 - Y) / (1 - a3)) * a3 * (1 - a3) / m
    return _backward(X, Y, cache, lambda a: np.int64(a > 0), dz3_of=dz3_of)


@mutant("backward-db-without-keepdims", "backward_propagation", "np.sum(dz, axis=1) without keepdims=True: db has "
        "shape (n,) instead of (n, 1)", "backward.gradient")
def backward_flat_db(X, Y, cache, c):
    grads = _backward(X, Y, cache, lambda a: np.int64(a > 0))
    return {k: (a.reshape(-1) if k.startswith("db") else a) for k, a in grads.items()}


@mutant("backward-one-over-m-twice", "backward_propagation", "1/m applied in dz3 and again in every dW",
        "backward.gradient")
def backward_mean_twice(X, Y, cache, c):
    grads = _backward(X, Y, cache, lambda a: np.int64(a > 0))
    m = X.shape[1]
    return {k: (a / m if k.startswith("dW") else a) for k, a in grads.items()}


@mutant("relu-derivative-on-wrong-layer", "backward_propagation",
        "dz_{l-1} masked with [a_l > 0] of the layer above instead of its own", "backward.gradient")
def backward_wrong_layer(X, Y, cache, c):
    (z1, a1, W1, b1, z2, a2, W2, b2, z3, a3, W3, b3) = cache
    m = X.shape[1]
    dz3 = 1. / m * (a3 - Y)
    dW3, db3 = dz3 @ a2.T, np.sum(dz3, axis=1, keepdims=True)
    dz2 = (W3.T @ dz3) * np.int64(a2 > 0)
    dW2, db2 = dz2 @ a1.T, np.sum(dz2, axis=1, keepdims=True)
    dz1 = (W2.T @ dz2) * np.int64((W2.T @ a2) > 0)          # wrong: a mask built from layer 2
    dW1, db1 = dz1 @ X.T, np.sum(dz1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def _reduce(total, m, c):
    return total / m if c.cost == "mean" else total


@mutant("cost-naive-log-on-saturated-sigmoid", "compute_cost",
        "-(y log a + (1-y) log(1-a)) evaluated as is (the course's own code): 0 * log 0 gives NaN", "cost.saturation")
def cost_naive(a3, Y, c):
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = np.multiply(-np.log(a3), Y) + np.multiply(-np.log(1 - a3), 1 - Y)
    return _reduce(np.sum(logprobs), Y.shape[1], c)


@mutant("cost-clips-predictions", "compute_cost", "a3 clipped to [1e-15, 1 - 1e-15]: a confidently wrong prediction "
        "costs 34.5 instead of inf", "cost.infinite")
def cost_clipped(a3, Y, c):
    a = np.clip(a3, 1e-15, 1 - 1e-15)
    return _reduce(np.sum(-(Y * np.log(a) + (1 - Y) * np.log(1 - a))), Y.shape[1], c)


@mutant("cost-nan-to-num", "compute_cost", "np.nan_to_num on the losses: inf becomes 1.8e308 and NaN 0",
        "cost.infinite")
def cost_nan_to_num(a3, Y, c):
    with np.errstate(divide="ignore", invalid="ignore"):
        logprobs = -(Y * np.log(a3)) - (1 - Y) * np.log(1 - a3)
    return _reduce(np.sum(np.nan_to_num(logprobs)), Y.shape[1], c)


@mutant("cost-clips-at-keras-epsilon", "compute_cost", "a3 clipped to [1e-7, 1 - 1e-7] (Keras's epsilon): "
        "a confident right prediction costs 1e-7, a wrong one 16 instead of inf", "cost.infinite")
def cost_clipped_keras(a3, Y, c):
    a = np.clip(a3, 1e-7, 1 - 1e-7)
    return _reduce(np.sum(-(Y * np.log(a) + (1 - Y) * np.log(1 - a))), Y.shape[1], c)


@mutant("cost-divided-by-m-twice", "compute_cost", "(1/m) sum / m: neither the mean nor the sum", "cost.reduction",
        "cost.bce-mean")
def cost_twice(a3, Y, c):
    m = Y.shape[1]
    return ref.cross_entropy_sum(a3, Y) / m / m


@mutant("forward-sigmoid-on-hidden-layers", "forward_propagation", "sigmoid instead of ReLU on the hidden layers",
        "forward.relu-sigmoid")
def forward_sigmoid(X, parameters, c):
    a, cache = X, []
    L = len(parameters) // 2
    for l in range(1, L + 1):
        z = parameters[f"W{l}"] @ a + parameters[f"b{l}"]
        a = ref.sigmoid(z)
        cache += [z, a, parameters[f"W{l}"], parameters[f"b{l}"]]
    return a, tuple(cache)


@mutant("predict-threshold-inclusive", "predict", "class 1 iff a3 >= 0.5", "predict.threshold")
def predict_ge(X, y, parameters, c):
    a3, _ = ref.forward_propagation(X, parameters)
    p = (a3 >= 0.5).astype(int)
    print("Accuracy: " + str(np.mean(p[0, :] == y[0, :])))
    return p


# ========================================================================= training
def _model(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2, epsilon, num_epochs,
           print_cost, decay, decay_rate, c, *, seed_step=1, seed_reset=False, seed_after=False, reset_t=False,
           t_per_epoch=False, reset_state=False, decay_first=False, decay_every_batch=False, decay_offset=0,
           print_every_batch=False, print_offset=0, print_rate_always=False, print_last=False, fixed_layers=None,
           view=None, t_cap=None, seed_period=None, print_rate_before_decay=False, swapped_batch_arguments=False,
           decay_by_update=False):
    """The course's loop on the reference's functions under conventions ``c``, with hooks for one mistake
    (``view``: what is printed instead of the conventions' cost: "whole-set" or "total-over-batches")."""
    from reference.optimizers import DECAYS
    decay = DECAYS.get(decay, decay) if isinstance(decay, str) else decay
    m = X.shape[1]
    parameters = ref.initialize_parameters(fixed_layers or layers_dims)
    v = ref.initialize_velocity(parameters)
    _, s = ref.initialize_adam(parameters)
    t, seed, learning_rate0, updates = 0, 10, learning_rate, 0
    for i in range(num_epochs):
        if seed_reset or seed_period and i % seed_period == 0:
            seed = 10
        if not seed_after:
            seed = seed + seed_step
        if reset_t:
            t = 0
        if reset_state == "adam" and optimizer == "adam" or reset_state == "all":
            v = ref.initialize_velocity(parameters)
            _, s = ref.initialize_adam(parameters)
        if decay and decay_first:
            learning_rate = decay(learning_rate0, i, decay_rate)
        costs, sizes = [], []
        batches = ref.random_mini_batches(X, Y, *((seed, mini_batch_size) if swapped_batch_arguments else
                                                  (mini_batch_size, seed)))
        if seed_after:
            seed = seed + seed_step
        for bx, by in batches:
            a3, cache = ref.forward_propagation(bx, parameters)
            costs.append(ref.compute_cost(a3, by, reduction=c.cost))
            sizes.append(by.shape[1])
            grads = ref.backward_propagation(bx, by, cache)
            if decay and decay_by_update:
                learning_rate = decay(learning_rate0, updates, decay_rate)
                updates += 1
            if optimizer == "gd":
                parameters = ref.update_parameters_with_gd(parameters, grads, learning_rate)
            elif optimizer == "momentum":
                parameters, v = ref.update_parameters_with_momentum(parameters, grads, v, beta, learning_rate)
            else:
                t = i + 1 if t_per_epoch else t + 1
                if t_cap is not None:
                    t = min(t, t_cap)
                parameters, v, s = ref.update_parameters_with_adam(parameters, grads, v, s, t, learning_rate,
                                                                   beta1, beta2, epsilon, epsilon_placement=c.epsilon)
            if decay and decay_every_batch:
                learning_rate = decay(learning_rate0, i, decay_rate)
            if print_cost and print_every_batch and i % 1000 == 0:
                print("Cost after epoch %i: %f" % (i, costs[-1]))
        rate_of_the_epoch = learning_rate
        if decay and not decay_first and not decay_every_batch and not decay_by_update:
            learning_rate = decay(learning_rate0, i + decay_offset, decay_rate)
        if print_cost and (i % 1000 == 0 or (print_last and i == num_epochs - 1)) and not print_every_batch:
            sums = [cost * (size if c.cost == "mean" else 1) for cost, size in zip(costs, sizes)]
            if view == "whole-set":
                printed = ref.compute_cost(ref.forward_propagation(X, parameters)[0], Y, reduction=c.cost)
            elif view == "last-batch-sum":
                printed = sums[-1]
            elif view == "total-over-batches":
                printed = sum(sums) / len(sums)
            else:
                printed = sums[-1] / sizes[-1] if c.cost_view == "last-batch" else sum(sums) / m
            print("Cost after epoch %i: %f" % (i + print_offset, printed))
            if decay or print_rate_always:
                printed_rate = rate_of_the_epoch if print_rate_before_decay else learning_rate
                print("learning rate after epoch %i: %f" % (i + print_offset, printed_rate))
    return parameters


def _model_mutant(name, mistake, *caught_by, needs=(), probed=True, **hooks):
    def impl(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2, epsilon, num_epochs,
             print_cost, decay=None, decay_rate=1, *, c):
        args = dict(X=X, Y=Y, layers_dims=layers_dims, optimizer=optimizer, learning_rate=learning_rate,
                    mini_batch_size=mini_batch_size, beta=beta, beta1=beta1, beta2=beta2, epsilon=epsilon,
                    num_epochs=num_epochs, print_cost=print_cost, decay=decay, decay_rate=decay_rate)
        changes = hooks.get("arguments", lambda a: {})(args)
        return _model(**{**args, **changes}, c=c, **{k: v for k, v in hooks.items() if k != "arguments"})
    return mutant(name, "model", mistake, *caught_by, needs=needs, probed=probed)(impl)


_model_mutant("train-adam-t-reset-every-epoch", "Adam's t set back to 0 at the start of every epoch",
              "train.step-counter", "train.trajectory", "model.hyperparameters", reset_t=True)
_model_mutant("train-adam-t-counts-epochs", "Adam's t = i + 1, the epoch's number, for every mini-batch of epoch i "
              "instead of one more per update", "train.step-counter", "train.trajectory", "model.hyperparameters",
              t_per_epoch=True)
_model_mutant("train-adam-t-capped", "Adam's t stops counting at 2000 (t = min(t + 1, 2000)): the bias correction of "
              "every later update uses t = 2000", "train.step-counter", t_cap=2000, probed=False)
_model_mutant("train-seed-not-incremented", "every epoch reshuffles with the same seed 10", "train.seed-schedule",
              "train.trajectory", "model.hyperparameters", seed_step=0)
_model_mutant("train-seed-reset-every-epoch", "seed = 10 set inside the epoch loop: every epoch shuffles with seed "
              "11", "train.seed-schedule", "train.trajectory", "model.hyperparameters", seed_reset=True)
_model_mutant("train-seed-incremented-after-shuffle", "seed = seed + 1 after random_mini_batches: epoch i shuffles "
              "with seed 10 + i instead of 11 + i", "train.seed-schedule", "train.trajectory", "model.hyperparameters",
              seed_after=True)
_model_mutant("train-seed-restarts-every-1000-epochs", "seed = 10 again every 1000 epochs (i % 1000 == 0, beside the "
              "cost print): epoch 1000 shuffles with seed 11 instead of 1011", "train.seed-schedule", seed_period=1000,
              probed=False)
_model_mutant("model-prints-the-rate-before-the-decay", "prints the learning rate the epoch trained with, not the "
              "one after its decay (the print before learning_rate = decay(...)); the training is right",
              "model.printed-cost", needs=(("decay", "present"),), print_rate_before_decay=True, probed=False)
_model_mutant("model-decays-every-mini-batch", "learning_rate = decay(learning_rate0, i, decay_rate) inside the "
              "mini-batch loop: the rate changes after every update, not once after the epoch", "train.decay",
              needs=(("decay", "present"),), decay_every_batch=True)
_model_mutant("model-decays-by-the-update-count", "learning_rate = decay(learning_rate0, step, decay_rate) before "
              "every update, step counting the updates from 0: the rate follows the mini-batches, not the epochs",
              "train.decay", needs=(("decay", "present"),), decay_by_update=True)
_model_mutant("train-adam-state-reset-every-epoch", "Adam's v and s initialised again at the start of every epoch; "
              "t keeps counting", "train.trajectory", "model.hyperparameters", reset_state="adam")
_model_mutant("train-optimizer-state-reset-every-epoch", "the velocity (momentum) and v, s (Adam) initialised again at "
              "the start of every epoch", "train.trajectory", "model.hyperparameters", reset_state="all")
_model_mutant("model-decays-with-epoch-plus-one", "learning_rate = decay(learning_rate0, i + 1, decay_rate): epochs "
              "counted from 1", "train.decay", needs=(("decay", "present"),), decay_offset=1)
_model_mutant("model-prints-the-cost-of-the-whole-set", "prints the cost of the whole training set after the "
              "epoch's updates, not the cost the epoch computed", "model.printed-cost", view="whole-set")
_model_mutant("model-prints-the-summed-cost", "prints the last mini-batch's summed cost (a summed compute_cost "
              "printed as is): not a cost per example", "model.printed-cost", view="last-batch-sum")
_model_mutant("model-prints-total-over-batch-count", "prints the epoch's total cost divided by the number of "
              "mini-batches instead of by m", "model.printed-cost", view="total-over-batches")
_model_mutant("model-prints-epoch-plus-one", "prints 'Cost after epoch %i' with i + 1", "model.printed-cost",
              print_offset=1)
_model_mutant("model-prints-learning-rate-without-decay", "prints the learning-rate line even when decay is None",
              "model.printed-cost", print_rate_always=True)
_model_mutant("model-prints-the-last-epoch-too", "also prints the cost after the last epoch (i % 1000 == 0 or "
              "i == num_epochs - 1)", "model.printed-cost", print_last=True)
_model_mutant("model-hard-codes-layers-dims", "initialize_parameters([2, 5, 2, 1]) whatever layers_dims says",
              "model.hyperparameters", fixed_layers=[2, 5, 2, 1])
_model_mutant("model-prints-every-mini-batch", "the cost printed inside the mini-batch loop: one 'Cost after "
              "epoch' line per mini-batch", "model.printed-cost", print_every_batch=True)
_model_mutant("model-batch-size-hard-coded", "random_mini_batches called with 64 whatever mini_batch_size says",
              "model.hyperparameters", arguments=lambda a: {"mini_batch_size": 64})
_model_mutant("model-caps-mini-batch-size-at-64", "mini_batch_size = min(mini_batch_size, 64): a larger batch is "
              "split in batches of 64", "model.hyperparameters",
              arguments=lambda a: {"mini_batch_size": min(a["mini_batch_size"], 64)})
_model_mutant("model-drops-adam-hyperparameters", "Adam called with its defaults: beta1, beta2 and epsilon never "
              "passed on", "model.hyperparameters", arguments=lambda a: {"beta1": 0.9, "beta2": 0.999,
                                                                         "epsilon": 1e-8})
_model_mutant("model-calls-adam-with-its-defaults", "update_parameters_with_adam(parameters, grads, v, s, t) "
              "called with Adam's own defaults: learning_rate 0.01, beta1, beta2 and epsilon never passed on",
              "model.hyperparameters", arguments=lambda a: {"learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999,
                                                            "epsilon": 1e-8} if a["optimizer"] == "adam" else {})
_model_mutant("model-momentum-gets-beta1", "momentum called with beta1 (Adam's) instead of beta",
              "model.hyperparameters", arguments=lambda a: {"beta": a["beta1"]})
_model_mutant("model-adam-gets-beta", "Adam called with beta (momentum's) as beta1", "model.hyperparameters",
              arguments=lambda a: {"beta1": a["beta"]})
_model_mutant("model-mini-batch-arguments-swapped", "random_mini_batches(X, Y, seed, mini_batch_size): the epoch's "
              "seed as the batch size, and the batch size as the seed", "model.hyperparameters",
              swapped_batch_arguments=True)
_model_mutant("model-drops-epsilon", "Adam called without epsilon: its default 1e-8 whatever epsilon says",
              "model.hyperparameters", arguments=lambda a: {"epsilon": 1e-8})
_model_mutant("model-beta-hard-coded", "momentum called with beta = 0.9 whatever beta says",
              "model.hyperparameters", arguments=lambda a: {"beta": 0.9})
_model_mutant("model-ignores-learning-rate", "the updates use the default 0.0007 whatever learning_rate says",
              "model.hyperparameters", arguments=lambda a: {"learning_rate": 0.0007})


@mutant("model-prints-mean-of-batch-means", "model", "prints the mean of the mini-batch costs: over-weights the "
        "last, partial batch", "model.printed-cost")
def model_mean_of_means(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2, epsilon,
                        num_epochs, print_cost, decay=None, decay_rate=1, *, c):
    result = ref.train(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2, epsilon,
                       num_epochs, epsilon_placement=c.epsilon, decay=decay, decay_rate=decay_rate)
    for i in range(0, num_epochs, 1000):
        if print_cost:
            print("Cost after epoch %i: %f" % (i, float(np.mean(result.minibatch_costs[i]))))
            if decay:
                print("learning rate after epoch %i: %f" % (i, result.learning_rates[i]))
    return result.parameters


@mutant("model-returns-parameters-and-costs", "model", "return parameters, costs: the course's model returns the "
        "parameters alone", "api.signatures")
def model_returns_costs(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2, epsilon,
                        num_epochs, print_cost, decay=None, decay_rate=1, *, c):
    parameters = _model(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2, epsilon,
                        num_epochs, print_cost, decay, decay_rate, c)
    return parameters, []


_model_mutant("model-decays-before-the-epoch", "learning_rate = decay(learning_rate0, i, decay_rate) at the start "
              "of epoch i instead of after it", "train.decay", needs=(("decay", "present"),), decay_first=True)


# ==================================================================== decay functions
@mutant("update-lr-decays-linearly", "update_lr", "lr0 (1 - decay_rate epoch_num) instead of lr0 / (1 + decay_rate "
        "epoch_num)", "train.decay", needs=(("decay", "present"),))
def update_lr_linear(learning_rate0, epoch_num, decay_rate, c):
    return learning_rate0 * (1 - decay_rate * epoch_num)


@mutant("update-lr-precedence-slip", "update_lr", "learning_rate0 / 1 + decay_rate * epoch_num: the division binds "
        "first", "train.decay", needs=(("decay", "present"),))
def update_lr_precedence(learning_rate0, epoch_num, decay_rate, c):
    return learning_rate0 / 1 + decay_rate * epoch_num


@mutant("schedule-lr-decay-without-floor", "schedule_lr_decay", "epoch_num / time_interval not floored: decays "
        "every epoch", "train.decay", needs=(("decay", "present"),))
def schedule_no_floor(learning_rate0, epoch_num, decay_rate, time_interval=1000, c=None):
    return learning_rate0 / (1 + decay_rate * (epoch_num / time_interval))


@mutant("update-lr-epoch-plus-one", "update_lr", "lr0 / (1 + decay_rate (epoch_num + 1)): epochs counted from 1",
        "train.decay", needs=(("decay", "present"),))
def update_lr_plus_one(learning_rate0, epoch_num, decay_rate, c):
    return learning_rate0 / (1 + decay_rate * (epoch_num + 1))


@mutant("schedule-lr-decay-rounds", "schedule_lr_decay", "np.round(epoch_num / time_interval) instead of np.floor: "
        "the rate drops half an interval early", "train.decay", needs=(("decay", "present"),))
def schedule_rounds(learning_rate0, epoch_num, decay_rate, time_interval=1000, c=None):
    return learning_rate0 / (1 + decay_rate * np.round(epoch_num / time_interval))


@mutant("schedule-lr-decay-interval-hard-coded", "schedule_lr_decay", "np.floor(epoch_num / 1000) whatever "
        "time_interval says: the default hard-coded", "train.decay", needs=(("decay", "present"),))
def schedule_hard_coded_interval(learning_rate0, epoch_num, decay_rate, time_interval=1000, c=None):
    return learning_rate0 / (1 + decay_rate * np.floor(epoch_num / 1000))


# ------------------------------------------------------------------------ targets
def module_for(name, conventions="seed"):
    """The reference in the course's signatures under ``conventions`` (an edition name or a Conventions),
    with entry ``name``'s function swapped in."""
    if name not in CATALOG:
        raise ImportError(f"no catalog entry {name!r}; entries: {', '.join(CATALOG)}")
    entry = CATALOG[name]
    c = complete(EDITIONS[conventions] if isinstance(conventions, str) else conventions)
    module = conventions_module(c, f"catalog:{name}")
    course = getattr(module, entry.function, None)
    if entry.signature:
        from reference.editions import parse_signature
        signature = parse_signature(entry.signature)
    else:
        signature = inspect.signature(course) if course is not None else _signature_without_c(entry.impl)
    extra = {"c": c}
    if "state" in inspect.signature(entry.impl).parameters:
        extra["state"] = {}
    setattr(module, entry.function,
            _with_signature(entry.function, signature, lambda **kwargs: entry.impl(**kwargs, **extra)))
    module.__doc__ = f"{entry.function}: {entry.mistake}"
    module.__file__ = __file__
    return module


def _signature_without_c(function):
    signature = inspect.signature(function)
    return signature.replace(parameters=[p for p in signature.parameters.values() if p.name not in ("c", "state")])


__all__ = ["CATALOG", "Mutant", "module_for", "Conventions", "types"]
