//! `backup test-restore`: the rows of its table of checks, each judging what
//! [`crate::load::restore`] did or read: the dump chosen, the scratch database created, the
//! `pg_restore` run, the restored database as Odoo (modules, series), the row counts of key
//! tables, the filestore archive against `ir_attachment`, and the drop of the scratch database.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::checks::deploy::backups::age_text;
use crate::checks::table::{Check, Status};
use crate::load::exec::{shorten, Ran};
use crate::load::restore::{Chosen, DumpFormat, Restored};
use crate::load::version::Series;
use crate::rules::deploy as r;

/// Seconds with one decimal, for evidence.
pub fn seconds(d: Duration) -> f64 {
    (d.as_secs_f64() * 10.0).round() / 10.0
}

/// Bytes in a unit a reader takes in at once.
pub fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A row that did not run because an earlier one failed (or there is nothing to look at).
pub fn not_run(num: usize, name: &str, why: &str) -> Check {
    Check::skipped(num, name, why)
}

/// Row 1: the dump chosen (or why there is none).
pub fn check_dump(chosen: &Result<Chosen, String>, format: Option<DumpFormat>) -> Check {
    let mut c = Check::new(1, "dump");
    match chosen {
        Err(e) => c.fail(
            &r::RESTORE_FAILED,
            e.clone(),
            "give the dump with --dump FILE, or the backup directory with --backup-dir (backup_dir in odoo-audit.toml)",
        ),
        Ok(ch) => {
            c.see(format!(
                "{} ({}, {} bytes, {} old; {})",
                ch.dump.display(),
                size_text(ch.size),
                ch.size,
                age_text(ch.age),
                ch.how
            ));
            match format {
                Some(DumpFormat::Custom) => c.see("custom format (pg_dump -Fc)"),
                Some(DumpFormat::Tar) => c.see("tar format (pg_dump -Ft): restored with one job"),
                _ => c.see("not a custom or tar dump by its first bytes"),
            }
        }
    }
    c
}

/// Row 2: the scratch database created on the restore server (`server` described without
/// its password).
pub fn check_scratch(created: &Result<String, String>, server: &str) -> Check {
    let mut c = Check::new(2, "scratch database");
    match created {
        Ok(name) => c.see(format!("created {name} on {server}")),
        Err(e) => c.fail(
            &r::RESTORE_FAILED,
            e.clone(),
            "the --restore-url role needs CREATEDB on the restore server",
        ),
    }
    c
}

/// The first error pg_restore printed and how many it counted.
fn restore_errors(stderr: &str) -> (Option<String>, Option<usize>) {
    let first = stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("pg_restore: error:") || l.starts_with("pg_restore: [archiver"))
        .map(|l| shorten(l, 300));
    let count = stderr.lines().find_map(|l| {
        l.split("errors ignored on restore:")
            .nth(1)
            .and_then(|n| n.trim().parse().ok())
    });
    (first, count)
}

/// Row 3: the `pg_restore` run (time, jobs).
pub fn check_restore(ran: &Ran, jobs: usize) -> Check {
    let mut c = Check::new(3, "restore");
    if ran.success() {
        c.see(format!(
            "pg_restore with {jobs} job{}: {:.1} s",
            if jobs == 1 { "" } else { "s" },
            ran.elapsed.as_secs_f64()
        ));
        return c;
    }
    let (first, count) = restore_errors(&ran.stderr);
    let mut msg = ran.ending();
    if ran.spawn_error.is_none() && !ran.interrupted && !ran.timed_out {
        match first {
            Some(e) => msg.push_str(&format!(": {e}")),
            None => {
                if let Some(l) = crate::load::exec::last_line(&ran.stderr) {
                    msg.push_str(&format!(": {l}"));
                }
            }
        }
        if let Some(n) = count {
            msg.push_str(&format!(" ({n} error{})", if n == 1 { "" } else { "s" }));
        }
    }
    let hint = if ran.timed_out {
        "raise --restore-timeout, or give pg_restore more jobs (-j)"
    } else {
        r::RESTORE_FAILED.fix
    };
    c.fail(&r::RESTORE_FAILED, msg, hint);
    c
}

