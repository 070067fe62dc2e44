//! Round-trip checks of the CI renderers, shared by the property test below and the fuzz
//! target `fuzz/fuzz_targets/renderers.rs`: what SARIF, JUnit and GitHub output emit parses
//! back to the findings' text, and writes no control character raw.
//!
//! - SARIF reads back with serde-sarif; each result has the finding's code, level, exact text
//!   (JSON escapes the control characters, the data is intact) and hint (`properties.hint`),
//!   and one location with a line, whose URI is percent-encoded and decodes to the finding's
//!   file.
//! - JUnit is well-formed XML (roxmltree); one failing case per error and warning, none for
//!   infos; each failure's message and text are the finding's, control characters escaped
//!   ([`crate::escape::control`]), the message on one line.
//! - GitHub: one workflow command per finding up to the limit of each level, then one plain
//!   line when some were left out; the properties and the message un-escape (GitHub's `%XX`)
//!   to the finding's escaped text.
//! - Prometheus: every line is a HELP, a TYPE or a sample `name{labels} value`; the label values
//!   un-escape to the escaped text of the instance; the counts add up to the findings.
//! - Nagios: one line, with one `|` (the start of the performance data).

use crate::escape;
use crate::finding::{Finding, Severity};
use crate::report::{self, Format, RenderOptions, Report};
use crate::rules;

/// Findings built from arbitrary bytes: each finding takes a rule, a severity, optional
/// module, file, line and column, and texts drawn from an alphabet rich in characters that
/// need escaping (line ends, `%`, `:`, `,`, ESC, XML specials, bidi controls, noncharacters).
pub fn findings_from_bytes(data: &[u8]) -> Vec<Finding> {
    const ALPHABET: &[&str] = &[
        "a",
        "Z",
        "_",
        " ",
        "\n",
        "\r",
        "\t",
        "%",
        ":",
        ",",
        "::",
        "=",
        "\x1b",
        "\x1b[31m",
        "\x07",
        "\0",
        "\x7f",
        "\u{85}",
        "\u{9b}",
        "\u{202e}",
        "\u{2066}",
        "\u{200b}",
        "\u{feff}",
        "\u{2028}",
        "\u{fffe}",
        "\u{ffff}",
        "<",
        ">",
        "&",
        "\"",
        "'",
        "]]>",
        "é",
        "€",
        "𝄞",
        "\\",
        "|",
        "%0A",
        "::error file=x::pwned",
        "/",
        ".py",
        "\u{10ffff}",
    ];
    let all = rules::all();
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next();
    let mut findings = Vec::new();
    while findings.len() < 16 {
        let Some(r) = next() else { break };
        let rule = all[r as usize % all.len()];
        let flags = next().unwrap_or(0);
        let text = |next: &mut dyn FnMut() -> Option<u8>| {
            let len = next().unwrap_or(0) % 12;
            let mut s = String::new();
            for _ in 0..len {
                match next() {
                    Some(b) if b >= 250 => {
                        // Any character, from two bytes.
                        let c = next().unwrap_or(0) as u32 * 256 + next().unwrap_or(0) as u32;
                        s.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                    }
                    Some(b) => s.push_str(ALPHABET[b as usize % ALPHABET.len()]),
                    None => break,
                }
            }
            s
        };
        let mut f = Finding::new(rule, text(&mut next)).hint(text(&mut next));
        f.severity = match flags % 3 {
            0 => Severity::Info,
            1 => Severity::Warning,
            _ => Severity::Error,
        };
        if flags & 4 != 0 {
            f.module = Some(text(&mut next));
        }
        if flags & 8 != 0 {
            f.file = Some(text(&mut next));
            if flags & 16 != 0 {
                f.line = Some(next().unwrap_or(0) as usize + 1);
                if flags & 32 != 0 {
                    f.column = Some(next().unwrap_or(0) as usize + 1);
                }
            }
        }
        findings.push(f);
    }
    findings
}

