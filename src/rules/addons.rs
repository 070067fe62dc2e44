//! Rules of the addons checks: manifests (`M`), addons paths (`P`), dependencies (`D`) and the
//! target series (`S`).

use super::Rule;
use crate::finding::Severity::{Error, Info, Warning};

pub const MANIFEST_SYNTAX: Rule = Rule {
    code: "M001",
    name: "manifest-syntax",
    severity: Error,
    summary: "The manifest is not a Python literal that ast.literal_eval accepts.",
    explanation: "Odoo reads __manifest__.py with ast.literal_eval. Anything that is not a pure \
literal (a name, a call, an f-string, an operator, a syntax error) makes Odoo fail to load the \
addon, and the module list cannot be updated while it is on the addons path.",
    fix: "Fix the manifest so that it is a single dict literal (no names, calls or expressions).",
    example: Some(
        r#"# __manifest__.py: a name and a call are not literals
{
    'name': NAME,
    'version': '18.0.1.0.0',
    'depends': ['base'] + EXTRA,
}"#,
    ),
};

pub const MANIFEST_ENCODING: Rule = Rule {
    code: "M002",
    name: "manifest-encoding",
    severity: Error,
    summary: "The manifest is not valid UTF-8.",
    explanation: "Odoo opens manifests as UTF-8 text; any other encoding raises \
UnicodeDecodeError when the module list is built.",
    fix: "Re-save the manifest as UTF-8.",
    example: None,
};

pub const MANIFEST_UNREADABLE: Rule = Rule {
    code: "M003",
    name: "manifest-unreadable",
    severity: Error,
    summary: "The manifest or the addon directory cannot be read.",
    explanation: "A permission problem or an I/O error hides the addon from Odoo (or crashes it).",
    fix: "Check the file permissions for the user that runs Odoo.",
    example: None,
};

pub const MANIFEST_NOT_DICT: Rule = Rule {
    code: "M004",
    name: "manifest-not-dict",
    severity: Error,
    summary: "The manifest's value is not a dict.",
    explanation:
        "Odoo updates its default manifest with the literal read from the file; a list, a \
string or any other value makes loading fail.",
    fix: "Make the manifest a single dict literal `{...}`.",
    example: Some(
        r#"# __manifest__.py: a list, not a dict
[
    'name', 'My Module',
]"#,
    ),
};

pub const MANIFEST_FIELD_TYPE: Rule = Rule {
    code: "M005",
    name: "manifest-field-type",
    severity: Error,
    summary: "A manifest key has a value of the wrong type.",
    explanation: "Keys such as `depends` (a list of names), `version` (a string), `installable` \
(a bool) or `assets` (a dict of lists) are used by Odoo with those types; another type breaks \
module loading, dependency resolution or asset bundling.",
    fix: "Give the key a value of the type Odoo expects.",
    example: Some(
        r#"# __manifest__.py: `depends` is one string, not a list of names
{
    'name': 'My Module',
    'version': '18.0.1.0.0',
    'depends': 'sale',
}"#,
    ),
};

pub const MISSING_LICENSE: Rule = Rule {
    code: "M006",
    name: "missing-license",
    severity: Warning,
    summary: "The manifest has no `license`; Odoo assumes LGPL-3 and logs a warning.",
    explanation: "Odoo logs `Missing license key in manifest` at every start and defaults the \
license to LGPL-3, which may not be what the author meant.",
    fix: "Add a `license` key (for OCA addons usually AGPL-3 or LGPL-3).",
    example: Some(
        r#"# __manifest__.py: no 'license' key
{'name': 'My Module', 'version': '18.0.1.0.0', 'depends': ['base']}
# fix: add  'license': 'LGPL-3',"#,
    ),
};

pub const INVALID_VERSION: Rule = Rule {
    code: "M007",
    name: "invalid-version",
    severity: Error,
    summary: "The manifest version is not of a form Odoo accepts for the target series.",
    explanation: "Odoo's adapt_version prefixes `x.y[.z]` with the series and refuses other forms \
for installable addons: the addon then cannot be loaded or updated.",
    fix: "Use a version of the form `<series>.x.y.z` (for example 18.0.1.0.0).",
    example: Some(
        r#"# __manifest__.py on an Odoo 18.0 addons path
{'name': 'My Module', 'version': '17.0.1.0.0', ...}   # another series
{'name': 'My Module', 'version': '1.0-beta', ...}     # not x.y[.z]"#,
    ),
};

pub const AUTO_INSTALL_NOT_SUBSET: Rule = Rule {
    code: "M008",
    name: "auto-install-not-dependency",
    severity: Error,
    summary: "`auto_install` names modules that are not in `depends`.",
    explanation: "When `auto_install` is a list, Odoo asserts that it is a subset of `depends`; \
otherwise loading the manifest raises an AssertionError.",
    fix: "Add the triggers to `depends`, or remove them from `auto_install`.",
    example: Some(
        r#"# __manifest__.py: `stock` triggers the install but is no dependency
{'depends': ['sale'], 'auto_install': ['sale', 'stock'], ...}"#,
    ),
};

