//! `checksums`: the same digest as click-odoo-contrib's `addon_hash` (run through
//! `$ODOO_AUDIT_CLICK_ODOO_PYTHON`, a venv scripts/test.sh makes) on every addon of the corpora
//! and on a tree of awkward names and links; code changed without a version bump on a copy of
//! the real Odoo 18 database.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

const MAU_DEFAULT: &str = "*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*";
const CLICK_DEFAULT: &str = "*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*,tests/*";

fn python() -> String {
    std::env::var("ODOO_AUDIT_CLICK_ODOO_PYTHON").unwrap_or_else(|_| {
        panic!(
            "ODOO_AUDIT_CLICK_ODOO_PYTHON is not set: it names a Python with click-odoo-contrib \
             (scripts/test.sh makes it: .cache/click-odoo-contrib/bin/python)"
        )
    })
}

/// click-odoo-contrib's checksums of the addons under `root`.
fn theirs(root: &Path, patterns: &str, langs: &str) -> BTreeMap<String, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/click_odoo_hash.py");
    let out = std::process::Command::new(python())
        .arg(script)
        .arg(root)
        .args([patterns, langs])
        .output()
        .expect("run click_odoo_hash.py");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Ours, from the report's `checksums` object.
fn ours(root: &Path, patterns: &str, langs: &str) -> (i32, Value) {
    let mut cmd = bin();
    cmd.arg("checksums")
        .arg("--addons-path")
        .arg(root)
        .args(["--exclude-patterns", patterns]);
    if !langs.is_empty() {
        cmd.args(["--languages", langs]);
    }
    let (code, doc, err) = run_json(&mut cmd);
    assert!(doc["checksums"].is_object(), "{err}{doc}");
    (code, doc)
}

