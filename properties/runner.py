"""Running the checks: ``open_target`` starts and judges a target, ``run_check`` runs one check (the
pytest layer and ``optoracle check`` alike), ``run_suite`` runs them all in SPEC order.

Every outcome becomes a :class:`CheckResult`: passed, failed (with a structured Failure, its
reproduction and its diagnosis) or skipped (with the reason).
"""
from __future__ import annotations

import contextlib
import re
import time
import traceback
import warnings
from dataclasses import dataclass, field

from hypothesis import reporting

from . import conventions, repro, settings
from .failures import ConformanceError, Failure, LoadError, MissingFunction
from .gateway import Target
from .harness import changed
from .registry import checks


def open_target(source=None, *, command=None, profile="auto", call_timeout=None, import_timeout=None,
                memory_mb=None, local=False, known=None, transport=None):
    """Start the target (a child process speaking the protocol), then determine its conventions and
    the ones it is judged by under ``profile``. Raises LoadError if it cannot be loaded at all.

    ``known``: the conventions of a target built from them (the reference in an edition, a catalog
    entry), taken as detected instead of asking the target (optoracle's own tests). ``transport``: its
    child process, already launched (``gateway.launch``)."""
    if profile not in conventions.PROFILES:
        if transport is not None:
            transport.close()
        raise LoadError(f"unknown profile {profile!r}; profiles: {', '.join(conventions.PROFILES)}")
    if local:
        target = Target.local(source)
    else:
        target = Target(source, command=command, call_timeout=call_timeout, import_timeout=import_timeout,
                        memory_mb=memory_mb, transport=transport)
    if not target.functions:
        target.close()
        from .gateway import COURSE_FUNCTIONS
        raise LoadError(f"defines none of the course functions ({', '.join(COURSE_FUNCTIONS[:6])}, ...)")
    target.profile = profile
    if known is not None:
        target.detected, target.undetermined = known, {}
    else:
        target.detected, target.undetermined = conventions.detect(target)
    target.conventions = conventions.judged(profile, target.detected)
    return target


@dataclass
class CheckResult:
    name: str
    clauses: list                   # the clause ids the check verifies
    status: str                     # "passed" | "failed" | "skipped"
    clause: str                     # the clause a failure violates (the check's first clause otherwise)
    level: str = "MUST"             # the level of ``clause``: a failed SHOULD clause is an advisory
    failure: Failure | None = None
    reason: str = ""                # why a check was skipped
    seconds: float = 0.0
    functions: tuple = ()           # the target functions the check calls

    @property
    def advisory(self):
        return self.status == "failed" and self.level == "SHOULD"

    @property
    def headline(self):
        return self.failure.what if self.failure else self.reason


def _quiet(value):
    """Hypothesis's own reports (falsifying examples, notes) are replaced by our reproduction."""


def run_check(check, target, diagnose=True):
    """Run one check; a failure gets its clause, its reproduction and (``diagnose``) its diagnosis."""
    try:
        return _run_check(check, target, diagnose)
    finally:
        target.judging = (None, ())          # calls outside a check (the conventions' probes) judge nothing


def _run_check(check, target, diagnose):
    from .spec import clause as spec_clause
    ids = [c.id for c in check.clauses]
    missing = [f for f in check.calls if not target.has(f)]
    if missing:
        return CheckResult(check.name, ids, "skipped", check.clause.id, check.level,
                           reason=target.lacks(missing), functions=check.calls)
    start = time.perf_counter()
    target.judging = (check.name, ids)
    try:
        _run_body(check, target)
    except MissingFunction as error:
        return CheckResult(check.name, ids, "skipped", check.clause.id, check.level, reason=str(error),
                           seconds=time.perf_counter() - start, functions=check.calls)
    except BaseException as error:  # noqa: BLE001 - nothing a target does may stop the run
        if isinstance(error, KeyboardInterrupt):
            raise
        skipped = _first_of(error, MissingFunction, causes=False) if _first_of(error, ConformanceError) is None \
            else None
        if skipped is not None:          # "not judged" in one example, and not on its replay (a flaky target)
            return CheckResult(check.name, ids, "skipped", check.clause.id, check.level, reason=str(skipped),
                               seconds=time.perf_counter() - start, functions=check.calls)
        failure = _failure_of(error)
        failure.clause = failure.clause or check.clause.id
        _replay_alone(target, failure, check)
        try:
            failure.repro = repro.build(target, failure)
        except Exception as problem:  # noqa: BLE001 - a reproduction must never hide the failure
            failure.repro = f"# no reproduction: {type(problem).__name__}: {problem}"
        result = CheckResult(check.name, ids, "failed", failure.clause, spec_clause(failure.clause).level, failure,
                             seconds=time.perf_counter() - start, functions=check.calls)
        if diagnose:
            with _oracle_warnings_silenced():
                attach_diagnosis(result, target)
        return result
    return CheckResult(check.name, ids, "passed", check.clause.id, check.level, seconds=time.perf_counter() - start,
                       functions=check.calls)


