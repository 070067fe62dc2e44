//! The views of the addons' XML data files (see the module documentation of `load::views`).
//!
//! Files: before 19.0 the manifest's `data` list, from 19.0 `init_xml` then `data` (Odoo 18's
//! `load_data` replaces its list of keys with the kind itself, so `init_xml` and `update_xml`
//! are not loaded there; 19.0 reads `('init_xml', 'data')`); `demo` only when demo data is
//! loaded (`demo_xml` is loaded by neither). Only `.xml` files; a file listed twice in one
//! module is read once (Odoo loads it again, which rewrites the same records).
//!
//! Modules in Odoo's loading order ([`Graph::loading_order`] over the dependency closure, Odoo's
//! own addons that are not on the path taken from the embedded catalogue of the series), files
//! in manifest order, elements in document order, as `xml_import` of `odoo/tools/convert.py`
//! walks them: the direct children of the root (`<odoo>`, `<openerp>` or `<data>`) and of
//! nested `<odoo>`/`<data>`/`<openerp>` elements; `noupdate` inherited from the enclosing
//! elements, `True` by default for demo files.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{ArchSource, Mode, ViewDef};
use crate::finding::Finding;
use crate::load::addons::{Addon, Inventory};
use crate::load::catalogue;
use crate::load::fsread;
use crate::load::graph::Graph;
use crate::load::pyliteral::{literal_eval, PyValue};
use crate::load::version::Series;
use crate::load::xmlread;
use crate::rules::views as r;
use crate::rules::Rule;

/// What [`load_views`] read.
#[derive(Debug, Default)]
pub struct ViewsOnDisk {
    /// Every view definition, in Odoo's load order (`order` is the index).
    pub views: Vec<ViewDef>,
    /// Files that could not be read or parsed, values that were not understood.
    pub findings: Vec<Finding>,
    /// XML data files read and parsed.
    pub files: usize,
}

/// One data file to read.
struct Job<'a> {
    addon: &'a Addon,
    /// As the manifest lists it.
    rel: String,
    file: PathBuf,
    noupdate: bool,
}

/// What one file gave.
#[derive(Default)]
struct FileViews {
    views: Vec<ViewDef>,
    findings: Vec<Finding>,
    parsed: bool,
}

/// Reads the view definitions of the XML data files of `addons` (the modules taken as
/// installed), with demo files when `demo`. `inv` gives the series and the other addons the
/// dependency graph needs.
pub fn load_views(inv: &Inventory, addons: &[&Addon], demo: bool) -> ViewsOnDisk {
    let order = module_order(inv, addons);
    let jobs: Vec<Job> = order
        .iter()
        .flat_map(|a| files_of(a, inv.series, demo))
        .collect();
    let per_file: Vec<FileViews> = jobs.par_iter().map(read_file).collect();
    let mut out = ViewsOnDisk::default();
    for fv in per_file {
        out.files += usize::from(fv.parsed);
        out.findings.extend(fv.findings);
        for mut v in fv.views {
            v.order = out.views.len();
            out.views.push(v);
        }
    }
    out
}

/// `addons` in Odoo's loading order. Modules on a dependency cycle (Odoo loads none of them)
/// come last, by name.
fn module_order<'a>(inv: &Inventory, addons: &[&'a Addon]) -> Vec<&'a Addon> {
    let cat = inv
        .series
        .and_then(|s| catalogue::embedded(&format!("{}.{}", s.major, s.minor)));
    let graph = Graph::with_catalogue(inv, cat.as_ref(), true);
    let names: Vec<String> = addons.iter().map(|a| a.name.clone()).collect();
    let mut closure = graph.closure(&names).modules;
    closure.extend(names.iter().cloned());
    closure.insert("base".to_string());
    let test_modules = inv.series.is_some_and(|s| s >= Series::new(19, 0));
    let (order, left) = graph.loading_order(&closure, test_modules);
    let wanted: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let by_name: std::collections::HashMap<&str, &'a Addon> =
        addons.iter().map(|a| (a.name.as_str(), *a)).collect();
    order
        .iter()
        .chain(left.iter())
        .filter(|m| wanted.contains(m.as_str()))
        .filter_map(|m| by_name.get(m.as_str()).copied())
        .collect()
}

/// The manifest keys Odoo loads data files from, in order.
fn data_keys(series: Option<Series>) -> &'static [&'static str] {
    match series {
        Some(s) if s >= Series::new(19, 0) => &["init_xml", "data"],
        _ => &["data"],
    }
}

