"""``optoracle claims``: the statistics against their definitions, the claims on a small fast
configuration, and the command's handling of bad input.

Expected values come from the definitions (the Wilson interval's defining equation, textbook
order-statistic ranks, exact binomial sums with ``fractions``), from hand-made arrays, and from
``reference.train`` / ``reference.predict`` for the per-run metrics.
"""
import argparse
import json
import math
from fractions import Fraction

import numpy as np
import pytest

import golden
import reference
from optoracle import claims as cl
from optoracle import claims_cli
from reference.batched import seeds

DATA = golden.load("dataset.json")
X, Y = DATA["X"], DATA["Y"]
SMALL_SEEDS, SMALL_EPOCHS = 12, 300     # about 0.3 s of training


# ------------------------------------------------------------------------------ statistics
@pytest.mark.parametrize("k, n", [(0, 10), (3, 10), (10, 10), (81, 263), (1, 1)])
def test_wilson_bounds_solve_the_score_equation(k, n):
    """The Wilson interval is {p : (k/n - p)^2 = z^2 p (1 - p) / n}: both ends are roots."""
    lo, hi = cl.wilson(k, n)
    z, phat = cl.Z, k / n
    for p in (lo, hi):
        assert (phat - p) ** 2 == pytest.approx(z * z * p * (1 - p) / n, abs=1e-12)
    assert lo <= phat <= hi


def test_wilson_is_symmetric_in_successes_and_failures():
    lo, hi = cl.wilson(7, 40)
    lo2, hi2 = cl.wilson(33, 40)
    assert (lo, hi) == pytest.approx((1 - hi2, 1 - lo2), abs=1e-15)


def test_wilson_for_no_successes_starts_at_exactly_zero():
    lo, hi = cl.wilson(0, 10)
    assert lo == 0.0 and hi == pytest.approx(cl.Z ** 2 / (10 + cl.Z ** 2))


@pytest.mark.parametrize("n, ranks", [(6, (1, 6)), (10, (2, 9)), (20, (6, 15)), (100, (40, 61))])
def test_median_interval_uses_the_textbook_order_statistics(n, ranks):
    values = np.arange(1.0, n + 1)[::-1].copy()           # x_(i) = i, given unsorted
    lo, hi, coverage = cl.median_ci(values)
    assert (lo, hi) == ranks
    j = ranks[0]
    exact = 1 - 2 * Fraction(sum(math.comb(n, i) for i in range(j)), 2 ** n)
    assert coverage == pytest.approx(float(exact)) and coverage >= 0.95


def test_median_interval_needs_at_least_six_values():
    assert cl.median_ci([1.0, 2.0, 3.0, 4.0, 5.0])[:2] == (-math.inf, math.inf)


def test_median_interval_sorts_never_last():
    values = [5.0] * 4 + [math.inf] * 6
    lo, hi, _ = cl.median_ci(values)
    assert lo == 5.0 and hi == math.inf and cl.median(values) == math.inf


def test_large_n_binomial_uses_log_space_and_matches_the_exact_sum():
    n, k = 2000, 1000
    exact = Fraction(sum(math.comb(n, i) for i in range(k + 1)), 2 ** n)
    assert cl.binomial_half_cdf(k, n) == pytest.approx(float(exact), rel=1e-9)


def test_verdicts_read_the_interval_against_the_threshold():
    assert cl.verdict(0.6, 0.9, 0.5) == "supported"
    assert cl.verdict(0.1, 0.4, 0.5) == "contradicted"
    assert cl.verdict(0.4, 0.6, 0.5) == "inconclusive"
    assert cl.verdict(0.1, 0.4, 0.5, claim_above=False) == "supported"


def test_epochs_to_reach_counts_epochs_until_the_first_cost_below_the_target():
    costs = np.array([[0.7, 0.5, 0.29, 0.31, 0.2], [0.7, 0.6, 0.5, 0.4, 0.35]])
    np.testing.assert_array_equal(cl.epochs_to_reach(costs, 0.3), [3.0, math.inf])


def test_oscillation_compares_batch_spread_with_epoch_to_epoch_change():
    epoch_costs = np.array([1.0, 1.0, 0.9, 0.8])             # E = 4: the tail is epochs 2 and 3 (at least two)
    minibatch = np.array([[1.0, 1.0]] * 3 + [[0.6, 1.0]])     # within-epoch sd: 0, 0, 0, 0.2
    amplitude, ratio = cl.oscillation(minibatch, epoch_costs, tail=0.25)
    spread = (0.0 + 0.2) / 2                                   # mean sd over epochs 2, 3
    assert amplitude == pytest.approx(spread / ((0.9 + 0.8) / 2))
    assert ratio == pytest.approx(spread / ((0.1 + 0.1) / 2))  # changes 1.0 -> 0.9 -> 0.8