REPLAYS = 64            # failing calls per run sent again, each to a fresh process of the target ...
REPLAY_LOADS = 2.0      # ... while the target's loads for them take no more than this (seconds, in all) ...
REPLAY_SECONDS = 6.0    # ... and the replays themselves, earlier calls sent first included, no more than this


def _replay_alone(target, failure, check=None):
    """A failing call (of a MUST clause) that other calls reached the same process before is sent again
    to a fresh process, within the budgets above per run (a course file that imports scikit-learn loads in
    about a second): whether it returns (or raises) the same alone says whether the failure depends on state
    left by earlier calls (``failure.alone``; the reproduction says so). Where it does, the earlier calls are
    sent before it (``_search``): those of the other functions, then of halves of them, down to one function
    whose calls bring the failure back (it changes what this function computes: SPEC api.isolation), or the
    function's own (it keeps state of its own)."""
    from .spec import clause as spec_clause
    call = failure.call
    # a call that hung is not sent again (each replay would wait out the time limit); one that exited, was
    # killed or ran out of memory is: another function's state can end a process too (np.sqrt replaced by
    # os._exit), and a function's own (a cache that grows with every call)
    if call is None or not call.earlier or call.outcome == "timed out" or spec_clause(failure.clause).level != "MUST":
        return
    error = call.error or {}
    kept = target.__dict__.setdefault("keeps_state", set())       # functions a replay showed keeping state
    changers = target.__dict__.setdefault("changed_by", {})       # function -> the function seen to change it
    known = [c for c in call.prior if c.function == changers.get(call.function)]
    if call.function in kept:
        failure.details.append(f"{call.function} was seen to keep state between calls (an earlier failing call, "
                               "replayed alone in a fresh process, returned other values): this failure may come "
                               "from it too")
        return
    alone = _replay(target, call, ())
    if alone is None:
        if known:                                   # no replay left: what was seen before, as a possibility
            failure.details.append(f"{known[0].function} was seen to change what {call.function} computes earlier "
                                   "in this run, and was called before this call in the same process: this failure "
                                   "may come from it (SPEC api.isolation)")
        return
    if alone[0] == "returned" and call.outcome == "returned" and alone != _result(call) \
            and (_opaque(call.value) or _opaque(alone[1].value)):
        return              # values with no encoding, compared by repr: a generator's names its address, not state
    failure.alone = alone == _result(call)
    if failure.alone:
        return
    if alone[0] == "raised" and call.outcome == "raised" and alone[1][0] == error.get("type"):
        what = (f"raises {alone[1][0]} with another message ({alone[1][1][:120]!r}; here "
                f"{_comparable(error.get('message'))[:120]!r})")
    else:
        if alone[0] == "returned":
            what = "returns other values" if call.outcome == "returned" else "returns normally"
        else:
            what = f"raises {alone[1][0]}" if alone[0] == "raised" else (alone[1] or alone[0])
        if call.outcome == "raised":
            what = f"{what} (here it raised {error.get('type', 'an error')})"
        elif call.outcome != "returned":
            what = f"{what} (here it {call.describe()})"
    twice = _replay(target, call, (), spawn=True) if alone[0] == "returned" else None
    if twice is not None and twice != alone:
        failure.alone, failure.varies = None, True
        failure.details.append("Sent again to two fresh processes, the same call returns other values in each: what "
                               "it computes varies from process to process (an unseeded random draw?)")
        return
    found, culprit = _search(target, call, alone, first=known)
    if found == "other" and check is not None and _fails_fresh(target, check):
        # wrong on its own: the earlier calls only changed which wrong value it gave (an unseeded draw that
        # depends on where the global generator stands, which a correct function's seeding moves)
        failure.details.append(f"Alone, in a fresh process, the same call {what}, and the check run again in a "
                               f"fresh process fails too: {call.function} is wrong on its own; the calls of "
                               f"{culprit[0].function} before it only change which result it gives")
        return
    if found == "other" and culprit[0].function in kept:
        # the function whose calls bring it back keeps state of its own, which this one uses (calls it, or shares
        # its object): the mistake is there, and this failure stays with its clause
        failure.after = _single(target, call, culprit)
        failure.details.append(f"Alone, in a fresh process, the same call {what}; after the calls of "
                               f"{culprit[0].function} that reached the process first, it returns what it returned "
                               f"here: {culprit[0].function} keeps state between calls (seen earlier in this run), "
                               f"and {call.function} uses it (calls it, or shares its objects)")
    elif found == "other" and culprit[0].function in CALLS_THE_OTHERS and call.function != culprit[0].function:
        # model calls this function itself: the state its runs left may be this function's own
        failure.after = _single(target, call, culprit)
        failure.details.append(f"Alone, in a fresh process, the same call {what}; after the calls of "
                               f"{culprit[0].function} that reached the process first ({culprit[0].function} calls "
                               f"{call.function} itself), it returns what it returned here: state those runs left "
                               f"changes it ({call.function} keeps state between calls, or another function "
                               f"{culprit[0].function} calls changes what it computes)")
    elif found == "other":
        changers[call.function] = culprit[0].function
        _file_as_changed(target, failure, culprit, f"Alone, in a fresh process, the same call {what}; after "
                         + (f"one call of {culprit[0].function}" if len(culprit) == 1 else
                            f"the {len(culprit)} calls of {culprit[0].function} that reached the process first")
                         + " there, it returns what it returned here")
    elif found == "own":
        kept.add(call.function)
        failure.kept = True
        failure.details.append(f"Alone, in a fresh process, the same call {what}: your code keeps state between "
                               "calls (a module-level variable, a mutable default argument, a counter), which "
                               "the check's earlier calls changed")
    else:
        failure.details.append(f"Alone, in a fresh process, the same call {what}: state left by the calls before "
                               "it changes what it computes (its own, or one the other functions called before it "
                               "change: numpy's functions or settings, a module-level value)")


