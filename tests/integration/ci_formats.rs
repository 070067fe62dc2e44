//! The CI formats as their consumers take them, on real runs: SARIF valid against the official
//! SARIF 2.1.0 schema (`tests/data/sarif/`, validated by Python's `jsonschema` through
//! `tests/sarif_validate.py`) with a location for every result, JUnit XML that a real XML
//! parser reads, GitHub annotations within GitHub's limits, and `--min-severity` that changes
//! what is shown but never the exit code.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::client_actions::{edit_registration, queue_job_tree};
use crate::common::*;

const SCHEMAS: [&str; 2] = [
    "sarif-schema-2.1.0.json",
    "sarif-schema-2.1.0-errata01.json",
];

/// `$ODOO_AUDIT_JSONSCHEMA_PYTHON`; the tests fail without it, never skip.
fn jsonschema_python() -> PathBuf {
    match std::env::var_os("ODOO_AUDIT_JSONSCHEMA_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => panic!(
            "ODOO_AUDIT_JSONSCHEMA_PYTHON is not set: it names a Python with jsonschema and \
             rfc3986-validator (scripts/test.sh makes .cache/jsonschema and exports it)"
        ),
    }
}

/// Validates a SARIF document against both copies of the official schema: `Err` with the
/// validator's errors when it is invalid.
fn validate(sarif: &str) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("run.sarif");
    std::fs::write(&file, sarif).unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif_validate.py");
    let mut errors = String::new();
    for schema in SCHEMAS {
        let out = Command::new(jsonschema_python())
            .arg(&script)
            .arg(data.join(schema))
            .arg(&file)
            .output()
            .expect("run the validator");
        match out.status.code() {
            Some(0) => {}
            Some(1) => errors.push_str(&format!(
                "{schema}:\n{}",
                String::from_utf8_lossy(&out.stdout)
            )),
            _ => panic!(
                "the validator failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Checks what GitHub code scanning needs of every result on top of the schema: a rule with
/// help, a help URI and a default level; one location with a line, relative to `%SRCROOT%`
/// or an absolute `file:` URI; a fingerprint; no hint in the message. Returns the results.
fn assert_consumable(sarif: &str) -> Vec<Value> {
    if let Err(e) = validate(sarif) {
        panic!("invalid SARIF:\n{e}\n{sarif}");
    }
    let v: Value = serde_json::from_str(sarif).unwrap();
    let run = &v["runs"][0];
    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("originalUriBaseIds");
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in rules {
        let code = r["id"].as_str().unwrap();
        assert!(!r["help"]["text"].as_str().unwrap().is_empty(), "{code}");
        assert!(r["help"]["markdown"].is_string(), "{code}");
        assert_eq!(
            r["helpUri"],
            format!(
                "https://github.com/odoo-audit/odoo-audit/blob/main/docs/rules.md#{}",
                code.to_lowercase()
            )
        );
        assert!(matches!(
            r["defaultConfiguration"]["level"].as_str(),
            Some("error" | "warning" | "note")
        ));
    }
    let results = run["results"].as_array().unwrap().clone();
    for r in &results {
        let locations = r["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1, "{r}");
        let loc = &locations[0]["physicalLocation"];
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1, "{r}");
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        match loc["artifactLocation"]["uriBaseId"].as_str() {
            Some("%SRCROOT%") => assert!(!uri.starts_with('/') && !uri.contains(':'), "{uri}"),
            None => assert!(uri.starts_with("file:///"), "{uri}"),
            Some(other) => panic!("base {other}"),
        }
        assert!(!uri.contains('\\') && !uri.contains(' '), "{uri}");
        assert!(r["partialFingerprints"]["odooAudit/v1"].is_string(), "{r}");
        let text = r["message"]["text"].as_str().unwrap();
        assert!(!text.contains("Hint:"), "{text}");
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
    }
    results
}

fn uri_of(r: &Value) -> &str {
    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
}

fn line_of(r: &Value) -> u64 {
    r["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap()
}

/// The 1-based line of the first line of `file` that contains `needle`.
fn line_with(file: &Path, needle: &str) -> u64 {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {}", file.display())) as u64
        + 1
}

#[test]
fn the_validator_rejects_what_code_scanning_would() {
    let good = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
        {"message": {"text": "m"}, "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": "a%20b/c.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 1}}}]}]}]}"#;
    assert_eq!(validate(good), Ok(()));
    for bad in [
        good.replace("a%20b", "a b#"),
        good.replace("\"startLine\": 1", "\"startLine\": 0"),
        good.replace("\"2.1.0\"", "\"2.0.0\""),
        good.replace("\"message\": {\"text\": \"m\"}, ", ""),
    ] {
        assert!(validate(&bad).is_err(), "{bad}");
    }
}

#[test]
fn sarif_of_check_client_actions_with_faults_is_valid_and_located() {
    let (_tmp, root) = queue_job_tree();
    edit_registration(&root, "");
    // A dependency that is on no path, at its line in `depends`.
    let manifest = root.join("web_timeline/__manifest__.py");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let at = text.find("\"depends\"").expect("depends in web_timeline");
    let mut faulty = text.clone();
    let open = at + text[at..].find('[').unwrap() + 1;
    faulty.insert_str(open, "\n        \"oa_ghost_dependency\",");
    std::fs::write(&manifest, faulty).unwrap();
    let dep_line = line_with(&manifest, "oa_ghost_dependency");
    let parent = root.parent().unwrap();
    let (code, out, err) = run(bin().current_dir(parent).args([
        "check-client-actions",
        "--odoo-series",
        "18.0",
        "--format",
        "sarif",
        "--min-severity",
        "info",
        "--addons-path",
        "addons",
    ]));
    assert_eq!(code, 1, "{err}");
    let results = assert_consumable(&out);
    let a001 = results.iter().find(|r| r["ruleId"] == "A001").unwrap();
    assert_eq!(
        uri_of(a001),
        "addons/queue_job/views/queue_job_channel_views.xml"
    );
    assert_eq!(line_of(a001), 133);
    assert!(a001["properties"]["hint"].is_string(), "{a001}");

    // The same finding in deps, at its entry of `depends`, in every format.
    let deps = |format: &str| {
        run(bin().current_dir(parent).args([
            "deps",
            "--odoo-series",
            "18.0",
            "--format",
            format,
            "--addons-path",
            "addons",
        ]))
    };
    let (code, out, _) = deps("sarif");
    assert_eq!(code, 1);
    let results = assert_consumable(&out);
    let d001 = results
        .iter()
        .find(|r| r["ruleId"] == "D001")
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(uri_of(d001), "addons/web_timeline/__manifest__.py");
    assert_eq!(line_of(d001), dep_line);
    let (_, doc, _) = run_json(bin().current_dir(parent).args([
        "deps",
        "--odoo-series",
        "18.0",
        "--addons-path",
        "addons",
    ]));
    let f = &findings_with(&doc, "D001")[0];
    assert_eq!(f["line"], dep_line);
    let (_, gh, _) = deps("github");
    assert!(
        gh.contains(&format!(
            "::error file=addons/web_timeline/__manifest__.py,line={dep_line},title=D001"
        )),
        "{gh}"
    );
    let (_, table, _) = deps("table");
    assert!(
        table.contains(&format!("addons/web_timeline/__manifest__.py:{dep_line}")),
        "{table}"
    );
}

#[test]
fn sarif_of_check_views_on_the_corpus_is_valid() {
    let corpus = corpus();
    let (code, out, err) = run(bin().current_dir(corpus.parent().unwrap()).args([
        "check-views",
        "--odoo-series",
        "18.0",
        "--format",
        "sarif",
        "--min-severity",
        "info",
        "--addons-path",
        "addons",
    ]));
    assert_eq!(code, 0, "{err}");
    let results = assert_consumable(&out);
    assert!(!results.is_empty(), "{out}");
    for r in &results {
        let uri = uri_of(r);
        assert!(uri.starts_with("addons/") || uri == "./", "{uri}");
    }
}

#[test]
fn sarif_uris_are_percent_encoded_and_lines_are_the_dependencies() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("my addons #1");
    let manifest = "{\n    'name': 'Café',\n    'license': 'LGPL-3',\n    'depends': [\n        'base_ghost',\n        'other_ghost',\n    ],\n}\n";
    write_addon(&path, "caf\u{e9}_100%", manifest);
    let (code, out, err) = run(bin().current_dir(tmp.path()).args([
        "deps",
        "--format",
        "sarif",
        "--addons-path",
        "my addons #1",
    ]));
    assert_eq!(code, 1, "{err}");
    let results = assert_consumable(&out);
    let lines: Vec<(String, u64)> = results
        .iter()
        .filter(|r| r["ruleId"] == "D001")
        .map(|r| (uri_of(r).to_string(), line_of(r)))
        .collect();
    let uri = "my%20addons%20%231/caf%C3%A9_100%25/__manifest__.py".to_string();
    assert_eq!(lines, [(uri.clone(), 5), (uri, 6)], "{out}");
}

#[test]
fn sarif_of_database_audits_locates_every_finding() {
    let db = TestDb::new("ci_sarif_db");
    // A module of the tree that the database reports on (no file of its own).
    db.exec("UPDATE ir_module_module SET state = 'uninstallable' WHERE name = 'date_range'");
    let tmp = tempfile::tempdir().unwrap();
    let conf = tmp.path().join("odoo.conf");
    std::fs::write(&conf, "[options]\n").unwrap();
    let corpus = corpus();
    let sarif = |args: &[&str], with_conf: bool| {
        let mut c = bin();
        c.current_dir(corpus.parent().unwrap())
            .args(args)
            .args(["--db-url", &db.url(), "--addons-path", "addons"])
            .args(["--format", "sarif", "--min-severity", "info"]);
        if with_conf {
            c.arg("-c").arg(&conf);
        }
        let (code, out, err) = run(&mut c);
        assert!(code == 0 || code == 1, "{args:?}: {err}");
        assert_consumable(&out)
    };
    let broken = sarif(&["broken"], false);
    let in_tree = broken
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("date_range:")
        })
        .unwrap_or_else(|| panic!("{broken:#?}"));
    assert_eq!(uri_of(in_tree), "addons/date_range/__manifest__.py");
    assert_eq!(line_of(in_tree), 1);
    // Odoo's own modules are not in the tree: the root, else the configuration file.
    let core = |results: &[Value]| {
        results
            .iter()
            .find(|r| {
                r["message"]["text"]
                    .as_str()
                    .unwrap()
                    .starts_with("hw_drivers:")
            })
            .map(|r| uri_of(r).to_string())
            .unwrap()
    };
    assert_eq!(core(&broken), "./");
    let with_conf = sarif(&["broken"], true);
    assert_eq!(
        core(&with_conf),
        format!("file://{}", conf.canonicalize().unwrap().display())
    );
    for args in [&["audit"][..], &["versions"], &["parity", "verify"]] {
        sarif(args, true);
    }
}

/// `n` addons that each depend on a module that is on no path (n errors D001), and one
/// addon of an unknown series (S-code warnings come from the missing series).
fn tree_with_missing_dependencies(n: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..n {
        write_addon(
            tmp.path(),
            &format!("a{i:02}"),
            &format!("{{'license': 'LGPL-3', 'depends': ['ghost{i:02}']}}"),
        );
    }
    tmp
}

#[test]
fn github_annotations_stay_within_githubs_limits() {
    let tmp = tree_with_missing_dependencies(14);
    let (code, out, _) = run(bin()
        .args(["deps", "--format", "github", "--addons-path"])
        .arg(tmp.path()));
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 11, "{out}");
    assert!(
        lines[..10].iter().all(|l| l.starts_with("::error ")),
        "{out}"
    );
    assert!(
        lines[10].starts_with("odoo-audit: 4 more finding(s) not shown as annotations (4 errors;"),
        "{out}"
    );
    // All of them with --format table.
    let (_, table, _) = run(bin().args(["deps", "-q", "--addons-path"]).arg(tmp.path()));
    assert_eq!(table.matches("error[D001]").count(), 14, "{table}");
}

#[test]
fn min_severity_changes_what_ci_formats_show_never_the_exit_code() {
    let (_tmp, root) = queue_job_tree();
    edit_registration(&root, "");
    let (_, doc) = {
        let (code, doc, _) = run_json(
            bin()
                .args(["check-client-actions", "--odoo-series", "18.0"])
                .arg("--addons-path")
                .arg(&root),
        );
        (code, doc)
    };
    let count = |sev: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == sev)
            .count()
    };
    let (errors, warnings) = (count("error"), count("warning"));
    assert!(errors > 0 && warnings > 0, "{doc}");
    let sarif = |extra: &[&str]| {
        let (code, out, err) = run(bin()
            .args(["check-client-actions", "--odoo-series", "18.0"])
            .args(["--format", "sarif"])
            .args(extra)
            .arg("--addons-path")
            .arg(&root));
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{err}"));
        let levels: Vec<String> = v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["level"].as_str().unwrap().to_string())
            .collect();
        (code, levels)
    };
    // Default: the --fail-on severity, error.
    let (code, levels) = sarif(&[]);
    assert_eq!(code, 1);
    assert_eq!(levels.len(), errors, "{levels:?}");
    assert!(levels.iter().all(|l| l == "error"));
    // --fail-on warning: warnings too.
    let (code, levels) = sarif(&["--fail-on", "warning"]);
    assert_eq!(code, 1);
    assert_eq!(levels.len(), errors + warnings, "{levels:?}");
    // -v, or --min-severity info: everything.
    let all = doc["findings"].as_array().unwrap().len();
    assert_eq!(sarif(&["-v"]).1.len(), all);
    assert_eq!(sarif(&["--min-severity", "info"]).1.len(), all);
    // --fail-on never: everything, exit 0.
    let (code, levels) = sarif(&["--fail-on", "never"]);
    assert_eq!((code, levels.len()), (0, all));

    // The exit code counts what is not shown: warnings fail the run, only errors are shown.
    let (code, levels) = sarif(&["--fail-on", "warning", "--min-severity", "error"]);
    assert_eq!((code, levels.len()), (1, errors));
    // The same in JUnit and GitHub.
    for format in ["junit", "github"] {
        let (code, out, _) = run(bin()
            .args(["check-client-actions", "--odoo-series", "18.0"])
            .args(["--format", format])
            .arg("--addons-path")
            .arg(&root));
        assert_eq!(code, 1, "{format}");
        assert!(
            !out.contains("type=\"warning\"") && !out.contains("::warning"),
            "{out}"
        );
    }
    // JUnit parsed: the failures are the errors, and the info findings are no test case.
    let (_, junit, _) = run(bin()
        .args(["check-client-actions", "--odoo-series", "18.0"])
        .args(["--format", "junit", "--min-severity", "info"])
        .arg("--addons-path")
        .arg(&root));
    assert_junit_matches(&junit, &doc);
    // A table shows everything by default.
    let (code, table, _) = run(bin()
        .args(["check-client-actions", "--odoo-series", "18.0", "-q"])
        .arg("--addons-path")
        .arg(&root));
    assert_eq!(code, 1);
    assert_eq!(table.lines().count(), all, "{table}");
}

#[test]
fn junit_keeps_the_lines_of_the_failure_text_and_none_in_attributes() {
    let tmp = tree_with_missing_dependencies(2);
    let (_, junit, _) = run(bin()
        .args(["deps", "--format", "junit", "--min-severity", "info"])
        .arg("--addons-path")
        .arg(tmp.path()));
    let (_, doc, _) = run_json(bin().args(["deps", "--addons-path"]).arg(tmp.path()));
    assert_junit_matches(&junit, &doc);
    // libxml2 too, the parser of many CI systems' JUnit readers.
    let parsed = libxml::parser::Parser::default()
        .parse_string(&junit)
        .expect("libxml2 parses the JUnit report");
    let root = parsed.get_root_element().unwrap();
    let failures = root.findnodes("//failure").unwrap();
    assert_eq!(failures.len(), 2, "{junit}");
    for f in failures {
        let text = f.get_content();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text:?}");
        assert!(lines[0].starts_with("depends on `ghost"), "{text:?}");
        assert!(lines[1].starts_with("hint: "), "{text:?}");
        assert!(!f.get_attribute("message").unwrap().contains('\n'));
    }
}
