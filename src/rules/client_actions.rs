//! Rules of `check-client-actions` (`A`: client actions and registrations; `W`: view widgets and
//! view classes). `A002`–`A005` and `A007` apply to the three registries (`actions`, `fields`,
//! `views`); the message says which.

use super::Rule;
use crate::finding::Severity::{Error, Info, Warning};

pub const TAG_NOT_REGISTERED: Rule = Rule {
    code: "A001",
    name: "client-action-not-registered",
    severity: Error,
    summary: "A client action's tag is registered by no module in any backend bundle.",
    explanation: "The web client runs an ir.actions.client by looking its `tag` up in the \
JavaScript `actions` registry. Nothing registers this tag in a file that web.assets_backend (or a \
bundle it includes) loads, and every module that could register it is on the addons path (or the \
path is the server's own, which serves no JavaScript for modules missing from it), so opening \
the action (or the menus that point at it) fails with `KeyNotFoundError: Cannot find key \"…\" in \
the \"actions\" registry`.",
    fix: "Register the tag (registry.category(\"actions\").add(\"<tag>\", …)) in a file of a backend bundle, or fix the tag.",
    example: Some(
        r#"<!-- views/menu.xml -->
<record id="action_dashboard" model="ir.actions.client">
    <field name="tag">my_dashboard</field>
</record>
// no backend bundle registers "my_dashboard" in the "actions" registry"#,
    ),
};

pub const TEST_BUNDLE_ONLY: Rule = Rule {
    code: "A002",
    name: "registered-only-in-test-bundle",
    severity: Error,
    summary: "The only registration of a key is in a file that only test bundles load.",
    explanation: "Files listed only in test bundles (web.assets_tests, web.qunit_suite_tests, \
*.assets_unit_tests, …) are loaded by test runners, never by users' browsers: in production the \
registry has no such key and the web client raises KeyNotFoundError (for a field widget, falls back \
to the default widget). When modules that may also register the key are missing from the addons \
path the finding is a warning.",
    fix: "Move the file to web.assets_backend in the manifest's `assets`.",
    example: None,
};

pub const OUTSIDE_BACKEND: Rule = Rule {
    code: "A003",
    name: "registered-outside-backend-bundle",
    severity: Error,
    summary: "The only registration of a key is in a file no backend bundle loads.",
    explanation: "The file that registers the key is in no bundle at all, or only in bundles the \
backend web client does not load (web.assets_frontend, report bundles, …). The registration never \
runs in the backend. When modules that may also register the key are missing from the addons path \
the finding is a warning.",
    fix: "List the file in web.assets_backend (manifest `assets`), or check the glob that should match it.",
    example: None,
};

pub const NOT_A_DEPENDENCY: Rule = Rule {
    code: "A004",
    name: "handler-not-a-dependency",
    severity: Warning,
    summary: "The key is registered only by a module the using module does not depend on.",
    explanation: "A tag, widget or view class used by module M is only registered by a module \
outside M's dependencies. It works today because that module happens to be installed; a database \
with M but without it breaks.",
    fix: "Add the registering module to `depends` of the using module.",
    example: Some(
        r#"<!-- my_module/views/order.xml: my_module does not depend on account -->
<field name="order_line" widget="section_and_note_one2many"/>
// registered only by account/static/src/components/..."#,
    ),
};

pub const DYNAMIC_REGISTRATION: Rule = Rule {
    code: "A005",
    name: "dynamic-registration",
    severity: Info,
    summary: "A registration whose key is computed at run time was not checked.",
    explanation: "The key passed to `.add(…)` is an expression, not a literal, so the keys it \
registers are unknown to a static scan. They are not counted as handlers of any tag.",
    fix: "Nothing to do if intended; register literal keys to make them checkable.",
    example: None,
};

pub const HANDLER_NOT_INSTALLED: Rule = Rule {
    code: "A006",
    name: "handler-not-installed",
    severity: Error,
    summary: "Database mode: the key is registered only by a module that is not installed.",
    explanation: "The database holds a client action whose tag is registered by an addon on the \
addons path, but that addon is not installed, so its assets are not in the bundle: the menus of \
the action fail with KeyNotFoundError.",
    fix: "Install the registering module, or depend on it from the module owning the action.",
    example: None,
};

pub const NOT_VERIFIABLE: Rule = Rule {
    code: "A007",
    name: "registration-not-verifiable",
    severity: Info,
    summary:
        "No module on a partial addons path registers the key, but modules that could are missing.",
    explanation: "The addons path is partial (given with --addons-path or --partial-path), and \
modules the user depends on (for example web, mail or account in the CI of an addons \
repository), or in database mode installed modules that depend on the user, are not on it, so \
the key may be registered there. Installed modules unrelated to the user do not count. With the \
server's own addons path (-c odoo.conf, or --complete-path) a missing module registers nothing \
and the use is an error instead. Odoo's own addons (Community and Enterprise) are known from \
the catalogue of the series without their source: only modules neither on the path nor in the \
catalogue (another repository's addons) make a use not verifiable.",
    fix: "Add the missing modules (the other repositories' addons) to --addons-path.",
    example: None,
};

