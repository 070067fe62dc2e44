//! `odoo-audit fleet --inventory fleet.toml [COMMAND …]`: the read-only commands on every
//! instance of an inventory ([`crate::config::fleet`]), in parallel (`--jobs`), each instance
//! under a time limit (`--timeout`), and one combined report.
//!
//! Each instance runs its commands exactly as a single run would (`odoo-audit versions
//! --db-url … --addons-path …`): its own [`GlobalArgs`] (the fleet's, with the entry's `db`,
//! `odoo_conf`, `addons_path` and name), its own [`Ctx`], through [`super::run`]. An instance
//! runs on a thread of its own; the fleet waits for it until its deadline and then abandons it
//! (the thread's database waits are bounded by the database layer anyway, and it ends with the
//! process): a hung instance is a finding (`F002`), never a hung fleet. An instance that
//! cannot be reached is `F001`, a bad entry `F003`; the other instances run all the same.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::Ctx;
use crate::checks;
use crate::cli::{FleetArgs, FleetCommand, GlobalArgs};
use crate::config::fleet::{self as inventory, InstanceSpec};
use crate::config::levels::Levels;
use crate::exit::{self, Fatal};
use crate::finding::{sort_findings, Finding};
use crate::report::{fingerprint, Report, RunInfo, Table};

/// The commands run when none is given.
pub const DEFAULT_COMMANDS: [FleetCommand; 2] = [FleetCommand::Versions, FleetCommand::Broken];

/// The accepted ranges of `--jobs` and `--timeout`.
pub const JOBS: std::ops::RangeInclusive<usize> = 1..=1024;
pub const TIMEOUT_SECS: std::ops::RangeInclusive<u64> = 1..=86_400;

/// What a fleet run made: every instance with its own reports, and the combined report.
///
/// The per-instance reports are kept for whatever handles instances one by one (the history
/// store records each instance's reports, metrics are labelled by instance): each is the report
/// a single run of that command on that instance makes, with `run.instance` the inventory's
/// name, `--allow`/`--warn`/`--deny` applied, and every finding's `instance` and fingerprint set
/// (against that instance's addons paths). `combined` is what is rendered.
#[derive(Debug)]
pub struct FleetRun {
    pub instances: Vec<InstanceRun>,
    pub combined: Report,
}

/// One instance of the fleet and what its commands made.
#[derive(Debug)]
pub struct InstanceRun {
    pub spec: InstanceSpec,
    pub status: InstanceStatus,
    /// One report per command, in the order of the commands. A command that did not run (the
    /// instance unreachable, timed out or a bad entry) has a report with that finding only.
    pub reports: Vec<Report>,
    /// The queries the instance's database sessions ran, all commands together.
    pub queries: u64,
    pub duration: Duration,
}

impl InstanceRun {
    /// The findings of all the instance's reports.
    pub fn findings(&self) -> Vec<Finding> {
        self.reports
            .iter()
            .flat_map(|r| r.findings.iter().cloned())
            .collect()
    }
}

/// How an instance ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceStatus {
    /// Every command ran.
    Audited,
    /// Its database could not be reached or read (F001).
    Unreachable,
    /// Not finished within `--timeout` (F002).
    TimedOut,
    /// Its entry, or a file it names, cannot be used (F003).
    BadEntry,
}

impl InstanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Audited => "audited",
            InstanceStatus::Unreachable => "unreachable",
            InstanceStatus::TimedOut => "timed out",
            InstanceStatus::BadEntry => "bad entry",
        }
    }
}

/// The fleet's options for one instance: the entry's database, config, addons paths and name
/// instead of the command line's (`-d`, `--db-url`, `-c`/`ODOO_RC`, `--addons-path` and
/// `--instance` do not apply to a fleet's instances); the rest (timeouts, edition, series,
/// catalogues) as given.
pub fn instance_global(base: &GlobalArgs, spec: &InstanceSpec) -> GlobalArgs {
    let mut g = base.clone();
    g.output = None;
    g.instance = Some(spec.name.clone());
    g.config = spec.odoo_conf.clone();
    g.config_is_default = false;
    g.config_error = None;
    g.addons_path = spec.addons_path.clone();
    g.db.db_url = spec.db.clone();
    g.db.database = None;
    g
}

/// What an instance's thread reports.
enum Msg {
    /// Command `cmd` of instance `idx` ended (started at `at`, took `took`).
    Command {
        idx: usize,
        cmd: usize,
        result: Box<Result<Report, Fatal>>,
        at: chrono::DateTime<chrono::Utc>,
        took: Duration,
    },
    /// Instance `idx` ran all the commands it could.
    Done { idx: usize },
}

