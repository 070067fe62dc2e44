//! Check 12: backups. The directory exists and is writable, the newest database dump is recent
//! and readable by `pg_restore --list` (integrity, not just presence), a filestore archive
//! exists. Read-only: nothing is created or deleted.

use std::path::Path;
use std::time::Duration;

use super::Check;
use crate::load::deploy::{Backups, DUMP_SUFFIXES};
use crate::rules::deploy as r;

/// An age in hours, or days past two.
pub(crate) fn age_text(age: Duration) -> String {
    let h = age.as_secs_f64() / 3600.0;
    if h < 48.0 {
        format!("{h:.1} h")
    } else {
        format!("{:.1} days", h / 24.0)
    }
}

/// Check 12: what [`crate::load::deploy::backups`] found in `dir` (or why it could not
/// list it), against `max_age`.
pub fn check_backups(found: &Result<Backups, String>, dir: &Path, max_age: Duration) -> Check {
    let mut c = Check::new(12, "backups");
    let found = match found {
        Ok(f) => f,
        Err(e) => {
            c.fail_about(
                "directory",
                &r::BACKUP,
                format!("backup directory {}: {e}", dir.display()),
                "create it and schedule the backup job (or set backup_dir / BACKUP_DIR)",
            );
            c.file_for_findings(dir);
            return c;
        }
    };
    if !found.writable {
        c.fail_about(
            "directory",
            &r::BACKUP,
            format!("backup directory {} is not writable", dir.display()),
            "give the backup user write access",
        );
    }
    match &found.newest_dump {
        None => c.fail_about(
            "dump",
            &r::BACKUP,
            format!(
                "no database dump ({}) in {}",
                DUMP_SUFFIXES.join(", "),
                dir.display()
            ),
            "make dumps with pg_dump -Fc into the backup directory",
        ),
        Some(dump) => {
            let (path, size, age) = (&dump.path, dump.size, dump.age);
            c.see(format!(
                "newest dump {} ({} bytes, {} old)",
                path.display(),
                size,
                age_text(age)
            ));
            if age > max_age {
                c.fail_about(
                    "dump age",
                    &r::BACKUP,
                    format!(
                        "the newest dump {} is {} old (threshold {})",
                        path.display(),
                        age_text(age),
                        age_text(max_age)
                    ),
                    "the backup job has stopped: check its schedule and its last run",
                );
                if let Some(f) = c.findings.last_mut() {
                    f.file = Some(path.display().to_string());
                }
            }
            let ran = &dump.listed;
            if ran.success() {
                let entries = ran
                    .stdout
                    .lines()
                    .filter(|l| !l.starts_with(';') && !l.trim().is_empty())
                    .count();
                c.see(format!("pg_restore --list: {entries} entries"));
            } else {
                c.fail_about(
                    "dump restore",
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
    match &found.newest_filestore {
        Some((path, age)) => c.see(format!(
            "filestore archive {} ({} old)",
            path.display(),
            age_text(*age)
        )),
        None => c.fail_about(
            "filestore",
            &r::BACKUP,
            format!("no filestore archive (*filestore*.tar.gz, .tgz, .zip…) in {}", dir.display()),
            "archive data_dir/filestore/<database> with each dump: attachments are not in the database",
        ),
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::deploy::Status;
    use crate::load::deploy::Dump;
    use crate::load::exec::Ran;

    fn listed(code: i32, stdout: &str) -> Ran {
        crate::testdata::ran("pg_restore --list /b/prod.dump", Some(code), stdout)
    }

    #[test]
    fn backups_judge_age_integrity_and_filestore() {
        let dir = Path::new("/b");
        let hour = Duration::from_secs(3600);
        let found = Ok(Backups {
            writable: true,
            newest_dump: Some(Dump {
                path: "/b/prod.dump".into(),
                size: 42,
                age: 3 * hour,
                listed: listed(
                    0,
                    ";\n; Archive\n1; 2615 2200 SCHEMA - public\n2; 1 2 TABLE x\n",
                ),
            }),
            newest_filestore: Some(("/b/prod-filestore.tar.gz".into(), 3 * hour)),
        });
        let c = check_backups(&found, dir, 26 * hour);
        assert_eq!(c.status, Status::Pass, "{:?}", c.findings);
        assert!(c.evidence_text().contains("pg_restore --list: 2 entries"));
        assert!(c.evidence_text().contains("(42 bytes, 3.0 h old)"));
        let found = Ok(Backups {
            writable: false,
            newest_dump: Some(Dump {
                path: "/b/prod.dump".into(),
                size: 42,
                age: 72 * hour,
                listed: listed(1, ""),
            }),
            newest_filestore: None,
        });
        let c = check_backups(&found, dir, 26 * hour);
        let codes = crate::testdata::codes(&c.findings);
        assert_eq!(codes, ["G012", "G012", "G012", "G104"], "{:?}", c.findings);
        assert!(c.findings[1]
            .message
            .contains("is 3.0 days old (threshold 26.0 h)"));
        assert_eq!(c.findings[2].file.as_deref(), Some("/b/prod.dump"));
        let c = check_backups(&Err("No such file or directory".into()), dir, hour);
        assert!(c.findings[0]
            .message
            .ends_with("backup directory /b: No such file or directory"));
    }
}