pub const DATA_FILE_NOT_PARSED: Rule = Rule {
    code: "A008",
    name: "xml-data-file-not-parsed",
    severity: Error,
    summary: "An XML data file is not well-formed or goes over a parser limit; its uses were not checked.",
    explanation: "The file is not well-formed XML, nests elements more than 256 deep, declares \
entities that expand past 1 MiB (or refer to themselves), or holds more than 4 million nodes. \
Odoo's parser (lxml over libxml2) refuses such a file as well, so installing or updating the module \
fails; the client actions, widgets and view classes it names were not checked.",
    fix: "Fix the file (the message says where); Odoo data files need no DTD and no deep nesting.",
    example: None,
};

pub const ENTERPRISE_ONLY: Rule = Rule {
    code: "A009",
    name: "registered-only-by-enterprise",
    severity: Error,
    summary: "Only an Odoo Enterprise addon registers the key, and the addons run on Odoo Community.",
    explanation: "No addon on the addons path and no Odoo Community addon of the series (by the \
catalogue of Odoo's own addons) registers the tag, widget or view class; an Odoo Enterprise \
addon does (for example the `mrp_display` tag of `mrp`, registered by Enterprise's \
`mrp_workorder`). On Odoo Community the web client raises KeyNotFoundError (a widget falls back \
to the default one). With `--edition enterprise`, or in a database where `web_enterprise` is \
installed, the Enterprise addon counts as any other: the key then needs a dependency on it.",
    fix: "Register the key in an addon of your own, or run on Odoo Enterprise and depend on the registering addon.",
    example: None,
};

pub const CORE_FINDINGS: Rule = Rule {
    code: "A010",
    name: "core-addon-client-action-findings",
    severity: Info,
    summary: "Client-action, widget and view-class findings inside Odoo's own addons, counted in one line.",
    explanation: "With Odoo's source on the addons path (or a database), some findings concern \
Odoo's own addons (known to the catalogue of the series): Odoo's views using a widget of a module \
they do not depend on, a tag only Enterprise registers in a Community addon. The user of an \
addons repository cannot fix them; they are counted in one line by default, and \
`--include-core` lists them one by one.",
    fix: "Nothing to do in the addons checked; pass --include-core to see them.",
    example: None,
};

pub const UNKNOWN_WIDGET: Rule = Rule {
    code: "W001",
    name: "unknown-field-widget",
    severity: Warning,
    summary: "A view's field `widget` is registered by no module in the `fields` registry.",
    explanation: "A <field widget=\"…\"/> in a view names a widget nothing registers in \
registry.category(\"fields\") (as `widget` or `<view type>.widget`) in a backend bundle, while \
every module the view's module depends on is on the addons path. The web client logs \
`Missing widget` and falls back to the field type's default widget.",
    fix: "Fix the widget name, or depend on the module that registers it.",
    example: Some(
        r#"<!-- views/partner.xml -->
<field name="category_id" widget="many2many_tagz"/>
// no registry.category("fields").add("many2many_tagz", ...) anywhere"#,
    ),
};

pub const UNKNOWN_JS_CLASS: Rule = Rule {
    code: "W002",
    name: "unknown-view-js-class",
    severity: Error,
    summary: "A view's `js_class` is registered by no module in the `views` registry.",
    explanation: "The view's js_class names a view nothing registers in \
registry.category(\"views\") in a backend bundle, while every module the view's module depends on \
is on the addons path: opening the view raises KeyNotFoundError.",
    fix: "Fix the js_class, or register the view in a backend bundle.",
    example: Some(
        r#"<!-- views/order.xml -->
<list js_class="my_order_list"> ... </list>
// no registry.category("views").add("my_order_list", ...) anywhere"#,
    ),
};

pub const RULES: &[Rule] = &[
    TAG_NOT_REGISTERED,
    TEST_BUNDLE_ONLY,
    OUTSIDE_BACKEND,
    NOT_A_DEPENDENCY,
    DYNAMIC_REGISTRATION,
    HANDLER_NOT_INSTALLED,
    NOT_VERIFIABLE,
    DATA_FILE_NOT_PARSED,
    ENTERPRISE_ONLY,
    CORE_FINDINGS,
    UNKNOWN_WIDGET,
    UNKNOWN_JS_CLASS,
];
