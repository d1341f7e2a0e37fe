"""``optoracle claims``: the assignment's results as claims over many seeds, with 95% intervals.

Examples::

    optoracle claims                                  # 100 runs x 10000 epochs, gd / momentum / adam
    optoracle claims --seeds 20 --epochs 500 --json claims.json --plot plots/
    optoracle claims --sweep --learning-rates 0.0007 0.007 0.07 --betas 0.8 0.9 0.99 --seeds 20 --epochs 1000

Run r trains with init seed 3 + r and mini-batch seeds 11 + r * max(10000, E) + i (run 0 is the
course's run); see ``reference.batched``. Exit codes: 0 done, 2 bad arguments (one line, before any
training).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time

from . import claims as cl

DEFAULT_SWEEP_LRS = (0.0007, 0.002, 0.007, 0.02, 0.07)
DEFAULT_SWEEP_BETAS = (0.5, 0.8, 0.9, 0.95, 0.99)


class UsageError(Exception):
    """A bad argument, reported as one line with exit code 2."""


def _check_output_file(path, what):
    """``path`` can be written: opened for appending (and removed again if this created it)."""
    if os.path.isdir(path):
        raise UsageError(f"{what} {path!r} is a directory")
    existed = os.path.exists(path)
    try:
        with open(path, "a"):
            pass
    except OSError as error:
        raise UsageError(f"{what} {path!r} cannot be written: {error.strerror}") from None
    if not existed:
        os.remove(path)


def _check_output_dir(path, what):
    """``path`` is (made) a directory in which a file can be created."""
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise UsageError(f"{what} {path!r} cannot be written: {error.strerror or error}") from None


def _pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'optoracle[plot]'") from None
    return plt


def validate(args):
    """Every check that can fail before training; raises UsageError with one line."""
    from reference.batched import available_backends, seeds
    if args.seeds < 1:
        raise UsageError(f"--seeds must be at least 1, got {args.seeds}")
    if args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, got {args.epochs}")
    if args.seeds > seeds.max_runs(args.epochs):
        raise UsageError(f"--seeds {args.seeds}: at {args.epochs} epochs at most {seeds.max_runs(args.epochs)} runs "
                         "have mini-batch seeds below 2**32")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.backend not in available_backends():
        raise UsageError(f"--backend {args.backend} is not installed here "
                         f"(available: {', '.join(available_backends())})")
    if args.backend == "numpy" and args.device not in (None, "cpu"):
        raise UsageError(f"--device {args.device} needs --backend torch")
    if args.device == "cuda":
        import torch
        if not torch.cuda.is_available():
            raise UsageError("--device cuda: no CUDA device is available")
    if not math.isfinite(args.learning_rate) or args.learning_rate < 0:
        raise UsageError(f"--learning-rate must be a finite number >= 0, got {args.learning_rate}")
    if args.sweep:
        for lr in args.learning_rates:
            if not math.isfinite(lr) or lr < 0:
                raise UsageError(f"--learning-rates: each must be a finite number >= 0, got {lr}")
        for beta in args.betas:
            if not 0 <= beta < 1:
                raise UsageError(f"--betas: each must be in [0, 1), got {beta}")
    if args.json:
        _check_output_file(args.json, "--json")
    plt = None
    if args.plot:
        _check_output_dir(args.plot, "--plot")
        plt = _pyplot()
    return plt


PROGRESS_MIN_RUN_EPOCHS = 200_000     # about 3 s of training: shorter runs get no bar


def _progress(total, quiet):
    """(callback, close): a tqdm bar over run-epochs on long runs where tqdm is installed, else nothing."""
    if quiet or total < PROGRESS_MIN_RUN_EPOCHS:
        return None, lambda: None
    try:
        from tqdm import tqdm
    except ImportError:
        return None, lambda: None
    bar = tqdm(total=total, unit="run-epoch", unit_scale=True, mininterval=0.5, file=sys.stderr, leave=False)
    return bar.update, bar.close


def _load_data():
    import golden
    data = golden.load("dataset.json")            # the seed-3 moons, bit-identical to reference.load_dataset()
    return data["X"], data["Y"]


def main(args):
    try:
        plt = validate(args)
    except UsageError as error:
        print(f"optoracle claims: error: {error}", file=sys.stderr)
        return 2
    X, Y = _load_data()
    start = time.perf_counter()
    if args.sweep:
        arms = len(args.learning_rates) * (1 + len(args.betas))
        callback, close = _progress(args.seeds * args.epochs, args.quiet)
        try:
            result = cl.sweep(X, Y, args.learning_rates, args.betas, args.seeds, args.epochs,
                              epsilon_placement=args.epsilon_placement, backend=args.backend, device=args.device,
                              workers=args.workers, callback=callback)
        finally:
            close()
        _print_sweep(result, arms, time.perf_counter() - start)
        report, paths = cl.sweep_dict(result), (cl.plot_sweep(result, _mkdir(args.plot), plt) if plt else [])
    else:
        callback, close = _progress(args.seeds * args.epochs, args.quiet)
        try:
            trained = cl.train_for_claims(X, Y, args.seeds, args.epochs, epsilon_placement=args.epsilon_placement,
                                          learning_rate=args.learning_rate, backend=args.backend,
                                          device=args.device, workers=args.workers, callback=callback)
        finally:
            close()
        config = {"seeds": args.seeds, "epochs": args.epochs, "learning_rate": args.learning_rate,
                  "mini_batch_size": 64, "beta": 0.9, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
                  "epsilon_placement": args.epsilon_placement, "backend": trained.backend,
                  "cost_target": cl.COST_TARGET, "negligible": cl.NEGLIGIBLE}
        run = cl.evaluate(X, Y, trained, config)
        _print_claims(run, time.perf_counter() - start)
        report, paths = cl.report_dict(run), (cl.plot_claims(run, _mkdir(args.plot), plt) if plt else [])
    for path in paths:
        print(f"wrote {path}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
        print(f"wrote {args.json}")
    return 0


def _mkdir(path):
    os.makedirs(path, exist_ok=True)
    return path


def _print_claims(run, seconds):
    c = run.config
    print(f"Claims over {c['seeds']} runs x {c['epochs']} epochs (lr {c['learning_rate']:g}, mini-batch 64, "
          f"epsilon {c['epsilon_placement']} the root, {c['backend']}; {seconds:.1f} s)")
    print("Run r: init seed 3 + r, mini-batch seeds 11 + r * max(10000, E) + epoch; run 0 is the course's run.")
    print()
    for claim in run.claims:
        print(cl.format_claim(claim))


def _print_sweep(s, arms, seconds):
    c = s.config
    print(f"Sweep: momentum vs gd, {len(s.learning_rates)} learning rates x {len(s.betas)} betas, {c['seeds']} runs x "
          f"{c['epochs']} epochs ({arms} arms; {seconds:.1f} s)")
    print(f"cell: median (J_momentum - J_gd) / J_gd at the last epoch; * not negligible (95% order-statistic CI "
          f"outside +-{cl.NEGLIGIBLE:.0%}), ? inconclusive, no mark: negligible")
    print(f"{'lr / beta':>10} " + " ".join(f"{b:>10g}" for b in s.betas))
    for i, lr in enumerate(s.learning_rates):
        row = []
        for j in range(len(s.betas)):
            cell = s.cells[i * len(s.betas) + j]
            mark = {"contradicted": "*", "inconclusive": "?"}.get(cell.verdict, " ")
            row.append(f"{cl.format_value(cell.estimate):>9}{mark}")
        print(f"{lr:>10g} " + " ".join(row))
    for beta, lr in s.threshold_lr.items():
        print(f"beta {beta:g}: momentum stops being negligible at learning rate "
              f"{'(none of those swept)' if lr is None else f'{lr:g}'}")


def add_parser(subparsers):
    p = subparsers.add_parser(
        "claims", help="the assignment's results as claims over many seeds, with 95%% confidence intervals",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    _arguments(p)
    p.set_defaults(func=main)
    return p


def _arguments(p):
    p.add_argument("--seeds", type=int, default=100, help="number of runs (seeds) (default 100)")
    p.add_argument("--epochs", type=int, default=10000, help="epochs per run (default 10000)")
    p.add_argument("--plot", metavar="DIR", help="write accuracies.png and costs.png (sweep: sweep.png) to DIR")
    p.add_argument("--json", metavar="F", help="write the report as JSON (format optoracle-claims/1) to F")
    p.add_argument("--epsilon-placement", choices=("inside", "outside"), default="inside",
                   help="Adam's epsilon inside the root (seed text) or outside (default inside)")
    p.add_argument("--learning-rate", type=float, default=0.0007, help="learning rate of all three (default 0.0007)")
    p.add_argument("--sweep", action="store_true",
                   help="instead of the claims: momentum vs gd over --learning-rates x --betas; prints a table and "
                        "the first learning rate at which momentum is not negligible, per beta")
    p.add_argument("--learning-rates", type=float, nargs="+", default=list(DEFAULT_SWEEP_LRS), metavar="LR",
                   help=f"sweep: learning rates (default {' '.join(map(str, DEFAULT_SWEEP_LRS))})")
    p.add_argument("--betas", type=float, nargs="+", default=list(DEFAULT_SWEEP_BETAS), metavar="BETA",
                   help=f"sweep: momentum betas (default {' '.join(map(str, DEFAULT_SWEEP_BETAS))})")
    p.add_argument("--backend", choices=("numpy", "torch"), default="numpy",
                   help="numpy (bit-identical to the reference) or torch (default numpy)")
    p.add_argument("--device", choices=("cpu", "cuda"), default=None, help="torch device (default: cuda if present)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes for numpy (default: up to 2 when the work is large)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser():
    p = argparse.ArgumentParser(prog="optoracle claims", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    _arguments(p)
    return p


if __name__ == "__main__":
    sys.exit(main(build_parser().parse_args()))
