"""Shared fixtures of optoracle's own tests."""
import pytest

from properties import hypothesis_profiles


@pytest.fixture
def mutation_profile():
    """The fast Hypothesis profile for tests that judge whole suites by pass/fail, not by minimal examples."""
    previous = hypothesis_profiles.selected()
    hypothesis_profiles.load("mutation")
    yield
    hypothesis_profiles.load(previous)
