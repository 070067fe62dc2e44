//! `parity verify` and `parity plan` on the real Odoo 18 database and the real OCA corpus.

use crate::common::*;
use serde_json::Value;

fn checks(doc: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    doc["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks table: {doc}"))
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                c["measured"].clone(),
            )
        })
        .collect()
}

fn check<'a>(
    all: &'a [(String, String, serde_json::Value)],
    name: &str,
) -> &'a (String, String, serde_json::Value) {
    all.iter()
        .find(|c| c.0 == name)
        .unwrap_or_else(|| panic!("no check {name} in {all:?}"))
}

#[test]
fn verify_figures_match_sql_and_missing_required_modules_are_critical() {
    let db = TestDb::new("pverify");
    let (code, doc, err) = run_json(bin().args(["parity", "verify", "--db-url", &db.url()]));
    assert_eq!(code, 1, "required ipai_* modules are missing: {err}");
    let c = checks(&doc);
    let sql =
        |q: &str| -> serde_json::Value { serde_json::json!(db.scalar(q).parse::<i64>().unwrap()) };
    assert_eq!(
        check(&c, "installed modules").2,
        sql("select count(*)::text from ir_module_module where state = 'installed'")
    );
    assert_eq!(check(&c, "installed modules").1, "pass");
    assert_eq!(
        check(&c, "OCA modules installed").2,
        sql("select count(*)::text from ir_module_module where state = 'installed' and website ilike '%github.com/oca%'")
    );
    assert_eq!(check(&c, "OCA modules installed").1, "fail");
    assert_eq!(
        check(&c, "installed module categories").2,
        sql("select count(distinct category_id)::text from ir_module_module where state = 'installed'")
    );
    assert_eq!(
        check(&c, "active menus").2,
        sql("select count(*)::text from ir_ui_menu where active")
    );
    assert_eq!(
        check(&c, "server actions present").2,
        sql("select count(*)::text from ir_act_server")
    );
    assert_eq!(
        check(&c, "no uninstallable modules").2,
        sql("select count(*)::text from ir_module_module where state = 'uninstallable'")
    );
    assert_eq!(check(&c, "required module ipai_studio").1, "fail");
    assert_eq!(
        check(&c, "required module ipai_studio").2,
        "unknown to the database"
    );
    let y3 = findings_with(&doc, "Y003");
    assert_eq!(y3.len(), 3);
    assert_eq!(doc["summary"]["critical_failed"], true);
    // Per category: web has 3 of its 7 modules installed in the fixture.
    let web = doc["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["category"] == "web")
        .unwrap();
    let web_installed = sql("select count(*)::text from ir_module_module where state = 'installed' and name in ('web_responsive','web_domain_field','web_timeline','web_widget_color','web_advanced_search','web_pwa_oca','web_m2x_options')");
    assert_eq!(web["installed"], web_installed);
    assert_eq!(web["modules"], 7);
}

#[test]
fn verify_thresholds_from_a_custom_file_and_strict_exit_codes() {
    let db = TestDb::new("pstrict");
    let tmp = tempfile::tempdir().unwrap();
    // Critical checks pass (required: an installed module), coverage still fails (OCA >= 80).
    let lenient = tmp.path().join("lenient.toml");
    std::fs::write(
        &lenient,
        "[thresholds]\nrequired_modules = ['web_responsive']\ninstalled_modules = 120\n",
    )
    .unwrap();
    let (code, doc, _) = run_json(
        bin()
            .args(["parity", "verify", "--db-url", &db.url(), "--parity-file"])
            .arg(&lenient),
    );
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        check(&checks(&doc), "required module web_responsive").1,
        "pass"
    );
    assert_eq!(check(&checks(&doc), "installed modules").1, "pass");
    let (code, _, _) = run_json(bin().args(["parity", "--parity-file"]).arg(&lenient).args([
        "verify",
        "--strict",
        "--db-url",
        &db.url(),
    ]));
    // --strict: the coverage failures (warnings) fail the run, with the findings' exit code.
    assert_eq!(code, 1);
    // A threshold above the real count turns the critical check red.
    let strict = tmp.path().join("strict.toml");
    std::fs::write(
        &strict,
        "[thresholds]\nrequired_modules = []\ninstalled_modules = 128\n",
    )
    .unwrap();
    let (code, doc, _) = run_json(
        bin()
            .args(["parity", "verify", "--db-url", &db.url(), "--parity-file"])
            .arg(&strict),
    );
    assert_eq!(code, 1);
    assert_eq!(findings_with(&doc, "Y002").len(), 1);
    // Everything passes once the database and the definitions agree.
    db.exec("update ir_module_module set state = 'uninstalled' where state = 'uninstallable'");
    let all = tmp.path().join("all.toml");
    std::fs::write(
        &all,
        "[thresholds]\nrequired_modules = ['web_responsive']\noca_modules = 26\ninstalled_categories = 10\n\
         [categories.mine]\ndescription = 'Mine'\nmodules = ['web_responsive', 'auditlog']\n",
    )
    .unwrap();
    let (code, doc, _) = run_json(
        bin()
            .args([
                "parity",
                "verify",
                "--strict",
                "--db-url",
                &db.url(),
                "--parity-file",
            ])
            .arg(&all),
    );
    assert_eq!(code, 0, "{doc}");
    assert!(doc["findings"].as_array().unwrap().is_empty(), "{doc}");
    assert_eq!(doc["categories"].as_array().unwrap().len(), 1);
}

