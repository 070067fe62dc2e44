//! `odoo-audit parity verify|plan`: is the enterprise-parity module set really installed and
//! healthy, and what must be installed, in which order, to complete it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::Ctx;
use crate::checks::client_actions;
use crate::checks::deploy::odoo_run;
use crate::checks::parity::install as install_checks;
use crate::checks::parity::plan::{compute_plan, Plan, PlanStatus};
use crate::checks::parity::{self as parity_checks, CategoryRow};
use crate::checks::table::{Checks, Status};
use crate::cli::{ParityAction, ParityArgs, ParityInstallArgs, ParityPlanArgs, ParityVerifyArgs};
use crate::config::parity::{self as defs, Category, Parity, Source};
use crate::exit::{self, Fatal};
use crate::load::db::{self, DbDependency, DbModule};
use crate::load::version::Series;
use crate::report::{self, Format, RenderOptions, Report, Table};

pub fn run(args: &ParityArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let parity = Parity::load(args.parity_file.as_deref())?;
    match &args.action {
        ParityAction::Verify(v) => verify(v, &parity, ctx),
        ParityAction::Plan(p) => {
            let (g, _) = targeted_globals(ctx.global, &crate::cli::DeployTargetArgs::default())?;
            plan(p, &parity, &mut Ctx::new(&g))
        }
        ParityAction::Install(i) => {
            let (g, _) = targeted_globals(ctx.global, &i.target)?;
            install(i, &parity, &mut Ctx::new(&g))
        }
    }
}

fn verify(args: &ParityVerifyArgs, parity: &Parity, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let mut report = Report::new("parity verify");
    report.context("checked_at", chrono::Local::now().to_rfc3339());
    report.context("definitions", parity.source.clone());
    let mut database = match ctx.database() {
        Ok(d) => d,
        Err(e) if e.code == exit::DATABASE => {
            let c = parity_checks::unreachable(&e.message);
            return finish_verify(args, report, c, None, ctx);
        }
        Err(e) => return Err(e),
    };
    report.context("database", database.name.clone());
    report.context("server", database.spec.describe());
    let modules = database.modules()?;
    let counts = database.parity_counts()?;
    if let Some(s) = db::series_from_modules(&modules) {
        report.context("series", s.to_string());
    }
    let analysis = if ctx.has_addons_paths()? {
        let inv = ctx.inventory(db::series_from_modules(&modules))?;
        let actions = database.client_actions()?;
        Some(client_actions::check_database_rows(
            &inv,
            &client_actions::installed_modules(&modules),
            actions,
        ))
    } else {
        None
    };
    let server_version = database.server_version.to_string();
    let out = parity_checks::verify(&parity_checks::Inputs {
        thresholds: &parity.thresholds,
        categories: &parity.categories,
        db_name: &database.name,
        server_version: &server_version,
        modules: &modules,
        counts: &counts,
        client_actions: analysis.as_ref(),
    });
    report
        .summary
        .insert("queries".into(), json!(database.query_count()));
    report.findings.extend(out.detail);
    finish_verify(args, report, out.checks, Some(out.per_category), ctx)
}

fn finish_verify(
    args: &ParityVerifyArgs,
    mut report: Report,
    c: Checks,
    per_category: Option<Vec<CategoryRow>>,
    ctx: &mut Ctx,
) -> Result<Report, Fatal> {
    let critical_failed = parity_checks::critical_failed(&c);
    let other_failed = parity_checks::other_failed(&c);
    report
        .summary
        .insert("checks_passed".into(), json!(c.count(Status::Pass)));
    report
        .summary
        .insert("checks_failed".into(), json!(c.count(Status::Fail)));
    report
        .summary
        .insert("checks_skipped".into(), json!(c.count(Status::Skip)));
    report
        .summary
        .insert("critical_failed".into(), json!(critical_failed));
    // Critical failures are error findings, the others warnings: exit::fail_on (warning with
    // --strict) turns them into the exit code.
    report.summary.insert(
        "verdict".into(),
        json!(if critical_failed {
            "fail (critical)"
        } else if other_failed && args.strict {
            "fail (non-critical, --strict)"
        } else if other_failed {
            "pass (non-critical failures)"
        } else {
            "pass"
        }),
    );
    report.add_checks(&c);
    if let Some(rows) = per_category {
        let mut t = Table::new(
            "categories",
            "Parity categories",
            &[
                "category",
                "description",
                "installed",
                "modules",
                "not_installed",
            ],
        );
        for r in rows {
            t.push(vec![
                json!(r.key),
                json!(r.description),
                json!(r.installed),
                json!(r.modules),
                json!(r.not_installed),
            ]);
        }
        report.tables.push(t);
    }
    if let Some(path) = &args.report {
        write_report(path, &mut report, ctx.global.format)?;
    }
    Ok(report)
}

