#!/usr/bin/env python3
"""Compares check-views' spec verdicts with Odoo's own apply_inheritance_specs.

Usage: compare-views-with-odoo.py ODOO_SRC TRACE.jsonl [TRACE.jsonl ...]

ODOO_SRC is a source tree of Odoo (the folder holding the `odoo` package). Its
`odoo/tools/template_inheritance.py` is loaded as it is, with small stand-ins for the three
modules it imports (odoo.tools.translate, odoo.exceptions, odoo.tools.misc), so a Python with
lxml is enough (use the lxml Odoo pins: scripts/test.sh makes .cache/lxml). `hasclass()` is
registered as Odoo's server registers it.

Each trace (one JSON line of `odoo-audit check-views --trace-specs FILE`) gives a parent arch
(`source`) and one spec (`spec`). Odoo's apply_inheritance_specs(copy of source, spec) is run
and its verdict classified:

- located: no exception, or an exception raised after the spec's node was found (an invalid
  position, a bad <attribute>, a moved node that cannot be located, ...);
- not located: ValueError "... cannot be located in parent view" for the spec itself;
- error: the spec's expression fails in locate_node (invalid XPath, evaluation error).

When both locate it, the node Odoo's locate_node finds is compared with ours (`located`, its
getpath()) too: a spec counts as the same only when the verdict and the node are. Whether
applying it then failed (Odoo raised; ours: `error` set) is counted on the side
(apply_failed_*, with the specs where only one side failed listed under apply_different).

Ours: `located` non-null is located; else `error` set (other than "not located", check-views'
word for nothing found) is error; else not located. Prints the
counts per dialect (server specs are what Odoo applies with this function; client-dialect
specs, applied by the web client in JavaScript, are counted apart) and lists the differences.
Exits 0 when the comparison ran, 1 when a server-dialect spec differs, 2 on bad input.
"""

import copy
import importlib.util
import json
import sys
import traceback
import types
from pathlib import Path

from lxml import etree

MAX_LISTED = 50


def _hasclass(context, *classes):
    """True when the context node's class attribute, split on whitespace, holds every
    argument; a node-set argument is an error, as in Odoo."""
    have = set((context.context_node.get("class") or "").split())
    if any(isinstance(arg, list) for arg in classes):
        raise TypeError("hasclass() got a node-set")
    return all(isinstance(arg, str) and arg in have for arg in classes)


class _Message(str):
    """What the stand-in LazyTranslate returns: the message, formatted."""


def _translate(source, *args, **kwargs):
    if args:
        return _Message(source % args)
    if kwargs:
        return _Message(source % kwargs)
    return _Message(source)


