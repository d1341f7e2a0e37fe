"""The batched trainer (``reference.batched``) against the readable reference, run by run.

Expected values come from ``reference.train`` called once per run with that run's seeds, and from
numpy's own random functions; tolerances (torch only) come from ``torch_tolerance``'s derivation.
"""
import numpy as np
import pytest

import golden
import reference
from reference.batched import Arm, seeds, torch_tolerance, train_batched
from reference.batched import step as batched_step

DATA = golden.load("dataset.json")
X, Y = DATA["X"], DATA["Y"]
DIMS = reference.LAYERS_DIMS
EPOCHS = 4                      # 20 updates per run: enough to cross epochs, Adam's t, decay steps
RUNS = [0, 2, 5]


def reference_run(optimizer, run, epochs=EPOCHS, **options):
    return reference.train(X, Y, DIMS, optimizer, num_epochs=epochs, init_seed=seeds.init_seed(run),
                           first_seed=seeds.first_seed(run, epochs), **options)


def assert_lane_equals_reference(result, a, k, expected):
    """Bit for bit: every float compared through its 64-bit pattern (so -0.0 != 0.0 here)."""
    lane = result.lane(a, k)
    for key, value in expected.parameters.items():
        np.testing.assert_array_equal(lane["parameters"][key].view(np.int64), value.view(np.int64), err_msg=key)
    for field in ("epoch_costs", "minibatch_costs", "minibatch_sums", "learning_rates"):
        np.testing.assert_array_equal(lane[field].view(np.int64), getattr(expected, field).view(np.int64),
                                      err_msg=field)
    if expected.optimizer == "adam":
        assert result.t == expected.t


@pytest.fixture(scope="module")
def three_optimizers():
    return train_batched(X, Y, ["gd", "momentum", "adam"], RUNS, num_epochs=EPOCHS)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adam"])
def test_batched_optimizer_equals_reference_train_run_by_run(three_optimizers, optimizer):
    a = ["gd", "momentum", "adam"].index(optimizer)
    for k, run in enumerate(RUNS):
        assert_lane_equals_reference(three_optimizers, a, k, reference_run(optimizer, run))


@pytest.mark.parametrize("placement", ["inside", "outside"])
@pytest.mark.parametrize("decay", [None, "update_lr", "schedule_every_2"])
def test_batched_adam_and_momentum_equal_reference_under_every_convention(placement, decay):
    if decay == "schedule_every_2":          # schedule_lr_decay with a short interval, so it steps within 4 epochs
        decay = lambda lr0, i, rate: reference.schedule_lr_decay(lr0, i, rate, time_interval=2)   # noqa: E731
    options = dict(epsilon_placement=placement, decay=decay, decay_rate=0.5 if decay else 1)
    arms = [Arm("momentum", learning_rate=0.01, beta=0.8), Arm("adam", learning_rate=0.01)]
    result = train_batched(X, Y, arms, [1, 4], num_epochs=EPOCHS, **options)
    for k, run in enumerate([1, 4]):
        assert_lane_equals_reference(result, 0, k, reference_run("momentum", run, learning_rate=0.01, beta=0.8,
                                                                  **options))
        assert_lane_equals_reference(result, 1, k, reference_run("adam", run, learning_rate=0.01, **options))


def test_run_zero_is_the_course_run():
    result = train_batched(X, Y, ["adam"], 1, num_epochs=3)
    course = reference.train(X, Y, DIMS, "adam", num_epochs=3)          # the reference's defaults: seeds 3 and 11
    assert (seeds.init_seed(0), seeds.first_seed(0, 3)) == (3, 11)
    assert_lane_equals_reference(result, 0, 0, course)


def test_arms_with_different_hyperparameters_in_one_group_each_equal_their_reference_run():
    arms = [Arm("gd", learning_rate=lr) for lr in (0.001, 0.05)] + [Arm("momentum", beta=b) for b in (0.5, 0.99)]
    result = train_batched(X, Y, arms, [3], num_epochs=2)
    for a, arm in enumerate(arms):
        expected = reference_run(arm.optimizer, 3, epochs=2, learning_rate=arm.learning_rate, beta=arm.beta)
        assert_lane_equals_reference(result, a, 0, expected)


def test_unfolded_bias_path_is_also_bit_identical(monkeypatch):
    monkeypatch.setattr("reference.batched.trainer.bias_folds", lambda dims, sizes: False)
    result = train_batched(X, Y, ["momentum"], [2], num_epochs=2)
    assert_lane_equals_reference(result, 0, 0, reference_run("momentum", 2, epochs=2))


def test_this_blas_adds_the_folded_bias_last():
    assert batched_step.bias_folds(tuple(DIMS), (44, 64))


def test_chunks_and_worker_processes_change_no_bit():
    one = train_batched(X, Y, ["gd", "adam"], 5, num_epochs=2, workers=1, chunk_runs=5)
    split = train_batched(X, Y, ["gd", "adam"], 5, num_epochs=2, workers=2, chunk_runs=2)
    assert split.runs == one.runs
    for key in one.parameters:
        np.testing.assert_array_equal(split.parameters[key], one.parameters[key])
    np.testing.assert_array_equal(split.minibatch_sums, one.minibatch_sums)


