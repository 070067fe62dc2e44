//! Enterprise-parity definitions: functional categories of community modules and the
//! thresholds `parity verify` checks against. The shipped definitions live in
//! `manifests/parity.toml` (embedded at build time); `--parity-file` points at a user's own. The
//! file is read raw, then validated into [`Parity`], with errors naming the file and the key.

use std::path::Path;

use crate::exit::Fatal;

/// The shipped definitions.
pub const SHIPPED: &str = include_str!("../../manifests/parity.toml");

/// One functional category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub key: String,
    pub description: String,
    pub modules: Vec<String>,
    /// Whether its modules are published on PyPI as `odoo-addon-<name>`.
    pub pypi: bool,
}

/// Thresholds of `parity verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thresholds {
    pub installed_modules: u64,
    pub required_modules: Vec<String>,
    pub core_tables: u64,
    pub installed_categories: u64,
    pub oca_modules: u64,
    pub active_menus: u64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            installed_modules: 100,
            required_modules: vec![
                "ipai_studio".into(),
                "ipai_sign".into(),
                "ipai_knowledge".into(),
            ],
            core_tables: 50,
            installed_categories: 10,
            oca_modules: 80,
            active_menus: 100,
        }
    }
}

/// Validated definitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parity {
    /// Where they came from (`shipped` or a path).
    pub source: String,
    pub thresholds: Thresholds,
    pub categories: Vec<Category>,
}

impl Parity {
    /// The shipped definitions, or those of `file` (with the shipped ones as defaults).
    pub fn load(file: Option<&Path>) -> Result<Parity, Fatal> {
        let shipped = Parity::parse(SHIPPED, "shipped", None)?;
        match file {
            None => Ok(shipped),
            Some(p) => {
                let text = crate::load::fsread::read_to_string(p, crate::load::fsread::CONFIG_MAX)
                    .map_err(|e| {
                        Fatal::usage(format!("--parity-file {}: {}", p.display(), e.about_file()))
                    })?;
                Parity::parse(&text, &p.display().to_string(), Some(&shipped))
            }
        }
    }

    /// Parses definitions; keys missing from the text come from `defaults`.
    pub fn parse(text: &str, source: &str, defaults: Option<&Parity>) -> Result<Parity, Fatal> {
        let bad = |msg: String| Fatal::usage(format!("{source}: {msg}"));
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| bad(e.message().to_string() + &toml_where(text, &e)))?;
        for key in table.keys() {
            if key != "thresholds" && key != "categories" {
                return Err(bad(format!(
                    "unknown top-level key `{key}` (expected [thresholds] and [categories.<key>])"
                )));
            }
        }
        let mut thresholds = defaults.map(|d| d.thresholds.clone()).unwrap_or_default();
        if let Some(t) = table.get("thresholds") {
            let t = t
                .as_table()
                .ok_or_else(|| bad("`thresholds` must be a table".into()))?;
            for (k, v) in t {
                let int = || -> Result<u64, Fatal> {
                    v.as_integer()
                        .and_then(|i| u64::try_from(i).ok())
                        .ok_or_else(|| {
                            bad(format!("thresholds.{k} must be a non-negative integer"))
                        })
                };
                match k.as_str() {
                    "installed_modules" => thresholds.installed_modules = int()?,
                    "core_tables" => thresholds.core_tables = int()?,
                    "installed_categories" => thresholds.installed_categories = int()?,
                    "oca_modules" => thresholds.oca_modules = int()?,
                    "active_menus" => thresholds.active_menus = int()?,
                    "required_modules" => {
                        thresholds.required_modules = string_list(v)
                            .ok_or_else(|| bad("thresholds.required_modules must be a list of module names".into()))?
                    }
                    other => {
                        return Err(bad(format!(
                            "unknown threshold `{other}` (known: installed_modules, required_modules, core_tables, installed_categories, oca_modules, active_menus)"
                        )))
                    }
                }
            }
        }
        let mut categories = Vec::new();
        if let Some(c) = table.get("categories") {
            let c = c
                .as_table()
                .ok_or_else(|| bad("`categories` must be a table of tables".into()))?;
            for (key, v) in c {
                let t = v
                    .as_table()
                    .ok_or_else(|| bad(format!("categories.{key} must be a table")))?;
                let mut cat = Category {
                    key: key.clone(),
                    description: String::new(),
                    modules: Vec::new(),
                    pypi: true,
                };
                for (k, v) in t {
                    match k.as_str() {
                        "description" => {
                            cat.description = v
                                .as_str()
                                .ok_or_else(|| bad(format!("categories.{key}.description must be a string")))?
                                .to_string()
                        }
                        "modules" => {
                            cat.modules = string_list(v).ok_or_else(|| {
                                bad(format!("categories.{key}.modules must be a list of module names"))
                            })?
                        }
                        "pypi" => {
                            cat.pypi = v
                                .as_bool()
                                .ok_or_else(|| bad(format!("categories.{key}.pypi must be true or false")))?
                        }
                        other => {
                            return Err(bad(format!(
                                "categories.{key}: unknown key `{other}` (known: description, modules, pypi)"
                            )))
                        }
                    }
                }
                if cat.modules.is_empty() {
                    return Err(bad(format!("categories.{key} has no modules")));
                }
                categories.push(cat);
            }
        }
        if categories.is_empty() {
            categories = defaults.map(|d| d.categories.clone()).unwrap_or_default();
        }
        Ok(Parity {
            source: source.to_string(),
            thresholds,
            categories,
        })
    }

    /// The categories chosen with `--category KEY|all` and `--skip KEY`; an unknown key is a
    /// usage error listing the valid ones.
    pub fn select(&self, chosen: &[String], skip: &[String]) -> Result<Vec<&Category>, Fatal> {
        let valid = || {
            self.categories
                .iter()
                .map(|c| c.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        for k in chosen.iter().chain(skip) {
            if k != "all" && !self.categories.iter().any(|c| &c.key == k) {
                return Err(Fatal::usage(format!(
                    "unknown parity category `{k}`; valid: all, {}",
                    valid()
                )));
            }
        }
        let all = chosen.is_empty() || chosen.iter().any(|k| k == "all");
        Ok(self
            .categories
            .iter()
            .filter(|c| all || chosen.contains(&c.key))
            .filter(|c| !skip.contains(&c.key))
            .collect())
    }
}

fn string_list(v: &toml::Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|i| i.as_str().map(str::to_string))
        .collect()
}

