//! Exit codes, in one place. Documented in the README.
//!
//! A subcommand either fails to run (a [`Fatal`]: usage, configuration or database error) or
//! returns findings; whether those fail the run is decided here only, after `--allow`, `--warn`
//! and `--deny` were applied, from the threshold of [`fail_on`].

use crate::cli::{Command, GlobalArgs, ParityAction};
use crate::finding::{Finding, Severity};

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
