//! `explain CODE` in the table format: the rule as prose (what it is, why it matters, how to
//! fix it, an example), wrapped to the terminal's width, not as a table.

use std::io::{self, Write};

use super::{cell_text, wrap, Report};
use crate::escape;

/// The widest a paragraph of prose is wrapped to, however wide the terminal: longer lines are
/// hard to read.
pub const PROSE_WIDTH: usize = 100;

/// The sections of an explanation: the heading and the column of the `rule` table it shows.
/// The example is shown as it is (its lines are an input or a command), the rest wrapped.
const SECTIONS: &[(&str, &str)] = &[
    ("What it is", "summary"),
    ("Why it matters", "explanation"),
    ("How to fix it", "fix"),
    ("Example", "example"),
];

/// Whether the report is an explanation, shown by [`render_rule`].
pub fn is_rule(report: &Report) -> bool {
    report.command == "explain"
        && report.tables.len() == 1
        && report.tables[0].name == "rule"
        && report.tables[0].rows.len() == 1
}

/// Writes the rule of an `explain` report: a `CODE name (severity)` line, then each section
/// under its heading, indented, wrapped to `width` (at most [`PROSE_WIDTH`]); with no width
/// (a pipe) the paragraphs are not wrapped. Control characters are escaped here
/// ([`escape::control`]; the example line by line).
pub fn render_rule(report: &Report, width: Option<usize>, out: &mut dyn Write) -> io::Result<()> {
    let table = &report.tables[0];
    let row = &table.rows[0];
    let field = |name: &str| {
        table
            .columns
            .iter()
            .position(|c| c == name)
            .map(|i| cell_text(&row[i]))
            .unwrap_or_default()
    };
    let field = |name: &str| {
        let text = field(name);
        if name == "example" {
            escape::control_lines(&text)
        } else {
            escape::control(&text).into_owned()
        }
    };
    writeln!(
        out,
        "{} {} ({})",
        field("code"),
        field("name"),
        field("severity")
    )?;
    let indent = "  ";
    for (heading, column) in SECTIONS {
        let text = field(column);
        if text.is_empty() {
            continue;
        }
        writeln!(out, "\n{heading}")?;
        if *column == "example" {
            for line in text.lines() {
                writeln!(out, "{}", format!("{indent}{line}").trim_end())?;
            }
            continue;
        }
        match width {
            Some(w) => {
                for line in wrap::wrap(&text, w.min(PROSE_WIDTH) - indent.len()) {
                    writeln!(out, "{indent}{line}")?;
                }
            }
            None => writeln!(out, "{indent}{text}")?,
        }
    }
    Ok(())
}
