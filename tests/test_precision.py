"""The precision bounds (SPEC precision.ulp) hold for the reorderings people write, and are tight enough to
reject float32 arithmetic and a wrong bias correction."""
import os

import pytest

from conftest import TARGETS, trusted
from properties.checks.symbolic import ulp_report
from properties.runner import open_target, run_suite
from properties.symbolic import ULP_BOUNDS

REORDERINGS = ["momentum_lerp", "momentum_expanded", "adam_folded", "adam_reciprocal"]
CLAUSES = {"momentum": ["momentum.ema", "momentum.update", "trajectory.step-by-step"],
           "adam": ["adam.moments", "adam.bias-correction", "adam.update", "trajectory.step-by-step"]}


@pytest.mark.parametrize("name", REORDERINGS)
def test_every_reordering_passes_every_check_of_the_update_rules_within_the_documented_ulp_bounds(name):
    target = open_target(os.path.join(TARGETS, "reorderings", f"{name}.py"), profile="seed")
    try:
        report = run_suite(target=target, examples="mutation", clauses=CLAUSES[name.split("_")[0]])
        worst = ulp_report(target)
    finally:
        target.close()
    assert report.conforms, [(r.name, r.failure.what) for r in report.failed]
    for (function, output), distance in worst.items():
        kind = function.split("_with_")[1]
        bound = ULP_BOUNDS.get((kind, output))
        if bound is not None:
            assert distance <= bound, (function, output, distance)
    assert max(worst.values()) > 0.3                   # the reorderings do round differently from the reference


@pytest.mark.parametrize("mutant, least", [("adam-float32-denominator", 1e5), ("adam-bias-correction-t-plus-1", 1e5)])
def test_float32_arithmetic_and_a_wrong_bias_correction_lie_a_hundred_thousand_ulps_away(mutant, least):
    from properties.failures import ConformanceError
    with pytest.raises(ConformanceError) as info:
        ulp_report(trusted(f"catalog:{mutant}", "seed"))
    distance = float(info.value.failure.what.split(" lies ")[1].split(" ulps")[0])
    assert distance >= least


def test_a_first_moment_that_nearly_cancels_is_judged_on_the_scale_of_its_terms_in_float32():
    """A reviewer's correct float32 Adam with the lerp first moment failed at t = 1001: v = -2.2e-6 from
    g = 106 rounds on the terms' scale (SPEC Tolerances), and the step carries that error."""
    import numpy as np
    from properties.casework import adam_parameter_scales, adam_reference, param_scales
    from properties.compare import all_close, rtol_for
    f32 = np.float32
    P = {"W1": np.array([[0.0], [0.0]], dtype=f32), "b1": np.array([[6.2654047], [8.2551117]], dtype=f32)}
    G = {"dW1": np.array([[106.19066619873047], [1.72903311252594]], dtype=f32),
         "db1": np.array([[0.08807075023651123], [-4.313544799128266e-10]], dtype=f32)}
    V = {"dW1": np.array([[-2.1893154098506784e-06], [-2.6594698665505234e-12]], dtype=f32),
         "db1": np.array([[0.0017012833850458264], [5.690669127034198e-07]], dtype=f32)}
    S = {"dW1": np.array([[11276.4580078125], [2.989555597305298]], dtype=f32),
         "db1": np.array([[0.007759351748973131], [3.2383733823866667e-13]], dtype=f32)}
    target = open_target(os.path.join(TARGETS, "reorderings", "adam_folded.py"), profile="seed")
    try:
        yours = target.update_parameters_with_adam(P, G, V, S, 1001, 0.01, 0.999, 0.999, 1e-8)
    finally:
        target.close()
    under = adam_reference(P, G, V, S, 1001, 0.01, 0.999, 0.999, 1e-8)
    expected = under(target.conventions)[0]
    rtol = rtol_for("step", P)
    assert all_close(yours.parameters, expected, rtol, adam_parameter_scales(under, target.conventions, expected))
    assert not all_close(yours.parameters, expected, rtol, param_scales(P, expected))     # the scale it replaced
