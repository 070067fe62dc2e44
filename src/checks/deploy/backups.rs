//! Check 12: backups. The directory exists and is writable, the newest database dump is recent
//! and readable by `pg_restore --list` (integrity, not just presence), a filestore archive
//! exists. Read-only: nothing is created or deleted.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::{Check, Deploy};
use crate::load::exec::Cmd;
use crate::rules::deploy as r;

/// File name endings of database dumps `pg_restore` reads (custom and tar formats).
pub const DUMP_SUFFIXES: [&str; 5] = [".dump", ".backup", ".pgdump", ".dump.tar", ".sql.tar"];

/// Whether `name` is a filestore archive.
pub fn is_filestore_archive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("filestore")
        && [
            ".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz", ".tar.bz2", ".zip",
        ]
        .iter()
        .any(|s| n.ends_with(s))
}

fn is_dump(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    DUMP_SUFFIXES.iter().any(|s| n.ends_with(s))
}

/// Writable for this process (access(2) with W_OK), without creating anything.
fn writable(path: &Path) -> bool {
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated path; access(2) only reads it.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

fn age_text(age: Duration) -> String {
    let h = age.as_secs_f64() / 3600.0;
    if h < 48.0 {
        format!("{h:.1} h")
    } else {
        format!("{:.1} days", h / 24.0)
    }
}

/// Finds `pg_restore`: on PATH, else in Debian's /usr/lib/postgresql/*/bin (newest first).
pub fn pg_restore() -> String {
    if crate::load::exec::which("pg_restore").is_some() {
        return "pg_restore".into();
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.flatten()
                .map(|e| e.path().join("bin/pg_restore"))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
        .pop()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "pg_restore".into())
}

/// Check 12.
pub fn check_backups(d: &Deploy) -> Check {
    let mut c = Check::new(12, "backups");
    let s = &d.settings;
    let dir = &s.backup_dir;
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            c.fail(
                &r::BACKUP,
                format!("backup directory {}: {e}", dir.display()),
                "create it and schedule the backup job (or set backup_dir / BACKUP_DIR)",
            );
            c.file_for_findings(dir);
            return c;
        }
    };
    if !writable(dir) {
        c.fail(
            &r::BACKUP,
            format!("backup directory {} is not writable", dir.display()),
            "give the backup user write access",
        );
    }
    let now = SystemTime::now();
    let mut dumps: Vec<(SystemTime, PathBuf, u64)> = Vec::new();
    let mut filestores: Vec<(SystemTime, PathBuf)> = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(meta) = e.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        if is_dump(&name) {
            dumps.push((mtime, e.path(), meta.len()));
        } else if is_filestore_archive(&name) {
            filestores.push((mtime, e.path()));
        }
    }
    dumps.sort();
    filestores.sort();
    match dumps.last() {
        None => c.fail(
            &r::BACKUP,
            format!(
                "no database dump ({}) in {}",
                DUMP_SUFFIXES.join(", "),
                dir.display()
            ),
            "make dumps with pg_dump -Fc into the backup directory",
        ),
        Some((mtime, path, size)) => {
            let age = now.duration_since(*mtime).unwrap_or_default();
            c.see(format!(
                "newest dump {} ({} bytes, {} old)",
                path.display(),
                size,
                age_text(age)
            ));
            if age > s.backup_max_age {
                c.fail(
                    &r::BACKUP,
                    format!(
                        "the newest dump {} is {} old (threshold {})",
                        path.display(),
                        age_text(age),
                        age_text(s.backup_max_age)
                    ),
                    "the backup job has stopped: check its schedule and its last run",
                );
                if let Some(f) = c.findings.last_mut() {
                    f.file = Some(path.display().to_string());
                }
            }
            let ran = Cmd::new(pg_restore())
                .arg("--list")
                .arg(path.display().to_string())
                .run(s.command_timeout);
            if ran.success() {
                let entries = ran
                    .stdout
                    .lines()
                    .filter(|l| !l.starts_with(';') && !l.trim().is_empty())
                    .count();
                c.see(format!("pg_restore --list: {entries} entries"));
            } else {
                c.fail(
                    &r::BACKUP_UNREADABLE,
                    ran.failure(),
                    r::BACKUP_UNREADABLE.fix,
                );
                if let Some(f) = c.findings.last_mut() {
                    f.file = Some(path.display().to_string());
                }
            }
        }
    }
    match filestores.last() {
        Some((mtime, path)) => c.see(format!(
            "filestore archive {} ({} old)",
            path.display(),
            age_text(now.duration_since(*mtime).unwrap_or_default())
        )),
        None => c.fail(
            &r::BACKUP,
            format!("no filestore archive (*filestore*.tar.gz, .tgz, .zip…) in {}", dir.display()),
            "archive data_dir/filestore/<database> with each dump: attachments are not in the database",
        ),
    }
    c
}
