//! Output: names, file names and values built to break the output, the terminal or the CI log,
//! and runs whose exit code must follow the findings.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::*;

// --- output
//
// A newline in a client action tag, a dependency name or a directory name, an ESC sequence, a
// bidirectional override: no format may write them raw (a line starting with `::` is a workflow
// command for a GitHub Actions runner), JSON and SARIF must keep them as data.

/// The dependency name planted in a copied corpus manifest (Python escapes in the source).
const OUT_DEP_SOURCE: &str = r"ghost\n::error file=y::pwned-dep\x1b[2J";
/// The same name as the manifest reader sees it.
const OUT_DEP: &str = "ghost\n::error file=y::pwned-dep\x1b[2J";
/// The tag planted in queue_job's client action (XML character references).
const OUT_TAG_XML: &str = "queue_job_channel_tree&#10;::error file=x::pwned-tag&#x202E;";
const OUT_TAG: &str = "queue_job_channel_tree\n::error file=x::pwned-tag\u{202e}";
/// A directory name holding a copy of a corpus addon.
const OUT_DIR: &str = "evil\n::error file=z::pwned-dir\x1b]0;title\x07";

/// True for a character no text output may contain raw (newline excepted: it ends lines).
fn out_unsafe(c: char) -> bool {
    (c < ' ' && c != '\n')
        || ('\u{7f}'..='\u{9f}').contains(&c)
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

fn out_assert_clean(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| out_unsafe(c)) {
        panic!("{what}: raw {c:?} in\n{text}");
    }
}

/// No line but a GitHub annotation starts with `::`.
fn out_assert_no_command(what: &str, text: &str) {
    for line in text.lines() {
        assert!(
            !line.starts_with("::"),
            "{what}: forged command line {line:?}"
        );
    }
}

/// A copy of queue_job and web_timeline from the corpus, with empty `base`, `web`, `mail` and
/// `base_sparse_field` so that the client action is checked; the hostile tag in queue_job's
/// action, the hostile dependency in web_timeline's manifest, and a copy of web_timeline in a
/// directory with a hostile name (depending on the hostile name too).
fn out_tree() -> (tempfile::TempDir, PathBuf) {
    let (tmp, root) = corpus_copy(&["queue_job", "web_timeline"]);
    for (name, deps) in [
        ("base", ""),
        ("web", "'base'"),
        ("mail", "'base', 'web'"),
        ("base_sparse_field", "'base'"),
    ] {
        write_addon(
            &root,
            name,
            &format!("{{'name': '{name}', 'depends': [{deps}], 'license': 'LGPL-3'}}"),
        );
    }
    let xml = root.join("queue_job/views/queue_job_channel_views.xml");
    let text = std::fs::read_to_string(&xml).unwrap();
    let real = "<field name=\"tag\">queue_job_channel_tree</field>";
    assert!(text.contains(real), "the corpus changed: {}", xml.display());
    std::fs::write(
        &xml,
        text.replace(real, &format!("<field name=\"tag\">{OUT_TAG_XML}</field>")),
    )
    .unwrap();
    let manifest = root.join("web_timeline/__manifest__.py");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(
        text.contains("\"depends\": [\"web\""),
        "the corpus changed: {text}"
    );
    let hostile = text.replacen(
        "\"depends\": [\"web\"",
        &format!("\"depends\": [\"web\", \"{OUT_DEP_SOURCE}\""),
        1,
    );
    std::fs::write(&manifest, &hostile).unwrap();
    copy_tree(&root.join("web_timeline"), &root.join(OUT_DIR));
    (tmp, root)
}

fn out_run(root: &Path, args: &[&str]) -> (i32, String, String) {
    run(bin()
        .args(args)
        .args(["--odoo-series", "18.0", "--addons-path"])
        .arg(root))
}

fn out_json(root: &Path, args: &[&str]) -> (i32, Value) {
    let (code, out, err) = out_run(root, &[args, &["--format", "json"]].concat());
    let doc = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, doc)
}

