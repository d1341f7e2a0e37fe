"""The protocol (PROTOCOL.md) and its schema (properties/protocol.schema.json): the worked example,
real traffic of the Python harness, the value encoding, malformed input, and the JavaScript port
in examples/javascript/ (written from PROTOCOL.md alone) checked by optoracle through the protocol."""
import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema
import numpy as np
import pytest

from examples import student_correct
from optoracle.cli import main
from properties import protocol
from properties.gateway import _request_line
from properties.harness import Server
from properties.protocol import FunctionRef
from reference.conventions import Conventions
from reference.editions import conventions_module, edition_module

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JS = os.path.join(ROOT, "examples", "javascript")
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not on PATH")

with open(os.path.join(ROOT, "properties", "protocol.schema.json"), encoding="utf-8") as _f:
    SCHEMA = json.load(_f)


def validator(definition):
    """A validator of one definition of the schema (request, reply, value, ...)."""
    return jsonschema.Draft202012Validator({"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"],
                                            "$ref": f"#/$defs/{definition}"})


REQUEST, REPLY, VALUE = validator("request"), validator("reply"), validator("value")


def errors_of(definition, instance):
    return list(validator(definition).iter_errors(instance))


def run_lines(command, lines, env=None):
    """Pipe request lines into a harness command; its reply lines, parsed."""
    proc = subprocess.run(command, input="".join(line + "\n" for line in lines), capture_output=True, text=True,
                          cwd=ROOT, timeout=30, env={**os.environ, "PYTHONPATH": ROOT, **(env or {})})
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def python_harness(lines, target="examples/student_correct.py"):
    return run_lines([sys.executable, "-m", "properties.harness", target], lines)


def node_harness(lines, *options):
    return run_lines([NODE, os.path.join(JS, "harness.js"), *options], lines)


def call_line(ident, function, *args, binary=False, observe=(), **kwargs):
    """A call request exactly as the checker encodes it (properties.gateway)."""
    message = {"op": "call", "id": ident, "function": function}
    if observe:
        message["observe"] = list(observe)
    return _request_line(message, args, kwargs, binary)


def hello_line(ident=1, functions=("update_parameters_with_gd",), base64=False):
    message = {"op": "hello", "id": ident, "protocol": "optoracle/1", "functions": list(functions)}
    if base64:
        message["encodings"] = ["base64"]
    return protocol.dumps(message)


