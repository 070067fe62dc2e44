//! What runs Odoo. A one-shot run (`--stop-after-init`) on the deployment's database: the
//! pending module operations are listed first (the run is refused with some, unless
//! `--apply-pending`), the output is saved as a log, and the module states are read again after
//! it; [`verdict`] judges the run the way Odoo itself decides. The deploy gate's checks 4 and 10,
//! truth-sync's steps and `parity install` all run Odoo through here. Routines make no
//! findings: the checks turn an [`OdooRun`] into them ([`crate::checks::deploy::odoo_run`]).

use std::path::PathBuf;

use crate::config::odoo_conf::{ConfError, OdooConf};
use crate::config::settings::{Mode, Settings};
use crate::load::db::{Database, DbModule};
use crate::load::exec::{Cmd, Ran};

pub mod verdict;

use verdict as run;

/// Everything the checks share: the settings, the odoo.conf, the database session, what
/// `docker compose ps`/`docker inspect` said.
pub struct Deploy {
    pub settings: Settings,
    pub full: bool,
    pub conf: Result<OdooConf, ConfError>,
    /// The database session, or why there is none.
    pub db: Result<Database, String>,
    /// The modules of the database, when connected.
    pub modules: Vec<DbModule>,
    /// `--addons-path` given on the command line (wins over odoo.conf).
    pub addons_path_option: Vec<PathBuf>,
    /// Containers of the compose project, once check 2 has listed them.
    pub containers: Vec<crate::load::engine::Container>,
    /// The addons inventory, once check 6 has built it.
    pub inventory: Option<crate::load::addons::Inventory>,
    /// Start Odoo even when the database has pending module operations (`--apply-pending`).
    pub allow_pending: bool,
    /// The series `odoo-bin --version` printed, once check 3 has run it.
    pub binary_series: Option<crate::load::version::Series>,
}

impl Deploy {
    /// The deployment the settings, its odoo.conf and its database session (or why there is
    /// none) describe; `full` runs Odoo on the database (deploy-check `--full`, truth-sync,
    /// `parity install`), `allow_pending` is `--apply-pending`. Nothing is loaded yet: the
    /// module states come with [`Deploy::load_modules`], the rest as the checks need it.
    pub fn new(
        settings: Settings,
        conf: Result<OdooConf, ConfError>,
        db: Result<Database, String>,
        full: bool,
        allow_pending: bool,
    ) -> Deploy {
        Deploy {
            settings,
            full,
            conf,
            db,
            modules: Vec::new(),
            addons_path_option: Vec::new(),
            containers: Vec::new(),
            inventory: None,
            allow_pending,
            binary_series: None,
        }
    }

    /// Reads the module states of the database, when there is a session.
    pub fn load_modules(&mut self) -> Result<(), String> {
        if let Ok(db) = &mut self.db {
            self.modules = db.modules().map_err(|e| e.message)?;
        }
        Ok(())
    }

    pub fn compose(&self) -> bool {
        self.settings.mode == Mode::Compose
    }

    /// The Odoo command with extra arguments.
    pub fn odoo(&self, extra: &[&str]) -> Cmd {
        let mut c = Cmd::from_argv(&self.settings.odoo_command).expect("non-empty odoo_command");
        c = c.args(extra.iter().copied());
        c
    }

    /// Arguments that point Odoo at the configuration and database, for a one-shot run that
    /// must not disturb the running server: no HTTP, no cron, logs to standard output. In
    /// compose mode the container's own configuration is used (the path on the host means
    /// nothing inside it).
    pub fn odoo_oneshot_args(&self) -> Vec<String> {
        let mut a = Vec::new();
        if !self.compose() {
            a.push("-c".to_string());
            a.push(self.settings.odoo_conf.display().to_string());
        }
        if let Some(db) = self.database_name() {
            a.push("-d".into());
            a.push(db);
        }
        a.extend(
            [
                "--no-http",
                "--max-cron-threads=0",
                // an empty logfile makes Odoo log to its standard error, which is captured
                // (a path such as /dev/stdout is resolved by Odoo and fails)
                "--logfile=",
                "--stop-after-init",
            ]
            .map(String::from),
        );
        a
    }

