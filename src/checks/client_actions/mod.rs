//! Client actions, field widgets and view classes against the registrations that the backend
//! web client loads.
//!
//! Handlers come from the JavaScript of every addon ([`crate::load::web::js_scan`]), each tagged with how
//! the backend loads its file ([`crate::load::web::assets`]). Uses come from the XML data files the
//! manifests list (`ir.actions.client` records, `widget=` and `js_class=` in views), from Python
//! code returning `{'type': 'ir.actions.client', 'tag': …}`, and in database mode from
//! `ir_act_client` with the owning module and the menus that open each action.
//!
//! A key used by module M is satisfied by a backend-loaded handler in M or a module M depends on
//! (transitively; `web` always counts, it is installed in every database), or in database mode
//! by one in an installed module. When nothing on the addons path registers a key and modules M
//! depends on (or installed modules) are missing from the path, the key is "not verifiable"
//! rather than wrong.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use rayon::prelude::*;

use crate::exit::Fatal;
use crate::finding::{Finding, Severity};
use crate::load::addons::{Addon, Inventory};
use crate::load::db::{Database, DbClientAction};
use crate::load::fsread;
use crate::load::graph::Graph;
use crate::load::web::assets::{self, Assembler, Load, StaticFiles};
use crate::load::web::js_scan::{self, Registry};
use crate::load::xmlread;
use crate::rules::client_actions as r;

/// A backend-visible (or not) registration of a literal key.
#[derive(Debug, Clone)]
pub struct Handler {
    pub registry: Registry,
    pub key: String,
    pub module: String,
    pub file: PathBuf,
    pub line: usize,
    pub load: Load,
    pub via: String,
}

/// A registration with a computed key.
#[derive(Debug, Clone)]
pub struct DynamicRegistration {
    pub registry: Registry,
    pub expr: String,
    pub module: String,
    pub file: PathBuf,
    pub line: usize,
    pub load: Load,
}

/// Every registration found on the addons paths.
#[derive(Debug, Default)]
pub struct Handlers {
    by_key: HashMap<(Registry, String), Vec<Handler>>,
    /// `fields` keys registered with a view-type prefix (`list.many2many_tags`), by suffix.
    by_suffix: HashMap<String, Vec<Handler>>,
    pub dynamic: Vec<DynamicRegistration>,
    pub js_files: usize,
    pub js_files_tokenized: usize,
    pub registrations: usize,
    pub backend_files: usize,
    /// Files that could not be walked or read (links out of an addon, FIFOs, oversize files…).
    pub findings: Vec<Finding>,
}

impl Handlers {
    /// The handlers that can serve `key` in `registry` (for field widgets, also the
    /// `<view type or js_class>.key` registrations).
    pub fn lookup(&self, registry: Registry, key: &str) -> Vec<&Handler> {
        let mut out: Vec<&Handler> = self
            .by_key
            .get(&(registry, key.to_string()))
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        if registry == Registry::Fields {
            if let Some(v) = self.by_suffix.get(key) {
                out.extend(v.iter());
            }
        }
        out
    }

    /// Every literal handler, sorted by registry, key, module, file, line.
    pub fn all(&self) -> Vec<&Handler> {
        let mut v: Vec<&Handler> = self.by_key.values().flatten().collect();
        v.sort_by(|a, b| {
            (a.registry, &a.key, &a.module, &a.file, a.line)
                .cmp(&(b.registry, &b.key, &b.module, &b.file, b.line))
        });
        v
    }
}

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
    fn noun(self) -> &'static str {
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

/// How a use fares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    NotADependency,
    NotVerifiable,
    HandlerNotInstalled,
    TestBundleOnly,
    OutsideBackend,
    Missing,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NotADependency => "not a dependency",
            Status::NotVerifiable => "not verifiable",
            Status::HandlerNotInstalled => "handler not installed",
            Status::TestBundleOnly => "test bundle only",
            Status::OutsideBackend => "outside backend bundles",
            Status::Missing => "not registered",
        }
    }
    /// True when the use fails in the browser.
    pub fn is_broken(self) -> bool {
        matches!(
            self,
            Status::HandlerNotInstalled
                | Status::TestBundleOnly
                | Status::OutsideBackend
                | Status::Missing
        )
    }
}

