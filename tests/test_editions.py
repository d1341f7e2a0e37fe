"""Word-for-word copies of each edition's published code (tests/targets/editions/) conform to that edition
and to auto with exit code 0; the course's own compute_cost and its missing validation are advisories."""
import json
import os

import pytest

from conftest import TARGETS
from optoracle.cli import main
from properties import conventions
from reference.conventions import EDITIONS

NAMES = ["seed", "2019", "2021"]
ADVISORIES = ["api.errors", "cost.saturation"]      # the course's own compute_cost, and no input validation


@pytest.mark.heavy                 # scikit-learn and matplotlib, which the course files import: a second per load
@pytest.mark.parametrize("edition", ["seed", "2019"])      # 2021: in the test below, which loads it once for two runs
def test_each_editions_published_code_conforms_to_auto_and_to_its_edition_with_exit_code_0(edition, tmp_path,
                                                                                           capsys):
    source = os.path.join(TARGETS, "editions", edition, "solution.py")
    code = main(["check", source, "--examples", "smoke", "--jobs", "1", "--json", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    assert code == 0, out
    report = json.loads((tmp_path / "r.json").read_text())
    detected = conventions.Conventions(**report["conventions"]["detected"])
    assert detected == EDITIONS[edition] and report["conventions"]["editions"] == [edition]
    # under --profile EDITION every axis is fixed to what auto detected: the same conventions judge the same
    # checks, so this run's verdict is the edition's verdict too
    assert conventions.judged(edition, detected) == conventions.judged("auto", detected)
    assert sorted(c["clause"] for c in report["checks"] if c["advisory"]) == ADVISORIES
    assert "np.int, removed in NumPy 1.24" in out             # the course's predict uses it: named, not hidden


def test_strict_turns_an_advisory_into_a_failure(capsys, tmp_path):
    from conftest import ROOT
    source = os.path.join(ROOT, "examples", "student_correct.py")          # it does not validate its input
    assert main(["check", source, "--examples", "mutation", "--clause", "api.errors", "--json",
                 str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["advisories"] == ["api.errors"] and report["diagnoses"] == []
    assert main(["check", source, "--strict", "--examples", "mutation", "--clause", "api.errors"]) == 1
    out = capsys.readouterr().out
    assert "with 1 advisory (SHOULD)" in out and "DOES NOT CONFORM" in out and "under --strict" in out
    # whether code validates its input is no state it keeps: its reproduction says nothing of earlier calls
    assert "Reproduce with:" in out and "other calls reached the same process" not in out


@pytest.mark.heavy                 # scikit-learn and matplotlib, which the course files import: a second per load
def test_the_2021_code_conforms_to_auto_and_to_2021_and_under_the_seed_profile_names_every_convention_it_differs_in(
        monkeypatch):
    from properties import runner
    from properties.report import terminal
    from properties.runner import open_target, run_suite
    source = os.path.join(TARGETS, "editions", "2021", "solution.py")
    # the course's files import matplotlib and scikit-learn (a second of loading): one process for both runs;
    # the command line's exit code for a conforming edition is the test above's
    target = open_target(source)
    try:
        report = run_suite(target=target, examples="smoke")
        assert report.conforms, terminal(report)
        assert report.detected == EDITIONS["2021"] and conventions.matching(report.detected) == ["2021"]
        assert conventions.judged("2021", report.detected) == conventions.judged("auto", report.detected)
        assert sorted(r.clause for r in report.advisories) == ADVISORIES
        assert "np.int, removed in NumPy 1.24" in terminal(report)
        target.profile, target.conventions = "seed", conventions.judged("seed", target.detected)
        # what is judged here is which convention each failure names, not whether it depends on earlier
        # calls: no failing call is sent again to a fresh process (a second of loading each)
        monkeypatch.setattr(runner, "REPLAYS", 0)
        report = run_suite(target=target, examples="smoke", clauses=[
            "adam.epsilon-placement", "cost.reduction", "model.printed-cost", "adam.returns", "train.decay",
            "api.signatures"])
    finally:
        target.close()
    failed = {r.clause for r in report.failed}
    assert {"adam.epsilon-placement", "cost.reduction", "model.printed-cost", "adam.returns", "train.decay",
            "api.signatures"} <= failed
    identifiers = {r.failure.diagnosis_id for r in report.failed}
    assert {"convention:epsilon=outside", "convention:cost=sum", "convention:decay=present"} <= identifiers
