//! `files hash` and `verify-deploy` in native mode, end to end: a release of real addons of the
//! corpus, digest files that coreutils' own `sha256sum -c`/`md5sum -c` accept, Odoo-format log
//! files with rotated copies (plain and gzip), a real `pg_dump -Fc` of the real Odoo 18 database
//! as the rollback dump.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::*;

/// A deployed release under a temporary directory.
pub(crate) struct Release {
    tmp: tempfile::TempDir,
    /// Where the release's addons are deployed (`root` of the release file).
    pub(crate) root: PathBuf,
}

/// `YYYY-MM-DD HH:MM:SS` of `t` in UTC (the tests run Odoo's logs with TZ=UTC).
fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn ago(mins: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::Duration::minutes(mins)
}

fn line(t: chrono::DateTime<chrono::Utc>, level: &str, logger: &str, msg: &str) -> String {
    format!("{},123 4242 {level} prod {logger}: {msg}\n", stamp(t))
}

impl Release {
    pub(crate) fn new() -> Release {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("opt/odoo");
        std::fs::create_dir_all(root.join("custom-addons")).unwrap();
        copy_tree(
            &corpus().join("date_range"),
            &root.join("custom-addons/date_range"),
        );
        copy_tree(
            &corpus().join("auditlog"),
            &root.join("custom-addons/auditlog"),
        );
        Release { tmp, root }
    }

    pub(crate) fn path(&self, p: &str) -> PathBuf {
        self.tmp.path().join(p)
    }

    /// `files hash` of the deployed addons, relative to the root.
    pub(crate) fn hash(&self, algorithm: &str) -> PathBuf {
        let out = self.path(&format!("release.{algorithm}"));
        let (code, stdout, err) = run(bin()
            .current_dir(&self.root)
            .args(["files", "hash", "custom-addons", "--relative-to", "."])
            .args(["--algorithm", algorithm, "-o"])
            .arg(&out));
        assert_eq!(code, 0, "{stdout}{err}");
        out
    }

    /// Logs: the current file (last 20 minutes), `.1` (an hour ago) and `.2.gz` (a day ago).
    pub(crate) fn logs(&self, extra_current: &str, extra_rotated: &str) -> PathBuf {
        let dir = self.path("log");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("odoo.log");
        let current = [
            line(
                ago(20),
                "INFO",
                "odoo.modules.loading",
                "loading 120 modules...",
            ),
            line(ago(15), "INFO", "pdc", "PDC-Offline sync: 12 orders"),
            line(ago(5), "INFO", "pdc", "PDC-Offline sync: 3 orders"),
        ]
        .concat()
            + extra_current;
        let rotated = [
            line(ago(70), "INFO", "pdc", "PDC-Offline sync: 40 orders"),
            line(
                ago(50),
                "INFO",
                "odoo.service.server",
                "HTTP service running",
            ),
        ]
        .concat()
            + extra_rotated;
        let old = [
            line(
                ago(1500),
                "ERROR",
                "odoo.sql_db",
                "an old error, before the release",
            ),
            line(ago(1450), "INFO", "pdc", "PDC-Offline sync: 1 order"),
        ]
        .concat();
        std::fs::write(dir.join("odoo.log.2.gz"), gzip(old.as_bytes())).unwrap();
        std::fs::write(dir.join("odoo.log.1"), rotated).unwrap();
        std::fs::write(&file, current).unwrap();
        // Modification times as logrotate leaves them: the older, the older.
        touch(&dir.join("odoo.log.2.gz"), 1440);
        touch(&dir.join("odoo.log.1"), 45);
        file
    }

