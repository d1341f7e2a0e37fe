"""Benchmark: starting a Python target, as a new interpreter and forked by the fork server.

Usage: python benchmarks/start_speed.py [--starts N]

Opens and closes a target N times each way (OPTORACLE_FORK_SERVER=0: a new interpreter per start;
=1: a fork of properties/forkserver.py) and prints the wall time per start, from the start to the
target's handshake reply, and the CPU time the checker's process tree spent per start. A figure, not a
test: it never fails.
"""
import argparse
import os
import resource
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from properties.gateway import Target  # noqa: E402

TARGET = os.path.join(ROOT, "examples", "student_correct.py")


def cpu():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def starts(mode, n):
    os.environ["OPTORACLE_FORK_SERVER"] = mode
    Target(TARGET).close()                                   # a fork server, if any, is running from here
    walls, before = [], cpu()
    for _ in range(n):
        start = time.perf_counter()
        target = Target(TARGET)
        walls.append(time.perf_counter() - start)
        target.close()
    return walls, (cpu() - before) / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=20)
    args = parser.parse_args()
    print(f"{args.starts} starts of {os.path.relpath(TARGET, ROOT)} each way, per start")
    print(f"{'start':<24} {'best':>8} {'median':>8} {'CPU':>8}")
    for mode, name in (("0", "new interpreter"), ("1", "fork server")):
        walls, per_start = starts(mode, args.starts)
        print(f"{name:<24} {min(walls) * 1000:6.0f}ms {statistics.median(walls) * 1000:6.0f}ms "
              f"{per_start * 1000:6.0f}ms")
    print("(CPU: the checker and the processes it waited for; a forked harness is the fork server's child, so its "
          "share shows only as the wall time)")


if __name__ == "__main__":
    main()
