//! `deploy-check` and `truth-sync` end to end: a real PostgreSQL copy of the Odoo 18 database,
//! real `pg_dump`/`pg_restore`, real files, a real HTTP(S) server on loopback inside the test
//! process, and the real Python interpreter. There is no Odoo server and no container engine
//! here: tests that need them put stand-in `odoo-bin`, `docker` and `systemctl` scripts first
//! on PATH (their names say so). The stand-ins record their arguments and print what the real
//! programs print.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

// ---------------------------------------------------------------- an HTTP(S) server on loopback

#[derive(Clone, Copy, PartialEq)]
enum Site {
    /// An Odoo 18 behind a proxy: /web/health 200 pass, all security headers, database
    /// manager 403, the login page and its bundles, /odoo redirecting to the login, the
    /// backend bundles by name, static files.
    Good,
    /// /web/health 500, no security headers, database manager open.
    Bad,
    /// /web/health answers after 5 s.
    Slow,
    /// Answers as a real Odoo 18 did: tests/fixtures/odoo18-real/<case>/http.tsv, behind a
    /// proxy that adds the security headers.
    Replay(&'static str),
}

pub(crate) struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    /// The paths requested so far.
    seen: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// The login page of Odoo 18, as far as odoo-audit reads it: the bundles it references.
const LOGIN_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="utf-8"/>
<title>Odoo</title>
<link type="image/x-icon" rel="shortcut icon" href="/web/static/img/favicon.ico"/>
<link type="text/css" rel="stylesheet" href="/web/assets/5b1c7e2/web.assets_frontend.min.css"/>
<script type="text/javascript" src="/web/assets/5b1c7e2/web.assets_frontend_minimal.min.js" onerror="__odooAssetError=1"></script>
<script type="text/javascript" data-src="/web/assets/5b1c7e2/web.assets_frontend_lazy.min.js" onerror="__odooAssetError=1"></script>
<script src="https://www.google.com/recaptcha/api.js"></script>
</head>
<body><form class="oe_login_form" action="/web/login" method="post"></form></body>
</html>"#;

/// A recorded case of a real Odoo 18.
fn real_case(name: &str) -> PathBuf {
    crate::odoo_replay::fixtures().join(name)
}

/// The recorded answer of a real Odoo 18 (`odoo_replay::http_answer`), as seen through a proxy
/// that adds the security headers. The recording reduced the login page to a marker; its
/// references (the requests recorded right after it, before the bundles probed by name) are
/// put back into its body, which keeps its recorded size.
fn write_replayed_behind_proxy<W: Write>(s: &mut W, case: &str, method: &str, path: &str) {
    let dir = real_case(case);
    let Some(mut r) = crate::odoo_replay::http_answer(&dir, method, path) else {
        return;
    };
    if String::from_utf8_lossy(&r.body).contains("oe_login_form") {
        let rows = crate::odoo_replay::http_rows(&dir);
        let at = rows
            .iter()
            .position(|row| row[1] == path)
            .unwrap_or(rows.len());
        let mut refs = String::new();
        for row in rows.iter().skip(at + 1).take_while(|row| {
            (row[1].starts_with("/web/assets/") || row[1].starts_with("/web/static/"))
                && !row[1].starts_with("/web/assets/any/")
        }) {
            let p = &row[1];
            if p.ends_with(".css") {
                refs.push_str(&format!(
                    "<link type=\"text/css\" rel=\"stylesheet\" href=\"{p}\"/>"
                ));
            } else if p.ends_with(".js") {
                refs.push_str(&format!(
                    "<script type=\"text/javascript\" src=\"{p}\"></script>"
                ));
            } else if p.ends_with(".ico") {
                refs.push_str(&format!(
                    "<link type=\"image/x-icon\" rel=\"shortcut icon\" href=\"{p}\"/>"
                ));
            }
        }
        let size = r.body.len();
        let mut body = refs.into_bytes();
        body.extend_from_slice(&r.body);
        // the recorded size: the padding the replay added makes room
        while body.len() > size && body.last() == Some(&b' ') {
            body.pop();
        }
        r.body = body;
    }
    let mut head = format!(
        "HTTP/1.1 {} Replayed\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n",
        r.status,
        r.content_type,
        r.body.len()
    );
    if let Some(loc) = &r.location {
        head.push_str(&format!("Location: {loc}\r\n"));
    }
    for (k, v) in [
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", "frame-ancestors 'self'"),
    ] {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(&r.body);
    let _ = s.flush();
}

fn answer(site: Site, path: &str) -> (u16, Vec<(&'static str, &'static str)>, String) {
    let secure = vec![
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Strict-Transport-Security", "max-age=31536000"),
        ("Content-Security-Policy", "frame-ancestors 'self'"),
    ];
    let route = path.split('?').next().unwrap_or(path);
    match (site, route) {
        (Site::Bad, "/web/health") => (500, vec![], r#"{"status": "fail"}"#.into()),
        (Site::Slow, "/web/health") => {
            // Far longer than any run of the gate, however loaded the machine.
            std::thread::sleep(Duration::from_secs(300));
            (200, vec![], r#"{"status": "pass"}"#.into())
        }
        (_, "/web/health") => (200, vec![], r#"{"status": "pass"}"#.into()),
        (Site::Bad, "/web/login") => (200, vec![], "<html>login</html>".into()),
        (_, "/web/login") => (200, secure, LOGIN_PAGE.into()),
        (Site::Bad, "/web/database/manager") => (200, vec![], "<html>manager</html>".into()),
        (_, "/web/database/manager") => (
            403,
            vec![],
            "The database manager has been disabled by the administrator".into(),
        ),
        (_, "/odoo") | (_, "/web") => (
            303,
            vec![("Location", "/web/login?redirect=%2Fodoo%3F")],
            String::new(),
        ),
        (_, "/web/static/img/favicon.ico") => (200, vec![], "\u{0}\u{0}\u{1}\u{0}icon".into()),
        (_, p) if p.starts_with("/web/assets/") && p.ends_with(".css") => {
            (200, vec![], "/* /web/static/src/scss/x.scss */\n.o_x{color:red}\n".into())
        }
        (_, p) if p.starts_with("/web/assets/") && p.ends_with(".js") => (
            200,
            vec![],
            "/* /web/static/src/x.js */\nodoo.define('@web/x', [], function (require) {\n    console.error(\"not a marker: indented\");\n});\n".into(),
        ),
        _ => (404, vec![], "not found".into()),
    }
}

fn serve_one<S: Read + Write>(mut s: S, site: Site, seen: &Mutex<Vec<String>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    seen.lock().unwrap().push(path.clone());
    if let Site::Replay(case) = site {
        let method = head.split_whitespace().next().unwrap_or("GET");
        write_replayed_behind_proxy(&mut s, case, method, &path);
        return;
    }
    let (status, headers, body) = answer(site, &path);
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if !headers.iter().any(|(k, _)| *k == "Content-Type") {
        out.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&body);
    let _ = s.write_all(out.as_bytes());
    let _ = s.flush();
}

/// Serves `site` on 127.0.0.1 (TLS with `identity` when given) until dropped.
fn server(site: Site, identity: Option<native_tls::Identity>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let acceptor = identity.map(|i| Arc::new(native_tls::TlsAcceptor::new(i).unwrap()));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            if stop2.load(Ordering::SeqCst) {
                break;
            }
            let Ok(conn) = conn else { continue };
            let acceptor = acceptor.clone();
            let seen = seen2.clone();
            std::thread::spawn(move || {
                conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
                match acceptor {
                    Some(a) => {
                        if let Ok(tls) = a.accept(conn) {
                            serve_one(tls, site, &seen);
                        }
                    }
                    None => serve_one(conn, site, &seen),
                }
            });
        }
    });
    Server { port, stop, seen }
}

#[test]
fn replayed_sites_answer_every_recorded_request_as_odoo_did() {
    for case in crate::odoo_replay::cases() {
        if !case.join("http.tsv").is_file() {
            continue;
        }
        let name: &'static str = Box::leak(case.file_name().unwrap().to_string_lossy().into());
        let site = server(Site::Replay(name), None);
        crate::odoo_replay::check_replayed_site(site.port, &case);
    }
}

/// A self-signed certificate for localhost/127.0.0.1 valid `days` days, made by `openssl req`:
/// (identity for the server, path of the PEM certificate).
fn self_signed(dir: &Path, days: u32) -> (native_tls::Identity, PathBuf) {
    let cert = dir.join(format!("cert{days}.pem"));
    let key = dir.join(format!("key{days}.pem"));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args([
            "-days",
            &days.to_string(),
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let identity = native_tls::Identity::from_pkcs8(
        &std::fs::read(&cert).unwrap(),
        &std::fs::read(&key).unwrap(),
    )
    .unwrap();
    (identity, cert)
}

// ---------------------------------------------------------------- stand-ins and a deployment

const ODOO_BIN_STANDIN: &str = r#"#!/bin/sh
# stand-in for odoo-bin: records its arguments, prints Odoo's log lines
echo "$*" >> "$STANDIN_LOG_DIR/odoo-bin.args"
if [ "$1" = "--version" ]; then echo "Odoo Server ${STANDIN_ODOO_VERSION:-18.0-20241105}"; exit 0; fi
case " $* " in *" --serve "*) sleep 60; exit 0;; esac
# A recorded run of a real Odoo 18 when the arguments contain $STANDIN_SCENARIO_ON: the
# odoo-bin-replay stand-in replays $ODOO_REPLAY_CASE (streams, exit code or signal, module
# states, written to the test database named by -d with the connection given here).
if [ -n "$ODOO_REPLAY_CASE" ]; then
  case " $* " in
    *" ${STANDIN_SCENARIO_ON:-}"*)
      STANDIN_LOG_DIR= exec "$STANDIN_REPLAY" "$@" --db_host "$STANDIN_PG_HOST" --db_port "$STANDIN_PG_PORT" -r odoo "--db_password=$STANDIN_PG_PASSWORD";;
  esac
fi
ts=$(date '+%Y-%m-%d %H:%M:%S,123')
echo "$ts $$ INFO ? odoo: Odoo version ${STANDIN_ODOO_VERSION:-18.0-20241105}"
echo "$ts $$ INFO ? odoo: addons paths: ['/usr/lib/python3/dist-packages/odoo/addons', '/mnt/extra-addons']"
echo "$ts $$ INFO ? odoo: database: odoo@127.0.0.1:5432"
echo "$ts $$ INFO prod odoo.modules.loading: loading 1 modules..."
echo "$ts $$ INFO prod odoo.modules.loading: 1 modules loaded in 0.01s, 0 queries (+0 extra)"
echo "$ts $$ INFO prod odoo.modules.loading: loading 48 modules..."
case " $* " in
  *" $STANDIN_FAIL_ON "*)
    echo "$ts $$ ERROR prod odoo.modules.registry: Failed to load registry"
    echo "Traceback (most recent call last):"
    echo "  File \"/usr/lib/python3/dist-packages/odoo/modules/loading.py\", line 480, in load_modules"
    echo "psycopg2.errors.UndefinedColumn: column res_partner.x_broken does not exist"
    echo "$ts $$ CRITICAL prod odoo.service.server: Failed to initialize database \`prod\`."
    exit "${STANDIN_FAIL_EXIT:-1}";;
esac
echo "$ts $$ INFO prod odoo.modules.loading: 48 modules loaded in 0.35s, 0 queries (+0 extra)"
echo "$ts $$ INFO prod odoo.modules.loading: Modules loaded."
echo "$ts $$ INFO prod odoo.service.server: Initiating shutdown"
echo "$ts $$ INFO prod odoo.service.server: Hit CTRL-C again or send a second signal to force the shutdown."
exit 0
"#;

const SYSTEMCTL_STANDIN: &str = r#"#!/bin/sh
# stand-in for systemctl: `is-active UNIT` answers $STANDIN_UNIT_STATE
echo "$*" >> "$STANDIN_LOG_DIR/systemctl.args"
state="${STANDIN_UNIT_STATE:-active}"
echo "$state"
[ "$state" = "active" ]
"#;

/// `docker` stand-in, for what a real engine cannot be made to do in a test (the daemon down, a
/// failing `docker inspect`; tests/integration/compose_engine.rs runs everything else against
/// the real engine): replays `docker compose ps --quiet`, `docker compose ps --format json`
/// (the array Compose printed before 2.21) and `docker inspect` from files, runs
/// `docker compose exec` against the stand-in odoo-bin (or the real python3).
const DOCKER_STANDIN: &str = r#"#!/bin/sh
echo "$*" >> "$STANDIN_LOG_DIR/docker.args"
case "$1" in
  info)
    if [ -n "$STANDIN_DOCKER_DOWN" ]; then
      echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
      exit 1
    fi
    echo "27.3.1"; exit 0;;
  inspect)
    if [ -n "$STANDIN_INSPECT_FAILS" ]; then
      echo "permission denied while trying to connect to the Docker daemon socket" >&2
      exit 1
    fi
    cat "$STANDIN_DOCKER_DIR/inspect.json"; exit 0;;
  compose)
    while [ $# -gt 0 ]; do
      case "$1" in
        ps) case " $* " in
              *" --quiet "*) cat "$STANDIN_DOCKER_DIR/ids.txt";;
              *) cat "$STANDIN_DOCKER_DIR/ps.json";;
            esac
            exit 0;;
        exec) shift; [ "$1" = "-T" ] && shift; shift
              prog="$1"; shift
              if [ "$prog" = "odoo" ]; then exec "$STANDIN_DIR/odoo-bin" "$@"; fi
              if [ "$prog" = "python3" ]; then PYTHONPATH="$STANDIN_PYTHONPATH" exec python3 "$@"; fi
              exec "$prog" "$@";;
      esac
      shift
    done;;
