"""The diagnosis names the mistake: every catalog entry as itself, the examples as theirs."""
import json
import subprocess
import sys

import pytest

from optoracle.cli import main
from properties import load_target
from properties.catalog import CATALOG
from properties.diagnosis import diagnose


@pytest.mark.parametrize("name", list(CATALOG))
def test_every_catalog_entry_is_named_by_the_diagnosis_and_nothing_else_is(name):
    entry = CATALOG[name]
    text = diagnose(load_target(f"catalog:{name}"), entry.function)
    assert text is not None and f"'{name}'" in text, text
    others = [n for n in CATALOG if n != name and f"'{n}'" in text]
    assert not others, f"{name} is indistinguishable from {others} on the probes"


def test_the_reference_needs_no_diagnosis():
    for profile in ("seed", "course"):
        impl = load_target("reference", profile)
        assert all(diagnose(impl, entry.function) is None for entry in CATALOG.values())


def test_the_correct_example_under_seed_is_diagnosed_as_the_course_profile():
    text = diagnose(load_target("examples/student_correct.py", "seed"), "update_parameters_with_adam")
    assert "'adam-epsilon-outside-root'" in text and "--profile course" in text


def test_a_new_mistake_is_reported_as_unknown_with_the_first_divergence(tmp_path):
    target = tmp_path / "novel.py"
    target.write_text("from reference import *\n"
                      "def update_parameters_with_gd(parameters, grads, learning_rate):\n"
                      "    return {k: p - 2 * learning_rate * grads['d' + k] for k, p in parameters.items()}\n")
    text = diagnose(load_target(str(target)), "update_parameters_with_gd")
    assert "matches no known variant" in text and "probe 'case 0'" in text and "key 'parameters/" in text


def test_the_diagnosis_reaches_the_json_report(tmp_path, capsys):
    out = tmp_path / "report.json"
    main(["check", "catalog:momentum-velocity-not-stored", "--hypothesis-profile", "mutation", "-q",
          "--clause", "momentum", "--json", str(out)])
    text = capsys.readouterr().out
    report = json.loads(out.read_text())
    assert any("'momentum-velocity-not-stored'" in line for line in report["diagnosis"])
    assert "Diagnosis:" in text and "'momentum-velocity-not-stored'" in text


def test_the_diagnosis_reaches_pytest_failure_output(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "properties",
                           "--impl=catalog:gd-sign-flipped", "--hypothesis-profile=mutation", "-p",
                           "no:cacheprovider", "-k", "check_gd_update_is_p_minus_lr_g"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "Diagnosis: update_parameters_with_gd behaves like 'gd-sign-flipped'" in proc.stdout
