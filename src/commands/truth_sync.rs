//! `odoo-audit truth-sync`: the "apps truth sync" routine. Two one-shot Odoo runs through the
//! configured Odoo command (refresh the module list, update all modules), each with a timeout,
//! a saved log, and a verdict from Odoo's exit status and the module states before and after;
//! then the asset bundles are requested from the running server, which builds them on demand.
//! It stops at the first failure. Odoo is not started on a database with pending module
//! operations unless `--apply-pending` is given. `--dry-run` lists the steps.

use serde_json::{json, Value};

use super::Ctx;
use crate::checks::deploy::odoo_run;
use crate::checks::table::{Checks, Status};
use crate::cli::TruthSyncArgs;
use crate::config::odoo_conf::OdooConf;
use crate::exit::Fatal;
use crate::report::Report;
use crate::routines::verdict::{self as run, Expect};
use crate::routines::Deploy;

/// The Odoo steps: (label, what it does, extra Odoo arguments).
pub const STEPS: [(&str, &str, &[&str]); 2] = [
    (
        "module-list",
        "refresh the module list (-u base runs update_list)",
        &["-u", "base"],
    ),
    ("update-all", "update all modules", &["-u", "all"]),
];

/// The last step: Odoo builds bundles on demand, so they are built by requesting them.
pub const ASSETS_STEP: &str =
    "build the asset bundles (request every bundle of the login and backend pages from the running server)";

pub fn run(args: &TruthSyncArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let s = super::settings(&args.target, ctx.global)?;
    let conf = OdooConf::load(&s.odoo_conf);
    let db = ctx
        .database_with(s.database.as_deref(), conf.as_ref().ok())
        .map_err(|f| f.message);
    let mut d = Deploy::new(s, conf, db, true, args.target.apply_pending);
    d.refresh_modules();
    let mut report = Report::new("truth-sync");
    super::settings_context(&mut report, &d.settings);
    report.context(
        "database",
        d.database_name().map(Value::String).unwrap_or(Value::Null),
    );
    report.context("dry_run", args.dry_run);
    match &d.db {
        Ok(_) => report.context("pending", run::describe_pending(&run::pending(&d.modules))),
        Err(e) => report.context("pending", format!("unknown: {e}")),
    }
    let mut table = Checks::new(odoo_run::TRUTH_SYNC_STEPS);
    let mut failed = false;
    let apply = d.apply_pending_command();
    for (i, (label, what, extra)) in STEPS.iter().enumerate() {
        let _progress = (!args.dry_run && !failed).then(|| {
            crate::progress::step(format!("truth-sync {}/{}: {what}", i + 1, STEPS.len() + 1))
        });
        let mut argv = d.odoo_oneshot_args();
        argv.extend(extra.iter().map(|a| a.to_string()));
        let cmd = d.odoo(&[]).args(argv);
        if args.dry_run || failed {
            let why = if failed { "not run" } else { "dry-run" };
            table.push(odoo_run::step_not_run(i + 1, what, &cmd.display(), why));
            continue;
        }
        let expect = Expect::Update(vec![extra[1].to_string()]);
        let timeout = d.settings.slow_command_timeout;
        let step = d.run_on_database(
            &format!("truth-sync-{}-{label}", i + 1),
            cmd,
            timeout,
            &expect,
        );
        table.push(odoo_run::truth_sync_step(
            &step,
            i + 1,
            what,
            &expect,
            &apply,
        ));
        if !step.ok() {
            failed = true;
        }
        d.refresh_modules();
    }
    // The bundles: requested from the running server (Odoo builds them on the first request).
    let n = STEPS.len() + 1;
    let command = format!(
        "GET {}/web/login, the backend page and their bundles",
        d.settings.base_url
    );
    if args.dry_run || failed {
        let why = if failed { "not run" } else { "dry-run" };
        table.push(odoo_run::step_not_run(n, ASSETS_STEP, &command, why));
    } else {
        let _progress = crate::progress::step(format!("truth-sync {n}/{n}: {ASSETS_STEP}"));
        let started = std::time::Instant::now();
        let probe = crate::load::http::probe_web_assets(
            &d.settings.base_url,
            d.settings.http_timeout,
            d.settings
                .slow_command_timeout
                .min(std::time::Duration::from_secs(600)),
            d.series(),
        );
        let step = odoo_run::truth_sync_assets(
            n,
            ASSETS_STEP,
            &command,
            odoo_run::seconds(started.elapsed()),
            probe.bundles_ok,
            probe.failures,
        );
        failed |= step.status == Status::Fail;
        table.push(step);
    }
    report.add_checks(&table);
    report.summary.insert(
        "result".into(),
        json!(if args.dry_run {
            "dry-run"
        } else if failed {
            "failed"
        } else {
            "ok"
        }),
    );
    // A failed step is an error finding (G201): the exit code follows from the findings.
    Ok(report)
}
