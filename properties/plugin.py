"""The pytest plugin (registered through the ``pytest11`` entry point). Inert unless asked.

A pytest run that does not select optoracle's checks (no ``--impl``, no ``$OPTORACLE_IMPL``, no
``--pyargs properties``) imports nothing from optoracle but this module, changes no Hypothesis
setting and adds no header. Selected, it runs the conformance suite against the target::

    pytest --pyargs properties --impl=path/to/your_solution.py [--profile 2021] [--examples dev]

Options (and their environment variables): ``--impl`` (``OPTORACLE_IMPL``), ``--impl-cmd``
(``OPTORACLE_CMD``, a target in another language), ``--profile`` (``OPTORACLE_PROFILE``, default
auto), ``--examples`` (``OPTORACLE_EXAMPLES``, default ci).
"""
from __future__ import annotations

import os

import pytest

PROFILES = ("auto", "seed", "course", "2019", "2021")       # reference.conventions.EDITIONS, plus auto
EXAMPLES = ("ci", "dev", "thorough", "mutation", "smoke")           # properties.settings.NAMES


def pytest_addoption(parser):
    group = parser.getgroup("optoracle", "optoracle conformance suite")
    group.addoption("--impl", default=None, metavar="TARGET",
                    help="implementation under test: a .py path, a module name, reference[@EDITION] "
                         "(default: $OPTORACLE_IMPL)")
    group.addoption("--impl-cmd", default=None, metavar="COMMAND",
                    help="a target in any language: a command speaking optoracle's protocol (default: $OPTORACLE_CMD)")
    group.addoption("--profile", default=None, metavar="PROFILE",
                    help=f"auto (default) or an edition: {', '.join(PROFILES[1:])} (default: $OPTORACLE_PROFILE)")
    group.addoption("--examples", default=None, metavar="BUDGET",
                    help=f"examples per check: {', '.join(EXAMPLES)} (default: $OPTORACLE_EXAMPLES or ci)")


def _selection(config):
    impl = config.getoption("impl") or os.environ.get("OPTORACLE_IMPL")
    command = config.getoption("impl_cmd") or os.environ.get("OPTORACLE_CMD")
    return impl, command


def _selected(config):
    impl, command = _selection(config)
    return bool(impl or command) or "properties" in (config.getoption("pyargs", False) and config.args or [])


def pytest_configure(config):
    if not _selected(config):
        return
    profile = config.getoption("profile") or os.environ.get("OPTORACLE_PROFILE") or "auto"
    if profile not in PROFILES:
        raise pytest.UsageError(f"optoracle: unknown profile {profile!r}; profiles: {', '.join(PROFILES)}")
    examples = config.getoption("examples") or os.environ.get("OPTORACLE_EXAMPLES") or "ci"
    if examples not in EXAMPLES:
        raise pytest.UsageError(f"optoracle: unknown examples budget {examples!r}; budgets: {', '.join(EXAMPLES)}")
    impl, command = _selection(config)
    if impl and not command:
        from .targets import target_problem
        problem = target_problem(impl)
        if problem:
            raise pytest.UsageError(f"optoracle: --impl {problem}")
    if (impl or command) and not _suite_requested(config):
        # a target named, and nothing of the conformance suite collected: the run would pass checking nothing
        raise pytest.UsageError("optoracle: a target is named (--impl, --impl-cmd, $OPTORACLE_IMPL or $OPTORACLE_CMD), "
                                "but the conformance suite is not collected: add --pyargs properties")
    config._optoracle = {"impl": impl, "command": command, "profile": profile, "examples": examples}


def _suite_requested(config):
    """Whether the command line collects the conformance suite: ``--pyargs properties[.test_conformance]``, or a
    path into this package's folder."""
    here = os.path.dirname(os.path.abspath(__file__))
    for arg in config.args:
        name = arg.split("::")[0]
        if config.getoption("pyargs", False) and (name == "properties" or name.startswith("properties.")):
            return True
        path = os.path.abspath(name)
        if path == here or path.startswith(here + os.sep):
            return True
    return False


def pytest_report_header(config):
    selection = getattr(config, "_optoracle", None)
    if selection is None:
        return None
    target = selection["command"] or selection["impl"] or "(none: pass --impl or set OPTORACLE_IMPL)"
    return [f"optoracle: target {target}; profile {selection['profile']}; examples {selection['examples']}"]


@pytest.fixture(scope="session")
def optoracle_target(pytestconfig):
    """The implementation under test, started once per session (a child process)."""
    selection = getattr(pytestconfig, "_optoracle", None)
    if selection is None or not (selection["impl"] or selection["command"]):
        pytest.skip("optoracle: no target selected (pass --impl=TARGET or set OPTORACLE_IMPL)")
    from properties.failures import LoadError
    from properties.runner import open_target
    try:
        target = open_target(selection["impl"], command=selection["command"], profile=selection["profile"])
    except LoadError as error:
        pytest.fail(f"optoracle: cannot load target {selection['command'] or selection['impl']!r}: {error}",
                    pytrace=False)
    yield target
    target.close()