/// Row 4: the restored database as Odoo: `base` installed, the series, the module states.
pub fn check_odoo(restored: &Result<Restored, String>) -> (Check, Option<Series>) {
    let mut c = Check::new(4, "odoo database");
    let rd = match restored {
        Err(e) => {
            c.fail(
                &r::RESTORED_NOT_ODOO,
                format!("the restored database: {e}"),
                r::RESTORED_NOT_ODOO.fix,
            );
            return (c, None);
        }
        Ok(rd) => rd,
    };
    let mut states: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &rd.modules {
        *states.entry(m.state.as_str()).or_default() += 1;
    }
    let base = rd.modules.iter().find(|m| m.name == "base");
    let series = crate::load::db::series_from_modules(&rd.modules);
    match base {
        Some(b) if b.state == "installed" => c.see(format!(
            "base installed ({})",
            b.latest_version.as_deref().unwrap_or("no version")
        )),
        Some(b) => c.fail(
            &r::RESTORED_NOT_ODOO,
            format!("`base` is `{}`, not installed", b.state),
            r::RESTORED_NOT_ODOO.fix,
        ),
        None => c.fail(
            &r::RESTORED_NOT_ODOO,
            format!(
                "no `base` module among the {} rows of ir_module_module",
                rd.modules.len()
            ),
            r::RESTORED_NOT_ODOO.fix,
        ),
    }
    match series {
        Some(s) => c.see(format!("Odoo {s}")),
        None if base.is_some_and(|b| b.state == "installed") => c.fail(
            &r::RESTORED_NOT_ODOO,
            "the Odoo series cannot be read from base's latest_version",
            r::RESTORED_NOT_ODOO.fix,
        ),
        None => {}
    }
    let list: Vec<String> = states.iter().map(|(s, n)| format!("{n} {s}")).collect();
    c.see(format!("{} modules: {}", rd.modules.len(), list.join(", ")));
    let pending: Vec<&str> = rd
        .modules
        .iter()
        .filter(|m| matches!(m.state.as_str(), "to install" | "to upgrade" | "to remove"))
        .map(|m| m.name.as_str())
        .collect();
    if !pending.is_empty() {
        let shown: Vec<&str> = pending.iter().take(5).copied().collect();
        c.warn(
            &r::RESTORED_NOT_ODOO,
            format!(
                "{} module(s) in a pending state ({}{}): the dump was taken during a module operation",
                pending.len(),
                shown.join(", "),
                if pending.len() > shown.len() { ", …" } else { "" }
            ),
            "take the dump when no install or update is running",
        );
    }
    c.see(format!("PostgreSQL {}", rd.server_version));
    (c, series)
}

/// Row 5: the row counts of key tables and the size of the restored database; an Odoo
/// database without a company or a user is no usable backup.
pub fn check_tables(rd: &Restored) -> Check {
    let mut c = Check::new(5, "key tables");
    let counts = &rd.counts;
    let list: Vec<String> = counts
        .tables
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    c.see(list.join(", "));
    if let Some(size) = counts.database_size {
        c.see(format!("restored size {}", size_text(size.max(0) as u64)));
    }
    for t in ["res_company", "res_users"] {
        match counts.tables.iter().find(|(name, _)| name == t) {
            Some((_, n)) if *n > 0 => {}
            Some(_) => c.fail_about(
                t,
                &r::RESTORED_NOT_ODOO,
                format!("{t} is empty in the restored database"),
                r::RESTORED_NOT_ODOO.fix,
            ),
            None => c.fail_about(
                t,
                &r::RESTORED_NOT_ODOO,
                format!("the restored database has no {t} table"),
                r::RESTORED_NOT_ODOO.fix,
            ),
        }
    }
    c
}

/// Row 6: the filestore archive's entries against the attachments' `store_fname`; skipped
/// when there is no archive.
pub fn check_filestore(
    archive: Option<(&Path, &Ran)>,
    entries: &std::collections::BTreeSet<String>,
    files: &[String],
) -> Check {
    let name = "filestore";
    let Some((path, listed)) = archive else {
        return Check::skipped(
            6,
            name,
            &format!(
                "no filestore archive next to the dump (give one with --filestore); {} attachment file(s) in the database",
                files.len()
            ),
        );
    };
    if let Some(e) = &listed.spawn_error {
        return Check::skipped(
            6,
            name,
            &format!(
                "{}: cannot be listed here: `{}` could not start: {e}",
                path.display(),
                listed.display
            ),
        );
    }
    let mut c = Check::new(6, name);
    if !listed.success() {
        c.fail(
            &r::FILESTORE_INCOMPLETE,
            format!("{}: cannot be listed: {}", path.display(), listed.failure()),
            "check the archive (tar -tf / unzip -l) and the archive job",
        );
        c.file_for_findings(path);
        return c;
    }
    let missing: Vec<&String> = files.iter().filter(|f| !entries.contains(*f)).collect();
    c.see(format!(
        "{}: {} file(s); {} attachment file(s) in the database",
        path.display(),
        entries.len(),
        files.len()
    ));
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(5).map(|s| s.as_str()).collect();
        c.fail(
            &r::FILESTORE_INCOMPLETE,
            format!(
                "{} of {} attachment file(s) are not in {} (e.g. {}{})",
                missing.len(),
                files.len(),
                path.display(),
                shown.join(", "),
                if missing.len() > shown.len() {
                    ", …"
                } else {
                    ""
                }
            ),
            r::FILESTORE_INCOMPLETE.fix,
        );
        c.file_for_findings(path);
    } else {
        c.see("every attachment file is in the archive");
    }
    c
}

