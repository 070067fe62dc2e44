//! Dependency checks over the addons found on disk: missing dependencies, cycles, installable
//! addons that depend on uninstallable ones. (Shadowed duplicates and series mismatches are
//! reported by discovery and manifest loading.) A dependency on one of Odoo's own addons that
//! the path lacks is satisfied by the catalogue of the series, unless it is an Enterprise addon
//! and the addons run on Community (`D005`).

use super::core::OdooAddons;
use crate::finding::Finding;
use crate::load::addons::Inventory;
use crate::load::graph::Graph;
use crate::rules::addons as r;

/// The summary of the dependency findings inside Odoo's own addons (see [`super::core::group_core`]).
pub const CORE_RULE: &crate::rules::Rule = &r::CORE_FINDINGS;

/// The modules asked for on the command line that are on no addons path (and not in the
/// catalogue; an Enterprise one on Community is `D005`).
pub fn requested_missing(graph: &Graph, requested: &[String], odoo: &OdooAddons) -> Vec<Finding> {
    requested
        .iter()
        .filter(|m| !graph.contains(m))
        .map(|m| {
            if odoo.needs_enterprise(m) {
                Finding::new(
                    &r::NEEDS_ENTERPRISE,
                    format!(
                        "requested module `{m}` is an addon of Odoo Enterprise {}: it cannot be installed on Odoo Community",
                        odoo.series().unwrap_or_default()
                    ),
                )
                .module(m)
                .hint("check with --edition enterprise when the addons run on Odoo Enterprise")
            } else {
                Finding::new(
                    &r::MISSING_DEPENDENCY,
                    format!("requested module `{m}` is on no addons path"),
                )
                .module(m)
            }
        })
        .collect()
}

