//! `check-views`: every view and template inheritance Odoo would fail to apply, in one run.
//!
//! - Static mode: the views of the data files of every addon on the path ([`check_static`]),
//!   combined as Odoo does; parents of Odoo's own addons that are not on the path are known
//!   from the catalogue of the series (their XML ids) but cannot be combined: such views are
//!   counted as not verifiable.
//! - Database mode ([`check_database`]): (a) the installed views (`ir_ui_view`) as they are,
//!   (b) the update preview: the views of the installed modules that are on the addons path as
//!   their files say, over what `-u` keeps (noupdate records, views without XML id, modules not
//!   on the path).
//! - Client templates of the backend bundles (and of each test bundle) in both modes, from the
//!   addons on the path; parents of Odoo's Community addons not on the path are known by name
//!   from the catalogue (a name it doesn't list is `X008`).

pub mod apply;
pub mod client;
pub mod combine;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use combine::{Combined, Options, Source, View};

use crate::checks::addons::core::OdooAddons;
use crate::finding::{Finding, Severity};
use crate::load::addons::{Addon, Inventory};
use crate::load::db::{DbDependency, DbModule, DbView};
use crate::load::graph::Graph;
use crate::load::version::Series;
use crate::load::views::{data, templates, ArchSource, Mode, ViewDef};
use crate::rules::views as r;

/// Figures of one run.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Counts {
    /// Server views combined (primary and extension).
    pub views: usize,
    /// Specs applied.
    pub specs: usize,
    /// Specs (and views) that failed.
    pub errors: usize,
    /// Views not combined: a parent's arch is not available.
    pub not_verifiable: usize,
    /// Client templates built, their operations.
    pub templates: usize,
    pub template_specs: usize,
    pub template_errors: usize,
    /// Update preview: views whose arch comes from the files.
    #[serde(skip_serializing_if = "is_zero")]
    pub views_from_files: usize,
    /// Client templates not built: their parent's module is not on the path.
    pub templates_not_verifiable: usize,
    /// XML data files read.
    pub files: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One traced spec, for `--trace-specs`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TraceLine {
    pub view: String,
    pub file: Option<String>,
    pub line: usize,
    pub dialect: &'static str,
    pub source: String,
    pub spec: String,
    pub expr: Option<String>,
    pub located: Option<String>,
    pub error: Option<String>,
}

/// What `check-views` found.
#[derive(Debug, Default)]
pub struct ViewsAnalysis {
    pub findings: Vec<Finding>,
    pub counts: Counts,
    /// The update preview's figures (database mode).
    pub preview: Option<Counts>,
    pub traces: Vec<TraceLine>,
}

/// Settings of a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    /// Load the manifests' `demo` files too.
    pub demo: bool,
    /// Record every spec applied.
    pub trace: bool,
    /// Check client templates.
    pub templates: bool,
}

/// Which rule a failed spec reports, by the state it was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Files on disk (static mode), or the update preview.
    Files,
    /// The installed views of the database as they are.
    Installed,
}

// ------------------------------------------------------------------ building the view list

/// Views from data-file definitions: records of the same XML id merge (a later record writes
/// the fields it sets over the earlier ones), parents resolved by XML id.
struct Built {
    views: Vec<View>,
    /// Parent reference of each view as written (full XML id).
    parent_ref: Vec<Option<String>>,
    by_xmlid: HashMap<String, usize>,
}

/// How `%(xmlid)d` references of an arch read: the record's database id, or (without a
/// database) [`surrogate_id`], the same on both sides of a spec.
type Resolve<'a> = &'a dyn Fn(&str) -> String;

/// A number standing for the database id of `xmlid` when there is no database: stable, and a
/// number like a real id (an unquoted `@name=%(x)d` in an XPath compares numbers).
pub fn surrogate_id(xmlid: &str) -> String {
    // FNV-1a, folded to 9 digits.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in xmlid.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    (1_000_000_000 + h % 9_000_000_000).to_string()
}

/// `xml_import._tag_field`'s `_process` for `type="xml"`: every `%(xmlid)d` / `%(xmlid)s`
/// after a character other than `%` becomes the record's id (`xmlid` resolved against
/// `module`), then `%%` becomes `%`.
pub fn substitute_refs(text: &str, module: &str, resolve: Resolve) -> String {
    if !text.contains('%') {
        return text.to_string();
    }
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"[^%]%\((.*?)\)[ds]").expect("valid regex"));
    let mut s = text.to_string();
    let found: Vec<(String, String)> = re
        .captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?.as_str();
            let first = whole.chars().next()?;
            Some((
                whole[first.len_utf8()..].to_string(),
                c.get(1)?.as_str().to_string(),
            ))
        })
        .collect();
    for (pattern, xmlid) in found {
        let full = if xmlid.contains('.') {
            xmlid
        } else {
            format!("{module}.{xmlid}")
        };
        s = s.replace(&pattern, &resolve(&full));
    }
    s.replace("%%", "%")
}

fn view_from_def(d: &ViewDef, resolve: Resolve) -> View {
    View {
        xmlid: Some(d.xmlid.clone()),
        module: Some(d.module.clone()),
        link_module: Some(d.module.clone()),
        file: Some(d.file.clone()),
        arch: d
            .arch
            .as_deref()
            .map(|a| substitute_refs(a, &d.module, resolve)),
        arch_line: d.arch_line,
        record_line: d.line,
        template: d.arch_source == ArchSource::Template,
        template_primary: d.arch_source == ArchSource::Template && d.mode == Some(Mode::Primary),
        wrap_data: d.arch_source == ArchSource::RecordChildren,
        parent: None,
        missing_parent: None,
        mode: d.mode.unwrap_or(match d.inherit_id.as_deref() {
            Some(p) if !p.is_empty() => Mode::Extension,
            _ => Mode::Primary,
        }),
        priority: d.priority.unwrap_or(16),
        active: d.active.unwrap_or(true),
        model: d.model.clone(),
        order: d.order as i64,
        source: Source::Disk,
        db_id: None,
        unverifiable: false,
    }
}

