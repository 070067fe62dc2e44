//! `odoo-audit check-views`: view and template inheritance Odoo would fail to apply. Static mode
//! reads the addons' data files and bundles; database mode (`-d`/`--db-url`) combines the
//! installed views and previews what `-u` of the installed modules on the path would meet.

use serde_json::json;

use super::{inventory_context, odoo_addons, odoo_addons_context, Ctx};
use crate::checks::views::{self, Counts, Settings, ViewsAnalysis};
use crate::cli::ViewsArgs;
use crate::exit::Fatal;
use crate::report::Report;
use crate::rules::Family;

pub fn run(args: &ViewsArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let db_mode = ctx.global.db.database.is_some() || ctx.global.db.db_url.is_some();
    let mut report = Report::new("check-views");
    let settings = Settings {
        demo: args.demo,
        trace: args.trace_specs.is_some(),
        templates: !args.no_templates,
    };
    let (analysis, inv) = if db_mode {
        let mut db = ctx.database()?;
        let modules = db.modules()?;
        let series = crate::load::db::series_from_modules(&modules);
        let inv = ctx.inventory(series)?;
        let installed = crate::checks::client_actions::installed_modules(&modules);
        let (odoo, how) = odoo_addons(ctx, inv.series, Some(installed.contains("web_enterprise")))?;
        odoo_addons_context(&mut report, &odoo, how);
        let dependencies = db.dependencies()?;
        let rows = db.views()?;
        let ids = db.xmlid_ids()?;
        let a = views::check_database(
            &inv,
            &odoo,
            &rows,
            &ids,
            &modules,
            &dependencies,
            inv.series,
            settings,
        );
        report.context("mode", "database");
        report.context("database", db.name.clone());
        report.context("server", db.spec.describe());
        report
            .summary
            .insert("queries".into(), json!(db.query_count()));
        (a, inv)
    } else {
        let inv = ctx.inventory(None)?;
        let (odoo, how) = odoo_addons(ctx, inv.series, None)?;
        odoo_addons_context(&mut report, &odoo, how);
        report.context("mode", "static (no database)");
        (views::check_static(&inv, &odoo, settings), inv)
    };
    inventory_context(&mut report, &inv);
    if let Some(path) = &args.trace_specs {
        write_traces(path, &analysis)?;
    }
    fill(&mut report, analysis);
    report.findings.extend(
        inv.findings
            .iter()
            .filter(|f| f.family() == Some(Family::AddonsPath))
            .cloned(),
    );
    Ok(report)
}

fn counts_json(c: &Counts) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or_default()
}

fn fill(report: &mut Report, a: ViewsAnalysis) {
    let s = &mut report.summary;
    s.insert("views".into(), json!(a.counts.views));
    s.insert("specs".into(), json!(a.counts.specs));
    s.insert("view_errors".into(), json!(a.counts.errors));
    s.insert(
        "views_not_verifiable".into(),
        json!(a.counts.not_verifiable),
    );
    s.insert("templates".into(), json!(a.counts.templates));
    s.insert("template_specs".into(), json!(a.counts.template_specs));
    s.insert("template_errors".into(), json!(a.counts.template_errors));
    s.insert(
        "templates_not_verifiable".into(),
        json!(a.counts.templates_not_verifiable),
    );
    s.insert("data_files".into(), json!(a.counts.files));
    if let Some(p) = &a.preview {
        s.insert("update_preview".into(), counts_json(p));
    }
    report.findings.extend(a.findings);
}

fn write_traces(path: &std::path::Path, a: &ViewsAnalysis) -> Result<(), Fatal> {
    use std::io::Write;
    let file = std::fs::File::create(path)
        .map_err(|e| Fatal::usage(format!("cannot write {}: {e}", path.display())))?;
    let mut w = std::io::BufWriter::new(file);
    for t in &a.traces {
        let line = serde_json::to_string(t).unwrap_or_default();
        writeln!(w, "{line}")
            .map_err(|e| Fatal::usage(format!("cannot write {}: {e}", path.display())))?;
    }
    w.flush()
        .map_err(|e| Fatal::usage(format!("cannot write {}: {e}", path.display())))
}