/// Writes the dated report file: Markdown, or JSON with `--format json`. A directory gets a
/// file named after the database and the time.
fn write_report(path: &Path, report: &mut Report, format: Format) -> Result<(), Fatal> {
    let format = if format == Format::Json {
        Format::Json
    } else {
        Format::Markdown
    };
    let target: PathBuf = if path.is_dir() {
        let db = report
            .context
            .get("database")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string();
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        let ext = if format == Format::Json { "json" } else { "md" };
        path.join(format!("parity-{db}-{stamp}.{ext}"))
    } else {
        path.to_path_buf()
    };
    let mut buf = Vec::new();
    report::render(
        report,
        RenderOptions {
            format,
            color: false,
            quiet: false,
            width: None,
        },
        &mut buf,
    )
    .and_then(|_| std::fs::write(&target, &buf))
    .map_err(|e| Fatal::usage(format!("--report {}: cannot write: {e}", target.display())))?;
    report.context("report_file", target.display().to_string());
    Ok(())
}

/// The database's modules and dependency rows, and the addons found on disk.
pub type PlanInputs = (
    Option<(Vec<DbModule>, Vec<DbDependency>)>,
    Option<crate::load::addons::Inventory>,
);

/// Loads the inputs of a plan: the database when one is configured, the addons when paths are.
pub fn load_plan_inputs(ctx: &mut Ctx, report: &mut Report) -> Result<PlanInputs, Fatal> {
    let mut db_data = None;
    let mut series = None;
    if ctx.wants_database()? {
        let mut database = ctx.database()?;
        report.context("database", database.name.clone());
        let modules = database.modules()?;
        let deps = database.dependencies()?;
        series = db::series_from_modules(&modules);
        db_data = Some((modules, deps));
    }
    let inv = if ctx.has_addons_paths()? {
        let inv = ctx.inventory(series)?;
        super::inventory_context(report, &inv);
        Some(inv)
    } else {
        None
    };
    if db_data.is_none() && inv.is_none() {
        return Err(Fatal::usage(
            "parity plan needs a database (-d, --db-url, PGDATABASE or db_name) or addons paths (--addons-path or -c)",
        ));
    }
    Ok((db_data, inv))
}

/// The series a plan is for: `--odoo-series`, else the database's, else the addons'.
fn plan_series(
    ctx: &Ctx,
    db_data: Option<&(Vec<DbModule>, Vec<DbDependency>)>,
    inv: Option<&crate::load::addons::Inventory>,
) -> Option<Series> {
    ctx.series_option()
        .ok()
        .flatten()
        .or_else(|| db_data.and_then(|(m, _)| db::series_from_modules(m)))
        .or_else(|| inv.and_then(|i| i.series))
}

fn plan(args: &ParityPlanArgs, parity: &Parity, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let cats = parity.select(&args.category, &args.skip)?;
    let mut report = Report::new("parity plan");
    report.context("definitions", parity.source.clone());
    let (db_data, inv) = load_plan_inputs(ctx, &mut report)?;
    let series = plan_series(ctx, db_data.as_ref(), inv.as_ref());
    report.context("series", series.map(|s| s.to_string()));
    let plan = compute_plan(
        &cats,
        db_data.as_ref().map(|(m, d)| (m.as_slice(), d.as_slice())),
        inv.as_ref(),
        series,
    );
    plan_report(&mut report, &plan, &cats, series);
    Ok(report)
}

