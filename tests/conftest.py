"""Shared helpers of optoracle's own tests."""
import os
import pathlib
import sys

import pytest

# Python writes bytecode caches by default; an environment that turns this off (PYTHONDONTWRITEBYTECODE, as
# this project's machines do) has each of the seventy-odd Python processes a run starts (workers, harnesses,
# command lines) compile the same modules again: a fresh clone's run took 30 to 33 s instead of 26 to 28.
# The test run writes them (__pycache__, git-ignored; README "Tests and benchmarks"); the targets' processes
# still write none, the checker starts them with PYTHONDONTWRITEBYTECODE=1.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
# pytest-xdist already keeps both cores busy; checks in a test run in one worker (the parallel runner has
# its own test, tests/test_smoke.py)
os.environ.setdefault("OPTORACLE_JOBS", "1")
# two workers on two cores: BLAS and OpenMP threads in each would only fight over them (set before numpy loads)
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from properties import settings     # imports no Hypothesis: the xdist controller loads this file too, before
#                                    it starts the workers, and needs none of the checks

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:            # `pytest` as well as `python -m pytest`: the examples import as `examples`
    sys.path.insert(0, ROOT)
TARGETS = os.path.join(ROOT, "tests", "targets")


@pytest.fixture
def mutation_examples():
    """The fast budget for tests that judge checks by pass/fail, not by minimal examples."""
    with settings.use("mutation"):
        yield


def trusted(source, profile="auto"):
    """optoracle's own code (the reference, a catalog entry) as a target, in-process: fast, and the same
    encoding, observation and validation as a child process. Built for an edition (``...@EDITION``, the
    catalog's default seed), its conventions are known: they are taken instead of detected."""
    from reference.conventions import EDITIONS, complete
    edition = source.rpartition("@")[2] if "@" in source else ("seed" if source.startswith("catalog:") else None)
    known = complete(EDITIONS[edition]) if edition else None
    from properties.runner import open_target
    return open_target(source, profile=profile, local=True, known=known)


def target_file(name):
    return os.path.join(TARGETS, name)


def correct_target(folder, name, body=""):
    """(path, marks): a correct target ``name`` in ``folder`` (examples/student_correct.py's functions) with
    ``body`` added, which may use os, sys, threading, time, the example as ``_correct`` and ``MARKS``: a file
    in ``folder`` it may write to (a pathlib.Path; not created here)."""
    marks = pathlib.Path(folder) / "marks"
    source = os.path.join(str(folder), name)
    with open(source, "w") as out:
        out.write("import os, sys, threading, time\n"
                  f"sys.path.insert(0, {os.path.join(ROOT, 'examples')!r})\n"
                  "from student_correct import *  # noqa\n"
                  "import student_correct as _correct\n"
                  f"MARKS = {str(marks)!r}\n" + body)
    return source, marks


def diagnosis_of(source, function):
    """(text, identifier) of the diagnosis of ``function`` in the file ``source``, run as a user's file is."""
    from properties.diagnosis import diagnose
    from properties.runner import open_target
    target = open_target(str(source))
    try:
        return diagnose(target, function)
    finally:
        target.close()


def heavy_tests_run(config):
    """Whether this run includes the tests marked ``heavy``: under CI (``$CI`` set, as .ci/run does), or
    when ``-m`` names them; the default local run leaves them out (README "Tests and benchmarks")."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or "heavy" in (getattr(config.option, "markexpr", "") or "")


def pytest_collection_modifyitems(config, items):
    if heavy_tests_run(config):
        return
    left = [item for item in items if item.get_closest_marker("heavy")]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = [item for item in items if not item.get_closest_marker("heavy")]


HEAVY_LEFT_OUT = ("the heavy tests (each loads a second or more of CPU: optoracle or pytest in a new interpreter, "
                  "whole runs of the JavaScript port and in two workers, the editions' published course files, "
                  "PyTorch, matplotlib) are left out of this run; CI=true or `-m heavy` runs them")


def pytest_report_header(config):
    return None if heavy_tests_run(config) else f"optoracle: {HEAVY_LEFT_OUT}"


def pytest_terminal_summary(terminalreporter, config):
    if not heavy_tests_run(config) and not getattr(config, "workerinput", None):
        terminalreporter.write_line(f"optoracle: {HEAVY_LEFT_OUT}")


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """With pytest-xdist (`pytest -n 2`), schedule by work stealing: a few tests take seconds (a whole
    check run) and most take milliseconds, which the default batches balance badly."""
    if getattr(config.option, "numprocesses", None) and getattr(config.option, "dist", None) == "load":
        config.option.dist = "worksteal"


def pytest_collection_finish(session):
    """What is loaded by now (pytest, numpy, SymPy, Hypothesis, the project, every test item) lives for the
    whole run: frozen, and with fewer collections (as in the optoracle command), the collector's passes took
    about 1 s of the run's CPU instead of 3 s."""
    import gc
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
