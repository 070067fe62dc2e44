//! The thresholds of `parity verify` (`Y` codes): plain checks over what was loaded from the
//! database (module states, the counts of `sql/parity_counts.sql`, the client-actions analysis)
//! against the parity definitions. Critical failures are errors, the others warnings.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::checks::client_actions::ClientActionsAnalysis;
use crate::checks::table::{Check, Checks, Column, Layout, Status};
use crate::config::parity::{Category, Thresholds};
use crate::finding::{Finding, Severity};
use crate::load::db::{DbModule, ParityCounts};
use crate::rules::parity as r;
use crate::rules::Family;

pub mod install;
pub mod plan;

/// The three groups of checks of `parity verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Critical,
    Important,
    Coverage,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Critical => "critical",
            Group::Important => "important",
            Group::Coverage => "coverage",
        }
    }
}

/// The table of `parity verify`'s checks: the group, the check, its status, the measured
/// figure and the threshold. A failed check has one finding (an error in the critical group, a
/// warning in the others); a skipped one counts neither as a pass nor as a failure.
pub const LAYOUT: Layout = Layout {
    name: "checks",
    title: "Parity checks",
    columns: &[
        ("group", Column::Cell("group")),
        ("check", Column::Name),
        ("status", Column::Status),
        ("measured", Column::Cell("measured")),
        ("threshold", Column::Cell("threshold")),
    ],
};

/// Whether a check of `group` failed.
pub fn failed_in(checks: &Checks, group: impl Fn(Group) -> bool) -> bool {
    checks.rows.iter().any(|c| {
        c.status == Status::Fail
            && [Group::Critical, Group::Important, Group::Coverage]
                .into_iter()
                .any(|g| group(g) && c.get("group") == g.as_str())
    })
}

/// Whether a critical check failed.
pub fn critical_failed(checks: &Checks) -> bool {
    failed_in(checks, |g| g == Group::Critical)
}

/// Whether a non-critical check failed.
pub fn other_failed(checks: &Checks) -> bool {
    failed_in(checks, |g| g != Group::Critical)
}

/// One check of `parity verify`: its figure against its threshold.
struct Threshold<'a> {
    group: Group,
    name: &'a str,
    measured: Value,
    threshold: Value,
}

impl Threshold<'_> {
    fn row(&self) -> Check {
        Check::new(0, self.name)
            .cell("group", self.group.as_str())
            .cell("measured", self.measured.clone())
            .cell("threshold", self.threshold.clone())
    }

    /// Passes, or fails with the finding `failure` makes.
    fn judge(self, c: &mut Checks, pass: bool, failure: impl FnOnce() -> Finding) {
        let mut row = self.row();
        if !pass {
            row.fail_with(failure());
        }
        c.push(row);
    }

    /// Could not run, with the reason (shown as the measured figure).
    fn skip(self, c: &mut Checks, reason: &str) {
        let mut row = Threshold {
            measured: json!(reason),
            ..self
        }
        .row();
        row.status = Status::Skip;
        c.push(row);
    }
}

/// A check of `group` named `name`, measuring `measured` against `threshold`.
fn check<'a>(group: Group, name: &'a str, measured: Value, threshold: Value) -> Threshold<'a> {
    Threshold {
        group,
        name,
        measured,
        threshold,
    }
}

/// A check that a figure reaches a threshold; the failure says both.
fn at_least(
    c: &mut Checks,
    group: Group,
    name: &str,
    measured: i64,
    threshold: u64,
    rule: &'static crate::rules::Rule,
    what: &str,
) {
    check(
        group,
        name,
        json!(measured),
        json!(format!(">= {threshold}")),
    )
    .judge(
        c,
        u64::try_from(measured).is_ok_and(|m| m >= threshold),
        || {
            Finding::new(
                rule,
                format!("{measured} {what}, the threshold is {threshold}"),
            )
        },
    );
}

