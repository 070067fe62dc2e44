//! `check-client-actions` on the real OCA corpus and on altered copies of it, and in database
//! mode on copies of the real Odoo 18 database.
//!
//! Odoo's own addons (`base`, `web`, `mail`, `base_sparse_field`) are not in the corpus: the
//! catalogue of 18.0 stands in for them. Some fault tests put empty addons with those names on
//! the path: an addon on the path wins over the catalogue, so they register nothing.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::*;

const CHANNEL_JS: &str = "queue_job/static/src/channel_tree/channel_tree.esm.js";
const REGISTRATION: &str =
    "registry.category(\"actions\").add(\"queue_job_channel_tree\", ChannelTree);";
const TAG: &str = "queue_job_channel_tree";

/// A copy of queue_job and web_timeline with empty `base`, `web`, `mail` and
/// `base_sparse_field` addons next to them, so that queue_job's dependency closure is on the path.
/// queue_job and web_timeline of the corpus, with stand-ins for the addons they depend on.
pub fn queue_job_tree() -> (tempfile::TempDir, PathBuf) {
    let (tmp, root) = corpus_copy(&["queue_job", "web_timeline"]);
    write_addon(
        &root,
        "base_sparse_field",
        "{'name': 'Sparse', 'depends': ['base'], 'license': 'LGPL-3'}",
    );
    base_and_web(&root);
    write_addon(
        &root,
        "mail",
        "{'name': 'Mail', 'depends': ['base', 'web'], 'license': 'LGPL-3'}",
    );
    (tmp, root)
}

/// Empty `base` and `web` addons under `root`.
fn base_and_web(root: &Path) {
    write_addon(
        root,
        "base",
        "{'name': 'Base', 'depends': [], 'license': 'LGPL-3'}",
    );
    write_addon(
        root,
        "web",
        "{'name': 'Web', 'depends': ['base'], 'license': 'LGPL-3'}",
    );
}

fn check(root: &Path) -> (i32, serde_json::Value) {
    let (code, doc, err) = run_json(
        bin()
            .args([
                "check-client-actions",
                "--all",
                "--odoo-series",
                "18.0",
                "--addons-path",
            ])
            .arg(root),
    );
    assert!(doc["findings"].is_array(), "{err}");
    (code, doc)
}

fn ci(root: &Path) -> (i32, String) {
    let (code, out, err) = run(bin()
        .args([
            "check-client-actions",
            "--ci",
            "--odoo-series",
            "18.0",
            "--addons-path",
        ])
        .arg(root));
    assert!(err.is_empty(), "{err}");
    (code, out)
}

/// Replaces the real registration line of the channel tree action.
pub fn edit_registration(root: &Path, replacement: &str) {
    let file = root.join(CHANNEL_JS);
    let text = fs::read_to_string(&file).unwrap();
    assert!(
        text.contains(REGISTRATION),
        "the corpus changed: {}",
        file.display()
    );
    fs::write(&file, text.replace(REGISTRATION, replacement)).unwrap();
}

fn use_row<'a>(doc: &'a serde_json::Value, kind: &str, key: &str) -> &'a serde_json::Value {
    doc["uses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["kind"] == kind && u["key"] == key)
        .unwrap_or_else(|| panic!("no {kind} use of {key} in {:#}", doc["uses"]))
}

fn tag_findings<'a>(doc: &'a serde_json::Value, code: &str) -> Vec<&'a serde_json::Value> {
    findings_with(doc, code)
        .into_iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap_or("")
                .contains(&format!("`{TAG}`"))
        })
        .collect()
}

