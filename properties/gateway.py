"""The one way a check reaches the implementation under test: a ``Target`` with course-named methods.

The target runs in a child process that speaks the protocol (PROTOCOL.md): the Python harness
for a ``.py`` file or module, or any command (``--cmd "node mine.js"``). The child is started
once per run and again after it dies (a Python harness from the process's second start on by the
fork server, ``properties/forkserver.py``); its import and every call have time limits, its memory
is bounded, its output is captured, and it is killed on a timeout. Whatever the target does
(exit, crash, hang, print, reseed numpy, eat memory), the checker sees a structured outcome of
one call: a value, or what happened instead. Every call is recorded, so a failure's
reproduction is generated from the call that failed.

``Target`` methods validate what the target returns (types, keys, shapes, dtypes, arity) and
raise ``ConformanceError`` naming the clause; comparing values is the checks' job.
"""
from __future__ import annotations

import collections
import math
import os
import re
import secrets
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import forkserver, protocol
from .failures import ConformanceError, Failure, LoadError, MissingFunction
from .harness import Server, limit_memory, pointer_parts

# The functions the checker knows; the handshake asks the target which of them it has.
COURSE_FUNCTIONS = (
    "random_mini_batches", "update_parameters_with_gd", "initialize_velocity", "update_parameters_with_momentum",
    "initialize_adam", "update_parameters_with_adam", "model", "update_lr", "schedule_lr_decay",
    "initialize_parameters", "forward_propagation", "backward_propagation", "compute_cost", "predict",
)
# The course's parameter names, in the order the checker passes them (positionally, as the course does).
ARGUMENTS = {
    "update_parameters_with_gd": ("parameters", "grads", "learning_rate"),
    "update_parameters_with_momentum": ("parameters", "grads", "v", "beta", "learning_rate"),
    "update_parameters_with_adam": ("parameters", "grads", "v", "s", "t", "learning_rate", "beta1", "beta2",
                                    "epsilon"),
    "random_mini_batches": ("X", "Y", "mini_batch_size", "seed"),
    "initialize_velocity": ("parameters",), "initialize_adam": ("parameters",),
    "initialize_parameters": ("layers_dims",), "forward_propagation": ("X", "parameters"),
    "backward_propagation": ("X", "Y", "cache"), "compute_cost": ("a3", "Y"), "predict": ("X", "y", "parameters"),
    "model": ("X", "Y", "layers_dims", "optimizer"), "update_lr": ("learning_rate0", "epoch_num", "decay_rate"),
    "schedule_lr_decay": ("learning_rate0", "epoch_num", "decay_rate", "time_interval"),
}
# Inputs a function must leave untouched (SPEC api.in-place; minibatch.no-mutation).
PROTECTED = {
    "update_parameters_with_gd": ("grads",), "update_parameters_with_momentum": ("grads",),
    "update_parameters_with_adam": ("grads",), "random_mini_batches": ("X", "Y"),
    "forward_propagation": ("X",), "backward_propagation": ("X", "Y"), "compute_cost": ("a3", "Y"),
    "predict": ("X", "y"), "model": ("X", "Y"),
}


def _seconds_from_env(name, default):
    text = os.environ.get(name)
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        raise LoadError(f"${name} must be a number of seconds, got {text!r}") from None
    if not value > 0:
        raise LoadError(f"${name} must be a positive number of seconds, got {text!r}")
    return value


def call_timeout_from_env():
    return _seconds_from_env("OPTORACLE_CALL_TIMEOUT", 10.0)


def import_timeout_from_env():
    return _seconds_from_env("OPTORACLE_IMPORT_TIMEOUT", 60.0)


def memory_limit_from_env(default):
    text = os.environ.get("OPTORACLE_MEMORY_LIMIT_MB")
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise LoadError(f"$OPTORACLE_MEMORY_LIMIT_MB must be a whole number of MiB (0: no limit), got {text!r}") \
            from None
    return value if value > 0 else None


class EarlierCall(NamedTuple):
    """A call that reached a process: its function and request line, enough to send it again; its arguments
    are decoded from the request where they are written out (a reproduction)."""
    function: str
    request: str

    def arguments(self):
        """(args, kwargs) as the call sent them."""
        message = protocol.loads(self.request)
        return tuple(protocol.decode(message.get("args", []))), protocol.decode({"dict": message.get("kwargs", {})})


@dataclass
class CallRecord:
    """One call of the target: what was sent, and what came back (or happened instead)."""
    function: str
    args: tuple
    kwargs: dict
    request: str                      # the request line sent (the protocol's JSON)
    outcome: str = "returned"         # returned | raised | exited | killed | timed out | not called
    value: object = None
    error: dict | None = None
    stdout: str = ""                  # shown: head and tail (OUTPUT_LIMIT)
    stderr: str = ""
    output: str = ""                  # all of stdout, for parsing what the call printed
    seconds: float = 0.0
    mutated: list = field(default_factory=list)
    shared: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    earlier: int = 0                  # calls the same process of the target answered before this one
    history: list = field(default_factory=list, repr=False)  # the EarlierCalls of its process, this one's ...
    position: int = 0                                         # ... at this index: history[:position] came first

    @property
    def prior(self):
        """The calls that reached the same process before this one, in order (EarlierCalls)."""
        return self.history[:self.position]

    def describe(self):
        """What happened, in words: 'raised ValueError: ...', 'exited with status 3', ..."""
        if self.outcome == "returned":
            return "returned"
        if self.outcome == "raised":
            error = self.error or {}
            if "exit_status" in error:
                return f"asked to exit with status {error.get('exit_status')}"
            message = error.get("message", "")
            return f"raised {error.get('type', 'an error')}" + (f": {message}" if message else "")
        return self.error.get("message", self.outcome) if self.error else self.outcome

    def to_json(self):
        return {"function": self.function, "request": protocol.loads(self.request), "outcome": self.outcome,
                "error": self.error, "stdout": self.stdout, "stderr": self.stderr,
                "seconds": round(self.seconds, 6)}


