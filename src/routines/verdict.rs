//! Judging one Odoo run (`--stop-after-init`) the way Odoo itself decides: by its exit status
//! and by the module states in the database before and after, not by "any ERROR line".
//!
//! - [`root_cause`] reads Odoo's output for the cause of a failure: the exception that ends
//!   the first traceback (with the continuation lines of its message), the file and line Odoo
//!   names (`while parsing FILE:LINE`, else the last `File "…", line N` frame), and the first
//!   ERROR/CRITICAL log line.
//! - [`pending`] lists the module operations Odoo applies as soon as it starts on a database
//!   (`to install`, `to upgrade`, `to remove`): a run must not apply them unasked.
//! - [`changes`] compares the module states before and after a run; [`judge`] turns the run,
//!   the states and what the run was asked to do into a [`Verdict`].
//! - [`logged_module_errors`] attributes the ERROR lines that name modules (`Some modules are
//!   not loaded…: ['x']`) to those modules, and says which were already inconsistent before.

use std::collections::{BTreeMap, BTreeSet};

use crate::load::db::DbModule;
use crate::load::exec::{shorten, Ran};

/// The states Odoo acts on when it starts on a database.
pub const PENDING_STATES: [&str; 3] = ["to install", "to upgrade", "to remove"];

fn log_line_re() -> regex::Regex {
    regex::Regex::new(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ",
    )
    .expect("regex")
}

fn error_line_re() -> regex::Regex {
    regex::Regex::new(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ").expect("regex")
}

/// Odoo log lines at ERROR or CRITICAL level (`2024-05-01 10:00:00,123 42 ERROR db logger: …`).
pub fn error_lines(output: &str) -> Vec<String> {
    let re = error_line_re();
    output
        .lines()
        .filter(|l| re.is_match(l))
        .map(|l| shorten(l.trim(), 300))
        .collect()
}

/// The cause of a failed run, as Odoo printed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RootCause {
    /// The exception that ends the first traceback, with its message's key lines.
    pub exception: Option<String>,
    /// `FILE:LINE` named by Odoo (`while parsing FILE:LINE`), else the innermost frame.
    pub location: Option<String>,
    /// The first ERROR/CRITICAL log line.
    pub first_error: Option<String>,
}

impl RootCause {
    pub fn is_empty(&self) -> bool {
        self.exception.is_none() && self.location.is_none() && self.first_error.is_none()
    }

    /// One sentence for a finding: the exception (at the location), then the first error line.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(e) = &self.exception {
            match &self.location {
                Some(l) if !e.contains(l.as_str()) => parts.push(format!("{e} (at {l})")),
                _ => parts.push(e.clone()),
            }
        } else if let Some(l) = &self.location {
            parts.push(format!("at {l}"));
        }
        if let Some(f) = &self.first_error {
            parts.push(format!("first error logged: {f}"));
        }
        parts.join("; ")
    }

    /// The file named by the location, without its line.
    pub fn file(&self) -> Option<(String, Option<usize>)> {
        let l = self.location.as_ref()?;
        match l.rsplit_once(':') {
            Some((f, n)) if n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty() => {
                Some((f.to_string(), n.parse().ok()))
            }
            _ => Some((l.clone(), None)),
        }
    }
}

/// Lines of an exception message worth quoting: not markup, not context dumps, not blank.
fn quotable(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && !t.starts_with('<')
        && !t.starts_with('{')
        && !t.starts_with('[')
        && !t.starts_with("View error context")
        && !t.starts_with("The above exception")
        && !t.starts_with("During handling")
}

