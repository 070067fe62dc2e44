//! `verify-deploy`: a release deployed as its release file says. Plain functions over what
//! [`crate::load::release`] read: the deployed files against the digest file, Odoo's log entries
//! of the window against the criteria, the backups kept for the rollback.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::checks::deploy::backups::age_text;
use crate::checks::table::{Check, Status};
use crate::config::release::Criterion;
use crate::finding::Finding;
use crate::load::release::{Deployed, Entry, Found, Kept, LogWindow};
use crate::rules::release as r;

/// How many matching lines a log finding quotes.
const QUOTED: usize = 3;

/// The deployed files against the digest file.
pub fn check_files(num: usize, deployed: &Deployed, manifest: &str) -> Check {
    let mut c = Check::new(num, "files");
    let mut ok = 0usize;
    for (sum, found) in &deployed.files {
        let finding = match found {
            Found::Digest(d) if *d == sum.digest => {
                ok += 1;
                continue;
            }
            Found::Digest(d) => Finding::new(
                &r::FILE_CHANGED,
                format!(
                    "{} differs from the release: {} {} instead of {}",
                    sum.path,
                    sum.algorithm.as_str(),
                    d,
                    sum.digest
                ),
            ),
            Found::Missing => Finding::new(
                &r::FILE_MISSING,
                format!("{} is not on the target", sum.path),
            ),
            Found::Unreadable(why) => Finding::new(
                &r::FILE_UNREADABLE,
                format!("{} cannot be read: {why}", sum.path),
            ),
        };
        c.push(finding.file(sum.path.clone()).key(sum.path.clone()));
    }
    let listed: BTreeSet<&str> = deployed
        .files
        .iter()
        .map(|(s, _)| s.path.as_str())
        .collect();
    let mut unexpected = 0usize;
    for (dir, found) in &deployed.dirs {
        match found {
            Ok(names) => {
                for n in names.iter().filter(|n| !listed.contains(n.as_str())) {
                    unexpected += 1;
                    c.push(
                        Finding::new(
                            &r::FILE_UNEXPECTED,
                            format!(
                                "{n} is in {dir}, which the release owns, but not in the release"
                            ),
                        )
                        .file(n.clone())
                        .key(n.clone()),
                    );
                }
            }
            Err(why) => c.push(
                Finding::new(
                    &r::FILE_UNREADABLE,
                    format!("the directory {dir} cannot be listed: {why}"),
                )
                .file(dir.clone())
                .key(dir.clone()),
            ),
        }
    }
    c.see(format!(
        "{ok} of {} files as in {manifest}",
        deployed.files.len()
    ));
    if !deployed.dirs.is_empty() {
        c.see(format!(
            "{unexpected} unexpected in {} exact director{}",
            deployed.dirs.len(),
            if deployed.dirs.len() == 1 { "y" } else { "ies" }
        ));
    }
    c.set("count", ok as u64);
    c
}