/// Writes the fields a later definition sets over a view.
fn merge_def(
    v: &mut View,
    parent_ref: &mut Option<String>,
    d: &ViewDef,
    keep_arch: bool,
    resolve: Resolve,
) {
    if let Some(a) = &d.arch {
        if !keep_arch {
            v.arch = Some(substitute_refs(a, &d.module, resolve));
            v.arch_line = d.arch_line;
            v.file = Some(d.file.clone());
            v.module = Some(d.module.clone());
            v.template = d.arch_source == ArchSource::Template;
            v.template_primary = v.template && d.mode == Some(Mode::Primary);
            v.wrap_data = d.arch_source == ArchSource::RecordChildren;
        }
    }
    if let Some(p) = &d.inherit_id {
        *parent_ref = (!p.is_empty()).then(|| p.clone());
        v.link_module = Some(d.module.clone());
        v.record_line = d.line;
        v.file = Some(d.file.clone());
    }
    if let Some(m) = d.mode {
        v.mode = m;
    }
    if let Some(p) = d.priority {
        v.priority = p;
    }
    if let Some(a) = d.active {
        v.active = a;
    }
    if d.model.is_some() {
        v.model = d.model.clone();
    }
}

fn build_from_defs(defs: &[ViewDef], resolve: Resolve) -> Built {
    let mut b = Built {
        views: Vec::new(),
        parent_ref: Vec::new(),
        by_xmlid: HashMap::new(),
    };
    for d in defs {
        match b.by_xmlid.get(&d.xmlid) {
            Some(&i) => {
                let (v, p) = (&mut b.views[i], &mut b.parent_ref[i]);
                merge_def(v, p, d, false, resolve);
            }
            None => {
                b.by_xmlid.insert(d.xmlid.clone(), b.views.len());
                b.views.push(view_from_def(d, resolve));
                b.parent_ref
                    .push(d.inherit_id.clone().filter(|p| !p.is_empty()));
            }
        }
    }
    b
}

/// Where a missing parent's XML id would come from.
enum MissingParent {
    /// Known to exist, but its arch is not available (an Odoo addon not on the path).
    NotAvailable,
    /// Exists nowhere: an error, or a warning when its module is unknown everywhere.
    Missing { severity: Severity, why: String },
}

fn classify_missing(
    xmlid: &str,
    on_path: &dyn Fn(&str) -> bool,
    odoo: &OdooAddons,
    series: Option<Series>,
) -> MissingParent {
    let module = xmlid.split('.').next().unwrap_or("");
    if on_path(module) {
        return MissingParent::Missing {
            severity: Severity::Error,
            why: format!("module {module} is on the addons path and defines no such view"),
        };
    }
    match odoo.get(module) {
        Some(a)
            if a.edition == crate::load::catalogue::Edition::Community
                && !a.views.is_empty()
                && !a.views.iter().any(|v| v == xmlid) =>
        {
            MissingParent::Missing {
                severity: Severity::Error,
                why: format!(
                    "Odoo {} defines no such view in {module}",
                    series.map(|s| s.to_string()).unwrap_or_default()
                ),
            }
        }
        Some(_) => MissingParent::NotAvailable,
        None => MissingParent::Missing {
            severity: Severity::Warning,
            why: format!("module {module} is neither on the addons path nor one of Odoo's"),
        },
    }
}

/// Resolves parents; views under a parent that is missing or not available are marked
/// unverifiable (and their descendants too). Returns the findings and the XML ids of parents
/// not available.
fn resolve_parents(
    b: &mut Built,
    on_path: &dyn Fn(&str) -> bool,
    odoo: &OdooAddons,
    series: Option<Series>,
) -> (Vec<Finding>, BTreeSet<String>) {
    let mut findings = Vec::new();
    let mut not_available = BTreeSet::new();
    for i in 0..b.views.len() {
        let Some(pref) = b.parent_ref[i].clone() else {
            continue;
        };
        match b.by_xmlid.get(&pref) {
            Some(&p) => b.views[i].parent = Some(p),
            None => {
                b.views[i].missing_parent = Some(pref.clone());
                b.views[i].unverifiable = true;
                match classify_missing(&pref, on_path, odoo, series) {
                    MissingParent::NotAvailable => {
                        not_available.insert(pref);
                    }
                    MissingParent::Missing { severity, why } => {
                        let v = &b.views[i];
                        findings.push(
                            located(
                                Finding::new(
                                    &r::PARENT_MISSING,
                                    format!("{} inherits {pref}, which does not exist: {why}", v.label()),
                                ),
                                v,
                                Some(v.record_line),
                            )
                            .severity(severity)
                            .hint(format!(
                                "Use the XML id of the parent view in this series, or add the module that defines {pref}."
                            )),
                        );
                    }
                }
            }
        }
    }
    propagate_unverifiable(&mut b.views);
    (findings, not_available)
}

