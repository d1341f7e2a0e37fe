"""Nothing a target does takes the checker down or changes its verdict on another function.

Each hostile target (tests/targets/hostile/) fails the checks of the function that misbehaves, with a
message naming what happened, and the other checks go on in a fresh child process.
"""
import os
import tempfile
import time

import pytest

from conftest import TARGETS, correct_target
from properties.failures import LoadError
from properties.gateway import launch
from properties.runner import run_suite

HOSTILE = os.path.join(TARGETS, "hostile")


GD_AND_MOMENTUM = ["check_gd_update_is_p_minus_lr_g",
                   "check_gd_with_zero_gradient_or_zero_learning_rate_leaves_p_unchanged",
                   "check_momentum_update_matches_the_ema_rule"]


def run(name, clauses=None):
    report = run_suite(os.path.join(HOSTILE, name), examples="mutation", names=GD_AND_MOMENTUM,
                       clauses=list(clauses) if clauses else None)
    by_clause = {}
    for result in report.results:
        by_clause.setdefault(result.clause, []).append(result)
    return report, by_clause


def failures(report, clause):
    return [r.failure for r in report.results if r.status == "failed" and r.clause == clause]


@pytest.fixture(params=["spawned", "forked"])
def started(request, monkeypatch):
    """A process-level case both ways: the target's harness started as a new interpreter, and forked by the
    fork server (properties/forkserver.py), which a checker uses from its second start on."""
    monkeypatch.setenv("OPTORACLE_FORK_SERVER", "0" if request.param == "spawned" else "1")
    return request.param


@pytest.fixture
def quick_limits(monkeypatch):
    monkeypatch.setenv("OPTORACLE_CALL_TIMEOUT", "0.3")
    monkeypatch.setenv("OPTORACLE_IMPORT_TIMEOUT", "1")


def test_sys_exit_inside_a_function_fails_its_checks_and_the_others_go_on():
    report, _ = run("exits_in_a_function.py")
    found = failures(report, "gd.update")
    assert found and found[0].what == "called sys.exit(3) during update_parameters_with_gd"
    assert not failures(report, "momentum.ema") and any(r.status == "passed" for r in report.results
                                                        if "momentum.ema" in r.clauses)


def test_os_exit_inside_a_function_is_named_and_a_fresh_child_runs_the_rest(started):
    report, _ = run("os_exit_in_a_function.py")
    found = failures(report, "gd.update")
    assert found and found[0].what == "exited with status 3 during update_parameters_with_gd"
    assert not failures(report, "momentum.ema")


def test_a_target_that_signals_its_parent_signals_a_keeper_and_changes_no_verdict(started):
    report, _ = run("kills_its_parent.py")          # SIGTERM to its parent: the checker would have died of it
    assert report.conforms and report.count("passed") == len(GD_AND_MOMENTUM), \
        [r.failure.what for r in report.failed]


def test_a_hang_in_python_times_out_and_the_function_is_not_called_again(quick_limits):
    report, _ = run("hangs_in_python.py")
    found = failures(report, "gd.update")
    assert len(found) >= 2 and all(f.what.startswith("timed out after 0.3 s (killed) during update_parameters_with_gd")
                                   for f in found)
    assert any("not called again" in f.what for f in found)
    assert not failures(report, "momentum.ema")


def test_a_hang_inside_one_c_call_is_killed_on_the_time_limit(quick_limits, started):
    report, _ = run("hangs_in_a_c_call.py", clauses=("gd.update",))
    assert len(report.results) == 2
    assert failures(report, "gd.update")[0].what.startswith("timed out after 0.3 s (killed) during "
                                                            "update_parameters_with_gd")


def test_a_crash_of_the_interpreter_is_named_by_its_signal(started):
    report, _ = run("crashes_the_interpreter.py")
    found = failures(report, "gd.update")
    assert found and found[0].what.startswith("was killed by SIGSEGV during update_parameters_with_gd")
    assert not failures(report, "momentum.ema")


