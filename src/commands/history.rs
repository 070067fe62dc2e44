//! `odoo-audit history` (the runs kept by `--record`) and `odoo-audit diff` (what changed
//! between two runs, from the store or from two JSON reports).

use std::path::Path;

use serde_json::{json, Value};

use super::Ctx;
use crate::checks::diff::{self, Diff};
use crate::cli::{DiffArgs, HistoryArgs};
use crate::exit::Fatal;
use crate::history::{self, Store, StoredRun, Target};
use crate::load::fsread;
use crate::report::{Report, Table};

/// A JSON report read by `diff` is at most this big.
const REPORT_MAX: u64 = 256 << 20;

pub fn list(args: &HistoryArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let target = Target::resolve(ctx.global.history.as_deref())?;
    let mut report = Report::new("history");
    report.context("history", target.describe());
    let mut table = Table::new(
        "runs",
        "Runs",
        &[
            "id",
            "instance",
            "command",
            "started_at",
            "duration_ms",
            "version",
            "series",
            "exit_code",
            "errors",
            "warnings",
            "info",
        ],
    );
    if let Some(mut store) = Store::open_for_reading(&target, &ctx.limits()?)? {
        let instance = ctx.global.instance.as_deref();
        for r in store.runs(instance, args.command.as_deref(), args.limit)? {
            table.push(vec![
                json!(r.id),
                json!(r.instance),
                json!(r.command),
                json!(r.started_at),
                json!(r.duration_ms),
                json!(r.tool_version),
                json!(r.series),
                json!(r.exit_code),
                json!(r.counts.0),
                json!(r.counts.1),
                json!(r.counts.2),
            ]);
        }
    }
    report
        .summary
        .insert("runs".into(), json!(table.rows.len()));
    report.tables.push(table);
    Ok(report)
}

pub fn diff(args: &DiffArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let target = Target::resolve(ctx.global.history.as_deref())?;
    let limits = ctx.limits()?;
    // Two JSON reports need no store.
    let files: Vec<bool> = args.runs.iter().map(|r| is_file_arg(r)).collect();
    let (old, new, first_seen, store_desc) = match args.runs.as_slice() {
        [a, b] if files[0] && files[1] => (read_report(a)?, read_report(b)?, Default::default(), None),
        [_] => {
            return Err(Fatal::usage(
                "diff takes two runs (ids or JSON reports), or none (the newest run and the one before it)",
            ))
        }
        runs => {
            let mut store = Store::open_for_reading(&target, &limits)?.ok_or_else(|| {
                Fatal::usage(format!(
                    "no run recorded in {} yet (record runs with --record)",
                    target.describe()
                ))
            })?;
            let (old, new) = match runs {
                [a, b] => (
                    run_arg(&mut store, a)?,
                    run_arg(&mut store, b)?,
                ),
                _ => newest_pair(&mut store, args, ctx.global.instance.as_deref())?,
            };
            let first_seen = store.first_seen(&new)?;
            (old, new, first_seen, Some(target.describe()))
        }
    };
    let d = diff::diff(&old, &new, &first_seen);
    Ok(diff_report(&old, &new, &d, store_desc))
}

/// A run argument names a file when it is not a plain number, or a file by that name exists.
fn is_file_arg(arg: &str) -> bool {
    arg.parse::<i64>().is_err() || Path::new(arg).exists()
}

fn run_arg(store: &mut Store, arg: &str) -> Result<StoredRun, Fatal> {
    if is_file_arg(arg) {
        return read_report(arg);
    }
    let id: i64 = arg.parse().map_err(|_| Fatal::usage("bad run id"))?;
    store.load(id)?.ok_or_else(|| {
        Fatal::usage(format!(
            "no run {id} in the history (see `odoo-audit history`)"
        ))
    })
}

fn read_report(path: &str) -> Result<StoredRun, Fatal> {
    let shown = crate::escape::control(path).into_owned();
    let text = fsread::read_to_string(Path::new(path), REPORT_MAX)
        .map_err(|e| Fatal::usage(format!("cannot read the report {shown}: {e}")))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        Fatal::usage(format!(
            "{shown} is not a JSON report (odoo-audit --format json): line {}, column {}: {}",
            e.line(),
            e.column(),
            match e.classify() {
                serde_json::error::Category::Eof => "it ends too early",
                serde_json::error::Category::Syntax => "bad syntax",
                _ => "unexpected content",
            }
        ))
    })?;
    StoredRun::from_json(&doc).map_err(|why| Fatal::usage(format!("{shown}: {why}")))
}

