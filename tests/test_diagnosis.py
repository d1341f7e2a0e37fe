"""The diagnosis names the mistake: every catalog entry as itself under every edition, conventions as
conventions, and in words what happened where nothing is known (never "raised" where nothing raised)."""
import json

import pytest

from conftest import diagnosis_of, target_file, trusted
from properties.catalog import CATALOG, editions_to_test
from properties.diagnosis import PROBES, diagnose
from reference.conventions import EDITIONS

# seed and 2021 between them take both values of every convention axis (SPEC "Editions and conventions")
COVERING = ("seed", "2021")
CASES = [(name, edition) for name, entry in CATALOG.items() for edition in editions_to_test(entry, COVERING)
         if entry.function in PROBES and entry.probed]


def test_the_two_editions_of_the_diagnosis_tests_take_every_value_of_every_axis():
    from reference.conventions import AXES, complete
    for axis in AXES.values():
        assert {getattr(complete(EDITIONS[e]), axis.name) for e in COVERING} == set(axis.values), axis.name


@pytest.mark.parametrize("name, edition", CASES, ids=[f"{n}@{e}" for n, e in CASES])
def test_every_catalog_entry_is_named_by_the_diagnosis_under_every_convention_and_nothing_else_is(name, edition):
    entry = CATALOG[name]
    target = trusted(f"catalog:{name}@{edition}", edition)
    found = diagnose(target, entry.function)
    assert found is not None and found[1] == name, found
    others = [n for n in CATALOG if n != name and f"'{n}'" in found[0]]
    assert not others, f"{name} is indistinguishable from {others} on the probes"


@pytest.mark.parametrize("edition", COVERING)
def test_the_reference_under_every_convention_needs_no_diagnosis(edition):
    target = trusted(f"reference@{edition}", edition)
    assert all(diagnose(target, function) is None for function in PROBES if target.has(function))


def test_a_convention_the_profile_does_not_allow_is_named_as_the_convention():
    target = trusted("reference@course", "seed")
    text, identifier = diagnose(target, "update_parameters_with_adam")
    assert identifier == "convention:epsilon=outside" and "sqrt(s_corrected) + epsilon" in text


def test_a_new_mistake_is_reported_as_unknown_with_the_first_divergence(tmp_path):
    novel = tmp_path / "novel.py"
    novel.write_text("from reference import *\n"
                     "def update_parameters_with_gd(parameters, grads, learning_rate):\n"
                     "    return {k: p - 2 * learning_rate * grads['d' + k] for k, p in parameters.items()}\n")
    text, identifier = diagnosis_of(novel, "update_parameters_with_gd")
    assert identifier == "unknown" and "matches no known variant" in text
    assert "probe 'case 0'" in text and "key '/W1'" in text and "raised" not in text


def test_mutated_gradients_are_named_as_such_and_never_called_raised():
    text, identifier = diagnosis_of(target_file("broken_mutates.py"), "update_parameters_with_momentum")
    assert identifier == "momentum-scales-grads-in-place" and "caller's gradients change" in text
    assert "raised" not in text


def test_an_unknown_mutation_is_described_as_a_mutation_not_as_raising(tmp_path):
    novel = tmp_path / "zeroes_grads.py"
    novel.write_text("from reference import *\n"
                     "def update_parameters_with_gd(parameters, grads, learning_rate):\n"
                     "    out = {k: p - learning_rate * grads['d' + k] for k, p in parameters.items()}\n"
                     "    for g in grads.values():\n"
                     "        g[...] = 0.0\n"
                     "    return out\n")
    text, identifier = diagnosis_of(novel, "update_parameters_with_gd")
    assert identifier == "unknown" and "yours mutated its input grads['dW1']" in text and "raised" not in text


def test_a_float32_computation_is_named_float32():
    target = trusted("catalog:adam-computes-in-float32")
    text, identifier = diagnose(target, "update_parameters_with_adam")
    assert identifier == "adam-computes-in-float32" and "float32" in text


def test_a_float32_denominator_is_not_mistaken_for_another_mistake():
    target = trusted("catalog:adam-float32-denominator")
    assert diagnose(target, "update_parameters_with_adam")[1] == "adam-float32-denominator"


