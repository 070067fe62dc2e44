//! Shared helpers of the integration tests: the binary, the real OCA corpus, temporary addons
//! trees, and copies of the real Odoo 18 database on the throwaway PostgreSQL server started by
//! `scripts/pg-test.sh` (loopback only).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_odoo-audit"));
    // Tests control the environment: no libpq or Odoo settings leak in, nor a COLUMNS that
    // would lay the tables out for a width.
    for (k, _) in std::env::vars() {
        if k.starts_with("PG") || k == "ODOO_RC" || k == "COLUMNS" {
            c.env_remove(k);
        }
    }
    c.env("NO_COLOR", "1");
    c.env("HOME", "/nonexistent");
    c
}

/// Runs the binary; returns (exit code, stdout, stderr).
pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let out: Output = cmd.output().expect("run odoo-audit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the binary with `--format json` and parses stdout.
pub fn run_json(cmd: &mut Command) -> (i32, serde_json::Value, String) {
    cmd.args(["--format", "json"]);
    let (code, out, err) = run(cmd);
    let v = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stdout:\n{out}\nstderr:\n{err}"));
    (code, v, err)
}

/// The findings of a JSON report with a given code.
pub fn findings_with<'a>(doc: &'a serde_json::Value, code: &str) -> Vec<&'a serde_json::Value> {
    doc["findings"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["code"] == code).collect())
        .unwrap_or_default()
}

/// The names of the `modules` table of a JSON report (`modules`, `audit`), in order.
pub fn module_names(doc: &serde_json::Value) -> Vec<&str> {
    doc["modules"]
        .as_array()
        .unwrap_or_else(|| panic!("no modules table: {doc}"))
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect()
}

/// The row of module `m` in the `plan` table of a `parity plan` JSON report.
pub fn plan_row<'a>(doc: &'a serde_json::Value, m: &str) -> &'a serde_json::Value {
    doc["plan"]
        .as_array()
        .unwrap_or_else(|| panic!("no plan table: {doc}"))
        .iter()
        .find(|r| r["module"] == m)
        .unwrap_or_else(|| panic!("{m} is not in the plan: {:#}", doc["plan"]))
}

/// The `install_order` of a `parity plan` JSON report.
pub fn install_order(doc: &serde_json::Value) -> Vec<&str> {
    doc["install_order"]
        .as_array()
        .unwrap_or_else(|| panic!("no install_order: {doc}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// The real OCA 18.0 corpus unpacked by `scripts/fetch-corpus.sh`.
pub fn corpus() -> PathBuf {
    corpus_of("ODOO_AUDIT_CORPUS", ".cache/oca18/addons", 93, "18")
}

/// The real OCA 19.0 corpus unpacked by `scripts/fetch-corpus.sh 19` (the addons path of the
/// Odoo 19 fixture).
pub fn corpus19() -> PathBuf {
    corpus_of("ODOO_AUDIT_CORPUS19", ".cache/oca19/addons", 41, "19")
}

fn corpus_of(var: &str, default: &str, pinned: usize, series: &str) -> PathBuf {
    let dir = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(default));
    let count = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).count())
        .unwrap_or(0);
    assert!(
        count >= pinned,
        "the OCA {series}.0 corpus is missing at {} ({count} addons, {pinned} pinned); run scripts/fetch-corpus.sh {series} (scripts/test.sh does)",
        dir.display()
    );
    dir
}

/// Copies a directory tree (files and directories; symlinks are not expected in the corpus).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk corpus");
        let rel = entry.path().strip_prefix(from).expect("prefix");
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &dest).expect("copy");
        }
    }
}

/// A temporary copy of the corpus (only the named addons when `only` is not empty).
pub fn corpus_copy(only: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dest = tmp.path().join("addons");
    std::fs::create_dir_all(&dest).expect("mkdir");
    let src = corpus();
    for entry in std::fs::read_dir(&src).expect("read corpus") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if only.is_empty() || only.contains(&name.as_str()) {
            copy_tree(&entry.path(), &dest.join(&name));
        }
    }
    (tmp, dest)
}

/// Writes an addon with the given manifest text under `root`.
pub fn write_addon(root: &Path, name: &str, manifest: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir addon");
    std::fs::write(dir.join("__manifest__.py"), manifest).expect("write manifest");
    dir
}

/// Connection settings of the test server, from `scripts/pg-test.sh`.
pub struct Pg {
    pub superuser: String,
    pub odoo: String,
    pub host: String,
    pub port: String,
}

pub fn env_file_value(key: &str) -> Option<String> {
    if let Ok(v) = std::env::var(key) {
        return Some(v);
    }
    let file = std::env::var("ODOO_AUDIT_TEST_PG_ENV").ok()?;
    let text = std::fs::read_to_string(file).ok()?;
    for line in text.lines() {
        let line = line.trim().trim_start_matches("export ");
        if let Some((k, v)) = line.split_once('=') {
            if k == key {
                return Some(v.trim_matches('"').trim_matches('\'').to_string());
            }
        }
    }
    None
}

