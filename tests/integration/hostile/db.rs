//! Databases and servers: trojan views, silent servers, leaked passwords, odd schemas.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use super::run_bounded;
use crate::common::*;

// --- database

const HANG_GUARD: Duration = Duration::from_secs(120);

/// Runs `odoo-audit broken` (plus `extra` options) on `url`, expects a one-line database error
/// (exit 3) holding `needle`.
fn broken_fails_with(url: &str, extra: &[&str], needle: &str) {
    let (code, out, err) = run_bounded(
        bin().args(["broken", "--db-url", url]).args(extra),
        HANG_GUARD,
    );
    assert_eq!(code, 3, "{out}{err}");
    assert!(err.contains(needle), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// `deploy-check --quick` in native mode, JSON, from an empty directory, against a site that
/// does not listen, with `args` added; under the hang guard.
fn deploy_check_quick(args: &[&str]) -> (i32, String, String) {
    let tmp = tempfile::tempdir().expect("tmp");
    run_bounded(
        bin()
            .current_dir(tmp.path())
            .args([
                "deploy-check",
                "--quick",
                "--mode",
                "native",
                "--format",
                "json",
            ])
            .args(["--base-url", "http://127.0.0.1:1"])
            .args(args),
        HANG_GUARD,
    )
}

/// The superuser's connection string for a copy (the tool connects as a superuser, as in the
/// reported attack).
fn superuser_url(db: &TestDb) -> String {
    format!("{} dbname={} sslmode=disable", pg().superuser, db.name)
}

/// A function behind a view of `ir_model_data`: while the transaction is read-only it switches
/// the session default off with `set_config(..., false)`; once a transaction is read-write, it
/// writes a row into a canary table for every row it sees.
const TROJAN: &str = r#"
CREATE TABLE trojan_canary (n int);
CREATE FUNCTION trojan() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF current_setting('transaction_read_only') = 'off' THEN
    INSERT INTO trojan_canary VALUES (1);
  ELSE
    PERFORM set_config('default_transaction_read_only', 'off', false);
  END IF;
  RETURN true;
END $$;
ALTER TABLE ir_model_data RENAME TO ir_model_data_real;
CREATE VIEW ir_model_data AS SELECT * FROM ir_model_data_real WHERE trojan();
"#;

#[test]
fn trojan_view_cannot_make_the_session_write() {
    let db = TestDb::new("trojan");
    db.exec(TROJAN);
    let (code, doc, err) = run_json(bin().args(["broken", "--db-url", &superuser_url(&db)]));
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    assert_eq!(
        db.scalar("select count(*)::text from trojan_canary"),
        "0",
        "the tool's session wrote through the trojan view"
    );
    // The view ran (its function was called) and the audit still finished.
    assert!(
        doc["summary"]["queries"].as_u64().unwrap_or(0) >= 4,
        "{doc}"
    );
    // Connected as a superuser: said so, as info.
    let notes = findings_with(&doc, "B005");
    assert_eq!(notes.len(), 1, "{doc}");
    assert_eq!(notes[0]["severity"], "info");
    assert!(
        notes[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("`postgres`"),
        "{}",
        notes[0]
    );
}

/// What the read-only transactions rely on: PostgreSQL refuses to make a transaction
/// read-write once it has run a query, so SQL inside a query cannot lift it.
#[test]
fn transaction_read_only_cannot_be_flipped_mid_transaction() {
    let db = TestDb::new("flip");
    db.exec(
        r#"
CREATE TABLE trojan_canary (n int);
CREATE FUNCTION trojan() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM set_config('transaction_read_only', 'off', false);
  INSERT INTO trojan_canary VALUES (1);
  RETURN true;
END $$;
ALTER TABLE ir_ui_menu RENAME TO ir_ui_menu_real;
CREATE VIEW ir_ui_menu AS SELECT * FROM ir_ui_menu_real WHERE trojan();
"#,
    );
    broken_fails_with(
        &superuser_url(&db),
        &[],
        "transaction read-write mode must be set before any query",
    );
    assert_eq!(db.scalar("select count(*)::text from trojan_canary"), "0");
}

#[test]
fn trojan_cannot_lift_the_statement_timeout_of_later_queries() {
    let db = TestDb::new("trojan_timeout");
    // The first call of a statement switches statement_timeout off for the session; any
    // later statement that sees the switch sleeps a minute. `broken` reads ir_module_module in
    // two queries (modules, then dependencies).
    db.exec(
        r#"
CREATE FUNCTION trojan() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE armed text := current_setting('trojan.armed', true);
BEGIN
  IF armed IS NULL OR armed = '' THEN
    PERFORM set_config('statement_timeout', '0', false);
    PERFORM set_config('trojan.armed', statement_timestamp()::text, false);
  ELSIF armed <> statement_timestamp()::text THEN
    PERFORM pg_sleep(60);
  END IF;
  RETURN true;
END $$;
ALTER TABLE ir_module_module RENAME TO ir_module_module_real;
CREATE VIEW ir_module_module AS SELECT * FROM ir_module_module_real WHERE trojan();
"#,
    );
    let (code, out, err) = run_bounded(
        bin().args([
            "broken",
            "--db-url",
            &superuser_url(&db),
            "--statement-timeout",
            "2",
        ]),
        HANG_GUARD,
    );
    // Each query runs in its own transaction, rolled back (the trojan's settings with it)
    // and with its own SET LOCAL statement_timeout: the audit completes.
    assert!(code == 0 || code == 1, "exit {code}: {out}{err}");
    assert!(out.contains("uninstallable"), "{out}");
}

/// A loopback listener that accepts connections and never answers.
fn silent_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

/// A loopback proxy to the test server that forwards the startup and then goes silent: after
/// the first ReadyForQuery from the server it forwards nothing more, either way.
fn proxy_silent_after_startup() -> u16 {
    let pg = pg();
    let target = format!("{}:{}", pg.host, pg.port);
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for client in l.incoming().flatten() {
            let Ok(server) = TcpStream::connect(&target) else {
                continue;
            };
            let (mut c_in, mut s_out) = (
                client.try_clone().expect("clone"),
                server.try_clone().expect("clone"),
            );
            let silent = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let up_silent = silent.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = c_in.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if !up_silent.load(std::sync::atomic::Ordering::SeqCst)
                        && s_out.write_all(&buf[..n]).is_err()
                    {
                        break;
                    }
                }
            });
            let (mut s_in, mut c_out) = (server, client);
            std::thread::spawn(move || {
                // Frames: type byte, then a big-endian length that counts itself.
                let mut pending: Vec<u8> = Vec::new();
                let mut buf = [0u8; 8192];
                while let Ok(n) = s_in.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if silent.load(std::sync::atomic::Ordering::SeqCst) {
                        continue;
                    }
                    pending.extend_from_slice(&buf[..n]);
                    while pending.len() >= 5 {
                        let len =
                            u32::from_be_bytes([pending[1], pending[2], pending[3], pending[4]])
                                as usize;
                        if pending.len() < 1 + len {
                            break;
                        }
                        let frame: Vec<u8> = pending.drain(..1 + len).collect();
                        let _ = c_out.write_all(&frame);
                        if frame[0] == b'Z' {
                            silent.store(true, std::sync::atomic::Ordering::SeqCst);
                            pending.clear();
                            break;
                        }
                    }
                }
            });
        }
    });
    port
}

