//! The database layer: one read-only, time-limited session per run, and typed loaders over the
//! queries in `sql/` (embedded at build time). Every session sets
//! `default_transaction_read_only=on` and a `statement_timeout` in its startup options, so a
//! write is refused by the server itself. The number of queries does not depend on the number
//! of modules.

pub mod conn;

use std::time::{Duration, Instant};

use postgres::{Client, NoTls, Row};

pub use conn::{ConnSpec, SslMode};

use crate::exit::Fatal;
use crate::version::Series;

/// The queries, embedded from `sql/`.
pub mod sql {
    pub const IS_ODOO: &str = include_str!("../../sql/is_odoo.sql");
    pub const MODULES: &str = include_str!("../../sql/modules.sql");
    pub const DEPENDENCIES: &str = include_str!("../../sql/dependencies.sql");
    pub const DANGLING_MENUS: &str = include_str!("../../sql/dangling_menus.sql");
    pub const ORPHAN_XMLIDS: &str = include_str!("../../sql/orphan_xmlids.sql");
    pub const PARITY_COUNTS: &str = include_str!("../../sql/parity_counts.sql");
    pub const CLIENT_ACTIONS: &str = include_str!("../../sql/client_actions.sql");
}

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

/// A module row of `ir_module_module`.
#[derive(Debug, Clone, PartialEq)]
pub struct DbModule {
    pub name: String,
    pub state: String,
    pub latest_version: Option<String>,
    pub display_name: Option<String>,
    pub category: Option<String>,
    pub author: Option<String>,
    pub website: Option<String>,
    pub license: Option<String>,
    pub auto_install: bool,
    pub application: bool,
}

impl DbModule {
    /// OCA modules: website or author naming the OCA.
    pub fn is_oca(&self) -> bool {
        let w = self.website.as_deref().unwrap_or("").to_ascii_lowercase();
        let a = self.author.as_deref().unwrap_or("");
        w.contains("github.com/oca")
            || a.contains("Odoo Community Association")
            || a.contains("OCA")
    }
}

/// A dependency row of `ir_module_module_dependency`.
#[derive(Debug, Clone, PartialEq)]
pub struct DbDependency {
    pub module: String,
    pub module_state: String,
    pub dependency: String,
    /// `None` when the database has no module of that name.
    pub dependency_state: Option<String>,
}

/// A menu whose action no longer exists.
#[derive(Debug, Clone, PartialEq)]
pub struct DanglingMenu {
    pub id: i32,
    pub name: Option<String>,
    pub action: String,
    pub active: bool,
    pub xmlid: Option<String>,
}

/// An XML id whose record no longer exists.
#[derive(Debug, Clone, PartialEq)]
pub struct OrphanXmlId {
    pub module: String,
    pub name: String,
    pub model: String,
    pub res_id: Option<i32>,
}

/// A row of `ir_act_client` with its owner and the menus that open it.
#[derive(Debug, Clone, PartialEq)]
pub struct DbClientAction {
    pub id: i32,
    pub tag: String,
    pub name: Option<String>,
    /// Module of the action's XML id; `None` for actions created in the UI.
    pub module: Option<String>,
    pub xmlid: Option<String>,
    /// State of that module in `ir_module_module`.
    pub module_state: Option<String>,
    /// Active menus opening the action, as `Name (id N, module.xmlid)`.
    pub menus: Vec<String>,
}

/// An open, read-only session on an Odoo database.
pub struct Database {
    client: Client,
    pub spec: ConnSpec,
    pub name: String,
    pub server_version: String,
    /// Time the connection took.
    pub connect_time: Duration,
    queries: usize,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("spec", &self.spec)
            .field("name", &self.name)
            .finish()
    }
}

