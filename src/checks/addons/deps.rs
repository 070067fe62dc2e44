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
