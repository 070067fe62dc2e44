//! JUnit XML for test reports: one suite per command, one test case per finding. It gets an
//! escaped copy of the report from [`super::render`] (no control character in any field).

use std::io::{self, Write};

use super::Report;
use crate::finding::{Finding, Severity};

fn case_name(f: &Finding) -> String {
    let mut name = format!("{} {}", f.code, f.rule);
    if let Some(m) = &f.module {
        name.push_str(&format!(" [{m}]"));
    }
    let loc = f.location();
    if !loc.is_empty() {
        name.push_str(&format!(" {loc}"));
    }
    if let Some(i) = &f.instance {
        name.push_str(&format!(" on {i}"));
    }
    name
}

/// JUnit XML: one suite per command, one failing test case per error or warning finding
/// (info findings are passing cases with their message in system-out).
pub(super) fn render_junit(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
    let mut jr = JReport::new("odoo-audit");
    let mut suite = TestSuite::new(format!("odoo-audit {}", report.command));
    for f in &report.findings {
        let status = match f.severity {
            Severity::Info => TestCaseStatus::success(),
            Severity::Warning | Severity::Error => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(f.message.clone());
                s.set_type(f.severity.as_str());
                s.set_description(format!("{}\nhint: {}", f.message, f.hint));
                s
            }
        };
        let mut case = TestCase::new(case_name(f), status);
        case.set_classname(format!("odoo-audit.{}", f.code));
        if f.severity == Severity::Info {
            case.set_system_out(format!("{}\nhint: {}", f.message, f.hint));
        }
        suite.add_test_case(case);
    }
    if report.findings.is_empty() {
        suite.add_test_case(TestCase::new(
            format!("odoo-audit {}: no findings", report.command),
            TestCaseStatus::success(),
        ));
    }
    jr.add_test_suite(suite);
    let xml = jr
        .to_string()
        .map_err(|e| io::Error::other(e.to_string()))?;
    out.write_all(xml.as_bytes())?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    #[test]
    fn junit_counts_failures() {
        let mut out = Vec::new();
        render_junit(&sample(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("failures=\"1\""), "{s}");
        assert!(s.contains("D001 missing-dependency [a]"), "{s}");
    }
}
