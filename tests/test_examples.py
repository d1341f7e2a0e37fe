"""The shipped example targets give the reports their docstrings promise."""
import pytest

from examples import student_buggy
from properties.runner import run_suite

pytestmark = pytest.mark.usefixtures("mutation_examples")


def test_the_correct_example_conforms_under_auto_and_so_under_the_course_profile():
    from properties import conventions
    report = run_suite("examples/student_correct.py", "auto", "smoke", jobs=1)
    assert report.conforms, [(r.name, r.failure.what) for r in report.failed]
    assert report.count("passed") >= 50 and report.detected.epsilon == "outside"
    # course fixes epsilon outside and the mean cost, as detected: it judges by the same conventions
    assert conventions.judged("course", report.detected) == report.conventions
    # the helper it does not have is a skip that says SPEC's conformance table does not require it
    from properties.report import terminal
    assert "the target has no predict (not required here: SPEC's conformance table) (1)" in terminal(report)


def test_the_correct_example_under_the_seed_profile_fails_only_its_conventions():
    report = run_suite("examples/student_correct.py", "seed", "mutation", clauses=["adam.epsilon-placement",
                                                                                "adam.returns", "adam.update"])
    assert {r.clause for r in report.failed} == {"adam.epsilon-placement", "adam.returns"}
    assert any("--profile course" in (r.failure.diagnosis or "") for r in report.failed)


def test_the_buggy_example_fails_exactly_the_clauses_of_its_mistakes_and_each_is_named():
    report = run_suite("examples/student_buggy.py", "auto", "mutation", jobs=1)
    assert {r.clause for r in report.failed} == student_buggy.EXPECTED_FAILING_CLAUSES
    assert report.missing == ["model"]
    named = {r.failure.diagnosis_id for r in report.failed}
    assert {"minibatch-drops-last-partial-batch", "momentum-without-one-minus-beta", "adam-no-bias-correction"} <= named