# ----------------------------------------------------------------- claims, small configuration
@pytest.fixture(scope="module")
def small():
    trained = cl.train_for_claims(X, Y, SMALL_SEEDS, SMALL_EPOCHS)
    return cl.evaluate(X, Y, trained, {"seeds": SMALL_SEEDS, "epochs": SMALL_EPOCHS})


def claim(run, id):
    return next(c for c in run.claims if c.id == id)


def test_per_run_accuracies_are_the_reference_trained_runs_predictions(small):
    for run in (7,):
        for a, optimizer in ((0, "gd"), (2, "adam")):
            result = reference.train(X, Y, reference.LAYERS_DIMS, optimizer, num_epochs=SMALL_EPOCHS,
                                     init_seed=seeds.init_seed(run), first_seed=seeds.first_seed(run, SMALL_EPOCHS))
            assert small.accuracy[a, run] == reference.predict(X, Y, result.parameters)[1]


def test_each_claims_estimate_lies_in_its_interval_and_counts_add_up(small):
    for c in small.claims:
        lo, hi = c.ci
        if not math.isnan(c.estimate):
            assert lo <= c.estimate <= hi, c.id
        if "count" in c.details and c.n:
            assert c.estimate == pytest.approx(c.details["count"] / c.n)
    wins = int((small.accuracy[2] > small.accuracy[0]).sum())
    assert claim(small, "adam-beats-gd").details["count"] == wins


def test_the_assignments_claims_hold_on_a_small_configuration(small):
    """Verdicts are read off 95% intervals: each is a statistical statement about these runs."""
    assert claim(small, "adam-beats-gd").verdict == "supported"
    assert claim(small, "momentum-negligible").verdict == "supported"
    for name in cl.OPTIMIZERS:
        assert claim(small, f"oscillation-from-batches-{name}").verdict == "supported"


def test_report_is_json_with_a_format_version(small):
    report = json.loads(json.dumps(cl.report_dict(small)))
    assert report["format"] == cl.FORMAT and report["mode"] == "claims"
    assert len(report["per_run"]["adam"]["final_accuracy"]) == SMALL_SEEDS
    assert {c["id"] for c in report["claims"]} >= {"adam-beats-gd", "momentum-negligible", "dead-adam"}


def test_sweep_marks_each_cell_and_finds_no_threshold_when_all_are_negligible():
    s = cl.sweep(X, Y, [0.0007, 0.002], [0.5, 0.9], 6, 20)
    assert len(s.cells) == 4 and s.relative.shape == (2, 2, 6)
    for c in s.cells:
        assert c.verdict in ("supported", "contradicted", "inconclusive")
        assert c.estimate == pytest.approx(np.median(s.relative[s.learning_rates.index(c.details["learning_rate"]),
                                                                s.betas.index(c.details["beta"])]))
    assert set(s.threshold_lr) == {0.5, 0.9}


# ------------------------------------------------------------------------------ command
def run_cli(capsys, *argv):
    code = claims_cli.main(claims_cli.build_parser().parse_args(list(argv)))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, fragment", [
    (["--seeds", "0"], "--seeds"),
    (["--epochs", "0"], "--epochs"),
    (["--seeds", "999999999"], "2**32"),
    (["--sweep", "--betas", "1.0"], "--betas"),
    (["--learning-rate", "-1"], "--learning-rate"),
])
def test_bad_arguments_exit_2_with_one_line(capsys, argv, fragment):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err


def test_unwritable_outputs_are_refused_before_training(capsys, tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for argv in (["--json", str(tmp_path)], ["--json", str(tmp_path / "missing" / "r.json")],
                 ["--plot", str(a_file)]):
        code, out, err = run_cli(capsys, "--seeds", "2", "--epochs", "1", *argv)
        assert code == 2 and "Claims" not in out and len(err.strip().splitlines()) == 1


def test_claims_command_prints_each_claim_and_writes_json(capsys, tmp_path):
    path = tmp_path / "claims.json"
    code, out, _ = run_cli(capsys, "--seeds", "6", "--epochs", "20", "--json", str(path), "--quiet")
    assert code == 0
    assert "Adam clearly beats mini-batch gd" in out and "95% CI" in out
    report = json.loads(path.read_text())
    assert report["format"] == "optoracle-claims/1" and report["config"]["seeds"] == 6
    assert not (tmp_path / "unused.json").exists()


@pytest.mark.heavy                 # matplotlib
def test_plots_are_written_with_matplotlib(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    code, out, _ = run_cli(capsys, "--seeds", "6", "--epochs", "10", "--plot", str(tmp_path / "plots"), "--quiet")
    assert code == 0
    assert (tmp_path / "plots" / "accuracies.png").stat().st_size > 0
    assert (tmp_path / "plots" / "costs.png").stat().st_size > 0


def test_add_parser_registers_the_claims_subcommand():
    parser = argparse.ArgumentParser(prog="optoracle")
    claims_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["claims", "--seeds", "3", "--sweep", "--betas", "0.5"])
    assert args.func is claims_cli.main and args.seeds == 3 and args.betas == [0.5]
