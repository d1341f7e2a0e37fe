"""The command line: ``optoracle check`` reports and exit codes, ``optoracle train``, the pytest plugin."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from optoracle.cli import main

ROOT = os.path.dirname(os.path.dirname(__file__))


def test_check_of_a_buggy_target_exits_1_with_clause_table_json_and_junit(tmp_path, capsys):
    out_json, out_xml = tmp_path / "r.json", tmp_path / "r.xml"
    code = main(["check", "catalog:minibatch-drops-last-partial-batch", "--hypothesis-profile", "mutation",
                 "--clause", "minibatch", "--json", str(out_json), "--junitxml", str(out_xml)])
    text = capsys.readouterr().out
    assert code == 1
    assert "profile seed" in text and "minibatch.partition" in text
    data = json.loads(out_json.read_text())
    assert data["passed"] is False and data["clauses"]["minibatch.partition"]["failed"] == 1
    suite = ET.parse(out_xml).getroot().find("testsuite")
    assert int(suite.get("failures")) == sum(c["status"] == "failed" for c in data["checks"])


def test_check_of_the_reference_exits_0(capsys):
    assert main(["check", "reference", "--hypothesis-profile", "mutation", "-q"]) == 0
    assert " 0 failed" in capsys.readouterr().out


def test_check_of_a_missing_file_exits_2_with_a_message(capsys):
    assert main(["check", "no_such_solution.py"]) == 2
    assert "cannot load target" in capsys.readouterr().err


def test_train_prints_the_cost_and_the_final_table(capsys):
    assert main(["train", "--optimizer", "gd", "--epochs", "3"]) == 0
    out = capsys.readouterr().out
    assert "Cost after epoch 0:" in out and "optimizer" in out and "train accuracy" in out


def test_train_writes_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["train", "--optimizer", "adam", "--epochs", "2", "--plot", str(tmp_path)]) == 0
    assert (tmp_path / "costs.png").stat().st_size > 0 and (tmp_path / "boundary_adam.png").exists()


def test_pytest_plugin_runs_from_any_folder_and_names_the_target(tmp_path):
    target = os.path.join(ROOT, "tests", "targets", "only_minibatches.py")
    proc = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "properties", f"--impl={target}",
                           "--hypothesis-profile=mutation", "-p", "no:cacheprovider", "-rs"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"optoracle: target {target}" in proc.stdout
    assert "target has no 'update_parameters_with_adam'" in proc.stdout


def _outcomes(junit_path):
    suite = ET.parse(junit_path).getroot()
    outcomes = {}
    for case in suite.iter("testcase"):
        status = "failed" if case.find("failure") is not None else "skipped" if case.find("skipped") is not None \
            else "passed"
        outcomes[case.get("name")] = status
    return outcomes


def test_the_suite_gives_the_same_results_under_pytest_xdist(tmp_path):
    pytest.importorskip("xdist")
    target = os.path.join(ROOT, "examples", "student_buggy.py")
    results = []
    for workers in ("0", "2"):
        junit = tmp_path / f"junit{workers}.xml"
        subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "properties", f"--impl={target}",
                        "--hypothesis-profile=mutation", "-p", "no:cacheprovider", "-n", workers,
                        "-k", "minibatch", f"--junitxml={junit}"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
        results.append(_outcomes(junit))
    assert results[0] == results[1] and "failed" in results[0].values() and len(results[0]) >= 7
