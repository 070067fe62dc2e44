//! What `backup test-restore` does on the restore server, and the facts it gathers: the scratch
//! database it creates and drops (the only database it ever creates or drops, always named
//! `odoo_audit_restore_<timestamp>_<pid>`), the `pg_restore` run into it, the sanity queries on
//! the restored copy (through the read-only [`Database`]), and the entries of the filestore
//! archive. SIGINT and SIGTERM set a flag ([`install_interrupt_handler`]) that stops
//! `pg_restore` and makes the command drop the scratch database before it exits. The judging is
//! in `checks/backup.rs`.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::load::db::{self, conn, ConnSpec, Database, DbModule, Limits, RestoreCounts, Session};
use crate::load::exec::{Cmd, Ran};

/// Every scratch database's name starts with this; nothing else is ever dropped.
pub const SCRATCH_PREFIX: &str = "odoo_audit_restore_";

/// Set by SIGINT or SIGTERM once [`install_interrupt_handler`] ran.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Makes SIGINT (Ctrl-C) and SIGTERM set the interrupt flag instead of ending the process, so
/// that the scratch database is dropped first. `pg_restore` runs in its own process group (see
/// [`crate::load::exec`]): a Ctrl-C in the terminal reaches odoo-audit only, which stops it.
pub fn install_interrupt_handler() {
    // SAFETY: the handler only stores to an atomic; the sigaction struct is zeroed and then
    // filled as sigaction(2) requires.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut sa.sa_mask);
        sa.sa_flags = libc::SA_RESTART;
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
        libc::sigaction(libc::SIGTERM, &sa, std::ptr::null_mut());
    }
}

/// The interrupt flag (for [`Cmd::run_until`]).
pub fn interrupt_flag() -> &'static AtomicBool {
    &INTERRUPTED
}

/// True once SIGINT or SIGTERM arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// The scratch database's name for a run started at `now` by process `pid`.
pub fn scratch_name(now: chrono::DateTime<chrono::Utc>, pid: u32) -> String {
    format!("{SCRATCH_PREFIX}{}_{pid}", now.format("%Y%m%d%H%M%S"))
}

/// True for a name [`scratch_name`] makes (prefix, then digits and one `_`).
pub fn is_scratch_name(name: &str) -> bool {
    name.strip_prefix(SCRATCH_PREFIX).is_some_and(|rest| {
        let mut parts = rest.split('_');
        let ok = |p: Option<&str>| {
            p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        };
        ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
    })
}

/// `name` as an SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The scratch database this run created on the restore server. Dropped by [`Scratch::drop_now`]
/// (whose result the report shows), else when the value is dropped (a panic, an early return).
pub struct Scratch {
    /// The restore server, on its maintenance database (`--restore-url`).
    pub admin: ConnSpec,
    pub name: String,
    limits: Limits,
    session: Option<Session>,
    dropped: bool,
}

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scratch")
            .field("admin", &self.admin)
            .field("name", &self.name)
            .finish()
    }
}

impl Scratch {
    /// Creates database `name` (from template0) on the server of `admin`, with an autocommit
    /// statement; `Err` says why (never the password).
    pub fn create(admin: &ConnSpec, name: &str, limits: Limits) -> Result<Scratch, String> {
        assert!(is_scratch_name(name), "not a scratch database name: {name}");
        let mut session = db::open_session(admin, &limits, false).map_err(|f| f.message)?;
        session
            .autocommit(&format!(
                "CREATE DATABASE {} TEMPLATE template0",
                ident(name)
            ))
            .map_err(|f| {
                format!(
                    "cannot create database {name} on {}: {}",
                    admin.describe(),
                    db::failure_text(admin, f)
                )
            })?;
        Ok(Scratch {
            admin: admin.clone(),
            name: name.to_string(),
            limits,
            session: Some(session),
            dropped: false,
        })
    }

    /// The connection to the scratch database (the restore server's, with its name).
    pub fn spec(&self) -> ConnSpec {
        let mut s = self.admin.clone();
        s.dbname = Some(self.name.clone());
        s
    }

    /// Drops the scratch database, on the session that created it or, when that one is gone,
    /// a new one. Only a database this run created, with a scratch name, is ever dropped.
    ///
    /// A plain `DROP DATABASE` first: PostgreSQL itself stops an autovacuum worker analysing
    /// the fresh copy, and waits up to 5 s for sessions that are ending (pg_restore's, the
    /// sanity queries'). Then `WITH (FORCE)`, which ends the sessions of this role still on it
    /// (but cannot end an autovacuum worker unless the role may signal it). Tried for about
    /// 15 s in all.
    pub fn drop_now(&mut self) -> Result<(), String> {
        if self.dropped {
            return Ok(());
        }
        assert!(is_scratch_name(&self.name), "not a scratch database name");
        let plain = format!("DROP DATABASE IF EXISTS {}", ident(&self.name));
        let force = format!("{plain} WITH (FORCE)");
        let mut last = String::new();
        for (i, sql) in [&plain, &force, &plain, &force, &plain]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                std::thread::sleep(Duration::from_millis(500));
            }
            let mut session = match self.session.take() {
                Some(s) => s,
                None => match db::open_session(&self.admin, &self.limits, false) {
                    Ok(s) => s,
                    Err(f) => {
                        last = f.message;
                        continue;
                    }
                },
            };
            match session.autocommit(sql) {
                Ok(()) => {
                    self.dropped = true;
                    return Ok(());
                }
                Err(f) => {
                    // A session that answered is kept; one that did not is replaced.
                    if matches!(f, db::Failure::Server(_)) {
                        self.session = Some(session);
                    }
                    last = db::failure_text(&self.admin, f);
                }
            }
        }
        Err(format!(
            "cannot drop database {} on {}: {last}",
            self.name,
            self.admin.describe()
        ))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = self.drop_now();
    }
}

