//! Client actions: deep XML, entity expansion, unreadable files, huge JavaScript files.

// --- client actions

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::common::*;

/// Runs the command under the hang guard of [`super::run_bounded`] (which also fails on a
/// crash); returns (exit code, stdout).
fn ca_watchdog(cmd: &mut Command, limit: Duration) -> (i32, String) {
    let (code, out, _) = super::run_bounded(cmd, limit);
    (code, out)
}

/// `check-client-actions --format json` on `root` under the watchdog: (exit code, report).
fn ca_check(root: &Path) -> (i32, serde_json::Value) {
    let (code, out) = ca_watchdog(
        bin()
            .args([
                "check-client-actions",
                "--all",
                "--format",
                "json",
                "--addons-path",
            ])
            .arg(root),
        Duration::from_secs(120),
    );
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"));
    (code, doc)
}

/// An addon `ca_hostile` depending on `web`, with the given data files and files (relative
/// path, content) written under it; returns the addons root.
fn ca_addon(tmp: &Path, data: &[&str], files: &[(&str, &str)]) -> std::path::PathBuf {
    let root = tmp.join("addons");
    let list: Vec<String> = data.iter().map(|d| format!("'{d}'")).collect();
    let dir = write_addon(
        &root,
        "ca_hostile",
        &format!(
            "{{'name': 'Hostile', 'depends': ['web'], 'data': [{}], 'license': 'LGPL-3', \
             'assets': {{'web.assets_backend': ['ca_hostile/static/src/**/*']}}}}",
            list.join(", ")
        ),
    );
    for (rel, text) in files {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    root
}

/// The findings of `code` whose file ends with `file`.
fn ca_findings_on<'a>(
    doc: &'a serde_json::Value,
    code: &str,
    file: &str,
) -> Vec<&'a serde_json::Value> {
    findings_with(doc, code)
        .into_iter()
        .filter(|f| f["file"].as_str().is_some_and(|p| p.ends_with(file)))
        .collect()
}

fn ca_view(inner: &str) -> String {
    format!(
        "<odoo><record id=\"v\" model=\"ir.ui.view\"><field name=\"arch\" type=\"xml\">\
         <form><field name=\"x\" widget=\"w\"/>{inner}</form></field></record></odoo>"
    )
}

#[test]
fn ca_deeply_nested_xml_data_file_is_a_finding_not_a_crash() {
    // 3,100 levels, about 22 KB: aborted the process with a stack overflow.
    let deep = ca_view(&format!("{}{}", "<a>".repeat(3100), "</a>".repeat(3100)));
    assert!(deep.len() < 25_000);
    let tmp = tempfile::tempdir().unwrap();
    let root = ca_addon(
        tmp.path(),
        &["views/deep.xml"],
        &[("views/deep.xml", &deep)],
    );
    let (code, doc) = ca_check(&root);
    let f = ca_findings_on(&doc, "A008", "views/deep.xml");
    assert_eq!(f.len(), 1, "{:#}", doc["findings"]);
    assert!(f[0]["message"].as_str().unwrap().contains("256"));
    assert_eq!(f[0]["module"], "ca_hostile");
    assert_eq!(code, 1);
}

#[test]
fn ca_xml_entity_expansion_is_refused() {
    // Ten entities each made of ten copies of the previous one: 10^9 bytes once expanded, in
    // a file of under 2 KB (the 40 KB variant took more than a minute).
    let mut dtd = String::from("<!DOCTYPE odoo [<!ENTITY e0 \"xxxxxxxxxx\">");
    for i in 1..10 {
        dtd.push_str(&format!(
            "<!ENTITY e{i} \"{}\">",
            format!("&e{};", i - 1).repeat(10)
        ));
    }
    dtd.push_str("]>");
    let text = format!("<?xml version=\"1.0\"?>{dtd}{}", ca_view("<div>&e9;</div>"));
    let tmp = tempfile::tempdir().unwrap();
    let root = ca_addon(
        tmp.path(),
        &["views/laughs.xml"],
        &[("views/laughs.xml", &text)],
    );
    let (code, doc) = ca_check(&root);
    let f = ca_findings_on(&doc, "A008", "views/laughs.xml");
    assert_eq!(f.len(), 1, "{:#}", doc["findings"]);
    assert!(f[0]["message"].as_str().unwrap().contains("entity"));
    assert_eq!(code, 1);
}

#[test]
fn ca_unreadable_and_malformed_files_are_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let root = ca_addon(
        tmp.path(),
        &[
            "views/missing.xml",
            "views/a_directory.xml",
            "views/malformed.xml",
            "views/fine.xml",
        ],
        &[
            ("views/malformed.xml", "<odoo><record widget=\"x\"></odoo>"),
            ("views/fine.xml", &ca_view("")),
            ("views/a_directory.xml/keep", ""),
            (
                "static/src/ok.js",
                "registry.category('fields').add('w', W);\n",
            ),
        ],
    );
    // Under static/: a JavaScript file that is a dangling link, and a link back to an
    // ancestor directory (a loop for the walk).
    let static_src = root.join("ca_hostile/static/src");
    std::os::unix::fs::symlink(tmp.path().join("nowhere.js"), static_src.join("gone.js")).unwrap();
    std::os::unix::fs::symlink(&static_src, static_src.join("loop")).unwrap();

    let (code, doc) = ca_check(&root);
    // The loading findings of the one file reader: missing or unreadable, not a regular file,
    // a symlink loop.
    for (code, file) in [
        ("P009", "views/missing.xml"),
        ("P005", "views/a_directory.xml"),
        ("P009", "static/src/gone.js"),
        ("P008", "static/src/loop"),
    ] {
        let f = ca_findings_on(&doc, code, file);
        assert_eq!(f.len(), 1, "{file}: {:#}", doc["findings"]);
        assert_eq!(f[0]["module"], "ca_hostile");
    }
    assert_eq!(
        ca_findings_on(&doc, "A008", "views/malformed.xml").len(),
        1,
        "{:#}",
        doc["findings"]
    );
    // The readable file was still checked.
    assert!(doc["uses"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["key"] == "w" && u["status"] == "ok"));
    assert_eq!(code, 1);

    // `--ci` no longer passes with nothing said.
    let (code, out) = ca_watchdog(
        bin()
            .args(["check-client-actions", "--ci", "--addons-path"])
            .arg(&root),
        Duration::from_secs(120),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("P009") && out.contains("missing.xml"), "{out}");
}

#[test]
fn ca_one_js_file_with_80k_registrations_is_checked() {
    // 80,000 registrations in one 4 MB file took 9.7 s (quadratic); the watchdog only guards
    // against a hang.
    let js: String = (0..80_000)
        .map(|i| format!("registry.category(\"actions\").add(\"tag_{i}\", X);\n"))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let root = ca_addon(tmp.path(), &[], &[("static/src/big.js", &js)]);
    let (_, doc) = ca_check(&root);
    assert_eq!(doc["summary"]["registrations"], 80_000);
}
