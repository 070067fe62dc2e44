//! The history store: runs kept by `--record`, read back by `history` and `diff`.
//!
//! By default an SQLite file (bundled SQLite) under `$XDG_STATE_HOME/odoo-audit/`; for a team
//! or a fleet a PostgreSQL database of its own (`--history postgres://…`), never an Odoo
//! database. Both hold the same tables (`sql/history/`), created on first use and migrated
//! by version (`schema_migrations`); a store newer than this build is refused, not altered.
//! Writes are one transaction per run (SQLite `BEGIN IMMEDIATE` with a busy timeout;
//! PostgreSQL through the same bounded session as every other query, migrations under an
//! advisory lock), so concurrent cron jobs of a fleet never see half a run.

mod value;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::exit::Fatal;
use crate::finding::{Finding, Severity};
use crate::load::db::{self, conn::ConnSpec, Limits, Session};
use crate::report::{self, ModuleRecord, Report};
use value::Val;

/// The schema versions this build knows, in order: (version, SQLite, PostgreSQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    include_str!("../../sql/history/sqlite/001_init.sql"),
    include_str!("../../sql/history/postgres/001_init.sql"),
)];

mod sql {
    pub const INSERT_RUN: &str = include_str!("../../sql/history/insert_run.sql");
    pub const INSERT_FINDING: &str = include_str!("../../sql/history/insert_finding.sql");
    pub const INSERT_MODULE: &str = include_str!("../../sql/history/insert_module.sql");
    pub const RUNS: &str = include_str!("../../sql/history/runs.sql");
    pub const RUN: &str = include_str!("../../sql/history/run.sql");
    pub const RUN_BEFORE: &str = include_str!("../../sql/history/run_before.sql");
    pub const FINDINGS: &str = include_str!("../../sql/history/findings.sql");
    pub const MODULES: &str = include_str!("../../sql/history/modules.sql");
    pub const FIRST_SEEN: &str = include_str!("../../sql/history/first_seen.sql");
    pub const MIGRATIONS_TABLE: &str =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)";
    pub const VERSION: &str = "SELECT max(version) FROM schema_migrations";
    pub const INSERT_VERSION: &str =
        "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)";
    pub const HAS_MIGRATIONS_PG: &str =
        "SELECT to_regclass('schema_migrations') IS NOT NULL, to_regclass('ir_module_module') IS NOT NULL";
    /// Migrations of concurrent recorders wait for each other (a constant of this tool).
    pub const LOCK_PG: &str = "SELECT pg_advisory_xact_lock(7305716240911)";
}

/// Where the history is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

/// The environment variable naming the store when `--history` is not given.
pub const ENV: &str = "ODOO_AUDIT_HISTORY";

impl Target {
    /// `--history` when given, else `$ODOO_AUDIT_HISTORY`, else the default SQLite file.
    pub fn resolve(arg: Option<&str>) -> Result<Target, Fatal> {
        let given = arg
            .map(str::to_string)
            .or_else(|| std::env::var(ENV).ok())
            .filter(|s| !s.is_empty());
        match given {
            Some(s) if s.starts_with("postgres://") || s.starts_with("postgresql://") => {
                Ok(Target::Postgres(s))
            }
            Some(s) => Ok(Target::Sqlite(PathBuf::from(s))),
            None => default_path().map(Target::Sqlite),
        }
    }

    /// For messages: the file, or the server and database (never a password).
    pub fn describe(&self) -> String {
        match self {
            Target::Sqlite(p) => crate::escape::control(&p.display().to_string()).into_owned(),
            Target::Postgres(url) => match db::conn::parse_url(url) {
                Ok(spec) => spec.describe(),
                Err(_) => "a PostgreSQL URL".into(),
            },
        }
    }
}

/// `$XDG_STATE_HOME/odoo-audit/history.sqlite3`, else `~/.local/state/odoo-audit/…`.
pub fn default_path() -> Result<PathBuf, Fatal> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty() && Path::new(v).is_absolute())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/state"))
        })
        .ok_or_else(|| {
            Fatal::usage(
                "no place for the history: set XDG_STATE_HOME or HOME, or give --history PATH",
            )
        })?;
    Ok(base.join("odoo-audit").join("history.sqlite3"))
}

