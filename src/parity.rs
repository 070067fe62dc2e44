//! Enterprise-parity definitions: functional categories of community modules and the
//! thresholds `parity verify` checks against. The shipped definitions live in
//! `manifests/parity.toml` (embedded at build time); `--parity-file` points at a user's own. The
//! file is read raw, then validated into [`Parity`], with errors naming the file and the key.

use std::path::Path;

use crate::exit::Fatal;

/// The shipped definitions.
pub const SHIPPED: &str = include_str!("../manifests/parity.toml");

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
                let text =
                    crate::fsread::read_to_string(p, crate::fsread::CONFIG_MAX).map_err(|e| {
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
    fn pypi_names() {
        assert_eq!(pypi_package("web_responsive"), "odoo-addon-web-responsive");
    }
}
