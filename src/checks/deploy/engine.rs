//! Checks 1 and 2: the container engine answers; the Odoo and database services (compose) or
//! the Odoo unit/process (native) are up.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::{Check, Deploy};
use crate::load::exec::Cmd;
use crate::rules::deploy as r;

/// One container of the compose project, from `docker compose ps` and `docker inspect`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Container {
    pub service: String,
    pub id: String,
    pub name: String,
    /// `running`, `exited`, `restarting`…
    pub state: String,
    /// `healthy`, `unhealthy`, `starting`, or empty without a healthcheck.
    pub health: String,
    pub restart_count: u64,
    pub log_path: Option<String>,
    /// `json-file`, `local`, `journald`…
    pub log_driver: Option<String>,
    pub log_options: BTreeMap<String, String>,
}

/// Parses `docker compose ps --format json`: a JSON array (Compose before 2.21) or one JSON
/// object per line (2.21 and later).
pub fn parse_compose_ps(text: &str) -> Result<Vec<Container>, String> {
    let t = text.trim();
    let items: Vec<Value> = if t.is_empty() {
        Vec::new()
    } else if t.starts_with('[') {
        serde_json::from_str(t).map_err(|e| format!("not JSON: {e}"))?
    } else {
        t.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).map_err(|e| format!("not JSON: {e}")))
            .collect::<Result<_, _>>()?
    };
    Ok(items
        .iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            Container {
                service: s("Service"),
                id: s("ID"),
                name: s("Name"),
                state: s("State").to_ascii_lowercase(),
                health: s("Health").to_ascii_lowercase(),
                ..Container::default()
            }
        })
        .collect())
}

/// Adds what `docker inspect` says (restart count, health, log settings) to the containers.
pub fn apply_inspect(containers: &mut [Container], text: &str) -> Result<(), String> {
    let items: Vec<Value> =
        serde_json::from_str(text.trim()).map_err(|e| format!("not JSON: {e}"))?;
    for item in &items {
        let id = item["Id"].as_str().unwrap_or("");
        let name = item["Name"].as_str().unwrap_or("").trim_start_matches('/');
        let Some(c) = containers.iter_mut().find(|c| {
            (!c.id.is_empty() && id.starts_with(&c.id)) || (!name.is_empty() && c.name == name)
        }) else {
            continue;
        };
        c.restart_count = item["RestartCount"].as_u64().unwrap_or(0);
        if let Some(st) = item["State"]["Status"].as_str() {
            c.state = st.to_string();
        }
        if item["State"]["Restarting"].as_bool() == Some(true) {
            c.state = "restarting".into();
        }
        if let Some(h) = item["State"]["Health"]["Status"].as_str() {
            c.health = h.to_string();
        }
        c.log_path = item["LogPath"]
            .as_str()
            .filter(|p| !p.is_empty())
            .map(String::from);
        let lc = &item["HostConfig"]["LogConfig"];
        c.log_driver = lc["Type"].as_str().map(String::from);
        if let Some(cfg) = lc["Config"].as_object() {
            c.log_options = cfg
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect();
        }
    }
    Ok(())
}

fn compose_cmd(d: &Deploy) -> Cmd {
    let file = d.settings.compose_file.clone().unwrap_or_default();
    Cmd::new("docker")
        .args(["compose", "-f"])
        .arg(file.display().to_string())
}

/// Check 1: `docker info`.
pub fn check_engine(d: &Deploy) -> Check {
    const NAME: &str = "container engine";
    if !d.compose() {
        return Check::skipped(1, NAME, "native mode");
    }
    let mut c = Check::new(1, NAME);
    let ran = Cmd::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .run(d.settings.command_timeout);
    if ran.success() && !ran.stdout.trim().is_empty() {
        c.see(format!("Docker server {}", ran.stdout.trim()));
    } else {
        c.fail(
            &r::ENGINE,
            ran.failure(),
            "start Docker (systemctl start docker) and check that this user may use it (docker group)",
        );
    }
    c
}

