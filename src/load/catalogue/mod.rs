//! The catalogue of Odoo's own addons, per series: the facts the checks need about addons that
//! are usually not on the addons path (Odoo's core, Odoo Enterprise). Built from an Odoo source
//! tree by [`build`] (`odoo-audit catalogue build`), shipped embedded in the binary
//! (`manifests/catalogue/<series>.json`), replaceable with `--catalogue FILE`.
//!
//! Facts only: names, manifest values, registered keys with the file and line that register
//! them, the bundles that load those files, client action tags and view XML ids. No source text.
//!
//! The JSON is deterministic: maps are sorted, lists are sorted where their order carries no
//! meaning (`depends` keeps the manifest's order).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The format of a catalogue file; a file of another format is refused with a clear error.
pub const FORMAT: u32 = 1;

/// Which edition of Odoo an addon belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Edition {
    Community,
    Enterprise,
}

/// One catalogue file: one series of Odoo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesCatalogue {
    pub format: u32,
    /// `18.0`, `19.0`, …
    pub series: String,
    /// Where the facts come from.
    pub source: Source,
    /// Every addon, by technical name.
    pub addons: BTreeMap<String, CatalogueAddon>,
}

/// The source tree a catalogue was built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// A short description, e.g. `github:AhmedElarabyy/odoo-18 (sdist of Odoo 18.0)`.
    pub name: String,
    /// The commit of the snapshot, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The date of the snapshot (`YYYY-MM-DD`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// `odoo/release.py`'s `version_info`, when the tree has one (e.g. `18.0-20250520`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// Remarks on the source (a fork checked against upstream manifests, addons left out…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// An addon of Odoo. Enterprise addons carry `depends`, `license` and the registered keys
/// only (`bundles` and `file` left empty); Community addons carry everything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueAddon {
    pub edition: Edition,
    /// The manifest's version after `adapt_version` for the series.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub depends: Vec<String>,
    /// `false`, `true`, or the list of dependencies that trigger it.
    #[serde(default = "auto_install_no")]
    pub auto_install: serde_json::Value,
    #[serde(default = "yes")]
    pub installable: bool,
    #[serde(default)]
    pub application: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub license: String,
    /// `external_dependencies`: `python` and `bin` lists.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub external_dependencies: BTreeMap<String, Vec<String>>,
    /// Keys the addon registers in the web client's registries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registrations: Vec<Registration>,
    /// `ir.actions.client` tags its data files define.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub client_actions: Vec<String>,
    /// XML ids (`module.name`) of the `ir.ui.view` records and `<template>`s its data files
    /// define.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<String>,
}

fn auto_install_no() -> serde_json::Value {
    serde_json::Value::Bool(false)
}

fn yes() -> bool {
    true
}

/// One key registered in a registry category (`actions`, `fields`, `views`, …).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Registration {
    pub registry: String,
    pub key: String,
    /// The registering file, as a web path (`/web/static/src/…`); empty for Enterprise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub line: usize,
    /// The bundles that load the file, by the project's bundle resolution over the whole
    /// Community tree; empty for Enterprise or when no bundle loads it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bundles: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The catalogues shipped in the binary: (series, JSON text).
const EMBEDDED: &[(&str, &str)] = &[];

/// The series the binary ships a catalogue for.
pub fn embedded_series() -> Vec<&'static str> {
    EMBEDDED.iter().map(|(s, _)| *s).collect()
}

/// Parses a catalogue file's text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<SeriesCatalogue, crate::exit::Fatal> {
    let cat: SeriesCatalogue = serde_json::from_str(text).map_err(|e| {
        crate::exit::Fatal::usage(format!(
            "catalogue {}: not a catalogue file (line {}, column {})",
            crate::escape::quote(origin),
            e.line(),
            e.column()
        ))
    })?;
    if cat.format != FORMAT {
        return Err(crate::exit::Fatal::usage(format!(
            "catalogue {}: format {} (this odoo-audit reads format {FORMAT})",
            crate::escape::quote(origin),
            cat.format
        )));
    }
    Ok(cat)
}

/// The embedded catalogue of `series`, if the binary ships one.
pub fn embedded(series: &str) -> Option<SeriesCatalogue> {
    EMBEDDED
        .iter()
        .find(|(s, _)| *s == series)
        .map(|(s, text)| parse(text, &format!("embedded {s}")).expect("embedded catalogue parses"))
}