fn render(report: &mut Report, format: Format) -> Result<String, String> {
    let mut out = Vec::new();
    let opts = RenderOptions {
        format,
        color: false,
        quiet: false,
        width: None,
    };
    report::render(report, opts, &mut out).map_err(|e| format!("{format:?}: {e}"))?;
    let text = String::from_utf8(out).map_err(|e| format!("{format:?}: not UTF-8: {e}"))?;
    if let Some(c) = text.chars().find(|&c| c != '\n' && escape::is_unsafe(c)) {
        return Err(format!("{format:?}: raw {c:?} in {text:?}"));
    }
    Ok(text)
}

/// `module: ` when the finding has a module, else nothing.
fn module_prefix(f: &Finding, text: impl Fn(&str) -> String) -> String {
    f.module
        .as_deref()
        .map(|m| format!("{}: ", text(m)))
        .unwrap_or_default()
}

fn esc(s: &str) -> String {
    escape::control(s).into_owned()
}

/// Renders the findings as SARIF, JUnit and GitHub annotations and checks the round trips.
pub fn check_renderers(findings: Vec<Finding>) -> Result<(), String> {
    let mut report = Report::new("deps");
    report.findings = findings;
    check_sarif(&mut report)?;
    check_junit(&mut report)?;
    check_github(&mut report)?;
    // The instances of a combined report, taken from the findings' modules; the run's from the
    // first message.
    report.run.instance = report.findings.first().map(|f| f.message.clone());
    for f in &mut report.findings {
        f.instance = f.module.clone();
    }
    check_prometheus(&mut report)?;
    check_nagios(&mut report)
}

/// One sample of a Prometheus text exposition: name, labels, value.
type PromSample = (String, Vec<(String, String)>, String);

/// The samples of a Prometheus text exposition, label values un-escaped; an error for any line
/// that is not a HELP, a TYPE or a sample.
fn prometheus_samples(text: &str) -> Result<Vec<PromSample>, String> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("# HELP odoo_audit_") || line.starts_with("# TYPE odoo_audit_") {
            continue;
        }
        let (name, rest) = line
            .split_once('{')
            .ok_or_else(|| format!("Prometheus: not a sample: {line:?}"))?;
        if !name.starts_with("odoo_audit_")
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(format!("Prometheus: bad name in {line:?}"));
        }
        let mut labels = Vec::new();
        let mut chars = rest.chars();
        loop {
            let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return Err(format!("Prometheus: bad label name {key:?} in {line:?}"));
            }
            if chars.next() != Some('"') {
                return Err(format!("Prometheus: unquoted value in {line:?}"));
            }
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some('\\') => match chars.next() {
                        Some('n') => value.push('\n'),
                        Some(c @ ('\\' | '"')) => value.push(c),
                        other => return Err(format!("Prometheus: bad escape {other:?}")),
                    },
                    Some('"') => break,
                    Some(c) => value.push(c),
                    None => return Err(format!("Prometheus: unterminated value in {line:?}")),
                }
            }
            labels.push((key, value));
            match chars.next() {
                Some(',') => {}
                Some('}') => break,
                other => return Err(format!("Prometheus: {other:?} after a label in {line:?}")),
            }
        }
        let value: String = chars.collect();
        let value = value
            .strip_prefix(' ')
            .filter(|v| !v.is_empty() && !v.contains(' '))
            .ok_or_else(|| format!("Prometheus: bad value in {line:?}"))?;
        out.push((name.to_string(), labels, value.to_string()));
    }
    Ok(out)
}