pub const ADDONS_PATH_MISSING: Rule = Rule {
    code: "P001",
    name: "addons-path-missing",
    severity: Error,
    summary: "An addons path does not exist or is not a directory.",
    explanation: "Odoo refuses to start when an entry of addons_path is not a valid addons \
directory, and addons expected there are missing.",
    fix: "Fix or remove the entry in addons_path.",
    example: None,
};

pub const ADDONS_PATH_UNREADABLE: Rule = Rule {
    code: "P002",
    name: "addons-path-unreadable",
    severity: Error,
    summary: "An addons path or an entry in it cannot be read.",
    explanation: "A directory that cannot be listed hides its addons from Odoo.",
    fix: "Check the permissions for the user that runs Odoo.",
    example: None,
};

pub const ADDONS_PATH_EMPTY: Rule = Rule {
    code: "P003",
    name: "addons-path-empty",
    severity: Warning,
    summary: "An addons path holds no addon.",
    explanation: "Odoo ignores a directory without addons (from 17.0 it refuses it at start); it \
is usually a path one level too high or too low (a repository root instead of its addons).",
    fix: "Point the entry at the directory that directly contains the addon directories.",
    example: None,
};

pub const SHADOWED_ADDON: Rule = Rule {
    code: "P004",
    name: "shadowed-addon",
    severity: Warning,
    summary: "The same addon name is on several addons paths; only the first one is used.",
    explanation: "Odoo loads a module from the first addons path that has it. A second copy on a \
later path is silently ignored, which is a classic cause of \"my fix is not applied\".",
    fix: "Remove the shadowed copy, or reorder addons_path if the other copy is the right one.",
    example: Some(
        r#"odoo-audit deps --addons-path vendor/oca,custom
# vendor/oca/partner_firstname and custom/partner_firstname:
# Odoo loads the first one; the copy in custom is never used"#,
    ),
};

pub const INPUT_NOT_REGULAR: Rule = Rule {
    code: "P005",
    name: "input-not-regular-file",
    severity: Error,
    summary: "An input file is a FIFO, a device, a socket or a directory; it was not read.",
    explanation: "odoo-audit reads only regular files: a FIFO named `__manifest__.py` would block \
the scan forever, a data file linked to /dev/zero would never end. The file is checked before it \
is opened and refused. Odoo itself would hang or fail on the same file.",
    fix: "Replace it with a regular file, or remove it.",
    example: None,
};

pub const INPUT_TOO_LARGE: Rule = Rule {
    code: "P006",
    name: "input-too-large",
    severity: Warning,
    summary:
        "An input file (or a tree) is larger than odoo-audit's limit for its kind; it was not \
read.",
    explanation: "Every read is capped: manifests and configuration files at 1 MiB, data and \
source files of addons (XML, JS, Python) at 16 MiB, a directory walk at 200,000 entries (see the \
README, \"Limits\"). Real files are far smaller; a larger one is usually a mistake (a generated \
or binary file) or hostile. The checks that needed the file are incomplete.",
    fix: "Check the file; keep generated and binary files out of the addon.",
    example: None,
};

pub const PATH_OUTSIDE_ADDON: Rule = Rule {
    code: "P007",
    name: "path-outside-addon",
    severity: Error,
    summary:
        "A file, manifest entry or symlink of an addon resolves outside the addon's directory.",
    explanation: "A manifest entry such as `../../other/x.xml` or `/etc/x.xml`, or a symlink in \
the addon pointing elsewhere (`static/src/root -> /`), makes the addon depend on files it does \
not ship, and a link to a parent directory makes Odoo's asset globs walk far outside the addon. \
odoo-audit neither reads nor follows it. (An addon directory that is itself a symlink directly \
under an addons path is fine.)",
    fix: "Keep every file of the addon inside its directory; replace the link with a copy.",
    example: None,
};

pub const SYMLINK_LOOP: Rule = Rule {
    code: "P008",
    name: "symlink-loop",
    severity: Error,
    summary: "A symlink in an addon loops (points to itself or to a directory above it).",
    explanation: "A walk that follows it never ends, and Odoo's recursive asset globs meet it \
too. odoo-audit does not follow it.",
    fix: "Remove the link, or point it at a file or a directory that does not contain it.",
    example: None,
};

pub const ADDON_FILE_UNREADABLE: Rule = Rule {
    code: "P009",
    name: "addon-file-unreadable",
    severity: Error,
    summary: "A file or directory of an addon that a check needs cannot be read (I/O error, \
permissions, a data file the manifest lists is missing).",
    explanation: "The checks that need the file are incomplete; Odoo fails on the same file when \
it loads the module (a missing data file stops the install or update).",
    fix: "Check that the file exists and is readable by the user that runs Odoo.",
    example: None,
};

pub const MISSING_DEPENDENCY: Rule = Rule {
    code: "D001",
    name: "missing-dependency",
    severity: Error,
    summary: "A dependency named in `depends` is on no addons path.",
    explanation: "Odoo cannot install or load a module whose dependency is not available.",
    fix: "Add the addon that provides the dependency to the addons path.",
    example: Some(
        r#"# my_module/__manifest__.py
{'name': 'My Module', 'depends': ['sale', 'sale_stock_extra'], ...}
# no directory sale_stock_extra/ with a manifest on any addons path"#,
    ),
};