/// Reads Odoo's output for the cause of a failure.
pub fn root_cause(output: &str) -> RootCause {
    let log = log_line_re();
    let mut cause = RootCause {
        first_error: error_lines(output).into_iter().next(),
        ..RootCause::default()
    };
    let lines: Vec<&str> = output.lines().collect();
    let frame = regex::Regex::new(r#"^\s+File "([^"]+)", line (\d+)"#).expect("regex");
    let parsing = regex::Regex::new(r"while parsing (\S+?:\d+)").expect("regex");
    if let Some(start) = lines.iter().position(|l| {
        l.trim_start()
            .starts_with("Traceback (most recent call last)")
    }) {
        let mut last_frame = None;
        let mut i = start + 1;
        // frames are indented; the exception is the first line that is not
        while i < lines.len() && (lines[i].starts_with(' ') || lines[i].trim().is_empty()) {
            if let Some(c) = frame.captures(lines[i]) {
                last_frame = Some(format!("{}:{}", &c[1], &c[2]));
            }
            i += 1;
        }
        if i < lines.len() && !log.is_match(lines[i]) {
            let mut text = vec![lines[i].trim().to_string()];
            let mut j = i + 1;
            while j < lines.len()
                && j < i + 40
                && !log.is_match(lines[j])
                && !lines[j].starts_with("Traceback (most recent call last)")
                && !lines[j].starts_with("The above exception")
                && !lines[j].starts_with("During handling")
            {
                if quotable(lines[j]) && text.len() < 4 {
                    text.push(lines[j].trim().to_string());
                }
                j += 1;
            }
            cause.exception = Some(shorten(&text.join(" "), 500));
        }
        cause.location = last_frame;
    }
    // The file Odoo names for a data file error wins over the innermost Python frame.
    if let Some(c) = parsing.captures(output) {
        cause.location = Some(c[1].trim_end_matches(',').to_string());
    }
    cause
}

/// Module names listed in a log line (`…: ['a', 'b']`).
pub fn modules_in_line(line: &str) -> Vec<String> {
    let Some(open) = line.rfind('[') else {
        return Vec::new();
    };
    let Some(close) = line[open..].find(']') else {
        return Vec::new();
    };
    line[open + 1..open + close]
        .split(',')
        .map(|s| s.trim().trim_matches('\'').trim_matches('"').to_string())
        .filter(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        })
        .collect()
}

/// An ERROR line of Odoo about modules, attributed to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleError {
    pub line: String,
    pub modules: Vec<String>,
    /// Every module it names was already in a pending or broken state before the run.
    pub preexisting: bool,
}

/// The ERROR lines that name modules (`Some modules are not loaded…`, `Some modules have
/// inconsistent states…`), attributed to them. `before` says which were already pending.
pub fn logged_module_errors(output: &str, before: Option<&[DbModule]>) -> Vec<ModuleError> {
    let pending_before: BTreeSet<&str> = before
        .unwrap_or_default()
        .iter()
        .filter(|m| PENDING_STATES.contains(&m.state.as_str()))
        .map(|m| m.name.as_str())
        .collect();
    error_lines(output)
        .into_iter()
        .filter(|l| l.contains("Some modules"))
        .filter_map(|line| {
            let modules = modules_in_line(&line);
            if modules.is_empty() {
                return None;
            }
            let preexisting =
                before.is_some() && modules.iter().all(|m| pending_before.contains(m.as_str()));
            Some(ModuleError {
                line,
                modules,
                preexisting,
            })
        })
        .collect()
}

/// The modules waiting for an operation that Odoo applies when it starts: (name, state).
pub fn pending(modules: &[DbModule]) -> Vec<(String, String)> {
    modules
        .iter()
        .filter(|m| PENDING_STATES.contains(&m.state.as_str()))
        .map(|m| (m.name.clone(), m.state.clone()))
        .collect()
}

/// A one-line summary of pending operations (`2 to upgrade (a, b); 1 to install (c)`).
pub fn describe_pending(p: &[(String, String)]) -> String {
    let mut parts = Vec::new();
    for st in PENDING_STATES {
        let names: Vec<&str> = p
            .iter()
            .filter(|(_, s)| s == st)
            .map(|(n, _)| n.as_str())
            .collect();
        if !names.is_empty() {
            let shown: Vec<&str> = names.iter().take(10).copied().collect();
            let more = if names.len() > 10 {
                format!(", +{} more", names.len() - 10)
            } else {
                String::new()
            };
            parts.push(format!("{} {st} ({}{more})", names.len(), shown.join(", ")));
        }
    }
    parts.join("; ")
}

/// How one module changed during a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub module: String,
    /// `None` when the module row did not exist before.
    pub state_before: Option<String>,
    pub state_after: Option<String>,
    pub version_before: Option<String>,
    pub version_after: Option<String>,
}

impl Change {
    pub fn describe(&self) -> String {
        let st = |s: &Option<String>| s.clone().unwrap_or_else(|| "absent".into());
        let mut s = format!("{}: {}", self.module, st(&self.state_before));
        if self.state_before != self.state_after {
            s.push_str(&format!(" → {}", st(&self.state_after)));
        }
        if self.version_before != self.version_after {
            s.push_str(&format!(
                " ({} → {})",
                self.version_before.as_deref().unwrap_or("-"),
                self.version_after.as_deref().unwrap_or("-")
            ));
        }
        s
    }
}