def _result(call):
    """What a call gave, comparable with what ``_replay`` gives: ("returned", value) or ("raised", (type,
    message))."""
    if call.outcome == "raised":
        error = call.error or {}
        return "raised", (error.get("type"), _comparable(error.get("message")))
    if call.outcome != "returned":
        return call.outcome, call.describe()                # ("exited", "exited with status 3"), ...
    return "returned", _Bits(call.value)


def _comparable(message):
    """An error message as a replay's is compared with it: memory addresses and source line numbers (a
    repr's 0x7f..., a Perl die's ", <STDIN> line 1055.") differ from process to process with no state behind
    them."""
    return re.sub(r"\bline \d+\b", "line N", re.sub(r"0x[0-9a-fA-F]+", "0x...", message or ""))


class _Bits:
    """A returned value, equal to another bit for bit (``harness.changed``)."""
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, _Bits) and not changed(self.value, other.value)


def _replay_allowed(target):
    """Whether one more replay fits the run's budgets; counted if so."""
    replays = target.__dict__.get("replays", 0)
    load = getattr(target.transport, "load_seconds", None) or 0.0
    if replays >= REPLAYS or (replays + 1) * load > REPLAY_LOADS or \
            target.__dict__.get("replay_seconds", 0.0) > REPLAY_SECONDS:
        return False
    target.replays = replays + 1
    return True


def _run_body(check, target):
    """``check`` on ``target``, Hypothesis's own reports and the oracle's arithmetic warnings silenced."""
    with reporting.with_reporter(_quiet), _oracle_warnings_silenced():
        check(target)


def _fails_fresh(target, check):
    """Whether ``check``, run again from a fresh process of the target, fails there too."""
    target.restart()
    try:
        _run_body(check, target)
    except MissingFunction:
        return False
    except BaseException as error:  # noqa: BLE001 - a target's failure, whatever it raised
        if isinstance(error, KeyboardInterrupt):
            raise
        return True
    return False


