//! `odoo-audit check-client-actions`: client actions, field widgets and view classes that would
//! raise KeyNotFoundError (or lose their widget) in the web client. Static mode reads the
//! addons; database mode (`-d`/`--db-url`) checks `ir_act_client` and names the menus that break.

use serde_json::json;

use super::{inventory_context, odoo_addons, odoo_addons_context, Ctx};
use crate::checks::client_actions::{self, ClientActionsAnalysis, PathScope, Status};
use crate::cli::ClientActionsArgs;
use crate::exit::Fatal;
use crate::report::{Report, Table};
use crate::rules::Family;

pub fn run(args: &ClientActionsArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let db_mode = ctx.global.db.database.is_some() || ctx.global.db.db_url.is_some();
    let mut report = Report::new("check-client-actions");
    // The server's own addons path: from its odoo.conf, not overridden on the command line.
    let complete = args.complete_path
        || (!args.partial_path && ctx.global.addons_path.is_empty() && ctx.global.config.is_some());
    let mut scope = PathScope {
        complete,
        ..PathScope::default()
    };
    report.context(
        "addons_path_scope",
        if complete {
            "complete (the server's own)"
        } else {
            "partial"
        },
    );
    let (analysis, inv) = if db_mode {
        let mut db = ctx.database()?;
        let modules = db.modules()?;
        let series = crate::load::db::series_from_modules(&modules);
        let inv = ctx.inventory(series)?;
        let actions = db.client_actions()?;
        scope.db_depends = Some(PathScope::depends_from(&db.dependencies()?));
        let installed = client_actions::installed_modules(&modules);
        let (odoo, how) = odoo_addons(ctx, inv.series, Some(installed.contains("web_enterprise")))?;
        odoo_addons_context(&mut report, &odoo, how);
        scope.odoo = odoo;
        let analysis = client_actions::check_database_rows_in(&inv, &installed, actions, &scope);
        report.context("mode", "database");
        report.context("database", db.name.clone());
        report.context("server", db.spec.describe());
        report
            .summary
            .insert("queries".into(), json!(db.query_count()));
        (analysis, inv)
    } else {
        let inv = ctx.inventory(None)?;
        let (odoo, how) = odoo_addons(ctx, inv.series, None)?;
        odoo_addons_context(&mut report, &odoo, how);
        scope.odoo = odoo;
        report.context("mode", "static (no database)");
        (client_actions::check_static_in(&inv, &scope), inv)
    };
    inventory_context(&mut report, &inv);
    fill(&mut report, analysis, args.all);
    report.findings = crate::checks::addons::core::group_core(
        std::mem::take(&mut report.findings),
        &scope.odoo,
        ctx.global.include_core,
        client_actions::CORE_RULE,
        client_actions::FAMILIES,
    );
    report.findings.extend(
        inv.findings
            .iter()
            .filter(|f| f.family() == Some(Family::AddonsPath))
            .cloned(),
    );
    Ok(report)
}

fn fill(report: &mut Report, a: ClientActionsAnalysis, all: bool) {
    let mut table = Table::new(
        "uses",
        "Client actions, widgets and view classes",
        &[
            "kind", "key", "module", "source", "location", "status", "handler", "menus",
        ],
    );
    // By default, the uses that need attention: all but those found fine.
    let shown: Vec<_> = a
        .checked
        .iter()
        .filter(|c| all || c.status != Status::Ok)
        .collect();
    report.shown_rows(shown.len(), a.checked.len(), "uses", all);
    for c in shown {
        let u = &c.use_;
        let location = match (&u.file, u.line, &u.action) {
            (Some(f), Some(l), _) => format!("{}:{l}", f.display()),
            (Some(f), None, _) => f.display().to_string(),
            (None, _, Some(act)) => act
                .xmlid
                .clone()
                .unwrap_or_else(|| format!("ir.actions.client id {}", act.id)),
            _ => String::new(),
        };
        table.push(vec![
            json!(u.kind.as_str()),
            json!(u.key),
            json!(u.module),
            json!(u.source),
            json!(location),
            json!(c.status.as_str()),
            json!(c.handler),
            json!(u
                .action
                .as_ref()
                .map(|a| a.menus.clone())
                .unwrap_or_default()),
        ]);
    }
    report.tables.push(table);
    let s = &mut report.summary;
    s.insert("actions_checked".into(), json!(a.actions_checked));
    s.insert("actions_valid".into(), json!(a.actions_valid));
    s.insert("actions_broken".into(), json!(a.actions_broken));
    s.insert(
        "actions_not_verifiable".into(),
        json!(a.actions_not_verifiable),
    );
    s.insert("widgets_checked".into(), json!(a.widgets_checked));
    s.insert("views_checked".into(), json!(a.views_checked));
    s.insert("js_files".into(), json!(a.handlers.js_files));
    s.insert("registrations".into(), json!(a.handlers.registrations));
    s.insert(
        "catalogued_registrations".into(),
        json!(a.handlers.catalogued),
    );
    s.insert("backend_files".into(), json!(a.handlers.backend_files));
    report.findings.extend(a.findings);
}