# ------------------------------------------------------------------------ transports
class Died(Exception):
    """The child process ended (or was killed)."""


class TimedOut(Exception):
    pass


def _describe_exit(returncode):
    if returncode is None:
        return "stopped answering"
    if returncode == forkserver.STATUS_LOST:
        return "ended (how is unknown: optoracle's fork server, which started it, is gone)"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
    return f"exited with status {returncode}"


def _limit_memory(megabytes):
    return (lambda: limit_memory(megabytes)) if megabytes else None


OUTPUT_LIMIT = 4000        # characters of captured stdout/stderr shown per call (head and tail)
READ_LIMIT = 64 << 20      # bytes of one call's stdout read back for parsing (printed costs); more is announced


TRUNCATED = "\n[optoracle: {} more bytes of output; only the lines that look like the course's kept]\n"
COURSE_LINE = re.compile(rb"^[ \t]*(?:Cost after epoch|learning rate after epoch|Accuracy)\b.*$", re.MULTILINE)


def _read_output(reader, size):
    """``size`` bytes of one call's output: all of it up to READ_LIMIT; beyond that, every line that looks
    like the course's own output (cost, learning-rate and accuracy lines), so a target that prints a lot
    (print(parameters) left in from debugging) is still judged by what it printed."""
    head = reader.read(min(size, READ_LIMIT))
    if size <= READ_LIMIT:
        return head.decode("utf-8", errors="replace")
    kept, left, carry = [], size - len(head), head[head.rfind(b"\n") + 1:]
    while left > 0:
        chunk = reader.read(min(left, 8 << 20))
        if not chunk:
            break
        left -= len(chunk)
        block = carry + chunk
        cut = block.rfind(b"\n") + 1 if left > 0 else len(block)
        kept += [m.group(0) for m in COURSE_LINE.finditer(block[:cut])]
        carry = block[cut:]
    text = head[:head.rfind(b"\n") + 1] + TRUNCATED.format(size - READ_LIMIT).encode() + b"\n".join(kept)
    return text.decode("utf-8", errors="replace")


def _clip(text):
    if len(text) <= OUTPUT_LIMIT:
        return text
    half = OUTPUT_LIMIT // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters not shown ...]\n{text[-half:]}"