def test_a_memory_bomb_runs_out_of_the_memory_limit_not_of_the_machines(monkeypatch, started):
    monkeypatch.setenv("OPTORACLE_MEMORY_LIMIT_MB", "700")
    report, _ = run("eats_memory.py")
    found = failures(report, "gd.update")
    assert found and found[0].what.startswith("ran out of memory during update_parameters_with_gd (limit 700 MiB")
    assert not failures(report, "momentum.ema")


def test_a_target_that_reseeds_numpys_global_generator_changes_no_verdict():
    report = run_suite(os.path.join(HOSTILE, "reseeds_the_global_rng.py"), examples="mutation",
                       clauses=["gd.update", "minibatch.seed"])            # gd reseeds, then the shuffles run
    assert report.conforms and report.count("passed") == 4, [r.failure.what for r in report.failed]


def test_prints_and_writes_to_file_descriptor_1_never_reach_the_protocol(started):
    report, _ = run("prints_everywhere.py")
    assert report.conforms, [r.failure.what for r in report.failed]
    assert "hello from import" in report.load_output[0]


@pytest.mark.parametrize("name, words", [
    ("exits_at_import.py", "called sys.exit(3) while loading"),
    ("raises_at_import.py", "raised NameError while loading"),
    ("has_a_syntax_error.py", "has a syntax error"),
])
def test_a_target_that_cannot_be_loaded_is_one_clear_error_and_leaves_nothing_behind(name, words, quick_limits,
                                                                                     started, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))    # where the child's captured output is kept
    with pytest.raises(LoadError) as info:
        run_suite(os.path.join(HOSTILE, name), examples="mutation", clauses=["gd.update"])
    assert words in str(info.value) and "\n" not in str(info.value)
    assert os.listdir(tmp_path) == []


def test_a_target_that_takes_too_long_to_load_is_one_clear_error_counted_from_its_launch(monkeypatch):
    # `optoracle check` starts the target, then imports its checks: that time is the target's, not extra
    monkeypatch.setenv("OPTORACLE_IMPORT_TIMEOUT", "0.5")
    transport = launch(os.path.join(HOSTILE, "sleeps_at_import.py"))      # sleeps 60 s when imported
    time.sleep(0.7)                                     # longer than the limit
    start = time.monotonic()
    with pytest.raises(LoadError) as info:
        run_suite(transport=transport, examples="mutation", clauses=["gd.update"])
    assert str(info.value).startswith("did not finish loading within 0.5 s (set OPTORACLE_IMPORT_TIMEOUT;")
    assert "\n" not in str(info.value) and time.monotonic() - start < 0.5     # not another 0.5 s from here


# ---------------------------------------------------------------- what a target's own processes do
def _gone(pid, within=5.0):
    from properties.forkserver import running
    deadline = time.monotonic() + within
    while running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_target_that_leaves_the_process_group_is_still_killed_on_a_time_limit(tmp_path, quick_limits, started):
    source, marks = correct_target(tmp_path, "leaves_its_group.py", (
        "os.setsid()                                   # out of the group the checker kills\n"
        "open(MARKS, 'a').write(f'{os.getpid()}\\n')\n"
        "def update_parameters_with_gd(parameters, grads, learning_rate):\n"
        "    while True:\n"
        "        pass\n"))
    report = run_suite(source, examples="mutation", clauses=["gd.update"])
    assert failures(report, "gd.update")[0].what.startswith("timed out after 0.3 s (killed)")
    assert all(_gone(int(pid)) for pid in marks.read_text().split())     # no process left spinning


def test_a_thread_the_target_never_ends_does_not_keep_its_process_alive(tmp_path, started):
    source, marks = correct_target(tmp_path, "never_ending_thread.py", (
        "os.setsid()\n"
        "open(MARKS, 'a').write(f'{os.getpid()}\\n')\n"
        "threading.Thread(target=lambda: time.sleep(3600), daemon=False).start()\n"))
    report = run_suite(source, examples="mutation", clauses=["gd.update"])
    assert report.conforms
    assert all(_gone(int(pid)) for pid in marks.read_text().split())


