//! The registry of every finding code.
//!
//! Each rule has a stable code, a kebab-case name, a default severity, and the text
//! `odoo-audit explain CODE` prints: what the finding is (a one-line summary), why it matters
//! (the explanation), how to fix it (the default hint) and, where there is one, an example of
//! what triggers it. Codes are
//! grouped by the family of checks that emits them; `odoo-audit explain CODE` prints a rule and
//! `odoo-audit rules` lists them all. A unit test asserts that codes and names are unique and
//! that the README documents every code.

use crate::finding::Severity;

pub mod addons;
pub mod client_actions;
pub mod db;
pub mod deploy;
pub mod fleet;
pub mod parity;
pub mod release;
pub mod views;

/// A documented kind of finding.
#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// What it is: one sentence.
    pub summary: &'static str,
    /// Why it matters: what Odoo (or the deployment) does when it happens.
    pub explanation: &'static str,
    /// How to fix it; also the default hint of its findings (checks usually give a more
    /// precise one).
    pub fix: &'static str,
    /// An example of what triggers it (an input, a command and what it reports), as lines kept
    /// as they are.
    pub example: Option<&'static str>,
}

/// The family of a code, named by its letter: what the findings of the family are about.
/// Code that picks findings by family uses this, never the code's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `M`: manifests.
    Manifest,
    /// `P`: addons paths and the input files under them.
    AddonsPath,
    /// `D`: dependencies between addons.
    Dependency,
    /// `S`: the Odoo series.
    Series,
    /// `V`: code and database versions.
    Version,
    /// `B`: broken records and states in the database.
    Broken,
    /// `A`: client actions.
    ClientAction,
    /// `W`: field widgets and view classes.
    WebRegistry,
    /// `G`: the deploy gate, truth-sync and backup test-restore.
    Deploy,
    /// `Y`: enterprise parity.
    Parity,
    /// `X`: view and template inheritance.
    Views,
    /// `R`: a release deployed as its release file says (`verify-deploy`).
    Release,
    /// `F`: the instances of a fleet that could not be audited.
    Fleet,
}

impl Family {
    /// The family of a code, `None` for a code of no known family.
    pub fn of_code(code: &str) -> Option<Family> {
        Some(match code.as_bytes().first()? {
            b'M' => Family::Manifest,
            b'P' => Family::AddonsPath,
            b'D' => Family::Dependency,
            b'S' => Family::Series,
            b'V' => Family::Version,
            b'B' => Family::Broken,
            b'A' => Family::ClientAction,
            b'W' => Family::WebRegistry,
            b'G' => Family::Deploy,
            b'Y' => Family::Parity,
            b'X' => Family::Views,
            b'R' => Family::Release,
            b'F' => Family::Fleet,
            _ => return None,
        })
    }
}

impl Rule {
    /// The family the rule's code belongs to.
    pub fn family(&self) -> Option<Family> {
        Family::of_code(self.code)
    }
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
        fleet::RULES,
        parity::RULES,
        release::RULES,
        views::RULES,
    ]
}

/// Looks a rule up by code (case-insensitive) or by name.
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    all()
        .into_iter()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

/// The repository's rules reference ([`reference`]), `docs/rules.md`.
pub const REFERENCE_PATH: &str = "docs/rules.md";

/// The address of a rule's entry in the rules reference of the repository (`docs/rules.md`
/// on the main branch, one anchor per code): the `helpUri` of SARIF.
pub fn doc_uri(code: &str) -> String {
    format!(
        "{}/blob/main/{REFERENCE_PATH}#{}",
        env!("CARGO_PKG_REPOSITORY"),
        code.to_ascii_lowercase()
    )
}

/// The rules reference, `docs/rules.md`: every rule of the registry under a heading of its
/// code (so its anchor is the code in lower case), with its name, default severity, summary,
/// explanation and default fix. Generated: a unit test fails when the file differs (and
/// rewrites it with `ODOO_AUDIT_UPDATE_DOCS=1`).
pub fn reference() -> String {
    let mut out = String::from(
        "# Rules reference\n\n\
<!-- Generated from the rule registry (src/rules) by `ODOO_AUDIT_UPDATE_DOCS=1 cargo test --lib rules`; do not edit. -->\n\n\
Every finding code of odoo-audit, as `odoo-audit explain CODE` prints it. The severity is the \
default one: `--allow`, `--warn` and `--deny` change it for a run.\n\n\
| Code | Name | Severity | Summary |\n| --- | --- | --- | --- |\n",
    );
    let cell = |s: &str| s.replace('|', "\\|");
    for r in all() {
        out.push_str(&format!(
            "| [{}](#{}) | `{}` | {} | {} |\n",
            r.code,
            r.code.to_ascii_lowercase(),
            r.name,
            r.severity,
            cell(r.summary)
        ));
    }
    for r in all() {
        out.push_str(&format!(
            "\n## {}\n\n`{}`, default severity **{}**.\n\n{}\n\n{}\n\n**Fix:** {}\n",
            r.code, r.name, r.severity, r.summary, r.explanation, r.fix
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_rules_reference_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(REFERENCE_PATH);
        let want = reference();
        if std::env::var_os("ODOO_AUDIT_UPDATE_DOCS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{REFERENCE_PATH} is out of date with the rule registry: run `ODOO_AUDIT_UPDATE_DOCS=1 cargo test --lib rules` and commit it"
        );
        for r in all() {
            let heading = format!("\n## {}\n", r.code);
            assert_eq!(have.matches(&heading).count(), 1, "{}", r.code);
            assert!(doc_uri(r.code).ends_with(&format!("#{}", r.code.to_ascii_lowercase())));
        }
    }

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
    fn examples_fit_an_80_column_terminal() {
        let mut with_example = 0;
        for r in all() {
            let Some(example) = r.example else { continue };
            with_example += 1;
            assert!(
                !example.trim().is_empty(),
                "{} has an empty example",
                r.code
            );
            for line in example.lines() {
                // `explain` indents them by two columns.
                assert!(line.chars().count() <= 76, "{}: {line:?}", r.code);
                assert!(!line.contains('\t'), "{}: a tab in {line:?}", r.code);
            }
        }
        assert!(with_example >= 20, "{with_example} examples only");
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
    fn every_rule_has_a_family_and_a_family_one_letter() {
        let mut letters: std::collections::HashMap<Family, char> = Default::default();
        for r in all() {
            let fam = r
                .family()
                .unwrap_or_else(|| panic!("{} has no family", r.code));
            let letter = r.code.chars().next().unwrap();
            assert_eq!(*letters.entry(fam).or_insert(letter), letter, "{}", r.code);
        }
        assert_eq!(Family::of_code("P004"), Some(Family::AddonsPath));
        assert_eq!(Family::of_code("Z001"), None);
        assert_eq!(Family::of_code(""), None);
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
