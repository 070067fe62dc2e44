//! Prometheus text exposition (format 0.0.4) of a run, for node_exporter's textfile collector
//! (`--prometheus-textfile`) or a scrape of `--format prometheus`. Every metric is a gauge
//! named `odoo_audit_…`, with HELP and TYPE, and carries the labels `instance` (the finding's
//! instance in a combined report, else the run's) and `command`. No sample has a timestamp
//! (the textfile collector refuses them); the times of the run are metrics of their own.
//!
//! Label values are escaped as the format wants (`\\`, `\"`, `\n`) after the control
//! characters of the input were made visible ([`escape::control`]): a hostile module name or
//! message never reaches the file raw. It gets an escaped copy of the report from
//! [`super::render`].

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use serde_json::Value;

use super::Report;
use crate::escape;
use crate::finding::Severity;

/// The prefix of every metric.
pub const PREFIX: &str = "odoo_audit_";

/// The statuses of a deploy-check row, each one a sample of `odoo_audit_deploy_check_status`.
const CHECK_STATUSES: [&str; 4] = ["pass", "warn", "fail", "skip"];

/// The module states whose modules wait for an operation, and the operation's name.
const PENDING: [(&str, &str); 3] = [
    ("to install", "install"),
    ("to upgrade", "upgrade"),
    ("to remove", "remove"),
];

/// A label value as the exposition format writes it: control characters made visible first,
/// then backslash, double quote and line feed escaped.
pub fn label_value(s: &str) -> String {
    let s = escape::control(s);
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// HELP text as the format writes it: backslash and line feed escaped.
fn help_text(s: &str) -> String {
    escape::control(s)
        .replace('\\', "\\\\")
        .replace('\n', "\\n")
}

/// `name="value",…` of a sample.
fn labels(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", label_value(v)))
        .collect::<Vec<_>>()
        .join(",")
}

/// One metric family: its samples as (labels, value).
struct Family {
    name: &'static str,
    help: &'static str,
    samples: Vec<(String, String)>,
}

impl Family {
    fn new(name: &'static str, help: &'static str) -> Family {
        Family {
            name,
            help,
            samples: Vec::new(),
        }
    }

    fn push(&mut self, labels: String, value: impl ToString) {
        self.samples.push((labels, value.to_string()));
    }

    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.samples.is_empty() {
            return Ok(());
        }
        writeln!(
            out,
            "# HELP {}{} {}",
            PREFIX,
            self.name,
            help_text(self.help)
        )?;
        writeln!(out, "# TYPE {}{} gauge", PREFIX, self.name)?;
        for (l, v) in &self.samples {
            writeln!(out, "{}{}{{{l}}} {v}", PREFIX, self.name)?;
        }
        Ok(())
    }
}

/// Milliseconds as seconds, exactly (`1.005`).
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// The instance label of the run.
fn run_instance(report: &Report) -> &str {
    report
        .run
        .instance
        .as_deref()
        .filter(|i| !i.is_empty())
        .unwrap_or("unknown")
}

/// The end of the run in Unix milliseconds: its start plus its duration.
fn run_end_ms(report: &Report) -> Option<u64> {
    let started = report.run.started_at.as_deref()?;
    let t = chrono::DateTime::parse_from_rfc3339(started).ok()?;
    let start_ms = u64::try_from(t.timestamp_millis()).ok()?;
    Some(start_ms + report.run.duration_ms.unwrap_or(0))
}

/// The value of `odoo_audit_last_success_timestamp_seconds` of the report's instance and
/// command in an earlier textfile (`text`), if it has one: a failing run keeps it, since the
/// collector reads this one file.
pub fn last_success_in(text: &str, report: &Report) -> Option<f64> {
    let head = format!(
        "{PREFIX}last_success_timestamp_seconds{{{}}} ",
        labels(&[
            ("instance", run_instance(report)),
            ("command", &report.command)
        ])
    );
    text.lines()
        .find_map(|l| l.strip_prefix(&head))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
}

/// Writes the metrics of the report.
pub(super) fn render_prometheus(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for family in families(report) {
        family.write(out)?;
    }
    Ok(())
}

