//! `--allow`, `--warn` and `--deny`: per-code severity overrides, validated against the rule
//! registry (an unknown code is a usage error naming the close ones). Applied to the findings
//! before the report is rendered and the exit code decided.

use std::collections::HashSet;

use crate::escape;
use crate::finding::{Finding, Severity};

/// Per-code severity overrides (`--allow`, `--warn`, `--deny`), by finding code.
#[derive(Debug, Clone, Default)]
pub struct Levels {
    pub allow: HashSet<&'static str>,
    pub warn: HashSet<&'static str>,
    pub deny: HashSet<&'static str>,
}

impl Levels {
    /// The overrides from the options; each value is a code (any case) or a rule name. An
    /// unknown one is a usage error that names the close codes.
    pub fn from_options(
        allow: &[String],
        warn: &[String],
        deny: &[String],
    ) -> Result<Levels, crate::exit::Fatal> {
        let codes = |option: &str, values: &[String]| -> Result<HashSet<&'static str>, _> {
            values
                .iter()
                .map(|v| {
                    crate::rules::find(v.trim())
                        .map(|r| r.code)
                        .ok_or_else(|| unknown_code(option, v))
                })
                .collect()
        };
        Ok(Levels {
            allow: codes("--allow", allow)?,
            warn: codes("--warn", warn)?,
            deny: codes("--deny", deny)?,
        })
    }

    /// Applies the overrides: allowed codes are dropped, warned/denied ones change severity.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        findings.retain(|f| !self.allow.contains(f.code));
        for f in findings.iter_mut() {
            if self.deny.contains(f.code) {
                f.severity = Severity::Error;
            } else if self.warn.contains(f.code) {
                f.severity = Severity::Warning;
            }
        }
    }
}

fn unknown_code(option: &str, value: &str) -> crate::exit::Fatal {
    let v = value.trim().to_ascii_lowercase();
    let close: Vec<String> = crate::rules::all()
        .into_iter()
        .filter(|r| {
            edit_distance(&v, &r.code.to_ascii_lowercase()) <= 1
                || edit_distance(&v, r.name) <= 2
                || (v.len() >= 4 && r.name.contains(v.as_str()))
        })
        .map(|r| format!("{} ({})", r.code, r.name))
        .collect();
    let shown = escape::control(value);
    crate::exit::Fatal::usage(if close.is_empty() {
        format!("{option} {shown}: unknown finding code (run `odoo-audit rules` for the list)")
    } else {
        format!(
            "{option} {shown}: unknown finding code; close ones: {}",
            close.join(", ")
        )
    })
}

/// Levenshtein distance, on characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
