//! SARIF 2.1.0 for code scanning: one run, the rules that fired as `tool.driver.rules`, one
//! result per finding. Findings only; JSON escapes the control characters in the encoding.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_sarif::sarif;

use super::Report;
use crate::finding::Severity;
use crate::rules;

fn sarif_level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Info => sarif::ResultLevel::Note,
    }
}

/// SARIF 2.1.0: one run, the rules that fired as `tool.driver.rules`, one result per finding.
pub(super) fn render_sarif(report: &Report, out: &mut dyn Write) -> io::Result<()> {
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
            let mut text = f.instance_prefix();
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
            let mut fingerprints = BTreeMap::new();
            if let Some(fp) = &f.fingerprint {
                fingerprints.insert(super::fingerprint::SARIF_KEY.to_string(), fp.clone());
            }
            sarif::Result::builder()
                .rule_id(f.code)
                .partial_fingerprints(fingerprints)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

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
}