/// One checked use.
#[derive(Debug, Clone)]
pub struct Checked {
    pub use_: Use,
    pub status: Status,
    /// `module: file:line` of the handler that decided the status, if any.
    pub handler: Option<String>,
}

/// Everything the check found, for the command and for other features (parity).
#[derive(Debug, Default)]
pub struct ClientActionsAnalysis {
    pub checked: Vec<Checked>,
    pub findings: Vec<Finding>,
    pub handlers: Handlers,
    /// Client actions checked / satisfied / broken.
    pub actions_checked: usize,
    pub actions_valid: usize,
    pub actions_broken: usize,
    pub actions_not_verifiable: usize,
    pub widgets_checked: usize,
    pub views_checked: usize,
}

/// What the check knows of the addons path and of the modules that are not on it.
#[derive(Debug, Clone, Default)]
pub struct PathScope {
    /// The addons path is the server's own, complete one (its odoo.conf, or said so on the
    /// command line): Odoo serves JavaScript from disk, so a module missing from it registers
    /// nothing, and a key nothing on it registers is missing for real.
    pub complete: bool,
    /// Database mode: each module's dependencies as the database records them, to tell which
    /// installed modules missing from the path depend on a using module. `None` when unknown:
    /// then every installed module missing from the path may register any key.
    pub db_depends: Option<BTreeMap<String, BTreeSet<String>>>,
}

impl PathScope {
    /// The dependencies of `ir_module_module_dependency`, by module.
    pub fn depends_from(
        rows: &[crate::load::db::DbDependency],
    ) -> BTreeMap<String, BTreeSet<String>> {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in rows {
            m.entry(r.module.clone())
                .or_default()
                .insert(r.dependency.clone());
        }
        m
    }
}

/// Which modules are installed, in database mode.
pub struct Installed<'a> {
    pub modules: &'a BTreeSet<String>,
}

