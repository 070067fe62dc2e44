//! Monitoring end to end: `--format prometheus`, `--prometheus-textfile` and `--format nagios`
//! of the real binary on the real OCA corpus, copies of the real Odoo 18 database and the
//! deploy gate's test deployment; the metrics are checked with `promtool check metrics`, the
//! shipped alerting rules with `promtool check rules` and `promtool test rules`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// `promtool` (Debian's `prometheus` package): $ODOO_AUDIT_PROMTOOL, which scripts/test.sh sets
/// after installing it (a path that is not there fails the test), else on PATH.
pub(crate) fn promtool() -> PathBuf {
    if let Some(p) = std::env::var_os("ODOO_AUDIT_PROMTOOL") {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "ODOO_AUDIT_PROMTOOL={} does not exist: scripts/test.sh installs Debian's prometheus package",
            p.display()
        );
        return p;
    }
    let ok = Command::new("promtool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "promtool not found: scripts/test.sh installs it (Debian's prometheus package); or set ODOO_AUDIT_PROMTOOL"
    );
    PathBuf::from("promtool")
}

/// Runs promtool with `args` (and `stdin` as its input); panics with its output unless it
/// succeeds.
fn promtool_ok(args: &[&str], stdin: Option<&str>) {
    use std::io::Write;
    let mut c = Command::new(promtool());
    c.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().expect("run promtool");
    let input = stdin.unwrap_or_default().to_string();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().expect("promtool");
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "promtool {args:?} failed:\n{}{}\ninput:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        stdin.unwrap_or_default()
    );
}

/// `promtool check metrics` (the exposition format and its lint) on `text`.
fn check_metrics(text: &str) {
    assert!(!text.is_empty(), "no metrics");
    promtool_ok(&["check", "metrics"], Some(text));
}

/// One sample: name, labels (unescaped), value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the samples of a text exposition, unescaping label values (`\\`, `\"`, `\n`).
fn samples(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (name, rest) = line.split_once('{').expect("labels");
        let mut labels = BTreeMap::new();
        let mut chars = rest.chars().peekable();
        loop {
            let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
            assert_eq!(chars.next(), Some('"'), "{line}");
            let mut value = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some('n') => value.push('\n'),
                        Some(c) => value.push(c),
                        None => panic!("{line}"),
                    },
                    '"' => break,
                    c => value.push(c),
                }
            }
            labels.insert(key, value);
            match chars.next() {
                Some(',') => continue,
                Some('}') => break,
                other => panic!("{other:?} in {line}"),
            }
        }
        let value: String = chars.collect();
        let value = value.strip_prefix(' ').expect("one space before the value");
        assert!(!value.contains(' '), "a timestamp: {line}");
        out.push((name.to_string(), labels, value.parse().expect("value")));
    }
    out
}

/// The value of the sample of `name` whose labels include `want`.
fn value(text: &str, name: &str, want: &[(&str, &str)]) -> Option<f64> {
    let found: Vec<f64> = samples(text)
        .into_iter()
        .filter(|(n, l, _)| {
            n == name
                && want
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(v))
        })
        .map(|(_, _, v)| v)
        .collect();
    assert!(found.len() <= 1, "{name} {want:?}: {found:?}\n{text}");
    found.first().copied()
}

/// The samples of an exposition as promtool series (`name{labels}`) and values.
fn series_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("sample");
            (series.to_string(), value.to_string())
        })
        .collect()
}

