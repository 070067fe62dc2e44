//! `odoo-audit versions`, `audit` and `broken`: the database audits.

use serde_json::{json, Map, Value};

use super::{inventory_context, odoo_addons, odoo_addons_context, Ctx};
use crate::checks::{self, db::versions::HintCtx, db::versions::Known};
use crate::cli::{VersionStatus, VersionsArgs};
use crate::exit::Fatal;
use crate::load::addons::Inventory;
use crate::load::db::{self, Database};
use crate::report::{Report, Table};
use crate::rules::Family;

/// Connects, loads the modules, and discovers the addons with the database's series.
pub struct Loaded {
    pub db: Database,
    pub modules: Vec<db::DbModule>,
    pub inv: Option<Inventory>,
    pub hint: HintCtx,
    pub deps: Vec<db::DbDependency>,
    pub known: Known,
    /// How the edition was chosen.
    pub edition_source: &'static str,
}

pub fn load(ctx: &mut Ctx, need_addons: bool) -> Result<Loaded, Fatal> {
    let mut database = ctx.database()?;
    let modules = database.modules()?;
    let db_series = db::series_from_modules(&modules);
    let inv = if need_addons || ctx.has_addons_paths()? {
        Some(ctx.inventory(db_series)?)
    } else {
        None
    };
    let deps = database.dependencies()?;
    let to_buy = database.to_buy()?;
    let enterprise = modules
        .iter()
        .any(|m| m.name == "web_enterprise" && checks::db::versions::is_installed_state(&m.state));
    let series = inv.as_ref().and_then(|i| i.series).or(db_series);
    let (odoo, edition_source) = odoo_addons(ctx, series, Some(enterprise))?;
    let known = Known::new(odoo, inv.as_ref(), &modules, &deps, to_buy);
    let hint = HintCtx {
        conf: ctx
            .global
            .config
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "<odoo.conf>".into()),
        db: database.name.clone(),
    };
    Ok(Loaded {
        db: database,
        modules,
        inv,
        hint,
        deps,
        known,
        edition_source,
    })
}

fn db_context(report: &mut Report, l: &Loaded) {
    super::record_db_modules(report, &l.modules);
    odoo_addons_context(report, &l.known.odoo, l.edition_source);
    report.context("database", l.db.name.clone());
    report.context("server", l.db.spec.describe());
    report.context("postgresql", l.db.server_version.clone());
    match &l.inv {
        Some(inv) => inventory_context(report, inv),
        None => {
            report.context(
                "series",
                db::series_from_modules(&l.modules)
                    .map(|s| json!(s.to_string()))
                    .unwrap_or(Value::Null),
            );
            report.context("series_source", "database (base module version)");
        }
    }
}

/// Module counts by state and the number of queries the session ran.
fn db_summary(report: &mut Report, l: &Loaded) {
    report
        .summary
        .insert("states".into(), state_counts(&l.modules));
    report
        .summary
        .insert("queries".into(), json!(l.db.query_count()));
}

fn state_counts(modules: &[db::DbModule]) -> Value {
    let mut counts: Map<String, Value> = Map::new();
    let mut sorted: Vec<&str> = modules.iter().map(|m| m.state.as_str()).collect();
    sorted.sort();
    for s in sorted {
        let n = counts.get(s).and_then(Value::as_u64).unwrap_or(0) + 1;
        counts.insert(s.to_string(), json!(n));
    }
    Value::Object(counts)
}

pub fn versions(args: &VersionsArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    use checks::db::versions::Status;
    let l = load(ctx, true)?;
    let inv = l.inv.as_ref().expect("addons loaded");
    let cmp = checks::db::versions::compare_with(inv, &l.modules, &l.hint, &l.known);
    let mut report = Report::new("versions");
    db_context(&mut report, &l);
    let mut table = Table::new(
        "modules",
        "Modules",
        &["name", "state", "disk_version", "db_version", "status"],
    );
    let status_of = |s: VersionStatus| match s {
        VersionStatus::Ok => Status::Same,
        VersionStatus::UpgradePending => Status::UpgradePending,
        VersionStatus::DatabaseNewer => Status::DatabaseNewer,
        VersionStatus::CodeMissing => Status::MissingCode,
        VersionStatus::CoreNotOnPath => Status::CoreNotOnPath,
        VersionStatus::NotInDatabase => Status::NotInDatabase,
        VersionStatus::NotInstalled => Status::NotInstalled,
        VersionStatus::ManifestUnreadable => Status::Unreadable,
    };
    let wanted: Vec<Status> = args.status.iter().map(|s| status_of(*s)).collect();
    let filtered = args.all || !args.state.is_empty() || !args.status.is_empty();
    // By default, what needs attention: a version or code problem, or a pending state.
    let shown = |r: &checks::db::versions::Row| {
        if filtered {
            (args.state.is_empty() || args.state.iter().any(|s| Some(s) == r.state.as_ref()))
                && (wanted.is_empty() || wanted.contains(&r.status))
        } else {
            !matches!(
                r.status,
                Status::Same | Status::NotInstalled | Status::CoreNotOnPath
            ) || r
                .state
                .as_deref()
                .is_some_and(|s| crate::routines::verdict::PENDING_STATES.contains(&s))
        }
    };
    let rows: Vec<_> = cmp.rows.iter().filter(|r| shown(r)).collect();
    report.shown_rows(rows.len(), cmp.rows.len(), "modules", filtered);
    for r in rows {
        table.push(vec![
            json!(r.name),
            json!(r.state),
            json!(r.disk_version),
            json!(r.db_version),
            json!(r.status.as_str()),
        ]);
    }
    report.tables.push(table);
    report.findings = inv.findings.clone();
    report
        .findings
        .extend(checks::db::versions::group_core_unknown(
            cmp.findings,
            &l.known,
            ctx.global.include_core,
        ));
    db_summary(&mut report, &l);
    Ok(report)
}

