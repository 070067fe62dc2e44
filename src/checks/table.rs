//! The one model of a table of checks or steps: each row ([`Check`]) has a status (pass, warn,
//! fail or skip), the evidence it saw, a hint, the cells its table shows besides (a measured
//! figure and its threshold, the command a step ran, its time and log), and a [`Finding`] for
//! each warning or failure (warning or error severity), so that the report layer and the exit
//! code treat it like every other command's findings. A table ([`Checks`]) is its rows and a
//! [`Layout`] naming its columns; the checks fill it, the report layer renders it. The deploy
//! gate, the thresholds of `parity verify` and the steps of truth-sync and `parity install` are
//! all such tables.

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
    pub num: usize,
    pub name: String,
    pub status: Status,
    /// The status as the table shows it when it says more than pass/warn/fail/skip (a step
    /// `installed`, `not run`, `skipped: needs x`).
    pub label: Option<String>,
    /// What the check saw (values, versions, sizes…), never a secret.
    pub evidence: Vec<String>,
    /// The hint of the first failure (else of the first warning), or the skip reason.
    pub hint: String,
    pub findings: Vec<Finding>,
    /// The other cells of the row, by column name ([`Column::Cell`]).
    pub cells: Vec<(&'static str, Value)>,
}

impl Check {
    pub fn new(num: usize, name: impl Into<String>) -> Check {
        Check {
            num,
            name: name.into(),
            status: Status::Pass,
            label: None,
            evidence: Vec::new(),
            hint: String::new(),
            findings: Vec::new(),
            cells: Vec::new(),
        }
    }

    /// A skipped check, with the reason.
    pub fn skipped(num: usize, name: impl Into<String>, reason: &str) -> Check {
        let mut c = Check::new(num, name);
        c.status = Status::Skip;
        c.evidence.push(format!("skipped: {reason}"));
        c
    }

    pub fn see(&mut self, evidence: impl Into<String>) {
        self.evidence.push(evidence.into());
    }

    /// Sets a cell of the row (a column of the table's [`Layout`]).
    pub fn cell(mut self, column: &'static str, value: impl Into<Value>) -> Check {
        self.set(column, value);
        self
    }

    /// Sets a cell of the row in place.
    pub fn set(&mut self, column: &'static str, value: impl Into<Value>) {
        let value = value.into();
        match self.cells.iter_mut().find(|(c, _)| *c == column) {
            Some(c) => c.1 = value,
            None => self.cells.push((column, value)),
        }
    }

    /// The value of a cell; `Null` when it was never set.
    pub fn get(&self, column: &str) -> &Value {
        self.cells
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v)
            .unwrap_or(&Value::Null)
    }

    /// Sets the status and the text the table shows for it.
    pub fn with_status(mut self, status: Status, label: impl Into<String>) -> Check {
        self.status = status;
        self.label = Some(label.into());
        self
    }

    /// The status as the table shows it.
    pub fn status_text(&self) -> &str {
        self.label.as_deref().unwrap_or(self.status.as_str())
    }

    /// Fails the check with a finding made by the caller, its message kept as it is (the
    /// finding's severity may be lower than an error: a non-critical threshold).
    pub fn fail_with(&mut self, mut f: Finding) {
        if self.status != Status::Fail || self.hint.is_empty() {
            self.hint = f.hint.clone();
        }
        self.status = Status::Fail;
        if f.key.is_none() {
            f.key = Some(self.name.to_string());
        }
        self.findings.push(f);
    }

    fn problem(
        &mut self,
        status: Status,
        rule: &'static Rule,
        message: String,
        hint: String,
    ) -> &mut Finding {
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
            .hint(hint)
            .key(self.name.to_string()),
        );
        self.findings.last_mut().expect("just pushed")
    }

    /// Records a failure (an error finding), about the check as a whole: its key is the
    /// check's name. A check that can fail twice with the same code uses [`Check::fail_about`].
    pub fn fail(
        &mut self,
        rule: &'static Rule,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.problem(Status::Fail, rule, message.into(), hint.into());
    }

    /// Records a warning (a warning finding), about the check as a whole.
    pub fn warn(
        &mut self,
        rule: &'static Rule,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.problem(Status::Warn, rule, message.into(), hint.into());
    }

    /// Records a failure about `key` (a setting, a URL, a service): its fingerprint's key.
    pub fn fail_about(
        &mut self,
        key: impl Into<String>,
        rule: &'static Rule,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.problem(Status::Fail, rule, message.into(), hint.into())
            .about(key);
    }

    /// Records a warning about `key`.
    pub fn warn_about(
        &mut self,
        key: impl Into<String>,
        rule: &'static Rule,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.problem(Status::Warn, rule, message.into(), hint.into())
            .about(key);
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
        let mut f = f;
        if f.key.is_none() {
            f.key = Some(self.name.to_string());
        }
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

    /// The cell of one column of its table.
    pub fn value(&self, column: &Column) -> Value {
        match column {
            Column::Num => json!(self.num),
            Column::Name => json!(self.name),
            Column::Status => json!(self.status_text()),
            Column::Evidence => json!(self.evidence_text()),
            Column::Hint => json!(self.hint),
            Column::Cell(c) => self.get(c).clone(),
        }
    }
}

/// What a column of a table of checks shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The row's number.
    Num,
    Name,
    /// The status, or its label.
    Status,
    /// [`Check::evidence_text`].
    Evidence,
    Hint,
    /// A cell set with [`Check::cell`].
    Cell(&'static str),
}

/// The name, title and columns (header, content) of a table of checks or steps.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub name: &'static str,
    pub title: &'static str,
    pub columns: &'static [(&'static str, Column)],
}

/// The deploy gate's `checks` table.
pub const GATE: Layout = Layout {
    name: "checks",
    title: "Checks",
    columns: &[
        ("#", Column::Num),
        ("check", Column::Name),
        ("status", Column::Status),
        ("evidence", Column::Evidence),
        ("hint", Column::Hint),
    ],
};

/// A table of checks or steps.
#[derive(Debug, Clone)]
pub struct Checks {
    pub layout: Layout,
    pub rows: Vec<Check>,
}

impl Checks {
    pub fn new(layout: Layout) -> Checks {
        Checks {
            layout,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, c: Check) {
        self.rows.push(c);
    }

    /// How many rows have this status.
    pub fn count(&self, status: Status) -> usize {
        self.rows.iter().filter(|c| c.status == status).count()
    }

    /// Whether a row failed.
    pub fn failed(&self) -> bool {
        self.rows.iter().any(|c| c.status == Status::Fail)
    }

    /// The findings of every row, in row order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.rows.iter().flat_map(|c| c.findings.iter())
    }

    /// The header of the table.
    pub fn columns(&self) -> Vec<&'static str> {
        self.layout.columns.iter().map(|(h, _)| *h).collect()
    }

    /// The cells of each row, in column order.
    pub fn cells(&self) -> Vec<Vec<Value>> {
        self.rows
            .iter()
            .map(|c| {
                self.layout
                    .columns
                    .iter()
                    .map(|(_, col)| c.value(col))
                    .collect()
            })
            .collect()
    }
}

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
