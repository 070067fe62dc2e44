//! `fleet`: a fleet of copies of the real Odoo 18 database on the test server, some of them
//! unreachable on purpose, one with a planted fault; one row per instance, the right findings,
//! the same number of queries per instance whatever the size of the fleet.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

/// How many copies of the database the big fleet audits.
const COPIES: usize = 46;

/// One `[[instance]]` entry with a database URL and the OCA corpus as addons path.
pub(crate) fn entry(name: &str, url: &str, env: &str) -> String {
    format!(
        "[[instance]]\nname = \"{name}\"\ndb = \"{url}\"\naddons_path = [\"{}\"]\nlabels = {{ env = \"{env}\" }}\n\n",
        corpus().display()
    )
}

pub(crate) fn write_inventory(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("fleet.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The rows of the `instances` table, by instance name (each name must come once).
fn rows(doc: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for r in doc["instances"]
        .as_array()
        .unwrap_or_else(|| panic!("no instances table: {doc}"))
    {
        let name = r["instance"].as_str().unwrap().to_string();
        assert!(
            out.insert(name.clone(), r.clone()).is_none(),
            "{name} has two rows"
        );
    }
    out
}

fn on<'a>(findings: Vec<&'a Value>, instance: &str) -> Vec<&'a Value> {
    findings
        .into_iter()
        .filter(|f| f["instance"] == instance)
        .collect()
}

