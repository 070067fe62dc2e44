//! Code against database: manifest versions (adapted to the series) against
//! `ir_module_module.latest_version`, compared with Odoo's `parse_version`, and module states.
//! Odoo's own modules whose code is not on the path are core modules of the series when the
//! catalogue knows them ([`Known`]); a module left `to install` because a dependency can never
//! be installed (an Odoo Enterprise addon on Community) says so.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::checks::addons::core::OdooAddons;
use crate::finding::Finding;
use crate::load::addons::Inventory;
use crate::load::db::{DbDependency, DbModule};
use crate::load::version;
use crate::rules::db as r;

/// How commands are shown in hints.
#[derive(Debug, Clone)]
pub struct HintCtx {
    pub conf: String,
    pub db: String,
}

impl HintCtx {
    pub fn odoo(&self, flag: &str, module: &str) -> String {
        format!(
            "odoo-bin -c {} -d {} {flag} {module} --stop-after-init",
            self.conf, self.db
        )
    }
}

/// The comparison of one module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Same,
    UpgradePending,
    DatabaseNewer,
    MissingCode,
    /// Installed, not on the addons path, and one of Odoo's own modules of the series.
    CoreNotOnPath,
    NotInDatabase,
    NotInstalled,
    Unreadable,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Same => "ok",
            Status::UpgradePending => "upgrade pending",
            Status::DatabaseNewer => "database newer",
            Status::MissingCode => "code missing",
            Status::CoreNotOnPath => "Odoo core module (code not on the path)",
            Status::NotInDatabase => "not in database",
            Status::NotInstalled => "not installed",
            Status::Unreadable => "manifest unreadable",
        }
    }
}

/// States in which a module's code is expected to be deployed.
pub fn is_installed_state(state: &str) -> bool {
    matches!(state, "installed" | "to upgrade" | "to remove")
}

/// One row per module known to the disk or the database, with findings.
pub struct Comparison {
    pub rows: Vec<Row>,
    pub findings: Vec<Finding>,
}

pub struct Row {
    pub name: String,
    pub state: Option<String>,
    pub disk_version: Option<String>,
    pub db_version: Option<String>,
    pub status: Status,
}

/// Counts the `V005` of Odoo's own addons in one `V007` line (unless `--include-core`).
pub fn group_core_unknown(findings: Vec<Finding>, known: &Known, include: bool) -> Vec<Finding> {
    crate::checks::addons::core::group_core_if(
        findings,
        &known.odoo,
        include,
        &r::CORE_UNKNOWN_TO_DATABASE,
        |f| f.is(&r::NOT_IN_DATABASE),
    )
}

/// What the database audits know beyond the module rows: Odoo's own addons (catalogue and
/// edition), the Enterprise placeholders (`to_buy`) and the modules scheduled for installation
/// that cannot be installed.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub odoo: OdooAddons,
    pub to_buy: BTreeSet<String>,
    /// `to install` module → why it cannot be installed.
    pub blocked: BTreeMap<String, String>,
    /// Odoo's own source is on the addons path (`base` or `web` is): a core module missing
    /// from it is missing for real.
    pub core_on_path: bool,
}

impl Known {
    pub fn new(
        odoo: OdooAddons,
        inv: Option<&Inventory>,
        modules: &[DbModule],
        deps: &[DbDependency],
        to_buy: Vec<String>,
    ) -> Known {
        let to_buy: BTreeSet<String> = to_buy.into_iter().collect();
        let blocked = blocked_installs(&odoo, inv, modules, deps, &to_buy);
        Known {
            core_on_path: inv.is_some_and(|i| i.knows("base") || i.knows("web")),
            odoo,
            to_buy,
            blocked,
        }
    }
}