/// Marks every descendant of an unverifiable view unverifiable.
fn propagate_unverifiable(views: &mut [View]) {
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); views.len()];
    for (i, v) in views.iter().enumerate() {
        if let Some(p) = v.parent {
            kids[p].push(i);
        }
    }
    let mut stack: Vec<usize> = (0..views.len())
        .filter(|&i| views[i].unverifiable)
        .collect();
    let mut seen = HashSet::new();
    while let Some(i) = stack.pop() {
        if !seen.insert(i) {
            continue;
        }
        views[i].unverifiable = true;
        stack.extend(kids[i].iter().copied());
    }
}

/// `f` placed at the view `v` (its module, file, `line` or the arch's line), about the view
/// unless the finding names something more precise.
fn located(f: Finding, v: &View, line: Option<usize>) -> Finding {
    let mut f = f;
    if f.key.is_none() {
        f = f.key(v.label());
    }
    if let Some(m) = &v.module {
        f = f.module(m);
    }
    if let Some(file) = &v.file {
        f = f.file(file);
        f = f.line(line.unwrap_or(v.arch_line));
    }
    f
}

// ------------------------------------------------------------------ findings of a combination

struct Deps {
    closure: HashMap<String, BTreeSet<String>>,
    /// The dependencies of each module that the graph does not hold.
    missing: HashMap<String, BTreeSet<String>>,
}

impl Deps {
    fn new(graph: &Graph, modules: impl IntoIterator<Item = String>) -> Deps {
        let mut closure = HashMap::new();
        let mut missing = HashMap::new();
        for m in modules {
            let c = graph.closure(std::slice::from_ref(&m));
            missing.insert(m.clone(), c.missing);
            closure.insert(m, c.modules);
        }
        Deps { closure, missing }
    }

    /// True when every module `module` needs (itself included) is known and passes `ok`.
    fn all_needed(&self, module: &str, ok: impl Fn(&str) -> bool) -> bool {
        self.missing.get(module).is_some_and(BTreeSet::is_empty)
            && self
                .closure
                .get(module)
                .is_some_and(|c| !c.is_empty() && c.iter().all(|m| ok(m)))
    }

    /// True when `module` depends on `other` (or is it). Unknown modules are given the benefit
    /// of the doubt.
    fn reaches(&self, module: &str, other: &str) -> bool {
        // `base` and `web` are in every database (`web` is a server-wide module).
        module == other
            || other == "base"
            || other == "web"
            || self
                .closure
                .get(module)
                .is_none_or(|c| c.is_empty() || c.contains(other))
    }
}

/// The dependency rule's test between two origins (module indexes + 1, see
/// [`combine::origins`]).
fn reach_of<'a>(names: &'a [String], deps: &'a Deps) -> impl Fn(usize, usize) -> bool + Sync + 'a {
    move |a, b| match (
        a.checked_sub(1).and_then(|a| names.get(a)),
        b.checked_sub(1).and_then(|b| names.get(b)),
    ) {
        (Some(m), Some(o)) => deps.reaches(m, o),
        _ => true,
    }
}

fn report_combination(
    views: &[View],
    c: &Combined,
    stage: Stage,
    deps: Option<&Deps>,
    findings: &mut Vec<Finding>,
) {
    let (modules, _) = combine::origins(views);
    for issue in &c.issues {
        let v = &views[issue.view];
        let parent = v
            .parent
            .map(|p| views[p].label())
            .unwrap_or_else(|| "none".into());
        let rule = match (&issue.issue.problem, stage) {
            (_, Stage::Installed) => &r::INSTALLED_VIEWS_BROKEN,
            (apply::Problem::NotLocated, _) => &r::SPEC_NOT_LOCATED,
            (apply::Problem::Invalid(_), _) => &r::INVALID_SPEC,
            (apply::Problem::TranslatedSelector(_), _) => &r::TRANSLATED_SELECTOR,
        };
        let what = match &issue.issue.problem {
            apply::Problem::NotLocated => "cannot be located in parent view".to_string(),
            p => apply::describe(p),
        };
        let spec = if issue.issue.spec.is_empty() {
            String::new()
        } else {
            format!("Element '{}' ", issue.issue.spec)
        };
        let root = if issue.root != issue.view
            && views[issue.root].xmlid != v.xmlid
            && Some(issue.root) != v.parent
        {
            format!(", combined into {}", views[issue.root].label())
        } else {
            String::new()
        };
        let context = match v.parent {
            Some(_) => format!(" (parent {parent}{root})"),
            None => String::new(),
        };
        let mut msg = format!("{}: {spec}{what}{context}", v.label());
        if stage == Stage::Installed {
            msg = format!("in the database today: {msg}");
        }
        let hint = match &issue.issue.problem {
            apply::Problem::NotLocated => {
                let pfile = v
                    .parent
                    .and_then(|p| views[p].file.as_ref())
                    .map(|f| format!(" ({})", f.display()))
                    .unwrap_or_default();
                format!(
                    "Compare the spec with the combined parent {parent}{pfile}: the node was renamed, moved or removed, or another module adds it."
                )
            }
            _ => rule.fix.to_string(),
        };
        let key = format!("{}|{}", v.label(), issue.issue.spec);
        findings
            .push(located(Finding::new(rule, msg).key(key), v, Some(issue.issue.line)).hint(hint));
    }
    for &i in &c.cycles {
        let v = &views[i];
        findings.push(located(
            Finding::new(
                &r::INHERITANCE_CYCLE,
                format!("{}: following inherit_id comes back to it", v.label()),
            ),
            v,
            None,
        ));
    }
    let Some(deps) = deps else { return };
    let mut seen: HashSet<(usize, String)> = HashSet::new();
    for (i, v) in views.iter().enumerate() {
        let (Some(m), Some(p)) = (&v.link_module, v.parent) else {
            continue;
        };
        if v.unverifiable || !v.active {
            continue;
        }
        if let Some(pm) = &views[p].module {
            if !deps.reaches(m, pm) && seen.insert((i, pm.clone())) {
                findings.push(
                    located(
                        Finding::new(
                            &r::OUTSIDE_DEPENDS,
                            format!(
                                "{} extends {} of module {pm}, which {m} does not depend on",
                                v.label(),
                                views[p].label()
                            ),
                        )
                        .key(format!("{}|{pm}", v.label())),
                        v,
                        None,
                    )
                    .hint(format!("Add '{pm}' to the depends of {m}.")),
                );
            }
        }
    }
    for (i, loc) in &c.located {
        let v = &views[*i];
        let Some(m) = &v.module else { continue };
        let Some(om) = loc.origin.checked_sub(1).and_then(|o| modules.get(o)) else {
            continue;
        };
        if loc.accidental && !deps.reaches(m, om) && seen.insert((*i, om.clone())) {
            findings.push(
                located(
                    Finding::new(
                        &r::OUTSIDE_DEPENDS,
                        format!(
                            "{}: a spec targets a node that module {om} adds, and {m} does not depend on {om}",
                            v.label()
                        ),
                    )
                    .key(format!("{}|{om}", v.label())),
                    v,
                    Some(loc.line),
                )
                .hint(format!("Add '{om}' to the depends of {m}.")),
            );
        }
    }
}

