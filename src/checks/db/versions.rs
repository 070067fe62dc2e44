//! Code against database: manifest versions (adapted to the series) against
//! `ir_module_module.latest_version`, compared with Odoo's `parse_version`, and module states.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::finding::Finding;
use crate::load::addons::Inventory;
use crate::load::db::DbModule;
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

/// Only the modules stuck in a pending state (`to install`, `to upgrade`, `to remove`), as
/// `broken` reports them.
pub fn stuck_states(inv: &Inventory, modules: &[DbModule], hint: &HintCtx) -> Vec<Finding> {
    compare(inv, modules, hint)
        .findings
        .into_iter()
        .filter(|f| f.is(&r::STUCK_STATE))
        .collect()
}

pub fn compare(inv: &Inventory, modules: &[DbModule], hint: &HintCtx) -> Comparison {
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
                            .file(&a.manifest_file),
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
        let f = stuck_states(&inv, &modules, &hint());
        assert_eq!(codes(&f), [r::STUCK_STATE.code, r::STUCK_STATE.code]);
        let names: Vec<_> = f.iter().filter_map(|f| f.module.as_deref()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(f[1].hint.contains("-i b"), "{}", f[1].hint);
    }
}