#[test]
fn real_corpus_registrations_satisfy_their_uses() {
    let (code, doc) = check(&corpus());
    assert_eq!(code, 0, "{:#}", doc["findings"]);
    let row = use_row(&doc, "client action", TAG);
    assert_eq!(row["status"], "ok");
    assert_eq!(row["module"], "queue_job");
    assert!(row["location"]
        .as_str()
        .unwrap()
        .ends_with("queue_job/views/queue_job_channel_views.xml:133"));
    assert!(row["handler"]
        .as_str()
        .unwrap()
        .contains("channel_tree.esm.js:226"));
    assert_eq!(
        use_row(&doc, "field widget", "mis_report_widget")["status"],
        "ok"
    );
    assert_eq!(
        use_row(&doc, "view js_class", "helpdesk_kanban")["status"],
        "ok"
    );
    // Odoo's widgets live in `web`, which is not on the path: the catalogue of 18.0 registers
    // them, in web's backend bundle.
    let m2m = use_row(&doc, "field widget", "many2many_tags");
    assert_eq!(m2m["status"], "ok");
    assert!(
        m2m["handler"]
            .as_str()
            .unwrap()
            .contains("(catalogue 18.0)"),
        "{m2m:#}"
    );
    // base_exception returns {'type': 'ir.actions.client', 'tag': 'soft_reload'} (web's).
    let soft = use_row(&doc, "client action", "soft_reload");
    assert_eq!(soft["source"], "python");
    assert_eq!(soft["status"], "ok");
    assert_eq!(doc["summary"]["errors"], 0);
    assert_eq!(doc["summary"]["actions_checked"], 2);
    assert_eq!(doc["summary"]["actions_valid"], 2);
    assert!(
        findings_with(&doc, "A007").is_empty(),
        "{:#}",
        doc["findings"]
    );
    // The widgets no module of 18.0 registers (legacy names) are warnings.
    let w001: Vec<&str> = findings_with(&doc, "W001")
        .iter()
        .map(|f| f["module"].as_str().unwrap())
        .collect();
    assert_eq!(
        w001,
        [
            "purchase_order_approval_block",
            "stock_picking_invoice_link"
        ]
    );
    // --ci: only the errors are printed (none here), and they alone make it fail.
    let (code, out) = ci(&corpus());
    assert_eq!(code, 0);
    assert!(out.trim().is_empty(), "{out}");
}