/// The newest run of the instance and command, and the one before it (or the newest one at
/// least `--since` old).
fn newest_pair(
    store: &mut Store,
    args: &DiffArgs,
    instance: Option<&str>,
) -> Result<(StoredRun, StoredRun), Fatal> {
    let newest = store
        .runs(instance, args.command.as_deref(), 1)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Fatal::usage(format!(
                "no run recorded{}{} (record runs with --record)",
                instance
                    .map(|i| format!(" for instance `{i}`"))
                    .unwrap_or_default(),
                args.command
                    .as_deref()
                    .map(|c| format!(" of `{c}`"))
                    .unwrap_or_default()
            ))
        })?;
    let new_id = newest.id.unwrap_or_default();
    let old_id = match &args.since {
        Some(span) => {
            let at = chrono::Utc::now() - history::parse_since(span)?;
            store.run_before(
                &newest.instance,
                &newest.command,
                &at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            )?
        }
        None => store
            .runs(Some(&newest.instance), Some(&newest.command), 2)?
            .get(1)
            .and_then(|r| r.id),
    };
    let old_id = old_id.filter(|id| *id != new_id).ok_or_else(|| {
        Fatal::usage(format!(
            "no earlier run of `{}` for instance `{}`{} to compare with",
            newest.command,
            newest.instance,
            args.since
                .as_deref()
                .map(|s| format!(" at least {s} old"))
                .unwrap_or_default()
        ))
    })?;
    let load = |store: &mut Store, id: i64| {
        store
            .load(id)?
            .ok_or_else(|| Fatal::usage(format!("run {id} vanished from the history")))
    };
    Ok((load(store, old_id)?, load(store, new_id)?))
}

fn describe(run: &StoredRun) -> Value {
    json!({
        "id": run.id,
        "instance": run.instance,
        "command": run.command,
        "started_at": run.started_at,
        "version": run.tool_version,
    })
}

/// The report of a diff: its findings are the new ones (they decide the exit code); the
/// tables list every finding's status and the module changes.
fn diff_report(old: &StoredRun, new: &StoredRun, d: &Diff, store: Option<String>) -> Report {
    let mut report = Report::new("diff");
    if let Some(s) = store {
        report.context("history", s);
    }
    report.context("old", describe(old));
    report.context("new", describe(new));
    if old.instance != new.instance || old.command != new.command {
        report.context(
            "note",
            format!(
                "the runs are of different instances or commands ({} {} / {} {})",
                old.instance, old.command, new.instance, new.command
            ),
        );
    }
    // Not `findings`: that key of the JSON report holds the new findings.
    let mut findings = Table::new(
        "finding_status",
        "Findings",
        &[
            "status",
            "first_seen",
            "code",
            "severity",
            "module",
            "key",
            "message",
            "fingerprint",
        ],
    );
    let row = |status: &str, seen: Option<&str>, f: &crate::finding::Finding| {
        vec![
            json!(status),
            json!(seen),
            json!(f.code),
            json!(f.severity.as_str()),
            json!(f.module),
            json!(f.key),
            json!(f.message),
            json!(f.fingerprint),
        ]
    };
    for f in &d.new {
        findings.push(row("new", Some(&new.started_at), f));
    }
    for f in &d.resolved {
        findings.push(row("resolved", None, f));
    }
    for o in &d.open {
        findings.push(row("open", o.first_seen.as_deref(), &o.finding));
    }
    let mut modules = Table::new(
        "modules",
        "Modules",
        &[
            "module",
            "change",
            "old_state",
            "old_version",
            "new_state",
            "new_version",
        ],
    );
    let version = |m: &Option<crate::report::ModuleRecord>| {
        m.as_ref().and_then(|m| {
            m.installed_version
                .clone()
                .or_else(|| m.code_version.clone())
        })
    };
    for c in &d.modules {
        modules.push(vec![
            json!(c.name),
            json!(c.change.as_str()),
            json!(c.old.as_ref().and_then(|m| m.state.clone())),
            json!(version(&c.old)),
            json!(c.new.as_ref().and_then(|m| m.state.clone())),
            json!(version(&c.new)),
        ]);
    }
    let count = |c: diff::Change| d.modules.iter().filter(|m| m.change == c).count();
    report.summary.insert("new".into(), json!(d.new.len()));
    report
        .summary
        .insert("resolved".into(), json!(d.resolved.len()));
    report.summary.insert("open".into(), json!(d.open.len()));
    for c in [
        diff::Change::Installed,
        diff::Change::Removed,
        diff::Change::Upgraded,
        diff::Change::Downgraded,
        diff::Change::StateChanged,
    ] {
        report
            .summary
            .insert(c.as_str().replace(' ', "_"), json!(count(c)));
    }
    report.tables.push(findings);
    report.tables.push(modules);
    report.findings = d.new.clone();
    report
}
