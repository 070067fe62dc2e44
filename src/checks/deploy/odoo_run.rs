//! The findings of an Odoo run (see [`crate::routines`]): its failure, a refusal to start on
//! pending module operations, a half-done update, the changed module states and the errors Odoo
//! logged, attributed to their modules; and the rows of the step tables of truth-sync and
//! `parity install` (one Odoo run a row, in the model of [`crate::checks::table`]).

use serde_json::json;

use super::Check;
use crate::checks::table::{Column, Layout, Status};
use crate::finding::Finding;
use crate::routines::verdict as run;
use crate::routines::{OdooRun, Refusal};
use crate::rules::Rule;

/// The findings of the run: the failure (code `rule`), a refusal, a half-done update, the
/// changed module states (a warning when the run should change nothing), and the errors
/// Odoo logged, attributed to their modules.
pub fn findings(
    odoo: &OdooRun,
    rule: &'static Rule,
    what: &str,
    expect: &run::Expect,
    apply_cmd: &str,
) -> Vec<Finding> {
    use crate::rules::deploy as r;
    let mut out = Vec::new();
    let read_log = |f: Finding| match &odoo.log {
        Some(l) => {
            let hint = format!("read {}; {}", l.display(), f.hint);
            f.hint(hint)
        }
        None => f,
    };
    match &odoo.refused {
        Some(Refusal::Pending(_)) => out.push(
            Finding::new(&r::PENDING_OPERATIONS, format!("{what}: {}", odoo.problem().unwrap_or_default()))
                .hint(format!(
                    "review them, then apply them deliberately (`{apply_cmd}`) or pass --apply-pending; to cancel them use the Apps menu (Cancel Install/Upgrade/Uninstall)"
                )),
        ),
        Some(Refusal::Unknown(_)) => out.push(
            Finding::new(&r::PENDING_OPERATIONS, format!("{what}: {}", odoo.problem().unwrap_or_default()))
                .hint("fix the database connection (check 4), or pass --apply-pending to start Odoo anyway"),
        ),
        None => {}
    }
    if odoo.refused.is_some() {
        return out;
    }
    if let Some(fail) = &odoo.verdict.failure {
        // The failure names the command already when it is the run's own ending.
        let message = if fail.starts_with(what) {
            fail.clone()
        } else {
            format!("{what}: {fail}")
        };
        let mut f = Finding::new(rule, message);
        match odoo.verdict.cause.file() {
            Some((file, line)) => {
                f.file = Some(file);
                f.line = line;
            }
            None => f.file = odoo.log.as_ref().map(|l| l.display().to_string()),
        }
        out.push(read_log(f));
    }
    if let Some((done, left)) = odoo.verdict.half_done {
        out.push(read_log(Finding::new(
            &r::UPDATE_HALF_DONE,
            format!(
                "{what}: the update stopped half-way: it left {left} module(s) pending ({}) next to {done} installed; the next start of Odoo resumes it",
                run::describe_pending(&odoo.verdict.pending_after)
            ),
        ).hint(format!("finish it before serving users (`{apply_cmd}`), or restore the backup"))));
    }
    // New rows of the module list update (`absent → uninstalled`) are counted, not listed.
    let is_listed = |c: &&run::Change| {
        c.state_before.is_none()
            && matches!(
                c.state_after.as_deref(),
                Some("uninstalled" | "uninstallable")
            )
    };
    let listed = odoo.verdict.changes.iter().filter(is_listed).count();
    let real: Vec<&run::Change> = odoo
        .verdict
        .changes
        .iter()
        .filter(|c| !is_listed(c))
        .collect();
    if !real.is_empty() || listed > 0 {
        let list: Vec<String> = real.iter().take(20).map(|c| c.describe()).collect();
        let more = real.len().saturating_sub(20);
        let mut parts = Vec::new();
        if !real.is_empty() {
            parts.push(format!(
                "changed {} module(s): {}{}",
                real.len(),
                list.join("; "),
                if more > 0 {
                    format!("; +{more} more")
                } else {
                    String::new()
                }
            ));
        }
        if listed > 0 {
            parts.push(format!("listed {listed} new module(s) (uninstalled)"));
        }
        let mut f = Finding::new(
            &r::MODULES_CHANGED,
            format!("{what}: Odoo {}", parts.join("; ")),
        );
        if odoo.verdict.failure.is_some() {
            f = f.hint("the failed run still committed these changes: check them before retrying");
        } else if *expect != run::Expect::Nothing {
            f = f
                .severity(crate::finding::Severity::Info)
                .hint("what the run was asked to do");
        }
        out.push(f);
    }
    if let Some(why) = &odoo.states_unknown {
        out.push(
            Finding::new(
                &r::MODULES_CHANGED,
                format!("{what}: the module states could not be compared: {why}"),
            )
            .hint("compare them by hand (odoo-audit modules) before serving users"),
        );
    }
    for e in &odoo.verdict.module_errors {
        for m in &e.modules {
            let msg = if e.preexisting {
                format!("{what}: Odoo logged a pre-existing problem (the module was already pending before this run): {}", e.line)
            } else {
                format!("{what}: Odoo logged: {}", e.line)
            };
            out.push(read_log(
                Finding::new(&r::LOGGED_ERROR, msg)
                    .module(m)
                    .hint("deploy the module's code and its dependencies, or cancel its pending operation in Apps"),
            ));
        }
    }
    if !odoo.verdict.other_errors.is_empty() {
        out.push(read_log(Finding::new(
            &r::LOGGED_ERROR,
            format!(
                "{what}: the run succeeded but Odoo logged {} ERROR/CRITICAL line(s), first: {}",
                odoo.verdict.other_errors.len(),
                odoo.verdict.other_errors[0]
            ),
        )));
    }
    out
}

