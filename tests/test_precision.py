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
