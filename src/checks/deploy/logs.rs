//! Check 13: log rotation. Compose mode: Docker's `log-opts` (daemon.json), the services'
//! `logging` options, or what `docker inspect` says the containers run with. Native mode: a
//! logrotate rule covering odoo.conf's `logfile`. In both, current log sizes against
//! `log_max_size_mb`.

use yaml_rust2::YamlLoader;

use super::Check;
use crate::config::settings::Settings;
use crate::load::deploy::{DaemonJson, LogFiles};
use crate::load::engine::Container;
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

/// The logrotate file (and pattern) whose rule covers `logfile`, among the files of the
/// logrotate directory (path and text, in order).
pub fn logrotate_rule_for(files: &[(String, String)], logfile: &str) -> Option<(String, String)> {
    for (f, text) in files {
        for p in logrotate_patterns(text) {
            let ok = globset::Glob::new(&p)
                .map(|g| g.compile_matcher().is_match(logfile))
                .unwrap_or(false);
            if ok || p == logfile {
                return Some((f.clone(), p));
            }
        }
    }
    None
}

fn size_check(c: &mut Check, files: &LogFiles, path: &str, max: u64) {
    if let Some(&len) = files.sizes.get(path) {
        let mb = len / (1024 * 1024);
        c.see(format!("{path}: {mb} MiB"));
        if len > max {
            c.warn_about(
                path.to_string(),
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

/// Check 13: the files [`crate::load::deploy::log_files`] read; `containers` are the compose
/// project's (check 2), `logfile` odoo.conf's.
pub fn check_logs(
    files: &LogFiles,
    s: &Settings,
    compose: bool,
    containers: &[Container],
    logfile: Option<&str>,
) -> Check {
    let mut c = Check::new(13, "log rotation");
    if compose {
        let daemon = match &files.daemon_json {
            DaemonJson::Text(text) => match daemon_log_rotation(text) {
                Ok((driver, size)) => {
                    c.see(format!(
                        "{}: log-driver {driver}{}",
                        s.docker_daemon_json.display(),
                        if size { ", max-size set" } else { "" }
                    ));
                    size || SELF_ROTATING.contains(&driver.as_str())
                }
                Err(e) => {
                    c.warn_about(
                        "daemon.json",
                        &r::LOGS,
                        format!("{}: not JSON: {e}", s.docker_daemon_json.display()),
                        "fix daemon.json",
                    );
                    false
                }
            },
            DaemonJson::Absent => {
                c.see(format!("{}: absent", s.docker_daemon_json.display()));
                false
            }
            DaemonJson::Unreadable(e) => {
                c.warn_about(
                    "daemon.json",
                    &r::LOGS,
                    format!("{}: {e}", s.docker_daemon_json.display()),
                    "fix daemon.json",
                );
                false
            }
        };
        let compose_text = &files.compose;
        for service in [&s.odoo_service, &s.db_service] {
            let from_compose = compose_logging(compose_text, service);
            let container = containers.iter().find(|x| &x.service == service);
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
                    c.warn_about(
                        format!("{service}:max-file"),
                        &r::LOGS,
                        format!("service `{service}` sets max-size without max-file"),
                        "add max-file (e.g. \"5\")",
                    );
                }
            } else {
                c.fail_about(
                    service.to_string(),
                    &r::LOGS,
                    format!("the logs of service `{service}` are not rotated (no max-size in daemon.json, compose logging or the container's LogConfig)"),
                    format!("add to service {service}: logging: {{driver: json-file, options: {{max-size: \"50m\", max-file: \"5\"}}}}"),
                );
            }
            if let Some(p) = container.and_then(|x| x.log_path.clone()) {
                size_check(&mut c, files, &p, s.log_max_size_bytes);
            }
        }
    } else {
        let Some(logfile) = logfile else {
            return Check::skipped(
                13,
                "log rotation",
                "logfile not set in odoo.conf (see check 5)",
            );
        };
        match logrotate_rule_for(&files.logrotate, logfile) {
            Some((file, pattern)) => c.see(format!("{logfile}: rotated by {file} ({pattern})")),
            None => c.fail_about(
                logfile.to_string(),
                &r::LOGS,
                format!("no logrotate rule in {} covers {logfile}", s.logrotate_dir.display()),
                format!(
                    "add {}/odoo: {logfile} {{ weekly rotate 8 compress missingok notifempty copytruncate }}",
                    s.logrotate_dir.display()
                ),
            ),
        }
        size_check(&mut c, files, logfile, s.log_max_size_bytes);
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

    #[test]
    fn log_rotation_judges_the_files_read() {
        use crate::checks::deploy::{test_settings, Status};
        let s = test_settings();
        let mut files = LogFiles {
            daemon_json: DaemonJson::Absent,
            compose: String::new(),
            logrotate: vec![(
                "/etc/logrotate.d/odoo".into(),
                "/var/log/odoo/*.log {\n weekly\n}\n".into(),
            )],
            sizes: [("/var/log/odoo/odoo.log".to_string(), 900 * 1024 * 1024)].into(),
        };
        let c = check_logs(&files, &s, false, &[], Some("/var/log/odoo/odoo.log"));
        assert_eq!(c.status, Status::Warn, "{:?}", c.findings);
        assert!(c
            .evidence_text()
            .contains("rotated by /etc/logrotate.d/odoo (/var/log/odoo/*.log)"));
        assert!(c.findings[0].message.contains("is 900 MiB"));
        let c = check_logs(&files, &s, false, &[], Some("/srv/odoo.log"));
        assert_eq!(c.status, Status::Fail);
        assert_eq!(
            check_logs(&files, &s, false, &[], None).status,
            Status::Skip
        );
        // compose: the db container's LogConfig rotates, odoo's logs are not rotated
        files.daemon_json = DaemonJson::Text(r#"{"log-driver":"json-file"}"#.into());
        let db = Container {
            service: s.db_service.clone(),
            log_driver: Some("local".into()),
            ..Container::default()
        };
        let c = check_logs(&files, &s, true, &[db], None);
        let msgs: Vec<&str> = c.findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(msgs[0].contains(&format!("service `{}` are not rotated", s.odoo_service)));
        assert!(c
            .evidence_text()
            .contains("rotated (docker inspect LogConfig)"));
    }
}