/// Fills a report with a plan's tables and data.
pub fn plan_report(report: &mut Report, plan: &Plan, cats: &[&Category], series: Option<Series>) {
    let pypi: BTreeMap<&str, bool> = cats.iter().map(|c| (c.key.as_str(), c.pypi)).collect();
    let mut table = Table::new(
        "plan",
        "Parity plan",
        &["category", "module", "status", "found_in", "package"],
    );
    for (cat, m, st, source) in &plan.rows {
        let package = if *st == PlanStatus::Missing && pypi.get(cat.as_str()) == Some(&true) {
            match defs::source(m, series) {
                Source::Pip { requirement, .. } => json!(requirement),
                _ => Value::Null,
            }
        } else {
            Value::Null
        };
        table.push(vec![
            json!(cat),
            json!(m),
            json!(st.as_str()),
            json!(source),
            package,
        ]);
    }
    let count = |s: PlanStatus| plan.rows.iter().filter(|r| r.2 == s).count();
    report
        .summary
        .insert("installed".into(), json!(count(PlanStatus::Installed)));
    report
        .summary
        .insert("available".into(), json!(count(PlanStatus::Available)));
    report
        .summary
        .insert("missing".into(), json!(count(PlanStatus::Missing)));
    report.summary.insert(
        "uninstallable".into(),
        json!(count(PlanStatus::Uninstallable)),
    );
    report
        .summary
        .insert("to_install".into(), json!(plan.order.len()));
    report.tables.push(table);
    report
        .data
        .insert("install_order".into(), json!(plan.order));
    report.data.insert("missing".into(), json!(plan.missing));
    report.data.insert("blocked".into(), json!(plan.blocked));
    report.findings.extend(plan.findings.iter().cloned());
}

/// The global options completed with the settings every target-taking command reads
/// (`odoo_conf` and `database` of odoo-audit.toml, `ODOO_CONF`, `ODOO_DB`): options win.
pub fn targeted_globals(
    global: &crate::cli::GlobalArgs,
    target: &crate::cli::DeployTargetArgs,
) -> Result<(crate::cli::GlobalArgs, crate::config::settings::Settings), Fatal> {
    let settings = super::settings(target, global)?;
    let mut g = global.clone();
    if (g.config.is_none() || g.config_is_default) && settings.odoo_conf.is_file() {
        g.config = Some(settings.odoo_conf.clone());
        g.config_is_default = false;
    }
    if g.db.database.is_none() && g.db.db_url.is_none() {
        g.db.database = settings.database.clone();
    }
    Ok((g, settings))
}

