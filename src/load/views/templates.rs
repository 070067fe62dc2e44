//! The client templates of the asset bundles (see the module documentation of `load::views`).
//!
//! Bundles are resolved by [`Assembler`] (the manifests' `assets`, as `ir.asset` does). The
//! backend is `web.assets_web` when it holds `web.assets_backend` (17.0 and later, `web` on the
//! path), `web.assets_backend` otherwise, plus the lazy `web.assets_backend_lazy`; the test
//! bundles are every other bundle [`is_test_bundle`] names. Each bundle's templates come in the
//! order of its XML files, and within a file in document order, as `AssetsBundle.xml()` of
//! `odoo/addons/base/models/assetsbundle.py` reads them: `XMLAsset` parses the file strictly
//! (a file that is not well-formed makes Odoo replace the whole bundle's templates with an
//! error), keeps the children of a `<templates>` (or `<template>`) root, else the root itself;
//! `xml()` then takes the children of an `<odoo>` root (written exactly so), else every
//! element it kept, one template each.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{BundleTemplates, TemplateDef};
use crate::finding::Finding;
use crate::load::addons::Addon;
use crate::load::fsread;
use crate::load::web::assets::{is_test_bundle, Assembler, StaticFiles};
use crate::load::xmlread;
use crate::rules::views as r;

/// What [`load_templates`] read.
#[derive(Debug, Default)]
pub struct TemplatesOnDisk {
    /// One entry per bundle that loads XML files: the backend ones first, then the test ones
    /// by name.
    pub bundles: Vec<BundleTemplates>,
    /// Bundled files that could not be read or parsed.
    pub findings: Vec<Finding>,
}

/// The backend bundle that loads the templates of `web.assets_backend`.
const ASSETS_WEB: &str = "web.assets_web";
const ASSETS_BACKEND: &str = "web.assets_backend";
const ASSETS_BACKEND_LAZY: &str = "web.assets_backend_lazy";

/// Reads the templates of the bundles the backend and the test runners load. `addons` are the
/// addons taken as installed, `statics` their static files ([`crate::load::web::assets::static_files`];
/// the findings of those walks are the caller's).
pub fn load_templates(
    addons: &[&Addon],
    statics: &BTreeMap<String, StaticFiles>,
) -> TemplatesOnDisk {
    let asm = Assembler::new(addons, statics);
    let mut wanted: Vec<(String, bool, Vec<String>)> = Vec::new();
    let web = asm.bundle(ASSETS_WEB);
    let backend = asm.bundle(ASSETS_BACKEND);
    let web_has_backend = !web.is_empty() && {
        let set: BTreeSet<&String> = web.iter().collect();
        backend.iter().all(|p| set.contains(p))
    };
    if web_has_backend {
        wanted.push((ASSETS_WEB.into(), false, web));
    } else {
        wanted.push((ASSETS_BACKEND.into(), false, backend));
        if !web.is_empty() {
            wanted.push((ASSETS_WEB.into(), false, web));
        }
    }
    wanted.push((
        ASSETS_BACKEND_LAZY.into(),
        false,
        asm.bundle(ASSETS_BACKEND_LAZY),
    ));
    for name in asm.bundle_names() {
        if is_test_bundle(&name) {
            let files = asm.bundle(&name);
            wanted.push((name, true, files));
        }
    }
    for (_, _, files) in &mut wanted {
        // `AssetsBundle` takes a file as a template file by its extension (`rpartition('.')`).
        files.retain(|p| p.rsplit('.').next() == Some("xml"));
    }
    wanted.retain(|(_, _, files)| !files.is_empty());

    // Each file once, however many bundles load it.
    let unique: BTreeSet<String> = wanted
        .iter()
        .flat_map(|(_, _, f)| f.iter().cloned())
        .collect();
    let parsed: HashMap<String, (Vec<TemplateDef>, Option<Finding>)> = unique
        .into_par_iter()
        .map(|url| {
            let r = read_url(&url, statics);
            (url, r)
        })
        .collect();

    let mut out = TemplatesOnDisk {
        findings: parsed.values().filter_map(|(_, f)| f.clone()).collect(),
        ..Default::default()
    };
    out.findings.sort_by(|a, b| a.file.cmp(&b.file));
    for (bundle, test, files) in wanted {
        let templates = files
            .iter()
            .filter_map(|u| parsed.get(u))
            .flat_map(|(t, _)| t.iter())
            .cloned()
            .collect();
        out.bundles.push(BundleTemplates {
            bundle,
            test,
            templates,
        });
    }
    out
}