fn toml_where(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!(" (line {line})")
        }
        None => String::new(),
    }
}

/// The PyPI package that provides an OCA addon.
pub fn pypi_package(module: &str) -> String {
    format!("odoo-addon-{}", module.replace('_', "-"))
}

/// Which series the OCA packages of the shipped categories have releases for, and which
/// modules are Odoo Enterprise's (generated by `scripts/pypi-series.py`).
pub const PYPI_SERIES: &str = include_str!("../../manifests/pypi-series.toml");

/// Where a module's code can come from, for a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A module of Odoo Enterprise: no PyPI package.
    Enterprise,
    /// No package of that name on PyPI.
    NoPackage,
    /// The package has no release for the series; `newest` is its newest series.
    NoRelease { package: String, newest: String },
    /// `pip install` this requirement (pinned to the series); `verified` when the data says
    /// that a release of the series exists.
    Pip { requirement: String, verified: bool },
    /// Nothing recorded about the module.
    Unknown,
}

fn series_key(s: &str) -> (u32, u32) {
    let mut p = s.split('.').map(|x| x.parse::<u32>().unwrap_or(0));
    (p.next().unwrap_or(0), p.next().unwrap_or(0))
}

/// The pinned requirement OCA's packages use for a series: `odoo-addon-x==18.0.*`.
pub fn pinned(module: &str, series: crate::load::version::Series) -> String {
    format!(
        "{}=={}.{}.*",
        pypi_package(module),
        series.major,
        series.minor
    )
}