/// `parity install`: the plan's modules, one `-i MODULE --stop-after-init` run each, in install
/// order, each judged by Odoo's exit status and the module states before and after. A module
/// whose dependency failed, is missing or is blocked is skipped; missing modules make the run
/// incomplete unless `--allow-missing`. Odoo is not started on a database with pending module
/// operations unless `--apply-pending`.
fn install(args: &ParityInstallArgs, parity: &Parity, ctx: &mut Ctx) -> Result<Report, Fatal> {
    use crate::routines::verdict::Expect;
    use crate::routines::Deploy;

    let settings = super::settings(&args.target, ctx.global)?;
    if !settings.odoo_command_configured {
        return Err(Fatal::usage(
            "parity install needs the Odoo command, which is never guessed: set odoo_command in \
             odoo-audit.toml or pass --odoo-command (e.g. `odoo-bin` or \
             `docker compose exec -T odoo odoo`)",
        ));
    }
    let cats = parity.select(&args.plan.category, &args.plan.skip)?;
    let mut report = Report::new("parity install");
    report.context("definitions", parity.source.clone());
    let (db_data, inv) = load_plan_inputs(ctx, &mut report)?;
    let series = plan_series(ctx, db_data.as_ref(), inv.as_ref());
    let plan = compute_plan(
        &cats,
        db_data.as_ref().map(|(m, d)| (m.as_slice(), d.as_slice())),
        inv.as_ref(),
        series,
    );
    super::settings_context(&mut report, &settings);
    let timeout = args
        .step_timeout
        .map(std::time::Duration::from_secs)
        .unwrap_or(settings.slow_command_timeout);
    let conf = crate::config::odoo_conf::OdooConf::load(&settings.odoo_conf);
    let database = report
        .context
        .get("database")
        .and_then(Value::as_str)
        .map(str::to_string);
    let session = if args.dry_run || plan.order.is_empty() {
        Err("not needed".to_string())
    } else {
        ctx.database().map_err(|e| e.message)
    };
    let settings = crate::config::settings::Settings {
        database: database.or(settings.database.clone()),
        ..settings
    };
    let mut d = Deploy::new(settings, conf, session, true, args.target.apply_pending);
    report.context("dry_run", args.dry_run);
    report.context("step_timeout_secs", timeout.as_secs());
    let mut steps = Checks::new(odoo_run::INSTALL_STEPS);
    // Modules that cannot be installed: unknown, not installable, on a cycle, or failed.
    let mut broken: BTreeSet<String> = plan.missing.iter().cloned().collect();
    broken.extend(plan.blocked.iter().cloned());
    let (mut ok, mut failed, mut skipped) = (0, 0, 0);
    let mut refused = false;
    let apply = d.apply_pending_command();
    for (i, module) in plan.order.iter().enumerate() {
        let mut argv = d.odoo_oneshot_args();
        argv.push("-i".into());
        argv.push(module.clone());
        let cmd = d.odoo(&[]).args(argv);
        let display = cmd.display();
        let needs = plan.graph.closure(std::slice::from_ref(module));
        let blocker = needs
            .modules
            .iter()
            .chain(needs.missing.iter())
            .find(|m| *m != module && broken.contains(*m))
            .cloned();
        if args.dry_run {
            steps.push(odoo_run::step_not_run(i + 1, module, &display, "dry-run"));
            continue;
        }
        if refused {
            skipped += 1;
            steps.push(odoo_run::step_not_run(i + 1, module, &display, "not run"));
            continue;
        }
        if let Some(b) = blocker {
            skipped += 1;
            broken.insert(module.clone());
            steps.push(install_checks::blocked(i + 1, module, &display, &b));
            continue;
        }
        let expect = Expect::Install(vec![module.clone()]);
        let _progress = crate::progress::step(format!(
            "parity install {}/{}: -i {module}",
            i + 1,
            plan.order.len()
        ));
        let step = d.run_on_database(
            &format!("parity-install-{:03}-{module}", i + 1),
            cmd,
            timeout,
            &expect,
        );
        if step.refused.is_some() {
            refused = true;
        } else if step.ok() {
            ok += 1;
        } else {
            failed += 1;
            broken.insert(module.clone());
        }
        steps.push(install_checks::step(i + 1, &step, module, &expect, &apply));
    }
    plan_report(&mut report, &plan, &cats, series);
    report.add_checks(&steps);
    report.summary.insert("steps_ok".into(), json!(ok));
    report.summary.insert("steps_failed".into(), json!(failed));
    report
        .summary
        .insert("steps_skipped".into(), json!(skipped));
    let missing_wanted: Vec<&str> = plan
        .rows
        .iter()
        .filter(|r| r.2 == PlanStatus::Missing)
        .map(|r| r.1.as_str())
        .collect();
    let incomplete = !missing_wanted.is_empty() && !args.allow_missing;
    if incomplete && !args.dry_run {
        report
            .findings
            .push(install_checks::incomplete(&missing_wanted));
    }
    report.summary.insert(
        "complete".into(),
        json!(!incomplete && failed == 0 && skipped == 0 && !refused),
    );
    // Failed, skipped and refused steps and an incomplete install are error findings: the exit
    // code follows from them.
    Ok(report)
}
