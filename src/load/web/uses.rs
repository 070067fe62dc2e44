//! The places that look a registry key up: `ir.actions.client` records, `widget=` and
//! `js_class=` in the XML data files the manifests list, and Python code returning
//! `{'type': 'ir.actions.client', 'tag': …}`. Files that cannot be read or parsed are loading
//! findings.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::finding::Finding;
use crate::load::addons::{Addon, Inventory};
use crate::load::db::DbClientAction;
use crate::load::fsread;
use crate::load::web::js_scan::Registry;
use crate::load::xmlread;
use crate::rules::client_actions as r;

/// What a use looks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UseKind {
    Action,
    Widget,
    JsClass,
}

impl UseKind {
    pub fn registry(self) -> Registry {
        match self {
            UseKind::Action => Registry::Actions,
            UseKind::Widget => Registry::Fields,
            UseKind::JsClass => Registry::Views,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            UseKind::Action => "client action",
            UseKind::Widget => "field widget",
            UseKind::JsClass => "view js_class",
        }
    }
    pub fn noun(self) -> &'static str {
        match self {
            UseKind::Action => "tag",
            UseKind::Widget => "widget",
            UseKind::JsClass => "js_class",
        }
    }
}

/// One place that looks a key up.
#[derive(Debug, Clone)]
pub struct Use {
    pub kind: UseKind,
    pub key: String,
    /// The module using it (owner of the record or file); `None` for database actions created
    /// in the user interface.
    pub module: Option<String>,
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    /// `xml`, `python` or `database`.
    pub source: &'static str,
    /// Database mode: the action row.
    pub action: Option<DbClientAction>,
}

/// 1-based line numbers of byte offsets in a text, from the offsets of its line breaks.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(memchr::memchr_iter(b'\n', text.as_bytes()).collect())
    }
    fn line_of(&self, pos: usize) -> usize {
        self.0.partition_point(|&nl| nl < pos) + 1
    }
}

