//! Building a [`SeriesCatalogue`] from an Odoo source tree (`odoo-audit catalogue build`).
//!
//! The tree is read with the project's own loaders, as the checks read addons on a path:
//!
//! - the addons are the directories directly under `<source>/odoo/addons` and `<source>/addons`
//!   (the two upstream layouts; an sdist has only the first), then those directly under
//!   `--enterprise DIR` (a separate Enterprise tree), discovered by [`addons::discover`] with
//!   the series' `adapt_version`;
//! - an addon is Enterprise when its license is `OEEL-1` or it comes from `--enterprise`;
//!   every other addon is Community;
//! - the registrations in the `actions`, `fields` and `views` registries are found by
//!   [`handlers::scan_handlers`] over the Community addons, and the bundles that load each
//!   registering file by the project's bundle resolution ([`assets::Assembler`]) over the
//!   installable Community addons; Enterprise registrations are scanned over the whole tree (an
//!   Enterprise file may use a Community helper) and kept as names only;
//! - the XML data files a Community manifest lists (`data` and `demo`) are read through
//!   [`xmlread`]: `<record model="ir.actions.client">` give their `tag` field, and
//!   `<record model="ir.ui.view">` and `<template>` their XML ids, for the records directly
//!   under `<odoo>`/`<openerp>` or their `<data>` (not records quoted inside a view's arch).
//!
//! "View classes" of the issue are taken to be those two things: the keys of the `views`
//! registry (the `js_class` a view can name) and the XML ids of the views and templates.
//!
//! Facts only: names, manifest values, file paths and line numbers, bundle names, tags and ids.
//! The output is deterministic ([`to_text`]): the same tree gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{CatalogueAddon, Edition, Registration, SeriesCatalogue, Source, FORMAT};
use crate::escape;
use crate::exit::Fatal;
use crate::finding::Finding;
use crate::load::addons::{self, Addon, Inventory, SeriesSource};
use crate::load::fsread;
use crate::load::manifest::AutoInstall;
use crate::load::version::Series;
use crate::load::web::assets::{self, Assembler, StaticFiles};
use crate::load::web::handlers;
use crate::load::xmlread;

/// The license of Odoo Enterprise addons.
pub const ENTERPRISE_LICENSE: &str = "OEEL-1";

/// What to build from.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The Odoo source tree (holding `odoo/addons` and/or `addons`).
    pub source: PathBuf,
    /// A separate Enterprise tree (addons directly under it).
    pub enterprise: Option<PathBuf>,
    /// The series (default: `odoo/release.py` of the tree).
    pub series: Option<String>,
    /// How the catalogue names its source (default: the tree's directory name).
    pub name: Option<String>,
    pub commit: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    pub notes: Vec<String>,
    /// Addons of the tree left out (a fork's own addons, nested repositories).
    pub exclude: Vec<String>,
}

/// A built catalogue and what the loaders found on the way.
#[derive(Debug)]
pub struct Built {
    pub catalogue: SeriesCatalogue,
    /// Loading findings (unreadable manifests, data files not parsed, links out of an addon…).
    pub findings: Vec<Finding>,
    /// The addons paths that were read.
    pub paths: Vec<PathBuf>,
}