/// The modules whose state or installed version differ between two listings.
pub fn changes(before: &[DbModule], after: &[DbModule]) -> Vec<Change> {
    let b: BTreeMap<&str, &DbModule> = before.iter().map(|m| (m.name.as_str(), m)).collect();
    let a: BTreeMap<&str, &DbModule> = after.iter().map(|m| (m.name.as_str(), m)).collect();
    let names: BTreeSet<&str> = b.keys().chain(a.keys()).copied().collect();
    names
        .into_iter()
        .filter_map(|n| {
            let (x, y) = (b.get(n), a.get(n));
            let c = Change {
                module: n.to_string(),
                state_before: x.map(|m| m.state.clone()),
                state_after: y.map(|m| m.state.clone()),
                version_before: x.and_then(|m| m.latest_version.clone()),
                version_after: y.and_then(|m| m.latest_version.clone()),
            };
            (c.state_before != c.state_after || c.version_before != c.version_after).then_some(c)
        })
        .collect()
}

/// What a run was asked to do, to judge it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// Start and stop; change nothing.
    Nothing,
    /// `-i MODULES`: each must be `installed` afterwards.
    Install(Vec<String>),
    /// `-u MODULES` (or `all`): nothing may be left pending afterwards.
    Update(Vec<String>),
}

/// The judgement of one run.
#[derive(Debug, Clone, Default)]
pub struct Verdict {
    /// The run failed: why (exit status or timeout, then the root cause), else `None`.
    pub failure: Option<String>,
    pub cause: RootCause,
    /// What changed in the module states (empty without both listings).
    pub changes: Vec<Change>,
    /// Modules pending after the run.
    pub pending_after: Vec<(String, String)>,
    /// The run failed or was interrupted and left modules pending that were not before:
    /// (modules installed before and after, modules it left pending).
    pub half_done: Option<(usize, usize)>,
    /// ERROR lines about modules, attributed.
    pub module_errors: Vec<ModuleError>,
    /// The other ERROR/CRITICAL lines of a successful run.
    pub other_errors: Vec<String>,
    /// Whether module states were compared at all.
    pub compared: bool,
}

