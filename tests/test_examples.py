"""The shipped example targets give the reports their docstrings promise."""
import pytest

from examples import student_buggy
from properties import CHECKS
from properties.runner import run_suite


pytestmark = pytest.mark.usefixtures("mutation_profile")


def test_correct_example_passes_every_clause_under_the_course_profile():
    report = run_suite("examples/student_correct.py", "course", "mutation")
    assert report.failing_clauses() == set(), [r.message for r in report.failed]
    assert sum(r.status == "passed" for r in report.results) >= 30


def test_correct_example_fails_only_epsilon_placement_under_the_seed_profile():
    # checks that never call Adam behave identically under both profiles (covered above)
    adam = {i.name for i in CHECKS.values()
            if not i.needs or {"update_parameters_with_adam", "model", "train"} & set(i.needs)}
    report = run_suite("examples/student_correct.py", "seed", "mutation", names=adam)
    assert report.failing_clauses() == {"adam.epsilon-placement"}
    assert any("--profile course" in (r.diagnosis or "") for r in report.failed)


def test_buggy_example_fails_exactly_the_clauses_of_its_mistakes():
    report = run_suite("examples/student_buggy.py", "seed", "mutation")
    assert report.failing_clauses() == student_buggy.EXPECTED_FAILING_CLAUSES
