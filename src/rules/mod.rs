//! The registry of every finding code.
//!
//! Each rule has a stable code, a kebab-case name, a default severity, a one-line summary, a
//! longer explanation (what it detects, why it matters) and a default hint at the fix. Codes are
//! grouped by the family of checks that emits them; `odoo-audit explain CODE` prints a rule and
//! `odoo-audit rules` lists them all. A unit test asserts that codes and names are unique and
//! that the README documents every code.

use crate::finding::Severity;

pub mod addons;
pub mod client_actions;
pub mod db;
pub mod deploy;
pub mod parity;

/// A documented kind of finding.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub explanation: &'static str,
    /// Default hint; checks usually give a more precise one.
    pub fix: &'static str,
}

/// Every rule, in code order.
pub fn all() -> Vec<&'static Rule> {
    let mut rules: Vec<&'static Rule> = Vec::new();
    for family in families() {
        rules.extend(family.iter());
    }
    rules.sort_by_key(|r| r.code);
    rules
}

fn families() -> &'static [&'static [Rule]] {
    &[
        addons::RULES,
        client_actions::RULES,
        db::RULES,
        deploy::RULES,
        parity::RULES,
    ]
}

/// Looks a rule up by code (case-insensitive) or by name.
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    all()
        .into_iter()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for r in all() {
            assert!(codes.insert(r.code), "duplicate code {}", r.code);
            assert!(names.insert(r.name), "duplicate name {}", r.name);
        }
    }

    #[test]
    fn rules_are_documented() {
        for r in all() {
            assert!(!r.summary.is_empty(), "{} has no summary", r.code);
            assert!(!r.explanation.is_empty(), "{} has no explanation", r.code);
            assert!(!r.fix.is_empty(), "{} has no fix", r.code);
            assert!(
                r.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{} name is not kebab-case",
                r.code
            );
        }
    }

    #[test]
    fn readme_documents_every_code() {
        let readme = include_str!("../../README.md");
        for r in all() {
            assert!(
                readme.contains(&format!("`{}`", r.code)),
                "README.md does not document {} ({})",
                r.code,
                r.name
            );
        }
    }

    #[test]
    fn find_by_code_and_name() {
        let first = all()[0];
        assert_eq!(
            find(&first.code.to_lowercase()).map(|r| r.code),
            Some(first.code)
        );
        assert_eq!(find(first.name).map(|r| r.code), Some(first.code));
        assert!(find("ZZZ999").is_none());
    }
}
