//! Checks 1 and 2: the container engine answers; the Odoo and database services (compose) or
//! the Odoo unit/process (native) are up. What Docker, systemd and `/proc` say is loaded by
//! [`crate::load::engine`]; these functions judge it.

use super::Check;
use crate::load::engine::{ComposeError, ComposeServices, Container, OdooProcess, UnitState};
use crate::rules::deploy as r;

/// Check 1: `docker info` said the server's version, or failed; `None` in native mode.
pub fn check_engine(docker: Option<&Result<String, String>>) -> Check {
    const NAME: &str = "container engine";
    let Some(docker) = docker else {
        return Check::skipped(1, NAME, "native mode");
    };
    let mut c = Check::new(1, NAME);
    match docker {
        Ok(version) => c.see(format!("Docker server {version}")),
        Err(failure) => c.fail(
            &r::ENGINE,
            failure.clone(),
            "start Docker (systemctl start docker) and check that this user may use it (docker group)",
        ),
    }
    c
}

/// Check 2 in compose mode: the containers of the Odoo and database services run, are
/// healthy, and have not restarted.
pub fn check_services(
    services: &Result<ComposeServices, ComposeError>,
    wanted: [&str; 2],
) -> Check {
    let mut c = Check::new(2, "services");
    let loaded = match services {
        Ok(s) => s,
        Err(ComposeError::Failed(failure)) => {
            c.fail(
                &r::SERVICE,
                failure.clone(),
                "check the compose file and that Docker answers (check 1)",
            );
            return c;
        }
        Err(ComposeError::Unreadable(e)) => {
            c.fail(
                &r::SERVICE,
                e.clone(),
                "run it by hand and check its output",
            );
            return c;
        }
    };
    if let Some(problem) = &loaded.inspect_problem {
        c.warn(
            &r::SERVICE,
            problem.clone(),
            "restart counts and log settings are unknown",
        );
    }
    let containers = &loaded.containers;
    for service in wanted {
        let mine: Vec<&Container> = containers.iter().filter(|x| x.service == service).collect();
        if mine.is_empty() {
            c.fail_about(
                format!("{service}:container"),
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
                c.fail_about(
                    service.to_string(),
                    &r::SERVICE,
                    format!("service `{service}` ({}) is {}", x.name, x.state),
                    logs.clone(),
                );
            } else if x.health == "unhealthy" {
                c.fail_about(
                    service.to_string(),
                    &r::SERVICE,
                    format!("service `{service}` ({}) is unhealthy", x.name),
                    logs.clone(),
                );
            } else if x.health == "starting" {
                c.warn_about(
                    service.to_string(),
                    &r::SERVICE,
                    format!("service `{service}` ({}) is still starting", x.name),
                    "wait and check again",
                );
            } else if x.health.is_empty() {
                c.warn_about(
                    format!("{service}:healthcheck"),
                    &r::SERVICE,
                    format!("service `{service}` has no healthcheck"),
                    "add a healthcheck (Odoo: curl -f http://localhost:8069/web/health; PostgreSQL: pg_isready)",
                );
            }
            if x.restart_count > 0 {
                c.warn_about(
                    format!("{service}:restarts"),
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
    c
}

/// Check 2 in native mode: the systemd unit is active, or an Odoo process serving the
/// configured odoo.conf or database runs (another instance's process does not count).
pub fn check_native(
    unit: &str,
    state: &UnitState,
    processes: &[OdooProcess],
    conf: &std::path::Path,
    database: Option<&str>,
) -> Check {
    let mut c = Check::new(2, "services");
    if state.active {
        c.see(format!("systemd unit {unit}: active"));
        if let Some(pid) = state.main_pid {
            c.see(format!("MainPID {pid}"));
        }
        return c;
    }
    let unit_state = if state.no_systemctl {
        "systemctl not available".to_string()
    } else if state.state.is_empty() {
        state.failure.clone()
    } else {
        format!("systemd unit {unit}: {}", state.state)
    };
    c.see(unit_state.clone());
    if let Some(p) = processes.iter().find(|p| p.serves.is_some()) {
        c.see(format!(
            "Odoo process {} ({}): {}",
            p.pid,
            p.serves.as_deref().unwrap_or_default(),
            crate::load::exec::shorten(&p.args.join(" "), 120)
        ));
        return c;
    }
    let others: Vec<u32> = processes.iter().map(|p| p.pid).collect();
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
            conf.display(),
            database.unwrap_or("(none configured)")
        ),
        format!("systemctl start {unit}; journalctl -u {unit} -n 100"),
    );
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(service: &str, state: &str, health: &str, restarts: u64) -> Container {
        Container {
            service: service.into(),
            name: format!("prod-{service}-1"),
            state: state.into(),
            health: health.into(),
            restart_count: restarts,
            ..Container::default()
        }
    }

    #[test]
    fn services_fail_when_stopped_or_missing_and_warn_on_restarts() {
        let loaded = Ok(ComposeServices {
            containers: vec![
                container("odoo", "running", "healthy", 2),
                container("db", "exited", "", 0),
            ],
            inspect_problem: None,
        });
        let c = check_services(&loaded, ["odoo", "db"]);
        assert_eq!(c.status, super::super::Status::Fail);
        let msgs: Vec<&str> = c.findings.iter().map(|f| f.message.as_str()).collect();
        assert!(
            msgs.iter().any(|m| m.contains("(prod-db-1) is exited")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("restarted 2 time(s)")),
            "{msgs:?}"
        );
        let c = check_services(&loaded, ["odoo", "web"]);
        assert!(c
            .findings
            .iter()
            .any(|f| f.message.contains("`web` has no container")));
    }

    #[test]
    fn native_passes_on_a_process_of_this_instance_only() {
        let state = UnitState {
            state: "inactive".into(),
            ..UnitState::default()
        };
        let other = OdooProcess {
            pid: 100,
            args: vec!["odoo-bin".into()],
            serves: None,
        };
        let conf = std::path::Path::new("/etc/odoo.conf");
        let c = check_native(
            "odoo",
            &state,
            std::slice::from_ref(&other),
            conf,
            Some("prod"),
        );
        assert_eq!(c.status, super::super::Status::Fail);
        assert!(
            c.findings[0]
                .message
                .contains("other instances ignored (pid 100)"),
            "{}",
            c.findings[0].message
        );
        let mine = OdooProcess {
            pid: 200,
            serves: Some("its database is prod".into()),
            ..other.clone()
        };
        let c = check_native("odoo", &state, &[other, mine], conf, Some("prod"));
        assert_eq!(c.status, super::super::Status::Pass);
        assert!(c
            .evidence_text()
            .contains("Odoo process 200 (its database is prod)"));
    }
}
