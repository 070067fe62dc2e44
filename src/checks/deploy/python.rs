//! Check 7: the Python libraries Odoo and the installed modules need, imported by Odoo's own
//! interpreter (the `#!` of odoo-bin in native mode, `python3` in the Odoo container in compose
//! mode, or `python_command`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Check, Deploy};
use crate::load::exec::Cmd;
use crate::rules::deploy as r;

/// What every Odoo needs.
pub const CORE: [&str; 4] = ["psycopg2", "requests", "werkzeug", "lxml"];

/// The probe run by the interpreter. The names come as arguments (never spliced into code).
/// Core libraries are imported; manifest dependencies are looked up the way Odoo's
/// `check_python_external_dependency` does: distribution metadata first, then import.
const PROBE: &str = r#"
import sys, json, importlib
try:
    from importlib import metadata
except ImportError:
    metadata = None
out = {}
for arg in sys.argv[1:]:
    kind, name = arg.split(":", 1)
    res = {"ok": False, "version": None, "error": None}
    if kind == "dist" and metadata is not None:
        base = name
        for sep in "<>=!~[; ":
            base = base.split(sep)[0]
        try:
            res["version"] = metadata.version(base)
            res["ok"] = True
        except Exception:
            pass
    if not res["ok"]:
        try:
            mod = importlib.import_module(name)
            res["ok"] = True
            v = getattr(mod, "__version__", None)
            if v is None and metadata is not None:
                try:
                    v = metadata.version(name)
                except Exception:
                    v = None
            res["version"] = None if v is None else str(v).split()[0]
        except Exception as e:
            res["error"] = "%s: %s" % (type(e).__name__, e)
    out[name] = res
print(json.dumps({"python": sys.version.split()[0], "executable": sys.executable, "libraries": out}))
"#;

/// The interpreter of a script, from its `#!` line (`#!/usr/bin/env python3` → `python3`).
pub fn shebang_interpreter(script: &std::path::Path) -> Option<Vec<String>> {
    let text = crate::load::fsread::read(script, crate::load::fsread::SOURCE_MAX).ok()?;
    let first = text.split(|b| *b == b'\n').next()?;
    let line = String::from_utf8_lossy(first);
    let rest = line.strip_prefix("#!")?.trim();
    let mut parts: Vec<String> = rest.split_whitespace().map(String::from).collect();
    if parts.first().is_some_and(|p| p.ends_with("/env")) {
        parts.remove(0);
    }
    let is_python = parts
        .first()
        .and_then(|p| p.rsplit('/').next())
        .is_some_and(|b| b.starts_with("python"));
    is_python.then_some(parts)
}

