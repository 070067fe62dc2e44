//! The views of a database (`Database::views`, `sql/views.sql`) read from copies of the real
//! Odoo 18 and 19 databases, and from copies altered the way odd schemas and customized
//! databases are: columns missing, arch_db as text, an arch changed in the UI, NULLs where the
//! schema has NOT NULL, values of the wrong type, the table gone.

use odoo_audit::finding::Finding;
use odoo_audit::load::db::{conn, Database, DbView, Limits};

use crate::common::*;

/// Every view of `db`, read by the tool as the `odoo` role, with the session's notes.
fn load(db: &TestDb) -> (Vec<DbView>, Vec<Finding>) {
    let mut session = connect(db);
    let views = session.views().unwrap_or_else(|e| panic!("{}", e.message));
    let notes = session
        .notes()
        .lock()
        .map(|n| n.clone())
        .unwrap_or_default();
    (views, notes)
}

fn connect(db: &TestDb) -> Database {
    let spec = conn::parse_url(&db.url()).expect("test URL");
    Database::connect(spec, Limits::default()).unwrap_or_else(|e| panic!("{}", e.message))
}

/// A count from the server, as the test's own check on the tool.
fn count(db: &TestDb, sql: &str) -> usize {
    db.scalar(&format!("SELECT ({sql})::text"))
        .parse()
        .expect("a count")
}

/// The view of an XML id.
fn by_xmlid<'a>(views: &'a [DbView], xmlid: &str) -> &'a DbView {
    views
        .iter()
        .find(|v| v.xmlid.as_deref() == Some(xmlid))
        .unwrap_or_else(|| panic!("no view {xmlid}"))
}

fn by_id(views: &[DbView], id: i64) -> &DbView {
    views
        .iter()
        .find(|v| v.id == id)
        .unwrap_or_else(|| panic!("no view id {id}"))
}

/// The id of an XML id's record, from the server.
fn res_id(db: &TestDb, xmlid: &str) -> i64 {
    let (module, name) = xmlid.split_once('.').expect("module.name");
    db.scalar(&format!(
        "SELECT res_id::text FROM ir_model_data WHERE module = '{module}' AND name = '{name}'"
    ))
    .parse()
    .expect("an id")
}

/// What every fixture must give: one row per view (active or not) in id order, the figures
/// the server counts itself, and the archs as stored.
fn matches_the_server(db: &TestDb, views: &[DbView]) {
    assert_eq!(views.len(), count(db, "SELECT count(*) FROM ir_ui_view"));
    assert!(views.windows(2).all(|w| w[0].id < w[1].id), "by id");
    let n = |f: &dyn Fn(&DbView) -> bool| views.iter().filter(|v| f(v)).count();
    assert_eq!(
        n(&|v| v.active),
        count(db, "SELECT count(*) FROM ir_ui_view WHERE active")
    );
    assert!(n(&|v| !v.active) > 0, "inactive views are loaded too");
    assert_eq!(
        n(&|v| v.type_.as_deref() == Some("qweb")),
        count(db, "SELECT count(*) FROM ir_ui_view WHERE type = 'qweb'")
    );
    assert_eq!(
        n(&|v| v.mode == "extension"),
        count(
            db,
            "SELECT count(*) FROM ir_ui_view WHERE mode = 'extension'"
        )
    );
    assert_eq!(
        n(&|v| v.arch_updated == Some(true)),
        count(db, "SELECT count(*) FROM ir_ui_view WHERE arch_updated")
    );
    assert_eq!(
        n(&|v| v.xmlid.is_none()),
        count(
            db,
            "SELECT count(*) FROM ir_ui_view v WHERE NOT EXISTS (SELECT 1 FROM ir_model_data d \
             WHERE d.model = 'ir.ui.view' AND d.res_id = v.id)"
        )
    );
    assert_eq!(
        n(&|v| v.noupdate == Some(true)),
        count(
            db,
            "SELECT count(*) FROM ir_ui_view v WHERE (SELECT d.noupdate FROM ir_model_data d \
             WHERE d.model = 'ir.ui.view' AND d.res_id = v.id ORDER BY d.id LIMIT 1)"
        )
    );
    assert_eq!(
        n(&|v| v.website_id.is_some()),
        count(
            db,
            "SELECT count(*) FROM ir_ui_view v WHERE to_jsonb(v) ->> 'website_id' IS NOT NULL"
        )
    );
    // Every extension names its parent, which is a loaded view (a foreign key).
    for v in views.iter().filter(|v| v.mode == "extension") {
        let parent = v.inherit_id.expect("extension with inherit_id");
        assert!(views.binary_search_by_key(&parent, |p| p.id).is_ok());
    }
    // Every arch as stored, byte for byte; U+0001 cannot occur in XML, so it separates them.
    let ours: Vec<&str> = views
        .iter()
        .map(|v| v.arch.as_deref().unwrap_or(""))
        .collect();
    let theirs = db.scalar(
        "SELECT string_agg(COALESCE(arch_db ->> 'en_US', ''), chr(1) ORDER BY id) FROM ir_ui_view",
    );
    assert_eq!(ours.join("\u{1}"), theirs);
}