/// Builds the catalogue of a source tree.
pub fn build(opts: &Options) -> Result<Built, Fatal> {
    let meta = std::fs::metadata(&opts.source).map_err(|e| {
        Fatal::usage(format!(
            "--source {}: {e}",
            escape::quote(&opts.source.display().to_string())
        ))
    })?;
    if !meta.is_dir() {
        return Err(Fatal::usage(format!(
            "--source {}: not a directory",
            escape::quote(&opts.source.display().to_string())
        )));
    }
    let mut paths: Vec<PathBuf> = ["odoo/addons", "addons"]
        .iter()
        .map(|p| opts.source.join(p))
        .filter(|p| p.is_dir())
        .collect();
    if paths.is_empty() {
        return Err(Fatal::usage(format!(
            "--source {}: neither odoo/addons nor addons is there (not an Odoo source tree)",
            escape::quote(&opts.source.display().to_string())
        )));
    }
    let enterprise_index = match &opts.enterprise {
        None => None,
        Some(e) if e.is_dir() => {
            paths.push(e.clone());
            Some(paths.len() - 1)
        }
        Some(e) => {
            return Err(Fatal::usage(format!(
                "--enterprise {}: not a directory",
                escape::quote(&e.display().to_string())
            )))
        }
    };
    let series = match &opts.series {
        Some(s) => Series::parse(s).ok_or_else(|| {
            Fatal::usage(format!(
                "--series: {} is not an Odoo series (expected something like 18.0)",
                escape::quote(s)
            ))
        })?,
        None => {
            let release = opts.source.join("odoo").join("release.py");
            fsread::read_to_string(&release, fsread::SOURCE_MAX)
                .ok()
                .and_then(|t| addons::series_from_release(&t))
                .ok_or_else(|| {
                    Fatal::usage(format!(
                        "no --series and no readable version_info in {}",
                        escape::quote(&release.display().to_string())
                    ))
                })?
        }
    };
    if let Some(d) = &opts.date {
        if !is_date(d) {
            return Err(Fatal::usage(format!(
                "--date: {} is not a date (YYYY-MM-DD)",
                escape::quote(d)
            )));
        }
    }
    if let Some(c) = &opts.commit {
        if !(4..=64).contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Fatal::usage(format!(
                "--commit: {} is not a commit id (hexadecimal)",
                escape::quote(c)
            )));
        }
    }

    let mut inv = addons::discover(&paths, Some((series, SeriesSource::Option)));
    let excluded: BTreeSet<&str> = opts.exclude.iter().map(String::as_str).collect();
    inv.addons
        .retain(|name, _| !excluded.contains(name.as_str()));
    let edition_of = |a: &Addon| {
        if Some(a.path_index) == enterprise_index || a.manifest.license == ENTERPRISE_LICENSE {
            Edition::Enterprise
        } else {
            Edition::Community
        }
    };
    let mut community = inv.clone();
    community
        .addons
        .retain(|_, a| edition_of(a) == Edition::Community);

    let community_handlers = handlers::scan_handlers(&community, None);
    let bundles = bundles_of_files(&community);
    let all_handlers = handlers::scan_handlers(&inv, None);
    let data = data_facts(&community);
    let mut by_module: BTreeMap<&str, Vec<&handlers::Handler>> = BTreeMap::new();
    for h in community_handlers.all() {
        by_module.entry(h.module.as_str()).or_default().push(h);
    }
    let mut all_by_module: BTreeMap<&str, Vec<&handlers::Handler>> = BTreeMap::new();
    for h in all_handlers.all() {
        all_by_module.entry(h.module.as_str()).or_default().push(h);
    }

    let mut findings: Vec<Finding> = inv.findings.clone();
    findings.extend(community_handlers.findings.iter().cloned());
    let mut cat_addons: BTreeMap<String, CatalogueAddon> = BTreeMap::new();
    for (name, a) in &inv.addons {
        let edition = edition_of(a);
        let m = &a.manifest;
        let mut external = BTreeMap::new();
        if !m.python_dependencies.is_empty() {
            external.insert("python".to_string(), sorted(&m.python_dependencies));
        }
        if !m.bin_dependencies.is_empty() {
            external.insert("bin".to_string(), sorted(&m.bin_dependencies));
        }
        let auto_install = match &m.auto_install {
            AutoInstall::No => serde_json::Value::Bool(false),
            AutoInstall::All => serde_json::Value::Bool(true),
            AutoInstall::When(list) => serde_json::json!(sorted(list)),
        };
        let mut entry = CatalogueAddon {
            edition,
            version: None,
            depends: m.depends.clone(),
            auto_install,
            installable: m.installable,
            application: m.application,
            category: None,
            license: m.license.clone(),
            external_dependencies: BTreeMap::new(),
            registrations: Vec::new(),
            client_actions: Vec::new(),
            views: Vec::new(),
        };
        match edition {
            Edition::Community => {
                entry.version = m.version.clone();
                entry.category = Some(m.category.clone());
                entry.external_dependencies = external;
                let mut regs: Vec<Registration> = by_module
                    .get(name.as_str())
                    .into_iter()
                    .flatten()
                    .map(|h| {
                        let web = assets::web_path(a, &h.file).unwrap_or_default();
                        Registration {
                            registry: h.registry.as_str().to_string(),
                            key: h.key.clone(),
                            file: format!("/{web}"),
                            line: h.line,
                            bundles: bundles
                                .get(&web)
                                .map(|b| b.iter().cloned().collect())
                                .unwrap_or_default(),
                        }
                    })
                    .collect();
                regs.sort();
                regs.dedup();
                entry.registrations = regs;
                if let Some((tags, views)) = data.facts.get(name) {
                    entry.client_actions = tags.iter().cloned().collect();
                    entry.views = views.iter().cloned().collect();
                }
            }
            Edition::Enterprise => {
                let mut regs: Vec<Registration> = all_by_module
                    .get(name.as_str())
                    .into_iter()
                    .flatten()
                    .map(|h| Registration {
                        registry: h.registry.as_str().to_string(),
                        key: h.key.clone(),
                        file: String::new(),
                        line: 0,
                        bundles: Vec::new(),
                    })
                    .collect();
                regs.sort();
                regs.dedup();
                entry.registrations = regs;
            }
        }
        cat_addons.insert(name.clone(), entry);
    }
    findings.extend(data.findings);

    let mut notes = opts.notes.clone();
    if !cat_addons
        .values()
        .any(|a| a.edition == Edition::Enterprise)
    {
        notes.push("no Odoo Enterprise addon in this source: none is catalogued".to_string());
    }
    let name = opts.name.clone().unwrap_or_else(|| {
        opts.source
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .map(|n| format!("Odoo source tree {n}"))
            .unwrap_or_else(|| "Odoo source tree".to_string())
    });
    let catalogue = SeriesCatalogue {
        format: FORMAT,
        series: series.to_string(),
        source: Source {
            name,
            commit: opts.commit.clone(),
            date: opts.date.clone(),
            release: release_of(&opts.source),
            notes,
        },
        addons: cat_addons,
    };
    Ok(Built {
        catalogue,
        findings,
        paths,
    })
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v.dedup();
    v
}