class ChildTransport:
    """A child process speaking the protocol on its stdin and stdout."""

    def __init__(self, command, *, cwd=None, memory_mb=None, import_timeout=30.0, source=None):
        self.command = command
        self.source = source                  # the target's file, where there is one (for load messages)
        self.cwd = cwd
        self.memory_mb = memory_mb
        self.import_timeout = import_timeout
        self.folder = tempfile.mkdtemp(prefix="optoracle-")
        self.stdout_path = os.path.join(self.folder, "stdout")
        self.stderr_path = os.path.join(self.folder, "stderr")
        self.popen = None
        self.readers = None
        self.buffer = b""
        self.stray = []
        self.unanswered = []                  # (line, why it is no reply) on the protocol channel, this request
        self.ids = 0
        self.starts = 0
        self.launched = None                  # (output marks, handshake id, time) of a launch not yet answered
        self.load_seconds = None              # from the launch to the handshake's reply, at the last start
        self.spawn_only = False               # never a fork of the fork server

    # --- process
    def _spawn(self):
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        command = shlex.split(self.command) if isinstance(self.command, str) else list(self.command)
        env = {**os.environ, "OPTORACLE_STDOUT": self.stdout_path, "OPENBLAS_NUM_THREADS": "1",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        self.popen = None
        if self._ours() and not self.spawn_only:
            self.popen = forkserver.start(self.source, env, self.cwd, self.memory_mb, self.stderr_path)
        try:
            if self.popen is None:
                with open(self.stderr_path, "ab") as stderr:
                    self.popen = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                  stderr=stderr, cwd=self.cwd, env=env, start_new_session=True,
                                                  preexec_fn=_limit_memory(self.memory_mb))
        except (OSError, ValueError) as error:
            raise LoadError(f"cannot start {' '.join(command)!r}: {getattr(error, 'strerror', None) or error}") \
                from None
        self.poller = select.poll()                 # one per process: a wait for its reply is one system call
        self.poller.register(self.popen.stdout.fileno(), select.POLLIN)
        self.buffer = b""
        self.starts += 1

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def kill(self, descendants=None):
        """SIGKILL the child's process group, and every process descended from the child (``descendants``:
        found before, where the child may already have ended): a process the target forked into a session
        of its own is in no group of the child's and would outlive the run."""
        if self.popen is None:
            return
        stray = _descendants(self.popen.pid) if descendants is None else descendants
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for pid in stray:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.popen.stdin, self.popen.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def restart(self):
        self.kill()

    def forget(self):
        """Close this process's copies of the pipes and files, leaving the child alone: in a worker forked
        after the child started, which must neither talk to it nor keep its stdin open."""
        for stream in ((self.popen.stdin, self.popen.stdout) if self.popen else ()) + tuple(self.readers or ()):
            try:
                stream.close()
            except OSError:
                pass
        self.popen = self.readers = None

    def close(self):
        # "bye", then a moment to leave on its own: the checker needs nothing more from the process, and an
        # interpreter that imported matplotlib and scikit-learn takes half a second to shut down
        stray = _descendants(self.popen.pid) if self.popen is not None else []     # before the child ends
        if self.alive():
            try:
                self._send({"op": "bye", "id": self._next_id()})
                self.popen.wait(timeout=0.05)
            except (Died, OSError, subprocess.TimeoutExpired):
                pass
        self.kill(stray)
        for reader in self.readers or ():
            reader.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def exit_description(self):
        if self.popen is None:
            return "was not started"
        try:
            self.popen.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "stopped answering"
        return _describe_exit(self.popen.returncode)

    # --- messages
    def _ours(self):
        """Whether this child is optoracle's Python harness, which reads every request the checker writes: a
        protocol error with id null (a line it could not read) is then no reply but a line the target wrote."""
        command = shlex.split(self.command) if isinstance(self.command, str) else list(self.command)
        return self.source is not None and command == harness_command(self.source)

    def _next_id(self):
        self.ids += 1
        return self.ids

    def _send(self, message):
        self._send_line(protocol.dumps(message))

    def _send_line(self, line, timeout=None):
        """Write one request line. With ``timeout``, a child that stops reading its stdin (one stuck writing
        into a full stdout pipe while a forged line was taken for its reply) raises TimedOut, never blocks."""
        data = (line + "\n").encode()
        try:
            if timeout is None:
                self.popen.stdin.write(data)
                self.popen.stdin.flush()
                return
            self.popen.stdin.flush()
            fd, view = self.popen.stdin.fileno(), memoryview(data)
            deadline = time.monotonic() + timeout
            writable = select.poll()
            writable.register(fd, select.POLLOUT)
            os.set_blocking(fd, False)
            try:
                while view:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimedOut()
                    if not writable.poll(math.ceil(left * 1000)):
                        continue
                    try:
                        view = view[os.write(fd, view):]
                    except BlockingIOError:
                        continue
            finally:
                os.set_blocking(fd, True)
        except (BrokenPipeError, OSError, ValueError):
            raise Died() from None

    def _receive(self, ident, timeout):
        deadline = time.monotonic() + timeout
        fd = self.popen.stdout.fileno()
        while True:
            while b"\n" in self.buffer:
                line, _, self.buffer = self.buffer.partition(b"\n")
                text = line.decode("utf-8", errors="replace")
                try:
                    message = protocol.loads(text)
                except protocol.ProtocolError as error:
                    self.stray.append(text)          # the target printed onto the protocol channel
                    self.unanswered.append((text, str(error)))
                    continue
                if message.get("id") == ident or (message.get("id") is None and message.get("ok") is False and
                                                  (message.get("error") or {}).get("phase") == "protocol"
                                                  and not self._ours()):
                    return message
                self.stray.append(text)
                if "id" not in message:
                    why = "a JSON object without an id"
                elif message["id"] is None and self._ours():
                    why = "a line with id null, which optoracle's Python harness never writes in reply to the checker"
                else:
                    why = f"a JSON object with id {message.get('id')!r}, not {ident}"
                self.unanswered.append((text, why))
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimedOut()
            if not self.poller.poll(math.ceil(left * 1000)):
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise Died()
            self.buffer += chunk

    def _marks(self):
        if self.readers is None:
            for path in (self.stdout_path, self.stderr_path):
                open(path, "ab").close()
            self.readers = [open(path, "rb") for path in (self.stdout_path, self.stderr_path)]
        return tuple(os.fstat(f.fileno()).st_size for f in self.readers)

    def _output_since(self, marks):
        out = []
        for reader, mark, now in zip(self.readers, marks, self._marks()):
            if now == mark:
                out.append("")
                continue
            reader.seek(mark)
            out.append(_read_output(reader, now - mark))
        stray, self.stray = self.stray, []
        if stray:
            out[0] = "\n".join(stray) + ("\n" if out[0] else "") + out[0]
        return out

    # --- the two requests
    def launch(self, functions):
        """Start the child and send the handshake without waiting for the reply (``start`` waits for it): the
        target loads while the checker loads its own modules. Its load time limit runs from here."""
        marks = self._marks()
        self.kill()                              # what is left of a previous run (its process group)
        self._spawn()
        ident = self._next_id()
        self.launched = (marks, ident, time.monotonic())
        try:
            self._send({"op": "hello", "id": ident, "protocol": protocol.PROTOCOL, "functions": list(functions),
                        "encodings": ["base64"]})
        except Died:
            pass                                 # it died at once: start() receives nothing and says so

    def start(self, functions):
        """Start the child (unless ``launch`` did) and shake hands: the handshake reply, or LoadError."""
        if self.launched is None:
            self.launch(functions)
        (marks, ident, launched), self.launched = self.launched, None
        try:
            reply = self._receive(ident, max(0.001, self.import_timeout - (time.monotonic() - launched)))
        except TimedOut:
            self.kill()
            raise LoadError(f"did not finish loading within {self.import_timeout:g} s (set OPTORACLE_IMPORT_TIMEOUT; "
                            "does it train or wait for input when imported? Put top-level calls under "
                            "`if __name__ == \"__main__\":`)") from None
        except Died:
            stdout, stderr = self._output_since(marks)
            raise LoadError(f"{self.exit_description()} while loading{_last_line(stderr)}") from None
        self.load_seconds = time.monotonic() - launched
        stdout, stderr = self._output_since(marks)
        if "ok" not in reply or reply.get("op") == "hello":
            self.kill()
            raise LoadError(f"answered the handshake with something that is not a reply (PROTOCOL.md): "
                            f"{protocol.dumps(reply)[:120]}")
        if not reply.get("ok"):
            self.kill()
            raise LoadError(_load_failure(reply.get("error") or {}, self.source))
        if reply.get("protocol") != protocol.PROTOCOL:
            self.kill()
            if "protocol" not in reply:
                raise LoadError(f"its handshake reply names no protocol; the checker speaks {protocol.PROTOCOL!r} "
                                "(PROTOCOL.md)")
            raise LoadError(f"speaks protocol {reply.get('protocol')!r}, the checker {protocol.PROTOCOL!r}")
        reply["load_output"] = (stdout, stderr)
        return reply

    def request(self, line, ident, timeout):
        """Send one request line; returns (reply or None, outcome, description, stdout, stderr)."""
        marks = self._marks()
        self.unanswered = []
        try:
            self._send_line(line, timeout)
            reply = self._receive(ident, timeout)
        except TimedOut:
            self.kill()
            stdout, stderr = self._output_since(marks)
            return None, "timed out", f"timed out after {timeout:g} s (killed)", stdout, stderr
        except Died:
            description = self.exit_description()
            self.kill()
            stdout, stderr = self._output_since(marks)
            return None, ("killed" if "killed" in description else "exited"), description, stdout, stderr
        stdout, stderr = self._output_since(marks)
        if not self.alive():
            # it answered, then the process running it ended (the target signalled its own parent, the
            # keeper): the call is not trusted, and the next one starts afresh
            description = self.exit_description()
            self.kill()
            return None, ("killed" if "killed" in description else "exited"), description, stdout, stderr
        return reply, None, None, stdout, stderr


