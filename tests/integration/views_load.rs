//! The loaders of check-views on real addons: the views of the OCA corpora's data files and
//! the client templates of their bundles (and, in ignored tests, with ODOO_AUDIT_ODOO_SRC19 or
//! ODOO_AUDIT_ODOO_SRC18 naming the `odoo/addons` directory of Odoo's source, Odoo's own
//! addons).
//!
//! The expected counts were computed independently of odoo-audit, with Python's
//! xml.etree.ElementTree over the same files: for every installable addon, the `.xml` entries of
//! the manifest's `data` (19.0: `init_xml` then `data`; with demo, `demo` too), each listed file
//! once; in each file whose root is <odoo>/<openerp>/<data>, the direct children of the root and
//! of nested <odoo>/<openerp>/<data> elements: `<record model="ir.ui.view">` and `<template>`
//! (noupdate inherited from the enclosing elements, true by default in demo files). Templates:
//! the string entries of each installable addon's `web.assets_backend`, globbed (recursive `**`)
//! in manifest order, minus the `('remove', …)` entries, XML files only; one template per child
//! of a <templates>/<template>/<odoo> root, else the root itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use odoo_audit::load::addons::{discover, Addon, Inventory, SeriesSource};
use odoo_audit::load::version::Series;
use odoo_audit::load::views::data::{load_views, ViewsOnDisk};
use odoo_audit::load::views::templates::{load_templates, TemplatesOnDisk};
use odoo_audit::load::views::{ArchSource, Mode, ViewDef};
use odoo_audit::load::web::assets::{static_files, StaticFiles};

use crate::common;

fn inventory(path: &Path, series: Series) -> Inventory {
    discover(&[path.to_path_buf()], Some((series, SeriesSource::Option)))
}

fn installable(inv: &Inventory) -> Vec<&Addon> {
    inv.addons
        .values()
        .filter(|a| a.manifest.installable)
        .collect()
}

fn views(inv: &Inventory, demo: bool) -> ViewsOnDisk {
    load_views(inv, &installable(inv), demo)
}

fn templates(inv: &Inventory) -> TemplatesOnDisk {
    let addons = installable(inv);
    let statics: BTreeMap<String, StaticFiles> = addons
        .iter()
        .map(|a| (a.name.clone(), static_files(a)))
        .collect();
    load_templates(&addons, &statics)
}

fn view<'a>(got: &'a ViewsOnDisk, xmlid: &str) -> &'a ViewDef {
    got.views
        .iter()
        .find(|v| v.xmlid == xmlid)
        .unwrap_or_else(|| panic!("no view {xmlid}"))
}

struct Counts {
    records: usize,
    templates: usize,
    several_roots: usize,
    noupdate: usize,
    overrides: usize,
}

fn counts(got: &ViewsOnDisk) -> Counts {
    let n = |f: &dyn Fn(&ViewDef) -> bool| got.views.iter().filter(|v| f(v)).count();
    Counts {
        records: n(&|v| v.arch_source != ArchSource::Template),
        templates: n(&|v| v.arch_source == ArchSource::Template),
        several_roots: n(&|v| v.arch_source == ArchSource::RecordChildren),
        noupdate: n(&|v| v.noupdate),
        overrides: n(&|v| v.overrides),
    }
}

#[test]
fn corpus18_views_as_odoo_loads_them() {
    let inv = inventory(&common::corpus(), Series::new(18, 0));
    let got = views(&inv, false);
    assert!(got.findings.is_empty(), "{:#?}", got.findings);
    let c = counts(&got);
    // Figures from the Python count described at the top of this file.
    assert_eq!(got.files, 447);
    assert_eq!((c.records, c.templates), (656, 92));
    assert_eq!((c.several_roots, c.noupdate, c.overrides), (81, 1, 0));
    assert!(got.views.iter().enumerate().all(|(i, v)| v.order == i));

    // A primary template extending another module's template.
    let t = view(&got, "contract.mail_notification_contract");
    assert_eq!(
        t.inherit_id.as_deref(),
        Some("mail.mail_notification_layout")
    );
    assert_eq!((t.mode, t.priority), (Some(Mode::Primary), None));
    assert_eq!(
        t.key.as_deref(),
        Some("contract.mail_notification_contract")
    );
    let arch = t.arch.as_deref().unwrap_or_default();
    assert!(arch.starts_with("<template\n        id=\"mail_notification_contract\""));
    assert!(arch.ends_with("</template>"));
    assert_eq!((t.line, t.arch_line), (3, 3));
    let t = view(&got, "helpdesk_mgmt.portal_searchbar");
    assert_eq!(t.inherit_id.as_deref(), Some("portal.portal_searchbar"));
    assert_eq!(t.mode, Some(Mode::Primary));
    // A template without inherit_id stands alone.
    let t = view(&got, "contract.template_contract_modification");
    assert_eq!((t.inherit_id.as_deref(), t.mode), (None, None));
    // Priorities given by eval and as text.
    let v = view(&got, "base_maintenance.equipment_request_view_form");
    assert_eq!(v.priority, Some(999));
    let v = view(
        &got,
        "base_technical_user.res_company_view_form_inherit_base_technical_user",
    );
    assert_eq!(v.priority, Some(20));
    // The one view under <odoo noupdate="1">.
    let v = view(
        &got,
        "account_payment_partner.view_account_invoice_report_search",
    );
    assert!(v.noupdate);
    assert_eq!(
        v.inherit_id.as_deref(),
        Some("account.view_account_invoice_report_search")
    );
    assert_eq!(v.arch_line, 12);
    assert!(v
        .arch
        .as_deref()
        .unwrap_or_default()
        .starts_with("<field name=\"partner_id\" position=\"after\">"));

    // Modules come in Odoo's loading order: a module's views after those of its dependencies.
    let first: BTreeMap<&str, usize> = got
        .views
        .iter()
        .rev()
        .map(|v| (v.module.as_str(), v.order))
        .collect();
    for v in &got.views {
        if let Some(a) = inv.addons.get(&v.module) {
            for d in &a.manifest.depends {
                if let Some(&o) = first.get(d.as_str()) {
                    assert!(o < v.order, "{} loaded before its dependency {d}", v.xmlid);
                }
            }
        }
    }
}