pub fn audit(ctx: &mut Ctx) -> Result<Report, Fatal> {
    let l = load(ctx, true)?;
    let inv = l.inv.as_ref().expect("addons loaded");
    let mut report = Report::new("audit");
    db_context(&mut report, &l);
    let mut table = Table::new(
        "modules",
        "Modules",
        &[
            "name",
            "display_name",
            "disk_version",
            "db_version",
            "state",
            "category",
            "author",
            "path",
            "location",
        ],
    );
    let mut names: Vec<&str> = l.modules.iter().map(|m| m.name.as_str()).collect();
    names.extend(inv.addons.keys().map(String::as_str));
    names.sort();
    names.dedup();
    let by_name: std::collections::BTreeMap<&str, &db::DbModule> =
        l.modules.iter().map(|m| (m.name.as_str(), m)).collect();
    for name in names {
        let m = by_name.get(name);
        let a = inv.addons.get(name);
        let location = match (m.is_some(), a.is_some() || inv.broken.contains_key(name)) {
            (true, true) => "both",
            (true, false) if l.known.odoo.is_core(name) => "database only (Odoo core module)",
            (true, false) => "database only",
            _ => "disk only",
        };
        table.push(vec![
            json!(name),
            json!(m
                .and_then(|m| m.display_name.clone())
                .or_else(|| a.map(|a| a.manifest.name.clone()))),
            json!(a.map(|a| a
                .manifest
                .version
                .clone()
                .unwrap_or_else(|| a.manifest.version_raw.clone()))),
            json!(m.and_then(|m| m.latest_version.clone())),
            json!(m.map(|m| m.state.clone())),
            json!(m
                .and_then(|m| m.category.clone())
                .or_else(|| a.map(|a| a.manifest.category.clone()))),
            json!(m
                .and_then(|m| m.author.clone())
                .or_else(|| a.map(|a| a.manifest.author.clone()))),
            json!(a.map(|a| a.dir.display().to_string())),
            json!(location),
        ]);
    }
    report.tables.push(table);
    report.findings = inv.findings.clone();
    db_summary(&mut report, &l);
    Ok(report)
}

pub fn broken(ctx: &mut Ctx) -> Result<Report, Fatal> {
    let mut l = load(ctx, false)?;
    let deps = std::mem::take(&mut l.deps);
    let menus = l.db.dangling_menus()?;
    let orphans = l.db.orphan_xmlids()?;
    let mut report = Report::new("broken");
    db_context(&mut report, &l);
    let mut findings = Vec::new();
    findings.extend(checks::db::broken::uninstallable(
        &l.modules,
        &l.known.to_buy,
    ));
    // Stuck states are found by the versions comparison; without addons, compare against an
    // empty tree and keep only those.
    let empty;
    let inv = match &l.inv {
        Some(inv) => inv,
        None => {
            empty = crate::load::addons::discover(&[], None);
            &empty
        }
    };
    findings.extend(checks::db::versions::stuck_states(
        inv, &l.modules, &l.hint, &l.known,
    ));
    findings.extend(checks::db::broken::dependencies(&deps, &l.hint));
    findings.extend(checks::db::broken::menus(&menus, &l.hint));
    findings.extend(checks::db::broken::xmlids(&orphans, &l.hint));
    if let Some(inv) = &l.inv {
        findings.extend(
            inv.findings
                .iter()
                .filter(|f| f.family() == Some(Family::AddonsPath))
                .cloned(),
        );
    }
    report.findings = findings;
    db_summary(&mut report, &l);
    Ok(report)
}
