//! The one report layer: every subcommand hands a [`Report`] (tables of rows, findings, a
//! summary) to [`render`], which writes it as a table, JSON, CSV, Markdown, SARIF, JUnit XML,
//! GitHub Actions annotations, Prometheus metrics or a Nagios status line, one renderer per
//! file. Subcommands never print on their own.

use std::io::{self, Write};

use serde_json::{Map, Value};

use crate::checks::table::Checks;
use crate::escape;
use crate::finding::{sort_findings, Finding, Severity};

mod csv;
pub mod fingerprint;
pub(crate) mod github;
pub mod graph;
mod json;
mod junit;
mod markdown;
mod nagios;
pub mod output;
pub mod prometheus;
mod prose;
#[doc(hidden)]
pub mod render_check;
mod sarif;
mod table;
pub mod wrap;

pub use self::csv::FINDING_COLUMNS;
pub use json::to_json;
pub use markdown::render_markdown;
pub use table::finding_line;

/// Output format, chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable tables.
    Table,
    /// One JSON document (see the README for its shape).
    Json,
    /// CSV of the main table (or of the findings when the command has no table).
    Csv,
    /// SARIF 2.1.0 of the findings, for code scanning (by default those at or above --fail-on).
    Sarif,
    /// JUnit XML of the findings, one failing test case per error or warning (by default those
    /// at or above --fail-on).
    Junit,
    /// GitHub Actions workflow commands (`::error file=…,line=…::…`), at most 10 of each level
    /// (by default those at or above --fail-on).
    Github,
    /// A Markdown document (tables and findings), for reports kept in a repository or wiki.
    Markdown,
    /// Prometheus text exposition of the run's metrics (see also --prometheus-textfile).
    Prometheus,
    /// One Monitoring Plugins (Nagios, Icinga) status line with performance data; the exit
    /// code is the plugin state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    Nagios,
    /// Graphviz DOT of the dependency graph (`deps`).
    Dot,
    /// Mermaid flowchart of the dependency graph (`deps`), as GitHub and GitLab render it.
    Mermaid,
}

impl Format {
    /// The formats a CI system reads (code scanning, test reports, annotations): they show the
    /// findings at or above the failing severity unless `--min-severity` says otherwise
    /// ([`crate::cli::GlobalArgs::shown_severity`]).
    pub fn is_ci(self) -> bool {
        matches!(self, Format::Sarif | Format::Junit | Format::Github)
    }
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

    /// A table of checks or steps ([`crate::checks::table`]) as the report shows it.
    pub fn of_checks(checks: &Checks) -> Table {
        let mut t = Table::new(checks.layout.name, checks.layout.title, &checks.columns());
        t.rows = checks.cells();
        t
    }
}

/// When and where a run happened, set by `main` around the subcommand.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunInfo {
    /// The instance audited: `--instance`, else the database's name, else the host's name.
    pub instance: Option<String>,
    /// Start of the run, UTC, RFC 3339 (`2026-12-01T08:00:00Z`).
    pub started_at: Option<String>,
    pub duration_ms: Option<u64>,
}

/// One module as the run saw it: its state and installed version in the database (database
/// commands), its version on the addons path (when the addons were read).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ModuleRecord {
    pub name: String,
    pub state: Option<String>,
    pub installed_version: Option<String>,
    pub code_version: Option<String>,
}

/// How the run ended, for the monitoring formats (Prometheus, Nagios); set by `main` from the
/// codes [`crate::exit`] decided. Never part of the other formats.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The exit code of the run in the usual scheme ([`crate::exit::code_for`]; a [`Fatal`]'s
    /// code): 0 is a successful run.
    ///
    /// [`Fatal`]: crate::exit::Fatal
    pub exit_code: Option<i32>,
    /// The Monitoring Plugins state ([`crate::exit::nagios_state`]).
    pub nagios: Option<crate::exit::Nagios>,
    /// The run's `--fail-on` threshold ([`crate::exit::fail_on`]): the thresholds of the
    /// Nagios performance data.
    pub fail_on: Option<crate::exit::FailOn>,
    /// Why the run could not run (a [`crate::exit::Fatal`]): the report is then empty.
    pub fatal: Option<String>,
    /// The last successful run (Unix seconds) of an earlier textfile, kept by a run that fails
    /// ([`prometheus::last_success_in`]).
    pub last_success: Option<f64>,
}