#[test]
fn tag_removed_from_js_is_an_error_when_dependencies_are_known() {
    let (_tmp, root) = queue_job_tree();
    edit_registration(&root, "");
    let (code, doc) = check(&root);
    assert_eq!(code, 1);
    let f = tag_findings(&doc, "A001");
    assert_eq!(f.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(f[0]["module"], "queue_job");
    assert!(f[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("queue_job/views/queue_job_channel_views.xml"));
    assert_eq!(f[0]["line"], 133);
    let (code, out) = ci(&root);
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .any(|l| l.contains("error[A001]") && l.contains("queue_job_channel_views.xml:133")),
        "{out}"
    );
}

#[test]
fn tag_removed_without_core_modules_is_an_error_by_the_catalogue() {
    // queue_job alone: its dependencies (mail, web, base_sparse_field) are Odoo's, known to
    // the catalogue, and none registers the tag.
    let (_tmp, root) = corpus_copy(&["queue_job"]);
    edit_registration(&root, "");
    let (code, doc) = check(&root);
    assert_eq!(code, 1, "{:#}", doc["findings"]);
    let f = tag_findings(&doc, "A001");
    assert_eq!(f.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(f[0]["line"], 133);
    assert!(tag_findings(&doc, "A007").is_empty());
}

#[test]
fn tag_removed_with_a_dependency_nobody_knows_is_not_verifiable() {
    // A dependency neither on the path nor in the catalogue (another repository's addon)
    // could register the tag.
    let (_tmp, root) = corpus_copy(&["queue_job"]);
    edit_registration(&root, "");
    let manifest = root.join("queue_job/__manifest__.py");
    let text = fs::read_to_string(&manifest).unwrap();
    let text = text.replacen("\"depends\": [", "\"depends\": [\"other_repo_addon\", ", 1);
    assert!(
        text.contains("other_repo_addon"),
        "the corpus changed: {text}"
    );
    fs::write(&manifest, text).unwrap();
    let (code, doc) = check(&root);
    assert_eq!(code, 0, "{:#}", doc["findings"]);
    assert!(tag_findings(&doc, "A001").is_empty());
    let f = tag_findings(&doc, "A007");
    assert_eq!(f.len(), 1, "{:#}", doc["findings"]);
    let msg = f[0]["message"].as_str().unwrap();
    // Only the unknown module is named: Odoo's are known.
    assert!(msg.contains("module(s) other_repo_addon is not"), "{msg}");
    assert_eq!(f[0]["severity"], "info");
    // deps: D001 for it, nothing for Odoo's own dependencies.
    let (_, deps, _) = run_json(bin().args(["deps", "--addons-path"]).arg(&root));
    let d001: Vec<&str> = findings_with(&deps, "D001")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(d001.len(), 1, "{d001:?}");
    assert!(d001[0].contains("`other_repo_addon`"), "{d001:?}");
}

#[test]
fn registration_in_a_file_no_bundle_loads() {
    let (_tmp, root) = queue_job_tree();
    edit_registration(&root, "");
    let other = root.join("queue_job/static/src/unbundled/register.esm.js");
    fs::create_dir_all(other.parent().unwrap()).unwrap();
    fs::write(
        &other,
        format!("import {{registry}} from \"@web/core/registry\";\n{REGISTRATION}\n"),
    )
    .unwrap();
    let (code, doc) = check(&root);
    assert_eq!(code, 1);
    let f = tag_findings(&doc, "A003");
    assert_eq!(f.len(), 1, "{:#}", doc["findings"]);
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("unbundled/register.esm.js:2"));
    assert!(f[0]["message"].as_str().unwrap().contains("no bundle"));
    assert_eq!(
        use_row(&doc, "client action", TAG)["status"],
        "outside backend bundles"
    );
}

#[test]
fn registration_only_in_a_test_bundle() {
    let (_tmp, root) = queue_job_tree();
    edit_registration(&root, "");
    let test_js = root.join("queue_job/static/tests/register_tests.esm.js");
    fs::create_dir_all(test_js.parent().unwrap()).unwrap();
    fs::write(&test_js, format!("{REGISTRATION}\n")).unwrap();
    let manifest = root.join("queue_job/__manifest__.py");
    let text = fs::read_to_string(&manifest).unwrap();
    let text = text.replacen(
        "\"web.assets_backend\": [",
        "\"web.assets_unit_tests\": [\"queue_job/static/tests/**/*\"],\n        \"web.assets_backend\": [",
        1,
    );
    assert!(
        text.contains("web.assets_unit_tests"),
        "manifest layout changed"
    );
    fs::write(&manifest, text).unwrap();
    let (code, doc) = check(&root);
    assert_eq!(code, 1);
    let f = tag_findings(&doc, "A002");
    assert_eq!(f.len(), 1, "{:#}", doc["findings"]);
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("web.assets_unit_tests"));
}

