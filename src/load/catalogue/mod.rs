//! The catalogue of Odoo's own addons, per series: the facts the checks need about addons that
//! are usually not on the addons path (Odoo's core, Odoo Enterprise). Built from an Odoo source
//! tree by [`build`] (`odoo-audit catalogue build`), shipped embedded in the binary
//! (`manifests/catalogue/<series>.json`), replaceable with `--catalogue FILE`.
//!
//! Facts only: names, manifest values, registered keys with the file and line that register
//! them, the bundles that load those files, client action tags, view XML ids and client template
//! names. No source text.
//!
//! The JSON is deterministic: maps are sorted, lists are sorted where their order carries no
//! meaning (`depends` keeps the manifest's order).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::escape;
use crate::exit::Fatal;
use crate::load::fsread;
use crate::load::web::assets::{self, Load};

pub mod build;

/// The largest catalogue file read (the shipped ones are well under it).
pub const CATALOGUE_MAX: u64 = 32 << 20;

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

/// An addon of Odoo. Enterprise addons carry `depends`, `license`, `installable`,
/// `auto_install`, `application` and the registered keys only (no version, category, external
/// dependencies, client actions or views; `bundles` and `file` of their registrations left
/// empty); Community addons carry everything.
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
    /// `t-name`s of the client templates (primary ones: extensions register no name) of its
    /// static XML files that a backend bundle loads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<String>,
    /// `t-name`s of the client templates of its static XML files that only test bundles load.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_templates: Vec<String>,
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

impl Registration {
    /// How the backend web client sees the registering file, from its bundles, with the rules
    /// of [`assets::BundleMap::load`]: a backend bundle loads it, only test bundles, only other
    /// bundles, or none. Enterprise registrations (no bundles recorded) are `Unbundled`: their
    /// key is known, not how it is loaded.
    pub fn load(&self) -> Load {
        if self
            .bundles
            .iter()
            .any(|b| assets::BACKEND_BUNDLES.contains(&b.as_str()))
        {
            return Load::Backend;
        }
        if self.bundles.is_empty() {
            return Load::Unbundled;
        }
        if self.bundles.iter().all(|b| assets::is_test_bundle(b)) {
            Load::TestOnly(self.bundles.clone())
        } else {
            Load::Other(
                self.bundles
                    .iter()
                    .filter(|b| !assets::is_test_bundle(b))
                    .cloned()
                    .collect(),
            )
        }
    }
}

impl SeriesCatalogue {
    /// The addons of one edition.
    pub fn edition(&self, e: Edition) -> impl Iterator<Item = (&String, &CatalogueAddon)> {
        self.addons.iter().filter(move |(_, a)| a.edition == e)
    }

    /// The addons registering `key` in `registry` (exact keys), with their registrations.
    pub fn registrations_of<'a>(
        &'a self,
        registry: &'a str,
        key: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a Registration)> + 'a {
        self.addons.iter().flat_map(move |(name, a)| {
            a.registrations
                .iter()
                .filter(move |r| r.registry == registry && r.key == key)
                .map(move |r| (name, r))
        })
    }
}

/// The catalogues shipped in the binary: (series, JSON text).
const EMBEDDED: &[(&str, &str)] = &[
    (
        "16.0",
        include_str!("../../../manifests/catalogue/16.0.json"),
    ),
    (
        "17.0",
        include_str!("../../../manifests/catalogue/17.0.json"),
    ),
    (
        "18.0",
        include_str!("../../../manifests/catalogue/18.0.json"),
    ),
    (
        "19.0",
        include_str!("../../../manifests/catalogue/19.0.json"),
    ),
];

/// The series the binary ships a catalogue for.
pub fn embedded_series() -> Vec<&'static str> {
    EMBEDDED.iter().map(|(s, _)| *s).collect()
}

/// Parses a catalogue file's text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<SeriesCatalogue, crate::exit::Fatal> {
    let cat: SeriesCatalogue = match serde_json::from_str(text) {
        Ok(c) => c,
        Err(e) => {
            // A file of another format gets that message rather than one about its shape.
            #[derive(Deserialize)]
            struct Head {
                format: Option<serde_json::Value>,
            }
            let head: Head = serde_json::from_str(text).map_err(|e| {
                Fatal::usage(format!(
                    "catalogue {}: not JSON (line {}, column {})",
                    escape::quote(origin),
                    e.line(),
                    e.column()
                ))
            })?;
            if head.format.as_ref().and_then(serde_json::Value::as_u64) != Some(u64::from(FORMAT)) {
                return Err(format_error(origin, head.format));
            }
            // serde's message names the field or value at fault; escaped and cut short.
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or_default();
            return Err(Fatal::usage(format!(
                "catalogue {}: not a catalogue file: {} (line {}, column {})",
                escape::quote(origin),
                escape::escape(msg, 120),
                e.line(),
                e.column()
            )));
        }
    };
    if cat.format != FORMAT {
        return Err(format_error(origin, Some(serde_json::json!(cat.format))));
    }
    Ok(cat)
}

