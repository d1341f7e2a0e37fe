"""optoracle's cache folder: SymPy's derivations, the reference's long training runs, Hypothesis's files.

``$OPTORACLE_CACHE``, else ``$XDG_CACHE_HOME/optoracle``, else ``~/.cache/optoracle``. What is kept there
is derived again when it is missing or unreadable; deleting the folder changes nothing but the time.
"""
from __future__ import annotations

import os


def cache_dir():
    return os.environ.get("OPTORACLE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "optoracle")


def store(path, write):
    """``write(temporary)`` then rename it to ``path``: a reader never sees half a file, and two processes
    writing the same file each write their own. A cache that cannot be written is no error."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        base, extension = os.path.splitext(path)
        temporary = f"{base}.{os.getpid()}.tmp{extension}"
        write(temporary)
        os.replace(temporary, path)
    except OSError:
        pass
