#!/usr/bin/env python3
"""Evaluate Odoo manifests with CPython's own ``ast.literal_eval``.

Reference side of the differential tests for ``src/pyliteral.rs``: each file
named on the command line is read the way Odoo reads ``__manifest__.py``
(UTF-8 text with universal newlines, then ``ast.literal_eval``) and printed as
one JSON line, in argument order::

    {"file": PATH, "ok": CANONICAL}     the file is a literal
    {"file": PATH, "error": "Type: message"}     Python rejects it

CANONICAL is the encoding of ``PyValue::to_canonical_json`` in Rust:
``None``/``bool``/``str``/``list`` and ints within i64 are plain JSON; other
values are one-key objects: ``{"$int": digits}``, ``{"$float": repr}``,
``{"$complex": [repr, repr]}``, ``{"$bytes": hex}``, ``{"$tuple": [...]}``,
``{"$set": [...]}`` (sorted by compact JSON text) and ``{"$dict": [[k, v]]}``
unless every key is a str, in which case a dict is an object in order.
Lone surrogates in str values are written as U+FFFD, as the Rust side stores
them. ``...`` becomes ``{"$ellipsis": null}``, which the Rust side never
produces (it rejects Ellipsis), so a difference shows up instead of hiding.
"""

import ast
import json
import re
import sys
import warnings

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1
SURROGATES = re.compile("[\ud800-\udfff]")
# Odoo runs with the default limit on int<->str conversion, which rejects
# decimal literals of more than 4300 digits; printing a big hex literal in
# decimal needs the limit lifted, so it is restored before every parse.
DEFAULT_MAX_STR_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 0)()


def set_max_str_digits(limit):
    """Set the int<->str digit limit where this Python has one."""
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(limit)


def compact(value):
    """The JSON text used to order set elements (same as serde_json's)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def canonical(value):
    """Encode a literal value without losing Python type distinctions."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if I64_MIN <= value <= I64_MAX:
            return value
        return {"$int": str(value)}
    if isinstance(value, float):
        return {"$float": repr(value)}
    if isinstance(value, complex):
        return {"$complex": [repr(value.real), repr(value.imag)]}
    if isinstance(value, str):
        return SURROGATES.sub("\ufffd", value)
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    if isinstance(value, tuple):
        return {"$tuple": [canonical(item) for item in value]}
    if isinstance(value, (set, frozenset)):
        return {"$set": sorted((canonical(item) for item in value), key=compact)}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {canonical(key): canonical(item) for key, item in value.items()}
        return {"$dict": [[canonical(key), canonical(item)] for key, item in value.items()]}
    if value is Ellipsis:
        return {"$ellipsis": None}
    raise TypeError(f"unexpected literal type {type(value).__name__}")


def evaluate(path):
    """One output record for one file."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        set_max_str_digits(DEFAULT_MAX_STR_DIGITS)
        value = ast.literal_eval(text)
    except Exception as exc:  # SyntaxError, ValueError, TypeError, MemoryError, ...
        return {"file": path, "error": f"{type(exc).__name__}: {exc}"}
    set_max_str_digits(0)
    return {"file": path, "ok": canonical(value)}


def main(paths):
    # literal_eval only warns about invalid escapes such as "\d"; keep the
    # outcome independent of PYTHONWARNINGS or -W options.
    warnings.simplefilter("ignore")
    sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    for path in paths:
        print(json.dumps(evaluate(path), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