#[test]
fn server_that_accepts_and_never_answers_ends_with_exit_3() {
    let port = silent_server();
    let corpus = corpus();
    for ssl in ["?sslmode=disable", ""] {
        let url = format!("postgres://odoo:Pw_Silent@127.0.0.1:{port}/db{ssl}");
        for cmd in ["versions", "broken"] {
            let (code, out, err) = run_bounded(
                bin()
                    .args([cmd, "--db-url", &url, "--connect-timeout", "2"])
                    .arg("--addons-path")
                    .arg(&corpus),
                HANG_GUARD,
            );
            assert_eq!(code, 3, "{cmd} {url}: {out}{err}");
            assert!(
                err.contains("no answer within 2 s (connect timeout"),
                "{cmd}: {err}"
            );
            assert!(
                !err.contains("Pw_Silent") && !out.contains("Pw_Silent"),
                "{err}"
            );
        }
    }
    // deploy-check turns it into a failed check 4 (database) and goes on.
    let url = format!("postgres://odoo:Pw_Silent@127.0.0.1:{port}/db");
    let (code, out, err) = deploy_check_quick(&["--db-url", &url, "--connect-timeout", "2"]);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    let check4 = doc["checks"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["#"] == 4))
        .expect("check 4");
    assert_eq!(check4["status"], "fail");
    assert!(
        check4["evidence"]
            .as_str()
            .unwrap_or("")
            .contains("no answer within 2 s (connect timeout"),
        "{check4}"
    );
    assert!(!out.contains("Pw_Silent"), "{out}");
}

#[test]
fn server_that_goes_silent_after_the_startup_ends_with_exit_3() {
    let db = TestDb::new("silent_proxy");
    let port = proxy_silent_after_startup();
    let url = format!(
        "postgres://odoo:{}@127.0.0.1:{port}/{}?sslmode=disable",
        db.odoo_password(),
        db.name
    );
    broken_fails_with(
        &url,
        &["--connect-timeout", "2", "--statement-timeout", "1"],
        "no answer from the server within 3 s",
    );
}