    /// Runs Odoo once on the deployment's database (see [`run_odoo`]), with `--apply-pending`
    /// as the user gave it.
    pub fn run_on_database(
        &mut self,
        label: &str,
        cmd: Cmd,
        timeout: std::time::Duration,
        expect: &run::Expect,
    ) -> OdooRun {
        let allow = self.allow_pending;
        run_odoo(
            &self.settings,
            label,
            cmd,
            timeout,
            self.db.as_mut().ok(),
            expect,
            allow,
        )
    }

    /// Runs Odoo once for a check of the gate: the one-shot arguments and `extra`, within
    /// `slow_command_timeout`; the module states are read again after it.
    pub fn run_oneshot(&mut self, label: &str, extra: &[&str], expect: &run::Expect) -> OdooRun {
        let mut args = self.odoo_oneshot_args();
        args.extend(extra.iter().map(|a| a.to_string()));
        let cmd = self.odoo(&[]).args(args);
        let timeout = self.settings.slow_command_timeout;
        let run = self.run_on_database(label, cmd, timeout, expect);
        self.refresh_modules();
        run
    }

    /// The series of the deployment: `expected_series` when set, else the database's, else
    /// the binary's.
    pub fn series(&self) -> Option<crate::load::version::Series> {
        self.settings
            .expected_series
            .or_else(|| crate::load::db::series_from_modules(&self.modules))
            .or(self.binary_series)
    }

    /// The series to read odoo.conf by when it is unknown: the newest.
    pub fn series_or_default(&self) -> crate::load::version::Series {
        self.series()
            .unwrap_or(crate::load::version::Series::new(19, 0))
    }

    /// Keeps the module states read after an Odoo run for the later checks (unchanged when
    /// they cannot be read).
    pub fn refresh_modules(&mut self) {
        let _ = self.load_modules();
    }

    /// The command that applies the database's pending module operations.
    pub fn apply_pending_command(&self) -> String {
        let mut args = self.odoo_oneshot_args();
        args.retain(|a| a != "--no-http" && a != "--max-cron-threads=0" && a != "--logfile=");
        self.odoo(&[]).args(args).display()
    }

    /// The database name: the open session's, else the settings', else odoo.conf's db_name.
    pub fn database_name(&self) -> Option<String> {
        if let Ok(db) = &self.db {
            return Some(db.name.clone());
        }
        self.settings.database.clone().or_else(|| {
            self.conf
                .as_ref()
                .ok()
                .and_then(|c| c.get("db_name"))
                .filter(|v| !v.is_empty() && *v != "False" && *v != "None")
                .map(String::from)
        })
    }
}

/// Odoo log lines at ERROR or CRITICAL level (`2024-05-01 10:00:00,123 42 ERROR db logger: …`).
pub fn odoo_error_lines(output: &str) -> Vec<String> {
    run::error_lines(output)
}

/// One Odoo run on a database: what ran (or why it was refused), its saved log, and its
/// verdict.
pub struct OdooRun {
    pub cmd: Cmd,
    pub ran: Option<Ran>,
    pub log: Option<PathBuf>,
    /// The run was not started: the pending operations it would have applied, or why they
    /// could not be listed.
    pub refused: Option<Refusal>,
    pub verdict: run::Verdict,
    /// Why the module states could not be compared, when they could not.
    pub states_unknown: Option<String>,
}

/// Why a run was not started.
#[derive(Debug, Clone)]
pub enum Refusal {
    Pending(Vec<(String, String)>),
    Unknown(String),
}

impl OdooRun {
    /// The run was started, ended in time with 0, and did what it was asked.
    pub fn ok(&self) -> bool {
        self.refused.is_none() && self.verdict.failure.is_none() && self.ran.is_some()
    }

