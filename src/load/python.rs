//! Odoo's Python interpreter, for check 7 of the deploy gate: found from `python_command`,
//! the `#!` of odoo-bin, the interpreter a shell wrapper names, or a running Odoo process of
//! the deployment; then asked, by a probe script, which libraries it imports (the names come
//! as arguments). Judging the answer is in `checks/deploy/python.rs`.

use crate::config::settings::Settings;
use crate::load::exec::{Cmd, Ran};

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
fn running_interpreter(s: &Settings, db: Option<&str>) -> Option<(Vec<String>, String)> {
    let proc_dir = std::path::Path::new("/proc");
    for (pid, args) in crate::load::engine::odoo_processes(proc_dir) {
        if crate::load::engine::serves(proc_dir, pid, &args, &s.odoo_conf, db).is_some() {
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
fn interpreter(s: &Settings, db: Option<&str>) -> Result<(Vec<String>, String), String> {
    if !s.python_command.is_empty() {
        return Ok((s.python_command.clone(), "python_command".into()));
    }
    let odoo = &s.odoo_command[0];
    let Some(path) = crate::load::exec::which(odoo) else {
        return running_interpreter(s, db).ok_or_else(|| format!("{odoo} is not found"));
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
    if let Some(found) = running_interpreter(s, db) {
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

/// What the interpreter answered: where it was found and the probe's run.
#[derive(Debug, Clone)]
pub struct PythonProbe {
    pub source: String,
    pub ran: Ran,
}

/// Finds Odoo's interpreter (`database` tells this deployment's processes from others') and
/// runs the probe with `wanted` (`import:<module>`, `dist:<distribution>`); `Err` when no
/// interpreter was found.
pub fn probe(
    s: &Settings,
    database: Option<&str>,
    wanted: &[String],
) -> Result<PythonProbe, String> {
    let (argv, source) = interpreter(s, database)?;
    let ran = Cmd::from_argv(&argv)
        .expect("non-empty interpreter")
        .args(["-c", PROBE])
        .args(wanted.iter().cloned())
        .run(s.command_timeout);
    Ok(PythonProbe { source, ran })
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
