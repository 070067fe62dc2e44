//! Every finding code of the registry is produced by some test, on a real input.
//!
//! What counts as "produced" (checked by `every_code_is_produced_by_a_test`):
//!
//! * in `tests/**/*.rs`: the code's string literal is the second argument of a call to one of
//!   the findings helpers ([`HELPERS`]), and the call's result is not merely checked to be
//!   empty (`helper(…).is_empty()` without a `!` before it is a check that the code is absent);
//! * in `src/**/*.rs`, after the file's first `#[cfg(test)]` line (the unit tests): the literal
//!   is compared to a finding's code, `.code == "…"` or `assert_eq!(….code, "…")`.
//!
//! Comment lines (`//…`) are left out. The rest of this file produces the codes no other test
//! produced: an unreadable manifest, an addons path without addons, the parity checks on
//! damaged copies of the real database, and the parity plan of uninstallable modules.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::*;
use serde_json::Value;

/// The helpers of the integration tests that select findings by code.
const HELPERS: &[&str] = &[
    "findings_with",
    "module_findings",
    "tag_findings",
    "ca_findings_on",
    "files_codes",
    "messages",
    "message",
    "one_finding",
    "only",
    "about",
];

/// The codes of the registry, from the binary.
fn registry_codes() -> Vec<String> {
    let (code, doc, err) = run_json(bin().arg("rules"));
    assert_eq!(code, 0, "{err}");
    doc["rules"]
        .as_array()
        .unwrap_or_else(|| panic!("no rules: {doc}"))
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}

/// The text without its comment lines.
fn without_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The codes an integration test source asserts to be produced.
fn produced_by_test_source(text: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(&format!(
        r#"(!?)\b(?:{})\(\s*[^,()]+,\s*"([A-Z][0-9]{{3}})"[^()]*\)(\.is_empty\(\))?"#,
        HELPERS.join("|")
    ))
    .unwrap();
    re.captures_iter(&without_comments(text))
        .filter(|c| c.get(3).is_none() || !c[1].is_empty())
        .map(|c| c[2].to_string())
        .collect()
}

/// The codes the unit tests of a source file assert.
fn produced_by_unit_tests(text: &str) -> BTreeSet<String> {
    let Some(start) = text.find("#[cfg(test)]") else {
        return BTreeSet::new();
    };
    let re = regex::Regex::new(r#"\.code(?:\s*==\s*|,\s*)"([A-Z][0-9]{3})""#).unwrap();
    re.captures_iter(&without_comments(&text[start..]))
        .map(|c| c[1].to_string())
        .collect()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk the sources"))
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| e.into_path())
        .collect();
    v.sort();
    v
}

#[test]
fn the_scan_counts_assertions_that_a_code_appears_and_not_that_it_is_absent() {
    let src = r#"
        assert_eq!(findings_with(&doc, "Q101").len(), 1);
        assert!(findings_with(&doc, "Q102").is_empty());
        assert!(!findings_with(&doc, "Q103").is_empty());
        let f = module_findings(
            &doc,
            "Q104",
            "account",
        );
        assert!(message(&doc, "Q105", "tag").is_some());
        // findings_with(&doc, "Q106")
        let codes = ["Q107"];
        other_helper(&doc, "Q108");
    "#;
    let got: Vec<String> = produced_by_test_source(src).into_iter().collect();
    assert_eq!(got, ["Q101", "Q103", "Q104", "Q105"]);
    let unit = "fn f() { x.code == \"Q200\"; }\n#[cfg(test)]\nmod tests {\n\
        assert_eq!(f[0].code, \"Q201\");\n assert!(f.iter().any(|f| f.code == \"Q202\"));\n\
        assert_eq!(f[0].name, \"Q203\");\n}\n";
    let got: Vec<String> = produced_by_unit_tests(unit).into_iter().collect();
    assert_eq!(got, ["Q201", "Q202"]);
}

#[test]
fn every_code_is_produced_by_a_test() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut produced = BTreeSet::new();
    for file in rust_files(&root.join("tests")) {
        produced.extend(produced_by_test_source(
            &std::fs::read_to_string(&file).unwrap(),
        ));
    }
    for file in rust_files(&root.join("src")) {
        produced.extend(produced_by_unit_tests(
            &std::fs::read_to_string(&file).unwrap(),
        ));
    }
    let codes = registry_codes();
    assert!(codes.len() > 50, "{codes:?}");
    let missing: Vec<&String> = codes.iter().filter(|c| !produced.contains(*c)).collect();
    assert!(
        missing.is_empty(),
        "{} code(s) of the registry are produced by no test: {missing:?}",
        missing.len()
    );
}

// ------------------------------------------------------------------ addons

/// The binary, run without the capabilities that let root read any file when the tests run as
/// root, so that file permissions apply as they do to the user that runs Odoo.
fn unprivileged_bin() -> std::process::Command {
    let plain = bin();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return plain;
    }
    let mut c = std::process::Command::new("setpriv");
    c.args(["--bounding-set", "-dac_override,-dac_read_search", "--"])
        .arg(plain.get_program());
    for (k, v) in plain.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c
}

