"""Test driver for @sess/serializer-pickle: builds Python values from a tagged JSON description, pickles
them, and checks pickles written by the TypeScript side. Reads one JSON request on stdin, writes one JSON
answer on stdout. Only ever unpickles data produced by the serializer under test."""

import base64
import collections
import datetime
import decimal
import json
import math
import pickle
import sys
import uuid


def tz_of(t):
    if t is None:
        return None
    off = datetime.timedelta(*t["o"])
    if t.get("n") is None:
        return datetime.timezone(off)
    return datetime.timezone(off, t["n"])


def build(t):
    k = t["t"]
    v = t.get("v")
    if k == "none":
        return None
    if k == "bool":
        return bool(v)
    if k == "int":
        return int(v)
    if k == "float":
        return float(v)
    if k == "str":
        return v
    if k == "bytes":
        return bytes.fromhex(v)
    if k == "bytearray":
        return bytearray.fromhex(v)
    if k == "list":
        return [build(x) for x in v]
    if k == "tuple":
        return tuple(build(x) for x in v)
    if k == "dict":
        return {build(a): build(b) for a, b in v}
    if k == "odict":
        return collections.OrderedDict((build(a), build(b)) for a, b in v)
    if k == "set":
        return {build(x) for x in v}
    if k == "frozenset":
        return frozenset(build(x) for x in v)
    if k == "datetime":
        return datetime.datetime(*v, tzinfo=tz_of(t.get("tz")), fold=t.get("fold", 0))
    if k == "date":
        return datetime.date(*v)
    if k == "time":
        return datetime.time(*v, tzinfo=tz_of(t.get("tz")), fold=t.get("fold", 0))
    if k == "timedelta":
        return datetime.timedelta(*v)
    if k == "timezone":
        return tz_of(t)
    if k == "decimal":
        return decimal.Decimal(v)
    if k == "uuid":
        return uuid.UUID(hex=v)
    if k == "complex":
        return complex(float(v[0]), float(v[1]))
    if k == "eval":
        return eval(v, {"datetime": datetime, "decimal": decimal, "uuid": uuid, "collections": collections})
    raise ValueError("unknown tag %r" % k)


def float_eq(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1, a) == math.copysign(1, b)


def find_key(x, container, loose):
    for y in container:
        if same(x, y, loose):
            return y, True
    return None, False


def same(a, b, loose=False):
    """Equality that also requires the same types (except int/float when `loose`), sign of zero, NaN == NaN,
    the same Decimal digits, and the same tzinfo."""
    if loose and type(a) in (int, float) and type(b) in (int, float) and type(a) is not type(b):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return float_eq(a, b)
    if isinstance(a, complex):
        return float_eq(a.real, b.real) and float_eq(a.imag, b.imag)
    if isinstance(a, decimal.Decimal):
        return str(a) == str(b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y, loose) for x, y in zip(a, b))
    if isinstance(a, dict):
        if len(a) != len(b):
            return False
        if isinstance(a, collections.OrderedDict) and not all(same(x, y, loose) for x, y in zip(a.keys(), b.keys())):
            return False
        for ka, va in a.items():
            kb, found = find_key(ka, b.keys(), loose)
            if not found or not same(va, b[kb], loose):
                return False
        return True
    if isinstance(a, (set, frozenset)):
        return len(a) == len(b) and all(find_key(x, b, loose)[1] for x in a)
    if isinstance(a, (datetime.datetime, datetime.time)):
        return a.replace(tzinfo=None) == b.replace(tzinfo=None) and a.fold == b.fold and repr(a.tzinfo) == repr(b.tzinfo)
    return a == b


def b64(data):
    return base64.b64encode(data).decode("ascii")


def main():
    req = json.load(sys.stdin)
    cmd = req["cmd"]
    if cmd == "dump":
        protos = req["protocols"]
        out = []
        for t in req["values"]:
            value = build(t)
            out.append([b64(pickle.dumps(value, protocol=p)) for p in protos])
        json.dump({"pickles": out}, sys.stdout)
    elif cmd == "check":
        failures = []
        for i, item in enumerate(req["items"]):
            try:
                expected = build(item["value"])
                got = pickle.loads(base64.b64decode(item["pickle"]))
                if not same(got, expected, item.get("loose", False)):
                    failures.append({"i": i, "got": repr(got)[:2000], "expected": repr(expected)[:2000]})
            except Exception as e:  # noqa: BLE001 - every failure is reported back to the test
                failures.append({"i": i, "error": "%s: %s" % (type(e).__name__, e)})
        json.dump({"failures": failures, "checked": len(req["items"])}, sys.stdout)
    elif cmd == "eval":
        # Trusted expressions written in the tests: evaluate and report repr, or pickle them.
        out = []
        for item in req["items"]:
            if "pickle" in item:
                value = pickle.loads(base64.b64decode(item["pickle"]))
                ns = {"v": value, "datetime": datetime, "decimal": decimal, "uuid": uuid, "collections": collections, "math": math}
                out.append({"repr": repr(value), "check": bool(eval(item["expr"], ns)) if "expr" in item else None})
            else:
                value = build({"t": "eval", "v": item["expr"]})
                out.append({"pickle": b64(pickle.dumps(value, protocol=item.get("protocol", 5)))})
        json.dump({"results": out}, sys.stdout)
    else:
        raise SystemExit("unknown command %r" % cmd)


if __name__ == "__main__":
    main()
