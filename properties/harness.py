"""The Python harness: serves one Python target over the protocol (PROTOCOL.md).

    python -m properties.harness TARGET

TARGET is a ``.py`` file (its folder goes first on ``sys.path``, so the course's
``opt_utils.py`` beside it imports, and becomes the working directory), an importable module,
``reference`` or ``reference@EDITION`` (the reference in an edition's signatures), or
``catalog:NAME[@EDITION]`` (one of optoracle's known wrong implementations).

The harness runs in the target's own process. It reads requests from stdin and writes replies
to stdout; the target's own prints go to the file named by ``$OPTORACLE_STDOUT`` (or nowhere),
never into the protocol. It observes what needs the target's memory: the inputs a call
mutated and, on request, the returned arrays that share one buffer.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import signal
import sys
import time
import traceback

import numpy as np

from . import protocol

# NumPy 1.24 removed these aliases; course code of 2017-2021 uses ``np.int``. The harness maps
# them back as NumPy < 1.24 did and says so in the reply ("notes"), never silently.
REMOVED_NUMPY_ALIASES = {"int": int, "float": float, "bool": bool, "object": object, "complex": complex,
                         "str": str, "long": int, "unicode": str}


def _install_numpy_aliases(notes):
    original = getattr(np, "__getattr__", None)

    def __getattr__(name):
        if name in REMOVED_NUMPY_ALIASES:
            notes.add(f"np.{name}")
            return REMOVED_NUMPY_ALIASES[name]
        if original is None:
            raise AttributeError(f"module 'numpy' has no attribute {name!r}")
        return original(name)
    np.__getattr__ = __getattr__


class _NotebookShell:
    """What ``get_ipython()`` gives a notebook exported as a script (``jupyter nbconvert --to script`` writes
    ``%matplotlib inline`` as ``get_ipython().run_line_magic('matplotlib', 'inline')``): every method does
    nothing and returns None, and the report says so."""

    def __init__(self, notes):
        self._notes = notes

    def __getattr__(self, name):
        def ignored(*args, **kwargs):
            self._notes.add(f"get_ipython().{name}")
        return ignored


def _install_get_ipython(notes):
    """A target's own process only: ``get_ipython`` among the builtins, unless something defines it already."""
    import builtins
    if not hasattr(builtins, "get_ipython"):
        builtins.get_ipython = lambda: _NotebookShell(notes)


def load(source, own_process=False):
    """The module a TARGET names (see the module docstring). ``own_process``: in the target's own process
    (``main``), never in the checker's (LocalTransport)."""
    if source == "reference" or source.startswith("reference@"):
        import reference
        if "@" not in source:
            return reference
        from reference.editions import edition_module
        return edition_module(_edition(source.split("@", 1)[1]))
    if source.startswith("catalog:"):
        from .catalog import module_for
        name, _, edition = source[len("catalog:"):].partition("@")
        return module_for(name, _edition(edition) if edition else "seed")
    if source.endswith(".py") or os.sep in source:
        path = os.path.abspath(source)
        folder = os.path.dirname(path)
        sys.path.insert(0, folder)
        os.chdir(folder)
        if own_process:
            _forget_optoracle()
        name = os.path.splitext(os.path.basename(path))[0]
        module_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
        return module
    sys.path.insert(0, os.getcwd())
    return importlib.import_module(source)


def _forget_optoracle():
    """The harness's own package leaves sys.modules before a user's file loads (the harness keeps what it
    holds): a ``properties.py`` beside the file imports as it does in the notebook, not optoracle's."""
    for name in [n for n in sys.modules if n == "properties" or n.startswith("properties.")]:
        del sys.modules[name]


def _edition(name):
    from reference.conventions import EDITIONS
    if name not in EDITIONS:
        raise ValueError(f"unknown edition {name!r}; editions: {', '.join(EDITIONS)}")
    return name