#[test]
fn out_of_range_timeouts_are_usage_errors() {
    for (opt, val, range) in [
        ("--statement-timeout", "0", "from 1 to 86400"),
        ("--statement-timeout", "86401", "from 1 to 86400"),
        (
            "--statement-timeout",
            "18446744073709551615",
            "from 1 to 86400",
        ),
        ("--connect-timeout", "0", "from 1 to 600"),
        ("--connect-timeout", "100000", "from 1 to 600"),
    ] {
        for cmd in [
            vec!["versions"],
            vec!["broken"],
            vec!["deploy-check", "--quick"],
        ] {
            let (code, out, err) = run_bounded(
                bin()
                    .args(&cmd)
                    .args(["--db-url", "postgres://odoo@127.0.0.1:1/db", opt, val]),
                HANG_GUARD,
            );
            assert_eq!(code, 2, "{cmd:?} {opt} {val}: {out}{err}");
            assert!(
                err.contains(&format!("{opt}: {val} is out of range")) && err.contains(range),
                "{err}"
            );
        }
    }
}

#[test]
fn passwords_never_reach_any_output() {
    let db = TestDb::new("pwleak");
    let pg = pg();
    let formats = ["table", "json", "csv", "sarif", "junit", "github"];
    // A wrong password with unencoded delimiters: the URL parses, the server refuses it.
    let wrong = "Pw_Leak/4242?x=1#y@z";
    let url = format!(
        "postgres://odoo:{wrong}@{}:{}/{}?sslmode=disable",
        pg.host, pg.port, db.name
    );
    // Malformed strings that hold a password.
    let malformed = [
        "postgres://odoo:Pw_Leak@127.0.0.1:Pw_Leak2/db".to_string(),
        "host=127.0.0.1 password=Pw_Leak Pw_Leak2 dbname=db".to_string(),
        "host=127.0.0.1 password='Pw_Leak dbname=db".to_string(),
        "postgres://odoo:pw@127.0.0.1/db?Pw_Leak=1".to_string(),
    ];
    for f in formats {
        let (code, out, err) = run(bin().args(["broken", "--format", f, "--db-url", &url]));
        assert_eq!(code, 3, "{f}: {err}");
        assert!(err.contains("password authentication failed"), "{err}");
        for part in ["Pw_Leak", "4242", "x=1"] {
            assert!(
                !out.contains(part) && !err.contains(part),
                "{f}: {out}{err}"
            );
        }
        for m in &malformed {
            let (code, out, err) = run(bin().args(["versions", "--format", f, "--db-url", m]));
            assert_eq!(code, 2, "{m}: {err}");
            assert!(err.contains("character"), "{err}");
            assert!(
                !out.contains("Pw_Leak") && !err.contains("Pw_Leak"),
                "{m}: {out}{err}"
            );
        }
    }
    // deploy-check puts the connection error into its evidence.
    for u in std::iter::once(&url).chain(malformed.iter()) {
        let (_, out, err) = deploy_check_quick(&["--db-url", u]);
        assert!(
            !out.contains("Pw_Leak") && !err.contains("Pw_Leak"),
            "{u}: {out}{err}"
        );
    }
}

/// A login role that is dropped at the end of the test.
struct Role {
    name: String,
}

impl Drop for Role {
    fn drop(&mut self) {
        // Quietly: without the test server the test has already failed, and a panic in a
        // destructor would abort every other test.
        let Some(superuser) = crate::common::env_file_value("ODOO_AUDIT_TEST_PG") else {
            return;
        };
        if let Ok(mut c) =
            postgres::Client::connect(&format!("{superuser} dbname=postgres"), postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS {}", self.name));
        }
    }
}

/// The tables the queries in `sql/` read; the README's least-privilege role gets SELECT on
/// exactly these.
const READ_TABLES: &str = "ir_module_module, ir_module_module_dependency, ir_module_category, \
ir_ui_menu, ir_actions, ir_act_client, ir_act_server, ir_model_data, ir_ui_view, \
ir_model_fields, ir_model";

