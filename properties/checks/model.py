"""Checks of ``model`` as students write it, and of learning-rate decay (SPEC ``train.*``, ``model.*``).

``model`` is called with drawn hyperparameters on the stored seed-3 moons (or their first m
columns); its returned parameters and what it prints are compared with the reference's under
the conventions the target is judged by.
"""
from __future__ import annotations

from hypothesis import strategies as st

import reference as ref

from .. import reference_runs
from .. import strategies as hh
from ..casework import fail
from ..compare import all_close, expect_close, max_magnitude, precision, rtol_for
from ..conventions import COST_LINE, LR_LINE, parse_printed, printed_close
from ..failures import ConformanceError, MissingFunction
from ..fixtures import moons
from ..protocol import FunctionRef
from ..registry import verifies
from ..settings import for_all

MODEL = ("model",)

LAYERS = [2, 5, 2, 1]


def _expect_trained(target, yours, X, Y, optimizer, kwargs, clause, what, decay=None, decay_rate=1, expected=None,
                    layers=tuple(LAYERS)):
    def under(conventions):
        return reference_runs.train(X, Y, optimizer, conventions.epsilon, decay, decay_rate, tuple(layers),
                                    **kwargs).parameters
    expected = under(target.conventions) if expected is None else expected
    steps = reference_runs.updates(X.shape[1], kwargs)
    # rounding differences grow at most linearly with the number of updates (SPEC Tolerances): float64
    # 1e-12 per step, at least the 20-step trajectory tolerance; float32 the 20-step tolerance per 50 steps
    if precision(yours) == "float64":
        rtol = max(rtol_for("trajectory", yours), 1e-12 * steps)
    else:
        rtol = rtol_for("trajectory", yours) * max(1.0, steps / 50)
    scales = (lambda e: {k: max_magnitude(v) for k, v in e.items()})
    try:
        expect_close(target, yours, expected, clause=clause, what=what, rtol=rtol, scales=scales,
                     axes=("epsilon",) if optimizer == "adam" else (), expected_under=under)
    except ConformanceError as error:
        if error.failure.clause == "model.hyperparameters" and decay is None:
            error.failure.details += _ignored_hyperparameters(target, yours, X, Y, optimizer, kwargs, layers, rtol,
                                                              scales)
        raise


# the hyperparameters of the updates: a run with one of them at model's default instead of the value given shows
# that model does not pass it on (num_epochs is left out: its default is thousands of epochs)
UPDATE_HYPERPARAMETERS = {"gd": ("learning_rate", "mini_batch_size"),
                          "momentum": ("learning_rate", "mini_batch_size", "beta"),
                          "adam": ("learning_rate", "mini_batch_size", "beta1", "beta2", "epsilon")}


def _ignored_hyperparameters(target, yours, X, Y, optimizer, kwargs, layers, rtol, scales):
    """Lines naming each hyperparameter given that your parameters behave as if it were left at model's
    default: the reference's run with it at the default matches yours, and the run as given does not."""
    import inspect
    defaults = {name: p.default for name, p in inspect.signature(ref.model).parameters.items()}
    found = []
    for name in UPDATE_HYPERPARAMETERS[optimizer]:
        if name not in kwargs or kwargs[name] == defaults[name]:
            continue
        changed = dict(kwargs, **{name: defaults[name]})
        try:
            other = reference_runs.train(X, Y, optimizer, target.conventions.epsilon, None, 1, tuple(layers),
                                         **changed).parameters
        except Exception:  # noqa: BLE001 - a hint must never hide the failure
            continue
        if isinstance(yours, dict) and set(yours) == set(other) and \
                all_close(yours, other, rtol, scales(other)):
            to = "random_mini_batches" if name == "mini_batch_size" else f"update_parameters_with_{optimizer}"
            found.append(f"  your parameters are the reference's with {name} at model's default {defaults[name]!r} "
                         f"instead of {kwargs[name]!r}: does model pass {name} on to {to}?")
    return found


def _call_text(m, optimizer, kwargs, layers=LAYERS):
    """The model call on the first m columns, as the failure shows it."""
    shown = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"model(X[:, :{m}], Y[:, :{m}], {list(layers)}, '{optimizer}'{shown})"


