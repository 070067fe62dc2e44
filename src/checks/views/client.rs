//! Client templates combined as the web client's `templates.js` does (17.0 and later).
//!
//! The bundler (`AssetsBundle.xml()`) cuts a bundle's templates into blocks: consecutive
//! templates (no `t-inherit`, or `t-inherit-mode="primary"`, the default) form a "templates"
//! block, consecutive extensions (`t-inherit-mode="extension"`) an "extensions" block, block ids
//! counting up over the bundles a page loads. Building template `T` (`_getTemplate`): parse it;
//! when it has a `t-inherit` parent `P`, build `P` with the extensions of blocks up to `T`'s
//! block, apply `T`'s operations to a copy, keep `T`'s root tag and attributes (but `t-inherit`
//! and `t-inherit-mode`); then apply every extension of `T` in block order.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use super::apply::{self, Apply, Dialect, Located, Problem, SpecIssue, Trace};
use crate::load::version::Series;
use crate::load::views::xml2::Doc;
use crate::load::views::TemplateDef;

/// One template of the page, with its block.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub def: &'a TemplateDef,
    pub block: usize,
    pub extension: bool,
    /// Only a test bundle loads it.
    pub test: bool,
}

/// A problem of one template.
#[derive(Debug, Clone)]
pub struct TemplateIssue {
    pub entry: usize,
    pub kind: IssueKind,
}

#[derive(Debug, Clone)]
pub enum IssueKind {
    /// An operation failed.
    Spec(SpecIssue),
    /// The `t-inherit` parent is registered nowhere; `primary` tells which mode.
    ParentMissing { parent: String, primary: bool },
    /// No `t-name`, a bad `t-inherit-mode`, a name defined twice, a cycle, a file that doesn't parse.
    Invalid(String),
}

/// What combining the templates found.
#[derive(Debug, Default)]
pub struct Combined {
    pub templates: usize,
    pub specs: usize,
    pub issues: Vec<TemplateIssue>,
    pub located: Vec<(usize, Located)>,
    pub traces: Vec<(usize, Trace)>,
}

/// Cuts a page's templates into blocks, as the bundler does.
/// With `names_checked` false (16.0, 17.0: [`combine_sequential`] checks names itself) a
/// template without `t-name` is not reported here.
pub fn entries<'a>(
    page: &[(&'a TemplateDef, bool)],
    names_checked: bool,
) -> (Vec<Entry<'a>>, Vec<TemplateIssue>) {
    let mut out = Vec::new();
    let mut issues = Vec::new();
    let mut block = 0;
    let mut last: Option<bool> = None;
    for (def, test) in page {
        let mode = def
            .inherit
            .as_ref()
            .map(|_| def.inherit_mode.clone().unwrap_or_else(|| "primary".into()));
        let bad_mode = mode
            .as_deref()
            .is_some_and(|m| m != "primary" && m != "extension");
        if bad_mode {
            issues.push(TemplateIssue {
                entry: out.len(),
                kind: IssueKind::Invalid(format!(
                    "Invalid inherit mode '{}' (primary or extension)",
                    mode.as_deref().unwrap_or_default()
                )),
            });
        }
        let extension = mode.as_deref() == Some("extension");
        if names_checked && !extension && !bad_mode && def.name.is_none() {
            issues.push(TemplateIssue {
                entry: out.len(),
                kind: IssueKind::Invalid("Template name is missing".into()),
            });
        }
        if last != Some(extension) {
            block += 1;
            last = Some(extension);
        }
        out.push(Entry {
            def,
            block,
            extension,
            test: *test,
        });
    }
    (out, issues)
}

struct Page<'a> {
    entries: &'a [Entry<'a>],
    registry: HashMap<&'a str, usize>,
    extensions: HashMap<&'a str, Vec<usize>>,
    series: Option<Series>,
    trace: bool,
    origin: HashMap<String, usize>,
}

