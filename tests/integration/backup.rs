//! `backup test-restore` on the test server, with real `pg_dump` and `pg_restore`: a dump of a
//! copy of the real Odoo 18 database restores and passes (its filestore archive against
//! ir_attachment too), a truncated dump and a dump of another database fail with the reason,
//! the production database is refused as --restore-url, and SIGINT during the restore stops
//! it. After every run the scratch database is gone (asserted on the server).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::Value;

/// The superuser's connection to `db` on the test server.
fn superuser(db: &str) -> postgres::Client {
    postgres::Client::connect(&format!("{} dbname={db}", pg().superuser), postgres::NoTls)
        .expect("connect as superuser to the test server")
}

/// `key=` of the superuser's connection string.
fn superuser_value(key: &str) -> String {
    pg().superuser
        .split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key} in ODOO_AUDIT_TEST_PG"))
        .to_string()
}

/// Whether database `name` exists on the test server.
fn exists(name: &str) -> bool {
    superuser("postgres")
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .expect("query pg_database")
        .is_some()
}

/// `pg_dump -Fc` of database `db` into `file`, as the superuser (the password in the
/// environment).
pub(crate) fn pg_dump(db: &str, file: &Path) {
    let p = pg();
    let out = std::process::Command::new(odoo_audit::load::deploy::pg_tool("pg_dump"))
        .args(["-Fc", "-h", &p.host, "-p", &p.port, "-U", "postgres", "-f"])
        .arg(file)
        .arg(db)
        .env("PGPASSWORD", superuser_value("password"))
        .env_remove("PGDATABASE")
        .output()
        .expect("run pg_dump");
    assert!(
        out.status.success(),
        "pg_dump {db}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The restore server as the tool is given it: the `odoo` role (CREATEDB, not superuser) on
/// the maintenance database.
pub(crate) fn restore_url(t: &TestDb) -> String {
    let p = pg();
    format!(
        "postgres://odoo:{}@{}:{}/postgres?sslmode=disable",
        t.odoo_password(),
        p.host,
        p.port
    )
}

/// Runs test-restore with `args` (JSON), asserting that its scratch database is gone
/// afterwards and that the password is printed nowhere.
fn test_restore(t: &TestDb, args: &[&str]) -> (i32, Value, String) {
    let url = restore_url(t);
    let (code, doc, err) = run_json(
        bin()
            .args(["backup", "test-restore", "--restore-url", &url, "-j", "2"])
            .args(args),
    );
    let text = format!("{doc}{err}");
    assert!(
        !text.contains(&t.odoo_password()),
        "password printed: {text}"
    );
    let scratch = doc["context"]["scratch_database"]
        .as_str()
        .unwrap_or_else(|| panic!("no scratch database in the context: {doc}\n{err}"));
    assert!(scratch.starts_with("odoo_audit_restore_"), "{scratch}");
    assert!(
        !exists(scratch),
        "{scratch} is still there after the run: {:#}\n{err}",
        doc["checks"]
    );
    (code, doc, err)
}

/// The status of each row of the checks table.
fn statuses(doc: &Value) -> Vec<(String, String)> {
    doc["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks table: {doc}"))
        .iter()
        .map(|r| {
            (
                r["check"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A filestore archive (tar) of `files` (store_fname paths, empty files) as Odoo lays out
/// data_dir/filestore/<db>.
pub(crate) fn filestore_tar(dir: &Path, db: &str, files: &[String], name: &str) -> PathBuf {
    let root = dir.join("fs");
    let _ = std::fs::remove_dir_all(&root);
    for f in files {
        let p = root.join("filestore").join(db).join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"").unwrap();
    }
    let tar = dir.join(name);
    let out = std::process::Command::new("tar")
        .arg(if name.ends_with(".gz") { "-czf" } else { "-cf" })
        .arg(&tar)
        .arg("-C")
        .arg(&root)
        .arg("filestore")
        .output()
        .expect("run tar");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tar
}

#[test]
fn a_good_dump_restores_and_passes_and_its_filestore_is_compared() {
    let t = TestDb::new("backup_good");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    pg_dump(&t.name, &dir.join("prod.dump"));
    let files: Vec<String> = t
        .scalar("SELECT string_agg(DISTINCT store_fname, E'\\n') FROM ir_attachment WHERE store_fname IS NOT NULL")
        .lines()
        .map(String::from)
        .collect();
    assert!(files.len() > 10, "{files:?}");
    filestore_tar(dir, &t.name, &files, "prod-filestore.tar");

    // The newest dump of the backup directory and the filestore archive next to it.
    let (code, doc, err) = test_restore(&t, &["--backup-dir", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{doc:#}\n{err}");
    let rows = statuses(&doc);
    assert!(
        rows.iter().all(|(_, s)| s == "pass"),
        "{rows:?}\n{:#}",
        doc["checks"]
    );
    assert_eq!(rows.len(), 7);
    assert_eq!(doc["summary"]["result"], "ok");
    assert_eq!(doc["context"]["series"], "18.0");
    assert!(doc["summary"]["restore_seconds"].as_f64().unwrap() > 0.0);
    assert!(doc["summary"]["restored_bytes"].as_i64().unwrap() > 1_000_000);
    assert_eq!(
        doc["summary"]["dump_bytes"].as_u64().unwrap(),
        std::fs::metadata(dir.join("prod.dump")).unwrap().len()
    );
    let evidence = doc["checks"].to_string();
    assert!(evidence.contains("base installed (18.0."), "{evidence}");
    assert!(evidence.contains("every attachment file is in the archive"));
    assert!(evidence.contains("res_users "), "{evidence}");

    // The same dump with an archive that lacks one file: G303 with the count and the name.
    let short = filestore_tar(dir, &t.name, &files[1..], "other.tar.gz");
    let dump = dir.join("prod.dump");
    let (code, doc, err) = test_restore(
        &t,
        &[
            "--dump",
            dump.to_str().unwrap(),
            "--filestore",
            short.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{doc:#}\n{err}");
    let f = findings_with(&doc, "G303");
    assert_eq!(f.len(), 1, "{doc:#}");
    let msg = f[0]["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!(
            "1 of {} attachment file(s) are not in",
            files.len()
        )) && msg.contains(&files[0]),
        "{msg}"
    );
    assert_eq!(doc["summary"]["result"], "failed");
}

#[test]
fn a_truncated_dump_fails_with_pg_restore_reason() {
    let t = TestDb::new("backup_truncated");
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.dump");
    pg_dump(&t.name, &good);
    let bytes = std::fs::read(&good).unwrap();
    let half = tmp.path().join("half.dump");
    std::fs::write(&half, &bytes[..bytes.len() / 2]).unwrap();
    let (code, doc, err) = test_restore(&t, &["--dump", half.to_str().unwrap()]);
    assert_eq!(code, 1, "{doc:#}\n{err}");
    let f = findings_with(&doc, "G301");
    assert_eq!(f.len(), 1, "{doc:#}");
    let msg = f[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("pg_restore") && msg.contains("exited with 1: pg_restore: error:"),
        "{msg}"
    );
    let rows = statuses(&doc);
    assert_eq!(rows[2], ("restore".into(), "fail".into()), "{rows:?}");
    assert_eq!(rows[6], ("cleanup".into(), "pass".into()), "{rows:?}");
    assert_eq!(doc["summary"]["result"], "failed");
}

#[test]
fn a_dump_of_another_database_fails_as_not_odoo() {
    let t = TestDb::new("backup_other_ref");
    let other = TestDb::empty("backup_other");
    other.exec("CREATE TABLE invoices (id serial PRIMARY KEY, total numeric); INSERT INTO invoices (total) VALUES (1), (2);");
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("other.dump");
    pg_dump(&other.name, &dump);
    let (code, doc, err) = test_restore(&t, &["--dump", dump.to_str().unwrap()]);
    assert_eq!(code, 1, "{doc:#}\n{err}");
    let f = findings_with(&doc, "G302");
    assert_eq!(f.len(), 1, "{doc:#}");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("is not an Odoo database (it has no ir_module_module table)"),
        "{}",
        f[0]["message"]
    );
    let rows = statuses(&doc);
    assert_eq!(rows[2].1, "pass", "{rows:?}");
    assert_eq!(rows[3].1, "fail", "{rows:?}");
}

#[test]
fn the_production_database_is_refused_as_restore_server() {
    let t = TestDb::new("backup_refused");
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("prod.dump");
    std::fs::write(&dump, b"PGDMP").unwrap();
    let url = t.url();
    let (code, out, err) = run(bin().args([
        "backup",
        "test-restore",
        "--restore-url",
        &url,
        "-d",
        &t.name,
        "--dump",
        dump.to_str().unwrap(),
    ]));
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains(&format!(
            "--restore-url names database `{}`, the audited (production) database",
            t.name
        )),
        "{err}"
    );
    assert!(!err.contains(&t.odoo_password()));
    // Bad limits are usage errors before anything is created.
    let restore = restore_url(&t);
    for bad in [["--jobs", "0"], ["--restore-timeout", "0"]] {
        let (code, out, err) = run(bin()
            .args([
                "backup",
                "test-restore",
                "--restore-url",
                &restore,
                "--dump",
            ])
            .arg(&dump)
            .args(bad));
        assert_eq!(code, 2, "{bad:?}: {out}\n{err}");
        assert!(err.contains(bad[0]), "{err}");
    }
}

#[test]
fn sigint_during_the_restore_drops_the_scratch_database() {
    interrupt_during_the_restore("backup_sigint", libc::SIGINT);
}

#[test]
fn sigterm_during_the_restore_drops_the_scratch_database() {
    interrupt_during_the_restore("backup_sigterm", libc::SIGTERM);
}

/// Sends `signal` to test-restore while pg_restore is connected to the scratch database;
/// asserts exit 130, the message, and that the scratch database and its sessions are gone.
fn interrupt_during_the_restore(test: &str, signal: libc::c_int) {
    let t = TestDb::new(test);
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("prod.dump");
    pg_dump(&t.name, &dump);
    let url = restore_url(&t);
    let mut child = bin()
        .args(["backup", "test-restore", "--restore-url", &url, "-j", "1"])
        .arg("--dump")
        .arg(&dump)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start odoo-audit");
    let pid = child.id();
    // Wait until pg_restore is connected to this run's scratch database.
    let started = Instant::now();
    let scratch = loop {
        let row = superuser("postgres")
            .query_opt(
                "SELECT datname::text FROM pg_stat_activity WHERE datname LIKE 'odoo\\_audit\\_restore\\_%' AND datname LIKE $1 AND application_name = 'odoo-audit' LIMIT 1",
                &[&format!("%\\_{pid}")],
            )
            .expect("query pg_stat_activity");
        if let Some(r) = row {
            break r.get::<_, String>(0);
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "pg_restore never connected"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "odoo-audit ended early"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exists(&scratch));
    // pg_restore's command line (readable by every local user) names the scratch database
    // but holds no password: that goes through its environment.
    let cmdlines: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .filter(|c| c.contains("pg_restore") && c.contains(&scratch))
        .collect();
    assert!(!cmdlines.is_empty(), "no pg_restore process found");
    for c in &cmdlines {
        assert!(
            !c.contains(&t.odoo_password()),
            "password on the command line: {c}"
        );
    }
    // SAFETY: kill(2) on the child this test started.
    assert_eq!(unsafe { libc::kill(pid as i32, signal) }, 0);
    let out = child.wait_with_output().expect("wait for odoo-audit");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains(&format!(
            "interrupted: the scratch database {scratch} was dropped"
        )),
        "{err}"
    );
    assert!(
        !exists(&scratch),
        "{scratch} is still there after signal {signal}"
    );
    // No pg_restore of the run is left connected anywhere.
    let left = superuser("postgres")
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
            &[&scratch],
        )
        .unwrap()
        .get::<_, i64>(0);
    assert_eq!(left, 0);
}

#[test]
fn zip_and_compressed_tar_archives_are_listed_as_store_fname_names() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let files = vec!["ab/ab12".to_string(), "cd/cd34".to_string()];
    let tgz = filestore_tar(dir, "prod", &files, "prod-filestore.tgz");
    let zip = dir.join("prod-filestore.zip");
    let made = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    z.writestr('filestore/prod/ab/', '')\n    z.writestr('filestore/prod/ab/ab12', 'x')\n    z.writestr('filestore/prod/cd/cd34', 'y')\n",
        ])
        .arg(&zip)
        .status()
        .expect("run python3");
    assert!(made.success());
    for archive in [&tgz, &zip] {
        let ran = odoo_audit::load::restore::list_archive(archive, Duration::from_secs(30));
        assert!(ran.success(), "{}", ran.failure());
        let got: Vec<String> = odoo_audit::load::restore::archive_files(&ran.stdout)
            .into_iter()
            .collect();
        assert_eq!(got, files, "{}", archive.display());
    }
}