/// Whether a test has already said how to start the test server.
static TOLD_HOW_TO_START: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The test server's settings. Without them the first test that needs the server says how to
/// start it; every other one fails in one line.
pub fn pg() -> Pg {
    let get = |k: &str| {
        env_file_value(k).unwrap_or_else(|| {
            if TOLD_HOW_TO_START.swap(true, std::sync::atomic::Ordering::SeqCst) {
                panic!("test server missing (see the first failure for how to start it)");
            }
            panic!(
                "test server missing: {k} is not set. Run the tests with scripts/test.sh, or start \
                 the server once and load its settings:\n  \
                 ODOO_AUDIT_PG_PORT=PORT bash scripts/pg-test.sh start\n  \
                 eval \"$(ODOO_AUDIT_PG_PORT=PORT bash scripts/pg-test.sh env)\"\n\
                 then cargo test again"
            )
        })
    };
    let pg = Pg {
        superuser: get("ODOO_AUDIT_TEST_PG"),
        odoo: get("ODOO_AUDIT_TEST_PG_ODOO"),
        host: get("ODOO_AUDIT_TEST_PG_HOST"),
        port: get("ODOO_AUDIT_TEST_PG_PORT"),
    };
    assert!(
        pg.host.starts_with("127.") || pg.host == "localhost" || pg.host == "::1",
        "tests only ever talk to loopback, not {}",
        pg.host
    );
    pg
}

static CREATE_LOCK: Mutex<()> = Mutex::new(());

/// A throwaway copy of the real Odoo 18 database, dropped at the end of the test.
pub struct TestDb {
    pub name: String,
    pg: Pg,
}

fn superuser_client(pg: &Pg, db: &str) -> postgres::Client {
    postgres::Client::connect(&format!("{} dbname={db}", pg.superuser), postgres::NoTls)
        .expect("connect as superuser to the test server")
}

impl TestDb {
    /// Copies the tests' template of the Odoo 18 fixture (`odoo18_tests`, which nobody can
    /// connect to; `odoo18` on a server set up without it) into a new database named after the
    /// test.
    pub fn new(test: &str) -> TestDb {
        let template =
            env_file_value("ODOO_AUDIT_TEST_PG_TEMPLATE").unwrap_or_else(|| "odoo18".into());
        TestDb::copy_of(test, &template)
    }

    /// Likewise for the Odoo 19 fixture (`odoo19_tests`).
    pub fn new19(test: &str) -> TestDb {
        let template = env_file_value("ODOO_AUDIT_TEST_PG_TEMPLATE19").unwrap_or_else(|| {
            panic!("ODOO_AUDIT_TEST_PG_TEMPLATE19 is not set: restart the test server with scripts/pg-test.sh start (scripts/test.sh does)")
        });
        TestDb::copy_of(test, &template)
    }

    /// An empty database (no Odoo in it) owned by the `odoo` role, named after the test.
    pub fn empty(test: &str) -> TestDb {
        TestDb::copy_of(test, "template0")
    }