/// What `parity verify` checks, once loaded.
pub struct Inputs<'a> {
    pub thresholds: &'a Thresholds,
    pub categories: &'a [Category],
    pub db_name: &'a str,
    pub server_version: &'a str,
    pub modules: &'a [DbModule],
    pub counts: &'a ParityCounts,
    /// The client-actions analysis, when the addons paths were given.
    pub client_actions: Option<&'a ClientActionsAnalysis>,
}

/// One row of the per-category table: a parity category and which of its modules are not
/// installed.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryRow {
    pub key: String,
    pub description: String,
    pub installed: usize,
    pub modules: usize,
    pub not_installed: Vec<String>,
}

/// What the checks found: the checks table, the per-category rows, and the detail findings
/// (the broken client actions, as warnings).
pub struct Outcome {
    pub checks: Checks,
    pub per_category: Vec<CategoryRow>,
    pub detail: Vec<Finding>,
}

/// The database cannot be reached: the first critical check fails with the reason.
pub fn unreachable(message: &str) -> Checks {
    let mut c = Checks::new(LAYOUT);
    check(
        Group::Critical,
        "database reachable and Odoo",
        json!(message),
        json!("reachable"),
    )
    .judge(&mut c, false, || {
        Finding::new(&r::DATABASE, message.to_string())
    });
    c
}