fn check_prometheus(report: &mut Report) -> Result<(), String> {
    let text = render(report, Format::Prometheus)?;
    let samples = prometheus_samples(&text)?;
    let label = |labels: &[(String, String)], k: &str| {
        labels.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    };
    let run_instance = report
        .run
        .instance
        .as_deref()
        .filter(|i| !i.is_empty())
        .map(esc)
        .unwrap_or_else(|| "unknown".into());
    let mut total = 0;
    for (name, labels, value) in &samples {
        let instance = label(labels, "instance");
        if name == "odoo_audit_findings" {
            let n: usize = value
                .parse()
                .map_err(|_| format!("Prometheus: {value:?}"))?;
            let code = label(labels, "code");
            let matching = report
                .findings
                .iter()
                .filter(|f| {
                    Some(f.code) == code.as_deref()
                        && Some(f.severity.as_str()) == label(labels, "severity").as_deref()
                        && f.instance
                            .as_deref()
                            .filter(|i| !i.is_empty())
                            .map(esc)
                            .unwrap_or_else(|| run_instance.clone())
                            == instance.clone().unwrap_or_default()
                })
                .count();
            if n != matching {
                return Err(format!(
                    "Prometheus: {n} for {labels:?}, {matching} findings"
                ));
            }
            total += n;
        } else if name == "odoo_audit_up" && instance.as_deref() != Some(&run_instance) {
            return Err(format!(
                "Prometheus: up of {instance:?}, not {run_instance:?}"
            ));
        }
    }
    if total != report.findings.len() {
        return Err(format!(
            "Prometheus: {total} findings counted of {}",
            report.findings.len()
        ));
    }
    Ok(())
}

fn check_nagios(report: &mut Report) -> Result<(), String> {
    let text = render(report, Format::Nagios)?;
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() != 1 || !lines[0].starts_with("ODOO-AUDIT DEPS ") {
        return Err(format!("Nagios: not one status line: {text:?}"));
    }
    if lines[0].matches('|').count() != 1 {
        return Err(format!("Nagios: a `|` besides the perfdata's: {text:?}"));
    }
    Ok(())
}

fn check_sarif(report: &mut Report) -> Result<(), String> {
    let text = render(report, Format::Sarif)?;
    let doc: serde_sarif::sarif::Sarif =
        serde_json::from_str(&text).map_err(|e| format!("SARIF does not read back: {e}"))?;
    let run = doc.runs.first().ok_or("SARIF: no run")?;
    let results = run.results.as_deref().unwrap_or(&[]);
    if results.len() != report.findings.len() {
        return Err(format!(
            "SARIF: {} results for {} findings",
            results.len(),
            report.findings.len()
        ));
    }
    for (r, f) in results.iter().zip(&report.findings) {
        // `module: message`, the data exact; the hint apart.
        let want = format!("{}{}", module_prefix(f, |m| m.to_string()), f.message);
        if r.message.text.as_deref() != Some(want.as_str()) {
            return Err(format!("SARIF text {:?} != {want:?}", r.message.text));
        }
        let hint = r
            .properties
            .as_ref()
            .and_then(|p| p.additional_properties.get("hint"))
            .and_then(|h| h.as_str())
            .unwrap_or("");
        if hint != f.hint {
            return Err(format!("SARIF hint {hint:?} != {:?}", f.hint));
        }
        if r.rule_id.as_deref() != Some(f.code) {
            return Err(format!("SARIF rule {:?} != {}", r.rule_id, f.code));
        }
        let loc = r
            .locations
            .as_deref()
            .and_then(|l| l.first())
            .and_then(|l| l.physical_location.as_ref());
        let uri = loc
            .and_then(|p| p.artifact_location.as_ref())
            .and_then(|a| a.uri.as_deref());
        let uri = uri.ok_or("SARIF: a result without a URI")?;
        if let Some(bad) = uri
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-._~/%:".contains(*c)))
        {
            return Err(format!("SARIF uri {uri:?} has a raw {bad:?}"));
        }
        // A relative file of plain segments is that path under the root, percent-decoded.
        if let Some(file) = &f.file {
            let path = std::path::Path::new(file);
            let plain: Option<Vec<String>> = path
                .components()
                .map(|c| match c {
                    std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect();
            if let Some(segs) = plain.filter(|s| !s.is_empty() && path.is_relative()) {
                let decoded = percent_decode(uri)?;
                if decoded != segs.join("/") {
                    return Err(format!("SARIF uri {uri:?} is not {file:?}"));
                }
            }
        }
        let region = loc.and_then(|p| p.region.as_ref());
        let line = region.and_then(|r| r.start_line).map(|l| l as usize);
        let want = if f.file.is_some() { f.line } else { None };
        if line != Some(want.unwrap_or(1)) {
            return Err(format!("SARIF line {line:?} != {:?}", f.line));
        }
    }
    Ok(())
}

/// A percent-encoded URI decoded to text.
fn percent_decode(uri: &str) -> Result<String, String> {
    let b = uri.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = uri
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("SARIF uri {uri:?}: a bad escape"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("SARIF uri {uri:?} is not UTF-8"))
}

fn check_junit(report: &mut Report) -> Result<(), String> {
    let text = render(report, Format::Junit)?;
    junit_matches(&text, &report.findings)
}

fn junit_matches(text: &str, findings: &[Finding]) -> Result<(), String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| format!("JUnit: not XML: {e}"))?;
    let cases: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let failing: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .collect();
    if cases.len() != failing.len().max(1) {
        return Err(format!(
            "JUnit: {} test cases for {} errors and warnings",
            cases.len(),
            failing.len()
        ));
    }
    for (case, f) in cases.iter().zip(failing) {
        let child = |name: &str| case.children().find(|n| n.has_tag_name(name));
        let body = format!("{}\nhint: {}", esc(&f.message), esc(&f.hint));
        let failure = child("failure").ok_or("JUnit: no failure element")?;
        let message = failure.attribute("message").unwrap_or("");
        if message != esc(&f.message) {
            return Err(format!("JUnit message {message:?} != {:?}", f.message));
        }
        for a in case.attributes().chain(failure.attributes()) {
            if a.value().contains(['\n', '\r']) {
                return Err(format!("JUnit: a line break in attribute {}", a.name()));
            }
        }
        let got = failure.text().unwrap_or("");
        if got != body {
            return Err(format!("JUnit failure text {got:?} != {body:?}"));
        }
    }
    Ok(())
}

