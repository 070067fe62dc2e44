//! Exit codes, in one place. Documented in the README.
//!
//! A subcommand either fails to run (a [`Fatal`]: usage, configuration or database error) or
//! returns findings; whether those fail the run is decided here only, after `--allow`, `--warn`
//! and `--deny` were applied, from the threshold of [`fail_on`]. With `--format nagios` the
//! codes are the Monitoring Plugins states instead ([`Nagios`], [`run_code`], [`error_code`]).

use crate::cli::{Command, GlobalArgs, ParityAction};
use crate::finding::{Finding, Severity};
use crate::report::Format;

/// Nothing at or above `--fail-on`.
pub const SUCCESS: i32 = 0;
/// Findings at or above `--fail-on`.
pub const FINDINGS: i32 = 1;
/// Usage or configuration error (bad option, unreadable or malformed config file).
pub const USAGE: i32 = 2;
/// Cannot connect or authenticate to the database, or it is not an Odoo database.
pub const DATABASE: i32 = 3;
/// Interrupted by SIGINT (Ctrl-C) or SIGTERM, after cleaning up (`backup test-restore` drops
/// its scratch database first): 128 + SIGINT, as shells report it.
pub const INTERRUPTED: i32 = 130;

/// `--fail-on`: the lowest severity that makes the run fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

/// The threshold of a run: `--ci` fails on errors whatever `--fail-on` says; else `--fail-on`
/// when given; else warnings for `parity verify --strict`; else errors.
pub fn fail_on(command: &Command, global: &GlobalArgs) -> FailOn {
    if command.ci() {
        return FailOn::Error;
    }
    if let Some(f) = global.fail_on {
        return f;
    }
    match command {
        Command::Parity(p) if matches!(&p.action, ParityAction::Verify(v) if v.strict) => {
            FailOn::Warning
        }
        _ => FailOn::Error,
    }
}

/// The exit code for a set of findings (after the levels were applied).
pub fn code_for(findings: &[Finding], fail_on: FailOn) -> i32 {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Never => return SUCCESS,
    };
    if findings.iter().any(|f| f.severity >= threshold) {
        FINDINGS
    } else {
        SUCCESS
    }
}

/// A Monitoring Plugins state (`--format nagios`): the status word of the line and the exit
/// code of the run. Ordered: `Ok < Warning < Critical < Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Nagios {
    Ok,
    Warning,
    Critical,
    Unknown,
}

impl Nagios {
    /// The exit code: 0, 1, 2, 3.
    pub fn code(self) -> i32 {
        match self {
            Nagios::Ok => 0,
            Nagios::Warning => 1,
            Nagios::Critical => 2,
            Nagios::Unknown => 3,
        }
    }

    /// The state of an exit code of `--format nagios`; any other code is `Unknown`.
    pub fn of_code(code: i32) -> Nagios {
        match code {
            0 => Nagios::Ok,
            1 => Nagios::Warning,
            2 => Nagios::Critical,
            _ => Nagios::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Nagios::Ok => "OK",
            Nagios::Warning => "WARNING",
            Nagios::Critical => "CRITICAL",
            Nagios::Unknown => "UNKNOWN",
        }
    }
}

/// The Monitoring Plugins state of a set of findings: findings at or above `--fail-on` (those
/// that fail the run) are CRITICAL; other errors and warnings are WARNING; infos alone are OK.
/// So by default errors are CRITICAL and warnings WARNING; `--fail-on warning` makes warnings
/// CRITICAL too; `--fail-on never` reports errors and warnings as WARNING, never CRITICAL.
pub fn nagios_state(findings: &[Finding], fail_on: FailOn) -> Nagios {
    let worst = findings.iter().map(|f| f.severity).max();
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Never => None,
    };
    match worst {
        Some(s) if threshold.is_some_and(|t| s >= t) => Nagios::Critical,
        Some(Severity::Error | Severity::Warning) => Nagios::Warning,
        _ => Nagios::Ok,
    }
}

