"""The command line's contract: exit 0 conforms, 1 does not, 2 usage error or an unloadable target; every
bad input gets one line that names it, never a traceback; reports carry versions and totals."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT, TARGETS, correct_target
from optoracle.cli import main

CORRECT = os.path.join(ROOT, "examples", "student_correct.py")
BUGGY = os.path.join(ROOT, "examples", "student_buggy.py")


def one_line_error(capsys):
    """The single line the command wrote to stderr (and nothing on stdout)."""
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    return lines[0]


@pytest.mark.parametrize("argv, words", [
    (["check"], "no target"),
    (["check", "no_such_solution.py"], "'no_such_solution.py': no such file"),
    (["check", "results.csv"], "'results.csv': no such file, and no module of that name"),
    (["check", "--cmd", "cat"], "answered the handshake with something that is not a reply (PROTOCOL.md)"),
    (["check", TARGETS], "is a directory"),
    (["check", os.path.join(ROOT, "README.md")], "is not a Python file"),
    (["check", CORRECT, "--cmd", "node x.js"], "not both"),
    (["check", CORRECT, "--clause", "adam.nope"], "no clause matches 'adam.nope'; clauses: data.moons"),
    (["check", CORRECT, "--clause", "zzz*"], "no clause matches 'zzz*'"),
    (["check", CORRECT, "--json", "/nonexistent-folder/r.json"], "does not exist"),
    (["check", CORRECT, "--junitxml", TARGETS], "is a directory"),
    (["check", CORRECT, "--jobs", "0"], "--jobs must be at least 1"),
    (["check", CORRECT, "--profile", "2020"], "invalid choice: '2020'"),
    (["train", "--epochs", "0"], "--epochs must be at least 1, got 0"),
    (["train", "--profile", "seed", "--decay", "update_lr"], "has no learning-rate decay"),
    (["train", "--plot", "/proc/optoracle-plots"], "--plot '/proc/optoracle-plots' is not writable"),
    (["golden", "check", "nope.json"], "unknown fixture"),
    (["golden", "check", "--quick", "train_adam_inside.json"], "name files or give --quick, not both"),
])
def test_every_bad_input_is_one_line_naming_the_problem_with_exit_code_2(argv, words, capsys):
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    assert info.value.code == 2
    captured = capsys.readouterr()
    text = captured.err + captured.out
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in text, text


@pytest.mark.parametrize("variable, value, words", [
    ("OPTORACLE_CALL_TIMEOUT", "ten", "$OPTORACLE_CALL_TIMEOUT must be a number of seconds, got 'ten'"),
    ("OPTORACLE_IMPORT_TIMEOUT", "-1", "must be a positive number of seconds"),
    ("OPTORACLE_MEMORY_LIMIT_MB", "lots", "must be a whole number of MiB"),
    ("OPTORACLE_EXAMPLES", "many", "$OPTORACLE_EXAMPLES must be one of ci, dev, thorough, mutation, smoke"),
    ("OPTORACLE_PROFILE", "2020", "$OPTORACLE_PROFILE must be one of auto, seed, course, 2019, 2021, got '2020'"),
    ("OPTORACLE_JOBS", "two", "$OPTORACLE_JOBS must be a whole number of workers, got 'two'"),
    ("OPTORACLE_FORK_SERVER", "yes", "$OPTORACLE_FORK_SERVER must be 0 (never fork) or 1 (fork from the first start)"),
])
def test_a_bad_environment_variable_is_a_usage_error_named_before_any_work(variable, value, words, monkeypatch,
                                                                           capsys):
    monkeypatch.setenv(variable, value)
    assert main(["check", CORRECT]) == 2
    assert words in one_line_error(capsys)


def _marking_target(tmp_path):
    """A correct target that writes its process id to ``marks`` each time it is imported."""
    return correct_target(tmp_path, "marks_its_imports.py", "open(MARKS, 'a').write(f'{os.getpid()}\\n')\n")


@pytest.mark.parametrize("argv, variable", [
    (["--clause", "adam.nope"], None),
    (["--jobs", "0"], None),
    (["--json", "/nonexistent-folder/r.json"], None),
    ([], ("OPTORACLE_EXAMPLES", "many")),
    ([], ("OPTORACLE_JOBS", "two")),
])
def test_a_usage_error_never_starts_the_target(argv, variable, tmp_path, monkeypatch, capsys):
    source, marks = _marking_target(tmp_path)
    if variable:
        monkeypatch.setenv(*variable)
    assert main(["check", source, *argv]) == 2
    one_line_error(capsys)
    assert not marks.exists()


def test_a_valid_check_loads_the_target_once_per_worker_while_the_checks_are_imported(tmp_path, capsys):
    source, marks = _marking_target(tmp_path)
    assert main(["check", source, "--jobs", "2", "--examples", "mutation", "--clause", "gd", "--clause",
                 "momentum"]) == 0, capsys.readouterr().out
    pids = marks.read_text().split()
    assert len(pids) == len(set(pids)) == 2          # the launched child is the one used: no third process


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc, unwritable even for root")
def test_an_unwritable_report_path_is_refused_before_the_target_is_started(capsys):
    assert main(["check", os.path.join(TARGETS, "hostile", "sleeps_at_import.py"), "--json",
                 "/proc/optoracle-report.json"]) == 2          # sleeps 60 s if it were started
    assert "--json '/proc/optoracle-report.json' is not writable" in one_line_error(capsys)


def test_a_target_that_raises_at_import_is_exit_2_and_one_line_without_a_traceback(capsys):
    assert main(["check", os.path.join(TARGETS, "hostile", "raises_at_import.py")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "raised NameError while loading (" in err and "raises_at_import.py" in err


def test_a_conforming_target_exits_0_with_the_verdict_first(capsys):
    assert main(["check", CORRECT, "--examples", "mutation", "--clause", "gd", "--jobs", "1"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("optoracle: ") and "CONFORMS to SPEC 2.0.0 (profile auto)" in first


def test_a_failing_target_exits_1_with_json_and_junit_that_carry_versions_totals_and_fields(tmp_path, capsys):
    out_json, out_xml = tmp_path / "r.json", tmp_path / "r.xml"
    code = main(["check", BUGGY, "--examples", "mutation", "--clause", "minibatch.*", "--json", str(out_json),
                 "--junitxml", str(out_xml)])
    text = capsys.readouterr().out
    assert code == 1 and text.splitlines()[0].split(" DOES NOT CONFORM")[0].endswith("student_buggy.py")
    report = json.loads(out_json.read_text())
    assert report["format"] == "optoracle-report/1" and report["spec"] == "2.0.0" and report["optoracle"]
    assert report["verdict"] == "does not conform" and report["counts"]["failed"] >= 2
    failure = next(c["failure"] for c in report["checks"] if c["status"] == "failed")
    assert failure["clause"] in ("minibatch.partition", "minibatch.count", "golden.minibatches")
    assert failure["diagnosis_id"] == "minibatch-drops-last-partial-batch"
    # once each, for a grade sheet: the one mistake the example makes in its mini-batches, and where it fails
    failing = {c["failure"]["clause"] for c in report["checks"] if c["status"] == "failed"}
    assert report["diagnoses"] == [{"id": "minibatch-drops-last-partial-batch", "clauses": sorted(failing)}]
    assert report["advisories"] == []
    assert failure["repro"].startswith("import numpy as np") and failure["call"]["request"]["op"] == "call"
    root = ET.parse(out_xml).getroot()
    assert root.tag == "testsuites" and int(root.get("failures")) == report["counts"]["failed"]
    assert int(root.get("tests")) == len(report["checks"])


def test_a_target_without_a_required_function_does_not_conform_and_its_clauses_alone_do(tmp_path, capsys):
    partial = os.path.join(TARGETS, "only_minibatches.py")            # random_mini_batches and nothing else
    out_json, out_xml = tmp_path / "r.json", tmp_path / "r.xml"
    assert main(["check", partial, "--examples", "mutation", "--clause", "minibatch", "--clause", "gd.update",
                 "--clause", "model.hyperparameters", "--json", str(out_json), "--junitxml", str(out_xml)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].endswith("DOES NOT CONFORM to SPEC 2.0.0 (profile auto): 2 required functions are "
                                        "missing (update_parameters_with_gd, model): 7 checks need them (SPEC's "
                                        "conformance table; --clause selects the clauses of the functions it has)")
    assert "the target has no model (required: it does not conform without it) (4)" in out
    report = json.loads(out_json.read_text())
    assert report["missing"] == ["update_parameters_with_gd", "model"] and report["counts"]["failed"] == 0
    root = ET.parse(out_xml).getroot()
    assert root.get("failures") == "7" and len(root.findall(".//failure[@type='missing function']")) == 7
    # what it has conforms, and optional helpers it lacks are no reason not to
    assert main(["check", partial, "--examples", "mutation", "--clause", "minibatch", "--clause", "forward"]) == 0
    assert "CONFORMS to SPEC 2.0.0" in capsys.readouterr().out.splitlines()[0]


def test_the_first_failure_column_is_truncated_with_an_ellipsis_and_empty_rows_are_left_out(capsys):
    main(["check", BUGGY, "--examples", "mutation", "--clause", "minibatch", "-q"])
    lines = capsys.readouterr().out.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("clause"))) + 1:]
    rows = [line for line in table if line.startswith("minibatch.")]
    assert any(line.endswith("…") for line in rows)
    assert all(" 0     0     0  " not in line for line in rows)


def test_clause_globs_and_prefixes_select_the_same_checks(capsys):
    from properties import spec
    assert spec.matching(["adam.*"]) == spec.matching(["adam"]) and "adam.update" in spec.matching(["adam"])
    assert spec.matching(["*saturation"]) == ["cost.saturation"]


def test_the_profile_environment_variable_sets_the_default_profile_of_the_cli(monkeypatch, capsys):
    monkeypatch.setenv("OPTORACLE_PROFILE", "course")
    from optoracle.cli import build_parser
    assert build_parser().parse_args(["check", CORRECT]).profile == "course"


def test_check_help_states_the_exit_codes():
    proc = subprocess.run([sys.executable, "-m", "optoracle", "check", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert "0  conforms" in proc.stdout and "1  does not conform" in proc.stdout and "2  usage error" in proc.stdout


def test_train_prints_what_the_2021_notebook_prints(capsys):
    # the 2021 notebook's published output of gd with learning_rate=0.1 and update_lr (an outside source)
    assert main(["train", "--profile", "2021", "--optimizer", "gd", "--learning-rate", "0.1", "--decay", "update_lr",
                 "--epochs", "2001"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2:8] == ["Cost after epoch 0: 0.701091", "learning rate after epoch 0: 0.100000",
                        "Cost after epoch 1000: 0.661884", "learning rate after epoch 1000: 0.000100",
                        "Cost after epoch 2000: 0.658620", "learning rate after epoch 2000: 0.000050"]
    assert out[8].startswith("Accuracy: ")


@pytest.mark.heavy                 # matplotlib
def test_train_writes_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["train", "--optimizer", "adam", "--epochs", "2", "--plot", str(tmp_path)]) == 0
    assert (tmp_path / "costs.png").stat().st_size > 0 and (tmp_path / "boundary_adam.png").exists()


@pytest.mark.heavy                 # optoracle in a new interpreter
def test_a_closed_stdout_keeps_the_verdicts_exit_code_and_the_json_report_and_no_hypothesis_folder_is_left(
        tmp_path):
    # one command line for both (each costs a new interpreter and its imports): a failing check, whose
    # shrinking and diagnosis use Hypothesis most, run from an empty working folder
    work = tmp_path / "work"
    work.mkdir()
    read, write = os.pipe()
    os.close(read)                         # like `optoracle check ... | head -1` once head has exited
    try:
        proc = subprocess.run([sys.executable, "-m", "optoracle", "check", BUGGY, "--examples", "smoke",
                               "--jobs", "1", "--clause", "momentum.ema", "--json", str(tmp_path / "r.json")],
                              cwd=work, env={**os.environ, "OPTORACLE_CACHE": str(tmp_path / "cache")},
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=300)
    finally:
        os.close(write)
    assert proc.returncode == 1, proc.stderr                    # does not conform, whatever became of stdout
    assert "Traceback" not in proc.stderr
    assert json.loads((tmp_path / "r.json").read_text())["conforms"] is False
    assert list(work.iterdir()) == []                       # Hypothesis's files went to optoracle's cache


def test_a_target_that_cannot_be_loaded_still_gets_its_json_and_junit_reports(tmp_path, capsys):
    out_json, out_xml = tmp_path / "r.json", tmp_path / "r.xml"
    source = os.path.join(TARGETS, "hostile", "has_a_syntax_error.py")
    assert main(["check", source, "--json", str(out_json), "--junitxml", str(out_xml)]) == 2
    error = capsys.readouterr().err.strip()
    report = json.loads(out_json.read_text())
    assert report["verdict"] == "not checked" and report["exit_code"] == 2 and report["conforms"] is False
    assert f"optoracle check: {report['error']}" == error and "has a syntax error" in report["error"]
    root = ET.parse(out_xml).getroot()
    assert root.get("errors") == "1" and root.find(".//error").get("message") == report["error"]


NEVER_UPDATES_THE_LAST_LAYER = '''
def update_parameters_with_gd(parameters, grads, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L):                               # the last layer is never updated
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters


_correct.update_parameters_with_gd = update_parameters_with_gd       # what the example's model calls
'''


def test_clauses_whose_checks_failed_under_another_clause_are_listed_as_not_judged(tmp_path, capsys):
    source, _ = correct_target(tmp_path, "wrong_gd.py", NEVER_UPDATES_THE_LAST_LAYER)
    out_json = tmp_path / "r.json"
    assert main(["check", source, "--examples", "mutation", "--clause", "model.printed-cost", "--json",
                 str(out_json)]) == 1
    out = capsys.readouterr().out
    report = json.loads(out_json.read_text())
    assert report["headline"] == out.splitlines()[0] and report["exit_code"] == 1
    unjudged = {c["clause"]: c["not_judged"] for c in report["clauses"] if not c["judged"]}
    assert set(unjudged) >= {"train.costs", "train.seed-schedule"}
    assert unjudged["train.costs"] == "check_model_prints_the_cost_every_1000_epochs failed under model.hyperparameters"
    assert f"not judged (their checks failed under another clause first): {', '.join(unjudged)}" in out
    assert "model.hyperparameters" in report["failed_clauses"] and report["may_follow"] == []


def test_the_verdict_line_marks_every_list_it_cuts_short():
    from properties.failures import Failure
    from properties.report import verdict
    from properties.runner import CheckResult, Report
    own = ["minibatch.seed", "minibatch.pairing", "minibatch.partition", "minibatch.count", "minibatch.shapes",
           "gd.update", "momentum.ema", "adam.update"]
    following = ["train.trajectory", "golden.trajectory"]
    results = [CheckResult(f"check_{i}", [c], "failed", c, failure=Failure(c, "wrong")) for i, c in enumerate(own)]
    results += [CheckResult(f"check_{c}", [c], "failed", c, failure=Failure(c, "wrong", follows_from=[
        ("gd.update", "update_parameters_with_gd", None)])) for c in following]
    report = Report("t.py", {}, "auto", "mutation", None, None, {}, [], results=results)
    assert verdict(report).endswith(": 10 clauses fail (minibatch.seed, minibatch.pairing, minibatch.partition, "
                                    "minibatch.count, minibatch.shapes, gd.update, ..., then 2 that may follow from "
                                    "them: train.trajectory, ...)")