def _expect_model_trains(target, X, Y, optimizer, kwargs, clause, note="", layers=LAYERS, hint=None):
    """Call model(X, Y, layers, optimizer, print_cost=False, **kwargs) and compare its parameters with the
    reference's under ``clause``; returns (parameters, printed lines). ``hint``: a line of the failure's
    details (where to look), kept out of its one-line ``what``."""
    yours, printed = target.model(X, Y, layers, optimizer, print_cost=False, **kwargs)
    try:
        _expect_trained(target, yours, X, Y, optimizer, kwargs, clause,
                        f"parameters after {_call_text(X.shape[1], optimizer, kwargs, layers)}{note}",
                        layers=tuple(layers))
    except ConformanceError as error:
        if hint:
            error.failure.details.insert(0, hint)
        raise
    return yours, printed


@verifies("train.trajectory", "train.seed-schedule", "train.step-counter", calls=MODEL)
def check_model_follows_the_reference_for_ten_epochs(target):
    """model(...) on the seed-3 moons for 10 epochs ends where the reference's train does, per optimizer."""
    X, Y = moons()
    for optimizer in ref.OPTIMIZERS:
        yours, _ = target.model(X, Y, LAYERS, optimizer, num_epochs=10, print_cost=False)
        _expect_trained(target, yours, X, Y, optimizer, {"num_epochs": 10}, "train.trajectory",
                        f"parameters after model(X, Y, [2, 5, 2, 1], '{optimizer}', num_epochs=10)")


@verifies("train.step-counter", "model.hyperparameters", calls=MODEL, weight=2)
def check_model_counts_adam_steps_into_the_thousands(target):
    """2100 Adam updates (12 columns, b = 1, 175 epochs) end where the reference's do: t runs from 1 to 2100,
    past 2000 and 2048, never capped, wrapped or reset. beta2 = 0.9999 keeps 1 - beta2**t far from 1 all the
    way: a t stuck at 2000 makes the last hundred steps 2% too long, thousands of times the tolerance.
    One epoch of gd on the same columns (12 updates, no t) comes first, under model.hyperparameters: a network
    or mini-batch loop that is wrong in every optimizer is not put down to the step counter."""
    X, Y = moons()
    X, Y = X[:, :12], Y[:, :12]
    _expect_model_trains(target, X, Y, "gd", {"learning_rate": 0.01, "mini_batch_size": 1, "num_epochs": 1},
                         "model.hyperparameters", " (one epoch of gd, before Adam's step counter is judged)")
    _expect_model_trains(target, X, Y, "adam", {"learning_rate": 0.01, "mini_batch_size": 1, "num_epochs": 175,
                                                "beta2": 0.9999}, "train.step-counter",
                         " (2100 updates, t = 1 to 2100; one epoch of gd trains as the reference's does)",
                         hint="Is t capped, wrapped or reset somewhere in model, or are v and s initialised again? "
                              "Where update_parameters_with_adam fails checks of its own, start there.")


EDGE_RUNS = [
    (12, "momentum", {"beta": 0.5, "learning_rate": 0.05, "mini_batch_size": 5, "num_epochs": 2}),
    (12, "adam", {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-4, "learning_rate": 0.05, "mini_batch_size": 4,
                  "num_epochs": 2}),
    (12, "gd", {"learning_rate": 0.1, "mini_batch_size": 12, "num_epochs": 2}),
    (12, "gd", {"learning_rate": 0.1, "mini_batch_size": 20, "num_epochs": 1}),
    (12, "gd", {"learning_rate": 0.1, "mini_batch_size": 5, "num_epochs": 2}, [2, 4, 3, 1]),   # its own widths
    (150, "gd", {"learning_rate": 0.1, "mini_batch_size": 128, "num_epochs": 1}),   # b > 64 and m > b: 128 + 22
]


@verifies("model.hyperparameters", calls=MODEL)
def check_model_trains_with_the_hyperparameters_it_is_given(target):
    """Drawn learning_rate, mini_batch_size (m % b == 0 and b > m among them), beta, beta1, beta2, epsilon and
    num_epochs, and layers_dims, all reach the training; with print_cost=False nothing is printed."""
    X_all, Y_all = moons()

    def run_one(case):
        m, optimizer, kwargs, layers = (*case, LAYERS)[:4]
        _, printed = _expect_model_trains(target, X_all[:, :m], Y_all[:, :m], optimizer, kwargs,
                                          "model.hyperparameters", layers=layers)
        costs, rates = parse_printed(printed)
        if costs or rates:
            line = next(line for line in printed if COST_LINE.match(line.strip()) or LR_LINE.match(line.strip()))
            fail(target, "model.printed-cost", f"model printed {line.strip()!r} with print_cost=False")
    for case in EDGE_RUNS:                      # every hyperparameter away from its default, b = m, b > m
        run_one(case)
    for_all(hh.model_runs())(run_one)()