esac
echo "unknown command: docker $*" >&2
exit 1
"#;

/// Check 2 looks for Odoo processes in /proc: tests that start stand-in odoo-bin processes run
/// one at a time so that one test's stand-in is not seen by another.
pub(crate) fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn write_exec(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A deployment on disk: odoo.conf, .env, backups, logrotate rule, log dir, stand-ins.
pub(crate) struct Deployment {
    _serial: std::sync::MutexGuard<'static, ()>,
    _tmp: tempfile::TempDir,
    pub(crate) root: PathBuf,
    standins: PathBuf,
    conf: PathBuf,
    settings: PathBuf,
    backups: PathBuf,
    logs: PathBuf,
}

const STRONG_HASH: &str = "$pbkdf2-sha512$600000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

fn good_conf(root: &Path, addons: &Path) -> String {
    format!(
        "[options]\naddons_path = {}\nproxy_mode = True\nworkers = 3\nmax_cron_threads = 1\n\
limit_memory_soft = 671088640\nlimit_memory_hard = 805306368\nlimit_time_cpu = 600\n\
limit_time_real = 1200\nlogfile = {}\nlist_db = False\ndbfilter = ^prod$\n\
admin_passwd = {STRONG_HASH}\ndata_dir = {}\n",
        addons.display(),
        root.join("log/odoo.log").display(),
        root.join("data").display()
    )
}

/// Copies the real database into `backups` with pg_dump -Fc (the test makes the dump).
pub(crate) fn pg_dump(db: &TestDb, out: &Path) {
    let pg = pg();
    let pgdump = ["/usr/lib/postgresql/15/bin/pg_dump", "pg_dump"]
        .into_iter()
        .find(|p| !p.contains('/') || Path::new(p).exists())
        .unwrap();
    let status = Command::new(pgdump)
        .args([
            "-Fc", "-h", &pg.host, "-p", &pg.port, "-U", "odoo", "-d", &db.name, "-f",
        ])
        .arg(out)
        .env("PGPASSWORD", db.odoo_password())
        .status()
        .expect("run pg_dump");
    assert!(status.success(), "pg_dump failed");
}

impl Deployment {
    pub(crate) fn new(db: &TestDb) -> Deployment {
        let serial = serial();
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let standins = root.join("standins");
        std::fs::create_dir_all(&standins).unwrap();
        write_exec(&standins.join("odoo-bin"), ODOO_BIN_STANDIN);
        write_exec(&standins.join("systemctl"), SYSTEMCTL_STANDIN);
        write_exec(&standins.join("docker"), DOCKER_STANDIN);
        for d in [
            "log",
            "data",
            "backups",
            "logrotate.d",
            "audit-logs",
            "pystubs/lxml",
            "pystubs/psycopg2",
            "pystubs/openupgradelib",
        ] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        // Libraries absent from this machine's Python, as importable packages with a version
        // (openupgradelib is needed by an installed OCA module of the real database).
        std::fs::write(
            root.join("pystubs/openupgradelib/__init__.py"),
            "__version__ = '3.7.1'\n",
        )
        .unwrap();
        std::fs::write(
            root.join("pystubs/lxml/__init__.py"),
            "__version__ = '5.3.0'\n",
        )
        .unwrap();
        std::fs::write(
            root.join("pystubs/psycopg2/__init__.py"),
            "__version__ = '2.9.10 (dt dec pq3 ext lo64)'\n",
        )
        .unwrap();
        let conf = root.join("odoo.conf");
        std::fs::write(&conf, good_conf(&root, &corpus())).unwrap();
        chmod(&conf, 0o640);
        std::fs::write(
            root.join("log/odoo.log"),
            "2025-01-01 00:00:00,000 1 INFO ? odoo: x\n",
        )
        .unwrap();
        std::fs::write(
            root.join("logrotate.d/odoo"),
            format!(
                "{}/log/*.log {{\n  weekly\n  rotate 8\n  compress\n  copytruncate\n}}\n",
                root.display()
            ),
        )
        .unwrap();
        let env = root.join(".env");
        std::fs::write(
            &env,
            "POSTGRES_PASSWORD=pw-from-env-file-93\nPGUSER=odoo\nPGDATABASE=prod\n",
        )
        .unwrap();
        chmod(&env, 0o600);
        let backups = root.join("backups");
        pg_dump(db, &backups.join("prod-2025.dump"));
        std::fs::create_dir_all(root.join("data/filestore/prod/ab")).unwrap();
        std::fs::write(root.join("data/filestore/prod/ab/abcdef"), "attachment").unwrap();
        let st = Command::new("tar")
            .arg("czf")
            .arg(backups.join("prod-filestore-2025.tar.gz"))
            .arg("-C")
            .arg(root.join("data/filestore"))
            .arg("prod")
            .status()
            .unwrap();
        assert!(st.success());
        let settings = root.join("odoo-audit.toml");
        std::fs::write(
            &settings,
            format!(
                "mode = \"native\"\nodoo_command = [\"{odoo}\"]\npython_command = [\"env\", \"PYTHONPATH={stubs}\", \"python3\"]\n\
expected_series = \"18.0\"\nlogrotate_dir = \"logrotate.d\"\nlog_dir = \"audit-logs\"\nhttp_timeout_secs = 2\n\
backup_dir = \"backups\"\n",
                odoo = standins.join("odoo-bin").display(),
                stubs = root.join("pystubs").display()
            ),
        )
        .unwrap();
        Deployment {
            _serial: serial,
            _tmp: tmp,
            logs: root.join("audit-logs"),
            root,
            standins,
            conf,
            settings,
            backups,
        }
    }

    /// `odoo-audit deploy-check` with the stand-ins first on PATH, run from the deployment.
    pub(crate) fn cmd(&self, db: &TestDb, base_url: &str) -> Command {
        self.cmd_url(db, &db.url(), base_url)
    }

    /// `cmd` with another database URL than the copy's.
    fn cmd_url(&self, db: &TestDb, db_url: &str, base_url: &str) -> Command {
        let mut c = bin();
        let path = format!(
            "{}:{}",
            self.standins.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.current_dir(&self.root)
            .env("PATH", path)
            .env("STANDIN_LOG_DIR", &self.root)
            .env("STANDIN_DIR", &self.standins)
            .env("STANDIN_PYTHONPATH", self.root.join("pystubs"))
            .envs(replay_env(db))
            .args(["deploy-check", "--settings"])
            .arg(&self.settings)
            .arg("-c")
            .arg(&self.conf)
            .args(["--db-url", db_url, "--base-url", base_url]);
        c
    }

    fn recorded(&self, program: &str) -> String {
        std::fs::read_to_string(self.root.join(format!("{program}.args"))).unwrap_or_default()
    }
}

fn check(doc: &Value, num: u64) -> &Value {
    doc["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks table: {doc}"))
        .iter()
        .find(|c| c["#"] == num)
        .unwrap_or_else(|| panic!("no check {num}"))
}

/// What the stand-in odoo-bin needs to hand a run to odoo-bin-replay.
fn replay_env(db: &TestDb) -> Vec<(&'static str, String)> {
    let pg = pg();
    vec![
        (
            "STANDIN_REPLAY",
            crate::odoo_replay::replay_bin().display().to_string(),
        ),
        ("STANDIN_PG_HOST", pg.host),
        ("STANDIN_PG_PORT", pg.port),
        ("STANDIN_PG_PASSWORD", db.odoo_password()),
    ]
}

/// A copy of the real database at the recorded states before `case`.
pub(crate) fn replay_db(test: &str, case: &str) -> TestDb {
    let db = TestDb::new(test);
    crate::odoo_replay::prepare_states(&db, &real_case(case));
    db
}

/// Makes the stand-in odoo-bin replay the recorded `case` for the runs whose arguments contain
/// `on`.
pub(crate) fn replaying<'a>(c: &'a mut Command, case: &str, on: &str) -> &'a mut Command {
    c.env("ODOO_REPLAY_CASE", real_case(case))
        .env("STANDIN_SCENARIO_ON", on)
}

