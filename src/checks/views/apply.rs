//! Applying one inheriting arch to a parent arch, with Odoo's semantics.
//!
//! Two dialects:
//! - [`Dialect::Server`]: `apply_inheritance_specs` of `odoo/tools/template_inheritance.py`
//!   (views and server QWeb templates): specs are the arch's root, `<data>` expanding to its
//!   children; `<xpath expr>` evaluated by lxml's `ETXPath` from the root element with
//!   `hasclass()`, `<field name>` matched on the name only, any other element matched on every
//!   attribute but `position`, the root included; positions `inside`, `after`, `before`,
//!   `replace` (`mode` outer with `$0`, or inner), `attributes` (`add`/`remove`/`separator`,
//!   `and`/`or` for Python expressions) and `move` children.
//! - [`Dialect::Client`]: `applyInheritance` of the web client
//!   (`web/static/src/core/template_inheritance.js`): the operations are the element children
//!   of the inheriting template; `hasclass(…)` rewritten to `contains(concat(' ', @class, ' '),
//!   ' c ')` as the web client does; element operations matched among the descendants of the
//!   root only, on every attribute but `position`; `move` only for `<xpath>` children.
//!
//! A spec that fails is reported and skipped; the next ones are still applied (Odoo stops at the
//! first, the checks go on to find every failure in one run).

use crate::load::version::Series;
use crate::load::views::xml2::{Doc, Node, XPathError, XPathValue};

/// Whose semantics apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Server,
    Client,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Server => "server",
            Dialect::Client => "client",
        }
    }
}

/// What went wrong with one spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The spec locates nothing in the parent (Odoo: "Element '…' cannot be located in parent
    /// view").
    NotLocated,
    /// The spec is invalid: a bad position or mode, an expression that doesn't compile or
    /// doesn't select an element, `<attribute>` misuse, a `move` with content…
    Invalid(String),
    /// The spec selects by a translated attribute (`string`, `help`…): Odoo refuses the view.
    TranslatedSelector(String),
}

/// One spec's failure.
#[derive(Debug, Clone)]
pub struct SpecIssue {
    /// The spec's start tag as written (`<xpath expr="//field[@name='vat']" position="after">`).
    pub spec: String,
    /// Line of the spec in its file.
    pub line: usize,
    pub problem: Problem,
    /// For a `move` child that failed: the enclosing spec's line.
    pub within: Option<usize>,
}

/// Where a spec's target was found, for the dependency rule: the origin mark of the located
/// node and the spec's line.
#[derive(Debug, Clone)]
pub struct Located {
    pub line: usize,
    pub origin: usize,
    /// The spec locates nothing once the nodes of modules outside the view's module's depends
    /// are left out: it works only because such a module is installed.
    pub accidental: bool,
}

/// One spec as applied, for `--trace-specs`.
#[derive(Debug, Clone)]
pub struct Trace {
    pub source: String,
    pub spec: String,
    pub line: usize,
    pub expr: Option<String>,
    pub located: Option<String>,
    pub error: Option<String>,
}

/// What applying an arch did.
#[derive(Debug, Default)]
pub struct Applied {
    pub specs: usize,
    pub issues: Vec<SpecIssue>,
    pub located: Vec<Located>,
    pub traces: Vec<Trace>,
}

/// Whether the view of origin `a` depends on the module of origin `b`.
pub type Reach<'a> = &'a (dyn Fn(usize, usize) -> bool + Sync);

/// Settings of one application.
#[derive(Clone, Copy)]
pub struct Apply<'a> {
    pub dialect: Dialect,
    pub series: Option<Series>,
    /// Mark every node the arch inserts with this origin.
    pub origin: usize,
    pub trace: bool,
    /// For the dependency rule: with it, a spec whose every match comes from modules the view
    /// does not depend on is tried again without their nodes.
    pub reach: Option<Reach<'a>>,
}

/// Attribute names holding Python expressions (`PYTHON_ATTRIBUTES`, 17.0+): `add`/`remove` on
/// them join with `and`/`or`.
const PYTHON_ATTRIBUTES: &[&str] = &[
    "readonly",
    "required",
    "invisible",
    "column_invisible",
    "t-if",
    "t-elif",
];

/// Attributes Odoo translates: inheritance may not select by them (`_valid_inheritance`).
const TRANSLATED_ATTRS: &[&str] = &[
    "string",
    "add-label",
    "help",
    "sum",
    "avg",
    "confirm",
    "placeholder",
    "alt",
    "title",
    "aria-label",
    "aria-keyshortcuts",
    "aria-placeholder",
    "aria-roledescription",
    "aria-valuetext",
    "value_label",
    "data-tooltip",
    "label",
    "cancel-label",
    "confirm-label",
    "confirm-title",
];

/// 18.0 and later: `and`/`or` for Python expressions, and unknown `<attribute>` attributes
/// refused.
fn python_attributes(series: Option<Series>) -> bool {
    series.is_none_or(|s| s.major >= 18)
}