/// The absolute path of a web path, from the static files of its addon.
pub fn path_of<'s>(url: &str, statics: &'s BTreeMap<String, StaticFiles>) -> Option<&'s PathBuf> {
    let module = url.split('/').next()?;
    let st = statics.get(module)?;
    let i = st
        .files
        .binary_search_by(|(p, _)| p.as_str().cmp(url))
        .ok()?;
    st.files.get(i).map(|(_, p)| p)
}

/// The templates of a bundled file, or the finding saying why it was not read.
fn read_url(
    url: &str,
    statics: &BTreeMap<String, StaticFiles>,
) -> (Vec<TemplateDef>, Option<Finding>) {
    let module = url.split('/').next().unwrap_or_default();
    let Some(path) = path_of(url, statics) else {
        return (Vec::new(), None);
    };
    match fsread::with_text(path, fsread::SOURCE_MAX, |text| {
        templates_of(module, path, url, text)
    }) {
        Ok(Ok(t)) => (t, None),
        Ok(Err(e)) => {
            let f = Finding::new(
                &r::VIEW_FILE_UNREADABLE,
                format!(
                    "template file not parsed: {e}; Odoo replaces the templates of every bundle that loads it with an error"
                ),
            )
            .module(module)
            .file(path);
            (Vec::new(), Some(f))
        }
        Err(e) => (Vec::new(), Some(e.finding(path).module(module))),
    }
}

