//! `odoo-audit deploy-check`: the 13-point pre-deployment gate. Resolves the settings, opens
//! what the checks share (odoo.conf, the database session), runs the checks in order and
//! reports them as the `checks` table plus findings.

use serde_json::{json, Map, Value};

use super::Ctx;
use crate::checks::deploy::{self, Check, Deploy, Status};
use crate::cli::DeployCheckArgs;
use crate::config::odoo_conf::OdooConf;
use crate::exit::Fatal;
use crate::load;
use crate::report::Report;

pub fn run(args: &DeployCheckArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let s = super::settings(&args.target, ctx.global)?;
    let conf = OdooConf::load(&s.odoo_conf);
    let db = ctx
        .database_with(s.database.as_deref(), conf.as_ref().ok())
        .map_err(|f| f.message);
    let mut d = Deploy::new(s, conf, db, args.full, args.target.apply_pending);
    d.addons_path_option = ctx.global.addons_path.clone();
    if let Err(e) = d.load_modules() {
        d.db = Err(e);
    }
    let mut report_series = None;
    let checks: Vec<Check> = vec![
        deploy::engine::check_engine(
            d.compose()
                .then(|| load::engine::docker_version(d.settings.command_timeout))
                .as_ref(),
        ),
        deploy::engine::check_services_or_process(&mut d),
        {
            let binary = load::deploy::odoo_version(&d.settings);
            let modules = d.db.is_ok().then_some(d.modules.as_slice());
            let (c, series) =
                deploy::odoo::check_version(&binary, d.settings.expected_series, modules);
            d.binary_series = series;
            c
        },
        deploy::odoo::check_database(&mut d),
        deploy::conf::check_conf(
            &d.conf,
            &d.settings.odoo_conf,
            d.series_or_default(),
            load::deploy::Machine::current(),
            d.compose(),
        ),
        deploy::conf::check_addons_path(&mut d),
        deploy::python::check_python(&d),
        deploy::secrets::check_secrets(&d),
        deploy::http::check_bundles(&d),
        deploy::odoo::check_update(&mut d),
        deploy::http::check_http(&d),
        deploy::backups::check_backups(&d),
        deploy::logs::check_logs(&d),
    ];
    if let Some(s) = d.series() {
        report_series = Some(s);
    }

    let mut report = Report::new("deploy-check");
    super::settings_context(&mut report, &d.settings);
    report.context(
        "series",
        report_series
            .map(|x| json!(x.to_string()))
            .unwrap_or(Value::Null),
    );
    report.context("run", if d.full { "full" } else { "quick" });
    report.context(
        "database",
        d.database_name().map(Value::String).unwrap_or(Value::Null),
    );
    report.context("base_url", d.settings.base_url.clone());
    report.context("backup_dir", d.settings.backup_dir.display().to_string());
    let checks = deploy::Checks {
        layout: deploy::GATE,
        rows: checks,
    };
    let mut totals: Map<String, Value> = Map::new();
    for st in [Status::Pass, Status::Warn, Status::Fail, Status::Skip] {
        totals.insert(st.as_str().into(), json!(checks.count(st)));
    }
    report.add_checks(&checks);
    let failed = checks.failed();
    report
        .summary
        .insert("checks".into(), Value::Object(totals));
    report
        .summary
        .insert("result".into(), json!(if failed { "no-go" } else { "go" }));
    // A failed check is an error finding: the exit code follows from the findings.
    Ok(report)
}