/// Combines every template of a page (the backend bundles, or a test bundle).
pub fn combine(entries: &[Entry], series: Option<Series>, trace: bool) -> Combined {
    let mut out = Combined::default();
    let mut registry: HashMap<&str, usize> = HashMap::new();
    let mut extensions: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if e.extension {
            if let Some(p) = &e.def.inherit {
                extensions.entry(p.as_str()).or_default().push(i);
            }
            continue;
        }
        let Some(name) = e.def.name.as_deref() else {
            continue;
        };
        match registry.get(name) {
            Some(&j) => {
                let other = &entries[j].def;
                if other.url != e.def.url || other.text != e.def.text {
                    out.issues.push(TemplateIssue {
                        entry: i,
                        kind: IssueKind::Invalid(format!(
                            "Template {name} already exists (defined in {} too)",
                            other.url
                        )),
                    });
                }
            }
            None => {
                registry.insert(name, i);
            }
        }
    }
    let mut modules: Vec<String> = entries.iter().map(|e| e.def.module.clone()).collect();
    modules.sort();
    modules.dedup();
    let origin = modules
        .into_iter()
        .enumerate()
        .map(|(i, m)| (m, i + 1))
        .collect();
    let page = Page {
        entries,
        registry,
        extensions,
        series,
        trace,
        origin,
    };
    // Extensions of templates registered nowhere.
    let mut names: Vec<&&str> = page.extensions.keys().collect();
    names.sort();
    for name in names {
        if !page.registry.contains_key(*name) {
            for &i in &page.extensions[*name] {
                out.issues.push(TemplateIssue {
                    entry: i,
                    kind: IssueKind::ParentMissing {
                        parent: name.to_string(),
                        primary: false,
                    },
                });
            }
        }
    }
    let mut memo: HashMap<(usize, Option<usize>), Option<Doc>> = HashMap::new();
    let mut reported: HashSet<(usize, usize, String)> = HashSet::new();
    let mut order: Vec<(&str, usize)> = page.registry.iter().map(|(k, v)| (*k, *v)).collect();
    order.sort_by_key(|(_, i)| *i);
    // On a test page, only what a test-only template takes part in is built (the backend page
    // built the rest).
    let has_test = entries.iter().any(|e| e.test);
    order.retain(|(name, i)| {
        !has_test
            || entries[*i].test
            || page
                .extensions
                .get(name)
                .is_some_and(|x| x.iter().any(|&x| entries[x].test))
    });
    for (_, i) in order {
        let mut stack = Vec::new();
        page.build(i, None, &mut memo, &mut stack, &mut out, &mut reported);
    }
    out
}

