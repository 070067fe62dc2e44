//! GitHub Actions workflow commands (inline annotations on a pull request), one per finding,
//! with GitHub's `%XX` escaping of properties and data. It gets an escaped copy of the report
//! from [`super::render`].

use std::io::{self, Write};

use super::Report;
use crate::finding::Severity;

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

/// GitHub Actions annotations: `::error file=F,line=L,col=C,title=CODE rule::message`.
pub(super) fn render_github(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        let kind = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
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
            "::{kind} {}::{}",
            props.join(","),
            gh_escape_data(&msg)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

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