    pub(crate) fn write_release(
        &self,
        manifest: &Path,
        log: &Path,
        started_mins_ago: i64,
        extra: &str,
    ) -> PathBuf {
        let release = self.path("release.toml");
        std::fs::write(
            &release,
            format!(
                r#"name = "test"
started_at = "{started}"

[files]
manifest = "{manifest}"
root = "{root}"
exact = ["custom-addons/date_range"]

[logs]
file = "{log}"
max_errors = 0

[[logs.expect]]
name = "no constraint errors"
pattern = "ConstraintError"
max = 0

[[logs.expect]]
name = "PDC offline sync runs"
pattern = "PDC-Offline sync"
min = 3
{extra}"#,
                started = ago(started_mins_ago).format("%Y-%m-%dT%H:%M:%SZ"),
                manifest = manifest.display(),
                root = self.root.display(),
                log = log.display(),
            ),
        )
        .unwrap();
        release
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn touch(path: &Path, mins_ago: u64) {
    let t = std::time::SystemTime::now() - std::time::Duration::from_secs(mins_ago * 60);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

fn verify(release: &Path, extra: &[&str]) -> (i32, Value) {
    let (code, doc, err) = run_json(
        bin()
            .env("TZ", "UTC")
            .args(["verify-deploy", "--mode", "native", "--release"])
            .arg(release)
            .args(extra),
    );
    assert!(doc["checks"].is_array(), "{err}{doc}");
    (code, doc)
}

fn row<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {doc}"))
}

#[test]
fn digest_files_are_what_coreutils_checks() {
    let r = Release::new();
    for (algorithm, program) in [("sha256", "sha256sum"), ("md5", "md5sum")] {
        let manifest = r.hash(algorithm);
        let text = std::fs::read_to_string(&manifest).unwrap();
        let n = text.lines().count();
        let expected = walk_count(&r.root.join("custom-addons"));
        assert_eq!(n, expected, "{text}");
        let status = Command::new(program)
            .current_dir(&r.root)
            .args(["-c", "--quiet", "--strict"])
            .arg(&manifest)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "{program} -c rejected {}",
            manifest.display()
        );
    }
    // Without --output: a usage error, nothing written.
    let (code, _, err) = run(bin()
        .current_dir(&r.root)
        .args(["files", "hash", "custom-addons"]));
    assert_eq!(code, 2);
    assert!(err.contains("--output"), "{err}");
}

fn walk_count(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter(|e| e.as_ref().unwrap().file_type().is_file())
        .count()
}

#[test]
fn a_good_release_passes_and_each_fault_is_named() {
    let r = Release::new();
    let manifest = r.hash("sha256");
    let log = r.logs("", "");
    // Started 60 minutes ago: the window reaches into odoo.log.1, not into .2.gz.
    let release = r.write_release(&manifest, &log, 60, "");
    let (code, doc) = verify(&release, &[]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["summary"]["result"], "failed");
    assert_eq!(row(&doc, "files")["status"], "pass");
    // 15 and 5 minutes ago in odoo.log; the one 70 minutes ago is before the release.
    assert_eq!(row(&doc, "log: PDC offline sync runs")["count"], 2, "{doc}");
    assert_eq!(row(&doc, "log: ERROR/CRITICAL entries")["count"], 0);
    assert_eq!(row(&doc, "log: PDC offline sync runs")["status"], "fail");
    let r005 = findings_with(&doc, "R005");
    assert_eq!(r005.len(), 1, "{r005:#?}");
    assert!(r005[0]["message"]
        .as_str()
        .unwrap()
        .contains("expected at least 3"));

    // Started 80 minutes ago: three syncs (one in the rotated file); the .2.gz error is older.
    let release = r.write_release(&manifest, &log, 80, "");
    let (code, doc) = verify(&release, &[]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["summary"]["result"], "deployed");
    assert_eq!(row(&doc, "log: PDC offline sync runs")["count"], 3);
    // A day back: the gzip copy is read too (its error counts).
    let release = r.write_release(&manifest, &log, 1600, "");
    let (code, doc) = verify(&release, &[]);
    assert_eq!(code, 1);
    assert_eq!(row(&doc, "log: PDC offline sync runs")["count"], 4);
    assert_eq!(findings_with(&doc, "R006").len(), 1);
    assert!(findings_with(&doc, "R006")[0]["message"]
        .as_str()
        .unwrap()
        .contains("an old error"));

    // Faults: a changed file, a missing one, an unexpected one; a ConstraintError in a
    // traceback of the rotated log, an ERROR line.
    let addon = r.root.join("custom-addons/date_range");
    let py = addon.join("models/date_range.py");
    let text = std::fs::read_to_string(&py).unwrap();
    std::fs::write(&py, format!("{text}# edited on the server\n")).unwrap();
    std::fs::remove_file(addon.join("__manifest__.py")).unwrap();
    std::fs::write(addon.join("models/leftover.py"), "x = 1\n").unwrap();
    let traceback = line(ago(40), "ERROR", "odoo.sql_db", "bad query")
        + "Traceback (most recent call last):\n  File \"x.py\", line 1\npsycopg2.errors.CheckViolation: ConstraintError on sale_order\n";
    let log = r.logs("", &traceback);
    let release = r.write_release(&manifest, &log, 80, "");
    let (code, doc) = verify(&release, &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["summary"]["result"], "failed");
    for code in ["R001", "R002", "R003", "R005", "R006"] {
        assert_eq!(findings_with(&doc, code).len(), 1, "{code}: {doc}");
    }
    assert_eq!(
        findings_with(&doc, "R002")[0]["file"],
        "custom-addons/date_range/models/date_range.py"
    );
    assert_eq!(
        findings_with(&doc, "R001")[0]["file"],
        "custom-addons/date_range/__manifest__.py"
    );
    assert_eq!(
        findings_with(&doc, "R003")[0]["file"],
        "custom-addons/date_range/models/leftover.py"
    );
    assert!(findings_with(&doc, "R005")[0]["message"]
        .as_str()
        .unwrap()
        .contains("bad query"));
    assert_eq!(findings_with(&doc, "R006")[0]["severity"], "error");

    // A listed file that became a FIFO is not opened: unreadable, at once.
    let readme = r.root.join("custom-addons/auditlog/README.rst");
    std::fs::remove_file(&readme).unwrap();
    assert!(Command::new("mkfifo")
        .arg(&readme)
        .status()
        .unwrap()
        .success());
    let (code, doc) = verify(&release, &[]);
    assert_eq!(code, 1);
    let r004 = findings_with(&doc, "R004");
    assert_eq!(r004.len(), 1, "{r004:#?}");
    assert!(r004[0]["message"].as_str().unwrap().contains("FIFO"));

    // No log file at all.
    let release = r.write_release(&manifest, &r.path("log/nope.log"), 80, "");
    let (code, doc) = verify(&release, &[]);
    assert_eq!(code, 1);
    assert_eq!(findings_with(&doc, "R007").len(), 1);
}

#[test]
fn rollback_readiness_with_a_real_dump() {
    let db = TestDb::new("verify_deploy");
    let r = Release::new();
    let manifest = r.hash("sha256");
    let log = r.logs("", "");
    let dumps = r.path("dumps");
    let backups = r.path("backups");
    std::fs::create_dir_all(&dumps).unwrap();
    std::fs::create_dir_all(backups.join("custom-addons/date_range/models")).unwrap();
    std::fs::write(
        backups.join("custom-addons/date_range/models/date_range.py"),
        "previous version\n",
    )
    .unwrap();
    crate::deploy_check::pg_dump(&db, &dumps.join("prod.dump"));
    let rollback = format!(
        "\n[rollback]\nbackup_dir = \"{}\"\nreplaces = [\"custom-addons/date_range/models/date_range.py\", \"custom-addons/auditlog/models/rule.py\"]\ndump_dir = \"{}\"\n",
        backups.display(),
        dumps.display()
    );
    let release = r.write_release(&manifest, &log, 80, &rollback);
    let (code, doc) = verify(&release, &[]);
    assert_eq!(code, 1, "{doc}");
    let r008 = findings_with(&doc, "R008");
    assert_eq!(r008.len(), 1, "{r008:#?}");
    assert_eq!(r008[0]["file"], "custom-addons/auditlog/models/rule.py");
    assert_eq!(
        row(&doc, "rollback: database dump")["status"],
        "pass",
        "{doc}"
    );
    assert!(row(&doc, "rollback: database dump")["evidence"]
        .as_str()
        .unwrap()
        .contains("prod.dump"));
    // The dump was made before a release that started a minute from now.
    let release = r.write_release(&manifest, &log, -1, &rollback);
    let (_, doc) = verify(&release, &[]);
    let r009 = findings_with(&doc, "R009");
    assert_eq!(r009.len(), 1, "{doc}");
    assert!(r009[0]["message"]
        .as_str()
        .unwrap()
        .contains("older than the release start"));
    // A truncated dump is not one pg_restore can read.
    let bytes = std::fs::read(dumps.join("prod.dump")).unwrap();
    std::fs::write(dumps.join("prod.dump"), &bytes[..bytes.len() / 3]).unwrap();
    let release = r.write_release(&manifest, &log, 80, &rollback);
    let (_, doc) = verify(&release, &[]);
    assert!(findings_with(&doc, "R009")[0]["message"]
        .as_str()
        .unwrap()
        .contains("not readable by pg_restore"));
}

#[test]
fn a_window_repeats_until_it_ends_or_fails() {
    let r = Release::new();
    let manifest = r.hash("sha256");
    let log = r.logs("", "");
    let release = r.write_release(&manifest, &log, 80, "");
    let started = std::time::Instant::now();
    let (code, doc) = verify(&release, &["--for", "3s", "--every", "1s"]);
    assert_eq!(code, 0, "{doc}");
    let rounds = doc["context"]["rounds"].as_u64().unwrap();
    assert!((2..=4).contains(&rounds), "{rounds} rounds");
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));
    // A failing round ends it at once.
    std::fs::remove_file(r.root.join("custom-addons/auditlog/__manifest__.py")).unwrap();
    let (code, doc) = verify(&release, &["--for", "30s", "--every", "1s"]);
    assert_eq!(code, 1);
    assert_eq!(doc["context"]["rounds"], 1);
}

