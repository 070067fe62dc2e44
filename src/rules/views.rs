//! Rules of `check-views` (`X`): view and template inheritance that Odoo would fail to apply.

use super::Rule;
use crate::finding::Severity::{Error, Info, Warning};

pub const SPEC_NOT_LOCATED: Rule = Rule {
    code: "X001",
    name: "view-spec-not-located",
    severity: Error,
    summary: "An inheriting view's spec locates nothing in the combined parent view.",
    explanation: "Odoo applies an extension view's specs (`<xpath expr>`, `<field name>`, or any \
element matched by its attributes) to the parent's combined arch. A spec that finds no node makes \
Odoo raise `Element '…' cannot be located in parent view` while installing or updating the module \
(`-u` stops there) and, for a view already installed, every time the view is rendered. The \
parent changed (a field renamed or removed, a node restructured), or the spec depends on a node \
that another module adds.",
    fix: "Point the spec at a node the parent has (check the parent view of this series), or depend on the module that adds the node.",
    example: None,
};

pub const INVALID_SPEC: Rule = Rule {
    code: "X002",
    name: "view-spec-invalid",
    severity: Error,
    summary: "A spec Odoo refuses: bad position or mode, bad XPath, misused <attribute>.",
    explanation: "The spec cannot be applied whatever the parent holds: a `position` other than \
inside, after, before, replace or attributes; a `mode` other than outer or inner; an XPath that \
doesn't compile or that selects text, an attribute or a number instead of an element; an \
`<attribute>` with unknown attributes, with text and `add`/`remove`, or without the `and`/`or` \
separator a Python expression needs; a `position=\"move\"` spec with content; an arch that is \
not well-formed. Odoo raises while loading the view.",
    fix: "Correct the spec as the message says.",
    example: None,
};

pub const PARENT_MISSING: Rule = Rule {
    code: "X003",
    name: "parent-view-missing",
    severity: Error,
    summary: "A view inherits a view that doesn't exist.",
    explanation: "The `inherit_id` (or a template's `inherit_id`) names an XML id that no loaded \
module defines: the parent's module is on the addons path (or in the catalogue of Odoo's own \
addons for the series) without such a view. Odoo fails to load the data file with `External ID \
not found in the system`. When the parent's module is neither on the path nor one of Odoo's, the \
finding is a warning.",
    fix: "Use the parent's XML id of this series (it may have been renamed), or add the module that defines it.",
    example: None,
};

pub const PARENT_NOT_AVAILABLE: Rule = Rule {
    code: "X004",
    name: "parent-view-not-on-path",
    severity: Info,
    summary: "Views extend views of Odoo's own addons that are not on the addons path: their specs were not checked.",
    explanation: "The parent's XML id exists (Odoo's catalogue for the series lists it), but its \
arch is not available: the addon is not on the addons path (an addons repository checked alone, \
in CI). The inheriting views and everything built on them could not be combined. Put Odoo's \
addons on the path (`--addons-path <odoo>/addons,<odoo>/odoo/addons,…`) or check with \
`-d` against a database, where the installed parents are read.",
    fix: "Add Odoo's addons to --addons-path, or run with -d DATABASE.",
    example: None,
};

pub const OUTSIDE_DEPENDS: Rule = Rule {
    code: "X005",
    name: "view-extends-outside-depends",
    severity: Warning,
    summary: "A view extends a view, or a node, of a module outside its dependencies.",
    explanation: "The view's module does not depend (directly or through its dependencies) on the \
module that defines the parent view, or that added the node a spec targets. It works only when \
that module happens to be installed and loaded first; on a database without it, or when the load \
order changes, the spec fails.",
    fix: "Add the module to the manifest's `depends`.",
    example: None,
};

pub const TRANSLATED_SELECTOR: Rule = Rule {
    code: "X006",
    name: "translated-attribute-selector",
    severity: Error,
    summary: "A spec selects by a translated attribute (string, help, placeholder…).",
    explanation: "Odoo refuses view inheritance that locates nodes by an attribute it translates \
(`View inheritance may not use attribute 'string' as a selector`): the value differs per language. \
The view fails to load.",
    fix: "Select by `name`, or by an XPath on untranslated attributes.",
    example: None,
};

pub const TEMPLATE_SPEC_NOT_LOCATED: Rule = Rule {
    code: "X007",
    name: "template-spec-not-located",
    severity: Error,
    summary: "A client template's t-inherit spec locates nothing in its parent template.",
    explanation: "The web client applies `t-inherit` operations when it builds the template; an \
xpath or element operation that finds nothing throws `Element '…' cannot be located in element \
tree`, and the component using the template (often the whole web client) fails to render. Found \
in a template that only a test bundle loads, the finding is a warning.",
    fix: "Point the operation at a node the parent template has in this series.",
    example: None,
};

