//! Rules of the database audits: module versions and states (`V`) and broken records (`B`).

use super::Rule;
use crate::finding::Severity::{Error, Info, Warning};

pub const UPGRADE_PENDING: Rule = Rule {
    code: "V001",
    name: "upgrade-pending",
    severity: Warning,
    summary: "The code is newer than the database: the module needs an update (-u).",
    explanation: "The manifest version on disk is greater (by Odoo's parse_version) than \
ir_module_module.latest_version. This is the Apps \"Upgrade\" badge: the new code runs against \
data and views of the old version until the module is updated, and migration scripts have not \
run.",
    fix: "Update the module: odoo-bin -c <conf> -d <db> -u <module> --stop-after-init",
    example: Some(
        r#"# code:     my_module/__manifest__.py  'version': '18.0.1.1.0'
# database: ir_module_module.latest_version = '18.0.1.0.0'
odoo -c /etc/odoo/odoo.conf -d prod -u my_module --stop-after-init"#,
    ),
};

pub const DATABASE_NEWER: Rule = Rule {
    code: "V002",
    name: "database-newer-than-code",
    severity: Error,
    summary: "The database is newer than the code: wrong checkout or a downgrade.",
    explanation: "ir_module_module.latest_version is greater than the manifest version on disk. \
The database was updated with newer code than what is deployed now; data and views may \
reference fields the old code does not have.",
    fix: "Deploy the code the database was last updated with (check the addon's branch or tag).",
    example: Some(
        r#"# code:     my_module/__manifest__.py  'version': '18.0.1.0.0'
# database: ir_module_module.latest_version = '18.0.1.2.0'
# (an older checkout was deployed on a database already updated)"#,
    ),
};

pub const STUCK_STATE: Rule = Rule {
    code: "V003",
    name: "stuck-module-state",
    severity: Error,
    summary: "A module is stuck in `to upgrade`, `to install` or `to remove`.",
    explanation: "These states are set by the Apps buttons and cleared when the operation runs. \
A module left in them means an operation was scheduled but never applied (or failed half-way); \
the next update of any module will try to apply it.",
    fix: "Apply or cancel the pending operation (odoo-bin -u / -i, or Cancel in Apps).",
    example: Some(
        r#"SELECT name, state FROM ir_module_module WHERE state LIKE 'to %';
  my_module | to upgrade"#,
    ),
};

pub const INSTALLED_WITHOUT_CODE: Rule = Rule {
    code: "V004",
    name: "installed-without-code",
    severity: Error,
    summary: "An installed module is on no addons path.",
    explanation: "The database says the module is installed but its code is not deployed: its \
models, views and assets are missing at runtime and the registry may fail to load.",
    fix: "Add the addon to the addons path, or uninstall it properly.",
    example: Some(
        r#"# database: my_module is installed
# addons paths: no directory my_module/ on any of them"#,
    ),
};

pub const NOT_IN_DATABASE: Rule = Rule {
    code: "V005",
    name: "unknown-to-database",
    severity: Warning,
    summary: "An addon on disk is unknown to the database: the apps list was not updated.",
    explanation: "Odoo only creates ir_module_module rows for new addons when the module list is \
updated; until then the addon cannot be installed from Apps.",
    fix: "Update the apps list (Apps > Update Apps List, or odoo-bin -c <conf> -d <db> -u base --stop-after-init).",
    example: Some(
        r#"# addons path: custom/my_module/__manifest__.py
# database: no row in ir_module_module named my_module
# (Apps > Update Apps List, or odoo -u base, makes it known)"#,
    ),
};

pub const CORE_UNKNOWN_TO_DATABASE: Rule = Rule {
    code: "V007",
    name: "core-addons-unknown-to-database",
    severity: Info,
    summary:
        "Odoo's own addons on the addons path that the database does not know, counted in one line.",
    explanation: "With Odoo's source on the addons path, its addons that the database has no row \
for (`V005` each) are counted in one line by default: usually Odoo Enterprise addons of a source \
tree that holds both editions, next to a Community database, or new addons of a newer snapshot. \
`--include-core` lists them one by one.",
    fix: "Nothing to do unless one of them is needed: then update the apps list (-u base).",
    example: None,
};

pub const INSTALLED_NOT_INSTALLABLE: Rule = Rule {
    code: "V006",
    name: "installed-not-installable",
    severity: Error,
    summary: "An installed module's manifest says `installable: False`.",
    explanation: "The deployed code declares the addon not installable (usually: not migrated to \
this series), yet the database has it installed. Odoo will not load it.",
    fix: "Deploy a migrated version of the addon, or uninstall it.",
    example: None,
};

pub const UNINSTALLABLE: Rule = Rule {
    code: "B001",
    name: "uninstallable-module",
    severity: Info,
    summary: "A module is in state `uninstallable`.",
    explanation: "The module list found the addon not installable (or its code missing) when it \
was last updated. Harmless unless something expects the module.",
    fix: "Nothing to do unless the module is needed; then deploy an installable version and update the apps list.",
    example: None,
};

pub const MISSING_INSTALLED_DEPENDENCY: Rule = Rule {
    code: "B002",
    name: "dependency-not-installed",
    severity: Error,
    summary: "An installed module has a dependency that is not installed.",
    explanation: "ir_module_module_dependency names a dependency whose state is not installed \
(or that the database does not know). The module's code can fail at import or at runtime.",
    fix: "Install the dependency (odoo-bin -c <conf> -d <db> -i <dependency> --stop-after-init).",
    example: None,
};

pub const DANGLING_MENU: Rule = Rule {
    code: "B003",
    name: "menu-action-missing",
    severity: Error,
    summary: "A menu points at an action that no longer exists.",
    explanation: "ir_ui_menu.action references a record ('model,id') that is not in ir_actions \
with that type. Clicking the menu raises an error in the web client.",
    fix: "Update the module that owns the menu (-u), or delete/repair the menu.",
    example: None,
};

