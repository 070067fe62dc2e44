//! `--output FILE`, `--instance`, the run and the inventory of a report, and fingerprints, end
//! to end on the real corpus and a copy of the real Odoo 18 database.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::common::*;

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_report_goes_to_the_file_with_its_run_and_inventory() {
    let db = TestDb::new("output_run");
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("weekly.json");
    let (code, out, err) = run(bin()
        .args(["versions", "--db-url", &db.url(), "--format", "json"])
        .args(["--addons-path", corpus().to_str().unwrap()])
        .args(["--output", target.to_str().unwrap()]));
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "the report went to stdout too: {out}");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["weekly.json"], "a temporary file was left");
    let doc = read_json(&target);
    assert_eq!(doc["run"]["instance"], db.name.as_str());
    let started = doc["run"]["started_at"].as_str().unwrap();
    assert!(
        regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
            .unwrap()
            .is_match(started),
        "{started}"
    );
    assert!(doc["run"]["duration_ms"].as_u64().is_some());
    // The inventory: every module of the database with its state and installed version, the
    // addons of the path with the version of their code.
    let inv = doc["inventory"].as_array().unwrap();
    let base = inv.iter().find(|m| m["name"] == "base").unwrap();
    assert_eq!(base["state"], "installed");
    assert_eq!(
        base["installed_version"],
        db.scalar("SELECT latest_version FROM ir_module_module WHERE name = 'base'")
    );
    let date_range = inv.iter().find(|m| m["name"] == "date_range").unwrap();
    assert_eq!(date_range["state"], "installed");
    let manifest = std::fs::read_to_string(corpus().join("date_range/__manifest__.py")).unwrap();
    let version = regex::Regex::new(r#""version":\s*"([^"]+)""#)
        .unwrap()
        .captures(&manifest)
        .unwrap()[1]
        .to_string();
    assert_eq!(date_range["code_version"], version.as_str());
    let in_db: usize = db
        .scalar("SELECT count(*)::text FROM ir_module_module")
        .parse()
        .unwrap();
    assert!(inv.len() >= in_db, "{} < {in_db}", inv.len());

    // --instance names it; a second run replaces the file.
    let (code, _, err) = run(bin()
        .args(["broken", "--db-url", &db.url(), "--format", "json"])
        .args(["--instance", "acme-prod", "-o", target.to_str().unwrap()]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(read_json(&target)["run"]["instance"], "acme-prod");
}

#[test]
fn a_reader_never_sees_half_a_report() {
    // A large report (every addon of the corpus) rewritten while another thread reads it.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("modules.json");
    let write = || {
        let (code, _, err) = run(bin()
            .args(["modules", "--addons-path", corpus().to_str().unwrap()])
            .args(["--format", "json", "--output", target.to_str().unwrap()]));
        assert_eq!(code, 0, "{err}");
    };
    write();
    let size = std::fs::metadata(&target).unwrap().len();
    assert!(size > 50_000, "the report is small ({size} bytes)");
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, target) = (stop.clone(), target.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(Ordering::Relaxed) {
                let text = std::fs::read_to_string(&target).unwrap();
                let doc: serde_json::Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("a partial report ({} bytes): {e}", text.len()));
                assert_eq!(doc["command"], "modules");
                reads += 1;
            }
            reads
        })
    };
    for _ in 0..5 {
        write();
    }
    stop.store(true, Ordering::Relaxed);
    let reads = reader.join().unwrap();
    assert!(reads > 5, "the reader read {reads} time(s) only");
}

#[test]
fn a_report_that_cannot_be_written_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/r.json");
    let (code, out, err) = run(bin()
        .args(["rules", "--format", "json"])
        .args(["--output", missing.to_str().unwrap()]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("cannot write the report"), "{err}");
    assert!(err.contains("no/such/dir"), "{err}");
    // A directory as the target.
    let (code, _, err) = run(bin().args(["rules", "--output", dir.path().to_str().unwrap()]));
    assert_eq!(code, 2);
    assert!(err.contains("is a directory"), "{err}");
    // Table format into a file: `--color auto` writes no colour codes there.
    let file = dir.path().join("rules.txt");
    let (code, _, err) =
        run(bin()
            .env_remove("NO_COLOR")
            .args(["rules", "--output", file.to_str().unwrap()]));
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("D001") && !text.contains('\u{1b}'), "{text}");
}

#[test]
fn json_and_sarif_carry_the_same_fingerprints() {
    let (_tmp, root) = corpus_copy(&["date_range", "queue_job"]);
    // A planted dependency nobody provides.
    let manifest = root.join("date_range/__manifest__.py");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replacen("\"depends\": [", "\"depends\": [\"no_such_addon\", ", 1),
    )
    .unwrap();
    let args = |format: &str| {
        let mut c = bin();
        c.args(["deps", "--addons-path", root.to_str().unwrap()])
            .args(["--odoo-series", "18.0", "--format", format]);
        c
    };
    let (_, json, err) = run(&mut args("json"));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let fps: BTreeSet<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    let d001 = findings_with(&json, "D001");
    assert_eq!(d001.len(), 1, "{err}");
    assert_eq!(d001[0]["key"], "no_such_addon");
    let (_, sarif, _) = run(&mut args("sarif"));
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let in_sarif: BTreeSet<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["odooAudit/v1"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(fps, in_sarif);
    assert!(!fps.is_empty());
}

/// Runs `pipeline` (with `$TOOL` the binary, `$ERR` a file for its stderr) through bash with
/// `pipefail`, so that the exit status is the tool's; returns it and the tool's stderr.
fn piped(pipeline: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let err = dir.path().join("stderr");
    let out = std::process::Command::new("bash")
        .args(["-c", &format!("set -o pipefail; {pipeline}")])
        .env("TOOL", env!("CARGO_BIN_EXE_odoo-audit"))
        .env("ERR", &err)
        .env("CORPUS", corpus())
        .env("NO_COLOR", "1")
        .output()
        .expect("run bash");
    let stderr =
        std::fs::read_to_string(&err).unwrap_or_default() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    for format in ["table", "json", "csv"] {
        // The reader takes one line and goes away (`| head -1`).
        let (code, err) = piped(&format!(
            r#""$TOOL" modules --addons-path "$CORPUS" --format {format} 2>"$ERR" | head -1 >/dev/null"#
        ));
        assert_eq!(code, 0, "{format}: {err}");
        assert!(err.is_empty(), "{format}: {err}");
        // The reader is gone before the first byte is written: the write always fails.
        let (code, err) = piped(&format!(
            r#"{{ sleep 0.2; exec "$TOOL" modules --addons-path "$CORPUS" --format {format}; }} 2>"$ERR" | true"#
        ));
        assert_eq!(code, 0, "{format}: {err}");
        assert!(err.is_empty(), "{format}: {err}");
        // Stderr into the same closed pipe (a missing addons path is a finding; CSV also
        // copies the findings to stderr): no complaint, no exit 2.
        let (code, _) = piped(&format!(
            r#"{{ sleep 0.2; exec "$TOOL" modules --addons-path "$CORPUS,/nonexistent" --format {format} 2>&1; }} | true"#
        ));
        assert_eq!(code, 0, "{format}");
    }
}