/// One run as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRun {
    /// Its id in the store (none for a report read from a file).
    pub id: Option<i64>,
    pub instance: String,
    pub command: String,
    /// UTC, RFC 3339 (`2026-12-01T06:00:00Z`): sorts as text.
    pub started_at: String,
    pub duration_ms: u64,
    pub tool_version: String,
    pub series: Option<String>,
    pub exit_code: Option<i32>,
    /// Counts by severity (errors, warnings, info).
    pub counts: (usize, usize, usize),
    /// With their fingerprints.
    pub findings: Vec<Finding>,
    pub modules: Vec<ModuleRecord>,
}

impl StoredRun {
    /// The run of a rendered report (`main` sets its run, the report layer its fingerprints).
    pub fn from_report(report: &Report, exit_code: i32) -> StoredRun {
        let mut findings = report.findings.clone();
        for f in &mut findings {
            if f.fingerprint.is_none() {
                f.fingerprint = Some(report::fingerprint::fingerprint(
                    f,
                    &report::fingerprint::report_roots(report),
                ));
            }
        }
        StoredRun {
            id: None,
            instance: report.run.instance.clone().unwrap_or_default(),
            command: report.command.clone(),
            started_at: report.run.started_at.clone().unwrap_or_default(),
            duration_ms: report.run.duration_ms.unwrap_or(0),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            series: report.series().map(str::to_string),
            exit_code: Some(exit_code),
            counts: report::counts(&report.findings),
            findings,
            modules: report.inventory.clone(),
        }
    }

    /// A JSON report of `--format json` (this version's keys), read back.
    pub fn from_json(doc: &Value) -> Result<StoredRun, String> {
        let obj = doc.as_object().ok_or("not a JSON object")?;
        if obj.get("tool").and_then(Value::as_str) != Some("odoo-audit") {
            return Err("not a JSON report of odoo-audit (no `\"tool\": \"odoo-audit\"`)".into());
        }
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        let run = obj.get("run");
        let mut findings = Vec::new();
        for (i, f) in obj
            .get("findings")
            .and_then(Value::as_array)
            .ok_or("it has no `findings` list")?
            .iter()
            .enumerate()
        {
            let get = |k: &str| text(f.get(k));
            let num = |k: &str| f.get(k).and_then(Value::as_u64).map(|n| n as usize);
            let code = get("code").ok_or_else(|| format!("finding {} has no code", i + 1))?;
            let severity = match get("severity").as_deref() {
                Some("error") => Severity::Error,
                Some("warning") => Severity::Warning,
                Some("info") => Severity::Info,
                _ => return Err(format!("finding {} has no known severity", i + 1)),
            };
            let finding = Finding {
                code: intern_code(&code),
                rule: intern_rule(&code, get("rule").as_deref()),
                severity,
                module: get("module"),
                file: get("file"),
                line: num("line"),
                column: num("column"),
                message: get("message").unwrap_or_default(),
                hint: get("hint").unwrap_or_default(),
                key: get("key"),
                instance: get("instance"),
                fingerprint: get("fingerprint"),
            };
            findings.push(finding);
        }
        // Findings without a fingerprint (a report edited by hand, or of an older version) get
        // theirs as the report layer gives them, ranked.
        let mut fingerprinted = Report::new("");
        if let Some(Value::Object(c)) = obj.get("context") {
            fingerprinted.context = c.clone();
        }
        fingerprinted.findings = findings;
        report::fingerprint::assign(&mut fingerprinted);
        let findings = fingerprinted.findings;
        let modules: Vec<ModuleRecord> = match obj.get("inventory") {
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|e| format!("its `inventory` is not a list of modules: {e}"))?,
            None => Vec::new(),
        };
        Ok(StoredRun {
            id: None,
            instance: text(run.and_then(|r| r.get("instance"))).unwrap_or_default(),
            command: text(obj.get("command")).unwrap_or_default(),
            started_at: text(run.and_then(|r| r.get("started_at"))).unwrap_or_default(),
            duration_ms: run
                .and_then(|r| r.get("duration_ms"))
                .and_then(Value::as_u64)
                .unwrap_or(0),
            tool_version: text(obj.get("version")).unwrap_or_default(),
            series: text(obj.get("context").and_then(|c| c.get("series"))),
            exit_code: None,
            counts: report::counts(&findings),
            findings,
            modules,
        })
    }
}

/// The registry's code when it knows it (a `&'static str` without a copy), else a leaked copy
/// (a code of another version of the tool, read back by `diff`: a few per run).
fn intern_code(code: &str) -> &'static str {
    match crate::rules::find(code) {
        Some(r) if r.code == code => r.code,
        _ => Box::leak(code.to_string().into_boxed_str()),
    }
}

