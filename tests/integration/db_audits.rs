//! `versions`, `audit` and `broken` against copies of the real Odoo 18 database paired with the
//! real OCA addons, each fault made by the test on its own copy.

use std::collections::BTreeSet;

use crate::common::*;

fn oca_names() -> BTreeSet<String> {
    std::fs::read_dir(corpus())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

fn module_findings<'a>(
    doc: &'a serde_json::Value,
    code: &str,
    module: &str,
) -> Vec<&'a serde_json::Value> {
    findings_with(doc, code)
        .into_iter()
        .filter(|f| f["module"] == module)
        .collect()
}

#[test]
fn clean_pairing_has_no_version_findings_for_oca_modules() {
    let db = TestDb::new("clean");
    let (_, doc, err) = run_json(
        bin()
            .args(["versions", "--all", "--db-url", &db.url(), "--addons-path"])
            .arg(corpus()),
    );
    let oca = oca_names();
    let bad: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{doc} {err}"))
        .iter()
        .filter(|f| f["module"].as_str().is_some_and(|m| oca.contains(m)))
        .collect();
    assert!(
        bad.is_empty(),
        "findings for OCA modules on a clean pairing: {bad:#?}"
    );
    assert_eq!(doc["context"]["series"], "18.0");
    assert_eq!(
        doc["context"]["series_source"],
        "database (base module version)"
    );
    // Core modules are installed but their code is not in the corpus: the catalogue of 18.0
    // knows them, so they are named as Odoo's core modules, not "code missing" errors.
    assert!(
        findings_with(&doc, "V004").is_empty(),
        "{:#}",
        doc["findings"]
    );
    let account = doc["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "account")
        .unwrap();
    assert_eq!(account["status"], "Odoo core module (code not on the path)");
    assert!(doc["context"]["catalogue"]
        .as_str()
        .unwrap()
        .starts_with("18.0 ("));
    // (An OCA module missing from the path stays V004: stuck_states_and_not_installable.)
    let installed =
        db.scalar("select count(*)::text from ir_module_module where state = 'installed'");
    assert_eq!(doc["summary"]["states"]["installed"].to_string(), installed);
    // Four queries (modules, dependencies, Enterprise placeholders, and the Odoo check),
    // whatever the number of modules.
    assert_eq!(doc["summary"]["queries"], 4);
    let rows = doc["modules"].as_array().unwrap();
    let mis = rows.iter().find(|r| r["name"] == "mis_builder").unwrap();
    assert_eq!(mis["status"], "ok");
    assert_eq!(mis["disk_version"], mis["db_version"]);
}

fn bump_version(manifest: &std::path::Path, from_to: impl Fn(&str) -> String) -> String {
    let text = std::fs::read_to_string(manifest).unwrap();
    let re = regex::Regex::new(r#"["']version["']\s*:\s*["']([^"']+)["']"#).unwrap();
    let old = re.captures(&text).expect("version key")[1].to_string();
    let new = from_to(&old);
    std::fs::write(manifest, text.replacen(&old, &new, 1)).unwrap();
    new
}

#[test]
fn version_drift_both_ways_and_missing_code() {
    let db = TestDb::new("drift");
    let (_tmp, addons) = corpus_copy(&[]);
    // date_range: code newer than the database (10 > 9 numerically, not as strings).
    let newer = bump_version(&addons.join("date_range/__manifest__.py"), |v| {
        let mut parts: Vec<String> = v.split('.').map(String::from).collect();
        let last = parts.len() - 1;
        parts[last] = format!("{}", parts[last].parse::<u32>().unwrap() + 10);
        parts.join(".")
    });
    // auditlog: code older than the database.
    bump_version(&addons.join("auditlog/__manifest__.py"), |_| {
        "18.0.1.0.0".to_string()
    });
    // web_timeline: removed from disk while installed.
    std::fs::remove_dir_all(addons.join("web_timeline")).unwrap();
    // a new addon the database does not know.
    write_addon(
        &addons,
        "zz_brand_new",
        "{'name': 'New', 'license': 'AGPL-3', 'version': '18.0.1.0.0'}",
    );
    let conf = _tmp.path().join("odoo.conf");
    std::fs::write(
        &conf,
        format!("[options]\naddons_path = {}\n", addons.display()),
    )
    .unwrap();
    let (code, doc, _) = run_json(
        bin()
            .args(["versions", "--db-url", &db.url(), "-c"])
            .arg(&conf),
    );
    assert_eq!(code, 1);
    let v1 = module_findings(&doc, "V001", "date_range");
    assert_eq!(v1.len(), 1, "{doc}");
    assert!(v1[0]["message"].as_str().unwrap().contains(&newer));
    let hint = v1[0]["hint"].as_str().unwrap();
    assert_eq!(
        hint,
        format!(
            "odoo-bin -c {} -d {} -u date_range --stop-after-init",
            conf.display(),
            db.name
        )
    );
    assert_eq!(module_findings(&doc, "V002", "auditlog").len(), 1);
    assert_eq!(module_findings(&doc, "V004", "web_timeline").len(), 1);
    assert_eq!(module_findings(&doc, "V005", "zz_brand_new").len(), 1);
}

#[test]
fn stuck_states_and_not_installable() {
    let db = TestDb::new("stuck");
    db.exec(
        "update ir_module_module set state = 'to upgrade' where name = 'mis_builder';
             update ir_module_module set state = 'to remove' where name = 'contract';
             update ir_module_module set state = 'to install' where name = 'purchase_request' ;",
    );
    let (_tmp, addons) = corpus_copy(&[]);
    let m = addons.join("helpdesk_mgmt/__manifest__.py");
    let text = std::fs::read_to_string(&m).unwrap();
    let re = regex::Regex::new(r#"["']installable["']\s*:\s*True"#).unwrap();
    let text = if re.is_match(&text) {
        re.replace(&text, "'installable': False").into_owned()
    } else {
        text.replacen('{', "{'installable': False,", 1)
    };
    std::fs::write(&m, text).unwrap();
    let (code, doc, _) = run_json(
        bin()
            .args(["versions", "--db-url", &db.url(), "--addons-path"])
            .arg(&addons),
    );
    assert_eq!(code, 1);
    for (name, state) in [
        ("mis_builder", "to upgrade"),
        ("contract", "to remove"),
        ("purchase_request", "to install"),
    ] {
        let f = module_findings(&doc, "V003", name);
        assert_eq!(f.len(), 1, "{name}: {doc}");
        assert!(f[0]["message"].as_str().unwrap().contains(state));
    }
    assert!(module_findings(&doc, "V003", "mis_builder")[0]["hint"]
        .as_str()
        .unwrap()
        .contains("-u mis_builder"));
    assert_eq!(module_findings(&doc, "V006", "helpdesk_mgmt").len(), 1);
    // broken sees the stuck states too, without any addons path.
    let (_, doc, _) = run_json(bin().args(["broken", "--db-url", &db.url()]));
    assert_eq!(findings_with(&doc, "V003").len(), 3, "{doc}");
}

#[test]
fn broken_menus_dependencies_and_xmlids() {
    let db = TestDb::new("broken");
    // A client action's menu loses its action; a dependency is uninstalled; a view is deleted
    // behind Odoo's back.
    let menu = db.scalar(
        "select m.id::text from ir_ui_menu m join ir_act_window a on m.action = 'ir.actions.act_window,' || a.id
          order by m.id limit 1",
    );
    let action = db.scalar(&format!(
        "select split_part(action, ',', 2) from ir_ui_menu where id = {menu}"
    ));
    db.exec(&format!(
        "alter table ir_ui_menu disable trigger all;
                      delete from ir_act_window where id = {action};
                      delete from ir_actions where id = {action};"
    ));
    db.exec("update ir_module_module set state = 'uninstalled' where name = 'date_range'");
    let view = db.scalar("select d.res_id::text from ir_model_data d join ir_ui_view v on v.id = d.res_id
                            where d.model = 'ir.ui.view' and d.module = 'auditlog' order by d.id limit 1");
    db.exec(&format!(
        "alter table ir_ui_view disable trigger all; delete from ir_ui_view where id = {view}"
    ));
    let (code, doc, _) = run_json(bin().args(["broken", "--db-url", &db.url()]));
    assert_eq!(code, 1);
    let b3 = findings_with(&doc, "B003");
    assert!(
        b3.iter().any(|f| f["message"]
            .as_str()
            .unwrap()
            .contains(&format!("menu {menu} "))),
        "{b3:#?}"
    );
    let b2 = findings_with(&doc, "B002");
    assert!(
        b2.iter().any(|f| f["module"] == "mis_builder"
            && f["message"].as_str().unwrap().contains("date_range")),
        "{b2:#?}"
    );
    let b4 = findings_with(&doc, "B004");
    assert!(b4.iter().any(|f| f["module"] == "auditlog"), "{b4:#?}");
    // Odoo Enterprise's placeholders (`to_buy`) are not findings.
    let uninstallable = db.scalar(
        "select count(*)::text from ir_module_module where state = 'uninstallable' and not to_buy",
    );
    assert_eq!(findings_with(&doc, "B001").len().to_string(), uninstallable);
    assert_eq!(doc["summary"]["queries"], 6);
}

#[test]
fn clean_database_has_no_broken_records() {
    let db = TestDb::new("cleanbroken");
    let (code, doc, _) = run_json(bin().args(["broken", "--db-url", &db.url()]));
    for code_ in ["B002", "B003", "V003"] {
        assert!(findings_with(&doc, code_).is_empty(), "{code_}: {doc}");
    }
    assert_eq!(
        code, 0,
        "only info findings (uninstallable modules) on the clean fixture: {doc}"
    );
}

#[test]
fn audit_inventory_covers_disk_and_database() {
    let db = TestDb::new("audit");
    let (_tmp, addons) = corpus_copy(&[]);
    write_addon(
        &addons,
        "zz_disk_only",
        "{'name': 'Disk only', 'license': 'AGPL-3'}",
    );
    let (_, doc, _) = run_json(
        bin()
            .args(["audit", "--db-url", &db.url(), "--addons-path"])
            .arg(&addons),
    );
    let rows = doc["modules"].as_array().unwrap();
    let total: usize = db
        .scalar("select count(*)::text from ir_module_module")
        .parse()
        .unwrap();
    assert_eq!(rows.len(), total + 1);
    let by = |n: &str| {
        rows.iter()
            .find(|r| r["name"] == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert_eq!(by("zz_disk_only")["location"], "disk only");
    assert_eq!(
        by("account")["location"],
        "database only (Odoo core module)"
    );
    let mis = by("mis_builder");
    assert_eq!(mis["location"], "both");
    assert_eq!(
        mis["display_name"],
        db.scalar("select shortdesc->>'en_US' from ir_module_module where name = 'mis_builder'")
    );
    assert_eq!(mis["category"], db.scalar("select c.name->>'en_US' from ir_module_module m join ir_module_category c on c.id = m.category_id where m.name = 'mis_builder'"));
    // CSV of the same.
    let (_, out, _) = run(bin()
        .args([
            "audit",
            "--format",
            "csv",
            "--db-url",
            &db.url(),
            "--addons-path",
        ])
        .arg(&addons));
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(rdr.records().count(), total + 1);
}

#[test]
fn session_is_read_only() {
    let db = TestDb::new("readonly");
    let spec = odoo_audit::load::db::conn::parse_url(&db.url()).unwrap();
    let mut session =
        odoo_audit::load::db::Database::connect(spec, odoo_audit::load::db::Limits::default())
            .unwrap();
    let err = session
        .execute_raw("create table odoo_audit_probe (id int)")
        .unwrap_err();
    assert!(err.contains("read-only transaction"), "{err}");
    let err = session
        .execute_raw("update ir_module_module set state = 'installed'")
        .unwrap_err();
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(
        db.scalar("select count(*)::text from pg_tables where tablename = 'odoo_audit_probe'"),
        "0"
    );
    let mut s2 = odoo_audit::load::db::Database::connect(
        odoo_audit::load::db::conn::parse_url(&db.url()).unwrap(),
        odoo_audit::load::db::Limits {
            statement_timeout: std::time::Duration::from_secs(1),
            ..Default::default()
        },
    )
    .unwrap();
    let err = s2.execute_raw("select pg_sleep(5)").unwrap_err();
    assert!(err.contains("statement timeout"), "{err}");
}

#[test]
fn connection_errors_are_one_line_exit_3_and_never_show_the_password() {
    let db = TestDb::new("connerr");
    let pg = pg();
    let pw = db.odoo_password();
    // Wrong password.
    let url = format!(
        "postgres://odoo:wrong-{pw}@{}:{}/{}?sslmode=disable",
        pg.host, pg.port, db.name
    );
    let (code, out, err) = run(bin().args(["broken", "--db-url", &url]));
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty());
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(!err.contains(&pw), "password leaked: {err}");
    // Missing database.
    let url = format!(
        "postgres://odoo:{pw}@{}:{}/no_such_db?sslmode=disable",
        pg.host, pg.port
    );
    let (code, _, err) = run(bin().args(["broken", "--db-url", &url]));
    assert_eq!(code, 3);
    assert!(
        err.contains("no_such_db") && err.contains("does not exist"),
        "{err}"
    );
    assert!(!err.contains(&pw));
    // Not an Odoo database.
    let url = format!(
        "postgres://odoo:{pw}@{}:{}/not_odoo?sslmode=disable",
        pg.host, pg.port
    );
    let (code, _, err) = run(bin().args(["broken", "--db-url", &url]));
    assert_eq!(code, 3);
    assert!(err.contains("not an Odoo database"), "{err}");
    // Unreachable server (a loopback port nobody listens on), bounded by the connect timeout.
    let (code, _, err) = run(bin().args([
        "broken",
        "--connect-timeout",
        "3",
        "--db-url",
        "postgres://odoo:x@127.0.0.1:9/db?sslmode=disable",
    ]));
    assert_eq!(code, 3);
    assert!(
        err.contains("cannot connect to odoo@127.0.0.1:9/db"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn libpq_environment_pgpass_and_odoo_conf() {
    let db = TestDb::new("env");
    let pg = pg();
    let pw = db.odoo_password();
    // PG* variables.
    let (code, doc, err) = run_json(
        bin()
            .arg("broken")
            .env("PGHOST", &pg.host)
            .env("PGPORT", &pg.port)
            .env("PGUSER", "odoo")
            .env("PGPASSWORD", &pw)
            .env("PGDATABASE", &db.name)
            .env("PGSSLMODE", "disable"),
    );
    assert_eq!(doc["context"]["database"], db.name.as_str(), "{code} {err}");
    // ~/.pgpass (mode 0600) supplies the password.
    let home = tempfile::tempdir().unwrap();
    let pgpass = home.path().join(".pgpass");
    std::fs::write(&pgpass, format!("{}:{}:*:odoo:{pw}\n", pg.host, pg.port)).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (_, doc, err) = run_json(
        bin()
            .args(["broken", "-d", &db.name])
            .env("HOME", home.path())
            .env("PGHOST", &pg.host)
            .env("PGPORT", &pg.port)
            .env("PGUSER", "odoo")
            .env("PGSSLMODE", "disable"),
    );
    assert_eq!(doc["context"]["database"], db.name.as_str(), "{err}");
    // odoo.conf's db_* options; -d beats db_name.
    let conf = home.path().join("odoo.conf");
    std::fs::write(
        &conf,
        format!("[options]\ndb_host = {}\ndb_port = {}\ndb_user = odoo\ndb_password = {pw}\ndb_name = not_odoo\ndb_sslmode = disable\n", pg.host, pg.port),
    )
    .unwrap();
    let (code, doc, err) = run_json(bin().args(["broken", "-d", &db.name, "-c"]).arg(&conf));
    assert_eq!(doc["context"]["database"], db.name.as_str(), "{code} {err}");
    // Environment beats the config file: PGDATABASE wins over db_name.
    let (_, doc, _) = run_json(
        bin()
            .args(["broken", "-c"])
            .arg(&conf)
            .env("PGDATABASE", &db.name),
    );
    assert_eq!(doc["context"]["database"], db.name.as_str());
}

fn ssl_in_use(url: &str) -> Result<bool, String> {
    let spec = odoo_audit::load::db::conn::parse_url(url).map_err(|e| e.message)?;
    let mut session =
        odoo_audit::load::db::Database::connect(spec, odoo_audit::load::db::Limits::default())
            .map_err(|e| e.message)?;
    let rows = session
        .query("select ssl from pg_stat_ssl where pid = pg_backend_pid()")
        .map_err(|e| e.message)?;
    Ok(rows[0].get::<_, bool>(0))
}

#[test]
fn tls_modes_encrypt_and_verify_like_libpq() {
    let db = TestDb::new("tls");
    let pg = pg();
    let ca = env_file_value("ODOO_AUDIT_TEST_PG_CA").expect("the test server's CA certificate");
    let pw = db.odoo_password();
    let url = |host: &str, mode: &str, extra: &str| {
        format!(
            "postgres://odoo:{pw}@{host}:{}/{}?sslmode={mode}{extra}",
            pg.port, db.name
        )
    };
    assert_eq!(ssl_in_use(&url("127.0.0.1", "disable", "")), Ok(false));
    assert_eq!(ssl_in_use(&url("127.0.0.1", "require", "")), Ok(true));
    assert_eq!(ssl_in_use(&url("127.0.0.1", "prefer", "")), Ok(true));
    // verify-full: the chain must be trusted and the name must match (the certificate names
    // 127.0.0.1 only).
    let err = ssl_in_use(&url("127.0.0.1", "verify-full", "")).unwrap_err();
    assert!(err.contains("certificate"), "{err}");
    assert!(!err.contains(&pw));
    let with_ca = format!("&sslrootcert={ca}");
    assert_eq!(
        ssl_in_use(&url("127.0.0.1", "verify-full", &with_ca)),
        Ok(true)
    );
    let err = ssl_in_use(&url("localhost", "verify-full", &with_ca)).unwrap_err();
    assert!(
        err.contains("certificate") || err.contains("hostname"),
        "{err}"
    );
    // verify-ca checks the chain only.
    assert_eq!(
        ssl_in_use(&url("localhost", "verify-ca", &with_ca)),
        Ok(true)
    );
    // The same through the command line and PGSSLROOTCERT.
    let (code, _, err) = run(bin()
        .args(["broken", "--db-url", &url("127.0.0.1", "verify-full", "")])
        .env("PGSSLROOTCERT", &ca));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) =
        run(bin().args(["broken", "--db-url", &url("127.0.0.1", "verify-full", "")]));
    assert_eq!(code, 3, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn versions_shows_what_needs_attention_unless_asked_for_all() {
    let db = TestDb::new("versions_attention");
    db.exec(
        "UPDATE ir_module_module SET state = 'to upgrade' WHERE name = 'mail';
         UPDATE ir_module_module SET latest_version = '18.0.1.0.0' WHERE name = 'date_range';",
    );
    let versions = |extra: &[&str]| {
        let (_, doc, err) = run_json(
            bin()
                .args(["versions", "--db-url", &db.url(), "--addons-path"])
                .arg(corpus())
                .args(extra),
        );
        assert!(doc["modules"].is_array(), "{err}{doc}");
        doc
    };
    let names = |doc: &serde_json::Value| -> Vec<String> {
        doc["modules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    let attention = versions(&[]);
    assert_eq!(names(&attention), ["date_range", "mail"], "{attention}");
    let all = versions(&["--all"]);
    let total = all["modules"].as_array().unwrap().len();
    assert!(total > 700, "{total}");
    assert_eq!(
        attention["context"]["shown"],
        format!("2 of {total} modules, those that need attention (--all: every one)")
    );
    // The findings and the state counts are the same either way.
    assert_eq!(attention["findings"], all["findings"]);
    assert_eq!(attention["summary"]["states"], all["summary"]["states"]);
    // Filters pick from every module.
    let pending = versions(&["--status", "upgrade-pending"]);
    assert_eq!(names(&pending), ["date_range"]);
    let uninstalled = versions(&["--state", "uninstalled", "--status", "not-installed"]);
    let n = uninstalled["modules"].as_array().unwrap().len();
    assert!(
        n > 10
            && uninstalled["modules"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["state"] == "uninstalled" && r["status"] == "not installed")
    );
}
