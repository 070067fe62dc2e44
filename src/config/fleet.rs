//! The fleet inventory (`odoo-audit fleet --inventory fleet.toml`): one `[[instance]]` table per
//! Odoo instance, with its name, where its database is (`db` URL, or the `db_*` options of its
//! `odoo_conf`), its addons paths, how it runs (`compose` project directory, else native) and
//! free labels.
//!
//! ```toml
//! [[instance]]
//! name = "shop-prod"
//! db = "postgresql://audit@db1.internal:5432/shop?sslmode=require"
//! addons_path = ["/srv/shop/addons", "/srv/odoo/addons"]
//! labels = { env = "prod", team = "retail" }
//!
//! [[instance]]
//! name = "hr-staging"
//! odoo_conf = "/etc/odoo/hr-staging.conf"
//! compose = "/srv/hr-staging"
//! labels = { env = "staging" }
//! ```
//!
//! A file that is not TOML, or a key other than `instance` at the top, is a usage error naming
//! the file and line. An entry with an unknown key (every entry is read as with serde's
//! `deny_unknown_fields`), a wrong type, no or a duplicate name, neither `db` nor `odoo_conf`,
//! or a `compose` that is not a directory is kept as a [`BadEntry`]: the fleet reports it in its own
//! row and audits the other instances. Relative paths are relative to the inventory's
//! directory. The `db` URL may hold a password: it is never shown ([`InstanceSpec`]'s `Debug`
//! leaves it out, and messages about it give a position, never its text).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::exit::Fatal;

/// One instance of the fleet, as the inventory describes it.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct InstanceSpec {
    /// The instance's name in the reports (the `instance` of its findings and of its run).
    pub name: String,
    /// A database URL or libpq `key=value` string (as `--db-url`); may hold a password.
    #[serde(default)]
    pub db: Option<String>,
    /// The instance's Odoo config (as `-c`): its `db_*` options and `addons_path`.
    #[serde(default)]
    pub odoo_conf: Option<PathBuf>,
    /// Addons paths, first wins (as `--addons-path`; else `addons_path` of `odoo_conf`).
    #[serde(default)]
    pub addons_path: Vec<PathBuf>,
    /// The Docker Compose project directory when the instance runs in Compose; native when
    /// unset.
    #[serde(default)]
    pub compose: Option<PathBuf>,
    /// Free labels (`env = "prod"`), shown in the fleet's table.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Line of the entry's `[[instance]]` header in the inventory (0 when unknown).
    #[serde(skip)]
    pub line: usize,
}

impl std::fmt::Debug for InstanceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceSpec")
            .field("name", &self.name)
            .field("db", &self.db.as_ref().map(|_| "<not shown>"))
            .field("odoo_conf", &self.odoo_conf)
            .field("addons_path", &self.addons_path)
            .field("compose", &self.compose)
            .field("labels", &self.labels)
            .field("line", &self.line)
            .finish()
    }
}