fn intern_rule(code: &str, rule: Option<&str>) -> &'static str {
    match (crate::rules::find(code), rule) {
        (Some(r), Some(name)) if r.name == name => r.name,
        (Some(r), None) => r.name,
        (_, Some(name)) => Box::leak(name.to_string().into_boxed_str()),
        (None, None) => "",
    }
}

fn severity_of(s: &str) -> Severity {
    match s {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Info,
    }
}

enum Backend {
    Sqlite(rusqlite::Connection),
    Postgres(Box<Session>, ConnSpec),
}

/// An open history store.
pub struct Store {
    backend: Backend,
    target: Target,
}

/// How long a writer waits for another writer of the same SQLite file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Store {
    /// Opens the store for writing, creating and migrating it as needed.
    pub fn open_for_writing(target: &Target, limits: &Limits) -> Result<Store, Fatal> {
        let mut store = Store::connect(target, limits, true)?
            .ok_or_else(|| Fatal::usage("the history store could not be created"))?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing store for reading; `None` when there is none yet (no run recorded).
    pub fn open_for_reading(target: &Target, limits: &Limits) -> Result<Option<Store>, Fatal> {
        let Some(mut store) = Store::connect(target, limits, false)? else {
            return Ok(None);
        };
        match store.version()? {
            None => Ok(None),
            Some(v) => {
                check_known(v, target)?;
                Ok(Some(store))
            }
        }
    }

    fn connect(target: &Target, limits: &Limits, create: bool) -> Result<Option<Store>, Fatal> {
        let backend = match target {
            Target::Sqlite(path) => {
                match std::fs::metadata(path) {
                    Ok(m) if !m.is_file() => {
                        return Err(Fatal::usage(format!(
                            "the history store {} is not a regular file",
                            target.describe()
                        )))
                    }
                    Ok(_) => {}
                    Err(_) if !create => return Ok(None),
                    Err(_) => create_dir(path, target)?,
                }
                let flags = if create {
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                        | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
                } else {
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                } | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let conn = rusqlite::Connection::open_with_flags(path, flags)
                    .map_err(|e| sqlite_fatal(target, &e))?;
                conn.busy_timeout(BUSY_TIMEOUT)
                    .map_err(|e| sqlite_fatal(target, &e))?;
                if create {
                    restrict(path);
                }
                Backend::Sqlite(conn)
            }
            Target::Postgres(url) => {
                let spec = db::conn::parse_url(url)?;
                let session = db::open_session(&spec, limits, !create)?;
                Backend::Postgres(Box::new(session), spec)
            }
        };
        let mut store = Store {
            backend,
            target: target.clone(),
        };
        if let Backend::Postgres(..) = store.backend {
            let row = store.query(sql::HAS_MIGRATIONS_PG, vec![])?;
            if row.first().and_then(|r| r.get(1)) == Some(&Val::Bool(true)) {
                return Err(Fatal::usage(format!(
                    "{} is an Odoo database (it has ir_module_module): the history goes in a database of its own (createdb odoo_audit_history)",
                    store.target.describe()
                )));
            }
        }
        Ok(Some(store))
    }

    /// The schema version of the store, `None` when it has no schema yet.
    fn version(&mut self) -> Result<Option<i64>, Fatal> {
        let has_table = match &self.backend {
            Backend::Sqlite(c) => c
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map_err(|e| sqlite_fatal(&self.target, &e))?
                > 0,
            Backend::Postgres(..) => {
                let rows = self.query(sql::HAS_MIGRATIONS_PG, vec![])?;
                rows.first().and_then(|r| r.first()) == Some(&Val::Bool(true))
            }
        };
        if !has_table {
            return Ok(None);
        }
        let rows = self.query(sql::VERSION, vec![])?;
        Ok(rows.first().and_then(|r| r.first()).and_then(Val::int))
    }

    /// Creates the schema or brings it to this build's version, in one transaction.
    fn migrate(&mut self) -> Result<(), Fatal> {
        let now = now_rfc3339();
        let target = self.target.clone();
        match &mut self.backend {
            Backend::Sqlite(c) => {
                let tx = c
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(|e| sqlite_fatal(&target, &e))?;
                tx.execute_batch(sql::MIGRATIONS_TABLE)
                    .map_err(|e| sqlite_fatal(&target, &e))?;
                let current: Option<i64> = tx
                    .query_row(sql::VERSION, [], |r| r.get(0))
                    .map_err(|e| sqlite_fatal(&target, &e))?;
                check_known(current.unwrap_or(0), &target)?;
                for (v, lite, _) in MIGRATIONS {
                    if *v > current.unwrap_or(0) {
                        tx.execute_batch(lite)
                            .map_err(|e| sqlite_fatal(&target, &e))?;
                        tx.execute(sql::INSERT_VERSION, rusqlite::params![v, now])
                            .map_err(|e| sqlite_fatal(&target, &e))?;
                    }
                }
                tx.commit().map_err(|e| sqlite_fatal(&target, &e))
            }
            Backend::Postgres(session, spec) => {
                let latest = latest_version();
                let result = session.read_write(move |c| {
                    c.batch_execute(sql::LOCK_PG)?;
                    c.batch_execute(sql::MIGRATIONS_TABLE)?;
                    let current: Option<i64> = c.query_one(sql::VERSION, &[])?.get(0);
                    let current = current.unwrap_or(0);
                    if current > latest {
                        return Ok(Some(current));
                    }
                    for (v, _, pg) in MIGRATIONS {
                        if *v > current {
                            c.batch_execute(pg)?;
                            c.execute(sql::INSERT_VERSION, &[v, &now])?;
                        }
                    }
                    Ok(None)
                });
                match result {
                    Ok(None) => Ok(()),
                    Ok(Some(v)) => check_known(v, &target),
                    Err(f) => Err(pg_fatal(&target, spec, f)),
                }
            }
        }
    }

    /// Keeps a run; its id.
    pub fn record(&mut self, run: &StoredRun) -> Result<i64, Fatal> {
        let head = vec![
            Val::Text(run.instance.clone()),
            Val::Text(run.command.clone()),
            Val::Text(run.started_at.clone()),
            Val::Int(run.duration_ms.min(i64::MAX as u64) as i64),
            Val::Text(run.tool_version.clone()),
            Val::opt_text(run.series.as_deref()),
            run.exit_code.map_or(Val::Null, |c| Val::Int(c.into())),
            Val::Int(run.counts.0 as i64),
            Val::Int(run.counts.1 as i64),
            Val::Int(run.counts.2 as i64),
        ];
        let findings: Vec<Vec<Val>> = run
            .findings
            .iter()
            .map(|f| {
                vec![
                    Val::opt_text(f.fingerprint.as_deref()),
                    Val::Text(f.code.to_string()),
                    Val::Text(f.rule.to_string()),
                    Val::Text(f.severity.as_str().to_string()),
                    Val::opt_text(f.module.as_deref()),
                    Val::opt_text(f.key.as_deref()),
                    Val::opt_text(f.file.as_deref()),
                    f.line.map_or(Val::Null, |n| Val::Int(n as i64)),
                    f.column.map_or(Val::Null, |n| Val::Int(n as i64)),
                    Val::Text(f.message.clone()),
                    Val::Text(f.hint.clone()),
                ]
            })
            .collect();
        let modules: Vec<Vec<Val>> = run
            .modules
            .iter()
            .map(|m| {
                vec![
                    Val::Text(m.name.clone()),
                    Val::opt_text(m.state.as_deref()),
                    Val::opt_text(m.installed_version.as_deref()),
                    Val::opt_text(m.code_version.as_deref()),
                ]
            })
            .collect();
        let target = self.target.clone();
        match &mut self.backend {
            Backend::Sqlite(c) => {
                let fail = |e: rusqlite::Error| sqlite_fatal(&target, &e);
                let tx = c
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(fail)?;
                let id: i64 = tx
                    .query_row(sql::INSERT_RUN, rusqlite::params_from_iter(&head), |r| {
                        r.get(0)
                    })
                    .map_err(fail)?;
                let idv = Val::Int(id);
                {
                    let mut ins = tx.prepare(sql::INSERT_FINDING).map_err(fail)?;
                    for row in &findings {
                        let params = std::iter::once(&idv).chain(row.iter());
                        ins.execute(rusqlite::params_from_iter(params))
                            .map_err(fail)?;
                    }
                    let mut ins = tx.prepare(sql::INSERT_MODULE).map_err(fail)?;
                    for row in &modules {
                        let params = std::iter::once(&idv).chain(row.iter());
                        ins.execute(rusqlite::params_from_iter(params))
                            .map_err(fail)?;
                    }
                }
                tx.commit().map_err(fail)?;
                Ok(id)
            }
            Backend::Postgres(session, spec) => session
                .read_write(move |c| {
                    let id: i64 = c.query_one(sql::INSERT_RUN, &Val::refs(&head))?.get(0);
                    let idv = Val::Int(id);
                    let ins = c.prepare(sql::INSERT_FINDING)?;
                    for row in &findings {
                        let mut p = vec![&idv as &(dyn postgres::types::ToSql + Sync)];
                        p.extend(Val::refs(row));
                        c.execute(&ins, &p)?;
                    }
                    let ins = c.prepare(sql::INSERT_MODULE)?;
                    for row in &modules {
                        let mut p = vec![&idv as &(dyn postgres::types::ToSql + Sync)];
                        p.extend(Val::refs(row));
                        c.execute(&ins, &p)?;
                    }
                    Ok(id)
                })
                .map_err(|f| pg_fatal(&target, spec, f)),
        }
    }

    /// Runs newest first, without their findings and modules.
    pub fn runs(
        &mut self,
        instance: Option<&str>,
        command: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredRun>, Fatal> {
        let rows = self.query(
            sql::RUNS,
            vec![
                Val::opt_text(instance),
                Val::opt_text(command),
                Val::Int(limit.min(i64::MAX as usize) as i64),
            ],
        )?;
        Ok(rows.into_iter().map(run_of_row).collect())
    }

    /// One run with its findings and modules.
    pub fn load(&mut self, id: i64) -> Result<Option<StoredRun>, Fatal> {
        let Some(row) = self.query(sql::RUN, vec![Val::Int(id)])?.into_iter().next() else {
            return Ok(None);
        };
        let mut run = run_of_row(row);
        for r in self.query(sql::FINDINGS, vec![Val::Int(id)])? {
            let t = |i: usize| r.get(i).and_then(Val::text);
            let code = t(1).unwrap_or_default();
            run.findings.push(Finding {
                code: intern_code(&code),
                rule: intern_rule(&code, t(2).as_deref()),
                severity: severity_of(&t(3).unwrap_or_default()),
                module: t(4),
                key: t(5),
                file: t(6),
                line: r.get(7).and_then(Val::int).map(|n| n as usize),
                column: r.get(8).and_then(Val::int).map(|n| n as usize),
                message: t(9).unwrap_or_default(),
                hint: t(10).unwrap_or_default(),
                instance: None,
                fingerprint: t(0),
            });
        }
        for r in self.query(sql::MODULES, vec![Val::Int(id)])? {
            let t = |i: usize| r.get(i).and_then(Val::text);
            run.modules.push(ModuleRecord {
                name: t(0).unwrap_or_default(),
                state: t(1),
                installed_version: t(2),
                code_version: t(3),
            });
        }
        Ok(Some(run))
    }

    /// The newest run of `instance` and `command` started at or before `at`.
    pub fn run_before(
        &mut self,
        instance: &str,
        command: &str,
        at: &str,
    ) -> Result<Option<i64>, Fatal> {
        let rows = self.query(
            sql::RUN_BEFORE,
            vec![
                Val::Text(instance.into()),
                Val::Text(command.into()),
                Val::Text(at.into()),
            ],
        )?;
        Ok(rows.first().and_then(|r| r.first()).and_then(Val::int))
    }

    /// When each fingerprint of `run` was first recorded for its instance and command.
    pub fn first_seen(&mut self, run: &StoredRun) -> Result<HashMap<String, String>, Fatal> {
        let Some(id) = run.id else {
            return Ok(HashMap::new());
        };
        let rows = self.query(
            sql::FIRST_SEEN,
            vec![
                Val::Text(run.instance.clone()),
                Val::Text(run.command.clone()),
                Val::Text(run.started_at.clone()),
                Val::Int(id),
            ],
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Some((r.first()?.text()?, r.get(1)?.text()?)))
            .collect())
    }

    /// A read: every row as values.
    fn query(&mut self, sql: &'static str, params: Vec<Val>) -> Result<Vec<Vec<Val>>, Fatal> {
        let target = self.target.clone();
        match &mut self.backend {
            Backend::Sqlite(c) => {
                let fail = |e: rusqlite::Error| sqlite_fatal(&target, &e);
                let mut stmt = c.prepare_cached(sql).map_err(fail)?;
                let n = stmt.column_count();
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(&params), |r| {
                        (0..n).map(|i| r.get_ref(i).map(Val::from_sqlite)).collect()
                    })
                    .map_err(fail)?;
                rows.collect::<Result<Vec<Vec<Val>>, _>>().map_err(fail)
            }
            Backend::Postgres(session, spec) => session
                .read_only(move |c| {
                    let rows = c.query(sql, &Val::refs(&params))?;
                    Ok(rows.iter().map(Val::row_of_pg).collect())
                })
                .map_err(|f| pg_fatal(&target, spec, f)),
        }
    }
}

