//! Per-code severity overrides: `--allow`, `--warn` and `--deny` on the command line, and the
//! `[levels]` table of configuration files, validated against the rule registry (an unknown
//! code is a usage error naming the close ones). Applied to the findings before the report is
//! rendered and the exit code decided.
//!
//! Sources, lowest first; for each code the highest source that names it decides:
//! 1. the addons repositories' own files: for each addons path, `.odoo-audit.toml` or
//!    `odoo-audit.toml` in the path or in a parent up to the repository's root (the first
//!    directory holding `.git`; without one, the addons path only); the first addons path's
//!    file ranks highest among them;
//! 2. the settings file: `--settings FILE`, else `./odoo-audit.toml`;
//! 3. the command line.
//!
//! In a file, only the `[levels]` table is read here (`allow`, `warn`, `deny`: lists of codes or
//! rule names); a code in two lists of one file is a usage error.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::escape;
use crate::exit::Fatal;
use crate::finding::{Finding, Severity};

/// The names of an addons repository's own file, in the order they are looked for.
pub const REPO_FILES: [&str; 2] = [".odoo-audit.toml", "odoo-audit.toml"];

/// Per-code severity overrides (`--allow`, `--warn`, `--deny`, `[levels]`), by finding code.
#[derive(Debug, Clone, Default)]
pub struct Levels {
    pub allow: HashSet<&'static str>,
    pub warn: HashSet<&'static str>,
    pub deny: HashSet<&'static str>,
    /// The files whose `[levels]` were read, lowest first.
    pub files: Vec<PathBuf>,
}

/// One level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Allow,
    Warn,
    Deny,
}

/// `[levels]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevels {
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    warn: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
}

/// A configuration file, of which only `[levels]` matters here.
#[derive(Debug, Default, Deserialize)]
struct LevelsFile {
    levels: Option<RawLevels>,
}

impl Levels {
    /// The overrides from the options; each value is a code (any case) or a rule name. An
    /// unknown one is a usage error that names the close codes.
    pub fn from_options(
        allow: &[String],
        warn: &[String],
        deny: &[String],
    ) -> Result<Levels, Fatal> {
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
            files: Vec::new(),
        })
    }

    /// The overrides of the files (lowest first, see the module comment) under those of the
    /// command line (`self`). A file that cannot be read or parsed, an unknown code in it, or a
    /// code in two of its lists is a usage error naming the file.
    pub fn under_files(self, files: &[PathBuf]) -> Result<Levels, Fatal> {
        let mut by_code: BTreeMap<&'static str, Level> = BTreeMap::new();
        let mut read = Vec::new();
        for path in files {
            let file: LevelsFile = super::load_toml(path)?;
            let Some(raw) = file.levels else { continue };
            read.push(path.clone());
            let shown = escape::control(&path.display().to_string()).into_owned();
            let mut here: BTreeMap<&'static str, Level> = BTreeMap::new();
            for (key, level, values) in [
                ("allow", Level::Allow, &raw.allow),
                ("warn", Level::Warn, &raw.warn),
                ("deny", Level::Deny, &raw.deny),
            ] {
                for v in values {
                    let code = crate::rules::find(v.trim())
                        .map(|r| r.code)
                        .ok_or_else(|| unknown_code(&format!("{shown}: levels.{key}:"), v))?;
                    if let Some(other) = here.insert(code, level) {
                        if other != level {
                            return Err(Fatal::usage(format!(
                                "{shown}: levels: {code} is in both `{}` and `{key}`",
                                level_key(other)
                            )));
                        }
                    }
                }
            }
            by_code.extend(here);
        }
        // The command line over every file.
        for code in self.allow.iter().chain(&self.warn).chain(&self.deny) {
            by_code.remove(code);
        }
        let mut out = self;
        for (code, level) in by_code {
            match level {
                Level::Allow => out.allow.insert(code),
                Level::Warn => out.warn.insert(code),
                Level::Deny => out.deny.insert(code),
            };
        }
        out.files = read;
        Ok(out)
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

fn level_key(level: Level) -> &'static str {
    match level {
        Level::Allow => "allow",
        Level::Warn => "warn",
        Level::Deny => "deny",
    }
}

