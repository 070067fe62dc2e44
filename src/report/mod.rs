//! The one report layer: every subcommand hands a [`Report`] (tables of rows, findings, a
//! summary) to [`render`], which writes it as a table, JSON, CSV, SARIF, JUnit XML or GitHub
//! Actions annotations. Subcommands never print on their own.

use std::io::{self, Write};

use comfy_table::{presets, Cell, Color, ContentArrangement, Table as ComfyTable};
use serde_json::{json, Map, Value};

use crate::escape;
use crate::finding::{sort_findings, Finding, Severity};

pub mod ci;
#[doc(hidden)]
pub mod render_check;

/// Output format, chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// One JSON document (see the README for its shape).
    Json,
    /// CSV of the main table (or of the findings when the command has no table).
    Csv,
    /// SARIF 2.1.0 of the findings, for code scanning.
    Sarif,
    /// JUnit XML of the findings, one test case per finding.
    Junit,
    /// GitHub Actions workflow commands (`::error file=…,line=…::…`).
    Github,
    /// A Markdown document (tables and findings), for reports kept in a repository or wiki.
    Markdown,
}

/// A named table of rows. Cells are JSON values so that JSON output keeps their types.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub name: String,
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    pub fn new(name: &str, title: &str, columns: &[&str]) -> Table {
        Table {
            name: name.to_string(),
            title: title.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    fn to_json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|row| {
                    let mut obj = Map::new();
                    for (c, v) in self.columns.iter().zip(row) {
                        obj.insert(c.clone(), v.clone());
                    }
                    Value::Object(obj)
                })
                .collect(),
        )
    }
}

/// Everything a subcommand has to say.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub command: String,
    /// Facts about the run (series, addons paths, database, …), shown as a header.
    pub context: Map<String, Value>,
    pub tables: Vec<Table>,
    /// Extra structured data for JSON (for example an install order); also shown in table
    /// format under its key.
    pub data: Map<String, Value>,
    /// Preformatted text shown in table format only (for example a dependency tree).
    pub text: Vec<(String, String)>,
    pub findings: Vec<Finding>,
    /// Extra counts for the summary.
    pub summary: Map<String, Value>,
}

impl Report {
    pub fn new(command: &str) -> Report {
        Report {
            command: command.to_string(),
            ..Report::default()
        }
    }

    pub fn context(&mut self, key: &str, value: impl Into<Value>) {
        self.context.insert(key.to_string(), value.into());
    }
}

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    pub format: Format,
    pub color: bool,
    pub quiet: bool,
}

/// Counts of findings by severity.
pub fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for f in findings {
        match f.severity {
            Severity::Error => c.0 += 1,
            Severity::Warning => c.1 += 1,
            Severity::Info => c.2 += 1,
        }
    }
    c
}

/// Sorts the findings and writes the report. The text formats get a copy of the report whose
/// strings have their control characters escaped ([`escaped`]); JSON and SARIF keep the data
/// and escape them in the encoding ([`escape::write_json`]).
pub fn render(report: &mut Report, opts: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    sort_findings(&mut report.findings);
    match opts.format {
        Format::Json => return render_json(report, out),
        Format::Sarif => return crate::report::ci::render_sarif(report, out),
        _ => {}
    }
    let safe = escaped(report);
    match opts.format {
        Format::Table if opts.quiet => render_lines(&safe, opts.color, out),
        Format::Table => render_table(&safe, opts.color, out),
        Format::Csv => render_csv(&safe, out),
        Format::Junit => crate::report::ci::render_junit(&safe, out),
        Format::Github => crate::report::ci::render_github(&safe, out),
        Format::Markdown => render_markdown(&safe, out),
        Format::Json | Format::Sarif => unreachable!("rendered above"),
    }
}