/// Checks `_valid_inheritance`: no spec (an element with `position`, or an `<xpath>` whose
/// expression names `@attr`) selects by a translated attribute. Server dialect only.
pub fn translated_selectors(arch: Node) -> Vec<SpecIssue> {
    let mut out = Vec::new();
    for node in arch.iter(None) {
        if node.get("position").is_none() {
            continue;
        }
        if node.tag() == "xpath" {
            let expr = node.get("expr").unwrap_or_default();
            if let Some(a) = translated_in_expr(&expr) {
                out.push(SpecIssue {
                    spec: node.start_tag(),
                    line: node.line(),
                    problem: Problem::TranslatedSelector(a),
                    within: None,
                });
            }
        } else {
            for (name, value) in node.attributes() {
                let base = name.strip_prefix("t-attf-").unwrap_or(&name);
                if !value.is_empty() && TRANSLATED_ATTRS.contains(&base) {
                    out.push(SpecIssue {
                        spec: node.start_tag(),
                        line: node.line(),
                        problem: Problem::TranslatedSelector(name.clone()),
                        within: None,
                    });
                    break;
                }
            }
        }
    }
    out
}

/// The first `@attr` of an expression that is a translated attribute (`@(attrs)\b`).
fn translated_in_expr(expr: &str) -> Option<String> {
    let b = expr.as_bytes();
    let mut i = 0;
    while let Some(off) = expr[i..].find('@') {
        let start = i + off + 1;
        let mut end = start;
        while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_' || b[end] == b'-')
        {
            end += 1;
        }
        let word = &expr[start..end];
        // `\b` after the name: the longest translated attribute that is a prefix ending at a
        // word boundary (`-` is a boundary for `\b`).
        for t in TRANSLATED_ATTRS {
            let t2 = format!("t-attf-{t}");
            for cand in [t.to_string(), t2] {
                if word.starts_with(cand.as_str()) {
                    let rest = &word[cand.len()..];
                    if rest.is_empty() || rest.starts_with('-') {
                        return Some(cand);
                    }
                }
            }
        }
        i = start;
    }
    None
}

/// lxml's `ETXPath`: `{uri}` groups outside string literals become prefixes bound to `uri`.
fn etxpath(expr: &str) -> (String, Vec<(String, String)>) {
    if !expr.contains('{') {
        return (expr.to_string(), Vec::new());
    }
    // Strip string literals to find the groups, then replace every occurrence (inside strings
    // too, as lxml does).
    let mut stripped = String::new();
    let mut quote: Option<char> = None;
    for c in expr.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None => stripped.push(c),
        }
    }
    let mut defs: Vec<String> = Vec::new();
    let mut rest = stripped.as_str();
    while let Some(a) = rest.find('{') {
        let Some(b) = rest[a + 1..].find('}') else {
            break;
        };
        let def = &rest[a..a + 1 + b + 1];
        if def.len() > 2 && !defs.iter().any(|d| d == def) {
            defs.push(def.to_string());
        }
        rest = &rest[a + 1 + b + 1..];
    }
    let mut out = expr.to_string();
    let mut ns = Vec::new();
    for (i, def) in defs.iter().enumerate() {
        let prefix = format!("__xpp{:02}", i + 1);
        ns.push((prefix.clone(), def[1..def.len() - 1].to_string()));
        out = out.replace(def.as_str(), &format!("{prefix}:"));
    }
    (out, ns)
}

/// The web client's rewrite of `hasclass(…)` (`getXpath`).
pub fn client_xpath(expr: &str) -> String {
    let mut out = String::new();
    let mut rest = expr;
    while let Some(i) = rest.find("hasclass(") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "hasclass(".len()..];
        let Some(close) = after.find(')') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let args = &after[..close];
        let parts: Vec<String> = args
            .split(',')
            .map(|c| {
                let c = c.trim();
                let inner = if c.chars().count() >= 2 {
                    let mut it = c.chars();
                    it.next();
                    it.next_back();
                    it.as_str()
                } else {
                    ""
                };
                format!("contains(concat(' ', @class, ' '), ' {inner} ')")
            })
            .collect();
        out.push_str(&parts.join(" and "));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Applies `specs_root` (the root of an inheriting arch, in its own document) to `source`.
pub fn apply(source: &mut Doc, specs_root: Node, how: Apply) -> Applied {
    let mut out = Applied::default();
    match how.dialect {
        Dialect::Server => apply_server(source, specs_root, how, &mut out),
        Dialect::Client => apply_client(source, specs_root, how, &mut out),
    }
    out
}

type Fail = Problem;

fn issue(spec: Node, problem: Problem) -> SpecIssue {
    SpecIssue {
        // As Odoo writes the element in "Element '…' cannot be located in parent view".
        spec: if problem == Problem::NotLocated {
            spec.start_tag_without(&["position"])
        } else {
            spec.start_tag()
        },
        line: spec.line(),
        problem,
        within: None,
    }
}

// ---------------------------------------------------------------- server

fn locate_server(source: &Doc, spec: Node) -> Result<Option<Node>, Fail> {
    Ok(candidates_server(source, spec)?.into_iter().next())
}