/// Uses in one XML data file.
pub fn xml_uses(
    module: &str,
    file: &Path,
    text: &str,
    out: &mut Vec<Use>,
) -> Result<(), xmlread::XmlError> {
    let doc = xmlread::parse(text)?;
    let lines = Lines::new(text);
    let mk = |kind, key: &str, node: roxmltree::Node| Use {
        kind,
        key: key.trim().to_string(),
        module: Some(module.to_string()),
        file: Some(file.to_path_buf()),
        line: Some(lines.line_of(node.range().start)),
        source: "xml",
        action: None,
    };
    for rec in doc.descendants().filter(|n| n.has_tag_name("record")) {
        match rec.attribute("model") {
            Some("ir.actions.client") => {
                for f in rec
                    .children()
                    .filter(|n| n.has_tag_name("field") && n.attribute("name") == Some("tag"))
                {
                    let tag = f.text().unwrap_or("").trim();
                    if !tag.is_empty() {
                        out.push(mk(UseKind::Action, tag, f));
                    }
                }
            }
            Some("ir.ui.view") => {
                for arch in rec
                    .children()
                    .filter(|n| n.has_tag_name("field") && n.attribute("name") == Some("arch"))
                {
                    for n in arch.descendants().filter(|n| n.is_element()) {
                        if n.ancestors().any(|a| a.has_tag_name("search")) {
                            continue;
                        }
                        if n.has_tag_name("field") {
                            if let Some(w) = n.attribute("widget") {
                                if !w.trim().is_empty() {
                                    out.push(mk(UseKind::Widget, w, n));
                                }
                            }
                        }
                        if let Some(c) = n.attribute("js_class") {
                            if !c.trim().is_empty() {
                                out.push(mk(UseKind::JsClass, c, n));
                            }
                        }
                        if n.has_tag_name("attribute") {
                            let kind = match n.attribute("name") {
                                Some("widget") => Some(UseKind::Widget),
                                Some("js_class") => Some(UseKind::JsClass),
                                _ => None,
                            };
                            let v = n.text().unwrap_or("").trim();
                            if let (Some(k), false) = (kind, v.is_empty()) {
                                out.push(mk(k, v, n));
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Python: `{'type': 'ir.actions.client', 'tag': 'x'}` and `dict(type=…, tag=…)` with literal
/// strings, found with a tokenizer that knows strings and comments.
pub fn python_uses(module: &str, file: &Path, text: &str, out: &mut Vec<Use>) {
    #[derive(Default)]
    struct Group {
        client: bool,
        tag: Option<(String, usize)>,
    }
    let b = text.as_bytes();
    let mut i = 0;
    let mut line = 1;
    let mut stack: Vec<(u8, Group)> = Vec::new();
    // Last two significant tokens: (kind, text) where kind is b's' string, b'i' ident, b'p' punct.
    let mut prev: [(u8, String); 2] = [(0, String::new()), (0, String::new())];
    let push = |prev: &mut [(u8, String); 2], k: u8, t: String| {
        prev[0] = std::mem::replace(&mut prev[1], (k, t));
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' | b'"' => {
                let l = line;
                let triple = b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c);
                let q = if triple { 3 } else { 1 };
                // A prefix (r, b, f, u…) was taken as an identifier just before; a raw or
                // f-string is still a string for our purpose.
                i += q;
                let start = i;
                while i < b.len() {
                    if b[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b[i] == b'\n' {
                        line += 1;
                        if !triple {
                            break;
                        }
                    }
                    if b[i] == c
                        && (!triple || (b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c)))
                    {
                        break;
                    }
                    i += 1;
                }
                let end = i.min(b.len());
                i = (i + q).min(b.len());
                let value = text.get(start..end).unwrap_or("").to_string();
                // Value of `key: value` / `key=value`.
                if prev[1].0 == b'p' && (prev[1].1 == ":" || prev[1].1 == "=") {
                    let key_is =
                        |k: &str| (prev[0].0 == b's' || prev[0].0 == b'i') && prev[0].1 == k;
                    if let Some((_, g)) = stack.last_mut() {
                        if key_is("type") && value == "ir.actions.client" {
                            g.client = true;
                        } else if key_is("tag") && g.tag.is_none() {
                            g.tag = Some((value.clone(), l));
                        }
                    }
                }
                push(&mut prev, b's', value);
            }
            b'(' | b'[' | b'{' => {
                stack.push((c, Group::default()));
                push(&mut prev, b'p', (c as char).to_string());
                i += 1;
            }
            b')' | b']' | b'}' => {
                if let Some((_, g)) = stack.pop() {
                    if let (true, Some((tag, l))) = (g.client, g.tag) {
                        out.push(Use {
                            kind: UseKind::Action,
                            key: tag,
                            module: Some(module.to_string()),
                            file: Some(file.to_path_buf()),
                            line: Some(l),
                            source: "python",
                            action: None,
                        });
                    }
                }
                push(&mut prev, b'p', (c as char).to_string());
                i += 1;
            }
            _ if c == b'_' || c.is_ascii_alphabetic() => {
                let start = i;
                while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                let word = &text[start..i];
                // String prefixes glue to the string that follows.
                let is_prefix = matches!(b.get(i), Some(b'\'' | b'"'))
                    && word.len() <= 2
                    && word.chars().all(|c| "rbfuRBFU".contains(c));
                if !is_prefix {
                    push(&mut prev, b'i', word.to_string());
                }
            }
            b' ' | b'\t' | b'\r' | b'\\' => i += 1,
            _ => {
                push(&mut prev, b'p', (c as char).to_string());
                i += 1;
            }
        }
    }
}

/// Reads each XML file among the `data` and `demo` entries of `a` (through [`fsread`], inside
/// the addon) and hands its text to `parse`. A file that cannot be read is its reader's finding;
/// one `parse` rejects is `DATA_FILE_NOT_PARSED`, its message ending with `unchecked` (what was
/// therefore not looked at).
pub fn each_data_xml<E: std::fmt::Display>(
    a: &Addon,
    unchecked: &str,
    mut parse: impl FnMut(&Path, &str) -> Result<(), E>,
) -> Vec<Finding> {
    let root = fsread::Root::unresolved(&a.dir);
    let mut findings = Vec::new();
    for rel in a.manifest.data.iter().chain(a.manifest.demo.iter()) {
        if !rel.ends_with(".xml") {
            continue;
        }
        let file = a.dir.join(rel);
        match root.with_text(&file, fsread::SOURCE_MAX, |text| parse(&file, text)) {
            Err(e) => findings.push(e.finding(&file).module(&a.name)),
            Ok(Err(e)) => findings.push(
                Finding::new(
                    &r::DATA_FILE_NOT_PARSED,
                    format!("XML data file not parsed: {e}; {unchecked}"),
                )
                .module(&a.name)
                .file(&file),
            ),
            Ok(Ok(())) => {}
        }
    }
    findings
}

/// Reads the uses of every addon: XML data files its manifest lists and its Python code. Files
/// that cannot be read (missing, FIFOs, oversize, outside the addon) or parsed are findings.
pub fn static_uses(inv: &Inventory, only: Option<&BTreeSet<String>>) -> (Vec<Use>, Vec<Finding>) {
    let addons: Vec<&Addon> = inv
        .addons
        .values()
        .filter(|a| a.manifest.installable)
        .filter(|a| only.is_none_or(|s| s.contains(&a.name)))
        .collect();
    let per_addon: Vec<(Vec<Use>, Vec<Finding>)> = addons
        .par_iter()
        .map(|a| {
            let mut out = Vec::new();
            let mut findings = Vec::new();
            let root = fsread::Root::unresolved(&a.dir);
            findings.extend(each_data_xml(
                a,
                "its uses were not checked",
                |file, text| {
                    // Only files that name one of the looked-up attributes or models are parsed.
                    let b = text.as_bytes();
                    let relevant = ["ir.actions.client", "widget", "js_class"]
                        .iter()
                        .any(|w| memchr::memmem::find(b, w.as_bytes()).is_some());
                    if relevant {
                        xml_uses(&a.name, file, text, &mut out)
                    } else {
                        Ok(())
                    }
                },
            ));
            let walked = fsread::walk_files(
                &root,
                &a.dir,
                |p, is_dir| {
                    let n = p.file_name().unwrap_or_default().to_string_lossy();
                    is_dir && (n == "tests" || n == "static" || n.starts_with('.'))
                },
                |p| p.extension().is_some_and(|x| x == "py"),
            );
            for (p, e) in &walked.problems {
                findings.push(e.finding(p).module(&a.name));
            }
            for p in &walked.files {
                let read = fsread::with_text(p, fsread::SOURCE_MAX, |text| {
                    if text.contains("ir.actions.client") {
                        python_uses(&a.name, p, text, &mut out);
                    }
                });
                if let Err(e) = read {
                    findings.push(e.finding(p).module(&a.name));
                }
            }
            (out, findings)
        })
        .collect();
    let mut uses = Vec::new();
    let mut findings = Vec::new();
    for (u, f) in per_addon {
        uses.extend(u);
        findings.extend(f);
    }
    uses.sort_by(|a, b| {
        (&a.module, &a.file, a.line, a.kind, &a.key)
            .cmp(&(&b.module, &b.file, b.line, b.kind, &b.key))
    });
    (uses, findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_dicts_and_dict_calls() {
        let src = "def a(self):\n    # {'type': 'ir.actions.client', 'tag': 'commented'}\n    return {\n        'type': 'ir.actions.client',\n        \"tag\": \"real_one\",\n        'params': {'tag': 'inner'},\n    }\n\ndef b(self):\n    return dict(type='ir.actions.client', tag=\"kw_tag\")\n\ndef c(self):\n    return {'type': 'ir.actions.act_window', 'tag': 'not_client'}\n";
        let mut out = Vec::new();
        python_uses("m", Path::new("m.py"), src, &mut out);
        let got: Vec<(String, usize)> = out
            .iter()
            .map(|u| (u.key.clone(), u.line.unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![("real_one".to_string(), 5), ("kw_tag".to_string(), 10)]
        );
    }

    #[test]
    fn xml_records_and_views() {
        let src = r#"<odoo>
  <record id="a" model="ir.actions.client">
    <field name="name">A</field>
    <field name="tag">my_tag</field>
  </record>
  <record id="v" model="ir.ui.view">
    <field name="arch" type="xml">
      <list js_class="my_list">
        <field name="x" widget="my_widget"/>
      </list>
    </field>
  </record>
  <record id="s" model="ir.ui.view">
    <field name="arch" type="xml">
      <search><field name="y" widget="ignored"/></search>
    </field>
  </record>
  <record id="i" model="ir.ui.view">
    <field name="arch" type="xml">
      <xpath expr="//field[@name='x']" position="attributes">
        <attribute name="widget">other_widget</attribute>
      </xpath>
    </field>
  </record>
</odoo>"#;
        let mut out = Vec::new();
        xml_uses("m", Path::new("v.xml"), src, &mut out).unwrap();
        let got: Vec<(UseKind, String, usize)> = out
            .iter()
            .map(|u| (u.kind, u.key.clone(), u.line.unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                (UseKind::Action, "my_tag".into(), 4),
                (UseKind::JsClass, "my_list".into(), 8),
                (UseKind::Widget, "my_widget".into(), 9),
                (UseKind::Widget, "other_widget".into(), 21),
            ]
        );
    }
}