/// The partner form and one extension of it, as both fixtures hold them.
fn partner_form_and_extension(db: &TestDb, views: &[DbView]) {
    let form = by_xmlid(views, "base.view_partner_form");
    assert_eq!(form.id, res_id(db, "base.view_partner_form"));
    assert_eq!(form.name.as_deref(), Some("res.partner.form"));
    assert_eq!(form.model.as_deref(), Some("res.partner"));
    assert_eq!(form.type_.as_deref(), Some("form"));
    assert_eq!(form.mode, "primary");
    assert_eq!(form.inherit_id, None);
    assert!(form.active);
    assert_eq!(form.priority, 1);
    assert_eq!(form.module.as_deref(), Some("base"));
    assert_eq!(form.module_state.as_deref(), Some("installed"));
    assert_eq!(form.noupdate, Some(false));
    assert_eq!(form.arch_updated, Some(false));
    assert_eq!(
        form.arch_fs.as_deref(),
        Some("base/views/res_partner_views.xml")
    );
    let arch = form.arch.as_deref().expect("arch");
    assert!(arch.starts_with("<form"), "{arch:.80}");
    assert!(arch.contains("name=\"vat\""), "{arch:.80}");
    let ext = by_xmlid(views, "account.view_partner_property_form");
    assert_eq!(ext.mode, "extension");
    assert_eq!(ext.inherit_id, Some(form.id));
    assert_eq!(ext.module.as_deref(), Some("account"));
    assert_eq!(ext.priority, 2);
    assert!(ext.arch.as_deref().is_some_and(|a| a.contains("xpath")));
}

#[test]
fn views_of_the_odoo18_database() {
    let db = TestDb::new("views18");
    let (views, notes) = load(&db);
    assert!(notes.is_empty(), "{notes:?}");
    matches_the_server(&db, &views);
    // The fixture's figures (tests/fixtures/README.md describes the database).
    assert_eq!(views.len(), 2088);
    partner_form_and_extension(&db, &views);
    // No `website` in this database: the column does not exist, every view reads None.
    assert!(views.iter().all(|v| v.website_id.is_none()));
    // Odoo rewrites the groups form itself (res.groups), outside an install: arch_updated.
    assert_eq!(
        by_xmlid(&views, "base.user_groups_view").arch_updated,
        Some(true)
    );
    assert!(!by_xmlid(&views, "web.neutralize_banner").active);
    assert!(views
        .iter()
        .all(|v| v.module_state.as_deref() == Some("installed")));
}

#[test]
fn views_of_the_odoo19_database() {
    let db = TestDb::new19("views19");
    let (views, notes) = load(&db);
    assert!(notes.is_empty(), "{notes:?}");
    matches_the_server(&db, &views);
    assert_eq!(views.len(), 3099);
    partner_form_and_extension(&db, &views);
    // The website's copy of its homepage: specific to website 1, without an XML id.
    let home: Vec<&DbView> = views.iter().filter(|v| v.website_id.is_some()).collect();
    assert_eq!(home.len(), 1);
    assert_eq!(home[0].key.as_deref(), Some("website.homepage"));
    assert_eq!(home[0].xmlid, None);
    assert_eq!(home[0].module, None);
    assert_eq!(home[0].noupdate, None);
    let generic = by_xmlid(&views, "website.homepage");
    assert_eq!(generic.website_id, None);
    assert_eq!(generic.key, home[0].key);
}