pub const DEPENDENCY_CYCLE: Rule = Rule {
    code: "D002",
    name: "dependency-cycle",
    severity: Error,
    summary: "Addons depend on each other in a cycle.",
    explanation: "Odoo's loading graph cannot order modules in a cycle; none of them can be \
installed.",
    fix: "Break the cycle by removing one of the dependencies.",
    example: Some(
        r#"# a/__manifest__.py:  'depends': ['b']
# b/__manifest__.py:  'depends': ['a']"#,
    ),
};

pub const DEPENDS_ON_UNINSTALLABLE: Rule = Rule {
    code: "D003",
    name: "depends-on-uninstallable",
    severity: Error,
    summary: "An installable addon depends on an addon that is not installable.",
    explanation: "The dependency is marked `installable: False` (often: not yet migrated to this \
series), so the dependent addon cannot be installed either.",
    fix: "Use a migrated version of the dependency, or mark the dependent addon not installable.",
    example: Some(
        r#"# my_module/__manifest__.py: 'depends': ['old_helper']
# old_helper/__manifest__.py: 'installable': False"#,
    ),
};

pub const SERIES_MISMATCH: Rule = Rule {
    code: "D004",
    name: "series-mismatch",
    severity: Error,
    summary: "The addon's version belongs to another Odoo series than the target.",
    explanation: "An addon whose version starts with another series (for example 17.0.x on an \
18.0 server) was written for another Odoo; Odoo 16-18 refuse its version outright, and later \
series load code that was never migrated.",
    fix: "Check out the branch of the addon that matches the target series.",
    example: Some(
        r#"# on an Odoo 18.0 addons path
# my_module/__manifest__.py: 'version': '17.0.1.2.0'"#,
    ),
};

pub const NEEDS_ENTERPRISE: Rule = Rule {
    code: "D005",
    name: "depends-on-enterprise",
    severity: Error,
    summary: "A dependency is an Odoo Enterprise addon, and the addons run on Odoo Community.",
    explanation: "The dependency is not on the addons path, and the catalogue of Odoo's own \
addons for the series knows it as an addon of Odoo Enterprise (for example `account_accountant`, \
`web_studio`, `mrp_workorder`). Odoo Community does not ship it, so the module cannot be \
installed there (Odoo leaves it `uninstallable`, or `to install` for ever when it is \
auto-installed). Nothing is reported with `--edition enterprise`, or in a database where \
`web_enterprise` is installed.",
    fix: "Run the addons on Odoo Enterprise (then check with --edition enterprise), or drop the dependency.",
    example: Some(
        r#"# on Odoo Community
# my_module/__manifest__.py: 'depends': ['account_accountant']"#,
    ),
};

pub const CORE_FINDINGS: Rule = Rule {
    code: "D006",
    name: "core-addon-findings",
    severity: Info,
    summary: "Dependency findings inside Odoo's own addons, counted in one line.",
    explanation: "With Odoo's source on the addons path, some findings concern Odoo's own addons \
(known to the catalogue of the series), which the user of an addons repository cannot fix. They \
are counted in one line by default; `--include-core` lists them one by one.",
    fix: "Nothing to do in the addons checked; pass --include-core to see them.",
    example: None,
};

pub const SERIES_UNKNOWN: Rule = Rule {
    code: "S001",
    name: "series-unknown",
    severity: Info,
    summary: "The target Odoo series could not be determined.",
    explanation: "Without a series, versions are shown as written in the manifests and the \
series checks are skipped. The series comes from --odoo-series, from the database, from \
odoo/release.py when the Odoo source is on the addons path, or else from the series most \
manifest versions name (`18.0.1.0.0`).",
    fix: "Pass --odoo-series (for example --odoo-series 18.0).",
    example: None,
};

pub const RULES: &[Rule] = &[
    MANIFEST_SYNTAX,
    MANIFEST_ENCODING,
    MANIFEST_UNREADABLE,
    MANIFEST_NOT_DICT,
    MANIFEST_FIELD_TYPE,
    MISSING_LICENSE,
    INVALID_VERSION,
    AUTO_INSTALL_NOT_SUBSET,
    ADDONS_PATH_MISSING,
    ADDONS_PATH_UNREADABLE,
    ADDONS_PATH_EMPTY,
    SHADOWED_ADDON,
    INPUT_NOT_REGULAR,
    INPUT_TOO_LARGE,
    PATH_OUTSIDE_ADDON,
    SYMLINK_LOOP,
    ADDON_FILE_UNREADABLE,
    MISSING_DEPENDENCY,
    DEPENDENCY_CYCLE,
    DEPENDS_ON_UNINSTALLABLE,
    SERIES_MISMATCH,
    NEEDS_ENTERPRISE,
    CORE_FINDINGS,
    SERIES_UNKNOWN,
];