/// Scans the JavaScript of every addon. `installed` limits the bundles to the installed addons
/// (database mode); otherwise every installable addon takes part.
pub fn scan_handlers(inv: &Inventory, installed: Option<&BTreeSet<String>>) -> Handlers {
    let addons: Vec<&Addon> = inv.addons.values().collect();
    let statics: BTreeMap<String, StaticFiles> = addons
        .par_iter()
        .map(|a| (a.name.clone(), assets::static_files(a)))
        .collect();
    let taking_part: Vec<&Addon> = addons
        .iter()
        .copied()
        .filter(|a| match installed {
            Some(set) => set.contains(&a.name),
            None => a.manifest.installable,
        })
        .collect();
    // Which bundles load each file; computed while the files are read.
    let bundle_maps = || {
        let asm = Assembler::new(&taking_part, &statics);
        let map = asm.bundle_map();
        // Database mode: files of addons that are not installed are judged as if their addon were
        // installed, to tell "registered by a module that is not installed" apart.
        let all_map = installed.map(|_| {
            let installable: Vec<&Addon> = addons
                .iter()
                .copied()
                .filter(|a| a.manifest.installable)
                .collect();
            Assembler::new(&installable, &statics).bundle_map()
        });
        (map, all_map)
    };
    // (module, web path, absolute path) of every JS file.
    let files: Vec<(&str, &str, &Path)> = statics
        .iter()
        .flat_map(|(m, st)| {
            st.files
                .iter()
                .filter(|(w, _)| w.ends_with(".js"))
                .map(move |(w, p)| (m.as_str(), w.as_str(), p.as_path()))
        })
        .collect();

    // Pass 1: read every file once; scan those that can register a key or define an alias or a
    // helper (they name a registry category or a legacy registry), looking only around those
    // names where possible.
    enum Depth {
        Unread,
        Sparse,
        Whole,
    }
    let unread = std::sync::Mutex::new(Vec::new());
    let read_all = || -> Vec<(Depth, js_scan::FileScan)> {
        files
            .par_iter()
            .map(|(m, _, p)| {
                fsread::with_text(p, fsread::SOURCE_MAX, |text| {
                    match js_scan::scan_sparse(text) {
                        Some(s) => (Depth::Sparse, s),
                        None => (Depth::Whole, js_scan::scan(text)),
                    }
                })
                .unwrap_or_else(|e| {
                    if let Ok(mut u) = unread.lock() {
                        u.push(e.finding(p).module(*m));
                    }
                    (Depth::Unread, js_scan::FileScan::default())
                })
            })
            .collect()
    };
    let ((map, all_map), mut slots) = rayon::join(bundle_maps, read_all);
    // Next passes: files that mention an exported alias or a helper found so far may use it
    // (import it, call it): read them again and scan them whole. Repeat while new names appear
    // (a helper built on an imported alias).
    let mut known: std::collections::HashSet<String> = std::collections::HashSet::new();
    loop {
        let mut fresh: Vec<String> = Vec::new();
        for (_, s) in &slots {
            let names = s
                .exported_aliases
                .iter()
                .map(|(n, _)| n)
                .chain(s.helpers.iter().map(|h| &h.name));
            for n in names {
                if known.insert(n.clone()) {
                    fresh.push(n.clone());
                }
            }
        }
        if fresh.is_empty() {
            break;
        }
        let Ok(finder) = aho_corasick::AhoCorasick::new(&fresh) else {
            break;
        };
        slots
            .par_iter_mut()
            .zip(files.par_iter())
            .filter(|(slot, _)| matches!(slot.0, Depth::Sparse))
            .for_each(|(slot, (_, _, p))| {
                let whole = fsread::with_text(p, fsread::SOURCE_MAX, |t| {
                    finder.is_match(t).then(|| js_scan::scan(t))
                });
                if let Ok(Some(s)) = whole {
                    *slot = (Depth::Whole, s);
                }
            });
    }
    let scans: Vec<js_scan::FileScan> = slots.into_iter().map(|(_, s)| s).collect();
    let tokenized = scans
        .iter()
        .filter(|s| !s.registrations.is_empty() || !s.calls.is_empty() || !s.alias_calls.is_empty())
        .count();

    let mut findings: Vec<Finding> = statics
        .values()
        .flat_map(|st| st.findings.iter().cloned())
        .collect();
    findings.extend(unread.into_inner().unwrap_or_default());
    let mut h = Handlers {
        js_files: files.len(),
        js_files_tokenized: tokenized,
        backend_files: map.backend_len(),
        findings,
        ..Handlers::default()
    };
    for res in js_scan::resolve(&scans) {
        let (module, web, path) = files[res.file];
        let reg = res.registration;
        let load = match (installed, &all_map) {
            (Some(set), Some(all)) if !set.contains(module) => all.load(web),
            _ => map.load(web),
        };
        h.registrations += 1;
        match reg.key {
            Some(key) => {
                let handler = Handler {
                    registry: reg.registry,
                    key: key.clone(),
                    module: module.to_string(),
                    file: path.to_path_buf(),
                    line: reg.line,
                    load,
                    via: reg.via,
                };
                if reg.registry == Registry::Fields {
                    if let Some((_, suffix)) = key.rsplit_once('.') {
                        h.by_suffix
                            .entry(suffix.to_string())
                            .or_default()
                            .push(handler.clone());
                    }
                }
                h.by_key
                    .entry((reg.registry, key))
                    .or_default()
                    .push(handler);
            }
            None => h.dynamic.push(DynamicRegistration {
                registry: reg.registry,
                expr: reg.expr,
                module: module.to_string(),
                file: path.to_path_buf(),
                line: reg.line,
                load,
            }),
        }
    }
    h
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
            for rel in a.manifest.data.iter().chain(a.manifest.demo.iter()) {
                if !rel.ends_with(".xml") {
                    continue;
                }
                let file = a.dir.join(rel);
                let read = root.with_text(&file, fsread::SOURCE_MAX, |text| {
                    // Only files that name one of the looked-up attributes or models are parsed.
                    let b = text.as_bytes();
                    let relevant = ["ir.actions.client", "widget", "js_class"]
                        .iter()
                        .any(|w| memchr::memmem::find(b, w.as_bytes()).is_some());
                    if relevant {
                        xml_uses(&a.name, &file, text, &mut out)
                    } else {
                        Ok(())
                    }
                });
                match read {
                    Err(e) => findings.push(e.finding(&file).module(&a.name)),
                    Ok(Err(e)) => findings.push(
                        Finding::new(
                            &r::DATA_FILE_NOT_PARSED,
                            format!("XML data file not parsed: {e}; its uses were not checked"),
                        )
                        .module(&a.name)
                        .file(&file),
                    ),
                    Ok(Ok(())) => {}
                }
            }
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

fn describe_handler(h: &Handler) -> String {
    format!("{}: {}:{}", h.module, h.file.display(), h.line)
}

fn describe_load(load: &Load) -> String {
    match load {
        Load::Backend => "a backend bundle".into(),
        Load::TestOnly(b) => format!("only the test bundle(s) {}", b.join(", ")),
        Load::Other(b) => format!("only {} (not loaded by the backend)", b.join(", ")),
        Load::Unbundled => "no bundle".into(),
    }
}

/// The context a use is checked in.
struct Judge<'a> {
    graph: Graph,
    handlers: &'a Handlers,
    /// Database mode: installed modules.
    installed: Option<&'a BTreeSet<String>>,
    scope: &'a PathScope,
    /// Database mode: installed modules on no addons path, each with the modules it needs
    /// (itself included) by the database's dependencies, when known.
    absent: Vec<(String, Option<BTreeSet<String>>)>,
    /// [`Judge::reach`] per using module.
    reach_cache: RefCell<HashMap<Option<String>, Rc<Reach>>>,
}

