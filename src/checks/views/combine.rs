//! Combining server views as `ir.ui.view._get_combined_archs` does.
//!
//! A primary view (no parent, or `mode="primary"`) is combined from its own arch — or, with a
//! parent, from the combined arch of the parent's primary view with its own arch applied — and
//! then every extension descending from it, depth first in pre-order, children ordered by
//! `priority` then id (here: load order). An extension is only reached through a parent of the
//! same `model` (`coalesce(model, '')`), and only when active. Each extension is applied in
//! exactly one combination: that of its nearest primary ancestor.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;

use super::apply::{self, Apply, Dialect, Located, Problem, SpecIssue, Trace};
use crate::load::version::Series;
use crate::load::views::xml2::{Doc, Node};
use crate::load::views::Mode;

/// Where a view's arch comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A data file on the addons path.
    Disk,
    /// The database (`ir_ui_view.arch_db`).
    Database,
}

/// One view as the combination sees it.
#[derive(Debug, Clone)]
pub struct View {
    pub xmlid: Option<String>,
    /// The module owning the view (its XML id's module, or the defining module).
    pub module: Option<String>,
    /// The module whose definition set the parent (`inherit_id`): another module's record may
    /// re-parent a view.
    pub link_module: Option<String>,
    pub file: Option<PathBuf>,
    pub arch: Option<String>,
    pub arch_line: usize,
    /// Line of the `<record>`/`<template>` that set the parent (where Odoo reports an
    /// `inherit_id` it cannot resolve).
    pub record_line: usize,
    /// The arch is a `<template>` element to convert as `convert.py` does.
    pub template: bool,
    /// `<template primary="True">`.
    pub template_primary: bool,
    /// The arch is several elements, to wrap in `<data>` (`_fix_multiple_roots`).
    pub wrap_data: bool,
    /// Index of the parent in the view list.
    pub parent: Option<usize>,
    /// The parent's reference when it was not found (an XML id, or a database id).
    pub missing_parent: Option<String>,
    pub mode: Mode,
    pub priority: i64,
    pub active: bool,
    pub model: Option<String>,
    /// Orders views of equal priority (the database id, or the load order).
    pub order: i64,
    pub source: Source,
    /// A database id, when the view comes from a database.
    pub db_id: Option<i64>,
    /// Skip the view and its descendants (their parents' archs are not available).
    pub unverifiable: bool,
}

impl View {
    /// The view's name for messages: its XML id, or its database id.
    pub fn label(&self) -> String {
        match (&self.xmlid, self.db_id) {
            (Some(x), _) => x.clone(),
            (None, Some(id)) => format!("ir.ui.view id {id}"),
            (None, None) => "(a view without an id)".into(),
        }
    }
}

/// A failure of one spec of one view.
#[derive(Debug, Clone)]
pub struct ViewIssue {
    pub view: usize,
    /// The primary view whose combination met the failure.
    pub root: usize,
    pub issue: SpecIssue,
}

/// What the combination found.
#[derive(Debug, Default)]
pub struct Combined {
    /// Views combined (primary and extension) and specs applied.
    pub views: usize,
    pub specs: usize,
    pub issues: Vec<ViewIssue>,
    /// Views in an inheritance cycle.
    pub cycles: Vec<usize>,
    /// Every located target: (view, where).
    pub located: Vec<(usize, Located)>,
    pub traces: Vec<(usize, Trace)>,
}

/// Options of a combination.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    pub series: Option<Series>,
    pub trace: bool,
    /// The dependency rule's test between origins (see [`origins`]).
    pub reach: Option<apply::Reach<'a>>,
}

/// The origin mark of a module (index in `modules` + 1).
pub fn origins(views: &[View]) -> (Vec<String>, HashMap<String, usize>) {
    let mut names: Vec<String> = views.iter().filter_map(|v| v.module.clone()).collect();
    names.sort();
    names.dedup();
    let map = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), i + 1))
        .collect();
    (names, map)
}

struct Tree<'a> {
    views: &'a [View],
    /// Extension children of each view, ordered by (priority, order).
    children: Vec<Vec<usize>>,
    /// Primary views whose base is each view.
    primaries: Vec<Vec<usize>>,
    origin: HashMap<String, usize>,
    opts: Options<'a>,
}

fn same_model(a: &View, b: &View) -> bool {
    a.model.as_deref().unwrap_or("") == b.model.as_deref().unwrap_or("")
}

fn is_primary(v: &View) -> bool {
    v.parent.is_none() || v.mode == Mode::Primary
}