/// The files whose `[levels]` apply to a run, lowest first (see the module comment):
/// the repository files of `addons_paths`, then `settings` (else `cwd/odoo-audit.toml` when it
/// exists). Each file once, at its highest rank.
pub fn files_for(addons_paths: &[PathBuf], settings: Option<&Path>, cwd: &Path) -> Vec<PathBuf> {
    let mut ranked: Vec<PathBuf> = Vec::new();
    for path in addons_paths.iter().rev() {
        if let Some(f) = repo_file(path) {
            ranked.push(f);
        }
    }
    match settings {
        Some(s) => ranked.push(s.to_path_buf()),
        None => {
            let f = cwd.join(super::settings::DEFAULT_FILE);
            if f.is_file() {
                ranked.push(f);
            }
        }
    }
    // Keep each file at its last (highest) place.
    let key = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let mut seen = HashSet::new();
    let mut out: Vec<PathBuf> = Vec::new();
    for p in ranked.into_iter().rev() {
        if seen.insert(key(&p)) {
            out.push(p);
        }
    }
    out.reverse();
    out
}

/// The repository file of an addons path: in the path or a parent up to the repository root.
fn repo_file(addons_path: &Path) -> Option<PathBuf> {
    let start = addons_path
        .canonicalize()
        .unwrap_or_else(|_| addons_path.to_path_buf());
    let chain: Vec<&Path> = start.ancestors().collect();
    let root = chain.iter().position(|d| d.join(".git").exists());
    let dirs = match root {
        Some(i) => &chain[..=i],
        None => &chain[..1.min(chain.len())],
    };
    dirs.iter()
        .flat_map(|d| REPO_FILES.iter().map(move |n| d.join(n)))
        .find(|f| f.is_file())
}

fn unknown_code(option: &str, value: &str) -> Fatal {
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
    Fatal::usage(if close.is_empty() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_settings_levels_name_real_codes() {
        let dir = tempfile::tempdir().unwrap();
        let text = include_str!("../../odoo-audit.example.toml");
        let levels: String = text
            .lines()
            .skip_while(|l| *l != "# [levels]")
            .filter_map(|l| l.strip_prefix("# "))
            .map(|l| format!("{l}\n"))
            .collect();
        let file = dir.path().join("odoo-audit.toml");
        std::fs::write(&file, levels).unwrap();
        let l = Levels::default().under_files(&[file]).unwrap();
        assert_eq!(l.allow.len() + l.warn.len() + l.deny.len(), 3);
    }

    #[test]
    fn one_file_counts_once_at_its_highest_rank() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let addons = dir.path().join("addons");
        std::fs::create_dir(&addons).unwrap();
        let file = dir.path().join("odoo-audit.toml");
        std::fs::write(&file, "[levels]\nallow = [\"A001\"]\n").unwrap();
        // The repository's file is also the settings file of its root.
        let files = files_for(std::slice::from_ref(&addons), None, dir.path());
        assert_eq!(files, vec![dir.path().join("odoo-audit.toml")]);
        // A dotted file ranks before the plain one in the same directory.
        std::fs::write(dir.path().join(".odoo-audit.toml"), "").unwrap();
        let files = files_for(&[addons], None, dir.path());
        assert_eq!(
            files,
            vec![dir.path().join(".odoo-audit.toml"), file],
            "{files:?}"
        );
    }

    #[test]
    fn the_command_line_ranks_over_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.toml");
        std::fs::write(&file, "[levels]\ndeny = [\"A001\"]\nwarn = [\"D001\"]\n").unwrap();
        let cli = Levels::from_options(&["a001".into()], &[], &[]).unwrap();
        let l = cli.under_files(&[file]).unwrap();
        assert!(l.allow.contains("A001") && !l.deny.contains("A001"));
        assert!(l.warn.contains("D001"));
    }
}
