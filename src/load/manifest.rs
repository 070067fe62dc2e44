//! Reading an addon's manifest the way Odoo does: `ast.literal_eval` over the whole file (our
//! [`crate::load::pyliteral`]), then Odoo's defaults (`_DEFAULT_MANIFEST`, `load_manifest`) and its
//! `adapt_version` for the target series. Problems become findings; a manifest that cannot be
//! read at all yields no [`Manifest`] but a finding.

use std::path::{Path, PathBuf};

use crate::finding::{Finding, Severity};
use crate::load::fsread::{self, ReadError};
use crate::load::pyliteral::{literal_eval_located, KeyLines, PyValue};
use crate::load::version::{adapt_version, series_of, Series};
use crate::rules::addons as r;

/// The file names Odoo looks for, in its order.
pub const MANIFEST_NAMES: [&str; 2] = ["__manifest__.py", "__openerp__.py"];

/// `auto_install`, as Odoo interprets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoInstall {
    /// Opt-in (the default).
    No,
    /// Installed when all of `depends` are installed.
    All,
    /// Installed when these (a subset of `depends`) are installed.
    When(Vec<String>),
}

impl AutoInstall {
    pub fn is_auto(&self) -> bool {
        !matches!(self, AutoInstall::No)
    }

    /// The text shown in listings.
    pub fn describe(&self) -> String {
        match self {
            AutoInstall::No => "false".into(),
            AutoInstall::All => "true".into(),
            AutoInstall::When(list) => format!("when {}", list.join(", ")),
        }
    }
}

/// A manifest with Odoo's defaults applied.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Display name (`name`); the technical name when missing.
    pub name: String,
    /// `version` as written (default `1.0`).
    pub version_raw: String,
    /// `version` after `adapt_version` for the target series; `None` when the series is unknown
    /// or the version is malformed.
    pub version: Option<String>,
    pub installable: bool,
    pub license: String,
    pub license_missing: bool,
    pub author: String,
    pub category: String,
    pub website: String,
    pub summary: String,
    pub depends: Vec<String>,
    pub auto_install: AutoInstall,
    pub application: bool,
    pub data: Vec<String>,
    pub demo: Vec<String>,
    /// `external_dependencies['python']`.
    pub python_dependencies: Vec<String>,
    /// `external_dependencies['bin']`.
    pub bin_dependencies: Vec<String>,
    /// The whole literal, for checks that need other keys (`assets`, …).
    pub raw: PyValue,
    /// Where the keys of the literal and the items of their lists are written.
    pub lines: KeyLines,
}

impl Manifest {
    /// The line of `key` in the manifest file, when the manifest has it.
    pub fn key_line(&self, key: &str) -> Option<usize> {
        self.lines.line(key)
    }

    /// The line of the dependency `dep` inside `depends` (its first mention), else of the
    /// `depends` key.
    pub fn depends_line(&self, dep: &str) -> Option<usize> {
        self.item_line("depends", dep)
            .or_else(|| self.key_line("depends"))
    }

    /// The line of the string `item` inside the list (or tuple) under `key` (its first
    /// mention).
    pub fn item_line(&self, key: &str, item: &str) -> Option<usize> {
        match self.raw.get(key) {
            Some(PyValue::List(items) | PyValue::Tuple(items)) => items
                .iter()
                .position(|i| i.as_str() == Some(item))
                .and_then(|i| self.lines.item_line(key, i)),
            _ => None,
        }
    }

    /// `assets` as (bundle, entries) pairs; each entry is the raw literal (a glob string or a
    /// directive tuple).
    pub fn assets(&self) -> Vec<(String, Vec<PyValue>)> {
        let mut out = Vec::new();
        if let Some(PyValue::Dict(items)) = self.raw.get("assets") {
            for (k, v) in items {
                if let (Some(bundle), PyValue::List(entries) | PyValue::Tuple(entries)) =
                    (k.as_str(), v)
                {
                    out.push((bundle.to_string(), entries.clone()));
                }
            }
        }
        out
    }
}