#[test]
fn fleet_of_fifty_instances_one_row_each_and_the_right_findings() {
    let copying = std::time::Instant::now();
    let dbs: Vec<TestDb> = (0..COPIES)
        .map(|i| TestDb::new(&format!("fleet{i}")))
        .collect();
    eprintln!("{COPIES} copies of the database: {:?}", copying.elapsed());
    // The planted fault: a module left half-way through an upgrade.
    dbs[7].exec("UPDATE ir_module_module SET state = 'to upgrade' WHERE name = 'crm'");
    let password = dbs[0].odoo_password();
    let pg = pg();
    let mut text = String::new();
    for (i, db) in dbs.iter().enumerate() {
        let env = if i % 2 == 0 { "prod" } else { "staging" };
        text.push_str(&entry(&format!("shop-{i:02}"), &db.url(), env));
    }
    // A closed loopback port, a database that does not exist, a URL that does not parse,
    // an odoo.conf that is missing, an entry with an unknown key, and one that hangs.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    text.push_str(&entry(
        "closed-port",
        &format!("postgres://odoo:{password}@127.0.0.1:1/odoo18?sslmode=disable"),
        "prod",
    ));
    text.push_str(&entry(
        "no-such-db",
        &format!(
            "postgres://odoo:{password}@{}:{}/fleet_nonexistent?sslmode=disable",
            pg.host, pg.port
        ),
        "prod",
    ));
    text.push_str(&entry(
        "bad-url",
        &format!("postgres://odoo:{password}@{}:99999/x", pg.host),
        "prod",
    ));
    text.push_str("[[instance]]\nname = \"no-conf\"\nodoo_conf = \"/nonexistent/odoo.conf\"\n\n");
    text.push_str(&format!(
        "[[instance]]\nname = \"typo\"\ndb = \"{}\"\naddon_path = [\"/srv\"]\n\n",
        dbs[0].url()
    ));
    text.push_str(&entry(
        "hangs",
        &format!("postgres://odoo:{password}@127.0.0.1:{silent_port}/x?sslmode=disable"),
        "prod",
    ));
    let dir = tempfile::tempdir().unwrap();
    let inv = write_inventory(dir.path(), &text);
    let started = std::time::Instant::now();
    let (code, doc, err) = run_json(bin().args(["fleet", "--inventory"]).arg(&inv).args([
        // The hung instance is abandoned after --timeout, before the connection gives up.
        "--timeout",
        "15",
        "--connect-timeout",
        "60",
        "--jobs",
        "8",
        "versions",
        "broken",
    ]));
    let took = started.elapsed();
    eprintln!("fleet of {} instances: {took:?}", COPIES + 6);
    drop(silent);
    assert_eq!(code, 1, "{err}");
    let all = format!("{doc}{err}");
    assert!(!all.contains(&password), "the password is printed");

    let rows = rows(&doc);
    assert_eq!(rows.len(), COPIES + 6, "{:?}", rows.keys());
    assert_eq!(doc["summary"]["instances"], COPIES + 6);
    let status = |n: &str| rows[n]["status"].as_str().unwrap().to_string();
    for i in 0..COPIES {
        let name = format!("shop-{i:02}");
        assert_eq!(status(&name), "audited", "{name}: {}", rows[&name]);
        assert_eq!(
            rows[&name]["labels"],
            if i % 2 == 0 {
                "env=prod"
            } else {
                "env=staging"
            }
        );
    }
    assert_eq!(status("closed-port"), "unreachable");
    assert_eq!(status("no-such-db"), "unreachable");
    assert_eq!(status("bad-url"), "bad entry");
    assert_eq!(status("no-conf"), "bad entry");
    assert_eq!(status("typo"), "bad entry");
    assert_eq!(status("hangs"), "timed out");
    assert_eq!(doc["summary"]["audited"], COPIES);
    assert_eq!(doc["summary"]["unreachable"], 2);
    assert_eq!(doc["summary"]["timed_out"], 1);
    assert_eq!(doc["summary"]["bad_entry"], 3);
    // The hung instance was abandoned at its deadline, not waited for.
    assert!(took < std::time::Duration::from_secs(60), "{took:?}");

    // The planted fault, on its instance only.
    let stuck = findings_with(&doc, "V003");
    assert!(!stuck.is_empty(), "{}", doc["findings"]);
    for f in &stuck {
        assert_eq!(f["instance"], "shop-07", "{f}");
        assert_eq!(f["module"], "crm");
    }
    assert_eq!(rows["shop-07"]["versions_worst"], "V003");
    assert_eq!(rows["shop-07"]["broken_worst"], "V003");
    assert!(rows["shop-07"]["versions_errors"].as_u64().unwrap() >= 1);
    for i in (0..COPIES).filter(|i| *i != 7) {
        let r = &rows[&format!("shop-{i:02}")];
        assert_eq!(r["versions_errors"], 0, "{r}");
        assert_eq!(r["broken_errors"], 0, "{r}");
    }
    // The unreachable and bad instances, each a finding of its own row.
    assert_eq!(on(findings_with(&doc, "F001"), "closed-port").len(), 1);
    assert_eq!(on(findings_with(&doc, "F001"), "no-such-db").len(), 1);
    assert_eq!(on(findings_with(&doc, "F002"), "hangs").len(), 1);
    let bad = findings_with(&doc, "F003");
    assert_eq!(bad.len(), 3, "{bad:?}");
    let typo = on(findings_with(&doc, "F003"), "typo");
    assert!(typo[0]["message"]
        .as_str()
        .unwrap()
        .contains("unknown field `addon_path`"));
    assert_eq!(typo[0]["file"], inv.display().to_string());
    assert!(typo[0]["line"].as_u64().is_some());
    for code in ["F001", "F002", "F003"] {
        for f in findings_with(&doc, code) {
            let row = &rows[f["instance"].as_str().unwrap()];
            assert_eq!(row["versions_worst"], code, "{row}");
        }
    }
    // Every finding names its instance; the same problem on two instances has the same
    // fingerprint (fingerprints are per instance, never ranked across them).
    let findings = doc["findings"].as_array().unwrap();
    assert!(findings.iter().all(|f| f["instance"].is_string()));
    let mut by_instance: BTreeMap<&str, BTreeMap<(String, String), String>> = BTreeMap::new();
    for f in findings {
        let fp = f["fingerprint"].as_str().unwrap().to_string();
        by_instance
            .entry(f["instance"].as_str().unwrap())
            .or_default()
            .insert(
                (
                    f["code"].as_str().unwrap().to_string(),
                    f["module"].as_str().unwrap_or("").to_string(),
                ),
                fp,
            );
    }
    let a = &by_instance["shop-00"];
    let b = &by_instance["shop-01"];
    assert!(!a.is_empty());
    assert_eq!(
        a, b,
        "two clean copies: the same findings, the same fingerprints"
    );

    // The queries per instance do not depend on the size of the fleet.
    let per_instance: Vec<u64> = (0..COPIES)
        .map(|i| rows[&format!("shop-{i:02}")]["queries"].as_u64().unwrap())
        .collect();
    let one_dir = tempfile::tempdir().unwrap();
    let one = write_inventory(one_dir.path(), &entry("alone", &dbs[3].url(), "prod"));
    let (code, single, err) = run_json(
        bin()
            .args(["fleet", "--inventory"])
            .arg(&one)
            .args(["versions", "broken"]),
    );
    assert_eq!(code, 0, "{err}");
    let q1 = rows_of(&single)["alone"]["queries"].as_u64().unwrap();
    assert!(q1 > 0);
    assert!(
        per_instance.iter().all(|q| *q == q1),
        "queries per instance: 1 instance {q1}, {COPIES} instances {per_instance:?}"
    );
    // And they are those of the single runs of the commands.
    let (_, v, _) = run_json(
        bin()
            .args(["versions", "--db-url", &dbs[3].url(), "--addons-path"])
            .arg(corpus()),
    );
    let (_, b, _) = run_json(
        bin()
            .args(["broken", "--db-url", &dbs[3].url(), "--addons-path"])
            .arg(corpus()),
    );
    assert_eq!(
        v["summary"]["queries"].as_u64().unwrap() + b["summary"]["queries"].as_u64().unwrap(),
        q1
    );
}

