//! Snapshots of every command's output in every format, on the real OCA corpus and copies of
//! the real Odoo 18 database: exit code, stdout and stderr of each run, stored in
//! `tests/integration/snapshots/`. A change to any output is a reviewed diff of these files
//! (README, "Snapshot tests").
//!
//! What varies between runs and machines is replaced by placeholders in one place
//! ([`Redactions`]): temporary directories, the corpus path, database names, the server's
//! address and version, passwords, timestamps and durations. The corpus is given as the relative
//! path `addons` (run from its parent directory) so that paths in the output, and the widths of
//! the table columns that hold them, are the same on every machine; tables whose cells still
//! vary in length (timings, versions) have their padding collapsed.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;
use crate::deploy_check::{
    good_site, replay_db, replaying, serial, truth_sync, truth_sync_setup, Deployment,
};

/// The CI forms of `check-client-actions`.
const CI_VARIANTS: &[&[&str]] = &[
    &["--ci"],
    &["--ci", "--format", "github"],
    &["--ci", "--format", "sarif"],
];

/// The CI formats with everything shown: by default they show the failing severity only.
const ALL_SHOWN: &[&[&str]] = &[
    &["--format", "sarif", "--min-severity", "info"],
    &["--format", "junit", "--min-severity", "info"],
    &["--format", "github", "--min-severity", "info"],
];

/// Values that differ between runs and machines, each with its placeholder. Literal values
/// come first (longest first, so that a path is replaced before a directory inside it), then
/// the patterns; the last filter collapses table padding.
struct Redactions {
    literals: Vec<(String, &'static str)>,
    /// Patterns of one test's own, applied after the literals.
    patterns: Vec<(&'static str, &'static str)>,
}

impl Redactions {
    fn new() -> Redactions {
        let corpus = corpus();
        let mut r = Redactions {
            literals: Vec::new(),
            patterns: Vec::new(),
        };
        r.literal(corpus.display().to_string(), "[CORPUS]");
        r.literal(env!("CARGO_MANIFEST_DIR").to_string(), "[REPO]");
        if let Ok(canon) = corpus.canonicalize() {
            r.literal(canon.display().to_string(), "[CORPUS]");
            // The working directory of the runs on the corpus: SARIF's `%SRCROOT%`.
            if let Some(parent) = canon.parent() {
                r.literal(format!("file://{}/", parent.display()), "file://[ROOT]/");
            }
        }
        // The instance of a run without a database is the machine's name.
        let host = odoo_audit::commands::host_name();
        r.literal(
            format!("\"instance\": \"{host}\""),
            "\"instance\": \"[HOST]\"",
        );
        r.literal(format!("instance=\"{host}\""), "instance=\"[HOST]\"");
        r
    }

    fn literal(&mut self, value: String, placeholder: &'static str) -> &mut Self {
        if !value.is_empty() && !self.literals.iter().any(|(v, _)| *v == value) {
            self.literals.push((value, placeholder));
        }
        self
    }

    fn tmp(&mut self, dir: &Path) -> &mut Self {
        self.literal(dir.display().to_string(), "[TMP]");
        if let Ok(canon) = dir.canonicalize() {
            self.literal(canon.display().to_string(), "[TMP]");
        }
        self
    }

    /// A database copy: its name, and the server's address and the password of its role.
    fn db(&mut self, db: &TestDb) -> &mut Self {
        let pg = pg();
        self.literal(db.name.clone(), "[DB]")
            .literal(db.odoo_password(), "[PASSWORD]")
            .literal(format!("{}:{}", pg.host, pg.port), "[HOST]:[PORT]")
            .literal(format!("port={}", pg.port), "port=[PORT]")
            .literal(format!("-p {}", pg.port), "-p [PORT]")
    }

    /// The test's HTTP server (`http://127.0.0.1:PORT`).
    fn site(&mut self, url: &str) -> &mut Self {
        self.literal(url.to_string(), "http://[HOST]:[SITE_PORT]")
            .literal(url.replace("http://", ""), "[HOST]:[SITE_PORT]")
    }

    /// A pattern of the test's own (a regex and its replacement).
    fn pattern(&mut self, regex: &'static str, placeholder: &'static str) -> &mut Self {
        self.patterns.push((regex, placeholder));
        self
    }

