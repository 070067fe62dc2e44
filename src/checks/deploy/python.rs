//! Check 7: the Python libraries Odoo and the installed modules need, imported by Odoo's own
//! interpreter (the `#!` of odoo-bin in native mode, `python3` in the Odoo container in compose
//! mode, or `python_command`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::Check;
use crate::load::addons::Inventory;
use crate::load::db::DbModule;
use crate::load::python::PythonProbe;
use crate::rules::deploy as r;

/// What every Odoo needs.
pub const CORE: [&str; 4] = ["psycopg2", "requests", "werkzeug", "lxml"];

/// What check 7 asks Odoo's interpreter: the core libraries, and the Python dependencies of
/// the installed modules' manifests (with the modules naming each).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PythonNeeds {
    /// (dependency, module) of the installed modules' manifests.
    pub from_manifests: BTreeSet<(String, String)>,
    /// Why only the core libraries are asked, when so.
    pub core_only: Option<&'static str>,
}

impl PythonNeeds {
    /// The needs of the installed `modules` (`None` when the database is not read) of the
    /// addons `inventory` (`None` when check 6 did not build it).
    pub fn of(inventory: Option<&Inventory>, modules: Option<&[DbModule]>) -> PythonNeeds {
        let mut needs = PythonNeeds::default();
        match (inventory, modules) {
            (Some(inv), Some(modules)) => {
                for m in modules.iter().filter(|m| m.state == "installed") {
                    if let Some(a) = inv.addons.get(&m.name) {
                        for dep in &a.manifest.python_dependencies {
                            needs.from_manifests.insert((dep.clone(), m.name.clone()));
                        }
                    }
                }
            }
            (None, _) => needs.core_only = Some("addons unknown (check 6): core libraries only"),
            (_, None) => {
                needs.core_only = Some("installed modules unknown (check 4): core libraries only")
            }
        }
        needs
    }

    /// The manifest dependencies beyond the core libraries (a manifest dependency that Odoo
    /// itself needs is checked once, as Odoo's).
    fn extra(&self) -> BTreeSet<&String> {
        self.from_manifests
            .iter()
            .map(|(d, _)| d)
            .filter(|d| !CORE.contains(&d.as_str()))
            .collect()
    }

    /// The probe's arguments: `import:<core library>`, `dist:<manifest dependency>`.
    pub fn requests(&self) -> Vec<String> {
        let mut wanted: Vec<String> = CORE.iter().map(|n| format!("import:{n}")).collect();
        wanted.extend(self.extra().iter().map(|d| format!("dist:{d}")));
        wanted
    }
}

/// Check 7: what Odoo's interpreter answered to [`PythonNeeds::requests`]
/// ([`crate::load::python::probe`]), or why the interpreter was not found.
pub fn check_python(needs: &PythonNeeds, probe: &Result<PythonProbe, String>) -> Check {
    let mut c = Check::new(7, "python dependencies");
    if let Some(why) = needs.core_only {
        c.see(why);
    }
    let from_manifests = &needs.from_manifests;
    let deps = needs.extra();
    let (source, ran) = match probe {
        Ok(p) => (&p.source, &p.ran),
        Err(why) => {
            c.warn_about(
                "interpreter",
                &r::PYTHON_UNKNOWN,
                format!("the interpreter that runs Odoo was not found ({why}): the libraries were not checked"),
                "set python_command to Odoo's interpreter (for example /opt/odoo/venv/bin/python3)",
            );
            return c;
        }
    };
    let doc: Option<Value> = ran
        .stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok());
    let Some(doc) = doc.filter(|_| ran.success()) else {
        c.fail_about(
            "interpreter",
            &r::PYTHON,
            format!(
                "Odoo's interpreter ({source}) could not be probed: {}",
                ran.failure()
            ),
            "set python_command to Odoo's interpreter",
        );
        return c;
    };
    c.see(format!(
        "Python {} ({})",
        doc["python"].as_str().unwrap_or("?"),
        source
    ));
    let libs = &doc["libraries"];
    let mut seen = Vec::new();
    let mut report = |c: &mut Check, name: &str, users: &[String]| {
        let res = &libs[name];
        if res["ok"].as_bool() == Some(true) {
            seen.push(format!("{name} {}", res["version"].as_str().unwrap_or("?")));
        } else {
            let who = if users.is_empty() {
                "Odoo".to_string()
            } else {
                users.join(", ")
            };
            c.fail_about(
                name.to_string(),
                &r::PYTHON,
                format!(
                    "{name} (needed by {who}) cannot be imported: {}",
                    res["error"].as_str().unwrap_or("not installed")
                ),
                format!("install it into Odoo's environment: pip install {name}"),
            );
            if !users.is_empty() {
                if let Some(f) = c.findings.last_mut() {
                    f.module = Some(users[0].clone());
                }
            }
        }
    };
    for name in CORE {
        report(&mut c, name, &[]);
    }
    for dep in deps {
        let users: Vec<String> = from_manifests
            .iter()
            .filter(|(d, _)| d == dep)
            .map(|(_, m)| m.clone())
            .collect();
        report(&mut c, dep, &users);
    }
    c.see(seen.join(", "));
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::deploy::Status;
    use crate::testdata::db_module;

    fn probe(code: i32, stdout: &str) -> Result<PythonProbe, String> {
        Ok(PythonProbe {
            source: "python_command".into(),
            ran: crate::testdata::ran("python3 -c …", Some(code), stdout),
        })
    }

    #[test]
    fn python_needs_and_libraries() {
        let (_dir, inv) = crate::testdata::addons(&[(
            "sale_x/__manifest__.py",
            &crate::testdata::manifest(
                &["base"],
                "'external_dependencies': {'python': ['lxml', 'zeep']},",
            ),
        )]);
        let modules = [db_module("sale_x", "installed", Some("18.0.1.0.0"))];
        let needs = PythonNeeds::of(Some(&inv), Some(&modules));
        assert_eq!(
            needs.requests(),
            [
                "import:psycopg2",
                "import:requests",
                "import:werkzeug",
                "import:lxml",
                "dist:zeep"
            ]
        );
        let ok = |v: &str| serde_json::json!({"ok": true, "version": v, "error": null});
        let doc = serde_json::json!({"python": "3.12.3", "libraries": {
            "psycopg2": ok("2.9.9"), "requests": ok("2.31.0"), "werkzeug": ok("3.0.1"),
            "lxml": ok("5.2.1"),
            "zeep": {"ok": false, "version": null, "error": "ModuleNotFoundError: No module named 'zeep'"},
        }});
        let c = check_python(&needs, &probe(0, &format!("noise\n{doc}\n")));
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.findings.len(), 1);
        assert!(c.findings[0]
            .message
            .contains("zeep (needed by sale_x) cannot be imported: ModuleNotFoundError"));
        assert_eq!(c.findings[0].module.as_deref(), Some("sale_x"));
        assert!(c.evidence_text().contains("Python 3.12.3 (python_command)"));
        let needs = PythonNeeds::of(None, Some(&modules));
        assert_eq!(needs.requests().len(), 4);
        let c = check_python(&needs, &probe(1, ""));
        assert!(c.evidence_text().contains("addons unknown (check 6)"));
        assert!(c.findings[0].message.contains("could not be probed"));
        let c = check_python(&needs, &Err("odoo-bin is not found".into()));
        assert_eq!(c.status, Status::Warn);
    }
}