/// The list of strings of a manifest key (`data` and `demo` as the manifest reader kept them).
fn manifest_list(a: &Addon, key: &str) -> Vec<String> {
    match key {
        "data" => a.manifest.data.clone(),
        "demo" => a.manifest.demo.clone(),
        _ => match a.manifest.raw.get(key) {
            Some(PyValue::List(items) | PyValue::Tuple(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        },
    }
}

/// The XML data files of one addon, in load order.
fn files_of(a: &Addon, series: Option<Series>, demo: bool) -> Vec<Job<'_>> {
    let mut kinds: Vec<(&str, bool)> = data_keys(series).iter().map(|k| (*k, false)).collect();
    if demo {
        kinds.push(("demo", true));
    }
    let mut seen: HashSet<(String, bool)> = HashSet::new();
    let mut out = Vec::new();
    for (key, is_demo) in kinds {
        for rel in manifest_list(a, key) {
            let is_xml = Path::new(&rel)
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| x.eq_ignore_ascii_case("xml"));
            if !is_xml || !seen.insert((rel.clone(), is_demo)) {
                continue;
            }
            out.push(Job {
                addon: a,
                file: a.dir.join(&rel),
                rel,
                noupdate: is_demo,
            });
        }
    }
    out
}

/// Reads and converts one data file; never panics on its content.
fn read_file(job: &Job) -> FileViews {
    let root = fsread::Root::unresolved(&job.addon.dir);
    let mut fv = FileViews::default();
    if escapes(&job.rel) {
        fv.findings.push(
            Finding::new(
                &crate::rules::addons::PATH_OUTSIDE_ADDON,
                format!(
                    "the manifest lists {:?}, a path outside the addon (not read)",
                    job.rel
                ),
            )
            .module(&job.addon.name)
            .key(job.rel.clone())
            .file(&job.addon.manifest_file)
            .at_line(
                ["data", "demo"]
                    .iter()
                    .find_map(|k| job.addon.manifest.item_line(k, &job.rel)),
            ),
        );
        return fv;
    }
    let read = root.with_text(&job.file, fsread::SOURCE_MAX, |text| {
        // A file that names neither `ir.ui.view` nor `<template` defines no view: most data
        // files (charts of accounts, taxes, security rules) are left unparsed.
        if !has_views(text) {
            fv.parsed = true;
            return;
        }
        let mut conv = Converter {
            module: &job.addon.name,
            file: &job.file,
            text,
            lines: Lines::new(text),
            out: &mut fv,
        };
        conv.document(job.noupdate);
    });
    if let Err(e) = read {
        fv.findings
            .push(e.finding(&job.file).module(&job.addon.name));
    }
    fv
}

/// True when the text may define a view (a record of `ir.ui.view`, `theme.ir.ui.view`, or a
/// `<template>`).
fn has_views(text: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), b"ir.ui.view").is_some()
        || memchr::memmem::find(text.as_bytes(), b"<template").is_some()
}

/// True for a manifest entry that names a file outside the addon by its text: absolute, or
/// going up more than it went down. (Links out of the addon are refused when read.)
fn escapes(rel: &str) -> bool {
    let mut depth = 0usize;
    for c in Path::new(rel).components() {
        match c {
            std::path::Component::Normal(_) => depth += 1,
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return true,
            },
            std::path::Component::RootDir | std::path::Component::Prefix(_) => return true,
        }
    }
    false
}

/// 1-based line numbers of byte offsets.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(memchr::memchr_iter(b'\n', text.as_bytes()).collect())
    }
    fn line_of(&self, pos: usize) -> usize {
        self.0.partition_point(|&nl| nl < pos) + 1
    }
}

const DATA_ROOTS: [&str; 3] = ["odoo", "openerp", "data"];

/// `str2bool` of convert.py.
fn str2bool(v: &str) -> bool {
    !matches!(v.to_lowercase().as_str(), "0" | "false" | "off")
}

/// `nodeattr2bool(node, 'noupdate', default)` of convert.py.
fn noupdate_of(node: roxmltree::Node, default: bool) -> bool {
    match node.attribute("noupdate").map(str::trim) {
        None | Some("") => default,
        Some(v) => str2bool(v),
    }
}