fn tls_connector(spec: &ConnSpec) -> Result<postgres_native_tls::MakeTlsConnector, Fatal> {
    let mode = spec.sslmode.unwrap_or(SslMode::Prefer);
    let mut b = native_tls::TlsConnector::builder();
    match mode {
        // libpq's require/prefer/allow encrypt without verifying the server.
        SslMode::Allow | SslMode::Prefer | SslMode::Require | SslMode::Disable => {
            b.danger_accept_invalid_certs(true);
            b.danger_accept_invalid_hostnames(true);
        }
        // verify-ca checks the chain but not the host name.
        SslMode::VerifyCa => {
            b.danger_accept_invalid_hostnames(true);
        }
        SslMode::VerifyFull => {}
    }
    if let Some(root) = &spec.sslrootcert {
        let pem = std::fs::read(root).map_err(|e| {
            Fatal::usage(format!("sslrootcert {}: cannot read: {e}", root.display()))
        })?;
        let cert = native_tls::Certificate::from_pem(&pem).map_err(|e| {
            Fatal::usage(format!(
                "sslrootcert {}: not a PEM certificate: {e}",
                root.display()
            ))
        })?;
        b.add_root_certificate(cert);
    }
    let connector = b
        .build()
        .map_err(|e| Fatal::database(format!("cannot set up TLS: {e}")))?;
    Ok(postgres_native_tls::MakeTlsConnector::new(connector))
}

/// One line for a connection error, without secrets.
fn connect_error(spec: &ConnSpec, e: &postgres::Error) -> Fatal {
    let mut msg = e.to_string();
    if let Some(db) = e.as_db_error() {
        msg = db.message().to_string();
    } else if let Some(src) = std::error::Error::source(e) {
        msg = format!("{msg}: {src}");
    }
    if let Some(p) = &spec.password {
        if !p.is_empty() {
            msg = msg.replace(p.as_str(), "<redacted>");
        }
    }
    let msg = msg.replace('\n', " ");
    Fatal::database(format!("cannot connect to {}: {msg}", spec.describe()))
}