/// Finds the manifest file of an addon directory, as Odoo's `module_manifest` does.
pub fn manifest_file(dir: &Path) -> Option<PathBuf> {
    MANIFEST_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// Finds and reads the manifest of an addon directory in one pass: the same answer as
/// [`manifest_file`] followed by a read, without a separate `stat` of each candidate name
/// (discovery does this for every addon). `None` when the directory holds no manifest file.
/// The read goes through [`fsread`]: a FIFO, a device, a file over [`fsread::MANIFEST_MAX`] or a
/// link out of the addon is an error, not a read.
pub fn read_manifest(dir: &Path) -> Option<(PathBuf, Result<Vec<u8>, ReadError>)> {
    let root = fsread::Root::unresolved(dir);
    for n in MANIFEST_NAMES {
        match root.read_child(n, fsread::MANIFEST_MAX) {
            Ok((path, bytes)) => return Some((path, Ok(bytes))),
            Err(e) if e.is_not_found() => continue,
            // A directory of that name is not a manifest (Odoo looks for a file).
            Err(ReadError::NotRegular("a directory")) => continue,
            Err(e) => return Some((dir.join(n), Err(e))),
        }
    }
    None
}

/// Reads and parses a manifest file. `module` is the addon's technical name.
pub fn load(
    module: &str,
    file: &Path,
    series: Option<Series>,
    findings: &mut Vec<Finding>,
) -> Option<Manifest> {
    let bytes = fsread::read(file, fsread::MANIFEST_MAX);
    load_bytes(module, file, bytes, series, findings)
}

/// Parses a manifest already read (see [`read_manifest`]); a read error becomes a finding
/// (`M003` for an I/O error, the code of [`ReadError::rule`] otherwise).
pub fn load_bytes(
    module: &str,
    file: &Path,
    bytes: Result<Vec<u8>, ReadError>,
    series: Option<Series>,
    findings: &mut Vec<Finding>,
) -> Option<Manifest> {
    let bytes = match bytes {
        Ok(b) => b,
        Err(ReadError::Io(e)) => {
            findings.push(
                Finding::new(
                    &r::MANIFEST_UNREADABLE,
                    format!("cannot read the manifest: {e}"),
                )
                .module(module)
                .file(file),
            );
            return None;
        }
        Err(e) => {
            findings.push(e.finding(file).module(module));
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
            findings.push(
                Finding::new(
                    &r::MANIFEST_ENCODING,
                    format!(
                        "the manifest is not valid UTF-8 (byte offset {})",
                        e.utf8_error().valid_up_to()
                    ),
                )
                .module(module)
                .file(file)
                .line(line),
            );
            return None;
        }
    };
    parse(module, file, &text, series, findings)
}

/// Parses manifest text (see [`load`]).
pub fn parse(
    module: &str,
    file: &Path,
    text: &str,
    series: Option<Series>,
    findings: &mut Vec<Finding>,
) -> Option<Manifest> {
    let (value, lines) = match literal_eval_located(text) {
        Ok(v) => v,
        Err(e) => {
            findings.push(
                Finding::new(&r::MANIFEST_SYNTAX, e.message.clone())
                    .module(module)
                    .file(file)
                    .at(e.line, e.column),
            );
            return None;
        }
    };
    if !matches!(value, PyValue::Dict(_)) {
        findings.push(
            Finding::new(
                &r::MANIFEST_NOT_DICT,
                format!("the manifest is a {}, not a dict", value.type_name()),
            )
            .module(module)
            .file(file),
        );
        return None;
    }
    let mut b = Builder {
        module,
        file,
        value: &value,
        lines: &lines,
        findings,
    };
    let name = b.string("name").unwrap_or_else(|| module.to_string());
    let version_raw = b.string("version").unwrap_or_else(|| "1.0".to_string());
    let installable = b.boolean("installable", true);
    let license_value = b.string("license");
    let license_missing = license_value.as_deref().unwrap_or("").is_empty();
    let license = if license_missing {
        "LGPL-3".to_string()
    } else {
        license_value.unwrap_or_default()
    };
    let author = b
        .string("author")
        .unwrap_or_else(|| "Odoo S.A.".to_string());
    let category = b
        .string("category")
        .unwrap_or_else(|| "Uncategorized".to_string());
    let website = b.string("website").unwrap_or_default();
    let summary = b.string("summary").unwrap_or_default();
    let depends = b.string_list("depends");
    let application = b.boolean("application", false);
    let data = b.string_list("data");
    let demo = b.string_list("demo");
    let auto_install = b.auto_install(&depends);
    let (python_dependencies, bin_dependencies) = b.external_dependencies();

    let version_line = lines.line("version");
    if license_missing {
        findings.push(
            Finding::new(
                &r::MISSING_LICENSE,
                "no `license` key: Odoo defaults to LGPL-3 and logs a warning at every start",
            )
            .module(module)
            .file(file),
        );
    }

    let version = match series {
        None => None,
        Some(s) => match adapt_version(&version_raw, s) {
            Ok(v) => {
                if let Some(vs) = series_of(&v) {
                    if vs != s && installable {
                        findings.push(
                            series_mismatch(module, file, &version_raw, vs, s)
                                .at_line(version_line),
                        );
                    }
                }
                Some(v)
            }
            Err(e) => {
                let other = raw_series(&version_raw).filter(|vs| *vs != s);
                let f = match other {
                    Some(vs) => series_mismatch(module, file, &version_raw, vs, s),
                    None => Finding::new(&r::INVALID_VERSION, e.to_string())
                        .module(module)
                        .file(file),
                }
                .at_line(version_line);
                // Odoo only refuses malformed versions of installable addons.
                findings.push(if installable {
                    f
                } else {
                    f.severity(Severity::Info)
                });
                None
            }
        },
    };

    Some(Manifest {
        name,
        version_raw,
        version,
        installable,
        license,
        license_missing,
        author,
        category,
        website,
        summary,
        depends,
        auto_install,
        application,
        data,
        demo,
        python_dependencies,
        bin_dependencies,
        raw: value,
        lines,
    })
}

/// The series a raw version of 4+ parts starts with (`17.0.1.0.0` → 17.0), if any.
fn raw_series(version: &str) -> Option<Series> {
    let parts: Vec<&str> = version.split('.').collect();
    if parts.len() >= 4 && parts.iter().all(|p| p.parse::<u32>().is_ok()) {
        return Series::parse(&format!("{}.{}", parts[0], parts[1]));
    }
    None
}

fn series_mismatch(
    module: &str,
    file: &Path,
    version: &str,
    found: Series,
    target: Series,
) -> Finding {
    Finding::new(
        &r::SERIES_MISMATCH,
        format!("version {version} is for Odoo {found}, the target series is {target}"),
    )
    .module(module)
    .file(file)
    .hint(format!(
        "check out the {target} branch of this addon (or pass --odoo-series {found} if the target is wrong)"
    ))
}

struct Builder<'a> {
    module: &'a str,
    file: &'a Path,
    value: &'a PyValue,
    lines: &'a KeyLines,
    findings: &'a mut Vec<Finding>,
}

