//! JUnit XML for test reports: one suite per command, one failing test case per error or
//! warning finding. Info findings are facts, not tests: they are no test case. A run without
//! errors and warnings has one passing case, so that the suite is never empty.
//!
//! It gets an escaped copy of the report from [`super::render`]: no control character in any
//! field. Attribute values (the case's name, the failure's `message`) are single lines; the
//! failure's text (element content) is the message, the location and the hint on lines of
//! their own.

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
    single_line(&name)
}

/// An attribute value on one line (the escaped report has no line break; this holds for any
/// text).
fn single_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text of a failure: the message, then the hint, each on its own line.
pub(crate) fn failure_body(f: &Finding) -> String {
    format!("{}\nhint: {}", f.message, f.hint)
}

/// JUnit XML: one suite per command, one failing test case per error or warning finding.
pub(super) fn render_junit(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    use quick_junit::{NonSuccessKind, Report as JReport, TestCase, TestCaseStatus, TestSuite};
    let mut jr = JReport::new("odoo-audit");
    let mut suite = TestSuite::new(format!("odoo-audit {}", report.command));
    for f in report
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
    {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(single_line(&f.message));
        status.set_type(f.severity.as_str());
        status.set_description(failure_body(f));
        let mut case = TestCase::new(case_name(f), status);
        case.set_classname(format!("odoo-audit.{}", f.code));
        suite.add_test_case(case);
    }
    if suite.test_cases.is_empty() {
        suite.add_test_case(TestCase::new(
            format!("odoo-audit {}: no errors or warnings", report.command),
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
        assert_eq!(single_line("a\nb\r\nc"), "a b c");
    }
}