/// How a dump file is written, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpFormat {
    /// `pg_dump -Fc` (`PGDMP`): pg_restore restores it with parallel jobs.
    Custom,
    /// `pg_dump -Ft`: pg_restore restores it with one job.
    Tar,
    /// Anything else (a plain SQL script, garbage): pg_restore says what it is.
    Other,
}

/// The format of the dump at `path`.
pub fn dump_format(path: &Path) -> DumpFormat {
    let mut head = [0u8; 512];
    let n = std::fs::File::open(path)
        .and_then(|mut f| {
            let mut n = 0;
            while n < head.len() {
                match f.read(&mut head[n..])? {
                    0 => break,
                    k => n += k,
                }
            }
            Ok(n)
        })
        .unwrap_or(0);
    if n >= 5 && &head[..5] == b"PGDMP" {
        DumpFormat::Custom
    } else if n >= 262 && &head[257..262] == b"ustar" {
        DumpFormat::Tar
    } else {
        DumpFormat::Other
    }
}

/// Runs `pg_restore --no-owner --no-acl [-j jobs] -d <scratch>` on `dump`, the connection
/// given through libpq's environment variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`…),
/// never on its command line; stopped at `timeout` or when the run is interrupted.
pub fn pg_restore(dump: &Path, target: &ConnSpec, jobs: usize, timeout: Duration) -> Ran {
    let mut cmd = Cmd::new(crate::load::deploy::pg_restore()).args(["--no-owner", "--no-acl"]);
    if jobs > 1 {
        cmd = cmd.arg("-j").arg(jobs.to_string());
    }
    cmd = cmd
        .arg("-d")
        .arg(target.dbname.clone().unwrap_or_default())
        .arg(dump.display().to_string());
    for (k, v) in libpq_env(target) {
        cmd = cmd.env(k, v);
    }
    cmd.run_until(timeout, interrupt_flag())
}

/// libpq's environment variables for `spec` (the password included: the environment of a
/// process is readable by its user only, its command line by everyone).
pub fn libpq_env(spec: &ConnSpec) -> Vec<(&'static str, String)> {
    let mut env = vec![
        (
            "PGHOST",
            spec.host
                .clone()
                .unwrap_or_else(|| conn::DEFAULT_SOCKET_DIR.into()),
        ),
        ("PGPORT", spec.port.unwrap_or(5432).to_string()),
        ("PGAPPNAME", "odoo-audit".into()),
    ];
    if let Some(u) = &spec.user {
        env.push(("PGUSER", u.clone()));
    }
    if let Some(p) = &spec.password {
        env.push(("PGPASSWORD", p.clone()));
    }
    if let Some(d) = &spec.dbname {
        env.push(("PGDATABASE", d.clone()));
    }
    if let Some(m) = spec.sslmode {
        env.push(("PGSSLMODE", m.as_str().into()));
    }
    if let Some(r) = &spec.sslrootcert {
        env.push(("PGSSLROOTCERT", r.display().to_string()));
    }
    if let Some(c) = &spec.sslcert {
        env.push(("PGSSLCERT", c.display().to_string()));
    }
    if let Some(k) = &spec.sslkey {
        env.push(("PGSSLKEY", k.display().to_string()));
    }
    if let Some(t) = spec.connect_timeout {
        env.push(("PGCONNECT_TIMEOUT", t.as_secs().max(1).to_string()));
    }
    env
}

/// What the sanity queries read from the restored database.
#[derive(Debug, Clone, Default)]
pub struct Restored {
    pub server_version: String,
    pub modules: Vec<DbModule>,
    pub counts: RestoreCounts,
    /// The distinct `store_fname` of the attachments kept in the filestore.
    pub files: Vec<String>,
    pub elapsed: Duration,
}

/// Connects read-only to the restored database and runs the sanity queries; `Err` says why
/// (not an Odoo database, a query that failed).
pub fn inspect(spec: ConnSpec, limits: Limits) -> Result<Restored, String> {
    let started = Instant::now();
    let mut db = Database::connect(spec, limits).map_err(|f| f.message)?;
    let modules = db.modules().map_err(|f| f.message)?;
    let counts = db.restore_counts().map_err(|f| f.message)?;
    let files = db.attachment_files().map_err(|f| f.message)?;
    Ok(Restored {
        server_version: db.server_version.clone(),
        modules,
        counts,
        files,
        elapsed: started.elapsed(),
    })
}