    fn settings(&self) -> insta::Settings {
        let mut literals = self.literals.clone();
        literals.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        let mut filters: Vec<(String, String)> = literals
            .into_iter()
            .map(|(v, p)| (regex::escape(&v), p.to_string()))
            .collect();
        filters.extend(
            self.patterns
                .iter()
                .map(|(v, p)| (v.to_string(), p.to_string())),
        );
        for (pattern, placeholder) in [
            // timestamps (RFC 3339 and the plain form), dates
            (
                r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2}| UTC)?",
                "[TIMESTAMP]",
            ),
            (r"\b\d{4}-\d{2}-\d{2}\b", "[DATE]"),
            // the server's version
            (
                r"PostgreSQL \d+(\.\d+)*( \([^)\n]*\))?",
                "PostgreSQL [VERSION]",
            ),
            (r#""postgresql": "[^"]*""#, r#""postgresql": "[VERSION]""#),
            // the machine: its cores, its Python and the libraries installed there
            (r"\(\d+ cores?: guide \d+\)", "([N] cores: guide [N])"),
            (r"Python \d+\.\d+(\.\d+)?", "Python [VERSION]"),
            (r"\b(requests|werkzeug) \d+(\.\d+)*", "$1 [VERSION]"),
            // the dump made by this machine's pg_dump
            (r"\b\d+ bytes\b", "[N] bytes"),
            (r"\b\d+ entries\b", "[N] entries"),
            // log files named after the time they were written
            (r"-\d{8}-\d{6}(\.\d+)?\.log", "-[STAMP].log"),
            // the scratch database of `backup test-restore`, named after the time and the pid
            (r"odoo_audit_restore_[0-9a-z_]+", "[SCRATCH_DB]"),
            // the monitoring formats' times: Unix timestamps, run durations
            (r"(_timestamp_seconds\{[^}\n]*\}) \d+(\.\d+)?", "$1 [EPOCH]"),
            (r"(_duration_seconds\{[^}\n]*\}) \d+(\.\d+)?", "$1 [N]"),
            (r"\bduration=\d+(\.\d+)?s", "duration=[N]s"),
            // sizes of a dump and of a restored database, and the restore's time
            (r"restored size \d+(\.\d+)? MiB", "restored size [SIZE] MiB"),
            (r"\(\d+(\.\d+)? MiB, \[N\] bytes", "([SIZE] MiB, [N] bytes"),
            (r#"\b(dump|restored)_bytes("?): \d+"#, "${1}_bytes${2}: [N]"),
            (
                r#"\brestore_seconds("?): \d+(\.\d+)?"#,
                "restore_seconds${1}: [N]",
            ),
            // durations
            (r#""duration_ms": \d+"#, r#""duration_ms": [N]"#),
            (r"\b\d+(\.\d+)? ?(ms|µs|s)\b", "[DURATION]"),
            // table padding: cells may still vary in length
            (r" +([│┆])", " $1"),
            (r"([│┆]) +", "$1 "),
            (r"─+", "─"),
            (r"═+", "═"),
        ] {
            filters.push((pattern.to_string(), placeholder.to_string()));
        }
        let mut s = insta::Settings::clone_current();
        s.set_snapshot_path("snapshots");
        s.set_prepend_module_to_snapshot(false);
        s.set_omit_expression(true);
        for (pattern, placeholder) in filters {
            s.add_filter(&pattern, placeholder);
        }
        s
    }
}

/// Runs `cmd` and snapshots its arguments, exit code, stdout and stderr as `name`.
fn snap(name: &str, r: &Redactions, cmd: &mut Command) {
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let (code, out, err) = run(cmd);
    let text = format!(
        "args: {}\nexit_code: {code}\n----- stdout -----\n{out}\n----- stderr -----\n{err}",
        args.join(" ")
    );
    r.settings().bind(|| insta::assert_snapshot!(name, text));
}

/// Runs `make()` with each variant's arguments added and snapshots each as `{name}_{variant}`.
fn snap_variants(name: &str, r: &Redactions, variants: &[&[&str]], make: impl Fn() -> Command) {
    for v in variants {
        let label = v
            .iter()
            .filter(|a| *a != &"--format")
            .map(|a| a.trim_start_matches('-'))
            .collect::<Vec<_>>()
            .join("_");
        let mut c = make();
        c.args(*v);
        snap(&format!("{name}_{label}"), r, &mut c);
    }
}

/// `odoo-audit` run from the corpus's parent directory, with `addons` (the corpus) as the
/// addons path.
fn on_corpus(args: &[&str]) -> Command {
    let dir = corpus();
    let parent = dir.parent().expect("corpus parent").to_path_buf();
    assert_eq!(
        dir.file_name().and_then(|n| n.to_str()),
        Some("addons"),
        "the snapshots name the corpus `addons`: put it in a directory of that name"
    );
    let mut c = bin();
    c.current_dir(parent)
        .args(args)
        .args(["--addons-path", "addons"]);
    c
}

#[test]
fn snapshot_commands_without_database_on_the_corpus() {
    let r = Redactions::new();
    let closure = ["deps", "--modules", "mis_builder,queue_job_cron", "--tree"];
    for (name, args, variants) in [
        ("modules", &["modules"][..], VARIANTS),
        ("deps", &["deps"][..], VARIANTS),
        ("deps_closure", &closure[..], &VARIANTS[..2]),
        ("versions_no_db", &["versions"][..], &VARIANTS[..2]),
        ("parity_plan_no_db", &["parity", "plan"][..], VARIANTS),
        (
            "check_client_actions",
            &["check-client-actions"][..],
            VARIANTS,
        ),
        (
            "check_client_actions",
            &["check-client-actions"][..],
            CI_VARIANTS,
        ),
        ("check_views", &["check-views"][..], VARIANTS),
        ("check_views", &["check-views"][..], CI_VARIANTS),
        (
            "check_client_actions",
            &["check-client-actions"][..],
            ALL_SHOWN,
        ),
        ("check_views", &["check-views"][..], ALL_SHOWN),
    ] {
        snap_variants(name, &r, variants, || {
            let mut c = on_corpus(args);
            c.args(["--odoo-series", "18.0"]);
            c
        });
    }
}

#[test]
fn snapshot_rules_and_explain() {
    let r = Redactions::new();
    snap_variants("rules", &r, VARIANTS, || {
        let mut c = bin();
        c.arg("rules");
        c
    });
    snap_variants("explain", &r, VARIANTS, || {
        let mut c = bin();
        c.args(["explain", "D001"]);
        c
    });
    snap("explain_unknown_code", &r, bin().args(["explain", "Z999"]));
}

#[test]
fn snapshot_database_commands_on_the_fixture_database() {
    let db = TestDb::new("snap_db");
    let mut r = Redactions::new();
    r.db(&db);
    let url = db.url();
    for (name, args) in [
        ("versions", &["versions"][..]),
        ("versions_all", &["versions", "--all"][..]),
        ("audit", &["audit"][..]),
        ("broken", &["broken"][..]),
        ("parity_verify", &["parity", "verify"][..]),
        ("parity_plan", &["parity", "plan"][..]),
        ("check_client_actions_db", &["check-client-actions"][..]),
        ("check_views_db", &["check-views"][..]),
    ] {
        snap_variants(name, &r, VARIANTS, || {
            let mut c = on_corpus(args);
            c.args(["--db-url", &url]);
            c
        });
    }
    for (name, args) in [
        ("broken", &["broken"][..]),
        ("parity_verify", &["parity", "verify"][..]),
    ] {
        snap_variants(name, &r, &ALL_SHOWN[..1], || {
            let mut c = on_corpus(args);
            c.args(["--db-url", &url]);
            c
        });
    }
    snap_variants("parity_verify_strict", &r, &VARIANTS[..2], || {
        let mut c = on_corpus(&["parity", "verify", "--strict"]);
        c.args(["--db-url", &url]);
        c
    });
}

#[test]
fn snapshot_parity_install_dry_run() {
    let db = TestDb::new("snap_pinst");
    let tmp = tempfile::tempdir().unwrap();
    let conf: PathBuf = tmp.path().join("odoo.conf");
    std::fs::write(&conf, "[options]\n").unwrap();
    let mut r = Redactions::new();
    r.db(&db).tmp(tmp.path());
    let url = db.url();
    snap_variants("parity_install_dry_run", &r, VARIANTS, || {
        let mut c = on_corpus(&["parity", "install", "--dry-run"]);
        c.args([
            "--odoo-command",
            "/opt/odoo/odoo-bin",
            "--mode",
            "native",
            "--db-url",
            &url,
            "-c",
        ])
        .arg(&conf);
        c
    });
}

#[test]
fn snapshot_deploy_check_quick_and_full_with_stand_ins() {
    let db = TestDb::new("snap_gate");
    let dep = Deployment::new(&db);
    let (_site, url) = good_site();
    let mut r = Redactions::new();
    r.db(&db).tmp(&dep.root).site(&url);
    snap_variants("deploy_check_quick", &r, VARIANTS, || {
        let mut c = dep.cmd(&db, &url);
        c.arg("--quick");
        c
    });
    snap_variants("deploy_check_full", &r, &VARIANTS[..2], || {
        let mut c = dep.cmd(&db, &url);
        c.arg("--full");
        c
    });
}

#[test]
fn snapshot_deploy_check_full_replaying_a_failed_update_of_a_real_odoo() {
    let case = "update-base-view-error";
    let db = replay_db("snap_gate_replay", case);
    let dep = Deployment::new(&db);
    let (_site, url) = good_site();
    let mut r = Redactions::new();
    r.db(&db).tmp(&dep.root).site(&url);
    snap_variants(
        "deploy_check_full_replay_update_error",
        &r,
        &[
            &["--format", "table"],
            &["--format", "json"],
            &["--format", "github"],
        ],
        || {
            let mut c = dep.cmd(&db, &url);
            c.arg("--full");
            replaying(&mut c, case, "-u base");
            c
        },
    );
}

#[test]
fn snapshot_truth_sync_dry_run() {
    let _serial = serial();
    let db = TestDb::new("snap_ts");
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    truth_sync_setup(root);
    let (_site, url) = good_site();
    let mut r = Redactions::new();
    r.db(&db).tmp(root).site(&url);
    snap_variants("truth_sync_dry_run", &r, VARIANTS, || {
        let mut c = truth_sync(root, &db, &url, &[]);
        c.arg("--dry-run");
        c
    });
}

/// The formats of the monitoring consumers.
const MONITORING_VARIANTS: &[&[&str]] = &[&["--format", "prometheus"], &["--format", "nagios"]];

#[test]
fn snapshot_checksums_and_dependency_pictures_on_the_corpus() {
    let r = Redactions::new();
    snap_variants("checksums", &r, &[&["--format", "json"], &["-q"]], || {
        on_corpus(&["checksums"])
    });
    snap_variants(
        "deps_picture",
        &r,
        &[
            &["--format", "dot"],
            &["--format", "mermaid"],
            &["--format", "markdown"],
        ],
        || {
            let mut c = on_corpus(&["deps", "--modules", "mis_builder,queue_job_cron"]);
            c.args(["--odoo-series", "18.0"]);
            c
        },
    );
}

#[test]
fn snapshot_files_hash_and_verify_deploy_native() {
    let rel = crate::verify_deploy::Release::new();
    let mut r = Redactions::new();
    r.tmp(rel.path("x").parent().unwrap());
    let digests = rel.path("digests.sha256");
    let mut hash = bin();
    hash.current_dir(&rel.root)
        .args(["files", "hash", "custom-addons", "--relative-to", ".", "-o"])
        .arg(&digests);
    snap("files_hash", &r, &mut hash);
    // The digest file itself, as sha256sum -c reads it.
    let text = std::fs::read_to_string(&digests).unwrap();
    r.settings()
        .bind(|| insta::assert_snapshot!("files_hash_digests", text));
    let manifest = rel.hash("sha256");
    let log = rel.logs("", "");
    // A failing release: two of the three expected sync runs since it started.
    let release = rel.write_release(&manifest, &log, 60, "");
    snap_variants(
        "verify_deploy_native",
        &r,
        &[
            &["--format", "table"],
            &["--format", "json"],
            &["--format", "junit"],
            &["--format", "github"],
            &["--format", "prometheus"],
        ],
        || {
            let mut c = bin();
            c.env("TZ", "UTC")
                .args(["verify-deploy", "--mode", "native", "--release"])
                .arg(&release);
            c
        },
    );
}

#[test]
fn snapshot_history_and_diff_of_two_recorded_runs() {
    let db = TestDb::new("snap_hist");
    let state = tempfile::tempdir().unwrap();
    let mut r = Redactions::new();
    r.db(&db).tmp(state.path());
    let url = db.url();
    let with_state = |args: &[&str]| {
        let mut c = on_corpus(args);
        c.env("XDG_STATE_HOME", state.path())
            .env_remove("ODOO_AUDIT_HISTORY");
        c
    };
    db.exec("UPDATE ir_module_module SET state = 'to upgrade' WHERE name = 'mail'");
    let (code, _, err) = run(with_state(&["versions", "--record", "--db-url", &url])
        .arg("-o")
        .arg(state.path().join("run.json")));
    assert_eq!(code, 1, "{err}");
    db.exec(
        "UPDATE ir_module_module SET state = 'installed' WHERE name = 'mail';
         UPDATE ir_module_module SET state = 'to remove' WHERE name = 'auditlog';",
    );
    let (code, _, err) = run(with_state(&["versions", "--record", "--db-url", &url])
        .arg("-o")
        .arg(state.path().join("run.json")));
    assert_eq!(code, 1, "{err}");
    // JSON only: the table shows each run's duration as it was.
    snap_variants("history", &r, &[&["--format", "json"]], || {
        with_state(&["history"])
    });
    snap_variants("diff", &r, VARIANTS, || with_state(&["diff"]));
}

#[test]
fn snapshot_fleet_of_a_clean_and_a_faulty_instance() {
    let clean = TestDb::new("snap_fleet_clean");
    let faulty = TestDb::new("snap_fleet_faulty");
    faulty.exec("UPDATE ir_module_module SET state = 'to install' WHERE name = 'mail_bot'");
    let dir = tempfile::tempdir().unwrap();
    let mut r = Redactions::new();
    r.db(&clean).db(&faulty).tmp(dir.path());
    // The last column of the instances table is each instance's duration_ms.
    r.pattern(r"(?m)┆ +\d+ +│$", "┆ [MS] │")
        .pattern(r"(?m)^((clean|faulty),.*),\d+$", "$1,[MS]")
        .pattern(r"(?m)\| \d+ \|$", "| [MS] |");
    let inv = crate::fleet::write_inventory(
        dir.path(),
        &format!(
            "{}{}",
            crate::fleet::entry("clean", &clean.url(), "prod"),
            crate::fleet::entry("faulty", &faulty.url(), "staging")
        ),
    );
    let variants: Vec<&[&str]> = VARIANTS
        .iter()
        .chain(MONITORING_VARIANTS)
        .copied()
        .collect();
    snap_variants("fleet", &r, &variants, || {
        let mut c = bin();
        c.args(["fleet", "--inventory"]).arg(&inv);
        c
    });
}

#[test]
fn snapshot_backup_test_restore_of_a_real_dump() {
    let db = TestDb::new("snap_restore");
    let tmp = tempfile::tempdir().unwrap();
    crate::backup::pg_dump(&db.name, &tmp.path().join("prod.dump"));
    let mut r = Redactions::new();
    r.db(&db).tmp(tmp.path());
    let url = crate::backup::restore_url(&db);
    snap_variants("backup_test_restore", &r, &VARIANTS[..2], || {
        let mut c = bin();
        c.args(["backup", "test-restore", "--restore-url", &url, "-j", "2"])
            .args(["--backup-dir", tmp.path().to_str().unwrap()]);
        c
    });
}

#[test]
fn snapshot_monitoring_formats_of_database_commands() {
    let db = TestDb::new("snap_mon");
    db.exec("UPDATE ir_module_module SET state = 'to upgrade' WHERE name = 'mail'");
    let mut r = Redactions::new();
    r.db(&db);
    let url = db.url();
    for (name, args) in [
        ("versions_monitoring", &["versions"][..]),
        ("broken_monitoring", &["broken"][..]),
    ] {
        snap_variants(name, &r, MONITORING_VARIANTS, || {
            let mut c = on_corpus(args);
            c.args(["--db-url", &url]);
            c
        });
    }
}