impl Builder<'_> {
    fn wrong_type(&mut self, key: &str, expected: &str, got: &PyValue, detail: &str) {
        self.findings.push(
            Finding::new(
                &r::MANIFEST_FIELD_TYPE,
                format!(
                    "`{key}` is a {}, Odoo expects {expected}{detail}",
                    got.type_name()
                ),
            )
            .module(self.module)
            .key(key)
            .file(self.file)
            .at_line(self.lines.line(key)),
        );
    }

    fn string(&mut self, key: &str) -> Option<String> {
        match self.value.get(key)? {
            PyValue::Str(s) => Some(s.clone()),
            other => {
                let other = other.clone();
                self.wrong_type(key, "a str", &other, "");
                None
            }
        }
    }

    fn boolean(&mut self, key: &str, default: bool) -> bool {
        match self.value.get(key) {
            None => default,
            Some(PyValue::Bool(b)) => *b,
            Some(other) => {
                let other = other.clone();
                let truthy = other.truthy();
                self.wrong_type(
                    key,
                    "a bool",
                    &other,
                    &format!(
                        " (Python reads it as {})",
                        if truthy { "True" } else { "False" }
                    ),
                );
                truthy
            }
        }
    }

    fn string_list(&mut self, key: &str) -> Vec<String> {
        match self.value.get(key) {
            None => Vec::new(),
            Some(PyValue::List(items) | PyValue::Tuple(items)) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        PyValue::Str(s) => out.push(s.clone()),
                        other => {
                            let other = other.clone();
                            self.wrong_type(key, "a list of str", &other, " (an item)");
                        }
                    }
                }
                out
            }
            Some(other) => {
                let other = other.clone();
                self.wrong_type(key, "a list of str", &other, "");
                Vec::new()
            }
        }
    }

    fn auto_install(&mut self, depends: &[String]) -> AutoInstall {
        let v = match self.value.get("auto_install") {
            None => return AutoInstall::No,
            Some(v) => v.clone(),
        };
        let items = match &v {
            PyValue::List(items) | PyValue::Tuple(items) | PyValue::Set(items) => items.clone(),
            PyValue::Bool(true) => return AutoInstall::All,
            PyValue::Bool(false) | PyValue::None => return AutoInstall::No,
            other => {
                self.wrong_type(
                    "auto_install",
                    "a bool or a list of module names",
                    other,
                    "",
                );
                return if other.truthy() {
                    AutoInstall::All
                } else {
                    AutoInstall::No
                };
            }
        };
        let mut names = Vec::new();
        for item in &items {
            match item {
                PyValue::Str(s) => {
                    if !names.contains(s) {
                        names.push(s.clone())
                    }
                }
                other => self.wrong_type("auto_install", "a list of str", other, " (an item)"),
            }
        }
        let extra: Vec<&String> = names.iter().filter(|n| !depends.contains(n)).collect();
        if !extra.is_empty() {
            let list = extra
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            self.findings.push(
                Finding::new(
                    &r::AUTO_INSTALL_NOT_SUBSET,
                    format!("auto_install triggers that are not dependencies: {list}"),
                )
                .module(self.module)
                .file(self.file)
                .at_line(self.lines.line("auto_install"))
                .hint(format!(
                    "add {list} to `depends`, or remove it from `auto_install`"
                )),
            );
        }
        AutoInstall::When(names)
    }

    fn external_dependencies(&mut self) -> (Vec<String>, Vec<String>) {
        let ext = match self.value.get("external_dependencies") {
            None => return (Vec::new(), Vec::new()),
            Some(PyValue::Dict(_)) => self.value.get("external_dependencies").cloned(),
            Some(PyValue::List(l)) if l.is_empty() => return (Vec::new(), Vec::new()),
            Some(other) => {
                let other = other.clone();
                self.wrong_type("external_dependencies", "a dict", &other, "");
                return (Vec::new(), Vec::new());
            }
        };
        let ext = ext.unwrap_or(PyValue::None);
        let list = |k: &str| -> Vec<String> {
            match ext.get(k) {
                Some(PyValue::List(items) | PyValue::Tuple(items)) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            }
        };
        (list("python"), list("bin"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str, series: Option<&str>) -> (Option<Manifest>, Vec<Finding>) {
        let mut f = Vec::new();
        let s = series.and_then(Series::parse);
        let m = parse("mod_x", Path::new("/x/__manifest__.py"), text, s, &mut f);
        (m, f)
    }

    #[test]
    fn lines_of_keys_and_dependencies() {
        let text = "# comment\r\n{\r\n    'name': 'X',\r\n    'version': '18.0.1.0.0',\r\n    'depends': [\r\n        'base',\r\n        # a comment\r\n        'web', 'mail',\r\n    ],\r\n    'license': 3,\r\n}\r\n";
        let (m, f) = parse_text(text, Some("17.0"));
        let m = m.unwrap();
        assert_eq!(m.key_line("name"), Some(3));
        assert_eq!(m.depends_line("base"), Some(6));
        assert_eq!(m.depends_line("web"), Some(8));
        assert_eq!(m.depends_line("mail"), Some(8));
        // Not a dependency: the line of `depends`.
        assert_eq!(m.depends_line("sale"), Some(5));
        let at = |code: &str| f.iter().find(|f| f.code == code).and_then(|f| f.line);
        assert_eq!(at("M005"), Some(10), "{f:?}");
        assert_eq!(at("D004"), Some(4), "{f:?}");
        // A repeated key: Python keeps the last value, so do its lines.
        let (m, _) = parse_text("{'depends': ['a'],\n 'depends': ['b',\n 'a']}", None);
        let m = m.unwrap();
        assert_eq!(m.depends, ["b", "a"]);
        assert_eq!(m.depends_line("a"), Some(3));
        assert_eq!(m.key_line("depends"), Some(2));
    }

    #[test]
    fn defaults_match_odoo() {
        let (m, f) = parse_text("{'name': 'X'}", Some("18.0"));
        let m = m.unwrap();
        assert_eq!(m.version_raw, "1.0");
        assert_eq!(m.version.as_deref(), Some("18.0.1.0"));
        assert!(m.installable);
        assert!(!m.application);
        assert_eq!(m.auto_install, AutoInstall::No);
        assert_eq!(m.author, "Odoo S.A.");
        assert_eq!(m.category, "Uncategorized");
        assert_eq!(m.license, "LGPL-3");
        assert!(m.depends.is_empty());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "M006");
    }

    #[test]
    fn empty_license_is_missing() {
        let (m, f) = parse_text("{'license': ''}", None);
        assert_eq!(m.unwrap().license, "LGPL-3");
        assert!(f.iter().any(|f| f.code == "M006"));
    }

    #[test]
    fn auto_install_forms() {
        let (m, f) = parse_text(
            "{'license':'AGPL-3','depends':['a','b'],'auto_install':['a']}",
            None,
        );
        assert_eq!(m.unwrap().auto_install, AutoInstall::When(vec!["a".into()]));
        assert!(f.is_empty(), "{f:?}");
        let (m, _) = parse_text(
            "{'license':'AGPL-3','depends':['a'],'auto_install':True}",
            None,
        );
        assert_eq!(m.unwrap().auto_install, AutoInstall::All);
        let (_, f) = parse_text(
            "{'license':'AGPL-3','depends':['a'],'auto_install':['c']}",
            None,
        );
        assert_eq!(f[0].code, "M008");
    }

    #[test]
    fn string_installable_is_flagged_and_truthy() {
        let (m, f) = parse_text("{'license':'AGPL-3','installable':'False'}", None);
        assert!(m.unwrap().installable);
        assert_eq!(f[0].code, "M005");
        assert!(f[0].message.contains("True"));
    }

    #[test]
    fn syntax_error_has_position() {
        let (m, f) = parse_text("{\n 'name': foo,\n}", None);
        assert!(m.is_none());
        assert_eq!(f[0].code, "M001");
        assert_eq!(f[0].line, Some(2));
    }

    #[test]
    fn not_a_dict() {
        let (m, f) = parse_text("['a']", None);
        assert!(m.is_none());
        assert_eq!(f[0].code, "M004");
    }

    #[test]
    fn other_series_is_a_mismatch_not_malformed() {
        let (m, f) = parse_text("{'license':'AGPL-3','version':'17.0.1.0.0'}", Some("18.0"));
        assert!(m.unwrap().version.is_none());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "D004");
        assert_eq!(f[0].severity, Severity::Error);
    }

    #[test]
    fn malformed_version_of_uninstallable_addon_is_info() {
        let (_, f) = parse_text(
            "{'license':'AGPL-3','version':'abc','installable':False}",
            Some("18.0"),
        );
        assert_eq!(f[0].code, "M007");
        assert_eq!(f[0].severity, Severity::Info);
    }

    #[test]
    fn huge_or_hostile_values_are_quoted_short_and_escaped() {
        let huge = format!("1.\\x1b[2J{}", "\\x00".repeat(100_000));
        for (version, series) in [(format!("1.{huge}"), "18.0"), (huge.clone(), "19.0")] {
            let (_, f) = parse_text(
                &format!("{{'license':'AGPL-3','version':'{version}'}}"),
                Some(series),
            );
            assert_eq!(f.len(), 1, "{f:?}");
            assert_eq!(f[0].code, "M007");
            assert!(f[0].message.len() < 600, "{}", f[0].message.len());
            assert!(
                !f[0].message.chars().any(char::is_control),
                "{:?}",
                f[0].message
            );
        }
    }
}