def describe_parameters(function):
    """[{"name", "kind", "default"?}] of a Python function, or None if it has no signature."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    out = []
    for p in signature.parameters.values():
        entry = {"name": p.name, "kind": p.kind.name.lower()}
        if p.default is not inspect.Parameter.empty:
            entry["default"] = protocol.encode(p.default) if _plain(p.default) else {
                "object": {"type": type(p.default).__name__, "repr": repr(p.default)[:200]}}
        out.append(entry)
    return out


def _plain(value):
    return value is None or isinstance(value, (bool, int, float, str))


def exit_status(exc):
    """The status a process ends with on ``exc``: a SystemExit's code as ``sys.exit`` maps it (None -> 0, a
    message -> 1), 1 for any other exception, 0 for none."""
    if exc is None:
        return 0
    if isinstance(exc, SystemExit):
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 1


def _error(exc, phase):
    error = {"type": type(exc).__name__, "message": str(exc), "phase": phase}
    if isinstance(exc, SystemExit):
        code = exc.code
        error["exit_status"] = exit_status(exc)
        error["message"] = "" if code is None or isinstance(code, int) else str(code)
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__)
    error["traceback"] = "".join(frames)[-4000:]
    return error


def pointer_token(key):
    """A key as a JSON Pointer token (RFC 6901): '~' -> '~0', '/' -> '~1'."""
    return str(key).replace("~", "~0").replace("/", "~1")


def pointer_parts(pointer):
    """A JSON Pointer's tokens, unescaped (the inverse of ``pointer_token``): '/args/1/dW1' -> ['args', '1', 'dW1']."""
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/")]


def _leaves(value, path=""):
    """(JSON pointer, array) for every array inside ``value``."""
    if isinstance(value, np.ndarray):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}/{pointer_token(k)}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}/{i}")


