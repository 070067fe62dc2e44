//! The connection settings of libpq as users have them, against the test server: service files
//! (`service=`, `PGSERVICE`, `PGSERVICEFILE`, `PGSYSCONFDIR`), client certificates (`sslcert`,
//! `sslkey`, `PGSSLCERT`, `PGSSLKEY`, `~/.postgresql`), `passfile=`, a password file others can
//! read (ignored, with libpq's warning: `B007`), TLS settings on a Unix socket (ignored), and
//! Odoo's default config file (`~/.odoorc`, `~/.openerp_serverrc`). Every run has its own HOME.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::*;

struct Server {
    host: String,
    port: String,
    socket: String,
    ca: String,
    cert: String,
    key: String,
    certuser: String,
}

fn server() -> Server {
    let pg = pg();
    let need = |k: &str| {
        env_file_value(k).unwrap_or_else(|| {
            panic!("{k} is not set: restart the test server with scripts/pg-test.sh stop and start")
        })
    };
    Server {
        host: pg.host,
        port: pg.port,
        socket: need("ODOO_AUDIT_TEST_PG_SOCKET"),
        ca: need("ODOO_AUDIT_TEST_PG_CA"),
        cert: need("ODOO_AUDIT_TEST_PG_CLIENT_CERT"),
        key: need("ODOO_AUDIT_TEST_PG_CLIENT_KEY"),
        certuser: need("ODOO_AUDIT_TEST_PG_CERTUSER"),
    }
}

fn write_mode(path: &Path, text: &str, mode: u32) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The binary with its own HOME.
fn bin_at(home: &Path) -> std::process::Command {
    let mut c = bin();
    c.env("HOME", home);
    c
}

/// `broken` on a connection string; (exit code, report, stderr).
fn broken(cmd: &mut std::process::Command, url: Option<&str>) -> (i32, serde_json::Value, String) {
    cmd.arg("broken");
    if let Some(u) = url {
        cmd.args(["--db-url", u]);
    }
    cmd.args(["--format", "json"]);
    let (code, out, err) = run(cmd);
    let doc = serde_json::from_str(&out).unwrap_or(serde_json::Value::Null);
    (code, doc, err)
}