/// Check 2 in compose mode: `docker compose ps --format json` then `docker inspect`.
fn check_services(d: &mut Deploy) -> Check {
    let mut c = Check::new(2, "services");
    let ran = compose_cmd(d)
        .args(["ps", "--all", "--format", "json"])
        .run(d.settings.command_timeout);
    if !ran.success() {
        c.fail(
            &r::SERVICE,
            ran.failure(),
            "check the compose file and that Docker answers (check 1)",
        );
        return c;
    }
    let mut containers = match parse_compose_ps(&ran.stdout) {
        Ok(v) => v,
        Err(e) => {
            c.fail(
                &r::SERVICE,
                format!("`{}`: {e}", ran.display),
                "run it by hand and check its output",
            );
            return c;
        }
    };
    let ids: Vec<String> = containers
        .iter()
        .map(|x| {
            if x.id.is_empty() {
                x.name.clone()
            } else {
                x.id.clone()
            }
        })
        .filter(|x| !x.is_empty())
        .collect();
    if !ids.is_empty() {
        let ran = Cmd::new("docker")
            .arg("inspect")
            .args(ids)
            .run(d.settings.command_timeout);
        if !ran.success() {
            c.warn(
                &r::SERVICE,
                ran.failure(),
                "restart counts and log settings are unknown",
            );
        } else if let Err(e) = apply_inspect(&mut containers, &ran.stdout) {
            c.warn(
                &r::SERVICE,
                format!("`docker inspect`: {e}"),
                "restart counts and log settings are unknown",
            );
        }
    }
    for service in [
        d.settings.odoo_service.clone(),
        d.settings.db_service.clone(),
    ] {
        let mine: Vec<&Container> = containers.iter().filter(|x| x.service == service).collect();
        if mine.is_empty() {
            c.fail(
                &r::SERVICE,
                format!("service `{service}` has no container"),
                format!("docker compose up -d {service} (or set odoo_service/db_service)"),
            );
            continue;
        }
        for x in mine {
            let health = if x.health.is_empty() {
                "no healthcheck"
            } else {
                x.health.as_str()
            };
            c.see(format!(
                "{service}: {} ({health}, {} restart(s))",
                x.state, x.restart_count
            ));
            let logs = format!("docker compose logs --tail=100 {service}");
            if x.state != "running" {
                c.fail(
                    &r::SERVICE,
                    format!("service `{service}` ({}) is {}", x.name, x.state),
                    logs.clone(),
                );
            } else if x.health == "unhealthy" {
                c.fail(
                    &r::SERVICE,
                    format!("service `{service}` ({}) is unhealthy", x.name),
                    logs.clone(),
                );
            } else if x.health == "starting" {
                c.warn(
                    &r::SERVICE,
                    format!("service `{service}` ({}) is still starting", x.name),
                    "wait and check again",
                );
            } else if x.health.is_empty() {
                c.warn(
                    &r::SERVICE,
                    format!("service `{service}` has no healthcheck"),
                    "add a healthcheck (Odoo: curl -f http://localhost:8069/web/health; PostgreSQL: pg_isready)",
                );
            }
            if x.restart_count > 0 {
                c.warn(
                    &r::SERVICE,
                    format!(
                        "service `{service}` ({}) restarted {} time(s)",
                        x.name, x.restart_count
                    ),
                    logs,
                );
            }
        }
    }
    d.containers = containers;
    c
}

/// At most `cap` bytes of a regular file (a FIFO or device is refused: opening one can block).
fn read_small(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    if !std::fs::metadata(path)?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut buf = Vec::new();
    std::fs::File::open(path)?.take(cap).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The Odoo server processes among `/proc/*/cmdline`: (pid, arguments), by pid.
pub fn odoo_processes(proc_dir: &Path) -> Vec<(u32, Vec<String>)> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(proc_dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        // /proc/<pid>/cmdline is small; a bound keeps a hostile proc-like tree harmless
        let Ok(raw) = read_small(&entry.path().join("cmdline"), 256 * 1024) else {
            continue;
        };
        let args: Vec<String> = raw
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let is_odoo = args.iter().take(2).any(|a| {
            let base = a.rsplit('/').next().unwrap_or(a);
            matches!(base, "odoo-bin" | "odoo" | "openerp-server")
        });
        if is_odoo {
            found.push((pid, args));
        }
    }
    found.sort();
    found
}

/// The value of an option in an argument list: `-c X`, `-cX`, `--config X`, `--config=X`.
pub fn option_value(args: &[String], short: &str, long: &str) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == short || a == long {
            return it.next().cloned();
        }
        if let Some(v) = a.strip_prefix(&format!("{long}=")) {
            return Some(v.to_string());
        }
        if let Some(v) = a
            .strip_prefix(short)
            .filter(|v| !v.is_empty() && !a.starts_with("--"))
        {
            return Some(v.trim_start_matches('=').to_string());
        }
    }
    None
}

