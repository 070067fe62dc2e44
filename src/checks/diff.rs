//! What changed between two runs of one instance: findings new, resolved and still open (by
//! fingerprint), and modules installed, removed, upgraded, downgraded or in another state.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};

use crate::finding::Finding;
use crate::history::StoredRun;
use crate::load::version;
use crate::report::ModuleRecord;

/// What happened to a module between the two runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Installed,
    Removed,
    Upgraded,
    Downgraded,
    StateChanged,
    /// Code-only runs (no database): the addon appeared on, or left, the addons path.
    Added,
    Deleted,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Installed => "installed",
            Change::Removed => "removed",
            Change::Upgraded => "upgraded",
            Change::Downgraded => "downgraded",
            Change::StateChanged => "state changed",
            Change::Added => "added",
            Change::Deleted => "deleted",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModuleChange {
    pub name: String,
    pub change: Change,
    pub old: Option<ModuleRecord>,
    pub new: Option<ModuleRecord>,
}

/// A finding still open, and when it was first seen (`None` when unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Open {
    pub finding: Finding,
    pub first_seen: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Diff {
    /// In the new run only.
    pub new: Vec<Finding>,
    /// In the old run only.
    pub resolved: Vec<Finding>,
    /// In both (as the new run has them).
    pub open: Vec<Open>,
    pub modules: Vec<ModuleChange>,
}

/// Compares `old` with `new`. `first_seen` maps fingerprints to the time they were first
/// recorded (from the store); a finding open without one was seen at least since `old`.
pub fn diff(old: &StoredRun, new: &StoredRun, first_seen: &HashMap<String, String>) -> Diff {
    let fp = |f: &Finding| f.fingerprint.clone().unwrap_or_default();
    let old_fps: HashMap<String, &Finding> = old.findings.iter().map(|f| (fp(f), f)).collect();
    let new_fps: HashMap<String, &Finding> = new.findings.iter().map(|f| (fp(f), f)).collect();
    let mut d = Diff::default();
    for f in &new.findings {
        if old_fps.contains_key(&fp(f)) {
            let seen = first_seen
                .get(&fp(f))
                .cloned()
                .or_else(|| Some(old.started_at.clone()).filter(|s| !s.is_empty()));
            d.open.push(Open {
                finding: f.clone(),
                first_seen: seen,
            });
        } else {
            d.new.push(f.clone());
        }
    }
    d.resolved = old
        .findings
        .iter()
        .filter(|f| !new_fps.contains_key(&fp(f)))
        .cloned()
        .collect();
    d.modules = module_changes(&old.modules, &new.modules);
    d
}

/// Installed, as Odoo counts it: a module waiting for its upgrade or removal still is.
fn installed(m: &ModuleRecord) -> bool {
    matches!(
        m.state.as_deref(),
        Some("installed" | "to upgrade" | "to remove")
    )
}

/// The changes of the module inventory, by name.
pub fn module_changes(old: &[ModuleRecord], new: &[ModuleRecord]) -> Vec<ModuleChange> {
    let mut names: BTreeMap<&str, (Option<&ModuleRecord>, Option<&ModuleRecord>)> = BTreeMap::new();
    for m in old {
        names.entry(&m.name).or_default().0 = Some(m);
    }
    for m in new {
        names.entry(&m.name).or_default().1 = Some(m);
    }
    let mut out = Vec::new();
    for (name, (o, n)) in names {
        let change = match (o, n) {
            (Some(o), Some(n)) => changed(o, n),
            (None, Some(n)) if n.state.is_none() => Some(Change::Added),
            (None, Some(n)) if installed(n) => Some(Change::Installed),
            (None, Some(_)) => None,
            (Some(o), None) if o.state.is_none() => Some(Change::Deleted),
            (Some(o), None) if installed(o) => Some(Change::Removed),
            (Some(_), None) | (None, None) => None,
        };
        if let Some(change) = change {
            out.push(ModuleChange {
                name: name.to_string(),
                change,
                old: o.cloned(),
                new: n.cloned(),
            });
        }
    }
    out
}

fn changed(o: &ModuleRecord, n: &ModuleRecord) -> Option<Change> {
    match (installed(o), installed(n)) {
        (false, true) => return Some(Change::Installed),
        (true, false) => return Some(Change::Removed),
        _ => {}
    }
    // Both installed: the database's versions; code-only runs: the addons' versions.
    let (a, b) = if installed(o) {
        (&o.installed_version, &n.installed_version)
    } else {
        (&o.code_version, &n.code_version)
    };
    if let (Some(a), Some(b)) = (a, b) {
        if installed(o) || (o.state.is_none() && n.state.is_none()) {
            match version::compare(a, b) {
                Ordering::Less => return Some(Change::Upgraded),
                Ordering::Greater => return Some(Change::Downgraded),
                Ordering::Equal => {}
            }
        }
    }
    (o.state != n.state).then_some(Change::StateChanged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, state: Option<&str>, v: Option<&str>) -> ModuleRecord {
        ModuleRecord {
            name: name.into(),
            state: state.map(str::to_string),
            installed_version: v.map(str::to_string),
            code_version: None,
        }
    }

    #[test]
    fn module_changes_as_odoo_compares_versions() {
        let old = [
            m("a", Some("installed"), Some("18.0.1.0.9")),
            m("b", Some("installed"), Some("18.0.2.0.0")),
            m("c", Some("uninstalled"), None),
            m("d", Some("installed"), Some("18.0.1.0.0")),
            m("e", Some("installed"), Some("18.0.1.0.0")),
            m("f", Some("installed"), Some("18.0.1.0.0")),
        ];
        let new = [
            // 1.0.10 is newer than 1.0.9 (not as text).
            m("a", Some("installed"), Some("18.0.1.0.10")),
            m("b", Some("installed"), Some("18.0.1.9.0")),
            m("c", Some("installed"), Some("18.0.1.0.0")),
            m("d", Some("uninstalled"), None),
            m("e", Some("to upgrade"), Some("18.0.1.0.0")),
            m("f", Some("installed"), Some("18.0.1.0")),
        ];
        let got: Vec<(String, Change)> = module_changes(&old, &new)
            .into_iter()
            .map(|c| (c.name, c.change))
            .collect();
        assert_eq!(
            got,
            [
                ("a".to_string(), Change::Upgraded),
                ("b".to_string(), Change::Downgraded),
                ("c".to_string(), Change::Installed),
                ("d".to_string(), Change::Removed),
                ("e".to_string(), Change::StateChanged),
            ]
        );
    }
}
