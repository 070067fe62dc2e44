//! One status line in the Monitoring Plugins (Nagios, Icinga, NRPE) conventions:
//!
//! `ODOO-AUDIT VERSIONS CRITICAL - 2 error(s), 1 warning(s), 0 info; [V002] base: … | errors=2;;1;0 warnings=1;1;;0 findings=3 modules_installed=127 duration=0.412s`
//!
//! The state is the one [`crate::exit`] decided (it is also the exit code); the performance
//! data's warning and critical thresholds follow `--fail-on`. It gets an escaped copy of the
//! report from [`super::render`]; `|` in a message becomes `/` (it would start the performance
//! data).

use std::io::{self, Write};

use serde_json::Value;

use super::{counts, Report};
use crate::exit::{self, FailOn, Nagios};
use crate::finding::Severity;

/// The longest text taken from a finding or an error into the line, in characters.
const MAX_TEXT: usize = 200;

/// Text from an input, fit for the line: no `|`, at most [`MAX_TEXT`] characters.
fn clean(s: &str) -> String {
    let s = crate::escape::control(s).replace('|', "/");
    if s.chars().count() <= MAX_TEXT {
        return s;
    }
    let cut: String = s.chars().take(MAX_TEXT - 1).collect();
    format!("{cut}…")
}

/// The state of the line: the one `main` set, else what [`crate::exit`] makes of the findings.
fn state(report: &Report) -> Nagios {
    if report.outcome.fatal.is_some() {
        return Nagios::Unknown;
    }
    report.outcome.nagios.unwrap_or_else(|| {
        exit::nagios_state(
            &report.findings,
            report.outcome.fail_on.unwrap_or(FailOn::Error),
        )
    })
}

/// `;warn;crit;0` of the errors and of the warnings.
fn thresholds(fail_on: FailOn) -> (&'static str, &'static str) {
    match fail_on {
        FailOn::Error => (";;1;0", ";1;;0"),
        FailOn::Warning => (";;1;0", ";;1;0"),
        FailOn::Never => (";1;;0", ";1;;0"),
    }
}

/// Milliseconds as seconds (`0.412s`).
fn seconds(ms: u64) -> String {
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}

pub(super) fn render_nagios(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let command = clean(&report.command).to_uppercase().replace(' ', "-");
    let mut head = String::from("ODOO-AUDIT");
    if !command.is_empty() {
        head.push(' ');
        head.push_str(&command);
    }
    let state = state(report);
    if let Some(message) = &report.outcome.fatal {
        return writeln!(out, "{head} {} - {}", state.as_str(), clean(message));
    }
    let (e, w, i) = counts(&report.findings);
    let mut summary = format!("{e} error(s), {w} warning(s), {i} info");
    if let Some(result) = report.summary.get("result").and_then(Value::as_str) {
        summary.push_str(&format!(", {}", clean(result)));
    }
    // The findings are sorted, the most severe first.
    let serious: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    if let Some(f) = serious.first() {
        let module = f
            .module
            .as_deref()
            .map(|m| format!("{}: ", clean(m)))
            .unwrap_or_default();
        summary.push_str(&format!("; [{}] {module}{}", f.code, clean(&f.message)));
        if serious.len() > 1 {
            summary.push_str(&format!(" (+{} more)", serious.len() - 1));
        }
    }
    let (te, tw) = thresholds(report.outcome.fail_on.unwrap_or(FailOn::Error));
    let mut perf = vec![
        format!("errors={e}{te}"),
        format!("warnings={w}{tw}"),
        format!("findings={}", e + w + i),
    ];
    if report.inventory.iter().any(|m| m.state.is_some()) {
        let installed = report
            .inventory
            .iter()
            .filter(|m| m.state.as_deref() == Some("installed"))
            .count();
        perf.push(format!("modules_installed={installed}"));
    }
    if let Some(Value::Object(checks)) = report.summary.get("checks") {
        for (status, n) in checks {
            if let Some(n) = n.as_u64() {
                perf.push(format!("checks_{}={n}", clean(status)));
            }
        }
    }
    if let Some(ms) = report.run.duration_ms {
        perf.push(format!("duration={}", seconds(ms)));
    }
    writeln!(
        out,
        "{head} {} - {summary} | {}",
        state.as_str(),
        perf.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;
    use crate::report::tests::sample;
    use crate::report::{ModuleRecord, Outcome};
    use crate::rules::addons::MISSING_DEPENDENCY;

    fn line(report: &Report) -> String {
        let mut out = Vec::new();
        render_nagios(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_line_with_the_state_the_summary_and_perfdata() {
        let mut r = sample();
        r.command = "check-client-actions".into();
        r.run.duration_ms = Some(1_005);
        r.findings.push(
            Finding::new(&MISSING_DEPENDENCY, "w | x")
                .module("b")
                .severity(Severity::Warning),
        );
        r.findings
            .push(Finding::new(&MISSING_DEPENDENCY, "i").severity(Severity::Info));
        let text = line(&r);
        assert_eq!(text.lines().count(), 1, "{text}");
        assert_eq!(
            text,
            "ODOO-AUDIT CHECK-CLIENT-ACTIONS CRITICAL - 1 error(s), 1 warning(s), 1 info; \
             [D001] a: depends on `x, y`: 100% (+1 more) | errors=1;;1;0 warnings=1;1;;0 \
             findings=3 duration=1.005s\n"
        );
        r.findings.remove(0);
        r.inventory.push(ModuleRecord {
            name: "base".into(),
            state: Some("installed".into()),
            installed_version: None,
            code_version: None,
        });
        r.outcome = Outcome {
            nagios: Some(Nagios::Warning),
            fail_on: Some(FailOn::Never),
            ..Outcome::default()
        };
        assert_eq!(
            line(&r),
            "ODOO-AUDIT CHECK-CLIENT-ACTIONS WARNING - 0 error(s), 1 warning(s), 1 info; \
             [D001] b: w / x | errors=0;1;;0 warnings=1;1;;0 findings=2 modules_installed=1 \
             duration=1.005s\n"
        );
    }

    #[test]
    fn a_fatal_run_is_unknown_and_hostile_text_stays_on_its_line() {
        let mut r = Report::new("parity verify");
        r.outcome.fatal = Some("cannot connect\n| to x\u{1b}[2J".into());
        assert_eq!(
            line(&r),
            "ODOO-AUDIT PARITY-VERIFY UNKNOWN - cannot connect\\n/ to x\\x1b[2J\n"
        );
        let mut r = Report::new("versions");
        r.findings
            .push(Finding::new(&MISSING_DEPENDENCY, "x".repeat(500)).module("m\r\nn"));
        let text = line(&r);
        assert_eq!(text.lines().count(), 1);
        assert!(text.contains("[D001] m\\r\\nn: xxx"), "{text}");
        assert!(text.contains("x… | errors=1;;1;0"), "{text}");
        assert!(
            text.starts_with("ODOO-AUDIT VERSIONS CRITICAL - "),
            "{text}"
        );
        assert!(!text.trim_end().chars().any(crate::escape::is_unsafe));
        // No command (a usage error before one was parsed).
        let mut r = Report::new("");
        r.outcome.fatal = Some("unexpected argument".into());
        assert_eq!(line(&r), "ODOO-AUDIT UNKNOWN - unexpected argument\n");
    }
}