#[test]
fn columns_missing_from_the_schema_read_as_none() {
    let db = TestDb::new19("views_nocols");
    let (before, _) = load(&db);
    db.exec(
        "ALTER TABLE ir_ui_view DROP COLUMN arch_updated, DROP COLUMN website_id, \
         DROP COLUMN key CASCADE, DROP COLUMN arch_fs",
    );
    let (after, notes) = load(&db);
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(after.len(), before.len());
    assert!(after.iter().all(|v| v.arch_updated.is_none()
        && v.website_id.is_none()
        && v.key.is_none()
        && v.arch_fs.is_none()));
    // Everything else reads as before.
    for (b, a) in before.iter().zip(&after) {
        let b = DbView {
            arch_updated: None,
            website_id: None,
            key: None,
            arch_fs: None,
            ..b.clone()
        };
        assert_eq!(&b, a);
    }
}

#[test]
fn arch_db_as_text_and_without_english() {
    let db = TestDb::new("views_text");
    let form = res_id(&db, "base.view_partner_form");
    let simple = res_id(&db, "base.view_partner_simple_form");
    let (before, _) = load(&db);
    // Only another language: that one is read.
    db.exec(&format!(
        "UPDATE ir_ui_view SET arch_db = jsonb_build_object('fr_FR', '<form string=\"fr\"/>') \
         WHERE id = {simple}"
    ));
    let (views, _) = load(&db);
    assert_eq!(
        by_id(&views, simple).arch.as_deref(),
        Some("<form string=\"fr\"/>")
    );
    // English and another language: English wins, whatever the order of the keys.
    db.exec(&format!(
        "UPDATE ir_ui_view SET arch_db = jsonb_build_object('de_DE', '<form string=\"de\"/>', \
         'en_US', '<form string=\"en\"/>') WHERE id = {simple}"
    ));
    let (views, _) = load(&db);
    assert_eq!(
        by_id(&views, simple).arch.as_deref(),
        Some("<form string=\"en\"/>")
    );
    // The text column of the schemas before 16.0.
    db.exec("ALTER TABLE ir_ui_view ALTER COLUMN arch_db TYPE text USING arch_db ->> 'en_US'");
    let (views, notes) = load(&db);
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(views.len(), before.len());
    assert_eq!(by_id(&views, form).arch, by_id(&before, form).arch);
    assert_eq!(
        by_id(&views, simple).arch.as_deref(),
        Some("<form string=\"en\"/>")
    );
    // NULL arch: None, not an empty string.
    db.exec(&format!(
        "UPDATE ir_ui_view SET arch_db = NULL WHERE id = {simple}"
    ));
    let (views, _) = load(&db);
    assert_eq!(by_id(&views, simple).arch, None);
}

#[test]
fn an_arch_changed_in_the_ui_is_arch_updated() {
    let db = TestDb::new19("views_custom");
    let form = res_id(&db, "base.view_partner_form");
    let (before, _) = load(&db);
    assert_eq!(by_id(&before, form).arch_updated, Some(false));
    // What Odoo's write() does when a user edits the arch (outside an install): the new arch,
    // the previous one kept in arch_prev, arch_updated set.
    db.exec(&format!(
        "UPDATE ir_ui_view SET arch_prev = arch_db ->> 'en_US', \
         arch_db = jsonb_build_object('en_US', replace(arch_db ->> 'en_US', \
             '<field name=\"vat\"', '<field name=\"ref\"/><field name=\"vat\"')), \
         arch_updated = true WHERE id = {form}"
    ));
    let (views, _) = load(&db);
    let v = by_id(&views, form);
    assert_eq!(v.arch_updated, Some(true));
    let old = by_id(&before, form).arch.as_deref().unwrap_or_default();
    let new = v.arch.as_deref().unwrap_or_default();
    assert_ne!(old, new);
    assert_eq!(new.replace("<field name=\"ref\"/>", ""), old);
    // Still an XML id of base, not noupdate: an update would load the file's arch over it.
    assert_eq!(v.xmlid.as_deref(), Some("base.view_partner_form"));
    assert_eq!(v.noupdate, Some(false));
    assert_eq!(
        views
            .iter()
            .filter(|v| v.arch_updated == Some(true))
            .count(),
        before
            .iter()
            .filter(|v| v.arch_updated == Some(true))
            .count()
            + 1
    );
}

