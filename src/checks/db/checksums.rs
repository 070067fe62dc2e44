//! Code changed since the last update: the checksums of the addons against those
//! module_auto_update / click-odoo-update stored at the last update.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::finding::Finding;
use crate::load::checksum::Unhashable;
use crate::load::version;
use crate::rules::db as r;

/// One addon of the addons path, with its checksum.
pub struct Hashed {
    pub name: String,
    pub dir: PathBuf,
    /// The manifest's version (as Odoo adapts it).
    pub code_version: String,
    pub checksum: Result<String, Unhashable>,
}

/// A module of the database.
pub struct Installed {
    pub name: String,
    pub state: String,
    pub version: Option<String>,
}

/// One row of the result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub module: String,
    pub checksum: Option<String>,
    pub stored: Option<String>,
    pub status: &'static str,
    pub path: Option<String>,
}

pub struct Outcome {
    pub rows: Vec<Row>,
    /// The checksums in the shape of `module_auto_update.installed_checksums`: of the installed
    /// modules with a database (`false` for one without code), else of every addon.
    pub checksums: serde_json::Map<String, Value>,
    pub findings: Vec<Finding>,
}

fn unhashable(h: &Hashed, u: &Unhashable) -> Finding {
    Finding::new(
        &r::ADDON_UNHASHABLE,
        format!("no checksum: {} {}", u.path.display(), u.why),
    )
    .module(&h.name)
    .file(u.path.display().to_string())
}

/// Without a database: every addon's checksum.
pub fn addons_only(hashed: &[Hashed]) -> Outcome {
    let mut out = Outcome {
        rows: Vec::new(),
        checksums: Default::default(),
        findings: Vec::new(),
    };
    for h in hashed {
        let checksum = h.checksum.as_ref().ok().cloned();
        if let Err(u) = &h.checksum {
            out.findings.push(unhashable(h, u));
        }
        if let Some(c) = &checksum {
            out.checksums
                .insert(h.name.clone(), Value::String(c.clone()));
        }
        out.rows.push(Row {
            module: h.name.clone(),
            status: if checksum.is_some() {
                "computed"
            } else {
                "unknown"
            },
            checksum,
            stored: None,
            path: Some(h.dir.display().to_string()),
        });
    }
    out
}

/// With a database: the installed modules (`installed`, `to upgrade`, as click-odoo-update
/// picks them) against the stored checksums (`stored`: the parameter's text, when set).
pub fn against_database(
    hashed: &[Hashed],
    modules: &[Installed],
    stored: Option<&str>,
    hint_update: impl Fn(&str) -> String,
) -> Outcome {
    let mut out = Outcome {
        rows: Vec::new(),
        checksums: Default::default(),
        findings: Vec::new(),
    };
    let by_name: BTreeMap<&str, &Hashed> = hashed.iter().map(|h| (h.name.as_str(), h)).collect();
    let stored: Option<Result<serde_json::Map<String, Value>, String>> =
        stored.map(|text| match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err("it is not a JSON object".to_string()),
            Err(e) => Err(format!("it is not JSON ({e})")),
        });
    match &stored {
        None => out.findings.push(Finding::new(
            &r::CHECKSUMS_NOT_STORED,
            "the database has no `module_auto_update.installed_checksums` parameter: code changed without a version bump cannot be found; the checksums are printed to compare servers or releases",
        )),
        Some(Err(why)) => out.findings.push(Finding::new(
            &r::CHECKSUMS_NOT_STORED,
            format!(
                "`module_auto_update.installed_checksums` cannot be read: {}",
                crate::escape::control(why)
            ),
        )),
        Some(Ok(_)) => {}
    }
    let stored = stored.and_then(Result::ok);
    for m in modules {
        if !matches!(m.state.as_str(), "installed" | "to upgrade") {
            continue;
        }
        let h = by_name.get(m.name.as_str()).copied();
        let checksum = h.and_then(|h| h.checksum.as_ref().ok().cloned());
        let value = match (&checksum, h) {
            (Some(c), _) => Value::String(c.clone()),
            (None, Some(_)) => Value::Null,
            (None, None) => Value::Bool(false),
        };
        if !value.is_null() {
            out.checksums.insert(m.name.clone(), value);
        }
        let kept = stored
            .as_ref()
            .map(|s| s.get(&m.name).and_then(Value::as_str).map(str::to_string));
        let status = match (h, &checksum, &kept) {
            (None, _, _) => "no code on the addons path",
            (Some(h), None, _) => {
                if let Err(u) = &h.checksum {
                    out.findings.push(unhashable(h, u));
                }
                "unknown"
            }
            (Some(_), Some(_), None) => "not stored",
            (Some(_), Some(_), Some(None)) => {
                out.findings.push(
                    Finding::new(
                        &r::NO_STORED_CHECKSUM,
                        "installed, but `module_auto_update.installed_checksums` has no checksum for it",
                    )
                    .module(&m.name),
                );
                "no stored checksum"
            }
            (Some(_), Some(c), Some(Some(k))) if c == k => "unchanged",
            (Some(h), Some(_), Some(Some(_))) => {
                let same_version = m
                    .version
                    .as_deref()
                    .is_some_and(|v| version::compare(v, &h.code_version).is_eq());
                if same_version {
                    out.findings.push(
                        Finding::new(
                            &r::CODE_CHANGED_NOT_BUMPED,
                            format!(
                                "the code changed since the last update, but its version is still {}: nothing will run -u",
                                h.code_version
                            ),
                        )
                        .module(&m.name)
                        .file(h.dir.join("__manifest__.py").display().to_string())
                        .hint(hint_update(&m.name)),
                    );
                    "changed, version not bumped"
                } else {
                    "changed, upgrade pending (see versions)"
                }
            }
        };
        out.rows.push(Row {
            module: m.name.clone(),
            checksum,
            stored: kept.flatten(),
            status,
            path: h.map(|h| h.dir.display().to_string()),
        });
    }
    out
}