fn families(report: &Report) -> Vec<Family> {
    let instance = run_instance(report);
    let command = report.command.as_str();
    let base = labels(&[("instance", instance), ("command", command)]);
    let fatal = report.outcome.fatal.is_some();
    let mut all = Vec::new();

    let mut up = Family::new(
        "up",
        "Whether the run completed (1), or could not run (0: no database, bad configuration).",
    );
    up.push(base.clone(), u8::from(!fatal));
    // A fleet: each instance of its `instances` table, 1 when it was audited.
    if let Some(t) = report.tables.iter().find(|t| t.name == "instances") {
        let col = |c: &str| t.columns.iter().position(|x| x == c);
        if let (Some(i), Some(st)) = (col("instance"), col("status")) {
            for row in &t.rows {
                let name = row[i].as_str().unwrap_or_default();
                let audited = row[st].as_str() == Some("audited");
                up.push(
                    labels(&[("instance", name), ("command", command)]),
                    u8::from(audited),
                );
            }
        }
    }
    all.push(up);
    let mut exit = Family::new("exit_code", "The exit code of the run.");
    if let Some(c) = report.outcome.exit_code {
        exit.push(base.clone(), c);
    }
    all.push(exit);

    if !fatal {
        all.extend(finding_families(report, instance, command));
        all.extend(module_families(report, &base));
        all.push(deploy_check_family(report, instance, command));
    }

    let mut duration = Family::new("run_duration_seconds", "How long the run took.");
    if let Some(ms) = report.run.duration_ms {
        duration.push(base.clone(), seconds(ms));
    }
    all.push(duration);
    let end = run_end_ms(report);
    let mut last_run = Family::new(
        "last_run_timestamp_seconds",
        "When the last run ended (Unix time), whatever its outcome.",
    );
    let mut last_success = Family::new(
        "last_success_timestamp_seconds",
        "When the last successful run (exit code 0) ended (Unix time).",
    );
    if let Some(end) = end {
        last_run.push(base.clone(), seconds(end));
    }
    let succeeded = !fatal && report.outcome.exit_code == Some(0);
    match (succeeded, end, report.outcome.last_success) {
        (true, Some(end), _) => last_success.push(base.clone(), seconds(end)),
        (false, _, Some(t)) => last_success.push(base.clone(), t),
        _ => {}
    }
    all.push(last_run);
    all.push(last_success);
    all
}

/// `odoo_audit_findings` by code and severity, `odoo_audit_findings_by_severity` with every
/// severity (zeros included), per instance.
fn finding_families(report: &Report, instance: &str, command: &str) -> Vec<Family> {
    let mut by_code: BTreeMap<(&str, std::cmp::Reverse<Severity>, &str), usize> = BTreeMap::new();
    let mut by_severity: BTreeMap<(&str, std::cmp::Reverse<Severity>), usize> = BTreeMap::new();
    let mut instances: BTreeSet<&str> = BTreeSet::from([instance]);
    for f in &report.findings {
        let i = f
            .instance
            .as_deref()
            .filter(|i| !i.is_empty())
            .unwrap_or(instance);
        instances.insert(i);
        let sev = std::cmp::Reverse(f.severity);
        *by_code.entry((i, sev, f.code)).or_insert(0) += 1;
        *by_severity.entry((i, sev)).or_insert(0) += 1;
    }
    let mut findings = Family::new(
        "findings",
        "Findings of the run by severity and code (after --allow, --warn, --deny and --min-severity).",
    );
    for ((i, sev, code), n) in &by_code {
        findings.push(
            labels(&[
                ("instance", i),
                ("command", command),
                ("severity", sev.0.as_str()),
                ("code", code),
            ]),
            n,
        );
    }
    let mut severities = Family::new(
        "findings_by_severity",
        "Findings of the run by severity; every severity is present.",
    );
    for i in &instances {
        for sev in [Severity::Error, Severity::Warning, Severity::Info] {
            let n = by_severity
                .get(&(*i, std::cmp::Reverse(sev)))
                .copied()
                .unwrap_or(0);
            severities.push(
                labels(&[
                    ("instance", i),
                    ("command", command),
                    ("severity", sev.as_str()),
                ]),
                n,
            );
        }
    }
    vec![findings, severities]
}

/// `odoo_audit_modules` by state and `odoo_audit_modules_pending` by operation, when the run
/// read the database's modules.
fn module_families(report: &Report, base: &str) -> Vec<Family> {
    let mut states: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &report.inventory {
        if let Some(s) = m.state.as_deref() {
            *states.entry(s).or_insert(0) += 1;
        }
    }
    let mut modules = Family::new("modules", "Modules of the database by state.");
    let mut pending = Family::new(
        "modules_pending",
        "Modules waiting for an operation (state to install, to upgrade, to remove).",
    );
    if !states.is_empty() {
        for (state, n) in &states {
            modules.push(format!("{base},state=\"{}\"", label_value(state)), n);
        }
        for (state, op) in PENDING {
            pending.push(
                format!("{base},operation=\"{op}\""),
                states.get(state).copied().unwrap_or(0),
            );
        }
    }
    vec![modules, pending]
}

