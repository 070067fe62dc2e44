//! The database layer, the only code that talks to PostgreSQL: one session per run (this file:
//! connecting, running a query, reading rows defensively) and typed loaders over the queries in
//! `sql/` (`loaders.rs`). Every query runs in its own `READ ONLY` transaction with `SET LOCAL
//! statement_timeout` (see [`session`]); the session defaults (`default_transaction_read_only=on`,
//! `statement_timeout`) are a second wall, and every wait for the server is bounded here too.
//! Rows are decoded defensively ([`decode`]). The number of queries does not depend on the
//! number of modules.

pub mod conn;
pub mod decode;
mod loaders;
mod session;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use postgres::Row;

pub use conn::{ConnSpec, SslMode};
pub use loaders::{
    series_from_modules, sql, ChecksumParams, DanglingMenu, DbClientAction, DbDependency, DbModule,
    DbView, OrphanXmlId, ParityCounts, RestoreCounts,
};
pub use session::{Failure, Session, Tls};

use crate::exit::Fatal;
use crate::finding::Finding;
use crate::rules::db as rules;

/// Session limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connect_timeout: Duration,
    pub statement_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connect_timeout: Duration::from_secs(10),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// Findings about the session itself (superuser role, rows left out), collected by the layer
/// and added to the report of whichever command opened the session.
pub type Notes = Arc<Mutex<Vec<Finding>>>;

/// An open, read-only session on an Odoo database. Every query runs through
/// [`session::Session::read_only`].
pub struct Database {
    session: Session,
    pub spec: ConnSpec,
    pub name: String,
    pub server_version: String,
    /// The role the session runs as, and whether it is a superuser.
    pub role: String,
    pub superuser: bool,
    /// Time the connection took.
    pub connect_time: Duration,
    queries: usize,
    notes: Notes,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("spec", &self.spec)
            .field("name", &self.name)
            .finish()
    }
}

/// The TLS connector of `spec`, with libpq's rules: a root certificate file (`sslrootcert`,
/// else `~/.postgresql/root.crt`) that exists makes `require` verify the chain too, as
/// `verify-ca` does; the verify modes without one fail (`sslrootcert=system`: the system's
/// roots). A client certificate (`sslcert`, else `~/.postgresql/postgresql.crt`) that exists
/// is sent with its key (`sslkey`, else `~/.postgresql/postgresql.key`; PKCS#8 PEM, not
/// readable by group or others).
fn tls_connector(spec: &ConnSpec) -> Result<postgres_native_tls::MakeTlsConnector, Fatal> {
    let mode = spec.effective_sslmode();
    let mut b = native_tls::TlsConnector::builder();
    let shown = |p: &std::path::Path| conn::escape_controls(&p.display().to_string());
    let system_roots = spec.system_roots();
    if system_roots && mode != SslMode::VerifyFull {
        return Err(Fatal::usage(format!(
            "weak sslmode \"{}\" may not be used with sslrootcert=system (use \"verify-full\")",
            mode.as_str()
        )));
    }
    let root = spec
        .sslrootcert
        .as_ref()
        .filter(|r| !system_roots && r.exists());
    let verify = match mode {
        SslMode::VerifyCa | SslMode::VerifyFull => true,
        SslMode::Require => root.is_some(),
        SslMode::Allow | SslMode::Prefer | SslMode::Disable => false,
    };
    if !verify {
        // libpq's require/prefer/allow (without a root certificate file) encrypt without
        // verifying the server.
        b.danger_accept_invalid_certs(true);
        b.danger_accept_invalid_hostnames(true);
    } else if mode != SslMode::VerifyFull {
        // verify-ca checks the chain but not the host name.
        b.danger_accept_invalid_hostnames(true);
    }
    if verify && root.is_none() && !system_roots {
        let file = spec
            .sslrootcert
            .as_deref()
            .map(shown)
            .unwrap_or_else(|| "~/.postgresql/root.crt".into());
        return Err(Fatal::database(format!(
            "cannot connect to {}: root certificate file \"{file}\" does not exist; either provide the file, use the system's trusted roots with sslrootcert=system, or change sslmode to disable server certificate verification",
            spec.describe()
        )));
    }
    if let Some(root) = root {
        let pem = std::fs::read(root)
            .map_err(|e| Fatal::usage(format!("sslrootcert {}: cannot read: {e}", shown(root))))?;
        let cert = native_tls::Certificate::from_pem(&pem).map_err(|e| {
            Fatal::usage(format!(
                "sslrootcert {}: not a PEM certificate: {e}",
                shown(root)
            ))
        })?;
        b.add_root_certificate(cert);
    }
    if let Some(identity) = client_identity(spec)? {
        b.identity(identity);
    }
    let connector = b.build().map_err(|e| {
        Fatal::database(format!(
            "cannot set up TLS: {}",
            conn::sanitize(&e.to_string(), spec)
        ))
    })?;
    Ok(postgres_native_tls::MakeTlsConnector::new(connector))
}