/// What a module can rely on: itself, its dependencies, `web` and `base` (`modules`); and the
/// modules not on the addons path that could register a key for it (`missing`): those of its
/// dependencies, and in database mode the installed ones that depend on it (all of them for an
/// action without a module, or when the database's dependencies are unknown).
struct Reach {
    modules: BTreeSet<String>,
    missing: BTreeSet<String>,
}

struct Verdict {
    status: Status,
    handler: Option<String>,
    finding: Option<Finding>,
}

impl Judge<'_> {
    /// What a module can rely on (computed once per module).
    fn reach(&self, module: Option<&str>) -> Rc<Reach> {
        let key = module.map(str::to_string);
        if let Some(r) = self.reach_cache.borrow().get(&key) {
            return r.clone();
        }
        let mut roots = vec!["web".to_string(), "base".to_string()];
        if let Some(m) = module {
            roots.push(m.to_string());
        }
        let c = self.graph.closure(&roots);
        let mut missing = c.missing;
        for (a, needs) in &self.absent {
            let could = match (module, needs) {
                (Some(m), Some(needs)) => needs.contains(m),
                _ => true,
            };
            if could {
                missing.insert(a.clone());
            }
        }
        let r = Rc::new(Reach {
            modules: c.modules,
            missing,
        });
        self.reach_cache.borrow_mut().insert(key, r.clone());
        r
    }

    /// Installed modules that are not on the addons path (database mode).
    fn installed_missing(&self) -> BTreeSet<String> {
        self.absent.iter().map(|(a, _)| a.clone()).collect()
    }

    /// Database mode: the installed modules on no addons path, with what each needs by the
    /// database's dependencies (when known).
    fn absent_modules(
        inv: &Inventory,
        installed: Option<&BTreeSet<String>>,
        scope: &PathScope,
    ) -> Vec<(String, Option<BTreeSet<String>>)> {
        let Some(installed) = installed else {
            return Vec::new();
        };
        installed
            .iter()
            .filter(|m| !inv.knows(m))
            .map(|m| {
                let needs = scope.db_depends.as_ref().map(|deps| {
                    let mut seen: BTreeSet<String> = BTreeSet::new();
                    let mut todo = vec![m.clone()];
                    while let Some(x) = todo.pop() {
                        if seen.insert(x.clone()) {
                            todo.extend(deps.get(&x).into_iter().flatten().cloned());
                        }
                    }
                    seen
                });
                (m.clone(), needs)
            })
            .collect()
    }

    fn judge(&self, u: &Use) -> Verdict {
        let registry = u.kind.registry();
        let hs = self.handlers.lookup(registry, &u.key);
        let usable = |h: &&Handler| self.installed.is_none_or(|s| s.contains(&h.module));
        let backend: Vec<&Handler> = hs
            .iter()
            .copied()
            .filter(|h| h.load == Load::Backend)
            .filter(usable)
            .collect();
        let reach = self.reach(u.module.as_deref());
        let (closure, missing) = (&reach.modules, &reach.missing);
        let noun = u.kind.noun();
        let mk = |rule: &'static crate::rules::Rule, msg: String| {
            let mut f = Finding::new(rule, msg);
            if let Some(m) = &u.module {
                f = f.module(m);
            }
            if let Some(p) = &u.file {
                f = f.file(p);
            }
            if let Some(l) = u.line {
                f = f.line(l);
            }
            f
        };
        let what = format!("{} `{}`{}", u.kind.as_str(), u.key, menus_suffix(u));
        let missing_list = short_list(missing);

        // Satisfied by a handler the module can rely on.
        let relied = backend.iter().find(|h| match (&u.module, self.installed) {
            (None, _) => true,
            (Some(_), _) => closure.contains(&h.module),
        });
        if let Some(h) = relied {
            return Verdict {
                status: Status::Ok,
                handler: Some(describe_handler(h)),
                finding: None,
            };
        }
        if let Some(h) = backend.first() {
            let user = u.module.as_deref().unwrap_or("?");
            return Verdict {
                status: Status::NotADependency,
                handler: Some(describe_handler(h)),
                finding: Some(
                    mk(
                        &r::NOT_A_DEPENDENCY,
                        format!(
                            "{what} is registered only by module {} ({}:{}), which {user} does not depend on: it works only where {} is installed",
                            h.module,
                            h.file.display(),
                            h.line,
                            h.module
                        ),
                    )
                    .hint(format!("add '{}' to `depends` of {user}", h.module)),
                ),
            };
        }
        let unsure = !missing.is_empty() && !self.scope.complete;
        let soften = |f: Finding| {
            if unsure {
                Finding {
                    severity: Severity::Warning,
                    message: format!(
                        "{} (unless {missing_list}, not on the addons path, registers it too)",
                        f.message
                    ),
                    ..f
                }
            } else {
                f
            }
        };
        // Database mode: registered in a module that is not installed.
        if self.installed.is_some() {
            if let Some(h) = hs.iter().find(|h| h.load == Load::Backend) {
                return Verdict {
                    status: Status::HandlerNotInstalled,
                    handler: Some(describe_handler(h)),
                    finding: Some(
                        mk(
                            &r::HANDLER_NOT_INSTALLED,
                            format!(
                                "{what} is registered only by module {} ({}:{}), which is not installed",
                                h.module,
                                h.file.display(),
                                h.line
                            ),
                        )
                        .hint(format!("install {} (or depend on it)", h.module)),
                    ),
                };
            }
        }
        if let Some(h) = hs.iter().find(|h| matches!(h.load, Load::TestOnly(_))) {
            return Verdict {
                status: Status::TestBundleOnly,
                handler: Some(describe_handler(h)),
                finding: Some(soften(mk(
                    &r::TEST_BUNDLE_ONLY,
                    format!(
                        "{what} is registered only in {}:{}, which {} loads",
                        h.file.display(),
                        h.line,
                        describe_load(&h.load)
                    ),
                ))),
            };
        }
        if let Some(h) = hs.first() {
            return Verdict {
                status: Status::OutsideBackend,
                handler: Some(describe_handler(h)),
                finding: Some(soften(mk(
                    &r::OUTSIDE_BACKEND,
                    format!(
                        "{what} is registered only in {}:{}, which {} loads",
                        h.file.display(),
                        h.line,
                        describe_load(&h.load)
                    ),
                ))),
            };
        }
        if unsure {
            return Verdict {
                status: Status::NotVerifiable,
                handler: None,
                finding: (u.kind == UseKind::Action).then(|| {
                    mk(
                        &r::NOT_VERIFIABLE,
                        format!(
                            "{what}: not verifiable: no module on the addons path registers this {noun} in the `{}` registry, and module(s) {missing_list} {} not on the addons path",
                            registry.as_str(),
                            if missing.len() == 1 { "is" } else { "are" }
                        ),
                    )
                }),
            };
        }
        let rule = match u.kind {
            UseKind::Action => &r::TAG_NOT_REGISTERED,
            UseKind::Widget => &r::UNKNOWN_WIDGET,
            UseKind::JsClass => &r::UNKNOWN_JS_CLASS,
        };
        // A complete path: the modules missing from it serve no JavaScript; name them.
        let absent: BTreeSet<String> = missing
            .iter()
            .cloned()
            .chain(self.installed_missing())
            .collect();
        let (list, are) = (
            short_list(&absent),
            if absent.len() == 1 { "is" } else { "are" },
        );
        let absent_note = match (absent.is_empty(), self.scope.complete) {
            (true, _) => String::new(),
            (false, true) => format!(
                "; module(s) {list} {are} on no addons path of the server, so Odoo serves none of their JavaScript"
            ),
            (false, false) => format!(
                "; module(s) {list}, not on the addons path, cannot register it for {}: {} neither among its dependencies nor depending on it",
                u.module.as_deref().unwrap_or("?"),
                if absent.len() == 1 { "it is" } else { "they are" }
            ),
        };
        Verdict {
            status: Status::Missing,
            handler: None,
            finding: Some(mk(
                rule,
                format!(
                    "{what} is registered by no module in the `{}` registry of a backend bundle{absent_note}",
                    registry.as_str()
                ),
            )),
        }
    }
}