fn format_error(origin: &str, format: Option<serde_json::Value>) -> Fatal {
    Fatal::usage(format!(
        "catalogue {}: format {} (this odoo-audit reads format {FORMAT})",
        escape::quote(origin),
        format
            .map(|f| escape::escape(&f.to_string(), 20))
            .unwrap_or_else(|| "missing".to_string())
    ))
}

/// The embedded catalogue of `series`, if the binary ships one. (A test parses every embedded
/// catalogue: one that does not parse is a build defect, not an input.)
pub fn embedded(series: &str) -> Option<SeriesCatalogue> {
    EMBEDDED
        .iter()
        .find(|(s, _)| *s == series)
        .map(|(s, text)| parse(text, &format!("embedded {s}")).expect("embedded catalogue parses"))
}

/// Where a catalogue came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    File(PathBuf),
}

impl Origin {
    pub fn describe(&self) -> String {
        match self {
            Origin::Embedded => "embedded".to_string(),
            Origin::File(p) => p.display().to_string(),
        }
    }
}

/// Reads a catalogue file (untrusted input): a regular file of at most [`CATALOGUE_MAX`] bytes,
/// UTF-8 JSON of this [`FORMAT`]. Every problem is a usage error naming the file.
pub fn read_file(path: &Path) -> Result<SeriesCatalogue, Fatal> {
    let shown = path.display().to_string();
    let text = fsread::read_to_string(path, CATALOGUE_MAX).map_err(|e| {
        Fatal::usage(format!(
            "--catalogue {}: {}",
            escape::quote(&shown),
            e.about_file()
        ))
    })?;
    let cat = parse(&text, &shown)?;
    if crate::load::version::Series::parse(&cat.series).is_none() {
        return Err(Fatal::usage(format!(
            "catalogue {}: series {} is not an Odoo series",
            escape::quote(&shown),
            escape::quote(&cat.series)
        )));
    }
    Ok(cat)
}

/// Every catalogue in use: the embedded ones, each replaced by the file of its series when one
/// of `files` is for it, and the files for other series; sorted by series. Two files for one
/// series are a usage error.
pub fn all(files: &[PathBuf]) -> Result<Vec<(Origin, SeriesCatalogue)>, Fatal> {
    let mut by_series: BTreeMap<String, (Origin, SeriesCatalogue)> = BTreeMap::new();
    for f in files {
        let cat = read_file(f)?;
        if let Some((Origin::File(other), _)) = by_series.get(&cat.series) {
            return Err(Fatal::usage(format!(
                "--catalogue: {} and {} are both catalogues of {}",
                escape::quote(&other.display().to_string()),
                escape::quote(&f.display().to_string()),
                cat.series
            )));
        }
        by_series.insert(cat.series.clone(), (Origin::File(f.clone()), cat));
    }
    for s in embedded_series() {
        if !by_series.contains_key(s) {
            if let Some(cat) = embedded(s) {
                by_series.insert(s.to_string(), (Origin::Embedded, cat));
            }
        }
    }
    Ok(by_series.into_values().collect())
}

