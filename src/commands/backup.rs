//! `odoo-audit backup test-restore`: restores a dump into a scratch database of its own on the
//! restore server (`--restore-url`), checks the copy, and drops it again, also after a failure
//! and on SIGINT/SIGTERM (then the run ends with [`crate::exit::INTERRUPTED`]). With `parity
//! install` and `truth-sync` it is one of the only commands that change anything; it only ever
//! creates and drops a database named `odoo_audit_restore_<time>_<pid>`, and refuses a
//! `--restore-url` on the audited (production) database. The steps are in
//! [`crate::load::restore`], the judging in [`crate::checks::backup`].

use serde_json::{json, Map, Value};

use super::Ctx;
use crate::checks::backup as check;
use crate::checks::table::{Checks, Status, GATE};
use crate::cli::{BackupAction, BackupArgs, DeployTargetArgs, TestRestoreArgs};
use crate::config::odoo_conf::OdooConf;
use crate::exit::Fatal;
use crate::load::db::conn;
use crate::load::restore::{self, DumpFormat, Scratch};
use crate::report::Report;

/// The accepted range of `--restore-timeout`, in seconds (up to a week).
const RESTORE_TIMEOUT_SECS: std::ops::RangeInclusive<u64> = 1..=604_800;

pub fn run(args: &BackupArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    match &args.action {
        BackupAction::TestRestore(a) => test_restore(a, ctx),
    }
}

/// The names the audited (production) database goes by: `-d`, the database of `--db-url`,
/// `database` of odoo-audit.toml (`ODOO_DB`), `PGDATABASE`, `db_name` of odoo.conf.
fn production_names(ctx: &Ctx, s: &crate::config::settings::Settings) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    names.extend(s.database.clone());
    names.extend(ctx.global.db.database.clone());
    if let Some(url) = &ctx.global.db.db_url {
        if let Ok(spec) = conn::parse_url(url) {
            names.extend(spec.dbname);
        }
    }
    names.extend(std::env::var("PGDATABASE").ok());
    if let Ok(conf) = OdooConf::load(&s.odoo_conf) {
        names.extend(
            conf.get("db_name")
                .map(str::trim)
                .filter(|v| !v.is_empty() && *v != "False" && *v != "None")
                .map(String::from),
        );
    }
    names.retain(|n| !n.is_empty());
    names.dedup();
    names
}

/// The restore server: `--restore-url` (then the PG* environment and `~/.pgpass` for what it
/// leaves out, as libpq does), on `postgres` when it names no database.
fn restore_server(url: &str, ctx: &Ctx) -> Result<conn::ConnSpec, Fatal> {
    let named = conn::parse_url(url)
        .map_err(|f| Fatal::usage(f.message.replace("--db-url", "--restore-url")))?
        .dbname
        .is_some();
    let env = |k: &str| {
        // The audited database's name must not become the restore server's.
        if k == "PGDATABASE" {
            None
        } else {
            std::env::var(k).ok()
        }
    };
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let mut spec = conn::resolve(&conn::Sources {
        url: Some(url),
        database: None,
        conf: None,
        env: &env,
        home,
    })
    .map_err(|f| Fatal::usage(f.message.replace("--db-url", "--restore-url")))?;
    if !named {
        spec.dbname = Some("postgres".into());
    }
    if let (Some(t), _) = ctx.db_timeouts()? {
        spec.connect_timeout = Some(t);
    }
    Ok(spec)
}

