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
                "--logfile=/dev/stdout",
                "--stop-after-init",
            ]
            .map(String::from),
        );
        a
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

/// Odoo log lines at ERROR or CRITICAL level (`2024-05-01 10:00:00,123 42 ERROR db logger: …`),
/// and Python tracebacks.
pub fn odoo_error_lines(output: &str) -> Vec<String> {
    let re = regex::Regex::new(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ")
        .expect("regex");
    output
        .lines()
        .filter(|l| re.is_match(l) || l.starts_with("Traceback (most recent call last)"))
        .map(|l| crate::exec::shorten(l.trim(), 300))
        .collect()
}

/// Runs an Odoo one-shot command, saves its log, and turns it into the check's status.
pub fn odoo_run(
    d: &Deploy,
    check: &mut Check,
    rule: &'static Rule,
    label: &str,
    extra: &[String],
) -> Ran {
    let mut args = d.odoo_oneshot_args();
    args.extend(extra.iter().cloned());
    let cmd = d.odoo(&[]).args(args);
    let ran = cmd.run(d.settings.slow_command_timeout);
    let log = save_log(&d.settings, label, &ran);
    check.see(format!(
        "ran `{}` in {:.1} s",
        ran.display,
        ran.elapsed.as_secs_f64()
    ));
    if let Some(l) = &log {
        check.see(format!("log {}", l.display()));
    }
    let errors = odoo_error_lines(&format!("{}\n{}", ran.stdout, ran.stderr));
    let hint = match &log {
        Some(l) => format!("read {}; {}", l.display(), rule.fix),
        None => rule.fix.to_string(),
    };
    let before = check.findings.len();
    if !ran.success() {
        check.fail(rule, ran.failure(), hint.clone());
    }
    if !errors.is_empty() {
        check.fail(
            rule,
            format!(
                "{} ERROR/CRITICAL line(s) in Odoo's output, first: {}",
                errors.len(),
                errors[0]
            ),
            hint,
        );
    }
    if let Some(l) = &log {
        for f in &mut check.findings[before..] {
            f.file = Some(l.display().to_string());
        }
    }
    ran
}

/// One Odoo run of a routine (truth-sync, parity install): what ran, its saved log, and what
/// went wrong, if anything (exit status, timeout, or ERROR/CRITICAL lines in its output).
pub struct Step {
    pub ran: Ran,
    pub log: Option<PathBuf>,
    pub problem: Option<String>,
}

/// Runs `cmd` with `timeout`, saves its log under `label`, and scans the output.
pub fn run_step(s: &Settings, label: &str, cmd: &Cmd, timeout: std::time::Duration) -> Step {
    let ran = cmd.run(timeout);
    let log = save_log(s, label, &ran);
    let errors = odoo_error_lines(&format!("{}\n{}", ran.stdout, ran.stderr));
    let problem = if !ran.success() {
        Some(ran.failure())
    } else if !errors.is_empty() {
        Some(format!(
            "{} ERROR/CRITICAL line(s) in Odoo's output, first: {}",
            errors.len(),
            errors[0]
        ))
    } else {
        None
    };
    Step { ran, log, problem }
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
        assert_eq!(lines.len(), 3, "{lines:?}");
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