fn is_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&d[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&d[8..10].parse::<u32>().unwrap_or(0))
}

/// The version an sdist declares (`Version:` of its `PKG-INFO`, e.g. `18.0.post20250520`).
fn release_of(source: &Path) -> Option<String> {
    let text = fsread::read_to_string(&source.join("PKG-INFO"), fsread::CONFIG_MAX).ok()?;
    text.lines()
        .take_while(|l| !l.trim().is_empty())
        .find_map(|l| l.strip_prefix("Version:"))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty() && v.len() <= 64 && !v.chars().any(char::is_control))
}

/// For each bundled web path (`module/static/…`), the bundles that load it, by the project's
/// bundle resolution over the installable addons of `inv`.
fn bundles_of_files(inv: &Inventory) -> BTreeMap<String, BTreeSet<String>> {
    let taking_part: Vec<&Addon> = inv
        .addons
        .values()
        .filter(|a| a.manifest.installable)
        .collect();
    let statics: BTreeMap<String, StaticFiles> = taking_part
        .par_iter()
        .map(|a| (a.name.clone(), assets::static_files(a)))
        .collect();
    let asm = Assembler::new(&taking_part, &statics);
    let mut names = asm.bundle_names();
    names.extend(assets::BACKEND_BUNDLES.iter().map(|s| s.to_string()));
    let per_bundle: Vec<(String, Vec<String>)> = names
        .into_iter()
        .map(|b| {
            let files = asm.bundle(&b);
            (b, files)
        })
        .collect();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (b, files) in per_bundle {
        for f in files {
            out.entry(f).or_default().insert(b.clone());
        }
    }
    out
}

/// The client action tags and the view XML ids of one addon's data files.
type AddonData = (BTreeSet<String>, BTreeSet<String>);

/// Per addon: the `ir.actions.client` tags and the view XML ids of its data files.
struct DataFacts {
    facts: BTreeMap<String, AddonData>,
    findings: Vec<Finding>,
}