/// Everything a subcommand has to say.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub command: String,
    /// When and where (filled by `main`).
    pub run: RunInfo,
    /// The modules the run saw, by name (for the history and `diff`).
    pub inventory: Vec<ModuleRecord>,
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
    /// A dependency graph (`deps`), for `--format dot`, `--format mermaid` and Markdown.
    pub graph: Option<graph::DepGraph>,
    /// How the run ended (filled by `main`, for the monitoring formats).
    pub outcome: Outcome,
    /// The files the run read, for the formats that locate every finding (SARIF).
    pub sources: Sources,
}

/// The files a run read that its findings can point at: the manifest of each addon on the
/// addons path and the Odoo configuration file. Never part of JSON or the history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// The manifest file of each addon of the addons path, by technical name.
    pub manifests: std::collections::BTreeMap<String, String>,
    /// The Odoo configuration file the run used (`-c`, `ODOO_RC`, Odoo's default one).
    pub config: Option<String>,
}

impl Report {
    pub fn new(command: &str) -> Report {
        Report {
            command: command.to_string(),
            ..Report::default()
        }
    }

    /// Whether the report is an audit, with findings to sum up; `rules` and `explain` list the
    /// registry and have none.
    pub fn audits(&self) -> bool {
        !matches!(self.command.as_str(), "rules" | "explain" | "history")
    }

    /// Context whose text is empty (a null, an empty string or list) is shown in no header.
    pub fn shown_context(&self) -> impl Iterator<Item = (&String, String)> {
        self.context
            .iter()
            .map(|(k, v)| (k, cell_text(v)))
            .filter(|(_, v)| !v.is_empty())
    }

    pub fn context(&mut self, key: &str, value: impl Into<Value>) {
        self.context.insert(key.to_string(), value.into());
    }

    /// The context line `shown` of a table that lists by default only the rows that need
    /// attention: `shown` of `total` `rows` (a plural noun), and how to see them all unless
    /// `filtered` (the user chose the rows: `--all` or a filter).
    pub fn shown_rows(&mut self, shown: usize, total: usize, rows: &str, filtered: bool) {
        let line = if filtered {
            format!("{shown} of {total} {rows}")
        } else {
            format!("{shown} of {total} {rows}, those that need attention (--all: every one)")
        };
        self.context("shown", line);
    }

    /// The module of the inventory named `name`, added when missing.
    pub fn module_record(&mut self, name: &str) -> &mut ModuleRecord {
        let i = match self
            .inventory
            .binary_search_by(|m| m.name.as_str().cmp(name))
        {
            Ok(i) => i,
            Err(i) => {
                self.inventory.insert(
                    i,
                    ModuleRecord {
                        name: name.to_string(),
                        state: None,
                        installed_version: None,
                        code_version: None,
                    },
                );
                i
            }
        };
        &mut self.inventory[i]
    }

    /// The series of the run (its `series` context).
    pub fn series(&self) -> Option<&str> {
        self.context.get("series").and_then(Value::as_str)
    }

    /// Adds a table of checks or steps and the findings of its rows.
    pub fn add_checks(&mut self, checks: &Checks) {
        self.tables.push(Table::of_checks(checks));
        self.findings.extend(checks.findings().cloned());
    }
}

/// How to render.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    pub format: Format,
    pub color: bool,
    pub quiet: bool,
    /// The width to lay the table format out in ([`wrap::stdout_width`]); `None`: no limit.
    pub width: Option<usize>,
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

/// The summary line of the text formats: the counts by severity, then the command's own
/// figures.
fn summary_line(report: &Report) -> String {
    let (e, w, i) = counts(&report.findings);
    let mut parts = vec![format!("{e} error(s), {w} warning(s), {i} info")];
    for (k, v) in &report.summary {
        parts.push(format!("{k}: {}", cell_text(v)));
    }
    parts.join("; ")
}