/// Runs `promtool test rules` with the shipped rules on real metrics: the samples of `before`
/// for the first hour (0 to 59 min), those of `after` for the second (60 to 120 min), one a
/// minute; `tests` are its `alert_rule_test` cases. The test file is JSON (which is YAML).
fn assert_alerts(before: &str, after: &str, tests: serde_json::Value) {
    let (b, a) = (series_values(before), series_values(after));
    let mut names: Vec<&String> = b.keys().chain(a.keys()).collect();
    names.sort();
    names.dedup();
    let input: Vec<serde_json::Value> = names
        .into_iter()
        .map(|n| {
            let v = |m: &BTreeMap<String, String>| m.get(n).cloned().unwrap_or("_".into());
            serde_json::json!({"series": n, "values": format!("{}x59 {}x60", v(&b), v(&a))})
        })
        .collect();
    let rules =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/monitoring/odoo-audit.rules.yml");
    let doc = serde_json::json!({
        "rule_files": [rules],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": input, "alert_rule_test": tests}],
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("real.test.yml");
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    promtool_ok(&["test", "rules", file.to_str().unwrap()], None);
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The Nagios line of a run: exactly one line, `ODOO-AUDIT <COMMAND> <STATE> - …`.
fn nagios_line<'a>(out: &'a str, command: &str, state: &str) -> &'a str {
    assert_eq!(out.lines().count(), 1, "{out}");
    let line = out.trim_end_matches('\n');
    assert!(
        line.starts_with(&format!("ODOO-AUDIT {command} {state} - ")),
        "{line}"
    );
    line
}

/// The performance data of a Nagios line, by label.
fn perfdata(line: &str) -> BTreeMap<String, String> {
    let (_, perf) = line.split_once(" | ").expect("perfdata");
    perf.split(' ')
        .map(|p| {
            let (k, v) = p.split_once('=').expect("label=value");
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn check_client_actions_on_the_corpus_as_metrics_and_nagios_states() {
    let (_tmp, addons) = corpus_copy(&[]);
    let path = addons.to_str().unwrap();
    let cmd = |extra: &[&str]| {
        let mut c = bin();
        c.args(["check-client-actions", "--addons-path", path])
            .args(["--instance", "ci"])
            .args(extra);
        c
    };
    // The corpus as it is: warnings only.
    let (code, text, err) = run(&mut cmd(&["--format", "prometheus"]));
    assert_eq!(code, 0, "{err}");
    check_metrics(&text);
    let l = [("instance", "ci"), ("command", "check-client-actions")];
    assert_eq!(value(&text, "odoo_audit_up", &l), Some(1.0));
    let by = |sev: &str| {
        value(
            &text,
            "odoo_audit_findings_by_severity",
            &[l[0], l[1], ("severity", sev)],
        )
    };
    assert_eq!(by("error"), Some(0.0), "{text}");
    assert_eq!(by("info"), Some(0.0), "{text}");
    let warnings = by("warning").unwrap();
    assert!(warnings >= 1.0, "{text}");
    // The per-code counts add up to the per-severity ones.
    let per_code: f64 = samples(&text)
        .iter()
        .filter(|(n, l, _)| n == "odoo_audit_findings" && l["severity"] == "warning")
        .map(|(_, _, v)| v)
        .sum();
    assert_eq!(per_code, warnings);
    assert!(text.contains("# TYPE odoo_audit_findings gauge"));
    // No database: no module states.
    assert_eq!(value(&text, "odoo_audit_modules", &l), None);
    let (code, out, err) = run(&mut cmd(&["--format", "nagios"]));
    assert_eq!(code, 1, "{out}{err}");
    let line = nagios_line(&out, "CHECK-CLIENT-ACTIONS", "WARNING");
    let perf = perfdata(line);
    assert_eq!(perf["errors"], "0;;1;0");
    assert_eq!(perf["warnings"], format!("{warnings};1;;0"));
    assert!(perf["duration"].ends_with('s'), "{line}");
    assert!(!perf.contains_key("modules_installed"), "{line}");

    // Without the warnings' codes: OK.
    let codes: Vec<String> = samples(&text)
        .into_iter()
        .filter(|(n, _, _)| n == "odoo_audit_findings")
        .map(|(_, l, _)| l["code"].clone())
        .collect();
    let allow = codes.join(",");
    let (code, out, _) = run(&mut cmd(&["--format", "nagios", "--allow", &allow]));
    assert_eq!(code, 0, "{out}");
    nagios_line(&out, "CHECK-CLIENT-ACTIONS", "OK");

    // A planted tag nobody registers: an error, CRITICAL; WARNING with --fail-on never.
    plant_tag(&addons);
    let (code, text, err) = run(&mut cmd(&["--format", "prometheus"]));
    assert_eq!(code, 1, "{err}");
    check_metrics(&text);
    assert_eq!(
        value(
            &text,
            "odoo_audit_findings",
            &[l[0], l[1], ("severity", "error"), ("code", "A001")]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(value(&text, "odoo_audit_exit_code", &l), Some(1.0));
    assert_eq!(
        value(&text, "odoo_audit_last_success_timestamp_seconds", &l),
        None
    );
    let (code, out, _) = run(&mut cmd(&["--format", "nagios"]));
    assert_eq!(code, 2, "{out}");
    let line = nagios_line(&out, "CHECK-CLIENT-ACTIONS", "CRITICAL");
    assert!(line.contains("[A001] planted_tag: "), "{line}");
    assert_eq!(perfdata(line)["errors"], "1;;1;0");
    let (code, out, _) = run(&mut cmd(&["--format", "nagios", "--fail-on", "never"]));
    assert_eq!(code, 1, "{out}");
    let line = nagios_line(&out, "CHECK-CLIENT-ACTIONS", "WARNING");
    assert_eq!(perfdata(line)["errors"], "1;1;;0");
    // --ci keeps its meaning: errors are critical.
    let (code, out, _) = run(&mut cmd(&["--ci", "--format", "nagios"]));
    assert_eq!(code, 2, "{out}");
}

#[test]
fn versions_and_broken_on_a_copy_of_the_database() {
    let db = TestDb::new("monitoring_versions");
    let corpus = corpus();
    let cmd = |command: &str, format: &str| {
        let mut c = bin();
        c.args([command, "--db-url", &db.url(), "--format", format])
            .args(["--addons-path", corpus.to_str().unwrap()]);
        c
    };
    let installed: f64 = db
        .scalar("SELECT count(*)::text FROM ir_module_module WHERE state = 'installed'")
        .parse()
        .unwrap();
    for command in ["versions", "broken"] {
        let (code, out, err) = run(&mut cmd(command, "nagios"));
        assert_eq!(code, 0, "{out}{err}");
        let line = nagios_line(&out, &command.to_uppercase(), "OK");
        let perf = perfdata(line);
        assert_eq!(perf["modules_installed"], installed.to_string(), "{line}");
        assert_eq!(perf["errors"], "0;;1;0");
    }
    let (code, clean, err) = run(&mut cmd("versions", "prometheus"));
    assert_eq!(code, 0, "{err}");
    let text = clean.clone();
    check_metrics(&text);
    let l = [("instance", db.name.as_str()), ("command", "versions")];
    let state =
        |text: &str, s: &str| value(text, "odoo_audit_modules", &[l[0], l[1], ("state", s)]);
    assert_eq!(state(&text, "installed"), Some(installed));
    for op in ["install", "upgrade", "remove"] {
        assert_eq!(
            value(
                &text,
                "odoo_audit_modules_pending",
                &[l[0], l[1], ("operation", op)]
            ),
            Some(0.0)
        );
    }

    // Planted: an update scheduled and never applied (an error), and a state with a quote, a
    // brace, a line feed and a backslash in it (the column holds 16 characters).
    db.exec(
        "UPDATE ir_module_module SET state = 'to upgrade' WHERE name = 'date_range';
         UPDATE ir_module_module SET state = E'x\"} 1\\n{y=\"\\\\' WHERE name = 'auditlog';",
    );
    let (code, text, err) = run(&mut cmd("versions", "prometheus"));
    assert_eq!(code, 1, "{err}");
    check_metrics(&text);
    assert_eq!(state(&text, "installed"), Some(installed - 2.0));
    assert_eq!(state(&text, "to upgrade"), Some(1.0));
    // The hostile state is one label value, its line feed made visible, not a new sample.
    assert_eq!(state(&text, "x\"} 1\\n{y=\"\\"), Some(1.0), "{text}");
    assert_eq!(
        samples(&text)
            .iter()
            .filter(|(n, _, _)| n == "odoo_audit_up")
            .count(),
        1
    );
    assert_eq!(
        value(
            &text,
            "odoo_audit_modules_pending",
            &[l[0], l[1], ("operation", "upgrade")]
        ),
        Some(1.0)
    );
    assert!(
        value(
            &text,
            "odoo_audit_findings_by_severity",
            &[l[0], l[1], ("severity", "error")]
        )
        .unwrap()
            >= 1.0
    );
    // The shipped rules on these metrics: new error findings, nothing else.
    let errors = value(
        &text,
        "odoo_audit_findings_by_severity",
        &[l[0], l[1], ("severity", "error")],
    )
    .unwrap();
    assert_alerts(
        &clean,
        &text,
        serde_json::json!([
            {"eval_time": "30m", "alertname": "OdooAuditNewErrorFindings", "exp_alerts": []},
            {"eval_time": "90m", "alertname": "OdooAuditNewErrorFindings", "exp_alerts": [{
                "exp_labels": {"severity": "warning", "instance": db.name, "command": "versions"},
                "exp_annotations": {
                    "summary": format!("odoo-audit versions: new error findings on {}", db.name),
                    "description": format!("{errors} error finding(s) now, more than an hour before."),
                },
            }]},
            {"eval_time": "90m", "alertname": "OdooAuditRunFailed", "exp_alerts": []},
            {"eval_time": "90m", "alertname": "OdooAuditNoSuccessfulRun", "exp_alerts": []},
        ]),
    );
    for command in ["versions", "broken"] {
        let (code, out, _) = run(&mut cmd(command, "nagios"));
        assert_eq!(code, 2, "{out}");
        let line = nagios_line(&out, &command.to_uppercase(), "CRITICAL");
        assert!(line.contains("date_range: "), "{line}");
        assert_eq!(
            perfdata(line)["modules_installed"],
            (installed - 2.0).to_string()
        );
    }
}

#[test]
fn the_textfile_keeps_the_last_success_through_failing_runs() {
    let db = TestDb::new("monitoring_textfile");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("odoo_audit.prom");
    let textfile = file.to_str().unwrap();
    // A successful run: the report on stdout as usual, the metrics in the file.
    let (code, out, err) = run(bin()
        .args(["versions", "--db-url", &db.url(), "--format", "json"])
        .args(["--addons-path", corpus().to_str().unwrap()])
        .args(["--prometheus-textfile", textfile]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["command"],
        "versions"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["odoo_audit.prom"], "a temporary file was left");
    let first = std::fs::read_to_string(&file).unwrap();
    check_metrics(&first);
    let l = [("instance", db.name.as_str()), ("command", "versions")];
    assert_eq!(value(&first, "odoo_audit_up", &l), Some(1.0));
    let success = value(&first, "odoo_audit_last_success_timestamp_seconds", &l).unwrap();
    let last_run = value(&first, "odoo_audit_last_run_timestamp_seconds", &l).unwrap();
    assert_eq!(success, last_run);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - success).abs() < 120.0, "{success} vs {now}");

    // A failing run (an error finding): the last success is kept.
    db.exec("UPDATE ir_module_module SET state = 'to upgrade' WHERE name = 'date_range'");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, _, err) = run(bin()
        .args(["versions", "--db-url", &db.url(), "-q"])
        .args(["--addons-path", corpus().to_str().unwrap()])
        .args(["--prometheus-textfile", textfile]));
    assert_eq!(code, 1, "{err}");
    let second = std::fs::read_to_string(&file).unwrap();
    check_metrics(&second);
    assert_eq!(value(&second, "odoo_audit_up", &l), Some(1.0));
    assert_eq!(value(&second, "odoo_audit_exit_code", &l), Some(1.0));
    assert_eq!(
        value(&second, "odoo_audit_last_success_timestamp_seconds", &l),
        Some(success)
    );
    assert!(value(&second, "odoo_audit_last_run_timestamp_seconds", &l).unwrap() > last_run);

    // The database is unreachable (a closed loopback port; same database name, so the same
    // instance): up 0, the time of the failure, the last success still kept; exit 3, and
    // with --format nagios UNKNOWN on stdout.
    let url = format!(
        "postgres://odoo:x@127.0.0.1:{}/{}?sslmode=disable",
        closed_port(),
        db.name
    );
    for format in ["table", "nagios", "prometheus"] {
        let (code, out, err) = run(bin()
            .args(["versions", "--db-url", &url, "--format", format])
            .args(["--addons-path", corpus().to_str().unwrap()])
            .args(["--prometheus-textfile", textfile]));
        assert_eq!(code, 3, "{format}: {out}{err}");
        assert!(err.contains("odoo-audit: error: cannot connect"), "{err}");
        match format {
            "table" => assert!(out.is_empty(), "{out}"),
            "nagios" => {
                let line = nagios_line(&out, "VERSIONS", "UNKNOWN");
                assert!(line.contains("cannot connect"), "{line}");
            }
            _ => {
                check_metrics(&out);
                assert_eq!(value(&out, "odoo_audit_up", &l), Some(0.0), "{out}");
            }
        }
        let failed = std::fs::read_to_string(&file).unwrap();
        check_metrics(&failed);
        assert_eq!(value(&failed, "odoo_audit_up", &l), Some(0.0), "{failed}");
        assert_eq!(value(&failed, "odoo_audit_exit_code", &l), Some(3.0));
        assert!(value(&failed, "odoo_audit_last_run_timestamp_seconds", &l).is_some());
        assert_eq!(
            value(&failed, "odoo_audit_last_success_timestamp_seconds", &l),
            Some(success),
            "{failed}"
        );
        assert!(!failed.contains("odoo_audit_findings"), "{failed}");
        if format == "table" {
            // The shipped rules: the run failed; the kept success means no "never succeeded"
            // and no absent metric.
            assert_alerts(
                &first,
                &failed,
                serde_json::json!([
                    {"eval_time": "30m", "alertname": "OdooAuditRunFailed", "exp_alerts": []},
                    {"eval_time": "90m", "alertname": "OdooAuditRunFailed", "exp_alerts": [{
                        "exp_labels": {"severity": "warning", "instance": db.name, "command": "versions"},
                        "exp_annotations": {
                            "summary": format!("odoo-audit versions could not run on {}", db.name),
                        },
                    }]},
                    {"eval_time": "120m", "alertname": "OdooAuditNeverSucceeded", "exp_alerts": []},
                    {"eval_time": "120m", "alertname": "OdooAuditSuccessMetricAbsent", "exp_alerts": []},
                    {"eval_time": "120m", "alertname": "OdooAuditNewErrorFindings", "exp_alerts": []},
                ]),
            );
        }
    }
    // A bad configuration is a failure too; a textfile that cannot be written is an error.
    let other = dir.path().join("bad-config.prom");
    let (code, _, err) = run(bin()
        .args([
            "versions",
            "-c",
            "/nonexistent/odoo.conf",
            "--instance",
            "prod",
        ])
        .args(["--prometheus-textfile", other.to_str().unwrap()]));
    assert_eq!(code, 2, "{err}");
    let text = std::fs::read_to_string(&other).unwrap();
    check_metrics(&text);
    assert_eq!(
        value(
            &text,
            "odoo_audit_up",
            &[("instance", "prod"), ("command", "versions")]
        ),
        Some(0.0)
    );
    let (code, _, err) = run(bin()
        .args(["versions", "--db-url", &db.url()])
        .args(["--addons-path", corpus().to_str().unwrap()])
        .args(["--prometheus-textfile", "/nonexistent/dir/x.prom"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cannot write the Prometheus textfile"),
        "{err}"
    );
}

#[test]
fn usage_errors_are_unknown_in_nagios_format_only() {
    let (code, out, err) = run(bin().args(["versions", "--format", "nagios", "--no-such-option"]));
    assert_eq!(code, 3, "{out}{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("ODOO-AUDIT UNKNOWN - "), "{out}");
    assert!(out.contains("--no-such-option"), "{out}");
    let (code, out, _) = run(bin().args(["--format=nagios", "versions", "--allow", "Z999"]));
    assert_eq!(code, 3);
    nagios_line(&out, "VERSIONS", "UNKNOWN");
    let (code, out, _) = run(bin().args(["check-client-actions", "--format", "nagios"]));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("no addons path"), "{out}");
    // The other formats keep exit 2.
    let (code, out, _) = run(bin().args(["versions", "--no-such-option"]));
    assert_eq!(code, 2, "{out}");
    assert!(out.is_empty());
}

#[test]
fn deploy_check_metrics_and_nagios_state_per_check() {
    use crate::deploy_check::{good_site, Deployment};
    let db = TestDb::new("monitoring_gate");
    let dep = Deployment::new(&db);
    let (_site, url) = good_site();
    let l = [("instance", db.name.as_str()), ("command", "deploy-check")];
    let (code, text, err) = run(dep.cmd(&db, &url).args(["--format", "prometheus"]));
    assert_eq!(code, 0, "{err}\n{text}");
    check_metrics(&text);
    let status = |text: &str, check: &str, s: &str| {
        value(
            text,
            "odoo_audit_deploy_check_status",
            &[l[0], l[1], ("check", check), ("status", s)],
        )
    };
    assert_eq!(status(&text, "backups", "pass"), Some(1.0), "{text}");
    assert_eq!(status(&text, "backups", "fail"), Some(0.0));
    // 13 checks, four statuses each, one of them 1.
    let rows: Vec<Sample> = samples(&text)
        .into_iter()
        .filter(|(n, _, _)| n == "odoo_audit_deploy_check_status")
        .collect();
    assert_eq!(rows.len(), 13 * 4, "{text}");
    assert_eq!(rows.iter().map(|(_, _, v)| v).sum::<f64>(), 13.0);
    let (code, out, _) = run(dep.cmd(&db, &url).args(["--format", "nagios"]));
    assert_eq!(code, 0, "{out}");
    let line = nagios_line(&out, "DEPLOY-CHECK", "OK");
    assert!(line.contains(", go"), "{line}");
    assert_eq!(perfdata(line)["checks_fail"], "0");

    // No backups left: check 12 fails.
    for e in std::fs::read_dir(dep.root.join("backups")).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    let passing = text;
    let (code, text, _) = run(dep.cmd(&db, &url).args(["--format", "prometheus"]));
    assert_eq!(code, 1, "{text}");
    check_metrics(&text);
    // The shipped rules on these metrics: check 12 fails, and only it.
    assert_alerts(
        &passing,
        &text,
        serde_json::json!([
            {"eval_time": "30m", "alertname": "OdooAuditDeployCheckFailing", "exp_alerts": []},
            {"eval_time": "90m", "alertname": "OdooAuditDeployCheckFailing", "exp_alerts": [{
                "exp_labels": {
                    "severity": "critical", "instance": db.name, "command": "deploy-check",
                    "check": "backups", "status": "fail",
                },
                "exp_annotations": {
                    "summary": format!("odoo-audit deploy-check: check backups fails on {}", db.name),
                },
            }]},
        ]),
    );
    assert_eq!(status(&text, "backups", "fail"), Some(1.0), "{text}");
    assert_eq!(status(&text, "backups", "pass"), Some(0.0));
    let (code, out, _) = run(dep.cmd(&db, &url).args(["--format", "nagios"]));
    assert_eq!(code, 2, "{out}");
    let line = nagios_line(&out, "DEPLOY-CHECK", "CRITICAL");
    assert!(
        line.contains(", no-go; [") && line.contains("backups"),
        "{line}"
    );
    assert_eq!(perfdata(line)["checks_fail"], "1");
}

#[test]
fn the_shipped_alerting_rules_pass_promtool() {
    promtool_ok(
        &[
            "check",
            "rules",
            "manifests/monitoring/odoo-audit.rules.yml",
        ],
        None,
    );
    promtool_ok(
        &[
            "test",
            "rules",
            "tests/monitoring/odoo-audit.rules.test.yml",
        ],
        None,
    );
}

/// True for a character no line of the monitoring formats may hold raw.
fn unsafe_char(c: char) -> bool {
    (c < ' ' && c != '\n')
        || ('\u{7f}'..='\u{9f}').contains(&c)
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[test]
fn hostile_names_and_passwords_never_reach_the_monitoring_formats_raw() {
    // A tag with a line feed, an ESC sequence, a `|` and a bidirectional override, and an
    // instance name built to close its label and forge a sample.
    let (_tmp, addons) = corpus_copy(&["date_range"]);
    write(
        &addons,
        &[
            (
                "planted_tag/__manifest__.py",
                "{'name': 'Planted', 'version': '18.0.1.0.0', 'license': 'LGPL-3', \
                 'depends': ['web'], 'data': ['views/actions.xml']}",
            ),
            (
                "planted_tag/views/actions.xml",
                "<odoo>\n  <record id=\"action_evil\" model=\"ir.actions.client\">\n    \
                 <field name=\"name\">Evil</field>\n    \
                 <field name=\"tag\">evil&#10;ODOO-AUDIT X OK - | ok=1&#13;&#9;x&#x202E;</field>\n  \
                 </record>\n</odoo>\n",
            ),
        ],
    );
    let instance = "prod\"} 1\nodoo_audit_up{instance=\"forged\x1b[31m\u{202e}";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.prom");
    let cmd = |format: &str| {
        let mut c = bin();
        c.args([
            "check-client-actions",
            "--addons-path",
            addons.to_str().unwrap(),
        ])
        .args(["--instance", instance, "--format", format])
        .args(["--prometheus-textfile", file.to_str().unwrap()]);
        c
    };
    let (code, out, err) = run(&mut cmd("nagios"));
    assert_eq!(code, 2, "{out}{err}");
    assert!(!out.chars().any(unsafe_char), "{out:?}");
    let line = nagios_line(&out, "CHECK-CLIENT-ACTIONS", "CRITICAL");
    assert_eq!(line.matches('|').count(), 1, "{line}");
    assert!(
        line.contains("evil\\nODOO-AUDIT X OK - / ok=1\\r\\tx\\u{202e}"),
        "{line}"
    );
    let (code, out, _) = run(&mut cmd("prometheus"));
    assert_eq!(code, 1);
    for text in [out, std::fs::read_to_string(&file).unwrap()] {
        assert!(!text.chars().any(unsafe_char), "{text:?}");
        check_metrics(&text);
        let ups: Vec<Sample> = samples(&text)
            .into_iter()
            .filter(|(n, _, _)| n == "odoo_audit_up")
            .collect();
        assert_eq!(ups.len(), 1, "{text}");
        assert_eq!(
            ups[0].1["instance"],
            "prod\"} 1\\nodoo_audit_up{instance=\"forged\\x1b[31m\\u{202e}"
        );
    }

    // A wrong password: the run cannot connect; the password is in no output.
    let db = TestDb::new("monitoring_pw");
    let pg = pg();
    let url = format!(
        "postgres://odoo:Pw_Leak_4242@{}:{}/{}?sslmode=disable",
        pg.host, pg.port, db.name
    );
    for format in ["nagios", "prometheus"] {
        let (code, out, err) = run(bin()
            .args(["broken", "--db-url", &url, "--format", format])
            .args(["--prometheus-textfile", file.to_str().unwrap()]));
        assert_eq!(code, 3, "{format}: {out}{err}");
        assert!(err.contains("password authentication failed"), "{err}");
        let textfile = std::fs::read_to_string(&file).unwrap();
        for text in [&out, &err, &textfile] {
            assert!(
                !text.contains("Pw_Leak") && !text.contains("4242"),
                "{text}"
            );
        }
        assert_eq!(
            value(
                &textfile,
                "odoo_audit_up",
                &[("instance", db.name.as_str()), ("command", "broken")]
            ),
            Some(0.0)
        );
    }
}
