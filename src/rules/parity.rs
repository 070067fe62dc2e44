//! Rules of `parity verify` and `parity plan` (`Y`). Critical checks are errors; important and
//! coverage checks are warnings (`parity verify --strict` fails on warnings, see the README).

use super::Rule;
use crate::finding::Severity::{Error, Info, Warning};

pub const DATABASE: Rule = Rule {
    code: "Y001",
    name: "parity-database-unreachable",
    severity: Error,
    summary: "Critical: the database cannot be reached or is not an Odoo database.",
    explanation: "Nothing else can be verified without the database.",
    fix: "Check the connection settings (-d, --db-url, PG* variables, db_* in odoo.conf).",
    example: None,
};

pub const INSTALLED_COUNT: Rule = Rule {
    code: "Y002",
    name: "parity-installed-count",
    severity: Error,
    summary: "Critical: fewer installed modules than the parity threshold.",
    explanation: "An enterprise-parity deployment installs a large module set; a much smaller \
count means the set was not (or only partly) installed, or the wrong database is checked.",
    fix: "Install the missing modules (odoo-audit parity plan / parity install).",
    example: None,
};

pub const REQUIRED_MODULE: Rule = Rule {
    code: "Y003",
    name: "parity-required-module",
    severity: Error,
    summary: "Critical: a required module is not installed.",
    explanation: "The thresholds name modules without which the deployment does not provide \
parity (for example the Studio, Sign and Knowledge replacements).",
    fix: "Install the module (odoo-bin -c <conf> -d <db> -i <module> --stop-after-init).",
    example: None,
};

pub const CORE_TABLES: Rule = Rule {
    code: "Y004",
    name: "parity-core-tables",
    severity: Error,
    summary: "Critical: too few core ir_% tables: the database is damaged or not initialised.",
    explanation: "Every Odoo database has the ir_* tables of the base module; a low count means \
a partial restore or a database that was never initialised.",
    fix: "Restore the database from a complete backup.",
    example: None,
};

pub const UNINSTALLABLE: Rule = Rule {
    code: "Y005",
    name: "parity-uninstallable-modules",
    severity: Warning,
    summary: "Important: modules are in state `uninstallable`.",
    explanation: "Modules of the parity set that are uninstallable (code missing or not \
migrated) leave holes in the functional coverage.",
    fix: "Deploy installable versions of those modules and update the apps list.",
    example: None,
};

pub const PENDING_UPGRADES: Rule = Rule {
    code: "Y006",
    name: "parity-pending-upgrades",
    severity: Warning,
    summary: "Important: modules are in state `to upgrade`.",
    explanation: "A scheduled update was never applied; the database and the code disagree.",
    fix: "Apply the updates: odoo-bin -c <conf> -d <db> -u <modules> --stop-after-init.",
    example: None,
};

pub const CLIENT_ACTIONS: Rule = Rule {
    code: "Y007",
    name: "parity-client-actions",
    severity: Warning,
    summary: "Important: client actions would crash the web client.",
    explanation: "The check-client-actions analysis (database mode) found actions whose tag no \
loaded bundle registers: their menus raise KeyNotFoundError.",
    fix: "Run odoo-audit check-client-actions for the details.",
    example: None,
};

pub const CATEGORIES: Rule = Rule {
    code: "Y008",
    name: "parity-categories",
    severity: Warning,
    summary: "Coverage: installed modules span fewer module categories than the threshold.",
    explanation: "Parity means breadth: installed modules should cover many functional areas \
(ir_module_category).",
    fix: "Install the modules of the missing functional areas (odoo-audit parity plan).",
    example: None,
};

pub const OCA_COUNT: Rule = Rule {
    code: "Y009",
    name: "parity-oca-modules",
    severity: Warning,
    summary: "Coverage: fewer OCA modules installed than the threshold.",
    explanation: "OCA modules are counted by website (github.com/OCA) or author (Odoo Community \
Association, OCA).",
    fix: "Install the OCA modules of the parity categories (odoo-audit parity plan).",
    example: None,
};

pub const SERVER_ACTIONS: Rule = Rule {
    code: "Y010",
    name: "parity-server-actions",
    severity: Warning,
    summary: "Coverage: the database has no server actions.",
    explanation: "A working deployment has server actions (ir_act_server) from its modules; none \
at all means modules' data was not loaded.",
    fix: "Update the modules (-u all) and check the logs for data loading errors.",
    example: None,
};

