//! Files: FIFOs, devices, links out of an addon, symlink loops, oversize files, huge lines.

use crate::common::*;

// --- files
//
// FIFOs, devices, links out of an addon, symlink loops, oversize files and huge config lines.
// The tests run as root (in CI too), so files that cannot be read for lack of permission cannot
// be produced here: that case is not tested.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// How long a command may run on hostile input before the test kills it and fails.
const FILES_WATCHDOG: Duration = Duration::from_secs(120);

/// Runs `cmd` under a watchdog of [`FILES_WATCHDOG`]; returns (exit code, stdout, stderr).
fn files_run(cmd: &mut Command) -> (i32, String, String) {
    super::run_bounded(cmd, FILES_WATCHDOG)
}

/// [`files_run`] with `--format json`, stdout parsed.
fn files_run_json(cmd: &mut Command) -> (i32, serde_json::Value, String) {
    cmd.args(["--format", "json"]);
    let (code, out, err) = files_run(cmd);
    let v = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stdout:\n{out}\nstderr:\n{err}"));
    (code, v, err)
}

fn files_mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    assert_eq!(
        unsafe { libc::mkfifo(c.as_ptr(), 0o644) },
        0,
        "mkfifo {path:?}"
    );
}

fn files_link(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap_or_else(|e| panic!("{link:?}: {e}"));
}

/// An addon `dir/name` with a manifest (extra keys after `depends`) and files (relative path,
/// content).
fn files_addon(dir: &Path, name: &str, extra: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = dir.join(name);
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("__manifest__.py"),
        format!("{{'name': '{name}', 'license': 'LGPL-3', 'depends': ['web'], {extra}}}\n"),
    )
    .unwrap();
    for (rel, text) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    root
}

