//! Check 13: log rotation. Compose mode: Docker's `log-opts` (daemon.json), the services'
//! `logging` options, or what `docker inspect` says the containers run with. Native mode: a
//! logrotate rule covering odoo.conf's `logfile`. In both, current log sizes against
//! `log_max_size_mb`.

use std::path::Path;

use yaml_rust2::YamlLoader;

use super::{Check, Deploy};
use crate::load::fsread;
use crate::rules::deploy as r;

/// Log drivers that rotate or do not write files Docker keeps.
const SELF_ROTATING: [&str; 6] = ["local", "journald", "syslog", "none", "gelf", "fluentd"];

/// `log-driver` and whether `log-opts` has `max-size` in a daemon.json.
pub fn daemon_log_rotation(text: &str) -> Result<(String, bool), String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let driver = v["log-driver"].as_str().unwrap_or("json-file").to_string();
    let size = v["log-opts"]["max-size"].as_str().is_some();
    Ok((driver, size))
}

/// Per service of a compose file: (driver, has max-size, has max-file).
pub fn compose_logging(text: &str, service: &str) -> Option<(String, bool, bool)> {
    let docs = YamlLoader::load_from_str(text).ok()?;
    let logging = &docs.first()?["services"][service]["logging"];
    if logging.is_badvalue() {
        return None;
    }
    let driver = logging["driver"]
        .as_str()
        .unwrap_or("json-file")
        .to_string();
    let opts = &logging["options"];
    let has = |k: &str| !opts[k].is_badvalue() && !opts[k].is_null();
    Some((driver, has("max-size"), has("max-file")))
}

/// The path patterns of the logrotate rules in a file's text.
pub fn logrotate_patterns(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut current = String::new();
        for ch in line.chars() {
            match ch {
                '{' => {
                    if depth == 0 {
                        out.extend(
                            current
                                .split_whitespace()
                                .map(|s| s.trim_matches('"').to_string()),
                        );
                        current.clear();
                    }
                    depth += 1;
                }
                '}' => depth = depth.saturating_sub(1),
                _ if depth == 0 => current.push(ch),
                _ => {}
            }
        }
        if depth == 0 {
            out.extend(
                current
                    .split_whitespace()
                    .filter(|s| s.starts_with('/') || s.starts_with('"'))
                    .map(|s| s.trim_matches('"').to_string()),
            );
        }
    }
    out
}

/// The logrotate file (and pattern) whose rule covers `logfile`.
pub fn logrotate_rule_for(dir: &Path, logfile: &str) -> Option<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in files {
        let Ok(text) = fsread::read_to_string(&f, fsread::CONFIG_MAX) else {
            continue;
        };
        for p in logrotate_patterns(&text) {
            let ok = globset::Glob::new(&p)
                .map(|g| g.compile_matcher().is_match(logfile))
                .unwrap_or(false);
            if ok || p == logfile {
                return Some((f.display().to_string(), p));
            }
        }
    }
    None
}

fn size_check(c: &mut Check, path: &str, max: u64) {
    if let Ok(m) = std::fs::metadata(path) {
        let mb = m.len() / (1024 * 1024);
        c.see(format!("{path}: {mb} MiB"));
        if m.len() > max {
            c.warn(
                &r::LOGS,
                format!("{path} is {mb} MiB (threshold {} MiB)", max / (1024 * 1024)),
                "rotate it now and check the rotation settings",
            );
            if let Some(f) = c.findings.last_mut() {
                f.file = Some(path.to_string());
            }
        }
    }
}

