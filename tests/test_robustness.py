"""A broken target never breaks the run: each misbehaviour is a failing check with a clear message."""
import os

import pytest

from properties import CHECKS, load_target
from properties.runner import run_check, run_suite

HERE = os.path.dirname(__file__)


def target(name, **kw):
    return load_target(os.path.join(HERE, "targets", name), **kw)


pytestmark = pytest.mark.usefixtures("mutation_profile")


def test_a_function_that_raises_fails_its_checks_with_the_exception_named():
    r = run_check(CHECKS["check_gd_update_is_p_minus_lr_g"], target("broken_raises.py"))
    assert r.status == "failed" and "update_parameters_with_gd raised RuntimeError: not implemented yet" in r.message


def test_a_function_that_returns_none_is_told_so():
    r = run_check(CHECKS["check_momentum_update_matches_the_ema_rule"], target("broken_raises.py"))
    assert r.status == "failed" and r.clause == "api.signatures" and "returned None" in r.message


def test_a_function_that_returns_nan_fails_with_nan_named():
    r = run_check(CHECKS["check_adam_update_matches_the_reference_rule"], target("broken_raises.py"))
    assert r.status == "failed" and "contains NaN" in r.message


def test_a_function_that_hangs_fails_on_the_time_limit_and_is_not_called_again():
    impl = target("broken_hangs_and_mutates.py", call_timeout=0.3)
    r = run_check(CHECKS["check_gd_update_is_p_minus_lr_g"], impl)
    assert r.status == "failed" and "did not return within 0.3 s" in r.message
    r = run_check(CHECKS["check_gd_with_zero_gradient_is_a_fixed_point"], impl)
    assert r.status == "failed" and "timed out earlier" in r.message


def test_mutating_grads_is_reported_as_api_in_place():
    r = run_check(CHECKS["check_momentum_update_matches_the_ema_rule"], target("broken_hangs_and_mutates.py"))
    assert r.status == "failed" and r.clause == "api.in-place" and "mutated its input 'grads'" in r.message


def test_missing_functions_skip_their_checks_with_the_function_named():
    report = run_suite(os.path.join(HERE, "targets", "only_minibatches.py"), "seed", "mutation")
    skipped = [r for r in report.results if r.status == "skipped"]
    assert {r.status for r in report.results} == {"passed", "skipped"}
    assert all("target has no" in r.message for r in skipped)
    assert len(skipped) == len(CHECKS) - sum("random_mini_batches" in i.needs for i in CHECKS.values())


def test_a_failure_message_shows_both_sides_the_clause_and_a_runnable_repro():
    r = run_check(CHECKS["check_gd_update_is_p_minus_lr_g"], load_target("catalog:gd-sign-flipped"))
    assert r.message.startswith("[gd.update]")
    assert "yours" in r.message and "reference" in r.message and "max abs err" in r.message
    snippet = r.message.split("Reproduce with:\n", 1)[1]
    code = "\n".join(line[4:] for line in snippet.splitlines())
    namespace = {}
    exec(compile(code, "<repro>", "exec"), namespace)       # the snippet runs as printed
    assert namespace["out"] is not None


def test_unknown_targets_and_profiles_are_refused_clearly():
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_target("does/not/exist.py")
    with pytest.raises(ValueError, match="unknown profile"):
        load_target("reference", profile="pytorch")
    with pytest.raises(ImportError, match="no catalog entry"):
        load_target("catalog:nope")
