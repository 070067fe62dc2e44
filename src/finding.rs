//! The one kind of result every check produces.
//!
//! A check never prints: it returns [`Finding`]s. Each finding carries a stable code from the rule
//! registry ([`crate::rules`]), a severity, where it is (module, file, line, column), a message and
//! a hint at the fix. The report layer ([`crate::report`]) renders them and [`crate::exit`] turns
//! them into the exit code.

use serde::Serialize;
use std::fmt;
use std::path::Path;

use crate::rules::Rule;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem (or notable fact) found by a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code, e.g. `D001`.
    pub code: &'static str,
    /// Kebab-case name of the rule, e.g. `missing-dependency`.
    pub rule: &'static str,
    pub severity: Severity,
    /// Technical name of the addon/module concerned, when there is one.
    pub module: Option<String>,
    /// File concerned, when there is one.
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hint: String,
    /// What the finding is about within its module or file, when one module or file can have
    /// several findings of the same code (a dependency's name, an XML id, a client action's tag,
    /// a check's number). Part of the fingerprint; never a line number or message text.
    pub key: Option<String>,
    /// The instance of a fleet the finding belongs to (`fleet` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Stable identity of the finding across runs ([`crate::report::fingerprint`]): set by the
    /// report layer.
    pub fingerprint: Option<String>,
}

impl Finding {
    /// A finding of `rule` with its default severity and default hint.
    pub fn new(rule: &'static Rule, message: impl Into<String>) -> Finding {
        Finding {
            code: rule.code,
            rule: rule.name,
            severity: rule.severity,
            module: None,
            file: None,
            line: None,
            column: None,
            message: message.into(),
            hint: rule.fix.to_string(),
            key: None,
            instance: None,
            fingerprint: None,
        }
    }

    pub fn module(mut self, module: impl Into<String>) -> Finding {
        self.module = Some(module.into());
        self
    }

    pub fn file(mut self, file: impl AsRef<Path>) -> Finding {
        self.file = Some(file.as_ref().display().to_string());
        self
    }

    pub fn line(mut self, line: usize) -> Finding {
        self.line = Some(line);
        self
    }

    /// The line, when known (a finding without one keeps none).
    pub fn at_line(mut self, line: Option<usize>) -> Finding {
        if line.is_some() {
            self.line = line;
        }
        self
    }

    pub fn at(mut self, line: usize, column: usize) -> Finding {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// What the finding is about ([`Finding::key`]).
    pub fn key(mut self, key: impl Into<String>) -> Finding {
        self.key = Some(key.into());
        self
    }

    /// Names what a finding already made is about ([`Finding::key`]).
    pub fn about(&mut self, key: impl Into<String>) -> &mut Finding {
        self.key = Some(key.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Finding {
        self.hint = hint.into();
        self
    }

    pub fn severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    /// The family of the finding's code.
    pub fn family(&self) -> Option<crate::rules::Family> {
        crate::rules::Family::of_code(self.code)
    }

    /// True when the finding is of `rule`.
    pub fn is(&self, rule: &Rule) -> bool {
        self.code == rule.code
    }

    /// `[instance] ` for a finding of a fleet's instance, else empty: the text formats start
    /// the finding's text with it.
    pub fn instance_prefix(&self) -> String {
        match &self.instance {
            Some(i) => format!("[{i}] "),
            None => String::new(),
        }
    }

    /// `file:line:column`, `file:line`, `file`, or empty.
    pub fn location(&self) -> String {
        match (&self.file, self.line, self.column) {
            (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}"),
            (Some(f), Some(l), None) => format!("{f}:{l}"),
            (Some(f), None, _) => f.clone(),
            (None, _, _) => String::new(),
        }
    }

    /// Deterministic order: most severe first, then by instance (a fleet's), module, file, line,
    /// code and message.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.severity),
            self.instance.as_deref().unwrap_or(""),
            self.module.as_deref().unwrap_or(""),
            self.file.as_deref().unwrap_or(""),
            self.line.unwrap_or(0),
            self.column.unwrap_or(0),
            self.code,
            self.message.as_str(),
        )
    }
}

/// Sorts findings in the order every renderer uses, and removes exact duplicates.
pub fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
}
