"""Shared helpers of optoracle's own tests."""
import os

import pytest

from properties import settings
from properties.runner import open_target

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = os.path.join(ROOT, "tests", "targets")


@pytest.fixture
def mutation_examples():
    """The fast budget for tests that judge checks by pass/fail, not by minimal examples."""
    with settings.use("mutation"):
        yield


def trusted(source, profile="auto"):
    """optoracle's own code (the reference, a catalog entry) as a target, in-process: fast, and the same
    encoding, observation and validation as a child process."""
    return open_target(source, profile=profile, local=True)


def target_file(name):
    return os.path.join(TARGETS, name)