/// `odoo_audit_deploy_check_status`: per check of the deploy gate, 1 for its status and 0 for
/// the others.
fn deploy_check_family(report: &Report, instance: &str, command: &str) -> Family {
    let mut family = Family::new(
        "deploy_check_status",
        "Status of each check of the deploy gate: 1 for the check's status, 0 for the others.",
    );
    if report.command != "deploy-check" {
        return family;
    }
    let Some(table) = report.tables.iter().find(|t| t.name == "checks") else {
        return family;
    };
    let col = |name: &str| table.columns.iter().position(|c| c == name);
    let (Some(num_col), Some(name_col), Some(status_col)) = (col("#"), col("check"), col("status"))
    else {
        return family;
    };
    let mut seen = BTreeSet::new();
    for row in &table.rows {
        let text = |i: usize| match row.get(i) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(v) => v.to_string(),
        };
        let mut check = text(name_col);
        if !seen.insert(check.clone()) {
            // Two rows of one name stay two series.
            check = format!("{check} #{}", text(num_col));
            seen.insert(check.clone());
        }
        let status = text(status_col);
        let mut statuses: Vec<&str> = CHECK_STATUSES.to_vec();
        if !statuses.contains(&status.as_str()) {
            statuses.push(&status);
        }
        for s in statuses {
            family.push(
                labels(&[
                    ("instance", instance),
                    ("command", command),
                    ("check", &check),
                    ("status", s),
                ]),
                u8::from(s == status),
            );
        }
    }
    family
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;
    use crate::report::{ModuleRecord, Outcome, RunInfo, Table};
    use crate::rules::addons::MISSING_DEPENDENCY;

    fn text(report: &Report) -> String {
        let mut out = Vec::new();
        render_prometheus(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn run(report: &mut Report, exit_code: i32) {
        report.run = RunInfo {
            instance: Some("prod".into()),
            started_at: Some("2026-12-01T08:00:00Z".into()),
            duration_ms: Some(1_250),
        };
        report.outcome = Outcome {
            exit_code: Some(exit_code),
            ..Outcome::default()
        };
    }

    #[test]
    fn label_values_are_escaped_and_never_hold_a_raw_control_character() {
        assert_eq!(label_value(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(label_value("a\nb"), r"a\\nb");
        assert_eq!(
            label_value("\u{1b}[31m\r\t\u{202e}"),
            r"\\x1b[31m\\r\\t\\u{202e}"
        );
        assert_eq!(label_value("plain é"), "plain é");
        assert_eq!(help_text("a\\b\nc"), "a\\\\b\\\\nc");
    }

    #[test]
    fn a_hostile_instance_and_code_stay_inside_their_label() {
        let mut r = Report::new("check-client-actions");
        run(&mut r, 1);
        r.run.instance = Some("evil\"} 1\nodoo_audit_up{x=\"".into());
        let mut f = Finding::new(&MISSING_DEPENDENCY, "m").module("a\nb");
        f.instance = Some("fleet\\\"x\u{7}".into());
        r.findings.push(f);
        let out = text(&r);
        for line in out.lines() {
            assert!(!line.chars().any(escape::is_unsafe), "{line:?}");
            assert!(
                line.starts_with("# HELP odoo_audit_")
                    || line.starts_with("# TYPE odoo_audit_")
                    || line.starts_with("odoo_audit_"),
                "{line}"
            );
        }
        assert!(
            out.contains(r#"odoo_audit_up{instance="evil\"} 1\\nodoo_audit_up{x=\"",command="check-client-actions"} 1"#),
            "{out}"
        );
        assert!(
            out.contains(r#"instance="fleet\\\"x\\x07",command="check-client-actions",severity="error",code="D001"} 1"#),
            "{out}"
        );
        // The last success is found again under the same hostile labels.
        let mut ok = r.clone();
        ok.outcome.exit_code = Some(0);
        assert_eq!(last_success_in(&text(&ok), &ok), Some(1_796_112_001.25));
    }

    #[test]
    fn findings_modules_and_times() {
        let mut r = Report::new("versions");
        run(&mut r, 0);
        r.findings.push(Finding::new(&MISSING_DEPENDENCY, "x"));
        r.findings
            .push(Finding::new(&MISSING_DEPENDENCY, "y").severity(Severity::Warning));
        r.findings.push(Finding::new(&MISSING_DEPENDENCY, "z"));
        for (name, state) in [
            ("a", Some("installed")),
            ("b", Some("to upgrade")),
            ("c", Some("installed")),
            ("d", None),
        ] {
            r.inventory.push(ModuleRecord {
                name: name.into(),
                state: state.map(Into::into),
                installed_version: None,
                code_version: None,
            });
        }
        let out = text(&r);
        let l = r#"instance="prod",command="versions""#;
        for want in [
            "# TYPE odoo_audit_up gauge".to_string(),
            format!("odoo_audit_up{{{l}}} 1"),
            format!("odoo_audit_exit_code{{{l}}} 0"),
            format!("odoo_audit_findings{{{l},severity=\"error\",code=\"D001\"}} 2"),
            format!("odoo_audit_findings{{{l},severity=\"warning\",code=\"D001\"}} 1"),
            format!("odoo_audit_findings_by_severity{{{l},severity=\"error\"}} 2"),
            format!("odoo_audit_findings_by_severity{{{l},severity=\"info\"}} 0"),
            format!("odoo_audit_modules{{{l},state=\"installed\"}} 2"),
            format!("odoo_audit_modules{{{l},state=\"to upgrade\"}} 1"),
            format!("odoo_audit_modules_pending{{{l},operation=\"upgrade\"}} 1"),
            format!("odoo_audit_modules_pending{{{l},operation=\"remove\"}} 0"),
            format!("odoo_audit_run_duration_seconds{{{l}}} 1.250"),
            format!("odoo_audit_last_run_timestamp_seconds{{{l}}} 1796112001.250"),
            format!("odoo_audit_last_success_timestamp_seconds{{{l}}} 1796112001.250"),
        ] {
            assert!(out.lines().any(|x| x == want), "{want}\n{out}");
        }
        assert!(out.starts_with("# HELP odoo_audit_up Whether the run completed"));
        // No timestamps: every sample line is `name{labels} value`.
        for line in out.lines().filter(|l| !l.starts_with('#')) {
            assert_eq!(
                line.rsplit_once("} ").map(|(_, v)| v.contains(' ')),
                Some(false)
            );
        }
        assert_eq!(out.matches("# TYPE odoo_audit_findings gauge").count(), 1);
    }

    #[test]
    fn a_failing_run_keeps_the_last_success_it_is_given() {
        let mut r = Report::new("broken");
        run(&mut r, 1);
        assert!(!text(&r).contains("last_success"));
        r.outcome.last_success = Some(1_700_000_000.5);
        let out = text(&r);
        assert!(
            out.contains(
                "odoo_audit_last_success_timestamp_seconds{instance=\"prod\",command=\"broken\"} 1700000000.5"
            ),
            "{out}"
        );
        assert_eq!(last_success_in(&out, &r), Some(1_700_000_000.5));
        let mut other = r.clone();
        other.run.instance = Some("other".into());
        assert_eq!(last_success_in(&out, &other), None);
        other = r.clone();
        other.command = "versions".into();
        assert_eq!(last_success_in(&out, &other), None);
        // A fatal run: up 0, its time, no findings.
        r.outcome.fatal = Some("cannot connect".into());
        r.outcome.exit_code = Some(3);
        r.findings.push(Finding::new(&MISSING_DEPENDENCY, "x"));
        let out = text(&r);
        assert!(out.contains("odoo_audit_up{instance=\"prod\",command=\"broken\"} 0"));
        assert!(out.contains("odoo_audit_last_run_timestamp_seconds{"));
        assert!(!out.contains("findings"), "{out}");
    }

    #[test]
    fn deploy_checks_have_one_sample_per_status() {
        let mut r = Report::new("deploy-check");
        run(&mut r, 1);
        let mut t = Table::new("checks", "Checks", &["#", "check", "status", "evidence"]);
        t.push(vec![1.into(), "engine".into(), "pass".into(), "".into()]);
        t.push(vec![2.into(), "odoo.conf".into(), "fail".into(), "".into()]);
        t.push(vec![3.into(), "odoo.conf".into(), "skip".into(), "".into()]);
        r.tables.push(t);
        let out = text(&r);
        let l = r#"instance="prod",command="deploy-check""#;
        for want in [
            format!("odoo_audit_deploy_check_status{{{l},check=\"engine\",status=\"pass\"}} 1"),
            format!("odoo_audit_deploy_check_status{{{l},check=\"engine\",status=\"fail\"}} 0"),
            format!("odoo_audit_deploy_check_status{{{l},check=\"odoo.conf\",status=\"fail\"}} 1"),
            format!(
                "odoo_audit_deploy_check_status{{{l},check=\"odoo.conf #3\",status=\"skip\"}} 1"
            ),
        ] {
            assert!(out.lines().any(|x| x == want), "{want}\n{out}");
        }
        assert_eq!(out.matches("deploy_check_status{").count(), 12);
    }
}