pub const ORPHAN_XMLID: Rule = Rule {
    code: "B004",
    name: "orphan-xmlid",
    severity: Warning,
    summary: "An XML id points at a record that no longer exists.",
    explanation: "ir_model_data keeps the XML id of a menu, action, view, field or model whose \
record was deleted. Updates of the owning module may fail or recreate it unexpectedly.",
    fix: "Update the owning module (-u) so that Odoo cleans its data, or delete the stale ir_model_data row.",
    example: None,
};

pub const SUPERUSER_SESSION: Rule = Rule {
    code: "B005",
    name: "superuser-session",
    severity: Info,
    summary: "The tool is connected as a PostgreSQL superuser.",
    explanation: "Every query runs in a read-only transaction, so the audit changes nothing, but \
a superuser role is far more than it needs: SELECT on the tables it reads is enough. A role \
that cannot write is a second wall if a database object tries to make the session write.",
    fix: "Connect with a read-only role (see the README: Least-privilege role).",
    example: None,
};

pub const UNREADABLE_ROWS: Rule = Rule {
    code: "B006",
    name: "unreadable-database-rows",
    severity: Warning,
    summary: "Rows of an Odoo table could not be read as Odoo writes them; they were left out.",
    explanation: "A column the audit needs is NULL or of an unexpected type (a module without a \
name, an id that is not an integer). Odoo itself never writes such rows; they come from manual \
SQL or a broken migration, and the checks that read them are incomplete.",
    fix: "Inspect the rows named in the message and repair or delete them.",
    example: None,
};

pub const LOOSE_PASSWORD_FILE: Rule = Rule {
    code: "B007",
    name: "password-file-ignored",
    severity: Warning,
    summary: "The password file was ignored: group or others can read it (or it is not a file).",
    explanation: "libpq (and odoo-audit with it) ignores a password file (`passfile=`, \
`PGPASSFILE` or `~/.pgpass`) that is readable or writable by group or others, or that is not a \
plain file, and prints \"WARNING: password file ... has group or world access; permissions \
should be u=rw (0600) or less\". Its passwords are not used: psql, pg_dump and Odoo itself \
connect without them, and anyone in the group can read them.",
    fix: "chmod 0600 the password file (and remove the passwords others could read from the \
database roles: change them).",
    example: None,
};

pub const CODE_CHANGED_NOT_BUMPED: Rule = Rule {
    code: "V008",
    name: "code-changed-version-not-bumped",
    severity: Warning,
    summary: "An installed module's code changed since its last update, but its version did not.",
    explanation: "The checksum of the addon's files (as OCA's module_auto_update and \
click-odoo-update compute it) differs from the one stored in \
`module_auto_update.installed_checksums` at the last update, while the manifest version still \
equals the installed one. Nothing signals an upgrade (no badge, no `V001`), so nobody runs `-u`: \
the database keeps the old views, data and access rules of the module.",
    fix: "Update the module: odoo-bin -c <conf> -d <db> -u <module> --stop-after-init (and bump \
the version of changed addons in the future).",
    example: None,
};

pub const NO_STORED_CHECKSUM: Rule = Rule {
    code: "V009",
    name: "no-stored-checksum",
    severity: Info,
    summary: "An installed module has no checksum in `module_auto_update.installed_checksums`.",
    explanation: "The database stores checksums of the installed modules, but none for this one \
(installed by other means than click-odoo-update or module_auto_update since): whether its code \
changed since its last update cannot be told.",
    fix: "After the next update of the module, store the checksums again (click-odoo-update does; \
`click-odoo-update --only-compute-hashes` when the modules are known to be up to date).",
    example: None,
};

pub const CHECKSUMS_NOT_STORED: Rule = Rule {
    code: "V010",
    name: "checksums-not-stored",
    severity: Info,
    summary: "The database stores no module checksums (`module_auto_update.installed_checksums`).",
    explanation: "Neither module_auto_update nor click-odoo-update ran on this database, so code \
changed without a version bump cannot be found against it. The checksums are still printed (in \
the parameter's JSON shape), to compare two servers or two releases.",
    fix: "Compare the printed checksums with those of a known-good server, or start storing them \
with click-odoo-update.",
    example: None,
};

pub const ADDON_UNHASHABLE: Rule = Rule {
    code: "V011",
    name: "addon-checksum-unknown",
    severity: Warning,
    summary: "An addon's checksum cannot be computed: a file of it cannot be read as \
module_auto_update reads it.",
    explanation: "A FIFO or device, a link out of the addon, an unreadable file or directory, a \
file name that is not UTF-8, or more files than a walk visits: module_auto_update would hang, \
read outside the addon, skip part of it or fail; odoo-audit names the file and computes no \
checksum for the addon.",
    fix: "Remove or fix the file named in the finding.",
    example: None,
};

pub const RULES: &[Rule] = &[
    UPGRADE_PENDING,
    DATABASE_NEWER,
    STUCK_STATE,
    INSTALLED_WITHOUT_CODE,
    NOT_IN_DATABASE,
    INSTALLED_NOT_INSTALLABLE,
    CORE_UNKNOWN_TO_DATABASE,
    CODE_CHANGED_NOT_BUMPED,
    NO_STORED_CHECKSUM,
    CHECKSUMS_NOT_STORED,
    ADDON_UNHASHABLE,
    UNINSTALLABLE,
    MISSING_INSTALLED_DEPENDENCY,
    DANGLING_MENU,
    ORPHAN_XMLID,
    SUPERUSER_SESSION,
    UNREADABLE_ROWS,
    LOOSE_PASSWORD_FILE,
];
