//! SARIF 2.1.0 for code scanning (GitHub's among others): one run, the rules that fired as
//! `tool.driver.rules`, one result per finding. Findings only; JSON escapes the control
//! characters in the encoding. Tested against the official SARIF 2.1.0 schema
//! (`tests/data/sarif/`).
//!
//! What consumers need, and where it is:
//!
//! - Every rule descriptor has a short and a full description, `help` (text and Markdown: the
//!   summary, the explanation and the default fix), `helpUri` (the rule's entry in
//!   `docs/rules.md` of the repository, [`crate::rules::doc_uri`]) and
//!   `defaultConfiguration.level` (the rule's default severity).
//! - Every result has exactly one location with a region (GitHub rejects or misplaces results
//!   without a `region.startLine`). The location is, in this order: the finding's own file and
//!   line (a dependency finding is at its entry in `depends`, other manifest findings at their
//!   key); the `__manifest__.py` of the finding's module when the run read it from the addons
//!   path (database findings about a module of the tree); the Odoo configuration file the run
//!   used (other database findings: the configuration names the database audited); else the
//!   scanned root itself (`uri` `./`), for a finding of a run that read no file at all. A
//!   location without a known line is at line 1.
//! - URIs are relative to the scanned root, the working directory of the run (on GitHub
//!   Actions, the checkout), with `uriBaseId` `%SRCROOT%`, which `originalUriBaseIds` of the
//!   run resolves to an absolute `file://` URI. A file outside that root is an absolute `file://`
//!   URI without a base. Paths use forward slashes and are percent-encoded: every byte but
//!   ASCII letters, digits and `-._~` (so spaces, `#`, `%` and non-ASCII are escaped).
//! - `partialFingerprints` carries the finding's fingerprint ([`super::fingerprint`]), so that
//!   an alert keeps its identity when lines move.
//! - The message is the finding's text alone (with the module and the fleet instance in front),
//!   never its hint. The hint, often specific to the finding (the command that fixes it), is the
//!   result's `properties.hint`; the rule's default fix is in the rule's `help`, which is what
//!   GitHub shows under an alert.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use serde_sarif::sarif;

use super::Report;
use crate::finding::{Finding, Severity};
use crate::rules;

/// The base of the relative URIs.
pub const SRCROOT: &str = "%SRCROOT%";

fn sarif_level(s: Severity) -> sarif::ResultLevel {
    match s {
        Severity::Error => sarif::ResultLevel::Error,
        Severity::Warning => sarif::ResultLevel::Warning,
        Severity::Info => sarif::ResultLevel::Note,
    }
}

fn level_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Percent-encodes one path segment: everything but the unreserved characters of RFC 3986.
fn encode_segment(segment: &str, out: &mut String) {
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// The segments of a path, `.` dropped and `..` applied (lexically, as the path was given).
fn segments(path: &Path) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(s) => out.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    out
}

fn encode_segments(segs: &[String]) -> String {
    let mut out = String::new();
    for (i, s) in segs.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode_segment(s, &mut out);
    }
    out
}

/// An absolute `file://` URI of an absolute path (a directory ends with `/`).
fn file_uri(path: &Path, dir: bool) -> String {
    let mut uri = format!("file:///{}", encode_segments(&segments(path)));
    if dir && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Where the URIs of a run are relative to.
pub(crate) struct Root {
    dir: PathBuf,
}

impl Root {
    /// The working directory of the run.
    pub(crate) fn current() -> Root {
        Root {
            dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
        }
    }

    #[cfg(test)]
    fn at(dir: &str) -> Root {
        Root { dir: dir.into() }
    }

    /// The URI of `file` (as a finding names it: absolute, or relative to the working
    /// directory) and its base: relative to the root with [`SRCROOT`], else absolute.
    fn uri(&self, file: &str) -> (String, Option<&'static str>) {
        let path = Path::new(file);
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.dir.join(path)
        };
        let root = segments(&self.dir);
        let mut candidates = vec![abs.clone()];
        // The root is the resolved working directory: a path through a symbolic link is
        // under it once resolved.
        if let Ok(canon) = abs.canonicalize() {
            candidates.push(canon);
        }
        for c in &candidates {
            let segs = segments(c);
            if segs.len() > root.len() && segs[..root.len()] == root[..] {
                return (encode_segments(&segs[root.len()..]), Some(SRCROOT));
            }
        }
        (file_uri(&abs, false), None)
    }
}