/// `graph` is [`Graph::with_catalogue`] of the same inventory and catalogue.
pub fn check(inv: &Inventory, graph: &Graph, odoo: &OdooAddons) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, addon) in &inv.addons {
        let m = &addon.manifest;
        for dep in &m.depends {
            let on_path = inv.addons.get(dep);
            if on_path.is_none() && inv.broken.contains_key(dep) {
                continue;
            }
            let catalogued = odoo.get(dep).filter(|_| on_path.is_none());
            match (on_path, catalogued) {
                (Some(d), _) if m.installable && !d.manifest.installable => out.push(
                    Finding::new(
                        &r::DEPENDS_ON_UNINSTALLABLE,
                        format!("depends on `{dep}`, which is not installable"),
                    )
                    .module(name)
                    .key(dep.clone())
                    .file(&addon.manifest_file)
                    .at_line(m.depends_line(dep)),
                ),
                (Some(_), _) => {}
                (None, Some(_)) if odoo.needs_enterprise(dep) => out.push(
                    Finding::new(
                        &r::NEEDS_ENTERPRISE,
                        format!(
                            "depends on `{dep}`, an addon of Odoo Enterprise {}: it cannot be installed on Odoo Community",
                            odoo.series().unwrap_or_default()
                        ),
                    )
                    .module(name)
                    .key(dep.clone())
                    .file(&addon.manifest_file)
                    .at_line(m.depends_line(dep))
                    .hint(format!(
                        "run it on Odoo Enterprise (check with --edition enterprise), or drop `{dep}` from `depends`"
                    )),
                ),
                (None, Some(c)) if m.installable && !c.installable => out.push(
                    Finding::new(
                        &r::DEPENDS_ON_UNINSTALLABLE,
                        format!(
                            "depends on `{dep}`, an addon of Odoo {} that is not installable",
                            odoo.series().unwrap_or_default()
                        ),
                    )
                    .module(name)
                    .key(dep.clone())
                    .file(&addon.manifest_file)
                    .at_line(m.depends_line(dep)),
                ),
                (None, Some(_)) => {}
                (None, None) => out.push(
                    Finding::new(
                        &r::MISSING_DEPENDENCY,
                        format!("depends on `{dep}`, which is on no addons path"),
                    )
                    .module(name)
                    .key(dep.clone())
                    .file(&addon.manifest_file)
                    .at_line(m.depends_line(dep))
                    .hint(match odoo.series() {
                        Some(s) => format!(
                            "add the addon that provides `{dep}` to the addons path (it is not an addon of Odoo {s})"
                        ),
                        None => format!(
                            "add the addon that provides `{dep}` to the addons path{}",
                            if inv.paths.len() == 1 {
                                " (core Odoo addons too, when checking a repository alone)"
                            } else {
                                ""
                            }
                        ),
                    }),
                ),
            }
        }
    }
    for cycle in graph.cycles() {
        let first = cycle[0].clone();
        let mut shown = cycle.clone();
        shown.push(first.clone());
        let mut f = Finding::new(
            &r::DEPENDENCY_CYCLE,
            format!("dependency cycle: {}", shown.join(" → ")),
        )
        .module(&first)
        .key(shown.join(" → "));
        if let Some(a) = inv.addons.get(&first) {
            // At the dependency that closes the cycle: the next module of it.
            let line = shown.get(1).and_then(|next| a.manifest.depends_line(next));
            f = f.file(&a.manifest_file).at_line(line);
        }
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{addons, codes, manifest};

    #[test]
    fn a_dependency_on_no_addons_path_is_missing() {
        let (_d, inv) = addons(&[
            ("a/__manifest__.py", &manifest(&["b", "gone"], "")),
            ("b/__manifest__.py", &manifest(&[], "")),
        ]);
        let f = check(&inv, &Graph::from_inventory(&inv), &OdooAddons::default());
        assert_eq!(codes(&f), ["D001"], "{f:?}");
        assert_eq!(f[0].module.as_deref(), Some("a"));
        assert!(f[0].message.contains("`gone`"), "{}", f[0].message);
    }

    #[test]
    fn depending_on_an_uninstallable_addon_and_cycles() {
        let (_d, inv) = addons(&[
            ("a/__manifest__.py", &manifest(&["old"], "")),
            (
                "old/__manifest__.py",
                &manifest(&[], "'installable': False,"),
            ),
            ("x/__manifest__.py", &manifest(&["y"], "")),
            ("y/__manifest__.py", &manifest(&["x"], "")),
        ]);
        let f = check(&inv, &Graph::from_inventory(&inv), &OdooAddons::default());
        let on_old: Vec<_> = f
            .iter()
            .filter(|f| f.is(&r::DEPENDS_ON_UNINSTALLABLE))
            .collect();
        assert_eq!(on_old.len(), 1, "{f:?}");
        assert_eq!(on_old[0].module.as_deref(), Some("a"));
        assert!(f.iter().any(|f| f.is(&r::DEPENDENCY_CYCLE)), "{f:?}");
        assert!(!f.iter().any(|f| f.is(&r::MISSING_DEPENDENCY)), "{f:?}");
    }

    #[test]
    fn catalogued_dependencies_are_satisfied_enterprise_ones_need_enterprise() {
        use crate::checks::addons::core::test_catalogue;
        use crate::load::catalogue::Edition::{Community, Enterprise};
        let (_d, inv) = addons(&[
            (
                "a/__manifest__.py",
                &manifest(&["mail", "account_accountant", "gone"], ""),
            ),
            // On the path: wins over the catalogue (which says `mail` needs `bus`).
            ("mail/__manifest__.py", &manifest(&[], "")),
        ]);
        let cat = test_catalogue(&[
            ("base", Community, &[], &[]),
            ("bus", Community, &["base"], &[]),
            ("mail", Community, &["bus"], &[]),
            ("account", Community, &["mail"], &[]),
            ("account_accountant", Enterprise, &["account"], &[]),
        ]);
        let community = OdooAddons::new(Some(cat.clone()), false);
        let g = Graph::with_catalogue(&inv, community.catalogue(), false);
        let f = check(&inv, &g, &community);
        assert_eq!(codes(&f), ["D001", "D005"], "{f:?}");
        let ent = f.iter().find(|f| f.is(&r::NEEDS_ENTERPRISE)).unwrap();
        assert!(
            ent.message.contains("`account_accountant`"),
            "{}",
            ent.message
        );
        assert_eq!(ent.module.as_deref(), Some("a"));
        let gone = f.iter().find(|f| f.is(&r::MISSING_DEPENDENCY)).unwrap();
        assert!(gone.message.contains("`gone`"), "{}", gone.message);
        // The path's `mail` (no dependencies) wins; `account` comes from the catalogue.
        assert_eq!(g.deps["mail"], Vec::<String>::new());
        assert!(g.contains("account") && !g.contains("account_accountant"));

        // Enterprise: the dependency is satisfied, with its own dependencies.
        let enterprise = OdooAddons::new(Some(cat), true);
        let g = Graph::with_catalogue(&inv, enterprise.catalogue(), true);
        let f = check(&inv, &g, &enterprise);
        assert_eq!(codes(&f), ["D001"], "{f:?}");
        let c = g.closure(&["account_accountant".to_string()]);
        assert_eq!(
            c.modules.into_iter().collect::<Vec<_>>(),
            ["account", "account_accountant", "mail"]
        );
        let (order, _) = g.install_order(&g.closure(&["a".to_string()]).modules);
        assert_eq!(order, ["mail", "account", "account_accountant", "a"]);
    }

    #[test]
    fn requested_modules_on_no_path() {
        let (_d, inv) = addons(&[("a/__manifest__.py", &manifest(&[], ""))]);
        let g = Graph::from_inventory(&inv);
        let f = requested_missing(&g, &["a".into(), "nowhere".into()], &OdooAddons::default());
        assert_eq!(codes(&f), ["D001"]);
        assert_eq!(f[0].module.as_deref(), Some("nowhere"));
        // An Enterprise module asked for on Community.
        use crate::checks::addons::core::test_catalogue;
        use crate::load::catalogue::Edition::Enterprise;
        let odoo = OdooAddons::new(
            Some(test_catalogue(&[("studio", Enterprise, &[], &[])])),
            false,
        );
        let f = requested_missing(&g, &["studio".into()], &odoo);
        assert_eq!(codes(&f), ["D005"]);
    }
}