#[test]
fn bad_release_files_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = |text: &str| {
        let f = dir.path().join("release.toml");
        std::fs::write(&f, text).unwrap();
        let (code, _, err) = run(bin()
            .args(["verify-deploy", "--mode", "native", "--release"])
            .arg(&f));
        assert_eq!(code, 2, "{text}: {err}");
        err
    };
    assert!(bad("nmae = \"x\"\n").contains("line 1"));
    assert!(bad("started_at = \"yesterday\"\n").contains("RFC 3339"));
    assert!(bad("[logs]\nfile = \"x\"\n").contains("started_at"));
    assert!(bad(
        "started_at = \"2026-01-01T00:00:00Z\"\n[[logs.expect]]\npattern = \"(\"\nmax = 0\n"
    )
    .contains("bad pattern"));
    assert!(
        bad("started_at = \"2026-01-01T00:00:00Z\"\n[files]\nmanifest = \"missing.sha256\"\n")
            .contains("missing.sha256")
    );
    let (code, _, err) = run(bin()
        .args(["verify-deploy", "--release"])
        .arg(dir.path().join("none.toml")));
    assert_eq!(code, 2, "{err}");
    // The shipped example is a valid release file.
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("odoo-audit.release.example.toml");
    let (code, out, err) = run(bin()
        .args(["verify-deploy", "--mode", "native", "--release"])
        .arg(&example));
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("release.sha256"),
        "the example names a manifest it does not ship: {err}"
    );
}