/// Judges a run by its exit status and the module states before and after.
pub fn judge(
    ran: &Ran,
    expect: &Expect,
    before: Option<&[DbModule]>,
    after: Option<&[DbModule]>,
) -> Verdict {
    let output = format!("{}\n{}", ran.stdout, ran.stderr);
    let cause = root_cause(&output);
    let mut v = Verdict {
        cause: cause.clone(),
        module_errors: logged_module_errors(&output, before),
        ..Verdict::default()
    };
    if let (Some(b), Some(a)) = (before, after) {
        v.compared = true;
        v.changes = changes(b, a);
        v.pending_after = pending(a);
        // Left pending by this run (pending before is a pre-existing state): with the run
        // interrupted or failed, some modules done and others not is a half-done update.
        let pending_before: BTreeSet<&str> = b
            .iter()
            .filter(|m| PENDING_STATES.contains(&m.state.as_str()))
            .map(|m| m.name.as_str())
            .collect();
        let new_pending = v
            .pending_after
            .iter()
            .filter(|(n, _)| !pending_before.contains(n.as_str()))
            .count();
        if new_pending > 0 && !ran.success() {
            let done = a
                .iter()
                .filter(|m| m.state == "installed")
                .filter(|m| {
                    b.iter()
                        .find(|x| x.name == m.name)
                        .is_some_and(|x| x.state == "installed")
                })
                .count();
            v.half_done = Some((done, new_pending));
        }
    }
    let with_cause = |head: String| {
        if cause.is_empty() {
            head
        } else {
            format!("{head}; cause: {}", cause.describe())
        }
    };
    if !ran.success() {
        let head = ran.ending();
        // without a traceback or an error line, the last line is all there is
        let head = if cause.is_empty() {
            match crate::load::exec::last_line(&ran.stderr)
                .or_else(|| crate::load::exec::last_line(&ran.stdout))
            {
                Some(l) => format!("{head}: {l}"),
                None => head,
            }
        } else {
            head
        };
        v.failure = Some(with_cause(head));
    } else if let (Some(a), Expect::Install(mods)) = (after, expect) {
        let state: BTreeMap<&str, &str> = a
            .iter()
            .map(|m| (m.name.as_str(), m.state.as_str()))
            .collect();
        let not: Vec<String> = mods
            .iter()
            .filter(|m| state.get(m.as_str()) != Some(&"installed"))
            .map(|m| {
                format!(
                    "{m} is {}",
                    state.get(m.as_str()).unwrap_or(&"unknown to the database")
                )
            })
            .collect();
        if !not.is_empty() {
            v.failure = Some(with_cause(format!(
                "Odoo exited with 0 but {}",
                not.join(", ")
            )));
        }
    } else if let (Some(_), Expect::Update(_)) = (after, expect) {
        let before_pending: BTreeSet<String> = before
            .map(pending)
            .unwrap_or_default()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        // still pending from before (and named by Odoo's "inconsistent states" line) is a
        // pre-existing problem, reported on its own; newly pending is this run's doing
        let left: Vec<&(String, String)> = v
            .pending_after
            .iter()
            .filter(|(n, _)| !before_pending.contains(n))
            .collect();
        if !left.is_empty() {
            let owned: Vec<(String, String)> = left.into_iter().cloned().collect();
            v.failure = Some(with_cause(format!(
                "Odoo exited with 0 but left modules pending: {}",
                describe_pending(&owned)
            )));
        }
    }
    if v.failure.is_none() {
        let attributed: BTreeSet<&str> = v.module_errors.iter().map(|e| e.line.as_str()).collect();
        v.other_errors = error_lines(&output)
            .into_iter()
            .filter(|l| !attributed.contains(l.as_str()))
            .collect();
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, state: &str, v: &str) -> DbModule {
        crate::testdata::db_module(name, state, Some(v))
    }

    #[test]
    fn the_cause_is_the_exception_of_the_first_traceback_and_the_file_odoo_names() {
        let out = "2025-01-02 10:00:00,000 7 INFO prod odoo.modules.loading: loading 120 modules...\n\
2025-01-02 10:00:05,000 7 WARNING prod odoo.addons.x: harmless\n\
2025-01-02 10:00:09,000 7 ERROR prod odoo.modules.registry: Failed to load registry\n\
Traceback (most recent call last):\n  File \"/opt/odoo/odoo/modules/registry.py\", line 112, in new\n    odoo.modules.load_modules(registry, force_demo, status, update_module)\n  File \"/opt/odoo/odoo/tools/convert.py\", line 698, in _tag_root\n    raise ParseError(msg) from None\n\
odoo.tools.convert.ParseError: while parsing /mnt/oca/helpdesk_mgmt_project/views/helpdesk_ticket_team_view.xml:3\n\
Error while validating view near:\n\n<form string=\"Team\"/>\n\n\
Element '<xpath expr=\"//field[@name='company_id']\">' cannot be located in parent view\n\nView error context:\n{'file': '/mnt/oca/x.xml'}\n\
2025-01-02 10:00:09,100 7 CRITICAL prod odoo.service.server: Failed to initialize database `prod`.\n\
2025-01-02 10:00:09,200 7 INFO prod odoo.sql_db: ConnectionPool(read/write;used=0/count=0/max=64): Closed 1 connections\n";
        let c = root_cause(out);
        let e = c.exception.as_deref().unwrap();
        assert!(
            e.starts_with("odoo.tools.convert.ParseError: while parsing"),
            "{e}"
        );
        assert!(e.contains("cannot be located in parent view"), "{e}");
        assert!(!e.contains("<form"), "{e}");
        assert_eq!(
            c.location.as_deref(),
            Some("/mnt/oca/helpdesk_mgmt_project/views/helpdesk_ticket_team_view.xml:3")
        );
        assert_eq!(
            c.file(),
            Some((
                "/mnt/oca/helpdesk_mgmt_project/views/helpdesk_ticket_team_view.xml".to_string(),
                Some(3)
            ))
        );
        assert!(c
            .first_error
            .as_deref()
            .unwrap()
            .contains("Failed to load registry"));
        assert!(!c.describe().contains("Closed 1 connections"));
    }

    #[test]
    fn a_python_error_is_located_at_its_innermost_frame() {
        let out = "Traceback (most recent call last):\n  File \"/opt/odoo/odoo-bin\", line 8, in <module>\n  File \"/mnt/extra/x/models/a.py\", line 4, in <module>\n    import nope\nModuleNotFoundError: No module named 'nope'\n";
        let c = root_cause(out);
        assert_eq!(
            c.exception.as_deref(),
            Some("ModuleNotFoundError: No module named 'nope'")
        );
        assert_eq!(c.location.as_deref(), Some("/mnt/extra/x/models/a.py:4"));
        assert!(c.first_error.is_none());
    }

    #[test]
    fn module_errors_are_attributed_and_preexisting_ones_recognised() {
        let out = "2025-01-02 10:00:09,000 7 ERROR prod odoo.modules.loading: Some modules have inconsistent states, some dependencies may be missing: ['agreement_legal']\n\
2025-01-02 10:00:09,000 7 ERROR prod odoo.modules.loading: Some modules are not loaded, some dependencies or manifest may be missing: ['gone_module']\n";
        let before = [
            m("agreement_legal", "to install", "18.0.1.0.0"),
            m("gone_module", "installed", "18.0.1.0.0"),
        ];
        let e = logged_module_errors(out, Some(&before));
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].modules, vec!["agreement_legal"]);
        assert!(e[0].preexisting);
        assert_eq!(e[1].modules, vec!["gone_module"]);
        assert!(!e[1].preexisting);
        assert!(logged_module_errors(out, None)
            .iter()
            .all(|e| !e.preexisting));
    }

    fn ran(code: Option<i32>, stdout: &str) -> Ran {
        crate::testdata::ran("odoo-bin -i account_payment_mode", code, stdout)
    }

    #[test]
    fn a_successful_install_with_a_preexisting_error_is_a_success() {
        let out = "2025-01-02 10:00:09,000 7 ERROR prod odoo.modules.loading: Some modules have inconsistent states, some dependencies may be missing: ['agreement_legal']\n";
        let before = [
            m("agreement_legal", "to install", "1"),
            m("account_payment_mode", "uninstalled", "1"),
        ];
        let after = [
            m("agreement_legal", "to install", "1"),
            m("account_payment_mode", "installed", "18.0.1.0.0"),
        ];
        let v = judge(
            &ran(Some(0), out),
            &Expect::Install(vec!["account_payment_mode".into()]),
            Some(&before),
            Some(&after),
        );
        assert!(v.failure.is_none(), "{:?}", v.failure);
        assert_eq!(v.module_errors.len(), 1);
        assert!(v.module_errors[0].preexisting);
        assert!(v.other_errors.is_empty());
        assert_eq!(v.changes.len(), 1);
        assert_eq!(
            v.changes[0].describe(),
            "account_payment_mode: uninstalled → installed (1 → 18.0.1.0.0)"
        );
        // exit 0 but the module is not installed: a failure
        let v = judge(
            &ran(Some(0), out),
            &Expect::Install(vec!["account_payment_mode".into()]),
            Some(&before),
            Some(&before),
        );
        assert!(v
            .failure
            .unwrap()
            .contains("account_payment_mode is uninstalled"));
    }

    #[test]
    fn a_killed_update_is_half_done() {
        // -u all marks every installed module `to upgrade` and upgrades them one by one
        let before = [
            m("a", "installed", "1"),
            m("b", "installed", "1"),
            m("c", "installed", "1"),
        ];
        let after = [
            m("a", "installed", "2"),
            m("b", "to upgrade", "1"),
            m("c", "to upgrade", "1"),
        ];
        let all = Expect::Update(vec!["all".into()]);
        let mut r = ran(None, "");
        r.timed_out = true;
        let v = judge(&r, &all, Some(&before), Some(&after));
        assert!(v.failure.unwrap().contains("timed out"));
        assert_eq!(v.half_done, Some((1, 2)));
        assert_eq!(describe_pending(&v.pending_after), "2 to upgrade (b, c)");
        // the same states after a run that exited 0: not half-done, but a failure all the same
        let v = judge(&ran(Some(0), ""), &all, Some(&before), Some(&after));
        assert!(v.half_done.is_none());
        assert!(v
            .failure
            .unwrap()
            .contains("left modules pending: 2 to upgrade (b, c)"));
        // modules pending before and after a failed run were not left by it
        let v = judge(&r, &all, Some(&after), Some(&after));
        assert!(v.half_done.is_none());
    }

    #[test]
    fn a_failure_without_output_keeps_the_last_line() {
        let mut r = ran(Some(255), "");
        r.stderr = "something odd\n".into();
        let v = judge(&r, &Expect::Nothing, None, None);
        assert_eq!(
            v.failure.as_deref(),
            Some("`odoo-bin -i account_payment_mode` exited with 255: something odd")
        );
        assert!(!v.compared);
    }
}
