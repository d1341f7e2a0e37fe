"""The pytest plugin is inert unless asked: other projects' test runs see unchanged Hypothesis settings and
pay no import time; selected, it runs the conformance suite against the target."""
import os
import subprocess
import sys

from conftest import ROOT

PLAIN_TEST = '''
from hypothesis import given, settings, strategies as st
import sys

@given(st.integers())
def test_plain(x):
    s = settings()
    print("SETTINGS", s.max_examples, s.derandomize, s.database is not None, flush=True)
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("properties", "golden", "reference", "sympy"))
    print("MODULES", heavy, flush=True)
'''


def _pytest(folder, *args, env=None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPTORACLE_")}
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-s", *args], cwd=folder,
                          capture_output=True, text=True, timeout=300, env=environment)


def test_an_unrelated_test_run_sees_hypothesis_defaults_and_imports_nothing_of_optoracle(tmp_path):
    (tmp_path / "test_other.py").write_text(PLAIN_TEST)
    proc = _pytest(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    settings_line = next(line for line in proc.stdout.splitlines() if line.startswith("SETTINGS"))
    assert settings_line == "SETTINGS 100 False True"           # Hypothesis's own defaults, untouched
    modules_line = next(line for line in proc.stdout.splitlines() if line.startswith("MODULES"))
    assert modules_line == "MODULES ['properties', 'properties.plugin']"
    assert "optoracle: target" not in proc.stdout                # no report header either


def test_the_same_run_without_the_plugin_sees_the_same_settings(tmp_path):
    (tmp_path / "test_other.py").write_text(PLAIN_TEST)
    with_plugin = _pytest(tmp_path).stdout
    without = _pytest(tmp_path, "-p", "no:optoracle").stdout
    pick = (lambda text: next(line for line in text.splitlines() if line.startswith("SETTINGS")))
    assert pick(with_plugin) == pick(without)


def test_selected_it_runs_the_suite_against_the_target_from_any_folder(tmp_path):
    target = os.path.join(ROOT, "tests", "targets", "only_minibatches.py")
    proc = _pytest(tmp_path, "--pyargs", "properties", f"--impl={target}", "--examples=mutation", "-rs", "-k",
                   "minibatch or adam")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"optoracle: target {target}; profile auto; examples mutation" in proc.stdout
    assert "the target has no update_parameters_with_adam" in proc.stdout
    assert " passed" in proc.stdout


def test_the_profile_environment_variable_works_the_same_for_the_plugin(tmp_path):
    target = os.path.join(ROOT, "examples", "student_correct.py")
    proc = _pytest(tmp_path, "--pyargs", "properties", "-k", "epsilon", env={"OPTORACLE_IMPL": target,
                                                                              "OPTORACLE_PROFILE": "seed",
                                                                              "OPTORACLE_EXAMPLES": "mutation"})
    assert proc.returncode == 1 and "profile seed" in proc.stdout
    assert "adam.epsilon-placement" in proc.stdout and "--profile course" in proc.stdout


def test_a_failure_under_pytest_shows_the_clause_the_diagnosis_and_the_reproduction(tmp_path):
    proc = _pytest(tmp_path, "--pyargs", "properties", "--impl=catalog:gd-sign-flipped", "--examples=mutation",
                   "-k", "check_gd_update_is_p_minus_lr_g")
    assert proc.returncode == 1
    assert "[gd.update, MUST]" in proc.stdout and "behaves like 'gd-sign-flipped'" in proc.stdout
    assert "Reproduce with:" in proc.stdout and "yours.update_parameters_with_gd(" in proc.stdout