def _escape(value):
    return (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


def _stand_ins():
    """Minimal modules for the imports of template_inheritance.py."""
    odoo = types.ModuleType("odoo")
    odoo.__path__ = []
    tools = types.ModuleType("odoo.tools")
    tools.__path__ = []
    translate = types.ModuleType("odoo.tools.translate")
    translate.LazyTranslate = lambda module, **kw: _translate
    exceptions = types.ModuleType("odoo.exceptions")

    class ValidationError(Exception):
        pass

    exceptions.ValidationError = ValidationError
    misc = types.ModuleType("odoo.tools.misc")
    # Nodes that are not elements, which the spec loop passes over.
    misc.SKIPPED_ELEMENT_TYPES = (
        etree._Comment,
        etree._ProcessingInstruction,
        etree.CommentBase,
        etree.PIBase,
        etree._Entity,
    )
    misc.html_escape = _escape
    odoo.tools = tools
    odoo.exceptions = exceptions
    tools.translate = translate
    tools.misc = misc
    for m in (odoo, tools, translate, exceptions, misc):
        sys.modules[m.__name__] = m


def load_odoo(src):
    path = Path(src) / "odoo" / "tools" / "template_inheritance.py"
    if not path.is_file():
        raise SystemExit(f"compare-views-with-odoo: no {path}")
    _stand_ins()
    spec = importlib.util.spec_from_file_location("odoo.tools.template_inheritance", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _in_frame(tb, name):
    return any(frame.name == name for frame in traceback.extract_tb(tb))


def odoo_verdict(ti, source, spec_text):
    """Odoo's verdict on one spec: ("located" | "not located" | "error", detail)."""
    parser = etree.XMLParser(resolve_entities=False)
    root = etree.fromstring(source.encode("utf-8"), parser)
    spec = etree.fromstring(spec_text.encode("utf-8"), parser)
    try:
        ti.apply_inheritance_specs(copy.deepcopy(root), spec)
    except Exception as e:  # classified below; anything Odoo raises is a verdict
        tb = e.__traceback__
        message = f"{type(e).__name__}: {e}"
        if _in_frame(tb, "extract"):
            # A node moved by the spec: the spec's own node was found.
            return ("located", message)
        if isinstance(e, ValueError) and "cannot be located" in str(e):
            return ("not located", message)
        if _in_frame(tb, "locate_node"):
            return ("error", message)
        return ("located", message)
    return ("located", None)


def odoo_node(ti, source, spec_text):
    """The path of the node Odoo's locate_node finds for the spec, or None."""
    parser = etree.XMLParser(resolve_entities=False)
    root = etree.fromstring(source.encode("utf-8"), parser)
    spec = etree.fromstring(spec_text.encode("utf-8"), parser)
    try:
        node = ti.locate_node(root, spec)
    except Exception as e:  # already classified by odoo_verdict
        return f"<{type(e).__name__}>"
    if node is None:
        return None
    if isinstance(node, etree._Element):
        return node.getroottree().getpath(node)
    return f"<{type(node).__name__} {node!r}>"


def our_verdict(trace):
    if trace.get("located") is not None:
        return "located"
    if trace.get("error") not in (None, "not located"):
        return "error"
    return "not located"


def read_traces(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                trace = json.loads(line)
                if not isinstance(trace, dict) or not all(
                    isinstance(trace.get(k), str) for k in ("source", "spec")
                ):
                    raise ValueError(f"{path}:{number}: not a trace (source, spec)")
                yield f"{path}:{number}", trace


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    ti = load_odoo(argv[1])
    etree.FunctionNamespace(None)["hasclass"] = _hasclass
    counts = {}
    different = []
    apply_different = []
    exceptions_after_locating = 0
    try:
        for where, trace in read_traces(argv[2:]):
            dialect = trace.get("dialect") or "server"
            c = counts.setdefault(
                dialect,
                {
                    "specs": 0,
                    "same": 0,
                    "different": 0,
                    "same_node": 0,
                    "other_node": 0,
                    "apply_failed_both": 0,
                    "apply_failed_odoo_only": 0,
                    "apply_failed_ours_only": 0,
                },
            )
            c["specs"] += 1
            try:
                theirs, detail = odoo_verdict(ti, trace["source"], trace["spec"])
            except etree.XMLSyntaxError as e:
                theirs, detail = ("unparsable", str(e))
            mine = our_verdict(trace)
            if theirs == "located" and detail is not None:
                exceptions_after_locating += 1
            if theirs == mine == "located":
                # Found by both: did applying it fail on both sides?
                odoo_failed = detail is not None
                ours_failed = trace.get("error") is not None
                if odoo_failed and ours_failed:
                    c["apply_failed_both"] += 1
                elif odoo_failed or ours_failed:
                    c["apply_failed_odoo_only" if odoo_failed else "apply_failed_ours_only"] += 1
                    apply_different.append(
                        {
                            "trace": where,
                            "dialect": dialect,
                            "view": trace.get("view"),
                            "spec": trace["spec"][:300],
                            "ours": trace.get("error"),
                            "odoo": detail,
                        }
                    )
            node = None
            if theirs == mine == "located":
                # Both found it: the same node? (locate_node is where Odoo finds it.)
                node = odoo_node(ti, trace["source"], trace["spec"])
                if node == trace["located"]:
                    c["same_node"] += 1
                else:
                    c["other_node"] += 1
            if theirs == mine and (node is None or node == trace["located"]):
                c["same"] += 1
                continue
            c["different"] += 1
            different.append(
                {
                    "kind": "node" if theirs == mine else "verdict",
                    "trace": where,
                    "dialect": dialect,
                    "view": trace.get("view"),
                    "file": trace.get("file"),
                    "line": trace.get("line"),
                    "spec": trace["spec"][:300],
                    "ours": {"verdict": mine, "located": trace.get("located"), "error": trace.get("error")},
                    "odoo": {"verdict": theirs, "detail": detail, "node": node},
                }
            )
    except (OSError, ValueError) as e:
        print(f"compare-views-with-odoo: {e}", file=sys.stderr)
        return 2
    summary = {
        "odoo": str(Path(argv[1]).name),
        "lxml": ".".join(map(str, etree.LXML_VERSION)),
        "counts": counts,
        "odoo_raised_after_locating": exceptions_after_locating,
        "different": different[:MAX_LISTED],
        "apply_different": apply_different[:MAX_LISTED],
    }
    json.dump(summary, sys.stdout, indent=1)
    print()
    return 1 if counts.get("server", {}).get("different") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