def test_the_diagnosis_reaches_the_json_report(tmp_path):
    from optoracle.cli import main
    out = tmp_path / "report.json"
    code = main(["check", "catalog:momentum-nesterov", "--examples", "mutation", "-q", "--clause", "momentum",
                 "--json", str(out), "--jobs", "1"])
    report = json.loads(out.read_text())
    failures = [c["failure"] for c in report["checks"] if c["failure"]]
    assert code == 1 and failures
    assert all(f["diagnosis_id"] == "momentum-nesterov" for f in failures)
    assert all("Nesterov" in f["diagnosis"] for f in failures)


def _with(text, *replacements):
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_a_mistake_that_hides_a_convention_from_the_detection_is_still_named(tmp_path):
    """Round 15's w2: epoch i shuffled with seed 10 + i, and the epoch's total / m printed. The printed cost then
    matches neither view of the right run: the view is not determined and judged by the seed edition's (the last
    mini-batch's), under which no catalog entry matched; under the value it could take, one does."""
    import pathlib
    from conftest import ROOT
    shuffle = "        for minibatch_X, minibatch_Y in random_mini_batches(X, Y, mini_batch_size, seed):\n"
    cost = "            cost = compute_cost(a3, minibatch_Y)\n"
    printed = "        if print_cost and i % 1000 == 0:\n            print(\"Cost after epoch %i: %f\" % (i, cost))\n"
    text = _with(pathlib.Path(ROOT, "examples", "student_correct.py").read_text(),
                 ("    return parameters, v, s, v_corrected, s_corrected\n", "    return parameters, v, s\n"),
                 ("parameters, v, s, _, _ = update_", "parameters, v, s = update_"),          # Adam's 3-tuple
                 ("        seed = seed + 1\n" + shuffle, "        total = 0.0\n" + shuffle),
                 (cost, cost + "            total += cost * minibatch_X.shape[1]\n"),
                 (printed, "        seed = seed + 1                           # after the shuffle: the mistake\n"
                           + printed.replace("(i, cost)", "(i, total / X.shape[1])")))
    source = tmp_path / "seed_after_the_shuffle.py"
    source.write_text(text)
    from properties.runner import open_target
    target = open_target(str(source))
    try:
        assert "cost_view" in target.undetermined and target.conventions.cost_view == "last-batch"
        found = diagnose(target, "model")
    finally:
        target.close()
    assert found[1] == "train-seed-incremented-after-shuffle", found
    assert "taking 'model prints the epoch's total cost / m', which the detection could not determine" in found[0]


@pytest.mark.parametrize("body, words", [
    ("    return []\n", "yours returned nothing (an empty list)"),
    ("    return [(X, Y)]\n", "yours returned 1 mini-batch of"),                  # unshuffled, whole
    ("    return [(X[:, :1], Y[:, :1]), (X[:, 1:], Y[:, 1:])]\n", "yours returned 2 mini-batches of 1, "),
])
def test_mini_batches_no_seed_explains_are_described_by_what_was_returned(tmp_path, body, words):
    # round 16: "yours returned other values" where a student's code returned no batch at all
    novel = tmp_path / "batches.py"
    novel.write_text("from reference import *\ndef random_mini_batches(X, Y, mini_batch_size=64, seed=0):\n" + body)
    text, identifier = diagnosis_of(novel, "random_mini_batches")
    assert identifier == "unknown" and words in text and "returned other values" not in text, text


def test_a_model_that_differs_from_the_profile_in_several_conventions_is_named_by_them_all():
    # round 18: the course's code under --profile seed (epsilon, the printed cost and Adam's tuple differ) had its
    # model "match no known variant": each axis's candidate changes one value and keeps the profile's others
    target = trusted("reference@2021", "seed")
    assert target.profile == "seed" and target.conventions.cost_view == "last-batch"
    text, identifier = diagnose(target, "model")
    named = identifier.removeprefix("convention:").split("+")
    assert {"epsilon=outside", "cost=sum", "cost_view=epoch-mean"} <= set(named), identifier
    assert "conventions detected in your code" in text and "profile judged here (seed) does not allow" in text