/// The outcome of one command of one instance, as the fleet saw it.
type Outcome = Option<(
    Result<Report, Fatal>,
    chrono::DateTime<chrono::Utc>,
    Duration,
)>;

/// Runs the commands of `commands` on one instance, sending each result as it comes.
fn run_instance(
    idx: usize,
    g: GlobalArgs,
    commands: Arc<Vec<FleetCommand>>,
    tx: mpsc::Sender<Msg>,
) {
    let mut ctx = Ctx::new(&g);
    for (cmd, c) in commands.iter().enumerate() {
        let at = chrono::Utc::now();
        let clock = Instant::now();
        let command = c.command();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            super::run(&command, &mut ctx)
        }))
        .unwrap_or_else(|_| {
            Err(Fatal::database(format!(
                "`{}` ended with an internal error",
                c.name()
            )))
        });
        let failed = result.is_err();
        if tx
            .send(Msg::Command {
                idx,
                cmd,
                result: Box::new(result),
                at,
                took: clock.elapsed(),
            })
            .is_err()
            || failed
        {
            break;
        }
    }
    let _ = tx.send(Msg::Done { idx });
}

/// Runs the fleet.
pub fn run(args: &FleetArgs, ctx: &mut Ctx) -> Result<FleetRun, Fatal> {
    let g = ctx.global;
    // The command line's levels over those of the settings file of the current directory.
    let cwd = std::env::current_dir().unwrap_or_default();
    let levels = Levels::from_options(&g.allow, &g.warn, &g.deny)?
        .under_files(&crate::config::levels::files_for(&[], None, &cwd))?;
    let jobs = match args.jobs {
        Some(j) if !JOBS.contains(&j) => {
            return Err(Fatal::usage(format!(
                "--jobs: {j} is out of range: give a number from {} to {}",
                JOBS.start(),
                JOBS.end()
            )))
        }
        Some(j) => j,
        None => std::thread::available_parallelism().map_or(2, |n| n.get()),
    };
    let timeout =
        crate::load::db::conn::timeout_in_range("--timeout", args.timeout, &TIMEOUT_SECS)?;
    let commands: Vec<FleetCommand> = if args.commands.is_empty() {
        DEFAULT_COMMANDS.to_vec()
    } else {
        let mut c = args.commands.clone();
        let mut seen = Vec::new();
        c.retain(|x| {
            let new = !seen.contains(x);
            seen.push(*x);
            new
        });
        c
    };
    // Options that are wrong for every instance are the run's usage error, not a finding of each.
    ctx.db_timeouts()?;
    ctx.series_option()?;
    let inv = inventory::load(&args.inventory)?;
    let inv_shown = crate::escape::control(&inv.path.display().to_string()).into_owned();
    let n = inv.entries.len();
    let commands = Arc::new(commands);

    // outcomes[idx][cmd]; None: not run (yet).
    let mut outcomes: Vec<Vec<Outcome>> = (0..n)
        .map(|_| (0..commands.len()).map(|_| None).collect())
        .collect();
    let mut timed_out = vec![false; n];
    let mut durations = vec![Duration::ZERO; n];
    let (tx, rx) = mpsc::channel::<Msg>();
    let mut running: BTreeMap<usize, Instant> = BTreeMap::new();
    let mut next = 0;
    loop {
        while running.len() < jobs && next < n {
            let idx = next;
            next += 1;
            let Ok(spec) = &inv.entries[idx] else {
                continue;
            };
            let g = instance_global(g, spec);
            let (tx, commands) = (tx.clone(), commands.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("odoo-audit-fleet-{idx}"))
                .spawn(move || run_instance(idx, g, commands, tx));
            match spawned {
                Ok(_) => {
                    running.insert(idx, Instant::now());
                }
                Err(e) => {
                    outcomes[idx][0] = Some((
                        Err(Fatal::database(format!(
                            "cannot start a thread for it: {e}"
                        ))),
                        chrono::Utc::now(),
                        Duration::ZERO,
                    ));
                }
            }
        }
        let Some(deadline) = running.values().map(|s| *s + timeout).min() else {
            break;
        };
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Msg::Command {
                idx,
                cmd,
                result,
                at,
                took,
            }) => {
                if running.contains_key(&idx) {
                    outcomes[idx][cmd] = Some((*result, at, took));
                }
            }
            Ok(Msg::Done { idx }) => {
                if let Some(s) = running.remove(&idx) {
                    durations[idx] = s.elapsed();
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                let late: Vec<usize> = running
                    .iter()
                    .filter(|(_, s)| now >= **s + timeout)
                    .map(|(i, _)| *i)
                    .collect();
                for idx in late {
                    running.remove(&idx);
                    timed_out[idx] = true;
                    durations[idx] = timeout;
                }
            }
            // The fleet holds a sender: never disconnected.
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }

    let mut instances = Vec::with_capacity(n);
    for (idx, entry) in inv.entries.iter().enumerate() {
        let (spec, bad) = match entry {
            Ok(spec) => (spec.clone(), None),
            Err(b) => (
                InstanceSpec {
                    name: b.name.clone(),
                    labels: b.labels.clone(),
                    ..InstanceSpec::default()
                },
                Some(checks::fleet::bad_entry(b)),
            ),
        };
        let place = format!("{inv_shown}:{}", spec.line);
        let mut status = InstanceStatus::Audited;
        // The finding that stands for the commands that did not run.
        let mut stand_in: Option<Finding> = bad;
        if stand_in.is_some() {
            status = InstanceStatus::BadEntry;
        }
        let mut reports = Vec::with_capacity(commands.len());
        let mut queries = 0u64;
        for (cmd, c) in commands.iter().enumerate() {
            let (mut report, ran) = match outcomes[idx][cmd].take() {
                Some((Ok(mut r), at, took)) => {
                    r.run = RunInfo {
                        instance: Some(spec.name.clone()),
                        started_at: Some(at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                        duration_ms: Some(took.as_millis().min(u64::MAX as u128) as u64),
                    };
                    queries += r
                        .summary
                        .get("queries")
                        .and_then(Value::as_u64)
                        .unwrap_or(0);
                    (r, true)
                }
                Some((Err(fatal), at, took)) => {
                    let f = if fatal.code == exit::DATABASE {
                        status = InstanceStatus::Unreachable;
                        checks::fleet::unreachable(&spec.name, &fatal.message)
                    } else {
                        status = InstanceStatus::BadEntry;
                        checks::fleet::bad_configuration(
                            &spec.name,
                            &place,
                            &fatal.message.replacen("--db-url:", "`db`:", 1),
                        )
                    };
                    stand_in = Some(f);
                    let mut r = Report::new(c.name());
                    r.run = RunInfo {
                        instance: Some(spec.name.clone()),
                        started_at: Some(at.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
                        duration_ms: Some(took.as_millis().min(u64::MAX as u128) as u64),
                    };
                    (r, false)
                }
                None => {
                    if stand_in.is_none() && timed_out[idx] {
                        status = InstanceStatus::TimedOut;
                        stand_in = Some(checks::fleet::timed_out(
                            &spec.name,
                            c.name(),
                            timeout.as_secs(),
                        ));
                    }
                    let mut r = Report::new(c.name());
                    r.run.instance = Some(spec.name.clone());
                    (r, false)
                }
            };
            if !ran {
                // A command that did not run: the finding that says why.
                report.findings.extend(stand_in.clone());
            }
            levels.apply(&mut report.findings);
            for f in &mut report.findings {
                f.instance = Some(spec.name.clone());
            }
            sort_findings(&mut report.findings);
            // Fingerprints against this instance's own addons paths; the combined report keeps
            // them.
            fingerprint::assign(&mut report);
            reports.push(report);
        }
        instances.push(InstanceRun {
            spec,
            status,
            reports,
            queries,
            duration: durations[idx],
        });
    }
    let combined = combine(&instances, &commands, &inv_shown, jobs, timeout);
    Ok(FleetRun {
        instances,
        combined,
    })
}

/// The worst finding of a report: the most severe, the first of those in the report's order.
fn worst(findings: &[Finding]) -> Option<&Finding> {
    let top = findings.iter().map(|f| f.severity).max()?;
    findings.iter().find(|f| f.severity == top)
}

/// The combined report: one row per instance, every finding.
fn combine(
    instances: &[InstanceRun],
    commands: &[FleetCommand],
    inventory: &str,
    jobs: usize,
    timeout: Duration,
) -> Report {
    let mut report = Report::new("fleet");
    report.context("inventory", inventory);
    report.context(
        "commands",
        commands.iter().map(|c| c.name()).collect::<Vec<_>>(),
    );
    report.context("jobs", json!(jobs));
    report.context("timeout_secs", json!(timeout.as_secs()));
    let mut columns: Vec<String> = ["instance", "labels", "mode", "status"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for c in commands {
        for what in ["errors", "warnings", "worst"] {
            columns.push(format!("{}_{what}", c.name()));
        }
    }
    columns.push("queries".into());
    columns.push("duration_ms".into());
    let cols: Vec<&str> = columns.iter().map(String::as_str).collect();
    let mut table = Table::new("instances", "Instances", &cols);
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    for i in instances {
        *by_status.entry(i.status.as_str()).or_default() += 1;
        let mut row = vec![
            json!(i.spec.name),
            json!(i.spec.labels_text()),
            json!(i.spec.mode()),
            json!(i.status.as_str()),
        ];
        for r in &i.reports {
            let (e, w, _) = crate::report::counts(&r.findings);
            row.push(json!(e));
            row.push(json!(w));
            row.push(json!(worst(&r.findings).map(|f| f.code)));
        }
        row.push(json!(i.queries));
        row.push(json!(i.duration.as_millis().min(u64::MAX as u128) as u64));
        table.push(row);
        report
            .findings
            .extend(i.reports.iter().flat_map(|r| r.findings.iter().cloned()));
    }
    report.tables.push(table);
    report
        .summary
        .insert("instances".into(), json!(instances.len()));
    for s in [
        InstanceStatus::Audited,
        InstanceStatus::Unreachable,
        InstanceStatus::TimedOut,
        InstanceStatus::BadEntry,
    ] {
        report.summary.insert(
            s.as_str().replace(' ', "_"),
            json!(by_status.get(s.as_str()).copied().unwrap_or(0)),
        );
    }
    report.summary.insert(
        "queries".into(),
        json!(instances.iter().map(|i| i.queries).sum::<u64>()),
    );
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn run_fleet(inventory: &str, extra: &[&str]) -> FleetRun {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.toml");
        std::fs::write(&path, inventory).unwrap();
        let mut argv = vec!["odoo-audit", "fleet", "--inventory", path.to_str().unwrap()];
        argv.extend(extra);
        let cli = crate::cli::Cli::try_parse_from(argv).unwrap();
        let crate::cli::Command::Fleet(args) = &cli.command else {
            panic!("not fleet")
        };
        let mut ctx = Ctx::new(&cli.global);
        run(args, &mut ctx).unwrap()
    }

    #[test]
    fn fleet_instances_that_cannot_run_are_findings_of_their_own_reports() {
        // A port that accepts connections and never answers.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = silent.local_addr().unwrap().port();
        let inventory = format!(
            r#"
[[instance]]
name = "refused"
db = "postgresql://audit:s3cret@127.0.0.1:1/x?sslmode=disable"
labels = {{ env = "prod" }}

[[instance]]
name = "silent"
db = "postgresql://audit:s3cret@127.0.0.1:{port}/x?sslmode=disable"

[[instance]]
name = "typo"
db = "postgresql://audit@127.0.0.1:1/x"
adons_path = ["/srv"]

[[instance]]
name = "badport"
db = "postgresql://audit:s3cret@127.0.0.1:99999/x"
"#
        );
        let started = Instant::now();
        let fleet = run_fleet(&inventory, &["--timeout", "1", "--jobs", "4", "broken"]);
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "{:?}",
            started.elapsed()
        );
        let got: Vec<(&str, InstanceStatus, Vec<&str>)> = fleet
            .instances
            .iter()
            .map(|i| {
                (
                    i.spec.name.as_str(),
                    i.status,
                    i.reports[0].findings.iter().map(|f| f.code).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("refused", InstanceStatus::Unreachable, vec!["F001"]),
                ("silent", InstanceStatus::TimedOut, vec!["F002"]),
                ("typo", InstanceStatus::BadEntry, vec!["F003"]),
                ("badport", InstanceStatus::BadEntry, vec!["F003"]),
            ]
        );
        for i in &fleet.instances {
            let r = &i.reports[0];
            assert_eq!(r.command, "broken");
            assert_eq!(r.run.instance.as_deref(), Some(i.spec.name.as_str()));
            for f in &r.findings {
                assert_eq!(f.instance.as_deref(), Some(i.spec.name.as_str()));
                assert!(f.fingerprint.is_some());
                assert!(!f.message.contains("s3cret"), "{}", f.message);
            }
        }
        assert_eq!(fleet.instances[0].spec.labels_text(), "env=prod");
        let typo = &fleet.instances[2].reports[0].findings[0];
        assert!(typo.message.contains("`adons_path`"), "{}", typo.message);
        assert_eq!(typo.line, Some(14));
        assert_eq!(fleet.combined.tables[0].rows.len(), 4);
        assert_eq!(fleet.combined.findings.len(), 4);
        assert_eq!(
            crate::exit::fleet_code(&fleet, crate::exit::FailOn::Error),
            crate::exit::FINDINGS
        );
        drop(silent);
    }
}