#[test]
fn services_are_deploy_checks_checks() {
    let r = Release::new();
    let manifest = r.hash("sha256");
    let log = r.logs("", "");
    let release = r.write_release(&manifest, &log, 80, "\n[services]\ncheck = true\n");
    // Nothing listens on the base URL: deploy-check's HTTP check fails here too.
    let (code, doc) = verify(&release, &["--base-url", "http://127.0.0.1:9"]);
    assert_eq!(code, 1, "{doc}");
    let services = doc["services"].as_array().unwrap();
    let nums: Vec<u64> = services.iter().map(|s| s["#"].as_u64().unwrap()).collect();
    assert_eq!(nums, [1, 2, 11], "{doc}");
    assert_eq!(services[2]["status"], "fail");
    assert_eq!(row(&doc, "files")["status"], "pass");
}

/// A compose project of one real container (the busybox image scripts/test.sh builds) that
/// mounts the release's files at /opt/odoo and prints an Odoo log; stopped when dropped.
struct Project {
    dir: tempfile::TempDir,
    compose: Vec<String>,
}

impl Project {
    fn up(opt: &Path, log: &str) -> Project {
        let image = std::env::var("ODOO_AUDIT_TEST_IMAGE").unwrap_or_else(|_| {
            panic!("ODOO_AUDIT_TEST_IMAGE is not set: scripts/test.sh builds the test image")
        });
        let compose: Vec<String> = std::env::var("ODOO_AUDIT_COMPOSE")
            .unwrap_or_else(|_| panic!("ODOO_AUDIT_COMPOSE is not set: scripts/test.sh sets it"))
            .split_whitespace()
            .map(String::from)
            .collect();
        let dir = tempfile::Builder::new()
            .prefix("oaverify")
            .tempdir()
            .unwrap();
        std::fs::write(dir.path().join("odoo.log"), log).unwrap();
        std::fs::write(
            dir.path().join("compose.yml"),
            format!(
                "services:\n  odoo:\n    image: {image}\n    command: [\"sh\", \"-c\", \"cat /seed/odoo.log; exec sleep 600\"]\n    volumes:\n      - {}:/opt/odoo:ro\n      - {}:/seed:ro\n",
                opt.display(),
                dir.path().display()
            ),
        )
        .unwrap();
        let p = Project { dir, compose };
        let ok = p.run(&["up", "-d"]);
        assert!(ok, "compose up failed");
        // The container has printed its log once it runs.
        for _ in 0..50 {
            let out = p.output(&["logs", "--no-color", "odoo"]);
            if out.contains("PDC-Offline") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        p
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("compose.yml")
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.compose[0]);
        c.args(&self.compose[1..])
            .arg("-f")
            .arg(self.file())
            .args(args);
        c
    }

