"""The golden fixtures the checks and the diagnosis use, read and verified once per process."""
from __future__ import annotations

import functools

from .failures import ConformanceError, Failure


@functools.lru_cache(maxsize=None)
def fixture(name):
    """(entries, manifest) of a verified golden fixture; a broken one fails golden.integrity."""
    import golden
    try:
        return golden.load(name), golden.read_manifest()
    except golden.GoldenError as error:
        raise ConformanceError(Failure("golden.integrity", str(error), kind="fixture")) from None


def moons():
    """The seed-3 moons as stored (SPEC data.moons): X (2, 300), Y (1, 300). Never a live make_moons call."""
    entries, _ = fixture("dataset.json")
    return entries["X"], entries["Y"]


def group(entries, prefix):
    """{'W1': array, ...} from flat keys 'prefix/W1', ...."""
    n = len(prefix) + 1
    return {k[n:]: v for k, v in entries.items() if k.startswith(prefix + "/") and "/" not in k[n:]}