/// Why the process `pid` (with `args`) serves this deployment: its `-c/--config` (or the
/// `ODOO_RC` of its environment) is the configured odoo.conf, or its `-d/--database` is the
/// configured database. `None` when it serves something else.
pub fn serves(
    proc_dir: &Path,
    pid: u32,
    args: &[String],
    conf: &Path,
    database: Option<&str>,
) -> Option<String> {
    let canon = |p: &Path| std::fs::canonicalize(p).ok();
    let wanted = canon(conf);
    let cwd = std::fs::read_link(proc_dir.join(pid.to_string()).join("cwd")).ok();
    let resolve = |v: &str| {
        let p = Path::new(v);
        let p = match (&cwd, p.is_relative()) {
            (Some(c), true) => c.join(p),
            _ => p.to_path_buf(),
        };
        canon(&p)
    };
    let rc = option_value(args, "-c", "--config").or_else(|| {
        let env = read_small(&proc_dir.join(pid.to_string()).join("environ"), 1024 * 1024).ok()?;
        env.split(|b| *b == 0)
            .find_map(|kv| kv.strip_prefix(b"ODOO_RC="))
            .map(|v| String::from_utf8_lossy(v).into_owned())
    });
    if let (Some(rc), Some(w)) = (&rc, &wanted) {
        if resolve(rc).as_ref() == Some(w) {
            return Some(format!("its config is {}", w.display()));
        }
    }
    if let (Some(db), Some(want)) = (option_value(args, "-d", "--database"), database) {
        if db == want {
            return Some(format!("its database is {db}"));
        }
    }
    None
}

/// Check 2 in native mode: the systemd unit is active, or an Odoo process serving the
/// configured odoo.conf or database runs (another instance's process does not count).
fn check_native(d: &Deploy) -> Check {
    check_native_in(d, Path::new("/proc"))
}

