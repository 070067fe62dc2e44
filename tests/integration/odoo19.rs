//! Odoo 19, the series users deploy first: the real Odoo 19.0 community database (installed by
//! Odoo itself) paired with the 41 OCA 19.0 addons that were on its addons path
//! (`tests/fixtures/odoo19-*`, `.cache/oca19/addons`), and faults made on copies of both.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::*;

/// The modules Odoo 19 leaves `to install`: auto-install modules whose dependencies are not in
/// the community tree (the fixture's README).
const LEFT_TO_INSTALL: [&str; 5] = [
    "account_online_payment",
    "ai_fields",
    "ai_server_actions",
    "spreadsheet_dashboard_marketing_automation",
    "web_studio_ai_fields",
];

/// The OCA 19.0 addons of the corpus.
fn oca19() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus19())
        .expect("read the 19.0 corpus")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The modules of a report that carry a finding with `code`, sorted.
fn modules_with(doc: &Value, code: &str) -> Vec<String> {
    let mut m: Vec<String> = findings_with(doc, code)
        .iter()
        .filter_map(|f| f["module"].as_str().map(str::to_string))
        .collect();
    m.sort();
    m
}

/// A temporary copy of the 19.0 corpus.
fn corpus19_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dest = tmp.path().join("addons");
    copy_tree(&corpus19(), &dest);
    (tmp, dest)
}

