#!/usr/bin/env python3
"""Differential check of check-views' XPath against lxml.

Usage: lxml_xpath.py TRACE.jsonl [TRACE.jsonl ...]

Reads the spec traces written by `odoo-audit check-views --trace-specs FILE` (one JSON object
per line) and, for every trace with an `expr`, evaluates that expression with lxml on the
trace's `source` the way Odoo's server does: `etree.ETXPath(expr)(root)` with a `hasclass()`
extension function registered globally. The first item found is named as libxml2's
`xmlGetNodePath` names it (lxml's `getroottree().getpath()` for elements) and compared with the
trace's `located`:

- lxml finds nothing         <=> `located` is null and `error` null or "not located";
- lxml finds a first node    <=> `located` is the same path (whatever `error` says: it may be
  about applying the spec);
- lxml raises an XPath error (syntax, evaluation), or Odoo fails on what it returns (server:
  an attribute value, a text, a truthy non-node-set; client dialect: anything but elements)
                             <=> `located` is null and `error` is set (not "not located").

Traces without `expr` (element specs such as `<field name="x" position="after">`) are counted
as skipped. Prints one JSON object: {"compared", "agree", "disagree": [first 20],
"disagreements", "skipped", "lxml", "libxml2"}. Exits 0 when the comparison ran (whatever it
found), 2 on unreadable input.
"""

import json
import sys

from lxml import etree

MAX_LISTED = 20


def _hasclass(context, *classes):
    """Odoo's semantics: true when the context node's class attribute, split on whitespace,
    holds every argument. Arguments are taken as lxml passes them: a string matches a class,
    a number or boolean never does, and a node-set is an error (it cannot be a set member)."""
    node = context.context_node
    have = set((node.get("class") or "").split())
    if any(isinstance(arg, list) for arg in classes):
        raise TypeError("hasclass() got a node-set")
    return all(isinstance(arg, str) and arg in have for arg in classes)


GLOBAL_FUNCTIONS = etree.FunctionNamespace(None)


def _dialect(dialect):
    """The server registers hasclass() (ir_ui_view); the web client has no such function (it
    rewrites hasclass() calls before evaluating, so a client trace's expr has none left)."""
    if dialect == "client":
        try:
            del GLOBAL_FUNCTIONS["hasclass"]
        except KeyError:
            pass
    else:
        GLOBAL_FUNCTIONS["hasclass"] = _hasclass
PARSER = etree.XMLParser(resolve_entities=False)


def _element_path(el):
    return el.getroottree().getpath(el)


def _attribute_path(value):
    owner = value.getparent()
    name = value.attrname
    if name.startswith("{"):
        uri, local = name[1:].split("}", 1)
        prefix = next((p for p, u in (owner.nsmap or {}).items() if u == uri and p), None)
        name = f"{prefix}:{local}" if prefix else local
    return f"{_element_path(owner)}/@{name}"


def _text_path(value):
    """xmlGetNodePath of a text node: text() under its parent element, with an index when the
    parent has more than one text node (its .text and the tails of its children)."""
    if value.is_tail:
        before = value.getparent()
        owner = before.getparent()
    else:
        before = None
        owner = value.getparent()
    if owner is None:
        return "<text outside the tree>"
    runs = []  # True for the text node that was found
    if owner.text is not None:
        runs.append(not value.is_tail)
    for child in owner:
        if child.tail is not None:
            runs.append(child is before)
    index = runs.index(True) + 1 if True in runs else 1
    base = _element_path(owner)
    return f"{base}/text()[{index}]" if len(runs) > 1 else f"{base}/text()"


def item_path(item):
    """The libxml2 node path of one item of an lxml XPath result."""
    if isinstance(item, etree._Element):
        return _element_path(item)
    if isinstance(item, str) and hasattr(item, "getparent") and item.getparent() is not None:
        if item.is_attribute:
            return _attribute_path(item)
        if item.is_text or item.is_tail:
            return _text_path(item)
    if isinstance(item, tuple):  # namespace::* gives (prefix, uri)
        return f"<namespace {item!r}>"
    return f"<{type(item).__name__} {item!r}>"