/// `a, b, c` — at most 8 names, then the count.
fn short_list(names: &BTreeSet<String>) -> String {
    let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
    if names.len() > shown.len() {
        format!("{}, … ({} in all)", shown.join(", "), names.len())
    } else {
        shown.join(", ")
    }
}

fn menus_suffix(u: &Use) -> String {
    match &u.action {
        None => String::new(),
        Some(a) => {
            let id = a
                .xmlid
                .clone()
                .unwrap_or_else(|| format!("ir.actions.client id {}", a.id));
            if a.menus.is_empty() {
                format!(" (action {id}, no menu opens it)")
            } else {
                format!(" (action {id}; menus that break: {})", a.menus.join("; "))
            }
        }
    }
}

/// Checks a set of uses against the handlers.
fn check_uses(
    inv: &Inventory,
    mut handlers: Handlers,
    uses: Vec<Use>,
    installed: Option<&BTreeSet<String>>,
    scope: &PathScope,
) -> ClientActionsAnalysis {
    let file_findings = std::mem::take(&mut handlers.findings);
    let judge = Judge {
        graph: Graph::from_inventory(inv),
        handlers: &handlers,
        installed,
        scope,
        absent: Judge::absent_modules(inv, installed, scope),
        reach_cache: RefCell::default(),
    };
    let mut a = ClientActionsAnalysis {
        findings: file_findings,
        ..ClientActionsAnalysis::default()
    };
    // Not verifiable widgets/js_classes: one info finding per module and kind.
    let mut unverifiable: BTreeMap<(String, UseKind), (BTreeSet<String>, usize)> = BTreeMap::new();
    for u in uses {
        let v = judge.judge(&u);
        match u.kind {
            UseKind::Action => {
                a.actions_checked += 1;
                if v.status.is_broken() {
                    a.actions_broken += 1;
                } else if v.status == Status::NotVerifiable {
                    a.actions_not_verifiable += 1;
                } else {
                    a.actions_valid += 1;
                }
            }
            UseKind::Widget => a.widgets_checked += 1,
            UseKind::JsClass => a.views_checked += 1,
        }
        if v.status == Status::NotVerifiable && u.kind != UseKind::Action {
            let e = unverifiable
                .entry((u.module.clone().unwrap_or_default(), u.kind))
                .or_default();
            e.0.insert(u.key.clone());
            e.1 += 1;
        }
        a.findings.extend(v.finding);
        a.checked.push(Checked {
            use_: u,
            status: v.status,
            handler: v.handler,
        });
    }
    for ((module, kind), (keys, n)) in unverifiable {
        let missing = judge.reach(Some(&module)).missing.clone();
        let shown: Vec<&str> = keys.iter().take(12).map(String::as_str).collect();
        let more = if keys.len() > shown.len() {
            format!(", … ({} in all)", keys.len())
        } else {
            String::new()
        };
        a.findings.push(
            Finding::new(
                &r::NOT_VERIFIABLE,
                format!(
                    "{n} {} use(s) not verifiable ({}{more}): registered by no module on the addons path, and module(s) {} not on it",
                    kind.as_str(),
                    shown.join(", "),
                    short_list(&missing)
                ),
            )
            .module(module),
        );
    }
    for d in &handlers.dynamic {
        if d.load != Load::Backend {
            continue;
        }
        a.findings.push(
            Finding::new(
                &r::DYNAMIC_REGISTRATION,
                format!(
                    "registration into the `{}` registry with a computed key `{}`: not checked",
                    d.registry.as_str(),
                    d.expr
                ),
            )
            .module(&d.module)
            .file(&d.file)
            .line(d.line),
        );
    }
    a.handlers = handlers;
    a
}