#[test]
fn corpus18_demo_views_only_with_demo() {
    let inv = inventory(&common::corpus(), Series::new(18, 0));
    let without = views(&inv, false);
    let with = views(&inv, true);
    let c = counts(&with);
    assert_eq!(with.files, 495);
    assert_eq!((c.records, c.templates, c.noupdate), (659, 94, 6));
    let ids = |g: &ViewsOnDisk| -> std::collections::BTreeSet<String> {
        g.views.iter().map(|v| v.xmlid.clone()).collect()
    };
    let only_demo: Vec<String> = ids(&with).difference(&ids(&without)).cloned().collect();
    assert_eq!(only_demo.len(), 5, "{only_demo:?}");
    // Demo files load with noupdate (none of these says otherwise).
    for id in &only_demo {
        let v = view(&with, id);
        assert!(v.noupdate, "{id}");
        assert!(
            v.file.to_string_lossy().contains("demo"),
            "{}",
            v.file.display()
        );
    }
}

#[test]
fn corpus19_views_read_init_xml_and_data() {
    let inv = inventory(&common::corpus19(), Series::new(19, 0));
    let got = views(&inv, false);
    assert!(got.findings.is_empty(), "{:#?}", got.findings);
    let c = counts(&got);
    assert_eq!(got.files, 134);
    assert_eq!((c.records, c.templates, c.several_roots), (188, 18, 22));
    assert_eq!(views(&inv, true).files, 139);
    // The backend templates (Python count: 4 files, 4 templates, 1 with t-inherit).
    let t = templates(&inv);
    assert!(t.findings.is_empty(), "{:#?}", t.findings);
    let backend = &t.bundles[0];
    assert_eq!(
        (backend.bundle.as_str(), backend.test),
        ("web.assets_backend", false)
    );
    assert_eq!(backend.templates.len(), 4);
    assert_eq!(
        backend
            .templates
            .iter()
            .filter(|t| t.inherit.is_some())
            .count(),
        1
    );
}

#[test]
fn hostile_data_files_are_findings() {
    let (tmp, addons) = common::corpus_copy(&["account_payment_partner", "contract"]);
    let addon = addons.join("contract");
    // A data file replaced by a FIFO, another by a link out of the tree.
    let fifo = addon.join("data/template_mail_notification.xml");
    std::fs::remove_file(&fifo).unwrap();
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let outside = tmp.path().join("outside.xml");
    std::fs::write(
        &outside,
        "<odoo><template id=\"no\"><div/></template></odoo>",
    )
    .unwrap();
    let link = addon.join("views/contract.xml");
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(&outside, &link).unwrap();
    let inv = inventory(&addons, Series::new(18, 0));
    let before = views(&inventory(&common::corpus(), Series::new(18, 0)), false);
    let got = views(&inv, false);
    let mut codes: Vec<(&str, PathBuf)> = got
        .findings
        .iter()
        .map(|f| (f.code, PathBuf::from(f.file.clone().unwrap_or_default())))
        .collect();
    codes.sort();
    assert_eq!(codes, [("P005", fifo.clone()), ("P007", link.clone())]);
    assert!(got.views.iter().all(|v| v.xmlid != "contract.no"));
    // The other files of the addon are still read.
    let contract = |g: &ViewsOnDisk| -> Vec<String> {
        g.views
            .iter()
            .filter(|v| v.module == "contract")
            .filter(|v| {
                !v.file.ends_with("data/template_mail_notification.xml")
                    && !v.file.ends_with("views/contract.xml")
            })
            .map(|v| v.xmlid.clone())
            .collect()
    };
    let kept = contract(&before);
    assert!(!kept.is_empty());
    assert_eq!(contract(&got), kept);
    let all_before = before
        .views
        .iter()
        .filter(|v| v.module == "contract")
        .count();
    assert!(all_before > kept.len());
}