fn run_of_row(r: Vec<Val>) -> StoredRun {
    let t = |i: usize| r.get(i).and_then(Val::text);
    let n = |i: usize| r.get(i).and_then(Val::int);
    StoredRun {
        id: n(0),
        instance: t(1).unwrap_or_default(),
        command: t(2).unwrap_or_default(),
        started_at: t(3).unwrap_or_default(),
        duration_ms: n(4).unwrap_or(0).max(0) as u64,
        tool_version: t(5).unwrap_or_default(),
        series: t(6),
        exit_code: n(7).map(|c| c as i32),
        counts: (
            n(8).unwrap_or(0) as usize,
            n(9).unwrap_or(0) as usize,
            n(10).unwrap_or(0) as usize,
        ),
        findings: Vec::new(),
        modules: Vec::new(),
    }
}

fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

fn check_known(version: i64, target: &Target) -> Result<(), Fatal> {
    if version > latest_version() {
        return Err(Fatal::usage(format!(
            "the history store {} has schema version {version}, newer than this odoo-audit knows ({}): upgrade odoo-audit",
            target.describe(),
            latest_version()
        )));
    }
    Ok(())
}

/// The directory of a new SQLite store, private to its owner when this creates it.
fn create_dir(path: &Path, target: &Target) -> Result<(), Fatal> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    if dir.is_dir() {
        return Ok(());
    }
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| {
            Fatal::usage(format!(
                "cannot create the directory of the history store {}: {e}",
                target.describe()
            ))
        })
}