impl Page<'_> {
    fn how(&self, entry: usize) -> Apply<'static> {
        Apply {
            dialect: Dialect::Client,
            series: self.series,
            origin: self
                .origin
                .get(&self.entries[entry].def.module)
                .copied()
                .unwrap_or(0),
            trace: self.trace,
            reach: None,
        }
    }

    fn parse(&self, i: usize, out: &mut Combined) -> Option<Doc> {
        let d = &self.entries[i].def;
        match Doc::parse(&d.text, d.line.max(1)) {
            Ok(doc) => Some(doc),
            Err(e) => {
                out.issues.push(TemplateIssue {
                    entry: i,
                    kind: IssueKind::Invalid(format!("not well-formed: {}", e.message)),
                });
                None
            }
        }
    }

    /// `_getTemplate(name, blockId)` for the registered template `i`; `None` when it cannot be
    /// built.
    fn build(
        &self,
        i: usize,
        limit: Option<usize>,
        memo: &mut HashMap<(usize, Option<usize>), Option<Doc>>,
        stack: &mut Vec<usize>,
        out: &mut Combined,
        reported: &mut HashSet<(usize, usize, String)>,
    ) -> Option<Doc> {
        if let Some(done) = memo.get(&(i, limit)) {
            return done.as_ref().and_then(|d| d.root()).map(Doc::from_copy);
        }
        if stack.contains(&i) {
            out.issues.push(TemplateIssue {
                entry: i,
                kind: IssueKind::Invalid("t-inherit cycle".into()),
            });
            return None;
        }
        stack.push(i);
        let first = limit.is_none();
        if first {
            out.templates += 1;
        }
        let e = &self.entries[i];
        let mut doc = self.parse(i, out);
        if let (Some(own), Some(parent)) = (doc.as_ref(), e.def.inherit.as_deref()) {
            match self.registry.get(parent) {
                None => {
                    if first {
                        out.issues.push(TemplateIssue {
                            entry: i,
                            kind: IssueKind::ParentMissing {
                                parent: parent.to_string(),
                                primary: true,
                            },
                        });
                    }
                    doc = None;
                }
                Some(&p) => {
                    let lim = Some(limit.unwrap_or(e.block));
                    match self.build(p, lim, memo, stack, out, reported) {
                        None => doc = None,
                        Some(mut base) => {
                            let own_root = own.root().expect("parsed documents have a root");
                            let applied = apply::apply(&mut base, own_root, self.how(i));
                            if first {
                                record(i, applied, out, reported);
                            }
                            if let Some(r) = base.root() {
                                if r.tag() != own_root.tag() {
                                    r.set_tag(&own_root.tag());
                                }
                                for (k, v) in own_root.attributes() {
                                    if k != "t-inherit" && k != "t-inherit-mode" {
                                        r.set(&k, &v);
                                    }
                                }
                            }
                            doc = Some(base);
                        }
                    }
                }
            }
        }
        if let (Some(d), Some(name)) = (doc.as_mut(), e.def.name.as_deref()) {
            let mut exts = self.extensions.get(name).cloned().unwrap_or_default();
            exts.sort_by_key(|&x| self.entries[x].block);
            for x in exts {
                if limit.is_some_and(|l| self.entries[x].block > l) {
                    break;
                }
                let Some(ext) = self.parse(x, out) else {
                    continue;
                };
                let root = ext.root().expect("parsed documents have a root");
                let applied = apply::apply(d, root, self.how(x));
                record(x, applied, out, reported);
            }
        }
        stack.pop();
        let copy = doc.as_ref().and_then(|d| d.root()).map(Doc::from_copy);
        memo.insert((i, limit), doc);
        copy
    }
}