/// The catalogue of `series`: the one of `files` for that series, else the embedded one, else
/// none. Every file is read and checked, whatever its series (a bad file is an error).
pub fn select(files: &[PathBuf], series: &str) -> Result<Option<SeriesCatalogue>, Fatal> {
    let mut found: Option<(PathBuf, SeriesCatalogue)> = None;
    for f in files {
        let cat = read_file(f)?;
        if cat.series != series {
            continue;
        }
        if let Some((other, _)) = &found {
            return Err(Fatal::usage(format!(
                "--catalogue: {} and {} are both catalogues of {series}",
                escape::quote(&other.display().to_string()),
                escape::quote(&f.display().to_string()),
            )));
        }
        found = Some((f.clone(), cat));
    }
    match found {
        Some((_, cat)) => Ok(Some(cat)),
        None => Ok(embedded(series)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogues_parse_and_hold_known_facts() {
        let series = embedded_series();
        assert!(
            series.contains(&"18.0") && series.contains(&"19.0"),
            "{series:?}"
        );
        for s in &series {
            let cat = embedded(s).unwrap();
            assert_eq!(&cat.series, s);
            assert_eq!(cat.format, FORMAT);
            // The shipped text is what the builder writes for it (one addon per line, sorted).
            let text = EMBEDDED.iter().find(|(x, _)| x == s).unwrap().1;
            assert_eq!(build::to_text(&cat), text, "{s}: not in the builder's form");
            // web registers these in the backend in every series (checked at generation too).
            for (registry, key) in [
                ("actions", "reload"),
                ("actions", "soft_reload"),
                ("fields", "many2many_tags"),
                ("fields", "statinfo"),
                ("fields", "monetary"),
            ] {
                let regs: Vec<_> = cat
                    .registrations_of(registry, key)
                    .filter(|(m, _)| *m == "web")
                    .collect();
                assert!(
                    regs.iter().any(|(_, r)| r.load() == Load::Backend),
                    "{s}: web does not register {key} in {registry} in the backend: {regs:?}"
                );
            }
            assert_eq!(cat.addons["base"].edition, Edition::Community);
            assert!(
                cat.addons["base"].depends.is_empty(),
                "{s}: base depends on nothing"
            );
            // web's list view template is in the backend bundle of every series.
            let web = &cat.addons["web"];
            assert!(
                web.templates.iter().any(|t| t == "web.ListRenderer"),
                "{s}: {:?}",
                web.templates
            );
            assert!(cat
                .edition(Edition::Enterprise)
                .all(|(_, a)| a.templates.is_empty() && a.test_templates.is_empty()));
        }
    }

    #[test]
    fn embedded_16_and_17_are_community_only() {
        for s in ["16.0", "17.0"] {
            let cat = embedded(s).unwrap();
            assert_eq!(cat.edition(Edition::Enterprise).count(), 0, "{s}");
            assert!(cat
                .source
                .notes
                .iter()
                .any(|n| n.contains("no Odoo Enterprise addon")));
        }
        let c16 = embedded("16.0").unwrap();
        // The fork's OCA addons (nested and copied) are left out.
        assert!(!c16.addons.contains_key("web_responsive"));
        assert!(!c16.addons.contains_key("auditlog"));
        assert!(c16.addons.contains_key("pos_mrp"));
        assert!(c16.source.name.contains("Martel-IT/odoo-16-core"));
        let c17 = embedded("17.0").unwrap();
        let apt = &c17.addons["account_payment_term"];
        assert_eq!(
            (apt.edition, apt.license.as_str()),
            (Edition::Community, "OEEL-1")
        );
    }

    #[test]
    fn embedded_18_and_19_facts() {
        let c18 = embedded("18.0").unwrap();
        let reload: Vec<_> = c18.registrations_of("actions", "reload").collect();
        assert!(
            reload.iter().any(|(m, r)| *m == "web"
                && r.file.starts_with("/web/static/src/")
                && r.bundles.iter().any(|b| b == "web.assets_backend")),
            "{reload:?}"
        );
        assert!(c18.source.name.contains("AhmedElarabyy/odoo-18"));
        assert_eq!(c18.source.date.as_deref(), Some("2025-05-20"));

        let c19 = embedded("19.0").unwrap();
        // Client templates of the snapshots' static XML files: mail's recipients list and
        // web's settings form buttons are gone in 19.0, web's file viewer stayed.
        let has =
            |c: &SeriesCatalogue, m: &str, t: &str| c.addons[m].templates.iter().any(|x| x == t);
        for (m, t, in18, in19) in [
            ("mail", "mail.BaseRecipientsList", true, false),
            ("web", "web.SettingsFormView.Buttons", true, false),
            ("web", "web.FileViewer", true, true),
            ("web", "web.NavBar.AppsMenu.Sidebar", true, true),
        ] {
            assert_eq!((has(&c18, m, t), has(&c19, m, t)), (in18, in19), "{t}");
        }
        // odoo/addons/account/__manifest__.py of the 19.0 snapshot.
        assert_eq!(
            c19.addons["account"].depends,
            vec![
                "base_setup",
                "onboarding",
                "product",
                "analytic",
                "portal",
                "digest"
            ]
        );
        assert_eq!(c19.addons["account"].license, "LGPL-3");
        for cat in [&c18, &c19] {
            // The Enterprise work-order tablet: mrp defines the tag, mrp_workorder registers it.
            assert!(cat.addons["mrp"]
                .client_actions
                .iter()
                .any(|t| t == "mrp_display"));
            let regs: Vec<_> = cat.registrations_of("actions", "mrp_display").collect();
            assert_eq!(regs.len(), 1, "{regs:?}");
            assert_eq!(regs[0].0, "mrp_workorder");
            assert_eq!(cat.addons["mrp_workorder"].edition, Edition::Enterprise);
            assert_eq!(
                cat.addons["account_accountant"].edition,
                Edition::Enterprise
            );
            assert_eq!(cat.addons["web_enterprise"].license, "OEEL-1");
        }
    }

    /// The embedded 19.0 catalogue's manifest facts are those of the tree it was built from.
    /// Generation time only (Odoo's source is never in CI): point `ODOO_AUDIT_ODOO_SRC19` at the
    /// tree's addons directory and run `cargo test --lib -- --ignored embedded_19`.
    #[test]
    #[ignore = "needs Odoo 19.0's source: ODOO_AUDIT_ODOO_SRC19=<odoo/addons of the snapshot>"]
    fn embedded_19_matches_its_source() {
        let src = std::env::var_os("ODOO_AUDIT_ODOO_SRC19")
            .map(std::path::PathBuf::from)
            .expect("ODOO_AUDIT_ODOO_SRC19 names the addons directory of the 19.0 snapshot");
        let src = src.as_path();
        assert!(src.is_dir(), "{} is not a directory", src.display());
        let cat = embedded("19.0").unwrap();
        let series = crate::load::version::Series::parse("19.0").unwrap();
        let inv = crate::load::addons::discover(
            &[src.to_path_buf()],
            Some((series, crate::load::addons::SeriesSource::Option)),
        );
        for name in ["account", "web", "mail", "stock", "mrp", "sale", "base"] {
            let m = &inv.addons[name].manifest;
            let a = &cat.addons[name];
            assert_eq!(a.depends, m.depends, "{name}");
            assert_eq!(a.version, m.version, "{name}");
            assert_eq!(a.license, m.license, "{name}");
        }
    }

    fn err(text: &str) -> String {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("c.json");
        std::fs::write(&p, text).unwrap();
        let e = read_file(&p).unwrap_err();
        assert_eq!(e.code, crate::exit::USAGE);
        e.message
    }

    #[test]
    fn bad_files_are_clear_usage_errors() {
        assert!(err("not json").contains("not JSON (line 1, column 2)"));
        assert!(err("{\"format\": 2, \"series\": \"18.0\"}")
            .contains("format 2 (this odoo-audit reads format 1)"));
        assert!(err("{\"series\": \"18.0\"}").contains("format missing"));
        let m = err("{\"format\": 1, \"series\": \"18.0\"}");
        assert!(
            m.contains("not a catalogue file: missing field `source`"),
            "{m}"
        );
        let m = err(
            "{\"format\":1,\"series\":\"x\\u0007y\",\"source\":{\"name\":\"n\"},\"addons\":{}}",
        );
        assert!(
            m.contains("series \"x\\u{7}y\" is not an Odoo series"),
            "{m}"
        );
        // Deep nesting ends in serde_json's recursion limit, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(err(&deep).contains("not JSON"));

        let tmp = tempfile::tempdir().unwrap();
        let big = tmp.path().join("big.json");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(CATALOGUE_MAX + 1)
            .unwrap();
        let m = read_file(&big).unwrap_err().message;
        assert!(m.contains("larger than"), "{m}");
        let m = read_file(tmp.path()).unwrap_err().message;
        assert!(m.contains("a directory, not a regular file"), "{m}");
    }

    #[test]
    fn a_file_replaces_the_embedded_catalogue_of_its_series() {
        let tmp = tempfile::tempdir().unwrap();
        let mut mine = embedded("18.0").unwrap();
        mine.source.name = "my fork".into();
        mine.addons.retain(|n, _| n == "web" || n == "base");
        let p = tmp.path().join("mine.json");
        std::fs::write(&p, build::to_text(&mine)).unwrap();
        let got = select(std::slice::from_ref(&p), "18.0").unwrap().unwrap();
        assert_eq!(got.source.name, "my fork");
        assert_eq!(got.addons.len(), 2);
        // Other series keep the embedded one; an unknown series has none.
        let c19 = select(std::slice::from_ref(&p), "19.0").unwrap().unwrap();
        assert!(c19.addons.len() > 600);
        assert!(select(&[], "15.0").unwrap().is_none());
        let listed = all(std::slice::from_ref(&p)).unwrap();
        let origins: Vec<(String, Origin)> = listed
            .iter()
            .map(|(o, c)| (c.series.clone(), o.clone()))
            .collect();
        assert!(origins.contains(&("18.0".into(), Origin::File(p.clone()))));
        assert!(origins.contains(&("19.0".into(), Origin::Embedded)));
        // Two files for one series.
        let q = tmp.path().join("again.json");
        std::fs::copy(&p, &q).unwrap();
        let m = select(&[p.clone(), q.clone()], "18.0").unwrap_err().message;
        assert!(m.contains("are both catalogues of 18.0"), "{m}");
        assert!(all(&[p, q]).is_err());
    }
}