impl Database {
    /// Opens a read-only session and checks that the database is an Odoo database.
    pub fn connect(spec: ConnSpec, limits: Limits) -> Result<Database, Fatal> {
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
        cfg.connect_timeout(spec.connect_timeout.unwrap_or(limits.connect_timeout));
        cfg.options(&format!(
            "-c default_transaction_read_only=on -c statement_timeout={} -c idle_in_transaction_session_timeout={}",
            limits.statement_timeout.as_millis(),
            limits.statement_timeout.as_millis().max(1000)
        ));
        let mode = spec.sslmode.unwrap_or(SslMode::Prefer);
        cfg.ssl_mode(match mode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Allow | SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                postgres::config::SslMode::Require
            }
        });
        let started = Instant::now();
        let client = if mode == SslMode::Disable {
            cfg.connect(NoTls)
        } else {
            cfg.connect(tls_connector(&spec)?)
        }
        .map_err(|e| connect_error(&spec, &e))?;
        let connect_time = started.elapsed();
        let mut db = Database {
            client,
            spec,
            name: String::new(),
            server_version: String::new(),
            connect_time,
            queries: 0,
        };
        let row = db.query_one(sql::IS_ODOO)?;
        let is_odoo: bool = row.get("is_odoo");
        db.name = row.get("database");
        db.server_version = row.get("server_version");
        if !is_odoo {
            return Err(Fatal::database(format!(
                "{} is not an Odoo database (it has no ir_module_module table)",
                db.spec.describe()
            )));
        }
        Ok(db)
    }

    /// How many queries this session ran.
    pub fn query_count(&self) -> usize {
        self.queries
    }

    fn query_error(&self, e: postgres::Error) -> Fatal {
        let msg = e
            .as_db_error()
            .map(|d| d.message().to_string())
            .unwrap_or_else(|| e.to_string());
        Fatal::database(format!("query on {} failed: {msg}", self.spec.describe()))
    }

    pub fn query(&mut self, sql: &str) -> Result<Vec<Row>, Fatal> {
        self.queries += 1;
        let r = self.client.query(sql, &[]);
        r.map_err(|e| self.query_error(e))
    }

    pub fn query_one(&mut self, sql: &str) -> Result<Row, Fatal> {
        self.queries += 1;
        let r = self.client.query_one(sql, &[]);
        r.map_err(|e| self.query_error(e))
    }

    /// Runs a statement that is expected to change nothing; used by tests to prove that the
    /// session refuses writes.
    pub fn execute_raw(&mut self, sql: &str) -> Result<(), String> {
        self.client.batch_execute(sql).map_err(|e| {
            e.as_db_error()
                .map(|d| d.message().to_string())
                .unwrap_or_else(|| e.to_string())
        })
    }

    pub fn modules(&mut self) -> Result<Vec<DbModule>, Fatal> {
        Ok(self
            .query(sql::MODULES)?
            .iter()
            .map(|r| DbModule {
                name: r.get("name"),
                state: r.get::<_, Option<String>>("state").unwrap_or_default(),
                latest_version: r.get("latest_version"),
                display_name: r.get("display_name"),
                category: r.get("category"),
                author: r.get("author"),
                website: r.get("website"),
                license: r.get("license"),
                auto_install: r.get("auto_install"),
                application: r.get("application"),
            })
            .collect())
    }

    pub fn dependencies(&mut self) -> Result<Vec<DbDependency>, Fatal> {
        Ok(self
            .query(sql::DEPENDENCIES)?
            .iter()
            .map(|r| DbDependency {
                module: r.get("module"),
                module_state: r
                    .get::<_, Option<String>>("module_state")
                    .unwrap_or_default(),
                dependency: r.get::<_, Option<String>>("dependency").unwrap_or_default(),
                dependency_state: r.get("dependency_state"),
            })
            .collect())
    }

    pub fn dangling_menus(&mut self) -> Result<Vec<DanglingMenu>, Fatal> {
        Ok(self
            .query(sql::DANGLING_MENUS)?
            .iter()
            .map(|r| DanglingMenu {
                id: r.get("id"),
                name: r.get("name"),
                action: r.get("action"),
                active: r.get("active"),
                xmlid: r.get("xmlid"),
            })
            .collect())
    }

    pub fn client_actions(&mut self) -> Result<Vec<DbClientAction>, Fatal> {
        Ok(self
            .query(sql::CLIENT_ACTIONS)?
            .iter()
            .map(|r| DbClientAction {
                id: r.get("id"),
                tag: r.get::<_, Option<String>>("tag").unwrap_or_default(),
                name: r.get("name"),
                module: r.get("module"),
                xmlid: r.get("xmlid"),
                module_state: r.get("module_state"),
                menus: r.get::<_, Option<Vec<String>>>("menus").unwrap_or_default(),
            })
            .collect())
    }

    pub fn orphan_xmlids(&mut self) -> Result<Vec<OrphanXmlId>, Fatal> {
        Ok(self
            .query(sql::ORPHAN_XMLIDS)?
            .iter()
            .map(|r| OrphanXmlId {
                module: r.get("module"),
                name: r.get("name"),
                model: r.get("model"),
                res_id: r.get("res_id"),
            })
            .collect())
    }
}

/// The figures of `parity verify` (see `sql/parity_counts.sql`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParityCounts {
    pub installed_modules: i64,
    pub installed_categories: i64,
    pub oca_modules: i64,
    pub server_actions: i64,
    pub active_menus: i64,
    pub core_tables: i64,
    pub uninstallable: i64,
    pub to_upgrade: i64,
}

impl Database {
    pub fn parity_counts(&mut self) -> Result<ParityCounts, Fatal> {
        let r = self.query_one(sql::PARITY_COUNTS)?;
        Ok(ParityCounts {
            installed_modules: r.get("installed_modules"),
            installed_categories: r.get("installed_categories"),
            oca_modules: r.get("oca_modules"),
            server_actions: r.get("server_actions"),
            active_menus: r.get("active_menus"),
            core_tables: r.get("core_tables"),
            uninstallable: r.get("uninstallable"),
            to_upgrade: r.get("to_upgrade"),
        })
    }
}

/// The series of the database: from `base`'s `latest_version` (`18.0.1.3` → 18.0).
pub fn series_from_modules(modules: &[DbModule]) -> Option<Series> {
    let base = modules.iter().find(|m| m.name == "base")?;
    let v = base.latest_version.as_deref()?;
    let mut parts = v.split('.');
    let major = parts.next()?.trim_start_matches("saas~");
    let minor = parts.next()?;
    Series::parse(&format!("{major}.{minor}"))
}
