"""The fork server: a Python target started by a fork of a warm process is the process a new interpreter
would be, and every outcome of the process (its exit status, its signal, its memory limit) reaches the
checker as it does from a spawned one (the process-level cases of tests/test_containment.py run both ways)."""
import json
import os
import signal
import sys

from conftest import ROOT
from properties import forkserver
from properties.runner import open_target, run_suite

RECORDS_ITSELF = '''
import sys
LOOKED_FOR = {{"random", "numpy.random", "secrets", "resource", "socket", "subprocess", "properties.harness",
              "properties.forkserver"}}
loaded_first = sorted(set(sys.modules) & LOOKED_FOR)        # before this file imports anything
import json, os, random, resource
import numpy as np
sys.path.insert(0, {correct_folder!r})
from student_correct import *  # noqa: F401,F403
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("hypothesis", "pytest", "sympy", "reference", "golden",
                                                             "optoracle", "xdist"))
with open({records!r}, "a") as records:
    records.write(json.dumps({{"cwd": os.getcwd(), "path0": sys.path[0], "keeper_leads": os.getsid(0) == os.getppid(),
                              "heavy": heavy, "memory": resource.getrlimit(resource.RLIMIT_AS)[0],
                              "mpl": os.environ.get("MPLBACKEND"), "stdout": os.environ.get("OPTORACLE_STDOUT"),
                              "loaded": loaded_first, "main": sys.modules["__main__"].__file__,
                              "numpy": float(np.random.random()), "random": random.random(),
                              "ps": [open(f"/proc/{{pid}}/cmdline", "rb").read().replace(b"\\0", b" ").decode().strip()
                                     for pid in (os.getpid(), os.getppid())]}}) + "\\n")   # its keeper's
'''


def _start(source, mode, monkeypatch):
    monkeypatch.setenv("OPTORACLE_FORK_SERVER", "1" if mode == "forked" else "0")
    target = open_target(str(source))
    kind = type(target.transport.popen).__name__
    target.close()
    return kind


def test_a_forked_harness_is_the_process_a_new_interpreter_would_be(tmp_path, monkeypatch):
    records = tmp_path / "records"
    source = tmp_path / "records_itself.py"
    source.write_text(RECORDS_ITSELF.format(correct_folder=os.path.join(ROOT, "examples"), records=str(records)))
    kinds = [_start(source, mode, monkeypatch) for mode in ("spawned", "forked", "forked")]
    assert kinds == ["Popen", "ForkedProcess", "ForkedProcess"]
    spawned, *forked = [json.loads(line) for line in records.read_text().splitlines()]
    for record in forked:
        for key in ("cwd", "path0", "heavy", "memory", "mpl", "loaded", "main", "ps"):
            assert record[key] == spawned[key], key
        assert record["stdout"] and record["stdout"] != spawned["stdout"]      # its own output file
    assert spawned["heavy"] == [] and spawned["cwd"] == str(tmp_path) and spawned["memory"] == 2048 * 1024 * 1024
    assert spawned["loaded"] == [] and spawned["main"].endswith(os.path.join("properties", "harness.py"))
    assert spawned["ps"] == [f"{sys.executable} -m properties.harness {source}"] * 2     # as `ps` shows them
    assert spawned["keeper_leads"] and all(r["keeper_leads"] for r in forked)     # its own session, its keeper's
    # numpy's and random's global generators start afresh in every process, as in a new interpreter
    assert len({r["numpy"] for r in forked + [spawned]}) == 3 and len({r["random"] for r in forked}) == 2


def test_a_start_in_another_environment_is_spawned_not_forked(tmp_path, monkeypatch):
    source = os.path.join(ROOT, "examples", "student_correct.py")
    assert _start(source, "forked", monkeypatch) == "ForkedProcess"
    monkeypatch.setenv("PYTHONHASHSEED", "7")          # read when a process starts: the server's differs
    assert _start(source, "forked", monkeypatch) == "Popen"


def test_a_fork_server_that_is_gone_is_replaced(monkeypatch):
    source = os.path.join(ROOT, "examples", "student_correct.py")
    assert _start(source, "forked", monkeypatch) == "ForkedProcess"
    gone = forkserver._server.process
    gone.kill()
    gone.wait()
    assert _start(source, "forked", monkeypatch) == "ForkedProcess" and forkserver._server.process is not gone


def test_a_target_whose_fork_server_is_gone_runs_on_and_its_end_is_still_seen(monkeypatch):
    monkeypatch.setenv("OPTORACLE_FORK_SERVER", "1")
    target = open_target(os.path.join(ROOT, "examples", "student_correct.py"))
    try:
        process = target.transport.popen
        forkserver._server.process.kill()               # its parent: nobody passes its exit status on now
        forkserver._server.process.wait()
        report = run_suite(target=target, examples="mutation", clauses=["gd.update"])
        assert report.conforms and target.transport.popen is process and process.poll() is None
        os.killpg(process.pid, signal.SIGKILL)
        assert target.transport.exit_description() == \
            "ended (how is unknown: optoracle's fork server, which started it, is gone)"
        assert not target.transport.alive()
    finally:
        target.close()