/// The modules scheduled for installation (`to install`) that cannot be installed, with why:
/// a dependency (direct, or through other `to install` modules) that is an Odoo Enterprise
/// placeholder (`to_buy`), an Enterprise addon by the catalogue on Community, `uninstallable`,
/// or unknown to the database with no code on the path.
pub fn blocked_installs(
    odoo: &OdooAddons,
    inv: Option<&Inventory>,
    modules: &[DbModule],
    deps: &[DbDependency],
    to_buy: &BTreeSet<String>,
) -> BTreeMap<String, String> {
    let state: BTreeMap<&str, &str> = modules
        .iter()
        .map(|m| (m.name.as_str(), m.state.as_str()))
        .collect();
    let mut needs: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for d in deps {
        needs
            .entry(d.module.as_str())
            .or_default()
            .push(d.dependency.as_str());
    }
    // Why a dependency itself can never be installed, if it cannot.
    let never = |d: &str| -> Option<String> {
        let on_path = inv.is_some_and(|i| i.knows(d));
        // Code on the path can be installed (Odoo lists it when the apps list is updated).
        if !on_path && (to_buy.contains(d) || odoo.needs_enterprise(d)) {
            return Some(format!(
                "`{d}` is an Odoo Enterprise addon, not available on Odoo Community"
            ));
        }
        match state.get(d) {
            Some(&"uninstallable") => Some(format!("`{d}` is `uninstallable`")),
            None if !on_path => Some(format!("`{d}` is unknown to the database (no code for it)")),
            _ => None,
        }
    };
    let mut out = BTreeMap::new();
    for m in modules.iter().filter(|m| m.state == "to install") {
        // Depth-first through the dependencies that are themselves `to install`.
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut todo: Vec<(&str, Vec<&str>)> = vec![(m.name.as_str(), Vec::new())];
        let mut why = None;
        while let Some((x, path)) = todo.pop() {
            if !seen.insert(x) {
                continue;
            }
            let mut kids: Vec<&str> = needs.get(x).cloned().unwrap_or_default();
            kids.sort_unstable();
            for d in kids.iter().rev() {
                if let Some(reason) = never(d) {
                    let via = if path.is_empty() {
                        String::new()
                    } else {
                        format!(" (through {})", path.join(" → "))
                    };
                    why = Some(format!("its dependency {reason}{via}"));
                }
                if state.get(d) == Some(&"to install") {
                    let mut p = path.clone();
                    p.push(*d);
                    todo.push((d, p));
                }
            }
            if why.is_some() {
                break;
            }
        }
        if let Some(w) = why {
            out.insert(m.name.clone(), w);
        }
    }
    out
}

/// Only the modules stuck in a pending state (`to install`, `to upgrade`, `to remove`), as
/// `broken` reports them.
pub fn stuck_states(
    inv: &Inventory,
    modules: &[DbModule],
    hint: &HintCtx,
    known: &Known,
) -> Vec<Finding> {
    compare_with(inv, modules, hint, known)
        .findings
        .into_iter()
        .filter(|f| f.is(&r::STUCK_STATE))
        .collect()
}

pub fn compare(inv: &Inventory, modules: &[DbModule], hint: &HintCtx) -> Comparison {
    compare_with(inv, modules, hint, &Known::default())
}