def _printed_run(target, X, Y, optimizer, kwargs, decay=None, decay_rate=1, trained=None):
    """Call model with print_cost=True; compare its cost (and learning-rate) lines with the reference's.
    ``trained``: (clause, what) to compare the returned parameters first, under that clause."""
    call_kwargs = dict(kwargs, print_cost=True)
    if decay is not None:
        call_kwargs.update(decay=FunctionRef(decay), decay_rate=decay_rate)
    yours, printed = target.model(X, Y, LAYERS, optimizer, **call_kwargs)
    c = target.conventions
    result = reference_runs.train(X, Y, optimizer, c.epsilon, decay, decay_rate, **kwargs)
    if trained is not None:
        _expect_trained(target, yours, X, Y, optimizer, kwargs, *trained, decay=decay, decay_rate=decay_rate,
                        expected=result.parameters)
    epochs = [i for i in range(kwargs["num_epochs"]) if i % 1000 == 0]
    costs, rates = parse_printed(printed)
    call = f"model(..., '{optimizer}', {', '.join(f'{k}={v!r}' for k, v in call_kwargs.items())})"
    if sorted(costs) != epochs:
        fail(target, "model.printed-cost", f"{call} printed cost lines for epochs {sorted(costs)}, expected "
             f"'Cost after epoch %i: %f' for epochs {epochs} (every 1000 epochs)", details=_shown(printed))
    for table, what in ((costs, "Cost after epoch"), (rates, "learning rate after epoch")):
        for i, values in sorted(table.items()):
            if len(values) > 1:
                fail(target, "model.printed-cost", f"{call} printed {len(values)} '{what} {i}: ...' lines "
                     f"({', '.join(f'{v:f}' for v in values)}); the course prints one per printing epoch, after "
                     "the epoch's mini-batches (is the print inside the mini-batch loop?)",
                     details=_shown([line for line in printed if line.strip().startswith(f"{what} {i}:")]))
    costs = {i: values[0] for i, values in costs.items()}
    rates = {i: values[0] for i, values in rates.items()}
    for i in epochs:
        expected = result.printed_cost(i, c.cost_view)
        if not printed_close(costs[i], expected):
            others = [f"{ref.AXES['cost_view'].meaning[view]}: {result.printed_cost(i, view):f}"
                      for view in ref.COST_VIEWS]
            view = ref.AXES["cost_view"].meaning[c.cost_view]
            fail(target, "model.printed-cost", f"{call} printed 'Cost after epoch {i}: {costs[i]:f}', expected "
                 f"{expected:f} ({view}){_printed_sum_hint(result, i, costs[i])}",
                 yours=costs[i], expected=expected, details=_shown(printed) + ["  the views: " + "; ".join(others)])
    if decay is not None and sorted(rates) != epochs:
        fail(target, "model.printed-cost", f"{call} printed learning-rate lines for epochs {sorted(rates)}, "
             f"expected 'learning rate after epoch %i: %f' for epochs {epochs}", details=_shown(printed))
    for i in sorted(rates):
        if decay is None:
            fail(target, "model.printed-cost", f"{call} printed a learning-rate line without decay",
                 details=_shown(printed))
        if not printed_close(rates[i], result.learning_rates[i]):
            trained_well = " (the parameters trained as the reference's did: only the line is off)" if trained else ""
            fail(target, "model.printed-cost", f"{call} printed 'learning rate after epoch {i}: {rates[i]:f}', "
                 f"expected {result.learning_rates[i]:f}, the rate after epoch {i}'s decay ({decay}(learning_rate0, "
                 f"{i}, {decay_rate})){trained_well}",
                 yours=rates[i], expected=result.learning_rates[i], details=_shown(printed))
    return yours, result


def _printed_sum_hint(result, epoch, printed):
    """A printed summed cost of the last mini-batch (a summed compute_cost printed as is) is named."""
    if printed_close(printed, result.minibatch_sums[epoch, -1]):
        return ("; it is the last mini-batch's summed cost: every edition prints a cost per example (the seed "
                "the last mini-batch's mean, 2019 and 2021 the epoch's total / m)")
    return ""


def _shown(printed, n=6):
    return ["  printed:"] + [f"    {line}" for line in printed[:n]] + (["    ..."] if len(printed) > n else [])