fn traces_of(views: &[View], c: &mut Combined, out: &mut Vec<TraceLine>) {
    for (i, t) in c.traces.drain(..) {
        let v = &views[i];
        out.push(TraceLine {
            view: v.label(),
            file: v.file.as_ref().map(|f| f.display().to_string()),
            line: t.line,
            dialect: "server",
            source: t.source,
            spec: t.spec,
            expr: t.expr,
            located: t.located,
            error: t.error,
        });
    }
}

/// `n` and the noun, singular or plural.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn not_available_finding(parents: &BTreeSet<String>, views: usize) -> Option<Finding> {
    if parents.is_empty() {
        return None;
    }
    let shown: Vec<&str> = parents.iter().take(8).map(String::as_str).collect();
    let more = parents.len().saturating_sub(shown.len());
    Some(
        Finding::new(
            &r::PARENT_NOT_AVAILABLE,
            format!(
                "{} {} of Odoo's own addons that are not on the addons path ({}{}): {} not checked",
                count(views, "view extends", "views extend"),
                count(parents.len(), "view", "views"),
                shown.join(", "),
                if more > 0 {
                    format!(", and {more} more")
                } else {
                    String::new()
                },
                if views == 1 {
                    "its specs were"
                } else {
                    "their specs were"
                }
            ),
        )
        .key("views")
        .hint(r::PARENT_NOT_AVAILABLE.fix),
    )
}

// ------------------------------------------------------------------ static mode

/// Checks the views and templates of the addons on the path.
pub fn check_static(inv: &Inventory, odoo: &OdooAddons, settings: Settings) -> ViewsAnalysis {
    let addons: Vec<&Addon> = inv.addons.values().collect();
    let mut out = ViewsAnalysis::default();
    let disk = data::load_views(inv, &addons, settings.demo);
    out.counts.files = disk.files;
    out.findings.extend(disk.findings);
    let mut built = build_from_defs(&disk.views, &surrogate_id);
    let on_path = |m: &str| inv.addons.contains_key(m);
    let (f, not_available) = resolve_parents(&mut built, &on_path, odoo, inv.series);
    out.findings.extend(f);
    let graph = Graph::with_catalogue(inv, odoo.catalogue(), odoo.enterprise);
    let deps = Deps::new(&graph, inv.addons.keys().cloned());
    let (names, _) = combine::origins(&built.views);
    let reach = reach_of(&names, &deps);
    let mut c = combine::combine(
        &built.views,
        Options {
            series: inv.series,
            trace: settings.trace,
            reach: Some(&reach),
        },
    );
    report_combination(
        &built.views,
        &c,
        Stage::Files,
        Some(&deps),
        &mut out.findings,
    );
    out.counts.views = c.views;
    out.counts.specs = c.specs;
    out.counts.errors = c.issues.len();
    let unverifiable = built.views.iter().filter(|v| v.unverifiable).count();
    out.counts.not_verifiable = unverifiable;
    out.findings
        .extend(not_available_finding(&not_available, unverifiable));
    traces_of(&built.views, &mut c, &mut out.traces);
    if settings.templates {
        check_templates(&addons, odoo, inv.series, settings, &deps, &mut out);
    }
    out
}

// ------------------------------------------------------------------ client templates

/// The series, when the catalogue shows that Odoo defines no client template `parent`, which
/// `module` (a template of a test bundle only when `test`) inherits and whose prefix names an
/// addon not on the path: that addon is a Community addon of Odoo whose templates are
/// catalogued, no Community addon defines the name (names do not always carry the prefix of
/// their module), and nothing else could: Enterprise is not available and every module that
/// `module` needs is on the path or a Community addon of Odoo (an Enterprise addon, or a
/// module known nowhere, may define templates under any prefix).
fn odoo_lacks_template(
    parent: &str,
    module: &str,
    test: bool,
    odoo: &OdooAddons,
    deps: &Deps,
    on_path: &dyn Fn(&str) -> bool,
) -> Option<String> {
    use crate::load::catalogue::Edition;
    let (prefix, _) = parent.split_once('.')?;
    let cat = odoo.catalogue()?;
    let a = cat.addons.get(prefix)?;
    if odoo.enterprise || a.edition != Edition::Community || a.templates.is_empty() {
        return None;
    }
    let community = |m: &str| {
        cat.addons
            .get(m)
            .is_some_and(|a| a.edition == Edition::Community)
    };
    if !deps.all_needed(module, |m| on_path(m) || community(m)) {
        return None;
    }
    let defined = cat.addons.values().any(|a| {
        a.edition == Edition::Community
            && (a.templates.iter().any(|t| t == parent)
                || (test && a.test_templates.iter().any(|t| t == parent)))
    });
    (!defined).then(|| cat.series.clone())
}

