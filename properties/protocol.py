"""The wire format between the checker and a target's harness (PROTOCOL.md, ``protocol.schema.json``).

JSON lines on the harness's stdin (requests) and stdout (replies). A value is plain JSON where
JSON can say it exactly, and a one-key tagged object where it cannot::

    null, true, false, "text", 3 (an integer), 0.5 (a float: written with "." or "e")
    [v, ...]                                  a list
    {"tuple": [v, ...]}                       a tuple (Python) / fixed-size record
    {"dict": {"key": v, ...}}                 a dict with string keys
    {"float": "nan" | "inf" | "-inf"}         a non-finite float
    {"ndarray": {"dtype": "float64", "shape": [2, 3], "data": [flat, row-major]}}
                                              data: numbers, or "nan" / "inf" / "-inf"
    {"ndarray": {"dtype": "float64", "shape": [2, 3], "base64": "..."}}
                                              the same array as its raw little-endian bytes (an
                                              optional encoding, used only with harnesses that
                                              announce "base64" in their handshake)
    {"function": "update_lr"}                 a function of the target, by name (an argument)
    {"object": {"type": "TrainResult", "repr": "..."}}
                                              anything else a target returns (a reply only)

Floats are written as the shortest decimal that reads back as the same float64 (Python's
``repr``), so every value crosses exactly; float32 values are written as their exact float64
value. This module is imported by the Python harness inside the target's process: it needs
only the standard library and numpy.
"""
from __future__ import annotations

import binascii
import json
import math
import sys

import numpy as np

PROTOCOL = "optoracle/1"
NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
DTYPES = ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint64", "uint32", "uint16", "uint8",
          "bool")


class ProtocolError(Exception):
    """A message that does not follow the protocol."""


