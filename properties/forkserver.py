"""A fork server for the Python harness: a process that has imported numpy and the harness, and forks
a fresh harness process for each start of a Python target.

A new interpreter that imports numpy costs a checker about 0.15 s of CPU per start; a fork of this
process costs a few milliseconds. A checker process starts its first Python target as a new
interpreter, and starts the fork server at its second ($OPTORACLE_FORK_SERVER: 1, from the first; 0,
never): optoracle's own test run starts about sixty targets, ``optoracle check`` one per worker (so a
fork server only when a target has to be restarted after a crash). A forked harness is the process a
spawned one would be when it loads the target: the same modules (numpy and the harness, nothing of the
checker or of the server: ``SPAWNED``), the environment asked for, its own session, its memory limit,
``sys.argv`` as the harness's (and the command line ``ps`` shows), ``random`` and ``numpy.random`` not
imported yet (seeded from the OS when the target imports them). A start in an environment that differs
from the server's in anything read at start-up is spawned instead, and so is every start when the server
cannot serve it.

    python -m properties.forkserver FD        (FD: its end of a SOCK_SEQPACKET socket pair with the checker)

One request per message, four file descriptors with it (SCM_RIGHTS): the harness's stdin, stdout and
stderr, and the write end of a pipe on which the server writes the process's wait status when it
ends. The request is JSON: ``{"source", "env", "cwd", "memory_mb"}``; the reply ``{"pid": N}``. The
server ends when the checker's end of the socket closes.
"""
from __future__ import annotations

import sys

from . import harness

# what `python -m properties.harness` has loaded when it loads a target (numpy, the protocol and their
# standard modules): a forked harness forgets every other module before it loads the target, so that a
# target's sibling `resource.py`, or numpy.random's first import of `secrets`, meets what it would meet
# in a new interpreter, and `random` and `numpy.random` are seeded afresh when the target imports them
SPAWNED = frozenset(sys.modules)

import atexit  # noqa: E402 - after SPAWNED: the server's own modules
import ctypes  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

STATUS_LOST = -1000          # the returncode of a process whose wait status the server could not pass on


# ------------------------------------------------------------------------------------------ server
def serve(channel):
    statuses = {}                                          # pid -> the write end of its status pipe
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)         # a handler, so that the wakeup fd is written
    signal.set_wakeup_fd(wake_write)
    while True:
        try:
            ready, _, _ = select.select([channel, wake_read], [], [])
        except InterruptedError:
            continue
        if wake_read in ready:
            while True:
                try:
                    if not os.read(wake_read, 512):
                        break
                except BlockingIOError:
                    break
        _reap(statuses)
        if channel not in ready:
            continue
        try:
            message, fds, _, _ = socket.recv_fds(channel, 1 << 16, 4)
        except InterruptedError:
            continue
        if not message:
            return                                          # the checker is gone
        try:
            request = json.loads(message)
            if len(fds) != 4:
                raise ValueError(f"a request brings 4 file descriptors, got {len(fds)}")
            pid = os.fork()
        except Exception as error:                          # noqa: BLE001 - the checker spawns instead
            for fd in fds:
                os.close(fd)
            channel.send(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode())
            continue
        if pid == 0:
            _child(request, fds)                            # never returns
        for fd in fds[:3]:
            os.close(fd)
        statuses[pid] = fds[3]
        channel.send(json.dumps({"pid": pid}).encode())


def _reap(statuses):
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = statuses.pop(pid, None)
        if fd is not None:
            try:
                os.write(fd, f"{status}\n".encode())
            except OSError:
                pass
            os.close(fd)


def _child(request, fds):
    """In the forked process: become what ``subprocess`` would have started, then run the harness."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        for fd, target in zip(fds[:3], (0, 1, 2)):
            os.dup2(fd, target)
        os.closerange(3, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 4096)
        os.environ.clear()
        os.environ.update(request["env"])
        _show_as([sys.executable, "-m", "properties.harness", request["source"]])
        if request.get("cwd"):
            os.chdir(request["cwd"])
        if request.get("memory_mb"):
            harness.limit_memory(request["memory_mb"])
        for name in set(sys.modules) - SPAWNED:
            del sys.modules[name]                           # imported afresh if the target imports them
        sys.modules["__main__"] = harness                   # the running harness, as `import __main__` finds it
        del sys.modules["properties.harness"]               # as in a spawned one: a fresh copy if imported
        sys.argv = [harness.__file__, request["source"]]
        code = harness.main([request["source"]])
    except BaseException as exc:                            # noqa: BLE001 - reported on the harness's stderr
        if not isinstance(exc, SystemExit):
            traceback.print_exc()
        code = harness.exit_status(exc)
    finally:
        harness.exit_now(code)


def _show_as(argv):
    """Linux: ``ps`` shows this process with ``argv``, a spawned harness's command line, instead of the
    server's it was forked with. The title is written where the kernel reads /proc/PID/cmdline from: the
    server's argument strings, and past them its environment strings, which nothing uses any more once
    ``os.environ`` has been rebuilt (unless a C-level entry outlived it: then the arguments' room only)."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        arg_start, arg_end, env_start, env_end = (int(f) for f in fields[45:49])   # fields 48 to 51
        libc = ctypes.CDLL(None)
        environ = ctypes.POINTER(ctypes.c_void_p).in_dll(libc, "environ")
        in_use = itertools.takewhile(bool, (environ[i] for i in itertools.count()))
        end = arg_end if env_start != arg_end or any(env_start <= a < env_end for a in in_use) else env_end
        text = " ".join(argv).encode(errors="replace")[:min(end - arg_start, 4096) - 1]
        if end > arg_end:      # the last byte of the arguments not 0: the kernel reads on, up to the first 0
            title = text.ljust(arg_end - arg_start, b" ") + b"\0"
        else:
            title = text.ljust(end - arg_start, b"\0")
        if 0 < len(title) <= end - arg_start:
            ctypes.memmove(arg_start, title, len(title))
    except (OSError, ValueError, IndexError, AttributeError):
        pass                                                # only what ps shows is at stake


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    serve(socket.socket(fileno=int(argv[0])))


# ------------------------------------------------------------------------------------------ client
class ForkedProcess:
    """What ``subprocess.Popen`` offers the transport (pid, stdin, stdout, poll, wait, returncode), for a
    harness forked by the server. Its wait status arrives on a pipe the server writes when it ends."""

    def __init__(self, pid, stdin, stdout, status):
        self.pid, self.stdin, self.stdout, self._status = pid, stdin, stdout, status
        self.returncode = None

    def poll(self):
        try:
            return self.wait(0)
        except subprocess.TimeoutExpired:
            return None

    def wait(self, timeout=None):
        if self.returncode is not None:
            return self.returncode
        if self._status is not None:
            if not select.select([self._status], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"process {self.pid}", timeout)
            data = os.read(self._status, 64)
            os.close(self._status)
            self._status = None
            if data.strip():
                self.returncode = os.waitstatus_to_exitcode(int(data))
                return self.returncode
        # the server ended before this process did: whether it still runs is all that can be known
        deadline = None if timeout is None else time.monotonic() + timeout
        while running(self.pid):
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"process {self.pid}", timeout)
            time.sleep(0.01)
        self.returncode = STATUS_LOST
        return self.returncode


