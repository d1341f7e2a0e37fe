"""The pytest plugin (registered through the ``pytest11`` entry point).

Options: ``--impl TARGET`` (or ``$OPTORACLE_IMPL``; default ``reference``) and
``--profile seed|course`` (or ``$OPTORACLE_PROFILE``; default ``seed``). The
Hypothesis profile comes from ``--hypothesis-profile`` or ``$HYPOTHESIS_PROFILE``
(default ``ci``). Run the conformance suite from any folder with::

    pytest --pyargs properties --impl=path/to/your_solution.py --profile course
"""
from __future__ import annotations

import pytest

from . import hypothesis_profiles
from .target import PROFILES, default_profile, default_spec, load_target


def pytest_addoption(parser):
    group = parser.getgroup("optoracle", "optoracle conformance suite")
    group.addoption("--impl", default=None, metavar="TARGET",
                    help="implementation under test: 'reference', a module name or a .py path "
                         "(default: $OPTORACLE_IMPL or reference)")
    group.addoption("--profile", default=None, choices=list(PROFILES),
                    help="spec profile: seed (Adam epsilon inside the root, default) or course (outside); "
                         "default: $OPTORACLE_PROFILE or seed")


def _hypothesis_profile_name(config):
    try:
        return config.getoption("hypothesis_profile") or hypothesis_profiles.selected()
    except ValueError:
        return hypothesis_profiles.selected()


def pytest_configure(config):
    config._optoracle_spec = config.getoption("impl") or default_spec()
    config._optoracle_profile = config.getoption("profile") or default_profile()
    if config._optoracle_profile not in PROFILES:
        raise pytest.UsageError(f"unknown optoracle profile {config._optoracle_profile!r}: "
                                f"expected one of {', '.join(PROFILES)}")
    config._optoracle_hypothesis = hypothesis_profiles.load(_hypothesis_profile_name(config))


def pytest_report_header(config):
    spec = config._optoracle_spec
    try:
        target = load_target(spec, config._optoracle_profile)
        where = target.file
    except Exception as error:  # the header must not hide the real error; the impl fixture reports it
        where = f"cannot be loaded: {type(error).__name__}: {error}"
    from hypothesis import settings
    current = settings()
    seed = "derandomized" if current.derandomize else "random (use --hypothesis-seed to fix)"
    return [f"optoracle: target {spec} ({where})",
            f"optoracle: profile {config._optoracle_profile} (Adam epsilon "
            f"{PROFILES[config._optoracle_profile]} the root); hypothesis profile "
            f"{config._optoracle_hypothesis}, {current.max_examples} examples, seed {seed}"]


@pytest.fixture(scope="session")
def impl(pytestconfig):
    """The implementation under test, as a :class:`properties.target.Target`."""
    try:
        return load_target(pytestconfig._optoracle_spec, pytestconfig._optoracle_profile)
    except Exception as error:
        pytest.fail(f"optoracle: cannot load target {pytestconfig._optoracle_spec!r}: "
                    f"{type(error).__name__}: {error}", pytrace=False)