def _descendants(pid):
    """The pids of every process descended from ``pid`` (Linux's /proc; [] elsewhere). The keeper is its
    target's subreaper, so a process the target orphaned is still the keeper's descendant."""
    children = collections.defaultdict(list)
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children[parent].append(int(entry))
    found, todo = [], list(children.get(pid, ()))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, ()))
    return found


def _unanswered(lines, ident):
    """'; meanwhile it wrote ... ' for a call that timed out while the target wrote lines that are no reply to it
    (a reply the checker cannot read looks like no reply at all: this says what came instead)."""
    if not lines:
        return ""
    text, why = lines[0]
    shown = text if len(text) <= 160 else text[:160] + "..."
    more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
    return (f"; meanwhile it wrote {len(lines)} line{'s' if len(lines) > 1 else ''} on stdout that "
            f"{'are' if len(lines) > 1 else 'is'} no reply to call {ident} (a reply is one JSON object with the "
            f"call's id, PROTOCOL.md): {why}: {shown!r}{more}")


def near_misses(missing, others):
    """'it has update_parameters_with_Adam: the course's name is update_parameters_with_adam' for each missing
    name that the target's other functions spell differently (names are case-sensitive); '' if none."""
    import difflib
    near = []
    for name in missing:
        close = [o for o in others if o.lower() == name.lower()] or \
            difflib.get_close_matches(name, others, n=1, cutoff=0.9)
        if close:
            near.append(f"it has {close[0]}: the course's name is {name}")
    return "; ".join(near)


def _last_line(stderr):
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return f" ({lines[-1].strip()[:300]})" if lines else ""


def _load_failure(error, source=None):
    """One line for a target that could not be imported: where (the innermost line in the target's own
    folder, else the innermost line at all), what, and a hint when the file's name hides a standard module."""
    kind, message = error.get("type", "error"), error.get("message", "")
    if kind == "SystemExit":
        return f"called sys.exit({error.get('exit_status')}) while loading"
    if kind == "SyntaxError":
        return f"has a syntax error: {message}"
    frames = [line.strip() for line in (error.get("traceback") or "").splitlines()
              if line.strip().startswith("File ") and "properties/harness.py" not in line and "<frozen" not in line]
    folder = os.path.dirname(os.path.abspath(source)) + os.sep if source and os.path.exists(source) else None
    own = [line for line in frames if folder and line[5:].strip().strip('"').startswith(folder)]
    where = ""
    if source and source.startswith(("catalog:", "reference@")):
        frames = own = []                     # optoracle's own targets: the message says it all
    for line in reversed(own or frames):
        where = f" ({line.split(',')[0][5:].strip()}{',' + line.split(',')[1] if ',' in line else ''})"
        break
    text = f"raised {kind} while loading{where}: {message}" if message else f"raised {kind} while loading{where}"
    stem = os.path.splitext(os.path.basename(source))[0] if source else ""
    if stem in getattr(sys, "stdlib_module_names", ()):
        return text + (f" (the file's name {os.path.basename(source)!r} hides the standard library's module "
                       f"{stem!r} from everything it imports: rename it)")
    return text + shadowing_hint(error, folder)


def shadowing_hint(error, folder):
    """' (secrets.py in the target's folder hides ...)' when an import failed and the target's folder holds
    files named like standard modules: numpy.random importing ``secrets`` gets the student's ``secrets.py``."""
    if not folder or error.get("type") not in ("ImportError", "ModuleNotFoundError", "AttributeError"):
        return ""
    try:
        names = sorted(name for name in os.listdir(folder)
                       if name.endswith(".py") and name[:-3] in getattr(sys, "stdlib_module_names", ()))
    except OSError:
        return ""
    if not names:
        return ""
    return (f" ({', '.join(names)} in the target's folder {'hides' if len(names) == 1 else 'hide'} the standard "
            f"library's module{'' if len(names) == 1 else 's'} of the same name from everything imported after it, "
            "numpy's modules too: rename it if the error comes from there)")


class LocalTransport:
    """In-process: for the checker's own trusted candidates (the reference in each edition and the
    catalog of known mistakes) in the diagnosis and optoracle's own tests. Messages still cross as JSON,
    so values arrive exactly as a child's would."""

    def __init__(self, source, module=None):
        self.source, self.module = source, module
        self.server = None
        self.starts = 0

    def start(self, functions):
        self.server = Server(self.source, module=self.module)
        self.starts += 1
        line, _ = self.server.handle(protocol.dumps({"op": "hello", "id": 0, "functions": list(functions),
                                                     "encodings": ["base64"]}))
        reply = protocol.loads(line)
        if not reply.get("ok"):
            self.server = None
            raise LoadError(_load_failure(reply.get("error") or {}, self.source))
        return reply

    def restart(self):
        self.server = None                   # a fresh module on the next call

    def alive(self):
        return self.server is not None

    def request(self, line, ident, timeout):
        import contextlib
        import io
        import warnings
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")             # as a child would print them: to its stderr
            reply, _ = self.server.handle(line)
        stderr = err.getvalue() + "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno)
                                          for w in caught)
        return protocol.loads(reply), None, None, out.getvalue(), stderr

    def close(self):
        self.server = None


def _request_line(message, args, kwargs, binary):
    try:
        return protocol.dumps({**message, "args": [protocol.encode(a, False, binary) for a in args],
                               "kwargs": {k: protocol.encode(v, False, binary) for k, v in kwargs.items()}})
    except ValueError:
        return protocol.dumps({**message, "args": [protocol.encode(a, True, binary) for a in args],
                               "kwargs": {k: protocol.encode(v, True, binary) for k, v in kwargs.items()}})


