//! Typed loaders over the queries in `sql/` (embedded at build time): one row type and one
//! method on [`Database`] per query. Rows that cannot be read are left out and reported by
//! [`Database::load`]; the session, its limits and its failures are in the parent module.

use crate::exit::Fatal;
use crate::load::version::Series;

use super::{decode, Database};

/// The queries, embedded from `sql/`.
pub mod sql {
    pub const IS_ODOO: &str = include_str!("../../../sql/is_odoo.sql");
    pub const MODULES: &str = include_str!("../../../sql/modules.sql");
    pub const DEPENDENCIES: &str = include_str!("../../../sql/dependencies.sql");
    pub const DANGLING_MENUS: &str = include_str!("../../../sql/dangling_menus.sql");
    pub const ORPHAN_XMLIDS: &str = include_str!("../../../sql/orphan_xmlids.sql");
    pub const PARITY_COUNTS: &str = include_str!("../../../sql/parity_counts.sql");
    pub const CLIENT_ACTIONS: &str = include_str!("../../../sql/client_actions.sql");
    pub const TO_BUY: &str = include_str!("../../../sql/to_buy.sql");
    pub const VIEWS: &str = include_str!("../../../sql/views.sql");
    pub const XMLID_IDS: &str = include_str!("../../../sql/xmlid_ids.sql");
    pub const CHECKSUMS: &str = include_str!("../../../sql/checksums.sql");
    pub const RESTORE_COUNTS: &str = include_str!("../../../sql/restore_counts.sql");
    pub const ATTACHMENT_FILES: &str = include_str!("../../../sql/attachment_files.sql");
}

/// A module row of `ir_module_module`.
#[derive(Debug, Clone, PartialEq)]
pub struct DbModule {
    pub name: String,
    pub state: String,
    pub latest_version: Option<String>,
    pub display_name: Option<String>,
    pub category: Option<String>,
    pub author: Option<String>,
    pub website: Option<String>,
    pub license: Option<String>,
    pub auto_install: bool,
    pub application: bool,
}

impl DbModule {
    /// OCA modules: website or author naming the OCA.
    pub fn is_oca(&self) -> bool {
        let w = self.website.as_deref().unwrap_or("").to_ascii_lowercase();
        let a = self.author.as_deref().unwrap_or("");
        w.contains("github.com/oca")
            || a.contains("Odoo Community Association")
            || a.contains("OCA")
    }
}

/// The parameters of module_auto_update and the active languages.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChecksumParams {
    /// `module_auto_update.installed_checksums`: a JSON object, module → checksum.
    pub installed_checksums: Option<String>,
    /// `module_auto_update.exclude_patterns`, when set.
    pub exclude_patterns: Option<String>,
    /// The codes of the active languages.
    pub languages: Vec<String>,
}

/// A dependency row of `ir_module_module_dependency`.
#[derive(Debug, Clone, PartialEq)]
pub struct DbDependency {
    pub module: String,
    pub module_state: String,
    pub dependency: String,
    /// `None` when the database has no module of that name.
    pub dependency_state: Option<String>,
}

/// A menu whose action no longer exists.
#[derive(Debug, Clone, PartialEq)]
pub struct DanglingMenu {
    pub id: i64,
    pub name: Option<String>,
    pub action: String,
    pub active: bool,
    pub xmlid: Option<String>,
}

/// An XML id whose record no longer exists.
#[derive(Debug, Clone, PartialEq)]
pub struct OrphanXmlId {
    /// `None` when `ir_model_data.module` is NULL.
    pub module: Option<String>,
    pub name: String,
    pub model: String,
    pub res_id: Option<i64>,
}

/// A row of `ir_act_client` with its owner and the menus that open it.
#[derive(Debug, Clone, PartialEq)]
pub struct DbClientAction {
    pub id: i64,
    pub tag: String,
    pub name: Option<String>,
    /// Module of the action's XML id; `None` for actions created in the UI.
    pub module: Option<String>,
    pub xmlid: Option<String>,
    /// State of that module in `ir_module_module`.
    pub module_state: Option<String>,
    /// Active menus opening the action, as `Name (id N, module.xmlid)`.
    pub menus: Vec<String>,
}

/// The figures of `parity verify` (see `sql/parity_counts.sql`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParityCounts {
    pub installed_modules: i64,
    pub installed_categories: i64,
    pub oca_modules: i64,
    pub server_actions: i64,
    pub active_menus: i64,
    pub core_tables: i64,
    pub uninstallable: i64,
    pub to_upgrade: i64,
}

