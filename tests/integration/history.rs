//! `--record`, `history` and `diff`, end to end: runs made on altered copies of the real Odoo 18
//! database, kept in the default SQLite file and in a PostgreSQL store of their own.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// A command with the history of `state` (`$XDG_STATE_HOME`) and the corpus as addons path.
fn with_state(state: &Path) -> std::process::Command {
    let mut c = bin();
    c.env("XDG_STATE_HOME", state)
        .env_remove("ODOO_AUDIT_HISTORY")
        .args(["--addons-path", corpus().to_str().unwrap()]);
    c
}

fn set(doc: &Value, table: &str, status: &str) -> BTreeSet<(String, String)> {
    doc[table]
        .as_array()
        .unwrap_or_else(|| panic!("no {table} table: {doc}"))
        .iter()
        .filter(|r| r["status"] == status)
        .map(|r| {
            (
                r["code"].as_str().unwrap().to_string(),
                r["module"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn changes(doc: &Value) -> BTreeSet<(String, String)> {
    doc["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["module"].as_str().unwrap().to_string(),
                r["change"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The code version of an addon of the corpus.
fn code_version(addon: &str) -> String {
    let manifest = std::fs::read_to_string(corpus().join(addon).join("__manifest__.py")).unwrap();
    regex::Regex::new(r#""version":\s*"([^"]+)""#)
        .unwrap()
        .captures(&manifest)
        .unwrap()[1]
        .to_string()
}

#[test]
fn a_history_of_altered_copies_gives_the_right_diff() {
    let db = TestDb::new("history_sqlite");
    let state = tempfile::tempdir().unwrap();
    let reports = tempfile::tempdir().unwrap();
    let store = state.path().join("odoo-audit/history.sqlite3");
    // Week 1: date_range waits for its update (V001), mail is stuck `to upgrade` (V003).
    db.exec(
        "UPDATE ir_module_module SET latest_version = '18.0.1.0.0' WHERE name = 'date_range';
         UPDATE ir_module_module SET state = 'to upgrade' WHERE name = 'mail';",
    );
    let week1 = reports.path().join("week1.json");
    let (code, _, err) = run(with_state(state.path())
        .args([
            "versions",
            "--db-url",
            &db.url(),
            "--record",
            "--format",
            "json",
        ])
        .args(["-o", week1.to_str().unwrap()]));
    assert_eq!(code, 1, "{err}");
    assert!(store.is_file(), "no store at {}", store.display());
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(store.parent().unwrap()), 0o700);
    assert_eq!(mode(&store), 0o600);

    // Week 2: date_range was updated, mail's update applied; auditlog is now stuck.
    db.exec(&format!(
        "UPDATE ir_module_module SET latest_version = '{}' WHERE name = 'date_range';
         UPDATE ir_module_module SET state = 'installed' WHERE name = 'mail';
         UPDATE ir_module_module SET state = 'to remove' WHERE name = 'auditlog';",
        code_version("date_range")
    ));
    let week2 = reports.path().join("week2.json");
    let (code, _, err) = run(with_state(state.path())
        .args([
            "versions",
            "--db-url",
            &db.url(),
            "--record",
            "--format",
            "json",
        ])
        .args(["-o", week2.to_str().unwrap()]));
    assert_eq!(code, 1, "{err}");

    // history: both runs, newest first, of the instance named after the database.
    let (code, doc, err) = run_json(with_state(state.path()).args(["history"]));
    assert_eq!(code, 0, "{err}");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "{doc}");
    assert_eq!(runs[0]["id"], 2);
    assert_eq!(runs[1]["id"], 1);
    for r in runs {
        assert_eq!(r["instance"], db.name.as_str());
        assert_eq!(r["command"], "versions");
        assert_eq!(r["series"], "18.0");
        assert_eq!(r["exit_code"], 1);
        assert_eq!(r["version"], env!("CARGO_PKG_VERSION"));
    }
    let (_, other, _) = run_json(with_state(state.path()).args(["history", "--instance", "nope"]));
    assert_eq!(other["runs"].as_array().unwrap().len(), 0);
    let (_, other, _) = run_json(with_state(state.path()).args(["history", "--command", "broken"]));
    assert_eq!(other["runs"].as_array().unwrap().len(), 0);

    // diff of the two newest runs, from the store.
    let (code, doc, err) = run_json(with_state(state.path()).args(["diff"]));
    assert_eq!(code, 1, "a new error finding appeared: {err}");
    let new = set(&doc, "finding_status", "new");
    let resolved = set(&doc, "finding_status", "resolved");
    assert!(new.contains(&("V003".into(), "auditlog".into())), "{new:?}");
    assert!(
        resolved.contains(&("V003".into(), "mail".into())),
        "{resolved:?}"
    );
    assert!(
        resolved.contains(&("V001".into(), "date_range".into())),
        "{resolved:?}"
    );
    assert!(!new.iter().any(|(c, _)| c == "V001"), "{new:?}");
    let m = changes(&doc);
    assert!(
        m.contains(&("date_range".into(), "upgraded".into())),
        "{m:?}"
    );
    assert!(
        m.contains(&("mail".into(), "state changed".into())),
        "{m:?}"
    );
    assert!(
        m.contains(&("auditlog".into(), "state changed".into())),
        "{m:?}"
    );
    assert_eq!(m.len(), 3, "{m:?}");
    // The report's findings are the new ones; open ones carry the date first seen.
    let codes: BTreeSet<(String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["module"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(codes, new);
    let week1_doc: Value = serde_json::from_str(&std::fs::read_to_string(&week1).unwrap()).unwrap();
    for r in doc["finding_status"].as_array().unwrap() {
        if r["status"] == "open" {
            assert_eq!(r["first_seen"], week1_doc["run"]["started_at"]);
        }
    }
    assert_eq!(doc["summary"]["new"], new.len());
    assert_eq!(doc["summary"]["upgraded"], 1);

    // The same by run ids, and from the two JSON reports without any store.
    let (code, by_id, _) = run_json(with_state(state.path()).args(["diff", "1", "2"]));
    assert_eq!(code, 1);
    assert_eq!(by_id["finding_status"], doc["finding_status"]);
    assert_eq!(by_id["modules"], doc["modules"]);
    let nowhere = tempfile::tempdir().unwrap();
    let (code, files, err) = run_json(
        with_state(nowhere.path())
            .arg("diff")
            .args([&week1, &week2]),
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(set(&files, "finding_status", "new"), new);
    assert_eq!(set(&files, "finding_status", "resolved"), resolved);
    assert_eq!(changes(&files), m);
    assert!(
        !nowhere.path().join("odoo-audit").exists(),
        "diff of two files made a store"
    );
    // --fail-on never: the diff passes; reversed, nothing is new that is an error... but the
    // resolved ones come back as new.
    let (code, _, _) = run(with_state(state.path()).args(["diff", "--fail-on", "never"]));
    assert_eq!(code, 0);
    let (code, back, _) = run_json(with_state(state.path()).args(["diff", "2", "1"]));
    assert_eq!(code, 1);
    assert_eq!(set(&back, "finding_status", "new"), resolved);

    // Markdown, for the weekly mail.
    let (code, md, _) = run(with_state(state.path()).args(["diff", "--format", "markdown"]));
    assert_eq!(code, 1);
    let rows = markdown_table(&md, "Modules");
    assert!(
        rows.iter()
            .any(|r| r[0] == "date_range" && r[1] == "upgraded"),
        "{md}"
    );

    // --since: the newest run at least that old. Run 1 is made 8 days old in the store.
    let (code, _, err) = run(with_state(state.path()).args(["diff", "--since", "7d"]));
    assert_eq!(code, 2, "no run is 7 days old yet");
    assert!(err.contains("no earlier run"), "{err}");
    let c = rusqlite::Connection::open(&store).unwrap();
    let old = (chrono::Utc::now() - chrono::Duration::days(8))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    c.execute("UPDATE runs SET started_at = ?1 WHERE id = 1", [&old])
        .unwrap();
    let (code, since, err) = run_json(with_state(state.path()).args(["diff", "--since", "7d"]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(since["context"]["old"]["id"], 1);
    assert_eq!(since["context"]["new"]["id"], 2);
    let (code, _, err) = run(with_state(state.path()).args(["diff", "--since", "7 days"]));
    assert_eq!(code, 2);
    assert!(err.contains("--since"), "{err}");
}

#[test]
fn a_postgres_store_of_its_own_never_the_odoo_database() {
    let odoo = TestDb::new("history_pg_odoo");
    let store = TestDb::empty("history_pg_store");
    let state = tempfile::tempdir().unwrap();
    let url = store.url();
    for _ in 0..2 {
        let (code, _, err) = run(with_state(state.path())
            .args(["broken", "--db-url", &odoo.url(), "--record"])
            .args(["--history", &url, "--instance", "acme-prod"]));
        assert_eq!(code, 0, "{err}");
    }
    assert_eq!(
        store.scalar("SELECT max(version)::text FROM schema_migrations"),
        "1"
    );
    assert_eq!(store.scalar("SELECT count(*)::text FROM runs"), "2");
    assert_eq!(
        store.scalar("SELECT string_agg(DISTINCT instance, ',') FROM runs"),
        "acme-prod"
    );
    // The modules of the database are kept with the run.
    assert_eq!(
        store.scalar(
            "SELECT state FROM modules WHERE name = 'base' AND run_id = (SELECT max(id) FROM runs)"
        ),
        "installed"
    );
    assert!(
        !state.path().join("odoo-audit").exists(),
        "the default store was used"
    );
    // The store is named by $ODOO_AUDIT_HISTORY too.
    let (code, doc, err) = run_json(
        with_state(state.path())
            .env("ODOO_AUDIT_HISTORY", &url)
            .args(["history"]),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["runs"].as_array().unwrap().len(), 2);
    let (code, doc, err) = run_json(with_state(state.path()).args(["diff", "--history", &url]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["summary"]["new"], 0);
    assert_eq!(doc["summary"]["resolved"], 0);

    // An Odoo database is refused as a store, and left as it was.
    let (code, out, err) = run(with_state(state.path())
        .args(["broken", "--db-url", &odoo.url(), "--record"])
        .args(["--history", &odoo.url()]));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("is an Odoo database"), "{err}");
    assert_eq!(
        odoo.scalar("SELECT (to_regclass('schema_migrations') IS NULL)::text"),
        "true"
    );
    // Its password never shows, even when the store cannot be reached.
    let pw = store.odoo_password();
    let closed = url.replace(&format!(":{}/", pg().port), ":9/");
    let (code, out, err) = run(with_state(state.path())
        .args([
            "broken",
            "--db-url",
            &odoo.url(),
            "--record",
            "--connect-timeout",
            "2",
        ])
        .args(["--history", &closed]));
    assert_eq!(code, 3, "{out}{err}");
    assert!(!err.contains(&pw) && !out.contains(&pw), "{err}");

    // A store of a newer schema is refused, not altered.
    store.exec("INSERT INTO schema_migrations VALUES (99, 'later')");
    let (code, _, err) = run(with_state(state.path())
        .args(["broken", "--db-url", &odoo.url(), "--record"])
        .args(["--history", &url]));
    assert_eq!(code, 2);
    assert!(err.contains("schema version 99"), "{err}");
    assert_eq!(store.scalar("SELECT count(*)::text FROM runs"), "2");
}

#[test]
fn concurrent_recorders_all_land() {
    let state = tempfile::tempdir().unwrap();
    let (_tmp, addons) = corpus_copy(&["date_range", "base_exception"]);
    let children: Vec<_> = (0..6)
        .map(|i| {
            bin()
                .env("XDG_STATE_HOME", state.path())
                .env_remove("ODOO_AUDIT_HISTORY")
                .args(["modules", "--addons-path", addons.to_str().unwrap()])
                .args(["--record", "--instance", &format!("i{i}"), "-q"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (_, doc, _) = run_json(
        bin()
            .env("XDG_STATE_HOME", state.path())
            .env_remove("ODOO_AUDIT_HISTORY")
            .args(["history"]),
    );
    let instances: BTreeSet<&str> = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["instance"].as_str().unwrap())
        .collect();
    assert_eq!(instances.len(), 6, "{doc}");
}

#[test]
fn fingerprints_survive_moved_lines_and_reworded_messages() {
    let (tmp, root) = crate::client_actions::queue_job_tree();
    let views = root.join("queue_job/views/queue_job_views.xml");
    let text = std::fs::read_to_string(&views).unwrap();
    // A widget nothing registers: W001 on queue_job, about `job_directed_graph_typo`.
    let typo = text.replace(
        "widget=\"job_directed_graph\"",
        "widget=\"job_directed_graph_typo\"",
    );
    assert_ne!(typo, text);
    std::fs::write(&views, &typo).unwrap();
    let report = |name: &str| {
        let file = tmp.path().join(name);
        let (_, doc, err) = run_json(
            bin()
                .args(["check-client-actions", "--odoo-series", "18.0"])
                .arg("--addons-path")
                .arg(&root),
        );
        std::fs::write(&file, doc.to_string()).unwrap();
        let w: Vec<(Value, Value, Value)> = findings_with(&doc, "W001")
            .iter()
            .filter(|f| {
                f["message"]
                    .as_str()
                    .unwrap()
                    .contains("job_directed_graph_typo")
            })
            .map(|f| {
                (
                    f["line"].clone(),
                    f["message"].clone(),
                    f["fingerprint"].clone(),
                )
            })
            .collect();
        assert_eq!(w.len(), 1, "{err}{doc}");
        (w[0].clone(), file)
    };
    let (before, before_file) = report("before.json");
    // Lines move (a comment block after the XML declaration).
    let moved = typo.replacen("<odoo>", "<odoo>\n<!--\n  moved\n  down\n-->", 1);
    assert_ne!(moved, typo, "no <odoo> root");
    std::fs::write(&views, &moved).unwrap();
    let (after, after_file) = report("after.json");
    assert_ne!(before.0, after.0, "the line did not move");
    assert_eq!(before.2, after.2, "the fingerprint changed with the line");
    // A message worded differently (an older version's report, say) keeps it too.
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(&after_file).unwrap()).unwrap();
    for f in doc["findings"].as_array_mut().unwrap() {
        f["message"] = Value::String("reworded".into());
        f.as_object_mut().unwrap().remove("fingerprint");
    }
    let reworded = tmp.path().join("reworded.json");
    std::fs::write(&reworded, doc.to_string()).unwrap();
    // diff of the reports: nothing new, nothing resolved.
    for newer in [&after_file, &reworded] {
        let (code, doc, err) = run_json(bin().arg("diff").arg(&before_file).arg(newer));
        assert_eq!(code, 0, "{err}");
        assert_eq!(doc["summary"]["new"], 0, "{doc}");
        assert_eq!(doc["summary"]["resolved"], 0, "{doc}");
        assert!(doc["summary"]["open"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn hostile_stores_and_reports_end_in_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_tmp, addons) = corpus_copy(&["date_range"]);
    // A FIFO as the store: refused at once, never opened.
    let fifo = dir.path().join("history.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let (code, _, err) = run(bin()
        .args([
            "modules",
            "--addons-path",
            addons.to_str().unwrap(),
            "--record",
        ])
        .args(["--history", fifo.to_str().unwrap()]));
    assert_eq!(code, 2);
    assert!(err.contains("not a regular file"), "{err}");
    // A report that is not one; a report with control characters in its name.
    let junk = dir.path().join("junk\x1b[31m.json");
    std::fs::write(&junk, "{\"tool\": \"odoo-audit\", \"findings\": [").unwrap();
    let (code, _, err) = run(bin().arg("diff").args([&junk, &junk]));
    assert_eq!(code, 2);
    assert!(err.contains("not a JSON report"), "{err}");
    assert!(!err.contains('\x1b'), "{err:?}");
    let other = dir.path().join("other.json");
    std::fs::write(&other, "{\"findings\": []}").unwrap();
    let (code, _, err) = run(bin().arg("diff").args([&other, &other]));
    assert_eq!(code, 2);
    assert!(err.contains("not a JSON report of odoo-audit"), "{err}");
    // A run id that is not in the store.
    let state = tempfile::tempdir().unwrap();
    let (code, _, _) = run(bin()
        .env("XDG_STATE_HOME", state.path())
        .env_remove("ODOO_AUDIT_HISTORY")
        .args([
            "modules",
            "--addons-path",
            addons.to_str().unwrap(),
            "--record",
            "-q",
        ]));
    assert_eq!(code, 0);
    let (code, _, err) = run(bin()
        .env("XDG_STATE_HOME", state.path())
        .env_remove("ODOO_AUDIT_HISTORY")
        .args(["diff", "1", "42"]));
    assert_eq!(code, 2);
    assert!(err.contains("no run 42"), "{err}");
    // Without any store, history lists nothing and creates nothing.
    let empty = tempfile::tempdir().unwrap();
    let (code, doc, err) = run_json(
        bin()
            .env("XDG_STATE_HOME", empty.path())
            .env_remove("ODOO_AUDIT_HISTORY")
            .args(["history"]),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["runs"].as_array().unwrap().len(), 0);
    assert!(std::fs::read_dir(empty.path()).unwrap().next().is_none());
}