fn as_map(doc: &Value) -> BTreeMap<String, String> {
    doc["checksums"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn checksums_equal_click_odoo_contrib_on_every_corpus_addon() {
    for root in [corpus(), corpus19()] {
        for (patterns, langs) in [
            (MAU_DEFAULT, ""),
            (CLICK_DEFAULT, "fr_FR,de_DE,ca_ES,pt_BR"),
        ] {
            let (code, doc) = ours(&root, patterns, langs);
            assert_eq!(code, 0);
            let expected = theirs(&root, patterns, langs);
            assert!(expected.len() > 30, "{} addons", expected.len());
            assert_eq!(
                as_map(&doc),
                expected,
                "{} {patterns} {langs}",
                root.display()
            );
        }
    }
}

#[test]
fn awkward_trees_hash_as_click_odoo_contrib() {
    let (tmp, root) = corpus_copy(&["date_range"]);
    let a = root.join("date_range");
    write(
        &a,
        &[
            ("a/x.py", "x = 1\n"),
            ("a.txt", "a"),
            ("a_b", ""),
            ("B", "upper case sorts first"),
            ("zz/deep/er/y.xml", "<odoo/>"),
            ("zz/deep/z.txt", "z"),
            ("tests/test_x.py", "def test(): pass\n"),
            ("static/src/x.js", "odoo.define()"),
            ("i18n/fr_BE.po", "msgid \"\""),
            ("i18n/.po", "hidden"),
            ("i18n/nl.po", "nl"),
            ("i18n_extra/de.po", "de"),
            ("sub/i18n/fr.po", "not in i18n/ itself"),
            ("\u{e9}t\u{e9}.txt", "unicode"),
            ("x.pyc", "compiled"),
        ],
    );
    std::os::unix::fs::symlink("zz", a.join("linked_dir")).unwrap();
    std::os::unix::fs::symlink("a.txt", a.join("link.txt")).unwrap();
    for (patterns, langs) in [
        (MAU_DEFAULT, ""),
        (CLICK_DEFAULT, "fr_FR"),
        ("*.txt, a/*,[!z]z/*", "de_DE,nl_NL"),
    ] {
        let (_, doc) = ours(&root, patterns, langs);
        assert_eq!(
            as_map(&doc),
            theirs(&root, patterns, langs),
            "{patterns} {langs}"
        );
    }
    drop(tmp);
}

#[test]
fn unreadable_addons_are_findings_not_hangs() {
    let (_tmp, root) = corpus_copy(&["date_range", "auditlog", "base_user_role"]);
    // A FIFO (module_auto_update would block on it) and a link out of the addon.
    assert!(std::process::Command::new("mkfifo")
        .arg(root.join("date_range/data.fifo"))
        .status()
        .unwrap()
        .success());
    std::os::unix::fs::symlink("/etc/hostname", root.join("auditlog/hostname")).unwrap();
    let (code, doc) = ours(&root, MAU_DEFAULT, "");
    assert_eq!(code, 0, "warnings only");
    let v = findings_with(&doc, "V011");
    let modules: Vec<&str> = v.iter().map(|f| f["module"].as_str().unwrap()).collect();
    assert_eq!(modules, ["auditlog", "date_range"], "{v:#?}");
    assert!(v[1]["message"].as_str().unwrap().contains("FIFO"), "{v:#?}");
    assert!(
        v[0]["message"].as_str().unwrap().contains("outside"),
        "{v:#?}"
    );
    // The others still have theirs.
    let map = as_map(&doc);
    assert_eq!(map.keys().collect::<Vec<_>>(), ["base_user_role"]);
}

#[test]
fn code_changed_without_a_version_bump_on_the_real_database() {
    let db = TestDb::new("checksums");
    let (_tmp, root) = corpus_copy(&["date_range", "auditlog", "base_user_role"]);
    let run_db = || {
        let (code, doc, err) = run_json(
            bin()
                .args(["checksums", "--db-url", &db.url()])
                .arg("--addons-path")
                .arg(&root),
        );
        assert!(doc["checksums"].is_object(), "{err}{doc}");
        (code, doc)
    };
    let status = |doc: &Value, m: &str| {
        doc["modules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["module"] == m)
            .unwrap_or_else(|| panic!("no row for {m}: {doc}"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // No parameter: said, and the checksums printed in the parameter's shape (installed
    // modules; `false` for those without code here).
    let (code, doc) = run_db();
    assert_eq!(code, 0);
    assert_eq!(findings_with(&doc, "V010").len(), 1);
    assert_eq!(doc["checksums"]["base"], false);
    assert!(doc["checksums"]["date_range"].is_string());
    assert_eq!(doc["context"]["exclude_patterns"], MAU_DEFAULT);

    // click-odoo-update stored the checksums (its default patterns, the active languages).
    let langs = db.scalar("SELECT string_agg(code, ',') FROM res_lang WHERE active");
    let mut stored = theirs(&root, CLICK_DEFAULT, &langs);
    stored.remove("base_user_role");
    db.exec(&format!(
        "INSERT INTO ir_config_parameter (key, value) VALUES ('module_auto_update.installed_checksums', '{}')",
        serde_json::to_string(&stored).unwrap()
    ));
    let (code, doc) = run_db();
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["context"]["exclude_patterns"], CLICK_DEFAULT);
    assert_eq!(status(&doc, "date_range"), "unchanged");
    assert_eq!(status(&doc, "auditlog"), "unchanged");
    assert!(findings_with(&doc, "V008").is_empty(), "{doc}");
    let v009 = findings_with(&doc, "V009");
    assert_eq!(v009.len(), 1);
    assert_eq!(v009[0]["module"], "base_user_role");
    assert_eq!(status(&doc, "base"), "no code on the addons path");

    // date_range's code changes, its version does not; auditlog's changes and is bumped.
    let py = root.join("date_range/models/date_range.py");
    let text = std::fs::read_to_string(&py).unwrap();
    std::fs::write(&py, format!("{text}\n# hotfix\n")).unwrap();
    let manifest = root.join("auditlog/__manifest__.py");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let installed =
        db.scalar("SELECT latest_version FROM ir_module_module WHERE name = 'auditlog'");
    let bumped = regex::Regex::new(r#""version":\s*"[^"]+""#)
        .unwrap()
        .replace(&text, "\"version\": \"18.0.9.0.0\"")
        .into_owned();
    assert_ne!(bumped, text);
    std::fs::write(&manifest, bumped).unwrap();
    assert_ne!(installed, "18.0.9.0.0");
    let (code, doc) = run_db();
    assert_eq!(code, 0, "V008 is a warning");
    let v008 = findings_with(&doc, "V008");
    assert_eq!(v008.len(), 1, "{v008:#?}");
    assert_eq!(v008[0]["module"], "date_range");
    assert!(v008[0]["hint"].as_str().unwrap().contains("-u date_range"));
    assert_eq!(status(&doc, "date_range"), "changed, version not bumped");
    assert_eq!(
        status(&doc, "auditlog"),
        "changed, upgrade pending (see versions)"
    );
    assert_eq!(doc["summary"]["changed_not_bumped"], 1);
    let (code, _, _) = run(bin()
        .args(["checksums", "--db-url", &db.url(), "--fail-on", "warning"])
        .arg("--addons-path")
        .arg(&root));
    assert_eq!(code, 1);

    // The database's own patterns win.
    db.exec(
        "INSERT INTO ir_config_parameter (key, value) VALUES ('module_auto_update.exclude_patterns', '*.pyc, models/*')",
    );
    let (_, doc) = run_db();
    assert_eq!(doc["context"]["exclude_patterns"], "*.pyc, models/*");
    assert_eq!(
        doc["context"]["exclude_patterns_source"],
        "module_auto_update.exclude_patterns"
    );
    // A parameter that is not JSON is said, not a crash.
    db.exec(
        "UPDATE ir_config_parameter SET value = '{not json' WHERE key = 'module_auto_update.installed_checksums'",
    );
    let (code, doc) = run_db();
    assert_eq!(code, 0);
    let v010 = findings_with(&doc, "V010");
    assert_eq!(v010.len(), 1);
    assert!(v010[0]["message"].as_str().unwrap().contains("not JSON"));
}