/// Where `module`'s code can come from for `series`, by the shipped data.
pub fn source(module: &str, series: Option<crate::load::version::Series>) -> Source {
    let Ok(doc) = PYPI_SERIES.parse::<toml::Table>() else {
        return Source::Unknown;
    };
    // module names are stable across series: one recorded as Enterprise for any series is one
    if let Some(ent) = doc.get("enterprise").and_then(|e| e.as_table()) {
        for l in ent.values() {
            if l.get("modules")
                .and_then(|m| m.as_array())
                .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(module)))
            {
                return Source::Enterprise;
            }
        }
    }
    let Some(m) = doc
        .get("modules")
        .and_then(|t| t.get(module))
        .and_then(|t| t.as_table())
    else {
        return Source::Unknown;
    };
    let Some(package) = m.get("package").and_then(|p| p.as_str()) else {
        return Source::NoPackage;
    };
    let Some(series) = series else {
        return Source::Pip {
            requirement: package.to_string(),
            verified: false,
        };
    };
    let st = format!("{}.{}", series.major, series.minor);
    if let Some(list) = m.get("series").and_then(|v| v.as_array()) {
        let all: Vec<&str> = list.iter().filter_map(|v| v.as_str()).collect();
        if all.contains(&st.as_str()) {
            return Source::Pip {
                requirement: pinned(module, series),
                verified: true,
            };
        }
        return Source::NoRelease {
            package: package.to_string(),
            newest: all.last().unwrap_or(&"none").to_string(),
        };
    }
    if let Some(newest) = m.get("newest").and_then(|v| v.as_str()) {
        let (n, t) = (series_key(newest), (series.major, series.minor));
        if n < t {
            return Source::NoRelease {
                package: package.to_string(),
                newest: newest.to_string(),
            };
        }
        return Source::Pip {
            requirement: pinned(module, series),
            verified: n == t,
        };
    }
    Source::Pip {
        requirement: pinned(module, series),
        verified: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_definitions_are_the_nineteen_categories() {
        let p = Parity::load(None).unwrap();
        let keys: Vec<&str> = p.categories.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "ipai",
                "accounting",
                "sales",
                "purchase",
                "inventory",
                "project",
                "hr",
                "helpdesk",
                "fieldservice",
                "manufacturing",
                "quality",
                "contracts",
                "website",
                "elearning",
                "reporting",
                "tools",
                "web",
                "dms",
                "queue"
            ]
        );
        assert_eq!(p.thresholds, Thresholds::default());
        let acc = &p.categories[1];
        assert_eq!(acc.description, "Accounting & Finance");
        assert_eq!(acc.modules.len(), 12);
        assert!(!p.categories[0].pypi);
        let total: usize = p.categories.iter().map(|c| c.modules.len()).sum();
        assert_eq!(
            total,
            3 + 12 + 8 + 7 + 8 + 6 + 7 + 5 + 4 + 6 + 5 + 5 + 6 + 4 + 6 + 8 + 7 + 4 + 3
        );
    }

    #[test]
    fn user_file_overrides_thresholds_and_keeps_defaults() {
        let shipped = Parity::load(None).unwrap();
        let p = Parity::parse(
            "[thresholds]\noca_modules = 20\nrequired_modules = []\n",
            "mine.toml",
            Some(&shipped),
        )
        .unwrap();
        assert_eq!(p.thresholds.oca_modules, 20);
        assert!(p.thresholds.required_modules.is_empty());
        assert_eq!(p.thresholds.installed_modules, 100);
        assert_eq!(p.categories, shipped.categories);
    }

    #[test]
    fn bad_files_are_usage_errors_naming_the_key() {
        let e = Parity::parse("[thresholds]\noca_modules = -1\n", "f.toml", None).unwrap_err();
        assert!(
            e.message.contains("f.toml: thresholds.oca_modules"),
            "{}",
            e.message
        );
        let e = Parity::parse("[categories.x]\nmodules = [1]\n", "f.toml", None).unwrap_err();
        assert!(e.message.contains("categories.x.modules"), "{}", e.message);
        let e = Parity::parse("[thresholds\n", "f.toml", None).unwrap_err();
        assert!(e.message.contains("line 1"), "{}", e.message);
        let e = Parity::parse("[categoriez.x]\n", "f.toml", None).unwrap_err();
        assert!(e.message.contains("categoriez"), "{}", e.message);
    }

    #[test]
    fn select_and_unknown_keys() {
        let p = Parity::load(None).unwrap();
        assert_eq!(p.select(&[], &[]).unwrap().len(), 19);
        let s = p.select(&["all".into()], &["ipai".into()]).unwrap();
        assert_eq!(s.len(), 18);
        let s = p.select(&["web".into(), "dms".into()], &[]).unwrap();
        assert_eq!(
            s.iter().map(|c| c.key.as_str()).collect::<Vec<_>>(),
            vec!["web", "dms"]
        );
        let e = p.select(&["nope".into()], &[]).unwrap_err();
        assert!(
            e.message.contains("valid: all, ipai, accounting"),
            "{}",
            e.message
        );
    }

    #[test]
    fn sources_are_pinned_to_the_series_and_never_invented() {
        let s18 = Some(crate::load::version::Series::new(18, 0));
        // newest release 16.0: nothing for 18.0
        assert_eq!(
            source("web_advanced_search", s18),
            Source::NoRelease {
                package: "odoo-addon-web-advanced-search".into(),
                newest: "16.0".into()
            }
        );
        assert_eq!(source("account_accountant", s18), Source::Enterprise);
        assert_eq!(source("quality_control", s18), Source::Enterprise);
        assert_eq!(source("helpdesk_ticket_type", s18), Source::NoPackage);
        assert_eq!(
            source("purchase_order_approval_block", s18),
            Source::Pip {
                requirement: "odoo-addon-purchase-order-approval-block==18.0.*".into(),
                verified: true
            }
        );
        match source("web_responsive", s18) {
            Source::Pip { requirement, .. } => {
                assert_eq!(requirement, "odoo-addon-web-responsive==18.0.*")
            }
            other => panic!("{other:?}"),
        }
        // every module of the shipped categories is recorded
        let p = Parity::load(None).unwrap();
        for c in p.categories.iter().filter(|c| c.pypi) {
            for m in &c.modules {
                assert!(
                    PYPI_SERIES.contains(&format!("[modules.{m}]"))
                        || source(m, s18) == Source::Enterprise,
                    "{m} is not in manifests/pypi-series.toml: run scripts/pypi-series.py"
                );
            }
        }
    }

    #[test]
    fn pypi_names() {
        assert_eq!(pypi_package("web_responsive"), "odoo-addon-web-responsive");
    }
}