/// Every node a server spec matches, in document order (the first is the one Odoo uses).
fn candidates_server(source: &Doc, spec: Node) -> Result<Vec<Node>, Fail> {
    let root = source
        .root()
        .ok_or(Problem::Invalid("empty parent arch".into()))?;
    let tag = spec.tag();
    if tag == "xpath" {
        let expr = spec.get("expr").unwrap_or_default();
        let (expr, ns) = etxpath(&expr);
        return match source.xpath_ns(&expr, root, true, &ns) {
            Ok(XPathValue::Nodes(nodes)) => match nodes.first() {
                None => Ok(Vec::new()),
                Some(n) if n.is_child() => Ok(nodes.into_iter().filter(|n| n.is_child()).collect()),
                Some(_) => Err(Problem::Invalid(
                    "the expression selects an attribute or text, not an element".into(),
                )),
            },
            // `nodes[0] if nodes else None`: a falsy value is "nothing found".
            Ok(XPathValue::Falsy(_)) => Ok(Vec::new()),
            Ok(XPathValue::Other(kind)) => Err(Problem::Invalid(format!(
                "the expression gives a {kind}, not elements"
            ))),
            Err(XPathError::Syntax(m)) => Err(Problem::Invalid(format!(
                "Invalid Expression while parsing xpath: {m}"
            ))),
            Err(XPathError::Evaluation(m)) => Err(Problem::Invalid(format!(
                "the expression cannot be evaluated: {m}"
            ))),
        };
    }
    if tag == "field" {
        let name = spec.get("name");
        return Ok(root
            .iter(Some("field"))
            .into_iter()
            .filter(|n| n.get("name") == name)
            .collect());
    }
    let attrs: Vec<(String, String)> = spec
        .attributes()
        .into_iter()
        .filter(|(k, _)| k != "position")
        .collect();
    Ok(root
        .iter(Some(&tag))
        .into_iter()
        .filter(|n| {
            attrs
                .iter()
                .all(|(k, v)| n.get(k).as_deref() == Some(v.as_str()))
        })
        .collect())
}

/// True when every match of `spec` comes from a module the view does not depend on, and the
/// spec locates nothing in a copy of the arch without those modules' nodes.
fn accidental(source: &Doc, spec: Node, matches: &[Node], how: Apply) -> bool {
    let Some(reach) = how.reach else {
        return false;
    };
    let allowed = |o: usize| o == 0 || how.origin == 0 || reach(how.origin, o);
    if matches.iter().any(|n| allowed(n.origin())) {
        return false;
    }
    let Some(root) = source.root() else {
        return false;
    };
    let copy = Doc::from_copy(root);
    let Some(croot) = copy.root() else {
        return false;
    };
    let foreign: Vec<Node> = croot
        .iter(None)
        .into_iter()
        .skip(1)
        .filter(|n| !allowed(n.origin()))
        .collect();
    // The topmost foreign nodes, all found before any is freed (freeing one frees its
    // subtree, which may hold others of the list).
    let set: std::collections::HashSet<Node> = foreign.iter().copied().collect();
    let topmost: Vec<Node> = foreign
        .iter()
        .copied()
        .filter(|n| {
            let mut p = n.parent();
            while let Some(q) = p {
                if set.contains(&q) {
                    return false;
                }
                p = q.parent();
            }
            true
        })
        .collect();
    for n in topmost {
        n.free_node();
    }
    candidates_server(&copy, spec).is_ok_and(|c| c.is_empty())
}

/// `RSTRIP_REGEXP` (`\n[ \t]*$`): the last line break and the blanks after it.
fn trailing_newline(s: &str) -> &str {
    let trimmed = s.trim_end_matches([' ', '\t']);
    if trimmed.ends_with('\n') {
        &s[trimmed.len() - 1..]
    } else {
        ""
    }
}

fn add_text_before(node: Node, text: Option<String>) -> Result<(), Fail> {
    let Some(text) = text else { return Ok(()) };
    match node.previous() {
        Some(prev) => {
            let t = format!("{}{text}", prev.tail().unwrap_or_default());
            prev.set_tail(Some(&t));
        }
        None => {
            let parent = node
                .parent()
                .ok_or(Problem::Invalid("the root has no parent".into()))?;
            let t = format!("{}{text}", parent.text().unwrap_or_default().trim_end());
            parent.set_text(Some(&t));
        }
    }
    Ok(())
}

/// `remove_element` without freeing: the node is unlinked (its tail kept in place).
fn unlink_element(node: Node) -> Result<(), Fail> {
    add_text_before(node, node.tail())?;
    node.set_tail(None);
    node.unlink();
    Ok(())
}

fn free_element(node: Node) -> Result<(), Fail> {
    add_text_before(node, node.tail())?;
    node.set_tail(None);
    node.free();
    Ok(())
}

struct Ctx<'a> {
    how: Apply<'a>,
    out: &'a mut Applied,
}

