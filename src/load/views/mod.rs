//! Views and templates as Odoo would load them, for `check-views`.
//!
//! - [`data`]: the `ir.ui.view` records and `<template>` elements of the XML data files that the
//!   manifests list (`data`, and `demo` when asked), in Odoo's load order, converted as
//!   `odoo/tools/convert.py` converts them.
//! - [`templates`]: the client (OWL/QWeb) templates of the XML files the asset bundles load, in
//!   bundle order.
//! - [`xml2`]: libxml2 documents (Odoo applies views with lxml, that is libxml2) and XPath with
//!   Odoo's extension functions.
//!
//! The installed views of a database are read by `load::db` ([`crate::load::db::DbView`]).

pub mod data;
pub mod templates;
pub mod xml2;

use std::path::PathBuf;

/// `ir.ui.view.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// The view (or template) stands on its own, or starts a new view from its parent.
    Primary,
    /// The view modifies its parent in place.
    Extension,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Primary => "primary",
            Mode::Extension => "extension",
        }
    }
}

/// How the arch of a definition reads in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchSource {
    /// The single element child of a `<field name="arch" type="xml">` of an `ir.ui.view`
    /// record: `text` is that element's exact source text. (As written: Odoo's substitution of
    /// `%(xml_id)d` by the record's database id, and of `%%` by `%`, is not applied.)
    Record,
    /// A `<template>` element: `text` is the whole `<template …>…</template>` element's source
    /// text. Odoo renames it to `<t t-name="module.id">` (no `inherit_id`) or `<data>`, drops
    /// `id`, `groups`, `forcecreate` and `context`, and for `primary="True"` appends
    /// `<xpath expr="." position="attributes"><attribute name="t-name">module.id</attribute></xpath>`;
    /// the checks do that on the parsed tree.
    Template,
    /// A `<field name="arch" type="xml">` with several element children: `text` runs from the
    /// start of the first to the end of the last (what lies between included). Odoo
    /// (`_fix_multiple_roots` in `odoo/tools/convert.py`) wraps them all in one `<data>`
    /// element; the checks do the same.
    RecordChildren,
}

/// One view as a data file defines it (a record, or the fields a later record of another module
/// writes over it: see [`ViewDef::overrides`]).
#[derive(Debug, Clone)]
pub struct ViewDef {
    /// Full XML id, `module.name` (the module part is the defining module unless the id has a
    /// dot).
    pub xmlid: String,
    /// The module whose data file holds the definition.
    pub module: String,
    /// The data file (absolute path).
    pub file: PathBuf,
    /// 1-based line of the `<record>` / `<template>` element.
    pub line: usize,
    /// The arch's exact source text (see [`ArchSource`]); `None` when the record sets no arch
    /// (a record that only changes other fields of a view defined elsewhere).
    pub arch: Option<String>,
    /// 1-based line in `file` where `arch` starts (its first character).
    pub arch_line: usize,
    pub arch_source: ArchSource,
    /// Full XML id of the parent view (`inherit_id` ref, resolved against `module`), when set.
    /// `Some("")` when the record sets `inherit_id` to nothing (`eval="False"`).
    pub inherit_id: Option<String>,
    /// `mode` field; when absent: extension with an `inherit_id`, primary without; a
    /// `<template primary="True">` is primary.
    pub mode: Option<Mode>,
    /// `priority` (default 16 when the record does not set it).
    pub priority: Option<i64>,
    /// `active` (`None` when not set; Odoo's default is true).
    pub active: Option<bool>,
    /// `model` field (None for QWeb templates).
    pub model: Option<String>,
    /// `key` (templates: `module.id` unless given).
    pub key: Option<String>,
    /// `website_id` ref when the definition is website-specific.
    pub website: Option<String>,
    /// 0-based position in Odoo's load order over every definition of every addon loaded
    /// (modules in Odoo's loading order, files in manifest order, elements in file order):
    /// stands for the database id that orders views of equal priority.
    pub order: usize,
    /// True when the record's XML id belongs to another module (`<record id="base.x">`): the
    /// definition updates fields of that view instead of creating one.
    pub overrides: bool,
    /// The record's `noupdate` (from `<odoo noupdate="1">` / `<data noupdate="1">`).
    pub noupdate: bool,
}

/// One client template (a child of a `<templates>` root of a bundled XML file).
#[derive(Debug, Clone)]
pub struct TemplateDef {
    /// `t-name` (None when absent: an error unless it is an extension).
    pub name: Option<String>,
    /// `t-inherit`.
    pub inherit: Option<String>,
    /// `t-inherit-mode` as written (Odoo's default is `primary`).
    pub inherit_mode: Option<String>,
    /// The addon of the file.
    pub module: String,
    /// Absolute path of the file.
    pub file: PathBuf,
    /// The web path (`module/static/…`).
    pub url: String,
    /// The element's exact source text.
    pub text: String,
    /// 1-based line in `file` where `text` starts.
    pub line: usize,
}

/// The client templates one bundle loads, in the order the bundle loads its XML files.
#[derive(Debug, Clone)]
pub struct BundleTemplates {
    pub bundle: String,
    /// True for bundles only test runners load.
    pub test: bool,
    pub templates: Vec<TemplateDef>,
}