#[test]
fn an_unreadable_manifest_is_its_addons_finding_and_the_scan_goes_on() {
    let (_tmp, addons) = corpus_copy(&["queue_job", "queue_job_cron", "web_responsive"]);
    let manifest = addons.join("queue_job/__manifest__.py");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&manifest, std::fs::Permissions::from_mode(0o000)).unwrap();
    let (code, doc, _) = run_json(
        unprivileged_bin()
            .args(["modules", "--odoo-series", "18.0", "--addons-path"])
            .arg(&addons),
    );
    assert_eq!(code, 1, "{doc:#}");
    let m3 = findings_with(&doc, "M003");
    assert_eq!(m3.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(m3[0]["severity"], "error");
    assert_eq!(m3[0]["module"], "queue_job");
    assert_eq!(m3[0]["file"], manifest.display().to_string());
    let msg = m3[0]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("cannot read the manifest") && msg.contains("Permission denied"),
        "{msg}"
    );
    // The other addons are still listed.
    let names = module_names(&doc);
    assert_eq!(names, ["queue_job_cron", "web_responsive"], "{doc:#}");
}

#[test]
fn an_addons_path_one_level_too_high_holds_no_addon() {
    let (tmp, addons) = corpus_copy(&["queue_job", "web_responsive"]);
    // The repository root (holding `addons/`) given instead of the addons directory.
    let paths = format!("{},{}", tmp.path().display(), addons.display());
    let (code, doc, err) =
        run_json(bin().args(["modules", "--odoo-series", "18.0", "--addons-path", &paths]));
    assert_eq!(code, 0, "a path without addons is a warning: {err} {doc:#}");
    let p3 = findings_with(&doc, "P003");
    assert_eq!(p3.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(p3[0]["severity"], "warning");
    assert_eq!(p3[0]["file"], tmp.path().display().to_string());
    assert_eq!(p3[0]["module"], Value::Null);
    assert_eq!(
        p3[0]["message"],
        format!("addons path {} holds no addon", tmp.path().display())
    );
    assert_eq!(doc["modules"].as_array().unwrap().len(), 2);
}

// ------------------------------------------------------------------ parity

fn verify(db: &TestDb, parity_file: Option<&Path>) -> (i32, Value) {
    let mut cmd = bin();
    cmd.args(["parity", "verify", "--db-url", &db.url()]);
    if let Some(p) = parity_file {
        cmd.arg("--parity-file").arg(p);
    }
    let (code, doc, err) = run_json(&mut cmd);
    assert!(doc["checks"].is_array(), "{err} {doc:#}");
    (code, doc)
}

/// The one finding of a code, with its severity.
fn one_finding<'a>(doc: &'a Value, code: &str, severity: &str) -> &'a Value {
    let f = findings_with(doc, code);
    assert_eq!(f.len(), 1, "{code}: {:#}", doc["findings"]);
    assert_eq!(f[0]["severity"], severity, "{:#}", f[0]);
    f[0]
}

fn msg(f: &Value) -> &str {
    f["message"].as_str().unwrap()
}

