//! `odoo-audit rules` and `odoo-audit explain CODE`: the documentation of every finding code.
//! `explain` fills a one-row table (the machine formats' data); the table format prints it as
//! prose ([`crate::report`]).

use serde_json::json;

use crate::cli::ExplainArgs;
use crate::exit::Fatal;
use crate::report::{Report, Table};
use crate::rules;

pub fn list() -> Report {
    let mut report = Report::new("rules");
    let mut table = Table::new(
        "rules",
        "Finding codes",
        &["code", "name", "severity", "summary"],
    );
    for r in rules::all() {
        table.push(vec![
            json!(r.code),
            json!(r.name),
            json!(r.severity.as_str()),
            json!(r.summary),
        ]);
    }
    report.tables.push(table);
    report
}

pub fn explain(args: &ExplainArgs) -> Result<Report, Fatal> {
    let r = rules::find(&args.code).ok_or_else(|| {
        Fatal::usage(format!(
            "unknown finding code `{}` (run `odoo-audit rules` for the list)",
            args.code
        ))
    })?;
    let mut report = Report::new("explain");
    let mut table = Table::new(
        "rule",
        "",
        &[
            "code",
            "name",
            "severity",
            "summary",
            "explanation",
            "fix",
            "example",
        ],
    );
    table.push(vec![
        json!(r.code),
        json!(r.name),
        json!(r.severity.as_str()),
        json!(r.summary),
        json!(r.explanation),
        json!(r.fix),
        json!(r.example),
    ]);
    report.tables.push(table);
    Ok(report)
}
