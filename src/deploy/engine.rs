//! Checks 1 and 2: the container engine answers; the Odoo and database services (compose) or
//! the Odoo unit/process (native) are up.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::{Check, Deploy};
use crate::exec::Cmd;
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

/// An Odoo server process among `/proc/*/cmdline`: (pid, command line).
pub fn find_odoo_process(proc_dir: &Path) -> Option<(u32, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(proc_dir).ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
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
            found.push((pid, args.join(" ")));
        }
    }
    found.sort();
    found.into_iter().next()
}

/// Check 2 in native mode: the systemd unit is active, or an Odoo process runs.
fn check_native(d: &Deploy) -> Check {
    let mut c = Check::new(2, "services");
    let unit = &d.settings.systemd_unit;
    let ran = Cmd::new("systemctl")
        .args(["is-active", unit.as_str()])
        .run(d.settings.command_timeout);
    let state = ran.stdout.trim().to_string();
    if ran.success() && state == "active" {
        c.see(format!("systemd unit {unit}: active"));
        return c;
    }
    let unit_state = if ran.spawn_error.is_some() {
        "systemctl not available".to_string()
    } else if state.is_empty() {
        ran.failure()
    } else {
        format!("systemd unit {unit}: {state}")
    };
    match find_odoo_process(Path::new("/proc")) {
        Some((pid, cmdline)) => {
            c.see(unit_state);
            c.see(format!(
                "Odoo process {pid}: {}",
                crate::exec::shorten(&cmdline, 120)
            ))
        }
        None => c.fail(
            &r::SERVICE,
            format!("no Odoo process runs ({unit_state})"),
            format!("systemctl start {unit}; journalctl -u {unit} -n 100"),
        ),
    }
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