impl InstanceSpec {
    /// `compose` or `native`.
    pub fn mode(&self) -> &'static str {
        if self.compose.is_some() {
            "compose"
        } else {
            "native"
        }
    }

    /// The labels as `key=value` joined with `, `.
    pub fn labels_text(&self) -> String {
        self.labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An entry that cannot be used; the fleet reports it in its own row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadEntry {
    /// The entry's name when it has a usable one, else `#N` (its position, from 1).
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// `file:line`.
    pub place: String,
    pub why: String,
}

/// The inventory: its entries in file order.
#[derive(Debug, Clone)]
pub struct FleetInventory {
    pub path: PathBuf,
    pub entries: Vec<Result<InstanceSpec, BadEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    instance: Vec<toml::Table>,
}

/// Line (from 1) of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// The lines (from 1) of the `[[instance]]` headers, in order.
fn header_lines(text: &str) -> Vec<usize> {
    let re = regex::Regex::new(r#"^\s*\[\[\s*(instance|"instance")\s*\]\]"#).expect("regex");
    text.lines()
        .enumerate()
        .filter(|(_, l)| re.is_match(l))
        .map(|(i, _)| i + 1)
        .collect()
}

/// The line of `key = …` in the entry that starts at `start` (its header line) and ends before
/// `end`; `start` when not found.
fn key_line(text: &str, start: usize, end: usize, key: &str) -> usize {
    let re = regex::Regex::new(&format!(
        r#"^\s*("{k}"|'{k}'|{k})\s*="#,
        k = regex::escape(key)
    ))
    .expect("regex");
    text.lines()
        .enumerate()
        .skip(start)
        .take(end.saturating_sub(start))
        .find(|(_, l)| re.is_match(l))
        .map(|(i, _)| i + 1)
        .unwrap_or(start)
}

/// Reads and checks the inventory at `path`.
pub fn load(path: &Path) -> Result<FleetInventory, Fatal> {
    let shown = crate::escape::control(&path.display().to_string()).into_owned();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Fatal::usage(format!("{shown}: cannot read the fleet inventory: {e}")))?;
    parse(&text, path)
}

/// Parses the text of an inventory read from `path` (for messages and relative paths).
pub fn parse(text: &str, path: &Path) -> Result<FleetInventory, Fatal> {
    let shown = crate::escape::control(&path.display().to_string()).into_owned();
    let file: File = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
        Fatal::usage(format!(
            "{shown}:{line}: not a fleet inventory: {}",
            crate::escape::control(e.message())
        ))
    })?;
    if file.instance.is_empty() {
        return Err(Fatal::usage(format!(
            "{shown}: no [[instance]] entry: the fleet inventory lists no instance"
        )));
    }
    let headers = header_lines(text);
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut entries = Vec::new();
    let about_key =
        regex::Regex::new(r"(?:unknown field|missing field|for key) `([^`]+)`").expect("regex");
    for (i, table) in file.instance.into_iter().enumerate() {
        let line = headers.get(i).copied().unwrap_or(0);
        let end = headers.get(i + 1).copied().unwrap_or(usize::MAX);
        let place = |l: usize| format!("{shown}:{l}");
        let name_of = |t: &toml::Table| {
            t.get("name")
                .and_then(toml::Value::as_str)
                .filter(|n| !n.trim().is_empty())
                .map(str::to_string)
        };
        let labels_of = |t: &toml::Table| -> BTreeMap<String, String> {
            t.get("labels")
                .and_then(toml::Value::as_table)
                .map(|l| {
                    l.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                        .collect()
                })
                .unwrap_or_default()
        };
        let fallback_name = name_of(&table).unwrap_or_else(|| format!("#{}", i + 1));
        let first_with_name = name_of(&table).and_then(|n| seen.get(&n).copied());
        if let Some(n) = name_of(&table) {
            seen.entry(n).or_insert(line);
        }
        let labels = labels_of(&table);
        let bad = |why: String, at: usize| BadEntry {
            name: fallback_name.clone(),
            labels: labels.clone(),
            place: place(at),
            why,
        };
        let spec: Result<InstanceSpec, toml::de::Error> =
            toml::Value::Table(table.clone()).try_into();
        let mut spec = match spec {
            Ok(s) => s,
            Err(e) => {
                let msg = e.message().to_string();
                // Point at the key the error is about when it names one.
                let at = about_key
                    .captures(&msg)
                    .map(|c| key_line(text, line, end, &c[1]))
                    .or_else(|| {
                        // A value of the wrong type: the first key that fails alone.
                        table
                            .iter()
                            .find(|(k, v)| {
                                let mut one = toml::Table::new();
                                if k.as_str() != "name" {
                                    one.insert("name".into(), toml::Value::from("x"));
                                }
                                one.insert(k.to_string(), (*v).clone());
                                toml::Value::Table(one).try_into::<InstanceSpec>().is_err()
                            })
                            .map(|(k, _)| key_line(text, line, end, k))
                    })
                    .unwrap_or(line);
                entries.push(Err(bad(crate::escape::control(&msg).into_owned(), at)));
                continue;
            }
        };
        spec.line = line;
        let why = if spec.name.trim().is_empty() {
            Some((
                "the entry has an empty `name`".to_string(),
                key_line(text, line, end, "name"),
            ))
        } else if let Some(first) = first_with_name {
            Some((
                format!(
                    "the name `{}` is already the name of the entry at line {first}",
                    crate::escape::control(&spec.name)
                ),
                key_line(text, line, end, "name"),
            ))
        } else if spec.db.is_none() && spec.odoo_conf.is_none() {
            Some((
                "the entry has neither `db` (a database URL) nor `odoo_conf`".to_string(),
                line,
            ))
        } else {
            None
        };
        if let Some((why, at)) = why {
            entries.push(Err(bad(why, at)));
            continue;
        }
        let abs = |p: &PathBuf| {
            if p.is_relative() {
                base.join(p)
            } else {
                p.clone()
            }
        };
        spec.odoo_conf = spec.odoo_conf.as_ref().map(abs);
        spec.compose = spec.compose.as_ref().map(abs);
        if let Some(dir) = spec.compose.as_ref().filter(|d| !d.is_dir()) {
            entries.push(Err(bad(
                format!(
                    "`compose`: {} is not a directory (the Docker Compose project's)",
                    crate::escape::control(&dir.display().to_string())
                ),
                key_line(text, line, end, "compose"),
            )));
            continue;
        }
        spec.addons_path = spec.addons_path.iter().map(abs).collect();
        entries.push(Ok(spec));
    }
    Ok(FleetInventory {
        path: path.to_path_buf(),
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(text: &str) -> FleetInventory {
        parse(text, Path::new("/etc/odoo-audit/fleet.toml")).unwrap()
    }

    #[test]
    fn fleet_inventory_entries_and_relative_paths() {
        let i = inv(r#"
[[instance]]
name = "a"
db = "postgresql://audit:s3cret@db1:5432/a"
addons_path = ["addons", "/srv/odoo/addons"]
labels = { env = "prod" }

[[instance]]
name = "b"
odoo_conf = "b.conf"
compose = "/"

[[instance]]
name = "c"
db = "postgresql://x@h/c"
compose = "/nonexistent/project"
"#);
        assert_eq!(i.entries.len(), 3);
        let c = i.entries[2].as_ref().unwrap_err();
        assert_eq!(c.place, "/etc/odoo-audit/fleet.toml:16");
        assert!(c.why.contains("not a directory"), "{}", c.why);
        let a = i.entries[0].as_ref().unwrap();
        assert_eq!(a.line, 2);
        assert_eq!(
            a.addons_path,
            [
                PathBuf::from("/etc/odoo-audit/addons"),
                PathBuf::from("/srv/odoo/addons")
            ]
        );
        assert_eq!(a.labels_text(), "env=prod");
        assert_eq!(a.mode(), "native");
        assert!(!format!("{a:?}").contains("s3cret"));
        let b = i.entries[1].as_ref().unwrap();
        assert_eq!(
            b.odoo_conf.as_deref(),
            Some(Path::new("/etc/odoo-audit/b.conf"))
        );
        assert_eq!(b.mode(), "compose");
    }

    #[test]
    fn fleet_bad_entries_name_file_and_line_and_never_the_password() {
        let i = inv(r#"[[instance]]
name = "a"
db = "postgresql://x@h/a"
dbb = "typo"

[[instance]]
name = "a"
db = "postgresql://x@h/a"

[[instance]]
name = "c"

[[instance]]
name = "e"
addons_path = "not a list"
db = "postgresql://x@h/e"
"#);
        let bad: Vec<&BadEntry> = i.entries.iter().filter_map(|e| e.as_ref().err()).collect();
        assert_eq!(bad.len(), 4, "{bad:?}");
        assert_eq!(bad[0].place, "/etc/odoo-audit/fleet.toml:4");
        assert!(bad[0].why.contains("unknown field `dbb`"), "{}", bad[0].why);
        assert_eq!(bad[1].place, "/etc/odoo-audit/fleet.toml:7");
        assert!(bad[1].why.contains("line 1"), "{}", bad[1].why);
        assert_eq!(bad[2].name, "c");
        assert!(bad[2].why.contains("neither"), "{}", bad[2].why);
        assert_eq!(bad[3].place, "/etc/odoo-audit/fleet.toml:15");
    }

    #[test]
    fn fleet_inventory_that_is_not_toml_is_a_usage_error_with_its_line() {
        let e = parse(
            "[[instance]]\nname = \"a\"\nnope\n",
            Path::new("/x/fleet.toml"),
        )
        .unwrap_err();
        assert_eq!(e.code, crate::exit::USAGE);
        assert!(e.message.starts_with("/x/fleet.toml:3:"), "{}", e.message);
        let e = parse("# nothing yet\n", Path::new("/x/fleet.toml")).unwrap_err();
        assert!(e.message.contains("no [[instance]]"), "{}", e.message);
        let e = parse("[other]\n", Path::new("/x/fleet.toml")).unwrap_err();
        assert!(e.message.contains("unknown field `other`"), "{}", e.message);
        assert!(e.message.starts_with("/x/fleet.toml:1:"), "{}", e.message);
    }
}
