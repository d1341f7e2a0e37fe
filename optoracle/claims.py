"""The assignment's "Results" as claims tested across many seeds.

The course shows one run (seed 3 / 11) and concludes: momentum barely helps at this small learning
rate on this simple data; the cost oscillates because some mini-batches are harder than others;
Adam clearly beats mini-batch gd and momentum and converges faster. Here each claim is a statistic
over R runs (``reference.batched``: run r has init seed 3 + r and its own mini-batch seeds), printed
with a 95% confidence interval and a verdict read off the interval:

* proportions (``p = k / n``): Wilson score interval (``wilson``);
* medians: the distribution-free order-statistic interval ``[x_(j), x_(n+1-j)]`` with j the
  largest rank such that ``P(Binomial(n, 1/2) < j) <= 2.5%`` (``median_ci``); no bootstrap, so no
  seed and no resampling noise.

A verdict is ``supported`` when the whole interval is on the claim's side of its threshold,
``contradicted`` when it is wholly on the other side, else ``inconclusive``; descriptive
statistics have no verdict.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

import reference
from reference.batched import Arm, train_batched

FORMAT = "optoracle-claims/1"
LEVEL = 0.95
Z = 1.959963984540054                 # the standard normal's 97.5% quantile
COST_TARGET = 0.3                     # "epochs to reach an epoch cost below 0.3"
NEGLIGIBLE = 0.05                     # |relative final-cost difference| below 5% counts as negligible
TAIL_FRACTION = 0.25                  # oscillation is measured over the last quarter of the epochs
OPTIMIZERS = ("gd", "momentum", "adam")


# ------------------------------------------------------------------------ statistics
def wilson(k, n, z=Z):
    """Wilson score interval for a proportion k / n (Wilson 1927):

    ``(p + z^2/2n +- z sqrt(p (1 - p) / n + z^2 / 4n^2)) / (1 + z^2 / n)``, p = k / n.
    Returns (lo, hi); for n = 0 the uninformative (0, 1).
    """
    if n == 0:
        return 0.0, 1.0
    p = k / n
    denominator = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    lo = 0.0 if k == 0 else max(0.0, center - half)         # exact ends: no rounding residue at 0 and 1
    hi = 1.0 if k == n else min(1.0, center + half)
    return lo, hi


def binomial_half_cdf(k, n):
    """``P(B <= k)`` for B ~ Binomial(n, 1/2), exact for n <= 1000 (integers), else in log space."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if n <= 1000:
        return sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    log_terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) - n * math.log(2)
                 for i in range(k + 1)]
    top = max(log_terms)
    return math.exp(top) * sum(math.exp(t - top) for t in log_terms)


