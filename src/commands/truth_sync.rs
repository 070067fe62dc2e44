//! `odoo-audit truth-sync`: the "apps truth sync" routine. Three one-shot Odoo runs through the
//! configured Odoo command (refresh the module list, update all modules, rebuild the assets),
//! each with a timeout and a saved log, stopping at the first failure. `--dry-run` lists them.

use serde_json::{json, Value};

use super::Ctx;
use crate::cli::TruthSyncArgs;
use crate::deploy::{run_step, Deploy};
use crate::exit::Fatal;
use crate::finding::Finding;
use crate::odoo_conf::OdooConf;
use crate::report::{Report, Table};
use crate::rules::deploy as r;

/// The three steps: (label, what it does, extra Odoo arguments).
pub const STEPS: [(&str, &str, &[&str]); 3] = [
    (
        "module-list",
        "refresh the module list (-u base runs update_list)",
        &["-u", "base"],
    ),
    ("update-all", "update all modules", &["-u", "all"]),
    (
        "assets",
        "rebuild the production assets (--dev=none)",
        &["--dev=none"],
    ),
];

pub fn run(args: &TruthSyncArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let s = super::deploy_check::settings(&args.target, ctx.global)?;
    let conf = OdooConf::load(&s.odoo_conf);
    let d = Deploy {
        full: true,
        conf,
        db: Err("truth-sync does not connect".into()),
        modules: Vec::new(),
        addons_path_option: Vec::new(),
        containers: Vec::new(),
        inventory: None,
        settings: s,
    };
    let mut report = Report::new("truth-sync");
    super::deploy_check::settings_context(&mut report, &d.settings);
    report.context(
        "database",
        d.database_name().map(Value::String).unwrap_or(Value::Null),
    );
    report.context("dry_run", args.dry_run);
    let mut table = Table::new(
        "steps",
        "Steps",
        &["#", "step", "command", "status", "seconds", "log"],
    );
    let mut failed = false;
    for (i, (label, what, extra)) in STEPS.iter().enumerate() {
        let mut argv = d.odoo_oneshot_args();
        argv.extend(extra.iter().map(|a| a.to_string()));
        let cmd = d.odoo(&[]).args(argv);
        let display = cmd.display();
        if args.dry_run {
            table.push(vec![
                json!(i + 1),
                json!(what),
                json!(display),
                json!("dry-run"),
                Value::Null,
                Value::Null,
            ]);
            continue;
        }
        if failed {
            table.push(vec![
                json!(i + 1),
                json!(what),
                json!(display),
                json!("not run"),
                Value::Null,
                Value::Null,
            ]);
            continue;
        }
        let step = run_step(
            &d.settings,
            &format!("truth-sync-{}-{label}", i + 1),
            &cmd,
            d.settings.slow_command_timeout,
        );
        let (ran, log, problem) = (step.ran, step.log, step.problem);
        let status = if problem.is_some() { "failed" } else { "ok" };
        table.push(vec![
            json!(i + 1),
            json!(what),
            json!(display),
            json!(status),
            json!((ran.elapsed.as_secs_f64() * 10.0).round() / 10.0),
            json!(log.as_ref().map(|l| l.display().to_string())),
        ]);
        if let Some(p) = problem {
            failed = true;
            let mut f = Finding::new(&r::TRUTH_SYNC, format!("step {} ({what}): {p}", i + 1));
            if let Some(l) = &log {
                f = f
                    .file(l)
                    .hint(format!("read {}; {}", l.display(), r::TRUTH_SYNC.fix));
            }
            report.findings.push(f);
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
