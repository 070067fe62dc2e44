//! Stable identity of a finding across runs: the same problem next week has the same
//! fingerprint, whatever line it moved to and however its message is worded.
//!
//! The fingerprint is the SHA-256 (first 16 bytes, hex) of the finding's code, its module, its
//! key ([`Finding::key`]) and its file relative to the addons path that holds it, joined with a
//! separator none of them contains. Line, column, message, hint and severity are left out: a
//! severity changed by `--warn`/`--deny` is the same problem.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::Report;
use crate::finding::Finding;

/// The version of the fingerprint recipe, the key of SARIF's `partialFingerprints`.
pub const SARIF_KEY: &str = "odooAudit/v1";

/// The file of `f` as the fingerprint knows it: relative to the addons path (of `roots`) that
/// holds it; else from the last component named after its module (an addon's file seen
/// through another path); else none: a file outside every addons path (the server's
/// configuration, a log this run wrote under a fresh name) is the instance's, and the key says
/// what the finding is about.
pub fn relative_file(file: &str, module: Option<&str>, roots: &[PathBuf]) -> Option<String> {
    let path = Path::new(file);
    let mut best: Option<PathBuf> = None;
    for root in roots {
        if let Ok(rest) = path.strip_prefix(root) {
            if best
                .as_ref()
                .is_none_or(|b| rest.components().count() < b.components().count())
            {
                best = Some(rest.to_path_buf());
            }
        }
    }
    if let Some(rest) = best {
        return Some(slashed(&rest));
    }
    if let Some(m) = module {
        let comps: Vec<Component> = path.components().collect();
        if let Some(i) = comps
            .iter()
            .rposition(|c| matches!(c, Component::Normal(n) if *n == m))
        {
            let rest: PathBuf = comps[i..].iter().collect();
            return Some(slashed(&rest));
        }
    }
    None
}

fn slashed(p: &Path) -> String {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The fingerprint of `f`, its files read relative to `roots`.
pub fn fingerprint(f: &Finding, roots: &[PathBuf]) -> String {
    let file = f
        .file
        .as_deref()
        .and_then(|file| relative_file(file, f.module.as_deref(), roots))
        .unwrap_or_default();
    let text = [
        f.code,
        f.module.as_deref().unwrap_or(""),
        f.key.as_deref().unwrap_or(""),
        &file,
    ]
    .join("\u{1f}");
    let digest = openssl::sha::sha256(text.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The addons paths of a report (its `addons_paths` context), as given and canonical.
pub fn report_roots(report: &Report) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Some(Value::Array(paths)) = report.context.get("addons_paths") {
        for p in paths.iter().filter_map(Value::as_str) {
            let p = PathBuf::from(p);
            if let Ok(c) = std::fs::canonicalize(&p) {
                if c != p {
                    roots.push(c);
                }
            }
            roots.push(p);
        }
    }
    roots
}

/// Gives every finding of the report its fingerprint (those that have one keep it: a fleet's
/// findings were fingerprinted against their own instance's paths). Findings that differ but
/// share a fingerprint (a module that logged two errors: same code, module and key) are told
/// apart by their rank among those of their instance, in the report's order, as
/// `<fingerprint>-2`, `-3`, …
pub fn assign(report: &mut Report) {
    let roots = report_roots(report);
    let mut seen: std::collections::HashMap<(Option<String>, String), usize> = Default::default();
    for f in &mut report.findings {
        let base = f
            .fingerprint
            .take()
            .unwrap_or_else(|| fingerprint(f, &roots));
        let n = seen.entry((f.instance.clone(), base.clone())).or_insert(0);
        *n += 1;
        f.fingerprint = Some(if *n == 1 { base } else { format!("{base}-{n}") });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::addons::MISSING_DEPENDENCY;

    fn f() -> Finding {
        Finding::new(&MISSING_DEPENDENCY, "depends on `x`")
            .module("a")
            .key("x")
            .file("/srv/addons/a/__manifest__.py")
            .at(3, 5)
    }

    #[test]
    fn lines_messages_hints_and_severities_do_not_count() {
        let roots = vec![PathBuf::from("/srv/addons")];
        let base = fingerprint(&f(), &roots);
        assert_eq!(base.len(), 32);
        let moved = f().at(40, 1);
        let reworded = Finding {
            message: "the manifest names `x`, which is missing".into(),
            hint: "other".into(),
            severity: crate::finding::Severity::Warning,
            ..f()
        };
        assert_eq!(fingerprint(&moved, &roots), base);
        assert_eq!(fingerprint(&reworded, &roots), base);
        // Another addons path holding the same addon: the same file.
        let elsewhere = f().file("/home/ci/checkout/a/__manifest__.py");
        assert_eq!(
            fingerprint(&elsewhere, &[PathBuf::from("/home/ci/checkout")]),
            base
        );
        assert_eq!(fingerprint(&elsewhere, &[]), base);
        // What the finding is about does count.
        assert_ne!(fingerprint(&f().key("y"), &roots), base);
        assert_ne!(fingerprint(&f().module("b"), &roots), base);
        assert_ne!(
            fingerprint(&f().file("/srv/addons/a/views/x.xml"), &roots),
            base
        );
    }

    #[test]
    fn findings_that_share_a_fingerprint_are_told_apart_by_rank() {
        let mut r = Report::new("deploy-check");
        let logged = |line: &str| {
            Finding::new(&crate::rules::deploy::LOGGED_ERROR, line.to_string()).module("m")
        };
        r.findings = vec![logged("first error"), logged("second error"), f()];
        assign(&mut r);
        let fps: Vec<&str> = r
            .findings
            .iter()
            .map(|f| f.fingerprint.as_deref().unwrap())
            .collect();
        assert_eq!(fps[1], format!("{}-2", fps[0]));
        assert_eq!(fps[2].len(), 32);
        // Assigning again (a report read back) keeps them.
        let again = r.findings.clone();
        assign(&mut r);
        assert_eq!(r.findings, again);
    }

    #[test]
    fn files_outside_addons_paths_do_not_count() {
        assert_eq!(
            relative_file("/etc/odoo/odoo.conf", None, &[PathBuf::from("/srv")]),
            None
        );
        let log = |name: &str| {
            Finding::new(&crate::rules::deploy::LOGGED_ERROR, "x")
                .key("module update")
                .file(name)
        };
        assert_eq!(
            fingerprint(&log("/tmp/a/check10-update-1.log"), &[]),
            fingerprint(&log("/tmp/b/check10-update-2.log"), &[])
        );
        assert_eq!(
            relative_file(
                "/srv/a/b/c.xml",
                None,
                &[PathBuf::from("/srv"), PathBuf::from("/srv/a")]
            ),
            Some("b/c.xml".to_string())
        );
    }
}
