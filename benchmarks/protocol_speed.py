"""Benchmark: the cost of one call through the protocol, per round trip, with the Python harness.

Usage: python benchmarks/protocol_speed.py [--calls N]

Prints microseconds per call for gd, momentum and Adam on the course's [2, 5, 2, 1] network (a child
process, the way every check reaches a target), for the same calls in-process through the same
encoding (no process: what the pipe and the second interpreter add), and for a direct call of the
reference (what the target itself costs). A figure, not a test: it never fails.
"""
import argparse
import time

from golden.unit_cases import one_step_case
from properties.gateway import Target
from reference.editions import edition_module


def per_call(fn, n):
    fn()                                                   # warm up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - start) / n)
    return best * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    c = one_step_case(0)
    p, g, v, s = c["parameters"], c["grads"], c["v"], c["s"]
    child = Target("reference@seed")
    local = Target.local("reference@seed")
    direct = edition_module("seed")
    calls = {
        "update_parameters_with_gd": lambda t: t.update_parameters_with_gd(p, g, 0.01),
        "update_parameters_with_momentum": lambda t: t.update_parameters_with_momentum(p, g, v, 0.9, 0.01),
        "update_parameters_with_adam": lambda t: t.update_parameters_with_adam(p, g, v, s, 3, 0.01, 0.9, 0.999, 1e-8),
    }
    direct_calls = {
        "update_parameters_with_gd": lambda: direct.update_parameters_with_gd(p, g, 0.01),
        "update_parameters_with_momentum": lambda: direct.update_parameters_with_momentum(p, g, v, 0.9, 0.01),
        "update_parameters_with_adam": lambda: direct.update_parameters_with_adam(p, g, v, s, 3),
    }
    print(f"best of 3 x {args.calls} calls, microseconds per call ([2, 5, 2, 1]: 6 arrays per dict)")
    print(f"{'function':<34} {'child process':>14} {'in-process':>11} {'direct':>8}")
    try:
        for name, call in calls.items():
            print(f"{name:<34} {per_call(lambda: call(child), args.calls):>14.0f} "
                  f"{per_call(lambda: call(local), args.calls):>11.0f} "
                  f"{per_call(direct_calls[name], args.calls):>8.0f}")
    finally:
        child.close()


if __name__ == "__main__":
    main()
