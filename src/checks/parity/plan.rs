//! What `parity plan` computes (and `parity install` executes): the modules of the chosen
//! categories with their dependencies, in install order, each with where it stands; missing
//! modules with where to get them (`Y` findings for what cannot be had).

use std::collections::{BTreeMap, BTreeSet};

use crate::config::parity::{self as defs, Category, Source};
use crate::finding::Finding;
use crate::load::db::{DbDependency, DbModule};
use crate::load::graph::Graph;
use crate::load::version::Series;
use crate::rules::parity as r;

/// Where a module of a plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStatus {
    Installed,
    Available,
    Uninstallable,
    Missing,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Installed => "installed",
            PlanStatus::Available => "available",
            PlanStatus::Uninstallable => "uninstallable",
            PlanStatus::Missing => "missing",
        }
    }
}

/// What `parity plan` computes (and `parity install` executes).
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// (category, module, status, where it was found)
    pub rows: Vec<(String, String, PlanStatus, &'static str)>,
    /// Every module that must be installed (closure, not yet installed), in a valid order.
    pub order: Vec<String>,
    /// Modules needed but unknown everywhere.
    pub missing: Vec<String>,
    /// Modules needed but not installable, or on a dependency cycle.
    pub blocked: Vec<String>,
    /// Direct dependencies, for the modules of the plan.
    pub graph: Graph,
    pub findings: Vec<Finding>,
    pub with_database: bool,
    pub with_addons: bool,
}

/// Builds the plan for some categories from the database (states, dependencies) and/or the
/// addons paths (manifests). Manifests on disk win over the database's dependency rows.
pub fn compute_plan(
    cats: &[&Category],
    db: Option<(&[DbModule], &[DbDependency])>,
    inv: Option<&crate::load::addons::Inventory>,
    series: Option<Series>,
) -> Plan {
    let mut plan = Plan {
        with_database: db.is_some(),
        with_addons: inv.is_some(),
        ..Plan::default()
    };
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut state: BTreeMap<&str, &str> = BTreeMap::new();
    if let Some((modules, rows)) = db {
        for m in modules {
            deps.entry(m.name.clone()).or_default();
            state.insert(m.name.as_str(), m.state.as_str());
        }
        for d in rows {
            deps.entry(d.module.clone())
                .or_default()
                .push(d.dependency.clone());
        }
    }
    if let Some(inv) = inv {
        for (name, a) in &inv.addons {
            deps.insert(name.clone(), a.manifest.depends.clone());
        }
    }
    let graph = Graph { deps };
    let installed = |m: &str| {
        state
            .get(m)
            .is_some_and(|s| matches!(*s, "installed" | "to upgrade"))
    };
    let status = |m: &str| -> (PlanStatus, &'static str) {
        let on_disk = inv.and_then(|i| i.addons.get(m));
        if installed(m) {
            return (
                PlanStatus::Installed,
                if on_disk.is_some() {
                    "both"
                } else {
                    "database"
                },
            );
        }
        if let Some(a) = on_disk {
            if !a.manifest.installable {
                return (PlanStatus::Uninstallable, "disk");
            }
            return (
                PlanStatus::Available,
                if state.contains_key(m) {
                    "both"
                } else {
                    "disk"
                },
            );
        }
        match state.get(m) {
            Some(&"uninstallable") => (PlanStatus::Uninstallable, "database"),
            // Known to the database: Odoo found its code when the apps list was last updated
            // (core modules are never on a repository's addons path).
            Some(_) => (PlanStatus::Available, "database"),
            None => (PlanStatus::Missing, "-"),
        }
    };
    let mut wanted: Vec<String> = Vec::new();
    for cat in cats {
        for m in &cat.modules {
            let (st, source) = status(m);
            plan.rows.push((cat.key.clone(), m.clone(), st, source));
            match st {
                PlanStatus::Installed => {}
                PlanStatus::Missing => {
                    let (hint, extra) = if cat.pypi {
                        source_hint(m, series)
                    } else {
                        (
                            "custom module: add its code to the addons path".to_string(),
                            None,
                        )
                    };
                    plan.findings.push(
                        Finding::new(
                            &r::MODULE_MISSING,
                            format!(
                                "category {}: not on the addons path and unknown to the database",
                                cat.key
                            ),
                        )
                        .module(m)
                        .key(cat.key.clone())
                        .hint(hint),
                    );
                    plan.findings.extend(extra);
                }
                PlanStatus::Uninstallable => plan.findings.push(
                    Finding::new(
                        &r::MODULE_UNINSTALLABLE,
                        format!("category {}: not installable", cat.key),
                    )
                    .module(m)
                    .key(cat.key.clone()),
                ),
                PlanStatus::Available => {}
            }
            if st != PlanStatus::Installed && !wanted.contains(m) {
                wanted.push(m.clone());
            }
        }
    }
    let closure = graph.closure(&wanted);
    let mut needed: BTreeSet<String> = BTreeSet::new();
    for m in &closure.modules {
        if installed(m) {
            continue;
        }
        match status(m).0 {
            PlanStatus::Uninstallable => plan.blocked.push(m.clone()),
            _ => {
                needed.insert(m.clone());
            }
        }
    }
    for m in &closure.missing {
        if !wanted.contains(m) {
            let (hint, extra) = source_hint(m, series);
            plan.findings.push(
                Finding::new(
                    &r::MODULE_MISSING,
                    "needed as a dependency, but not on the addons path and unknown to the database",
                )
                .module(m)
                .hint(hint),
            );
            plan.findings.extend(extra);
        }
    }
    plan.missing = closure.missing.into_iter().collect();
    let (order, on_cycle) = graph.install_order(&needed);
    plan.order = order;
    plan.blocked.extend(on_cycle);
    plan.blocked.sort();
    plan.blocked.dedup();
    plan.graph = graph;
    plan
}