/// Templates combined as the bundler of 16.0 and 17.0 does (`AssetsBundle.xml()`): on the
/// server, in file order, with `apply_inheritance_specs` (the server's semantics). Templates are
/// keyed by addon and name (a `t-name` prefixed with its own addon loses the prefix); a
/// `t-inherit` parent must be defined earlier (`addon.name`, or a name of the same addon); a
/// primary child takes the parent's copy with its own tag and attributes, an extension replaces
/// the parent. Any failure breaks the whole bundle.
pub fn combine_sequential(entries: &[Entry], series: Option<Series>, trace: bool) -> Combined {
    let mut out = Combined::default();
    let mut dict: HashMap<String, HashMap<String, Doc>> = HashMap::new();
    let mut modules: Vec<String> = entries.iter().map(|e| e.def.module.clone()).collect();
    modules.sort();
    modules.dedup();
    let origin: HashMap<String, usize> = modules
        .into_iter()
        .enumerate()
        .map(|(i, m)| (m, i + 1))
        .collect();
    let mut reported: HashSet<(usize, usize, String)> = HashSet::new();
    for (i, e) in entries.iter().enumerate() {
        let addon = e.def.url.split('/').next().unwrap_or("").to_string();
        let name = e.def.name.as_ref().map(|n| match n.split_once('.') {
            Some((a, rest)) if a == addon => rest.to_string(),
            _ => n.clone(),
        });
        let Ok(own) = Doc::parse(&e.def.text, e.def.line.max(1)) else {
            out.issues.push(TemplateIssue {
                entry: i,
                kind: IssueKind::Invalid("not well-formed".into()),
            });
            continue;
        };
        let Some(own_root) = own.root() else { continue };
        dict.entry(addon.clone()).or_default();
        if e.def.name.is_none() && e.def.inherit.is_none() && own_root.get("t-extend").is_some() {
            continue; // The legacy QWeb's `t-extend`, applied in the browser.
        }
        out.templates += 1;
        let Some(parent) = e.def.inherit.clone() else {
            match name {
                Some(n) => {
                    if dict[&addon].contains_key(&n) {
                        out.issues.push(TemplateIssue {
                            entry: i,
                            kind: IssueKind::Invalid(format!(
                                "Template '{n}' already exists in module '{addon}'"
                            )),
                        });
                    } else if let Some(d) = dict.get_mut(&addon) {
                        d.insert(n, Doc::from_copy(own_root));
                    }
                }
                None => out.issues.push(TemplateIssue {
                    entry: i,
                    kind: IssueKind::Invalid("Template name is missing".into()),
                }),
            }
            continue;
        };
        let primary = !e.extension;
        let (mut paddon, mut pname) = match parent.split_once('.') {
            Some((a, n)) => (a.to_string(), n.to_string()),
            None => (addon.clone(), parent.clone()),
        };
        if !dict.contains_key(&paddon) && dict[&addon].contains_key(&parent) {
            paddon = addon.clone();
            pname = parent.clone();
        }
        let Some(base) = dict.get(&paddon).and_then(|d| d.get(&pname)) else {
            out.issues.push(TemplateIssue {
                entry: i,
                kind: IssueKind::ParentMissing {
                    parent: parent.clone(),
                    primary,
                },
            });
            continue;
        };
        let mut doc = base
            .root()
            .map(Doc::from_copy)
            .unwrap_or_else(|| Doc::from_copy(own_root));
        if primary {
            if let Some(r) = doc.root() {
                r.set_tag(&own_root.tag());
            }
        }
        for spec in own_root.children() {
            if !spec.is_element() {
                continue;
            }
            let applied = apply::apply(
                &mut doc,
                spec,
                Apply {
                    dialect: Dialect::Server,
                    series,
                    origin: origin.get(&e.def.module).copied().unwrap_or(0),
                    trace,
                    reach: None,
                },
            );
            record(i, applied, &mut out, &mut reported);
        }
        if primary {
            if let Some(r) = doc.root() {
                for (k, v) in own_root.attributes() {
                    if k != "t-inherit" && k != "t-inherit-mode" {
                        r.set(&k, &v);
                    }
                }
            }
            match name {
                Some(n) => {
                    if let Some(d) = dict.get_mut(&addon) {
                        d.insert(n, doc);
                    }
                }
                None => out.issues.push(TemplateIssue {
                    entry: i,
                    kind: IssueKind::Invalid("Template name is missing".into()),
                }),
            }
        } else if let Some(d) = dict.get_mut(&paddon) {
            d.insert(pname, doc);
        }
    }
    out
}

/// Adds what applying entry `i`'s operations did (each failure once).
fn record(
    i: usize,
    applied: apply::Applied,
    out: &mut Combined,
    reported: &mut HashSet<(usize, usize, String)>,
) {
    out.specs += applied.specs;
    for issue in applied.issues {
        if reported.insert((i, issue.line, apply::describe(&issue.problem))) {
            out.issues.push(TemplateIssue {
                entry: i,
                kind: IssueKind::Spec(issue),
            });
        }
    }
    out.located
        .extend(applied.located.into_iter().map(|l| (i, l)));
    out.traces
        .extend(applied.traces.into_iter().map(|t| (i, t)));
}

