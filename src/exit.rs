//! Exit codes, in one place. Documented in the README.

use crate::finding::{Finding, Severity};

/// Nothing at or above `--fail-on`.
pub const SUCCESS: i32 = 0;
/// Findings at or above `--fail-on`.
pub const FINDINGS: i32 = 1;
/// Usage or configuration error (bad option, unreadable or malformed config file).
pub const USAGE: i32 = 2;
/// Cannot connect or authenticate to the database, or it is not an Odoo database.
pub const DATABASE: i32 = 3;

/// `--fail-on`: the lowest severity that makes the run fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

/// The exit code for a set of findings.
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
}

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fatal {}