/// A row of `ir_ui_view` (see `sql/views.sql`), with the XML id that owns it. Columns the
/// schema lacks (`key`, `arch_fs`, `arch_updated`, `website_id`, …) read as `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct DbView {
    pub id: i64,
    pub name: Option<String>,
    pub model: Option<String>,
    pub key: Option<String>,
    /// `form`, `list`, `qweb`, … (`type` in the table).
    pub type_: Option<String>,
    pub inherit_id: Option<i64>,
    /// `primary` or `extension` as stored; NULL reads as `primary` (Odoo's lookup of
    /// extensions asks for `mode = 'extension'`).
    pub mode: String,
    /// NULL reads as inactive (Odoo filters on `active = true`).
    pub active: bool,
    /// NULL (which the NOT NULL column should never hold) reads as `i64::MAX`: PostgreSQL
    /// sorts NULL last, as in Odoo's `ORDER BY priority, id`.
    pub priority: i64,
    /// The English arch of `arch_db` (jsonb `{lang: arch}` since 16.0), else its first one.
    pub arch: Option<String>,
    /// The file the arch was loaded from (`module/views/file.xml`).
    pub arch_fs: Option<String>,
    /// Set by Odoo when the arch was changed outside a module install or update.
    pub arch_updated: Option<bool>,
    /// The website of a website-specific copy (only with the `website` module).
    pub website_id: Option<i64>,
    /// `module.name` of the first `ir_model_data` row (by id) of the view.
    pub xmlid: Option<String>,
    pub module: Option<String>,
    /// State of that module in `ir_module_module`.
    pub module_state: Option<String>,
    /// `noupdate` of that XML id.
    pub noupdate: Option<bool>,
}

/// What `backup test-restore` counts in a restored database: rows of key tables (those it
/// has), and its size in bytes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RestoreCounts {
    pub tables: Vec<(String, i64)>,
    pub database_size: Option<i64>,
}

impl Database {
    /// The row counts of key tables and the size of the database (`backup test-restore`).
    pub fn restore_counts(&mut self) -> Result<RestoreCounts, Fatal> {
        let rows = self.load(sql::RESTORE_COUNTS, "pg_class", |r| {
            Ok((
                decode::required_text(r, "table_name")?,
                decode::required_int(r, "row_count")?,
                decode::int(r, "database_size")?,
            ))
        })?;
        Ok(RestoreCounts {
            database_size: rows.iter().find_map(|r| r.2),
            tables: rows.into_iter().map(|(t, n, _)| (t, n)).collect(),
        })
    }

    /// The `store_fname` of every attachment kept in the filestore, each once.
    pub fn attachment_files(&mut self) -> Result<Vec<String>, Fatal> {
        self.load(sql::ATTACHMENT_FILES, "ir_attachment", |r| {
            decode::required_text(r, "store_fname")
        })
    }

    pub fn modules(&mut self) -> Result<Vec<DbModule>, Fatal> {
        self.load(sql::MODULES, "ir_module_module", |r| {
            Ok(DbModule {
                name: decode::required_text(r, "name")?,
                state: decode::text(r, "state")?.unwrap_or_default(),
                latest_version: decode::text(r, "latest_version")?,
                display_name: decode::text(r, "display_name")?,
                category: decode::text(r, "category")?,
                author: decode::text(r, "author")?,
                website: decode::text(r, "website")?,
                license: decode::text(r, "license")?,
                auto_install: decode::flag(r, "auto_install", false)?,
                application: decode::flag(r, "application", false)?,
            })
        })
    }

    /// Every XML id (`module.name`) with its record's id; the first row wins for an XML id
    /// written twice.
    pub fn xmlid_ids(&mut self) -> Result<std::collections::HashMap<String, i64>, Fatal> {
        let rows = self.load(sql::XMLID_IDS, "ir_model_data", |r| {
            Ok((
                decode::required_text(r, "xmlid")?,
                decode::required_int(r, "res_id")?,
            ))
        })?;
        let mut out = std::collections::HashMap::with_capacity(rows.len());
        for (x, id) in rows {
            out.entry(x).or_insert(id);
        }
        Ok(out)
    }

    /// The names of the Odoo Enterprise placeholders (`to_buy`) of the module list.
    pub fn to_buy(&mut self) -> Result<Vec<String>, Fatal> {
        self.load(sql::TO_BUY, "ir_module_module", |r| {
            decode::required_text(r, "name")
        })
    }

    pub fn dependencies(&mut self) -> Result<Vec<DbDependency>, Fatal> {
        self.load(sql::DEPENDENCIES, "ir_module_module_dependency", |r| {
            Ok(DbDependency {
                module: decode::required_text(r, "module")?,
                module_state: decode::text(r, "module_state")?.unwrap_or_default(),
                dependency: decode::required_text(r, "dependency")?,
                dependency_state: decode::text(r, "dependency_state")?,
            })
        })
    }

