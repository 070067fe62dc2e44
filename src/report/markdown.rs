//! Markdown: a title, the context as a list, each table, the findings and the summary, for
//! reports kept in a repository or a wiki (`parity verify --report`).

use std::io::{self, Write};

use super::{cell_text, summary_line, Report};
use crate::escape;

/// A Markdown table cell: control characters escaped (a newline would end the row), `|` too.
fn md_cell(v: &str) -> String {
    escape::control(v).replace('|', "\\|")
}

/// Markdown: a title, the context as a list, each table, the findings and the summary.
pub fn render_markdown(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# odoo-audit {}\n", report.command)?;
    for (k, v) in report.shown_context() {
        writeln!(out, "- **{k}**: {}", md_cell(&v))?;
    }
    writeln!(out)?;
    for table in &report.tables {
        if !table.title.is_empty() {
            writeln!(out, "## {} ({})\n", table.title, table.rows.len())?;
        }
        writeln!(out, "| {} |", table.columns.join(" | "))?;
        writeln!(out, "|{}", "---|".repeat(table.columns.len()))?;
        for row in &table.rows {
            let cells: Vec<String> = row.iter().map(|c| md_cell(&cell_text(c))).collect();
            writeln!(out, "| {} |", cells.join(" | "))?;
        }
        writeln!(out)?;
    }
    for (k, v) in &report.data {
        writeln!(out, "**{k}**: {}\n", md_cell(&cell_text(v)))?;
    }
    if let Some(g) = &report.graph {
        writeln!(out, "## Dependency graph\n\n```mermaid")?;
        super::graph::render_mermaid(g, out)?;
        writeln!(out, "```\n")?;
    }
    if !report.findings.is_empty() {
        writeln!(out, "## Findings ({})\n", report.findings.len())?;
        // A fleet's findings say which instance they belong to.
        let instances = report.findings.iter().any(|f| f.instance.is_some());
        let (head, rule) = if instances {
            ("| instance ", "|---")
        } else {
            ("", "")
        };
        writeln!(
            out,
            "{head}| severity | code | module | location | message | hint |"
        )?;
        writeln!(out, "{rule}|---|---|---|---|---|---|")?;
        for f in &report.findings {
            let instance = if instances {
                format!("| {} ", md_cell(f.instance.as_deref().unwrap_or("")))
            } else {
                String::new()
            };
            writeln!(
                out,
                "{instance}| {} | {} | {} | {} | {} | {} |",
                f.severity,
                f.code,
                md_cell(f.module.as_deref().unwrap_or("")),
                md_cell(&f.location()),
                md_cell(&f.message),
                md_cell(&f.hint)
            )?;
        }
        writeln!(out)?;
    }
    if report.audits() {
        writeln!(out, "**Summary**: {}", summary_line(report))?;
    }
    Ok(())
}
