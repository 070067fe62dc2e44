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
//! rather than wrong. Odoo's own addons that are not on the path take part through the
//! catalogue of the series ([`PathScope::odoo`]): their registrations count as handlers under
//! the same rules, and a key only an Odoo Enterprise addon registers is an error on Community.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use crate::checks::addons::core::OdooAddons;
use crate::exit::Fatal;
use crate::finding::{Finding, Severity};
use crate::load::addons::Inventory;
use crate::load::catalogue::Edition;
use crate::load::db::{Database, DbClientAction};
use crate::load::graph::Graph;
use crate::load::web::assets::Load;
use crate::rules::client_actions as r;

pub use crate::load::web::handlers::{
    scan_handlers, DynamicRegistration, Handler, Handlers, Origin,
};
pub use crate::load::web::uses::{static_uses, Use, UseKind};

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
    /// Odoo's own addons: the catalogue of the series and the edition.
    pub odoo: OdooAddons,
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

/// The summary of the findings inside Odoo's own addons (see
/// [`crate::checks::addons::core::group_core`]).
pub const CORE_RULE: &crate::rules::Rule = &r::CORE_FINDINGS;

/// The families [`CORE_RULE`] groups.
pub const FAMILIES: &[crate::rules::Family] = &[
    crate::rules::Family::ClientAction,
    crate::rules::Family::WebRegistry,
];

/// Which modules are installed, in database mode.
pub struct Installed<'a> {
    pub modules: &'a BTreeSet<String>,
}

fn describe_handler(h: &Handler) -> String {
    match h.origin {
        Origin::Disk => format!("{}: {}:{}", h.module, h.file.display(), h.line),
        Origin::Catalogue(Edition::Enterprise) => {
            format!("{} (Odoo Enterprise, {})", h.module, h.via)
        }
        Origin::Catalogue(Edition::Community) => {
            format!("{}: {}:{} ({})", h.module, h.file.display(), h.line, h.via)
        }
    }
}