def same(a, b):
    """Bitwise equality of decoded values (arrays: dtype, shape and bytes; NaN equals NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and a.tobytes() == b.tobytes())
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)


def network(seed, dims=(3, 2, 1), dtype=np.float64, special=False):
    """parameters, grads, v, s of a small network; ``special`` puts NaN, inf and exact zeros into grads."""
    rng = np.random.default_rng(seed)
    parameters, grads, v, s = {}, {}, {}, {}
    for l in range(1, len(dims)):
        for name, shape in (("W", (dims[l], dims[l - 1])), ("b", (dims[l], 1))):
            parameters[f"{name}{l}"] = rng.uniform(-10, 10, shape).astype(dtype)
            g = rng.normal(0, 1, shape) * 10.0 ** rng.integers(-12, 3, shape)
            if special:
                g.flat[0], g.flat[-1] = 0.0, (np.nan if l == 1 else -np.inf)
            grads[f"d{name}{l}"] = g.astype(dtype)
            v[f"d{name}{l}"] = (rng.normal(0, 1, shape) * 0.1).astype(dtype)
            s[f"d{name}{l}"] = np.abs(rng.normal(0, 1, shape) * 0.01).astype(dtype)
    return parameters, grads, v, s


# --------------------------------------------------------------------------- the worked example
def transcript():
    """(requests, replies) of the worked example in PROTOCOL.md."""
    with open(os.path.join(ROOT, "PROTOCOL.md"), encoding="utf-8") as f:
        text = f.read()
    block = re.search(r"<!-- transcript: begin -->\n```\n(.*?)```\n<!-- transcript: end -->", text, re.S).group(1)
    lines = block.splitlines()
    return [line[2:] for line in lines if line.startswith("> ")], [line[2:] for line in lines if line.startswith("< ")]


def test_every_line_of_the_worked_example_is_a_valid_message_answered_in_order():
    requests, replies = transcript()
    assert [json.loads(r)["op"] for r in requests] == ["hello", "call", "call", "bye"]
    assert len(replies) == len(requests)
    for request, reply in zip(requests, replies):
        REQUEST.validate(json.loads(request))
        REPLY.validate(json.loads(reply))
        assert json.loads(reply)["id"] == json.loads(request)["id"]
    adam = json.loads(replies[2])
    assert len(adam["value"]["tuple"]) == 5 and adam["mutated"] == ["/args/0/W1", "/args/2/dW1", "/args/3/dW1"]


def test_the_python_harness_still_answers_the_worked_example_as_documented():
    requests, replies = transcript()
    documented = [json.loads(r) for r in replies]
    answered = python_harness(requests)
    for reply in documented + answered:
        reply.pop("seconds", None)
        reply.pop("target", None)          # the Python and numpy versions, the file's absolute path
    assert answered == documented


# --------------------------------------------------------------------------- real traffic
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")      # the reference on NaN and inf gradients
def test_messages_of_the_python_harness_validate_against_the_schema():
    p, g, v, s = network(0)
    p32, g32, v32, s32 = network(1, dtype=np.float32, special=True)
    X = np.random.default_rng(2).normal(size=(2, 9))
    Y = np.arange(9, dtype=np.int64).reshape(1, 9)
    calls = [
        ("update_parameters_with_gd", (p, g, 0.01), {}, ()),
        ("update_parameters_with_momentum", (p32, g32, v32, 0.9, 0.1), {}, ()),
        ("update_parameters_with_adam", (p, g, v, s, 3, 0.01, 0.9, 0.999, 1e-8), {}, ()),
        ("update_parameters_with_adam", (p32, g32, v32, s32, 10 ** 7), {"epsilon": 0.0}, ()),
        ("update_parameters_with_adam", (p, g, v, s, 0, 0.01, 0.9, 0.999, 1e-8), {}, ()),     # raises
        ("initialize_velocity", (p,), {}, ("shared",)),
        ("initialize_adam", (p32,), {}, ("shared",)),
        ("random_mini_batches", (X, Y, 4, 11), {}, ()),
        ("update_lr", (0.1, 3, 1.0), {}, ()),
        ("schedule_lr_decay", (0.1, 3000, 0.5), {"time_interval": 1000}, ()),
        ("no_such_function", (), {}, ()),
    ]
    for binary in (False, True):
        server = Server("reference@2021", module=edition_module("2021"))
        requests = [hello_line(functions=[c[0] for c in calls], base64=binary)]
        requests += [call_line(1001 + i, name, *args, binary=binary, observe=observe, **kwargs)
                     for i, (name, args, kwargs, observe) in enumerate(calls)]
        requests.append(protocol.dumps({"op": "bye", "id": 2}))
        replies = []
        for line in requests:
            REQUEST.validate(json.loads(line))
            reply, _ = server.handle(line)
            replies.append(json.loads(reply))
            REPLY.validate(replies[-1])
        assert "ndarray" in json.dumps(replies[1]) and ('"base64"' in json.dumps(replies[1])) == binary
        assert replies[3]["value"]["tuple"][0]["dict"]["W1"]["ndarray"]["dtype"] == "float64"
        assert len(replies[4]["value"]["tuple"]) == 5                       # the 2021 edition's Adam
        assert replies[5]["error"]["type"] == "ValueError" and replies[5]["error"]["phase"] == "call"
        assert replies[6]["shared"] == [] and replies[7]["shared"] == []
        assert len(replies[8]["value"]) == 3                                # 9 columns in batches of 4
        assert replies[9]["value"] == 0.025 and replies[10]["value"] == 0.04
        assert replies[11]["error"]["phase"] == "protocol"
        assert replies[12] == {"id": 2, "ok": True}


def _values():
    f32 = np.array([[0.1, np.nan], [np.inf, -0.0]], dtype=np.float32)
    return {
        "nested": {"a": [1, 2.5, (3, "x", None)], "b": ({"c": True},), "d": []},
        "non-finite scalars": [float("nan"), float("inf"), -float("inf"), -0.0, 1e-308, 5e-324],
        "float32 with NaN": f32,
        "float64 with -0.0 and inf": np.array([-0.0, np.inf, -np.inf, 2.0 ** -1074, 1.7976931348623157e308]),
        "int arrays": (np.arange(6, dtype=np.int64).reshape(2, 3), np.array([-2 ** 31], dtype=np.int32),
                       np.array([255, 0], dtype=np.uint8), np.array([-8], dtype=np.int8),
                       np.array([7], dtype=np.int16)),
        "bool and float16": [np.array([True, False]), np.array([0.5, np.nan, 65504.0], dtype=np.float16)],
        "0-d and scalars": (np.array(3.5), np.float32(1.5), np.int64(7), np.float64(0.1)),
        "empty": np.zeros((0, 3)),
        "function references": {"decay": FunctionRef("update_lr"), "others": [FunctionRef("schedule_lr_decay")]},
    }


@pytest.mark.parametrize("name", list(_values()))
def test_every_encoding_of_protocol_encode_is_a_valid_value_that_decodes_to_the_same_bits(name):
    value = _values()[name]
    for binary in (False, True):
        encoded = json.loads(protocol.encode_message({}, {"v": value}, binary))["v"]
        VALUE.validate(encoded)
        decoded = protocol.decode(encoded)
        expected = protocol.decode(json.loads(protocol.dumps(protocol.encode(value))))
        assert same(decoded, expected)
        if isinstance(value, np.ndarray) and binary:            # base64 keeps every bit (NaN payloads included)
            assert decoded.tobytes() == value.tobytes()
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and not binary:
            np.testing.assert_array_equal(decoded, value)       # data keeps every value (NaN as NaN)
            assert (np.signbit(decoded) == np.signbit(value)).all()


def test_opaque_values_and_dicts_with_other_keys_are_encoded_as_objects():
    assert protocol.encode({1: 2}) == {"object": {"type": "dict", "repr": "{1: 2}"}}
    encoded = protocol.encode({"s": {3}, "c": np.array([1j])})
    VALUE.validate(encoded)
    assert encoded["dict"]["s"]["object"]["type"] == "set"
    assert encoded["dict"]["c"]["object"]["type"] == "ndarray[complex128]"


BAD = [
    ("value", {"W1": 1}, "an untagged object is not a value"),
    ("value", {"tuple": [], "dict": {}}, "two tags"),
    ("value", {"float": "NaN"}, "non-finite floats are lower-case"),
    ("value", {"ndarray": {"dtype": "float64", "shape": [1], "data": [1.0], "base64": "AAAAAAAA8D8="}},
     "both encodings"),
    ("value", {"ndarray": {"dtype": "float64", "shape": [1]}}, "no data"),
    ("value", {"ndarray": {"dtype": "complex128", "shape": [1], "data": [1.0]}}, "an unknown dtype"),
    ("value", {"ndarray": {"dtype": "int64", "shape": [1], "data": ["nan"]}}, "NaN in an int array"),
    ("value", {"ndarray": {"dtype": "float64", "shape": [1], "data": ["NaN"]}}, "an unknown float string"),
    ("value", {"ndarray": {"dtype": "bool", "shape": [1], "data": [1]}}, "a number in a bool array"),
    ("value", {"ndarray": {"dtype": "float64", "shape": [1], "base64": "not base64!"}}, "bad base64"),
    ("request", {"op": "call", "id": 1, "args": []}, "a call names its function"),
    ("request", {"op": "hello", "id": 1, "encodings": ["gzip"]}, "an unknown encoding"),
    ("request", {"op": "call", "id": 1, "function": "f", "observe": ["everything"]}, "an unknown observation"),
    ("request", {"op": "frob", "id": 1}, "an unknown op"),
    ("reply", {"id": 1, "ok": False, "error": {"type": "E", "message": "", "phase": "runtime"}}, "an unknown phase"),
    ("reply", {"id": 1, "ok": False, "error": {"type": "SystemExit", "message": "", "phase": "call"}},
     "an exit without its status"),
    ("reply", {"id": 1, "ok": True, "protocol": "optoracle/2", "functions": {}}, "another version"),
    ("reply", {"id": 1, "ok": True, "seconds": 0.1, "mutated": ["/value/0"], "value": None},
     "a pointer outside the arguments"),
    ("reply", {"id": 1, "ok": True, "seconds": 0.1, "mutated": [], "shared": [["/0/dW1"]], "value": None},
     "a group of one"),
    ("reply", {"id": 1, "ok": True, "seconds": 0.1, "mutated": [], "shared": [], "value": None, "values": 1},
     "an unknown field"),
    ("reply", {"id": 1, "ok": True, "protocol": "optoracle/1",
               "functions": {"f": {"parameters": [{"name": "x", "kind": "positional"}]}}}, "an unknown kind"),
]


@pytest.mark.parametrize("definition, instance, why", BAD, ids=[b[2] for b in BAD])
def test_the_schema_rejects_what_the_protocol_forbids(definition, instance, why):
    assert errors_of(definition, instance), why


# --------------------------------------------------------------------------- malformed lines
MALFORMED = [
    ("not json", None, "not a JSON line"),
    ("[1, 2]", None, "a message is a JSON object"),
    ('{"op":"call","id":5,"function":"update_lr","args":[1,2,3]}', 5, "call before hello"),
    (hello_line(6), 6, None),
    ('{"op":"frob","id":7}', 7, "unknown op 'frob'"),
    ('{"op":"call","id":8,"function":"update_lr","args":[1,2,3]}', 8, "has no function 'update_lr'"),
    ('{"op":"call","id":9,"function":"update_parameters_with_gd","args":[{"W1":1},{},0.1]}', 9, "unknown tag 'W1'"),
    ('{"op":"call","id":10,"function":"update_parameters_with_gd","args":[{"ndarray":{"dtype":"complex128",'
     '"shape":[1],"data":[1]}},{},0.1]}', 10, "unknown dtype 'complex128'"),
    ('{"op":"call","id":11,"function":"update_parameters_with_gd","args":[{"float":"NaN"},{},0.1]}', 11,
     "unknown float 'NaN'"),
    ('{"op":"call","id":12,"args":[]}', 12, "a call names its function"),
    ('{"op":"call","id":13,"function":"update_parameters_with_gd","args":[{"tuple":[],"dict":{}}]}', 13,
     "exactly one key"),
]


def test_the_python_harness_answers_malformed_lines_with_structured_protocol_errors():
    replies = python_harness([line for line, _, _ in MALFORMED] + ['{"op":"bye","id":99}'])
    assert len(replies) == len(MALFORMED) + 1
    for (line, ident, message), reply in zip(MALFORMED, replies):
        REPLY.validate(reply)
        assert reply["id"] == ident, line
        if message is None:
            assert reply["ok"] is True
            continue
        assert reply["ok"] is False and reply["error"]["type"] == "ProtocolError", line
        assert reply["error"]["phase"] == "protocol" and message in reply["error"]["message"], reply
    assert replies[-1] == {"id": 99, "ok": True}                      # still answering after all that


CRASHING = [
    ('{"op":"call","id":2,"function":"update_parameters_with_gd","args":[{"ndarray":{"dtype":"float64",'
     '"shape":[2],"data":[1]}},{},0.1]}', "a shape that does not match its data"),
    ('{"op":"call","id":2,"function":"update_parameters_with_gd","args":[{"ndarray":{"dtype":"int64",'
     '"shape":[1],"data":["nan"]}},{},0.1]}', "NaN in an int array"),
    ('{"op":"call","id":2,"function":"update_parameters_with_gd","args":[],"kwargs":[]}', "kwargs that is a list"),
]


@pytest.mark.parametrize("line, what", CRASHING, ids=[c[1] for c in CRASHING])
def test_the_python_harness_answers_undecodable_values_with_a_protocol_error(line, what):
    server = Server("student_correct", module=student_correct)
    server.handle(hello_line())
    reply = json.loads(server.handle(line)[0])
    assert reply["ok"] is False and reply["error"]["phase"] == "protocol", what


def test_a_nan_argument_is_not_reported_as_mutated():
    p, g, _, _ = network(3)
    server = Server("student_correct", module=student_correct)
    server.handle(hello_line())
    reply = json.loads(server.handle(call_line(2, "update_parameters_with_gd", p, g, float("nan")))[0])
    assert "/args/2" not in reply["mutated"]


# a harness that answers the handshake, then each call with a line the checker cannot take for its reply
UNREADABLE_REPLIES = '''
import json, sys
for line in sys.stdin:
    request = json.loads(line)
    if request["op"] == "hello":
        reply = {{"id": request["id"], "ok": True, "protocol": "optoracle/1",
                  "functions": {{"update_parameters_with_gd": {{"parameters": None}}}}}}
        print(json.dumps(reply), flush=True)
    elif request["op"] == "call":
        print({reply}, flush=True)
'''


@pytest.mark.parametrize("reply, why", [
    ('\'{"id": %d, "ok": true, "value": NaN}\' % request["id"]', "raw NaN is not JSON"),
    ('json.dumps({"id": request["id"] - 1, "ok": True, "value": 1.0})',
     "a JSON object with id {previous}, not {ident}"),
])
def test_a_reply_the_checker_cannot_take_is_shown_with_why_where_the_call_times_out(reply, why, tmp_path, monkeypatch):
    from properties.runner import run_suite
    script = tmp_path / "harness.py"
    script.write_text(UNREADABLE_REPLIES.format(reply=reply))
    monkeypatch.setenv("OPTORACLE_CALL_TIMEOUT", "0.3")
    report = run_suite(command=f"{sys.executable} {script}", examples="mutation",
                       names=["check_gd_update_is_p_minus_lr_g",
                              "check_gd_keeps_nan_and_infinite_gradients_to_their_entries"])
    first, later = (r.failure for r in report.failed)
    ident = json.loads(first.call.request)["id"]
    # the check that met it says what happened to its own call, and what came instead of the reply ...
    why = why.format(previous=ident - 1, ident=ident)
    assert first.what.startswith("timed out after 0.3 s (killed) during update_parameters_with_gd; meanwhile it wrote "
                                 f"1 line on stdout that is no reply to call {ident} (a reply is one JSON object with "
                                 f"the call's id, PROTOCOL.md): {why}"), first.what
    assert "earlier in this run" not in first.what
    # ... and the next check, which does not call it again, names that check
    assert later.what == ("timed out after 0.3 s (killed) during update_parameters_with_gd earlier in this run (in "
                          "check_gd_update_is_p_minus_lr_g) (OPTORACLE_CALL_TIMEOUT); not called again")


# --------------------------------------------------------------------------- the JavaScript port
def optoracle_command():
    script = os.path.join(os.path.dirname(sys.executable), "optoracle")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "optoracle"]


@needs_node
@pytest.mark.heavy                 # a whole run through node (the port's own tests above stay in the default run)
def test_the_javascript_port_passes_every_check_it_can_run_and_is_told_model_is_missing(tmp_path, capsys,
                                                                                         monkeypatch):
    monkeypatch.chdir(ROOT)
    # --cmd takes one program name today (see PROTOCOL.md, "Starting the harness"): a wrapper script
    wrapper = tmp_path / "harness"
    wrapper.write_text(f'#!/bin/sh\nexec "{NODE}" "{os.path.join(JS, "harness.js")}" "$@"\n')
    wrapper.chmod(0o755)
    report = tmp_path / "report.json"
    # in this process (the command line's own start-up is test_cli's business); the port runs in its own
    code = main(["check", "--cmd", str(wrapper), "--examples", "smoke", "--jobs", "1", "--json", str(report)])
    out = capsys.readouterr().out
    data = json.loads(report.read_text())
    # every check it can run passes; model, which SPEC's conformance table requires, is not part of the port
    assert code == 1, out[-3000:]
    assert out.splitlines()[0].endswith("DOES NOT CONFORM to SPEC 2.0.0 (profile auto): 1 required function "
                                                "is missing (model): 6 checks need it (SPEC's conformance table; "
                                                "--clause selects the clauses of the functions it has)")
    assert data["missing"] == ["model"] and data["counts"]["failed"] == 0 and data["counts"]["advisories"] == 0
    assert data["target_info"]["language"].startswith("javascript")
    detected = data["conventions"]["detected"]
    assert detected["epsilon"] == "outside" and detected["adam_returns"] == 3
    passed = {c["clause"] for c in data["clauses"] if c["passed"] and not c["failed"]}
    assert {"minibatch.seed", "golden.minibatches", "gd.update", "momentum.ema", "adam.update", "state.no-aliasing",
            "api.in-place", "api.signatures", "api.errors", "precision.ulp"} <= passed
    lacking = ("the target has no", "learning-rate decay is absent")
    assert all(c["reason"].startswith(lacking) for c in data["checks"] if c["status"] == "skipped")


@needs_node
def test_optoracle_check_runs_a_command_with_arguments(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    code = main(["check", "--cmd", "node examples/javascript/harness.js", "--examples", "mutation", "--clause", "gd",
                 "-q", "--jobs", "1"])
    assert code == 0, capsys.readouterr()


def bit_cases():
    """(function, args, kwargs) the JavaScript port and the Python reference must agree on to the last bit."""
    cases = []
    for seed, dtype in ((0, np.float64), (1, np.float32), (2, np.float64), (3, np.float32)):
        p, g, v, s = network(seed, (4, 3, 2, 1), dtype, special=seed >= 2)
        cases.append(("update_parameters_with_gd", (p, g, 0.0007), {}))
        cases.append(("update_parameters_with_momentum", (p, g, v, 0.9, 0.01), {}))
        cases.append(("update_parameters_with_momentum", (p, g, v, 0.0, 1.0), {}))
        for t in (1, 2, 3, 999, 1000, 10 ** 4, 5 * 10 ** 4, 10 ** 7):
            cases.append(("update_parameters_with_adam", (p, g, v, s, t, 0.01, 0.9, 0.999, 1e-8), {}))
        cases.append(("update_parameters_with_adam", (p, g, v, s, 7), {"beta2": 0.9999, "epsilon": 0.0}))
        cases.append(("initialize_velocity", (p,), {}))
        cases.append(("initialize_adam", (p,), {}))
    for m, b, seed in ((1, 64, 11), (5, 8, 11), (9, 4, 0), (64, 64, 12), (300, 64, 13), (129, 64, 2 ** 32 - 1)):
        X = np.random.default_rng(m).normal(size=(2, m))
        cases.append(("random_mini_batches", (X, np.arange(m, dtype=np.int64).reshape(1, m), b, seed), {}))
    return cases


@needs_node
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")      # the reference on NaN and inf gradients
def test_the_javascript_port_computes_what_the_python_reference_computes_to_the_last_bit():
    cases = bit_cases()
    reference = Server("reference", module=conventions_module(Conventions(epsilon="outside")))
    for binary in (False, True):
        requests = [hello_line(functions=sorted({c[0] for c in cases}), base64=binary)]
        requests += [call_line(1001 + i, name, *args, binary=binary, observe=("shared",), **kwargs)
                     for i, (name, args, kwargs) in enumerate(cases)]
        replies = node_harness(requests, *(["--base64"] if binary else []))
        expected = [json.loads(reference.handle(line)[0]) for line in requests]
        assert replies[0]["encodings"] == (["base64"] if binary else [])
        validated = set()
        for (name, args, kwargs), reply, want in zip(cases, replies[1:], expected[1:]):
            if name not in validated:                 # one reply of each function (validation is slow)
                REPLY.validate(reply)
                validated.add(name)
            assert reply["ok"], reply
            assert ('"base64"' in json.dumps(reply["value"])) == binary
            assert same(protocol.decode(reply["value"]), protocol.decode(want["value"])), (name, args[4:5])
            assert reply["shared"] == []
            if name in ("initialize_velocity", "initialize_adam", "random_mini_batches"):
                assert reply["mutated"] == []
            else:                         # the port rebinds parameters, v and s in place, as the course does
                touched = {pointer.split("/")[2] for pointer in reply["mutated"]}
                assert "1" not in touched and touched <= {"0", "2", "3"}
                assert "/args/0/W1" in reply["mutated"]


@needs_node
def test_the_javascript_permutation_is_numpys_legacy_permutation():
    cases = [(seed, m) for seed in (0, 1, 2, 11, 12, 13, 42, 2 ** 31, 2 ** 32 - 1) for m in (0, 1, 2, 5, 64, 300, 1025)]
    cases += [(int(seed), int(m)) for seed, m in zip(np.random.default_rng(5).integers(0, 2 ** 32, 200),
                                                      np.random.default_rng(6).integers(0, 2000, 200))]
    script = ("const { MT19937 } = require(process.argv[1]);"
              "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "process.stdout.write(JSON.stringify(cases.map(([s, m]) => new MT19937(s).permutation(m))));")
    proc = subprocess.run([NODE, "-e", script, os.path.join(JS, "optimizers.js")], input=json.dumps(cases),
                          capture_output=True, text=True, timeout=30, check=True)
    permutations = json.loads(proc.stdout)
    assert permutations[cases.index((1, 5))] == [2, 1, 4, 0, 3]                 # SPEC minibatch.seed's example
    for (seed, m), permutation in zip(cases, permutations):
        np.random.seed(seed)
        assert permutation == np.random.permutation(m).tolist(), (seed, m)


@needs_node
def test_the_javascript_harness_answers_malformed_lines_with_structured_protocol_errors_and_keeps_going():
    lines = [line for line, _, _ in MALFORMED] + [line for line, _ in CRASHING]
    replies = node_harness(lines + ['{"op":"bye","id":99}', '{"op":"bye","id":100}'])
    assert len(replies) == len(lines) + 1                             # nothing is answered after bye
    for line, reply in zip(lines, replies):
        REPLY.validate(reply)
        if line == hello_line(6):
            assert reply["ok"] is True and "update_parameters_with_gd" in reply["functions"]
            continue
        assert reply["ok"] is False and reply["error"]["phase"] == "protocol", (line, reply)
        assert reply["error"]["type"] == "ProtocolError"
    assert [r["id"] for r in replies[:3]] == [None, None, 5]
    assert replies[-1] == {"id": 99, "ok": True}


@needs_node
def test_the_javascript_harness_binds_keywords_reports_errors_and_declares_the_course_signatures():
    p, g, v, s = network(4)
    requests = [
        hello_line(functions=["update_parameters_with_adam", "random_mini_batches", "model"]),
        call_line(2, "update_parameters_with_adam", p, g, v, s, 1, beta1=0.5),
        call_line(3, "update_parameters_with_adam", p, g, v, s, 0),
        call_line(4, "update_parameters_with_adam", p, g, v, s, 1, bogus=1),
        call_line(5, "update_parameters_with_adam", p, g, v, s),
    ]
    hello, keyword, bad_t, bogus, missing = node_harness(requests)
    assert set(hello["functions"]) == {"update_parameters_with_adam", "random_mini_batches"}
    declared = hello["functions"]["update_parameters_with_adam"]["parameters"]
    assert [(d["name"], d.get("default")) for d in declared] == [
        ("parameters", None), ("grads", None), ("v", None), ("s", None), ("t", None), ("learning_rate", 0.01),
        ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8)]
    reference = conventions_module(Conventions(epsilon="outside"))
    assert same(protocol.decode(keyword["value"]),
                reference.update_parameters_with_adam(p, g, v, s, 1, beta1=0.5))
    assert bad_t["error"]["type"] == "ValueError" and "'t'" in bad_t["error"]["message"]
    assert bad_t["error"]["phase"] == "call"
    assert bogus["error"]["type"] == "TypeError" and "bogus" in bogus["error"]["message"]
    assert missing["error"]["type"] == "TypeError" and "'t'" in missing["error"]["message"]


# a harness that answers the handshake, then floods stdout with lines the protocol takes for replies (a protocol
# error of id null), and never reads another request: the checker's requests fill its stdin
FORGES_REPLIES = '''
import fcntl, json, sys, time
fcntl.fcntl(0, 1031, 4096)          # F_SETPIPE_SZ: a small stdin pipe, filled by a few requests (Linux)
line = sys.stdin.readline()
print(json.dumps({"id": json.loads(line)["id"], "ok": True, "protocol": "optoracle/1",
                  "functions": {"update_parameters_with_gd": {"parameters": None}}}), flush=True)
forged = json.dumps({"id": None, "ok": False, "error": {"type": "ProtocolError", "message": "forged",
                                                        "phase": "protocol"}})
while True:
    print(forged, flush=True)
    time.sleep(0.001)
'''


@pytest.mark.heavy                 # optoracle in a new interpreter (a checker it blocked would hang the test)
def test_a_harness_that_stops_reading_its_requests_times_out_instead_of_blocking_the_checker(tmp_path):
    script = tmp_path / "forges.py"
    script.write_text(FORGES_REPLIES)
    proc = subprocess.run(optoracle_command() + ["check", "--cmd", f"{sys.executable} {script}", "--clause",
                                                 "gd.update", "--examples", "mutation", "-q"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "OPTORACLE_CALL_TIMEOUT": "0.5"})
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "DOES NOT CONFORM" in proc.stdout.splitlines()[0]


BLIND_TO_MUTATIONS = '''
import json, subprocess, sys
# the Python harness behind a relay that drops "mutated" from every reply: a harness that cannot observe mutations
child = subprocess.Popen([sys.executable, "-m", "properties.harness", sys.argv[1]], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
for line in sys.stdin:
    child.stdin.write(line)
    child.stdin.flush()
    reply = json.loads(child.stdout.readline())
    reply.pop("mutated", None)
    print(json.dumps(reply), flush=True)
'''


def test_checks_that_need_the_observation_of_mutations_are_skipped_where_a_harness_cannot_observe_them(tmp_path):
    from properties.runner import run_suite
    # a porter's harness without "mutated" (PROTOCOL.md section 6) had minibatch.no-mutation passed, though it
    # shuffled X in place: no mutation seen is no evidence
    from conftest import correct_target
    source, _ = correct_target(tmp_path, "shuffles_in_place.py", (
        "def random_mini_batches(X, Y, mini_batch_size=64, seed=0):\n"
        "    out = _correct.random_mini_batches(X, Y, mini_batch_size, seed)\n"
        "    X[:] = X[:, ::-1]\n"
        "    return out\n"))
    relay = tmp_path / "relay.py"
    relay.write_text(BLIND_TO_MUTATIONS)
    report = run_suite(command=f"{sys.executable} {relay} {source}", examples="mutation",
                       clauses=["minibatch.no-mutation", "api.in-place"])
    reasons = {r.clause: (r.status, r.reason) for r in report.results}
    assert set(reasons) == {"minibatch.no-mutation", "api.in-place"}
    assert all(status == "skipped" and "does not report which inputs a call mutated" in reason
               for status, reason in reasons.values()), reasons
    seen = run_suite(source, examples="mutation", clauses=["minibatch.no-mutation"])      # the harness observes it
    assert [r.clause for r in seen.failed] == ["minibatch.no-mutation"]


def test_the_signatures_protocol_md_lists_are_the_course_signatures_the_checker_judges():
    # a porter who may read only PROTOCOL.md declares these (round 17 had to know the defaults from the course)
    from reference.editions import DECAY_SIGNATURES, GRADED, HELPERS
    with open(os.path.join(ROOT, "PROTOCOL.md"), encoding="utf-8") as f:
        text = f.read()
    block = text.split("<!-- signatures: begin -->")[1].split("<!-- signatures: end -->")[0]
    listed = [line for line in block.strip().strip("`").strip().splitlines() if not line.endswith(":")]
    expected = [f"{name}{signature}" for table in (GRADED, DECAY_SIGNATURES, HELPERS)
                for name, signature in table.items()]
    assert listed == expected