/// The exit code of a run that produced its findings: the Monitoring Plugins state with
/// `--format nagios`, else [`code_for`].
pub fn run_code(findings: &[Finding], fail_on: FailOn, format: Format) -> i32 {
    match format {
        Format::Nagios => nagios_state(findings, fail_on).code(),
        _ => code_for(findings, fail_on),
    }
}

/// The exit code of a run that could not run or not be reported (a [`Fatal`] of code `code`,
/// a usage error, a report that could not be written): UNKNOWN (3) with `--format nagios`,
/// else `code`.
pub fn error_code(code: i32, format: Format) -> i32 {
    match format {
        Format::Nagios => Nagios::Unknown.code(),
        _ => code,
    }
}

/// The exit code of a fleet: the worst of its instances' codes, each instance's from its own
/// findings (after the levels were applied) as [`code_for`] decides it.
pub fn fleet_code(run: &crate::commands::fleet::FleetRun, fail_on: FailOn) -> i32 {
    run.instances
        .iter()
        .map(|i| code_for(&i.findings(), fail_on))
        .max()
        .unwrap_or(SUCCESS)
}

/// True when `e`, or an error it wraps, is a closed pipe: the reader went away (`| head`). The
/// run then ends quietly with exit 0, as ripgrep does.
pub fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return true;
            }
            if let Some(inner) = io.get_ref() {
                if is_broken_pipe(inner) {
                    return true;
                }
            }
        }
        cur = err.source();
    }
    false
}

/// An error that ends the run with a specific exit code and a one-line message.
#[derive(Debug)]
pub struct Fatal {
    pub code: i32,
    pub message: String,
}

impl Fatal {
    pub fn usage(message: impl Into<String>) -> Fatal {
        Fatal {
            code: USAGE,
            message: message.into(),
        }
    }

    pub fn database(message: impl Into<String>) -> Fatal {
        Fatal {
            code: DATABASE,
            message: message.into(),
        }
    }

    /// The run was interrupted (SIGINT/SIGTERM) and stopped after its cleanup.
    pub fn interrupted(message: impl Into<String>) -> Fatal {
        Fatal {
            code: INTERRUPTED,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fatal {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::addons::MISSING_DEPENDENCY;

    fn of(severities: &[Severity]) -> Vec<Finding> {
        severities
            .iter()
            .map(|s| Finding::new(&MISSING_DEPENDENCY, "m").severity(*s))
            .collect()
    }

    #[test]
    fn nagios_states_follow_the_severities_and_fail_on() {
        use Severity::*;
        let cases: &[(&[Severity], FailOn, Nagios)] = &[
            (&[], FailOn::Error, Nagios::Ok),
            (&[Info], FailOn::Error, Nagios::Ok),
            (&[Info, Warning], FailOn::Error, Nagios::Warning),
            (&[Warning, Error], FailOn::Error, Nagios::Critical),
            (&[Warning], FailOn::Warning, Nagios::Critical),
            (&[Info], FailOn::Warning, Nagios::Ok),
            (&[Error], FailOn::Never, Nagios::Warning),
            (&[Info], FailOn::Never, Nagios::Ok),
        ];
        for (sev, fail_on, want) in cases {
            let f = of(sev);
            assert_eq!(nagios_state(&f, *fail_on), *want, "{sev:?} {fail_on:?}");
            assert_eq!(run_code(&f, *fail_on, Format::Nagios), want.code());
            assert_eq!(Nagios::of_code(want.code()), *want);
        }
        // Other formats keep their codes.
        assert_eq!(
            run_code(&of(&[Warning]), FailOn::Error, Format::Json),
            SUCCESS
        );
        assert_eq!(error_code(DATABASE, Format::Table), DATABASE);
        assert_eq!(error_code(USAGE, Format::Nagios), 3);
        assert_eq!(error_code(DATABASE, Format::Nagios), 3);
    }
}
