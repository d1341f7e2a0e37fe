"""Whether a name can be a Python target, said in one line before anything starts (the command line and
the pytest plugin alike): a missing file, a directory, another language's file."""
from __future__ import annotations

import os
import shlex
import sys

# the usual interpreter of a harness written in another language, for the hint below
RUNNERS = {".js": "node", ".mjs": "node", ".cjs": "node", ".ts": "npx tsx", ".jl": "julia", ".r": "Rscript",
           ".rb": "ruby", ".lua": "lua", ".m": "octave", ".sh": "sh"}


def target_problem(target):
    """A one-line reason why ``target`` cannot be a Python target, or None."""
    looks_like_path = target.endswith(".py") or os.sep in target or os.path.exists(target)
    if target == "reference" or target.startswith(("reference@", "catalog:")):
        return None
    if not looks_like_path:
        return None if _is_module(target) else f"{target!r}: no such file, and no module of that name"
    if not os.path.exists(target):
        return f"{target!r}: no such file"
    if os.path.isdir(target):
        return f"{target!r} is a directory; name the .py file that defines the course functions"
    if not target.endswith(".py"):
        runner = RUNNERS.get(os.path.splitext(target)[1].lower())
        example = (f", e.g. --cmd {shlex.quote(runner + ' ' + target)}" if runner else
                   ", e.g. --cmd 'node harness.js'")
        return (f"{target!r} is not a Python file; for an implementation in another language run its harness "
                f"with --cmd (see PROTOCOL.md){example}")
    return None


def _is_module(name):
    """Whether ``name``'s top-level package or module can be found from here (the harness imports from the
    current folder too); found without importing anything: the target is never run in this process."""
    import importlib.machinery
    top = name.split(".")[0]
    if not top.isidentifier():
        return False
    return importlib.machinery.PathFinder.find_spec(top, [os.getcwd(), *sys.path]) is not None or \
        top in sys.builtin_module_names
