"""The conformance suite as pytest tests: one test per ``check_*`` function, in SPEC order.

Run against any implementation: ``pytest --pyargs properties --impl=TARGET [--profile 2021]``.
Without a selected target every test is skipped (optoracle's own test run collects this file).
"""
import pytest

from properties import settings
from properties.registry import checks
from properties.report import render_failure
from properties.runner import link_consequences, missing_required, run_check

CHECKS = list(checks().values())


@pytest.mark.parametrize("check", CHECKS, ids=[f"{c.clause.id}::{c.name}" for c in CHECKS])
def test_conformance(check, optoracle_target, pytestconfig):
    with settings.use(pytestconfig._optoracle["examples"]):
        result = run_check(check, optoracle_target)
    earlier = optoracle_target.__dict__.setdefault("failed_so_far", [])   # SPEC order: what model calls first
    link_consequences([result], among=earlier)
    earlier.append(result)
    target = optoracle_target
    lacking = missing_required(result.functions, target.profile, target.conventions, target.has)
    if result.status == "skipped" and lacking:             # as `optoracle check`: no conformance without it
        pytest.fail(f"{check.name}: {result.reason}, a required function (SPEC's conformance table; -k selects the "
                    "checks of the functions it has)", pytrace=False)
    if result.status == "skipped":
        pytest.skip(f"{check.name}: {result.reason}")
    if result.advisory:
        pytest.skip(f"advisory (SHOULD) [{result.clause}]: {result.headline}")
    if result.status == "failed":
        pytest.fail(render_failure(result), pytrace=False)