/// `module (file:line)` of a handler for messages.
fn where_registered(h: &Handler) -> String {
    match h.origin {
        Origin::Catalogue(Edition::Enterprise) => format!("{} (Odoo Enterprise)", h.module),
        Origin::Catalogue(Edition::Community) => {
            format!(
                "{} ({}:{}, Odoo {})",
                h.module,
                h.file.display(),
                h.line,
                h.via
            )
        }
        Origin::Disk => format!("{} ({}:{})", h.module, h.file.display(), h.line),
    }
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
            .filter(|m| !inv.knows(m) && (scope.complete || !scope.odoo.is_core(m)))
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
        // Odoo Enterprise's registrations exist only on Enterprise.
        let enterprise_only = |h: &&Handler| h.origin == Origin::Catalogue(Edition::Enterprise);
        let available = |h: &&Handler| self.scope.odoo.enterprise || !enterprise_only(h);
        let backend: Vec<&Handler> = hs
            .iter()
            .copied()
            .filter(|h| h.load == Load::Backend)
            .filter(usable)
            .filter(available)
            .collect();
        let reach = self.reach(u.module.as_deref());
        let (closure, missing) = (&reach.modules, &reach.missing);
        let noun = u.kind.noun();
        let mk = |rule: &'static crate::rules::Rule, msg: String| {
            let mut f = Finding::new(rule, msg).key(format!("{}:{}", u.kind.as_str(), u.key));
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
                            "{what} is registered only by module {}, which {user} does not depend on: it works only where {} is installed",
                            where_registered(h),
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
        // Registered only by Odoo Enterprise, on Community.
        if !self.scope.odoo.enterprise {
            if let Some(h) = hs.iter().find(|h| enterprise_only(h)) {
                let f = mk(
                    &r::ENTERPRISE_ONLY,
                    format!(
                        "{what} is registered only by {}, an addon of Odoo Enterprise {}: on Odoo Community the `{}` registry has no such key",
                        h.module,
                        self.scope.odoo.series().unwrap_or_default(),
                        registry.as_str()
                    ),
                )
                .hint(format!(
                    "register `{}` in an addon of your own, or run on Odoo Enterprise (--edition enterprise) and depend on {}",
                    u.key, h.module
                ));
                // A widget nobody registers falls back to the default one (as W001).
                let f = if u.kind == UseKind::Widget {
                    f.severity(Severity::Warning)
                } else {
                    f
                };
                return Verdict {
                    status: Status::Missing,
                    handler: Some(describe_handler(h)),
                    finding: Some(f),
                };
            }
        }
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
                                "{what} is registered only by module {}, which is not installed",
                                where_registered(h),
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
    // A complete path is the server's: Odoo serves no JavaScript of modules missing from it.
    if let Some(cat) = scope.odoo.catalogue().filter(|_| !scope.complete) {
        handlers.add_catalogue(cat, |n| inv.knows(n));
    }
    let judge = Judge {
        graph: Graph::with_catalogue(
            inv,
            scope.odoo.catalogue().filter(|_| !scope.complete),
            true,
        ),
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
            .module(module)
            .key(kind.as_str()),
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
            .key(format!("{}:{}", d.registry.as_str(), d.expr))
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
        ..PathScope::default()
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
    use crate::testdata::{addons, manifest};

    const ACTION_XML: &str = "<odoo><record id=\"a\" model=\"ir.actions.client\">\
        <field name=\"name\">A</field><field name=\"tag\">my_tag</field></record></odoo>";
    const JS: &str = "import { registry } from \"@web/core/registry\";\n\
        registry.category(\"actions\").add(\"my_tag\", X);\n";

    fn backend(module: &str, depends: &[&str], data: &str) -> String {
        manifest(
            depends,
            &format!(
                "'data': [{data}], 'assets': {{'web.assets_backend': ['{module}/static/src/**/*.js']}},"
            ),
        )
    }

    fn judged(files: &[(&str, &str)], complete: bool) -> ClientActionsAnalysis {
        let (_d, inv) = addons(files);
        let scope = PathScope {
            complete,
            ..PathScope::default()
        };
        check_static_in(&inv, &scope)
    }

    #[test]
    fn a_tag_registered_by_a_dependency_in_the_backend_is_valid() {
        let a = judged(
            &[
                ("web/__manifest__.py", &manifest(&[], "")),
                ("h/__manifest__.py", &backend("h", &["web"], "")),
                ("h/static/src/a.js", JS),
                ("u/__manifest__.py", &backend("u", &["h"], "'views/a.xml'")),
                ("u/views/a.xml", ACTION_XML),
            ],
            true,
        );
        assert_eq!(a.actions_checked, 1);
        assert_eq!(a.actions_valid, 1, "{:?}", a.findings);
        assert!(
            !a.findings.iter().any(|f| f.severity == Severity::Error),
            "{:?}",
            a.findings
        );
    }

    #[test]
    fn a_tag_nothing_registers_on_a_complete_path_is_an_error() {
        let a = judged(
            &[
                ("web/__manifest__.py", &manifest(&[], "")),
                (
                    "u/__manifest__.py",
                    &backend("u", &["web"], "'views/a.xml'"),
                ),
                ("u/views/a.xml", ACTION_XML),
            ],
            true,
        );
        assert_eq!(a.actions_broken, 1, "{:?}", a.findings);
        let f = a
            .findings
            .iter()
            .find(|f| f.is(&r::TAG_NOT_REGISTERED))
            .unwrap();
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.module.as_deref(), Some("u"));
        assert!(f.message.contains("my_tag"), "{}", f.message);
    }

    #[test]
    fn a_handler_in_a_module_the_user_does_not_depend_on() {
        let a = judged(
            &[
                ("web/__manifest__.py", &manifest(&[], "")),
                ("h/__manifest__.py", &backend("h", &["web"], "")),
                ("h/static/src/a.js", JS),
                (
                    "u/__manifest__.py",
                    &backend("u", &["web"], "'views/a.xml'"),
                ),
                ("u/views/a.xml", ACTION_XML),
            ],
            true,
        );
        assert!(
            a.findings.iter().any(|f| f.is(&r::NOT_A_DEPENDENCY)),
            "{:?}",
            a.findings
        );
    }

    fn with_catalogue(
        files: &[(&str, &str)],
        cat: &[crate::checks::addons::core::TestAddon],
        enterprise: bool,
    ) -> ClientActionsAnalysis {
        let (_d, inv) = addons(files);
        let scope = PathScope {
            odoo: OdooAddons::new(
                Some(crate::checks::addons::core::test_catalogue(cat)),
                enterprise,
            ),
            ..PathScope::default()
        };
        check_static_in(&inv, &scope)
    }

    const ACTION2_XML: &str = "<odoo><record id=\"a\" model=\"ir.actions.client\">\
        <field name=\"name\">A</field><field name=\"tag\">reload</field></record>\
        <record id=\"b\" model=\"ir.actions.client\">\
        <field name=\"name\">B</field><field name=\"tag\">my_tag</field></record>\
        <record id=\"c\" model=\"ir.actions.client\">\
        <field name=\"name\">C</field><field name=\"tag\">ent_tag</field></record></odoo>";

    #[test]
    fn catalogued_registrations_are_handlers_and_enterprise_ones_need_enterprise() {
        use crate::load::catalogue::Edition::{Community, Enterprise};
        let files = [("u/__manifest__.py", backend("u", &["web"], "'views/a.xml'"))];
        let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
        let files = [files.as_slice(), &[("u/views/a.xml", ACTION2_XML)]].concat();
        let cat: &[crate::checks::addons::core::TestAddon] = &[
            ("base", Community, &[], &[]),
            (
                "web",
                Community,
                &["base"],
                &[("actions", "reload", "web.assets_backend")],
            ),
            (
                "web_studio",
                Enterprise,
                &["web"],
                &[("actions", "ent_tag", "")],
            ),
        ];
        let a = with_catalogue(&files, cat, false);
        let by_key = |k: &str| {
            a.checked
                .iter()
                .find(|c| c.use_.key == k)
                .unwrap_or_else(|| panic!("{k} not checked"))
        };
        assert_eq!(by_key("reload").status, Status::Ok, "{:?}", a.findings);
        assert!(by_key("reload")
            .handler
            .as_deref()
            .unwrap()
            .contains("catalogue 18.0"));
        // Everything `u` depends on is known: the unregistered tag is an error, not A007.
        let f = a
            .findings
            .iter()
            .find(|f| f.is(&r::TAG_NOT_REGISTERED))
            .unwrap();
        assert!(f.message.contains("`my_tag`"), "{}", f.message);
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.line, Some(1));
        let e = a
            .findings
            .iter()
            .find(|f| f.is(&r::ENTERPRISE_ONLY))
            .unwrap();
        assert!(e.message.contains("web_studio"), "{}", e.message);
        assert!(e.message.contains("`ent_tag`"), "{}", e.message);
        assert!(
            !a.findings.iter().any(|f| f.is(&r::NOT_VERIFIABLE)),
            "{:?}",
            a.findings
        );
        assert_eq!(a.handlers.catalogued, 2);

        // On Enterprise, the Enterprise addon registers it, but `u` does not depend on it.
        let a = with_catalogue(&files, cat, true);
        let e = a
            .findings
            .iter()
            .find(|f| f.is(&r::NOT_A_DEPENDENCY))
            .unwrap();
        assert!(
            e.message.contains("web_studio (Odoo Enterprise)"),
            "{}",
            e.message
        );
        assert!(!a.findings.iter().any(|f| f.is(&r::ENTERPRISE_ONLY)));

        // A module on the path wins: a `web` on the path that does not register `reload`.
        let mut files2 = files.clone();
        let web = manifest(&[], "");
        files2.push(("web/__manifest__.py", web.as_str()));
        let a = with_catalogue(&files2, cat, false);
        let c = a.checked.iter().find(|c| c.use_.key == "reload").unwrap();
        assert_eq!(c.status, Status::Missing, "{:?}", a.findings);
    }

    #[test]
    fn a_dependency_neither_on_the_path_nor_catalogued_leaves_a007() {
        use crate::load::catalogue::Edition::Community;
        let m = backend("u", &["web", "other_repo_addon"], "'views/a.xml'");
        let files = [
            ("u/__manifest__.py", m.as_str()),
            ("u/views/a.xml", ACTION_XML),
        ];
        let cat: &[crate::checks::addons::core::TestAddon] = &[
            ("base", Community, &[], &[]),
            ("web", Community, &["base"], &[]),
        ];
        let a = with_catalogue(&files, cat, false);
        let f = a
            .findings
            .iter()
            .find(|f| f.is(&r::NOT_VERIFIABLE))
            .unwrap();
        assert!(f.message.contains("other_repo_addon"), "{}", f.message);
        assert!(!f.message.contains("web,"), "{}", f.message);
    }
}