    fn copy_of(test: &str, template: &str) -> TestDb {
        let pg = pg();
        let name = format!("t_{}_{}", test, std::process::id());
        let _guard = CREATE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let mut c = superuser_client(&pg, "postgres");
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop old copy");
        // A session on the template makes the copy fail (after PostgreSQL waited 5 s for it to
        // end); such sessions are short, so try again for a while.
        let create = format!("CREATE DATABASE {name} TEMPLATE {template} OWNER odoo");
        let started = std::time::Instant::now();
        while let Err(e) = c.batch_execute(&create) {
            let busy = e
                .as_db_error()
                .is_some_and(|d| d.message().contains("is being accessed by other users"));
            assert!(
                busy && started.elapsed() < std::time::Duration::from_secs(30),
                "copy the {template} template: {}",
                e.as_db_error().map(|d| d.message()).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        TestDb { name, pg }
    }

    /// Runs SQL as the superuser in this copy (to make faults).
    pub fn exec(&self, sql: &str) {
        let mut c = superuser_client(&self.pg, &self.name);
        c.batch_execute(sql)
            .unwrap_or_else(|e| panic!("fault SQL failed: {e}\n{sql}"));
    }

    /// Runs a query as the superuser and returns the first column of the first row as text.
    pub fn scalar(&self, sql: &str) -> String {
        let mut c = superuser_client(&self.pg, &self.name);
        let row = c.query_one(sql, &[]).expect("query");
        row.get::<_, String>(0)
    }

    /// The URL the tool is given (the non-superuser `odoo` role).
    pub fn url(&self) -> String {
        let pw = self
            .pg
            .odoo
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("password="))
            .expect("password in ODOO_AUDIT_TEST_PG_ODOO")
            .to_string();
        format!(
            "postgres://odoo:{pw}@{}:{}/{}?sslmode=disable",
            self.pg.host, self.pg.port, self.name
        )
    }

    pub fn odoo_password(&self) -> String {
        self.pg
            .odoo
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("password="))
            .expect("password")
            .to_string()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(
            &format!("{} dbname=postgres", self.pg.superuser),
            postgres::NoTls,
        ) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Parses a JUnit report and checks it against the JSON report of the same run: one failing
/// test case per warning and error finding, in order, named and classed by its code, with the
/// finding's message and severity; info findings are no test case; one passing case when there
/// is no warning or error. Attribute values are single lines. The JUnit run must show what the
/// JSON run shows (`--min-severity info`, or the same `--min-severity`).
pub fn assert_junit_matches(junit: &str, doc: &serde_json::Value) {
    let xml =
        roxmltree::Document::parse(junit).unwrap_or_else(|e| panic!("not XML ({e}):\n{junit}"));
    let root = xml.root_element();
    assert_eq!(root.tag_name().name(), "testsuites", "{junit}");
    let findings = doc["findings"].as_array().expect("findings");
    let failing: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["severity"] != "info")
        .collect();
    let cases: Vec<roxmltree::Node> = root
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(
        cases.len(),
        failing.len().max(1),
        "test cases vs warnings and errors:\n{junit}"
    );
    assert_eq!(
        root.attribute("tests"),
        Some(cases.len().to_string().as_str())
    );
    assert_eq!(
        root.attribute("failures"),
        Some(failing.len().to_string().as_str())
    );
    for node in root.descendants().filter(|n| n.is_element()) {
        for a in node.attributes() {
            assert!(
                !a.value().contains(['\n', '\r']),
                "a line break in {}: {junit}",
                a.name()
            );
        }
    }
    if failing.is_empty() {
        assert!(
            cases[0].children().all(|n| !n.has_tag_name("failure")),
            "{junit}"
        );
    }
    for (case, f) in cases.iter().zip(failing) {
        let code = f["code"].as_str().unwrap();
        assert_eq!(
            case.attribute("classname"),
            Some(format!("odoo-audit.{code}").as_str()),
            "{junit}"
        );
        let name = case.attribute("name").unwrap_or_default();
        assert!(
            name.starts_with(&format!("{code} {}", f["rule"].as_str().unwrap())),
            "{name}"
        );
        let failure = case
            .children()
            .find(|n| n.has_tag_name("failure"))
            .unwrap_or_else(|| panic!("{code} does not fail: {junit}"));
        assert_eq!(failure.attribute("type"), f["severity"].as_str());
        assert_eq!(failure.attribute("message"), f["message"].as_str());
        // The text keeps its lines: the message, then the hint.
        assert_eq!(
            failure.text(),
            Some(
                format!(
                    "{}\nhint: {}",
                    f["message"].as_str().unwrap(),
                    f["hint"].as_str().unwrap()
                )
                .as_str()
            ),
            "{junit}"
        );
    }
}

/// The rows of the Markdown table under the heading `## {title} (N)` of a Markdown report, each
/// as its cells (`\|` unescaped); the header and separator lines are left out. Checks that the
/// heading's count is the number of rows.
pub fn markdown_table(text: &str, title: &str) -> Vec<Vec<String>> {
    let heading = format!("## {title} (");
    let mut lines = text.lines().skip_while(|l| !l.starts_with(&heading));
    let head = lines
        .next()
        .unwrap_or_else(|| panic!("no table {title}:\n{text}"));
    let count: usize = head[heading.len()..]
        .trim_end_matches(')')
        .parse()
        .unwrap_or_else(|e| panic!("{head}: {e}"));
    let rows: Vec<Vec<String>> = lines
        .skip(1) // the blank line after the heading
        .take_while(|l| l.starts_with('|'))
        .skip(2) // the header and the separator
        .map(|l| {
            let inner = l
                .strip_prefix("| ")
                .and_then(|l| l.strip_suffix(" |"))
                .unwrap_or_else(|| panic!("not a table row: {l}"));
            inner
                .replace("\\|", "\u{0}")
                .split(" | ")
                .map(|c| c.replace('\u{0}', "|"))
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), count, "{title}: rows vs heading:\n{text}");
    rows
}

/// Every output format, then the one-line-per-finding form.
pub const VARIANTS: &[&[&str]] = &[
    &["--format", "table"],
    &["--format", "json"],
    &["--format", "csv"],
    &["--format", "sarif"],
    &["--format", "junit"],
    &["--format", "github"],
    &["--format", "markdown"],
    &["-q"],
];

/// Writes `files` (path relative to `root`, text) under `root`, creating directories.
pub fn write(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// An addon with a client action whose tag nothing registers: an error finding (A001).
pub fn plant_tag(addons: &Path) {
    write(
        addons,
        &[
            (
                "planted_tag/__manifest__.py",
                "{'name': 'Planted', 'version': '18.0.1.0.0', 'license': 'LGPL-3', \
                 'depends': ['web'], 'data': ['views/actions.xml']}",
            ),
            (
                "planted_tag/views/actions.xml",
                "<odoo>\n  <record id=\"action_nobody\" model=\"ir.actions.client\">\n    \
                 <field name=\"name\">Nobody</field>\n    \
                 <field name=\"tag\">planted_nobody_registers_this</field>\n  </record>\n</odoo>\n",
            ),
        ],
    );
}