fn escaped_value(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(escape::control(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(escaped_value).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (escape::control(k).into_owned(), escaped_value(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn escaped_map(m: &Map<String, Value>) -> Map<String, Value> {
    m.iter()
        .map(|(k, v)| (escape::control(k).into_owned(), escaped_value(v)))
        .collect()
}

/// A finding whose text fields have their control characters escaped.
pub fn escaped_finding(f: &Finding) -> Finding {
    let e = |s: &str| escape::control(s).into_owned();
    Finding {
        module: f.module.as_deref().map(e),
        file: f.file.as_deref().map(e),
        message: e(&f.message),
        hint: e(&f.hint),
        ..f.clone()
    }
}

/// A copy of the report for the text formats: every string in it (cells, context, findings,
/// titles) with its control characters escaped ([`escape::control`]), the lines of preformatted
/// text each escaped.
pub fn escaped(report: &Report) -> Report {
    let e = |s: &str| escape::control(s).into_owned();
    Report {
        command: e(&report.command),
        context: escaped_map(&report.context),
        tables: report
            .tables
            .iter()
            .map(|t| Table {
                name: e(&t.name),
                title: e(&t.title),
                columns: t.columns.iter().map(|c| e(c)).collect(),
                rows: t
                    .rows
                    .iter()
                    .map(|r| r.iter().map(escaped_value).collect())
                    .collect(),
            })
            .collect(),
        data: escaped_map(&report.data),
        text: report
            .text
            .iter()
            .map(|(t, b)| (e(t), escape::control_lines(b)))
            .collect(),
        findings: report.findings.iter().map(escaped_finding).collect(),
        summary: escaped_map(&report.summary),
    }
}

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
    let mut line = String::new();
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

fn render_lines(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        writeln!(out, "{}", finding_line(f, color))?;
    }
    Ok(())
}

/// Text of a cell: strings as they are, lists joined with ", ", null empty.
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell_text).collect::<Vec<_>>().join(", "),
        Value::Object(_) => v.to_string(),
        other => other.to_string(),
    }
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

fn render_table(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    for (k, v) in &report.context {
        writeln!(out, "{k}: {}", cell_text(v))?;
    }
    if !report.context.is_empty() {
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
    for (k, v) in &report.data {
        writeln!(out, "{k}: {}", cell_text(v))?;
    }
    if !report.data.is_empty() {
        writeln!(out)?;
    }
    for (title, body) in &report.text {
        writeln!(out, "{title}\n{body}")?;
    }
    if !report.findings.is_empty() {
        writeln!(out, "Findings ({})", report.findings.len())?;
        let mut t = new_table(color);
        t.set_header(vec![
            "Severity", "Code", "Module", "Location", "Message", "Hint",
        ]);
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
            t.add_row(vec![
                sev,
                Cell::new(f.code),
                Cell::new(f.module.as_deref().unwrap_or("")),
                Cell::new(f.location()),
                Cell::new(&f.message),
                Cell::new(&f.hint),
            ]);
        }
        writeln!(out, "{t}")?;
    }
    let (e, w, i) = counts(&report.findings);
    let mut parts = vec![format!("{e} error(s), {w} warning(s), {i} info")];
    for (k, v) in &report.summary {
        parts.push(format!("{k}: {}", cell_text(v)));
    }
    writeln!(out, "summary: {}", parts.join("; "))
}

/// The JSON document. Documented in the README; keys are stable.
pub fn to_json(report: &Report) -> Value {
    let mut doc = Map::new();
    doc.insert("tool".into(), json!("odoo-audit"));
    doc.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    doc.insert("command".into(), json!(report.command));
    doc.insert("context".into(), Value::Object(report.context.clone()));
    for t in &report.tables {
        doc.insert(t.name.clone(), t.to_json());
    }
    for (k, v) in &report.data {
        doc.insert(k.clone(), v.clone());
    }
    doc.insert(
        "findings".into(),
        serde_json::to_value(&report.findings).unwrap_or(Value::Null),
    );
    let (e, w, i) = counts(&report.findings);
    let mut summary = Map::new();
    summary.insert("errors".into(), json!(e));
    summary.insert("warnings".into(), json!(w));
    summary.insert("info".into(), json!(i));
    for (k, v) in &report.summary {
        summary.insert(k.clone(), v.clone());
    }
    doc.insert("summary".into(), Value::Object(summary));
    Value::Object(doc)
}

fn render_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    escape::write_json(out, &to_json(report))?;
    writeln!(out)
}

/// Columns of the findings CSV.
pub const FINDING_COLUMNS: [&str; 9] = [
    "severity", "code", "rule", "module", "file", "line", "column", "message", "hint",
];

/// A CSV error as the I/O error it wraps (a closed pipe stays a closed pipe).
fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

fn render_csv(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    write_csv(report, out).map_err(csv_io)
}

fn write_csv(report: &Report, out: &mut dyn Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
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

/// A Markdown table cell: control characters escaped (a newline would end the row), `|` too.
fn md_cell(v: &str) -> String {
    escape::control(v).replace('|', "\\|")
}

/// Markdown: a title, the context as a list, each table, the findings and the summary.
pub fn render_markdown(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# odoo-audit {}\n", report.command)?;
    for (k, v) in &report.context {
        writeln!(out, "- **{k}**: {}", md_cell(&cell_text(v)))?;
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
    if !report.findings.is_empty() {
        writeln!(out, "## Findings ({})\n", report.findings.len())?;
        writeln!(
            out,
            "| severity | code | module | location | message | hint |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for f in &report.findings {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
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
    let (e, w, i) = counts(&report.findings);
    let mut parts = vec![format!("{e} error(s), {w} warning(s), {i} info")];
    for (k, v) in &report.summary {
        parts.push(format!("{k}: {}", cell_text(v)));
    }
    writeln!(out, "**Summary**: {}", parts.join("; "))
}