/// The synthetic good site and its base URL.
pub(crate) fn good_site() -> (Server, String) {
    let site = server(Site::Good, None);
    let url = format!("http://127.0.0.1:{}", site.port);
    (site, url)
}

/// The messages of the findings with a code.
fn messages(doc: &Value, code: &str) -> Vec<String> {
    findings_with(doc, code)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

fn status(doc: &Value, num: u64) -> String {
    check(doc, num)["status"].as_str().unwrap().to_string()
}

// ---------------------------------------------------------------- tests

#[test]
fn native_quick_gate_passes_on_a_good_deployment_with_stand_in_odoo_bin_and_systemctl() {
    let db = TestDb::new("gate_good");
    let dep = Deployment::new(&db);
    let (site, url) = good_site();
    let (code, doc, err) = run_json(&mut dep.cmd(&db, &url));
    let rows = doc["checks"].as_array().unwrap();
    assert_eq!(rows.len(), 13);
    for row in rows {
        for key in ["#", "check", "status", "evidence", "hint"] {
            assert!(row.get(key).is_some(), "{row} lacks {key}");
        }
    }
    let statuses: Vec<String> = (1..=13).map(|n| status(&doc, n)).collect();
    assert_eq!(
        statuses,
        [
            "skip", "pass", "pass", "pass", "pass", "pass", "pass", "pass", "pass", "skip", "pass",
            "pass", "pass"
        ],
        "{:#}\n{err}",
        doc["checks"]
    );
    assert_eq!(code, 0, "{err}");
    assert!(check(&doc, 1)["evidence"]
        .as_str()
        .unwrap()
        .contains("native mode"));
    // Check 9 requests every bundle of the login page and the backend bundles by name (the
    // backend page redirects to the login), so that Odoo builds them; check 11 a static file.
    let ev9 = check(&doc, 9)["evidence"].as_str().unwrap();
    assert!(ev9.contains("5 bundle(s) served without error"), "{ev9}");
    let seen = site.seen.lock().unwrap().clone();
    for p in [
        "/web/assets/5b1c7e2/web.assets_frontend.min.css",
        "/web/assets/5b1c7e2/web.assets_frontend_minimal.min.js",
        "/web/assets/5b1c7e2/web.assets_frontend_lazy.min.js",
        "/web/assets/any/web.assets_web.min.js",
        "/web/assets/any/web.assets_web.min.css",
        "/web/static/img/favicon.ico",
        "/odoo",
    ] {
        assert!(seen.iter().any(|s| s == p), "{p} not requested: {seen:?}");
    }
    assert!(check(&doc, 10)["evidence"]
        .as_str()
        .unwrap()
        .contains("--quick"));
    assert_eq!(doc["summary"]["checks"]["pass"], 11);
    assert_eq!(doc["summary"]["checks"]["skip"], 2);
    assert_eq!(doc["summary"]["checks"]["fail"], 0);
    assert_eq!(doc["summary"]["result"], "go");
    assert_eq!(doc["context"]["mode"], "native");
    assert_eq!(doc["context"]["run"], "quick");
    assert_eq!(doc["context"]["database"], db.name.as_str());
    // Evidence is what was seen.
    let ev3 = check(&doc, 3)["evidence"].as_str().unwrap();
    let base = db.scalar("select latest_version from ir_module_module where name = 'base'");
    assert!(
        ev3.contains("18.0-20241105") && ev3.contains(&base),
        "{ev3}"
    );
    let ev4 = check(&doc, 4)["evidence"].as_str().unwrap();
    assert!(ev4.contains("PostgreSQL") && ev4.contains("ms"), "{ev4}");
    let ev7 = check(&doc, 7)["evidence"].as_str().unwrap();
    assert!(
        ev7.contains("lxml 5.3.0") && ev7.contains("psycopg2 2.9.10"),
        "{ev7}"
    );
    let ev12 = check(&doc, 12)["evidence"].as_str().unwrap();
    assert!(
        ev12.contains("prod-2025.dump") && ev12.contains("pg_restore --list"),
        "{ev12}"
    );
    // Quick: only --version ran, never a one-shot Odoo.
    assert_eq!(dep.recorded("odoo-bin").trim(), "--version");
    assert!(dep.recorded("systemctl").contains("is-active odoo"));
    // No secret leaks into the output.
    let (_, text, _) = run(&mut dep.cmd(&db, &url));
    assert!(!text.contains("pw-from-env-file-93") && !text.contains(STRONG_HASH));
}

#[test]
fn full_gate_runs_odoo_with_stand_in_odoo_bin_and_judges_it_by_exit_status_and_states() {
    let db = TestDb::new("gate_full");
    let dep = Deployment::new(&db);
    let (_site, url) = good_site();
    let (code, doc, err) = run_json(dep.cmd(&db, &url).arg("--full"));
    assert_eq!(code, 0, "{:#} {err}", doc["checks"]);
    for n in [4, 9, 10] {
        assert_eq!(status(&doc, n), "pass", "{:#}", check(&doc, n));
    }
    let args = dep.recorded("odoo-bin");
    let runs: Vec<&str> = args
        .lines()
        .filter(|l| l.contains("--stop-after-init"))
        .collect();
    // check 4 (start on the database) and check 10 (-u base); check 9 asks the server
    assert_eq!(runs.len(), 2, "{args}");
    let conf = dep.conf.display().to_string();
    for r in &runs {
        assert!(
            r.contains(&format!("-c {conf}")) && r.contains(&format!("-d {}", db.name)),
            "{r}"
        );
        assert!(
            r.contains("--no-http") && r.contains("--max-cron-threads=0"),
            "{r}"
        );
        // Odoo resolves a logfile path (/dev/stdout fails): an empty one logs to stderr
        assert!(
            r.contains("--logfile= ") && !r.contains("/dev/stdout"),
            "{r}"
        );
        assert!(!r.contains("--dev"), "{r}");
    }
    assert!(runs.iter().any(|r| r.ends_with("-u base")));
    assert!(check(&doc, 4)["evidence"]
        .as_str()
        .unwrap()
        .contains("module states compared: 0 changed"));
    let saved: Vec<_> = std::fs::read_dir(&dep.logs).unwrap().flatten().collect();
    assert_eq!(saved.len(), 2);

    // The module update exits 1 after a traceback: check 10 fails and quotes the exception
    // that ends the traceback and the first ERROR line, not the last line of output.
    let (code, doc, _) = run_json(
        dep.cmd(&db, &url)
            .arg("--full")
            .env("STANDIN_FAIL_ON", "base"),
    );
    assert_eq!(code, 1);
    assert_eq!(status(&doc, 10), "fail");
    assert_eq!(status(&doc, 4), "pass");
    assert_eq!(doc["summary"]["result"], "no-go");
    let g010 = findings_with(&doc, "G010");
    assert_eq!(g010.len(), 1, "{g010:#?}");
    let m = g010[0]["message"].as_str().unwrap();
    assert!(m.contains("exited with 1"), "{m}");
    assert!(
        m.contains("psycopg2.errors.UndefinedColumn: column res_partner.x_broken does not exist"),
        "{m}"
    );
    assert!(
        m.contains("first error logged:") && m.contains("Failed to load registry"),
        "{m}"
    );
    assert_eq!(
        g010[0]["file"].as_str().unwrap(),
        "/usr/lib/python3/dist-packages/odoo/modules/loading.py"
    );
    assert_eq!(g010[0]["line"], 480);
    assert!(g010[0]["hint"].as_str().unwrap().contains("audit-logs"));

    // Exit 0 with error lines and unchanged states: the run succeeded; the lines are reported
    // as what they are (a warning), not as the check's failure.
    let (code, doc, _) = run_json(
        dep.cmd(&db, &url)
            .arg("--full")
            .env("STANDIN_FAIL_ON", "base")
            .env("STANDIN_FAIL_EXIT", "0"),
    );
    assert_eq!(code, 0, "{:#}", doc["findings"]);
    assert_eq!(status(&doc, 10), "warn");
    assert!(findings_with(&doc, "G010").is_empty());
    let g017 = findings_with(&doc, "G017");
    assert_eq!(g017.len(), 1, "{g017:#?}");
    assert_eq!(g017[0]["severity"], "warning");
    assert!(g017[0]["message"]
        .as_str()
        .unwrap()
        .contains("the run succeeded but Odoo logged 2 ERROR/CRITICAL line(s)"));
}

#[test]
fn the_series_is_detected_by_default_and_must_agree() {
    let db = TestDb::new("gate_series");
    let dep = Deployment::new(&db);
    let text = std::fs::read_to_string(&dep.settings).unwrap();
    std::fs::write(
        &dep.settings,
        text.replace("expected_series = \"18.0\"\n", ""),
    )
    .unwrap();
    let (_site, url) = good_site();
    // an Odoo 18 database and an Odoo 18 binary: no "expected 19.0"
    let (code, doc, err) = run_json(&mut dep.cmd(&db, &url));
    assert_eq!(code, 0, "{:#} {err}", doc["findings"]);
    assert_eq!(status(&doc, 3), "pass");
    assert_eq!(doc["context"]["expected_series"], Value::Null);
    assert_eq!(doc["context"]["series"], "18.0");
    assert!(check(&doc, 3)["evidence"]
        .as_str()
        .unwrap()
        .contains("series 18.0 (detected)"));
    // the binary says 19.0, the database 18.0: they disagree
    let (code, doc, _) = run_json(
        dep.cmd(&db, &url)
            .env("STANDIN_ODOO_VERSION", "19.0-20251001"),
    );
    assert_eq!(code, 1);
    let g003 = messages(&doc, "G003");
    assert_eq!(g003.len(), 1, "{g003:?}");
    assert!(
        g003[0].contains("odoo-bin is 19.0 but the database's base module is 18.0."),
        "{g003:?}"
    );
    // 19.0 only when a user sets it
    let (code, doc, _) = run_json(dep.cmd(&db, &url).args(["--expected-series", "19.0"]));
    assert_eq!(code, 1);
    let g003 = messages(&doc, "G003");
    assert_eq!(g003.len(), 2, "{g003:?}");
    assert!(g003
        .iter()
        .any(|m| m.contains("odoo-bin is 18.0, expected 19.0")));
    assert!(g003.iter().any(|m| m.contains("database's base module")));
}

#[test]
fn odoo_conf_traps_and_secrets_are_reported_without_their_values() {
    let db = TestDb::new("gate_conf");
    let dep = Deployment::new(&db);
    let conf = good_conf(&dep.root, &corpus())
        .replace("proxy_mode = True", "proxy_mode = False")
        .replace("workers = 3", "workers = 0")
        .replace("list_db = False", "list_db = 0")
        .replace(STRONG_HASH, "admin")
        + "db_password = %(env:PROD_DBPW_93)s\nsmtp_password = smtp-secret-71\n";
    std::fs::write(&dep.conf, conf).unwrap();
    chmod(&dep.conf, 0o644);
    // .env: world-readable and without PGDATABASE
    let env = dep.root.join(".env");
    std::fs::write(&env, "POSTGRES_PASSWORD=pw-from-env-file-93\nPGUSER=odoo\n").unwrap();
    chmod(&env, 0o644);
    let site = server(Site::Good, None);
    let (code, doc, _) = run_json(&mut dep.cmd(&db, &format!("http://127.0.0.1:{}", site.port)));
    assert_eq!(code, 1);
    assert_eq!(status(&doc, 5), "fail");
    assert_eq!(status(&doc, 8), "fail");
    let g101 = findings_with(&doc, "G101");
    assert_eq!(g101.len(), 1);
    let m = g101[0]["message"].as_str().unwrap();
    assert!(
        m.contains("db_password") && m.contains("RawConfigParser") && m.contains("not expand"),
        "{m}"
    );
    assert_eq!(g101[0]["line"], 15);
    let g005 = messages(&doc, "G005");
    assert!(
        g005.iter().any(|m| m.contains("proxy_mode is False")),
        "{g005:?}"
    );
    assert!(g005.iter().any(|m| m.contains("workers is 0")), "{g005:?}");
    // `list_db = 0` is true for Odoo 18's config loader
    assert!(
        g005.iter().any(|m| m.contains("list_db is True")),
        "{g005:?}"
    );
    assert!(findings_with(&doc, "G102")
        .iter()
        .any(|f| f["severity"] == "error"));
    let g008 = messages(&doc, "G008");
    assert!(
        g008.iter().any(|m| m.contains("does not set PGDATABASE")),
        "{g008:?}"
    );
    assert!(
        g008.iter().any(|m| m.contains("world-readable (mode 644)")),
        "{g008:?}"
    );
    let g103 = messages(&doc, "G103");
    assert!(
        g103.iter().any(|m| m.contains("`smtp_password`")),
        "{g103:?}"
    );
    assert!(
        g103.iter().any(|m| m.contains("`admin_passwd`")),
        "{g103:?}"
    );
    assert!(
        g103.iter().any(|m| m.contains("world-readable")),
        "{g103:?}"
    );
    // Values never appear, in any format.
    for format in ["json", "table", "csv", "sarif"] {
        let (_, out, err) = run(dep
            .cmd(&db, &format!("http://127.0.0.1:{}", site.port))
            .args(["--format", format]));
        for secret in ["smtp-secret-71", "pw-from-env-file-93", "PROD_DBPW_93"] {
            assert!(
                !out.contains(secret) && !err.contains(secret),
                "{secret} leaked in {format}"
            );
        }
    }
}

#[test]
fn addons_path_missing_entry_and_python_dependency_of_an_installed_module() {
    let db = TestDb::new("gate_py");
    // mis_builder needs openupgradelib (absent here), queue_job needs requests (present).
    db.exec("update ir_module_module set state = 'installed' where name in ('mis_builder', 'queue_job')");
    let dep = Deployment::new(&db);
    std::fs::remove_dir_all(dep.root.join("pystubs/openupgradelib")).unwrap();
    let missing = dep.root.join("no-such-addons");
    let conf = good_conf(&dep.root, &corpus()).replace(
        &format!("addons_path = {}", corpus().display()),
        &format!("addons_path = {},{}", corpus().display(), missing.display()),
    );
    std::fs::write(&dep.conf, conf).unwrap();
    let site = server(Site::Good, None);
    let (code, doc, _) = run_json(&mut dep.cmd(&db, &format!("http://127.0.0.1:{}", site.port)));
    assert_eq!(code, 1);
    assert_eq!(status(&doc, 6), "fail");
    let g006 = findings_with(&doc, "G006");
    assert!(g006[0]["message"]
        .as_str()
        .unwrap()
        .contains("does not exist"));
    assert_eq!(status(&doc, 7), "fail");
    let g007 = findings_with(&doc, "G007");
    assert_eq!(g007.len(), 1, "{g007:#?}");
    let m = g007[0]["message"].as_str().unwrap();
    assert!(
        m.contains("openupgradelib (needed by ") && m.contains("mis_builder"),
        "{m}"
    );
    assert!(m.contains("ModuleNotFoundError"), "{m}");
    let ev7 = check(&doc, 7)["evidence"].as_str().unwrap();
    assert!(ev7.contains("requests 2."), "{ev7}");
    // queue_job's `requests` is Odoo's own: checked once
    assert_eq!(ev7.matches("requests ").count(), 1, "{ev7}");
}

#[test]
fn check7_uses_the_interpreter_a_shell_wrapper_runs_or_warns_that_it_is_unknown() {
    let db = TestDb::new("gate_wrapper");
    let dep = Deployment::new(&db);
    let python = Command::new("sh")
        .args(["-c", "command -v python3"])
        .output()
        .unwrap();
    let python = String::from_utf8(python.stdout).unwrap().trim().to_string();
    // as recorded (python-shell-wrapper): `#!/bin/sh` + `exec $VENV/bin/python3 $ODOO_SRC/odoo-bin "$@"`
    let wrapper = dep.standins.join("odoo-wrapper");
    write_exec(
        &wrapper,
        &format!(
            "#!/bin/sh\nexec {python} {} \"$@\"\n",
            dep.standins.join("odoo-bin").display()
        ),
    );
    let settings = std::fs::read_to_string(&dep.settings).unwrap();
    let without_python: String = settings
        .lines()
        .filter(|l| !l.starts_with("python_command") && !l.starts_with("odoo_command"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(
        &dep.settings,
        format!(
            "{without_python}odoo_command = [\"{}\"]\n",
            wrapper.display()
        ),
    )
    .unwrap();
    let (_site, url) = good_site();
    let (_, doc, _) = run_json(&mut dep.cmd(&db, &url));
    let ev7 = check(&doc, 7)["evidence"].as_str().unwrap();
    assert!(
        ev7.contains(&format!("named by the wrapper {}", wrapper.display())),
        "{ev7}"
    );
    // a wrapper that names no interpreter, and no Odoo process of this instance: a warning,
    // never "psycopg2 cannot be imported" from some other python3
    write_exec(&wrapper, "#!/bin/sh\nexec odoo \"$@\"\n");
    let (_, doc, _) = run_json(&mut dep.cmd(&db, &url));
    assert_eq!(status(&doc, 7), "warn", "{:#}", check(&doc, 7));
    assert!(findings_with(&doc, "G007").is_empty());
    assert_eq!(findings_with(&doc, "G020").len(), 1);
}

#[test]
fn backups_stale_truncated_and_missing_filestore_are_found_without_touching_the_directory() {
    let db = TestDb::new("gate_backup");
    let dep = Deployment::new(&db);
    let good = dep.backups.join("prod-2025.dump");
    // A truncated copy, newer than the good dump: pg_restore --list must reject it.
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(
        dep.backups.join("prod-2026.dump"),
        &bytes[..bytes.len() / 3],
    )
    .unwrap();
    std::fs::remove_file(dep.backups.join("prod-filestore-2025.tar.gz")).unwrap();
    let listing = |dir: &Path| {
        let mut v: Vec<(String, std::time::SystemTime, u64)> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| {
                let m = e.metadata().unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    m.modified().unwrap(),
                    m.len(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = listing(&dep.backups);
    let (_site, url) = good_site();
    let (code, doc, _) = run_json(&mut dep.cmd(&db, &url));
    assert_eq!(code, 1);
    assert_eq!(status(&doc, 12), "fail");
    let g104 = findings_with(&doc, "G104");
    assert_eq!(g104.len(), 1);
    assert!(g104[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("prod-2026.dump"));
    assert!(
        g104[0]["message"].as_str().unwrap().contains("pg_restore"),
        "{}",
        g104[0]
    );
    assert!(findings_with(&doc, "G012").iter().any(|f| f["message"]
        .as_str()
        .unwrap()
        .contains("no filestore archive")));
    assert_eq!(
        listing(&dep.backups),
        before,
        "the check changed the backup directory"
    );

    // A good dump that is too old (2 days) is stale.
    std::fs::remove_file(dep.backups.join("prod-2026.dump")).unwrap();
    let st = Command::new("touch")
        .args(["-d", "2 days ago"])
        .arg(&good)
        .status()
        .unwrap();
    assert!(st.success());
    let (_, doc, _) = run_json(&mut dep.cmd(&db, &url));
    let g012 = messages(&doc, "G012");
    assert!(
        g012.iter().any(|m| m.contains("old (threshold 26.0 h)")),
        "{g012:?}"
    );
    assert!(findings_with(&doc, "G104").is_empty());

    // BACKUP_DIR beats the file; a missing directory fails.
    let (_, doc, _) = run_json(dep.cmd(&db, &url).env("BACKUP_DIR", dep.root.join("nope")));
    assert!(check(&doc, 12)["hint"]
        .as_str()
        .unwrap()
        .contains("BACKUP_DIR"));
    assert_eq!(
        doc["context"]["backup_dir"],
        dep.root.join("nope").display().to_string()
    );
}

#[test]
fn http_bad_headers_failing_health_and_open_database_manager() {
    let db = TestDb::new("gate_http");
    let dep = Deployment::new(&db);
    let site = server(Site::Bad, None);
    let (code, doc, _) = run_json(&mut dep.cmd(&db, &format!("http://127.0.0.1:{}", site.port)));
    assert_eq!(code, 1);
    assert_eq!(status(&doc, 11), "fail");
    let g011 = messages(&doc, "G011");
    assert!(
        g011.iter().any(|m| m.contains("/web/health answered 500")),
        "{g011:?}"
    );
    assert!(
        g011.iter()
            .any(|m| m.contains("database/manager answers 200")),
        "{g011:?}"
    );
    let g106 = findings_with(&doc, "G106");
    let missing: Vec<&str> = g106
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(missing.iter().any(|m| m.contains("X-Frame-Options")));
    assert!(missing.iter().any(|m| m.contains("X-Content-Type-Options")));
    // plain http: HSTS is not required; CSP is only a warning
    assert!(!missing
        .iter()
        .any(|m| m.contains("Strict-Transport-Security")));
    let csp = g106
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("Content-Security-Policy")
        })
        .unwrap();
    assert_eq!(csp["severity"], "warning");
}

#[test]
fn http_slow_health_times_out() {
    let db = TestDb::new("gate_slow");
    let dep = Deployment::new(&db);
    let text = std::fs::read_to_string(&dep.settings).unwrap();
    std::fs::write(
        &dep.settings,
        text.replace("http_timeout_secs = 2", "http_timeout_secs = 1"),
    )
    .unwrap();
    let site = server(Site::Slow, None);
    let started = Instant::now();
    let (code, doc, _) = run_json(&mut dep.cmd(&db, &format!("http://127.0.0.1:{}", site.port)));
    assert_eq!(code, 1);
    let g011 = findings_with(&doc, "G011");
    assert!(
        g011[0]["message"]
            .as_str()
            .unwrap()
            .contains("/web/health: timed out after 1 s"),
        "{g011:#?}"
    );
    // the slow answer takes 300 s; the whole gate did not wait for it
    assert!(
        started.elapsed() < Duration::from_secs(150),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn https_certificate_trusted_expiring_and_untrusted() {
    let db = TestDb::new("gate_tls");
    let dep = Deployment::new(&db);
    let (long_id, long_cert) = self_signed(&dep.root, 365);
    let (short_id, short_cert) = self_signed(&dep.root, 7);
    let settings = std::fs::read_to_string(&dep.settings).unwrap();
    let with_ca = |ca: &Path| {
        std::fs::write(
            &dep.settings,
            format!("{settings}tls_ca_file = \"{}\"\n", ca.display()),
        )
        .unwrap();
    };
    let long = server(Site::Good, Some(long_id));
    with_ca(&long_cert);
    let (_, doc, _) = run_json(&mut dep.cmd(&db, &format!("https://localhost:{}", long.port)));
    assert_eq!(status(&doc, 11), "pass", "{:#}", check(&doc, 11));
    let ev = check(&doc, 11)["evidence"].as_str().unwrap();
    assert!(ev.contains("certificate valid, expires in 36"), "{ev}");
    assert!(ev.contains("Strict-Transport-Security"), "{ev}");

    let short = server(Site::Good, Some(short_id));
    with_ca(&short_cert);
    let (code, doc, _) = run_json(&mut dep.cmd(&db, &format!("https://localhost:{}", short.port)));
    assert_eq!(code, 1);
    let g105 = findings_with(&doc, "G105");
    // 7 days when the check runs within the second the certificate was made, 6 after.
    let msg = g105[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("expires in 6 day(s) (threshold 14)")
            || msg.contains("expires in 7 day(s) (threshold 14)"),
        "{g105:#?}"
    );

    // Without the CA the self-signed certificate is not trusted.
    std::fs::write(&dep.settings, &settings).unwrap();
    let (_, doc, _) = run_json(&mut dep.cmd(&db, &format!("https://localhost:{}", long.port)));
    let g105 = findings_with(&doc, "G105");
    assert!(
        g105[0]["message"].as_str().unwrap().contains("not valid"),
        "{g105:#?}"
    );
}

#[test]
fn native_process_fallback_and_missing_logrotate_rule_with_stand_in_systemctl() {
    let db = TestDb::new("gate_native");
    let dep = Deployment::new(&db);
    std::fs::remove_file(dep.root.join("logrotate.d/odoo")).unwrap();
    let (_site, url) = good_site();
    // unit inactive and no Odoo process
    let (_, doc, _) = run_json(dep.cmd(&db, &url).env("STANDIN_UNIT_STATE", "inactive"));
    assert_eq!(status(&doc, 2), "fail");
    assert!(findings_with(&doc, "G002")[0]["message"]
        .as_str()
        .unwrap()
        .contains("systemd unit odoo: inactive"));
    assert_eq!(status(&doc, 13), "fail");
    assert!(findings_with(&doc, "G013")[0]["message"]
        .as_str()
        .unwrap()
        .contains("no logrotate rule"));
    // Another instance's Odoo process (the stand-in, sleeping) does not count: only a process
    // serving this odoo.conf or database does. (Other Odoo processes on this machine, if any,
    // serve neither this temporary odoo.conf nor this throwaway database.)
    let other_conf = dep.root.join("other.conf");
    std::fs::write(&other_conf, "[options]\n").unwrap();
    let mut other = Command::new(dep.standins.join("odoo-bin"))
        .args(["--serve", "-c"])
        .arg(&other_conf)
        .args(["-d", "otherdb"])
        .env("STANDIN_LOG_DIR", &dep.root)
        .spawn()
        .unwrap();
    let (_, doc, _) = run_json(dep.cmd(&db, &url).env("STANDIN_UNIT_STATE", "inactive"));
    assert_eq!(status(&doc, 2), "fail", "{:#}", check(&doc, 2));
    let m = findings_with(&doc, "G002")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        m.contains("other instances ignored") && m.contains(&other.id().to_string()),
        "{m}"
    );
    // This instance's process: `-c` naming this odoo.conf (relative to its working directory).
    let mut serving = Command::new(dep.standins.join("odoo-bin"))
        .args(["--serve", "-c", "odoo.conf"])
        .current_dir(&dep.root)
        .env("STANDIN_LOG_DIR", &dep.root)
        .spawn()
        .unwrap();
    let (_, doc, _) = run_json(dep.cmd(&db, &url).env("STANDIN_UNIT_STATE", "inactive"));
    for p in [&mut serving, &mut other] {
        let _ = p.kill();
        let _ = p.wait();
    }
    assert_eq!(status(&doc, 2), "pass", "{:#}", check(&doc, 2));
    let ev2 = check(&doc, 2)["evidence"].as_str().unwrap().to_string();
    assert!(
        ev2.contains(&format!("Odoo process {} (its config is", serving.id())),
        "{ev2}"
    );

    // A log above log_max_size_mb is a warning of check 13.
    std::fs::write(
        dep.root.join("log/odoo.log"),
        vec![b'x'; 2 * 1024 * 1024 + 10],
    )
    .unwrap();
    let settings = std::fs::read_to_string(&dep.settings).unwrap();
    std::fs::write(&dep.settings, format!("{settings}log_max_size_mb = 1\n")).unwrap();
    let (_, doc, _) = run_json(&mut dep.cmd(&db, &url));
    let big = findings_with(&doc, "G013")
        .into_iter()
        .find(|f| f["severity"] == "warning")
        .expect("a size warning");
    assert!(
        big["message"]
            .as_str()
            .unwrap()
            .contains("is 2 MiB (threshold 1 MiB)"),
        "{big}"
    );
}

/// A compose project replayed by the stand-in docker: `ids.txt`, `ps.json` (an array, as
/// Compose printed it before 2.21) and `inspect.json`.
fn compose_project(dep: &Deployment) -> PathBuf {
    let dir = dep.root.join("docker-replay");
    std::fs::create_dir_all(&dir).unwrap();
    let ps = "[{\"Command\":\"\\\"/entrypoint.sh odoo\\\"\",\"CreatedAt\":\"2025-01-10 09:12:01 +0000 UTC\",\"ExitCode\":0,\"Health\":\"healthy\",\"ID\":\"4f1c2a9b7d3e\",\"Image\":\"odoo:18.0\",\"Labels\":\"com.docker.compose.project=prod\",\"LocalVolumes\":\"1\",\"Mounts\":\"prod_odoo-web-data\",\"Name\":\"prod-odoo-1\",\"Names\":\"prod-odoo-1\",\"Networks\":\"prod_default\",\"Ports\":\"0.0.0.0:8069->8069/tcp\",\"Project\":\"prod\",\"Publishers\":[{\"URL\":\"0.0.0.0\",\"TargetPort\":8069,\"PublishedPort\":8069,\"Protocol\":\"tcp\"}],\"RunningFor\":\"2 hours ago\",\"Service\":\"odoo\",\"Size\":\"0B\",\"State\":\"running\",\"Status\":\"Up 2 hours (healthy)\"},\
{\"Command\":\"\\\"docker-entrypoint.s…\\\"\",\"CreatedAt\":\"2025-01-10 09:11:58 +0000 UTC\",\"ExitCode\":0,\"Health\":\"healthy\",\"ID\":\"9a8b7c6d5e4f\",\"Image\":\"postgres:16\",\"Labels\":\"com.docker.compose.project=prod\",\"LocalVolumes\":\"1\",\"Mounts\":\"prod_db-data\",\"Name\":\"prod-db-1\",\"Names\":\"prod-db-1\",\"Networks\":\"prod_default\",\"Ports\":\"5432/tcp\",\"Project\":\"prod\",\"Publishers\":[],\"RunningFor\":\"2 hours ago\",\"Service\":\"db\",\"Size\":\"0B\",\"State\":\"running\",\"Status\":\"Up 2 hours (healthy)\"}]\n";
    std::fs::write(dir.join("ps.json"), ps).unwrap();
    std::fs::write(
        dir.join("ids.txt"),
        "4f1c2a9b7d3e5b8f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b\n9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b\n",
    )
    .unwrap();
    let odoo_log = dep.root.join("odoo-json.log");
    std::fs::write(&odoo_log, "{\"log\":\"x\\n\"}\n").unwrap();
    let inspect = format!(
        r#"[
    {{"Id": "4f1c2a9b7d3e5b8f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b", "Name": "/prod-odoo-1", "RestartCount": 0,
      "State": {{"Status": "running", "Running": true, "Paused": false, "Restarting": false, "OOMKilled": false, "Dead": false, "Pid": 4242, "ExitCode": 0,
                 "Health": {{"Status": "healthy", "FailingStreak": 0, "Log": []}}}},
      "LogPath": "{log}",
      "HostConfig": {{"LogConfig": {{"Type": "json-file", "Config": {{"max-file": "5", "max-size": "50m"}}}}, "RestartPolicy": {{"Name": "unless-stopped", "MaximumRetryCount": 0}}}},
      "Config": {{"Labels": {{"com.docker.compose.project": "prod", "com.docker.compose.service": "odoo", "com.docker.compose.oneoff": "False"}}}}}},
    {{"Id": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b", "Name": "/prod-db-1", "RestartCount": 0,
      "State": {{"Status": "running", "Running": true, "Paused": false, "Restarting": false, "OOMKilled": false, "Dead": false, "Pid": 4100, "ExitCode": 0,
                 "Health": {{"Status": "healthy", "FailingStreak": 0, "Log": []}}}},
      "LogPath": "",
      "HostConfig": {{"LogConfig": {{"Type": "json-file", "Config": {{}}}}, "RestartPolicy": {{"Name": "unless-stopped", "MaximumRetryCount": 0}}}},
      "Config": {{"Labels": {{"com.docker.compose.project": "prod", "com.docker.compose.service": "db", "com.docker.compose.oneoff": "False"}}}}}}
]"#,
        log = odoo_log.display(),
    );
    std::fs::write(dir.join("inspect.json"), inspect).unwrap();
    let compose = dep.root.join("docker-compose.yml");
    std::fs::write(
        &compose,
        "services:\n  odoo:\n    image: odoo:18.0\n    env_file: .env\n    environment:\n      HOST: db\n      USER: ${PGUSER}\n      PASSWORD: ${POSTGRES_PASSWORD}\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n      POSTGRES_USER: odoo\n    logging:\n      driver: json-file\n      options:\n        max-size: 20m\n        max-file: \"3\"\n",
    )
    .unwrap();
    // compose settings: the default Odoo and Python commands go through `docker compose exec`
    std::fs::write(
        &dep.settings,
        "expected_series = \"18.0\"\nlog_dir = \"audit-logs\"\nhttp_timeout_secs = 2\nbackup_dir = \"backups\"\n\
docker_daemon_json = \"daemon.json\"\n",
    )
    .unwrap();
    dir
}

#[test]
fn compose_mode_with_stand_in_docker_commands_when_inspect_fails_and_when_the_engine_is_down() {
    let db = TestDb::new("gate_compose");
    let dep = Deployment::new(&db);
    let replay = compose_project(&dep);
    let (_site, url) = good_site();
    let (code, doc, err) = run_json(dep.cmd(&db, &url).env("STANDIN_DOCKER_DIR", &replay));
    assert_eq!(doc["context"]["mode"], "compose", "{err}");
    assert!(doc["context"]["mode_reason"]
        .as_str()
        .unwrap()
        .contains("docker-compose.yml"));
    for n in [1, 2, 3, 5, 8, 11, 12, 13] {
        assert_eq!(status(&doc, n), "pass", "check {n}: {:#}", check(&doc, n));
    }
    assert_eq!(code, 0, "{:#}", doc["checks"]);
    let docker = dep.recorded("docker");
    let compose = dep.root.join("docker-compose.yml").display().to_string();
    for line in [
        format!("compose -f {compose} ps --all --quiet"),
        "inspect 4f1c2a9b7d3e5b8f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b".to_string(),
        format!("compose -f {compose} exec -T odoo odoo --version"),
    ] {
        assert!(docker.lines().any(|l| l == line), "{line}\n{docker}");
    }
    assert!(
        !docker.contains("--format json"),
        "docker inspect answered: {docker}"
    );

    // `docker inspect` fails: the services come from `docker compose ps --format json`
    // (Compose 2.x), without restart counts and log settings: the odoo service, which has no
    // logging options in the compose file, is not known to be rotated
    let (code, doc, _) = run_json(
        dep.cmd(&db, &url)
            .env("STANDIN_DOCKER_DIR", &replay)
            .env("STANDIN_INSPECT_FAILS", "1"),
    );
    assert_eq!(code, 1, "{:#}", doc["checks"]);
    assert_eq!(status(&doc, 2), "warn");
    assert_eq!(status(&doc, 13), "fail");
    assert!(check(&doc, 13)["evidence"]
        .as_str()
        .unwrap()
        .contains("db: rotated (compose logging options)"));
    let ev2 = check(&doc, 2)["evidence"].as_str().unwrap();
    assert!(
        ev2.contains("odoo: running (healthy, 0 restart(s))")
            && ev2.contains("db: running (healthy"),
        "{ev2}"
    );
    let g002 = findings_with(&doc, "G002");
    assert_eq!(g002.len(), 1, "{g002:?}");
    assert!(g002[0]["message"]
        .as_str()
        .unwrap()
        .contains("permission denied while trying to connect"));
    assert!(dep
        .recorded("docker")
        .contains(&format!("compose -f {compose} ps --all --format json")));

    // engine down
    let (code, doc, _) = run_json(
        dep.cmd(&db, &url)
            .env("STANDIN_DOCKER_DIR", &replay)
            .env("STANDIN_DOCKER_DOWN", "1"),
    );
    assert_eq!(code, 1);
    let g001 = findings_with(&doc, "G001");
    assert!(g001[0]["message"]
        .as_str()
        .unwrap()
        .contains("Cannot connect to the Docker daemon"));
    // --mode native overrides the compose file found: check 1 is skipped
    let (_, doc, _) = run_json(
        dep.cmd(&db, &url)
            .env("STANDIN_DOCKER_DIR", &replay)
            .args(["--mode", "native", "--odoo-command"])
            .arg(dep.standins.join("odoo-bin")),
    );
    assert_eq!(status(&doc, 1), "skip");
    assert_eq!(doc["context"]["mode_reason"], "--mode");
}

#[test]
fn settings_errors_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("s.toml");
    std::fs::write(&f, "backup_max_age = 3\n").unwrap();
    let (code, _, err) = run(bin()
        .current_dir(tmp.path())
        .args(["deploy-check", "--settings"])
        .arg(&f));
    assert_eq!(code, 2);
    assert!(err.contains("backup_max_age"), "{err}");
    let (code, _, err) =
        run(bin()
            .current_dir(tmp.path())
            .args(["deploy-check", "--mode", "compose"]));
    assert_eq!(code, 2);
    assert!(err.contains("compose file"), "{err}");
    let (code, _, _) = run(bin().args(["deploy-check", "--quick", "--full"]));
    assert_eq!(code, 2);
}

/// A truth-sync setup: odoo.conf, settings, the stand-in odoo-bin, against a copy of the real
/// database and a site.
pub(crate) fn truth_sync_setup(root: &Path) {
    write_exec(&root.join("odoo-bin"), ODOO_BIN_STANDIN);
    std::fs::write(root.join("odoo.conf"), "[options]\ndb_name = prod\n").unwrap();
    std::fs::write(
        root.join("odoo-audit.toml"),
        format!(
            "mode = \"native\"\nodoo_command = [\"{}\"]\nodoo_conf = \"odoo.conf\"\nlog_dir = \"logs\"\nslow_command_timeout_secs = 3\n",
            root.join("odoo-bin").display()
        ),
    )
    .unwrap();
}

pub(crate) fn truth_sync(root: &Path, db: &TestDb, url: &str, extra: &[(&str, &str)]) -> Command {
    let mut c = bin();
    c.current_dir(root)
        .env("STANDIN_LOG_DIR", root)
        .envs(replay_env(db))
        .args(["truth-sync", "--db-url", &db.url(), "--base-url", url]);
    for (k, v) in extra {
        c.env(k, v);
    }
    c
}

#[test]
fn truth_sync_dry_run_then_stops_at_the_first_failure_with_stand_in_odoo_bin() {
    let _serial = serial();
    let db = TestDb::new("ts_steps");
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    truth_sync_setup(root);
    let (site, url) = good_site();
    let (code, doc, _) = run_json(truth_sync(root, &db, &url, &[]).arg("--dry-run"));
    assert_eq!(code, 0);
    let steps = doc["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    assert!(steps.iter().all(|s| s["status"] == "dry-run"));
    assert!(steps[0]["command"]
        .as_str()
        .unwrap()
        .ends_with("--stop-after-init -u base"));
    assert!(steps[1]["command"].as_str().unwrap().ends_with("-u all"));
    // the last step builds the bundles by requesting them: --dev=none --stop-after-init
    // builds none, and `none` is no dev mode of Odoo
    assert!(steps[2]["step"]
        .as_str()
        .unwrap()
        .contains("build the asset bundles"));
    assert!(steps[2]["command"].as_str().unwrap().starts_with("GET "));
    assert!(!root.join("odoo-bin.args").exists(), "dry-run ran Odoo");
    assert_eq!(doc["context"]["pending"], "");

    let (code, doc, err) = run_json(&mut truth_sync(root, &db, &url, &[]));
    assert_eq!(code, 0, "{:#} {err}", doc);
    let st: Vec<&str> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(st, ["ok", "ok", "ok: 5 bundle(s) built and served"]);
    assert_eq!(
        std::fs::read_to_string(root.join("odoo-bin.args"))
            .unwrap()
            .lines()
            .count(),
        2
    );
    assert!(site
        .seen
        .lock()
        .unwrap()
        .iter()
        .any(|p| p == "/web/assets/any/web.assets_web.min.js"));
    std::fs::remove_file(root.join("odoo-bin.args")).unwrap();

    // ODOO_DB beats odoo.conf's db_name; the update of all modules fails: the bundles are
    // not requested.
    let (code, doc, _) = run_json(&mut truth_sync(
        root,
        &db,
        &url,
        &[("STANDIN_FAIL_ON", "all"), ("ODOO_DB", &db.name)],
    ));
    assert_eq!(code, 1);
    let st: Vec<&str> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(st, ["ok", "failed", "not run"]);
    let args = std::fs::read_to_string(root.join("odoo-bin.args")).unwrap();
    assert_eq!(args.lines().count(), 2);
    assert!(args.contains(&format!("-d {}", db.name)) && !args.contains("-d prod"));
    let g201 = findings_with(&doc, "G201");
    assert_eq!(g201.len(), 1);
    assert!(g201[0]["hint"]
        .as_str()
        .unwrap()
        .contains("logs/truth-sync-2-update-all-"));
}

// ------------------------------------------- verdicts replayed from recordings of a real Odoo 18

#[test]
fn a_failed_update_quotes_the_parse_error_odoo_names_replayed_from_a_real_odoo() {
    let db = replay_db("v_parse", "update-base-view-error");
    let dep = Deployment::new(&db);
    let (_site, url) = good_site();
    let (code, doc, err) = run_json(replaying(
        dep.cmd(&db, &url).arg("--full"),
        "update-base-view-error",
        "-u base",
    ));
    assert_eq!(code, 1, "{err}");
    assert_eq!(status(&doc, 4), "pass", "{:#}", check(&doc, 4));
    assert_eq!(status(&doc, 10), "fail");
    let g010 = findings_with(&doc, "G010");
    assert_eq!(g010.len(), 1, "{g010:#?}");
    let m = g010[0]["message"].as_str().unwrap();
    assert!(m.contains("exited with 255"), "{m}");
    assert!(
        m.contains("odoo.tools.convert.ParseError: while parsing $ADDONS/helpdesk_mgmt_project/views/helpdesk_ticket_team_view.xml:3"),
        "{m}"
    );
    assert!(m.contains("cannot be located in parent view"), "{m}");
    assert!(
        m.contains("first error logged:") && m.contains("Failed to load registry"),
        "{m}"
    );
    // not the last line of the output
    assert!(!m.contains("Closed 1 connections"), "{m}");
    assert_eq!(
        g010[0]["file"],
        "$ADDONS/helpdesk_mgmt_project/views/helpdesk_ticket_team_view.xml"
    );
    assert_eq!(g010[0]["line"], 3);
    // what the failed run committed anyway is said, as the recording shows it
    let g015 = findings_with(&doc, "G015");
    assert_eq!(g015.len(), 1, "{g015:#?}");
    let m = g015[0]["message"].as_str().unwrap();
    let names = |f: &str| -> std::collections::BTreeSet<String> {
        std::fs::read_to_string(real_case("update-base-view-error").join(f))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect()
    };
    let new_rows = names("states-after.tsv")
        .difference(&names("states-before.tsv"))
        .count();
    assert!(new_rows > 30);
    assert!(
        m.contains("changed 1 module(s): analytic: installed (18.0.1.1 → 18.0.1.2)")
            && m.contains(&format!("listed {new_rows} new module(s)")),
        "{m}"
    );
    assert_eq!(g015[0]["severity"], "warning");
    // the database check is not blamed for the update's error
    assert!(findings_with(&doc, "G004").is_empty());
}

#[test]
fn pending_operations_are_refused_then_applied_on_request_and_reported() {
    // as recorded: helpdesk_mgmt left `to upgrade`
    let db = replay_db("v_pending", "pending-upgrade-stop-after-init");
    let dep = Deployment::new(&db);
    let (_site, url) = good_site();
    let (code, doc, _) = run_json(dep.cmd(&db, &url).arg("--full"));
    assert_eq!(code, 1);
    assert_eq!(status(&doc, 4), "fail");
    assert_eq!(status(&doc, 10), "fail");
    let g014 = findings_with(&doc, "G014");
    assert_eq!(g014.len(), 2, "{g014:#?}");
    let m = g014[0]["message"].as_str().unwrap();
    assert!(m.contains("1 to upgrade (helpdesk_mgmt)"), "{m}");
    let hint = g014[0]["hint"].as_str().unwrap();
    assert!(
        hint.contains(&format!("-d {} --stop-after-init", db.name))
            && hint.contains("--apply-pending"),
        "{hint}"
    );
    // Odoo was never started on the database
    assert!(!dep.recorded("odoo-bin").contains("--stop-after-init"));
    assert_eq!(
        db.scalar("select state::text from ir_module_module where name = 'helpdesk_mgmt'"),
        "to upgrade"
    );
    // Asked for: Odoo applies the upgrade at start (replayed from a real Odoo 18), and the
    // change is reported: check 4 should change nothing, so it is a warning.
    let (code, doc, err) = run_json(replaying(
        dep.cmd(&db, &url).args(["--full", "--apply-pending"]),
        "pending-upgrade-stop-after-init",
        "--stop-after-init",
    ));
    assert_eq!(code, 0, "{:#} {err}", doc["findings"]);
    assert_eq!(status(&doc, 4), "warn");
    let g015 = findings_with(&doc, "G015");
    assert!(
        g015.iter().any(|f| f["severity"] == "warning"
            && f["message"]
                .as_str()
                .unwrap()
                .contains("changed 1 module(s): helpdesk_mgmt: to upgrade → installed")),
        "{g015:#?}"
    );
    assert_eq!(status(&doc, 10), "pass", "{:#}", check(&doc, 10));
}

#[test]
fn an_install_that_succeeds_next_to_a_preexisting_error_is_a_success_replayed_from_a_real_odoo() {
    // as recorded: agreement_legal was left `to install`, its code absent
    let db = replay_db("v_install", "install-with-to-install-module-missing");
    let dep = Deployment::new(&db);
    let parity = dep.root.join("parity.toml");
    std::fs::write(
        &parity,
        "[categories.payment]\ndescription = \"Payment modes\"\nmodules = [\"account_payment_mode\"]\n",
    )
    .unwrap();
    let install = |extra: &[&str]| {
        let mut c = bin();
        c.current_dir(&dep.root)
            .env("STANDIN_LOG_DIR", &dep.root)
            .envs(replay_env(&db))
            .env(
                "ODOO_REPLAY_CASE",
                real_case("install-with-to-install-module-missing"),
            )
            .env("STANDIN_SCENARIO_ON", "-i account_payment_mode")
            .arg("parity")
            .arg("--parity-file")
            .arg(&parity)
            .args(["install", "--settings"])
            .arg(&dep.settings)
            .args(["--db-url", &db.url(), "-c"])
            .arg(&dep.conf)
            .args(extra);
        run_json(&mut c)
    };
    // agreement_legal's pending install would be applied: refused
    let (code, doc, _) = install(&[]);
    assert_eq!(code, 1);
    assert_eq!(doc["steps"][0]["status"], "refused");
    assert!(findings_with(&doc, "G014")[0]["message"]
        .as_str()
        .unwrap()
        .contains("1 to install (agreement_legal)"));
    let (code, doc, err) = install(&["--apply-pending"]);
    assert_eq!(code, 0, "{:#} {err}", doc["findings"]);
    assert_eq!(doc["steps"][0]["status"], "installed");
    assert!(
        findings_with(&doc, "Y015").is_empty(),
        "{:#}",
        doc["findings"]
    );
    // the error Odoo logged is reported for its module, as pre-existing
    let g017 = findings_with(&doc, "G017");
    assert_eq!(g017.len(), 1, "{g017:#?}");
    assert_eq!(g017[0]["module"], "agreement_legal");
    assert_eq!(g017[0]["severity"], "warning");
    assert!(g017[0]["message"]
        .as_str()
        .unwrap()
        .contains("pre-existing problem"));
    let g015 = findings_with(&doc, "G015");
    assert!(g015.iter().any(|f| f["severity"] == "info"
        && f["message"]
            .as_str()
            .unwrap()
            .contains("account_payment_mode: uninstalled → installed (- → 18.0.1.0.2)")));
}

#[test]
fn a_module_missing_from_disk_is_that_modules_finding_not_the_database_checks() {
    // as recorded: agreement_legal installed (and absent from the addons path)
    let db = replay_db("v_missing", "install-with-installed-module-missing");
    let dep = Deployment::new(&db);
    let (_site, url) = good_site();
    // Odoo starting on the database logs `Some modules are not loaded…: ['agreement_legal']`
    // (recorded with agreement_legal installed and absent from the path), and exits 0.
    let (code, doc, err) = run_json(replaying(
        dep.cmd(&db, &url).arg("--full"),
        "install-with-installed-module-missing",
        "--stop-after-init",
    ));
    assert_eq!(status(&doc, 4), "warn", "{:#} {err}", check(&doc, 4));
    assert!(
        findings_with(&doc, "G004").is_empty(),
        "{:#}",
        doc["findings"]
    );
    let g017: Vec<&Value> = findings_with(&doc, "G017")
        .into_iter()
        .filter(|f| f["message"].as_str().unwrap().starts_with("check 4"))
        .collect();
    assert_eq!(g017.len(), 1, "{g017:#?}");
    assert_eq!(g017[0]["module"], "agreement_legal");
    assert!(!g017[0]["message"]
        .as_str()
        .unwrap()
        .contains("pre-existing"));
    assert!(!g017[0]["hint"].as_str().unwrap().contains("db_host"));
    assert_eq!(code, 0);
}

/// truth-sync on a copy of the database in the states a recorded `-u all` (`case`) started
/// from, the stand-in Odoo replaying that run (with `extra` environment): the database and the
/// JSON report; the run exits 1.
fn replayed_update_all(test: &str, case: &str, extra: &[(&str, &str)]) -> (TestDb, Value) {
    let _serial = serial();
    let db = replay_db(test, case);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    truth_sync_setup(root);
    let (_site, url) = good_site();
    let replay = real_case(case);
    let mut env = vec![
        ("ODOO_REPLAY_CASE", replay.to_str().unwrap()),
        ("STANDIN_SCENARIO_ON", "-u all"),
    ];
    env.extend_from_slice(extra);
    let (code, doc, err) = run_json(&mut truth_sync(root, &db, &url, &env));
    assert_eq!(code, 1, "{err}");
    (db, doc)
}

#[test]
fn an_interrupted_update_all_is_reported_half_done_replayed_from_a_real_odoo() {
    // -u all stopped by SIGTERM: Odoo dies of SIGINT, 88 modules left `to upgrade`
    let (db, doc) = replayed_update_all("v_sigterm", "update-all-sigterm", &[]);
    let st: Vec<&str> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(st, ["ok", "failed", "not run"]);
    let g201 = findings_with(&doc, "G201");
    assert_eq!(g201.len(), 1, "{g201:#?}");
    let m = g201[0]["message"].as_str().unwrap();
    assert!(
        m.contains("was killed by a signal") && m.contains("KeyboardInterrupt"),
        "{m}"
    );
    let g016 = findings_with(&doc, "G016");
    assert_eq!(g016.len(), 1, "{:#}", doc["findings"]);
    let m = g016[0]["message"].as_str().unwrap();
    assert!(
        m.contains("it left 88 module(s) pending (88 to upgrade"),
        "{m}"
    );
    assert_eq!(
        db.scalar("select count(*)::text from ir_module_module where state = 'to upgrade'"),
        "88"
    );
}

#[test]
fn a_manifest_odoo_cannot_load_fails_checks_6_9_and_11_replayed_from_a_real_odoo() {
    let db = TestDb::new("v_manifest");
    let dep = Deployment::new(&db);
    // the recorded case: agreement_legal (uninstalled) with a `[[` syntax error in its manifest
    let (_tmp, addons) = corpus_copy(&["agreement_legal", "web_responsive"]);
    let manifest = addons.join("agreement_legal/__manifest__.py");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replacen("\"depends\": [", "\"depends\": [[", 1),
    )
    .unwrap();
    std::fs::write(&dep.conf, good_conf(&dep.root, &addons)).unwrap();
    let site = server(Site::Replay("http-manifest-syntax-error-uninstalled"), None);
    let url = format!("http://127.0.0.1:{}", site.port);
    let (code, doc, err) = run_json(&mut dep.cmd(&db, &url));
    assert_eq!(code, 1, "{err}");
    assert_eq!(status(&doc, 6), "fail");
    let g018 = findings_with(&doc, "G018");
    assert_eq!(g018.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(g018[0]["module"], "agreement_legal");
    assert!(g018[0]["message"]
        .as_str()
        .unwrap()
        .contains("the site is down"));
    assert!(g018[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("agreement_legal/__manifest__.py"));
    // /web/health and /web/login say "up"; every bundle and static file answers 500
    assert_eq!(status(&doc, 9), "fail");
    assert_eq!(status(&doc, 11), "fail");
    let g019 = messages(&doc, "G019");
    assert!(
        g019.iter()
            .any(|m| m.contains("/web/static/img/favicon.ico answered 500")),
        "{g019:?}"
    );
    let g009 = messages(&doc, "G009");
    assert!(
        g009.iter()
            .any(|m| m.contains("/web/assets/any/web.assets_web.min.js answered 500")),
        "{g009:?}"
    );
    assert!(
        g009.iter()
            .any(|m| m.contains("web.assets_frontend.min.css answered 500")),
        "{g009:?}"
    );
    let ev11 = check(&doc, 11)["evidence"].as_str().unwrap();
    assert!(
        ev11.contains("/web/health: 200") && ev11.contains("/web/login: 200"),
        "{ev11}"
    );
    // a 500 from the database manager is an error, not a block
    assert!(
        ev11.contains("/web/database/manager: 500 (error)"),
        "{ev11}"
    );
    assert!(findings_with(&doc, "G011").iter().any(|f| f["message"]
        .as_str()
        .unwrap()
        .contains("a server error, not a block")));
}

#[test]
fn bundles_with_errors_inside_fail_check_9_and_a_healthy_odoo_passes_replayed_from_a_real_odoo() {
    let db = TestDb::new("v_assets");
    let dep = Deployment::new(&db);
    let site = server(Site::Replay("http-asset-errors"), None);
    let url = format!("http://127.0.0.1:{}", site.port);
    let (code, doc, _) = run_json(&mut dep.cmd(&db, &url));
    assert_eq!(code, 1);
    assert_eq!(status(&doc, 9), "fail");
    assert_eq!(status(&doc, 11), "pass", "{:#}", check(&doc, 11));
    let g009 = messages(&doc, "G009");
    assert!(g009.iter().any(|m| m.contains("web.assets_web.min.js holds an error Odoo wrote into it: throw new Error(\"'Invalid XML template")), "{g009:?}");
    assert!(
        g009.iter()
            .any(|m| m.contains("web.assets_web.min.css holds an error") && m.contains("css")),
        "{g009:?}"
    );
    // The healthy recording: every check of the site passes; the database manager answers
    // 200 with Odoo's "disabled" page, which is blocked.
    let site = server(Site::Replay("http-healthy"), None);
    let url = format!("http://127.0.0.1:{}", site.port);
    let (code, doc, err) = run_json(&mut dep.cmd(&db, &url));
    assert_eq!(code, 0, "{:#} {err}", doc["findings"]);
    assert_eq!(status(&doc, 9), "pass");
    let ev11 = check(&doc, 11)["evidence"].as_str().unwrap();
    assert!(
        ev11.contains("/web/database/manager: 200 (blocked)"),
        "{ev11}"
    );
    // a registry that does not load: every URL 500, /web/health included
    let site = server(Site::Replay("http-manifest-syntax-error-installed"), None);
    let url = format!("http://127.0.0.1:{}", site.port);
    let (code, doc, _) = run_json(&mut dep.cmd(&db, &url));
    assert_eq!(code, 1);
    assert_eq!(status(&doc, 9), "fail");
    assert!(findings_with(&doc, "G011").iter().any(|f| f["message"]
        .as_str()
        .unwrap()
        .contains("/web/health answered 500")));
}

#[test]
fn an_update_killed_at_its_time_limit_is_reported_half_done_replayed_from_a_real_odoo() {
    // the recorded states of a -u all killed after 25 s; the replay then waits until
    // odoo-audit kills it at slow_command_timeout_secs (3 s here)
    let (db, doc) = replayed_update_all(
        "v_sigkill",
        "update-all-sigkill",
        &[("ODOO_REPLAY_HANG", "1")],
    );
    let m = messages(&doc, "G201").join("\n");
    assert!(m.contains("timed out after 3 s and was killed"), "{m}");
    let g016 = messages(&doc, "G016");
    assert_eq!(g016.len(), 1, "{:#}", doc["findings"]);
    let left = db.scalar("select count(*)::text from ir_module_module where state = 'to upgrade'");
    assert!(
        g016[0].contains(&format!(
            "it left {left} module(s) pending ({left} to upgrade"
        )),
        "{g016:?}"
    );
    assert!(
        g016[0].contains("the next start of Odoo resumes it"),
        "{g016:?}"
    );
}

/// Check 4 failed with one G004 error: that finding.
fn check_4_failure(doc: &Value) -> &Value {
    assert_eq!(status(doc, 4), "fail", "{:#}", check(doc, 4));
    let g004 = findings_with(doc, "G004");
    assert_eq!(g004.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(g004[0]["severity"], "error");
    g004[0]
}

#[test]
fn a_database_that_refuses_the_connection_fails_check_4_without_showing_the_password() {
    let db = TestDb::new("g4_refused");
    let dep = Deployment::new(&db);
    let (_site, url) = good_site();
    // The password was rotated on the server but not in the deployment's settings.
    let pg = pg();
    let wrong = "Rotated-Pw-4711";
    let db_url = format!(
        "postgres://odoo:{wrong}@{}:{}/{}?sslmode=disable",
        pg.host, pg.port, db.name
    );
    let (code, doc, err) = run_json(&mut dep.cmd_url(&db, &db_url, &url));
    assert_eq!(code, 1, "{err}");
    let g004 = check_4_failure(&doc);
    let m = g004["message"].as_str().unwrap();
    assert!(
        m.contains("password authentication failed") && m.contains(&db.name),
        "{m}"
    );
    assert!(g004["hint"].as_str().unwrap().contains("db_password"));
    assert_eq!(doc["summary"]["result"], "no-go");
    let (_, text, err) = run(&mut dep.cmd_url(&db, &db_url, &url));
    assert!(!text.contains(wrong) && !err.contains(wrong), "{text}{err}");
}

#[test]
fn odoo_failing_to_reach_its_database_fails_check_4_replayed_from_a_real_odoo() {
    let db = TestDb::new("g4_odoo");
    let dep = Deployment::new(&db);
    let (_site, url) = good_site();
    // The audit reaches the database; Odoo, started with its own settings, does not.
    let (code, doc, err) = run_json(replaying(
        dep.cmd(&db, &url).arg("--full"),
        "start-db-unreachable",
        "--stop-after-init",
    ));
    assert_eq!(code, 1, "{err}");
    let g004 = check_4_failure(&doc);
    let m = g004["message"].as_str().unwrap();
    assert!(m.contains("exited with 1"), "{m}");
    assert!(
        m.contains("psycopg2.OperationalError: connection to server at \"127.0.0.1\", port 54399 failed: Connection refused"),
        "{m}"
    );
}