/// [`check_native`] on a given proc directory.
pub fn check_native_in(d: &Deploy, proc_dir: &Path) -> Check {
    let mut c = Check::new(2, "services");
    let unit = &d.settings.systemd_unit;
    let ran = Cmd::new("systemctl")
        .args(["is-active", unit.as_str()])
        .run(d.settings.command_timeout);
    let state = ran.stdout.trim().to_string();
    if ran.success() && state == "active" {
        c.see(format!("systemd unit {unit}: active"));
        let main = Cmd::new("systemctl")
            .args(["show", "-p", "MainPID", "--value", unit.as_str()])
            .run(d.settings.command_timeout);
        if let Some(pid) = main.stdout.trim().parse::<u32>().ok().filter(|p| *p > 0) {
            c.see(format!("MainPID {pid}"));
        }
        return c;
    }
    let unit_state = if ran.spawn_error.is_some() {
        "systemctl not available".to_string()
    } else if state.is_empty() {
        ran.failure()
    } else {
        format!("systemd unit {unit}: {state}")
    };
    c.see(unit_state.clone());
    let database = d.database_name();
    let mut others = Vec::new();
    for (pid, args) in odoo_processes(proc_dir) {
        match serves(
            proc_dir,
            pid,
            &args,
            &d.settings.odoo_conf,
            database.as_deref(),
        ) {
            Some(why) => {
                c.see(format!(
                    "Odoo process {pid} ({why}): {}",
                    crate::load::exec::shorten(&args.join(" "), 120)
                ));
                return c;
            }
            None => others.push(pid),
        }
    }
    let others = if others.is_empty() {
        String::new()
    } else {
        format!(
            "; {} Odoo process(es) of other instances ignored (pid {})",
            others.len(),
            others
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    c.fail(
        &r::SERVICE,
        format!(
            "no Odoo process serves {} or database {} ({unit_state}){others}",
            d.settings.odoo_conf.display(),
            database.as_deref().unwrap_or("(none configured)")
        ),
        format!("systemctl start {unit}; journalctl -u {unit} -n 100"),
    );
    c
}

/// Check 2.
pub fn check_services_or_process(d: &mut Deploy) -> Check {
    if d.compose() {
        check_services(d)
    } else {
        check_native(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PS_LINES: &str = r#"{"Command":"\"/entrypoint.sh odoo\"","CreatedAt":"2025-01-10 09:12:01 +0000 UTC","ExitCode":0,"Health":"healthy","ID":"4f1c2a9b7d3e","Image":"odoo:18.0","Labels":"","LocalVolumes":"1","Mounts":"odoo-web-data","Name":"prod-odoo-1","Names":"prod-odoo-1","Networks":"prod_default","Ports":"0.0.0.0:8069->8069/tcp","Project":"prod","Publishers":[],"RunningFor":"2 hours ago","Service":"odoo","Size":"0B","State":"running","Status":"Up 2 hours (healthy)"}
{"Command":"\"docker-entrypoint.s…\"","CreatedAt":"2025-01-10 09:11:58 +0000 UTC","ExitCode":0,"Health":"","ID":"9a8b7c6d5e4f","Image":"postgres:16","Name":"prod-db-1","Project":"prod","Service":"db","State":"exited","Status":"Exited (1) 5 minutes ago"}
"#;

    #[test]
    fn options_in_every_spelling() {
        let a = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        for args in [
            a(&["odoo-bin", "-c", "/e/o.conf"]),
            a(&["odoo-bin", "--config", "/e/o.conf"]),
            a(&["odoo-bin", "--config=/e/o.conf"]),
            a(&["odoo-bin", "-c/e/o.conf"]),
        ] {
            assert_eq!(
                option_value(&args, "-c", "--config").as_deref(),
                Some("/e/o.conf"),
                "{args:?}"
            );
        }
        assert_eq!(
            option_value(&a(&["odoo", "--db-filter=x"]), "-d", "--database"),
            None
        );
        assert_eq!(
            option_value(&a(&["odoo", "-d", "prod"]), "-d", "--database").as_deref(),
            Some("prod")
        );
    }

    #[test]
    fn only_a_process_of_this_instance_serves_it() {
        let dir = tempfile::tempdir().unwrap();
        let proc_dir = dir.path().join("proc");
        let conf = dir.path().join("odoo.conf");
        std::fs::write(&conf, "[options]\n").unwrap();
        let other = dir.path().join("other.conf");
        std::fs::write(&other, "[options]\n").unwrap();
        let mk = |pid: u32, args: &[&str]| {
            let p = proc_dir.join(pid.to_string());
            std::fs::create_dir_all(&p).unwrap();
            let mut raw = Vec::new();
            for a in args {
                raw.extend_from_slice(a.as_bytes());
                raw.push(0);
            }
            std::fs::write(p.join("cmdline"), raw).unwrap();
            std::os::unix::fs::symlink(dir.path(), p.join("cwd")).unwrap();
        };
        mk(
            100,
            &[
                "/usr/bin/python3",
                "/opt/odoo/odoo-bin",
                "-c",
                other.to_str().unwrap(),
                "-d",
                "otherdb",
            ],
        );
        mk(
            200,
            &["/usr/bin/python3", "/opt/odoo/odoo-bin", "-c", "odoo.conf"],
        );
        mk(300, &["bash"]);
        let procs = odoo_processes(&proc_dir);
        assert_eq!(
            procs.iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![100, 200]
        );
        assert_eq!(
            serves(&proc_dir, 100, &procs[0].1, &conf, Some("prod")),
            None
        );
        // a relative -c is resolved against the process's working directory
        assert!(serves(&proc_dir, 200, &procs[1].1, &conf, Some("prod"))
            .unwrap()
            .contains("its config is"));
        assert!(serves(&proc_dir, 100, &procs[0].1, &conf, Some("otherdb"))
            .unwrap()
            .contains("database is otherdb"));
    }

    #[test]
    fn compose_ps_in_both_formats() {
        let lines = parse_compose_ps(PS_LINES).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].service, "odoo");
        assert_eq!(lines[0].health, "healthy");
        assert_eq!(lines[1].state, "exited");
        let array = format!("[{}]", PS_LINES.trim().replace('\n', ","));
        assert_eq!(parse_compose_ps(&array).unwrap(), lines);
        assert!(parse_compose_ps("nope").is_err());
    }

    #[test]
    fn inspect_adds_restarts_and_log_settings() {
        let mut c = parse_compose_ps(PS_LINES).unwrap();
        let inspect = r#"[{"Id":"4f1c2a9b7d3e0000","Name":"/prod-odoo-1","RestartCount":3,
            "State":{"Status":"running","Running":true,"Restarting":false,"Health":{"Status":"healthy","FailingStreak":0}},
            "LogPath":"/var/lib/docker/containers/4f1c/4f1c-json.log",
            "HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-file":"3","max-size":"10m"}}}}]"#;
        apply_inspect(&mut c, inspect).unwrap();
        assert_eq!(c[0].restart_count, 3);
        assert_eq!(
            c[0].log_options.get("max-size").map(String::as_str),
            Some("10m")
        );
        assert_eq!(c[1].restart_count, 0);
    }
}