/// [`compare`] with what is known of Odoo's own modules.
pub fn compare_with(
    inv: &Inventory,
    modules: &[DbModule],
    hint: &HintCtx,
    known: &Known,
) -> Comparison {
    let mut findings = Vec::new();
    let mut rows = Vec::new();
    let by_name: BTreeMap<&str, &DbModule> = modules.iter().map(|m| (m.name.as_str(), m)).collect();
    for m in modules {
        let addon = inv.addons.get(&m.name);
        let disk_version = addon.map(|a| {
            a.manifest
                .version
                .clone()
                .unwrap_or_else(|| a.manifest.version_raw.clone())
        });
        let installed = is_installed_state(&m.state);
        let mut status = if installed {
            Status::Same
        } else {
            Status::NotInstalled
        };
        match m.state.as_str() {
            "to install" if known.blocked.contains_key(&m.name) => {
                findings.push(
                    Finding::new(
                        &r::STUCK_STATE,
                        format!(
                            "state `to install`: an installation was scheduled and never applied, and it cannot be: {}",
                            known.blocked[&m.name]
                        ),
                    )
                    .module(&m.name)
                    .hint(format!(
                        "cancel the scheduled installation (Apps > {} > Cancel Install): `-i {}` cannot succeed{}",
                        m.name,
                        m.name,
                        if known.odoo.enterprise { "" } else { " on Odoo Community" }
                    )),
                );
            }
            "to upgrade" | "to install" | "to remove" => {
                let (what, fix) = match m.state.as_str() {
                    "to upgrade" => ("an update", hint.odoo("-u", &m.name)),
                    "to install" => (
                        "an installation",
                        format!(
                            "{} (or cancel it in Apps)",
                            hint.odoo("-i", &m.name)
                        ),
                    ),
                    _ => (
                        "an uninstallation",
                        format!(
                            "apply it from Apps (Apply Scheduled Upgrades) or cancel it; any `{}` also applies it",
                            hint.odoo("-u", "base")
                        ),
                    ),
                };
                findings.push(
                    Finding::new(
                        &r::STUCK_STATE,
                        format!(
                            "state `{}`: {what} was scheduled and never applied",
                            m.state
                        ),
                    )
                    .module(&m.name)
                    .hint(fix),
                );
            }
            _ => {}
        }
        if installed {
            match addon {
                None if inv.broken.contains_key(&m.name) => status = Status::Unreadable,
                None if !known.core_on_path && known.odoo.is_core(&m.name) => {
                    status = Status::CoreNotOnPath;
                }
                None => {
                    status = Status::MissingCode;
                    findings.push(
                        Finding::new(
                            &r::INSTALLED_WITHOUT_CODE,
                            format!(
                                "state `{}` in the database, but the module is on no addons path",
                                m.state
                            ),
                        )
                        .module(&m.name),
                    );
                }
                Some(a) => {
                    if !a.manifest.installable {
                        findings.push(
                            Finding::new(
                                &r::INSTALLED_NOT_INSTALLABLE,
                                format!(
                                    "state `{}`, but the manifest says installable: False",
                                    m.state
                                ),
                            )
                            .module(&m.name)
                            .file(&a.manifest_file)
                            .at_line(a.manifest.key_line("installable")),
                        );
                    }
                    if let (Some(disk), Some(db)) = (&a.manifest.version, &m.latest_version) {
                        match version::compare(disk, db) {
                            Ordering::Greater => {
                                status = Status::UpgradePending;
                                if m.state == "installed" {
                                    findings.push(
                                        Finding::new(
                                            &r::UPGRADE_PENDING,
                                            format!("code {disk} is newer than the database {db}"),
                                        )
                                        .module(&m.name)
                                        .file(&a.manifest_file)
                                        .at_line(a.manifest.key_line("version"))
                                        .hint(hint.odoo("-u", &m.name)),
                                    );
                                }
                            }
                            Ordering::Less => {
                                status = Status::DatabaseNewer;
                                findings.push(
                                    Finding::new(
                                        &r::DATABASE_NEWER,
                                        format!(
                                            "the database {db} is newer than the code {disk} (wrong checkout or a downgrade)"
                                        ),
                                    )
                                    .module(&m.name)
                                    .file(&a.manifest_file)
                                    .at_line(a.manifest.key_line("version"))
                                    .hint(format!(
                                        "deploy the version of {} that the database was updated with (>= {db})",
                                        m.name
                                    )),
                                );
                            }
                            Ordering::Equal => {}
                        }
                    }
                }
            }
        }
        rows.push(Row {
            name: m.name.clone(),
            state: Some(m.state.clone()),
            disk_version,
            db_version: m.latest_version.clone(),
            status,
        });
    }
    for (name, a) in &inv.addons {
        if by_name.contains_key(name.as_str()) {
            continue;
        }
        findings.push(
            Finding::new(
                &r::NOT_IN_DATABASE,
                "on the addons path but unknown to the database: the apps list was not updated",
            )
            .module(name)
            .file(&a.manifest_file)
            .hint(format!(
                "Apps > Update Apps List, or {}",
                hint.odoo("-u", "base")
            )),
        );
        rows.push(Row {
            name: name.clone(),
            state: None,
            disk_version: a
                .manifest
                .version
                .clone()
                .or(Some(a.manifest.version_raw.clone())),
            db_version: None,
            status: Status::NotInDatabase,
        });
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Comparison { rows, findings }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{addons, codes, db_module, manifest};

    fn hint() -> HintCtx {
        HintCtx {
            conf: "odoo.conf".into(),
            db: "prod".into(),
        }
    }

    fn addon(version: &str) -> String {
        manifest(&[], "").replace("18.0.1.0.0", version)
    }

    #[test]
    fn code_newer_older_missing_and_unknown_to_the_database() {
        let (_d, inv) = addons(&[
            ("newer/__manifest__.py", &addon("18.0.1.1.0")),
            ("older/__manifest__.py", &addon("18.0.1.0.0")),
            ("same/__manifest__.py", &addon("18.0.1.0.0")),
            ("fresh/__manifest__.py", &addon("18.0.1.0.0")),
        ]);
        let modules = [
            db_module("newer", "installed", Some("18.0.1.0.0")),
            db_module("older", "installed", Some("18.0.2.0.0")),
            db_module("same", "installed", Some("18.0.1.0.0")),
            db_module("gone", "installed", Some("18.0.1.0.0")),
        ];
        let c = compare(&inv, &modules, &hint());
        let by = |code: &str| -> Vec<&str> {
            c.findings
                .iter()
                .filter(|f| f.code == code)
                .filter_map(|f| f.module.as_deref())
                .collect()
        };
        assert_eq!(by(r::UPGRADE_PENDING.code), ["newer"]);
        assert_eq!(by(r::DATABASE_NEWER.code), ["older"]);
        assert_eq!(by(r::INSTALLED_WITHOUT_CODE.code), ["gone"]);
        assert_eq!(by(r::NOT_IN_DATABASE.code), ["fresh"]);
        assert_eq!(c.findings.len(), 4, "{:?}", c.findings);
        let upgrade = c
            .findings
            .iter()
            .find(|f| f.is(&r::UPGRADE_PENDING))
            .unwrap();
        assert_eq!(
            upgrade.hint,
            "odoo-bin -c odoo.conf -d prod -u newer --stop-after-init"
        );
    }

    #[test]
    fn only_pending_states_are_stuck() {
        let (_d, inv) = addons(&[("a/__manifest__.py", &addon("18.0.1.0.0"))]);
        let modules = [
            db_module("a", "to upgrade", Some("18.0.1.0.0")),
            db_module("b", "to install", None),
            db_module("c", "uninstalled", None),
        ];
        let f = stuck_states(&inv, &modules, &hint(), &Known::default());
        assert_eq!(codes(&f), [r::STUCK_STATE.code, r::STUCK_STATE.code]);
        let names: Vec<_> = f.iter().filter_map(|f| f.module.as_deref()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(f[1].hint.contains("-i b"), "{}", f[1].hint);
    }

    #[test]
    fn an_installation_blocked_by_enterprise_says_why_and_hints_to_cancel() {
        let (_d, inv) = addons(&[("a/__manifest__.py", &addon("18.0.1.0.0"))]);
        let dep = |module: &str, dependency: &str| DbDependency {
            module: module.into(),
            module_state: String::new(),
            dependency: dependency.into(),
            dependency_state: None,
        };
        let modules = [
            db_module("ai_fields", "to install", None),
            db_module("ai_server_actions", "to install", None),
            db_module("dash", "to install", None),
            db_module("marketing", "uninstallable", None),
            db_module("fine", "to install", None),
            db_module("base", "installed", None),
        ];
        let deps = [
            dep("ai_fields", "ai"),
            dep("ai_server_actions", "ai_fields"),
            dep("dash", "marketing"),
            dep("fine", "base"),
        ];
        let known = Known::new(
            OdooAddons::default(),
            Some(&inv),
            &modules,
            &deps,
            vec!["marketing".into()],
        );
        let f = stuck_states(&inv, &modules, &hint(), &known);
        let msg = |m: &str| {
            f.iter()
                .find(|f| f.module.as_deref() == Some(m))
                .map(|f| (f.message.clone(), f.hint.clone()))
                .unwrap()
        };
        let (m, h) = msg("ai_fields");
        assert!(
            m.contains("cannot be: its dependency `ai` is unknown"),
            "{m}"
        );
        assert!(h.starts_with("cancel the scheduled installation"), "{h}");
        let (m, _) = msg("ai_server_actions");
        assert!(m.contains("(through ai_fields)"), "{m}");
        let (m, _) = msg("dash");
        assert!(m.contains("`marketing` is an Odoo Enterprise addon"), "{m}");
        let (m, h) = msg("fine");
        assert!(m.ends_with("scheduled and never applied"), "{m}");
        assert!(h.contains("-i fine"), "{h}");
    }
}
