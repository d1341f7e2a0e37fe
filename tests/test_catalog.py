"""Meta-tests: the suite rejects every catalogued wrong implementation under every edition it applies to,
and every check rejects one. The proof that a check works is the wrong implementation it kills.

Runs under the ``mutation`` budget (10 derandomized examples, no shrinking): a kill needs one failing
example, not a minimal one. Catalog entries and the reference are optoracle's own code, run in-process.
"""
import pytest

from conftest import target_file, trusted
from properties.catalog import CATALOG, editions_to_test
from properties.registry import checks
from properties.runner import run_check
from reference.conventions import EDITIONS

# For every check, a target (and the profile it is judged under) that it must reject.
KILLER_OF = {
    "check_initialize_parameters_draws_he_weights_after_seed_3": ("catalog:he-init-uses-xavier-scale", "auto"),
    "check_forward_propagation_matches_the_reference": ("catalog:forward-sigmoid-on-hidden-layers", "auto"),
    "check_compute_cost_is_the_cross_entropy": ("catalog:cost-divided-by-m-twice", "auto"),
    "check_forward_and_cost_match_the_symbolic_cost": ("catalog:forward-sigmoid-on-hidden-layers", "auto"),
    "check_cost_convention_is_one_the_profile_allows": ("reference@2019", "seed"),
    "check_compute_cost_is_finite_for_saturated_correct_predictions": (
        "catalog:cost-naive-log-on-saturated-sigmoid", "auto"),
    "check_compute_cost_of_a_confidently_wrong_prediction_is_infinite": ("catalog:cost-clips-predictions", "auto"),
    "check_backward_propagation_matches_the_reference": ("catalog:backward-missing-one-over-m", "auto"),
    "check_backward_propagation_matches_the_symbolic_gradient": ("catalog:relu-derivative-on-wrong-layer", "auto"),
    "check_backward_propagation_takes_relu_derivative_zero_at_zero": ("catalog:relu-derivative-one-at-zero", "auto"),
    "check_backward_propagation_is_finite_where_the_sigmoid_saturates": ("catalog:backward-dz3-through-da3", "auto"),
    "check_predict_is_one_strictly_above_one_half": ("catalog:predict-threshold-inclusive", "auto"),
    "check_minibatch_order_is_the_seeded_permutation": ("catalog:minibatch-seed-set-after-permutation", "auto"),
    "check_minibatch_keeps_x_and_y_columns_paired": ("catalog:minibatch-separate-permutations", "auto"),
    "check_minibatch_batches_partition_the_columns": ("catalog:minibatch-off-by-one-slices", "auto"),
    "check_minibatch_count_is_floor_plus_remainder": ("catalog:minibatch-extra-empty-batch", "auto"),
    "check_minibatch_shapes_are_full_then_remainder": ("catalog:minibatch-y-flattened", "auto"),
    "check_minibatch_leaves_x_and_y_untouched": ("catalog:minibatch-shuffles-in-place", "auto"),
    "check_num_epochs_convention_is_one_the_profile_allows": ("reference@2021", "2019"),
    "check_course_functions_have_the_course_signatures": ("catalog:adam-default-learning-rate-0.001", "auto"),
    "check_updates_leave_the_gradients_untouched": ("catalog:momentum-scales-grads-in-place", "auto"),
    "check_updates_take_the_gradients_as_backward_propagation_returns_them": ("catalog:gd-layers-from-grads", "auto"),
    "check_float64_inputs_give_float64_outputs": ("catalog:adam-computes-in-float32", "auto"),
    # the course's own code does not validate either (tests/test_editions.py shows the advisory there)
    "check_bad_input_raises_an_error_naming_the_argument": (target_file("../../examples/student_correct.py"), "auto"),
    "check_gd_update_is_p_minus_lr_g": ("catalog:gd-sign-flipped", "auto"),
    "check_gd_with_zero_gradient_or_zero_learning_rate_leaves_p_unchanged": ("catalog:gd-unscaled-weight-decay",
                                                                             "auto"),
    "check_gd_keeps_nan_and_infinite_gradients_to_their_entries": ("catalog:gd-nan-gradients-zeroed", "auto"),
    "check_initialize_velocity_is_zeros_shaped_like_the_parameters": ("catalog:velocity-initialized-to-ones", "auto"),
    "check_initialize_adam_is_zeros_shaped_like_the_parameters": ("catalog:adam-state-shapes-transposed", "auto"),
    "check_state_arrays_are_separate_buffers": ("catalog:adam-state-v-and-s-share-buffers", "auto"),
    "check_momentum_update_matches_the_ema_rule": ("catalog:momentum-nesterov", "auto"),
    "check_momentum_with_zero_gradient_and_velocity_is_a_fixed_point": ("catalog:momentum-velocity-offset", "auto"),
    "check_momentum_with_zero_beta_equals_gd": ("catalog:momentum-beta-on-gradient", "auto"),
    "check_momentum_constant_gradient_gives_one_minus_beta_to_the_t_times_g": (
        "catalog:momentum-buffer-starts-at-gradient", "auto"),
    "check_momentum_velocity_never_exceeds_the_largest_gradient": ("catalog:momentum-without-one-minus-beta",
                                                                   "auto"),
    "check_momentum_keeps_nan_and_infinite_gradients_to_their_entries": ("catalog:momentum-velocity-not-stored",
                                                                         "auto"),
    "check_adam_update_matches_the_reference_rule": ("catalog:adam-amsgrad", "auto"),
    "check_adam_bias_correction_is_applied_at_every_t": ("catalog:adam-bias-correction-skipped-after-1000", "auto"),
    "check_adam_first_step_uses_corrected_moments_g_and_g_squared": ("catalog:adam-bias-correction-t-plus-1",
                                                                     "auto"),
    "check_adam_constant_gradient_keeps_corrected_moments_exact": ("catalog:adam-bias-correction-without-power",
                                                                   "auto"),
    "check_adam_epsilon_placement_follows_the_conventions": ("reference@course", "seed"),
    "check_epsilon_convention_is_one_the_profile_allows": ("reference@course", "seed"),
    "check_adam_corrected_moments_when_it_returns_five_values": ("catalog:adam-corrected-moments-not-corrected@2021",
                                                                 "auto"),
    "check_adam_returns_convention_is_one_the_profile_allows": ("reference@2021", "seed"),
    "check_adam_with_zero_gradient_and_moments_is_a_fixed_point": ("catalog:adam-epsilon-in-numerator", "auto"),
    "check_adam_keeps_nan_and_infinite_gradients_to_their_entries": ("catalog:adam-power-precedence-slip", "auto"),
    "check_adam_constant_gradient_moves_each_coordinate_at_most_lr": ("catalog:adam-no-bias-correction", "auto"),
    "check_adam_update_is_invariant_to_gradient_scale": ("catalog:adam-s-accumulates-abs-g", "auto"),
    "check_adam_first_step_moves_against_the_gradient_sign": ("catalog:adam-gradient-sign-flipped", "auto"),
    "check_update_lr_and_schedule_lr_decay_follow_their_formulas": ("catalog:update-lr-decays-linearly@2021",
                                                                    "auto"),
    "check_model_applies_decay_after_every_epoch": ("catalog:model-decays-before-the-epoch@2021", "auto"),
    "check_decay_convention_is_one_the_profile_allows": ("reference@2021", "seed"),
    "check_model_prints_the_cost_every_1000_epochs": ("catalog:model-prints-mean-of-batch-means", "auto"),
    "check_cost_view_convention_is_one_the_profile_allows": ("reference@2019", "seed"),
    "check_model_trains_with_the_hyperparameters_it_is_given": ("catalog:model-batch-size-hard-coded", "auto"),
    "check_model_counts_adam_steps_into_the_thousands": ("catalog:train-adam-t-capped", "auto"),
    "check_model_follows_the_reference_for_ten_epochs": ("catalog:train-adam-t-reset-every-epoch", "auto"),
    "check_gd_trajectory_matches_the_reference_step_by_step": ("catalog:gd-db-uses-dW", "auto"),
    "check_momentum_trajectory_matches_the_reference_step_by_step": ("catalog:momentum-updates-with-gradient",
                                                                     "auto"),
    "check_adam_trajectory_matches_the_reference_step_by_step": ("catalog:adam-running-beta-powers", "auto"),
    "check_update_rules_lie_within_ulps_of_exact_arithmetic": ("catalog:adam-float32-denominator", "auto"),
    "check_update_functions_reproduce_the_golden_unit_cases": ("catalog:adam-division-precedence-slip", "auto"),
    "check_random_mini_batches_reproduce_the_golden_partitions": ("catalog:minibatch-drops-last-partial-batch",
                                                                  "auto"),
    "check_model_reproduces_the_golden_trajectory": ("catalog:train-seed-not-incremented", "auto"),
}