/// The pages the checks combine: the backend (its bundles in order, as the web client loads
/// them) and each test bundle over the backend's templates.
pub fn pages(
    bundles: &[crate::load::views::BundleTemplates],
) -> Vec<(String, Vec<(&TemplateDef, bool)>)> {
    let backend: Vec<(&TemplateDef, bool)> = bundles
        .iter()
        .filter(|b| !b.test)
        .flat_map(|b| b.templates.iter().map(|t| (t, false)))
        .collect();
    let mut seen: HashSet<(PathBuf, usize)> = HashSet::new();
    let mut dedup = Vec::new();
    for (t, test) in backend {
        if seen.insert((t.file.clone(), t.line)) {
            dedup.push((t, test));
        }
    }
    let mut out = vec![("backend".to_string(), dedup.clone())];
    let mut tests: BTreeMap<String, Vec<(&TemplateDef, bool)>> = BTreeMap::new();
    for b in bundles.iter().filter(|b| b.test) {
        let mut page = dedup.clone();
        let mut added = false;
        for t in &b.templates {
            if !seen.contains(&(t.file.clone(), t.line)) {
                page.push((t, true));
                added = true;
            }
        }
        if added {
            tests.insert(b.bundle.clone(), page);
        }
    }
    out.extend(tests);
    out
}

/// A problem in words, for the finding.
pub fn describe(kind: &IssueKind) -> (String, Option<usize>) {
    match kind {
        IssueKind::Spec(s) => (
            format!(
                "{} {}",
                s.spec,
                match s.problem {
                    Problem::NotLocated => "cannot be located in the parent template".to_string(),
                    ref p => apply::describe(p),
                }
            ),
            Some(s.line),
        ),
        IssueKind::ParentMissing { parent, primary } => (
            if *primary {
                format!("template parent {parent} not found")
            } else {
                format!("extension of template {parent}, which no loaded bundle defines")
            },
            None,
        ),
        IssueKind::Invalid(m) => (m.clone(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(
        name: Option<&str>,
        inherit: Option<&str>,
        mode: Option<&str>,
        text: &str,
    ) -> (TemplateDef, bool) {
        (
            TemplateDef {
                name: name.map(str::to_string),
                inherit: inherit.map(str::to_string),
                inherit_mode: mode.map(str::to_string),
                module: "m".into(),
                file: PathBuf::from("/x/m/static/a.xml"),
                url: "m/static/a.xml".into(),
                text: text.into(),
                line: 1,
            },
            false,
        )
    }

    #[test]
    fn primary_children_see_parent_extensions_of_earlier_blocks_only() {
        let page = [
            t(Some("a"), None, None, "<t t-name=\"a\"><div class=\"x\"/></t>"),
            t(None, Some("a"), Some("extension"), "<t t-inherit=\"a\" t-inherit-mode=\"extension\"><xpath expr=\"//div\" position=\"inside\"><span/></xpath></t>"),
            t(Some("b"), Some("a"), None, "<t t-name=\"b\" t-inherit=\"a\"><xpath expr=\"//span\" position=\"replace\"/></t>"),
            t(Some("c"), Some("a"), Some("primary"), "<t t-name=\"c\" t-inherit=\"a\"><xpath expr=\"//em\" position=\"replace\"/></t>"),
            t(None, Some("gone"), Some("extension"), "<t t-inherit=\"gone\" t-inherit-mode=\"extension\"/>"),
            t(None, Some("a"), Some("sideways"), "<t t-inherit=\"a\"/>"),
        ];
        let refs: Vec<(&TemplateDef, bool)> = page.iter().map(|(t, b)| (t, *b)).collect();
        let (entries, mut issues) = entries(&refs, true);
        let c = combine(&entries, None, false);
        issues.extend(c.issues);
        let kinds: Vec<String> = issues
            .iter()
            .map(|i| format!("{}:{}", i.entry, describe(&i.kind).0))
            .collect();
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        assert!(kinds
            .iter()
            .any(|k| k.starts_with("5:Invalid inherit mode")));
        assert!(kinds
            .iter()
            .any(|k| k.starts_with("4:extension of template gone")));
        assert!(kinds
            .iter()
            .any(|k| k.starts_with("3:<xpath expr=\"//em\"")));
    }
}