#[test]
fn nulls_where_the_schema_has_not_null() {
    let db = TestDb::new("views_nulls");
    let ext = res_id(&db, "account.view_partner_property_form");
    let form = res_id(&db, "base.view_partner_form");
    db.exec(&format!(
        "ALTER TABLE ir_ui_view ALTER COLUMN mode DROP NOT NULL, \
         ALTER COLUMN priority DROP NOT NULL, ALTER COLUMN name DROP NOT NULL; \
         UPDATE ir_ui_view SET mode = NULL, priority = NULL, active = NULL, name = NULL \
         WHERE id = {ext}"
    ));
    let (views, notes) = load(&db);
    assert!(notes.is_empty(), "{notes:?}");
    let v = by_id(&views, ext);
    // Odoo looks up extensions with `mode = 'extension'` and active ones with `active = true`;
    // ORDER BY priority puts NULL last.
    assert_eq!(v.mode, "primary");
    assert!(!v.active);
    assert_eq!(v.priority, i64::MAX);
    assert_eq!(v.name, None);
    assert_eq!(v.inherit_id, Some(form));
}

#[test]
fn rows_of_the_wrong_form_are_left_out_and_reported() {
    let db = TestDb::new("views_odd");
    let ext = res_id(&db, "account.view_partner_property_form");
    let (before, _) = load(&db);
    db.exec(&format!(
        "ALTER TABLE ir_ui_view ALTER COLUMN priority TYPE varchar; \
         UPDATE ir_ui_view SET priority = 'high' WHERE id = {ext}; \
         UPDATE ir_ui_view SET priority = ' 7 ' WHERE id = {}",
        res_id(&db, "base.view_partner_form")
    ));
    let (views, notes) = load(&db);
    assert_eq!(views.len(), before.len() - 1);
    assert!(views.iter().all(|v| v.id != ext));
    assert_eq!(
        by_xmlid(&views, "base.view_partner_form").priority,
        7,
        "decimal text reads as a number"
    );
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0].code, "B006");
    assert_eq!(
        notes[0].message,
        format!(
            "ir_ui_view: 1 row left out (id {ext}): column `priority` holds a value of the wrong form"
        )
    );
}

#[test]
fn a_database_without_the_table_is_a_clear_error() {
    let db = TestDb::new("views_notable");
    db.exec("DROP TABLE ir_ui_view CASCADE");
    let mut session = connect(&db);
    let err = session.views().expect_err("no ir_ui_view");
    assert_eq!(err.code, 3, "{}", err.message);
    assert!(
        err.message
            .contains("relation \"ir_ui_view\" does not exist"),
        "{}",
        err.message
    );
    assert!(!err.message.contains('\n'));
    // The session is still usable afterwards.
    assert!(session.modules().is_ok());
}

#[test]
fn the_first_xmlid_by_id_owns_the_view() {
    let db = TestDb::new19("views_xmlids");
    let form = res_id(&db, "base.view_partner_form");
    let purchase = db.scalar("SELECT state::text FROM ir_module_module WHERE name = 'purchase'");
    // A later XML id changes nothing; an earlier one (of a module unknown to the database,
    // then of an installed module) takes over.
    db.exec(&format!(
        "INSERT INTO ir_model_data (id, module, name, model, res_id, noupdate) VALUES \
         ((SELECT max(id) + 1 FROM ir_model_data), 'sale', 'later_alias', 'ir.ui.view', {form}, true), \
         (-1, 'studio_customization', 'partner_form', 'ir.ui.view', {form}, true)"
    ));
    let (views, _) = load(&db);
    let v = by_id(&views, form);
    assert_eq!(
        v.xmlid.as_deref(),
        Some("studio_customization.partner_form")
    );
    assert_eq!(v.module.as_deref(), Some("studio_customization"));
    assert_eq!(v.module_state, None);
    assert_eq!(v.noupdate, Some(true));
    db.exec(&format!(
        "INSERT INTO ir_model_data (id, module, name, model, res_id, noupdate) VALUES \
         (-2, 'purchase', 'alias', 'ir.ui.view', {form}, false)"
    ));
    let (views, _) = load(&db);
    let v = by_id(&views, form);
    assert_eq!(v.xmlid.as_deref(), Some("purchase.alias"));
    assert_eq!(v.module_state.as_deref(), Some(purchase.as_str()));
    assert_eq!(v.noupdate, Some(false));
}
