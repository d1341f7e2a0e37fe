"""A smoke run: the reference, in each edition, through the whole suite. Not a test of the checks (they
cannot fail on the reference they are written against; tests/test_catalog.py is); a test that the suite
runs end to end, in parallel workers, and that the reference keeps its own promises."""

import pytest

from properties.runner import run_suite


@pytest.mark.heavy                 # a whole run, in two workers (the default run keeps the examples' whole runs)
def test_the_reference_in_the_2021_edition_conforms_to_it_through_the_whole_suite_in_two_workers():
    report = run_suite("reference@2021", "2021", "smoke", jobs=2)
    assert report.conforms and not report.advisories, [(r.name, r.failure.what) for r in report.failed]
    assert report.count("skipped") == 0 and report.count("passed") == len(report.results)
