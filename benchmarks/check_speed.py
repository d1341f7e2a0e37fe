"""Benchmark: the wall time of `optoracle check` on correct targets, the whole command as a user runs it.

Usage: python benchmarks/check_speed.py [--repeat R]

Runs `python -m optoracle check TARGET -q` R times for each target (a process per run: startup,
the target's child process, detection, every check in SPEC order, the report) and prints the
best and median wall times. The first SymPy derivation of a machine and the reference's long training
runs are cached (~/.cache/optoracle); the cold figure is measured with an empty cache. A figure, not a
test: it never fails.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ["examples/student_correct.py", "tests/targets/editions/2021/solution.py", "reference@2021"]


def run(target, env):
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "optoracle", "check", target, "-q"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    return time.perf_counter() - start, proc.stdout.splitlines()[0] if proc.stdout else proc.stderr.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "OPTORACLE_CACHE": cache}
        cold, verdict = run(TARGETS[0], env)
        print(f"cold cache (SymPy, reference runs), {TARGETS[0]}: {cold:.2f} s  ({verdict.split(' (')[0][-40:]})")
        print(f"{'target':<44} {'best':>6} {'median':>7}   verdict")
        for target in TARGETS:
            times, verdict = [], ""
            for _ in range(args.repeat):
                seconds, verdict = run(target, env)
                times.append(seconds)
            print(f"{target:<44} {min(times):>5.2f}s {statistics.median(times):>6.2f}s   "
                  f"{'CONFORMS' if 'CONFORMS to' in verdict and 'NOT' not in verdict else verdict}")


if __name__ == "__main__":
    main()