    pub fn dangling_menus(&mut self) -> Result<Vec<DanglingMenu>, Fatal> {
        self.load(sql::DANGLING_MENUS, "ir_ui_menu", |r| {
            Ok(DanglingMenu {
                id: decode::required_int(r, "id")?,
                name: decode::text(r, "name")?,
                action: decode::required_text(r, "action")?,
                active: decode::flag(r, "active", true)?,
                xmlid: decode::text(r, "xmlid")?,
            })
        })
    }

    pub fn client_actions(&mut self) -> Result<Vec<DbClientAction>, Fatal> {
        self.load(sql::CLIENT_ACTIONS, "ir_act_client", |r| {
            Ok(DbClientAction {
                id: decode::required_int(r, "id")?,
                tag: decode::text(r, "tag")?.unwrap_or_default(),
                name: decode::text(r, "name")?,
                module: decode::text(r, "module")?,
                xmlid: decode::text(r, "xmlid")?,
                module_state: decode::text(r, "module_state")?,
                menus: decode::text_list(r, "menus")?,
            })
        })
    }

    /// Every view of `ir_ui_view`, active or not, by id.
    pub fn views(&mut self) -> Result<Vec<DbView>, Fatal> {
        self.load(sql::VIEWS, "ir_ui_view", |r| {
            Ok(DbView {
                id: decode::required_int(r, "id")?,
                name: decode::text(r, "name")?,
                model: decode::text(r, "model")?,
                key: decode::text(r, "key")?,
                type_: decode::text(r, "type")?,
                inherit_id: decode::int(r, "inherit_id")?,
                mode: decode::text(r, "mode")?.unwrap_or_else(|| "primary".into()),
                active: decode::flag(r, "active", false)?,
                priority: decode::int(r, "priority")?.unwrap_or(i64::MAX),
                arch: decode::text(r, "arch")?,
                arch_fs: decode::text(r, "arch_fs")?,
                arch_updated: decode::opt_flag(r, "arch_updated")?,
                website_id: decode::int(r, "website_id")?,
                xmlid: decode::text(r, "xmlid")?,
                module: decode::text(r, "module")?,
                module_state: decode::text(r, "module_state")?,
                noupdate: decode::opt_flag(r, "noupdate")?,
            })
        })
    }

    pub fn orphan_xmlids(&mut self) -> Result<Vec<OrphanXmlId>, Fatal> {
        self.load(sql::ORPHAN_XMLIDS, "ir_model_data", |r| {
            Ok(OrphanXmlId {
                module: decode::text(r, "module")?,
                name: decode::text(r, "name")?.unwrap_or_default(),
                model: decode::text(r, "model")?.unwrap_or_default(),
                res_id: decode::int(r, "res_id")?,
            })
        })
    }

    /// What module_auto_update keeps (see `sql/checksums.sql`).
    pub fn checksum_params(&mut self) -> Result<ChecksumParams, Fatal> {
        let r = self.query_one(sql::CHECKSUMS)?;
        let text = |c: &str| {
            decode::text(&r, c).map_err(|p| {
                Fatal::database(format!(
                    "query on {} failed: `{c}` {}",
                    self.spec.describe(),
                    p.describe()
                ))
            })
        };
        Ok(ChecksumParams {
            installed_checksums: text("installed_checksums")?,
            exclude_patterns: text("exclude_patterns")?,
            languages: text("languages")?
                .map(|l| l.split(',').map(str::to_string).collect())
                .unwrap_or_default(),
        })
    }

    pub fn parity_counts(&mut self) -> Result<ParityCounts, Fatal> {
        let r = self.query_one(sql::PARITY_COUNTS)?;
        let count = |c: &str| {
            decode::int(&r, c)
                .map(Option::unwrap_or_default)
                .map_err(|p| {
                    Fatal::database(format!(
                        "query on {} failed: parity count `{c}` {}",
                        self.spec.describe(),
                        p.describe()
                    ))
                })
        };
        Ok(ParityCounts {
            installed_modules: count("installed_modules")?,
            installed_categories: count("installed_categories")?,
            oca_modules: count("oca_modules")?,
            server_actions: count("server_actions")?,
            active_menus: count("active_menus")?,
            core_tables: count("core_tables")?,
            uninstallable: count("uninstallable")?,
            to_upgrade: count("to_upgrade")?,
        })
    }
}

/// The series of the database: from `base`'s `latest_version` (`18.0.1.3` → 18.0).
pub fn series_from_modules(modules: &[DbModule]) -> Option<Series> {
    let base = modules.iter().find(|m| m.name == "base")?;
    let v = base.latest_version.as_deref()?;
    let mut parts = v.split('.');
    let major = parts.next()?.trim_start_matches("saas~");
    let minor = parts.next()?;
    Series::parse(&format!("{major}.{minor}"))
}