fn rows_of(doc: &Value) -> BTreeMap<String, Value> {
    rows(doc)
}

#[test]
fn fleet_renders_in_every_format_and_exits_with_the_worst_instance() {
    let clean = TestDb::new("fleet_fmt_clean");
    let faulty = TestDb::new("fleet_fmt_faulty");
    faulty.exec("UPDATE ir_module_module SET state = 'to install' WHERE name = 'mail_bot'");
    let dir = tempfile::tempdir().unwrap();
    let inv = write_inventory(
        dir.path(),
        &format!(
            "{}{}",
            entry("clean", &clean.url(), "prod"),
            entry("faulty", &faulty.url(), "staging")
        ),
    );
    let fleet = |extra: &[&str]| {
        let mut c = bin();
        c.args(["fleet", "--inventory"]).arg(&inv).args(extra);
        run(&mut c)
    };
    // Only the clean instance: exit 0; with the faulty one: exit 1 (its V003).
    let clean_dir = tempfile::tempdir().unwrap();
    let only_clean = write_inventory(clean_dir.path(), &entry("clean", &clean.url(), "prod"));
    let (code, _, err) = run(bin().args(["fleet", "--inventory"]).arg(&only_clean));
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = fleet(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Instances (2)"), "{out}");
    assert!(out.contains("Instance"), "{out}");
    // --warn makes the worst instance's errors (V003, and B002 of a module depending on it)
    // warnings: exit 0.
    let (code, _, _) = fleet(&["--warn", "V003,B002"]);
    assert_eq!(code, 0);
    let (_, doc, _) = run_json(bin().args(["fleet", "--inventory"]).arg(&inv));
    let stuck = findings_with(&doc, "V003");
    assert!(!stuck.is_empty() && stuck.iter().all(|f| f["instance"] == "faulty"));
    let (_, csv, _) = fleet(&["--format", "csv"]);
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("instance,labels,mode,status,versions_errors"));
    assert_eq!(lines.count(), 2, "{csv}");
    let (_, md, _) = fleet(&["--format", "markdown"]);
    let t = markdown_table(&md, "Instances");
    assert_eq!(t.len(), 2, "{md}");
    assert!(md.contains("| instance | severity | code |"), "{md}");
    let (_, sarif, _) = fleet(&["--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "V003"
        && r["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("[faulty] ")));
    let (_, junit, _) = fleet(&["--format", "junit", "--min-severity", "info"]);
    assert_junit_matches(&junit, &doc);
    let (_, gh, _) = fleet(&["--format", "github"]);
    assert!(gh.contains("::[faulty] "), "{gh}");
    // The other read-only commands.
    let (code, doc, err) = run_json(
        bin()
            .args(["fleet", "--inventory"])
            .arg(&inv)
            .args(["audit", "modules"]),
    );
    assert_eq!(code, 0, "{err}");
    let r = rows(&doc);
    assert!(r["clean"]["audit_errors"].is_u64() && r["clean"]["modules_errors"].is_u64());
    assert_eq!(
        doc["context"]["commands"],
        serde_json::json!(["audit", "modules"])
    );
}

#[test]
fn fleet_inventory_that_is_not_toml_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let inv = write_inventory(dir.path(), "[[instance]]\nname = \"a\"\nnot toml\n");
    let (code, out, err) = run(bin().args(["fleet", "--inventory"]).arg(&inv));
    assert_eq!(code, 2, "{out}");
    assert!(err.contains(&format!("{}:3:", inv.display())), "{err}");
    let (code, _, err) = run(bin().args(["fleet", "--inventory", "/nonexistent/fleet.toml"]));
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/fleet.toml"), "{err}");
    let (code, _, err) = run(bin()
        .args(["fleet", "--inventory"])
        .arg(&inv)
        .args(["--jobs", "0"]));
    assert_eq!(code, 2, "{err}");
}

/// The systemd units of the repository: `systemd-analyze verify` finds nothing to say about
/// them (it warns about unknown keys and still exits 0, so its output must be empty), the
/// service is a hardened oneshot, and its command line is one the binary accepts.
#[test]
fn fleet_systemd_units_pass_systemd_analyze_verify() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests/systemd");
    let service = std::fs::read_to_string(repo.join("odoo-audit-fleet.service")).unwrap();
    let timer = std::fs::read_to_string(repo.join("odoo-audit-fleet.timer")).unwrap();
    for line in [
        "Type=oneshot",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "StateDirectory=odoo-audit",
    ] {
        assert!(
            service.lines().any(|l| l == line),
            "the service has no `{line}`"
        );
    }
    assert!(timer.lines().any(|l| l == "Unit=odoo-audit-fleet.service"));
    let exec = service
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let argv: Vec<&str> = exec.split_whitespace().collect();
    assert_eq!(argv[0], "/usr/local/bin/odoo-audit");
    assert_eq!(
        &argv[1..4],
        ["fleet", "--inventory", "/etc/odoo-audit/fleet.toml"]
    );
    let output = argv
        .iter()
        .position(|a| *a == "--output")
        .map(|i| argv[i + 1])
        .expect("--output");
    assert!(
        output.starts_with("/var/lib/odoo-audit/"),
        "the report goes to the state directory: {output}"
    );
    // The binary accepts the command line: only the missing inventory stops it (exit 2 with
    // that message, not a usage error of the options).
    let (code, _, err) = run(bin().args(&argv[1..]));
    assert_eq!(code, 2);
    assert!(
        err.contains("/etc/odoo-audit/fleet.toml: cannot read the fleet inventory"),
        "{err}"
    );

    let Some(analyze) = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
    else {
        // Said loudly: the check did not run. scripts/test.sh installs Debian's systemd.
        eprintln!(
            "SKIPPED fleet_systemd_units_pass_systemd_analyze_verify: systemd-analyze is not \
             installed (apt-get install systemd); the units were NOT verified"
        );
        return;
    };
    // verify checks that ExecStart's program exists: point it at the built binary.
    let dir = tempfile::tempdir().unwrap();
    let svc = dir.path().join("odoo-audit-fleet.service");
    std::fs::write(
        &svc,
        service.replace(
            "/usr/local/bin/odoo-audit",
            env!("CARGO_BIN_EXE_odoo-audit"),
        ),
    )
    .unwrap();
    let tmr = dir.path().join("odoo-audit-fleet.timer");
    std::fs::write(&tmr, &timer).unwrap();
    let out = std::process::Command::new(&analyze)
        .arg("verify")
        .arg(&svc)
        .arg(&tmr)
        .env("SYSTEMD_LOG_COLOR", "0")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "systemd-analyze verify failed:\n{text}"
    );
    assert!(
        text.trim().is_empty(),
        "systemd-analyze verify has remarks:\n{text}"
    );
    // And it does catch a mistake (the check is not vacuous).
    std::fs::write(
        &svc,
        service
            .replace(
                "/usr/local/bin/odoo-audit",
                env!("CARGO_BIN_EXE_odoo-audit"),
            )
            .replace("ProtectSystem=strict", "ProtectSystm=strict"),
    )
    .unwrap();
    let out = std::process::Command::new(&analyze)
        .arg("verify")
        .arg(&svc)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("ProtectSystm"));
}