fn check_templates(
    addons: &[&Addon],
    odoo: &OdooAddons,
    series: Option<Series>,
    settings: Settings,
    deps: &Deps,
    out: &mut ViewsAnalysis,
) {
    let on_path = |m: &str| addons.iter().any(|a| a.name == m);
    let statics: BTreeMap<String, crate::load::web::assets::StaticFiles> = addons
        .iter()
        .map(|a| (a.name.clone(), crate::load::web::assets::static_files(a)))
        .collect();
    let loaded = templates::load_templates(addons, &statics);
    out.findings.extend(loaded.findings);
    let mut reported: HashSet<(PathBuf, usize, String)> = HashSet::new();
    let mut not_verifiable: BTreeSet<String> = BTreeSet::new();
    for (page_name, page) in client::pages(&loaded.bundles) {
        let test_page = page_name != "backend";
        let browser = series.is_none_or(|s| s.major >= 18);
        let (entries, early) = client::entries(&page, browser);
        // 18.0 builds templates in the browser (templates.js); 16.0 and 17.0 on the server.
        let mut c = if !browser {
            client::combine_sequential(&entries, series, settings.trace)
        } else {
            client::combine(&entries, series, settings.trace)
        };
        if !test_page {
            out.counts.templates += c.templates;
            out.counts.template_specs += c.specs;
        }
        let mut modules: Vec<String> = entries.iter().map(|e| e.def.module.clone()).collect();
        modules.sort();
        modules.dedup();
        for issue in early.iter().chain(c.issues.iter()) {
            let e = &entries[issue.entry];
            if test_page && !e.test {
                continue; // Found on the backend page already.
            }
            let mut what_line = client::describe(&issue.kind);
            if let client::IssueKind::ParentMissing { parent, .. } = &issue.kind {
                let pm = parent.split('.').next().unwrap_or("");
                if !parent.contains('.') || !on_path(pm) {
                    let lacks =
                        odoo_lacks_template(parent, &e.def.module, e.test, odoo, deps, &on_path);
                    let Some(series) = lacks else {
                        if !test_page {
                            not_verifiable.insert(parent.clone());
                            out.counts.templates_not_verifiable += 1;
                        }
                        continue;
                    };
                    what_line.0 = format!("Odoo {series} defines no template {parent} in {pm}");
                }
            }
            let (what, line) = what_line;
            let line = line.unwrap_or(e.def.line);
            if !reported.insert((e.def.file.clone(), line, what.clone())) {
                continue;
            }
            let rule = match &issue.kind {
                client::IssueKind::Spec(s) if s.problem == apply::Problem::NotLocated => {
                    &r::TEMPLATE_SPEC_NOT_LOCATED
                }
                client::IssueKind::Spec(_) | client::IssueKind::Invalid(_) => &r::TEMPLATE_INVALID,
                client::IssueKind::ParentMissing { .. } => &r::TEMPLATE_PARENT_MISSING,
            };
            let name = e
                .def
                .name
                .clone()
                .or_else(|| e.def.inherit.as_ref().map(|p| format!("extension of {p}")))
                .unwrap_or_else(|| "(unnamed)".into());
            let mut f = Finding::new(rule, format!("template {name}: {what}"))
                .key(name.clone())
                .module(&e.def.module)
                .file(&e.def.file)
                .line(line);
            if test_page {
                f = f.severity(Severity::Warning);
                f.message = format!("{} (only {page_name} loads it)", f.message);
            } else {
                out.counts.template_errors += 1;
            }
            out.findings.push(f);
        }
        // Dependency rule: an extension of a template of a module outside the depends.
        if !test_page {
            let by_name: HashMap<&str, &client::Entry> = entries
                .iter()
                .filter(|e| !e.extension)
                .filter_map(|e| e.def.name.as_deref().map(|n| (n, e)))
                .collect();
            for e in &entries {
                let Some(p) = e.def.inherit.as_deref() else {
                    continue;
                };
                let Some(pe) = by_name.get(p) else { continue };
                if !deps.reaches(&e.def.module, &pe.def.module) {
                    out.findings.push(
                        Finding::new(
                            &r::OUTSIDE_DEPENDS,
                            format!(
                                "template {} inherits {p} of module {}, which {} does not depend on",
                                e.def.name.clone().unwrap_or_else(|| format!("extension of {p}")),
                                pe.def.module,
                                e.def.module
                            ),
                        )
                        .key(format!(
                            "{}|{p}",
                            e.def.name.as_deref().unwrap_or_default()
                        ))
                        .module(&e.def.module)
                        .file(&e.def.file)
                        .line(e.def.line)
                        .hint(format!("Add '{}' to the depends of {}.", pe.def.module, e.def.module)),
                    );
                }
            }
        }
        for (i, t) in c.traces.drain(..) {
            let e = &entries[i];
            out.traces.push(TraceLine {
                view: e.def.name.clone().unwrap_or_default(),
                file: Some(e.def.file.display().to_string()),
                line: t.line,
                dialect: "client",
                source: t.source,
                spec: t.spec,
                expr: t.expr,
                located: t.located,
                error: t.error,
            });
        }
        let _ = &modules;
    }
    if !not_verifiable.is_empty() {
        let shown: Vec<&str> = not_verifiable.iter().take(8).map(String::as_str).collect();
        let more = not_verifiable.len().saturating_sub(shown.len());
        out.findings.push(
            Finding::new(
                &r::PARENT_NOT_AVAILABLE,
                format!(
                    "{} {} of modules that are not on the addons path ({}{}): not checked",
                    count(
                        out.counts.templates_not_verifiable,
                        "client template inherits",
                        "client templates inherit"
                    ),
                    count(not_verifiable.len(), "template", "templates"),
                    shown.join(", "),
                    if more > 0 {
                        format!(", and {more} more")
                    } else {
                        String::new()
                    }
                ),
            )
            .key("templates")
            .hint(r::PARENT_NOT_AVAILABLE.fix),
        );
    }
}