#[test]
fn verify_writes_a_dated_report_naming_the_database() {
    let db = TestDb::new("preport");
    let tmp = tempfile::tempdir().unwrap();
    let md = tmp.path().join("parity.md");
    let (code, _, _) = run(bin()
        .args(["parity", "verify", "--db-url", &db.url(), "--report"])
        .arg(&md));
    assert_eq!(code, 1);
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.starts_with("# odoo-audit parity verify"), "{text}");
    assert!(
        text.contains(&format!("**database**: {}", db.name)),
        "{text}"
    );
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    assert!(text.contains(&format!("**checked_at**: {today}")), "{text}");
    // The tables are those of the JSON report of the same run: every check (group, name,
    // status) and every finding (severity, code, message).
    let (_, doc, _) = run_json(bin().args(["parity", "verify", "--db-url", &db.url()]));
    let cells = |rows: &Value, keys: &[&str]| -> Vec<Vec<String>> {
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                keys.iter()
                    .map(|k| r[*k].as_str().unwrap().to_string())
                    .collect()
            })
            .collect()
    };
    let got: Vec<Vec<String>> = markdown_table(&text, "Parity checks")
        .into_iter()
        .map(|r| r[..3].to_vec())
        .collect();
    assert_eq!(got, cells(&doc["checks"], &["group", "check", "status"]));
    assert!(got.contains(&vec![
        "critical".to_string(),
        "required module ipai_studio".to_string(),
        "fail".to_string()
    ]));
    let got: Vec<Vec<String>> = markdown_table(&text, "Findings")
        .into_iter()
        .map(|r| vec![r[0].clone(), r[1].clone(), r[4].clone()])
        .collect();
    assert_eq!(
        got,
        cells(&doc["findings"], &["severity", "code", "message"])
    );
    // A directory gets a file named after the database and the time; JSON with --format json.
    let dir = tmp.path().join("reports");
    std::fs::create_dir(&dir).unwrap();
    run(bin()
        .args([
            "parity",
            "verify",
            "--format",
            "json",
            "--db-url",
            &db.url(),
            "--report",
        ])
        .arg(&dir));
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files.len(), 1);
    assert!(
        files[0].starts_with(&format!("parity-{}-", db.name)) && files[0].ends_with(".json"),
        "{files:?}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(&files[0])).unwrap()).unwrap();
    assert_eq!(v["context"]["database"], db.name.as_str());
}

#[test]
fn verify_unreachable_database_is_a_critical_failure() {
    let (code, doc, _) = run_json(bin().args([
        "parity",
        "verify",
        "--connect-timeout",
        "3",
        "--db-url",
        "postgres://odoo:x@127.0.0.1:9/db?sslmode=disable",
    ]));
    assert_eq!(code, 1);
    assert_eq!(findings_with(&doc, "Y001").len(), 1);
    assert_eq!(
        check(&checks(&doc), "database reachable and Odoo").1,
        "fail"
    );
}