/// The help of a rule: its summary, explanation and default fix.
fn help(rule: &rules::Rule) -> sarif::MultiformatMessageString {
    let text = format!(
        "{}\n\n{}\n\nFix: {}\n\nDefault severity: {}.",
        rule.summary, rule.explanation, rule.fix, rule.severity
    );
    let markdown = format!(
        "**{} {}**: {}\n\n{}\n\n**Fix:** {}\n\nDefault severity: {}. [{} in the rules reference]({})",
        rule.code,
        rule.name,
        rule.summary,
        rule.explanation,
        rule.fix,
        rule.severity,
        rule.code,
        rules::doc_uri(rule.code)
    );
    sarif::MultiformatMessageString::builder()
        .text(text)
        .markdown(markdown)
        .build()
}

fn descriptor(f: &Finding) -> sarif::ReportingDescriptor {
    let rule = rules::find(f.code);
    let summary = rule.map(|r| r.summary).unwrap_or(f.rule);
    let full = rule.map(|r| r.explanation).unwrap_or(f.rule);
    let severity = rule.map(|r| r.severity).unwrap_or(f.severity);
    let text = |t: &str| sarif::MultiformatMessageString::builder().text(t).build();
    let mut d = sarif::ReportingDescriptor::builder()
        .id(f.code)
        .name(f.rule)
        .short_description(text(summary))
        .full_description(text(full))
        .help_uri(rules::doc_uri(f.code))
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(serde_json::json!(level_name(severity)))
                .build(),
        )
        .build();
    if let Some(r) = rule {
        d.help = Some(help(r));
    }
    d
}

/// The file a finding is located at ([`self`]'s module doc), and its line.
fn located<'a>(f: &'a Finding, report: &'a Report) -> Option<(&'a str, Option<usize>)> {
    if let Some(file) = &f.file {
        return Some((file, f.line));
    }
    if let Some(m) = f
        .module
        .as_ref()
        .and_then(|m| report.sources.manifests.get(m))
    {
        return Some((m, None));
    }
    report.sources.config.as_deref().map(|c| (c, None))
}

fn location(f: &Finding, report: &Report, root: &Root) -> sarif::Location {
    let (artifact, line, column) = match located(f, report) {
        Some((file, line)) => {
            let (uri, base) = root.uri(file);
            let artifact = match base {
                Some(b) => sarif::ArtifactLocation::builder()
                    .uri(uri)
                    .uri_base_id(b)
                    .build(),
                None => sarif::ArtifactLocation::builder().uri(uri).build(),
            };
            let column = if f.file.is_some() { f.column } else { None };
            (artifact, line.unwrap_or(1), column)
        }
        None => (
            sarif::ArtifactLocation::builder()
                .uri("./")
                .uri_base_id(SRCROOT)
                .build(),
            1,
            None,
        ),
    };
    let region = match column {
        Some(col) => sarif::Region::builder()
            .start_line(line as i64)
            .start_column(col as i64)
            .build(),
        None => sarif::Region::builder().start_line(line as i64).build(),
    };
    sarif::Location::builder()
        .physical_location(
            sarif::PhysicalLocation::builder()
                .artifact_location(artifact)
                .region(region)
                .build(),
        )
        .build()
}

fn result(f: &Finding, index: i64, report: &Report, root: &Root) -> sarif::Result {
    let mut text = f.instance_prefix();
    if let Some(m) = &f.module {
        text.push_str(m);
        text.push_str(": ");
    }
    text.push_str(&f.message);
    let mut fingerprints = BTreeMap::new();
    if let Some(fp) = &f.fingerprint {
        fingerprints.insert(super::fingerprint::SARIF_KEY.to_string(), fp.clone());
    }
    let mut props = BTreeMap::new();
    if !f.hint.is_empty() {
        props.insert("hint".to_string(), serde_json::json!(f.hint));
    }
    if let Some(m) = &f.module {
        props.insert("module".to_string(), serde_json::json!(m));
    }
    if let Some(i) = &f.instance {
        props.insert("instance".to_string(), serde_json::json!(i));
    }
    let mut r = sarif::Result::builder()
        .rule_id(f.code)
        .partial_fingerprints(fingerprints)
        .rule_index(index)
        .level(sarif_level(f.severity))
        .message(sarif::Message::builder().text(text).build())
        .locations(vec![location(f, report, root)])
        .build();
    if !props.is_empty() {
        r.properties = Some(
            sarif::PropertyBag::builder()
                .additional_properties(props)
                .build(),
        );
    }
    r
}