#[test]
fn registration_in_a_module_not_depended_on() {
    let (_tmp, root) = queue_job_tree();
    edit_registration(&root, "");
    // web_timeline's backend bundle lists this file explicitly.
    let file = root.join("web_timeline/static/src/views/timeline/timeline_view.esm.js");
    let mut text = fs::read_to_string(&file).unwrap();
    text.push_str(
        "\nregistry.category(\"actions\").add(\"queue_job_channel_tree\", TimelineView);\n",
    );
    fs::write(&file, text).unwrap();
    let (code, doc) = check(&root);
    assert_eq!(code, 0, "a warning does not fail: {:#}", doc["findings"]);
    let f = tag_findings(&doc, "A004");
    assert_eq!(f.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(f[0]["severity"], "warning");
    assert!(f[0]["message"].as_str().unwrap().contains("web_timeline"));
    assert!(f[0]["hint"].as_str().unwrap().contains("'web_timeline'"));
}

#[test]
fn aliased_and_multi_line_registrations_count() {
    let (_tmp, root) = queue_job_tree();
    // Exported alias in one file, imported under another name in a second one.
    edit_registration(&root, "");
    let dir = root.join("queue_job/static/src/channel_tree");
    fs::write(
        dir.join("registries.esm.js"),
        "import {registry} from \"@web/core/registry\";\nexport const actionRegistry = registry.category('actions');\n",
    )
    .unwrap();
    fs::write(
        dir.join("register.esm.js"),
        "import {actionRegistry as actions} from \"./registries.esm\";\nimport {ChannelTree} from \"./channel_tree.esm\";\nactions.add(\n  'queue_job_channel_tree',\n  ChannelTree\n);\n",
    )
    .unwrap();
    let (code, doc) = check(&root);
    assert_eq!(code, 0, "{:#}", doc["findings"]);
    let row = use_row(&doc, "client action", TAG);
    assert_eq!(row["status"], "ok");
    assert!(row["handler"]
        .as_str()
        .unwrap()
        .contains("register.esm.js:3"));

    // Multi-line, template-literal quoting, options.
    let (_tmp2, root2) = queue_job_tree();
    edit_registration(
        &root2,
        "registry\n    .category(\n        \"actions\"\n    )\n    .add(\n        `queue_job_channel_tree`,\n        ChannelTree,\n        { force: true }\n    );",
    );
    let (code, doc) = check(&root2);
    assert_eq!(code, 0, "{:#}", doc["findings"]);
    assert_eq!(use_row(&doc, "client action", TAG)["status"], "ok");
}

#[test]
fn substring_of_a_registered_tag_does_not_count() {
    let (_tmp, root) = queue_job_tree();
    edit_registration(
        &root,
        "// queue_job_channel_tree was renamed\nregistry.category(\"actions\").add(\"queue_job_channel_tree_v2\", ChannelTree);",
    );
    let (code, doc) = check(&root);
    assert_eq!(code, 1);
    assert_eq!(tag_findings(&doc, "A001").len(), 1, "{:#}", doc["findings"]);
    // The reverse: the use names a longer tag than the registration.
    let (_tmp2, root2) = queue_job_tree();
    let xml = root2.join("queue_job/views/queue_job_channel_views.xml");
    let text = fs::read_to_string(&xml).unwrap();
    fs::write(
        &xml,
        text.replace(
            ">queue_job_channel_tree</field>",
            ">queue_job_channel_tree_full</field>",
        ),
    )
    .unwrap();
    let (code, doc) = check(&root2);
    assert_eq!(code, 1);
    let f = findings_with(&doc, "A001");
    assert_eq!(f.len(), 1);
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("`queue_job_channel_tree_full`"));
}

