"""Writes hostile pickles for the tests, as JSON on stdout: [{name, protocol, global, pickle (base64)}].
It only ever *dumps* (which runs nothing); the payloads would run commands if a real unpickler loaded them.
argv[1] is a canary path that a payload would create."""

import base64
import builtins
import codecs
import copyreg
import importlib
import json
import marshal
import operator
import os
import pickle
import pickletools
import pkgutil
import subprocess
import sys

CANARY = sys.argv[1]


class Reduce:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


class Plain:
    """Pickled by protocols 0-1 as copyreg._reconstructor(Plain, object, None): a type not on the allowlist."""


def global_name(fn):
    return "%s.%s" % (fn.__module__, fn.__qualname__)


PY2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}
ALLOWED = {"copyreg._reconstructor", "builtins.object", "_codecs.encode"}


def first_global(data, proto):
    """The first global the pickle names that the reader must refuse, spelled as the reader spells it."""
    memo, strings = [], []
    for opcode, arg, _ in pickletools.genops(data):
        name = opcode.name
        if name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif name == "MEMOIZE":
            memo.append(strings[-1] if strings else None)
        elif name == "BINGET" and arg < len(memo):
            strings.append(memo[arg])
        if name == "GLOBAL":
            module, qual = arg.split(" ", 1)
        elif name == "STACK_GLOBAL":
            module, qual = strings[-2], strings[-1]
        else:
            continue
        if proto < 3:
            module = PY2_MODULES.get(module, module)
        full = "%s.%s" % (module, qual)
        if full not in ALLOWED:
            return full
    return None


cases = [
    ("os.system", os.system, ("touch " + CANARY,)),
    ("builtins.eval", builtins.eval, ("__import__('os').system('touch %s')" % CANARY,)),
    ("builtins.exec", builtins.exec, ("open(%r, 'w').close()" % CANARY,)),
    ("builtins.getattr", builtins.getattr, (Reduce(builtins.__import__, ("os",)), "system")),
    ("builtins.__import__", builtins.__import__, ("os",)),
    ("subprocess.Popen", subprocess.Popen, (["touch", CANARY],)),
    ("importlib.import_module", importlib.import_module, ("os",)),
    ("pkgutil.resolve_name", pkgutil.resolve_name, ("os:system",)),
    ("pickle.loads", pickle.loads, (b"cos\nsystem\n(Vtouch " + CANARY.encode() + b"\ntR.",)),
    ("marshal.loads", marshal.loads, (marshal.dumps(1),)),
    ("operator.attrgetter", operator.attrgetter, ("system",)),
    ("_codecs.encode wrongly", codecs.encode, ("payload", "rot13")),
    ("_codecs.encode one arg", codecs.encode, ("payload",)),
]

out = []
for name, fn, args in cases:
    for proto in range(6):
        data = pickle.dumps(Reduce(fn, args), protocol=proto)
        expect = first_global(data, proto) if name.startswith("_codecs") is False else "_codecs.encode"
        out.append({"name": name, "protocol": proto, "global": expect, "pickle": base64.b64encode(data).decode()})

for proto in range(6):
    data = pickle.dumps(Plain(), protocol=proto)
    out.append({"name": "class not on the allowlist", "protocol": proto, "global": "__main__.Plain", "pickle": base64.b64encode(data).decode()})

# copyreg._reconstructor asked directly to rebuild a disallowed type (and given a bad base).
for proto in range(6):
    data = pickle.dumps(Reduce(copyreg._reconstructor, (Plain, object, None)), protocol=proto)
    out.append({"name": "copyreg._reconstructor of a disallowed type", "protocol": proto, "global": "__main__.Plain", "pickle": base64.b64encode(data).decode()})

json.dump(out, sys.stdout)