#[test]
fn corpus18_backend_templates() {
    let inv = inventory(&common::corpus(), Series::new(18, 0));
    let got = templates(&inv);
    assert!(got.findings.is_empty(), "{:#?}", got.findings);
    // Without `web` on the path, the backend bundle is web.assets_backend itself.
    let backend = got
        .bundles
        .iter()
        .find(|b| !b.test)
        .expect("a backend bundle");
    assert_eq!(backend.bundle, "web.assets_backend");
    // Figures from the Python count described at the top of this file.
    let files: std::collections::BTreeSet<&str> =
        backend.templates.iter().map(|t| t.url.as_str()).collect();
    assert_eq!(files.len(), 38);
    assert_eq!(backend.templates.len(), 65);
    assert_eq!(
        backend
            .templates
            .iter()
            .filter(|t| t.inherit.is_some())
            .count(),
        37
    );
    let find = |name: Option<&str>, inherit: Option<&str>| {
        backend
            .templates
            .iter()
            .find(|t| t.name.as_deref() == name && t.inherit.as_deref() == inherit)
            .unwrap_or_else(|| panic!("{name:?} {inherit:?}"))
    };
    let t = find(Some("web_timeline.TimelineView"), None);
    assert_eq!(t.module, "web_timeline");
    assert!(t
        .text
        .starts_with("<t t-name=\"web_timeline.TimelineView\""));
    let ext = backend
        .templates
        .iter()
        .find(|t| {
            t.module == "web_responsive" && t.inherit.as_deref() == Some("web.NavBar.AppsMenu")
        })
        .expect("web_responsive extends web.NavBar.AppsMenu");
    assert_eq!(ext.inherit_mode.as_deref(), Some("extension"));
    assert!(ext.url.starts_with("web_responsive/static/src/"));
    // The text is the element's exact source, starting on the line given.
    let source = std::fs::read_to_string(&ext.file).unwrap();
    let at = source
        .find(&ext.text)
        .expect("the text is a slice of the file");
    assert_eq!(source[..at].matches('\n').count() + 1, ext.line);
    assert!(
        ext.text.starts_with("<t") && ext.text.ends_with("</t>"),
        "{}",
        ext.text
    );
    assert!(ext.text.contains("t-inherit=\"web.NavBar.AppsMenu\""));
    let own = find(Some("web_responsive.AppsMenu"), None);
    assert_eq!(own.module, "web_responsive");
    // The removed file of dms_field is not in the bundle.
    assert!(!files.contains("dms_field/static/src/views/fields/x2many/x2many_field.xml"));
}

/// Checks a tree of Odoo's own addons (`var` names its directory): the counts of views and
/// templates against the Python count over the same tree, no finding on the data files, the
/// two malformed XML files test_assetsbundle ships on purpose, and the backend through
/// web.assets_web.
fn odoo_own_addons(
    var: &str,
    series: Series,
    files: usize,
    counts_: (usize, usize, usize, usize, usize),
) {
    let Some(src) = std::env::var_os(var) else {
        panic!("set {var} to the directory of Odoo's odoo/addons");
    };
    let inv = inventory(Path::new(&src), series);
    let got = views(&inv, false);
    assert!(got.findings.is_empty(), "{:#?}", got.findings);
    let c = counts(&got);
    assert_eq!(got.files, files);
    assert_eq!(
        (
            c.records,
            c.templates,
            c.several_roots,
            c.noupdate,
            c.overrides
        ),
        counts_
    );
    let t = templates(&inv);
    let bad: Vec<(&str, &str)> = t
        .findings
        .iter()
        .map(|f| (f.code, f.file.as_deref().unwrap_or_default()))
        .collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad
        .iter()
        .all(|(c, f)| *c == "X010" && f.contains("test_assetsbundle/static/invalid_src/xml/")));
    assert_eq!(t.bundles[0].bundle, "web.assets_web");
    assert!(!t.bundles[0].test);
    assert!(t.bundles[0]
        .templates
        .iter()
        .any(|t| t.name.as_deref() == Some("web.NavBar")));
    assert!(t
        .bundles
        .iter()
        .any(|b| b.bundle == "web.assets_unit_tests" && b.test));
}

#[test]
#[ignore = "needs ODOO_AUDIT_ODOO_SRC19 (Odoo 19's source)"]
fn odoo19_own_addons() {
    odoo_own_addons(
        "ODOO_AUDIT_ODOO_SRC19",
        Series::new(19, 0),
        7599,
        (6785, 2976, 1171, 56, 3),
    );
}

#[test]
#[ignore = "needs ODOO_AUDIT_ODOO_SRC18 (Odoo 18's source)"]
fn odoo18_own_addons() {
    odoo_own_addons(
        "ODOO_AUDIT_ODOO_SRC18",
        Series::new(18, 0),
        6842,
        (6240, 2864, 1050, 51, 3),
    );
}
