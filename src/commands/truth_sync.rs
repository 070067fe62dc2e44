//! `odoo-audit truth-sync`: the "apps truth sync" routine. Two one-shot Odoo runs through the
//! configured Odoo command (refresh the module list, update all modules), each with a timeout,
//! a saved log, and a verdict from Odoo's exit status and the module states before and after;
//! then the asset bundles are requested from the running server, which builds them on demand.
//! It stops at the first failure. Odoo is not started on a database with pending module
//! operations unless `--apply-pending` is given. `--dry-run` lists the steps.

use serde_json::{json, Value};

use super::Ctx;
use crate::checks::deploy::odoo_run;
use crate::cli::TruthSyncArgs;
use crate::config::odoo_conf::OdooConf;
use crate::exit::Fatal;
use crate::report::{Report, Table};
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
    let mut d = Deploy {
        full: true,
        conf,
        db,
        modules: Vec::new(),
        addons_path_option: Vec::new(),
        containers: Vec::new(),
        inventory: None,
        allow_pending: args.target.apply_pending,
        binary_series: None,
        settings: s,
    };
    if let Ok(db) = &mut d.db {
        if let Ok(m) = db.modules() {
            d.modules = m;
        }
    }
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
    let mut table = Table::new(
        "steps",
        "Steps",
        &["#", "step", "command", "status", "seconds", "log"],
    );
    let mut failed = false;
    let apply = d.apply_pending_command();
    for (i, (label, what, extra)) in STEPS.iter().enumerate() {
        let mut argv = d.odoo_oneshot_args();
        argv.extend(extra.iter().map(|a| a.to_string()));
        let cmd = d.odoo(&[]).args(argv);
        let display = cmd.display();
        let row = |status: &str, secs: Value, log: Value| {
            vec![
                json!(i + 1),
                json!(what),
                json!(display),
                json!(status),
                secs,
                log,
            ]
        };
        if args.dry_run || failed {
            table.push(row(
                if failed { "not run" } else { "dry-run" },
                Value::Null,
                Value::Null,
            ));
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
        let status = if step.refused.is_some() {
            "refused"
        } else if step.ok() {
            "ok"
        } else {
            "failed"
        };
        table.push(row(
            status,
            step.ran
                .as_ref()
                .map(|r| json!((r.elapsed.as_secs_f64() * 10.0).round() / 10.0))
                .unwrap_or(Value::Null),
            json!(step.log.as_ref().map(|l| l.display().to_string())),
        ));
        report.findings.extend(odoo_run::truth_sync_step(
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
    let assets_row = |status: &str, secs: Value| {
        vec![
            json!(n),
            json!(ASSETS_STEP),
            json!(format!(
                "GET {}/web/login, the backend page and their bundles",
                d.settings.base_url
            )),
            json!(status),
            secs,
            Value::Null,
        ]
    };
    if args.dry_run || failed {
        table.push(assets_row(
            if failed { "not run" } else { "dry-run" },
            Value::Null,
        ));
    } else {
        let started = std::time::Instant::now();
        let probe = crate::checks::deploy::http::probe_web_assets(
            &d.settings.base_url,
            d.settings.http_timeout,
            d.settings
                .slow_command_timeout
                .min(std::time::Duration::from_secs(600)),
            d.series(),
        );
        let secs = json!((started.elapsed().as_secs_f64() * 10.0).round() / 10.0);
        if probe.failures.is_empty() {
            table.push(assets_row(
                &format!("ok: {} bundle(s) built and served", probe.bundles_ok),
                secs,
            ));
        } else {
            failed = true;
            table.push(assets_row("failed", secs));
            report
                .findings
                .extend(odoo_run::truth_sync_assets(n, probe.failures));
        }
    }
    report.tables.push(table);
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
