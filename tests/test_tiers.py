"""Which of optoracle's own tests a run includes: the default local run leaves the ``heavy`` tests out, CI and
``-m heavy`` run them (README "Tests and benchmarks"); a deselected test is never silently lost."""
import types

import pytest

from conftest import heavy_tests_run, pytest_collection_modifyitems


def _config(markexpr):
    deselected = []
    hook = types.SimpleNamespace(pytest_deselected=lambda items: deselected.extend(items))
    return types.SimpleNamespace(option=types.SimpleNamespace(markexpr=markexpr), hook=hook), deselected


class _Item:
    def __init__(self, name, heavy):
        self.name, self.heavy = name, heavy

    def get_closest_marker(self, name):
        return object() if name == "heavy" and self.heavy else None


@pytest.mark.parametrize("ci, markexpr, runs", [
    (None, "not slow", False), ("", "not slow", False), ("false", "not slow", False), ("0", "not slow", False),
    ("true", "not slow", True), ("1", "not slow", True),
    (None, "heavy", True), (None, "not heavy", True),          # named: the expression itself selects
])
def test_the_default_local_run_leaves_the_heavy_tests_out_and_ci_or_naming_them_runs_them(monkeypatch, ci,
                                                                                          markexpr, runs):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    config, deselected = _config(markexpr)
    items = [_Item("light", False), _Item("heavy", True), _Item("light too", False)]
    assert heavy_tests_run(config) is runs
    pytest_collection_modifyitems(config, items)
    assert [i.name for i in items] == (["light", "heavy", "light too"] if runs else ["light", "light too"])
    # what is left out is reported as deselected (counted in pytest's summary), not dropped
    assert [i.name for i in deselected] == ([] if runs else ["heavy"])