#[test]
fn fleet_records_each_instance_and_labels_its_metrics() {
    let clean = TestDb::new("fleet_rec_clean");
    let faulty = TestDb::new("fleet_rec_faulty");
    faulty.exec("UPDATE ir_module_module SET state = 'to upgrade' WHERE name = 'mail'");
    let dir = tempfile::tempdir().unwrap();
    let inv = write_inventory(
        dir.path(),
        &format!(
            "{}{}[[instance]]\nname = \"gone\"\ndb = \"postgres://odoo@127.0.0.1:9/x\"\naddons_path = [\"{}\"]\n",
            entry("clean", &clean.url(), "prod"),
            entry("faulty", &faulty.url(), "staging"),
            corpus().display()
        ),
    );
    let state = tempfile::tempdir().unwrap();
    let with_state = || {
        let mut c = bin();
        c.env("XDG_STATE_HOME", state.path())
            .env_remove("ODOO_AUDIT_HISTORY");
        c
    };
    let (code, _, err) = run(with_state()
        .args(["fleet", "--inventory"])
        .arg(&inv)
        .args(["--record", "-q"]));
    assert_eq!(code, 1, "{err}");
    // One run per instance and command, each under its inventory name.
    let (_, doc, _) = run_json(with_state().arg("history"));
    let mut runs: Vec<(String, String)> = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["instance"].as_str().unwrap().to_string(),
                r["command"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    runs.sort();
    let expected: Vec<(String, String)> = ["clean", "faulty", "gone"]
        .iter()
        .flat_map(|i| {
            ["broken", "versions"]
                .iter()
                .map(move |c| (i.to_string(), c.to_string()))
        })
        .collect();
    assert_eq!(runs, expected, "{doc}");
    // The faulty instance's versions run holds its V003, with the module inventory.
    let (_, faulty_runs, _) =
        run_json(with_state().args(["history", "--instance", "faulty", "--command", "versions"]));
    assert!(faulty_runs["runs"][0]["errors"].as_u64().unwrap() >= 1);
    // A second fleet run after the fix: diff of the instance shows V003 resolved.
    faulty.exec("UPDATE ir_module_module SET state = 'installed' WHERE name = 'mail'");
    let (_, _, err) = run(with_state()
        .args(["fleet", "--inventory"])
        .arg(&inv)
        .args(["--record", "-q"]));
    let (code, d, _) =
        run_json(with_state().args(["diff", "--instance", "faulty", "--command", "versions"]));
    assert_eq!(code, 0, "{err}{d}");
    assert!(
        d["finding_status"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["status"] == "resolved" && r["code"] == "V003" && r["module"] == "mail"),
        "{d}"
    );
    // Prometheus: the findings carry their instance.
    let (_, prom, _) = run(bin()
        .args(["fleet", "--inventory"])
        .arg(&inv)
        .args(["--format", "prometheus"]));
    assert!(
        prom.lines().any(|l| l.starts_with("odoo_audit_findings{")
            && l.contains("instance=\"gone\"")
            && l.contains("code=\"F001\"")),
        "{prom}"
    );
    // promtool accepts them.
    let mut check = std::process::Command::new(crate::monitoring::promtool())
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    check
        .stdin
        .take()
        .unwrap()
        .write_all(prom.as_bytes())
        .unwrap();
    let checked = check.wait_with_output().unwrap();
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
    // Each instance is up or not.
    assert!(
        prom.contains("odoo_audit_up{instance=\"gone\",command=\"fleet\"} 0"),
        "{prom}"
    );
    assert!(
        prom.contains("odoo_audit_up{instance=\"clean\",command=\"fleet\"} 1"),
        "{prom}"
    );
}