pub const ACTIVE_MENUS: Rule = Rule {
    code: "Y011",
    name: "parity-active-menus",
    severity: Warning,
    summary: "Coverage: fewer active menus than the threshold.",
    explanation: "Installed applications add menus; few active menus mean few usable features.",
    fix: "Install the applications of the parity set, or check that menus were not archived.",
    example: None,
};

pub const CATEGORY_INCOMPLETE: Rule = Rule {
    code: "Y012",
    name: "parity-category-incomplete",
    severity: Warning,
    summary: "Coverage: a parity category has modules that are not installed.",
    explanation: "Each parity category lists the modules that make up the function; the figure \
says how many are installed.",
    fix: "odoo-audit parity plan --category <key> shows what to install and in which order.",
    example: None,
};

pub const MODULE_MISSING: Rule = Rule {
    code: "Y013",
    name: "parity-module-missing",
    severity: Warning,
    summary: "Plan: a module of the chosen categories is neither on the addons path nor known to the database.",
    explanation: "It cannot be installed until its code is deployed.",
    fix: "Add its code to the addons path (pip install odoo-addon-<name> for OCA modules).",
    example: None,
};

pub const MODULE_UNINSTALLABLE: Rule = Rule {
    code: "Y014",
    name: "parity-module-uninstallable",
    severity: Warning,
    summary: "Plan: a module of the chosen categories is not installable.",
    explanation: "Its manifest says installable: False, or the database has it `uninstallable`; \
it blocks the modules that depend on it.",
    fix: "Deploy a version of the module migrated to this series.",
    example: None,
};

pub const INSTALL_FAILED: Rule = Rule {
    code: "Y015",
    name: "parity-install-failed",
    severity: Error,
    summary: "Install: an installation step failed or timed out.",
    explanation: "The Odoo command exited with an error, died or timed out, or the module is not \
`installed` afterwards; the finding quotes the cause and its log file has the details. Modules that depend on it were skipped.",
    fix: "Read the step's log file, fix the cause, and run parity install again.",
    example: None,
};

pub const NO_RELEASE: Rule = Rule {
    code: "Y016",
    name: "parity-no-release-for-series",
    severity: Warning,
    summary: "Plan: the OCA package of a missing module has no release for the audited series.",
    explanation: "`pip install odoo-addon-<name>` resolves to the newest release of any series, \
which requires another Odoo (`odoo<16.1dev` for a 16.0 release) and breaks the environment. The \
shipped data (manifests/pypi-series.toml, from PyPI) says which series have releases.",
    fix: "Migrate the module to the series, or choose another module for the function.",
    example: None,
};

pub const INSTALL_INCOMPLETE: Rule = Rule {
    code: "Y017",
    name: "parity-install-incomplete",
    severity: Error,
    summary:
        "Install: modules of the chosen categories are missing, so the install cannot be complete.",
    explanation: "parity install installs what is available; modules whose code is not \
deployed are left out, and the categories stay incomplete. That is a failed run unless the \
missing modules are left out on purpose (--skip CATEGORY, --allow-missing).",
    fix:
        "Deploy the missing modules' code (see the plan's package column), or skip them explicitly.",
    example: None,
};

pub const NO_PACKAGE: Rule = Rule {
    code: "Y018",
    name: "parity-no-pypi-package",
    severity: Info,
    summary: "Plan: a missing module has no PyPI package (an Odoo Enterprise module, or no such OCA package).",
    explanation: "No `pip install` can provide it: Enterprise modules (license OEEL-1) come \
with Odoo Enterprise, and modules without a package must come from their repository.",
    fix: "Add the module's repository to the addons path, or choose a community replacement.",
    example: None,
};

pub const RULES: &[Rule] = &[
    DATABASE,
    INSTALLED_COUNT,
    REQUIRED_MODULE,
    CORE_TABLES,
    UNINSTALLABLE,
    PENDING_UPGRADES,
    CLIENT_ACTIONS,
    CATEGORIES,
    OCA_COUNT,
    SERVER_ACTIONS,
    ACTIVE_MENUS,
    CATEGORY_INCOMPLETE,
    MODULE_MISSING,
    MODULE_UNINSTALLABLE,
    INSTALL_FAILED,
    NO_RELEASE,
    INSTALL_INCOMPLETE,
    NO_PACKAGE,
];