#[test]
fn dynamic_registration_is_reported_not_counted() {
    let (_tmp, root) = queue_job_tree();
    edit_registration(
        &root,
        "const tag = \"queue_job_\" + \"channel_tree\";\nregistry.category(\"actions\").add(tag, ChannelTree);",
    );
    let (code, doc) = check(&root);
    assert_eq!(code, 1);
    let d = findings_with(&doc, "A005");
    assert_eq!(d.len(), 1, "{:#}", doc["findings"]);
    assert!(d[0]["message"].as_str().unwrap().contains("`tag`"));
    assert!(d[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("channel_tree.esm.js"));
    assert_eq!(tag_findings(&doc, "A001").len(), 1);
}

#[test]
fn unknown_widget_and_js_class_when_dependencies_are_known() {
    let (_tmp, root) = queue_job_tree();
    let views = root.join("queue_job/views/queue_job_views.xml");
    let text = fs::read_to_string(&views).unwrap();
    fs::write(
        &views,
        text.replace(
            "widget=\"job_directed_graph\"",
            "widget=\"job_directed_graph_typo\"",
        )
        .replacen("<list", "<list js_class=\"no_such_list\"", 1),
    )
    .unwrap();
    let (code, doc) = check(&root);
    assert_eq!(code, 1, "W002 is an error");
    let w = findings_with(&doc, "W001");
    assert!(
        w.iter().any(|f| f["message"]
            .as_str()
            .unwrap()
            .contains("`job_directed_graph_typo`")
            && f["file"].as_str().unwrap().ends_with("queue_job_views.xml")),
        "{w:#?}"
    );
    let v = findings_with(&doc, "W002");
    assert_eq!(v.len(), 1, "{v:#?}");
    assert!(v[0]["message"].as_str().unwrap().contains("`no_such_list`"));
}

#[test]
fn ci_formats_point_at_the_file_and_line() {
    let (_tmp, root) = queue_job_tree();
    edit_registration(&root, "");
    let (code, out, _) = run(bin()
        .args([
            "check-client-actions",
            "--odoo-series",
            "18.0",
            "--format",
            "github",
            "--addons-path",
        ])
        .arg(&root));
    assert_eq!(code, 1);
    let line = out
        .lines()
        .find(|l| l.starts_with("::error") && l.contains("A001"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.contains("queue_job_channel_views.xml,line=133"),
        "{line}"
    );
    let (_, sarif, _) = run(bin()
        .args([
            "check-client-actions",
            "--odoo-series",
            "18.0",
            "--format",
            "sarif",
            "--addons-path",
        ])
        .arg(&root));
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let res = v["runs"][0]["results"].as_array().unwrap();
    let a001 = res.iter().find(|r| r["ruleId"] == "A001").unwrap();
    assert_eq!(
        a001["locations"][0]["physicalLocation"]["region"]["startLine"],
        133
    );
    let (_, junit, _) = run(bin()
        .args([
            "check-client-actions",
            "--odoo-series",
            "18.0",
            "--format",
            "junit",
            "--min-severity",
            "info",
            "--addons-path",
        ])
        .arg(&root));
    let (_, doc) = check(&root);
    assert_eq!(tag_findings(&doc, "A001").len(), 1, "{doc}");
    assert_junit_matches(&junit, &doc);
}

#[test]
fn database_mode_names_the_menus_that_break() {
    let db = TestDb::new("client_actions");
    db.exec(
        "WITH a AS (INSERT INTO ir_act_client (type, name, tag, binding_type, context, target)
                    VALUES ('ir.actions.client', '{\"en_US\": \"Broken board\"}', 'oa_nobody_registers_this', 'action', '{}', 'current')
                    RETURNING id),
              d AS (INSERT INTO ir_model_data (module, name, model, res_id, noupdate)
                    SELECT 'mis_builder', 'oa_broken_action', 'ir.actions.client', id, false FROM a),
              m AS (INSERT INTO ir_ui_menu (name, action, active, sequence)
                    SELECT '{\"en_US\": \"Broken Board Menu\"}', 'ir.actions.client,' || id, true, 5 FROM a RETURNING id)
         INSERT INTO ir_model_data (module, name, model, res_id, noupdate)
              SELECT 'mis_builder', 'oa_broken_menu', 'ir.ui.menu', id, false FROM m;
         WITH a AS (INSERT INTO ir_act_client (type, name, tag, binding_type, context, target)
                    VALUES ('ir.actions.client', '{\"en_US\": \"Channels\"}', 'queue_job_channel_tree', 'action', '{}', 'current')
                    RETURNING id)
         INSERT INTO ir_ui_menu (name, action, active, sequence)
              SELECT '{\"en_US\": \"Job Channels\"}', 'ir.actions.client,' || id, true, 6 FROM a;",
    );
    let (code, doc, err) = run_json(
        bin()
            .args([
                "check-client-actions",
                "--db-url",
                &db.url(),
                "--addons-path",
            ])
            .arg(corpus()),
    );
    assert_eq!(doc["context"]["mode"], "database", "{err}");
    // queue_job registers the tag but is not installed in the fixture database.
    assert_eq!(code, 1, "{:#}", doc["findings"]);
    let f = findings_with(&doc, "A006");
    assert_eq!(f.len(), 1, "{:#}", doc["findings"]);
    let msg = f[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("queue_job") && msg.contains("Job Channels"),
        "{msg}"
    );
    // Nobody registers the other tag; mis_builder needs account and web, which are installed
    // but not on the addons path: the catalogue knows them, so the tag is an error, with its
    // menu.
    let row = use_row(&doc, "client action", "oa_nobody_registers_this");
    assert_eq!(row["status"], "not registered");
    assert_eq!(row["module"], "mis_builder");
    assert_eq!(row["location"], "mis_builder.oa_broken_action");
    assert!(row["menus"][0]
        .as_str()
        .unwrap()
        .contains("Broken Board Menu"));
    let nv: Vec<_> = findings_with(&doc, "A001")
        .into_iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("oa_nobody_registers_this")
        })
        .collect();
    assert_eq!(nv.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(nv[0]["module"], "mis_builder");
    let msg = nv[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("Broken Board Menu") && msg.contains("mis_builder.oa_broken_menu"),
        "{msg}"
    );
    // The fixture's own actions are all checked, one query for all of them.
    let n: usize = db
        .scalar("select count(*)::text from ir_act_client")
        .parse()
        .unwrap();
    assert_eq!(doc["summary"]["actions_checked"], n);
    assert_eq!(doc["summary"]["queries"], 4);
}