fn quoted(entries: &[&Entry]) -> String {
    entries
        .iter()
        .take(QUOTED)
        .map(|e| {
            let first = e.text.lines().next().unwrap_or_default();
            crate::load::exec::shorten(first, 200)
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn window_text(since: DateTime<Utc>) -> String {
    format!("since {}", since.format("%Y-%m-%d %H:%M:%SZ"))
}

/// One criterion over the log window.
pub fn check_criterion(num: usize, c: &Criterion, w: &LogWindow, since: DateTime<Utc>) -> Check {
    let mut check = Check::new(num, format!("log: {}", c.name));
    let hits: Vec<&Entry> = w
        .entries
        .iter()
        .filter(|e| c.pattern.is_match(&e.text))
        .collect();
    let n = hits.len() as u64;
    let range = match (c.min, c.max) {
        (Some(a), Some(b)) => format!("{a}..{b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(0)) => "none".into(),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => "any".into(),
    };
    check.see(format!(
        "{n} matching entr{} {} (expected {range})",
        if n == 1 { "y" } else { "ies" },
        window_text(since)
    ));
    check.set("count", n);
    let low = c.min.is_some_and(|m| n < m);
    let high = c.max.is_some_and(|m| n > m);
    if low || high {
        let msg = if high {
            format!(
                "`{}` occurred {n} times {}, expected {range}: {}",
                c.pattern.as_str(),
                window_text(since),
                quoted(&hits)
            )
        } else {
            format!(
                "`{}` occurred {n} times {}, expected {range}",
                c.pattern.as_str(),
                window_text(since)
            )
        };
        check.push(Finding::new(&r::LOG_CRITERION, msg).key(c.name.clone()));
    }
    check
}

/// ERROR/CRITICAL entries over the window, at most `max`.
pub fn check_errors(num: usize, max: u64, w: &LogWindow, since: DateTime<Utc>) -> Check {
    let mut check = Check::new(num, "log: ERROR/CRITICAL entries");
    let errors: Vec<&Entry> = w
        .entries
        .iter()
        .filter(|e| matches!(e.level.as_str(), "ERROR" | "CRITICAL"))
        .collect();
    let n = errors.len() as u64;
    check.see(format!(
        "{n} {} (at most {max}); {} entries read from {}",
        window_text(since),
        w.entries.len(),
        w.read
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    check.set("count", n);
    if n > max {
        check.push(Finding::new(
            &r::LOG_ERRORS,
            format!(
                "{n} ERROR/CRITICAL entries {}, at most {max} allowed: {}",
                window_text(since),
                quoted(&errors)
            ),
        ));
    }
    check
}

/// The log could not be read: every criterion fails with why.
pub fn check_log_unreadable(num: usize, why: &str) -> Check {
    let mut check = Check::new(num, "log");
    check.push(Finding::new(
        &r::LOG_UNREADABLE,
        format!("Odoo's log cannot be read: {why}"),
    ));
    check
}

/// A backup copy of each replaced file (path, and its size and age or why not).
pub fn check_file_backups(num: usize, kept: &[(String, Kept)]) -> Check {
    let mut c = Check::new(num, "rollback: file backups");
    let mut ok = 0usize;
    for (path, k) in kept {
        match k {
            Ok((size, age)) => {
                ok += 1;
                if ok <= QUOTED {
                    c.see(format!("{path}: {size} bytes, {} old", age_text(*age)));
                }
            }
            Err(why) => c.push(
                Finding::new(
                    &r::NO_FILE_BACKUP,
                    format!("no backup of {path} for the rollback: {why}"),
                )
                .file(path.clone())
                .key(path.clone()),
            ),
        }
    }
    c.see(format!("{ok} of {} replaced files backed up", kept.len()));
    c.set("count", ok as u64);
    c
}

/// The newest dump of the dump directory against the release start.
pub fn check_dump(
    num: usize,
    dump: Result<Option<(String, u64, Duration, bool)>, String>,
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Check {
    let mut c = Check::new(num, "rollback: database dump");
    let since_start = (now - started_at).to_std().unwrap_or_default();
    match dump {
        Err(why) => c.push(Finding::new(
            &r::NO_RECENT_DUMP,
            format!("the dump directory cannot be read: {why}"),
        )),
        Ok(None) => c.push(Finding::new(
            &r::NO_RECENT_DUMP,
            "the dump directory holds no dump (.dump, .backup, .tar, .sql.gz…)",
        )),
        Ok(Some((path, size, age, readable))) => {
            c.see(format!("{path}: {size} bytes, {} old", age_text(age)));
            if age > since_start {
                c.push(Finding::new(
                    &r::NO_RECENT_DUMP,
                    format!(
                        "the newest dump, {path}, is {} old: older than the release start ({} ago)",
                        age_text(age),
                        age_text(since_start)
                    ),
                ));
            } else if !readable {
                c.push(Finding::new(
                    &r::NO_RECENT_DUMP,
                    format!("the newest dump, {path}, is not readable by pg_restore --list"),
                ));
            }
        }
    }
    if c.status == Status::Pass {
        c.set("count", 1u64);
    }
    c
}