def running(pid):
    """Whether process ``pid`` still runs (a zombie, ended but not yet reaped by its new parent, does not)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


class ForkServer:
    """The client of one fork server, started for the environment ``env`` (the harness's, without the
    variables the harness sets per start): a start asking for another environment is spawned instead."""

    def __init__(self, env):
        self.env = env
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen([sys.executable, "-m", "properties.forkserver", str(theirs.fileno())],
                                        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, pass_fds=(theirs.fileno(),), start_new_session=True)
        theirs.close()
        mine.settimeout(10)                               # a server that stopped answering: spawn instead
        self.channel = mine
        self.pid = os.getpid()                             # a forked worker starts its own

    def close(self):
        """Close the checker's end: the server ends (the processes it started run on)."""
        if self.pid == os.getpid():
            self.channel.close()
            try:
                self.process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def usable(self, env):
        return _startup(env) == _startup(self.env)

    def start(self, source, env, cwd, memory_mb, stderr_path):
        """A harness for ``source``, forked; None if the server cannot (the caller spawns one instead)."""
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        status_read, status_write = os.pipe()
        stderr = os.open(stderr_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        theirs = (stdin_read, stdout_write, stderr, status_write)
        try:
            request = json.dumps({"source": source, "env": env, "cwd": cwd, "memory_mb": memory_mb}).encode()
            socket.send_fds(self.channel, [request], list(theirs))
            reply = json.loads(self.channel.recv(1 << 16) or b"{}")
        except (OSError, ValueError):
            reply = {}
        finally:
            for fd in theirs:
                os.close(fd)
        if "pid" not in reply:
            for fd in (stdin_write, stdout_read, status_read):
                os.close(fd)
            return None
        return ForkedProcess(reply["pid"], os.fdopen(stdin_write, "wb"), os.fdopen(stdout_read, "rb"), status_read)


def setting_from_env():
    """$OPTORACLE_FORK_SERVER: "" (the default: from a process's second start), "1" or "0"; else ValueError."""
    setting = os.environ.get("OPTORACLE_FORK_SERVER", "")
    if setting not in ("", "0", "1"):
        raise ValueError(f"$OPTORACLE_FORK_SERVER must be 0 (never fork) or 1 (fork from the first start), "
                         f"got {setting!r}")
    return setting


_server = None
_starts = {}                 # process id -> Python harnesses it started


def start(source, env, cwd, memory_mb, stderr_path):
    """A harness for ``source`` forked by this process's fork server, or None: spawn one. The server is
    started at the process's second Python harness ($OPTORACLE_FORK_SERVER: 1 from the first, 0 never)."""
    global _server
    setting = setting_from_env()
    if setting == "0" or not sys.platform.startswith("linux") or not hasattr(socket, "send_fds"):
        return None
    pid = os.getpid()
    _starts[pid] = _starts.get(pid, 0) + 1
    if _server is None or _server.pid != pid or _server.process.poll() is not None:
        if _starts[pid] < 2 and setting != "1":
            return None
        if _server is not None:
            _server.close()
        else:
            atexit.register(_close)
        try:
            _server = ForkServer(env)               # the first, or a new one for one that is gone
        except OSError:
            _server = None
            return None
    if not _server.usable(env):
        return None
    return _server.start(source, env, cwd, memory_mb, stderr_path)


def _close():
    if _server is not None:
        _server.close()


def _startup(env):
    """What a process may read when it starts: the environment but optoracle's own variables (the harness
    reads OPTORACLE_STDOUT, set per start) and the test that pytest is running. A fork server serves only
    the starts that would see what it saw; a forked harness gets the whole environment asked for."""
    return {k: v for k, v in env.items() if not k.startswith("OPTORACLE_") and k != "PYTEST_CURRENT_TEST"}


if __name__ == "__main__":
    main()
