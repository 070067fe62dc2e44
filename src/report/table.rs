//! The human format: the context as `key: value` lines, each table drawn with its title and row
//! count, the findings table and a summary line; `--quiet` prints one line per finding instead.

use std::io::{self, Write};

use comfy_table::{presets, Cell, Color, ContentArrangement, Table as ComfyTable};

use super::{cell_text, escaped_finding, summary_line, Report};
use crate::finding::{Finding, Severity};

fn paint(text: &str, severity: Severity, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match severity {
        Severity::Error => "31",
        Severity::Warning => "33",
        Severity::Info => "36",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// One line per finding: `location: severity[CODE] module: message (hint: …)`, its control
/// characters escaped.
pub fn finding_line(f: &Finding, color: bool) -> String {
    let f = &escaped_finding(f);
    let mut line = f.instance_prefix();
    let loc = f.location();
    if !loc.is_empty() {
        line.push_str(&loc);
        line.push_str(": ");
    }
    line.push_str(&paint(
        &format!("{}[{}]", f.severity, f.code),
        f.severity,
        color,
    ));
    line.push(' ');
    if let Some(m) = &f.module {
        line.push_str(m);
        line.push_str(": ");
    }
    line.push_str(&f.message);
    if !f.hint.is_empty() {
        line.push_str(" (hint: ");
        line.push_str(&f.hint);
        line.push(')');
    }
    line
}

pub(super) fn render_lines(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        writeln!(out, "{}", finding_line(f, color))?;
    }
    Ok(())
}

fn new_table(color: bool) -> ComfyTable {
    let mut t = ComfyTable::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    if color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t
}

pub(super) fn render_table(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let mut header = false;
    for (k, v) in report.shown_context() {
        writeln!(out, "{k}: {v}")?;
        header = true;
    }
    if header {
        writeln!(out)?;
    }
    for table in &report.tables {
        if !table.title.is_empty() {
            writeln!(out, "{} ({})", table.title, table.rows.len())?;
        }
        if table.rows.is_empty() {
            writeln!(out, "  (none)\n")?;
            continue;
        }
        let mut t = new_table(color);
        t.set_header(table.columns.clone());
        for row in &table.rows {
            t.add_row(row.iter().map(cell_text).collect::<Vec<_>>());
        }
        writeln!(out, "{t}\n")?;
    }
    // Data that is also a text block (a tree drawn for the table and kept for JSON) is shown
    // once, as the block.
    let shown: Vec<_> = report
        .data
        .iter()
        .filter(|(_, v)| {
            // (Both were escaped: the data on one line, the block line by line.)
            !v.as_str().is_some_and(|s| {
                report
                    .text
                    .iter()
                    .any(|(_, body)| crate::escape::control(body) == s)
            })
        })
        .collect();
    for (k, v) in &shown {
        writeln!(out, "{k}: {}", cell_text(v))?;
    }
    if !shown.is_empty() {
        writeln!(out)?;
    }
    for (title, body) in &report.text {
        writeln!(out, "{title}\n{body}")?;
    }
    if !report.findings.is_empty() {
        writeln!(out, "Findings ({})", report.findings.len())?;
        let mut t = new_table(color);
        // A fleet's findings say which instance they belong to.
        let instances = report.findings.iter().any(|f| f.instance.is_some());
        let mut header = vec!["Severity", "Code", "Module", "Location", "Message", "Hint"];
        if instances {
            header.insert(0, "Instance");
        }
        t.set_header(header);
        for f in &report.findings {
            let sev = Cell::new(f.severity.as_str());
            let sev = if color {
                sev.fg(match f.severity {
                    Severity::Error => Color::Red,
                    Severity::Warning => Color::Yellow,
                    Severity::Info => Color::Cyan,
                })
            } else {
                sev
            };
            let mut row = vec![
                sev,
                Cell::new(f.code),
                Cell::new(f.module.as_deref().unwrap_or("")),
                Cell::new(f.location()),
                Cell::new(&f.message),
                Cell::new(&f.hint),
            ];
            if instances {
                row.insert(0, Cell::new(f.instance.as_deref().unwrap_or("")));
            }
            t.add_row(row);
        }
        writeln!(out, "{t}")?;
    }
    if report.audits() {
        writeln!(out, "summary: {}", summary_line(report))?;
    }
    Ok(())
}
