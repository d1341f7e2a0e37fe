"""Benchmark: microseconds per update step of ``reference.train`` and the wall time of full runs.

Usage: python benchmarks/train_speed.py [--epochs N] [--repeat R]

Prints, for each optimizer, the best-of-R time per mini-batch step (forward, cost,
backward, update) over a short run, and the wall time of one full run of
``--epochs`` epochs (default 10000, the course's). A figure, not a test: it never fails.
"""
import argparse
import math
import time

import reference


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    X, Y = reference.load_dataset()
    steps_per_epoch = math.ceil(X.shape[1] / 64)
    print(f"{'optimizer':<10} {'us/step (500 epochs, best of %d)' % args.repeat:>34} "
          f"{f'full run ({args.epochs} epochs) s':>28} {'train accuracy':>15}")
    total = 0.0
    for optimizer in reference.OPTIMIZERS:
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            reference.train(X, Y, reference.LAYERS_DIMS, optimizer, num_epochs=500)
            best = min(best, time.perf_counter() - start)
        start = time.perf_counter()
        result = reference.train(X, Y, reference.LAYERS_DIMS, optimizer, num_epochs=args.epochs)
        full = time.perf_counter() - start
        total += full
        _, accuracy = reference.predict(X, Y, result.parameters)
        print(f"{optimizer:<10} {best / (500 * steps_per_epoch) * 1e6:>34.1f} {full:>28.2f} {accuracy:>15.4f}")
    print(f"three full runs together: {total:.2f} s")


if __name__ == "__main__":
    main()
