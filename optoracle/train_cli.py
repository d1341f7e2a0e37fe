"""``optoracle train``: train on the seed-3 moons as an edition's notebook does, printing what it prints.

For each optimizer: the notebook's lines (``Cost after epoch %i: %f`` every 1000 epochs, with decay
``learning rate after epoch %i: %f``, then ``Accuracy: ...`` from ``predict``), then a summary table.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

import reference
from reference.conventions import EDITIONS, complete


def _progress(total, desc):
    """A tqdm bar when tqdm is installed and stderr is a terminal; otherwise None."""
    if not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, unit="epoch", mininterval=0.5, file=sys.stderr, leave=False)


def run_one(X, Y, optimizer, args, c):
    bar = _progress(args.epochs, optimizer)
    decay = reference.DECAYS[args.decay] if args.decay else None

    def report(i, cost):
        if bar is not None and (i + 1) % 100 == 0:
            bar.update(100)
    start = time.perf_counter()
    result = reference.train(X, Y, reference.LAYERS_DIMS, optimizer, learning_rate=args.learning_rate,
                             num_epochs=args.epochs, epsilon_placement=c.epsilon, decay=decay,
                             decay_rate=args.decay_rate, callback=report)
    seconds = time.perf_counter() - start
    if bar is not None:
        bar.close()
    for i in range(args.epochs):
        for line in reference.printed_lines(result, i, cost_view=c.cost_view,
                                            decay=decay is not None):
            print(line)
    predictions, accuracy = reference.predict(X, Y, result.parameters)
    print("Accuracy: " + str(np.mean(predictions[0, :] == Y[0, :])))     # what the course's predict prints
    return result, accuracy, seconds


def plot(results, X, Y, directory):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("optoracle train: error: --plot needs matplotlib: pip install 'optoracle[plot]'", file=sys.stderr)
        return 2
    os.makedirs(directory, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, (result, _, _) in results.items():
        ax.plot(result.epoch_costs, label=name)
    ax.set(xlabel="epoch", ylabel="epoch cost", yscale="log", title="Cost on the seed-3 moons")
    ax.legend()
    path = os.path.join(directory, "costs.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")
    xx, yy = np.meshgrid(np.linspace(X[0].min() - 1, X[0].max() + 1, 300),
                         np.linspace(X[1].min() - 1, X[1].max() + 1, 300))
    grid = np.c_[xx.ravel(), yy.ravel()].T                                  # (2, 90000)
    for name, (result, accuracy, _) in results.items():
        a3, _ = reference.forward_propagation(grid, result.parameters)
        fig, ax = plt.subplots(figsize=(5, 4))
        ax.contourf(xx, yy, (a3 > 0.5).reshape(xx.shape), cmap=plt.cm.Spectral, alpha=0.8)
        ax.scatter(X[0], X[1], c=Y[0], cmap=plt.cm.Spectral, s=10, edgecolors="k", linewidths=0.3)
        ax.set(title=f"{name}: train accuracy {accuracy:.4f}", xlabel="x1", ylabel="x2")
        path = os.path.join(directory, f"boundary_{name}.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        print(f"wrote {path}")
    return 0


def _writable_folder(folder):
    """None if ``folder`` exists (or can be made) and takes files, else a one-line reason: checked before training."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        return f"--plot {folder!r} is a file; give a folder"
    try:
        os.makedirs(folder, exist_ok=True)
        probe = os.path.join(folder, ".optoracle-write-test")
        with open(probe, "w"):
            pass
        os.unlink(probe)
    except OSError as error:
        return f"--plot {folder!r} is not writable ({error.strerror})"
    return None


def _usage(message):
    print(f"optoracle train: error: {message}", file=sys.stderr)
    return 2


def main(args):
    c = complete(EDITIONS[args.profile])
    if args.epsilon_placement:
        c = c.with_(epsilon=args.epsilon_placement)
    args.epochs = c.num_epochs if args.epochs is None else args.epochs
    if args.epochs < 1:
        return _usage(f"--epochs must be at least 1, got {args.epochs}")
    if not args.learning_rate >= 0:
        return _usage(f"--learning-rate must be >= 0, got {args.learning_rate}")
    if args.decay and c.decay != "present":
        return _usage(f"--decay: the {args.profile} edition has no learning-rate decay (use --profile 2021)")
    if args.plot:
        problem = _writable_folder(args.plot)
        if problem:
            return _usage(problem)
    optimizers = reference.OPTIMIZERS if args.optimizer == "all" else (args.optimizer,)
    from properties.fixtures import moons
    X, Y = moons()
    results = {}
    print(f"profile {args.profile}: {c.describe()}")
    for optimizer in optimizers:
        print(f"== {optimizer}: learning_rate={args.learning_rate}, num_epochs={args.epochs}"
              + (f", decay={args.decay}, decay_rate={args.decay_rate:g}" if args.decay else ""))
        results[optimizer] = run_one(X, Y, optimizer, args, c)
    print()
    print(f"{'optimizer':<10} {'final epoch cost':>17} {'train accuracy':>15} {'seconds':>8}")
    for name, (result, accuracy, seconds) in results.items():
        print(f"{name:<10} {result.epoch_costs[-1]:>17.6f} {accuracy:>15.4f} {seconds:>8.2f}")
    if args.plot:
        return plot(results, X, Y, args.plot)
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser("train", help="train gd, momentum and/or adam as an edition's notebook does")
    p.add_argument("--profile", choices=list(EDITIONS), default="seed",
                   help="the edition whose notebook to follow (default seed): its epsilon, printed cost and epochs")
    p.add_argument("--optimizer", choices=[*reference.OPTIMIZERS, "all"], default="all")
    p.add_argument("--epochs", type=int, default=None, help="default: the edition's num_epochs (10000; 2021: 5000)")
    p.add_argument("--learning-rate", type=float, default=0.0007)
    p.add_argument("--decay", choices=list(reference.DECAYS), default=None, help="learning-rate decay (2021)")
    p.add_argument("--decay-rate", type=float, default=1.0)
    p.add_argument("--epsilon-placement", choices=reference.EPSILON_PLACEMENTS, default=None,
                   help="override the edition's Adam epsilon placement")
    p.add_argument("--plot", metavar="DIR", help="write cost curves and decision boundaries as PNG files")
    p.set_defaults(func=main)
