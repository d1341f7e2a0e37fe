"""Benchmark: run-steps per second of the batched trainer (each backend present) and of the
sequential reference, in one process, for N = 1, 10, 100, 1000 runs; optionally the wall time of
``optoracle claims``' default training (100 runs x 3 optimizers x 10000 epochs).

Usage: python benchmarks/claims_speed.py [--epochs E] [--sizes 1 10 100 1000] [--full] [--repeat R]

A run-step is one mini-batch update of one run of one optimizer (5 per epoch on the moons). Each
figure trains gd, momentum and Adam on N runs for E epochs (default 20; half as many for N = 1000
so a measurement stays short) and reports the best of R repeats. The sequential reference is
``reference.train`` one run at a time (measured on min(N, 3) runs: its cost per step does not
depend on N). ``ratio`` = batched / sequential. numpy is measured in this process only
(``workers=1``); ``--full`` times the default claims training as ``optoracle claims`` runs it
(worker processes on the CPUs). A figure, not a test: it never fails.
"""
import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np                                  # noqa: E402

import golden                                       # noqa: E402
import reference                                    # noqa: E402
from reference.batched import available_backends, seeds, train_batched  # noqa: E402

OPTIMIZERS = ("gd", "momentum", "adam")


def best_of(repeat, fn):
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def sequential_rate(X, Y, runs, epochs, repeat):
    steps = len(OPTIMIZERS) * runs * epochs * math.ceil(X.shape[1] / 64)

    def work():
        for r in range(runs):
            for opt in OPTIMIZERS:
                reference.train(X, Y, reference.LAYERS_DIMS, opt, num_epochs=epochs,
                                init_seed=seeds.init_seed(r), first_seed=seeds.first_seed(r, epochs))
    return steps / best_of(repeat, work)


def batched_rate(X, Y, runs, epochs, repeat, backend, device=None):
    steps = len(OPTIMIZERS) * runs * epochs * math.ceil(X.shape[1] / 64)

    def work():
        train_batched(X, Y, OPTIMIZERS, runs, num_epochs=epochs, backend=backend, device=device, workers=1,
                      record_minibatches=False)
    work()                                              # warm-up (imports, torch init, BLAS check)
    return steps / best_of(repeat, work)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="also time 100 runs x 3 optimizers x 10000 epochs")
    args = parser.parse_args()
    data = golden.load("dataset.json")
    X, Y = data["X"], data["Y"]
    backends = [("numpy", None)]
    if "torch" in available_backends():
        import torch
        backends.append(("torch", "cpu"))
        if torch.cuda.is_available():
            backends.append(("torch", "cuda"))
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs; run-steps per second, best of {args.repeat}; "
          "ratio = batched / sequential reference")
    print(f"{'N runs':>7} {'epochs':>7} {'sequential':>11} " +
          " ".join(f"{b + ('-' + d if d else ''):>12} {'ratio':>7}" for b, d in backends))
    for n in args.sizes:
        epochs = args.epochs if n <= 100 else max(5, args.epochs // 2)
        seq = sequential_rate(X, Y, min(n, 3), min(epochs, args.epochs), args.repeat)
        cells = []
        for backend, device in backends:
            rate = batched_rate(X, Y, n, epochs, args.repeat, backend, device)
            cells.append(f"{rate:>12.3g} {rate / seq:>7.1f}")
        print(f"{n:>7} {epochs:>7} {seq:>11.3g} " + " ".join(cells), flush=True)
    if args.full:
        start = time.perf_counter()
        train_batched(X, Y, OPTIMIZERS, 100, num_epochs=10000)
        wall = time.perf_counter() - start
        print(f"100 runs x 3 optimizers x 10000 epochs (numpy, as optoracle claims trains): {wall:.1f} s wall, "
              f"{1.5e7 / wall:.3g} run-steps/s")


if __name__ == "__main__":
    main()
