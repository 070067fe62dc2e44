//! Renderers for CI systems: SARIF 2.1.0 (code scanning), JUnit XML (test reports) and GitHub
//! Actions workflow commands (inline annotations). They render findings only; tables are for the
//! human and JSON formats. [`crate::report::render`] hands JUnit and GitHub an escaped copy
//! of the report (no control character in any field).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_sarif::sarif;

use crate::finding::{Finding, Severity};
use crate::report::Report;
use crate::rules;

fn sarif_level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Info => sarif::ResultLevel::Note,
    }
}

/// SARIF 2.1.0: one run, the rules that fired as `tool.driver.rules`, one result per finding.
pub fn render_sarif(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut index: BTreeMap<&str, i64> = BTreeMap::new();
    let mut descriptors = Vec::new();
    for f in &report.findings {
        if index.contains_key(f.code) {
            continue;
        }
        index.insert(f.code, descriptors.len() as i64);
        let rule = rules::find(f.code);
        let summary = rule.map(|r| r.summary).unwrap_or("");
        let full = rule.map(|r| r.explanation).unwrap_or("");
        descriptors.push(
            sarif::ReportingDescriptor::builder()
                .id(f.code)
                .name(f.rule)
                .short_description(&summary.to_string())
                .full_description(&full.to_string())
                .build(),
        );
    }
    let results: Vec<sarif::Result> = report
        .findings
        .iter()
        .map(|f| {
            let mut text = String::new();
            if let Some(m) = &f.module {
                text.push_str(m);
                text.push_str(": ");
            }
            text.push_str(&f.message);
            if !f.hint.is_empty() {
                text.push_str(" Hint: ");
                text.push_str(&f.hint);
            }
            let locations = match &f.file {
                Some(file) => {
                    let artifact = sarif::ArtifactLocation::builder()
                        .uri(file.as_str())
                        .build();
                    let physical = match f.line {
                        Some(line) => sarif::PhysicalLocation::builder()
                            .artifact_location(artifact)
                            .region(match f.column {
                                Some(col) => sarif::Region::builder()
                                    .start_line(line as i64)
                                    .start_column(col as i64)
                                    .build(),
                                None => sarif::Region::builder().start_line(line as i64).build(),
                            })
                            .build(),
                        None => sarif::PhysicalLocation::builder()
                            .artifact_location(artifact)
                            .build(),
                    };
                    vec![sarif::Location::builder()
                        .physical_location(physical)
                        .build()]
                }
                None => Vec::new(),
            };
            sarif::Result::builder()
                .rule_id(f.code)
                .rule_index(index.get(f.code).copied().unwrap_or(0))
                .level(sarif_level(f.severity))
                .message(text.as_str())
                .locations(locations)
                .build()
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("odoo-audit")
        .version(env!("CARGO_PKG_VERSION"))
        .rules(descriptors)
        .build();
    let run = sarif::Run::builder().tool(driver).results(results).build();
    let doc = sarif::Sarif::builder()
        .version(sarif::Version::V2_1_0.to_string())
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .runs(vec![run])
        .build();
    crate::escape::write_json(out, &doc)?;
    writeln!(out)
}

fn case_name(f: &Finding) -> String {
    let mut name = format!("{} {}", f.code, f.rule);
    if let Some(m) = &f.module {
        name.push_str(&format!(" [{m}]"));
    }
    let loc = f.location();
    if !loc.is_empty() {
        name.push_str(&format!(" {loc}"));
    }
    name
}

/// JUnit XML: one suite per command, one failing test case per error or warning finding
/// (info findings are passing cases with their message in system-out).
pub fn render_junit(report: &Report, out: &mut dyn Write) -> io::Result<()> {
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

/// Escaping of GitHub workflow-command data.
fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of GitHub workflow-command properties.
fn gh_escape_prop(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions annotations: `::error file=F,line=L,col=C,title=CODE rule::message`.
pub fn render_github(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let kind = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(file) = &f.file {
            props.push(format!("file={}", gh_escape_prop(file)));
        }
        if let Some(l) = f.line {
            props.push(format!("line={l}"));
        }
        if let Some(c) = f.column {
            props.push(format!("col={c}"));
        }
        props.push(format!(
            "title={}",
            gh_escape_prop(&format!("{} {}", f.code, f.rule))
        ));
        let mut msg = String::new();
        if let Some(m) = &f.module {
            msg.push_str(m);
            msg.push_str(": ");
        }
        msg.push_str(&f.message);
        msg.push_str(" (hint: ");
        msg.push_str(&f.hint);
        msg.push(')');
        writeln!(
            out,
            "::{kind} {}::{}",
            props.join(","),
            gh_escape_data(&msg)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::addons::MISSING_DEPENDENCY;

    fn sample() -> Report {
        let mut r = Report::new("deps");
        r.findings.push(
            Finding::new(&MISSING_DEPENDENCY, "depends on `x, y`: 100%")
                .module("a")
                .file("/p/a/__manifest__.py")
                .at(3, 5),
        );
        r
    }

    #[test]
    fn github_escapes_properties_and_data() {
        let mut out = Vec::new();
        render_github(&sample(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with(
            "::error file=/p/a/__manifest__.py,line=3,col=5,title=D001 missing-dependency::a: depends on `x, y`: 100%25"
        ), "{s}");
    }

    #[test]
    fn sarif_has_rule_and_region() {
        let mut out = Vec::new();
        render_sarif(&sample(), &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "D001");
        let res = &run["results"][0];
        assert_eq!(res["ruleId"], "D001");
        assert_eq!(res["level"], "error");
        let region = &res["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], 3);
        assert_eq!(region["startColumn"], 5);
    }

    #[test]
    fn junit_counts_failures() {
        let mut out = Vec::new();
        render_junit(&sample(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("failures=\"1\""), "{s}");
        assert!(s.contains("D001 missing-dependency [a]"), "{s}");
    }
}
