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


@pytest.mark.parametrize("edition", NAMES)
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
    assert sorted(c["clause"] for c in report["checks"] if c["advisory"]) == ["api.errors", "cost.saturation"]
    assert "np.int, removed in NumPy 1.24" in out             # the course's predict uses it: named, not hidden


def test_strict_turns_an_advisory_into_a_failure(capsys):
    from conftest import ROOT
    source = os.path.join(ROOT, "examples", "student_correct.py")          # it does not validate its input
    assert main(["check", source, "--examples", "mutation", "--clause", "api.errors"]) == 0
    assert main(["check", source, "--strict", "--examples", "mutation", "--clause", "api.errors"]) == 1
    out = capsys.readouterr().out
    assert "with 1 advisory (SHOULD)" in out and "DOES NOT CONFORM" in out and "under --strict" in out
    # whether code validates its input is no state it keeps: its reproduction says nothing of earlier calls
    assert "Reproduce with:" in out and "other calls reached the same process" not in out


def test_the_2021_code_under_the_seed_profile_names_every_convention_it_differs_in():
    from properties.runner import run_suite
    source = os.path.join(TARGETS, "editions", "2021", "solution.py")
    report = run_suite(source, "seed", "smoke", clauses=["adam.epsilon-placement", "cost.reduction",
                                                            "model.printed-cost", "adam.returns", "train.decay",
                                                            "api.signatures"])
    failed = {r.clause for r in report.failed}
    assert {"adam.epsilon-placement", "cost.reduction", "model.printed-cost", "adam.returns", "train.decay",
            "api.signatures"} <= failed
    identifiers = {r.failure.diagnosis_id for r in report.failed}
    assert {"convention:epsilon=outside", "convention:cost=sum", "convention:decay=present"} <= identifiers