fn data_facts(inv: &Inventory) -> DataFacts {
    let per_addon: Vec<(String, AddonData, Vec<Finding>)> = inv
        .addons
        .values()
        .collect::<Vec<_>>()
        .par_iter()
        .map(|a| {
            let mut tags = BTreeSet::new();
            let mut views = BTreeSet::new();
            let mut findings = Vec::new();
            let root = fsread::Root::unresolved(&a.dir);
            for rel in a.manifest.data.iter().chain(a.manifest.demo.iter()) {
                if !rel.ends_with(".xml") {
                    continue;
                }
                let file = a.dir.join(rel);
                let read = root.with_text(&file, fsread::SOURCE_MAX, |text| {
                    xml_facts(&a.name, text, &mut tags, &mut views)
                });
                match read {
                    Err(e) => findings.push(e.finding(&file).module(&a.name)),
                    Ok(Err(e)) => findings.push(
                        Finding::new(
                            &crate::rules::client_actions::DATA_FILE_NOT_PARSED,
                            format!(
                                "XML data file not parsed: {e}; its client actions and views are not catalogued"
                            ),
                        )
                        .module(&a.name)
                        .file(&file),
                    ),
                    Ok(Ok(())) => {}
                }
            }
            (a.name.clone(), (tags, views), findings)
        })
        .collect();
    let mut facts = BTreeMap::new();
    let mut findings = Vec::new();
    for (name, (tags, views), f) in per_addon {
        findings.extend(f);
        if !tags.is_empty() || !views.is_empty() {
            facts.insert(name, (tags, views));
        }
    }
    DataFacts { facts, findings }
}

/// The client action tags and view XML ids of one XML data file of `module`.
pub fn xml_facts(
    module: &str,
    text: &str,
    tags: &mut BTreeSet<String>,
    views: &mut BTreeSet<String>,
) -> Result<(), xmlread::XmlError> {
    let doc = xmlread::parse(text)?;
    let root = doc.root_element();
    if !(root.has_tag_name("odoo") || root.has_tag_name("openerp")) {
        return Ok(());
    }
    let top = root.children().filter(|n| n.is_element()).flat_map(|n| {
        let data = n.has_tag_name("data");
        std::iter::once(n)
            .filter(move |_| !data)
            .chain(n.children().filter(move |c| data && c.is_element()))
    });
    let xml_id = |id: &str| {
        let id = id.trim();
        if id.contains('.') {
            id.to_string()
        } else {
            format!("{module}.{id}")
        }
    };
    for n in top {
        if n.has_tag_name("template") {
            if let Some(id) = n.attribute("id").filter(|i| !i.trim().is_empty()) {
                views.insert(xml_id(id));
            }
            continue;
        }
        if !n.has_tag_name("record") {
            continue;
        }
        match n.attribute("model") {
            Some("ir.actions.client") => {
                for f in n
                    .children()
                    .filter(|c| c.has_tag_name("field") && c.attribute("name") == Some("tag"))
                {
                    let tag = f.text().unwrap_or("").trim();
                    if !tag.is_empty() {
                        tags.insert(tag.to_string());
                    }
                }
            }
            Some("ir.ui.view") => {
                if let Some(id) = n.attribute("id").filter(|i| !i.trim().is_empty()) {
                    views.insert(xml_id(id));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The catalogue as deterministic text: JSON with one addon per line (sorted by name), every
/// map sorted, no other white space; ends with a newline.
pub fn to_text(cat: &SeriesCatalogue) -> String {
    let mut out = String::with_capacity(1 << 20);
    out.push_str("{\"format\":");
    out.push_str(&cat.format.to_string());
    out.push_str(",\"series\":");
    out.push_str(&json(&cat.series));
    out.push_str(",\"source\":");
    out.push_str(&json(&cat.source));
    out.push_str(",\"addons\":{");
    for (i, (name, a)) in cat.addons.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('\n');
        out.push_str(&json(name));
        out.push(':');
        out.push_str(&json(a));
    }
    out.push_str("\n}}\n");
    out
}

fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    // Serializing plain data (strings, numbers, sorted maps) cannot fail.
    serde_json::to_string(v).unwrap_or_default()
}