fn assert_dependencies_first(order: &[String], addons: &std::path::Path) {
    for (i, m) in order.iter().enumerate() {
        let manifest = addons.join(m).join("__manifest__.py");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let v = odoo_audit::load::pyliteral::literal_eval(&text).unwrap();
        if let Some(odoo_audit::load::pyliteral::PyValue::List(deps)) = v.get("depends") {
            for d in deps {
                let d = d.as_str().unwrap();
                if let Some(j) = order.iter().position(|x| x == d) {
                    assert!(j < i, "{d} must come before {m} in {order:?}");
                }
            }
        }
    }
}

#[test]
fn plan_with_database_and_corpus() {
    let db = TestDb::new("pplan");
    let corpus = corpus();
    let (code, doc, err) = run_json(
        bin()
            .args([
                "parity",
                "plan",
                "--category",
                "web,queue,reporting",
                "--db-url",
                &db.url(),
                "--addons-path",
            ])
            .arg(&corpus),
    );
    assert_eq!(code, 0, "{err}");
    let row = |m: &str| plan_row(&doc, m);
    assert_eq!(row("web_responsive")["status"], "installed");
    assert_eq!(row("queue_job")["status"], "available");
    assert_eq!(row("queue_job")["found_in"], "both");
    assert_eq!(row("web_pwa_oca")["status"], "missing");
    // its newest release is for 16.0: no package is named for 18.0
    assert_eq!(row("web_pwa_oca")["package"], Value::Null);
    assert_eq!(row("kpi_dashboard")["status"], "missing");
    let order: Vec<String> = doc["install_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(
        order.contains(&"queue_job".to_string()) && order.contains(&"queue_job_cron".to_string())
    );
    assert!(
        !order.contains(&"web_responsive".to_string()),
        "installed modules are not reinstalled"
    );
    assert_dependencies_first(&order, &corpus);
    let pos = |m: &str| order.iter().position(|x| x == m).unwrap();
    assert!(pos("queue_job") < pos("queue_job_cron"));
    let y13 = findings_with(&doc, "Y013");
    assert!(y13.iter().any(|f| f["module"] == "web_pwa_oca"
        && f["hint"]
            .as_str()
            .unwrap()
            .contains("odoo-addon-web-pwa-oca has no release for 18.0 (newest: 16.0)")));
    assert!(y13.iter().all(|f| !f["hint"]
        .as_str()
        .unwrap()
        .contains("pip install odoo-addon-web-pwa-oca")));
    let y16: Vec<&str> = findings_with(&doc, "Y016")
        .iter()
        .map(|f| f["module"].as_str().unwrap())
        .collect();
    assert!(
        y16.contains(&"web_pwa_oca") && y16.contains(&"web_advanced_search"),
        "{y16:?}"
    );
    // no PyPI package at all: none is named
    assert!(findings_with(&doc, "Y018")
        .iter()
        .any(|f| f["module"] == "web_widget_color"));
    assert_eq!(row("web_widget_color")["package"], Value::Null);
    assert_eq!(doc["summary"]["installed"], 5);
}

#[test]
fn plan_from_disk_only_and_skip() {
    let corpus = corpus();
    let (code, doc, err) = run_json(
        bin()
            .args([
                "parity",
                "plan",
                "--skip",
                "ipai",
                "--odoo-series",
                "18.0",
                "--addons-path",
            ])
            .arg(&corpus),
    );
    assert_eq!(code, 0, "{err}");
    let rows = doc["plan"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["category"] != "ipai"));
    // Without a database nothing is known to be installed.
    assert!(rows.iter().all(|r| r["status"] != "installed"));
    let mis = rows.iter().find(|r| r["module"] == "mis_builder").unwrap();
    assert_eq!(mis["status"], "available");
    assert_eq!(mis["found_in"], "disk");
    // Core dependencies (account, web…) are not on this path: listed as missing, not dropped.
    assert!(doc["missing"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m == "account"));
    let order: Vec<String> = doc["install_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_dependencies_first(&order, &corpus);
    let (_, doc, _) = run_json(
        bin()
            .args(["parity", "plan", "--category", "ipai", "--addons-path"])
            .arg(&corpus),
    );
    let row = &doc["plan"][0];
    assert_eq!(row["status"], "missing");
    assert_eq!(
        row["package"],
        serde_json::Value::Null,
        "custom modules have no PyPI package"
    );
}