/// Sorts the findings and writes the report. The text formats get a copy of the report whose
/// strings have their control characters escaped ([`escaped`]); JSON and SARIF keep the data
/// and escape them in the encoding ([`escape::write_json`]).
pub fn render(report: &mut Report, opts: RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    sort_findings(&mut report.findings);
    fingerprint::assign(report);
    match opts.format {
        Format::Json => return json::render_json(report, out),
        Format::Sarif => return sarif::render_sarif(report, out),
        _ => {}
    }
    if opts.format == Format::Table && !opts.quiet && prose::is_rule(report) {
        // (It escapes the text itself, keeping the example's lines.)
        return prose::render_rule(report, opts.width, out);
    }
    let safe = escaped(report);
    match opts.format {
        Format::Table if opts.quiet => table::render_lines(&safe, opts.color, out),
        Format::Table => table::render_table(&safe, opts.color, opts.width, out),
        Format::Csv => self::csv::render_csv(&safe, out),
        Format::Junit => junit::render_junit(&safe, out),
        Format::Github => github::render_github(&safe, out),
        Format::Markdown => markdown::render_markdown(&safe, out),
        Format::Prometheus => prometheus::render_prometheus(&safe, out),
        Format::Dot | Format::Mermaid => match &report.graph {
            Some(g) if opts.format == Format::Dot => graph::render_dot(g, out),
            Some(g) => graph::render_mermaid(g, out),
            None => Err(io::Error::other(
                "this command has no dependency graph (--format dot and mermaid are for deps)",
            )),
        },
        Format::Nagios => nagios::render_nagios(&safe, out),
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
        key: f.key.as_deref().map(e),
        instance: f.instance.as_deref().map(e),
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
        run: RunInfo {
            instance: report.run.instance.as_deref().map(e),
            ..report.run.clone()
        },
        inventory: report
            .inventory
            .iter()
            .map(|m| ModuleRecord {
                name: e(&m.name),
                state: m.state.as_deref().map(e),
                installed_version: m.installed_version.as_deref().map(e),
                code_version: m.code_version.as_deref().map(e),
            })
            .collect(),
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
        outcome: Outcome {
            fatal: report.outcome.fatal.as_deref().map(e),
            ..report.outcome.clone()
        },
        // Its renderers escape the names themselves.
        graph: report.graph.clone(),
        sources: Sources {
            manifests: report
                .sources
                .manifests
                .iter()
                .map(|(k, v)| (e(k), e(v)))
                .collect(),
            config: report.sources.config.as_deref().map(e),
        },
    }
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rules::addons::MISSING_DEPENDENCY;

    /// A report with one located finding, for the renderers' tests.
    pub(crate) fn sample() -> Report {
        let mut r = Report::new("deps");
        r.findings.push(
            Finding::new(&MISSING_DEPENDENCY, "depends on `x, y`: 100%")
                .module("a")
                .file("/p/a/__manifest__.py")
                .at(3, 5),
        );
        r
    }

    #[test]
    fn empty_context_is_not_shown_and_listings_have_no_summary() {
        let mut r = sample();
        r.context("series", "18.0");
        r.context("expected_series", Value::Null);
        r.context("pending", "");
        let shown: Vec<(&String, String)> = r.shown_context().collect();
        assert_eq!(shown, [(&"series".to_string(), "18.0".to_string())]);
        let mut out = Vec::new();
        table::render_table(&r, false, None, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("series: 18.0\n\n"), "{text}");
        assert!(!text.contains("expected_series") && !text.contains("pending"));
        assert!(text.contains("summary: 1 error(s)"), "{text}");
        for listing in ["rules", "explain"] {
            let mut out = Vec::new();
            let r = Report::new(listing);
            assert!(!r.audits());
            table::render_table(&r, false, None, &mut out).unwrap();
            markdown::render_markdown(&r, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(!text.to_lowercase().contains("summary"), "{text}");
        }
    }
}