/// SARIF 2.1.0: one run, the rules that fired as `tool.driver.rules`, one result per finding.
pub(super) fn render_sarif(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    render_sarif_at(report, &Root::current(), out)
}

fn render_sarif_at(report: &Report, root: &Root, out: &mut dyn Write) -> io::Result<()> {
    let mut index: BTreeMap<&str, i64> = BTreeMap::new();
    let mut descriptors = Vec::new();
    for f in &report.findings {
        if index.contains_key(f.code) {
            continue;
        }
        index.insert(f.code, descriptors.len() as i64);
        descriptors.push(descriptor(f));
    }
    let results: Vec<sarif::Result> = report
        .findings
        .iter()
        .map(|f| result(f, index.get(f.code).copied().unwrap_or(0), report, root))
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name("odoo-audit")
        .version(env!("CARGO_PKG_VERSION"))
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .rules(descriptors)
        .build();
    let mut bases = BTreeMap::new();
    bases.insert(
        SRCROOT.to_string(),
        sarif::ArtifactLocation::builder()
            .uri(file_uri(&root.dir, true))
            .build(),
    );
    let run = sarif::Run::builder()
        .tool(driver)
        .original_uri_base_ids(bases)
        .results(results)
        .build();
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
    use crate::rules::addons::MISSING_DEPENDENCY;

    fn sarif_of(report: &Report, root: &str) -> serde_json::Value {
        let mut out = Vec::new();
        render_sarif_at(report, &Root::at(root), &mut out).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn sarif_has_rule_help_region_and_no_hint_in_the_message() {
        let v = sarif_of(&sample(), "/p");
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        let rule = &run["tool"]["driver"]["rules"][0];
        assert_eq!(rule["id"], "D001");
        assert_eq!(rule["defaultConfiguration"]["level"], "error");
        assert_eq!(
            rule["helpUri"],
            "https://github.com/odoo-audit/odoo-audit/blob/main/docs/rules.md#d001"
        );
        assert!(rule["help"]["text"]
            .as_str()
            .unwrap()
            .contains(MISSING_DEPENDENCY.fix));
        assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///p/");
        let res = &run["results"][0];
        assert_eq!(res["ruleId"], "D001");
        assert_eq!(res["level"], "error");
        assert_eq!(res["message"]["text"], "a: depends on `x, y`: 100%");
        assert_eq!(res["properties"]["hint"], MISSING_DEPENDENCY.fix);
        let loc = &res["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "a/__manifest__.py");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(loc["region"]["startLine"], 3);
        assert_eq!(loc["region"]["startColumn"], 5);
    }

    #[test]
    fn uris_are_relative_percent_encoded_and_absolute_outside_the_root() {
        let root = Root::at("/srv/my repo");
        assert_eq!(
            root.uri("addons/a b/#x/100%/café.py"),
            (
                "addons/a%20b/%23x/100%25/caf%C3%A9.py".to_string(),
                Some(SRCROOT)
            )
        );
        assert_eq!(
            root.uri("/srv/my repo/./x/../y.py"),
            ("y.py".to_string(), Some(SRCROOT))
        );
        assert_eq!(
            root.uri("/etc/odoo/odoo.conf"),
            ("file:///etc/odoo/odoo.conf".to_string(), None)
        );
        assert_eq!(
            file_uri(Path::new("/srv/my repo"), true),
            "file:///srv/my%20repo/"
        );
    }

    #[test]
    fn every_result_has_a_location() {
        let mut r = Report::new("audit");
        r.findings
            .push(Finding::new(&MISSING_DEPENDENCY, "in the tree").module("a"));
        r.findings
            .push(Finding::new(&MISSING_DEPENDENCY, "not in the tree").module("b"));
        r.sources
            .manifests
            .insert("a".into(), "/p/addons/a/__manifest__.py".into());
        let uri = |v: &serde_json::Value, i: usize| {
            let loc = &v["runs"][0]["results"][i]["locations"][0]["physicalLocation"];
            assert_eq!(loc["region"]["startLine"], 1);
            loc["artifactLocation"]["uri"].as_str().unwrap().to_string()
        };
        let v = sarif_of(&r, "/p");
        assert_eq!(uri(&v, 0), "addons/a/__manifest__.py");
        assert_eq!(uri(&v, 1), "./");
        r.sources.config = Some("/p/odoo.conf".into());
        let v = sarif_of(&r, "/p");
        assert_eq!(uri(&v, 0), "addons/a/__manifest__.py");
        assert_eq!(uri(&v, 1), "odoo.conf");
    }
}