/// The templates of one bundled XML file, in document order.
pub fn templates_of(
    module: &str,
    file: &Path,
    url: &str,
    text: &str,
) -> Result<Vec<TemplateDef>, xmlread::XmlError> {
    let doc = xmlread::parse(text)?;
    let root = doc.root_element();
    let plain = |n: roxmltree::Node, name: &str| {
        n.tag_name().namespace().is_none() && n.tag_name().name() == name
    };
    // XMLAsset keeps the children of a <templates>/<template> root, else the root itself; a
    // root that serializes as `<odoo>…` (no attribute, no namespace declaration, some content
    // once comments are removed) is then unwrapped by `xml()`.
    let unwrap = plain(root, "templates")
        || plain(root, "template")
        || (plain(root, "odoo")
            && root.attributes().len() == 0
            && root.namespaces().len() == 0
            && root.children().any(|c| c.is_element() || c.is_text()));
    let elements: Vec<roxmltree::Node> = if unwrap {
        root.children().filter(|c| c.is_element()).collect()
    } else {
        vec![root]
    };
    let lines: Vec<usize> = memchr::memchr_iter(b'\n', text.as_bytes()).collect();
    let line_of = |pos: usize| lines.partition_point(|&nl| nl < pos) + 1;
    Ok(elements
        .into_iter()
        .map(|el| TemplateDef {
            name: el.attribute("t-name").map(str::to_string),
            inherit: el.attribute("t-inherit").map(str::to_string),
            inherit_mode: el.attribute("t-inherit-mode").map(str::to_string),
            module: module.to_string(),
            file: file.to_path_buf(),
            url: url.to_string(),
            text: text.get(el.range()).unwrap_or_default().to_string(),
            line: line_of(el.range().start),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::web::assets::static_files;
    use crate::testdata;

    fn load(files: &[(&str, &str)]) -> (tempfile::TempDir, TemplatesOnDisk) {
        let (d, inv) = testdata::addons(files);
        let addons: Vec<&Addon> = inv.addons.values().collect();
        let statics: BTreeMap<String, StaticFiles> = addons
            .iter()
            .map(|a| (a.name.clone(), static_files(a)))
            .collect();
        let got = load_templates(&addons, &statics);
        (d, got)
    }

    #[test]
    fn bundles_in_file_and_document_order() {
        let assets = "'assets': {'web.assets_backend': ['a/static/src/**/*'], \
                      'web.assets_unit_tests': ['a/static/tests/**/*'], \
                      'web.assets_frontend': ['a/static/front/*']}";
        let (_d, got) = load(&[
            ("a/__manifest__.py", &testdata::manifest(&["web"], assets)),
            (
                "a/static/src/x.xml",
                "<?xml version=\"1.0\"?>\n<templates xml:space=\"preserve\">\n  <!-- c -->\n  <t t-name=\"a.X\"><div/></t>\n  <t t-inherit=\"web.Y\" t-inherit-mode=\"extension\">\n    <xpath expr=\".\" position=\"inside\"/>\n  </t>\n</templates>\n",
            ),
            ("a/static/src/b.xml", "<odoo><t t-name=\"a.B\"/><t t-name=\"a.C\"/></odoo>"),
            ("a/static/src/c.xml", "<t t-name=\"a.Root\"><span/></t>"),
            ("a/static/src/d.xml", "<odoo x=\"1\"><t t-name=\"a.Hidden\"/></odoo>"),
            ("a/static/src/bad.xml", "<templates><t t-name=\"a.Bad\"></templates>"),
            ("a/static/src/x.js", "// not a template"),
            ("a/static/tests/t.xml", "<templates><t t-name=\"a.T\" t-inherit=\"a.X\"/></templates>"),
            ("a/static/front/f.xml", "<templates><t t-name=\"a.F\"/></templates>"),
        ]);
        let names: Vec<(&str, bool)> = got
            .bundles
            .iter()
            .map(|b| (b.bundle.as_str(), b.test))
            .collect();
        // web is not on the path: its backend bundle is web.assets_backend.
        assert_eq!(
            names,
            [
                ("web.assets_backend", false),
                ("web.assets_unit_tests", true)
            ]
        );
        let backend = &got.bundles[0].templates;
        type Row<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, usize);
        let t: Vec<Row> = backend
            .iter()
            .map(|t| {
                (
                    t.name.as_deref(),
                    t.inherit.as_deref(),
                    t.inherit_mode.as_deref(),
                    t.line,
                )
            })
            .collect();
        assert_eq!(
            t,
            [
                (Some("a.B"), None, None, 1),
                (Some("a.C"), None, None, 1),
                (Some("a.Root"), None, None, 1),
                (None, None, None, 1),
                (Some("a.X"), None, None, 4),
                (None, Some("web.Y"), Some("extension"), 5),
            ]
        );
        assert_eq!(backend[4].text, "<t t-name=\"a.X\"><div/></t>");
        assert!(backend[5].text.ends_with("</t>") && backend[5].text.contains("<xpath"));
        assert_eq!(
            backend[3].text,
            "<odoo x=\"1\"><t t-name=\"a.Hidden\"/></odoo>"
        );
        assert_eq!(backend[0].url, "a/static/src/b.xml");
        assert_eq!(backend[0].module, "a");
        assert_eq!(got.bundles[1].templates[0].inherit.as_deref(), Some("a.X"));
        assert_eq!(testdata::codes(&got.findings), ["X010"]);
        assert!(got.findings[0]
            .file
            .as_deref()
            .unwrap_or("")
            .ends_with("bad.xml"));
    }

    #[test]
    fn assets_web_holds_the_backend_when_web_includes_it() {
        let web = "'assets': {'web.assets_web': [('include', 'web.assets_backend'), 'web/static/src/main.xml'], \
                   'web.assets_backend': ['web/static/src/core.xml']}";
        let (_d, got) = load(&[
            ("web/__manifest__.py", &testdata::manifest(&[], web)),
            (
                "web/static/src/core.xml",
                "<templates><t t-name=\"web.Core\"/></templates>",
            ),
            (
                "web/static/src/main.xml",
                "<templates><t t-name=\"web.Main\"/></templates>",
            ),
            (
                "m/__manifest__.py",
                &testdata::manifest(
                    &["web"],
                    "'assets': {'web.assets_backend': ['m/static/m.xml']}",
                ),
            ),
            (
                "m/static/m.xml",
                "<templates><t t-inherit=\"web.Core\" t-inherit-mode=\"extension\"/></templates>",
            ),
        ]);
        assert_eq!(got.bundles.len(), 1);
        assert_eq!(got.bundles[0].bundle, "web.assets_web");
        let urls: Vec<&str> = got.bundles[0]
            .templates
            .iter()
            .map(|t| t.url.as_str())
            .collect();
        assert_eq!(
            urls,
            [
                "web/static/src/core.xml",
                "m/static/m.xml",
                "web/static/src/main.xml"
            ]
        );
        assert!(got.findings.is_empty());
    }
}