/// Check 13.
pub fn check_logs(d: &Deploy) -> Check {
    let mut c = Check::new(13, "log rotation");
    let s = &d.settings;
    if d.compose() {
        let daemon = match fsread::read_to_string(&s.docker_daemon_json, fsread::CONFIG_MAX) {
            Ok(text) => match daemon_log_rotation(&text) {
                Ok((driver, size)) => {
                    c.see(format!(
                        "{}: log-driver {driver}{}",
                        s.docker_daemon_json.display(),
                        if size { ", max-size set" } else { "" }
                    ));
                    size || SELF_ROTATING.contains(&driver.as_str())
                }
                Err(e) => {
                    c.warn(
                        &r::LOGS,
                        format!("{}: not JSON: {e}", s.docker_daemon_json.display()),
                        "fix daemon.json",
                    );
                    false
                }
            },
            Err(e) if e.is_not_found() => {
                c.see(format!("{}: absent", s.docker_daemon_json.display()));
                false
            }
            Err(e) => {
                c.warn(
                    &r::LOGS,
                    format!("{}: {}", s.docker_daemon_json.display(), e.about_file()),
                    "fix daemon.json",
                );
                false
            }
        };
        let compose_text = s
            .compose_file
            .as_ref()
            .and_then(|f| fsread::read_to_string(f, fsread::CONFIG_MAX).ok())
            .unwrap_or_default();
        for service in [&s.odoo_service, &s.db_service] {
            let from_compose = compose_logging(&compose_text, service);
            let container = d.containers.iter().find(|x| &x.service == service);
            let from_inspect = container.map(|x| {
                (
                    x.log_driver.clone().unwrap_or_default(),
                    x.log_options.contains_key("max-size"),
                )
            });
            let rotated_compose = from_compose
                .as_ref()
                .is_some_and(|(drv, size, _)| *size || SELF_ROTATING.contains(&drv.as_str()));
            let rotated_inspect = from_inspect
                .as_ref()
                .is_some_and(|(drv, size)| *size || SELF_ROTATING.contains(&drv.as_str()));
            if rotated_inspect || rotated_compose || daemon {
                let how = if rotated_inspect {
                    "docker inspect LogConfig"
                } else if rotated_compose {
                    "compose logging options"
                } else {
                    "daemon.json log-opts"
                };
                c.see(format!("{service}: rotated ({how})"));
                if let Some((_, _, false)) =
                    from_compose.filter(|_| rotated_compose && !rotated_inspect)
                {
                    c.warn(
                        &r::LOGS,
                        format!("service `{service}` sets max-size without max-file"),
                        "add max-file (e.g. \"5\")",
                    );
                }
            } else {
                c.fail(
                    &r::LOGS,
                    format!("the logs of service `{service}` are not rotated (no max-size in daemon.json, compose logging or the container's LogConfig)"),
                    format!("add to service {service}: logging: {{driver: json-file, options: {{max-size: \"50m\", max-file: \"5\"}}}}"),
                );
            }
            if let Some(p) = container.and_then(|x| x.log_path.clone()) {
                size_check(&mut c, &p, s.log_max_size_bytes);
            }
        }
    } else {
        let logfile = d
            .conf
            .as_ref()
            .ok()
            .and_then(|conf| conf.get("logfile"))
            .filter(|v| !v.is_empty() && *v != "False" && *v != "None")
            .map(String::from);
        let Some(logfile) = logfile else {
            return Check::skipped(
                13,
                "log rotation",
                "logfile not set in odoo.conf (see check 5)",
            );
        };
        match logrotate_rule_for(&s.logrotate_dir, &logfile) {
            Some((file, pattern)) => c.see(format!("{logfile}: rotated by {file} ({pattern})")),
            None => c.fail(
                &r::LOGS,
                format!("no logrotate rule in {} covers {logfile}", s.logrotate_dir.display()),
                format!(
                    "add {}/odoo: {logfile} {{ weekly rotate 8 compress missingok notifempty copytruncate }}",
                    s.logrotate_dir.display()
                ),
            ),
        }
        size_check(&mut c, &logfile, s.log_max_size_bytes);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logrotate_rules() {
        let text = "# odoo\n/var/log/odoo/*.log /var/log/odoo/extra.txt {\n  weekly\n  rotate 4\n}\n/srv/odoo.log\n{\n daily\n}\n";
        assert_eq!(
            logrotate_patterns(text),
            [
                "/var/log/odoo/*.log",
                "/var/log/odoo/extra.txt",
                "/srv/odoo.log"
            ]
        );
    }

    #[test]
    fn daemon_json_and_compose_logging() {
        assert_eq!(
            daemon_log_rotation(
                r#"{"log-driver":"json-file","log-opts":{"max-size":"10m","max-file":"3"}}"#
            )
            .unwrap(),
            ("json-file".to_string(), true)
        );
        assert_eq!(
            daemon_log_rotation("{}").unwrap(),
            ("json-file".to_string(), false)
        );
        let compose = "services:\n  odoo:\n    logging:\n      driver: json-file\n      options:\n        max-size: 50m\n  db:\n    image: postgres\n";
        assert_eq!(
            compose_logging(compose, "odoo"),
            Some(("json-file".to_string(), true, false))
        );
        assert_eq!(compose_logging(compose, "db"), None);
    }
}