#[test]
fn service_files_name_the_connection() {
    let db = TestDb::new("libpq_service");
    let s = server();
    let pw = db.odoo_password();
    let home = tempfile::tempdir().unwrap();
    let entry = |name: &str| {
        format!(
            "[{name}]\nhost={}\nport={}\ndbname={}\nuser=odoo\npassword={pw}\nsslmode=disable\n",
            s.host, s.port, db.name
        )
    };
    write_mode(
        &home.path().join(".pg_service.conf"),
        &format!(
            "# services\n[wrong]\nhost=nowhere.invalid\n\n{}",
            entry("audit")
        ),
        0o600,
    );
    // service= in the connection string, from ~/.pg_service.conf.
    let (code, doc, err) = broken(&mut bin_at(home.path()), Some("service=audit"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["context"]["database"], db.name.as_str(), "{doc}");
    // PGSERVICE, without --db-url.
    let (code, doc, err) = broken(bin_at(home.path()).env("PGSERVICE", "audit"), None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["context"]["database"], db.name.as_str());
    // PGSERVICE alone says there is a database to audit.
    let (_, doc, err) = run_json(
        bin_at(home.path())
            .env("PGSERVICE", "audit")
            .args(["versions", "--addons-path"])
            .arg(corpus()),
    );
    assert_eq!(doc["context"]["database"], db.name.as_str(), "{err}");
    // The service's entries beat the environment; options beat the service.
    let (code, _, err) = broken(
        bin_at(home.path())
            .env("PGSERVICE", "audit")
            .env("PGHOST", "nowhere.invalid")
            .env("PGUSER", "nobody"),
        None,
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = broken(
        &mut bin_at(home.path()),
        Some("service=audit dbname=no_such_db_here"),
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("no_such_db_here"), "{err}");
    assert!(!err.contains(&pw), "{err}");
    // PGSERVICEFILE instead of ~/.pg_service.conf; then PGSYSCONFDIR/pg_service.conf.
    let other = tempfile::tempdir().unwrap();
    let file = other.path().join("services.conf");
    write_mode(&file, &entry("elsewhere"), 0o600);
    let (code, doc, err) = broken(
        bin_at(home.path()).env("PGSERVICEFILE", &file),
        Some("service=elsewhere"),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["context"]["database"], db.name.as_str());
    let sys = tempfile::tempdir().unwrap();
    write_mode(&sys.path().join("pg_service.conf"), &entry("system"), 0o644);
    let (code, _, err) = broken(
        bin_at(home.path()).env("PGSYSCONFDIR", sys.path()),
        Some("service=system"),
    );
    assert_eq!(code, 0, "{err}");
    // A service no file has: a usage error, as in libpq.
    let (code, _, err) = broken(&mut bin_at(home.path()), Some("service=missing"));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("definition of service \"missing\" not found"),
        "{err}"
    );
}

#[test]
fn client_certificates_log_in_without_a_password() {
    let db = TestDb::new("libpq_cert");
    let s = server();
    let base = format!(
        "host={} port={} dbname={} user={}",
        s.host, s.port, db.name, s.certuser
    );
    let home = tempfile::tempdir().unwrap();
    // sslcert and sslkey in the connection string.
    let url = format!(
        "{base} sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
        s.ca, s.cert, s.key
    );
    let (code, doc, err) = broken(&mut bin_at(home.path()), Some(&url));
    assert_eq!(code, 0, "{err}");
    let server = doc["context"]["server"].as_str().unwrap();
    assert!(server.starts_with("certuser@"), "{server}");
    // PGSSLCERT and PGSSLKEY.
    let (code, _, err) = broken(
        bin_at(home.path())
            .env("PGSSLCERT", &s.cert)
            .env("PGSSLKEY", &s.key)
            .env("PGSSLROOTCERT", &s.ca),
        Some(&format!("{base} sslmode=verify-ca")),
    );
    assert_eq!(code, 0, "{err}");
    // Without a certificate the server refuses the role.
    let (code, _, err) = broken(
        &mut bin_at(home.path()),
        Some(&format!("{base} sslmode=require")),
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("certificate"), "{err}");
    // verify-ca without a root certificate file: libpq's error, naming ~/.postgresql/root.crt.
    let (code, _, err) = broken(
        &mut bin_at(home.path()),
        Some(&format!("{base} sslmode=verify-ca")),
    );
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(".postgresql/root.crt\" does not exist"),
        "{err}"
    );
    // sslrootcert=system wants verify-full, as in libpq.
    let (code, _, err) = broken(
        &mut bin_at(home.path()),
        Some(&format!("{base} sslmode=require sslrootcert=system")),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("weak sslmode \"require\" may not be used with sslrootcert=system"),
        "{err}"
    );
    // The defaults of ~/.postgresql: postgresql.crt, postgresql.key and root.crt.
    let dir = home.path().join(".postgresql");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(&s.cert, dir.join("postgresql.crt")).unwrap();
    std::fs::copy(&s.ca, dir.join("root.crt")).unwrap();
    let key = std::fs::read_to_string(&s.key).unwrap();
    write_mode(&dir.join("postgresql.key"), &key, 0o644);
    // A key others can read is refused, as by libpq; its text is never shown.
    let (code, _, err) = broken(
        &mut bin_at(home.path()),
        Some(&format!("{base} sslmode=verify-ca")),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("has group or world access"), "{err}");
    assert!(!err.contains("PRIVATE KEY"), "{err}");
    std::fs::set_permissions(
        dir.join("postgresql.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let (code, doc, err) = broken(
        &mut bin_at(home.path()),
        Some(&format!("{base} sslmode=verify-ca")),
    );
    assert_eq!(code, 0, "{err}");
    assert!(doc["context"]["server"]
        .as_str()
        .unwrap()
        .starts_with("certuser@"));
    // With ~/.postgresql/root.crt, require verifies the chain too (libpq's compatibility rule):
    // a root file that is not the server's CA fails.
    std::fs::copy(dir.join("postgresql.crt"), dir.join("root.crt")).unwrap();
    let (code, _, err) = broken(
        &mut bin_at(home.path()),
        Some(&format!("{base} sslmode=require")),
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("certificate"), "{err}");
}

#[test]
fn password_files_by_keyword_and_loose_ones_ignored_with_a_warning() {
    let db = TestDb::new("libpq_passfile");
    let s = server();
    let pw = db.odoo_password();
    let home = tempfile::tempdir().unwrap();
    let base = format!(
        "host={} port={} dbname={} user=odoo sslmode=disable",
        s.host, s.port, db.name
    );
    let line = format!("{}:{}:*:odoo:{pw}\n", s.host, s.port);
    // passfile=
    let file = home.path().join("my-passwords");
    write_mode(&file, &line, 0o600);
    let (code, _, err) = broken(
        &mut bin_at(home.path()),
        Some(&format!("{base} passfile={}", file.display())),
    );
    assert_eq!(code, 0, "{err}");
    // ~/.pgpass readable by the group: ignored (the connection has no password), with
    // libpq's warning.
    let pgpass = home.path().join(".pgpass");
    write_mode(&pgpass, &line, 0o640);
    let (code, _, err) = broken(&mut bin_at(home.path()), Some(&base));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&format!(
            "WARNING: password file \"{}\" has group or world access; permissions should be u=rw (0600) or less",
            pgpass.display()
        )),
        "{err}"
    );
    assert!(!err.contains(&pw), "{err}");
    // A session that needs no password (a client certificate) reports the ignored file.
    let url = format!(
        "host={} port={} dbname={} user={} sslmode=verify-full sslrootcert={} sslcert={} sslkey={}",
        s.host, s.port, db.name, s.certuser, s.ca, s.cert, s.key
    );
    let (code, doc, err) = broken(&mut bin_at(home.path()), Some(&url));
    assert_ne!(code, 3, "{err}");
    let found = findings_with(&doc, "B007");
    assert_eq!(found.len(), 1, "{doc}");
    let msg = found[0]["message"].as_str().unwrap();
    assert!(msg.contains("has group or world access"), "{msg}");
    assert!(!doc.to_string().contains(&pw));
    // At 0600 it is used.
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (code, doc, err) = broken(&mut bin_at(home.path()), Some(&base));
    assert_eq!(code, 0, "{err}");
    assert!(findings_with(&doc, "B007").is_empty());
}