def snapshot(value):
    """A copy of the containers and arrays of a decoded argument (everything else is immutable)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: snapshot(v) for k, v in value.items()}
    if isinstance(value, list):
        return [snapshot(v) for v in value]
    if isinstance(value, tuple):
        return tuple(snapshot(v) for v in value)
    return value


def changed(before, after, path=""):
    """JSON pointers of the parts of ``after`` that differ from the snapshot ``before``."""
    if isinstance(before, np.ndarray):
        same = (isinstance(after, np.ndarray) and before.shape == after.shape and before.dtype == after.dtype
                and before.tobytes() == after.tobytes())
        return [] if same else [path]
    if isinstance(before, dict):
        if not isinstance(after, dict) or before.keys() != after.keys():
            return [path]
        return [p for k in before for p in changed(before[k], after[k], f"{path}/{pointer_token(k)}")]
    if isinstance(before, (list, tuple)):
        if type(before) is not type(after) or len(before) != len(after):
            return [path]
        return [p for i, (b, a) in enumerate(zip(before, after)) for p in changed(b, a, f"{path}/{i}")]
    try:
        same = before == after or (isinstance(before, float) and before != before and isinstance(after, float)
                                   and after != after)
        return [] if same else [path]
    except Exception:                                           # noqa: BLE001 - an odd object compares unequal
        return [path]


def shared_buffers(value):
    """Groups of JSON pointers into ``value`` whose arrays share memory."""
    leaves = list(_leaves(value))
    groups, seen = [], set()
    for i, (path, a) in enumerate(leaves):
        if i in seen:
            continue
        group = [path] + [q for j, (q, b) in enumerate(leaves[i + 1:], start=i + 1)
                          if j not in seen and np.shares_memory(a, b) and not seen.add(j)]
        if len(group) > 1:
            groups.append(group)
    return groups


class Server:
    """Answers protocol requests for one module (in the target's process, or in-process for
    the checker's own trusted candidates)."""

    def __init__(self, source, flush=lambda: None, module=None, own_process=False):
        self.source = source
        self.own_process = own_process
        self.given = module
        self.module = None
        self.binary = False          # reply with base64 arrays once the checker says it reads them
        self.notes = set()
        self.flush = flush
        self.pid = os.getpid()       # the process that answers; a copy the target forks never does

    def _end_a_fork_of_the_target(self, exc=None):
        """A process the target forked during a call and that returned into the harness ends here, as it
        would at the top of a script: it must neither answer the checker nor read its requests."""
        if os.getpid() != self.pid:
            exit_now(exit_status(exc))

    def handle(self, line):
        """One request line -> one reply line. A malformed request gets a structured protocol error; only
        the target's own call can raise anything else, and that is caught in ``call``."""
        try:
            message = protocol.loads(line)
        except protocol.ProtocolError as error:
            return protocol.dumps(_protocol_error(None, error)), {}
        op, ident = message.get("op"), message.get("id")
        try:
            if op == "hello":
                return protocol.dumps({"id": ident, **self.hello(message)}), message
            if op == "call":
                try:
                    reply, value = self.call(message)
                    if not reply["ok"]:
                        return protocol.dumps({"id": ident, **reply}), message
                    return protocol.encode_message({"id": ident, **reply}, {"value": value}, self.binary), message
                except protocol.ProtocolError:
                    raise                                       # the request itself (its arguments) is at fault
                except Exception as error:  # noqa: BLE001 - the value returned (observing or encoding it)
                    raise protocol.ProtocolError(f"{protocol.UNENCODABLE}{type(error).__name__}"
                                                 f"{': ' + str(error) if str(error) else ''}") from None
            if op == "bye":
                return protocol.dumps({"id": ident, "ok": True}), message
            raise protocol.ProtocolError(f"unknown op {op!r}")
        except Exception as error:                              # noqa: BLE001 - a bad request, never the target
            return protocol.dumps(_protocol_error(ident, error)), message

    def hello(self, message):
        if message.get("protocol", protocol.PROTOCOL) != protocol.PROTOCOL:
            raise protocol.ProtocolError(f"this harness speaks {protocol.PROTOCOL}, the checker "
                                         f"{message.get('protocol')!r}")
        encodings = message.get("encodings", [])
        self.binary = isinstance(encodings, list) and "base64" in encodings
        if self.given is None:
            _install_numpy_aliases(self.notes)
        if self.own_process:
            _install_get_ipython(self.notes)
        try:
            self.module = self.given if self.given is not None else load(self.source, self.own_process)
        except BaseException as exc:                            # noqa: BLE001 - reported, never raised
            self.flush()
            return {"ok": False, "error": _error(exc, "load")}
        finally:
            self.flush()
        functions = {}
        for name in message.get("functions", []):
            fn = getattr(self.module, name, None)
            if callable(fn):
                functions[name] = {"parameters": describe_parameters(fn)}
        others = sorted(name for name, value in vars(self.module).items() if inspect.isfunction(value)
                        and not name.startswith("_") and name not in functions)[:200]
        return {"ok": True, "protocol": protocol.PROTOCOL, "functions": functions, "others": others,
                "encodings": ["base64"],
                "target": {"source": self.source, "language": f"python {sys.version.split()[0]}",
                           "numpy": np.__version__, "file": getattr(self.module, "__file__", None)},
                "notes": sorted(self.notes)}

    def _function(self, name):
        fn = getattr(self.module, name, None)
        if not callable(fn):
            raise protocol.ProtocolError(f"the target has no function {name!r}")
        return fn

    def call(self, message):
        if self.module is None:
            raise protocol.ProtocolError("call before hello")
        if not isinstance(message.get("function"), str):
            raise protocol.ProtocolError("a call names its function: \"function\": \"update_parameters_with_gd\"")
        fn = self._function(message["function"])
        args, kwargs, observe = message.get("args", []), message.get("kwargs", {}), message.get("observe", [])
        if not isinstance(args, list) or not isinstance(kwargs, dict) or not isinstance(observe, list):
            raise protocol.ProtocolError("a call's args is a list, its kwargs an object, its observe a list")
        args = protocol.decode(args, self._function)
        kwargs = protocol.decode({"dict": kwargs}, self._function)
        before = snapshot((args, kwargs))
        notes_before = set(self.notes)
        start = time.perf_counter()
        try:
            value = fn(*args, **kwargs)
        except BaseException as exc:                            # noqa: BLE001 - reported, never raised
            self._end_a_fork_of_the_target(exc)
            self.flush()
            return {"ok": False, "error": _error(exc, "call"), "seconds": time.perf_counter() - start}, None
        self._end_a_fork_of_the_target()
        seconds = time.perf_counter() - start
        self.flush()
        reply = {"ok": True, "seconds": seconds,
                 "mutated": changed(before[0], args, "/args") + changed(before[1], kwargs, "/kwargs")}
        if "shared" in observe:
            reply["shared"] = shared_buffers(value)
        if self.notes - notes_before:
            reply["notes"] = sorted(self.notes - notes_before)
        return reply, value


def _protocol_error(ident, error):
    message = str(error) if isinstance(error, protocol.ProtocolError) else \
        f"{type(error).__name__}: {error}".rstrip(": ")
    return {"id": ident, "ok": False, "error": {"type": "ProtocolError", "message": message, "phase": "protocol"}}


def _redirect_stdio():
    """Keep the protocol on private copies of fds 0 and 1: the target reads nothing from stdin
    (``input()`` sees end of file) and its stdout goes to $OPTORACLE_STDOUT."""
    protocol_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    protocol_out = os.fdopen(os.dup(1), "w", encoding="utf-8", newline="\n")
    target = os.environ.get("OPTORACLE_STDOUT") or os.devnull
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.close(fd)
    sys.stdout = os.fdopen(1, "w", encoding="utf-8", errors="replace", buffering=1, closefd=False)
    sys.stdin = open(os.devnull, encoding="utf-8")
    return protocol_in, protocol_out


def _keep():
    """Fork: the target runs in the child, under a keeper that only waits and passes its exit on (a signal
    as the same signal). The target's parent is then the keeper, not the checker, and the keeper ignores
    every signal it can: a target that signals its parent (os.kill(os.getppid(), SIGTERM)) changes
    nothing; only SIGKILL ends the keeper (the checker's kill of the process group, or the target's own
    doing, which ends its run and is reported)."""
    if not hasattr(os, "fork"):
        return
    keeper = os.getpid()
    _adopt_orphans()
    pid = os.fork()
    if pid == 0:
        _die_with(keeper)
        return
    for number in signal.valid_signals():
        if number not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
            try:
                signal.signal(number, signal.SIG_IGN)
            except (OSError, ValueError):
                pass
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def limit_memory(megabytes):
    """Bound the address space of this process (a target's, before it loads) to ``megabytes`` MiB."""
    import resource                                             # Unix only, as the limit
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER = 1, 36


def _prctl(option, value):
    """Linux's prctl(option, value): True where it was made."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        return False
    return True


def _adopt_orphans():
    """Linux: the keeper becomes its target's subreaper, so that a process the target forks and orphans
    stays the keeper's descendant, where the checker finds and kills it when the run ends."""
    _prctl(PR_SET_CHILD_SUBREAPER, 1)


def _die_with(keeper):
    """Linux: the target's process is killed when its keeper is. The checker kills the keeper's process
    group; a target that left it (``os.setsid()``) would otherwise go on running, a hang at full CPU."""
    if not _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL)):
        return
    if os.getppid() != keeper:                      # the keeper was killed before the request took effect
        os._exit(1)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m properties.harness TARGET", file=sys.stderr)
        return 2
    _keep()
    protocol_in, protocol_out = _redirect_stdio()
    server = Server(argv[0], flush_output, own_process=True)
    for line in protocol_in:
        if not line.strip():
            continue
        reply, message = server.handle(line)
        protocol_out.write(reply + "\n")
        protocol_out.flush()
        if message.get("op") == "bye":
            break
    return 0


def flush_output():
    """Flush what the target printed (to its output file, never to the protocol)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:                                       # noqa: BLE001 - a closed stream is the target's doing
            pass


def exit_now(code):
    """End the process without waiting for threads the target started and never ended (a non-daemon
    thread would keep it alive after the checker is gone) and without the target's atexit handlers."""
    flush_output()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