def evaluate(source, expr, dialect="server"):
    """Odoo's view of `expr` on `source`: ("path", p), ("none", None) or ("error", message)."""
    try:
        root = etree.fromstring(source.encode("utf-8"), PARSER)
    except (etree.XMLSyntaxError, ValueError) as e:
        return ("source", f"lxml cannot parse the source: {e}")
    _dialect(dialect)
    try:
        # The server compiles with ETXPath ({uri}name for namespaces); the browser's
        # document.evaluate knows no such notation.
        compiled = etree.XPath(expr) if dialect == "client" else etree.ETXPath(expr)
        result = compiled(root)
    except etree.XPathError as e:
        return ("error", f"{type(e).__name__}: {e}")
    except (TypeError, ValueError) as e:  # NUL bytes, an extension function's own failure
        return ("error", f"{type(e).__name__}: {e}")
    if isinstance(result, list):
        if not result:
            return ("none", None)
        first = result[0]
        # The server goes on with any lxml element (comments and processing instructions are
        # ones); an attribute value or a text makes it fail. The web client wants an Element.
        usable = isinstance(first, etree._Element) and (
            dialect != "client" or isinstance(first.tag, str)
        )
        if usable:
            return ("path", item_path(first))
        return ("error", f"selects {item_path(first)}, not an element")
    # A boolean, number or string: the server takes a falsy one for "nothing found" and fails
    # on the others (it indexes them or uses them as an element); the web client asks for a
    # node (FIRST_ORDERED_NODE_TYPE), which fails on any of them.
    if result or dialect == "client":
        return ("error", f"not a node-set: {result!r}")
    return ("none", None)


NOT_LOCATED = "not located"  # check-views' `error` when the spec finds nothing


def ours(trace):
    located = trace.get("located")
    if located is not None:
        return ("path", located)
    if trace.get("error") not in (None, NOT_LOCATED):
        return ("error", trace["error"])
    return ("none", None)


def compare(traces):
    summary = {"compared": 0, "agree": 0, "disagree": [], "disagreements": 0, "skipped": 0}
    for where, trace in traces:
        expr = trace.get("expr")
        if expr is None:
            summary["skipped"] += 1
            continue
        summary["compared"] += 1
        theirs = evaluate(trace["source"], expr, trace.get("dialect"))
        mine = ours(trace)
        same = theirs[0] == mine[0] and (mine[0] != "path" or theirs[1] == mine[1])
        if same:
            summary["agree"] += 1
            continue
        summary["disagreements"] += 1
        if len(summary["disagree"]) < MAX_LISTED:
            summary["disagree"].append(
                {
                    "trace": where,
                    "view": trace.get("view"),
                    "file": trace.get("file"),
                    "line": trace.get("line"),
                    "dialect": trace.get("dialect"),
                    "expr": expr,
                    "ours": {"located": trace.get("located"), "error": trace.get("error")},
                    "lxml": {theirs[0]: theirs[1]},
                }
            )
    return summary


def read_traces(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                trace = json.loads(line)
                if not isinstance(trace, dict) or not isinstance(trace.get("source"), str):
                    raise ValueError(f"{path}:{number}: not a trace (no source)")
                if "expr" in trace and trace["expr"] is not None and not isinstance(trace["expr"], str):
                    raise ValueError(f"{path}:{number}: expr is not a string")
                yield f"{path}:{number}", trace


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        summary = compare(read_traces(argv[1:]))
    except (OSError, ValueError) as e:  # json.JSONDecodeError is a ValueError
        print(f"lxml_xpath: {e}", file=sys.stderr)
        return 2
    summary["lxml"] = ".".join(map(str, etree.LXML_VERSION))
    summary["libxml2"] = ".".join(map(str, etree.LIBXML_VERSION))
    json.dump(summary, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