# ----------------------------------------------------------------------------------- seeds
@pytest.mark.parametrize("epochs", [1, 100, 10000, 25000])
def test_runs_mini_batch_seeds_never_collide(epochs):
    intervals = [(seeds.first_seed(r, epochs), seeds.first_seed(r, epochs) + epochs) for r in range(4)]
    for (lo1, hi1), (lo2, _) in zip(intervals, intervals[1:]):
        assert hi1 <= lo2
    last = seeds.max_runs(epochs) - 1
    assert seeds.first_seed(last, epochs) + epochs - 1 <= 2 ** 32 - 1
    assert seeds.first_seed(last + 1, epochs) + epochs - 1 > 2 ** 32 - 1


def test_a_run_with_fewer_epochs_uses_a_prefix_of_the_same_seeds():
    assert seeds.first_seed(7, 100) == seeds.first_seed(7, 10000) == 11 + 7 * 10000
    assert [seeds.init_seed(r) for r in range(3)] == [3, 4, 5]


def test_too_many_runs_for_32_bit_seeds_is_refused():
    with pytest.raises(ValueError, match="2\\*\\*32"):
        seeds.check_runs([seeds.max_runs(10000)], 10000)


def test_epoch_permutations_equal_numpys_global_seed_and_permutation():
    perms = seeds.Permutations([0, 9], 300, 50)
    got = perms.epoch(7)
    for k, run in enumerate([0, 9]):
        np.random.seed(seeds.first_seed(run, 50) + 7)
        np.testing.assert_array_equal(got[k], np.random.permutation(300))


def test_he_parameters_equal_reference_initialize_parameters():
    flat = seeds.he_parameters(DIMS, 6)
    expected = reference.initialize_parameters(DIMS, seed=9)
    np.testing.assert_array_equal(flat, np.concatenate([expected[f"{n}{l}"].ravel() for l in (1, 2, 3)
                                                         for n in ("W", "b")]))


def test_relu_with_a_zeros_array_equals_the_references_maximum_on_special_values():
    special = np.array([[0.0, -0.0, np.nan, np.inf, -np.inf, 5e-324, -5e-324, 1.5, -1.5]])
    expected = reference.relu(special)
    got = batched_step.np.maximum(np.zeros_like(special), special)
    np.testing.assert_array_equal(got.view(np.int64), expected.view(np.int64))


# ------------------------------------------------------------------------------ validation
@pytest.mark.parametrize("kwargs, message", [
    (dict(arms=["sgd"]), "optimizer"),
    (dict(arms=[Arm("gd")], num_epochs=0), "num_epochs"),
    (dict(arms=[Arm("gd")], epsilon_placement="middle"), "epsilon_placement"),
    (dict(arms=[Arm("gd")], runs=[1, 1]), "distinct"),
    (dict(arms=[Arm("gd")], backend="jax"), "backend"),
])
def test_bad_arguments_raise_value_errors_naming_the_argument(kwargs, message):
    kwargs = {"arms": ["gd"], "runs": 2, "num_epochs": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        train_batched(X, Y, kwargs.pop("arms"), kwargs.pop("runs"), **kwargs)


def test_an_arm_rejects_a_beta_of_one():
    with pytest.raises(ValueError, match="beta"):
        Arm("momentum", beta=1.0)


# ----------------------------------------------------------------------------------- torch
@pytest.mark.heavy                 # PyTorch
def test_torch_cpu_agrees_with_numpy_within_the_derived_tolerance():
    pytest.importorskip("torch")
    arms = [Arm("gd", learning_rate=0.05), Arm("momentum", learning_rate=0.05), Arm("adam", learning_rate=0.01)]
    epochs = 10
    steps = epochs * 5
    numpy_result = train_batched(X, Y, arms, 3, num_epochs=epochs)
    torch_result = train_batched(X, Y, arms, 3, num_epochs=epochs, backend="torch", device="cpu")
    assert torch_result.backend == "torch-cpu"
    for a, arm in enumerate(arms):
        tolerance = torch_tolerance(arm, steps)
        for key in numpy_result.parameters:
            np.testing.assert_allclose(torch_result.parameters[key][a], numpy_result.parameters[key][a],
                                       rtol=0, atol=tolerance, err_msg=f"{arm.optimizer} {key}")
        # the cost's own rounding (72 ulp, as the parameters'), plus the parameters' difference times
        # |dJ/dp| summed over the 23 parameters: each |dJ/dp| stays below 1 on the moons (measured: at most
        # 0.91 over these arms' first 10 epochs and three initialisations), so 23 * tolerance bounds it
        cost_tolerance = 72 * 2.0 ** -53 * 2 + 23 * tolerance
        np.testing.assert_allclose(torch_result.epoch_costs[a], numpy_result.epoch_costs[a],
                                   rtol=cost_tolerance, atol=0)


@pytest.mark.slow
def test_batched_equals_reference_train_over_two_thousand_epochs():
    epochs = 2000
    result = train_batched(X, Y, ["gd", "momentum", "adam"], [0, 11], num_epochs=epochs)
    for a, optimizer in enumerate(["gd", "momentum", "adam"]):
        for k, run in enumerate([0, 11]):
            assert_lane_equals_reference(result, a, k, reference_run(optimizer, run, epochs=epochs))