#[test]
fn select_only_role_with_a_generated_password_is_enough() {
    let role = Role {
        name: format!("t_reader_{}", std::process::id()),
    };
    let db = TestDb::new("reader");
    let pw = "Gen/Pw?4242#x:y@z";
    let pg = pg();
    let mut c = postgres::Client::connect(
        &format!("{} dbname=postgres", pg.superuser),
        postgres::NoTls,
    )
    .expect("superuser");
    c.batch_execute(&format!("CREATE ROLE {} LOGIN PASSWORD '{pw}'", role.name))
        .expect("create role");
    db.exec(&format!("GRANT SELECT ON {READ_TABLES} TO {}", role.name));
    let url = format!(
        "postgres://{}:{pw}@{}:{}/{}?sslmode=disable",
        role.name, pg.host, pg.port, db.name
    );
    for cmd in ["broken", "versions", "audit"] {
        let (code, doc, err) = run_json(
            bin()
                .args([cmd, "--db-url", &url, "--addons-path"])
                .arg(corpus()),
        );
        assert!(code == 0 || code == 1, "{cmd}: {err}");
        assert_eq!(doc["context"]["database"], db.name.as_str(), "{cmd}");
        assert!(findings_with(&doc, "B005").is_empty(), "{cmd}: {doc}");
        assert!(!doc.to_string().contains("Gen/Pw"), "{cmd}");
    }
    let (code, _, err) = run_json(
        bin()
            .args(["check-client-actions", "--db-url", &url, "--addons-path"])
            .arg(corpus()),
    );
    assert!(code == 0 || code == 1, "{err}");
    // Without the grant on one of them, the query fails with a clear error, not a panic.
    db.exec(&format!("REVOKE SELECT ON ir_ui_menu FROM {}", role.name));
    broken_fails_with(&url, &[], "permission denied for table ir_ui_menu");
}

#[test]
fn odd_schemas_read_without_panicking() {
    let db = TestDb::new("oddschema");
    db.exec(
        r#"
ALTER TABLE ir_module_module ALTER COLUMN name DROP NOT NULL;
UPDATE ir_module_module SET name = NULL WHERE name IN ('account_check_printing', 'account_debit_note');
ALTER TABLE ir_module_module ALTER COLUMN id TYPE bigint;
ALTER TABLE ir_model_data ALTER COLUMN module DROP NOT NULL;
ALTER TABLE ir_model_data ALTER COLUMN id TYPE bigint, ALTER COLUMN res_id TYPE bigint;
ALTER TABLE ir_actions ALTER COLUMN id TYPE bigint;
ALTER TABLE ir_ui_menu ALTER COLUMN id TYPE bigint;
-- Pre-16 style: translatable names as plain text.
ALTER TABLE ir_ui_menu ALTER COLUMN name TYPE text USING name->>'en_US';
-- An orphan XML id without a module, and a dangling menu with a bigint id.
INSERT INTO ir_model_data (module, name, model, res_id, noupdate)
     VALUES (NULL, 'nameless_menu', 'ir.ui.menu', 4000000000, false);
INSERT INTO ir_ui_menu (id, name, action, active, sequence)
     VALUES (5000000000, 'Big menu', 'ir.actions.act_window,4100000000', true, 1);
"#,
    );
    let url = db.url();
    let (code, doc, err) = run_json(bin().args(["broken", "--db-url", &url]));
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    // The modules without a name, and their dependency rows, are left out and reported.
    let skipped: Vec<&str> = findings_with(&doc, "B006")
        .iter()
        .map(|f| f["message"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(skipped.len(), 2, "{doc}");
    assert!(
        skipped[0].starts_with("ir_module_module: 2 rows left out (id ")
            && skipped[0].ends_with("): column `name` is NULL"),
        "{skipped:?}"
    );
    assert!(
        skipped[1].starts_with("ir_module_module_dependency: ")
            && skipped[1].ends_with("column `module` is NULL"),
        "{skipped:?}"
    );
    let orphans = findings_with(&doc, "B004");
    assert!(
        orphans.iter().any(|f| f["message"]
            == "XML id nameless_menu (its module is NULL) points at ir.ui.menu 4000000000, which no longer exists"),
        "{orphans:?}"
    );
    let menus = findings_with(&doc, "B003");
    assert!(
        menus.iter().any(|f| f["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("menu 5000000000 \"Big menu\"")),
        "{menus:?}"
    );
    for cmd in [
        vec!["versions"],
        vec!["audit"],
        vec!["check-client-actions"],
    ] {
        let (code, _, err) = run_json(
            bin()
                .args(&cmd)
                .args(["--db-url", &url, "--addons-path"])
                .arg(corpus()),
        );
        assert!(code == 0 || code == 1, "{cmd:?}: exit {code}: {err}");
    }
}

#[test]
fn copies_of_the_fixture_do_not_depend_on_who_else_is_connected() {
    // Someone trying commands on the sample database, as users of scripts/setup.sh do.
    let pg = pg();
    let mut other =
        postgres::Client::connect(&format!("{} dbname=odoo18", pg.superuser), postgres::NoTls)
            .expect("connect to odoo18");
    other.batch_execute("SELECT 1").expect("query");
    let db = TestDb::new("busy_sample");
    assert_eq!(
        db.scalar("select count(*)::text from ir_module_module where state = 'installed'"),
        "127"
    );
    drop(other);
}
