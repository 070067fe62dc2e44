//! CSV: the report's first table, or the findings when the command has no table.

use std::io::{self, Write};

use super::{cell_text, Report};

/// Columns of the findings CSV.
pub const FINDING_COLUMNS: [&str; 9] = [
    "severity", "code", "rule", "module", "file", "line", "column", "message", "hint",
];

/// A CSV error as the I/O error it wraps (a closed pipe stays a closed pipe).
fn csv_io(e: ::csv::Error) -> io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

pub(super) fn render_csv(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    write_csv(report, out).map_err(csv_io)
}

fn write_csv(report: &Report, out: &mut dyn Write) -> ::csv::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    if let Some(table) = report.tables.first() {
        w.write_record(&table.columns)?;
        for row in &table.rows {
            w.write_record(row.iter().map(cell_text))?;
        }
    } else {
        w.write_record(FINDING_COLUMNS)?;
        for f in &report.findings {
            w.write_record([
                f.severity.as_str().to_string(),
                f.code.to_string(),
                f.rule.to_string(),
                f.module.clone().unwrap_or_default(),
                f.file.clone().unwrap_or_default(),
                f.line.map(|l| l.to_string()).unwrap_or_default(),
                f.column.map(|c| c.to_string()).unwrap_or_default(),
                f.message.clone(),
                f.hint.clone(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}