#[test]
fn odoo19_manifests_are_read_with_the_19_rules() {
    let (code, doc, err) = run_json(
        bin()
            .args(["modules", "--odoo-series", "19.0", "--addons-path"])
            .arg(corpus19()),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(doc["summary"]["addons"], 41);
    assert_eq!(doc["summary"]["errors"], 0, "{:#}", doc["findings"]);
    assert_eq!(doc["summary"]["warnings"], 0, "{:#}", doc["findings"]);
    let mods = doc["modules"].as_array().unwrap();
    assert_eq!(mods.len(), 41);
    // 19.0 keeps 4- and 5-part versions as they are: every OCA version here is 19.0.x.y.z.
    for m in mods {
        let v = m["version"].as_str().unwrap_or_default();
        assert!(
            v.starts_with("19.0.") && v.split('.').count() == 5,
            "{}: {v}",
            m["name"]
        );
    }
}

#[test]
fn odoo19_clean_pairing_has_only_the_states_odoo_left() {
    let db = TestDb::new19("o19_pairing");
    let (code, doc, err) = run_json(
        bin()
            .args(["versions", "--all", "--db-url", &db.url(), "--addons-path"])
            .arg(corpus19()),
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(doc["context"]["series"], "19.0");
    assert_eq!(
        doc["context"]["series_source"],
        "database (base module version)"
    );
    let states = &doc["summary"]["states"];
    assert_eq!(states["installed"], 142);
    assert_eq!(states["to install"], 5);
    assert_eq!(states["uninstallable"], 23);
    assert_eq!(states["uninstalled"], 563);
    // The 5 modules Odoo left `to install`, and nothing else stuck.
    assert_eq!(modules_with(&doc, "V003"), LEFT_TO_INSTALL);
    // Every OCA addon of the path pairs with its row: versions equal, no update pending.
    let oca = oca19();
    let by_name: BTreeMap<&str, &Value> = doc["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m))
        .collect();
    let mut installed = 0;
    for name in &oca {
        let m = by_name[name.as_str()];
        match m["state"].as_str().unwrap() {
            "installed" => {
                installed += 1;
                assert_eq!(m["status"], "ok", "{m:#}");
                assert_eq!(m["disk_version"], m["db_version"], "{m:#}");
            }
            "uninstalled" => assert_eq!(m["status"], "not installed", "{m:#}"),
            other => panic!("{name}: state {other}"),
        }
    }
    assert_eq!(installed, 20);
    for code in ["V001", "V002", "V005", "V006"] {
        assert!(
            findings_with(&doc, code).is_empty(),
            "{code}: {:#}",
            doc["findings"]
        );
    }
    // Odoo's own modules are not on this path: the catalogue of 19.0 knows each installed one,
    // so none is V004; each is named as a core module of the series.
    assert!(
        modules_with(&doc, "V004").is_empty(),
        "{:#}",
        doc["findings"]
    );
    let core: Vec<&str> = doc["modules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["status"] == "Odoo core module (code not on the path)")
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(core.len(), 142 - 20, "{core:?}");
    assert!(
        core.iter().all(|m| !oca.contains(&m.to_string())),
        "{core:?}"
    );
    assert!(core.contains(&"website_sale"));
}

#[test]
fn odoo19_broken_names_placeholders_and_stuck_installs() {
    let db = TestDb::new19("o19_broken");
    let (code, doc, err) = run_json(bin().args(["broken", "--db-url", &db.url()]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(modules_with(&doc, "V003"), LEFT_TO_INSTALL);
    // Each says why the installation cannot succeed, and hints to cancel it, not to run -i.
    for f in findings_with(&doc, "V003") {
        let (msg, hint) = (f["message"].as_str().unwrap(), f["hint"].as_str().unwrap());
        assert!(msg.contains("and it cannot be: its dependency `"), "{msg}");
        assert!(
            hint.starts_with("cancel the scheduled installation"),
            "{hint}"
        );
    }
    let v003 = |m: &str| {
        findings_with(&doc, "V003")
            .into_iter()
            .find(|f| f["module"] == m)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        v003("web_studio_ai_fields").contains("`web_studio` is an Odoo Enterprise addon"),
        "{}",
        v003("web_studio_ai_fields")
    );
    // The 21 Enterprise placeholders (`to_buy`) are not findings; the two IoT modules Odoo
    // found not installable are.
    let b001 = modules_with(&doc, "B001");
    assert_eq!(b001, ["iot_box_image", "iot_drivers"], "{b001:?}");
    // The database Odoo installed has no dangling menu, no broken dependency.
    for code in ["B002", "B003"] {
        assert!(findings_with(&doc, code).is_empty(), "{code}");
    }

    // Faults on the copy: a menu whose action is gone, an installed module whose dependency
    // is not installed.
    db.exec(
        "DELETE FROM ir_act_window WHERE id = (SELECT split_part(action, ',', 2)::int \
           FROM ir_ui_menu WHERE name->>'en_US' = 'Product Brands'); \
         UPDATE ir_module_module SET state = 'uninstalled' WHERE name = 'fleet';",
    );
    let (_, doc, err) = run_json(bin().args(["broken", "--db-url", &db.url()]));
    let b003 = findings_with(&doc, "B003");
    assert_eq!(b003.len(), 1, "{err}{:#}", doc["findings"]);
    assert!(
        b003[0]["message"]
            .as_str()
            .unwrap()
            .contains("Product Brands"),
        "{b003:#?}"
    );
    // fleet_vehicle_category (OCA) depends on fleet, no longer installed.
    let b002 = modules_with(&doc, "B002");
    assert!(
        b002.iter().any(|m| m == "fleet_vehicle_category"),
        "{b002:?}"
    );
    assert!(findings_with(&doc, "B002")
        .iter()
        .all(|f| f["message"].as_str().unwrap().contains("fleet")));
}

#[test]
fn odoo19_audit_lists_every_row_with_disk_and_database() {
    let db = TestDb::new19("o19_audit");
    let (code, doc, err) = run_json(
        bin()
            .args(["audit", "--db-url", &db.url(), "--addons-path"])
            .arg(corpus19()),
    );
    assert_eq!(code, 0, "{err}");
    // 733 rows in ir_module_module; every addon of the path has one.
    let mods = doc["modules"].as_array().unwrap();
    assert_eq!(mods.len(), 733);
    let oca = oca19();
    let location = |name: &str| {
        mods.iter()
            .find(|m| m["name"] == name)
            .map(|m| m["location"].clone())
    };
    for name in &oca {
        assert_eq!(location(name), Some(Value::from("both")), "{name}");
    }
    assert_eq!(
        location("account"),
        Some(Value::from("database only (Odoo core module)"))
    );
    assert_eq!(mods.iter().filter(|m| m["location"] == "both").count(), 41);
}

#[test]
fn odoo19_code_upgraded_on_disk_is_a_pending_update() {
    let db = TestDb::new19("o19_bump");
    let (_tmp, addons) = corpus19_copy();
    let manifest = addons.join("product_brand/__manifest__.py");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let old = text
        .lines()
        .find(|l| l.contains("\"version\"") || l.contains("'version'"))
        .expect("a version line")
        .to_string();
    std::fs::write(
        &manifest,
        text.replace(&old, "    \"version\": \"19.0.9.0.0\","),
    )
    .unwrap();
    // And a downgrade: the database is newer than this checkout.
    db.exec("UPDATE ir_module_module SET latest_version = '19.0.9.9.9' WHERE name = 'mrp_tag'");
    let (code, doc, err) = run_json(
        bin()
            .args(["versions", "--db-url", &db.url(), "--addons-path"])
            .arg(&addons),
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(modules_with(&doc, "V001"), ["product_brand"]);
    let v001 = &findings_with(&doc, "V001")[0];
    assert!(
        v001["message"].as_str().unwrap().contains("19.0.9.0.0"),
        "{v001:#}"
    );
    assert_eq!(v001["severity"], "warning");
    assert_eq!(modules_with(&doc, "V002"), ["mrp_tag"]);
}

#[test]
fn odoo19_client_actions_in_database_mode_with_a_partial_path() {
    let db = TestDb::new19("o19_ca");
    let (code, doc, err) = run_json(
        bin()
            .args([
                "check-client-actions",
                "--db-url",
                &db.url(),
                "--addons-path",
            ])
            .arg(corpus19()),
    );
    // Odoo's own addons are not on this path, so their tags cannot be verified: not errors.
    assert_eq!(code, 0, "{err}{:#}", doc["findings"]);
    assert_eq!(doc["summary"]["actions_checked"], 22);
    assert_eq!(doc["summary"]["errors"], 0);
    assert_eq!(doc["context"]["addons_path_scope"], "partial");
}