@verifies("model.printed-cost", "train.costs", "train.seed-schedule", "model.hyperparameters", calls=MODEL, weight=4)
def check_model_prints_the_cost_every_1000_epochs(target):
    """'Cost after epoch %i: %f' after epochs 0 and 1000 of a 1001-epoch run, and after epoch 0 alone of a
    3-epoch run (no line for the last epoch): the view of the conventions. The long run has two mini-batches per
    epoch (8 and 2 columns), so their order shows. The 3-epoch run's parameters come first (model.hyperparameters:
    a training wrong from the start is not put down to the seed), then the long run's, for epoch i's seed 11 + i
    all the way to epoch 1000 (train.seed-schedule), then what it printed."""
    X, Y = moons()
    X, Y = X[:, :10], Y[:, :10]
    short_run = {"learning_rate": 0.05, "mini_batch_size": 4, "num_epochs": 3}
    _printed_run(target, X, Y, "gd", short_run, trained=(
        "model.hyperparameters", f"parameters after {_call_text(10, 'gd', short_run)}, before the 1001-epoch run "
                                 "is judged"))
    long_run = {"learning_rate": 0.05, "mini_batch_size": 8, "num_epochs": 1001}
    what = (f"parameters after {_call_text(10, 'gd', long_run)}, whose 3-epoch run trains as the reference's does: "
            "epoch i shuffles with seed 11 + i up to epoch 1000 (does the seed start again, or stop counting, "
            "somewhere in model?)")
    _printed_run(target, X, Y, "gd", long_run, trained=("train.seed-schedule", what))


@verifies("train.decay", calls=("update_lr", "schedule_lr_decay"))
def check_update_lr_and_schedule_lr_decay_follow_their_formulas(target):
    """lr0 / (1 + decay_rate * epoch_num) and lr0 / (1 + decay_rate * floor(epoch_num / time_interval))."""
    @for_all(st.floats(1e-5, 1.0), st.integers(0, 20000), st.one_of(st.just(1.0), st.floats(0.0, 5.0)),
             st.sampled_from([1000, 1, 10, 250]))
    def run(lr0, epoch, rate, interval):
        for name, extra in (("update_lr", ()), ("schedule_lr_decay", (interval,))):
            yours = target.decay(name, lr0, epoch, rate, *extra)
            expected = getattr(ref, name)(lr0, epoch, rate, *extra)
            # a quotient of three roundings, in either order (1 / (1 + d e) * lr0 or lr0 / (1 + d e)): 1e-15
            expect_close(target, yours, expected, clause="train.decay", rtol=1e-15,
                         what=f"{name}({lr0!r}, {epoch}, {rate!r}{', ' + str(interval) if extra else ''})")
    run()


@verifies("train.decay", "model.printed-cost", "model.hyperparameters", calls=MODEL, weight=4)
def check_model_applies_decay_after_every_epoch(target):
    """model(..., decay=update_lr | schedule_lr_decay, decay_rate) sets learning_rate = decay(lr0, i, rate)
    after epoch i, and prints the learning rate after the cost every 1000 epochs."""
    if target.conventions.decay != "present":
        raise MissingFunction("learning-rate decay is absent under the conventions judged here")
    X, Y = moons()
    # update_lr: three mini-batches per epoch, so a decay applied inside the mini-batch loop (after every
    # update) changes the rate within an epoch and shows; schedule_lr_decay first changes it after epoch 999,
    # one mini-batch per epoch is enough to see the floor (the loop is the same for both decays)
    runs = {"update_lr": (12, {"learning_rate": 0.1, "mini_batch_size": 5, "num_epochs": 4}),
            "schedule_lr_decay": (8, {"learning_rate": 0.1, "mini_batch_size": 8, "num_epochs": 1001})}
    # the same run without decay first (model.hyperparameters), then each decayed run's parameters: a wrong
    # decay shows there (train.decay), and a right one printed wrongly is a printing mistake (model.printed-cost)
    m, plain = runs["update_lr"]
    _expect_model_trains(target, X[:, :m], Y[:, :m], "gd", plain, "model.hyperparameters",
                         ", without decay, before the decay is judged")
    for decay, (m, kwargs) in runs.items():
        if not target.has(decay):
            raise MissingFunction(f"the target has no {decay}")
        shown = dict(kwargs, decay=FunctionRef(decay), decay_rate=0.5)
        what = (f"parameters after {_call_text(m, 'gd', shown)}, where the same run without decay trains as the "
                "reference's does")
        _printed_run(target, X[:, :m], Y[:, :m], "gd", kwargs, decay=decay, decay_rate=0.5,
                     trained=("train.decay", what))
