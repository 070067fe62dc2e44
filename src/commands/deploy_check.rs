//! `odoo-audit deploy-check`: the 13-point pre-deployment gate. Resolves the settings, opens
//! what the checks share (odoo.conf, the database session), loads what each check judges
//! (through `load/`, and `routines/` for the Odoo runs of `--full`), calls the checks in order
//! and reports them as the `checks` table plus findings.

use serde_json::{json, Map, Value};

use super::Ctx;
use crate::checks::deploy::{self, Check, Status};
use crate::cli::DeployCheckArgs;
use crate::config::odoo_conf::OdooConf;
use crate::exit::Fatal;
use crate::load;
use crate::progress;
use crate::report::Report;
use crate::routines::Deploy;

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
    let checks = gate(&mut d);
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
    super::record_db_modules(&mut report, &d.modules);
    if let Some(inv) = &d.inventory {
        super::record_addons(&mut report, inv);
    }
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

/// The 13 checks in order, each judging what is loaded for it just before (a check may use
/// what an earlier one loaded: check 2's containers, check 3's binary series, check 6's
/// addons; checks 4 and 10 run Odoo with `--full`).
fn gate(d: &mut Deploy) -> Vec<Check> {
    let mut checks = Vec::with_capacity(13);
    // 1, 2: the engine, the services or the Odoo process
    let mut progress = progress::step("deploy-check 1-2/13: the engine and the services");
    checks.extend(engine_checks(d));
    // 3: the version
    progress.next("deploy-check 3/13: the Odoo version");
    let binary = load::deploy::odoo_version(&d.settings);
    let modules = d.db.is_ok().then_some(d.modules.as_slice());
    let (c, series) = deploy::odoo::check_version(&binary, d.settings.expected_series, modules);
    d.binary_series = series;
    checks.push(c);
    // 4: the database (and Odoo starting on it)
    progress.next(if d.full {
        "deploy-check 4/13: the database (running Odoo on it)"
    } else {
        "deploy-check 4/13: the database"
    });
    let apply = d.apply_pending_command();
    let run = (d.full && d.db.is_ok())
        .then(|| d.run_oneshot("check4-odoo-db", &[], &deploy::odoo::CHECK4_EXPECT));
    checks.push(deploy::odoo::check_database(
        &d.db,
        d.full,
        run.as_ref(),
        &apply,
    ));
    // 5, 6: odoo.conf, the addons paths
    progress.next("deploy-check 5-6/13: odoo.conf and the addons paths");
    let s = &d.settings;
    checks.push(deploy::conf::check_conf(
        &d.conf,
        &s.odoo_conf,
        d.series_or_default(),
        load::deploy::Machine::current(),
        d.compose(),
    ));
    let paths = load::deploy::addons_paths(&d.addons_path_option, d.conf.as_ref().ok());
    match (
        deploy::conf::addons_path_unusable(paths.as_ref(), d.compose()),
        paths,
    ) {
        (None, Some(paths)) => {
            let series = d.series().map(|s| (s, load::addons::SeriesSource::Option));
            let inv = load::addons::discover(&paths.paths, series);
            checks.push(deploy::conf::check_addons_path(&inv));
            d.inventory = Some(inv);
        }
        (unusable, _) => checks.extend(unusable),
    }
    // 7, 8: the Python libraries, the secrets
    progress.next("deploy-check 7-8/13: the Python libraries and the secrets");
    let modules = d.db.is_ok().then_some(d.modules.as_slice());
    let needs = deploy::python::PythonNeeds::of(d.inventory.as_ref(), modules);
    let database = d.database_name();
    let probe = load::python::probe(&d.settings, database.as_deref(), &needs.requests());
    checks.push(deploy::python::check_python(&needs, &probe));
    let conf = d.conf.as_ref().ok();
    let files = load::deploy::secret_files(&d.settings, conf.and_then(|c| c.path.as_deref()));
    checks.push(deploy::secrets::check_secrets(&files, &d.settings, conf));
    // 9, 10: the asset bundles, the module update
    progress.next(if d.full {
        "deploy-check 9-10/13: the asset bundles and the module update (running Odoo)"
    } else {
        "deploy-check 9-10/13: the asset bundles and the module update"
    });
    let s = &d.settings;
    checks.push(deploy::http::check_bundles(&load::http::probe_web_assets(
        &s.base_url,
        s.http_timeout,
        s.command_timeout.max(s.http_timeout),
        d.series(),
    )));
    let expect = deploy::odoo::check10_expect();
    let run =
        (d.full && d.db.is_ok()).then(|| d.run_oneshot("check10-update", &["-u", "base"], &expect));
    checks.push(deploy::odoo::check_update(
        d.full,
        d.db.is_ok(),
        run.as_ref(),
        &apply,
    ));
    // 11: Odoo over HTTP
    progress.next("deploy-check 11/13: Odoo over HTTP");
    checks.push(http_check(d));
    // 12, 13: backups, log rotation
    progress.next("deploy-check 12-13/13: the backups and the log rotation");
    let s = &d.settings;
    let found = load::deploy::backups(&s.backup_dir, s.command_timeout);
    checks.push(deploy::backups::check_backups(
        &found,
        &s.backup_dir,
        s.backup_max_age,
    ));
    let logfile = d.conf.as_ref().ok().and_then(load::deploy::conf_logfile);
    let files = load::deploy::log_files(s, d.compose(), &d.containers, logfile.as_deref());
    checks.push(deploy::logs::check_logs(
        &files,
        s,
        d.compose(),
        &d.containers,
        logfile.as_deref(),
    ));
    checks
}

/// Checks 1 and 2: the container engine and the services (compose), or the systemd unit and
/// the Odoo process (native). Also used by `verify-deploy`.
pub fn engine_checks(d: &mut Deploy) -> Vec<Check> {
    let s = &d.settings;
    let timeout = s.command_timeout;
    let mut checks = Vec::with_capacity(2);
    let docker = d.compose().then(|| load::engine::docker_version(timeout));
    checks.push(deploy::engine::check_engine(docker.as_ref()));
    if d.compose() {
        let file = s.compose_file.clone().unwrap_or_default();
        let loaded = load::engine::compose_services(&s.compose_command, &file, timeout);
        checks.push(deploy::engine::check_services(
            &loaded,
            [&s.odoo_service, &s.db_service],
        ));
        if let Ok(l) = loaded {
            d.containers = l.containers;
        }
    } else {
        let state = load::engine::systemd_unit(&s.systemd_unit, timeout);
        let database = d.database_name();
        let processes = load::engine::deployment_processes(
            std::path::Path::new("/proc"),
            &s.odoo_conf,
            database.as_deref(),
        );
        checks.push(deploy::engine::check_native(
            &s.systemd_unit,
            &state,
            &processes,
            &s.odoo_conf,
            database.as_deref(),
        ));
    }
    checks
}

/// Check 11: Odoo over HTTP. Also used by `verify-deploy`.
pub fn http_check(d: &Deploy) -> Check {
    let s = &d.settings;
    let list_db = d
        .conf
        .as_ref()
        .ok()
        .and_then(|conf| conf.odoo_bool("list_db", d.series_or_default()))
        .and_then(Result::ok);
    let site = load::http::probe_site(&s.base_url, s.http_timeout, s.tls_ca_file.as_deref());
    deploy::http::check_http(&site, s, list_db)
}
