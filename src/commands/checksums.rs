//! `odoo-audit checksums`: the checksum of every addon, as module_auto_update and
//! click-odoo-update compute it; with a database, the installed modules whose code changed since
//! their last update although their version did not.

use rayon::prelude::*;
use serde_json::{json, Value};

use super::{inventory_context, record_addons, record_db_modules, Ctx};
use crate::checks::db::checksums::{self, Hashed, Installed};
use crate::cli::ChecksumsArgs;
use crate::exit::Fatal;
use crate::load::addons::Inventory;
use crate::load::checksum::{self, Pattern};
use crate::report::{Report, Table};

fn hash_all(
    inv: &Inventory,
    names: Option<&[&str]>,
    exclude: &[Pattern],
    langs: &[String],
) -> Vec<Hashed> {
    let addons: Vec<_> = inv
        .addons
        .values()
        .filter(|a| names.is_none_or(|n| n.contains(&a.name.as_str())))
        .collect();
    addons
        .par_iter()
        .map(|a| Hashed {
            name: a.name.clone(),
            dir: a.dir.clone(),
            code_version: a
                .manifest
                .version
                .clone()
                .unwrap_or_else(|| a.manifest.version_raw.clone()),
            checksum: checksum::addon_hash(&a.dir, exclude, langs),
        })
        .collect()
}

pub fn run(args: &ChecksumsArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let db_mode = ctx.global.db.database.is_some() || ctx.global.db.db_url.is_some();
    let mut report = Report::new("checksums");
    let (outcome, inv) = if db_mode {
        let mut db = ctx.database()?;
        let modules = db.modules()?;
        let params = db.checksum_params()?;
        let inv = ctx.inventory(crate::load::db::series_from_modules(&modules))?;
        // The patterns the stored checksums were computed with: the parameter; else the
        // default of whoever stored them (module_auto_update when installed, else
        // click-odoo-update).
        let mau = modules
            .iter()
            .any(|m| m.name == "module_auto_update" && m.state == "installed");
        let (patterns_text, source) = match (&args.exclude_patterns, &params.exclude_patterns) {
            (Some(p), _) => (p.clone(), "--exclude-patterns"),
            (None, Some(p)) => (p.clone(), "module_auto_update.exclude_patterns"),
            (None, None) if mau || params.installed_checksums.is_none() => (
                checksum::DEFAULT_EXCLUDE_PATTERNS.to_string(),
                "module_auto_update's default",
            ),
            (None, None) => (
                checksum::CLICK_ODOO_UPDATE_EXCLUDE_PATTERNS.to_string(),
                "click-odoo-update's default (module_auto_update is not installed)",
            ),
        };
        let langs = if args.languages.is_empty() {
            params.languages.clone()
        } else {
            args.languages.clone()
        };
        let installed: Vec<&str> = modules
            .iter()
            .filter(|m| matches!(m.state.as_str(), "installed" | "to upgrade"))
            .map(|m| m.name.as_str())
            .collect();
        let hashed = hash_all(
            &inv,
            Some(&installed),
            &checksum::patterns(&patterns_text),
            &langs,
        );
        let conf = ctx
            .global
            .config
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "<odoo.conf>".into());
        let dbname = db.name.clone();
        let rows: Vec<Installed> = modules
            .iter()
            .map(|m| Installed {
                name: m.name.clone(),
                state: m.state.clone(),
                version: m.latest_version.clone(),
            })
            .collect();
        let outcome = checksums::against_database(
            &hashed,
            &rows,
            params.installed_checksums.as_deref(),
            |module| format!("odoo-bin -c {conf} -d {dbname} -u {module} --stop-after-init"),
        );
        report.context("mode", "database");
        report.context("database", db.name.clone());
        report.context("server", db.spec.describe());
        report.context("exclude_patterns", patterns_text);
        report.context("exclude_patterns_source", source);
        report.context("languages", json!(langs));
        report.context("stored_checksums", params.installed_checksums.is_some());
        record_db_modules(&mut report, &modules);
        (outcome, inv)
    } else {
        let inv = ctx.inventory(None)?;
        let patterns_text = args
            .exclude_patterns
            .clone()
            .unwrap_or_else(|| checksum::DEFAULT_EXCLUDE_PATTERNS.to_string());
        let hashed = hash_all(
            &inv,
            None,
            &checksum::patterns(&patterns_text),
            &args.languages,
        );
        report.context("mode", "addons");
        report.context("exclude_patterns", patterns_text);
        report.context("languages", json!(args.languages));
        (checksums::addons_only(&hashed), inv)
    };
    inventory_context(&mut report, &inv);
    record_addons(&mut report, &inv);
    let mut table = Table::new(
        "modules",
        "Checksums",
        &["module", "status", "checksum", "stored", "path"],
    );
    for r in &outcome.rows {
        table.push(vec![
            json!(r.module),
            json!(r.status),
            json!(r.checksum),
            json!(r.stored),
            json!(r.path),
        ]);
    }
    let changed = outcome
        .rows
        .iter()
        .filter(|r| r.status == "changed, version not bumped")
        .count();
    report
        .summary
        .insert("modules".into(), json!(table.rows.len()));
    report
        .summary
        .insert("changed_not_bumped".into(), json!(changed));
    report.tables.push(table);
    report
        .data
        .insert("checksums".into(), Value::Object(outcome.checksums));
    report.findings = inv.findings;
    report.findings.extend(outcome.findings);
    Ok(report)
}