/// Combines every primary view and its extensions.
pub fn combine(views: &[View], opts: Options) -> Combined {
    let (_, origin) = origins(views);
    let n = views.len();
    let mut out = Combined::default();
    // Cycles: a walk up that comes back.
    let in_cycle: Vec<bool> = (0..n)
        .map(|start| {
            let mut seen = HashSet::new();
            let mut cur = Some(start);
            while let Some(c) = cur {
                if !seen.insert(c) {
                    return c == start;
                }
                cur = views[c].parent;
            }
            false
        })
        .collect();
    out.cycles = (0..n).filter(|i| in_cycle[*i]).collect();
    let mut children = vec![Vec::new(); n];
    let mut primaries = vec![Vec::new(); n];
    for (i, v) in views.iter().enumerate() {
        if in_cycle[i] || !v.active || v.unverifiable {
            continue;
        }
        let Some(p) = v.parent else { continue };
        if is_primary(v) {
            primaries[base_of(views, p)].push(i);
        } else if same_model(v, &views[p]) {
            children[p].push(i);
        } else {
            // Left out of its parent's combination (`coalesce(model, '')` differs), an
            // extension of another model is applied when the view itself is requested (an
            // action's view_id): over the parent's combined arch, with its own extensions.
            primaries[base_of(views, p)].push(i);
        }
    }
    for list in children.iter_mut().chain(primaries.iter_mut()) {
        list.sort_by_key(|&i| (views[i].priority, views[i].order));
    }
    let tree = Tree {
        views,
        children,
        primaries,
        origin,
        opts,
    };
    let roots: Vec<usize> = (0..n)
        .filter(|&i| {
            let v = &views[i];
            v.parent.is_none() && v.active && !v.unverifiable && !in_cycle[i]
        })
        .collect();
    let parts: Vec<Combined> = roots.par_iter().map(|&r| tree.combine_root(r)).collect();
    for p in parts {
        out.views += p.views;
        out.specs += p.specs;
        out.issues.extend(p.issues);
        out.located.extend(p.located);
        out.traces.extend(p.traces);
    }
    out
}

/// The primary view a primary child of `parent` starts from: `parent` itself when primary,
/// else its nearest primary ancestor.
fn base_of(views: &[View], parent: usize) -> usize {
    let mut cur = parent;
    let mut steps = 0;
    while !is_primary(&views[cur]) && steps <= views.len() {
        match views[cur].parent {
            Some(p) => cur = p,
            None => break,
        }
        steps += 1;
    }
    cur
}

/// Parses a view's arch, converting a `<template>` element as `convert.py` does.
pub fn prepare_arch(v: &View) -> Result<Doc, SpecIssue> {
    let text = v
        .arch
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .unwrap_or("<data/>");
    let wrapped;
    let text = if v.wrap_data {
        wrapped = format!("<data>{text}</data>");
        wrapped.as_str()
    } else {
        text
    };
    let doc = Doc::parse(text, v.arch_line.max(1)).map_err(|e| SpecIssue {
        spec: String::new(),
        line: e.line.unwrap_or(v.arch_line),
        problem: Problem::Invalid(format!("the arch is not well-formed XML: {}", e.message)),
        within: None,
    })?;
    if v.template {
        let root = doc.root().expect("parsed documents have a root");
        let full = v.xmlid.clone().unwrap_or_default();
        for a in ["id", "groups", "forcecreate", "context"] {
            root.remove_attribute(a);
        }
        if v.parent.is_none() && v.missing_parent.is_none() {
            root.set("t-name", &full);
            root.set_tag("t");
        } else {
            root.set_tag("data");
        }
        if v.template_primary {
            let spec = Doc::parse(
                "<xpath expr=\".\" position=\"attributes\"><attribute name=\"t-name\"/></xpath>",
                root.line().max(1),
            )
            .map_err(|e| SpecIssue {
                spec: String::new(),
                line: v.arch_line,
                problem: Problem::Invalid(e.message),
                within: None,
            })?;
            let sroot = spec.root().expect("parsed documents have a root");
            if let Some(attr) = sroot.element_children().first() {
                attr.set_text(Some(&full));
            }
            root.append(sroot);
        }
    }
    Ok(doc)
}

