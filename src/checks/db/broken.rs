//! Broken modules and records in the database: uninstallable modules, installed modules with a
//! dependency that is not installed, menus whose action is gone, XML ids whose record is gone.

use crate::finding::Finding;
use crate::load::db::{DanglingMenu, DbDependency, DbModule, OrphanXmlId};
use crate::rules::db as r;

use super::versions::{is_installed_state, HintCtx};

/// Modules in state `uninstallable`, but for the Odoo Enterprise placeholders (`to_buy`) that
/// Odoo Community lists: those are not findings.
pub fn uninstallable(
    modules: &[DbModule],
    to_buy: &std::collections::BTreeSet<String>,
) -> Vec<Finding> {
    modules
        .iter()
        .filter(|m| m.state == "uninstallable" && !to_buy.contains(&m.name))
        .map(|m| {
            Finding::new(
                &r::UNINSTALLABLE,
                "state `uninstallable` (not installable, or its code was missing, when the apps list was last updated)",
            )
            .module(&m.name)
        })
        .collect()
}

pub fn dependencies(deps: &[DbDependency], hint: &HintCtx) -> Vec<Finding> {
    deps.iter()
        .filter(|d| d.module_state == "installed")
        .filter(|d| {
            !d.dependency_state
                .as_deref()
                .is_some_and(is_installed_state)
        })
        .map(|d| {
            let state = d
                .dependency_state
                .as_deref()
                .map(|s| format!("is `{s}`"))
                .unwrap_or_else(|| "is unknown to the database".into());
            Finding::new(
                &r::MISSING_INSTALLED_DEPENDENCY,
                format!("installed, but its dependency `{}` {state}", d.dependency),
            )
            .module(&d.module)
            .key(d.dependency.clone())
            .hint(hint.odoo("-i", &d.dependency))
        })
        .collect()
}

pub fn menus(menus: &[DanglingMenu], hint: &HintCtx) -> Vec<Finding> {
    menus
        .iter()
        .map(|m| {
            let owner = m
                .xmlid
                .as_deref()
                .and_then(|x| x.split_once('.'))
                .map(|x| x.0);
            let mut f = Finding::new(
                &r::DANGLING_MENU,
                format!(
                    "menu {} \"{}\"{}{} opens `{}`, which does not exist",
                    m.id,
                    m.name.as_deref().unwrap_or(""),
                    m.xmlid
                        .as_deref()
                        .map(|x| format!(" ({x})"))
                        .unwrap_or_default(),
                    if m.active { "" } else { " [inactive]" },
                    m.action
                ),
            )
            .key(m.xmlid.clone().unwrap_or_else(|| format!("menu {}", m.id)));
            if let Some(o) = owner {
                f = f.module(o).hint(format!(
                    "update the module that owns the menu: {}",
                    hint.odoo("-u", o)
                ));
            }
            f
        })
        .collect()
}

pub fn xmlids(orphans: &[OrphanXmlId], hint: &HintCtx) -> Vec<Finding> {
    orphans
        .iter()
        .map(|o| {
            let id = match &o.module {
                Some(m) => format!("{m}.{}", o.name),
                None => format!("{} (its module is NULL)", o.name),
            };
            let f = Finding::new(
                &r::ORPHAN_XMLID,
                format!(
                    "XML id {id} points at {} {}, which no longer exists",
                    o.model,
                    o.res_id.map(|i| i.to_string()).unwrap_or_default()
                ),
            )
            .key(id.clone());
            match &o.module {
                Some(m) => f.module(m).hint(format!(
                    "update the module ({}) or delete the stale ir_model_data row",
                    hint.odoo("-u", m)
                )),
                None => f.hint("delete the stale ir_model_data row"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{codes, db_module};

    fn hint() -> HintCtx {
        HintCtx {
            conf: "c".into(),
            db: "d".into(),
        }
    }

    #[test]
    fn uninstallable_modules() {
        let to_buy = ["placeholder".to_string()].into_iter().collect();
        let f = uninstallable(
            &[
                db_module("a", "uninstallable", None),
                db_module("b", "installed", None),
                db_module("placeholder", "uninstallable", None),
            ],
            &to_buy,
        );
        assert_eq!(codes(&f), [r::UNINSTALLABLE.code]);
        assert_eq!(f[0].module.as_deref(), Some("a"));
    }

    #[test]
    fn an_installed_module_needs_its_dependencies_installed() {
        let dep = |module_state: &str, dependency: &str, state: Option<&str>| DbDependency {
            module: "m".into(),
            module_state: module_state.into(),
            dependency: dependency.into(),
            dependency_state: state.map(String::from),
        };
        let f = dependencies(
            &[
                dep("installed", "ok", Some("installed")),
                dep("installed", "pending", Some("to upgrade")),
                dep("installed", "off", Some("uninstalled")),
                dep("installed", "unknown", None),
                dep("uninstalled", "off", Some("uninstalled")),
            ],
            &hint(),
        );
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "installed, but its dependency `off` is `uninstalled`",
                "installed, but its dependency `unknown` is unknown to the database",
            ]
        );
        assert_eq!(f[0].hint, "odoo-bin -c c -d d -i off --stop-after-init");
    }
}