/// The client certificate of `spec` and its key, when the certificate file exists (libpq
/// goes on without one otherwise). The key's text is never shown.
fn client_identity(spec: &ConnSpec) -> Result<Option<native_tls::Identity>, Fatal> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let Some(cert_file) = spec.sslcert.as_ref().filter(|c| c.exists()) else {
        return Ok(None);
    };
    let shown = |p: &std::path::Path| conn::escape_controls(&p.display().to_string());
    let cert = std::fs::read(cert_file).map_err(|e| {
        Fatal::usage(format!(
            "could not open certificate file \"{}\": {e}",
            shown(cert_file)
        ))
    })?;
    let Some(key_file) = spec.sslkey.as_ref().filter(|k| k.exists()) else {
        return Err(Fatal::usage(format!(
            "certificate present, but not private key file \"{}\"",
            spec.sslkey.as_deref().map(shown).unwrap_or_default()
        )));
    };
    let meta = std::fs::metadata(key_file).map_err(|e| {
        Fatal::usage(format!(
            "could not access private key file \"{}\": {e}",
            shown(key_file)
        ))
    })?;
    if !meta.is_file() {
        return Err(Fatal::usage(format!(
            "private key file \"{}\" is not a regular file",
            shown(key_file)
        )));
    }
    let mode = meta.permissions().mode();
    let loose = if meta.uid() == 0 {
        mode & 0o137 != 0
    } else {
        mode & 0o077 != 0
    };
    if loose {
        return Err(Fatal::usage(format!(
            "private key file \"{}\" has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root",
            shown(key_file)
        )));
    }
    let key = std::fs::read(key_file).map_err(|e| {
        Fatal::usage(format!(
            "could not open private key file \"{}\": {e}",
            shown(key_file)
        ))
    })?;
    let identity = native_tls::Identity::from_pkcs8(&cert, &key).map_err(|_| {
        Fatal::usage(format!(
            "certificate \"{}\" and private key \"{}\": not a PEM certificate and a PKCS#8 PEM key that belong together (convert a key with `openssl pkcs8 -topk8 -nocrypt`)",
            shown(cert_file),
            shown(key_file)
        ))
    })?;
    Ok(Some(identity))
}

/// The text of a driver or server error, without secrets or control characters.
fn error_text(spec: &ConnSpec, e: &postgres::Error) -> String {
    let msg = if let Some(db) = e.as_db_error() {
        db.message().to_string()
    } else if let Some(src) = std::error::Error::source(e) {
        format!("{e}: {src}")
    } else {
        e.to_string()
    };
    conn::sanitize(&msg, spec)
}

/// Whole seconds, for messages.
fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs_f64().ceil() as u64)
}