impl Tree<'_> {
    fn origin_of(&self, v: usize) -> usize {
        self.views[v]
            .module
            .as_ref()
            .and_then(|m| self.origin.get(m).copied())
            .unwrap_or(0)
    }

    /// Applies view `v`'s arch to `doc`, recording what happened.
    fn apply_view(&self, doc: &mut Doc, v: usize, root: usize, out: &mut Combined) {
        out.views += 1;
        let spec_doc = match prepare_arch(&self.views[v]) {
            Ok(d) => d,
            Err(issue) => {
                out.issues.push(ViewIssue {
                    view: v,
                    root,
                    issue,
                });
                return;
            }
        };
        let Some(spec_root) = spec_doc.root() else {
            return;
        };
        for issue in apply::translated_selectors(spec_root) {
            out.issues.push(ViewIssue {
                view: v,
                root,
                issue,
            });
        }
        let applied = apply::apply(
            doc,
            spec_root,
            Apply {
                dialect: Dialect::Server,
                series: self.opts.series,
                origin: self.origin_of(v),
                trace: self.opts.trace,
                reach: self.opts.reach,
            },
        );
        out.specs += applied.specs;
        out.issues
            .extend(applied.issues.into_iter().map(|issue| ViewIssue {
                view: v,
                root,
                issue,
            }));
        out.located
            .extend(applied.located.into_iter().map(|l| (v, l)));
        out.traces
            .extend(applied.traces.into_iter().map(|t| (v, t)));
    }

    /// Applies the extension tree under `v` (not `v` itself), depth first.
    fn apply_extensions(&self, doc: &mut Doc, v: usize, root: usize, out: &mut Combined) {
        let mut stack: Vec<usize> = self.children[v].iter().rev().copied().collect();
        while let Some(c) = stack.pop() {
            self.apply_view(doc, c, root, out);
            stack.extend(self.children[c].iter().rev().copied());
        }
    }

    /// Combines a top-level view and every primary view based on it, below it.
    fn combine_root(&self, r: usize) -> Combined {
        let mut out = Combined::default();
        let mut doc = match prepare_arch(&self.views[r]) {
            Ok(d) => d,
            Err(issue) => {
                out.views += 1;
                out.issues.push(ViewIssue {
                    view: r,
                    root: r,
                    issue,
                });
                return out;
            }
        };
        out.views += 1;
        if let Some(root) = doc.root() {
            root.mark(self.origin_of(r));
        }
        self.apply_extensions(&mut doc, r, r, &mut out);
        // Primary views below, breadth by breadth, each from a copy of its base.
        let mut work: Vec<(usize, std::rc::Rc<Doc>)> = Vec::new();
        let base = std::rc::Rc::new(doc);
        for &p in self.all_primaries_of(r).iter() {
            work.push((p, base.clone()));
        }
        while let Some((p, base)) = work.pop() {
            let Some(base_root) = base.root() else {
                continue;
            };
            let mut doc = Doc::from_copy(base_root);
            self.apply_view(&mut doc, p, p, &mut out);
            self.apply_extensions(&mut doc, p, p, &mut out);
            let next = self.all_primaries_of(p);
            if !next.is_empty() {
                let shared = std::rc::Rc::new(doc);
                for q in next {
                    work.push((q, shared.clone()));
                }
            }
        }
        out
    }

    /// Primary views whose base is `v`.
    fn all_primaries_of(&self, v: usize) -> Vec<usize> {
        self.primaries[v].clone()
    }
}

