"""The pytest plugin is inert unless asked: other projects' test runs see unchanged Hypothesis settings and
pay no import time; selected, it runs the conformance suite against the target."""
import os
import re
import subprocess
import sys

import pytest

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
    # exactly Hypothesis's own defaults in this environment (its "ci" profile where CI is set, its
    # "default" profile otherwise), read in a plain Python process that loads no plugin at all
    plain = subprocess.run([sys.executable, "-c", "from hypothesis import settings; s = settings(); "
                            "print('SETTINGS', s.max_examples, s.derandomize, s.database is not None)"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120,
                           env={k: v for k, v in os.environ.items() if not k.startswith("OPTORACLE_")})
    assert settings_line == plain.stdout.strip(), plain.stderr
    assert settings_line in ("SETTINGS 100 False True", "SETTINGS 100 True False")     # default / ci
    modules_line = next(line for line in proc.stdout.splitlines() if line.startswith("MODULES"))
    assert modules_line == "MODULES ['properties', 'properties.plugin']"
    assert "optoracle: target" not in proc.stdout                # no report header either


@pytest.mark.heavy                 # pytest and optoracle in a new interpreter
def test_selected_by_option_it_runs_the_suite_against_the_target_from_any_folder(tmp_path):
    target = os.path.join(ROOT, "tests", "targets", "only_minibatches.py")
    proc = _pytest(tmp_path, "--pyargs", "properties", f"--impl={target}", "--examples=mutation", "-rs", "-k",
                   "minibatch or adam_update_matches or forward_propagation_matches")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"optoracle: target {target}; profile auto; examples mutation" in proc.stdout
    assert "1 failed, 7 passed, 1 skipped" in proc.stdout, proc.stdout[-3000:]
    # a helper it lacks is skipped; Adam, which SPEC's conformance table requires, fails as `optoracle check` says
    assert "the target has no forward_propagation" in proc.stdout
    assert "check_adam_update_matches_the_reference_rule: the target has no update_parameters_with_adam, a required " \
           "function" in proc.stdout


@pytest.mark.heavy                 # pytest and optoracle in a new interpreter
def test_selected_by_environment_it_takes_the_profile_too_and_shows_clause_diagnosis_and_repro(tmp_path):
    target = os.path.join(ROOT, "examples", "student_buggy.py")          # epsilon inside: the seed convention
    proc = _pytest(tmp_path, "--pyargs", "properties", "-k", "epsilon or momentum_update_matches",
                   env={"OPTORACLE_IMPL": target, "OPTORACLE_PROFILE": "course", "OPTORACLE_EXAMPLES": "mutation"})
    assert proc.returncode == 1 and "profile course" in proc.stdout
    assert "[adam.epsilon-placement, MUST]" in proc.stdout and "--profile seed" in proc.stdout
    assert "[momentum.ema, MUST]" in proc.stdout and "behaves like 'momentum-without-one-minus-beta'" in proc.stdout
    assert "Reproduce with:" in proc.stdout and "yours.update_parameters_with_momentum(" in proc.stdout


class _Config:
    """What pytest_configure reads of a pytest config: the options and the command line's arguments."""

    def __init__(self, args, pyargs=False, **options):
        self.args, self.options = list(args), {"pyargs": pyargs, "impl": None, "impl_cmd": None, "profile": None,
                                               "examples": None, **options}

    def getoption(self, name, default=None):
        return self.options.get(name, default)


@pytest.mark.parametrize("args, pyargs, options, words", [
    (["tests"], False, {"impl": "examples/student_correct.py"}, "the conformance suite is not collected: add --pyargs"),
    (["properties"], True, {"impl": "no_such_solution.py"}, "--impl 'no_such_solution.py': no such file"),
    (["properties"], True, {"impl": "tests"}, "--impl 'tests' is a directory"),
    (["properties"], True, {"impl": "README.md"}, "--impl 'README.md' is not a Python file"),
])
def test_a_target_the_suite_cannot_check_is_a_usage_error_before_anything_runs(monkeypatch, args, pyargs, options,
                                                                              words):
    # round 19: --impl without --pyargs properties passed checking nothing (exit 0); a missing file or a folder
    # gave 64 errors, one per check
    from properties.plugin import pytest_configure
    monkeypatch.chdir(ROOT)
    for variable in ("OPTORACLE_IMPL", "OPTORACLE_CMD", "OPTORACLE_PROFILE", "OPTORACLE_EXAMPLES"):
        monkeypatch.delenv(variable, raising=False)
    with pytest.raises(pytest.UsageError, match=re.escape(words)):
        pytest_configure(_Config(args, pyargs, **options))


def test_the_suite_named_by_its_package_or_its_path_is_collected_with_a_target(monkeypatch):
    from properties.plugin import pytest_configure
    monkeypatch.chdir(ROOT)
    for args, pyargs in ((["properties"], True), (["properties/test_conformance.py::test_conformance"], False)):
        config = _Config(args, pyargs, impl="examples/student_correct.py")
        pytest_configure(config)
        assert config._optoracle["impl"] == "examples/student_correct.py"