/// The hint for a missing module, from the shipped PyPI data: a `pip install` pinned to the
/// series, or why there is none (an Enterprise module, no package, no release for the series,
/// the latter two also as a finding).
pub fn source_hint(module: &str, series: Option<Series>) -> (String, Option<Finding>) {
    let series_text = series
        .map(|s| s.to_string())
        .unwrap_or_else(|| "this series".into());
    match defs::source(module, series) {
        Source::Enterprise => (
            "a module of Odoo Enterprise: it has no PyPI package; it comes with an Enterprise subscription's addons, or choose a community replacement".into(),
            Some(
                Finding::new(
                    &r::NO_PACKAGE,
                    "a module of Odoo Enterprise: no PyPI package provides it",
                )
                .module(module)
                .severity(crate::finding::Severity::Info),
            ),
        ),
        Source::NoPackage => (
            "no package of this name on PyPI: add its repository to the addons path".into(),
            Some(
                Finding::new(&r::NO_PACKAGE, "no OCA package of this name exists on PyPI")
                    .module(module)
                    .severity(crate::finding::Severity::Info),
            ),
        ),
        Source::NoRelease { package, newest } => (
            format!(
                "{package} has no release for {series_text} (newest: {newest}); migrate the module or choose another"
            ),
            Some(
                Finding::new(
                    &r::NO_RELEASE,
                    format!("{package} has no release for {series_text}; its newest release is for {newest}"),
                )
                .module(module),
            ),
        ),
        Source::Pip {
            requirement,
            verified,
        } => (
            format!(
                "pip install '{requirement}'{} (or add its repository to the addons path)",
                if verified || series.is_none() {
                    ""
                } else {
                    "; a release for this series is not recorded, pip says whether one exists"
                }
            ),
            None,
        ),
        Source::Unknown => (
            match series {
                Some(s) => format!(
                    "not in the shipped PyPI data: if it is an OCA module, pip install '{}' may provide it; else add its repository to the addons path",
                    defs::pinned(module, s)
                ),
                None => "add its repository to the addons path".into(),
            },
            None,
        ),
    }
}