/// `module.id` for an id without a dot (convert.py's `make_xml_id`).
fn full_id(module: &str, id: &str) -> String {
    if id.is_empty() || id.contains('.') {
        id.to_string()
    } else {
        format!("{module}.{id}")
    }
}

/// A field value: an `eval` literal or the element's text.
enum Value {
    Eval(PyValue),
    /// An `eval` that is not a literal: `ref('x')` resolved here, anything else not evaluated.
    Ref(String),
    Opaque,
    Text(String),
}

struct Converter<'a, 't> {
    module: &'a str,
    file: &'a Path,
    text: &'t str,
    lines: Lines,
    out: &'a mut FileViews,
}

impl<'t> Converter<'_, 't> {
    fn line(&self, node: roxmltree::Node) -> usize {
        self.lines.line_of(node.range().start)
    }

    fn finding(&self, rule: &'static Rule, node: Option<roxmltree::Node>, msg: String) -> Finding {
        let f = Finding::new(rule, msg).module(self.module).file(self.file);
        match node {
            Some(n) => f.line(self.line(n)),
            None => f,
        }
    }

    fn unread(&mut self, node: roxmltree::Node, msg: String) {
        let f = self.finding(&r::VIEW_FIELD_NOT_READ, Some(node), msg);
        self.out.findings.push(f);
    }

    fn document(&mut self, noupdate: bool) {
        let doc = match xmlread::parse(self.text) {
            Ok(d) => d,
            Err(e) => {
                let f = self.finding(
                    &r::VIEW_FILE_UNREADABLE,
                    None,
                    format!("XML data file not parsed: {e}; its views were not read"),
                );
                self.out.findings.push(f);
                return;
            }
        };
        let root = doc.root_element();
        if !DATA_ROOTS.contains(&root.tag_name().name()) || root.tag_name().namespace().is_some() {
            let f = self.finding(
                &r::VIEW_FILE_UNREADABLE,
                Some(root),
                format!(
                    "the root element is <{}>; Odoo loads only data files whose root is <odoo>, <openerp> or <data>",
                    root.tag_name().name()
                ),
            );
            self.out.findings.push(f);
            return;
        }
        self.out.parsed = true;
        self.walk(root, noupdate);
    }

    /// `_tag_root` on a root (or a `<data>`/`<odoo>`/`<openerp>` inside one): its children in
    /// document order, with its noupdate (`inherited` when it sets none). Iterative: a stack of
    /// (element, its noupdate, its element children, index of the next one).
    fn walk(&mut self, el: roxmltree::Node<'_, 't>, inherited: bool) {
        let mut stack: Vec<(roxmltree::Node, bool, Vec<roxmltree::Node>, usize)> = vec![(
            el,
            noupdate_of(el, inherited),
            el.children().filter(|c| c.is_element()).collect(),
            0,
        )];
        while let Some(top) = stack.last_mut() {
            let (_, nu, kids, i) = top;
            let nu = *nu;
            let Some(child) = kids.get(*i).copied() else {
                stack.pop();
                continue;
            };
            *i += 1;
            if child.tag_name().namespace().is_some() {
                continue;
            }
            match child.tag_name().name() {
                "record" if child.attribute("model") == Some("ir.ui.view") => {
                    self.record(child, nu)
                }
                "template" => self.template(child, nu),
                n if DATA_ROOTS.contains(&n) => stack.push((
                    child,
                    noupdate_of(child, nu),
                    child.children().filter(|c| c.is_element()).collect(),
                    0,
                )),
                _ => {}
            }
        }
    }

    fn value(&self, field: roxmltree::Node<'_, 't>) -> Value {
        if let Some(e) = field.attribute("eval") {
            return match literal_eval(e) {
                Ok(v) => Value::Eval(v),
                Err(_) => match ref_call(e) {
                    Some(r) => Value::Ref(r.to_string()),
                    None => Value::Opaque,
                },
            };
        }
        Value::Text(text_of(field))
    }

    /// An `ir.ui.view` `<record>`.
    fn record(&mut self, rec: roxmltree::Node<'_, 't>, noupdate: bool) {
        let id = rec.attribute("id").unwrap_or("");
        let xmlid = full_id(self.module, id);
        let mut v = self.new_view(&xmlid, rec, noupdate);
        for field in rec
            .children()
            .filter(|c| c.is_element() && c.has_tag_name("field"))
        {
            let Some(name) = field.attribute("name") else {
                continue;
            };
            if name.contains('@') {
                continue;
            }
            match name {
                "arch" => self.arch(field, &mut v),
                "inherit_id" => v.inherit_id = self.reference(field),
                "website_id" => v.website = self.reference(field).filter(|w| !w.is_empty()),
                "mode" => match self.string(field).as_deref() {
                    Some("primary") => v.mode = Some(Mode::Primary),
                    Some("extension") => v.mode = Some(Mode::Extension),
                    other => {
                        let msg = format!("mode {other:?} is neither primary nor extension");
                        self.unread(field, msg);
                    }
                },
                "priority" => v.priority = self.integer(field),
                "active" => v.active = self.boolean(field),
                "model" => v.model = self.string(field),
                "key" => v.key = self.string(field),
                _ => {}
            }
        }
        self.out.views.push(v);
    }

    fn new_view(&self, xmlid: &str, node: roxmltree::Node, noupdate: bool) -> ViewDef {
        let overrides = xmlid.split_once('.').is_some_and(|(m, _)| m != self.module);
        ViewDef {
            xmlid: xmlid.to_string(),
            module: self.module.to_string(),
            file: self.file.to_path_buf(),
            line: self.line(node),
            arch: None,
            arch_line: 0,
            arch_source: ArchSource::Record,
            inherit_id: None,
            mode: None,
            priority: None,
            active: None,
            model: None,
            key: None,
            website: None,
            order: 0,
            overrides,
            noupdate,
        }
    }

    /// `<field name="arch" type="xml">`: its element child (several: from the first to the
    /// last, which Odoo wraps in `<data>`; none: an empty arch, which Odoo writes as such).
    fn arch(&mut self, field: roxmltree::Node<'_, 't>, v: &mut ViewDef) {
        match field.attribute("type") {
            Some("xml") | Some("html") => {}
            other => {
                let msg = format!(
                    "the arch is given with type {:?}, not as type=\"xml\"; it was not read",
                    other.unwrap_or("char")
                );
                self.unread(field, msg);
                return;
            }
        }
        let elements: Vec<roxmltree::Node> = field.children().filter(|c| c.is_element()).collect();
        match (elements.first(), elements.last()) {
            (Some(first), Some(last)) => {
                let (start, end) = (first.range().start, last.range().end);
                v.arch = self.text.get(start..end).map(str::to_string);
                v.arch_line = self.lines.line_of(start);
                v.arch_source = if elements.len() > 1 {
                    ArchSource::RecordChildren
                } else {
                    ArchSource::Record
                };
            }
            _ => {
                v.arch = Some(String::new());
                v.arch_line = self.line(field);
            }
        }
    }

    /// A many2one given by `ref=`, `eval="ref('x')"` or `eval="False"`: the full XML id, or
    /// `Some("")` when set to nothing.
    fn reference(&mut self, field: roxmltree::Node<'_, 't>) -> Option<String> {
        if let Some(r) = field.attribute("ref").filter(|r| !r.is_empty()) {
            return Some(full_id(self.module, r));
        }
        match self.value(field) {
            Value::Ref(r) => Some(full_id(self.module, &r)),
            Value::Eval(v) if !v.truthy() => Some(String::new()),
            Value::Text(t) if t.is_empty() => Some(String::new()),
            _ => {
                let msg = format!(
                    "field {} is not a ref=, ref(...) or False; it was not read",
                    field.attribute("name").unwrap_or("")
                );
                self.unread(field, msg);
                None
            }
        }
    }

    fn string(&mut self, field: roxmltree::Node<'_, 't>) -> Option<String> {
        match self.value(field) {
            Value::Text(t) => Some(t),
            Value::Eval(PyValue::Str(s)) => Some(s),
            _ => {
                let msg = format!(
                    "field {} is not a string; it was not read",
                    field.attribute("name").unwrap_or("")
                );
                self.unread(field, msg);
                None
            }
        }
    }

    fn integer(&mut self, field: roxmltree::Node<'_, 't>) -> Option<i64> {
        let got = match self.value(field) {
            Value::Eval(PyValue::Int(i)) => Some(i),
            Value::Eval(PyValue::Bool(b)) => Some(i64::from(b)),
            Value::Eval(PyValue::Str(s)) | Value::Text(s) => s.trim().parse().ok(),
            _ => None,
        };
        if got.is_none() {
            self.unread(
                field,
                "the priority is not an integer; it was not read".into(),
            );
        }
        got
    }

    fn boolean(&mut self, field: roxmltree::Node<'_, 't>) -> Option<bool> {
        match self.value(field) {
            Value::Eval(PyValue::Str(s)) | Value::Text(s) => Some(str2bool(&s)),
            Value::Eval(v) => Some(v.truthy()),
            _ => {
                self.unread(field, "active is not a literal; it was not read".into());
                None
            }
        }
    }

    /// A `<template>` (`_tag_template`).
    fn template(&mut self, el: roxmltree::Node<'_, 't>, noupdate: bool) {
        if self.module.starts_with("theme_") {
            return; // theme.ir.ui.view records, not views.
        }
        let Some(tpl_id) = el.attribute("id").or_else(|| el.attribute("t-name")) else {
            self.unread(
                el,
                "a <template> without id or t-name: Odoo fails on the file".into(),
            );
            return;
        };
        let full = full_id(self.module, tpl_id);
        let mut v = self.new_view(&full, el, noupdate);
        v.arch = self.text.get(el.range()).map(str::to_string);
        v.arch_line = v.line;
        v.arch_source = ArchSource::Template;
        v.key = Some(el.attribute("key").unwrap_or(&full).to_string());
        if let Some(p) = el.attribute("priority") {
            v.priority = p.trim().parse().ok();
            if v.priority.is_none() {
                self.unread(el, format!("priority {p:?} is not an integer"));
            }
        }
        if let Some(i) = el.attribute("inherit_id") {
            v.inherit_id = Some(if i.is_empty() {
                String::new()
            } else {
                full_id(self.module, i)
            });
        }
        if let Some(w) = el.attribute("website_id").filter(|w| !w.is_empty()) {
            v.website = Some(full_id(self.module, w));
        }
        v.active = match el.attribute("active") {
            Some("True") => Some(true),
            Some("False") => Some(false),
            _ => None,
        };
        if el.attribute("primary") == Some("True") {
            v.mode = Some(Mode::Primary);
        }
        self.out.views.push(v);
    }
}