fn test_restore(a: &TestRestoreArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let target = DeployTargetArgs {
        settings: a.settings.clone(),
        backup_dir: a.backup_dir.clone(),
        ..Default::default()
    };
    let s = super::settings(&target, ctx.global)?;
    let limits = ctx.limits()?;
    let admin = restore_server(&a.restore_url, ctx)?;
    let maintenance = admin.dbname.clone().unwrap_or_default();
    let production = production_names(ctx, &s);
    if production.contains(&maintenance) {
        return Err(Fatal::usage(format!(
            "--restore-url names database `{}`, the audited (production) database: give the restore server's maintenance database (e.g. postgres); test-restore creates and drops a scratch database of its own and never touches another",
            conn::escape_controls(&maintenance)
        )));
    }
    let jobs = match a.jobs {
        Some(0) => return Err(Fatal::usage("--jobs: give at least 1")),
        Some(n) => n,
        // Each job is a connection to the restore server.
        None => crate::load::deploy::Machine::current().cores.clamp(1, 8),
    };
    let timeout = match a.restore_timeout {
        Some(t) => conn::timeout_in_range("--restore-timeout", t, &RESTORE_TIMEOUT_SECS)?,
        None => s.slow_command_timeout,
    };

    let mut report = Report::new("backup test-restore");
    report.context(
        "database",
        production.first().map(|n| json!(n)).unwrap_or(Value::Null),
    );
    report.context("backup_dir", s.backup_dir.display().to_string());
    report.context("restore_server", admin.describe());
    report.context("restore_timeout_secs", timeout.as_secs());

    let chosen = restore::choose(a.dump.as_deref(), a.filestore.as_deref(), &s.backup_dir);
    let format = chosen.as_ref().ok().map(|c| restore::dump_format(&c.dump));
    let mut rows = vec![check::check_dump(&chosen, format)];
    let mut restore_seconds = Value::Null;
    let mut restored_bytes = Value::Null;
    let mut series = Value::Null;
    if let Ok(ch) = &chosen {
        report.context("dump", ch.dump.display().to_string());
        report.context(
            "filestore_archive",
            ch.filestore
                .as_ref()
                .map(|p| json!(p.display().to_string()))
                .unwrap_or(Value::Null),
        );
        let jobs = if format == Some(DumpFormat::Custom) {
            jobs
        } else {
            1
        };
        report.context("jobs", jobs);
        let name = restore::scratch_name(chrono::Utc::now(), std::process::id());
        report.context("scratch_database", name.clone());
        restore::install_interrupt_handler();
        let created = Scratch::create(&admin, &name, limits);
        rows.push(check::check_scratch(
            &created
                .as_ref()
                .map(|x| x.name.clone())
                .map_err(Clone::clone),
            &admin.describe(),
        ));
        if let Ok(mut scratch) = created {
            let outcome = restore_and_inspect(&mut scratch, ch, jobs, timeout, limits, &mut rows);
            // Dropped whatever happened before; an interruption ends the run after it.
            let dropped = scratch.drop_now();
            if outcome.interrupted || restore::interrupted() {
                return Err(Fatal::interrupted(match dropped {
                    Ok(()) => format!("interrupted: the scratch database {name} was dropped"),
                    Err(e) => format!("interrupted; {e}: drop it by hand"),
                }));
            }
            restore_seconds = outcome.seconds;
            restored_bytes = outcome.bytes;
            series = outcome.series;
            rows.push(check::check_cleanup(&name, &dropped));
        } else {
            for (n, what) in STEPS_AFTER_CREATE {
                rows.push(check::not_run(
                    n,
                    what,
                    "the scratch database was not created",
                ));
            }
        }
    } else {
        for (n, what) in [(2, "scratch database")]
            .into_iter()
            .chain(STEPS_AFTER_CREATE)
        {
            rows.push(check::not_run(n, what, "no dump"));
        }
    }
    report.context("series", series);

    let table = Checks { layout: GATE, rows };
    let mut totals: Map<String, Value> = Map::new();
    for st in [Status::Pass, Status::Warn, Status::Fail, Status::Skip] {
        totals.insert(st.as_str().into(), json!(table.count(st)));
    }
    report.add_checks(&table);
    report
        .summary
        .insert("result".into(), json!(check::result(&table.rows)));
    report
        .summary
        .insert("restore_seconds".into(), restore_seconds);
    report.summary.insert(
        "dump_bytes".into(),
        chosen
            .as_ref()
            .map(|c| json!(c.size))
            .unwrap_or(Value::Null),
    );
    report
        .summary
        .insert("restored_bytes".into(), restored_bytes);
    report
        .summary
        .insert("checks".into(), Value::Object(totals));
    // A failed row is an error finding: the exit code follows from the findings.
    Ok(report)
}

/// The rows after the scratch database's creation, when they cannot run.
const STEPS_AFTER_CREATE: [(usize, &str); 5] = [
    (3, "restore"),
    (4, "odoo database"),
    (5, "key tables"),
    (6, "filestore"),
    (7, "cleanup"),
];

/// What the restore and the sanity queries gave the summary.
struct Outcome {
    interrupted: bool,
    seconds: Value,
    bytes: Value,
    series: Value,
}

/// Restores the dump into the scratch database and runs the checks on it (rows 3 to 6),
/// stopping as soon as the run is interrupted.
fn restore_and_inspect(
    scratch: &mut Scratch,
    ch: &restore::Chosen,
    jobs: usize,
    timeout: std::time::Duration,
    limits: crate::load::db::Limits,
    rows: &mut Vec<crate::checks::table::Check>,
) -> Outcome {
    let mut out = Outcome {
        interrupted: restore::interrupted(),
        seconds: Value::Null,
        bytes: Value::Null,
        series: Value::Null,
    };
    if out.interrupted {
        return out;
    }
    let ran = restore::pg_restore(&ch.dump, &scratch.spec(), jobs, timeout);
    if ran.interrupted || restore::interrupted() {
        out.interrupted = true;
        return out;
    }
    out.seconds = json!(check::seconds(ran.elapsed));
    let restore_row = check::check_restore(&ran, jobs);
    let restored = restore_row.status != Status::Fail;
    rows.push(restore_row);
    if !restored {
        for (n, what) in &STEPS_AFTER_CREATE[1..4] {
            rows.push(check::not_run(*n, what, "the restore failed"));
        }
        return out;
    }
    let inspected = restore::inspect(scratch.spec(), limits);
    if restore::interrupted() {
        out.interrupted = true;
        return out;
    }
    let (odoo_row, series) = check::check_odoo(&inspected);
    out.series = series.map(|s| json!(s.to_string())).unwrap_or(Value::Null);
    rows.push(odoo_row);
    let Ok(rd) = inspected else {
        for (n, what) in &STEPS_AFTER_CREATE[2..4] {
            rows.push(check::not_run(*n, what, "not an Odoo database"));
        }
        return out;
    };
    out.bytes = rd
        .counts
        .database_size
        .map(|b| json!(b))
        .unwrap_or(Value::Null);
    rows.push(check::check_tables(&rd));
    let archive = ch
        .filestore
        .as_ref()
        .map(|p| (p.as_path(), restore::list_archive(p, timeout)));
    if restore::interrupted() {
        out.interrupted = true;
        return out;
    }
    let entries = archive
        .as_ref()
        .map(|(_, ran)| restore::archive_files(&ran.stdout))
        .unwrap_or_default();
    rows.push(check::check_filestore(
        archive.as_ref().map(|(p, ran)| (*p, ran)),
        &entries,
        &rd.files,
    ));
    out
}
