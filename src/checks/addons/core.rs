//! What the checks know of Odoo's own addons in a run: the catalogue of the target series (for
//! addons that are not on the addons path) and the edition the addons run on. Also the
//! grouping of findings that live inside Odoo's own addons, which the user of an addons
//! repository cannot fix, into one summary line (`--include-core` shows them one by one).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::finding::{Finding, Severity};
use crate::load::catalogue::{CatalogueAddon, Edition, SeriesCatalogue};
use crate::rules::Rule;

/// Odoo's own addons as the checks see them.
#[derive(Debug, Clone, Default)]
pub struct OdooAddons {
    /// The catalogue of the target series, when the series is known and catalogued.
    pub catalogue: Option<Arc<SeriesCatalogue>>,
    /// Odoo Enterprise's addons are available (`--edition enterprise`, or `web_enterprise`
    /// installed in the database).
    pub enterprise: bool,
}

impl OdooAddons {
    pub fn new(catalogue: Option<SeriesCatalogue>, enterprise: bool) -> OdooAddons {
        OdooAddons {
            catalogue: catalogue.map(Arc::new),
            enterprise,
        }
    }

    pub fn catalogue(&self) -> Option<&SeriesCatalogue> {
        self.catalogue.as_deref()
    }

    /// The catalogued addon `name`.
    pub fn get(&self, name: &str) -> Option<&CatalogueAddon> {
        self.catalogue.as_ref()?.addons.get(name)
    }

    /// True when `name` is one of Odoo's own addons (Community or Enterprise) of the series.
    pub fn is_core(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// True when `name` is an Odoo Enterprise addon and Enterprise is not available.
    pub fn needs_enterprise(&self, name: &str) -> bool {
        !self.enterprise
            && self
                .get(name)
                .is_some_and(|a| a.edition == Edition::Enterprise)
    }

    /// `18.0`, when a catalogue is loaded.
    pub fn series(&self) -> Option<&str> {
        self.catalogue.as_ref().map(|c| c.series.as_str())
    }

    /// `community` or `enterprise`.
    pub fn edition_name(&self) -> &'static str {
        if self.enterprise {
            "enterprise"
        } else {
            "community"
        }
    }
}

/// Replaces the findings of `families` that belong to Odoo's own addons (the module is
/// catalogued) by one `rule` finding (info) that counts them, unless `include` (`--include-core`).
/// Findings of other families or modules are kept as they are.
pub fn group_core(
    findings: Vec<Finding>,
    odoo: &OdooAddons,
    include: bool,
    rule: &'static Rule,
    families: &[crate::rules::Family],
) -> Vec<Finding> {
    group_core_if(findings, odoo, include, rule, |f| {
        f.family().is_some_and(|fam| families.contains(&fam))
    })
}

/// [`group_core`] for the findings `groups` selects.
pub fn group_core_if(
    findings: Vec<Finding>,
    odoo: &OdooAddons,
    include: bool,
    rule: &'static Rule,
    groups: impl Fn(&Finding) -> bool,
) -> Vec<Finding> {
    if include || odoo.catalogue.is_none() {
        return findings;
    }
    let mut kept = Vec::with_capacity(findings.len());
    let mut by_code: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut by_severity: BTreeMap<Severity, usize> = BTreeMap::new();
    let mut modules: BTreeSet<String> = BTreeSet::new();
    for f in findings {
        let core = f.module.as_deref().is_some_and(|m| odoo.is_core(m)) && groups(&f);
        if core {
            *by_code.entry(f.code).or_default() += 1;
            *by_severity.entry(f.severity).or_default() += 1;
            modules.extend(f.module.clone());
        } else {
            kept.push(f);
        }
    }
    if by_code.is_empty() {
        return kept;
    }
    let total: usize = by_code.values().sum();
    let severities: Vec<String> = by_severity
        .iter()
        .rev()
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    let codes: Vec<String> = by_code.iter().map(|(c, n)| format!("{c} ×{n}")).collect();
    let shown: Vec<&str> = modules.iter().take(8).map(String::as_str).collect();
    let more = if modules.len() > shown.len() {
        format!(", … ({} in all)", modules.len())
    } else {
        String::new()
    };
    kept.push(
        Finding::new(
            rule,
            format!(
                "{total} finding(s) about Odoo's own addons of {} ({}; {}) in {}{more}: not about the addons checked",
                odoo.series().unwrap_or("?"),
                severities.join(", "),
                codes.join(", "),
                shown.join(", ")
            ),
        )
        .hint("--include-core lists them one by one"),
    );
    kept
}