#[test]
fn plan_unknown_category_lists_valid_keys() {
    let (code, out, err) = run(bin().args([
        "parity",
        "plan",
        "--category",
        "nope",
        "--addons-path",
        "/tmp",
    ]));
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("unknown parity category `nope`; valid: all, ipai, accounting, sales"),
        "{err}"
    );
}

/// A stand-in for `odoo-bin` (there is no Odoo server in the test suite): it records its
/// arguments and prints Odoo-like log lines; `-i $STANDIN_FAIL` logs an ERROR and exits 1.
const ODOO_STANDIN: &str = r#"#!/bin/sh
echo "$*" >> "$STANDIN_ARGS"
mod=""
prev=""
for a in "$@"; do
    if [ "$prev" = "-i" ]; then mod="$a"; fi
    prev="$a"
done
echo "2026-11-23 10:00:00,000 4242 INFO $STANDIN_DB odoo.modules.loading: loading 1 modules..."
if [ -n "$mod" ] && [ "$mod" = "$STANDIN_FAIL" ]; then
    echo "2026-11-23 10:00:01,000 4242 ERROR $STANDIN_DB odoo.modules.registry: Failed to load registry"
    exit 1
fi
# as Odoo does: the module is installed in the database
if [ -n "$mod" ]; then
    psql -q -v ON_ERROR_STOP=1 "$STANDIN_PG_URL" -c "INSERT INTO ir_module_module (name, state, latest_version) VALUES ('$mod', 'installed', '18.0.1.0.0') ON CONFLICT (name) DO UPDATE SET state = 'installed', latest_version = '18.0.1.0.0'" >/dev/null || exit 99
fi
echo "2026-11-23 10:00:02,000 4242 INFO $STANDIN_DB odoo.modules.loading: Modules loaded."
"#;

fn standin(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join("odoo-bin");
    std::fs::write(&p, ODOO_STANDIN).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

#[test]
fn install_dry_run_prints_the_exact_commands_in_order() {
    let db = TestDb::new("pinstdry");
    let tmp = tempfile::tempdir().unwrap();
    let conf = tmp.path().join("odoo.conf");
    std::fs::write(&conf, "[options]\n").unwrap();
    let (code, doc, err) = run_json(
        bin()
            .current_dir(tmp.path())
            .args([
                "parity",
                "install",
                "--dry-run",
                "--category",
                "queue",
                "--odoo-command",
                "/opt/odoo/odoo-bin",
                "--mode",
                "native",
                "--db-url",
                &db.url(),
                "-c",
            ])
            .arg(&conf)
            .arg("--addons-path")
            .arg(corpus()),
    );
    assert_eq!(code, 0, "{err}");
    let steps = doc["steps"].as_array().unwrap();
    let modules: Vec<&str> = steps
        .iter()
        .map(|s| s["module"].as_str().unwrap())
        .collect();
    assert_eq!(
        modules,
        vec!["queue_job", "queue_job_cron", "queue_job_subscribe"]
    );
    assert_eq!(
        steps[0]["command"],
        format!(
            "/opt/odoo/odoo-bin -c {} -d {} --no-http --max-cron-threads=0 --logfile= --stop-after-init -i queue_job",
            conf.display(),
            db.name
        )
    );
    assert!(steps.iter().all(|s| s["status"] == "dry-run"));
}

#[test]
fn install_without_a_configured_odoo_command_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = run(bin()
        .current_dir(tmp.path())
        .args([
            "parity",
            "install",
            "--dry-run",
            "--category",
            "queue",
            "--addons-path",
        ])
        .arg(corpus()));
    assert_eq!(code, 2);
    assert!(err.contains("never guessed"), "{err}");
}