def median_ci(values, level=LEVEL):
    """Order-statistic confidence interval for the median of ``values`` (any continuous distribution).

    With x_(1) <= ... <= x_(n): ``[x_(j), x_(n+1-j)]``, j the largest rank with
    ``P(Binomial(n, 1/2) <= j - 1) <= (1 - level) / 2``; its coverage is
    ``1 - 2 P(Binomial(n, 1/2) <= j - 1) >= level``. Infinite values (``never``) sort last.
    Returns (lo, hi, coverage); with too few values (n < 6 at 95%) (-inf, inf, 1.0).
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = len(x)
    alpha = (1 - level) / 2
    j = 0 if n <= 1000 else max(0, int(n / 2 - Z * math.sqrt(n) / 2) - 4)   # normal approximation, from below
    while j + 1 <= n // 2 and binomial_half_cdf(j, n) <= alpha:      # rank j + 1 still qualifies
        j += 1
    if j == 0:
        return -math.inf, math.inf, 1.0
    return float(x[j - 1]), float(x[n - j]), 1 - 2 * binomial_half_cdf(j - 1, n)


def median(values):
    x = np.asarray(values, dtype=np.float64)
    return float(np.median(x)) if len(x) else math.nan


def verdict(lo, hi, threshold, claim_above=True):
    """``supported`` if [lo, hi] lies wholly on the claim's side of ``threshold``, ``contradicted`` if
    wholly on the other side, else ``inconclusive``."""
    above, below = lo > threshold, hi < threshold
    if claim_above:
        return "supported" if above else "contradicted" if below else "inconclusive"
    return "supported" if below else "contradicted" if above else "inconclusive"


# --------------------------------------------------------------------- per-run metrics
def epochs_to_reach(epoch_costs, target=COST_TARGET):
    """(..., E) epoch costs -> number of epochs until the first epoch cost < target (inf: never)."""
    below = epoch_costs < target
    first = np.argmax(below, axis=-1).astype(np.float64) + 1
    first[~below.any(axis=-1)] = math.inf
    return first


def oscillation(minibatch_costs, epoch_costs, tail=TAIL_FRACTION):
    """Per lane, over the last ``tail`` of the epochs:

    * ``amplitude = mean_i sd_k(c_ik) / mean_i J_i``: the spread of the mini-batch costs within an
      epoch relative to the epoch cost;
    * ``ratio = mean_i sd_k(c_ik) / mean_i |J_i - J_{i-1}|``: that spread against the change of the
      epoch cost from one epoch to the next. ``ratio > 1``: the wiggle of the mini-batch cost
      curve comes from the batches differing, not from the training moving back and forth.

    minibatch_costs (..., E, batches), epoch_costs (..., E). Returns (amplitude, ratio), each (...).
    """
    E = epoch_costs.shape[-1]
    first = min(E - 2, int(E * (1 - tail))) if E >= 3 else 0
    spread = np.std(minibatch_costs[..., first:, :], axis=-1).mean(axis=-1)
    level = epoch_costs[..., first:].mean(axis=-1)
    change = np.abs(np.diff(epoch_costs[..., max(first - 1, 0):], axis=-1)).mean(axis=-1) if E >= 2 else 0 * level
    with np.errstate(divide="ignore", invalid="ignore"):
        return spread / level, spread / change


def final_predictions(X, Y, result):
    """(A, R) accuracies and (A, R) dead flags (all predictions one class), by ``reference.predict``."""
    A, R = result.epoch_costs.shape[:2]
    accuracy, dead = np.empty((A, R)), np.empty((A, R), dtype=bool)
    for a in range(A):
        for k in range(R):
            parameters = {name: v[a, k] for name, v in result.parameters.items()}
            with np.errstate(all="ignore"):
                predictions, accuracy[a, k] = reference.predict(X, Y, parameters)
            dead[a, k] = predictions.min() == predictions.max()
    return accuracy, dead


# ---------------------------------------------------------------------------- claims
@dataclass
class Claim:
    id: str
    text: str                 # the assignment's statement, or what is measured
    statistic: str            # what the estimate is
    estimate: float
    ci: tuple                 # (lo, hi) 95%
    interval: str             # "wilson", "order-statistic", or "" for a descriptive line
    n: int
    verdict: str = ""         # supported / contradicted / inconclusive / "" (descriptive)
    details: dict = field(default_factory=dict)


def proportion_claim(id, text, statistic, hits, threshold=0.5, claim_above=True, descriptive=False):
    hits = np.asarray(hits, dtype=bool)
    k, n = int(hits.sum()), int(hits.size)
    lo, hi = wilson(k, n)
    return Claim(id, text, statistic, k / n if n else math.nan, (lo, hi), "wilson", n,
                 "" if descriptive else verdict(lo, hi, threshold, claim_above), {"count": k})


def median_claim(id, text, statistic, values, threshold=None, claim_above=True, band=None):
    values = np.asarray(values, dtype=np.float64)
    lo, hi, coverage = median_ci(values)
    if band is not None:                  # supported when the interval lies inside (-band, band)
        v = ("supported" if -band < lo and hi < band else
             "contradicted" if lo >= band or hi <= -band else "inconclusive")
    elif threshold is not None:
        v = verdict(lo, hi, threshold, claim_above)
    else:
        v = ""
    return Claim(id, text, statistic, median(values), (lo, hi), "order-statistic", int(values.size), v,
                 {"coverage": coverage, "q10": _quantile(values, 0.1), "q90": _quantile(values, 0.9)})


def _quantile(values, q):
    values = np.asarray(values, dtype=np.float64)
    return float(np.quantile(values, q, method="inverted_cdf")) if values.size else math.nan   # inf-safe


@dataclass
class ClaimsRun:
    """The training behind the claims and its per-run metrics (arms gd, momentum, adam)."""
    config: dict
    result: object                        # reference.batched.BatchedResult
    accuracy: np.ndarray                  # (3, R)
    dead: np.ndarray                      # (3, R)
    claims: list


def train_for_claims(X, Y, seeds, epochs, *, epsilon_placement="inside", learning_rate=0.0007,
                     backend="numpy", device=None, workers=None, callback=None):
    arms = [Arm(opt, learning_rate=learning_rate) for opt in OPTIMIZERS]
    return train_batched(X, Y, arms, seeds, num_epochs=epochs, epsilon_placement=epsilon_placement,
                         backend=backend, device=device, workers=workers, callback=callback)


def evaluate(X, Y, result, config):
    """The claims from a ``train_for_claims`` result."""
    accuracy, dead = final_predictions(X, Y, result)
    gd, mom, adam = 0, 1, 2
    final = result.epoch_costs[..., -1]                                     # (3, R)
    reach = epochs_to_reach(result.epoch_costs)                             # (3, R)
    amplitude, ratio = oscillation(result.minibatch_costs, result.epoch_costs)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = (final[mom] - final[gd]) / final[gd]
    E = result.epoch_costs.shape[-1]
    claims = [
        proportion_claim("adam-beats-gd", "Adam clearly beats mini-batch gd",
                         "fraction of runs where Adam's final train accuracy exceeds gd's",
                         accuracy[adam] > accuracy[gd]),
        proportion_claim("adam-beats-momentum", "Adam clearly beats momentum",
                         "fraction of runs where Adam's final train accuracy exceeds momentum's",
                         accuracy[adam] > accuracy[mom]),
    ]
    for other in (gd, mom):
        either = np.isfinite(reach[adam]) | np.isfinite(reach[other])       # runs where the race has a winner
        claims.append(proportion_claim(
            f"adam-faster-than-{OPTIMIZERS[other]}", f"Adam converges faster than {OPTIMIZERS[other]}",
            f"fraction of runs where Adam reaches an epoch cost below {COST_TARGET} in fewer epochs than "
            f"{OPTIMIZERS[other]}, among the runs where either reaches it", (reach[adam] < reach[other])[either]))
    for a, name in enumerate(OPTIMIZERS):
        c = median_claim(f"epochs-to-{COST_TARGET}-{name}", f"{name}: epochs to an epoch cost below {COST_TARGET}",
                         f"median over runs of the epochs {name} needs (inf: not within {E} epochs)", reach[a])
        c.details["never"] = int(np.isinf(reach[a]).sum())
        claims.append(c)
    claims += [
        median_claim("momentum-negligible", "Momentum barely helps at this learning rate",
                     f"median relative final-cost difference (J_momentum - J_gd) / J_gd; negligible within "
                     f"+-{NEGLIGIBLE:.0%}", relative, band=NEGLIGIBLE),
        median_claim("momentum-minus-gd", "Distribution of the final-cost difference",
                     "median of J_momentum - J_gd (final epoch cost)", final[mom] - final[gd]),
        proportion_claim("momentum-same-accuracy", "Momentum ends where gd ends",
                         "fraction of runs where momentum's and gd's final train accuracies are equal",
                         accuracy[mom] == accuracy[gd], descriptive=True),
    ]
    for a, name in enumerate(OPTIMIZERS):
        claims.append(median_claim(
            f"oscillation-from-batches-{name}", f"{name}: the cost oscillates because some mini-batches are harder",
            f"median over runs of sd_k(mini-batch cost) / mean |epoch cost change| over the last "
            f"{TAIL_FRACTION:.0%} of epochs; > 1: batch differences dominate", ratio[a], threshold=1.0))
        claims.append(median_claim(
            f"oscillation-amplitude-{name}", f"{name}: size of the mini-batch cost oscillation",
            "median over runs of sd_k(mini-batch cost) / epoch cost over the last "
            f"{TAIL_FRACTION:.0%} of epochs", amplitude[a]))
    for a, name in enumerate(OPTIMIZERS):
        claims.append(proportion_claim(f"dead-{name}", f"{name}: runs that end with a dead network",
                                       "fraction of runs whose final predictions are all one class",
                                       dead[a], descriptive=True))
    return ClaimsRun(config, result, accuracy, dead, claims)


# ----------------------------------------------------------------------------- sweep
@dataclass
class Sweep:
    """Momentum against gd over learning rates x betas, on the same runs."""
    config: dict
    learning_rates: list
    betas: list
    relative: np.ndarray                  # (lrs, betas, R) (J_momentum - J_gd) / J_gd at the last epoch
    cells: list                           # Claim per (lr, beta), row-major
    threshold_lr: dict                    # beta -> smallest lr whose effect is not negligible (or None)


def sweep(X, Y, learning_rates, betas, seeds, epochs, *, epsilon_placement="inside", backend="numpy",
          device=None, workers=None, callback=None):
    arms = [Arm("gd", learning_rate=lr) for lr in learning_rates]
    arms += [Arm("momentum", learning_rate=lr, beta=beta) for lr in learning_rates for beta in betas]
    result = train_batched(X, Y, arms, seeds, num_epochs=epochs, epsilon_placement=epsilon_placement,
                           record_minibatches=False, backend=backend, device=device, workers=workers,
                           callback=callback)
    final = result.epoch_costs[..., -1]                                     # (arms, R)
    nl, nb = len(learning_rates), len(betas)
    gd, mom = final[:nl], final[nl:].reshape(nl, nb, -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = (mom - gd[:, None, :]) / gd[:, None, :]                  # (lrs, betas, R)
    cells, threshold = [], {}
    for i, lr in enumerate(learning_rates):
        for j, beta in enumerate(betas):
            values = relative[i, j][np.isfinite(relative[i, j])]
            c = median_claim(f"lr={lr:g},beta={beta:g}", "momentum negligible",
                             "median (J_momentum - J_gd) / J_gd", values, band=NEGLIGIBLE)
            c.details.update(learning_rate=lr, beta=beta, diverged=int(relative[i, j].size - values.size))
            cells.append(c)
    for j, beta in enumerate(betas):
        threshold[beta] = next((lr for i, lr in enumerate(learning_rates)
                                if cells[i * nb + j].verdict == "contradicted"), None)
    config = {"learning_rates": list(learning_rates), "betas": list(betas), "seeds": seeds, "epochs": epochs,
              "epsilon_placement": epsilon_placement, "negligible": NEGLIGIBLE}
    return Sweep(config, list(learning_rates), list(betas), relative, cells, threshold)


# ------------------------------------------------------------------------ reporting
def format_value(x):
    if isinstance(x, float) and math.isinf(x):
        return "never" if x > 0 else "-inf"
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    return f"{x:.4g}"


def format_claim(c):
    lo, hi = c.ci
    ci = ("CI n/a (too few runs)" if math.isinf(lo) and math.isinf(hi) and lo < 0
          else f"95% CI [{format_value(lo)}, {format_value(hi)}] ({c.interval})")
    head = f"[{c.verdict}] " if c.verdict else "[descriptive] "
    extra = ""
    if "count" in c.details:
        extra = f" ({c.details['count']}/{c.n})"
    elif "never" in c.details and c.details["never"]:
        extra = f" (never: {c.details['never']}/{c.n})"
    return f"{head}{c.text}\n    {c.statistic}: {format_value(c.estimate)}{extra}, {ci}, n={c.n}"


def claim_dict(c):
    d = asdict(c)
    d["ci"] = [_json_number(v) for v in c.ci]
    d["estimate"] = _json_number(c.estimate)
    d["details"] = {k: _json_number(v) if isinstance(v, float) else v for k, v in c.details.items()}
    return d


def _json_number(x):
    """JSON has no inf/nan: they are written as the strings "inf", "-inf", "nan"."""
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def report_dict(run):
    A = len(OPTIMIZERS)
    per_run = {}
    for a, name in enumerate(OPTIMIZERS[:A]):
        per_run[name] = {
            "final_accuracy": run.accuracy[a].tolist(),
            "final_cost": [_json_number(v) for v in run.result.epoch_costs[a, :, -1]],
            "epochs_to_target": [_json_number(v) for v in epochs_to_reach(run.result.epoch_costs[a])],
            "dead": run.dead[a].tolist()}
    return {"format": FORMAT, "mode": "claims", "config": run.config, "level": LEVEL,
            "seeds": run.result.seeds, "claims": [claim_dict(c) for c in run.claims], "per_run": per_run}


def sweep_dict(s):
    return {"format": FORMAT, "mode": "sweep", "config": s.config, "level": LEVEL,
            "cells": [claim_dict(c) for c in s.cells],
            "first_non_negligible_learning_rate": {str(b): lr for b, lr in s.threshold_lr.items()}}


# -------------------------------------------------------------------------- plotting
def plot_claims(run, directory, plt):
    """accuracies.png: final train accuracy per optimizer; costs.png: median epoch cost with 25-75% and
    10-90% bands per optimizer. Returns the paths written."""
    import os
    paths = []
    fig, ax = plt.subplots(figsize=(7, 4))
    bins = np.linspace(min(0.5, run.accuracy.min()), 1.0, 26)
    for a, name in enumerate(OPTIMIZERS):
        ax.hist(run.accuracy[a], bins=bins, alpha=0.5, label=name)
    ax.set(xlabel="final train accuracy", ylabel="runs", title=f"Final accuracy over {run.accuracy.shape[1]} runs")
    ax.legend()
    paths.append(os.path.join(directory, "accuracies.png"))
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4))
    epochs = np.arange(1, run.result.epoch_costs.shape[-1] + 1)
    for a, name in enumerate(OPTIMIZERS):
        costs = run.result.epoch_costs[a]                                   # (R, E)
        q10, q25, q50, q75, q90 = np.quantile(costs, [0.1, 0.25, 0.5, 0.75, 0.9], axis=0, method="inverted_cdf")
        line, = ax.plot(epochs, q50, label=f"{name} (median)")
        ax.fill_between(epochs, q25, q75, color=line.get_color(), alpha=0.3)
        ax.fill_between(epochs, q10, q90, color=line.get_color(), alpha=0.12)
    ax.set(xlabel="epoch", ylabel="epoch cost", yscale="log",
           title="Epoch cost: median, 25-75% and 10-90% of runs")
    ax.legend()
    paths.append(os.path.join(directory, "costs.png"))
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)
    return paths


def plot_sweep(s, directory, plt):
    """sweep.png: heat map of the median relative final-cost difference over learning rate x beta."""
    import os
    grid = np.array([c.estimate for c in s.cells]).reshape(len(s.learning_rates), len(s.betas))
    fig, ax = plt.subplots(figsize=(1.2 * len(s.betas) + 3, 0.6 * len(s.learning_rates) + 2))
    limit = max(NEGLIGIBLE, float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else NEGLIGIBLE)
    image = ax.imshow(grid, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    for i in range(len(s.learning_rates)):
        for j in range(len(s.betas)):
            c = s.cells[i * len(s.betas) + j]
            mark = {"supported": "", "contradicted": "*", "inconclusive": "?"}.get(c.verdict, "")
            ax.text(j, i, f"{format_value(c.estimate)}{mark}", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(s.betas)), [f"{b:g}" for b in s.betas])
    ax.set_yticks(range(len(s.learning_rates)), [f"{lr:g}" for lr in s.learning_rates])
    ax.set(xlabel="beta", ylabel="learning rate",
           title="median (J_momentum - J_gd) / J_gd  (* not negligible, ? inconclusive)")
    fig.colorbar(image, ax=ax)
    path = os.path.join(directory, "sweep.png")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return [path]