/// Absolute paths of Python interpreters named in a shell wrapper (`exec /opt/venv/bin/python3
/// /opt/odoo/odoo-bin "$@"`), and of scripts it runs whose `#!` is Python: the candidates for
/// the interpreter that really runs Odoo.
pub fn wrapper_interpreters(script: &std::path::Path) -> Vec<Vec<String>> {
    use std::io::Read;
    let mut text = Vec::new();
    let Ok(f) = std::fs::File::open(script) else {
        return Vec::new();
    };
    let _ = f.take(64 * 1024).read_to_end(&mut text);
    let text = String::from_utf8_lossy(&text);
    let re = regex::Regex::new(r#"(/[^\s"'`;|&()]+)"#).expect("regex");
    let mut out: Vec<Vec<String>> = Vec::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        for c in re.captures_iter(line) {
            let p = std::path::Path::new(&c[1]);
            let base = p
                .file_name()
                .map(|b| b.to_string_lossy().into_owned())
                .unwrap_or_default();
            let candidate =
                if base.starts_with("python") && crate::load::exec::which(&c[1]).is_some() {
                    Some(vec![c[1].to_string()])
                } else if p.is_file() {
                    shebang_interpreter(p)
                } else {
                    None
                };
            if let Some(c) = candidate {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
    }
    out
}

/// The interpreter of a running Odoo process of this deployment (`/proc/<pid>/exe`).
fn running_interpreter(d: &Deploy) -> Option<(Vec<String>, String)> {
    let proc_dir = std::path::Path::new("/proc");
    let db = d.database_name();
    for (pid, args) in crate::load::engine::odoo_processes(proc_dir) {
        if crate::load::engine::serves(proc_dir, pid, &args, &d.settings.odoo_conf, db.as_deref())
            .is_some()
        {
            let exe = std::fs::read_link(proc_dir.join(pid.to_string()).join("exe")).ok()?;
            let base = exe.file_name()?.to_string_lossy().into_owned();
            if base.starts_with("python") {
                return Some((
                    vec![exe.display().to_string()],
                    format!("interpreter of Odoo process {pid}"),
                ));
            }
        }
    }
    None
}

/// The interpreter to probe with and where that choice comes from, or why none was found.
fn interpreter(d: &Deploy) -> Result<(Vec<String>, String), String> {
    if !d.settings.python_command.is_empty() {
        return Ok((d.settings.python_command.clone(), "python_command".into()));
    }
    let odoo = &d.settings.odoo_command[0];
    let Some(path) = crate::load::exec::which(odoo) else {
        return running_interpreter(d).ok_or_else(|| format!("{odoo} is not found"));
    };
    if let Some(argv) = shebang_interpreter(&path) {
        return Ok((argv, format!("#! of {}", path.display())));
    }
    let named = wrapper_interpreters(&path);
    if named.len() == 1 {
        return Ok((
            named[0].clone(),
            format!("named by the wrapper {}", path.display()),
        ));
    }
    if let Some(found) = running_interpreter(d) {
        return Ok(found);
    }
    Err(if named.is_empty() {
        format!(
            "{} has no python #! and names no interpreter",
            path.display()
        )
    } else {
        format!(
            "{} names several interpreters ({})",
            path.display(),
            named
                .iter()
                .map(|a| a.join(" "))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Check 7.
pub fn check_python(d: &Deploy) -> Check {
    let mut c = Check::new(7, "python dependencies");
    let mut wanted: Vec<String> = CORE.iter().map(|n| format!("import:{n}")).collect();
    let mut from_manifests: BTreeSet<(String, String)> = BTreeSet::new();
    match (&d.inventory, &d.db) {
        (Some(inv), Ok(_)) => {
            for m in d.modules.iter().filter(|m| m.state == "installed") {
                if let Some(a) = inv.addons.get(&m.name) {
                    for dep in &a.manifest.python_dependencies {
                        from_manifests.insert((dep.clone(), m.name.clone()));
                    }
                }
            }
        }
        (None, _) => c.see("addons unknown (check 6): core libraries only"),
        (_, Err(_)) => c.see("installed modules unknown (check 4): core libraries only"),
    }
    // a manifest dependency that Odoo itself needs is checked once, as Odoo's
    let deps: BTreeSet<&String> = from_manifests
        .iter()
        .map(|(d, _)| d)
        .filter(|d| !CORE.contains(&d.as_str()))
        .collect();
    wanted.extend(deps.iter().map(|d| format!("dist:{d}")));
    let (argv, source) = match interpreter(d) {
        Ok(x) => x,
        Err(why) => {
            c.warn(
                &r::PYTHON_UNKNOWN,
                format!("the interpreter that runs Odoo was not found ({why}): the libraries were not checked"),
                "set python_command to Odoo's interpreter (for example /opt/odoo/venv/bin/python3)",
            );
            return c;
        }
    };
    let cmd = Cmd::from_argv(&argv)
        .expect("non-empty interpreter")
        .args(["-c", PROBE])
        .args(wanted);
    let ran = cmd.run(d.settings.command_timeout);
    let doc: Option<Value> = ran
        .stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok());
    let Some(doc) = doc.filter(|_| ran.success()) else {
        c.fail(
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
            c.fail(
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

    #[test]
    fn shebangs() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("odoo-bin");
        std::fs::write(&f, "#!/usr/bin/env python3\nimport odoo\n").unwrap();
        assert_eq!(shebang_interpreter(&f), Some(vec!["python3".to_string()]));
        std::fs::write(&f, "#!/opt/odoo/venv/bin/python3.12 -u\n").unwrap();
        assert_eq!(
            shebang_interpreter(&f),
            Some(vec![
                "/opt/odoo/venv/bin/python3.12".to_string(),
                "-u".to_string()
            ])
        );
        std::fs::write(&f, "#!/bin/sh\n").unwrap();
        assert_eq!(shebang_interpreter(&f), None);
    }

    #[test]
    fn a_shell_wrapper_names_the_interpreter_or_the_real_odoo_bin() {
        let dir = tempfile::tempdir().unwrap();
        let python = crate::load::exec::which("python3").expect("python3 on PATH");
        let wrapper = dir.path().join("odoo-bin");
        std::fs::write(
            &wrapper,
            format!("#!/bin/sh\n# /usr/bin/python2 is not this one\nexec {} /opt/odoo/odoo-bin \"$@\"\n", python.display()),
        )
        .unwrap();
        assert_eq!(
            wrapper_interpreters(&wrapper),
            vec![vec![python.display().to_string()]]
        );
        let real = dir.path().join("real-odoo-bin");
        std::fs::write(&real, "#!/opt/venv/bin/python3.12\n").unwrap();
        std::fs::write(
            &wrapper,
            format!("#!/bin/bash\ncd /srv && exec {} \"$@\"\n", real.display()),
        )
        .unwrap();
        assert_eq!(
            wrapper_interpreters(&wrapper),
            vec![vec!["/opt/venv/bin/python3.12".to_string()]]
        );
        std::fs::write(&wrapper, "#!/bin/sh\nexec odoo \"$@\"\n").unwrap();
        assert!(wrapper_interpreters(&wrapper).is_empty());
    }
}