/// GitHub's un-escaping of workflow-command data and properties.
fn gh_unescape(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

fn check_github(report: &mut Report) -> Result<(), String> {
    let text = render(report, Format::Github)?;
    github_matches(&text, &report.findings)
}

fn github_matches(text: &str, findings: &[Finding]) -> Result<(), String> {
    let mut lines: Vec<&str> = text.lines().collect();
    // At most PER_LEVEL of each level, errors first.
    let mut shown: Vec<&Finding> = Vec::new();
    for level in [Severity::Error, Severity::Warning, Severity::Info] {
        shown.extend(
            findings
                .iter()
                .filter(|f| f.severity == level)
                .take(report::github::PER_LEVEL),
        );
    }
    let left = findings.len() - shown.len();
    if left > 0 {
        let last = lines.pop().unwrap_or("");
        let prefix = format!("odoo-audit: {left} more finding(s) not shown");
        if !last.starts_with(&prefix) {
            return Err(format!("GitHub: last line {last:?} is not {prefix:?}…"));
        }
    }
    if lines.len() != shown.len() {
        return Err(format!(
            "GitHub: {} lines for {} findings shown: {text:?}",
            lines.len(),
            shown.len()
        ));
    }
    for (line, f) in lines.iter().zip(shown) {
        let kind = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let rest = line
            .strip_prefix("::")
            .and_then(|l| l.strip_prefix(kind))
            .and_then(|l| l.strip_prefix(' '))
            .ok_or_else(|| format!("GitHub: not a {kind} command: {line:?}"))?;
        // The runner ends the properties at the first `::`.
        let (props, data) = rest
            .split_once("::")
            .ok_or_else(|| format!("GitHub: no message: {line:?}"))?;
        let mut file = None;
        let mut title = None;
        for p in props.split(',') {
            let (k, v) = p
                .split_once('=')
                .ok_or_else(|| format!("GitHub: bad property {p:?} in {line:?}"))?;
            if v.contains(':') {
                return Err(format!("GitHub: raw `:` in property {p:?}"));
            }
            match k {
                "file" => file = Some(gh_unescape(v)),
                "title" => title = Some(gh_unescape(v)),
                "line" | "col" => {}
                _ => return Err(format!("GitHub: unknown property {k:?}")),
            }
        }
        if file != f.file.as_deref().map(esc) {
            return Err(format!("GitHub file {file:?} != {:?}", f.file));
        }
        if title.as_deref() != Some(format!("{} {}", f.code, f.rule).as_str()) {
            return Err(format!("GitHub title {title:?}"));
        }
        let want = format!(
            "{}{} (hint: {})",
            module_prefix(f, esc),
            esc(&f.message),
            esc(&f.hint)
        );
        if gh_unescape(data) != want {
            return Err(format!(
                "GitHub message {:?} != {want:?}",
                gh_unescape(data)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64*: pseudo-random bytes from a fixed seed, the same on every run.
    fn bytes(state: &mut u64, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                *state ^= *state >> 12;
                *state ^= *state << 25;
                *state ^= *state >> 27;
                (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
            })
            .collect()
    }

    #[test]
    fn renderers_round_trip_pseudo_random_findings() {
        let mut state = 0x0dd0_a0d1_7000_0001u64;
        let mut seen = 0;
        for i in 0..400 {
            let data = bytes(&mut state, 40 + (i % 7) * 60);
            let findings = findings_from_bytes(&data);
            seen += findings.len();
            if let Err(e) = check_renderers(findings.clone()) {
                panic!("case {i}: {e}\nfindings: {findings:#?}");
            }
        }
        assert!(seen > 1000, "{seen} findings only");
    }

    #[test]
    fn the_checks_reject_what_an_unescaping_renderer_would_write() {
        let f = Finding::new(
            &crate::rules::addons::MISSING_DEPENDENCY,
            "a\n::error::pwned",
        )
        .module("m")
        .file("x,y");
        let hint = &f.hint;
        // A raw newline in the message forges a second command; a raw `,` splits a property.
        let forged = format!(
            "::error file=x%2Cy,title=D001 missing-dependency::m: a\n::error::pwned (hint: {hint})\n"
        );
        assert!(github_matches(&forged, std::slice::from_ref(&f)).is_err());
        let split = format!(
            "::error file=x,y,title=D001 missing-dependency::m: a\\n::error::pwned (hint: {hint})\n"
        );
        assert!(github_matches(&split, std::slice::from_ref(&f)).is_err());
        let good = split.replace("file=x,y", "file=x%2Cy");
        assert_eq!(github_matches(&good, std::slice::from_ref(&f)), Ok(()));
        // A raw ESC is not XML.
        let xml = "<testsuites><testsuite><testcase name=\"\x1b\"/></testsuite></testsuites>";
        assert!(junit_matches(xml, &[]).is_err());
        assert_eq!(gh_unescape("a%0Ab%3Ac%2Cd%25e"), "a\nb:c,d%e");
        // A value with an escape the format does not have; a timestamp; a forged sample.
        assert!(prometheus_samples("odoo_audit_up{instance=\"a\\x\"} 1").is_err());
        assert!(prometheus_samples("odoo_audit_up{instance=\"a\"} 1 1700000000").is_err());
        assert!(prometheus_samples("odoo_audit_up{instance=\"a\"} 1\n\"} 1").is_err());
        assert_eq!(
            prometheus_samples("odoo_audit_up{instance=\"a\\\\\\\"\\n\"} 1"),
            Ok(vec![(
                "odoo_audit_up".to_string(),
                vec![("instance".to_string(), "a\\\"\n".to_string())],
                "1".to_string()
            )])
        );
    }
}