// ------------------------------------------------------------------ database mode

fn view_from_row(row: &DbView) -> View {
    View {
        xmlid: row.xmlid.clone(),
        module: row.module.clone(),
        link_module: row.module.clone(),
        file: None,
        arch: row.arch.clone(),
        arch_line: 1,
        record_line: 1,
        template: false,
        template_primary: false,
        wrap_data: false,
        parent: None,
        missing_parent: None,
        mode: if row.mode == "extension" {
            Mode::Extension
        } else {
            Mode::Primary
        },
        priority: row.priority,
        active: row.active,
        model: row.model.clone(),
        order: row.id,
        source: Source::Database,
        db_id: Some(row.id),
        unverifiable: false,
    }
}

/// The installed views as one combination per website: generic views, with a website's own
/// copies replacing the generic views of the same key.
fn db_views(rows: &[DbView], website: Option<i64>) -> (Vec<View>, Vec<Option<i64>>) {
    let specific: HashSet<&str> = rows
        .iter()
        .filter(|r| website.is_some() && r.website_id == website)
        .filter_map(|r| r.key.as_deref())
        .collect();
    let mut kept: Vec<&DbView> = Vec::new();
    for r in rows {
        match r.website_id {
            None => {
                if !r.key.as_deref().is_some_and(|k| specific.contains(k)) {
                    kept.push(r);
                }
            }
            Some(w) => {
                if Some(w) == website {
                    kept.push(r);
                }
            }
        }
    }
    let index: HashMap<i64, usize> = kept.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut views: Vec<View> = kept.iter().map(|r| view_from_row(r)).collect();
    let parents: Vec<Option<i64>> = kept.iter().map(|r| r.inherit_id).collect();
    for (i, p) in parents.iter().enumerate() {
        if let Some(p) = p {
            match index.get(p) {
                Some(&j) => views[i].parent = Some(j),
                None => {
                    views[i].missing_parent = Some(format!("ir.ui.view id {p}"));
                    views[i].unverifiable = true;
                }
            }
        }
    }
    propagate_unverifiable(&mut views);
    (views, parents)
}