class FunctionRef:
    """An argument that names a function of the target (e.g. ``decay=update_lr``)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name

    def __eq__(self, other):
        return isinstance(other, FunctionRef) and other.name == self.name

    def __hash__(self):
        return hash(("FunctionRef", self.name))


class Opaque:
    """A returned value the protocol has no encoding for: its type name and repr."""

    def __init__(self, type_name, text):
        self.type_name, self.text = type_name, text

    def __repr__(self):
        return f"<{self.type_name}: {self.text}>"

    def __eq__(self, other):             # the same call returning the same object's repr again (a replay)
        return isinstance(other, Opaque) and (self.type_name, self.text) == (other.type_name, other.text)

    def __hash__(self):
        return hash((self.type_name, self.text))


_NAME = {np.dtype(name): name for name in DTYPES}
_STR = {"nan", "inf", "-inf"}


def _tag(x):
    return "nan" if x != x else ("inf" if x > 0 else "-inf")


_LITTLE = sys.byteorder == "little"
_LITTLE_DTYPE = {name: np.dtype(name).newbyteorder("<") for name in DTYPES}


def _array(a, careful, binary=False):
    dtype = _NAME.get(a.dtype)
    if dtype is None:
        if a.dtype.kind == "f":
            a, dtype = a.astype(np.float64), "float64"
        elif a.dtype.kind in "iu":
            a, dtype = a.astype(np.int64), "int64"
        else:
            return {"object": {"type": f"ndarray[{a.dtype}]", "repr": repr(a)[:200]}}
    if binary:
        raw = (a if _LITTLE else a.byteswap()).tobytes()             # row-major bytes, whatever a's strides
        return {"ndarray": {"dtype": dtype, "shape": list(a.shape),
                            "base64": binascii.b2a_base64(raw, newline=False).decode("ascii")}}
    data = a.ravel().tolist()
    if careful and a.dtype.kind == "f":
        data = [x if math.isfinite(x) else _tag(x) for x in data]
    return {"ndarray": {"dtype": dtype, "shape": list(a.shape), "data": data}}


def encode(value, careful=True, binary=False):
    """A Python value -> its JSON-ready form. ``careful=False`` skips tagging non-finite floats
    (fast; ``dumps`` then refuses NaN and the caller encodes again carefully); ``binary`` sends
    arrays as base64 bytes (exact, NaN included)."""
    if type(value) is np.ndarray:                                 # the common case first
        return _array(value, careful, binary)
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if not careful or math.isfinite(value) else {"float": _tag(value)}
    if isinstance(value, np.ndarray):
        return _array(value, careful, binary)
    if isinstance(value, np.generic):
        return _array(np.asarray(value), careful, binary)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return {"object": {"type": "dict", "repr": repr(value)[:200]}}
        return {"dict": {k: encode(v, careful, binary) for k, v in value.items()}}
    if isinstance(value, tuple):
        return {"tuple": [encode(v, careful, binary) for v in value]}
    if isinstance(value, list):
        return [encode(v, careful, binary) for v in value]
    if isinstance(value, FunctionRef):
        return {"function": value.name}
    return {"object": {"type": type(value).__name__, "repr": repr(value)[:200]}}


def decode(value, functions=None):
    """The JSON form -> a Python value (arrays as numpy arrays). ``functions`` resolves
    ``{"function": name}`` (in the harness); without it a FunctionRef is returned."""
    kind = type(value)
    if kind is list:
        return [decode(v, functions) for v in value]
    if kind is not dict:
        return value
    if len(value) != 1:
        raise ProtocolError(f"a tagged value has exactly one key, got {sorted(value)}")
    (tag, body), = value.items()
    if tag == "ndarray":
        return _decode_array(body)
    if tag == "dict":
        return {k: decode(v, functions) for k, v in body.items()}
    if tag == "tuple":
        return tuple(decode(v, functions) for v in body)
    if tag == "float":
        if body not in NONFINITE:
            raise ProtocolError(f"unknown float {body!r}; expected nan, inf or -inf")
        return NONFINITE[body]
    if tag == "function":
        return functions(body) if functions else FunctionRef(body)
    if tag == "object":
        return Opaque(body.get("type", "?"), body.get("repr", ""))
    raise ProtocolError(f"unknown tag {tag!r}")


def _decode_array(body):
    if type(body) is not dict or type(body.get("shape")) is not list:
        raise ProtocolError("an ndarray has a dtype, a shape (a list) and data or base64")
    dtype, shape = body.get("dtype"), body["shape"]
    if type(dtype) is not str or dtype not in _LITTLE_DTYPE:
        raise ProtocolError(f"unknown dtype {dtype!r}; expected one of {', '.join(DTYPES)}")
    for n in shape:
        if type(n) is not int or n < 0:                         # JSON's integers (not bool, not 2.0)
            raise ProtocolError(f"an ndarray's shape is a list of non-negative integers, got {shape!r}")
    size = math.prod(shape)
    if "base64" in body:
        text = body["base64"]
        try:
            if not isinstance(text, str):
                raise TypeError(f"base64 data is a string, got {type(text).__name__}")
            raw = binascii.a2b_base64(text, strict_mode=True)
        except (ValueError, TypeError) as error:
            raise ProtocolError(f"invalid base64 array data ({error})") from None
        little = _LITTLE_DTYPE[dtype]
        if len(raw) != size * little.itemsize:
            raise ProtocolError(f"base64 data of {len(raw)} bytes for shape {shape} of {dtype} "
                                f"({size * little.itemsize} bytes)")
        array = np.frombuffer(bytearray(raw), dtype=little)         # a writable copy of the bytes
        return (array if _LITTLE else array.astype(dtype)).reshape(shape)
    data = body.get("data")
    if not isinstance(data, list) or len(data) != size:
        raise ProtocolError(f"an ndarray of shape {shape} has {size} data values, got "
                            f"{len(data) if isinstance(data, list) else type(data).__name__}")
    if dtype.startswith("float"):
        if not all(_float_ok(x) for x in data):
            bad = next(x for x in data if not _float_ok(x))
            raise ProtocolError(f"{dtype} data must be numbers or 'nan', 'inf', '-inf', got {bad!r}")
        return np.array(data, dtype=np.float64).astype(dtype).reshape(shape)
    if dtype == "bool":
        if not all(isinstance(x, bool) for x in data):
            raise ProtocolError("bool data must be true or false")
    elif not all(isinstance(x, int) and not isinstance(x, bool) for x in data):
        bad = next(x for x in data if not (isinstance(x, int) and not isinstance(x, bool)))
        raise ProtocolError(f"{dtype} data must be integers, got {bad!r}")
    try:
        return np.array(data, dtype=dtype).reshape(shape)
    except OverflowError:
        raise ProtocolError(f"{dtype} data out of range") from None


def _float_ok(x):
    return (isinstance(x, (int, float)) and not isinstance(x, bool)) or x in NONFINITE


# messages are built afresh by encode (no cycles to look for)
_ENCODER = json.JSONEncoder(allow_nan=False, separators=(",", ":"), check_circular=False)


def dumps(message):
    """One message as one line (NaN never appears raw: non-finite floats are tagged)."""
    return _ENCODER.encode(message)


def encode_message(message, fields, binary=False):
    """``dumps`` of ``message`` with ``fields`` (field -> Python value) encoded into it: fast when every
    float is finite, careful (tagging NaN and infinities) otherwise; arrays as base64 if ``binary``."""
    try:
        return dumps({**message, **{k: encode(v, careful=False, binary=binary) for k, v in fields.items()}})
    except ValueError:
        return dumps({**message, **{k: encode(v, binary=binary) for k, v in fields.items()}})


# how a harness's protocol error begins where the call ran but its value could not be encoded (the checker
# then names the function's value, not the request)
UNENCODABLE = "the reply could not be encoded: "


def _no_constants(name):
    raise ProtocolError(f"raw {name} is not JSON: a non-finite float is {{\"float\": \"nan\"}}, or \"nan\" in an "
                        "ndarray's data")


_DECODER = json.JSONDecoder(parse_constant=_no_constants)


def loads(line):
    try:
        message = _DECODER.decode(line)
    except json.JSONDecodeError as error:
        raise ProtocolError(f"not a JSON line ({error})") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message is a JSON object")
    return message
