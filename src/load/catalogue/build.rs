//! Building a [`SeriesCatalogue`] from an Odoo source tree (`odoo-audit catalogue build`).
//!
//! The tree is read with the project's own loaders, as the checks read addons on a path:
//!
//! - the addons are the directories directly under `<source>/odoo/addons` and `<source>/addons`
//!   (the two upstream layouts; an sdist has only the first), then those directly under
//!   `--enterprise DIR` (a separate Enterprise tree), discovered by [`addons::discover`] with
//!   the series' `adapt_version`;
//! - an addon is Enterprise when it comes from `--enterprise`, or its license is `OEEL-1` and
//!   it is not named with `--community` (Odoo's Community source has held a few `OEEL-1`
//!   manifests); every other addon is Community;
//! - the registrations in the `actions`, `fields` and `views` registries are found by
//!   [`handlers::scan_handlers`] over the Community addons, and the bundles that load each
//!   registering file by the project's bundle resolution ([`assets::Assembler`]) over the
//!   installable Community addons; Enterprise registrations are scanned over the whole tree (an
//!   Enterprise file may use a Community helper) and kept as names only;
//! - the XML data files a Community manifest lists (`data` and `demo`) are read through
//!   [`xmlread`]: `<record model="ir.actions.client">` give their `tag` field, and
//!   `<record model="ir.ui.view">` and `<template>` their XML ids, for the records directly
//!   under `<odoo>`/`<openerp>` or their `<data>` (not records quoted inside a view's arch).
//! - the client templates of the static XML files of the Community addons that the bundles
//!   load (the same resolution) are read with [`templates::templates_of`]: the names the
//!   templates register in the web client (`t-name`, extensions left out), by the addon of the
//!   file, those of files a backend bundle loads apart from those of files only test bundles
//!   load;
//!
//! "View classes" of the issue are taken to be those two things: the keys of the `views`
//! registry (the `js_class` a view can name) and the XML ids of the views and templates.
//!
//! Facts only: names, manifest values, file paths and line numbers, bundle names, tags, ids and
//! template names.
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
use crate::load::views::templates;
use crate::load::web::assets::{self, Assembler, StaticFiles};
use crate::load::web::handlers;
use crate::load::web::uses::each_data_xml;
use crate::load::xmlread;
use crate::rules::views as view_rules;

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
    /// Addons that are Odoo Community's although their manifest says `OEEL-1` (Odoo has
    /// shipped a few such in its Community source).
    pub community: Vec<String>,
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
    let community_named: BTreeSet<&str> = opts.community.iter().map(String::as_str).collect();
    let edition_of = |a: &Addon| {
        if Some(a.path_index) == enterprise_index
            || (a.manifest.license == ENTERPRISE_LICENSE
                && !community_named.contains(a.name.as_str()))
        {
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
    let (bundles, statics) = bundles_of_files(&community);
    let client = client_templates(&bundles, &statics);
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

    // Findings about the addons left out are not this catalogue's.
    let mut findings: Vec<Finding> = inv
        .findings
        .iter()
        .filter(|f| f.module.as_deref().is_none_or(|m| !excluded.contains(m)))
        .cloned()
        .collect();
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
            templates: Vec::new(),
            test_templates: Vec::new(),
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
                if let Some((backend, tests)) = client.names.get(name) {
                    entry.templates = backend.iter().cloned().collect();
                    entry.test_templates = tests.iter().cloned().collect();
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
    findings.extend(client.findings);

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

/// The bundles that load each bundled file.
type FileBundles = BTreeMap<String, BTreeSet<String>>;

/// For each bundled web path (`module/static/…`), the bundles that load it, by the project's
/// bundle resolution over the installable addons of `inv`; and the static files of those
/// addons.
fn bundles_of_files(inv: &Inventory) -> (FileBundles, BTreeMap<String, StaticFiles>) {
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
    (out, statics)
}

/// The client template names of one addon: those of files a backend bundle loads, those of
/// files only test bundles load.
type AddonTemplates = (BTreeSet<String>, BTreeSet<String>);

/// Per addon, the names of its client templates; and the template files that were not read.
struct ClientTemplates {
    names: BTreeMap<String, AddonTemplates>,
    findings: Vec<Finding>,
}

/// The names the client templates of the bundled XML files register, per addon of the file.
/// A file counts for the backend when a backend bundle ([`assets::BACKEND_BUNDLES`], those
/// `check-views` combines) loads it, for the tests when only test bundles and others do and
/// one test bundle does. The names are those `AssetsBundle.xml()` registers: the `t-name` of
/// templates that are not extensions (an extension's `t-name`, if any, names nothing).
fn client_templates(
    bundles: &FileBundles,
    statics: &BTreeMap<String, StaticFiles>,
) -> ClientTemplates {
    let files: Vec<(&String, bool)> = bundles
        .iter()
        // `AssetsBundle` takes a file as a template file by its extension.
        .filter(|(url, _)| url.rsplit('.').next() == Some("xml"))
        .filter_map(|(url, b)| {
            if b.iter()
                .any(|b| assets::BACKEND_BUNDLES.contains(&b.as_str()))
            {
                Some((url, false))
            } else if b.iter().any(|b| assets::is_test_bundle(b)) {
                Some((url, true))
            } else {
                None
            }
        })
        .collect();
    let per_file: Vec<(String, bool, Vec<String>, Option<Finding>)> = files
        .par_iter()
        .filter_map(|&(url, test)| {
            let module = url.split('/').next().unwrap_or_default();
            let path = templates::path_of(url, statics)?;
            let read = fsread::with_text(path, fsread::SOURCE_MAX, |text| {
                templates::templates_of(module, path, url, text)
            });
            let (names, finding) = match read {
                Ok(Ok(defs)) => (registered_names(&defs), None),
                Ok(Err(e)) => (
                    Vec::new(),
                    Some(
                        Finding::new(
                            &view_rules::VIEW_FILE_UNREADABLE,
                            format!(
                                "template file not parsed: {e}; its templates are not catalogued"
                            ),
                        )
                        .module(module)
                        .file(path),
                    ),
                ),
                Err(e) => (Vec::new(), Some(e.finding(path).module(module))),
            };
            Some((module.to_string(), test, names, finding))
        })
        .collect();
    let mut out = ClientTemplates {
        names: BTreeMap::new(),
        findings: Vec::new(),
    };
    for (module, test, names, finding) in per_file {
        out.findings.extend(finding);
        if names.is_empty() {
            continue;
        }
        let (backend, tests) = out.names.entry(module).or_default();
        if test { tests } else { backend }.extend(names);
    }
    out
}

/// The names that templates register in the web client: the `t-name` of each template that is
/// not an extension and whose `t-inherit-mode` Odoo accepts.
fn registered_names(defs: &[crate::load::views::TemplateDef]) -> Vec<String> {
    defs.iter()
        .filter(|d| match &d.inherit {
            None => true,
            Some(_) => matches!(d.inherit_mode.as_deref(), None | Some("primary")),
        })
        .filter_map(|d| d.name.clone())
        .filter(|n| !n.is_empty())
        .collect()
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
            let findings = each_data_xml(
                a,
                "its client actions and views are not catalogued",
                |_, text| xml_facts(&a.name, text, &mut tags, &mut views),
            );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, files: &[(&str, &str)]) {
        for (rel, text) in files {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }

    /// A small Odoo tree: `web` registering keys in the backend bundle, `web_site` registering
    /// one in a frontend-only bundle, `acct` with a data file (client action, views, a
    /// template, a record quoted in an arch), `ent` under OEEL-1, and a `fork_own` addon.
    fn tree() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            &[
                ("odoo/release.py", "version_info = (18, 0, 0, FINAL, 0, '')\n"),
                ("PKG-INFO", "Metadata-Version: 2.1\nName: odoo\nVersion: 18.0.post20250101\n\nbody\n"),
                (
                    "odoo/addons/web/__manifest__.py",
                    "{'name': 'Web', 'version': '1.0', 'depends': ['base'], 'auto_install': True, \
                     'category': 'Hidden', 'license': 'LGPL-3', \
                     'assets': {'web.assets_backend': ['web/static/src/**/*.js', 'web/static/src/**/*.xml'], \
                     'web.assets_frontend': ['web/static/frontend/*'], \
                     'web.qunit_suite_tests': ['web/static/tests/**/*']}}",
                ),
                (
                    "odoo/addons/web/static/src/actions.js",
                    "import { registry } from \"@web/core/registry\";\n\
                     registry.category(\"actions\").add(\"reload\", reload);\n\
                     registry.category(\"fields\").add(\"many2many_tags\", tags);\n",
                ),
                (
                    "odoo/addons/web/static/src/views.js",
                    "const viewRegistry = registry.category('views');\n\nviewRegistry.add('my_list', view);\n",
                ),
                (
                    "odoo/addons/web/static/frontend/public.js",
                    "registry.category('fields').add('public_only', W);\n",
                ),
                (
                    "odoo/addons/web/static/src/core.xml",
                    r#"<?xml version="1.0" encoding="UTF-8"?>
<templates xml:space="preserve">
  <t t-name="web.Core"><div/></t>
  <t t-name="web.Core.Primary" t-inherit="web.Core"><xpath expr="." position="inside"/></t>
  <t t-name="web.Named.Extension" t-inherit="web.Core" t-inherit-mode="extension"/>
  <t t-name="web.BadMode" t-inherit="web.Core" t-inherit-mode="other"/>
  <t t-name=""/>
  <t t-name="web.Core"><div/></t>
  <t t-name="web.Explicit.Primary" t-inherit="web.Core" t-inherit-mode="primary"/>
</templates>"#,
                ),
                (
                    "odoo/addons/web/static/src/odoo.xml",
                    "<odoo><t t-name=\"web.InOdoo\"/><t t-name=\"web.InOdoo2\"/></odoo>",
                ),
                (
                    "odoo/addons/web/static/src/root.xml",
                    "<t t-name=\"web.Root\"><span/></t>",
                ),
                (
                    "odoo/addons/web/static/frontend/public.xml",
                    "<templates><t t-name=\"web.Public\"/></templates>",
                ),
                (
                    "odoo/addons/web/static/tests/helpers.xml",
                    "<templates><t t-name=\"web.TestHelper\"/></templates>",
                ),
                (
                    "odoo/addons/web/static/unused/nowhere.xml",
                    "<templates><t t-name=\"web.Nowhere\"/></templates>",
                ),
                (
                    "odoo/addons/web/static/unused/nowhere.js",
                    "registry.category('actions').add('unbundled', A);\n",
                ),
                (
                    "addons/acct/__manifest__.py",
                    "{'name': 'Acct', 'version': '2.1', 'depends': ['web', 'mail'], \
                     'auto_install': ['mail', 'web'], 'application': True, 'license': 'LGPL-3', \
                     'external_dependencies': {'python': ['zeep', 'lxml'], 'bin': ['wkhtmltopdf']}, \
                     'data': ['views/acct.xml', 'data/rules.csv'], 'demo': ['demo/demo.xml'], \
                     'assets': {'web.assets_backend': ['acct/static/src/*.xml']}}",
                ),
                (
                    "addons/acct/views/acct.xml",
                    r#"<?xml version="1.0"?>
<odoo>
  <record id="action_dash" model="ir.actions.client">
    <field name="name">Dashboard</field>
    <field name="tag">acct_dashboard</field>
  </record>
  <data noupdate="1">
    <record id="view_form" model="ir.ui.view">
      <field name="arch" type="xml">
        <form><record id="not_a_record" model="ir.ui.view"/></form>
      </field>
    </record>
  </data>
  <record id="base.view_partner" model="ir.ui.view"><field name="arch" type="xml"><form/></field></record>
  <template id="report_page"><div/></template>
  <record id="act_window" model="ir.actions.act_window"><field name="name">W</field></record>
</odoo>"#,
                ),
                (
                    "addons/acct/demo/demo.xml",
                    "<openerp><data><record id=\"demo_action\" model=\"ir.actions.client\"><field name=\"tag\">demo_tag</field></record></data></openerp>",
                ),
                ("addons/acct/data/rules.csv", "id,name\n"),
                (
                    "addons/acct/static/src/acct.xml",
                    "<templates><t t-name=\"web.FromAcct\"/><t t-name=\"acct.Board\"/></templates>",
                ),
                (
                    "addons/ent/__manifest__.py",
                    "{'name': 'Ent', 'version': '1.3', 'depends': ['acct'], 'license': 'OEEL-1', \
                     'assets': {'web.assets_backend': ['ent/static/src/*']}}",
                ),
                (
                    "addons/ent/static/src/ent.js",
                    "registry.category('actions').add('ent_action', E);\n",
                ),
                (
                    "addons/ent/static/src/ent.xml",
                    "<templates><t t-name=\"ent.Secret\"/></templates>",
                ),
                (
                    "addons/ent/views/v.xml",
                    "<odoo><record id=\"x\" model=\"ir.actions.client\"><field name=\"tag\">ignored</field></record></odoo>",
                ),
                (
                    "addons/fork_own/__manifest__.py",
                    "{'name': 'Fork', 'depends': ['web'], 'license': 'AGPL-3'}",
                ),
            ],
        );
        tmp
    }

    fn opts(dir: &Path) -> Options {
        Options {
            source: dir.to_path_buf(),
            name: Some("test tree".into()),
            commit: Some("c7678f85".into()),
            date: Some("2025-05-20".into()),
            notes: vec!["made by the test".into()],
            exclude: vec!["fork_own".into()],
            ..Options::default()
        }
    }

    #[test]
    fn builds_exact_facts() {
        let tmp = tree();
        let built = build(&opts(tmp.path())).unwrap();
        assert!(built.findings.is_empty(), "{:?}", built.findings);
        let cat = built.catalogue;
        assert_eq!(cat.series, "18.0", "series from odoo/release.py");
        assert_eq!(cat.source.release.as_deref(), Some("18.0.post20250101"));
        assert_eq!(cat.source.notes, vec!["made by the test".to_string()]);
        assert_eq!(
            cat.addons.keys().collect::<Vec<_>>(),
            vec!["acct", "ent", "web"],
            "fork_own excluded"
        );

        let web = &cat.addons["web"];
        assert_eq!(web.edition, Edition::Community);
        assert_eq!(web.version.as_deref(), Some("18.0.1.0"));
        assert_eq!(web.auto_install, serde_json::json!(true));
        assert_eq!(web.category.as_deref(), Some("Hidden"));
        let regs: Vec<(&str, &str, &str, usize, Vec<&str>)> = web
            .registrations
            .iter()
            .map(|r| {
                (
                    r.registry.as_str(),
                    r.key.as_str(),
                    r.file.as_str(),
                    r.line,
                    r.bundles.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            regs,
            vec![
                (
                    "actions",
                    "reload",
                    "/web/static/src/actions.js",
                    2,
                    vec!["web.assets_backend"]
                ),
                (
                    "actions",
                    "unbundled",
                    "/web/static/unused/nowhere.js",
                    1,
                    vec![]
                ),
                (
                    "fields",
                    "many2many_tags",
                    "/web/static/src/actions.js",
                    3,
                    vec!["web.assets_backend"]
                ),
                (
                    "fields",
                    "public_only",
                    "/web/static/frontend/public.js",
                    1,
                    vec!["web.assets_frontend"]
                ),
                (
                    "views",
                    "my_list",
                    "/web/static/src/views.js",
                    3,
                    vec!["web.assets_backend"]
                ),
            ]
        );
        assert_eq!(web.registrations[0].load(), assets::Load::Backend);
        assert_eq!(web.registrations[1].load(), assets::Load::Unbundled);
        assert_eq!(
            web.registrations[3].load(),
            assets::Load::Other(vec!["web.assets_frontend".into()])
        );

        let acct = &cat.addons["acct"];
        assert_eq!(acct.version.as_deref(), Some("18.0.2.1"));
        assert_eq!(acct.depends, vec!["web", "mail"], "manifest order kept");
        assert_eq!(acct.auto_install, serde_json::json!(["mail", "web"]));
        assert!(acct.application && acct.installable);
        assert_eq!(acct.category.as_deref(), Some("Uncategorized"));
        assert_eq!(
            acct.external_dependencies,
            BTreeMap::from([
                ("bin".to_string(), vec!["wkhtmltopdf".to_string()]),
                (
                    "python".to_string(),
                    vec!["lxml".to_string(), "zeep".to_string()]
                ),
            ])
        );
        assert_eq!(acct.client_actions, vec!["acct_dashboard", "demo_tag"]);
        assert_eq!(
            acct.views,
            vec!["acct.report_page", "acct.view_form", "base.view_partner"]
        );
        assert!(acct.registrations.is_empty());
        // Client templates: the names a backend bundle's files register (not extensions, nor
        // a mode Odoo refuses, nor an empty name), by the module of the file; test-only files
        // apart; frontend and unbundled files not at all.
        assert_eq!(
            web.templates,
            [
                "web.Core",
                "web.Core.Primary",
                "web.Explicit.Primary",
                "web.InOdoo",
                "web.InOdoo2",
                "web.Root"
            ]
        );
        assert_eq!(web.test_templates, ["web.TestHelper"]);
        assert_eq!(acct.templates, ["acct.Board", "web.FromAcct"]);
        assert!(acct.test_templates.is_empty());

        let ent = &cat.addons["ent"];
        assert_eq!(ent.edition, Edition::Enterprise);
        assert_eq!(ent.license, "OEEL-1");
        assert_eq!(ent.depends, vec!["acct"]);
        assert_eq!(ent.version, None);
        assert_eq!(ent.category, None);
        assert!(ent.client_actions.is_empty() && ent.views.is_empty());
        assert!(ent.templates.is_empty() && ent.test_templates.is_empty());
        assert_eq!(
            ent.registrations,
            vec![Registration {
                registry: "actions".into(),
                key: "ent_action".into(),
                file: String::new(),
                line: 0,
                bundles: vec![],
            }]
        );
        // Enterprise files take no part in the Community bundles.
        assert!(cat.registrations_of("actions", "ent_action").count() == 1);
    }

    #[test]
    fn a_template_file_not_parsed_is_a_finding_and_the_others_are_catalogued() {
        let tmp = tree();
        write(
            tmp.path(),
            &[
                (
                    "odoo/addons/web/static/src/broken.xml",
                    "<templates><t t-name=\"web.Broken\"></templates>",
                ),
                (
                    "odoo/addons/web/static/tests/deep.xml",
                    &format!("{}{}", "<t>".repeat(100_000), "</t>".repeat(100_000)),
                ),
            ],
        );
        let built = build(&opts(tmp.path())).unwrap();
        let files: Vec<(&str, &str)> = built
            .findings
            .iter()
            .map(|f| {
                let file = f.file.as_deref().unwrap_or_default();
                (f.code, file.rsplit('/').next().unwrap_or_default())
            })
            .collect();
        assert_eq!(files, [("X010", "broken.xml"), ("X010", "deep.xml")]);
        assert!(built.findings[0]
            .message
            .contains("its templates are not catalogued"));
        let web = &built.catalogue.addons["web"];
        assert!(web.templates.iter().any(|t| t == "web.Core"));
        assert!(!web.templates.iter().any(|t| t == "web.Broken"));
        assert_eq!(web.test_templates, ["web.TestHelper"]);
    }

    #[test]
    fn same_tree_same_bytes_and_round_trip() {
        let tmp = tree();
        let a = to_text(&build(&opts(tmp.path())).unwrap().catalogue);
        let b = to_text(&build(&opts(tmp.path())).unwrap().catalogue);
        assert_eq!(a, b);
        // One addon per line, then the closing line.
        assert_eq!(a.lines().count(), 1 + 3 + 1);
        let parsed = super::super::parse(&a, "test").unwrap();
        assert_eq!(to_text(&parsed), a);
    }

    #[test]
    fn separate_enterprise_tree_and_options() {
        let tmp = tree();
        let ent = tempfile::tempdir().unwrap();
        write(
            ent.path(),
            &[
                (
                    "web_studio/__manifest__.py",
                    "{'name': 'Studio', 'depends': ['web'], 'license': 'OEEL-1'}",
                ),
                (
                    "helpdesk/__manifest__.py",
                    "{'name': 'Helpdesk', 'depends': ['acct']}",
                ),
                (
                    "helpdesk/static/src/h.js",
                    "registry.category('views').add('helpdesk_kanban', V);\n",
                ),
            ],
        );
        let mut o = opts(tmp.path());
        o.enterprise = Some(ent.path().to_path_buf());
        o.series = Some("17.0".into());
        o.community = vec!["ent".into()];
        let cat = build(&o).unwrap().catalogue;
        assert_eq!(cat.series, "17.0");
        assert_eq!(cat.addons["web"].version.as_deref(), Some("17.0.1.0"));
        let h = &cat.addons["helpdesk"];
        assert_eq!(h.edition, Edition::Enterprise, "from --enterprise");
        assert_eq!(h.license, "LGPL-3");
        assert_eq!(h.registrations[0].key, "helpdesk_kanban");
        assert_eq!(cat.addons["web_studio"].edition, Edition::Enterprise);
        let e = &cat.addons["ent"];
        assert_eq!(
            (e.edition, e.license.as_str()),
            (Edition::Community, "OEEL-1")
        );
        assert_eq!(
            e.version.as_deref(),
            Some("17.0.1.3"),
            "--community: all facts"
        );

        // No Enterprise addon: said in the notes.
        let mut o = opts(tmp.path());
        o.exclude.push("ent".into());
        let cat = build(&o).unwrap().catalogue;
        assert!(cat
            .source
            .notes
            .iter()
            .any(|n| n.contains("no Odoo Enterprise")));

        for (bad, what) in [
            (
                Options {
                    date: Some("2025-13-01".into()),
                    ..opts(tmp.path())
                },
                "--date",
            ),
            (
                Options {
                    commit: Some("not-hex".into()),
                    ..opts(tmp.path())
                },
                "--commit",
            ),
            (
                Options {
                    series: Some("eighteen".into()),
                    ..opts(tmp.path())
                },
                "--series",
            ),
            (
                Options {
                    source: tmp.path().join("odoo/addons/web"),
                    ..opts(tmp.path())
                },
                "not an Odoo source tree",
            ),
        ] {
            let e = build(&bad).unwrap_err();
            assert_eq!(e.code, crate::exit::USAGE);
            assert!(e.message.contains(what), "{}", e.message);
        }
    }
}
