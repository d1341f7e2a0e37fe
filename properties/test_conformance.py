"""The conformance suite as pytest tests: one test per ``check_*`` function.

Run against any implementation: ``pytest --pyargs properties --impl=TARGET [--profile course]``.
"""
import pytest

from properties import CHECKS
from properties.runner import run_check


@pytest.mark.parametrize("info", list(CHECKS.values()), ids=[f"{i.clause}::{i.name}" for i in CHECKS.values()])
def test_conformance(info, impl):
    __tracebackhide__ = True
    result = run_check(info, impl)
    if result.status == "skipped":
        pytest.skip(f"{info.name}: {result.message}")
    if result.status == "failed":
        pytest.fail(result.message, pytrace=False)