/// Every check of `parity verify` on the loaded data.
pub fn verify(input: &Inputs) -> Outcome {
    let t = input.thresholds;
    let modules = input.modules;
    let counts = input.counts;
    let mut c = Checks::new(LAYOUT);
    check(
        Group::Critical,
        "database reachable and Odoo",
        json!(format!("PostgreSQL {}", input.server_version)),
        json!("reachable"),
    )
    .judge(&mut c, true, || {
        Finding::new(&r::DATABASE, "database unreachable")
    });
    let state: BTreeMap<&str, &str> = modules
        .iter()
        .map(|m| (m.name.as_str(), m.state.as_str()))
        .collect();

    // Critical.
    at_least(
        &mut c,
        Group::Critical,
        "installed modules",
        counts.installed_modules,
        t.installed_modules,
        &r::INSTALLED_COUNT,
        "modules installed",
    );
    for m in &t.required_modules {
        let st = state
            .get(m.as_str())
            .copied()
            .unwrap_or("unknown to the database");
        check(
            Group::Critical,
            &format!("required module {m}"),
            json!(st),
            json!("installed"),
        )
        .judge(&mut c, st == "installed", || {
            Finding::new(&r::REQUIRED_MODULE, format!("required module is {st}"))
                .module(m)
                .hint(format!(
                    "install it: odoo-bin -c <conf> -d {} -i {m} --stop-after-init",
                    input.db_name
                ))
        });
    }
    check(
        Group::Critical,
        "core ir_% tables",
        json!(counts.core_tables),
        json!(format!("> {}", t.core_tables)),
    )
    .judge(&mut c, counts.core_tables as u64 > t.core_tables, || {
        Finding::new(
            &r::CORE_TABLES,
            format!(
                "{} core ir_% tables, more than {} expected",
                counts.core_tables, t.core_tables
            ),
        )
    });

    // Important.
    let names_in = |s: &str| -> Vec<&str> {
        modules
            .iter()
            .filter(|m| m.state == s)
            .map(|m| m.name.as_str())
            .collect()
    };
    let uninstallable = names_in("uninstallable");
    check(
        Group::Important,
        "no uninstallable modules",
        json!(counts.uninstallable),
        json!(0),
    )
    .judge(&mut c, counts.uninstallable == 0, || {
        Finding::new(
            &r::UNINSTALLABLE,
            format!(
                "{} uninstallable module(s): {}",
                uninstallable.len(),
                uninstallable.join(", ")
            ),
        )
    });
    let to_upgrade = names_in("to upgrade");
    check(
        Group::Important,
        "no modules to upgrade",
        json!(counts.to_upgrade),
        json!(0),
    )
    .judge(&mut c, counts.to_upgrade == 0, || {
        Finding::new(
            &r::PENDING_UPGRADES,
            format!(
                "{} module(s) to upgrade: {}",
                to_upgrade.len(),
                to_upgrade.join(", ")
            ),
        )
        .hint(format!(
            "odoo-bin -c <conf> -d {} -u {} --stop-after-init",
            input.db_name,
            to_upgrade.join(",")
        ))
    });

    // Client actions: the check-client-actions analysis in database mode, when the addons
    // paths (where the JavaScript handlers are) were given.
    let mut detail = Vec::new();
    if let Some(a) = input.client_actions {
        let broken: Vec<Finding> = a
            .findings
            .iter()
            .filter(|f| f.family() == Some(Family::ClientAction) && f.severity == Severity::Error)
            // An important check, not a critical one: its detail is a warning here.
            .map(|f| f.clone().severity(Severity::Warning))
            .collect();
        check(
            Group::Important,
            "client actions valid",
            json!(format!(
                "{} checked: {} valid, {} broken, {} not verifiable",
                a.actions_checked, a.actions_valid, a.actions_broken, a.actions_not_verifiable
            )),
            json!("0 broken"),
        )
        .judge(&mut c, a.actions_broken == 0, || {
            Finding::new(
                &r::CLIENT_ACTIONS,
                format!(
                    "{} client action(s) would raise KeyNotFoundError: {}",
                    a.actions_broken,
                    broken
                        .iter()
                        .map(|f| f.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
        });
        detail = broken;
    } else {
        check(
            Group::Important,
            "client actions valid",
            Value::Null,
            json!("0 broken"),
        )
        .skip(
            &mut c,
            "no addons path: pass --addons-path or -c to find the JavaScript handlers",
        );
    }

    // Coverage.
    at_least(
        &mut c,
        Group::Coverage,
        "installed module categories",
        counts.installed_categories,
        t.installed_categories,
        &r::CATEGORIES,
        "module categories among the installed modules",
    );
    at_least(
        &mut c,
        Group::Coverage,
        "OCA modules installed",
        counts.oca_modules,
        t.oca_modules,
        &r::OCA_COUNT,
        "OCA modules installed",
    );
    check(
        Group::Coverage,
        "server actions present",
        json!(counts.server_actions),
        json!("> 0"),
    )
    .judge(&mut c, counts.server_actions > 0, || {
        Finding::new(
            &r::SERVER_ACTIONS,
            "no server actions (ir_act_server is empty)",
        )
    });
    at_least(
        &mut c,
        Group::Coverage,
        "active menus",
        counts.active_menus,
        t.active_menus,
        &r::ACTIVE_MENUS,
        "active menus",
    );
    let mut per_category = Vec::new();
    for cat in input.categories {
        let missing: Vec<&str> = cat
            .modules
            .iter()
            .filter(|m| state.get(m.as_str()) != Some(&"installed"))
            .map(String::as_str)
            .collect();
        let installed = cat.modules.len() - missing.len();
        per_category.push(CategoryRow {
            key: cat.key.clone(),
            description: cat.description.clone(),
            installed,
            modules: cat.modules.len(),
            not_installed: missing.iter().map(|m| m.to_string()).collect(),
        });
        check(
            Group::Coverage,
            &format!("category {}", cat.key),
            json!(format!("{installed}/{}", cat.modules.len())),
            json!(format!("{}/{}", cat.modules.len(), cat.modules.len())),
        )
        .judge(&mut c, missing.is_empty(), || {
            Finding::new(
                &r::CATEGORY_INCOMPLETE,
                format!(
                    "{} ({}): {installed} of {} installed; not installed: {}",
                    cat.key,
                    cat.description,
                    cat.modules.len(),
                    missing.join(", ")
                ),
            )
            .hint(format!(
                "odoo-audit parity plan --category {} shows what to install and in which order",
                cat.key
            ))
        });
    }
    Outcome {
        checks: c,
        per_category,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{codes, db_module};

    fn counts() -> ParityCounts {
        ParityCounts {
            installed_modules: 150,
            installed_categories: 20,
            oca_modules: 40,
            server_actions: 3,
            active_menus: 300,
            core_tables: 60,
            uninstallable: 0,
            to_upgrade: 0,
        }
    }

    fn thresholds() -> Thresholds {
        Thresholds {
            installed_modules: 100,
            required_modules: vec!["sale".into()],
            core_tables: 50,
            installed_categories: 10,
            oca_modules: 30,
            active_menus: 200,
        }
    }

    fn run(counts: &ParityCounts, modules: &[DbModule], cats: &[Category]) -> Outcome {
        verify(&Inputs {
            thresholds: &thresholds(),
            categories: cats,
            db_name: "prod",
            server_version: "16.4",
            modules,
            counts,
            client_actions: None,
        })
    }

    fn status_of<'a>(c: &'a Checks, name: &str) -> &'a str {
        c.rows
            .iter()
            .find(|r| r.name == name)
            .expect(name)
            .status_text()
    }

    fn findings(c: &Checks) -> Vec<Finding> {
        c.findings().cloned().collect()
    }

    #[test]
    fn every_threshold_reached_passes() {
        let out = run(&counts(), &[db_module("sale", "installed", None)], &[]);
        assert!(
            findings(&out.checks).is_empty(),
            "{:?}",
            findings(&out.checks)
        );
        assert!(!critical_failed(&out.checks) && !other_failed(&out.checks));
        assert_eq!(status_of(&out.checks, "installed modules"), "pass");
    }

    #[test]
    fn a_critical_threshold_missed_is_an_error_and_others_are_warnings() {
        let mut n = counts();
        n.installed_modules = 99;
        n.to_upgrade = 1;
        let modules = [
            db_module("sale", "uninstalled", None),
            db_module("stock", "to upgrade", None),
        ];
        let out = run(&n, &modules, &[]);
        let c = &out.checks;
        assert!(critical_failed(c) && other_failed(c));
        assert_eq!(status_of(c, "installed modules"), "fail");
        let mut want = vec![
            r::INSTALLED_COUNT.code,
            r::REQUIRED_MODULE.code,
            r::PENDING_UPGRADES.code,
        ];
        want.sort();
        let found = findings(c);
        assert_eq!(codes(&found), want);
        let count = found.iter().find(|f| f.is(&r::INSTALLED_COUNT)).unwrap();
        assert_eq!(count.message, "99 modules installed, the threshold is 100");
        assert_eq!(count.severity, Severity::Error);
        let up = found.iter().find(|f| f.is(&r::PENDING_UPGRADES)).unwrap();
        assert_eq!(up.severity, Severity::Warning);
        assert!(up.hint.contains("-d prod -u stock"), "{}", up.hint);
        // Without the addons paths the client-actions check is skipped, not failed.
        assert_eq!(status_of(c, "client actions valid"), "skip");
    }

    #[test]
    fn an_incomplete_category_names_what_is_not_installed() {
        let cats = [Category {
            key: "hr".into(),
            description: "HR".into(),
            modules: vec!["hr".into(), "hr_holidays".into()],
            pypi: false,
        }];
        let modules = [
            db_module("sale", "installed", None),
            db_module("hr", "installed", None),
        ];
        let out = run(&counts(), &modules, &cats);
        let found = findings(&out.checks);
        let f = found
            .iter()
            .find(|f| f.is(&r::CATEGORY_INCOMPLETE))
            .expect("category finding");
        assert!(
            f.message
                .contains("1 of 2 installed; not installed: hr_holidays"),
            "{}",
            f.message
        );
        assert_eq!(out.per_category[0].installed, 1);
        assert_eq!(out.per_category[0].not_installed, ["hr_holidays"]);
    }

    #[test]
    fn an_unreachable_database_fails_the_first_critical_check() {
        let c = unreachable("connection refused");
        assert!(critical_failed(&c) && !other_failed(&c));
        assert_eq!(codes(&findings(&c)), [r::DATABASE.code]);
        assert_eq!(c.rows[0].findings[0].message, "connection refused");
    }
}