pub const TEMPLATE_PARENT_MISSING: Rule = Rule {
    code: "X008",
    name: "template-parent-missing",
    severity: Error,
    summary: "A client template t-inherits a template no loaded bundle defines.",
    explanation: "No file of the bundle defines the `t-inherit` template: a primary template \
throws `template parent … not found` when rendered, an extension is never applied (the web client \
logs `Missing (extension) parent templates`). When the parent is only in a test bundle, or the \
extension only in one, the finding is a warning. When the parent is named after one of Odoo's \
Community addons that is not on the addons path, the catalogue of the series tells: no Community \
addon defines the name (and no Enterprise addon or unknown module could) is this error, a name it \
lists is not verifiable (`X004`).",
    fix: "Use the parent template's name of this series, or add the module whose bundle defines it to `depends`.",
    example: None,
};

pub const TEMPLATE_INVALID: Rule = Rule {
    code: "X009",
    name: "template-invalid",
    severity: Error,
    summary: "A client template Odoo's bundler or the web client refuses.",
    explanation: "A template without `t-name` (and not an extension), an invalid \
`t-inherit-mode`, two different templates with the same name in the backend bundles (`Template … \
already exists`), or an operation with an invalid position or mode. The bundle fails to build or \
the template to render.",
    fix: "Correct the template as the message says.",
    example: None,
};

pub const VIEW_FILE_UNREADABLE: Rule = Rule {
    code: "X010",
    name: "view-file-unreadable",
    severity: Error,
    summary: "A data or template file cannot be parsed: its views or templates were not checked.",
    explanation:
        "An XML data file the manifest lists is not well-formed, goes over a parser limit \
or has a root other than <odoo>, <openerp> or <data>: Odoo fails to install or update the module. \
A bundled template file that is not well-formed makes Odoo replace the templates of every bundle \
that loads it with an error thrown in the browser. (Files that are missing, not regular files or \
outside the addon are reported with the addons-path codes P005–P009.)",
    fix: "Fix the file or the manifest entry.",
    example: None,
};

pub const CUSTOMIZATION_OVERWRITTEN: Rule = Rule {
    code: "X012",
    name: "customized-view-overwritten",
    severity: Warning,
    summary: "-u will replace a view that was edited in the database.",
    explanation: "The view's arch was changed in the database (`arch_updated`), its XML id is not \
`noupdate`, and its module is on the addons path: updating the module writes the file's arch over \
the edit.",
    fix: "Move the change into a module's inheriting view, or mark the record noupdate before updating.",
    example: None,
};

pub const INSTALLED_VIEWS_BROKEN: Rule = Rule {
    code: "X013",
    name: "installed-view-broken",
    severity: Error,
    summary: "An installed view does not combine in the database today.",
    explanation: "Combining the database's installed views as Odoo does fails at this spec: \
rendering the view (opening the form, the list, the page) raises now, before any update. Usually \
a parent customized in the database lost the node, or code was deployed without `-u`.",
    fix: "Restore the parent's node (Reset Architecture in Settings > Technical > Views) or fix the inheriting view.",
    example: None,
};

pub const INHERITANCE_CYCLE: Rule = Rule {
    code: "X014",
    name: "view-inheritance-cycle",
    severity: Error,
    summary: "Views inherit from each other in a cycle.",
    explanation: "Following `inherit_id` from the view comes back to it: Odoo cannot combine it \
(recursion error).",
    fix: "Break the cycle: one of the views must inherit another parent.",
    example: None,
};

pub const VIEW_FIELD_NOT_READ: Rule = Rule {
    code: "X015",
    name: "view-field-not-read",
    severity: Warning,
    summary: "A field of a view definition is written in a form odoo-audit does not evaluate.",
    explanation: "The value is a Python expression other than a literal or `ref(...)`, not of \
the type the field needs, or the arch is not given as `type=\"xml\"`. The field was left out of \
the checks, which may then miss or misjudge the view.",
    fix: "Write the field as a literal (or `ref=`) when possible.",
    example: None,
};

pub const RULES: &[Rule] = &[
    SPEC_NOT_LOCATED,
    INVALID_SPEC,
    PARENT_MISSING,
    PARENT_NOT_AVAILABLE,
    OUTSIDE_DEPENDS,
    TRANSLATED_SELECTOR,
    TEMPLATE_SPEC_NOT_LOCATED,
    TEMPLATE_PARENT_MISSING,
    TEMPLATE_INVALID,
    VIEW_FILE_UNREADABLE,
    CUSTOMIZATION_OVERWRITTEN,
    INSTALLED_VIEWS_BROKEN,
    INHERITANCE_CYCLE,
    VIEW_FIELD_NOT_READ,
];