/// The client configuration of `spec` within `limits`, and its TLS connector: the connect
/// timeout, keepalives, a TCP user timeout, the session's statement timeout, and (when
/// `read_only`) read-only transactions by default.
pub fn client_config(
    spec: &ConnSpec,
    limits: &Limits,
    read_only: bool,
) -> Result<(postgres::Config, Tls, Duration), Fatal> {
    let connect_timeout = spec.connect_timeout.unwrap_or(limits.connect_timeout);
    let mut cfg = postgres::Config::new();
    if let Some(h) = &spec.host {
        cfg.host(h);
    } else {
        cfg.host(conn::DEFAULT_SOCKET_DIR);
    }
    cfg.port(spec.port.unwrap_or(5432));
    let user = spec
        .user
        .clone()
        .unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "postgres".into()));
    cfg.user(&user);
    if let Some(p) = &spec.password {
        cfg.password(p.as_bytes());
    }
    if let Some(d) = &spec.dbname {
        cfg.dbname(d);
    }
    cfg.application_name("odoo-audit");
    cfg.connect_timeout(connect_timeout);
    // A server that dies mid-run: the kernel notices within about a minute.
    cfg.keepalives(true);
    cfg.keepalives_idle(Duration::from_secs(15));
    cfg.keepalives_interval(Duration::from_secs(5));
    cfg.keepalives_retries(3);
    cfg.tcp_user_timeout(limits.statement_timeout + connect_timeout);
    // The session defaults are a second wall: each query also runs in its own read-only
    // transaction with its own statement_timeout.
    cfg.options(&format!(
        "{}-c statement_timeout={} -c idle_in_transaction_session_timeout={}",
        if read_only {
            "-c default_transaction_read_only=on "
        } else {
            ""
        },
        limits.statement_timeout.as_millis(),
        limits.statement_timeout.as_millis().max(1000)
    ));
    // libpq ignores the TLS settings on a Unix socket.
    let mode = if spec.is_unix_socket() {
        SslMode::Disable
    } else {
        spec.effective_sslmode()
    };
    cfg.ssl_mode(match mode {
        SslMode::Disable => postgres::config::SslMode::Disable,
        SslMode::Allow | SslMode::Prefer => postgres::config::SslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            postgres::config::SslMode::Require
        }
    });
    let tls = if mode == SslMode::Disable {
        Tls::None
    } else {
        Tls::Native(tls_connector(spec)?)
    };
    Ok((cfg, tls, connect_timeout))
}

/// Opens a session on `spec` within `limits` (read-only by default when `read_only`), the
/// startup bounded by the connect timeout; the error names the server, never its password.
pub fn open_session(spec: &ConnSpec, limits: &Limits, read_only: bool) -> Result<Session, Fatal> {
    let (cfg, tls, connect_timeout) = client_config(spec, limits, read_only)?;
    Session::open(cfg, tls, connect_timeout, limits.statement_timeout).map_err(|f| {
        let why = match f {
            Failure::Server(e) => error_text(spec, &e),
            Failure::NoAnswer(d) => format!(
                "no answer within {} (connect timeout; the server accepted the connection but did not complete the startup)",
                secs(d)
            ),
            Failure::Gone => "the connection ended during the startup".into(),
        };
        let ignored = match &spec.ignored_passfile {
            Some(w) => format!(" (WARNING: {w})"),
            None => String::new(),
        };
        Fatal::database(format!(
            "cannot connect to {}: {why}{ignored}",
            spec.describe()
        ))
    })
}

/// Why a call on a session of `spec` failed, for a message (sanitized).
pub fn failure_text(spec: &ConnSpec, f: Failure) -> String {
    match f {
        Failure::Server(e) => error_text(spec, &e),
        Failure::NoAnswer(d) => format!(
            "no answer from the server within {} (statement timeout plus connect timeout); the connection was abandoned",
            secs(d)
        ),
        Failure::Gone => "the connection is gone (an earlier query got no answer)".into(),
    }
}