    fn run(&self, args: &[&str]) -> bool {
        self.cmd(args)
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }

    fn output(&self, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.cmd(args).output().unwrap().stdout).into_owned()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self.cmd(&["down", "-t", "0", "-v"]).output();
    }
}

#[test]
fn compose_mode_reads_the_files_and_the_log_of_the_container() {
    let r = Release::new();
    let manifest = r.hash("sha256");
    let log = [
        line(
            ago(2),
            "INFO",
            "odoo.modules.loading",
            "loading 120 modules...",
        ),
        line(ago(1), "INFO", "pdc", "PDC-Offline sync: 12 orders"),
    ]
    .concat();
    let project = Project::up(&r.root, &log);
    let release = r.path("release.toml");
    std::fs::write(
        &release,
        format!(
            "[files]\nmanifest = \"{}\"\nroot = \"/opt/odoo\"\nexact = [\"custom-addons/date_range\"]\n\n[logs]\nsince = \"10m\"\nmax_errors = 0\n\n[[logs.expect]]\nname = \"sync\"\npattern = \"PDC-Offline sync\"\nmin = 1\n",
            manifest.display()
        ),
    )
    .unwrap();
    let compose = std::env::var("ODOO_AUDIT_COMPOSE").unwrap();
    let verify_compose = || {
        let (code, doc, err) = run_json(
            bin()
                .args(["verify-deploy", "--mode", "compose", "--release"])
                .arg(&release)
                .arg("--compose-file")
                .arg(project.file())
                .args(["--compose-command", &compose, "--odoo-service", "odoo"]),
        );
        assert!(doc["checks"].is_array(), "{err}{doc}");
        (code, doc)
    };
    let (code, doc) = verify_compose();
    assert_eq!(code, 0, "{doc}");
    assert_eq!(row(&doc, "log: sync")["count"], 1, "{doc}");
    assert!(row(&doc, "files")["evidence"]
        .as_str()
        .unwrap()
        .starts_with(&format!(
            "{n} of {n} files",
            n = walk_count(&r.root.join("custom-addons"))
        )));
    // Changed, removed and added on the host: the container sees them through its mount.
    let addon = r.root.join("custom-addons/date_range");
    std::fs::write(addon.join("models/date_range.py"), "# replaced\n").unwrap();
    std::fs::remove_file(addon.join("README.rst")).unwrap();
    std::fs::write(addon.join("stray.py"), "").unwrap();
    let (code, doc) = verify_compose();
    assert_eq!(code, 1);
    assert_eq!(findings_with(&doc, "R002").len(), 1, "{doc}");
    assert_eq!(findings_with(&doc, "R001").len(), 1, "{doc}");
    assert_eq!(
        findings_with(&doc, "R003")[0]["file"],
        "custom-addons/date_range/stray.py"
    );
}
