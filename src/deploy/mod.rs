//! The 13-point pre-deployment gate of `deploy-check`, one file per group of checks.
//!
//! Each check returns a [`Check`]: its status (pass, warn, fail or skip), the evidence it saw,
//! a hint, and a [`Finding`] for each warning or failure (warning or error severity), so that
//! the report layer and the exit code treat it like every other command's findings. Checks do
//! not print; external commands go through [`crate::exec`] with a timeout.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::db::{Database, DbModule};
use crate::exec::{Cmd, Ran};
use crate::finding::{Finding, Severity};
use crate::odoo_conf::{ConfError, OdooConf};
use crate::rules::Rule;
use crate::settings::{Mode, Settings};

pub mod backups;
pub mod conf;
pub mod engine;
pub mod http;
pub mod logs;
pub mod odoo;
pub mod python;
pub mod run;
pub mod secrets;

/// The outcome of one check. Ordered: `Skip < Pass < Warn < Fail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Skip,
    Pass,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Skip => "skip",
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone)]
pub struct Check {
    pub num: u8,
    pub name: &'static str,
    pub status: Status,
    /// What the check saw (values, versions, sizes…), never a secret.
    pub evidence: Vec<String>,
    /// The hint of the first failure (else of the first warning), or the skip reason.
    pub hint: String,
    pub findings: Vec<Finding>,
}

impl Check {
    pub fn new(num: u8, name: &'static str) -> Check {
        Check {
            num,
            name,
            status: Status::Pass,
            evidence: Vec::new(),
            hint: String::new(),
            findings: Vec::new(),
        }
    }

    /// A skipped check, with the reason.
    pub fn skipped(num: u8, name: &'static str, reason: &str) -> Check {
        let mut c = Check::new(num, name);
        c.status = Status::Skip;
        c.evidence.push(format!("skipped: {reason}"));
        c
    }

    pub fn see(&mut self, evidence: impl Into<String>) {
        self.evidence.push(evidence.into());
    }

    fn problem(&mut self, status: Status, rule: &'static Rule, message: String, hint: String) {
        let severity = if status == Status::Fail {
            Severity::Error
        } else {
            Severity::Warning
        };
        if status > self.status || (status == self.status && self.hint.is_empty()) {
            self.hint = hint.clone();
        }
        self.status = self.status.max(status);
        self.findings.push(
            Finding::new(
                rule,
                format!("check {} ({}): {message}", self.num, self.name),
            )
            .severity(severity)
            .hint(hint),
        );
    }

    /// Records a failure (an error finding).
    pub fn fail(
        &mut self,
        rule: &'static Rule,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.problem(Status::Fail, rule, message.into(), hint.into());
    }

    /// Records a warning (a warning finding).
    pub fn warn(
        &mut self,
        rule: &'static Rule,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.problem(Status::Warn, rule, message.into(), hint.into());
    }

    /// Records a finding made elsewhere: an error fails the check, a warning warns it, an
    /// info is kept without changing the status.
    pub fn push(&mut self, f: Finding) {
        let status = match f.severity {
            Severity::Error => Status::Fail,
            Severity::Warning => Status::Warn,
            Severity::Info => {
                self.findings.push(f);
                return;
            }
        };
        if status > self.status || (status == self.status && self.hint.is_empty()) {
            self.hint = f.hint.clone();
        }
        self.status = self.status.max(status);
        let prefix = format!("check {} ({}): ", self.num, self.name);
        let f = if f.message.starts_with(&prefix) {
            f
        } else {
            let message = format!("{prefix}{}", f.message);
            Finding { message, ..f }
        };
        self.findings.push(f);
    }

    /// Attaches a file to the findings recorded so far that have none.
    pub fn file_for_findings(&mut self, file: &std::path::Path) {
        for f in &mut self.findings {
            if f.file.is_none() {
                f.file = Some(file.display().to_string());
            }
        }
    }

    /// The evidence column: for a warn or fail, the worst problem first, then what was seen.
    pub fn evidence_text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let worst = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .chain(
                self.findings
                    .iter()
                    .filter(|f| f.severity != Severity::Error),
            )
            .next();
        if let Some(f) = worst {
            let prefix = format!("check {} ({}): ", self.num, self.name);
            let msg = f.message.strip_prefix(&prefix).unwrap_or(&f.message);
            let more = self.findings.len() - 1;
            parts.push(if more > 0 {
                format!("{msg} (+{more} more)")
            } else {
                msg.to_string()
            });
        }
        parts.extend(self.evidence.iter().cloned());
        parts.join("; ")
    }

    /// The row of the `checks` table.
    pub fn row(&self) -> Vec<Value> {
        vec![
            json!(self.num),
            json!(self.name),
            json!(self.status.as_str()),
            json!(self.evidence_text()),
            json!(self.hint),
        ]
    }
}

