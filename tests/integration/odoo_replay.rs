//! Replays of a real Odoo 18 (tests/fixtures/odoo18-real): the `odoo-bin-replay` stand-in
//! (streams, exit code or signal, module states) and the recorded HTTP answers that the
//! loopback server of `deploy_check.rs` serves as `Site::Replay(case)`.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::*;

/// The recorded cases.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/odoo18-real")
}

/// The replay stand-in for `odoo-bin`.
pub fn replay_bin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/standins/odoo-bin-replay")
}

/// Every case directory, sorted.
pub fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("read tests/fixtures/odoo18-real")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("exit_code").is_file())
        .collect();
    v.sort();
    v
}

/// name -> (state, latest_version) of a recorded `states-*.tsv` (header line first).
pub fn recorded_states(file: &Path) -> BTreeMap<String, (String, String)> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    parse_states(text.lines().skip(1))
}

pub fn parse_states<'a>(
    lines: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, (String, String)> {
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let name = f.next().unwrap_or_default().to_string();
            let state = f.next().unwrap_or_default().to_string();
            let version = f.next().unwrap_or_default().to_string();
            (name, (state, version))
        })
        .collect()
}

/// The query of the module states, one `name TAB state TAB latest_version` line each, by name.
pub const STATES_QUERY: &str = "SELECT coalesce(string_agg(name || E'\\t' || state || E'\\t' || coalesce(latest_version, ''), \
     E'\\n' ORDER BY name), '') FROM ir_module_module";

/// The module states of a database copy, as in the recordings.
pub fn db_states(db: &TestDb) -> BTreeMap<String, (String, String)> {
    let text = db.scalar(STATES_QUERY);
    parse_states(text.lines())
}

pub type States = BTreeMap<String, (String, String)>;

