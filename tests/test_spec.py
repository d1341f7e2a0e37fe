"""SPEC.md is the source of clause ids: every check, failure and catalog entry names one that exists."""
import os
import re

from properties import CHECKS
from properties.catalog import CATALOG

ROOT = os.path.dirname(os.path.dirname(__file__))
with open(os.path.join(ROOT, "SPEC.md")) as f:
    SPEC_CLAUSES = set(re.findall(r"^### `([a-z0-9.-]+)`", f.read(), flags=re.M))


def test_spec_defines_each_clause_once():
    with open(os.path.join(ROOT, "SPEC.md")) as f:
        ids = re.findall(r"^### `([a-z0-9.-]+)`", f.read(), flags=re.M)
    assert len(ids) == len(set(ids)) and len(ids) >= 30


def test_every_check_names_clauses_defined_in_spec():
    for info in CHECKS.values():
        assert set(info.clauses) <= SPEC_CLAUSES, (info.name, set(info.clauses) - SPEC_CLAUSES)


def test_every_catalog_entry_names_clauses_defined_in_spec():
    for entry in CATALOG.values():
        assert set(entry.caught_by) <= SPEC_CLAUSES, (entry.name, set(entry.caught_by) - SPEC_CLAUSES)


def test_every_clause_raised_in_the_code_is_defined_in_spec():
    raised = set()
    for folder in ("properties",):
        for name in os.listdir(os.path.join(ROOT, folder)):
            if name.endswith(".py"):
                with open(os.path.join(ROOT, folder, name)) as f:
                    text = f.read()
                raised |= set(re.findall(r'ConformanceError\(\s*"([a-z0-9.-]+)"', text))
                raised |= set(re.findall(r'clause="([a-z0-9.-]+)"', text))
                raised |= set(re.findall(r'ph\.fail\(\s*"([a-z0-9.-]+)"', text))
    assert raised and raised <= SPEC_CLAUSES, raised - SPEC_CLAUSES