/// Lists a filestore archive: `tar -tf` for the tar family (GNU tar recognises gzip, bzip2,
/// xz and zstd compression by itself), `unzip -Z1` for a `.zip`.
pub fn list_archive(path: &Path, timeout: Duration) -> Ran {
    let shown = path.display().to_string();
    let cmd = if shown.to_ascii_lowercase().ends_with(".zip") {
        Cmd::new("unzip").args(["-Z1".to_string(), shown])
    } else {
        Cmd::new("tar").args(["-tf".to_string(), shown])
    };
    cmd.run_until(timeout, interrupt_flag())
}

/// The filestore files an archive listing holds, as `store_fname` names them: the last two
/// components of each entry (`filestore/prod/ab/ab12…` → `ab/ab12…`; directories left out).
pub fn archive_files(listing: &str) -> BTreeSet<String> {
    listing
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.ends_with('/'))
        .filter_map(|l| {
            let mut parts = l.rsplit('/');
            let file = parts.next()?;
            let dir = parts.next()?;
            Some(format!("{dir}/{file}"))
        })
        .collect()
}

/// The dump to restore and the filestore archive that goes with it.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub dump: PathBuf,
    pub size: u64,
    pub age: Duration,
    /// How it was chosen (`--dump`, the newest of the backup directory).
    pub how: String,
    pub filestore: Option<PathBuf>,
}

/// `dump` when given (and the newest filestore archive of its directory, unless `filestore`
/// is given), else the newest dump of `dir` and its newest filestore archive.
pub fn choose(dump: Option<&Path>, filestore: Option<&Path>, dir: &Path) -> Result<Chosen, String> {
    let now = std::time::SystemTime::now();
    let age = |m: std::time::SystemTime| now.duration_since(m).unwrap_or_default();
    let newest_filestore = |d: &Path| {
        crate::load::deploy::backup_files(d)
            .ok()
            .and_then(|f| f.newest_filestore().map(|(_, p)| p.clone()))
    };
    match dump {
        Some(path) => {
            let meta =
                std::fs::metadata(path).map_err(|e| format!("--dump {}: {e}", path.display()))?;
            if !meta.is_file() {
                return Err(format!("--dump {}: not a regular file", path.display()));
            }
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
            Ok(Chosen {
                dump: path.to_path_buf(),
                size: meta.len(),
                age: age(meta.modified().unwrap_or(now)),
                how: "--dump".into(),
                filestore: filestore
                    .map(Path::to_path_buf)
                    .or_else(|| newest_filestore(dir.unwrap_or(Path::new(".")))),
            })
        }
        None => {
            let files = crate::load::deploy::backup_files(dir)
                .map_err(|e| format!("backup directory {}: {e}", dir.display()))?;
            let (mtime, path, size) = files.newest_dump().ok_or_else(|| {
                format!(
                    "no database dump ({}) in {}",
                    crate::load::deploy::DUMP_SUFFIXES.join(", "),
                    dir.display()
                )
            })?;
            Ok(Chosen {
                dump: path.clone(),
                size: *size,
                age: age(*mtime),
                how: format!("the newest dump of {}", dir.display()),
                filestore: filestore
                    .map(Path::to_path_buf)
                    .or_else(|| files.newest_filestore().map(|(_, p)| p.clone())),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scratch_names_are_recognised_and_nothing_else() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-12-02T17:40:05Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let n = scratch_name(t, 4242);
        assert_eq!(n, "odoo_audit_restore_20261202174005_4242");
        assert!(is_scratch_name(&n));
        for bad in [
            "prod",
            "odoo_audit_restore_",
            "odoo_audit_restore_1_2_3",
            "odoo_audit_restore_x_1",
            "odoo_audit_restore_1",
            "xodoo_audit_restore_1_2",
        ] {
            assert!(!is_scratch_name(bad), "{bad}");
        }
    }

    #[test]
    fn archive_entries_are_matched_by_their_last_two_components() {
        let files = archive_files(
            "filestore/prod/\nfilestore/prod/ab/\nfilestore/prod/ab/ab12\n./cd/cd34\nef/ef56\nlonely\n",
        );
        let got: Vec<&str> = files.iter().map(String::as_str).collect();
        assert_eq!(got, ["ab/ab12", "cd/cd34", "ef/ef56"]);
    }

    #[test]
    fn the_password_goes_to_the_environment() {
        let spec = ConnSpec {
            host: Some("db".into()),
            user: Some("restorer".into()),
            password: Some("s3cret".into()),
            dbname: Some("odoo_audit_restore_1_2".into()),
            ..Default::default()
        };
        let env = libpq_env(&spec);
        assert!(env.contains(&("PGPASSWORD", "s3cret".into())));
        assert!(env.contains(&("PGPORT", "5432".into())));
    }
}
