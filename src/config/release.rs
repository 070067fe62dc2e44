//! The release file of `verify-deploy` (`--release FILE`, TOML): what "deployed correctly"
//! means for one release. Relative paths are relative to the file's directory; unknown keys are
//! errors. See `odoo-audit.release.example.toml`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::exit::Fatal;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawRelease {
    pub name: Option<String>,
    /// When the deployment started (RFC 3339): the database dump must be newer, the log window
    /// starts there by default.
    pub started_at: Option<String>,
    pub files: Option<RawFiles>,
    pub logs: Option<RawLogs>,
    pub rollback: Option<RawRollback>,
    pub services: Option<RawServices>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFiles {
    /// `md5sum`/`sha256sum` lines, as `odoo-audit files hash` writes them.
    pub manifest: PathBuf,
    /// Where the manifest's relative paths are (default: the manifest's directory).
    pub root: Option<PathBuf>,
    /// Directories (as the manifest names them) that must hold the listed files and no other.
    #[serde(default)]
    pub exact: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLogs {
    /// Odoo's log file (default: `logfile` of odoo.conf; compose mode: `docker compose logs`).
    pub file: Option<PathBuf>,
    /// `release` (from `started_at`) or a span back from now (`30m`, `2h`).
    pub since: Option<String>,
    /// At most this many ERROR/CRITICAL lines.
    pub max_errors: Option<u64>,
    #[serde(default)]
    pub expect: Vec<RawCriterion>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCriterion {
    pub name: Option<String>,
    /// A regular expression, matched against each log entry (its line and continuation lines).
    pub pattern: String,
    pub min: Option<u64>,
    pub max: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRollback {
    /// Where the copies of the replaced files are, by their path in the manifest.
    pub backup_dir: Option<PathBuf>,
    /// The files the release replaces (paths as the manifest names them).
    #[serde(default)]
    pub replaces: Vec<String>,
    /// A directory holding a database dump newer than `started_at`.
    pub dump_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServices {
    /// deploy-check's engine/process checks (1, 2) and HTTP check (11) on the same target.
    #[serde(default = "yes")]
    pub check: bool,
}

fn yes() -> bool {
    true
}

/// One log criterion, validated.
#[derive(Debug, Clone)]
pub struct Criterion {
    pub name: String,
    pub pattern: regex::Regex,
    pub min: Option<u64>,
    pub max: Option<u64>,
}

/// Where the log window starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Since {
    /// The release's `started_at`.
    Release,
    /// A span back from the time of each check.
    Span(chrono::Duration),
}

#[derive(Debug, Clone)]
pub struct Logs {
    pub file: Option<PathBuf>,
    pub since: Since,
    pub max_errors: Option<u64>,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone)]
pub struct Files {
    pub manifest: PathBuf,
    pub root: PathBuf,
    pub exact: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Rollback {
    pub backup_dir: Option<PathBuf>,
    pub replaces: Vec<String>,
    pub dump_dir: Option<PathBuf>,
}

/// A release file, validated.
#[derive(Debug, Clone)]
pub struct Release {
    pub path: PathBuf,
    pub name: Option<String>,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub files: Option<Files>,
    pub logs: Option<Logs>,
    pub rollback: Option<Rollback>,
    pub services: bool,
}

impl Release {
    pub fn load(path: &Path) -> Result<Release, Fatal> {
        let raw: RawRelease = super::load_toml(path)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let rel = |p: &Path| {
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                dir.join(p)
            }
        };
        let shown = crate::escape::control(&path.display().to_string()).into_owned();
        let bad = |what: String| Fatal::usage(format!("{shown}: {what}"));
        let started_at = match &raw.started_at {
            None => None,
            Some(s) => Some(
                chrono::DateTime::parse_from_rfc3339(s)
                    .map_err(|_| {
                        bad(format!(
                            "started_at `{}` is not an RFC 3339 time (2026-12-01T22:00:00Z)",
                            crate::escape::control(s)
                        ))
                    })?
                    .with_timezone(&chrono::Utc),
            ),
        };
        let files = raw.files.as_ref().map(|f| {
            let manifest = rel(&f.manifest);
            let root = f
                .root
                .as_deref()
                .map(rel)
                .unwrap_or_else(|| manifest.parent().unwrap_or(dir).to_path_buf());
            Files {
                manifest,
                root,
                exact: f.exact.clone(),
            }
        });
        let logs = match &raw.logs {
            None => None,
            Some(l) => {
                let since = match l.since.as_deref() {
                    None | Some("release") => Since::Release,
                    Some(span) => Since::Span(crate::history::parse_since(span).map_err(|e| {
                        bad(format!(
                            "[logs] since: {}",
                            e.message.trim_start_matches("--since ")
                        ))
                    })?),
                };
                if since == Since::Release && started_at.is_none() {
                    return Err(bad(
                        "[logs] reads the log since the release started: set started_at, or since = \"30m\""
                            .into(),
                    ));
                }
                let mut criteria = Vec::new();
                for (i, c) in l.expect.iter().enumerate() {
                    let pattern = regex::RegexBuilder::new(&c.pattern)
                        .size_limit(1 << 20)
                        .build()
                        .map_err(|e| {
                            bad(format!(
                                "[[logs.expect]] {}: bad pattern: {}",
                                i + 1,
                                crate::escape::escape(&e.to_string(), 200)
                            ))
                        })?;
                    if c.min.is_none() && c.max.is_none() {
                        return Err(bad(format!(
                            "[[logs.expect]] {}: give min or max (max = 0: must not occur)",
                            i + 1
                        )));
                    }
                    criteria.push(Criterion {
                        name: c.name.clone().unwrap_or_else(|| c.pattern.clone()),
                        pattern,
                        min: c.min,
                        max: c.max,
                    });
                }
                Some(Logs {
                    file: l.file.as_deref().map(rel),
                    since,
                    max_errors: l.max_errors,
                    criteria,
                })
            }
        };
        let rollback = raw.rollback.as_ref().map(|r| Rollback {
            backup_dir: r.backup_dir.as_deref().map(rel),
            replaces: r.replaces.clone(),
            dump_dir: r.dump_dir.as_deref().map(rel),
        });
        if rollback.as_ref().is_some_and(|r| r.dump_dir.is_some()) && started_at.is_none() {
            return Err(bad(
                "[rollback] dump_dir needs started_at (the dump must be newer than the release start)"
                    .into(),
            ));
        }
        Ok(Release {
            path: path.to_path_buf(),
            name: raw.name,
            started_at,
            files,
            logs,
            rollback,
            services: raw.services.map(|s| s.check).unwrap_or(false),
        })
    }
}