/// Row 7: the scratch database dropped (or why not).
pub fn check_cleanup(name: &str, dropped: &Result<(), String>) -> Check {
    let mut c = Check::new(7, "cleanup");
    match dropped {
        Ok(()) => c.see(format!("dropped {name}")),
        Err(e) => c.fail_about(
            name,
            &r::SCRATCH_NOT_DROPPED,
            e.clone(),
            format!("drop it by hand: DROP DATABASE \"{name}\" WITH (FORCE)"),
        ),
    }
    c
}

/// The result of the run: `ok` when no row failed.
pub fn result(rows: &[Check]) -> &'static str {
    if rows.iter().any(|c| c.status == Status::Fail) {
        "failed"
    } else {
        "ok"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::db::RestoreCounts;

    use crate::testdata::db_module as module;

    #[test]
    fn a_failed_restore_quotes_pg_restore_first_error() {
        let mut ran = crate::testdata::ran("pg_restore -d x dump", Some(1), "");
        ran.stderr = "pg_restore: error: could not read from input file: end of file\n\
                      pg_restore: warning: errors ignored on restore: 3\n"
            .into();
        let c = check_restore(&ran, 2);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.findings[0].code, "G301");
        assert!(
            c.findings[0]
                .message
                .contains("exited with 1: pg_restore: error: could not read from input file: end of file (3 errors)"),
            "{}",
            c.findings[0].message
        );
        let mut ran = crate::testdata::ran("pg_restore -d x dump", None, "");
        ran.interrupted = true;
        let c = check_restore(&ran, 2);
        assert!(c.findings[0].message.contains("interrupted"));
    }

    #[test]
    fn the_restored_database_must_be_odoo_with_base_installed() {
        let rd = Restored {
            modules: vec![
                module("base", "installed", Some("18.0.1.3")),
                module("sale", "to upgrade", Some("18.0.1.0")),
                module("crm", "uninstalled", None),
            ],
            ..Default::default()
        };
        let (c, series) = check_odoo(&Ok(rd));
        assert_eq!(series.map(|s| s.to_string()).as_deref(), Some("18.0"));
        assert_eq!(c.status, Status::Warn, "{:?}", c.findings);
        assert_eq!(c.findings[0].code, "G302");
        assert!(c
            .evidence_text()
            .contains("3 modules: 1 installed, 1 to upgrade, 1 uninstalled"));
        let rd = Restored {
            modules: vec![module("base", "uninstalled", None)],
            ..Default::default()
        };
        let (c, _) = check_odoo(&Ok(rd));
        assert_eq!(c.status, Status::Fail);
        assert!(c.findings[0].message.contains("`base` is `uninstalled`"));
        let rd = Restored {
            counts: RestoreCounts {
                tables: vec![("res_company".into(), 1), ("res_users".into(), 0)],
                database_size: Some(2048),
            },
            ..Default::default()
        };
        let c = check_tables(&rd);
        assert_eq!(c.findings.len(), 1);
        assert!(c.findings[0].message.contains("res_users is empty"));
        assert!(c.evidence_text().contains("restored size 2.0 KiB"));
    }

    #[test]
    fn missing_filestore_files_are_counted_with_examples() {
        let ran = crate::testdata::ran("tar -tf f.tar", Some(0), "");
        let entries = crate::load::restore::archive_files("fs/ab/ab1\nfs/cd/cd2\n");
        let files: Vec<String> = ["ab/ab1", "cd/cd2", "ef/ef3"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let c = check_filestore(
            Some((Path::new("/b/filestore.tar"), &ran)),
            &entries,
            &files,
        );
        assert_eq!(c.findings[0].code, "G303");
        assert!(c.findings[0]
            .message
            .contains("1 of 3 attachment file(s) are not in /b/filestore.tar (e.g. ef/ef3)"));
        let c = check_filestore(None, &entries, &files);
        assert_eq!(c.status, Status::Skip);
    }

    #[test]
    fn a_scratch_database_left_behind_is_an_error_naming_it() {
        let c = check_cleanup("odoo_audit_restore_1_2", &Err("server gone".into()));
        assert_eq!(c.findings[0].code, "G304");
        assert!(c.hint.contains("DROP DATABASE \"odoo_audit_restore_1_2\""));
        assert_eq!(result(&[c]), "failed");
        assert_eq!(size_text(5 * 1024 * 1024), "5.0 MiB");
    }
}