/// An Odoo one-shot run of a check, judged: what ran (or did not start), its log, the module
/// states compared, and its verdict as the check's findings (code `rule`). `apply` is the
/// command that applies the database's pending module operations.
pub fn judge_run(
    check: &mut Check,
    run: &OdooRun,
    rule: &'static Rule,
    expect: &run::Expect,
    apply: &str,
) {
    match &run.ran {
        Some(ran) => check.see(format!(
            "ran `{}` in {:.1} s",
            ran.display,
            ran.elapsed.as_secs_f64()
        )),
        None => check.see(format!("`{}` not started", run.cmd.display())),
    }
    if let Some(l) = &run.log {
        check.see(format!("log {}", l.display()));
    }
    if run.verdict.compared {
        check.see(format!(
            "module states compared: {} changed",
            run.verdict.changes.len()
        ));
    }
    for f in findings(
        run,
        rule,
        &format!("`{}`", run.cmd.display()),
        expect,
        apply,
    ) {
        check.push(f);
    }
}

/// The columns of a table of Odoo runs after the step's number and name.
macro_rules! step_columns {
    ($name:literal) => {
        &[
            ("#", Column::Num),
            ($name, Column::Name),
            ("command", Column::Cell("command")),
            ("status", Column::Status),
            ("seconds", Column::Cell("seconds")),
            ("log", Column::Cell("log")),
        ]
    };
}

/// truth-sync's steps.
pub const TRUTH_SYNC_STEPS: Layout = Layout {
    name: "steps",
    title: "Steps",
    columns: step_columns!("step"),
};

/// `parity install`'s steps, one module each.
pub const INSTALL_STEPS: Layout = Layout {
    name: "steps",
    title: "Install steps",
    columns: step_columns!("module"),
};

/// A step that is not run (a dry run, a step after a failure, a skipped module): its command
/// and `why` as its status.
pub fn step_not_run(num: usize, name: &str, command: &str, why: impl Into<String>) -> Check {
    Check::new(num, name)
        .cell("command", command)
        .with_status(Status::Skip, why)
}

/// The row of a step that ran for `seconds`, with its status text.
pub fn step_row(num: usize, name: &str, command: &str, status: Status, label: &str) -> Check {
    Check::new(num, name)
        .cell("command", command)
        .with_status(status, label)
}

/// Tenths of a second, as the steps tables show them.
pub fn seconds(d: std::time::Duration) -> serde_json::Value {
    json!((d.as_secs_f64() * 10.0).round() / 10.0)
}

/// The row of an Odoo run: `ok_label` when it succeeded, `refused` or `failed` else; its time,
/// its log and the `findings` made of it.
pub fn step_ran(
    num: usize,
    name: &str,
    run: &OdooRun,
    ok_label: &str,
    findings: Vec<Finding>,
) -> Check {
    let (status, label) = if run.refused.is_some() {
        (Status::Fail, "refused")
    } else if run.ok() {
        (Status::Pass, ok_label)
    } else {
        (Status::Fail, "failed")
    };
    let mut c = step_row(num, name, &run.cmd.display(), status, label)
        .cell(
            "seconds",
            run.ran
                .as_ref()
                .map(|r| seconds(r.elapsed))
                .unwrap_or_default(),
        )
        .cell(
            "log",
            json!(run.log.as_ref().map(|l| l.display().to_string())),
        );
    c.findings = findings;
    c
}

/// truth-sync's step `n` (an Odoo run doing `what`): its row, with the run's findings.
pub fn truth_sync_step(
    run: &OdooRun,
    n: usize,
    what: &str,
    expect: &run::Expect,
    apply_cmd: &str,
) -> Check {
    let found = findings(
        run,
        &crate::rules::deploy::TRUTH_SYNC,
        &format!("step {n} ({what})"),
        expect,
        apply_cmd,
    );
    step_ran(n, what, run, "ok", found)
}

/// truth-sync's asset step `n`, which requested the bundles with `command` and took `seconds`:
/// ok with the number of bundles served, or failed with a finding for each bundle that failed.
pub fn truth_sync_assets(
    n: usize,
    what: &str,
    command: &str,
    seconds: serde_json::Value,
    bundles_ok: usize,
    failures: Vec<(String, String)>,
) -> Check {
    if failures.is_empty() {
        let ok = format!("ok: {bundles_ok} bundle(s) built and served");
        return step_row(n, what, command, Status::Pass, &ok).cell("seconds", seconds);
    }
    let mut c = step_row(n, what, command, Status::Fail, "failed").cell("seconds", seconds);
    c.findings = failures
        .into_iter()
        .map(|(m, h)| {
            Finding::new(
                &crate::rules::deploy::TRUTH_SYNC,
                format!("step {n} (asset bundles): {m}"),
            )
            .key(super::http::bundle_key(&m))
            .hint(h)
        })
        .collect();
    c
}