/// A store holds messages about the audited servers: readable by its owner only.
fn restrict(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(path) {
        if m.permissions().mode() & 0o077 != 0 && m.len() == 0 {
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
    }
}

fn sqlite_fatal(target: &Target, e: &rusqlite::Error) -> Fatal {
    Fatal::usage(format!(
        "history store {}: {}",
        target.describe(),
        crate::escape::control(&e.to_string())
    ))
}

fn pg_fatal(target: &Target, spec: &ConnSpec, f: db::Failure) -> Fatal {
    Fatal::database(format!(
        "history store {}: {}",
        target.describe(),
        db::failure_text(spec, f)
    ))
}

/// Now, UTC, as the store keeps times.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `7d`, `12h`, `30m`, `2w`, `90s`: a span (back from now).
pub fn parse_since(s: &str) -> Result<chrono::Duration, Fatal> {
    let s = s.trim();
    let bad = || {
        Fatal::usage(format!(
            "--since `{}`: expected a number and a unit (s, m, h, d, w), e.g. 7d",
            crate::escape::control(s)
        ))
    };
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: i64 = num.parse().map_err(|_| bad())?;
    let d = match unit {
        "s" => chrono::Duration::try_seconds(n),
        "m" => chrono::Duration::try_minutes(n),
        "h" => chrono::Duration::try_hours(n),
        "d" => chrono::Duration::try_days(n),
        "w" => chrono::Duration::try_weeks(n),
        _ => None,
    };
    d.ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_spans() {
        assert_eq!(parse_since("7d").unwrap(), chrono::Duration::days(7));
        assert_eq!(parse_since("12h").unwrap(), chrono::Duration::hours(12));
        assert!(parse_since("7").is_err());
        assert!(parse_since("d").is_err());
        assert!(parse_since("7y").is_err());
        assert!(parse_since("99999999999999999999d").is_err());
    }

    #[test]
    fn targets() {
        assert_eq!(
            Target::resolve(Some("postgres://u:secret@h/db")).unwrap(),
            Target::Postgres("postgres://u:secret@h/db".into())
        );
        assert!(!Target::resolve(Some("postgres://u:secret@h/db"))
            .unwrap()
            .describe()
            .contains("secret"));
        assert_eq!(
            Target::resolve(Some("/tmp/h.sqlite3")).unwrap(),
            Target::Sqlite("/tmp/h.sqlite3".into())
        );
    }
}