#[test]
fn verify_on_the_real_database_reports_uninstallable_modules_oca_coverage_and_incomplete_categories(
) {
    let db = TestDb::new("every_pfix");
    let (code, doc) = verify(&db, None);
    assert_eq!(code, 1, "the required ipai_* modules are missing");

    let y5 = one_finding(&doc, "Y005", "warning");
    let uninstallable =
        db.scalar("select count(*)::text from ir_module_module where state = 'uninstallable'");
    assert!(
        msg(y5).starts_with(&format!("{uninstallable} uninstallable module(s): "))
            && msg(y5).contains("web_studio")
            && msg(y5).contains("hw_drivers"),
        "{y5:#}"
    );

    let oca = db.scalar(
        "select count(*)::text from ir_module_module where state = 'installed' \
         and (website ilike '%github.com/oca%' or author ilike '%odoo community association%' \
         or author ~ '(^|[^A-Za-z0-9])OCA([^A-Za-z0-9]|$)')",
    );
    let y9 = one_finding(&doc, "Y009", "warning");
    assert_eq!(
        msg(y9),
        format!("{oca} OCA modules installed, the threshold is 80")
    );

    // The shipped `web` category: 7 modules, some of them not installed in the fixture.
    let y12: Vec<&Value> = findings_with(&doc, "Y012")
        .into_iter()
        .filter(|f| msg(f).starts_with("web ("))
        .collect();
    assert_eq!(y12.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(y12[0]["severity"], "warning");
    let web_installed = db.scalar(
        "select count(*)::text from ir_module_module where state = 'installed' and name in \
         ('web_responsive','web_domain_field','web_timeline','web_widget_color',\
         'web_advanced_search','web_pwa_oca','web_m2x_options')",
    );
    assert!(
        msg(y12[0]).contains(&format!("{web_installed} of 7 installed; not installed: "))
            && msg(y12[0]).contains("web_pwa_oca"),
        "{:#}",
        y12[0]
    );
    assert!(y12[0]["hint"]
        .as_str()
        .unwrap()
        .contains("parity plan --category web"));
}

#[test]
fn verify_on_a_damaged_copy_reports_missing_core_tables_pending_upgrades_and_empty_coverage() {
    let db = TestDb::new("every_pdmg");
    // A partial restore (tables lost), an update scheduled and never run, server actions gone,
    // most menus archived.
    db.exec(
        "DROP TABLE ir_demo_failure_wizard, ir_demo_failure, ir_demo, ir_profile, ir_logging CASCADE;
         UPDATE ir_module_module SET state = 'to upgrade' WHERE name = 'web_responsive';
         TRUNCATE ir_act_server CASCADE;
         UPDATE ir_ui_menu SET active = false WHERE parent_id IS NOT NULL;",
    );
    let tables = db.scalar(
        "select count(*)::text from information_schema.tables where table_schema = 'public' \
         and table_type = 'BASE TABLE' and table_name like 'ir\\_%'",
    );
    let menus = db.scalar("select count(*)::text from ir_ui_menu where active");
    let categories = db.scalar(
        "select count(distinct category_id)::text from ir_module_module where state = 'installed'",
    );
    let installed_categories = categories.parse::<u64>().unwrap() + 1;
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("parity.toml");
    std::fs::write(
        &file,
        format!("[thresholds]\ninstalled_categories = {installed_categories}\n"),
    )
    .unwrap();
    let (code, doc) = verify(&db, Some(&file));
    assert_eq!(code, 1, "{:#}", doc["findings"]);
    assert_eq!(doc["summary"]["critical_failed"], true);

    let y4 = one_finding(&doc, "Y004", "error");
    assert!(
        msg(y4).starts_with(&format!("only {tables} core ir_% tables: ")),
        "{y4:#}"
    );
    assert!(tables.parse::<u64>().unwrap() <= 50, "{tables}");

    let y6 = one_finding(&doc, "Y006", "warning");
    assert_eq!(msg(y6), "1 module(s) to upgrade: web_responsive");
    assert!(
        y6["hint"].as_str().unwrap().contains(&format!(
            "-d {} -u web_responsive --stop-after-init",
            db.name
        )),
        "{y6:#}"
    );

    let y8 = one_finding(&doc, "Y008", "warning");
    assert_eq!(
        msg(y8),
        format!(
            "{categories} module categories among the installed modules, the threshold is {installed_categories}"
        )
    );

    let y10 = one_finding(&doc, "Y010", "warning");
    assert_eq!(msg(y10), "no server actions (ir_act_server is empty)");

    let y11 = one_finding(&doc, "Y011", "warning");
    assert_eq!(
        msg(y11),
        format!("{menus} active menus, the threshold is 100")
    );
    assert!(menus.parse::<u64>().unwrap() < 100, "{menus}");
}

#[test]
fn plan_names_modules_that_cannot_be_installed_from_the_database_and_from_disk() {
    let db = TestDb::new("every_pplan");
    let (_tmp, addons) = corpus_copy(&["queue_job", "queue_job_cron", "web_responsive"]);
    let manifest = addons.join("queue_job/__manifest__.py");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("\"installable\": True"));
    std::fs::write(
        &manifest,
        text.replace("\"installable\": True", "\"installable\": False"),
    )
    .unwrap();
    let file = addons.parent().unwrap().join("parity.toml");
    // helpdesk is `uninstallable` in the real database; queue_job is now so on disk.
    std::fs::write(
        &file,
        "[categories.support]\ndescription = 'Support'\nmodules = ['helpdesk', 'queue_job', 'web_responsive']\n",
    )
    .unwrap();
    assert_eq!(
        db.scalar("select state::text from ir_module_module where name = 'helpdesk'"),
        "uninstallable"
    );
    let (code, doc, err) = run_json(
        bin()
            .arg("parity")
            .arg("--parity-file")
            .arg(&file)
            .args(["plan", "--category", "support", "--db-url", &db.url()])
            .arg("--addons-path")
            .arg(&addons),
    );
    assert_eq!(code, 0, "warnings only: {err} {doc:#}");
    let y14 = findings_with(&doc, "Y014");
    let mut modules: Vec<&str> = y14.iter().map(|f| f["module"].as_str().unwrap()).collect();
    modules.sort();
    assert_eq!(modules, ["helpdesk", "queue_job"], "{:#}", doc["findings"]);
    for f in &y14 {
        assert_eq!(f["severity"], "warning");
        assert_eq!(msg(f), "category support: not installable");
    }
    let row = |m: &str| plan_row(&doc, m);
    assert_eq!(row("helpdesk")["status"], "uninstallable");
    assert_eq!(row("helpdesk")["found_in"], "database");
    assert_eq!(row("queue_job")["status"], "uninstallable");
    assert_eq!(row("queue_job")["found_in"], "disk");
    assert_eq!(row("web_responsive")["status"], "installed");
    // Nothing that cannot be installed is in the install order.
    let order = install_order(&doc);
    assert!(
        !order.contains(&"queue_job") && !order.contains(&"helpdesk"),
        "{order:?}"
    );
}