/// A stand-in `web` addon (the client actions check needs it on the path).
fn files_web(dir: &Path) {
    std::fs::create_dir_all(dir.join("web")).unwrap();
    std::fs::write(
        dir.join("web/__manifest__.py"),
        "{'name': 'Web', 'license': 'LGPL-3', 'depends': ['base'], 'assets': {}}\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("base")).unwrap();
    std::fs::write(
        dir.join("base/__manifest__.py"),
        "{'name': 'Base', 'license': 'LGPL-3', 'depends': []}\n",
    )
    .unwrap();
}

/// A JS file that registers the client action `tag`, and a data file that uses it.
const FILES_ASSETS: &str = "'assets': {'web.assets_backend': ['good/static/src/**/*.js']}";
const FILES_JS: &str = "import { registry } from \"@web/core/registry\";\nregistry.category(\"actions\").add(\"good_tag\", Component);\n";
fn files_action_xml(tag: &str) -> String {
    format!("<odoo><record id=\"act_{tag}\" model=\"ir.actions.client\"><field name=\"name\">x</field><field name=\"tag\">{tag}</field></record></odoo>\n")
}

fn files_check(path: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let (code, doc, _) = files_run_json(
        bin()
            .args(["check-client-actions", "--odoo-series", "18.0"])
            .args(extra)
            .arg("--addons-path")
            .arg(path),
    );
    (code, doc)
}

fn files_codes(doc: &serde_json::Value, code: &str) -> Vec<(String, String, String)> {
    findings_with(doc, code)
        .iter()
        .map(|f| {
            (
                f["module"].as_str().unwrap_or("").to_string(),
                f["file"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn files_fifo_manifest_is_a_finding_in_modules_deps_and_check_client_actions() {
    let tmp = tempfile::tempdir().unwrap();
    let ap = tmp.path().join("addons");
    files_web(&ap);
    files_addon(&ap, "good", "", &[]);
    std::fs::create_dir_all(ap.join("piped")).unwrap();
    files_mkfifo(&ap.join("piped/__manifest__.py"));
    // A symlinked addon directly under the addons path is still followed.
    files_addon(tmp.path(), "linked_src", "", &[]);
    files_link("../linked_src", &ap.join("linked"));
    for cmd in ["modules", "deps", "check-client-actions"] {
        let (code, doc, _) = files_run_json(
            bin()
                .args([cmd, "--odoo-series", "18.0", "--addons-path"])
                .arg(&ap),
        );
        let p005 = files_codes(&doc, "P005");
        assert_eq!(p005.len(), 1, "{cmd}: {doc}");
        assert_eq!(p005[0].0, "piped", "{cmd}");
        assert!(p005[0].1.ends_with("piped/__manifest__.py"), "{cmd}");
        assert!(p005[0].2.contains("a FIFO"), "{cmd}: {}", p005[0].2);
        assert_eq!(code, 1, "{cmd}");
        if cmd == "modules" {
            let names: Vec<&str> = doc["modules"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|m| m["name"].as_str())
                .collect();
            assert_eq!(names, ["base", "good", "linked", "web"]);
        }
    }
}

#[test]
fn files_config_and_settings_fifos_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("odoo.conf");
    files_mkfifo(&fifo);
    for args in [
        vec!["modules", "-c"],
        vec!["check-client-actions", "--ci", "-c"],
    ] {
        let (code, _, err) = files_run(bin().args(&args).arg(&fifo));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("a FIFO, not a regular file"),
            "{args:?}: {err}"
        );
    }
    let (code, _, err) = files_run(bin().arg("modules").env("ODOO_RC", &fifo));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a FIFO"), "{err}");
    let (code, _, err) = files_run(
        bin()
            .current_dir(tmp.path())
            .args(["deploy-check", "--settings"])
            .arg(&fifo),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a FIFO"), "{err}");
}

#[test]
fn files_env_file_and_manifest_fifos_in_deploy_check_are_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let ap = root.join("addons");
    files_web(&ap);
    std::fs::create_dir_all(ap.join("piped")).unwrap();
    files_mkfifo(&ap.join("piped/__manifest__.py"));
    files_mkfifo(&root.join("env.fifo"));
    std::fs::write(
        root.join("odoo.conf"),
        format!("[options]\naddons_path = {}\n", ap.display()),
    )
    .unwrap();
    std::fs::write(
        root.join("odoo-audit.toml"),
        "mode = \"native\"\nodoo_command = [\"/bin/false\"]\nenv_file = \"env.fifo\"\n\
expected_series = \"18.0\"\nhttp_timeout_secs = 2\ncommand_timeout_secs = 5\n\
backup_dir = \"backups\"\nsystemd_unit = \"odoo-audit-test-none\"\n",
    )
    .unwrap();
    let (_, doc, err) = files_run_json(
        bin()
            .current_dir(root)
            .args(["deploy-check", "--quick", "-c", "odoo.conf"])
            .args(["--db-url", "postgres://odoo@127.0.0.1:1/none"])
            .args(["--base-url", "http://127.0.0.1:1"]),
    );
    let g008 = files_codes(&doc, "G008");
    assert!(
        g008.iter()
            .any(|(_, _, m)| m.contains("env.fifo") && m.contains("a FIFO")),
        "{g008:?}\n{err}"
    );
    let g006 = files_codes(&doc, "G006");
    assert!(
        g006.iter().any(|(m, f, msg)| m == "piped"
            && f.ends_with("piped/__manifest__.py")
            && msg.contains("a FIFO")
            && msg.contains("P005")),
        "{g006:?}"
    );
}

#[test]
fn files_data_files_linked_to_dev_zero_or_out_of_the_addon_are_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let ap = tmp.path().join("addons");
    files_web(&ap);
    // Read, the files outside the addon would give A001 (their tag is registered nowhere).
    std::fs::create_dir_all(tmp.path().join("other")).unwrap();
    std::fs::write(
        tmp.path().join("other/x.xml"),
        files_action_xml("outside_tag"),
    )
    .unwrap();
    let good = files_addon(
        &ap,
        "good",
        &format!(
            "'data': ['../../other/x.xml', '{}', 'views/zero.xml', 'views/pipe.xml', 'views/ok.xml', 'views/missing.xml'], {FILES_ASSETS}",
            tmp.path().join("other/x.xml").display()
        ),
        &[
            ("static/src/js/a.js", FILES_JS),
            ("views/ok.xml", &files_action_xml("good_tag")),
        ],
    );
    files_link("/dev/zero", &good.join("views/zero.xml"));
    files_mkfifo(&good.join("views/pipe.xml"));
    let (code, doc) = files_check(&ap, &[]);
    assert!(findings_with(&doc, "A001").is_empty(), "{doc}");
    let p007 = files_codes(&doc, "P007");
    let outside: Vec<&str> = p007.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(outside.len(), 3, "{p007:?}");
    assert!(
        outside[0].ends_with("good/../../other/x.xml"),
        "{outside:?}"
    );
    assert!(outside
        .iter()
        .any(|f| f.ends_with("other/x.xml") && !f.contains("..")));
    assert!(outside.iter().any(|f| f.ends_with("views/zero.xml")));
    assert!(p007.iter().any(|f| f.2.contains("/dev/zero")), "{p007:?}");
    let p005 = files_codes(&doc, "P005");
    assert_eq!(p005.len(), 1, "{p005:?}");
    assert!(p005[0].1.ends_with("views/pipe.xml"));
    let p009 = files_codes(&doc, "P009");
    assert_eq!(p009.len(), 1, "{p009:?}");
    assert!(p009[0].1.ends_with("views/missing.xml"));
    // The readable file was read: its action is checked and valid.
    assert_eq!(doc["summary"]["actions_checked"], 1, "{doc}");
    assert_eq!(doc["summary"]["actions_valid"], 1, "{doc}");
    assert_eq!(code, 1);
}

#[test]
fn files_static_link_to_root_and_symlink_loops_end_in_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let ap = tmp.path().join("addons");
    files_web(&ap);
    let good = files_addon(
        &ap,
        "good",
        &format!("'data': ['views/ok.xml', 'views/loop.xml'], {FILES_ASSETS}"),
        &[
            ("static/src/js/a.js", FILES_JS),
            ("views/ok.xml", &files_action_xml("good_tag")),
            ("models/m.py", "from odoo import models\n"),
        ],
    );
    // Followed, `root` makes the walk list the whole machine (it ran for minutes).
    files_link("/", &good.join("static/src/root"));
    files_link("..", &good.join("static/src/js/up"));
    files_link("self.js", &good.join("static/src/self.js"));
    // Links the walks have no use for are left alone.
    files_link("nowhere", &good.join("static/src/dangling.txt"));
    files_link("/etc/hostname", &good.join("static/description.txt"));
    files_link("loop.xml", &good.join("views/loop.xml"));
    files_link("../models", &good.join("models/again"));
    // A link inside the addon is followed.
    files_link("js", &good.join("static/src/alias"));
    let (_, doc) = files_check(&ap, &[]);
    let p007 = files_codes(&doc, "P007");
    assert_eq!(p007.len(), 1, "{p007:?}");
    assert!(p007[0].1.ends_with("static/src/root"));
    let mut loops: Vec<String> = files_codes(&doc, "P008")
        .into_iter()
        .map(|f| f.1.rsplit("good/").next().unwrap().to_string())
        .collect();
    loops.sort();
    assert_eq!(
        loops,
        [
            "models/again",
            "static/src/alias/up",
            "static/src/js/up",
            "static/src/self.js",
            "views/loop.xml"
        ]
    );
    // Both copies of the JS file were scanned, the action is valid.
    assert_eq!(doc["summary"]["js_files"], 2, "{doc}");
    assert_eq!(doc["summary"]["actions_valid"], 1, "{doc}");
}

#[test]
fn files_oversize_files_are_findings_and_huge_config_lines_short_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let ap = tmp.path().join("addons");
    files_web(&ap);
    let big_manifest = format!(
        "{{'name': 'big', 'license': 'LGPL-3'}}\n# {}\n",
        "x".repeat(1 << 20)
    );
    std::fs::create_dir_all(ap.join("big")).unwrap();
    std::fs::write(ap.join("big/__manifest__.py"), big_manifest).unwrap();
    let good = files_addon(
        &ap,
        "good",
        &format!("'data': ['views/huge.xml'], {FILES_ASSETS}"),
        &[("static/src/js/a.js", FILES_JS)],
    );
    // Sparse files: no disk space used, the sizes are what counts.
    for (rel, size) in [
        ("views/huge.xml", 16u64 << 30),
        ("static/src/js/huge.js", (16 << 20) + 1),
    ] {
        std::fs::create_dir_all(good.join(rel).parent().unwrap()).unwrap();
        let f = std::fs::File::create(good.join(rel)).unwrap();
        f.set_len(size).unwrap();
    }
    let (_, doc) = files_check(&ap, &[]);
    let mut p006: Vec<(String, String)> = files_codes(&doc, "P006")
        .into_iter()
        .map(|f| (f.0, f.1.rsplit("addons/").next().unwrap().to_string()))
        .collect();
    p006.sort();
    assert_eq!(
        p006,
        [
            ("big".to_string(), "big/__manifest__.py".to_string()),
            ("good".to_string(), "good/static/src/js/huge.js".to_string()),
            ("good".to_string(), "good/views/huge.xml".to_string()),
        ]
    );
    for f in findings_with(&doc, "P006") {
        assert_eq!(f["severity"], "warning");
    }

    // A 1 GB odoo.conf of NUL bytes: refused at once.
    let huge = tmp.path().join("huge.conf");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(1 << 30).unwrap();
    let (code, _, err) = files_run(bin().arg("modules").arg("-c").arg(&huge));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("larger than 1 MiB"), "{err}");
    assert!(err.len() < 500, "{} bytes", err.len());
    // Under the cap, a NUL-filled line is quoted short and escaped.
    let nul = tmp.path().join("nul.conf");
    let mut text = b"[options]\n".to_vec();
    text.extend(std::iter::repeat_n(0u8, 900_000));
    text.extend(b"\x1b[2J\n");
    std::fs::write(&nul, text).unwrap();
    let (code, _, err) = files_run(bin().arg("modules").arg("-c").arg(&nul));
    assert_eq!(code, 2, "{err}");
    assert!(err.len() < 500, "{} bytes: {}", err.len(), &err[..500]);
    assert!(err.contains("\\0\\0\\0"), "{err}");
    assert!(err.contains("(900004 bytes in all)"), "{err}");
    assert!(!err.contains('\0') && !err.contains('\u{1b}'), "{err:?}");
}

#[test]
fn files_the_real_corpus_gives_no_file_finding() {
    let corpus = corpus();
    let (_, doc) = files_check(&corpus, &[]);
    for code in ["P005", "P006", "P007", "P008", "P009"] {
        let found = findings_with(&doc, code);
        assert!(found.is_empty(), "{code}: {found:?}");
    }
    // The walks and reads still see the corpus' files.
    let summary = &doc["summary"];
    assert!(summary["js_files"].as_u64().unwrap() > 50, "{summary}");
    assert!(
        summary["widgets_checked"].as_u64().unwrap() > 300,
        "{summary}"
    );
}
