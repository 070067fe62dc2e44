//! GitHub Actions workflow commands (inline annotations on a pull request), one per finding,
//! with GitHub's `%XX` escaping of properties and data. It gets an escaped copy of the report
//! from [`super::render`].
//!
//! GitHub keeps at most 10 error, 10 warning and 10 notice annotations per step, and 50 per
//! job; the others are dropped without a word. So at most [`PER_LEVEL`] findings of each level
//! are annotations, the most severe first (errors, then warnings, then notices, each in the
//! report's order), and when some were left out one plain line follows (a log line, not an
//! annotation: it would itself count against the notices' limit) that says how many and how to
//! see them all. The limit of 50 per job is not this step's to know: a job with several steps
//! of odoo-audit may still lose annotations past it (`--min-severity` keeps each step to
//! fewer).

use std::io::{self, Write};

use super::Report;
use crate::finding::Severity;

/// The annotations GitHub keeps of each level (error, warning, notice) in one step.
pub const PER_LEVEL: usize = 10;

/// Escaping of GitHub workflow-command data.
fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of GitHub workflow-command properties.
fn gh_escape_prop(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The workflow command of a level.
fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// GitHub Actions annotations: `::error file=F,line=L,col=C,title=CODE rule::message`, at
/// most [`PER_LEVEL`] of each level, then a line saying how many were not shown.
pub(super) fn render_github(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut shown = [0usize; 3];
    let mut left = [0usize; 3];
    for level in [Severity::Error, Severity::Warning, Severity::Info] {
        for f in report.findings.iter().filter(|f| f.severity == level) {
            let n = level as usize;
            if shown[n] == PER_LEVEL {
                left[n] += 1;
                continue;
            }
            shown[n] += 1;
            let mut props = Vec::new();
            if let Some(file) = &f.file {
                props.push(format!("file={}", gh_escape_prop(file)));
            }
            if let Some(l) = f.line {
                props.push(format!("line={l}"));
            }
            if let Some(c) = f.column {
                props.push(format!("col={c}"));
            }
            props.push(format!(
                "title={}",
                gh_escape_prop(&format!("{} {}", f.code, f.rule))
            ));
            let mut msg = f.instance_prefix();
            if let Some(m) = &f.module {
                msg.push_str(m);
                msg.push_str(": ");
            }
            msg.push_str(&f.message);
            msg.push_str(" (hint: ");
            msg.push_str(&f.hint);
            msg.push(')');
            writeln!(
                out,
                "::{} {}::{}",
                command(level),
                props.join(","),
                gh_escape_data(&msg)
            )?;
        }
    }
    let total: usize = left.iter().sum();
    if total > 0 {
        let parts: Vec<String> = [Severity::Error, Severity::Warning, Severity::Info]
            .iter()
            .filter(|l| left[**l as usize] > 0)
            .map(|l| {
                format!(
                    "{} {}",
                    left[*l as usize],
                    plural(command(*l), left[*l as usize])
                )
            })
            .collect();
        writeln!(out, "{}", not_shown_line(total, &parts.join(", ")))?;
    }
    Ok(())
}

fn plural(word: &str, n: usize) -> String {
    if n == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// The line after the annotations when some findings were not annotated. It never starts with
/// `::`: the runner takes it as a line of the log.
pub(crate) fn not_shown_line(total: usize, detail: &str) -> String {
    format!(
        "odoo-audit: {total} more finding(s) not shown as annotations ({detail}; GitHub keeps at most {PER_LEVEL} of each level per step): run again with --format table (or --format sarif for code scanning) to see them all"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    #[test]
    fn at_most_ten_of_each_level_errors_first_then_one_line() {
        use crate::finding::Finding;
        use crate::rules::addons::MISSING_DEPENDENCY;
        let mut r = Report::new("deps");
        for (severity, n) in [
            (Severity::Info, 3),
            (Severity::Warning, 12),
            (Severity::Error, 25),
        ] {
            for i in 0..n {
                r.findings.push(
                    Finding::new(&MISSING_DEPENDENCY, format!("{severity} {i}")).severity(severity),
                );
            }
        }
        let mut out = Vec::new();
        render_github(&r, &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines.len(), 10 + 10 + 3 + 1, "{s}");
        assert!(lines[..10].iter().all(|l| l.starts_with("::error ")), "{s}");
        assert!(
            lines[10..20].iter().all(|l| l.starts_with("::warning ")),
            "{s}"
        );
        assert!(
            lines[20..23].iter().all(|l| l.starts_with("::notice ")),
            "{s}"
        );
        assert_eq!(
            lines[23],
            not_shown_line(17, "15 errors, 2 warnings"),
            "{s}"
        );
        assert!(!lines[23].starts_with("::"));
        // Nothing left out: no such line.
        r.findings.truncate(10);
        let mut out = Vec::new();
        render_github(&r, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 10);
    }

    #[test]
    fn github_escapes_properties_and_data() {
        let mut out = Vec::new();
        render_github(&sample(), &mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.starts_with(
            "::error file=/p/a/__manifest__.py,line=3,col=5,title=D001 missing-dependency::a: depends on `x, y`: 100%25"
        ), "{s}");
    }
}