/// The columns of the `checks` table.
pub const COLUMNS: [&str; 5] = ["#", "check", "status", "evidence", "hint"];

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
    pub containers: Vec<engine::Container>,
    /// The addons inventory, once check 6 has built it.
    pub inventory: Option<crate::addons::Inventory>,
    /// Start Odoo even when the database has pending module operations (`--apply-pending`).
    pub allow_pending: bool,
    /// The series `odoo-bin --version` printed, once check 3 has run it.
    pub binary_series: Option<crate::version::Series>,
}

impl Deploy {
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

    /// The series of the deployment: `expected_series` when set, else the database's, else
    /// the binary's.
    pub fn series(&self) -> Option<crate::version::Series> {
        self.settings
            .expected_series
            .or_else(|| crate::db::series_from_modules(&self.modules))
            .or(self.binary_series)
    }

    /// The series to read odoo.conf by when it is unknown: the newest.
    pub fn series_or_default(&self) -> crate::version::Series {
        self.series().unwrap_or(crate::version::Series::new(19, 0))
    }

    /// Keeps the module states read after an Odoo run for the later checks.
    pub fn refresh_modules(&mut self) {
        if let Ok(db) = &mut self.db {
            if let Ok(m) = db.modules() {
                self.modules = m;
            }
        }
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

    /// The findings of the run: the failure (code `rule`), a refusal, a half-done update, the
    /// changed module states (a warning when the run should change nothing), and the errors
    /// Odoo logged, attributed to their modules.
    pub fn findings(
        &self,
        rule: &'static Rule,
        what: &str,
        expect: &run::Expect,
        apply_cmd: &str,
    ) -> Vec<Finding> {
        use crate::rules::deploy as r;
        let mut out = Vec::new();
        let read_log = |f: Finding| match &self.log {
            Some(l) => {
                let hint = format!("read {}; {}", l.display(), f.hint);
                f.hint(hint)
            }
            None => f,
        };
        match &self.refused {
            Some(Refusal::Pending(_)) => out.push(
                Finding::new(&r::PENDING_OPERATIONS, format!("{what}: {}", self.problem().unwrap_or_default()))
                    .hint(format!(
                        "review them, then apply them deliberately (`{apply_cmd}`) or pass --apply-pending; to cancel them use the Apps menu (Cancel Install/Upgrade/Uninstall)"
                    )),
            ),
            Some(Refusal::Unknown(_)) => out.push(
                Finding::new(&r::PENDING_OPERATIONS, format!("{what}: {}", self.problem().unwrap_or_default()))
                    .hint("fix the database connection (check 4), or pass --apply-pending to start Odoo anyway"),
            ),
            None => {}
        }
        if self.refused.is_some() {
            return out;
        }
        if let Some(fail) = &self.verdict.failure {
            let mut f = Finding::new(rule, format!("{what}: {fail}"));
            match self.verdict.cause.file() {
                Some((file, line)) => {
                    f.file = Some(file);
                    f.line = line;
                }
                None => f.file = self.log.as_ref().map(|l| l.display().to_string()),
            }
            out.push(read_log(f));
        }
        if let Some((done, left)) = self.verdict.half_done {
            out.push(read_log(Finding::new(
                &r::UPDATE_HALF_DONE,
                format!(
                    "{what}: the update stopped half-way: it left {left} module(s) pending ({}) next to {done} installed; the next start of Odoo resumes it",
                    run::describe_pending(&self.verdict.pending_after)
                ),
            ).hint(format!("finish it before serving users (`{apply_cmd}`), or restore the backup"))));
        }
        // New rows of the module list update (`absent → uninstalled`) are counted, not listed.
        let is_listed = |c: &&run::Change| {
            c.state_before.is_none()
                && matches!(
                    c.state_after.as_deref(),
                    Some("uninstalled" | "uninstallable")
                )
        };
        let listed = self.verdict.changes.iter().filter(is_listed).count();
        let real: Vec<&run::Change> = self
            .verdict
            .changes
            .iter()
            .filter(|c| !is_listed(c))
            .collect();
        if !real.is_empty() || listed > 0 {
            let list: Vec<String> = real.iter().take(20).map(|c| c.describe()).collect();
            let more = real.len().saturating_sub(20);
            let mut parts = Vec::new();
            if !real.is_empty() {
                parts.push(format!(
                    "changed {} module(s): {}{}",
                    real.len(),
                    list.join("; "),
                    if more > 0 {
                        format!("; +{more} more")
                    } else {
                        String::new()
                    }
                ));
            }
            if listed > 0 {
                parts.push(format!("listed {listed} new module(s) (uninstalled)"));
            }
            let mut f = Finding::new(
                &r::MODULES_CHANGED,
                format!("{what}: Odoo {}", parts.join("; ")),
            );
            if self.verdict.failure.is_some() {
                f = f.hint(
                    "the failed run still committed these changes: check them before retrying",
                );
            } else if *expect != run::Expect::Nothing {
                f = f
                    .severity(crate::finding::Severity::Info)
                    .hint("what the run was asked to do");
            }
            out.push(f);
        }
        if let Some(why) = &self.states_unknown {
            out.push(
                Finding::new(
                    &r::MODULES_CHANGED,
                    format!("{what}: the module states could not be compared: {why}"),
                )
                .hint("compare them by hand (odoo-audit modules) before serving users"),
            );
        }
        for e in &self.verdict.module_errors {
            for m in &e.modules {
                let msg = if e.preexisting {
                    format!("{what}: Odoo logged a pre-existing problem (the module was already pending before this run): {}", e.line)
                } else {
                    format!("{what}: Odoo logged: {}", e.line)
                };
                out.push(read_log(
                    Finding::new(&r::LOGGED_ERROR, msg)
                        .module(m)
                        .hint("deploy the module's code and its dependencies, or cancel its pending operation in Apps"),
                ));
            }
        }
        if !self.verdict.other_errors.is_empty() {
            out.push(read_log(Finding::new(
                &r::LOGGED_ERROR,
                format!(
                    "{what}: the run succeeded but Odoo logged {} ERROR/CRITICAL line(s), first: {}",
                    self.verdict.other_errors.len(),
                    self.verdict.other_errors[0]
                ),
            )));
        }
        out
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

/// Runs an Odoo one-shot command for a check, saves its log, and turns its verdict into the
/// check's status and findings. Returns the modules read after the run, when it ran.
pub fn odoo_run(
    d: &mut Deploy,
    check: &mut Check,
    rule: &'static Rule,
    label: &str,
    extra: &[String],
    expect: run::Expect,
) -> OdooRun {
    let mut args = d.odoo_oneshot_args();
    args.extend(extra.iter().cloned());
    let cmd = d.odoo(&[]).args(args);
    let apply = d.apply_pending_command();
    let timeout = d.settings.slow_command_timeout;
    let run = d.run_on_database(label, cmd, timeout, &expect);
    match &run.ran {
        Some(ran) => check.see(format!(
            "ran `{}` in {:.1} s",
            ran.display,
            ran.elapsed.as_secs_f64()
        )),
        None => check.see(format!("`{}` not started", run.cmd.display())),
    }
    if let Some(l) = &run.log {
        check.see(format!("log {}", l.display()));
    }
    if run.verdict.compared {
        check.see(format!(
            "module states compared: {} changed",
            run.verdict.changes.len()
        ));
    }
    for f in run.findings(rule, &format!("`{}`", run.cmd.display()), &expect, &apply) {
        check.push(f);
    }
    run
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
        // a traceback belongs to the log line before it; the root cause is read by run.rs
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("bad query"));
    }

    #[test]
    fn the_worst_status_wins_and_its_hint_is_kept() {
        let mut c = Check::new(5, "odoo.conf");
        c.warn(&crate::rules::deploy::CONF, "w", "warn hint");
        assert_eq!(c.status, Status::Warn);
        assert_eq!(c.hint, "warn hint");
        c.fail(&crate::rules::deploy::CONF, "f", "fail hint");
        c.warn(&crate::rules::deploy::CONF, "w2", "later warn hint");
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.hint, "fail hint");
        assert_eq!(c.findings[1].severity, Severity::Error);
        assert_eq!(c.findings[2].severity, Severity::Warning);
    }

    #[test]
    fn evidence_puts_the_worst_problem_first() {
        let mut c = Check::new(12, "backups");
        c.see("newest dump a.dump");
        c.warn(&crate::rules::deploy::BACKUP, "a warning", "h");
        c.fail(&crate::rules::deploy::BACKUP, "no filestore archive", "h");
        assert_eq!(
            c.evidence_text(),
            "no filestore archive (+1 more); newest dump a.dump"
        );
        assert_eq!(
            Check::skipped(9, "asset build", "--quick").evidence_text(),
            "skipped: --quick"
        );
    }
}