#[test]
fn install_runs_each_step_with_a_log_and_skips_dependents_of_a_failure() {
    let first = TestDb::new("pinst");
    // the second run installs into a fresh copy (the first one installed everything)
    let second = TestDb::new("pinst2");
    let tmp = tempfile::tempdir().unwrap();
    let odoo = standin(tmp.path());
    let args_file = tmp.path().join("args.txt");
    let conf = tmp.path().join("odoo.conf");
    std::fs::write(&conf, "[options]\n").unwrap();
    let logs = tmp.path().join("logs");
    std::fs::write(
        tmp.path().join("odoo-audit.toml"),
        format!(
            "mode = \"native\"\nodoo_command = [\"{}\"]\nlog_dir = \"{}\"\n",
            odoo.display(),
            logs.display()
        ),
    )
    .unwrap();
    let run_install = |fail: &str, db: &TestDb| {
        run_json(
            bin()
                .current_dir(tmp.path())
                .env("STANDIN_ARGS", &args_file)
                .env("STANDIN_DB", &db.name)
                .env("STANDIN_FAIL", fail)
                .env("STANDIN_PG_URL", db.url())
                .args([
                    "parity",
                    "install",
                    "--allow-missing",
                    "--category",
                    "queue,reporting",
                    "--db-url",
                    &db.url(),
                    "-c",
                ])
                .arg(&conf)
                .arg("--addons-path")
                .arg(corpus()),
        )
    };
    let db = &first;
    let (code, doc, err) = run_install("none", db);
    assert_eq!(code, 0, "{err} {doc}");
    let recorded = std::fs::read_to_string(&args_file).unwrap();
    let installed: Vec<&str> = recorded
        .lines()
        .map(|l| l.rsplit(' ').next().unwrap())
        .collect();
    let order = install_order(&doc);
    assert_eq!(installed, order, "one run per module, in install order");
    assert!(recorded
        .lines()
        .all(|l| l.contains(&format!("-d {} ", db.name)) && l.contains("--stop-after-init -i ")));
    let steps = doc["steps"].as_array().unwrap();
    assert!(steps.iter().all(|s| s["status"] == "installed"), "{doc}");
    let log = steps[0]["log"].as_str().unwrap();
    assert!(log.starts_with(&logs.display().to_string()));
    assert!(std::fs::read_to_string(log)
        .unwrap()
        .contains("Modules loaded."));
    assert_eq!(doc["summary"]["steps_ok"], order.len());

    // queue_job fails: its dependents are skipped, the others still run.
    std::fs::remove_file(&args_file).unwrap();
    let (code, doc, _) = run_install("queue_job", &second);
    assert_eq!(code, 1);
    let steps = doc["steps"].as_array().unwrap();
    let status = |m: &str| {
        steps.iter().find(|s| s["module"] == m).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("queue_job"), "failed");
    assert_eq!(status("queue_job_cron"), "skipped: needs queue_job");
    assert_eq!(status("report_py3o"), "installed");
    // One error finding per module not installed: the failure, and each skipped dependent.
    let y15 = findings_with(&doc, "Y015");
    let skipped = steps
        .iter()
        .filter(|s| s["status"].as_str().unwrap().starts_with("skipped"))
        .count();
    assert_eq!(y15.len(), 1 + skipped);
    assert!(findings_with(&doc, "Y015")
        .iter()
        .any(|f| f["module"] == "queue_job_cron"
            && f["message"].as_str().unwrap().contains("needs queue_job")));
    let y15: Vec<_> = y15
        .into_iter()
        .filter(|f| f["module"] == "queue_job")
        .collect();
    assert_eq!(y15.len(), 1);
    assert!(
        y15[0]["message"]
            .as_str()
            .unwrap()
            .contains("Failed to load registry"),
        "{}",
        y15[0]
    );
    let recorded = std::fs::read_to_string(&args_file).unwrap();
    assert!(!recorded.contains("-i queue_job_cron"));
}