/// The serialized combined arch of one primary view (for tests and `--trace-specs`).
pub fn combined_arch(views: &[View], v: usize, opts: Options) -> Option<String> {
    let (_, origin) = origins(views);
    let n = views.len();
    let mut children = vec![Vec::new(); n];
    for (i, w) in views.iter().enumerate() {
        if let Some(p) = w.parent {
            if !is_primary(w) && w.active && same_model(w, &views[p]) {
                children[p].push(i);
            }
        }
    }
    for list in children.iter_mut() {
        list.sort_by_key(|&i| (views[i].priority, views[i].order));
    }
    let tree = Tree {
        views,
        children,
        primaries: vec![Vec::new(); n],
        origin,
        opts,
    };
    let mut chain = vec![v];
    let mut cur = v;
    while let Some(p) = views[cur]
        .parent
        .filter(|_| views[cur].mode == Mode::Primary)
    {
        let b = base_of(views, p);
        chain.push(b);
        cur = b;
        if chain.len() > n {
            return None;
        }
    }
    let mut out = Combined::default();
    let top = *chain.last()?;
    let mut doc = prepare_arch(&views[top]).ok()?;
    tree.apply_extensions(&mut doc, top, top, &mut out);
    for &p in chain.iter().rev().skip(1) {
        let root: Node = doc.root()?;
        let mut next = Doc::from_copy(root);
        tree.apply_view(&mut next, p, p, &mut out);
        tree.apply_extensions(&mut next, p, p, &mut out);
        doc = next;
    }
    doc.root().map(Node::to_xml)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(xmlid: &str, arch: &str, parent: Option<usize>, mode: Mode, priority: i64) -> View {
        View {
            xmlid: Some(xmlid.into()),
            module: xmlid.split('.').next().map(str::to_string),
            link_module: xmlid.split('.').next().map(str::to_string),
            file: None,
            arch: Some(arch.into()),
            arch_line: 1,
            record_line: 1,
            template: false,
            template_primary: false,
            wrap_data: false,
            parent,
            missing_parent: None,
            mode,
            priority,
            active: true,
            model: Some("res.partner".into()),
            order: 0,
            source: Source::Disk,
            db_id: None,
            unverifiable: false,
        }
    }

    fn opts() -> Options<'static> {
        Options {
            series: None,
            trace: false,
            reach: None,
        }
    }

    #[test]
    fn extensions_apply_by_priority_then_order_and_primaries_start_from_their_base() {
        let mut views = vec![
            view(
                "base.form",
                "<form><field name=\"name\"/></form>",
                None,
                Mode::Primary,
                16,
            ),
            view(
                "a.ext",
                "<field name=\"name\" position=\"after\"><field name=\"vat\"/></field>",
                Some(0),
                Mode::Extension,
                16,
            ),
            // Priority 10 comes first although defined later: `vat` does not exist yet.
            view(
                "b.ext",
                "<field name=\"vat\" position=\"after\"><field name=\"x\"/></field>",
                Some(0),
                Mode::Extension,
                10,
            ),
            view(
                "c.primary",
                "<field name=\"vat\" position=\"replace\"/>",
                Some(1),
                Mode::Primary,
                16,
            ),
        ];
        for (i, v) in views.iter_mut().enumerate() {
            v.order = i as i64;
        }
        let c = combine(&views, opts());
        assert_eq!(c.issues.len(), 1, "{:?}", c.issues);
        assert_eq!(c.issues[0].view, 2);
        assert_eq!(c.issues[0].issue.problem, Problem::NotLocated);
        assert_eq!(c.views, 4);
        assert_eq!(
            combined_arch(&views, 3, opts()).unwrap(),
            "<form><field name=\"name\"/></form>"
        );
    }

    #[test]
    fn other_model_extensions_inactive_views_and_cycles() {
        let mut views = vec![
            view(
                "base.form",
                "<form><field name=\"name\"/></form>",
                None,
                Mode::Primary,
                16,
            ),
            view(
                "a.ext",
                "<field name=\"nope\" position=\"after\"/>",
                Some(0),
                Mode::Extension,
                16,
            ),
            view(
                "b.ext",
                "<field name=\"nope\" position=\"after\"/>",
                Some(0),
                Mode::Extension,
                16,
            ),
            view("c.loop1", "<data/>", Some(4), Mode::Extension, 16),
            view("c.loop2", "<data/>", Some(3), Mode::Extension, 16),
        ];
        views[1].model = Some("res.users".into());
        views[2].active = false;
        let c = combine(&views, opts());
        // The other model's extension is applied on its own (when it is requested by id),
        // over the parent: its spec fails there; the inactive one is not applied.
        assert_eq!(c.issues.len(), 1, "{:?}", c.issues);
        assert_eq!(c.issues[0].view, 1);
        assert_eq!(c.cycles, vec![3, 4]);
    }

    #[test]
    fn templates_convert_like_convert_py() {
        let mut views = vec![
            view("web.layout", "<template id=\"layout\"><div class=\"o_main\"/></template>", None, Mode::Primary, 16),
            view("x.more", "<template id=\"more\" inherit_id=\"web.layout\"><xpath expr=\"//div[hasclass('o_main')]\" position=\"inside\"><span/></xpath></template>", Some(0), Mode::Extension, 16),
            view("x.copy", "<template id=\"copy\" inherit_id=\"web.layout\" primary=\"True\"><xpath expr=\"//span\" position=\"replace\"/></template>", Some(0), Mode::Primary, 16),
        ];
        for v in views.iter_mut() {
            v.template = true;
            v.model = None;
        }
        views[2].template_primary = true;
        let c = combine(&views, opts());
        assert!(c.issues.is_empty(), "{:?}", c.issues);
        assert_eq!(
            combined_arch(&views, 0, opts()).unwrap(),
            "<t t-name=\"web.layout\"><div class=\"o_main\"><span/></div></t>"
        );
        assert_eq!(
            combined_arch(&views, 2, opts()).unwrap(),
            "<t t-name=\"x.copy\"><div class=\"o_main\"/></t>"
        );
    }
}