/// One addon of [`test_catalogue`]: name, edition, depends, registrations
/// `(registry, key, bundle)`.
#[cfg(test)]
pub type TestAddon<'a> = (
    &'a str,
    Edition,
    &'a [&'a str],
    &'a [(&'a str, &'a str, &'a str)],
);

/// A catalogue built in a unit test: `(name, edition, depends, [(registry, key, bundle)])`
/// (an empty bundle leaves the registration's bundles empty).
#[cfg(test)]
pub fn test_catalogue(addons: &[TestAddon]) -> SeriesCatalogue {
    use crate::load::catalogue::{Registration, Source, FORMAT};
    SeriesCatalogue {
        format: FORMAT,
        series: "18.0".into(),
        source: Source {
            name: "test".into(),
            commit: None,
            date: None,
            release: None,
            notes: Vec::new(),
        },
        addons: addons
            .iter()
            .map(|(name, edition, depends, regs)| {
                (
                    name.to_string(),
                    CatalogueAddon {
                        edition: *edition,
                        version: Some("18.0.1.0".into()),
                        depends: depends.iter().map(|d| d.to_string()).collect(),
                        auto_install: serde_json::Value::Bool(false),
                        installable: true,
                        application: false,
                        category: None,
                        license: "LGPL-3".into(),
                        external_dependencies: BTreeMap::new(),
                        registrations: regs
                            .iter()
                            .map(|(registry, key, bundle)| Registration {
                                registry: registry.to_string(),
                                key: key.to_string(),
                                file: if *edition == Edition::Community {
                                    format!("/{name}/static/src/x.js")
                                } else {
                                    String::new()
                                },
                                line: if *edition == Edition::Community { 3 } else { 0 },
                                bundles: if bundle.is_empty() {
                                    Vec::new()
                                } else {
                                    vec![bundle.to_string()]
                                },
                            })
                            .collect(),
                        client_actions: Vec::new(),
                        views: Vec::new(),
                        templates: Vec::new(),
                        test_templates: Vec::new(),
                    },
                )
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::client_actions as r;
    use crate::rules::Family;

    #[test]
    fn findings_of_odoo_addons_are_counted_in_one_line() {
        let cat = test_catalogue(&[("base", Edition::Community, &[], &[])]);
        let odoo = OdooAddons::new(Some(cat), false);
        let f = vec![
            Finding::new(&r::NOT_A_DEPENDENCY, "x").module("base"),
            Finding::new(&r::NOT_A_DEPENDENCY, "y").module("base"),
            Finding::new(&r::NOT_A_DEPENDENCY, "z").module("mine"),
            Finding::new(&crate::rules::db::STUCK_STATE, "s").module("base"),
        ];
        let out = group_core(
            f.clone(),
            &odoo,
            false,
            &r::CORE_FINDINGS,
            &[Family::ClientAction],
        );
        let codes: Vec<&str> = out.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["A004", "V003", "A010"], "{out:?}");
        assert!(
            out[2].message.starts_with("2 finding(s)"),
            "{}",
            out[2].message
        );
        assert!(out[2].message.contains("A004 ×2"), "{}", out[2].message);
        assert_eq!(out[2].severity, Severity::Info);
        // --include-core keeps them.
        let all = group_core(f, &odoo, true, &r::CORE_FINDINGS, &[Family::ClientAction]);
        assert_eq!(all.len(), 4);
    }

    #[test]
    fn enterprise_is_needed_only_on_community() {
        let cat = test_catalogue(&[
            ("account", Edition::Community, &[], &[]),
            ("account_accountant", Edition::Enterprise, &["account"], &[]),
        ]);
        let community = OdooAddons::new(Some(cat.clone()), false);
        assert!(community.needs_enterprise("account_accountant"));
        assert!(!community.needs_enterprise("account"));
        assert!(!community.needs_enterprise("unknown"));
        let enterprise = OdooAddons::new(Some(cat), true);
        assert!(!enterprise.needs_enterprise("account_accountant"));
    }
}