    /// The problem that fails the step, if any.
    pub fn problem(&self) -> Option<String> {
        match &self.refused {
            Some(Refusal::Pending(p)) => Some(format!(
                "not started: the database has pending module operations that Odoo applies when it starts: {}",
                run::describe_pending(p)
            )),
            Some(Refusal::Unknown(e)) => Some(format!(
                "not started: the pending module operations of the database cannot be listed ({e})"
            )),
            None => self.verdict.failure.clone(),
        }
    }
}

/// Runs Odoo once on a database. Before it starts, the database's pending module operations
/// are listed: with some (or when they cannot be listed) the run is refused unless
/// `allow_pending`. After it, the module states are read again and compared.
pub fn run_odoo(
    s: &Settings,
    label: &str,
    cmd: Cmd,
    timeout: std::time::Duration,
    db: Option<&mut Database>,
    expect: &run::Expect,
    allow_pending: bool,
) -> OdooRun {
    let mut out = OdooRun {
        cmd: cmd.clone(),
        ran: None,
        log: None,
        refused: None,
        verdict: run::Verdict::default(),
        states_unknown: None,
    };
    let (db, before) = match db {
        Some(db) => match db.modules() {
            Ok(m) => (Some(db), Some(m)),
            Err(e) => {
                if !allow_pending {
                    out.refused = Some(Refusal::Unknown(e.message));
                    return out;
                }
                out.states_unknown = Some(e.message);
                (None, None)
            }
        },
        None => (None, None),
    };
    if let Some(b) = &before {
        let p = run::pending(b);
        if !p.is_empty() && !allow_pending {
            out.refused = Some(Refusal::Pending(p));
            return out;
        }
    } else if out.states_unknown.is_none() {
        if !allow_pending {
            out.refused = Some(Refusal::Unknown("no database session".into()));
            return out;
        }
        out.states_unknown = Some("no database session".into());
    }
    let ran = cmd.run(timeout);
    out.log = save_log(s, label, &ran);
    let after = match db {
        Some(db) => match db.modules() {
            Ok(m) => Some(m),
            Err(e) => {
                out.states_unknown = Some(format!("after the run: {}", e.message));
                None
            }
        },
        None => None,
    };
    out.verdict = run::judge(&ran, expect, before.as_deref(), after.as_deref());
    out.ran = Some(ran);
    out
}

/// Saves a command's output in the log directory; `None` when it cannot be written.
pub fn save_log(s: &Settings, label: &str, ran: &Ran) -> Option<PathBuf> {
    std::fs::create_dir_all(&s.log_dir).ok()?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S%.3f");
    let path = s.log_dir.join(format!("{label}-{stamp}.log"));
    let text = format!(
        "$ {}\n# exit: {}\n# elapsed: {:.1} s\n--- stdout\n{}\n--- stderr\n{}\n",
        ran.display,
        match (ran.code, ran.timed_out) {
            (_, true) => "timed out".to_string(),
            (Some(c), _) => c.to_string(),
            (None, _) => ran.spawn_error.clone().unwrap_or_else(|| "signal".into()),
        },
        ran.elapsed.as_secs_f64(),
        ran.stdout,
        ran.stderr
    );
    std::fs::write(&path, text).ok()?;
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_are_odoo_log_lines_at_error_or_critical() {
        let out = "2025-01-02 10:00:00,123 42 INFO prod odoo.modules.loading: loading 1 modules...\n\
2025-01-02 10:00:01,456 42 ERROR prod odoo.sql_db: bad query\n\
2025-01-02 10:00:01,457 42 WARNING prod odoo.x: an ERROR word in a warning\n\
2025-01-02 10:00:02,000 42 CRITICAL prod odoo.service.server: Failed to initialize database `prod`.\n\
Traceback (most recent call last):\n";
        let lines = odoo_error_lines(out);
        // a traceback belongs to the log line before it; the root cause is read by verdict.rs
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("bad query"));
    }
}