/// The scanner that looks only around registry names agrees with the token-by-token scan on
/// every JavaScript file of the corpus, whole and cut at many points (unterminated strings,
/// templates, comments and calls), or defers to it.
#[test]
fn sparse_and_whole_scans_agree_on_the_corpus() {
    use odoo_audit::load::web::js_scan::{may_register, scan, scan_sparse};
    let mut files = 0;
    let mut registrations = 0;
    for e in walkdir::WalkDir::new(corpus())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "js"))
    {
        let text = fs::read_to_string(e.path()).unwrap();
        if !may_register(&text) {
            continue;
        }
        files += 1;
        let step = (text.len() / 40).max(1);
        let cuts = (0..text.len())
            .step_by(step)
            .chain([text.len()])
            .filter(|&c| text.is_char_boundary(c));
        for cut in cuts {
            let src = &text[..cut];
            let whole = scan(src);
            if cut == text.len() {
                registrations += whole.registrations.len();
            }
            let Some(sparse) = scan_sparse(src) else {
                // Deferred: only for a key that is a bare name (a helper's parameter or dynamic).
                assert!(
                    !whole.helpers.is_empty()
                        || whole.registrations.iter().any(|r| r.key.is_none()),
                    "{} cut at {cut}: deferred without a bare-name key",
                    e.path().display()
                );
                continue;
            };
            assert_eq!(
                sparse.registrations,
                whole.registrations,
                "{} cut at {cut}",
                e.path().display()
            );
            assert_eq!(
                sparse.exported_aliases,
                whole.exported_aliases,
                "{} cut at {cut}",
                e.path().display()
            );
        }
    }
    assert!(files >= 30, "{files} corpus files name a registry");
    assert!(
        registrations >= 20,
        "{registrations} registrations in the corpus"
    );
}