def test_a_process_the_target_forks_during_a_call_never_answers_the_checker(tmp_path, started):
    source, _ = correct_target(tmp_path, "forks_in_a_call.py", (
        "def update_parameters_with_gd(parameters, grads, learning_rate):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        sys.exit(0)            # the child returns into whatever called it: here, the harness\n"
        "    os.waitpid(pid, 0)\n"
        "    return _correct.update_parameters_with_gd(parameters, grads, learning_rate)\n"))
    report = run_suite(source, examples="mutation", clauses=["gd.update"])
    assert report.conforms and report.count("passed") == 3, [r.failure.what for r in report.failed]


@pytest.mark.parametrize("module", ["resource", "properties"])     # a standard module; optoracle's package
def test_a_sibling_module_imports_as_in_the_notebook_whatever_its_name(module, tmp_path, started):
    (tmp_path / f"{module}.py").write_text("LAYERS = [2, 5, 2, 1]\n")
    source, _ = correct_target(tmp_path, f"uses_its_{module}_module.py", f"from {module} import LAYERS\n")
    report = run_suite(source, examples="mutation", clauses=["gd.update"])
    assert report.conforms, [r.failure.what for r in report.failed]


FORKS_A_SESSION = '''
def update_parameters_with_gd(parameters, grads, learning_rate):
    pid = os.fork()
    if pid == 0:                                    # a child in a session of its own, which sleeps on
        os.setsid()
        if os.fork() == 0:                          # and its own child, orphaned at once
            with open(MARKS, "a") as marks:
                marks.write(f"{os.getpid()}\\n")
            time.sleep(60)
        os._exit(0)
    os.waitpid(pid, 0)
    return _correct.update_parameters_with_gd(parameters, grads, learning_rate)
'''


def test_processes_a_target_forks_into_sessions_of_their_own_do_not_outlive_the_run(started, tmp_path):
    source, marks = correct_target(tmp_path, "forks_a_session.py", FORKS_A_SESSION)
    report = run_suite(source, examples="mutation", names=["check_gd_update_is_p_minus_lr_g"])
    assert report.conforms, [r.failure.what for r in report.failed]
    pids = [int(p) for p in marks.read_text().split()]
    assert pids
    deadline = time.monotonic() + 5
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in pids if os.path.exists(f"/proc/{p}") and
                 not open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"]
        time.sleep(0.05)
    assert alive == [], f"{len(alive)} of {len(pids)} forked processes outlived the run"


FORGES = (
    "import fcntl, json\n"
    "def _protocol_pipes():                        # the harness's reply pipe: a write-only pipe among its fds\n"
    "    found = []\n"
    "    for name in os.listdir('/proc/self/fd'):\n"
    "        try:\n"
    "            fd = int(name)\n"
    "            pipe = os.readlink(f'/proc/self/fd/{name}').startswith('pipe:')\n"
    "            if pipe and fcntl.fcntl(fd, fcntl.F_GETFL) & 3 == 1:\n"
    "                found.append(fd)\n"
    "        except OSError:\n"
    "            pass\n"
    "    return found\n"
    "def update_parameters_with_gd(parameters, grads, learning_rate):\n"
    "    error = {'type': 'ProtocolError', 'message': 'forged', 'phase': 'protocol'}\n"
    "    forged = [{'id': None, 'ok': False, 'error': error}]\n"
    "    forged += [{'id': i, 'ok': True, 'value': None, 'seconds': 0.0, 'mutated': []} for i in range(1000, 1200)]\n"
    "    for fd in _protocol_pipes():\n"
    "        os.write(fd, ''.join(json.dumps(line) + '\\n' for line in forged).encode())\n"
    "    return _correct.update_parameters_with_gd(parameters, grads, learning_rate)\n")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="finds the protocol's pipe through Linux's /proc")
def test_replies_a_target_forges_on_the_protocol_pipe_are_never_taken_for_the_harness(tmp_path, started):
    # round 17's h20, h21: a protocol error with id null, and replies with the ids a run's calls used to have,
    # written by the target onto the harness's reply pipe before the real reply
    source, _ = correct_target(tmp_path, "forges_replies.py", FORGES)
    report = run_suite(source, examples="mutation", names=GD_AND_MOMENTUM)
    assert report.conforms and report.count("passed") == len(GD_AND_MOMENTUM), [r.failure.what for r in report.failed]