/// Fails with the differing rows only (the tables have some 750 rows).
pub fn assert_states(got: &States, want: &States, what: &str) {
    let names: std::collections::BTreeSet<&String> = got.keys().chain(want.keys()).collect();
    let diff: Vec<String> = names
        .into_iter()
        .filter(|n| got.get(*n) != want.get(*n))
        .map(|n| format!("{n}: got {:?}, recorded {:?}", got.get(n), want.get(n)))
        .collect();
    assert!(
        diff.is_empty(),
        "{what}: {} rows differ:\n{}",
        diff.len(),
        diff.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The SQL that brings the module states `have` to `want`.
pub fn states_sql(have: &States, want: &States) -> String {
    let mut sql = String::new();
    for (name, (state, version)) in want {
        let v = if version.is_empty() {
            "NULL".to_string()
        } else {
            lit(version)
        };
        match have.get(name) {
            None => sql.push_str(&format!(
                "INSERT INTO ir_module_module (name, state, latest_version) VALUES ({}, {}, {v});\n",
                lit(name),
                lit(state)
            )),
            Some(row) if row != &(state.clone(), version.clone()) => sql.push_str(&format!(
                "UPDATE ir_module_module SET state = {}, latest_version = {v} WHERE name = {};\n",
                lit(state),
                lit(name)
            )),
            Some(_) => {}
        }
    }
    for name in have.keys().filter(|n| !want.contains_key(*n)) {
        sql.push_str(&format!(
            "DELETE FROM ir_module_module WHERE name = {};\n",
            lit(name)
        ));
    }
    sql
}

/// Brings a database copy to the recorded `states-before.tsv` of a case.
pub fn prepare_states(db: &TestDb, case: &Path) {
    let want = recorded_states(&case.join("states-before.tsv"));
    let have = db_states(db);
    let sql = states_sql(&have, &want);
    if !sql.is_empty() {
        db.exec(&sql);
    }
    assert_states(
        &db_states(db),
        &want,
        "database copy not at the recorded states",
    );
}

// ---------------------------------------------------------------- recorded HTTP answers

/// One recorded answer, rebuilt: the recorded status, content type, Location, and a body that
/// carries the recorded marker (JSON bodies as recorded) padded to the recorded size.
pub struct Replayed {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// The rows of a case's http.tsv: (method, path, status, content type, bytes, marker).
pub fn http_rows(case: &Path) -> Vec<[String; 6]> {
    let text = std::fs::read_to_string(case.join("http.tsv")).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut f = l.split('\t').map(str::to_string);
            std::array::from_fn(|_| f.next().unwrap_or_default())
        })
        .collect()
}

/// The flags of HTML markers in http.tsv.
const FLAGS: &[&str] = &[
    "login-form",
    "manager-disabled",
    "db-list",
    "create-form",
    "manage-databases-link",
    "select-database-link",
    "internal-server-error",
];

fn marker_body(marker: &str, content_type: &str) -> Vec<u8> {
    let mut body = String::new();
    // `title=` runs to the next flag (titles have spaces: "title=404 Not Found")
    if let Some(t) = marker.strip_prefix("title=") {
        let title: Vec<&str> = t.split(' ').take_while(|w| !FLAGS.contains(w)).collect();
        body.push_str(&format!("<title>{}</title>", title.join(" ")));
    }
    for m in marker.split(' ').filter(|m| !m.is_empty()) {
        let (k, v) = m.split_once('=').unwrap_or((m, ""));
        match k {
            // the whole marker is the JSON body when it starts with json=
            "json" => return marker.as_bytes()["json=".len()..].to_vec(),
            "json-error" => {
                return format!(
                    r#"{{"jsonrpc": "2.0", "id": 1, "error": {{"code": 200, "message": "Odoo Server Error", "data": {{"name": "{v}"}}}}}}"#
                )
                .into_bytes()
            }
            "json-result" => return br#"{"jsonrpc": "2.0", "id": 1, "result": []}"#.to_vec(),
            "json-result-keys" | "json-keys" => {
                let obj: Vec<String> = v.split(',').map(|k| format!(r#""{k}": null"#)).collect();
                let obj = format!("{{{}}}", obj.join(", "));
                return if k == "json-keys" {
                    obj.into_bytes()
                } else {
                    format!(r#"{{"jsonrpc": "2.0", "id": 1, "result": {obj}}}"#).into_bytes()
                };
            }
            "json-list" => {
                let n: usize = v.parse().unwrap_or(0);
                return format!("[{}]", vec![r#"{"type": "", "src": ""}"#; n].join(", ")).into_bytes();
            }
            "login-form" => body.push_str(r#"<form class="oe_login_form" action="/web/login">"#),
            "manager-disabled" => {
                body.push_str("The database manager has been disabled by the administrator")
            }
            "db-list" => body.push_str(r#"<li class="list-group-item">"#),
            "create-form" => body.push_str(r#"<form action="/web/database/create">"#),
            "manage-databases-link" => body.push_str(r#"<a href="/web/database/manager">"#),
            "select-database-link" => body.push_str(r#"<a href="/web/database/selector">"#),
            "internal-server-error" => body.push_str("<h1>Internal Server Error</h1>"),
            "css-error-marker" => body.push_str(
                "body::before { content: \"A css error occured, using an old style to render this page\"; }",
            ),
            "js-throw-new-error-asset" => body.push_str(
                "throw new Error(\"'Invalid XML template: replayed' in file '/replayed.xml'\");",
            ),
            _ => {}
        }
    }
    if body.is_empty() {
        body = match content_type {
            t if t.starts_with("image/") => "\u{89}PNG\r\n\u{1a}\n".to_string(),
            t if t.contains("css") => "/* replayed */".to_string(),
            t if t.contains("javascript") => "/* replayed */".to_string(),
            _ => String::new(),
        };
    }
    body.into_bytes()
}

/// The recorded answer of `case` to `method path` (path with its query string); None when the
/// recording says nothing answered (connection refused) or the path was not recorded.
pub fn http_answer(case: &Path, method: &str, path: &str) -> Option<Replayed> {
    let rows = http_rows(case);
    let bare = path.split('?').next().unwrap_or(path);
    let row = rows
        .iter()
        .find(|r| r[0] == method && r[1] == path)
        .or_else(|| rows.iter().find(|r| r[0] == method && r[1] == bare))?;
    let status: u16 = row[2].parse().ok()?;
    let content_type = row[3].clone();
    let size: usize = row[4].parse().unwrap_or(0);
    let location = row[5].strip_prefix("location=").map(str::to_string);
    let mut body = if location.is_some() {
        Vec::new()
    } else {
        marker_body(&row[5], &content_type)
    };
    let json = content_type.starts_with("application/json");
    if body.len() < size && !json {
        body.resize(size, b' ');
    }
    Some(Replayed {
        status,
        content_type,
        location,
        body,
    })
}

/// An HTTP answer: status line, headers (names in lower case), body.
type Answer = (String, Vec<(String, String)>, Vec<u8>);

/// One raw HTTP/1.1 request to 127.0.0.1:port; None when the server closed the connection
/// without answering.
fn fetch(port: u16, method: &str, path: &str) -> Option<Answer> {
    let mut c = TcpStream::connect(("127.0.0.1", port)).expect("connect to the test server");
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = if method == "POST" { "{}" } else { "" };
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    c.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    c.read_to_end(&mut raw).expect("read the answer");
    if raw.is_empty() {
        return None;
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some((status, headers, raw[split + 4..].to_vec()))
}

/// Asks a replaying server every request of the case's http.tsv and checks each answer
/// against the recording: status, content type, size, Location, and the recorded marker.
pub fn check_replayed_site(port: u16, case: &Path) {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let rows = http_rows(case);
    assert!(!rows.is_empty(), "{name}: empty http.tsv");
    for [method, path, status, ctype, bytes, marker] in rows {
        let got = fetch(port, &method, &path);
        let Ok(status) = status.parse::<u16>() else {
            assert!(
                got.is_none(),
                "{name}: {method} {path} was not answered by Odoo ({marker})"
            );
            continue;
        };
        let (line, headers, body) =
            got.unwrap_or_else(|| panic!("{name}: {method} {path}: no answer"));
        let header = |k: &str| {
            headers
                .iter()
                .find(|(h, _)| h == k)
                .map(|(_, v)| v.as_str())
        };
        assert!(
            line.starts_with(&format!("HTTP/1.1 {status} ")),
            "{name}: {method} {path}: {line}"
        );
        assert_eq!(
            header("content-type"),
            Some(ctype.as_str()),
            "{name}: {path}"
        );
        let text = String::from_utf8_lossy(&body);
        if let Some(loc) = marker.strip_prefix("location=") {
            assert_eq!(header("location"), Some(loc), "{name}: {path}");
        } else if let Some(json) = marker.strip_prefix("json=") {
            assert_eq!(text, json, "{name}: {path}");
            assert_eq!(
                body.len().to_string(),
                bytes,
                "{name}: {path}: recorded size"
            );
        } else if !ctype.starts_with("application/json") {
            assert_eq!(
                body.len().to_string(),
                bytes,
                "{name}: {path}: recorded size"
            );
        }
        let expect = [
            ("manager-disabled", "has been disabled by the administrator"),
            ("css-error-marker", "A css error occured"),
            (
                "js-throw-new-error-asset",
                "throw new Error(\"'Invalid XML template",
            ),
            ("login-form", "oe_login_form"),
            ("internal-server-error", "Internal Server Error"),
        ];
        for (m, needle) in expect {
            assert_eq!(
                marker.split(' ').any(|x| x == m),
                text.contains(needle),
                "{name}: {path}: marker {m}"
            );
        }
    }
}

// ---------------------------------------------------------------- the replay stand-in

fn filled(bytes: Vec<u8>, db: &str, host: &str, port: &str) -> Vec<u8> {
    String::from_utf8(bytes)
        .expect("recordings are UTF-8")
        .replace("$DB_HOST", host)
        .replace("$DB_PORT", port)
        .replace("$DB", db)
        .into_bytes()
}

/// Runs the replay of `case` against the database `db` with the `odoo` role's `password`
/// (settings in a config file or on the command line).
fn replay(
    case: &Path,
    db: &str,
    password: &str,
    via_config: bool,
    dir: &Path,
) -> std::process::Output {
    let pg = pg();
    let mut cmd = Command::new(replay_bin());
    cmd.env("ODOO_REPLAY_CASE", case)
        .env_remove("ODOO_REPLAY_HANG");
    for (k, _) in std::env::vars() {
        if k.starts_with("PG") {
            cmd.env_remove(k);
        }
    }
    if via_config {
        let conf = dir.join("odoo.conf");
        std::fs::write(
            &conf,
            format!(
                "[options]\ndb_host = {}\ndb_port = {}\ndb_user = odoo\ndb_password = {}\n",
                pg.host, pg.port, password
            ),
        )
        .unwrap();
        cmd.arg("-c").arg(&conf).args(["-d", db]);
    } else {
        cmd.args(["--db_host", &pg.host, "--db_port", &pg.port, "-r", "odoo"])
            .arg(format!("--db_password={password}"))
            .arg(format!("--database={db}"));
    }
    cmd.args(["--stop-after-init"]);
    cmd.output().expect("run odoo-bin-replay")
}

#[test]
fn replay_reproduces_every_recorded_case() {
    let pg = pg();
    let tmp = tempfile::tempdir().unwrap();
    let all = cases();
    // The cases are exactly those of the fixtures' README table, with its exit codes.
    let readme = std::fs::read_to_string(fixtures().join("README.md")).unwrap();
    let row = regex::Regex::new(r"(?m)^\| ([a-z0-9-]+) \| ([0-9]+)[ |]").unwrap();
    let documented: BTreeMap<String, String> = row
        .captures_iter(&readme)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect();
    let recorded: BTreeMap<String, String> = all
        .iter()
        .map(|c| {
            let code = std::fs::read_to_string(c.join("exit_code")).unwrap();
            (
                c.file_name().unwrap().to_string_lossy().into_owned(),
                code.trim().to_string(),
            )
        })
        .collect();
    assert_eq!(recorded, documented, "recorded cases vs the README table");
    for (i, case) in all.iter().enumerate() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        // a database copy where states change; elsewhere only the name fills in $DB
        let has_states = case.join("states-before.tsv").is_file();
        let db = has_states.then(|| TestDb::new("replay"));
        if let Some(db) = &db {
            prepare_states(db, case);
        }
        let (db_name, password) = match &db {
            Some(db) => (db.name.clone(), db.odoo_password()),
            None => ("replay_no_db".to_string(), "unused".to_string()),
        };
        let out = replay(case, &db_name, &password, i % 2 == 0, tmp.path());

        let code: i32 = std::fs::read_to_string(case.join("exit_code"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        match std::fs::read_to_string(case.join("signal")).ok() {
            Some(sig) => {
                let want = match sig.trim() {
                    "INT" => libc::SIGINT,
                    "KILL" => libc::SIGKILL,
                    "TERM" => libc::SIGTERM,
                    other => panic!("{name}: unexpected recorded signal {other}"),
                };
                assert_eq!(out.status.signal(), Some(want), "{name}: {:?}", out.status);
                assert_eq!(
                    code,
                    128 + want,
                    "{name}: exit_code is the shell's view of the signal"
                );
            }
            None => assert_eq!(out.status.code(), Some(code), "{name}: {:?}", out.status),
        }
        let stdout = filled(
            std::fs::read(case.join("stdout")).unwrap_or_default(),
            &db_name,
            &pg.host,
            &pg.port,
        );
        let stderr = filled(
            std::fs::read(case.join("stderr")).unwrap_or_default(),
            &db_name,
            &pg.host,
            &pg.port,
        );
        assert!(
            out.stdout == stdout,
            "{name}: stdout differs from the recording"
        );
        assert!(
            out.stderr == stderr,
            "{name}: stderr differs from the recording:\n{}",
            String::from_utf8_lossy(&out.stderr[..out.stderr.len().min(2000)])
        );
        if let Some(db) = &db {
            let want = recorded_states(&case.join("states-after.tsv"));
            assert_states(
                &db_states(db),
                &want,
                &format!("{name}: module states after the replay"),
            );
        }
    }
}

#[test]
fn replay_records_the_key_facts_of_a_failed_update() {
    // The facts the verdicts rely on, read from the recording as replayed.
    let case = fixtures().join("update-base-view-error");
    let db = TestDb::new("replay_facts");
    prepare_states(&db, &case);
    let tmp = tempfile::tempdir().unwrap();
    let out = replay(&case, &db.name, &db.odoo_password(), true, tmp.path());
    assert_eq!(out.status.code(), Some(255));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    let parse = lines
        .iter()
        .position(|l| {
            l.starts_with("odoo.tools.convert.ParseError: while parsing ") && l.ends_with(":3")
        })
        .expect("ParseError line");
    assert!(
        lines.len() - parse < 25,
        "ParseError near the end of the log"
    );
    assert!(lines[parse..]
        .iter()
        .any(|l| l.contains("cannot be located in parent view")));
    assert!(err.contains(&format!(
        "CRITICAL {} odoo.service.server: Failed to initialize database `{}`.",
        db.name, db.name
    )));
    // no source lines of Odoo: every line after a `File "…"` line is another File line or not indented
    for w in lines.windows(2) {
        if w[0].trim_start().starts_with("File \"") {
            assert!(!w[1].starts_with("    "), "source line kept after {}", w[0]);
        }
    }
    let after = db_states(&db);
    assert!(after.values().all(|(s, _)| s != "to upgrade"));
    assert_eq!(
        after["analytic"],
        ("installed".to_string(), "18.0.1.2".to_string())
    );
}

#[test]
fn replay_fails_loudly_without_a_database_or_a_case() {
    let out = Command::new(replay_bin())
        .env("ODOO_REPLAY_CASE", fixtures().join("update-all-sigterm"))
        .arg("--stop-after-init")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(97));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database was given"));

    let out = Command::new(replay_bin())
        .env("ODOO_REPLAY_CASE", "no-such-case")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(97));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no recorded case"));

    let out = Command::new(replay_bin())
        .env_remove("ODOO_REPLAY_CASE")
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, b"Odoo Server 18.0+e-20250520\n");
}
