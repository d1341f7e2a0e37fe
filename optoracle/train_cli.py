"""``optoracle train``: the three optimizers on the seed-3 moons, a final table, optional plots."""
from __future__ import annotations

import os
import sys
import time

import numpy as np

import reference


def _progress(total, desc):
    """A tqdm bar when tqdm is installed; otherwise a note saying how to get one."""
    try:
        from tqdm import tqdm
    except ImportError:
        print(f"[{desc}] (no progress bar: install the 'progress' extra, pip install 'optoracle[progress]')",
              file=sys.stderr)
        return None
    return tqdm(total=total, desc=desc, unit="epoch", mininterval=0.5, file=sys.stderr, leave=False)


def run_one(X, Y, optimizer, epochs, epsilon_placement):
    learning_rate = 0.0007
    bar = _progress(epochs, optimizer)

    def report(i, cost):
        if bar is not None and (i + 1) % 100 == 0:
            bar.update(100)
        if i % 1000 == 0:
            msg = "Cost after epoch %i: %f" % (i, cost)
            (bar.write(msg, file=sys.stdout) if bar is not None else print(msg))

    start = time.perf_counter()
    result = reference.train(X, Y, reference.LAYERS_DIMS, optimizer, learning_rate=learning_rate,
                             num_epochs=epochs, epsilon_placement=epsilon_placement, callback=report)
    seconds = time.perf_counter() - start
    if bar is not None:
        bar.close()
    _, accuracy = reference.predict(X, Y, result.parameters)
    return result, accuracy, seconds


def plot(results, X, Y, directory):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("error: --plot needs matplotlib: pip install 'optoracle[plot]'", file=sys.stderr)
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


def main(args):
    optimizers = reference.OPTIMIZERS if args.optimizer == "all" else (args.optimizer,)
    X, Y = reference.load_dataset()
    results = {}
    for optimizer in optimizers:
        print(f"== {optimizer} ({args.epochs} epochs, epsilon {args.epsilon_placement} the root)")
        results[optimizer] = run_one(X, Y, optimizer, args.epochs, args.epsilon_placement)
    print()
    print(f"{'optimizer':<10} {'final epoch cost':>17} {'train accuracy':>15} {'seconds':>8}")
    for name, (result, accuracy, seconds) in results.items():
        print(f"{name:<10} {result.epoch_costs[-1]:>17.6f} {accuracy:>15.4f} {seconds:>8.2f}")
    if args.plot:
        return plot(results, X, Y, args.plot)
    return 0


def add_parser(subparsers):
    p = subparsers.add_parser("train", help="train gd, momentum and/or adam on the seed-3 moons")
    p.add_argument("--optimizer", choices=[*reference.OPTIMIZERS, "all"], default="all")
    p.add_argument("--epochs", type=int, default=10000)
    p.add_argument("--epsilon-placement", choices=reference.EPSILON_PLACEMENTS, default="inside")
    p.add_argument("--plot", metavar="DIR", help="write cost curves and decision boundaries as PNG files")
    p.set_defaults(func=main)