/// The database side of `check-views`: installed views as they are, then the update preview.
#[allow(clippy::too_many_arguments)]
pub fn check_database(
    inv: &Inventory,
    odoo: &OdooAddons,
    rows: &[DbView],
    ids: &HashMap<String, i64>,
    modules: &[DbModule],
    dependencies: &[DbDependency],
    series: Option<Series>,
    settings: Settings,
) -> ViewsAnalysis {
    let mut out = ViewsAnalysis::default();
    let installed: BTreeSet<String> = modules
        .iter()
        .filter(|m| matches!(m.state.as_str(), "installed" | "to upgrade" | "to remove"))
        .map(|m| m.name.clone())
        .collect();
    let mut pairs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in dependencies {
        pairs
            .entry(d.module.clone())
            .or_default()
            .push(d.dependency.clone());
    }
    for m in modules {
        pairs.entry(m.name.clone()).or_default();
    }
    let graph = Graph::from_pairs(pairs);
    let deps = Deps::new(&graph, installed.iter().cloned());
    let opts = Options {
        series,
        trace: settings.trace,
        reach: None,
    };
    // (a) today.
    let mut websites: Vec<Option<i64>> = vec![None];
    let mut ws: Vec<i64> = rows.iter().filter_map(|r| r.website_id).collect();
    ws.sort();
    ws.dedup();
    websites.extend(ws.into_iter().map(Some));
    let mut today_failures: HashSet<(Option<i64>, usize)> = HashSet::new();
    for w in &websites {
        let (views, _) = db_views(rows, *w);
        let mut c = combine::combine(&views, opts);
        if w.is_none() {
            out.counts.views = c.views;
            out.counts.specs = c.specs;
            out.counts.not_verifiable = views.iter().filter(|v| v.unverifiable).count();
        }
        let issues: Vec<_> = c
            .issues
            .iter()
            .filter(|i| today_failures.insert((views[i.view].db_id, i.issue.line)))
            .cloned()
            .collect();
        out.counts.errors += issues.len();
        let c2 = Combined {
            issues,
            cycles: if w.is_none() {
                c.cycles.clone()
            } else {
                Vec::new()
            },
            ..Combined::default()
        };
        report_combination(&views, &c2, Stage::Installed, None, &mut out.findings);
        if w.is_none() {
            traces_of(&views, &mut c, &mut out.traces);
        }
    }
    // (b) the update preview.
    let on_path: Vec<&Addon> = inv
        .addons
        .values()
        .filter(|a| installed.contains(&a.name))
        .collect();
    if !on_path.is_empty() {
        let disk = data::load_views(inv, &on_path, settings.demo);
        out.findings.extend(disk.findings);
        out.counts.files = disk.files;
        let resolve = |x: &str| {
            ids.get(x)
                .map(|id| id.to_string())
                .unwrap_or_else(|| surrogate_id(x))
        };
        let (views, preview, overwritten) = preview_views(rows, &disk.views, &resolve, odoo, inv);
        for v in overwritten {
            out.findings.push(
                Finding::new(
                    &r::CUSTOMIZATION_OVERWRITTEN,
                    format!(
                        "{}: its arch was edited in the database; updating {} writes the file's arch over the edit",
                        v.label(),
                        v.module.clone().unwrap_or_default()
                    ),
                )
                .module(v.module.clone().unwrap_or_default())
                .key(v.label())
                .hint(r::CUSTOMIZATION_OVERWRITTEN.fix),
            );
        }
        let (names, _) = combine::origins(&views);
        let reach = reach_of(&names, &deps);
        let c = combine::combine(
            &views,
            Options {
                reach: Some(&reach),
                ..opts
            },
        );
        let fresh: Vec<_> = c
            .issues
            .iter()
            .filter(|i| {
                // Failures the database already has are reported once, as X013.
                views[i.view].source == Source::Disk
                    || !today_failures.contains(&(views[i.view].db_id, i.issue.line))
            })
            .cloned()
            .collect();
        let mut counts = Counts {
            views_from_files: preview,
            views: c.views,
            specs: c.specs,
            errors: fresh.len(),
            not_verifiable: views.iter().filter(|v| v.unverifiable).count(),
            files: out.counts.files,
            ..Counts::default()
        };
        let c2 = Combined {
            issues: fresh,
            located: c.located,
            ..Combined::default()
        };
        let mut preview_findings = Vec::new();
        report_combination(
            &views,
            &c2,
            Stage::Files,
            Some(&deps),
            &mut preview_findings,
        );
        for f in &mut preview_findings {
            if f.is(&r::SPEC_NOT_LOCATED) || f.is(&r::INVALID_SPEC) || f.is(&r::TRANSLATED_SELECTOR)
            {
                f.message = format!("after -u: {}", f.message);
            }
        }
        out.findings.extend(preview_findings);
        if settings.templates {
            let mut tmp = ViewsAnalysis::default();
            check_templates(&on_path, odoo, series, settings, &deps, &mut tmp);
            counts.templates = tmp.counts.templates;
            counts.template_specs = tmp.counts.template_specs;
            counts.template_errors = tmp.counts.template_errors;
            out.counts.templates = tmp.counts.templates;
            out.counts.template_specs = tmp.counts.template_specs;
            out.counts.template_errors = tmp.counts.template_errors;
            counts.templates_not_verifiable = tmp.counts.templates_not_verifiable;
            out.counts.templates_not_verifiable = tmp.counts.templates_not_verifiable;
            out.findings.extend(tmp.findings);
            out.traces.extend(tmp.traces);
        }
        out.preview = Some(counts);
    }
    out
}

/// Views whose arch Odoo writes itself after loading the file (`res.groups` rebuilds the
/// groups view of the user form): an edit in the database is expected, never a customization.
const REGENERATED: &[&str] = &["base.user_groups_view"];