/// Static mode (no database): uses from the addons' XML data files and Python code, with a
/// partial addons path.
pub fn check_static(inv: &Inventory) -> ClientActionsAnalysis {
    check_static_in(inv, &PathScope::default())
}

/// [`check_static`] with what is known of the addons path.
pub fn check_static_in(inv: &Inventory, scope: &PathScope) -> ClientActionsAnalysis {
    let (mut handlers, (uses, unread)) =
        rayon::join(|| scan_handlers(inv, None), || static_uses(inv, None));
    handlers.findings.extend(unread);
    check_uses(inv, handlers, uses, None, scope)
}

/// Database mode: the client actions of `ir_act_client` (with their owners and menus), plus
/// the widgets and view classes of the installed addons' views.
pub fn check_database(db: &mut Database, inv: &Inventory) -> Result<ClientActionsAnalysis, Fatal> {
    let modules = db.modules()?;
    let actions = db.client_actions()?;
    let scope = PathScope {
        complete: false,
        db_depends: Some(PathScope::depends_from(&db.dependencies()?)),
    };
    Ok(check_database_rows_in(
        inv,
        &installed_modules(&modules),
        actions,
        &scope,
    ))
}

/// The modules installed in the database (`installed`, `to upgrade`, `to remove`).
pub fn installed_modules(modules: &[crate::load::db::DbModule]) -> BTreeSet<String> {
    modules
        .iter()
        .filter(|m| crate::checks::db::versions::is_installed_state(&m.state))
        .map(|m| m.name.clone())
        .collect()
}

