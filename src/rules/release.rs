//! Rules of `verify-deploy` (`R`): a release deployed as its release file says.

use super::Rule;
use crate::finding::Severity::{Error, Warning};

pub const FILE_MISSING: Rule = Rule {
    code: "R001",
    name: "deployed-file-missing",
    severity: Error,
    summary: "A file of the release is not on the target.",
    explanation: "The digest file of the release (made at build time by `odoo-audit files hash`) \
lists the file, and the target (the host, or the Odoo container in compose mode) has no file at \
that path: the deployment copied less than the release holds.",
    fix: "Deploy the release again, or copy the missing file from the build.",
    example: None,
};

pub const FILE_CHANGED: Rule = Rule {
    code: "R002",
    name: "deployed-file-changed",
    severity: Error,
    summary: "A deployed file differs from the release's (its digest does not match).",
    explanation: "The file on the target has another MD5/SHA-256 digest than the digest file of \
the release says: an older copy, a hand edit on the server, a partial copy.",
    fix: "Deploy the release's file (and find out who or what changed it on the server).",
    example: None,
};

pub const FILE_UNEXPECTED: Rule = Rule {
    code: "R003",
    name: "unexpected-deployed-file",
    severity: Warning,
    summary: "A directory the release owns holds a file the release does not list.",
    explanation: "The release file names the directory as `exact`: it must hold the listed files \
and no other. A left-over file of an earlier release (a removed Python module, a data file) can \
still be imported or loaded.",
    fix: "Remove the file from the target, or add it to the release.",
    example: None,
};

pub const FILE_UNREADABLE: Rule = Rule {
    code: "R004",
    name: "deployed-file-unreadable",
    severity: Error,
    summary: "A file of the release cannot be read on the target.",
    explanation: "The file exists but cannot be hashed (permissions, not a regular file, the \
container cannot be reached): whether it is the release's cannot be told.",
    fix: "Fix the file's permissions, or run verify-deploy as a user that can read it.",
    example: None,
};

pub const LOG_CRITERION: Rule = Rule {
    code: "R005",
    name: "log-criterion-failed",
    severity: Error,
    summary: "A success criterion of the release over Odoo's log is not met.",
    explanation: "The release file says how often a pattern must occur in Odoo's log since the \
release started (or within a window): at most N times (`max = 0`: never, e.g. ConstraintError) \
or at least N times (a job that must run). The count over the window is outside that range.",
    fix: "Read the matching log lines in the finding; fix the cause, or roll back.",
    example: None,
};

pub const LOG_ERRORS: Rule = Rule {
    code: "R006",
    name: "too-many-log-errors",
    severity: Error,
    summary: "Odoo logged more ERROR/CRITICAL lines since the release than the release allows.",
    explanation: "The release file's `max_errors` bounds the ERROR and CRITICAL entries of Odoo's \
log over the window; there were more.",
    fix: "Read the first error lines in the finding; fix the cause, or roll back.",
    example: None,
};

pub const LOG_UNREADABLE: Rule = Rule {
    code: "R007",
    name: "log-unreadable",
    severity: Error,
    summary: "Odoo's log cannot be read for the release's criteria.",
    explanation: "No log file is named (neither in the release file nor as `logfile` of \
odoo.conf), it cannot be read, or `docker compose logs` failed: the criteria cannot be judged.",
    fix: "Name the log file in the release file ([logs] file), or fix its permissions.",
    example: None,
};

pub const NO_FILE_BACKUP: Rule = Rule {
    code: "R008",
    name: "replaced-file-not-backed-up",
    severity: Error,
    summary: "A file the release replaces has no backup copy for the rollback.",
    explanation: "The release file lists the files the release replaces and where their copies \
are kept; this one has none (or not a regular file): a rollback could not restore it.",
    fix: "Copy the previous version of the file to the backup directory before deploying.",
    example: None,
};

pub const NO_RECENT_DUMP: Rule = Rule {
    code: "R009",
    name: "no-dump-since-release-start",
    severity: Error,
    summary: "No database dump newer than the release start exists for the rollback.",
    explanation: "The rollback needs the database as it was just before the release: a dump in \
the release file's `dump_dir` made after `started_at`. The newest one is older, unreadable by \
pg_restore, or there is none.",
    fix: "Dump the database (pg_dump -Fc) before deploying, into the dump directory.",
    example: None,
};

pub const RULES: &[Rule] = &[
    FILE_MISSING,
    FILE_CHANGED,
    FILE_UNEXPECTED,
    FILE_UNREADABLE,
    LOG_CRITERION,
    LOG_ERRORS,
    LOG_UNREADABLE,
    NO_FILE_BACKUP,
    NO_RECENT_DUMP,
];