/// The views `-u` of the installed modules on the path would meet: each view of those modules
/// as its files define it (noupdate records and views without XML id keep the database's
/// arch), new views added after the existing ones. Views the files no longer define stay: Odoo
/// deletes them only at the end of the update and applies them until then (and views made by
/// other means, such as website pages' `_inherits` views, are defined by no view record).
/// Returns the views, how many come from files, and the customized views the update overwrites.
fn preview_views(
    rows: &[DbView],
    defs: &[ViewDef],
    resolve: Resolve,
    odoo: &OdooAddons,
    inv: &Inventory,
) -> (Vec<View>, usize, Vec<View>) {
    let (mut views, parents) = db_views(rows, None);
    let mut by_xmlid: HashMap<String, usize> = HashMap::new();
    for (i, v) in views.iter().enumerate() {
        if let Some(x) = &v.xmlid {
            by_xmlid.entry(x.clone()).or_insert(i);
        }
    }
    let row_of: HashMap<i64, &DbView> = rows.iter().map(|r| (r.id, r)).collect();
    let max_id = rows.iter().map(|r| r.id).max().unwrap_or(0);
    let mut parent_ref: Vec<Option<String>> = vec![None; views.len()];
    let mut from_files = 0;
    let mut overwritten = Vec::new();
    for d in defs {
        match by_xmlid.get(&d.xmlid).copied() {
            Some(i) => {
                let row = views[i].db_id.and_then(|id| row_of.get(&id).copied());
                let noupdate = row.and_then(|r| r.noupdate).unwrap_or(false);
                if noupdate {
                    continue;
                }
                if row.and_then(|r| r.arch_updated).unwrap_or(false)
                    && d.arch.is_some()
                    && !REGENERATED.contains(&d.xmlid.as_str())
                {
                    overwritten.push(views[i].clone());
                }
                let mut pref = None;
                merge_def(&mut views[i], &mut pref, d, false, resolve);
                if let Some(p) = pref.or_else(|| d.inherit_id.clone()) {
                    parent_ref[i] = (!p.is_empty()).then_some(p);
                    if parent_ref[i].is_none() {
                        views[i].parent = None;
                    }
                }
                if d.arch.is_some() {
                    views[i].source = Source::Disk;
                    views[i].arch_line = d.arch_line;
                    from_files += 1;
                }
            }
            None => {
                let mut v = view_from_def(d, resolve);
                v.order = max_id + 1 + d.order as i64;
                by_xmlid.insert(d.xmlid.clone(), views.len());
                parent_ref.push(d.inherit_id.clone().filter(|p| !p.is_empty()));
                views.push(v);
                from_files += 1;
            }
        }
    }
    for i in 0..views.len() {
        if let Some(p) = &parent_ref[i] {
            match by_xmlid.get(p) {
                Some(&j) => {
                    views[i].parent = Some(j);
                    views[i].missing_parent = None;
                    views[i].unverifiable = false;
                }
                None => {
                    views[i].missing_parent = Some(p.clone());
                    views[i].unverifiable = true;
                    let _ = classify_missing(p, &|m| inv.addons.contains_key(m), odoo, inv.series);
                }
            }
        } else if i < parents.len() && views[i].parent.is_none() && parents[i].is_some() {
            // A database parent not found among the kept views.
            views[i].unverifiable = true;
        }
    }
    propagate_unverifiable(&mut views);
    (views, from_files, overwritten)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::addons::core::test_catalogue;
    use crate::load::catalogue::Edition;
    use crate::testdata;

    /// An addon `name` depending on `depends` whose backend file extends each of `parents`, and
    /// whose test file extends each of `test_parents`.
    fn addon(
        name: &str,
        depends: &[&str],
        parents: &[&str],
        test_parents: &[&str],
    ) -> Vec<(String, String)> {
        let ext = |ps: &[&str]| {
            let t: String = ps
                .iter()
                .map(|p| format!("<t t-inherit=\"{p}\" t-inherit-mode=\"extension\"><xpath expr=\".\" position=\"inside\"><b/></xpath></t>\n"))
                .collect();
            format!("<templates>\n{t}</templates>\n")
        };
        let assets = format!(
            "'assets': {{'web.assets_backend': ['{name}/static/src/*.xml'], 'web.assets_unit_tests': ['{name}/static/tests/*.xml']}}"
        );
        vec![
            (
                format!("{name}/__manifest__.py"),
                testdata::manifest(depends, &assets),
            ),
            (format!("{name}/static/src/t.xml"), ext(parents)),
            (format!("{name}/static/tests/t.xml"), ext(test_parents)),
        ]
    }

    fn x008(files: &[Vec<(String, String)>], enterprise: bool) -> Vec<(String, Severity, String)> {
        let files: Vec<(&str, &str)> = files
            .iter()
            .flatten()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let (_d, inv) = testdata::addons(&files);
        let mut cat = test_catalogue(&[
            ("base", Edition::Community, &[], &[]),
            ("web", Edition::Community, &["base"], &[]),
            ("mail", Edition::Community, &["web"], &[]),
            ("other", Edition::Community, &["web"], &[]),
            ("bare", Edition::Community, &["web"], &[]),
            ("ent", Edition::Enterprise, &["web"], &[]),
        ]);
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let web = cat.addons.get_mut("web").unwrap();
        web.templates = names(&["web.Foo", "web.Kept"]);
        web.test_templates = names(&["web.TestHelper"]);
        cat.addons.get_mut("mail").unwrap().templates = names(&["mail.Chatter"]);
        // Names do not always carry the prefix of the module defining them.
        cat.addons.get_mut("other").unwrap().templates = names(&["web.Moved"]);
        let odoo = OdooAddons::new(Some(cat), enterprise);
        let settings = Settings {
            templates: true,
            ..Settings::default()
        };
        let got = check_static(&inv, &odoo, settings);
        let mut out: Vec<(String, Severity, String)> = got
            .findings
            .iter()
            .filter(|f| f.is(&r::TEMPLATE_PARENT_MISSING))
            .map(|f| {
                (
                    f.module.clone().unwrap_or_default(),
                    f.severity,
                    f.message.clone(),
                )
            })
            .collect();
        // Sorted by module, severity (warnings first), message.
        out.sort();
        out
    }

    #[test]
    fn t_inherit_of_a_template_odoo_does_not_define() {
        // Not errors: a listed name (web.Foo), one another addon defines (web.Moved), a name
        // without module, a prefix whose addon has no catalogued templates (bare) or is
        // Enterprise (ent); on the test page, test-only and backend names.
        let files = [
            addon(
                "a",
                &["mail"],
                &[
                    "web.Foo",
                    "web.Gone",
                    "web.Moved",
                    "NoDot",
                    "mail.Gone",
                    "bare.Gone",
                    "ent.Gone",
                ],
                &["web.TestHelper", "web.Kept", "web.GoneTest"],
            ),
            // An Enterprise addon, or a module known nowhere, could define any name.
            addon("b", &["ent"], &["web.Gone"], &[]),
            addon("c", &["somewhere"], &["web.Gone"], &[]),
        ];
        let msg = |parent: &str, m: &str| {
            format!("template extension of {parent}: Odoo 18.0 defines no template {parent} in {m}")
        };
        assert_eq!(
            x008(&files, false),
            [
                (
                    "a".to_string(),
                    Severity::Warning,
                    format!(
                        "{} (only web.assets_unit_tests loads it)",
                        msg("web.GoneTest", "web")
                    )
                ),
                ("a".to_string(), Severity::Error, msg("mail.Gone", "mail")),
                ("a".to_string(), Severity::Error, msg("web.Gone", "web")),
            ]
        );
        // With Enterprise available, Enterprise's uncatalogued templates could be any of them.
        assert!(x008(&files, true).is_empty());
    }
}