def harness_command(source):
    return [sys.executable, "-m", "properties.harness", source]


def child_transport(source, *, command=None, import_timeout=None, memory_mb=None):
    """The child process of a target: the Python harness for ``source``, or ``command`` (not started yet)."""
    memory_mb = memory_mb if memory_mb is not None else memory_limit_from_env(None if command else 2048)
    return ChildTransport(command if command else harness_command(source), memory_mb=memory_mb,
                          import_timeout=import_timeout or import_timeout_from_env(),
                          source=None if command else source)


def launch(source, *, command=None):
    """A child process for ``source`` (or ``command``), started with its handshake sent, to be passed to
    ``Target(..., transport=...)``: the target loads while the checker is still importing its checks."""
    transport = child_transport(source, command=command)
    transport.launch(COURSE_FUNCTIONS)
    return transport


# ---------------------------------------------------------------------------- Target
class AdamResult(NamedTuple):
    parameters: dict
    v: dict
    s: dict
    v_corrected: dict | None = None
    s_corrected: dict | None = None


class Target:
    """The implementation under test, through the course's function names."""

    CRASH_LIMIT = 3            # a function that kills the child this often is not called again
    JUDGEMENT = ("profile", "detected", "undetermined", "conventions")   # what a twin is judged by, as this one

    def __init__(self, source, *, command=None, transport=None, call_timeout=None, import_timeout=None,
                 memory_mb=None):
        self.source = source
        self.command = command
        self.options = dict(command=command, call_timeout=call_timeout, import_timeout=import_timeout,
                            memory_mb=memory_mb)
        self.call_timeout = call_timeout or call_timeout_from_env()
        if transport is None:
            transport = child_transport(source, command=command, import_timeout=import_timeout, memory_mb=memory_mb)
        self.transport = transport
        self.memory_mb = getattr(transport, "memory_mb", None)
        try:
            hello = transport.start(COURSE_FUNCTIONS)
        except LoadError:
            transport.close()                  # its folder of captured output too
            raise
        self.functions = {name: info.get("parameters") for name, info in hello.get("functions", {}).items()}
        self.others = [n for n in hello.get("others") or () if isinstance(n, str)]   # its other functions' names
        self.info = hello.get("target", {})
        self.binary = "base64" in hello.get("encodings", [])
        self.notes = set(hello.get("notes", []))
        self.load_output = hello.get("load_output", ("", ""))
        self.records = collections.deque(maxlen=64)
        self.last = None
        self.given_up = {}             # function -> (why it is not called again, the call, what it did, the check)
        self.crashes = collections.Counter()
        self.calls = 0
        self._process, self._answered = None, 0     # the process's start number, and its calls so far
        self._history = []             # the EarlierCalls this process has received, in order
        # call ids from an unpredictable start (below 2**52, exact in any JSON reader): a target cannot guess the
        # ids of the replies it would forge on the protocol channel (PROTOCOL.md, section 3)
        self.ids = 1000 + secrets.randbelow(1 << 51)
        self.conventions = None        # the conventions the checks judge by (properties.conventions)
        self.detected = None
        self.judging = (None, ())      # the running check's name and clause ids (runner.run_check)
        self.reported = {}             # a problem of a function's inputs or output -> the check that met it first

    @classmethod
    def local(cls, source, module=None):
        """In-process, for the checker's own trusted code (the reference, the catalog): never a user's file."""
        return cls(source, transport=LocalTransport(source, module))

    def clone(self):
        """The same target in a new process, judged by the same conventions (for a second worker)."""
        if isinstance(self.transport, LocalTransport):
            twin = Target.local(self.source, self.transport.module)
        else:
            twin = Target(self.source, **self.options)
        twin.judge_as(self.judgement())
        return twin

    def judgement(self):
        return {name: getattr(self, name, None) for name in self.JUDGEMENT}

    def judge_as(self, judgement):
        for name, value in judgement.items():
            setattr(self, name, value)

    def replay(self, record, after=(), spawn=False):
        """The request of ``record`` sent to a fresh process of the target, which nothing called before (or
        only the calls ``after``, EarlierCalls, sent first in their order): (outcome, the value, the error or
        what ended the process: "exited with status 3"), ("ended before it", what) where one of the calls
        ``after`` ended the process, or None where no fresh process is to be had (an in-process target, one that
        does not load again) or a call ``after`` did not return. ``spawn``: a new interpreter, never a fork of
        the fork server (a fork shares the server's hash seed, which a target's results can depend on)."""
        if isinstance(self.transport, LocalTransport):
            return None
        options = {k: self.options[k] for k in ("command", "import_timeout", "memory_mb")}
        fresh = child_transport(self.source, **options)
        fresh.spawn_only = spawn
        try:
            fresh.start(COURSE_FUNCTIONS)
            for earlier in after:
                reply, outcome, description, _, _ = fresh.request(earlier.request,
                                                                  protocol.loads(earlier.request)["id"],
                                                                  self.call_timeout)
                if reply is None and outcome in ("exited", "killed"):
                    return "ended before it", description      # an earlier call ended the process: how
                if reply is None or not reply.get("ok"):
                    return None
            reply, outcome, description, _, _ = fresh.request(record.request, protocol.loads(record.request)["id"],
                                                              self.call_timeout)
        except LoadError:
            return None
        finally:
            fresh.close()
        if reply is None:
            return outcome, description
        if not reply.get("ok"):
            return "raised", reply.get("error")
        try:
            return "returned", protocol.decode(reply.get("value"))
        except protocol.ProtocolError:
            return None

    def restart(self):
        """A fresh process (or module) for the next call: state left by earlier calls is gone."""
        self.transport.restart()
        self.given_up.clear()
        self.crashes.clear()

    # ------------------------------------------------------------------ naming
    @property
    def name(self):
        return self.command or self.source

    @property
    def file(self):
        return self.info.get("file")

    def has(self, name):
        return name in self.functions

    def require(self, *names):
        missing = [n for n in names if not self.has(n)]
        if missing:
            raise MissingFunction(self.lacks(missing))

    def lacks(self, missing):
        near = near_misses(missing, self.others)
        return f"the target has no {', '.join(missing)}" + (f" ({near})" if near else "")

    def close(self):
        self.transport.close()

    # ------------------------------------------------------------------ calling
    def call(self, function, *args, observe=(), **kwargs):
        """Call ``function`` and return its value; any other outcome raises ConformanceError
        (clause None: the running check's), naming what happened and during which call."""
        self.require(function)
        self.ids += 1
        message = {"op": "call", "id": self.ids, "function": function}
        if observe:
            message["observe"] = list(observe)
        record = CallRecord(function, args, kwargs, _request_line(message, args, kwargs, self.binary))
        self.records.append(record)
        self.last = record
        if function in self.given_up:
            later, first, what, check = self.given_up[function]
            if check is not None and check == self.judging[0]:
                self._fail_call(first, what)       # the check that met it, replaying its example: that call failed
            record.outcome = "not called"
            record.error = {"message": later}
            self._fail_call(record, later)
        if not self.transport.alive():
            try:
                self.transport.start(COURSE_FUNCTIONS)
            except LoadError as error:
                record.outcome = "not called"
                self._fail_call(record, f"could not be restarted after it died: {error}")
        self.calls += 1
        if self._process != self.transport.starts:
            self._process, self._answered, self._history = self.transport.starts, 0, []
        record.earlier = self._answered
        record.history, record.position = self._history, len(self._history)
        self._history.append(EarlierCall(function, record.request))
        self._answered += 1
        reply, outcome, description, stdout, stderr = self.transport.request(record.request, self.ids,
                                                                              self.call_timeout)
        record.output = stdout
        record.stdout, record.stderr = _clip(stdout), _clip(stderr)
        if reply is None:
            record.outcome = outcome
            record.error = {"message": description}
            # a timed-out call's transport has kept the lines that came instead of the reply
            meanwhile = _unanswered(getattr(self.transport, "unanswered", ()), self.ids) \
                if outcome == "timed out" else ""
            what = f"{description} during {function}{meanwhile}" + self._memory_hint(description, stderr)
            if outcome == "timed out":
                self._give_up(function, record, what, f"{description} during {function} earlier in "
                                                      "this run (OPTORACLE_CALL_TIMEOUT); not called again")
            else:
                self.crashes[function] += 1
                if self.crashes[function] >= self.CRASH_LIMIT:
                    self._give_up(function, record, what, f"{description} during {function}, {self.crashes[function]} "
                                                          "times in this run; not called again")
            self._fail_call(record, what)
        record.seconds = reply.get("seconds", 0.0)
        record.notes = reply.get("notes", [])
        self.notes.update(record.notes)
        if not reply.get("ok"):
            record.outcome = "raised"
            record.error = reply.get("error") or {}
            if record.error.get("phase") == "protocol":
                message = record.error.get("message") or ""
                if message.startswith(protocol.UNENCODABLE):          # the call ran; its value is at fault
                    self._fail_call(record, f"{function} returned a value that cannot be sent back "
                                            f"({message[len(protocol.UNENCODABLE):]}): the course's "
                                            "functions return arrays, dicts, lists and tuples of them, and numbers")
                self._fail_call(record, f"the harness did not understand the call: {message}")
            if record.error.get("type") == "MemoryError":
                what = f"ran out of memory during {function} (limit {self.memory_mb} MiB, OPTORACLE_MEMORY_LIMIT_MB)"
                self._give_up(function, record, what, f"{what} earlier in this run; not called again")
                self.transport.restart()                   # a process that ran out of memory is not reused
                self._fail_call(record, what)
            if record.error.get("type") == "SystemExit":
                self._fail_call(record, f"called sys.exit({record.error.get('exit_status')}) during {function}")
            if "exit_status" in record.error:
                self._fail_call(record, f"asked to exit with status {record.error['exit_status']} during {function}")
            folder = os.path.dirname(self.file) + os.sep if self.file else None
            self._fail_call(record, f"{function} {record.describe()}" + shadowing_hint(record.error, folder))
        try:
            record.value = protocol.decode(reply.get("value"))
        except protocol.ProtocolError as error:
            self._fail_call(record, f"{function}'s reply could not be read: {error}")
        record.mutated = reply.get("mutated")                 # None: the harness does not observe mutations
        record.shared = reply.get("shared")
        self._check_mutation(record)
        return record.value

    def _give_up(self, function, record, what, later):
        """``function`` is not called again in this process's run: ``what`` happened in ``record``'s call. The
        check that met it, replaying its example, fails with that call; every later call says ``later``
        (with the check that met it)."""
        check = self.judging[0]
        if check is not None:
            later = later.replace(" earlier in this run", f" earlier in this run (in {check})", 1) \
                if " earlier in this run" in later else f"{later} (first in {check})"
        self.given_up[function] = (later, record, what, check)

    def _memory_hint(self, description, stderr):
        if self.memory_mb and "MemoryError" in stderr:
            return f" (the memory limit is {self.memory_mb} MiB: OPTORACLE_MEMORY_LIMIT_MB)"
        if self.memory_mb and ("SIGKILL" in description or "SIGSEGV" in description):
            return f" (if it ran out of memory: the limit is {self.memory_mb} MiB, OPTORACLE_MEMORY_LIMIT_MB)"
        return ""

    def _fail_call(self, record, what):
        kind = {"raised": "raised", "timed out": "timed out", "exited": "exited", "killed": "killed"}.get(
            record.outcome, "not called")
        if record.error and record.error.get("type") == "SystemExit":
            kind = "exited"
        raise ConformanceError(Failure(None, what, kind=kind, call=record,
                                       details=_traceback_tail(record.error)))

    def _check_mutation(self, record):
        names = ARGUMENTS.get(record.function, ())
        protected = PROTECTED.get(record.function, ())
        for pointer in record.mutated or ():
            parts = pointer_parts(pointer)
            if parts[0] == "args" and len(parts) > 1 and parts[1].isdigit():
                index = int(parts[1])
                name = names[index] if index < len(names) else f"argument {index}"
            else:
                name = parts[1] if len(parts) > 1 else pointer
            if name in protected:
                key = f"['{parts[2]}']" if len(parts) > 2 else ""
                clause = "minibatch.no-mutation" if record.function == "random_mini_batches" else "api.in-place"
                if self._reported_elsewhere(("mutated", record.function, name), clause):
                    continue           # reported by one check, and by its clause's own: the others judge the values
                raise ConformanceError(Failure(
                    clause, f"{record.function} mutated its input '{name}'{key}, which the spec does not allow "
                            "(only parameters, v and s may be updated in place)", kind="mutated", call=record,
                    key=parts[2] if len(parts) > 2 else None, output=pointer))

    # ------------------------------------------------------- course functions
    def update_parameters_with_gd(self, parameters, grads, learning_rate):
        out = self.call("update_parameters_with_gd", parameters, grads, learning_rate)
        self._expect_none_missing(out, "update_parameters_with_gd")
        return self._state(out, parameters, "parameters", "", inputs=(parameters, grads))

    def update_parameters_with_momentum(self, parameters, grads, v, beta, learning_rate):
        name = "update_parameters_with_momentum"
        out = self._tuple(self.call(name, parameters, grads, v, beta, learning_rate), (2,), name)
        inputs = (parameters, grads, v)
        return (self._state(out[0], parameters, "parameters", "[0]", inputs),
                self._state(out[1], parameters, "v", "[1]", inputs, prefix="d"))

    def update_parameters_with_adam(self, parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999,
                                    epsilon=1e-8):
        name = "update_parameters_with_adam"
        arity = getattr(self.conventions, "adam_returns", None)
        out = self.call(name, parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon)
        self._expect_none_missing(out, name)
        if isinstance(out, tuple) and len(out) in (3, 5) and arity is not None and len(out) != arity:
            from .compare import convention_sentence
            sentence = convention_sentence(self, "adam_returns", len(out))
            self._invalid(Failure(
                "adam.returns", f"{name} returns {len(out)} values; the conventions judged here return {arity} "
                f"({_ADAM_FORMS[arity]})", kind="returns", call=self.last, diagnosis=sentence,
                diagnosis_id=f"convention:adam_returns={len(out)}"))
        out = self._tuple(out, (arity,) if arity else (3, 5), name)
        inputs = (parameters, grads, v, s)
        states = [self._state(out[0], parameters, "parameters", "[0]", inputs)]
        for i, label in enumerate(("v", "s", "v_corrected", "s_corrected")[:len(out) - 1], start=1):
            states.append(self._state(out[i], parameters, label, f"[{i}]", inputs, prefix="d"))
        return AdamResult(*states)

    def initialize_velocity(self, parameters):
        out = self.call("initialize_velocity", parameters, observe=("shared",))
        self._expect_none_missing(out, "initialize_velocity")
        return self._state(out, parameters, "v", "", (parameters,), prefix="d", clause="state.init")

    def initialize_adam(self, parameters):
        name = "initialize_adam"
        out = self._tuple(self.call(name, parameters, observe=("shared",)), (2,), name)
        return (self._state(out[0], parameters, "v", "[0]", (parameters,), prefix="d", clause="state.init"),
                self._state(out[1], parameters, "s", "[1]", (parameters,), prefix="d", clause="state.init"))

    def random_mini_batches(self, X, Y, mini_batch_size, seed):
        name = "random_mini_batches"
        out = self.call(name, X, Y, mini_batch_size, seed)
        self._expect_none_missing(out, name)
        if not isinstance(out, (list, tuple)) or not all(isinstance(b, (list, tuple)) and len(b) == 2 for b in out):
            self._returns(name, f"must return a list of (mini_batch_X, mini_batch_Y) pairs, got {_kind(out)}")
        batches = []
        for k, (bx, by) in enumerate(out):
            if not isinstance(bx, np.ndarray) or not isinstance(by, np.ndarray):
                self._returns(name, f"batch {k} holds {_kind(bx)} and {_kind(by)}, expected numpy arrays")
            batches.append((bx, by))
        return batches

    def initialize_parameters(self, layers_dims):
        out = self.call("initialize_parameters", list(layers_dims))
        self._expect_none_missing(out, "initialize_parameters")
        shapes = {}
        for l in range(1, len(layers_dims)):
            shapes[f"W{l}"] = (layers_dims[l], layers_dims[l - 1])
            shapes[f"b{l}"] = (layers_dims[l], 1)
        return self._dict_of(out, shapes, "initialize_parameters", "parameters", "", inputs=(), clause="init.he")

    def forward_propagation(self, X, parameters):
        name = "forward_propagation"
        out = self._tuple(self.call(name, X, parameters), (2,), name)
        a3 = out[0]
        if not isinstance(a3, np.ndarray) or a3.shape != (1, X.shape[1]):
            self._returns(name, f"must return a3 of shape (1, {X.shape[1]}), got {_kind(a3)}")
        self._dtype(a3, (X, parameters), name, "a3")
        return a3, out[1]

    def backward_propagation(self, X, Y, cache):
        name = "backward_propagation"
        out = self.call(name, X, Y, cache)
        self._expect_none_missing(out, name)
        if not isinstance(out, dict):
            self._returns(name, f"must return a dict of gradients, got {_kind(out)}")
        return out

    def compute_cost(self, a3, Y):
        name = "compute_cost"
        out = self.call(name, a3, Y)
        self._expect_none_missing(out, name)
        value = np.asarray(out) if isinstance(out, (np.ndarray, float, int)) else None
        if value is None or value.size != 1 or value.dtype.kind not in "fiu":
            self._returns(name, f"must return a number, got {_kind(out)}")
        return float(value.reshape(()))

    def predict(self, X, y, parameters):
        """(predictions, accuracy or None): the course's predict returns p and prints the accuracy."""
        name = "predict"
        out = self.call(name, X, y, parameters)
        self._expect_none_missing(out, name)
        predictions, accuracy = (out[0], out[1]) if isinstance(out, tuple) and len(out) == 2 else (out, None)
        if not isinstance(predictions, np.ndarray) or predictions.shape != (1, X.shape[1]):
            self._returns(name, f"must return predictions of shape (1, {X.shape[1]}), got {_kind(predictions)}")
        return predictions, accuracy

    def model(self, X, Y, layers_dims, optimizer, **hyperparameters):
        """(parameters, printed lines)."""
        name = "model"
        out = self.call(name, X, Y, list(layers_dims), optimizer, **hyperparameters)
        self._expect_none_missing(out, name)
        if not isinstance(out, dict):
            self._returns(name, f"must return the trained parameters dict (the course's `return parameters`), "
                                f"got {_kind(out)}")
        for key, array in out.items():
            if isinstance(array, np.ndarray):
                self._dtype(array, (X,), name, f"parameters[{key!r}]")
        return out, self.last.output.splitlines()

    def decay(self, function, learning_rate0, epoch_num, decay_rate, *extra):
        out = self.call(function, learning_rate0, epoch_num, decay_rate, *extra)
        value = np.asarray(out) if isinstance(out, (np.ndarray, float, int)) else None
        if value is None or value.size != 1 or value.dtype.kind not in "fiu":
            self._returns(function, f"must return a learning rate (a number), got {_kind(out)}")
        return float(value.reshape(()))

    # ------------------------------------------------------------ validation
    def _returns(self, name, what, clause="api.signatures"):
        self._invalid(Failure(clause, f"{name} {what}", kind="returns", call=self.last))

    def _invalid(self, failure):
        """Raise the failure of an output that cannot be judged. The first check (in this process) that meets
        it fails, and so does the check of its clause; another check that calls the function and meets the
        same problem is skipped, naming the check that reported it: its own clauses cannot be judged."""
        first = self._reported_elsewhere((failure.call.function, failure.clause), failure.clause)
        if first:
            raise MissingFunction(f"not judged: {failure.call.function}'s output fails {failure.clause} "
                                  f"(reported by {first})")
        raise ConformanceError(failure)

    def _reported_elsewhere(self, problem, clause):
        """The check that met ``problem`` first in this process, where that is another check and the running
        one does not verify ``clause``; else None: the running check reports it. Outside a check (the
        conventions' probes, the diagnosis) every problem is reported."""
        check, clauses = self.judging
        first = self.reported.setdefault(problem, check) if check else None
        return first if first != check and clause not in clauses else None

    def _expect_none_missing(self, out, name):
        if out is None:
            self._returns(name, "returned None (did you forget a return statement?)")

    def _tuple(self, out, sizes, name):
        self._expect_none_missing(out, name)
        if not isinstance(out, (tuple, list)) or len(out) not in sizes:
            got = f"a tuple of {len(out)}" if isinstance(out, (tuple, list)) else _kind(out)
            self._returns(name, f"must return a tuple of {' or '.join(map(str, sizes))}, got {got}")
        return tuple(out)

    def _state(self, out, parameters, label, output, inputs, prefix="", clause="api.signatures"):
        shapes = {f"{prefix}{k}": np.shape(p) for k, p in parameters.items()}
        return self._dict_of(out, shapes, self.last.function, label, output, inputs, clause)

    def _dict_of(self, out, shapes, name, label, output, inputs, clause="api.signatures"):
        """Check keys, array type and shape (a wrong shape is filed under ``clause``: the function's own
        clause for the initialisers, whose whole job is the shapes) and the dtype."""
        if not isinstance(out, dict):
            self._returns(name, f"must return {label} as a dict, got {_kind(out)}")
        missing = [k for k in shapes if k not in out]
        if missing:
            self._returns(name, f"returned {label} without the keys {missing} (it has {sorted(out, key=str)})", clause)
        for k, shape in shapes.items():
            if not isinstance(out[k], np.ndarray):
                self._returns(name, f"{label}[{k!r}] is {_kind(out[k])}, expected a numpy array")
            if out[k].shape != tuple(shape):
                self._invalid(Failure(
                    clause, f"{name} returned {label}[{k!r}] of shape {out[k].shape}, expected {tuple(shape)}",
                    kind="returns", call=self.last))
            self._dtype(out[k], inputs, name, f"{label}[{k!r}]")
        return out

    def _dtype(self, array, inputs, name, label):
        if array.dtype.kind == "f" and array.dtype.itemsize < 8 and _all_float64(inputs):
            self._invalid(Failure(
                "api.dtype", f"{name} returned {label} as {array.dtype.name} for float64 inputs: it computes in "
                f"{array.dtype.name} (a cast, or a {array.dtype.name} constant, somewhere)", kind="returns",
                call=self.last))


_ADAM_FORMS = {3: "(parameters, v, s)", 5: "(parameters, v, s, v_corrected, s_corrected)"}


def _all_float64(inputs):
    found = False
    for value in inputs:
        for a in (value.values() if isinstance(value, dict) else [value]):
            if isinstance(a, np.ndarray) and a.dtype.kind == "f":
                if a.dtype != np.float64:
                    return False
                found = True
    return found


def _kind(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, protocol.Opaque):
        return f"a {value.type_name}"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    return "None" if value is None else type(value).__name__


def _traceback_tail(error):
    """The last lines of a target's traceback, without the harness's own frames, for the report."""
    lines, skip = [], False
    for line in ((error or {}).get("traceback") or "").splitlines():
        if line.startswith("  File "):
            skip = "properties/harness.py" in line
        if not skip:
            lines.append(line)
    return lines[-6:]

