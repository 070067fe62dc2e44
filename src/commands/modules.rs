//! `odoo-audit modules`: the inventory of the addons on the addons paths.

use globset::Glob;
use serde_json::{json, Value};

use super::{inventory_context, Ctx};
use crate::cli::ModulesArgs;
use crate::exit::Fatal;
use crate::report::{Report, Table};

pub const COLUMNS: [&str; 13] = [
    "name",
    "display_name",
    "version",
    "adapted_version",
    "installable",
    "license",
    "author",
    "category",
    "website",
    "depends",
    "auto_install",
    "application",
    "path",
];

pub fn run(args: &ModulesArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let matcher = match &args.name {
        None => None,
        Some(g) => Some(
            Glob::new(g)
                .map_err(|e| Fatal::usage(format!("--name: invalid glob `{g}`: {e}")))?
                .compile_matcher(),
        ),
    };
    let author = args.author.as_ref().map(|a| a.to_lowercase());
    let inv = ctx.inventory(None)?;
    let mut report = Report::new("modules");
    inventory_context(&mut report, &inv);
    let mut table = Table::new("modules", "Addons", &COLUMNS);
    for (name, a) in &inv.addons {
        let m = &a.manifest;
        if args.installable_only && !m.installable {
            continue;
        }
        if matcher.as_ref().is_some_and(|g| !g.is_match(name)) {
            continue;
        }
        if author
            .as_ref()
            .is_some_and(|t| !m.author.to_lowercase().contains(t))
        {
            continue;
        }
        table.push(vec![
            json!(name),
            json!(m.name),
            json!(m.version_raw),
            m.version.as_ref().map(|v| json!(v)).unwrap_or(Value::Null),
            json!(m.installable),
            json!(m.license),
            json!(m.author),
            json!(m.category),
            json!(m.website),
            json!(m.depends),
            json!(m.auto_install.describe()),
            json!(m.application),
            json!(a.dir.display().to_string()),
        ]);
    }
    report
        .summary
        .insert("addons".into(), json!(table.rows.len()));
    report
        .summary
        .insert("shadowed".into(), json!(inv.shadowed.len()));
    report.tables.push(table);
    report.findings = inv.findings;
    Ok(report)
}