/// An installed module whose code is absent: with the server's own addons path (its odoo.conf)
/// a tag nothing registers is an error naming the absent modules, each absent module is `V004`;
/// with a partial path, a use is "not verifiable" only when an absent module could register it
/// under the dependency rule.
#[test]
fn installed_module_missing_from_disk_does_not_hide_missing_tags() {
    let db = TestDb::new("client_actions_absent");
    // agreement_legal installed but absent from disk; the database records that it depends on
    // date_range (so it could register date_range's tags), not on report_xlsx.
    db.exec(
        "UPDATE ir_module_module SET state = 'installed' WHERE name = 'agreement_legal';
         INSERT INTO ir_module_module_dependency (module_id, name)
              SELECT id, 'date_range' FROM ir_module_module WHERE name = 'agreement_legal';
         WITH a AS (INSERT INTO ir_act_client (type, name, tag, binding_type, context, target)
                    VALUES ('ir.actions.client', '{\"en_US\": \"Xlsx board\"}', 'oa_xlsx_board', 'action', '{}', 'current')
                    RETURNING id),
              d AS (INSERT INTO ir_model_data (module, name, model, res_id, noupdate)
                    SELECT 'report_xlsx', 'oa_xlsx_board', 'ir.actions.client', id, false FROM a)
         INSERT INTO ir_ui_menu (name, action, active, sequence)
              SELECT '{\"en_US\": \"Xlsx Board Menu\"}', 'ir.actions.client,' || id, true, 5 FROM a;
         WITH a AS (INSERT INTO ir_act_client (type, name, tag, binding_type, context, target)
                    VALUES ('ir.actions.client', '{\"en_US\": \"Ranges\"}', 'oa_range_board', 'action', '{}', 'current')
                    RETURNING id)
         INSERT INTO ir_model_data (module, name, model, res_id, noupdate)
              SELECT 'date_range', 'oa_range_board', 'ir.actions.client', id, false FROM a;",
    );
    let (tmp, root) = corpus_copy(&[]);
    fs::remove_dir_all(root.join("agreement_legal")).unwrap();
    // report_xlsx and date_range need only base and web: empty stand-ins put them on the path.
    base_and_web(&root);
    let conf = tmp.path().join("odoo.conf");
    fs::write(
        &conf,
        format!("[options]\naddons_path = {}\n", root.display()),
    )
    .unwrap();
    let message = |doc: &serde_json::Value, code: &str, tag: &str| -> Option<String> {
        findings_with(doc, code)
            .into_iter()
            .map(|f| f["message"].as_str().unwrap().to_string())
            .find(|m| m.contains(&format!("`{tag}`")))
    };

    // The server's own path (-c odoo.conf, no --addons-path). The catalogue does not count
    // (Odoo serves no JavaScript of a module missing from the server's path); stock's own
    // action is a finding inside an Odoo module: --include-core lists it.
    let (code, doc, err) = run_json(
        bin()
            .args([
                "check-client-actions",
                "--include-core",
                "--db-url",
                &db.url(),
                "-c",
            ])
            .arg(&conf),
    );
    assert_eq!(
        doc["context"]["addons_path_scope"], "complete (the server's own)",
        "{err}"
    );
    assert_eq!(code, 1);
    for tag in ["oa_xlsx_board", "oa_range_board", "stock_report_generic"] {
        let m = message(&doc, "A001", tag)
            .unwrap_or_else(|| panic!("no A001 for {tag}: {:#}", doc["findings"]));
        assert!(
            m.contains("agreement_legal") && m.contains("on no addons path of the server"),
            "{m}"
        );
    }
    assert!(message(&doc, "A001", "oa_xlsx_board")
        .unwrap()
        .contains("Xlsx Board Menu"));
    assert!(
        findings_with(&doc, "A007").is_empty(),
        "{:#}",
        doc["findings"]
    );
    let v004: Vec<_> = findings_with(&doc, "V004")
        .into_iter()
        .filter(|f| f["module"] == "agreement_legal")
        .collect();
    assert_eq!(v004.len(), 1, "{:#}", doc["findings"]);

    // The same path said to be partial, and the path given by hand: the dependency rule.
    for args in [
        vec![
            "--partial-path".to_string(),
            "-c".into(),
            conf.display().to_string(),
        ],
        vec!["--addons-path".to_string(), root.display().to_string()],
    ] {
        let (_, doc, err) = run_json(
            bin()
                .args(["check-client-actions", "--all", "--db-url", &db.url()])
                .args(&args),
        );
        assert_eq!(doc["context"]["addons_path_scope"], "partial", "{err}");
        // report_xlsx needs only base and web, both on the path; agreement_legal does not
        // depend on it: an error, not "not verifiable".
        let m = message(&doc, "A001", "oa_xlsx_board")
            .unwrap_or_else(|| panic!("{args:?}: {:#}", doc["findings"]));
        assert!(
            m.contains("agreement_legal") && m.contains("neither among its dependencies"),
            "{m}"
        );
        // agreement_legal depends on date_range: it could register date_range's tag.
        let m = message(&doc, "A007", "oa_range_board")
            .unwrap_or_else(|| panic!("{args:?}: {:#}", doc["findings"]));
        assert!(m.contains("agreement_legal"), "{m}");
        // stock itself is not on the path: the catalogue says it registers its tag.
        assert_eq!(
            use_row(&doc, "client action", "stock_report_generic")["status"],
            "ok"
        );
        assert!(findings_with(&doc, "V004").is_empty());
    }
}
