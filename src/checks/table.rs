//! The one model of a table of checks or steps: each row has a status (pass, warn, fail or
//! skip), the evidence it saw, a hint, and a [`Finding`] for each warning or failure (warning or
//! error severity), so that the report layer and the exit code treat it like every other
//! command's findings.

use serde_json::{json, Value};

use crate::finding::{Finding, Severity};
use crate::rules::Rule;

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

#[cfg(test)]
mod tests {
    use super::*;

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