impl Ctx<'_> {
    /// `extract`: locates a `move` child in the source and unlinks it.
    fn extract(&mut self, source: &Doc, spec: Node, outer: Node) -> Result<Node, ()> {
        let fail = |me: &mut Self, p: Problem| {
            me.out.issues.push(SpecIssue {
                within: Some(outer.line()),
                ..issue(spec, p)
            });
        };
        if !spec.children().is_empty() {
            fail(
                self,
                Problem::Invalid("a moved node's spec must be empty".into()),
            );
            return Err(());
        }
        match locate_server(source, spec) {
            Ok(Some(n)) => {
                self.out.located.push(Located {
                    line: spec.line(),
                    origin: n.origin(),
                    accidental: false,
                });
                if unlink_element(n).is_err() {
                    fail(self, Problem::Invalid("cannot move the root".into()));
                    return Err(());
                }
                Ok(n)
            }
            Ok(None) => {
                fail(self, Problem::NotLocated);
                Err(())
            }
            Err(p) => {
                fail(self, p);
                Err(())
            }
        }
    }

    /// Inserts `child` (a spec child, or a moved node) before `node`; marks what the view adds.
    fn insert_before(&mut self, node: Node, child: Node, moved: bool) {
        self.insert_marked(node, child, moved, self.how.origin);
    }

    /// Inserts `child` before `node`, marked `origin` unless it is a moved node.
    fn insert_marked(&mut self, node: Node, child: Node, moved: bool, origin: usize) {
        let inserted = node.add_previous(child);
        if !moved && origin != 0 {
            inserted.mark(origin);
        }
    }

    /// `add_stripped_items_before`.
    fn add_stripped_items_before(
        &mut self,
        source: &Doc,
        node: Node,
        spec: Node,
    ) -> Result<(), Fail> {
        let spec_text = spec.text();
        let text = spec_text.clone().unwrap_or_default();
        let before_text;
        match node.previous() {
            None => {
                let parent = node.parent().ok_or(Problem::Invalid(
                    "cannot insert before or after the root element".into(),
                ))?;
                let ptext = parent.text();
                before_text = ptext
                    .as_deref()
                    .map(trailing_newline)
                    .unwrap_or("")
                    .to_string();
                let joined = format!("{}{text}", ptext.unwrap_or_default().trim_end());
                if joined.is_empty() {
                    parent.set_text(spec_text.as_ref().map(|_| ""));
                } else {
                    parent.set_text(Some(&joined));
                }
            }
            Some(prev) => {
                let ptail = prev.tail();
                before_text = ptail
                    .as_deref()
                    .map(trailing_newline)
                    .unwrap_or("")
                    .to_string();
                prev.set_tail(Some(&format!(
                    "{}{text}",
                    ptail.unwrap_or_default().trim_end()
                )));
            }
        }
        let children = spec.children();
        match children.last() {
            Some(last) => {
                let t = format!(
                    "{}{before_text}",
                    last.tail().unwrap_or_default().trim_end()
                );
                last.set_tail(Some(&t));
            }
            None => {
                let t = format!(
                    "{}{before_text}",
                    spec.text().unwrap_or_default().trim_end()
                );
                spec.set_text(Some(&t));
            }
        }
        for child in children {
            if child.get("position").as_deref() == Some("move") {
                let tail = child.tail();
                let Ok(moved) = self.extract(source, child, spec) else {
                    continue;
                };
                if moved.contains(node) {
                    return Err(Problem::Invalid(
                        "a moved node would go inside itself (cannot add ancestor as sibling)"
                            .into(),
                    ));
                }
                moved.set_tail(tail.as_deref());
                self.insert_before(node, moved, true);
            } else {
                self.insert_before(node, child, false);
            }
        }
        Ok(())
    }

    fn apply_one(&mut self, source: &mut Doc, spec: Node, node: Node) -> Result<(), Fail> {
        let pos = spec.get("position").unwrap_or_else(|| "inside".into());
        match pos.as_str() {
            "replace" => {
                let mode = spec.get("mode").unwrap_or_else(|| "outer".into());
                match mode.as_str() {
                    "outer" => self.replace_outer(source, spec, node),
                    "inner" => self.replace_inner(source, spec, node),
                    _ => Err(Problem::Invalid(format!(
                        "Invalid mode attribute: '{mode}'"
                    ))),
                }
            }
            "attributes" => self.attributes(spec, node),
            "inside" => {
                let sentinel = source.new_element("sentinel");
                node.append(sentinel);
                self.add_stripped_items_before(source, sentinel, spec)?;
                free_element(sentinel)
            }
            "after" => {
                if node.parent().is_none() {
                    return Err(Problem::Invalid(
                        "cannot insert before or after the root element".into(),
                    ));
                }
                let sentinel = source.new_element("sentinel");
                node.add_next(sentinel);
                self.add_stripped_items_before(source, sentinel, spec)?;
                free_element(sentinel)
            }
            "before" => self.add_stripped_items_before(source, node, spec),
            _ => Err(Problem::Invalid(format!(
                "Invalid position attribute: '{pos}'"
            ))),
        }
    }

    fn dollar_zero(&mut self, source: &Doc, spec: Node, node: Node) {
        for loc in descendants_with_text(spec, "$0") {
            loc.set_text(Some(""));
            let copy = source.copy(node);
            let inserted = loc.append(copy);
            inserted.set_tail(node.tail().as_deref());
        }
    }

    fn replace_outer(&mut self, source: &mut Doc, spec: Node, node: Node) -> Result<(), Fail> {
        self.dollar_zero(source, spec, node);
        if node.parent().is_none() {
            let mut content = None;
            let mut comment = None;
            for c in spec.children() {
                if !c.is_comment() {
                    content = Some(c);
                    break;
                }
                comment = Some(c);
            }
            let content = content.ok_or(Problem::Invalid(
                "replacing the root element with nothing".into(),
            ))?;
            let t_name = node.get("t-name");
            let copy = source.copy(content);
            if self.how.origin != 0 {
                copy.mark(self.how.origin);
            }
            source.replace_root(copy);
            let root = source.root().ok_or(Problem::Invalid("no root".into()))?;
            if let Some(t) = t_name {
                root.set("t-name", &t);
            }
            if let Some(c) = comment {
                let text = root.text();
                root.set_text(None);
                let first = root.children().first().copied();
                let cc = source.copy(c);
                match first {
                    Some(f) => {
                        f.add_previous(cc);
                    }
                    None => {
                        root.append(cc);
                    }
                }
                cc.set_tail(text.as_deref());
            }
            return Ok(());
        }
        // What replaces a node keeps the replaced node's origin: a field replaced by itself
        // with other attributes is still the parent's field for the dependency rule.
        let origin = node.origin();
        for child in spec.children() {
            if child.get("position").as_deref() == Some("move") {
                let Ok(moved) = self.extract(source, child, spec) else {
                    continue;
                };
                self.insert_marked(node, moved, true, origin);
            } else {
                self.insert_marked(node, child, false, origin);
            }
        }
        node.free();
        Ok(())
    }

    fn replace_inner(&mut self, source: &mut Doc, spec: Node, node: Node) -> Result<(), Fail> {
        let with_moves = self.how.series.is_none_or(|s| s.major >= 19);
        if !with_moves {
            for c in node.children() {
                c.free();
            }
            node.set_text(None);
            for c in spec.children() {
                let copy = source.copy(c);
                copy.set_tail(None);
                let inserted = node.append(copy);
                inserted.set_tail(c.tail().as_deref());
                if self.how.origin != 0 {
                    inserted.mark(self.how.origin);
                }
            }
            node.set_text(spec.text().as_deref());
            return Ok(());
        }
        let sentinel = source.new_element("sentinel");
        match node.children().first() {
            Some(first) => {
                first.add_previous(sentinel);
            }
            None => {
                node.append(sentinel);
            }
        }
        node.set_text(None);
        self.add_stripped_items_before(source, sentinel, spec)?;
        let mut kids = node.children();
        while let Some(c) = kids.pop() {
            let is_sentinel = c == sentinel;
            c.free();
            if is_sentinel {
                break;
            }
        }
        Ok(())
    }

    fn attributes(&mut self, spec: Node, node: Node) -> Result<(), Fail> {
        let strict = python_attributes(self.how.series);
        for child in spec.iter(Some("attribute")) {
            let unknown: Vec<String> = if !strict {
                Vec::new()
            } else {
                child
                    .attributes()
                    .into_iter()
                    .map(|(k, _)| k)
                    .filter(|k| {
                        !matches!(k.as_str(), "name" | "add" | "remove" | "separator")
                            && !k.starts_with("data-oe-")
                    })
                    .collect()
            };
            if !unknown.is_empty() {
                return Err(Problem::Invalid(format!(
                    "Invalid attributes {} in element <attribute>",
                    unknown
                        .iter()
                        .map(|k| format!("'{k}'"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            let Some(attribute) = child.get("name") else {
                return Err(Problem::Invalid("<attribute> without a name".into()));
            };
            let add = child.get("add").unwrap_or_default();
            let remove = child.get("remove").unwrap_or_default();
            let value = if !add.is_empty() || !remove.is_empty() {
                if child.text().is_some_and(|t| !t.is_empty()) {
                    return Err(Problem::Invalid(format!(
                        "Element <attribute> with 'add' or 'remove' cannot contain text {:?}",
                        child.text().unwrap_or_default()
                    )));
                }
                let value = node.get(&attribute).unwrap_or_default();
                let separator = child.get("separator");
                if python_attributes(self.how.series)
                    && (PYTHON_ATTRIBUTES.contains(&attribute.as_str())
                        || attribute.starts_with("decoration-"))
                {
                    python_value(&value, &add, &remove, separator.as_deref(), &attribute)?
                } else {
                    list_value(&value, &add, &remove, separator.as_deref())
                }
            } else {
                child.text().unwrap_or_default()
            };
            if !value.is_empty() {
                node.set(&attribute, &value);
            } else if node.get(&attribute).is_some() {
                node.remove_attribute(&attribute);
            }
        }
        Ok(())
    }
}

fn python_value(
    value: &str,
    add: &str,
    remove: &str,
    separator: Option<&str>,
    attribute: &str,
) -> Result<String, Fail> {
    let separator = separator
        .ok_or(Problem::Invalid(format!(
            "no separator for python expression '{attribute}'; valid values are 'and' and 'or'"
        )))?
        .trim()
        .to_string();
    if separator != "and" && separator != "or" {
        return Err(Problem::Invalid(format!(
            "Invalid separator '{separator}' for python expression '{attribute}'; valid values are 'and' and 'or'"
        )));
    }
    let mut value = value.to_string();
    if !remove.is_empty() {
        let whole = regex::Regex::new(&format!(r"^\(*{remove}\)*$"))
            .map_err(|e| Problem::Invalid(format!("'remove' is not a valid pattern: {e}")))?;
        if whole.is_match(&value) {
            value.clear();
        } else {
            let patterns = [
                format!("({remove}) {separator} "),
                format!(" {separator} ({remove})"),
                format!("{remove} {separator} "),
                format!(" {separator} {remove}"),
            ];
            for p in patterns {
                if let Some(i) = value.find(&p) {
                    value = format!("{}{}", &value[..i], &value[i + p.len()..]);
                    break;
                }
            }
        }
    }
    if !add.is_empty() {
        value = if value.is_empty() {
            add.to_string()
        } else {
            format!("({value}) {separator} ({add})")
        };
    }
    Ok(value)
}

fn list_value(value: &str, add: &str, remove: &str, separator: Option<&str>) -> String {
    // `separator=" "` squashes spaces: Python's split() with no argument.
    let sep = match separator {
        None => Some(","),
        Some(" ") => None,
        Some(s) => Some(s),
    };
    let split = |s: &str| -> Vec<String> {
        match sep {
            Some(sep) => s.split(sep).map(|p| p.trim().to_string()).collect(),
            None => s.split_whitespace().map(str::to_string).collect(),
        }
    };
    let to_remove: std::collections::HashSet<String> = split(remove).into_iter().collect();
    let mut items: Vec<String> = split(value)
        .into_iter()
        .filter(|v| !v.is_empty() && !to_remove.contains(v))
        .collect();
    items.extend(split(add).into_iter().filter(|s| !s.is_empty()));
    items.join(sep.unwrap_or(" "))
}

/// The descendants of `spec` (not itself) with a text child equal to `text`
/// (`.//*[text()='$0']`).
fn descendants_with_text(spec: Node, text: &str) -> Vec<Node> {
    spec.iter(None)
        .into_iter()
        .skip(1)
        .filter(|n| n.text_nodes().iter().any(|t| t == text))
        .collect()
}

fn apply_server(source: &mut Doc, specs_root: Node, how: Apply, out: &mut Applied) {
    let mut queue = std::collections::VecDeque::from([specs_root]);
    let mut cx = Ctx { how, out };
    while let Some(spec) = queue.pop_front() {
        if !spec.is_element() {
            continue;
        }
        if spec.tag() == "data" {
            queue.extend(spec.children());
            continue;
        }
        cx.out.specs += 1;
        let before = how
            .trace
            .then(|| source.root().map(Node::to_xml).unwrap_or_default());
        let spec_xml = how.trace.then(|| spec.to_xml());
        let located = candidates_server(source, spec);
        let mut error = None;
        let mut path = None;
        match located.map(|c| (c.first().copied(), c)) {
            Ok((Some(node), all)) => {
                path = Some(node.path());
                cx.out.located.push(Located {
                    line: spec.line(),
                    origin: node.origin(),
                    accidental: accidental(source, spec, &all, how),
                });
                if let Err(p) = cx.apply_one(source, spec, node) {
                    error = Some(describe(&p));
                    cx.out.issues.push(issue(spec, p));
                }
            }
            Ok((None, _)) => {
                error = Some("not located".into());
                cx.out.issues.push(issue(spec, Problem::NotLocated));
            }
            Err(p) => {
                error = Some(describe(&p));
                cx.out.issues.push(issue(spec, p));
            }
        }
        if let (Some(source), Some(spec_xml)) = (before, spec_xml) {
            cx.out.traces.push(Trace {
                source,
                spec: spec_xml,
                line: spec.line(),
                expr: (spec.tag() == "xpath").then(|| spec.get("expr").unwrap_or_default()),
                located: path,
                error,
            });
        }
    }
}

/// A problem in words.
pub fn describe(p: &Problem) -> String {
    match p {
        Problem::NotLocated => "cannot be located in the parent".into(),
        Problem::Invalid(m) => m.clone(),
        Problem::TranslatedSelector(a) => {
            format!("View inheritance may not use attribute '{a}' as a selector")
        }
    }
}

// ---------------------------------------------------------------- client

fn locate_client(source: &Doc, op: Node) -> Result<Option<Node>, Fail> {
    let root = source
        .root()
        .ok_or(Problem::Invalid("empty template".into()))?;
    if op.tag() == "xpath" {
        let expr = client_xpath(&op.get("expr").unwrap_or_default());
        return match source.xpath(&expr, root, false) {
            Ok(XPathValue::Nodes(nodes)) => match nodes.first() {
                None => Ok(None),
                Some(n) if n.is_element() => Ok(Some(*n)),
                Some(_) => Err(Problem::Invalid(
                    "the expression selects a node that is not an element".into(),
                )),
            },
            Ok(XPathValue::Other(kind) | XPathValue::Falsy(kind)) => Err(Problem::Invalid(
                format!("the expression gives a {kind}, not elements"),
            )),
            Err(e) => Err(Problem::Invalid(e.to_string())),
        };
    }
    let tag = op.tag();
    let attrs: Vec<(String, String)> = op
        .attributes()
        .into_iter()
        .filter(|(k, _)| k != "position" && !k.starts_with("t-translation-context"))
        .collect();
    Ok(root
        .iter(Some(&tag))
        .into_iter()
        .skip_while(|n| *n == root)
        .find(|n| {
            attrs
                .iter()
                .all(|(k, v)| n.get(k).as_deref() == Some(v.as_str()))
        }))
}

fn apply_client(source: &mut Doc, ops: Node, how: Apply, out: &mut Applied) {
    for op in ops.element_children() {
        out.specs += 1;
        let before = how
            .trace
            .then(|| source.root().map(Node::to_xml).unwrap_or_default());
        let mut error = None;
        let mut path = None;
        match locate_client(source, op) {
            Ok(Some(target)) => {
                path = Some(target.path());
                out.located.push(Located {
                    line: op.line(),
                    origin: target.origin(),
                    accidental: false,
                });
                if let Err(p) = client_apply_one(source, op, target, how, out) {
                    error = Some(describe(&p));
                    out.issues.push(issue(op, p));
                }
            }
            Ok(None) => {
                error = Some("not located".into());
                out.issues.push(issue(op, Problem::NotLocated));
            }
            Err(p) => {
                error = Some(describe(&p));
                out.issues.push(issue(op, p));
            }
        }
        if let Some(source) = before {
            out.traces.push(Trace {
                source,
                spec: op.to_xml(),
                line: op.line(),
                expr: (op.tag() == "xpath")
                    .then(|| client_xpath(&op.get("expr").unwrap_or_default())),
                located: path,
                error,
            });
        }
    }
}

/// `getNodes`: the operation's child nodes, `<xpath position="move">` children replaced by the
/// nodes they locate (removed from their place).
fn client_nodes(
    source: &Doc,
    op: Node,
    how: Apply,
    out: &mut Applied,
) -> Result<Vec<(Node, bool)>, Fail> {
    let mut nodes = Vec::new();
    for c in op.all_children() {
        if c.is_element() && c.tag() == "xpath" && c.get("position").as_deref() == Some("move") {
            match locate_client(source, c)? {
                Some(n) => {
                    out.located.push(Located {
                        line: c.line(),
                        origin: n.origin(),
                        accidental: false,
                    });
                    n.unlink();
                    nodes.push((n, true));
                }
                None => {
                    out.issues.push(SpecIssue {
                        within: Some(op.line()),
                        ..issue(c, Problem::NotLocated)
                    });
                    return Err(Problem::Invalid("a moved node cannot be located".into()));
                }
            }
        } else {
            nodes.push((c, false));
        }
    }
    let _ = how;
    Ok(nodes)
}

fn client_insert_before(target: Node, nodes: Vec<(Node, bool)>, how: Apply) {
    for (n, moved) in nodes {
        let inserted = target.insert_node_before(n);
        if !moved && how.origin != 0 {
            inserted.mark(how.origin);
        }
    }
}

fn client_apply_one(
    source: &mut Doc,
    op: Node,
    target: Node,
    how: Apply,
    out: &mut Applied,
) -> Result<(), Fail> {
    let position = op.get("position").unwrap_or_else(|| "inside".into());
    match position.as_str() {
        "replace" => {
            let mode = op.get("mode").unwrap_or_else(|| "outer".into());
            match mode.as_str() {
                "outer" => {
                    for loc in descendants_with_text(op, "$0") {
                        loc.set_text(None);
                        let copy = source.copy(target);
                        loc.append(copy);
                    }
                    if target.parent().is_some() {
                        let nodes = client_nodes(source, op, how, out)?;
                        let keep = Apply {
                            origin: target.origin(),
                            ..how
                        };
                        client_insert_before(target, nodes, keep);
                        target.free();
                    } else {
                        let mut content = None;
                        for c in op.children() {
                            if c.is_element() {
                                content = Some(c);
                                break;
                            }
                        }
                        let content = content.ok_or(Problem::Invalid(
                            "replacing the root element with nothing".into(),
                        ))?;
                        let t_name = target.get("t-name");
                        let copy = source.copy(content);
                        if how.origin != 0 {
                            copy.mark(how.origin);
                        }
                        source.replace_root(copy);
                        if let (Some(t), Some(root)) = (t_name, source.root()) {
                            root.set("t-name", &t);
                        }
                    }
                    Ok(())
                }
                "inner" => {
                    for c in target.all_children() {
                        c.free_node();
                    }
                    for c in op.all_children() {
                        let inserted = target.append_node(c);
                        if how.origin != 0 {
                            inserted.mark(how.origin);
                        }
                    }
                    Ok(())
                }
                _ => Err(Problem::Invalid(format!(
                    "Invalid mode attribute: '{mode}'"
                ))),
            }
        }
        "attributes" => {
            for child in op.element_children() {
                if child.tag() != "attribute" {
                    continue;
                }
                let name = child.get("name").unwrap_or_default();
                let first_text = child.leading_text();
                let add = child.get("add").unwrap_or_default();
                let remove = child.get("remove").unwrap_or_default();
                let mut value = first_text.clone().unwrap_or_default();
                if !add.is_empty() || !remove.is_empty() {
                    if first_text.is_some() {
                        return Err(Problem::Invalid("Useless element content".into()));
                    }
                    let sep = child
                        .get("separator")
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| ",".into());
                    let split = |s: &str| -> Vec<String> {
                        s.split(sep.as_str())
                            .map(|p| p.trim().to_string())
                            .collect()
                    };
                    let to_remove: std::collections::HashSet<String> =
                        split(&remove).into_iter().collect();
                    let mut values: Vec<String> = split(&target.get(&name).unwrap_or_default())
                        .into_iter()
                        .filter(|s| !to_remove.contains(s))
                        .collect();
                    values.extend(split(&add).into_iter().filter(|s| !s.is_empty()));
                    value = values.join(&sep);
                }
                if !value.is_empty() {
                    target.set(&name, &value);
                } else {
                    target.remove_attribute(&name);
                }
            }
            Ok(())
        }
        "inside" => {
            let sentinel = source.new_element("sentinel");
            target.append(sentinel);
            let nodes = client_nodes(source, op, how, out)?;
            client_insert_before(sentinel, nodes, how);
            sentinel.free();
            Ok(())
        }
        "after" => {
            if target.parent().is_none() {
                return Err(Problem::Invalid(
                    "cannot insert after the root element".into(),
                ));
            }
            let sentinel = source.new_element("sentinel");
            target.insert_node_after(sentinel);
            let nodes = client_nodes(source, op, how, out)?;
            client_insert_before(sentinel, nodes, how);
            sentinel.free();
            Ok(())
        }
        "before" => {
            if target.parent().is_none() {
                return Err(Problem::Invalid(
                    "cannot insert before the root element".into(),
                ));
            }
            let nodes = client_nodes(source, op, how, out)?;
            client_insert_before(target, nodes, how);
            Ok(())
        }
        _ => Err(Problem::Invalid(format!(
            "Invalid position attribute: '{position}'"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(parent: &str, child: &str, dialect: Dialect) -> (String, Applied) {
        let mut src = Doc::parse(parent, 1).unwrap();
        let spec = Doc::parse(child, 1).unwrap();
        let a = apply(
            &mut src,
            spec.root().unwrap(),
            Apply {
                dialect,
                series: None,
                origin: 0,
                trace: false,
                reach: None,
            },
        );
        (src.root().unwrap().to_xml(), a)
    }

    #[test]
    fn server_positions() {
        let p = "<form><field name=\"a\"/><field name=\"b\"/></form>";
        let (x, a) = run(
            p,
            "<field name=\"a\" position=\"after\"><field name=\"c\"/></field>",
            Dialect::Server,
        );
        assert!(a.issues.is_empty());
        assert_eq!(
            x,
            "<form><field name=\"a\"/><field name=\"c\"/><field name=\"b\"/></form>"
        );
        let (x, _) = run(
            p,
            "<xpath expr=\"//field[@name='b']\" position=\"before\"><x/></xpath>",
            Dialect::Server,
        );
        assert_eq!(x, "<form><field name=\"a\"/><x/><field name=\"b\"/></form>");
        let (x, _) = run(p, "<data><field name=\"b\" position=\"replace\"/><form position=\"inside\"><y/></form></data>", Dialect::Server);
        assert_eq!(x, "<form><field name=\"a\"/><y/></form>");
        let (x, _) = run(p, "<field name=\"a\" position=\"attributes\"><attribute name=\"invisible\">1</attribute><attribute name=\"class\" add=\"k\" separator=\" \"/></field>", Dialect::Server);
        assert_eq!(
            x,
            "<form><field name=\"a\" invisible=\"1\" class=\"k\"/><field name=\"b\"/></form>"
        );
        let (x, _) = run(
            p,
            "<field name=\"b\" position=\"after\"><field name=\"a\" position=\"move\"/></field>",
            Dialect::Server,
        );
        assert_eq!(x, "<form><field name=\"b\"/><field name=\"a\"/></form>");
        let (x, _) = run(
            p,
            "<field name=\"a\" position=\"replace\"><div>$0</div></field>",
            Dialect::Server,
        );
        assert_eq!(
            x,
            "<form><div><field name=\"a\"/></div><field name=\"b\"/></form>"
        );
    }

    #[test]
    fn server_failures_are_reported_and_skipped() {
        let p = "<form><field name=\"a\"/></form>";
        let (x, a) = run(
            p,
            "<data><field name=\"vat\" position=\"after\"><x/></field><xpath expr=\"//[\" position=\"after\"/><field name=\"a\" position=\"sideways\"/><field name=\"a\" position=\"inside\"><y/></field></data>",
            Dialect::Server,
        );
        assert_eq!(a.specs, 4);
        assert_eq!(a.issues.len(), 3);
        assert_eq!(a.issues[0].problem, Problem::NotLocated);
        assert!(
            matches!(&a.issues[1].problem, Problem::Invalid(m) if m.contains("Invalid Expression"))
        );
        assert!(
            matches!(&a.issues[2].problem, Problem::Invalid(m) if m.contains("Invalid position"))
        );
        assert_eq!(x, "<form><field name=\"a\"><y/></field></form>");
    }

    #[test]
    fn moving_a_node_into_itself_is_refused_not_a_cycle() {
        let p = "<form><group name=\"g\"><field name=\"a\"/></group></form>";
        let (x, a) = run(
            p,
            "<field name=\"a\" position=\"after\"><group name=\"g\" position=\"move\"/></field>",
            Dialect::Server,
        );
        assert_eq!(a.issues.len(), 1, "{:?}", a.issues);
        assert!(matches!(&a.issues[0].problem, Problem::Invalid(m) if m.contains("inside itself")));
        assert_eq!(x, "<form/>");
    }

    #[test]
    fn python_attributes_join_with_and_or() {
        let p = "<form><field name=\"a\" invisible=\"x\"/></form>";
        let (x, _) = run(p, "<field name=\"a\" position=\"attributes\"><attribute name=\"invisible\" add=\"y\" separator=\"or\"/></field>", Dialect::Server);
        assert_eq!(
            x,
            "<form><field name=\"a\" invisible=\"(x) or (y)\"/></form>"
        );
        let (_, a) = run(p, "<field name=\"a\" position=\"attributes\"><attribute name=\"invisible\" add=\"y\"/></field>", Dialect::Server);
        assert_eq!(a.issues.len(), 1);
    }

    #[test]
    fn client_matches_descendants_only_and_rewrites_hasclass() {
        let p = "<t t-name=\"x\"><div class=\"o_a  o_b\"><span/></div></t>";
        let (x, a) = run(
            p,
            "<t><xpath expr=\"//div[hasclass('o_a')]\" position=\"inside\"><i/></xpath></t>",
            Dialect::Client,
        );
        assert!(a.issues.is_empty(), "{:?}", a.issues);
        assert!(x.contains("<span/><i/>"), "{x}");
        // The root is not among the candidates of an element operation.
        let (_, a) = run(
            p,
            "<t><t t-name=\"x\" position=\"attributes\"/></t>",
            Dialect::Client,
        );
        assert_eq!(a.issues.len(), 1);
        assert_eq!(
            client_xpath("//div[hasclass('a', 'b')]"),
            "//div[contains(concat(' ', @class, ' '), ' a ') and contains(concat(' ', @class, ' '), ' b ')]"
        );
    }

    #[test]
    fn translated_selectors_are_refused() {
        let d = Doc::parse("<data><xpath expr=\"//field[@string='Name']\" position=\"after\"/><button string=\"Go\" position=\"replace\"/><xpath expr=\"//field[@name='stringy']\" position=\"after\"/></data>", 1).unwrap();
        let v = translated_selectors(d.root().unwrap());
        assert_eq!(v.len(), 2);
    }

    #[test]
    fn etxpath_binds_clark_names() {
        let (e, ns) = etxpath("//{http://x}a[@b='{http://x}']");
        assert_eq!(e, "//__xpp01:a[@b='__xpp01:']");
        assert_eq!(ns, vec![("__xpp01".to_string(), "http://x".to_string())]);
    }
}