pytestmark = pytest.mark.usefixtures("mutation_examples")


def test_the_catalog_has_at_least_60_entries_each_replacing_one_course_function():
    from properties.catalog import module_for
    assert len(CATALOG) >= 60
    for entry in CATALOG.values():
        module = module_for(entry.name, "2021" if not entry.applies(EDITIONS["seed"]) else "seed")
        assert getattr(module, entry.function).__name__ == entry.function


def test_every_check_has_a_killer():
    assert set(KILLER_OF) == set(checks()), "a new check needs a killer in KILLER_OF"


@pytest.mark.parametrize("check_name", list(KILLER_OF))
def test_every_check_fails_on_a_deliberately_wrong_implementation(check_name):
    source, profile = KILLER_OF[check_name]
    target = trusted(source, profile) if not source.endswith(".py") else _child(source, profile)
    try:
        result = run_check(checks()[check_name], target, diagnose=False)
    finally:
        target.close()
    assert result.status == "failed", f"{check_name} did not reject {source} ({result.status}: {result.reason})"
    assert result.failure.kind != "internal", result.failure.what          # a bug in optoracle is no kill


def _child(source, profile):
    from properties.runner import open_target
    return open_target(source, profile=profile)


def _kill(entry, edition):
    """The first failing result, among the checks that call the mutated function, whose clause is one the
    entry names (those checks run first, the cheaper first); None if the entry survives."""
    target = trusted(f"catalog:{entry.name}@{edition}", edition)
    relevant = [c for c in checks().values() if entry.function in c.calls or not c.calls
                or (entry.function == "forward_propagation" and "backward_propagation" in c.calls)]
    relevant.sort(key=lambda c: (not {x.id for x in c.clauses} & set(entry.caught_by), c.weight))   # cheap first
    for check in relevant:
        result = run_check(check, target, diagnose=False)
        assert not (result.failure and result.failure.kind == "internal"), result.failure.what
        if result.status == "failed" and result.clause in entry.caught_by:
            return result
    return None


CASES = [(name, edition) for name, entry in CATALOG.items() for edition in editions_to_test(entry)]


@pytest.mark.parametrize("name, edition", CASES, ids=[f"{n}@{e}" for n, e in CASES])
def test_every_catalog_entry_is_killed_by_one_of_its_clauses_under_each_edition(name, edition):
    entry = CATALOG[name]
    assert _kill(entry, edition) is not None, (f"{name}@{edition} ({entry.mistake}) survived: no check of "
                                               f"{entry.caught_by} failed")


def test_a_catalog_name_defined_twice_is_refused_rather_than_replacing_the_first():
    from properties.catalog import mutant
    with pytest.raises(ValueError, match="catalog entry 'gd-sign-flipped' is defined twice"):
        mutant("gd-sign-flipped", "update_parameters_with_gd", "again", "gd.update")