/// Like `run_json`, but a run that prints nothing (a usage error) gives `null`.
fn out_run_json(cmd: &mut Command) -> (i32, Value, String) {
    let (code, out, err) = run(cmd.args(["--format", "json"]));
    let doc = if out.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"))
    };
    (code, doc, err)
}

/// One string field of every finding.
fn out_field(doc: &Value, key: &str) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[key].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn out_every_text_format_escapes_hostile_names_and_json_keeps_them() {
    let (_tmp, root) = out_tree();
    // The data is intact in JSON: the raw newline, ESC and U+202E are in the messages.
    let (code, doc) = out_json(&root, &["deps"]);
    assert_eq!(code, 1);
    let messages = out_field(&doc, "message");
    assert!(messages.iter().any(|m| m.contains(OUT_DEP)), "{messages:?}");
    let files = out_field(&doc, "file");
    assert!(files.iter().any(|f| f.contains(OUT_DIR)), "{files:?}");
    let (code, doc) = out_json(&root, &["check-client-actions"]);
    assert_eq!(code, 1);
    assert!(
        out_field(&doc, "message")
            .iter()
            .any(|m| m.contains(OUT_TAG)),
        "{:#}",
        doc["findings"]
    );

    let out_gh_command =
        regex::Regex::new(r"^(error|warning|notice) [a-z]+=[^:,]*(,[a-z]+=[^:,]*)*$").unwrap();
    for cmd in ["deps", "check-client-actions", "modules"] {
        for format in [
            "table", "json", "csv", "sarif", "junit", "github", "markdown",
        ] {
            let what = format!("{cmd} --format {format}");
            let (_, out, err) = out_run(&root, &[cmd, "--format", format]);
            out_assert_clean(&what, &out);
            out_assert_clean(&format!("{what} (stderr)"), &err);
            out_assert_no_command(&format!("{what} (stderr)"), &err);
            if format == "github" {
                for line in out.lines() {
                    assert!(
                        ["::error ", "::warning ", "::notice "]
                            .iter()
                            .any(|k| line.starts_with(k)),
                        "{what}: {line:?}"
                    );
                    // The runner splits at the first `::` after the command: the
                    // properties before it can hold no `:` (escaped as %3A), the message
                    // after it may hold anything but a line end.
                    let (command, _message) = line[2..].split_once("::").unwrap();
                    assert!(out_gh_command.is_match(command), "{what}: {command:?}");
                }
            } else {
                out_assert_no_command(&what, &out);
            }
            let payload = match cmd {
                "deps" => "pwned-dep",
                "check-client-actions" => "pwned-tag",
                _ => "pwned-dir",
            };
            if !(cmd == "modules" && ["sarif", "junit", "github"].contains(&format)) {
                assert!(
                    out.contains(payload) || err.contains(payload),
                    "{what}: the hostile value is not shown\n{out}"
                );
            }
            match format {
                "json" | "sarif" => {
                    let v: Value = serde_json::from_str(&out).unwrap();
                    if format == "sarif" && cmd == "deps" {
                        let texts: Vec<&str> = v["runs"][0]["results"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|r| r["message"]["text"].as_str().unwrap())
                            .collect();
                        assert!(texts.iter().any(|t| t.contains(OUT_DEP)), "{texts:?}");
                    }
                }
                "junit" => {
                    let xml = roxmltree::Document::parse(&out)
                        .unwrap_or_else(|e| panic!("{what}: not XML: {e}\n{out}"));
                    if cmd == "deps" {
                        let escaped = OUT_DEP.replace('\n', "\\n").replace('\x1b', "\\x1b");
                        assert!(
                            xml.descendants()
                                .filter(|n| n.has_tag_name("failure"))
                                .any(|n| n.attribute("message").unwrap_or("").contains(&escaped)),
                            "{out}"
                        );
                    }
                }
                "csv" => {
                    let mut r = csv::ReaderBuilder::new()
                        .has_headers(true)
                        .from_reader(out.as_bytes());
                    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
                    assert!(!rows.is_empty(), "{what}");
                    // One record per line: no quoted field spans lines.
                    assert_eq!(rows.len() + 1, out.lines().count(), "{what}\n{out}");
                }
                _ => {}
            }
        }
    }
    // -q and --ci: one line per finding, each starting with its location or severity.
    for args in [
        &["deps", "-q"][..],
        &["check-client-actions", "--ci"][..],
        &["modules", "--format", "csv"][..],
    ] {
        let (_, out, err) = out_run(&root, args);
        for text in [&out, &err] {
            out_assert_clean(&format!("{args:?}"), text);
            out_assert_no_command(&format!("{args:?}"), text);
        }
    }
    let (code, out, _) = out_run(&root, &["check-client-actions", "--ci"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("queue_job_channel_tree\\n::error file=x::pwned-tag\\u{202e}"),
        "{out}"
    );
}

#[test]
fn out_error_messages_on_stderr_are_escaped() {
    // A value clap rejects, and a configuration file that does not exist.
    let (code, out, err) = run(bin().args(["modules", "--format", "x\x1b[31m\nnext"]));
    assert_eq!(code, 2, "{out}{err}");
    out_assert_clean("clap error", &err);
    assert!(err.contains("x\\x1b[31m\\nnext"), "{err}");
    let (code, _, err) =
        run(bin().args(["modules", "-c", "/nonexistent/odoo\x1b[2J\n::error::x.conf"]));
    assert_eq!(code, 2, "{err}");
    out_assert_clean("fatal", &err);
    out_assert_no_command("fatal", &err);
    assert!(err.contains("odoo\\x1b[2J"), "{err}");
}

#[test]
fn out_closed_pipe_ends_quietly_with_exit_0() {
    let (_tmp, root) = out_tree();
    for format in ["table", "json", "csv", "github"] {
        // The reader is gone before the first write: every write fails with EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = bin()
            .args(["deps", "--format", format, "--addons-path"])
            .arg(&root)
            .stdout(writer)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "--format {format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "--format {format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Help text into a closed pipe too.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = bin().arg("--help").stdout(writer).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
}

// Exit codes: decided from the findings after --allow/--warn/--deny, for every command.

/// Every code of a family (first letter), from `odoo-audit rules`.
fn out_codes(family: char) -> Vec<String> {
    let (code, doc, _) = run_json(bin().arg("rules"));
    assert_eq!(code, 0);
    doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .filter(|c| c.starts_with(family))
        .collect()
}

fn out_severities(doc: &Value) -> Vec<(String, String)> {
    out_field(doc, "code")
        .into_iter()
        .zip(out_field(doc, "severity"))
        .collect()
}

#[test]
fn out_levels_accept_rule_names_and_reject_unknown_codes() {
    let (_tmp, root) = out_tree();
    let (code, doc) = out_json(&root, &["deps"]);
    assert_eq!(code, 1);
    assert!(out_severities(&doc)
        .iter()
        .all(|(c, s)| c == "D001" && s == "error"));
    // By rule name and by code, in any case, repeated or comma-separated.
    for allow in [
        &["--allow", "missing-dependency"][..],
        &["--allow", "d001"][..],
        &["--allow", "M006,D001"][..],
    ] {
        let (code, doc) = out_json(&root, &[&["deps"][..], allow].concat());
        assert_eq!(code, 0, "{allow:?}: {doc:#}");
        assert!(doc["findings"].as_array().unwrap().is_empty(), "{allow:?}");
    }
    let (code, doc) = out_json(&root, &["deps", "--warn", "missing-dependency"]);
    assert_eq!(code, 0);
    assert!(out_severities(&doc).iter().all(|(_, s)| s == "warning"));
    let (code, _) = out_json(&root, &["deps", "--warn", "D001", "--fail-on", "warning"]);
    assert_eq!(code, 1);
    let (code, _) = out_json(&root, &["deps", "--fail-on", "never"]);
    assert_eq!(code, 0);
    // Unknown codes: a usage error before anything runs, naming the close codes.
    let (code, out, err) = out_run(&root, &["deps", "--allow", "D01"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("D001 (missing-dependency)"), "{err}");
    let (code, _, err) = out_run(&root, &["deps", "--deny", "missing-dependecy"]);
    assert_eq!(code, 2);
    assert!(err.contains("D001 (missing-dependency)"), "{err}");
    let (code, _, err) = out_run(&root, &["deps", "--warn", "qqqq\x1b[2J"]);
    assert_eq!(code, 2);
    out_assert_clean("unknown code", &err);
    assert!(err.contains("odoo-audit rules"), "{err}");
}

fn out_exec(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A native deployment whose Odoo command is a stand-in that fails every run.
fn out_failing_deployment(root: &Path) -> PathBuf {
    out_exec(
        &root.join("odoo-bin"),
        "#!/bin/sh\nif [ \"$1\" = \"--version\" ]; then echo 'Odoo Server 18.0-20241105'; exit 0; fi\n\
         echo \"2025-01-01 00:00:00,000 1 ERROR prod odoo.modules.registry: Failed to load registry\"\nexit 1\n",
    );
    std::fs::write(
        root.join("odoo.conf"),
        "[options]\ndb_name = prod\nlist_db = True\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("backups")).unwrap();
    let settings = root.join("odoo-audit.toml");
    std::fs::write(
        &settings,
        format!(
            "mode = \"native\"\nodoo_command = [\"{}\"]\nodoo_conf = \"odoo.conf\"\nlog_dir = \"logs\"\n\
             backup_dir = \"backups\"\nhttp_timeout_secs = 1\nexpected_series = \"18.0\"\n",
            root.join("odoo-bin").display()
        ),
    )
    .unwrap();
    settings
}

#[test]
fn out_deploy_check_exit_code_follows_levels_and_fail_on() {
    let db = TestDb::new("out_gate");
    let tmp = tempfile::tempdir().unwrap();
    let settings = out_failing_deployment(tmp.path());
    let gate = |extra: &[&str]| {
        let mut c = bin();
        c.current_dir(tmp.path())
            .args(["deploy-check", "--settings"])
            .arg(&settings)
            .args(["--db-url", &db.url(), "--base-url", "http://127.0.0.1:9"])
            .args(extra);
        out_run_json(&mut c)
    };
    let (code, doc, err) = gate(&[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(doc["summary"]["result"], "no-go");
    let errors: Vec<String> = out_severities(&doc)
        .into_iter()
        .filter(|(_, s)| s == "error")
        .map(|(c, _)| c)
        .collect();
    assert!(!errors.is_empty());
    // --fail-on never: the gate still says no-go, the exit code is 0.
    let (code, doc, _) = gate(&["--fail-on", "never"]);
    assert_eq!(code, 0);
    assert_eq!(doc["summary"]["result"], "no-go");
    // Every deploy code (and whatever else failed) as a warning: exit 0; 1 with --fail-on warning.
    let mut all = out_codes('G');
    all.extend(errors.iter().cloned());
    let all = all.join(",");
    let (code, doc, _) = gate(&["--warn", &all]);
    assert_eq!(code, 0, "{:#}", doc["findings"]);
    assert!(out_severities(&doc).iter().all(|(_, s)| s != "error"));
    let (code, _, _) = gate(&["--warn", &all, "--fail-on", "warning"]);
    assert_eq!(code, 1);
    let (code, doc, _) = gate(&["--allow", &all]);
    assert_eq!(code, 0);
    assert!(doc["findings"].as_array().unwrap().is_empty());
    let (code, _, err) = gate(&["--allow", "G9999"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn out_truth_sync_exit_code_follows_levels_and_fail_on() {
    let tmp = tempfile::tempdir().unwrap();
    let settings = out_failing_deployment(tmp.path());
    let sync = |extra: &[&str]| {
        let mut c = bin();
        c.current_dir(tmp.path())
            // No database here: without --apply-pending the pending operations cannot be
            // listed and Odoo is not started (G014); with it the failing step runs (G201).
            .args(["truth-sync", "--apply-pending", "--settings"])
            .arg(&settings)
            .args(extra);
        out_run_json(&mut c)
    };
    let (code, doc, err) = sync(&[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(doc["summary"]["result"], "failed");
    assert_eq!(findings_with(&doc, "G201").len(), 1);
    assert_eq!(sync(&["--fail-on", "never"]).0, 0);
    assert_eq!(sync(&["--allow", "truth-sync-step-failed"]).0, 0);
    assert_eq!(sync(&["--warn", "G201"]).0, 0);
    assert_eq!(sync(&["--warn", "G201", "--fail-on", "warning"]).0, 1);
    assert_eq!(sync(&["--deny", "G2O1"]).0, 2);
}

#[test]
fn out_parity_verify_exit_code_follows_levels_strict_and_fail_on() {
    let db = TestDb::new("out_parity");
    let verify = |extra: &[&str]| {
        out_run_json(
            bin()
                .args(["parity", "verify", "--db-url", &db.url()])
                .args(extra),
        )
    };
    // Critical failures (required modules missing) are errors: exit 1.
    let (code, doc, err) = verify(&[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(doc["summary"]["verdict"], "fail (critical)");
    let errors: Vec<String> = out_severities(&doc)
        .into_iter()
        .filter(|(_, s)| s == "error")
        .map(|(c, _)| c)
        .collect();
    assert!(errors.iter().all(|c| c.starts_with('Y')), "{errors:?}");
    let critical = errors.join(",");
    assert_eq!(verify(&["--fail-on", "never"]).0, 0);
    // Without the critical codes only the non-critical failures (warnings) remain.
    let (code, doc, _) = verify(&["--allow", &critical]);
    assert_eq!(code, 0, "{:#}", doc["findings"]);
    assert!(!doc["findings"].as_array().unwrap().is_empty());
    assert_eq!(verify(&["--allow", &critical, "--strict"]).0, 1);
    assert_eq!(
        verify(&["--allow", &critical, "--strict", "--fail-on", "never"]).0,
        0
    );
    assert_eq!(verify(&["--warn", &critical]).0, 0);
    assert_eq!(verify(&["--allow", "Y0003"]).0, 2);
}

/// `parity install` runs the failing deployment's Odoo command.
#[test]
fn out_parity_install_failures_and_skips_are_error_findings() {
    let db = TestDb::new("out_install");
    let tmp = tempfile::tempdir().unwrap();
    let settings = out_failing_deployment(tmp.path());
    let defs = tmp.path().join("parity.toml");
    std::fs::write(
        &defs,
        "[categories.mine]\ndescription = 'Mine'\nmodules = ['queue_job', 'queue_job_cron']\n",
    )
    .unwrap();
    let install = |extra: &[&str]| {
        let mut c: Command = bin();
        c.current_dir(tmp.path())
            .args(["parity", "--parity-file"])
            .arg(&defs)
            .args(["install", "--settings"])
            .arg(&settings)
            .args(["--db-url", &db.url(), "--addons-path"])
            .arg(corpus())
            .args(extra);
        out_run_json(&mut c)
    };
    let (code, doc, err) = install(&[]);
    let steps = doc["steps"].as_array().unwrap();
    assert!(!steps.is_empty(), "{doc:#}\n{err}");
    // queue_job fails (the stand-in fails every run), so queue_job_cron is skipped.
    assert!(steps.iter().any(|s| s["status"] == "failed"), "{steps:?}");
    assert!(
        steps
            .iter()
            .any(|s| s["status"].as_str().unwrap().starts_with("skipped")),
        "{steps:?}"
    );
    assert_eq!(code, 1);
    for s in steps {
        let st = s["status"].as_str().unwrap();
        if st == "failed" || st.starts_with("skipped") {
            let m = s["module"].as_str().unwrap();
            assert!(
                findings_with(&doc, "Y015")
                    .iter()
                    .any(|f| f["module"] == m && f["severity"] == "error"),
                "no error finding for {m} ({st})"
            );
        }
    }
    assert_eq!(install(&["--allow", "Y015"]).0, 0);
    assert_eq!(install(&["--fail-on", "never"]).0, 0);
    assert_eq!(install(&["--dry-run"]).0, 0);
}