#[test]
fn verify_checks_client_actions_when_addons_paths_are_given() {
    let db = TestDb::new("pactions");
    // Without addons paths the check cannot find the handlers: skipped, with the reason.
    let (_, doc, _) = run_json(bin().args(["parity", "verify", "--db-url", &db.url()]));
    let c = checks(&doc);
    assert_eq!(check(&c, "client actions valid").1, "skip");
    assert_eq!(doc["summary"]["checks_skipped"], 1);
    // The clean fixture with the corpus: nothing broken.
    let (_, doc, _) = run_json(
        bin()
            .args(["parity", "verify", "--db-url", &db.url(), "--addons-path"])
            .arg(corpus()),
    );
    assert_eq!(
        check(&checks(&doc), "client actions valid").1,
        "pass",
        "{doc}"
    );
    // A client action whose tag only an uninstalled module registers, behind a menu.
    db.exec(
        "WITH a AS (INSERT INTO ir_act_client (type, name, tag, binding_type, context, target)
                    VALUES ('ir.actions.client', '{\"en_US\": \"Channels\"}', 'queue_job_channel_tree', 'action', '{}', 'current')
                    RETURNING id)
         INSERT INTO ir_ui_menu (name, action, active, sequence)
              SELECT '{\"en_US\": \"Job Channels\"}', 'ir.actions.client,' || id, true, 6 FROM a;",
    );
    let (code, doc, _) = run_json(
        bin()
            .args(["parity", "verify", "--db-url", &db.url(), "--addons-path"])
            .arg(corpus()),
    );
    assert_eq!(code, 1, "the required modules are still missing");
    let row = check(&checks(&doc), "client actions valid").clone();
    assert_eq!(row.1, "fail", "{doc}");
    assert!(row.2.as_str().unwrap().contains("1 broken"), "{row:?}");
    let y7 = findings_with(&doc, "Y007");
    assert_eq!(y7.len(), 1);
    assert!(
        y7[0]["message"].as_str().unwrap().contains("Job Channels"),
        "{}",
        y7[0]
    );
    // The detailed check-client-actions finding comes along.
    assert_eq!(findings_with(&doc, "A006").len(), 1);
}

#[test]
fn install_with_missing_modules_is_incomplete_unless_they_are_left_out() {
    let db = TestDb::new("pinstmiss");
    let tmp = tempfile::tempdir().unwrap();
    let odoo = standin(tmp.path());
    let conf = tmp.path().join("odoo.conf");
    std::fs::write(&conf, "[options]\n").unwrap();
    let install = |extra: &[&str]| {
        let mut c = bin();
        c.current_dir(tmp.path())
            .env("STANDIN_ARGS", tmp.path().join("args.txt"))
            .env("STANDIN_PG_URL", db.url())
            .args(["parity", "install", "--category", "web", "--mode", "native"])
            .arg("--odoo-command")
            .arg(&odoo)
            .args(["--db-url", &db.url(), "-c"])
            .arg(&conf)
            .args(extra);
        run_json(&mut c)
    };
    // web: 3 of 7 installed, the 4 others are on no addons path and unknown to the database
    let (code, doc, err) = install(&[]);
    assert_eq!(code, 1, "{err} {doc}");
    let y17 = findings_with(&doc, "Y017");
    assert_eq!(y17.len(), 1, "{doc}");
    let m = y17[0]["message"].as_str().unwrap();
    assert!(
        m.starts_with("4 module(s) of the chosen categories are missing"),
        "{m}"
    );
    for module in [
        "web_domain_field",
        "web_widget_color",
        "web_advanced_search",
        "web_pwa_oca",
    ] {
        assert!(m.contains(module), "{m}");
    }
    assert_eq!(doc["summary"]["complete"], false);
    // left out on purpose: the run is what was asked
    let (code, doc, _) = install(&["--allow-missing"]);
    assert_eq!(code, 0, "{doc}");
    assert!(findings_with(&doc, "Y017").is_empty());
}

#[test]
fn plan_and_install_read_odoo_conf_and_database_of_the_settings_file() {
    let db = TestDb::new("pplanset");
    let pg = pg();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("odoo.conf"),
        format!(
            "[options]\ndb_host = {}\ndb_port = {}\ndb_user = odoo\ndb_password = {}\ndb_sslmode = disable\n",
            pg.host,
            pg.port,
            db.odoo_password()
        ),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("odoo-audit.toml"),
        format!(
            "mode = \"native\"\nodoo_conf = \"odoo.conf\"\ndatabase = \"{}\"\nodoo_command = [\"/opt/odoo/odoo-bin\"]\n",
            db.name
        ),
    )
    .unwrap();
    let (code, doc, err) =
        run_json(
            bin()
                .current_dir(tmp.path())
                .args(["parity", "plan", "--category", "web"]),
        );
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["context"]["database"], db.name.as_str());
    assert_eq!(doc["context"]["series"], "18.0");
    let (code, doc, err) = run_json(bin().current_dir(tmp.path()).args([
        "parity",
        "install",
        "--dry-run",
        "--category",
        "queue",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["context"]["database"], db.name.as_str());
    assert!(doc["steps"][0]["command"]
        .as_str()
        .unwrap()
        .contains(&format!("-d {} ", db.name)));
}
