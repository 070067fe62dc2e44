//! Dependency checks over the addons found on disk: missing dependencies, cycles, installable
//! addons that depend on uninstallable ones. (Shadowed duplicates and series mismatches are
//! reported by discovery and manifest loading.)

use crate::finding::Finding;
use crate::load::addons::Inventory;
use crate::load::graph::Graph;
use crate::rules::addons as r;

/// The modules asked for on the command line that are on no addons path.
pub fn requested_missing(graph: &Graph, requested: &[String]) -> Vec<Finding> {
    requested
        .iter()
        .filter(|m| !graph.contains(m))
        .map(|m| {
            Finding::new(
                &r::MISSING_DEPENDENCY,
                format!("requested module `{m}` is on no addons path"),
            )
            .module(m)
        })
        .collect()
}

pub fn check(inv: &Inventory, graph: &Graph) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, addon) in &inv.addons {
        let m = &addon.manifest;
        for dep in &m.depends {
            match inv.addons.get(dep) {
                None if !inv.broken.contains_key(dep) => out.push(
                    Finding::new(
                        &r::MISSING_DEPENDENCY,
                        format!("depends on `{dep}`, which is on no addons path"),
                    )
                    .module(name)
                    .file(&addon.manifest_file)
                    .hint(format!(
                        "add the addon that provides `{dep}` to the addons path{}",
                        if inv.paths.len() == 1 {
                            " (core Odoo addons too, when checking a repository alone)"
                        } else {
                            ""
                        }
                    )),
                ),
                Some(d) if m.installable && !d.manifest.installable => out.push(
                    Finding::new(
                        &r::DEPENDS_ON_UNINSTALLABLE,
                        format!("depends on `{dep}`, which is not installable"),
                    )
                    .module(name)
                    .file(&addon.manifest_file),
                ),
                _ => {}
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
        .module(&first);
        if let Some(a) = inv.addons.get(&first) {
            f = f.file(&a.manifest_file);
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
        let f = check(&inv, &Graph::from_inventory(&inv));
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
        let f = check(&inv, &Graph::from_inventory(&inv));
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
    fn requested_modules_on_no_path() {
        let (_d, inv) = addons(&[("a/__manifest__.py", &manifest(&[], ""))]);
        let g = Graph::from_inventory(&inv);
        let f = requested_missing(&g, &["a".into(), "nowhere".into()]);
        assert_eq!(codes(&f), ["D001"]);
        assert_eq!(f[0].module.as_deref(), Some("nowhere"));
    }
}