/// The text content of a field element (`node.text` for a field without child elements).
fn text_of(node: roxmltree::Node) -> String {
    node.children()
        .take_while(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect()
}

/// `ref('x')` / `ref("x")` → `x`.
fn ref_call(e: &str) -> Option<&str> {
    let inner = e.trim().strip_prefix("ref(")?.strip_suffix(')')?.trim();
    let q = inner.chars().next()?;
    if q != '\'' && q != '"' {
        return None;
    }
    inner.strip_prefix(q)?.strip_suffix(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    const VIEWS: &str = r#"<?xml version="1.0"?>
<odoo>
    <record id="view_a" model="ir.ui.view">
        <field name="name">a</field>
        <field name="model">res.partner</field>
        <field name="priority" eval="20"/>
        <field name="arch" type="xml">
            <form><field name="name"/></form>
        </field>
    </record>
    <!-- not a view -->
    <record id="action" model="ir.actions.act_window"><field name="name">x</field></record>
    <data noupdate="1">
        <record id="view_b" model="ir.ui.view">
            <field name="inherit_id" ref="view_a"/>
            <field name="mode">primary</field>
            <field name="active" eval="False"/>
            <field name="arch" type="xml">
                <xpath expr="//form" position="inside"><div/></xpath>
                <field name="name" position="after"><field name="ref"/></field>
            </field>
        </record>
        <data noupdate="0">
            <record id="base.view_partner_form" model="ir.ui.view">
                <field name="priority">5</field>
                <field name="inherit_id" eval="False"/>
            </record>
        </data>
    </data>
    <template id="tpl" inherit_id="web.layout" priority="7" primary="True" active="False">
        <xpath expr="." position="inside"/>
    </template>
    <template t-name="other.tpl2" key="k.custom" website_id="website.default_website"><t/></template>
    <record id="view_c" model="ir.ui.view">
        <field name="inherit_id" eval="ref('other.view')"/>
        <field name="active">0</field>
        <field name="priority" eval="some_call()"/>
    </record>
</odoo>
"#;

    fn by_id<'a>(v: &'a [ViewDef], id: &str) -> &'a ViewDef {
        v.iter()
            .find(|v| v.xmlid == id)
            .unwrap_or_else(|| panic!("{id}"))
    }

    #[test]
    fn records_and_templates_convert_as_odoo_does() {
        let (_d, inv) = testdata::addons(&[
            (
                "m/__manifest__.py",
                &testdata::manifest(
                    &["base"],
                    "'data': ['views/v.xml', 'data/d.csv', 'views/v.xml']",
                ),
            ),
            ("m/views/v.xml", VIEWS),
        ]);
        let addons: Vec<&Addon> = inv.addons.values().collect();
        let got = load_views(&inv, &addons, false);
        assert_eq!(got.files, 1);
        let ids: Vec<&str> = got.views.iter().map(|v| v.xmlid.as_str()).collect();
        // In document order, the file listed twice read once.
        assert_eq!(
            ids,
            [
                "m.view_a",
                "m.view_b",
                "base.view_partner_form",
                "m.tpl",
                "other.tpl2",
                "m.view_c"
            ]
        );
        assert!(got.views.iter().enumerate().all(|(i, v)| v.order == i));
        let a = by_id(&got.views, "m.view_a");
        assert_eq!(
            a.arch.as_deref(),
            Some("<form><field name=\"name\"/></form>")
        );
        assert_eq!((a.line, a.arch_line), (3, 8));
        assert_eq!(a.arch_source, ArchSource::Record);
        assert_eq!(
            (a.priority, a.model.as_deref()),
            (Some(20), Some("res.partner"))
        );
        assert!(!a.noupdate && !a.overrides && a.inherit_id.is_none() && a.mode.is_none());
        let b = by_id(&got.views, "m.view_b");
        assert_eq!(b.inherit_id.as_deref(), Some("m.view_a"));
        assert_eq!(
            (b.mode, b.active, b.noupdate),
            (Some(Mode::Primary), Some(false), true)
        );
        assert_eq!(b.arch_source, ArchSource::RecordChildren);
        let arch = b.arch.as_deref().unwrap_or_default();
        assert!(arch.starts_with("<xpath expr=\"//form\""), "{arch}");
        assert!(arch.ends_with("<field name=\"ref\"/></field>"), "{arch}");
        assert_eq!(b.arch_line, 19);
        let o = by_id(&got.views, "base.view_partner_form");
        assert!(o.overrides && !o.noupdate && o.arch.is_none());
        assert_eq!((o.priority, o.inherit_id.as_deref()), (Some(5), Some("")));
        let t = by_id(&got.views, "m.tpl");
        assert_eq!(t.arch_source, ArchSource::Template);
        assert!(t
            .arch
            .as_deref()
            .unwrap_or_default()
            .starts_with("<template id=\"tpl\""));
        assert!(t
            .arch
            .as_deref()
            .unwrap_or_default()
            .ends_with("</template>"));
        assert_eq!(t.inherit_id.as_deref(), Some("web.layout"));
        assert_eq!(
            (t.mode, t.priority, t.active),
            (Some(Mode::Primary), Some(7), Some(false))
        );
        assert_eq!(
            (t.key.as_deref(), t.model.as_deref()),
            (Some("m.tpl"), None)
        );
        assert_eq!(t.arch_line, t.line);
        let t2 = by_id(&got.views, "other.tpl2");
        assert!(t2.overrides && t2.mode.is_none() && t2.inherit_id.is_none());
        assert_eq!(t2.key.as_deref(), Some("k.custom"));
        assert_eq!(t2.website.as_deref(), Some("website.default_website"));
        let c = by_id(&got.views, "m.view_c");
        assert_eq!(
            (c.inherit_id.as_deref(), c.active),
            (Some("other.view"), Some(false))
        );
        assert_eq!(c.priority, None);
        assert_eq!(testdata::codes(&got.findings), ["X015"]);
        assert_eq!(got.findings[0].line, Some(37));
    }

    #[test]
    fn demo_files_only_on_request_and_noupdate() {
        let demo = "<odoo><record id=\"d\" model=\"ir.ui.view\"><field name=\"arch\" type=\"xml\"><tree/></field></record>\
                    <data noupdate=\"0\"><template id=\"t\"><div/></template></data></odoo>";
        let (_d, inv) = testdata::addons(&[
            (
                "m/__manifest__.py",
                &testdata::manifest(&[], "'demo': ['demo/d.xml'], 'demo_xml': ['demo/x.xml'], 'init_xml': ['demo/x.xml']"),
            ),
            ("m/demo/d.xml", demo),
            ("m/demo/x.xml", "<odoo><template id=\"never\"><div/></template></odoo>"),
        ]);
        let addons: Vec<&Addon> = inv.addons.values().collect();
        assert!(load_views(&inv, &addons, false).views.is_empty());
        let got = load_views(&inv, &addons, true);
        let v: Vec<(&str, bool)> = got
            .views
            .iter()
            .map(|v| (v.xmlid.as_str(), v.noupdate))
            .collect();
        assert_eq!(v, [("m.d", true), ("m.t", false)]);
    }

    #[test]
    fn init_xml_is_read_from_19_on_before_data() {
        let (_d, mut inv) = testdata::addons(&[
            (
                "m/__manifest__.py",
                &testdata::manifest(
                    &[],
                    "'data': ['b.xml'], 'init_xml': ['a.xml'], 'update_xml': ['c.xml']",
                ),
            ),
            (
                "m/a.xml",
                "<odoo><template id=\"a\"><div/></template></odoo>",
            ),
            (
                "m/b.xml",
                "<odoo><template id=\"b\"><div/></template></odoo>",
            ),
            (
                "m/c.xml",
                "<odoo><template id=\"c\"><div/></template></odoo>",
            ),
        ]);
        let ids = |inv: &Inventory| -> Vec<String> {
            let addons: Vec<&Addon> = inv.addons.values().collect();
            load_views(inv, &addons, false)
                .views
                .into_iter()
                .map(|v| v.xmlid)
                .collect()
        };
        assert_eq!(ids(&inv), ["m.b"]);
        inv.series = Some(Series::new(19, 0));
        assert_eq!(ids(&inv), ["m.a", "m.b"]);
    }

    #[test]
    fn modules_in_loading_order() {
        let one = |id: &str| format!("<odoo><template id=\"{id}\"><div/></template></odoo>");
        let (_d, inv) = testdata::addons(&[
            (
                "a_top/__manifest__.py",
                &testdata::manifest(&["z_mid"], "'data': ['v.xml']"),
            ),
            ("a_top/v.xml", &one("top")),
            (
                "z_mid/__manifest__.py",
                &testdata::manifest(&["mail"], "'data': ['v.xml']"),
            ),
            ("z_mid/v.xml", &one("mid")),
            (
                "b_low/__manifest__.py",
                &testdata::manifest(&[], "'data': ['v.xml']"),
            ),
            ("b_low/v.xml", &one("low")),
        ]);
        let addons: Vec<&Addon> = inv.addons.values().collect();
        let got = load_views(&inv, &addons, false);
        let m: Vec<&str> = got.views.iter().map(|v| v.module.as_str()).collect();
        // b_low (depth 1: base) before z_mid (mail is deeper than base) before a_top.
        assert_eq!(m, ["b_low", "z_mid", "a_top"]);
    }

    #[test]
    fn hostile_files_are_findings() {
        let (d, inv) = testdata::addons(&[
            (
                "m/__manifest__.py",
                &testdata::manifest(
                    &[],
                    "'data': ['fifo.xml', 'out.xml', '../other.xml', '/etc/hostname.xml', 'missing.xml', 'deep.xml', 'bad.xml', 'root.xml', 'ok.xml']",
                ),
            ),
            (
                "m/deep.xml",
                &format!("<odoo><template id=\"d\">{}</template></odoo>", "<a>".repeat(300)),
            ),
            ("m/bad.xml", "<odoo><record id=\"x\" model=\"ir.ui.view\"></odoo>"),
            ("m/root.xml", "<templates><template id=\"x\"/></templates>"),
            ("m/ok.xml", "<odoo><template id=\"ok\"><div/></template></odoo>"),
            ("other.xml", "<odoo><template id=\"no\"><div/></template></odoo>"),
        ]);
        let m = d.path().join("m");
        let c = std::ffi::CString::new(m.join("fifo.xml").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        std::os::unix::fs::symlink(d.path().join("other.xml"), m.join("out.xml")).unwrap();
        let addons: Vec<&Addon> = inv.addons.values().collect();
        let got = load_views(&inv, &addons, false);
        let ids: Vec<&str> = got.views.iter().map(|v| v.xmlid.as_str()).collect();
        assert_eq!(ids, ["m.ok"]);
        assert_eq!(got.files, 1);
        let codes: Vec<&str> = got.findings.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            ["P005", "P007", "P007", "P007", "P009", "X010", "X010", "X010"]
        );
    }
}