#[test]
fn tls_settings_are_ignored_on_a_unix_socket() {
    let db = TestDb::new("libpq_socket");
    let s = server();
    let pw = db.odoo_password();
    let home = tempfile::tempdir().unwrap();
    for mode in ["require", "verify-full"] {
        let url = format!(
            "host={} port={} dbname={} user=odoo password={pw} sslmode={mode} sslrootcert=/nonexistent/ca.crt sslcert=/nonexistent/c.crt",
            s.socket, s.port, db.name
        );
        let (code, doc, err) = broken(&mut bin_at(home.path()), Some(&url));
        assert_eq!(code, 0, "{mode}: {err}");
        assert_eq!(doc["context"]["database"], db.name.as_str());
    }
    // PGSSLMODE too.
    let url = format!(
        "host={} port={} dbname={} user=odoo password={pw}",
        s.socket, s.port, db.name
    );
    let (code, _, err) = broken(
        bin_at(home.path()).env("PGSSLMODE", "verify-full"),
        Some(&url),
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn odoo_default_config_file_is_read_without_c_or_odoo_rc() {
    let db = TestDb::new("libpq_odoorc");
    let s = server();
    let pw = db.odoo_password();
    let home = tempfile::tempdir().unwrap();
    let conf = format!(
        "[options]\ndb_host = {}\ndb_port = {}\ndb_user = odoo\ndb_password = {pw}\ndb_name = {}\ndb_sslmode = disable\naddons_path = {}\n",
        s.host,
        s.port,
        db.name,
        corpus().display()
    );
    let versions = |home: &Path| {
        let mut c = bin_at(home);
        c.args(["versions", "--all"]);
        run_json(&mut c)
    };
    // ~/.openerp_serverrc alone.
    let old = home.path().join(".openerp_serverrc");
    write_mode(&old, &conf, 0o600);
    let (code, doc, err) = versions(home.path());
    assert_ne!(code, 2, "{err}");
    assert_eq!(
        doc["context"]["odoo_rc"],
        old.display().to_string(),
        "{doc}"
    );
    assert_eq!(doc["context"]["database"], db.name.as_str());
    std::fs::remove_file(&old).unwrap();
    // ~/.odoorc: database and addons path from it, and said so.
    let rc = home.path().join(".odoorc");
    write_mode(&rc, &conf, 0o600);
    let (code, doc, err) = versions(home.path());
    assert_ne!(code, 2, "{err}");
    assert_eq!(doc["context"]["odoo_rc"], rc.display().to_string(), "{doc}");
    assert_eq!(doc["context"]["database"], db.name.as_str());
    assert_eq!(doc["context"]["series"], "18.0");
    assert!(!doc["modules"].as_array().unwrap().is_empty());
    // -c and ODOO_RC beat it.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = elsewhere.path().join("odoo.conf");
    write_mode(&other, "[options]\n", 0o600);
    let (code, _, err) = run(bin_at(home.path()).args(["versions", "-c"]).arg(&other));
    // (the database of ~/.odoorc is not used)
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no database"), "{err}");
    let (code, _, err) = run(bin_at(home.path()).arg("versions").env("ODOO_RC", &other));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no database"), "{err}");
    // Both files: odoo-bin refuses to choose, so does odoo-audit.
    write_mode(&old, &conf, 0o600);
    let (code, _, err) = run(bin_at(home.path()).arg("versions"));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("Please keep only one of them"), "{err}");
}