impl Database {
    /// Opens a read-only session and checks that the database is an Odoo database. The whole
    /// startup is bounded by the connect timeout, every query by the statement timeout (on
    /// the server) and by the statement timeout plus the connect timeout (here).
    pub fn connect(spec: ConnSpec, limits: Limits) -> Result<Database, Fatal> {
        let started = Instant::now();
        let session = open_session(&spec, &limits, true)?;
        let connect_time = started.elapsed();
        let mut db = Database {
            session,
            spec,
            name: String::new(),
            server_version: String::new(),
            role: String::new(),
            superuser: false,
            connect_time,
            queries: 0,
            notes: Notes::default(),
        };
        let row = db.query_one(sql::IS_ODOO)?;
        let read = |c: &str| decode::text(&row, c).ok().flatten().unwrap_or_default();
        db.name = read("database");
        db.server_version = read("server_version");
        db.role = read("role");
        db.superuser = decode::flag(&row, "superuser", false).unwrap_or(false);
        if !decode::flag(&row, "is_odoo", false).unwrap_or(false) {
            return Err(Fatal::database(format!(
                "{} is not an Odoo database (it has no ir_module_module table)",
                db.spec.describe()
            )));
        }
        if let Some(w) = db.spec.ignored_passfile.clone() {
            db.note(
                Finding::new(&rules::LOOSE_PASSWORD_FILE, format!("WARNING: {w}"))
                    .hint("chmod 0600 the file, as libpq requires"),
            );
        }
        if db.superuser {
            db.note(
                Finding::new(
                    &rules::SUPERUSER_SESSION,
                    format!(
                        "connected to {} as `{}`, a superuser; SELECT on the tables the audit reads is enough",
                        db.spec.describe(),
                        conn::escape_controls(&db.role)
                    ),
                )
                .hint("connect with a read-only role (README: Least-privilege role)"),
            );
        }
        Ok(db)
    }

    /// How many queries this session ran.
    pub fn query_count(&self) -> usize {
        self.queries
    }

    /// The findings about this session, shared with whoever reports them.
    pub fn notes(&self) -> Notes {
        self.notes.clone()
    }

    fn note(&self, f: Finding) {
        if let Ok(mut n) = self.notes.lock() {
            n.push(f);
        }
    }

    fn failure(&self, f: Failure) -> Fatal {
        Fatal::database(format!(
            "query on {} failed: {}",
            self.spec.describe(),
            failure_text(&self.spec, f)
        ))
    }

    /// Runs one query in its own read-only, time-limited transaction.
    pub fn query(&mut self, sql: &'static str) -> Result<Vec<Row>, Fatal> {
        self.queries += 1;
        self.session
            .read_only(move |c| c.query(sql, &[]))
            .map_err(|f| self.failure(f))
    }

    pub fn query_one(&mut self, sql: &'static str) -> Result<Row, Fatal> {
        self.queries += 1;
        self.session
            .read_only(move |c| c.query_one(sql, &[]))
            .map_err(|f| self.failure(f))
    }

    /// Runs statements the way every query runs (read-only transaction, time limits); used by
    /// tests to prove that the session refuses writes and ends slow statements.
    pub fn execute_raw(&mut self, sql: &str) -> Result<(), String> {
        let sql = sql.to_string();
        self.session
            .read_only(move |c| c.batch_execute(&sql))
            .map_err(|f| self.failure(f).message)
    }

    /// Runs `sql` and reads each row with `read`; rows that cannot be read are left out and
    /// reported (one finding per table, column and problem).
    pub(super) fn load<T>(
        &mut self,
        sql: &'static str,
        table: &str,
        read: impl Fn(&Row) -> Result<T, decode::Problem>,
    ) -> Result<Vec<T>, Fatal> {
        let rows = self.query(sql)?;
        let mut out = Vec::with_capacity(rows.len());
        let mut bad: BTreeMap<decode::Problem, (usize, Vec<i64>)> = BTreeMap::new();
        for r in &rows {
            match read(r) {
                Ok(v) => out.push(v),
                Err(p) => {
                    let e = bad.entry(p).or_default();
                    e.0 += 1;
                    if let Some(id) = decode::int(r, "id").ok().flatten() {
                        if e.1.len() < 5 {
                            e.1.push(id);
                        }
                    }
                }
            }
        }
        for (p, (n, ids)) in bad {
            let ids = if ids.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(
                    " (id {}{})",
                    list.join(", "),
                    if n > ids.len() { ", …" } else { "" }
                )
            };
            self.note(
                Finding::new(
                    &rules::UNREADABLE_ROWS,
                    format!(
                        "{table}: {n} row{} left out{ids}: column `{}` {}",
                        if n == 1 { "" } else { "s" },
                        conn::escape_controls(&p.column),
                        p.describe()
                    ),
                )
                .key(format!("{table}.{}", p.column)),
            );
        }
        Ok(out)
    }
}