/// [`check_database`] once the rows are loaded, with a partial addons path and no dependencies
/// from the database.
pub fn check_database_rows(
    inv: &Inventory,
    installed: &BTreeSet<String>,
    actions: Vec<DbClientAction>,
) -> ClientActionsAnalysis {
    check_database_rows_in(inv, installed, actions, &PathScope::default())
}

/// [`check_database_rows`] with what is known of the addons path. With the server's complete
/// path, each installed module on no addons path is a finding ([`crate::rules::db::INSTALLED_WITHOUT_CODE`]).
pub fn check_database_rows_in(
    inv: &Inventory,
    installed: &BTreeSet<String>,
    actions: Vec<DbClientAction>,
    scope: &PathScope,
) -> ClientActionsAnalysis {
    let (mut handlers, (mut uses, unread)) = rayon::join(
        || scan_handlers(inv, Some(installed)),
        || static_uses(inv, Some(installed)),
    );
    handlers.findings.extend(unread);
    uses.retain(|u| u.kind != UseKind::Action);
    let mut db_uses: Vec<Use> = actions
        .into_iter()
        .map(|a| Use {
            kind: UseKind::Action,
            key: a.tag.clone(),
            module: a.module.clone(),
            file: None,
            line: None,
            source: "database",
            action: Some(a),
        })
        .collect();
    db_uses.extend(uses);
    let mut a = check_uses(inv, handlers, db_uses, Some(installed), scope);
    if scope.complete {
        for m in installed.iter().filter(|m| !inv.knows(m)) {
            a.findings.push(
                Finding::new(
                    &crate::rules::db::INSTALLED_WITHOUT_CODE,
                    "installed in the database, but on no addons path of the server: Odoo serves none of its JavaScript, and the client actions, widgets and views that need it fail",
                )
                .module(m),
            );
        }
    }
    a
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
