"""Meta-tests: the suite rejects every catalogued wrong implementation, and every check rejects one.

Runs under the ``mutation`` Hypothesis profile (10 derandomized examples, shrinking cut at
0.5 s): a kill needs one failing example, not a minimal one.
"""
import pytest

from properties import CHECKS, load_target
from properties.catalog import CATALOG
from properties.runner import run_check

# For every check, one catalog entry that it alone must reject.
KILLER_OF = {
    "check_minibatch_keeps_x_and_y_columns_paired": "minibatch-separate-permutations",
    "check_minibatch_batches_partition_the_columns": "minibatch-drops-last-partial-batch",
    "check_minibatch_count_is_floor_plus_remainder": "minibatch-size-ignored",
    "check_minibatch_shapes_are_full_then_remainder": "minibatch-y-flattened",
    "check_minibatch_order_is_the_seeded_permutation": "minibatch-seed-not-set",
    "check_minibatch_leaves_x_and_y_untouched": "minibatch-shuffles-in-place",
    "check_initialize_parameters_draws_he_weights_after_seed_3": "he-init-uses-xavier-scale",
    "check_forward_propagation_matches_the_reference": "forward-sigmoid-on-hidden-layers",
    "check_compute_cost_is_the_mean_cross_entropy": "cost-sum-not-mean",
    "check_compute_cost_is_finite_for_saturated_correct_predictions": "cost-naive-log-on-saturated-sigmoid",
    "check_backward_propagation_matches_the_reference": "backward-missing-one-over-m",
    "check_backward_propagation_takes_relu_derivative_zero_at_zero": "relu-derivative-one-at-zero",
    "check_predict_is_one_strictly_above_one_half": "predict-threshold-inclusive",
    "check_model_follows_the_reference_for_ten_epochs": "train-adam-t-reset-every-epoch",
    "check_gd_update_is_p_minus_lr_g": "gd-sign-flipped",
    "check_gd_with_zero_gradient_is_a_fixed_point": "gd-unscaled-weight-decay",
    "check_gd_with_zero_learning_rate_is_the_identity": "gd-unscaled-weight-decay",
    "check_momentum_update_matches_the_ema_rule": "momentum-without-one-minus-beta",
    "check_momentum_with_zero_gradient_and_velocity_is_a_fixed_point": "momentum-velocity-offset",
    "check_momentum_with_zero_beta_equals_gd": "momentum-beta-on-gradient",
    "check_momentum_constant_gradient_gives_one_minus_beta_to_the_t_times_g": "momentum-without-one-minus-beta",
    "check_momentum_velocity_never_exceeds_the_largest_gradient": "momentum-without-one-minus-beta",
    "check_initialize_velocity_is_zeros_shaped_like_the_parameters": "velocity-initialized-to-ones",
    "check_initialize_adam_is_zeros_shaped_like_the_parameters": "adam-state-shapes-transposed",
    "check_state_arrays_are_separate_buffers": "adam-state-v-and-s-share-buffers",
    "check_adam_update_matches_the_reference_rule": "adam-s-accumulates-g",
    "check_adam_first_step_uses_corrected_moments_g_and_g_squared": "adam-bias-correction-t-plus-1",
    "check_adam_constant_gradient_keeps_corrected_moments_exact": "adam-bias-correction-without-power",
    "check_adam_bias_correction_vanishes_at_large_t": "adam-bias-correction-without-power",
    "check_adam_with_zero_gradient_and_moments_is_a_fixed_point": "adam-epsilon-in-numerator",
    "check_adam_constant_gradient_moves_each_coordinate_at_most_lr": "adam-no-bias-correction",
    "check_adam_update_is_invariant_to_gradient_scale": "adam-s-accumulates-g",
    "check_adam_first_step_moves_against_the_gradient_sign": "adam-gradient-sign-flipped",
    "check_adam_epsilon_placement_follows_the_profile": "adam-epsilon-outside-root",
    "check_gd_trajectory_matches_the_reference_step_by_step": "gd-sign-flipped",
    "check_momentum_trajectory_matches_the_reference_step_by_step": "momentum-without-one-minus-beta",
    "check_adam_trajectory_matches_the_reference_step_by_step": "adam-no-bias-correction",
    "check_backward_propagation_matches_the_symbolic_gradient": "backward-missing-one-over-m",
    "check_forward_and_cost_match_the_symbolic_cost": "cost-sum-not-mean",
    "check_update_rules_lie_within_ulps_of_exact_arithmetic": "adam-bias-correction-t-plus-1",
    "check_update_functions_reproduce_the_golden_unit_cases": "gd-sign-flipped",
    "check_random_mini_batches_reproduce_the_golden_partitions": "minibatch-seed-not-set",
    "check_model_reproduces_the_golden_trajectory": "train-seed-not-incremented",
    "check_train_costs_follow_the_reference_for_ten_epochs": "train-epoch-cost-is-mean-of-batch-means",
}


pytestmark = pytest.mark.usefixtures("mutation_profile")


def test_the_catalog_has_at_least_30_entries_each_replacing_one_course_function():
    assert len(CATALOG) >= 30
    for entry in CATALOG.values():
        module = load_target(f"catalog:{entry.name}").module
        assert getattr(module, entry.function) is entry.impl


def test_every_check_has_a_killer_in_the_catalog():
    assert set(KILLER_OF) == set(CHECKS), "a new check needs an entry in KILLER_OF"
    assert set(KILLER_OF.values()) <= set(CATALOG)


@pytest.mark.parametrize("check_name", list(KILLER_OF))
def test_every_check_fails_on_a_deliberately_wrong_implementation(check_name):
    result = run_check(CHECKS[check_name], load_target(f"catalog:{KILLER_OF[check_name]}"))
    assert result.status == "failed", f"{check_name} did not reject {KILLER_OF[check_name]}: {result.status}"


def kill(entry):
    """Run the checks that call the mutated function, those tagged with its expected clauses first;
    return the first failing result whose clause is one of them (or None)."""
    impl = load_target(f"catalog:{entry.name}")
    relevant = [i for i in CHECKS.values() if entry.function in i.needs
                or (entry.function == "forward_propagation" and "backward_propagation" in i.needs)]
    relevant.sort(key=lambda i: not set(i.clauses) & set(entry.caught_by))
    for info in relevant:
        result = run_check(info, impl)
        if result.status == "failed" and result.clause in entry.caught_by:
            return result
    return None


@pytest.mark.parametrize("name", list(CATALOG))
def test_every_catalog_entry_is_killed_by_one_of_its_clauses(name):
    entry = CATALOG[name]
    result = kill(entry)
    assert result is not None, f"{name} ({entry.mistake}) survived: no check of {entry.caught_by} failed"