def _replay(target, call, after, spawn=False):
    """``call`` sent to a fresh process after the EarlierCalls ``after``, as ``_result`` gives it; None where no
    replay is allowed or to be had. ``spawn``: a new interpreter, not a fork."""
    if not _replay_allowed(target):
        return None
    start = time.perf_counter()
    try:
        again = target.replay(call, after=after, spawn=spawn)
    except Exception:  # noqa: BLE001 - a replay must never hide the failure it tests
        return None
    finally:
        target.replay_seconds = target.__dict__.get("replay_seconds", 0.0) + time.perf_counter() - start
    if again is None:
        return None
    outcome, value = again
    if outcome == "raised":
        return "raised", ((value or {}).get("type"), _comparable((value or {}).get("message")))
    return (outcome, _Bits(value)) if outcome == "returned" else (outcome, value)     # value: what ended it


def _search(target, call, alone, first=()):
    """("other", the EarlierCalls of the one function whose calls bring the failure back), ("own", None): the
    function's own earlier calls do, the others' leave it as alone, or ("unknown", None). The calls of
    ``first`` (a function seen to change it before) are tried first; then the other functions' calls together
    (in their order), then those of halves of the functions, down to one."""
    failing = _result(call)
    prior = call.prior
    others = [c for c in prior if c.function != call.function]
    own = [c for c in prior if c.function == call.function]

    def test(calls):
        result = _replay(target, call, calls)
        if result is not None and result[0] == "ended before it" and failing[0] in ("exited", "killed"):
            # the calls sent end the process the way the failing call did, one of their own first: a state they
            # leave does it (np.sqrt replaced by os._exit), sooner where fewer calls come before it
            return result[1] == failing[1] or None
        return None if result is None else (True if result == failing else (False if result == alone else None))

    if first and test(first):
        return "other", list(first)
    # model's calls reach every function (the one at fault too): the others' calls are tried first, and model's
    # only where they leave it as it is alone
    direct = [c for c in others if c.function not in CALLS_THE_OTHERS]
    aggregate = [c for c in others if c.function in CALLS_THE_OTHERS]
    verdict = test(direct) if direct else False
    if verdict is False and aggregate:
        others, verdict = aggregate, test(aggregate)
    else:
        others = direct
    if others:
        if verdict is None:
            return "unknown", None
        if verdict:
            functions = list(dict.fromkeys(c.function for c in others))
            while len(functions) > 1:
                halves = functions[:len(functions) // 2], functions[len(functions) // 2:]
                chosen = None
                for half in halves:
                    verdict = test([c for c in others if c.function in half])
                    if verdict is None:
                        return "unknown", None
                    if verdict:
                        chosen = half
                        break
                if chosen is None:
                    return "unknown", None              # only together: no one function
                functions = chosen
            return "other", [c for c in others if c.function == functions[0]]
    if not own:
        return "unknown", None
    return ("own", None) if not others or test(own) else ("unknown", None)


def _single(target, call, calls):
    """One of ``calls`` that alone brings the failure back (a reproduction writes it out: the shortest is tried
    first, then the last), else None."""
    if len(calls) == 1:
        return calls[0]
    for one in dict.fromkeys((min(calls, key=lambda c: len(c.request)), calls[-1])):
        if _replay(target, call, [one]) == _result(call):
            return one
    return None


def _file_as_changed(target, failure, calls, how):
    """``failure`` comes from what the function of ``calls`` (its EarlierCalls) changes: SPEC api.isolation."""
    function, culprit = failure.call.function, calls[0].function
    failure.clause, failure.after = "api.isolation", _single(target, failure.call, calls)
    failure.after_function, failure.after_calls = culprit, len(calls)
    failure.what = f"{culprit} changes what {function} computes: {failure.what}"
    failure.details.append(f"{how}: {culprit} changes what {function} computes (something both use: numpy's "
                           "functions or settings, a module-level value), SPEC api.isolation")
    target.restart()                     # the checks that follow start in a process it has not changed


def _opaque(value):
    from .protocol import Opaque
    if isinstance(value, Opaque):
        return True
    if isinstance(value, dict):
        return any(_opaque(v) for v in value.values())
    return isinstance(value, (list, tuple)) and any(_opaque(v) for v in value)


@contextlib.contextmanager
def _oracle_warnings_silenced():
    """The oracle's own arithmetic on a target's extreme values (an error ratio that overflows, the
    reference on inf) must not print before the verdict; a target's own warnings are its output, kept."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"(properties|reference|golden)(\.|$)")
        yield


def _failure_of(error):
    """The Failure inside ``error`` (Hypothesis wraps non-reproducible failures in groups); anything
    else is a bug in optoracle, reported as such with its traceback."""
    found = _first_of(error, ConformanceError)
    if found is not None:
        return found.failure
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    return Failure(None, f"optoracle itself failed ({type(error).__name__}: {error}); this is a bug in optoracle, "
                         "not in your code: please report it with this message", kind="internal",
                   details=["".join(lines)[-3000:]])


def _first_of(error, kind, seen=None, causes=True):
    """The first exception of ``kind`` in ``error``, its groups (Hypothesis's) and (``causes``) its causes."""
    seen = set() if seen is None else seen
    if id(error) in seen:
        return None
    seen.add(id(error))
    if isinstance(error, kind):
        return error
    for sub in list(getattr(error, "exceptions", ()) or ()) + ([error.__cause__, error.__context__] if causes else []):
        if sub is not None:
            found = _first_of(sub, kind, seen, causes)
            if found is not None:
                return found
    return None


NOT_DIAGNOSED = ("api.errors", "api.signatures")     # about the interface, not the arithmetic the probes test


def attach_diagnosis(result, target):
    """The diagnosis of the functions a failed check calls (cached on the target: probes run once each)."""
    from .diagnosis import diagnose
    failure = result.failure
    if failure.diagnosis or failure.kind in ("internal", "fixture") or failure.clause in NOT_DIAGNOSED:
        return
    cache = target.__dict__.setdefault("diagnoses", {})
    function = failure.call.function if failure.call is not None else None
    for name in ([function] if function else []) + [f for f in result.functions if f != function]:
        if name not in cache:
            judging, target.judging = target.judging, (None, ())    # the probes see every problem, as the
            try:                                                    # candidates they are compared with do
                cache[name] = diagnose(target, name)
            except Exception as error:  # noqa: BLE001 - a diagnosis must never hide the failure it explains
                cache[name] = (f"{name}: no diagnosis ({type(error).__name__}: {error})", None)
            finally:
                target.judging = judging
        text, identifier = cache[name] or (None, None)
        if text:
            failure.diagnosis, failure.diagnosis_id = text, identifier
            _refile(result, identifier)
            return


def link_consequences(results, among=None):
    """A failure of a call to ``model`` notes the failures, in ``among`` (default ``results``), of the
    functions that model calls (random_mini_batches, the updates, ...): it may follow from them, and
    they are the ones to fix first. The clause of each stays failed: nothing is hidden."""
    from .spec import clause as spec_clause
    roots = {}
    for r in results if among is None else among:
        call = r.failure.call if r.failure is not None else None
        # a failure of a call (what it returned: its structure too, api.signatures), not of bad input's handling
        if r.status == "failed" and not r.advisory and call is not None and call.function not in CALLS_THE_OTHERS \
                and r.clause != "api.errors":
            known = r.failure.diagnosis_id if r.failure.diagnosis_id not in (None, "unknown") else None
            roots.setdefault((r.clause, call.function), known)
    ordered = sorted(roots, key=lambda cf: spec_clause(cf[0]).order)
    for r in results:
        call = r.failure.call if r.failure is not None else None
        if r.status == "failed" and call is not None and call.function in CALLS_THE_OTHERS:
            used, follows = _called_by(call), {}
            for clause, function in ordered:        # the first function of each clause that this call reaches
                if used is None or function in used:
                    follows.setdefault(clause, (clause, function, roots[clause, function]))
            r.failure.follows_from = list(follows.values())


CALLS_THE_OTHERS = ("model", "predict")     # predict calls forward_propagation; model, all the others
_TRAINING = ("initialize_parameters", "forward_propagation", "compute_cost", "backward_propagation",
             "random_mini_batches", "update_lr", "schedule_lr_decay")
_OPTIMIZER = {"gd": ("update_parameters_with_gd",),
              "momentum": ("initialize_velocity", "update_parameters_with_momentum"),
              "adam": ("initialize_adam", "update_parameters_with_adam")}


def _called_by(call):
    """The course functions a call of model (with its optimizer) or predict reaches; None if not known."""
    if call.function == "predict":
        return ("forward_propagation",)
    optimizer = call.kwargs.get("optimizer", call.args[3] if len(call.args) > 3 else None)
    return _TRAINING + _OPTIMIZER[optimizer] if optimizer in _OPTIMIZER else None


# clauses on the whole outcome of a function, which any of its mistakes violates: a failure there stays
OUTCOMES = ("train.trajectory", "trajectory.step-by-step", "precision.ulp", "golden.units", "golden.minibatches",
            "golden.trajectory")


def _refile(result, identifier):
    """A check that verifies several clauses files its failure under the clause the named mistake
    violates (e.g. the ten-epoch trajectory under train.seed-schedule when the seed schedule is wrong).
    A failure moves to the named mistake's own clause even where the check does not verify it when
    the catalog does not list its clause among those that catch the mistake (the gradients at the ReLU
    kink of a backward that forgets 1/m), and a model run's under model.hyperparameters, the clause of
    every run with hyperparameters (a run that fails only because the seed schedule is wrong is no
    mistake in passing the hyperparameters)."""
    from .catalog import CATALOG
    from .spec import clause as spec_clause
    entry = CATALOG.get(identifier)
    if entry is None or result.failure.clause in entry.caught_by[:1]:
        return
    clause = next((c for c in entry.caught_by if c in result.clauses), None)
    if result.failure.clause == "model.hyperparameters" and entry.function == "model" or \
            clause is None and result.failure.clause not in entry.caught_by + OUTCOMES:
        clause = entry.caught_by[0]       # a clause the named mistake is not caught by: its own instead
    if clause is not None and clause != result.failure.clause:
        result.failure.clause = result.clause = clause
        result.level = spec_clause(clause).level


def missing_required(needed, profile, judged, has):
    """The functions among ``needed`` that SPEC's conformance table requires under ``profile`` and ``judged``
    (the conventions) and that ``has`` (a function's name -> bool) says the target lacks, in the table's order."""
    return [f for f in conventions.required(profile, judged) if f in needed and not has(f)]


@dataclass
class Report:
    target: str
    target_info: dict
    profile: str
    examples: str
    detected: object
    conventions: object
    undetermined: dict
    notes: list
    results: list = field(default_factory=list)
    seconds: float = 0.0
    strict: bool = False
    load_output: tuple = ("", "")
    functions: tuple | None = None      # the course functions the target has (None: not known)
    others: tuple = ()                  # the names of its other functions (a near miss is pointed out)

    @property
    def failed(self):
        return [r for r in self.results if r.status == "failed" and not r.advisory]

    @property
    def advisories(self):
        return [r for r in self.results if r.advisory]

    @property
    def missing(self):
        """The required functions (SPEC's conformance table) that the target lacks and the checks run needed:
        their checks are skipped, and the target does not conform (``--clause`` selects what it has)."""
        if self.functions is None:
            return []
        needed = {f for r in self.results for f in r.functions}
        return missing_required(needed, self.profile, self.conventions, self.functions.__contains__)

    @property
    def conforms(self):
        return not self.failed and not self.missing and not (self.strict and self.advisories)

    def count(self, status):
        return sum(r.status == status for r in self.results)


def select(names=None, clauses=None):
    """The checks to run: by name, or verifying (or failing) a clause among ``clauses`` (ids)."""
    out = []
    for check in checks().values():
        if names is not None and check.name not in names:
            continue
        if clauses is not None and not set(c.id for c in check.clauses) & set(clauses):
            continue
        out.append(check)
    return out


def run_suite(source=None, profile="auto", examples="ci", *, target=None, names=None, clauses=None, command=None,
              strict=False, local=False, jobs=1, transport=None):
    """Run the selected checks (default all) against a target; returns a Report. The target is closed
    afterwards when this function opened it (``transport``: its child process, already launched).
    ``jobs`` > 1 runs the checks in that many workers, each with its own copy of the target (a forked
    checker and a new child process), taking checks from one queue. Where this function opens the
    target, the workers start theirs at once, while this process loads and judges its own (a target
    whose imports are slow is imported in parallel, not twice in a row)."""
    own = target is None
    start = time.perf_counter()
    chosen = select(names, clauses)
    workers = None
    try:
        if jobs > 1 and len(chosen) > 2:
            if own and not local:
                workers = Workers(chosen, jobs - 1, examples, lambda: Target(source, command=command),
                                  inherited=transport)
            elif not own:
                workers = Workers(chosen, jobs - 1, examples, target.clone)
        if own:
            target = open_target(source, command=command, profile=profile, local=local, transport=transport)
        report = Report(target.name, dict(target.info), target.profile, examples, target.detected,
                        target.conventions, dict(target.undetermined), sorted(target.notes), strict=strict,
                        load_output=target.load_output, functions=tuple(target.functions),
                        others=tuple(target.others))
        with settings.use(examples):
            if workers is not None:
                report.results = workers.run(target)
                workers = None
            else:
                report.results = [run_check(check, target) for check in chosen]
        link_consequences(report.results)
        report.notes = sorted(target.notes)
    finally:
        if workers is not None:
            workers.cancel()
        if own and target is not None:
            target.close()
        elif transport is not None:
            transport.close()                     # launched for a target that was never opened
    report.seconds = time.perf_counter() - start
    return report


class Workers:
    """``count`` forked workers that take checks from one queue with this process, each through its own
    copy of the target, made by ``make`` in the worker. They are forked when made, make their target at
    once, then wait for this process's judgement (its conventions) before running any check.
    A worker that dies, or cannot start its target, loses nothing: its missing checks run here."""

    def __init__(self, chosen, count, examples, make, inherited=None):
        import multiprocessing
        self.inherited = inherited                # this process's own child, started before the fork
        self.context = multiprocessing.get_context("fork")
        self.given = list(chosen)
        self.chosen = sorted(chosen, key=lambda c: -c.weight)          # heaviest first
        self.examples, self.make = examples, make
        self.counter = self.context.Value("i", 0)
        self.queue = self.context.SimpleQueue()
        self.pipes, self.processes = [], []
        for _ in range(count):
            receive, send = self.context.Pipe(duplex=False)
            process = self.context.Process(target=self._work, args=(receive,), daemon=True)
            process.start()
            receive.close()
            self.pipes.append(send)
            self.processes.append(process)

    def _next(self):
        with self.counter.get_lock():
            i = self.counter.value
            self.counter.value += 1
        return i

    def _take(self, target, put):
        while True:
            i = self._next()
            if i >= len(self.chosen):
                return
            put(i, run_check(self.chosen[i], target))

    def _work(self, receive):
        twin = None
        if self.inherited is not None:
            self.inherited.forget()
        try:
            try:
                twin = self.make()
            except LoadError:
                return                                    # this process runs what this worker would have
            judgement = receive.recv()
            if judgement is None:
                return
            twin.judge_as(judgement)
            with settings.use(self.examples):
                self._take(twin, lambda i, result: self.queue.put((i, result)))
        except EOFError:
            return
        finally:
            if twin is not None:
                self.queue.put(("notes", sorted(twin.notes)))
                twin.close()
            self.queue.put(None)

    def _tell(self, message):
        """Send every waiting worker its one message (the judgement, or None: stop) and close the pipes."""
        for pipe in self.pipes:
            try:
                pipe.send(message)
                pipe.close()
            except OSError:
                pass

    def cancel(self):
        self._tell(None)
        from .gateway import import_timeout_from_env
        for process in self.processes:                # a worker still loading its target stops when that
            process.join(timeout=import_timeout_from_env() + 5)       # load ends (at worst, its time limit)
            if process.is_alive():
                process.terminate()

    def run(self, target):
        """Every chosen check's result, in the order they were given, with ``target`` as this process's."""
        self._tell(target.judgement())
        results = {}
        self._take(target, results.__setitem__)
        finished = 0
        while finished < len(self.processes):
            if not self.queue.empty() or all(p.is_alive() for p in self.processes):
                item = self.queue.get()
                if item is None:
                    finished += 1
                elif item[0] == "notes":
                    target.notes.update(item[1])
                else:
                    results[item[0]] = item[1]
            else:
                break                                     # a worker died without saying so
        for process in self.processes:
            process.join(timeout=5)
        for i, check in enumerate(self.chosen):          # whatever a lost worker did not report
            if i not in results:
                results[i] = run_check(check, target)
        by_name = {self.chosen[i].name: results[i] for i in results}
        return [by_name[check.name] for check in self.given]
