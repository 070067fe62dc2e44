//! check-views on an addons repository alone (CI): the client templates of Odoo's own addons
//! are known by name from the embedded catalogue of the series, so a `t-inherit` of a template
//! Odoo does not define is an error even though `web` is not on the path.

use crate::common::{bin, corpus_copy, findings_with, run_json};

/// web_responsive's form view buttons extend `web.FormView` (a template of Odoo 18's `web`).
const FILE: &str = "web_responsive/static/src/legacy/xml/form_buttons.xml";
const PARENT: &str = "t-inherit=\"web.FormView\"";

fn check_views(addons: &std::path::Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let (code, doc, err) = run_json(
        bin()
            .args(["check-views", "--odoo-series", "18.0", "--addons-path"])
            .arg(addons)
            .args(extra),
    );
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    (code, doc)
}

#[test]
fn a_t_inherit_of_a_template_odoo_does_not_define_is_an_error_without_odoo_on_the_path() {
    // As shipped: web.FormView is listed by the 18.0 catalogue; not verifiable, no error.
    let (_tmp, addons) = corpus_copy(&["web_responsive"]);
    let (code, doc) = check_views(&addons, &[]);
    assert_eq!(code, 0, "{:#}", doc["findings"]);
    assert!(
        findings_with(&doc, "X008").is_empty(),
        "{:#}",
        doc["findings"]
    );
    let x4: Vec<&str> = findings_with(&doc, "X004")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .filter(|m| m.contains("client templates"))
        .collect();
    assert_eq!(x4.len(), 1, "{:#}", doc["findings"]);
    assert!(x4[0].contains("web.FormView"), "{}", x4[0]);
    let not_verifiable = doc["summary"]["templates_not_verifiable"].as_u64().unwrap();

    // The parent renamed to a name Odoo 18 has nowhere.
    let path = addons.join(FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(PARENT).count(), 1, "the corpus file changed");
    let renamed = text.replace(PARENT, "t-inherit=\"web.FormView.Legacy\"");
    std::fs::write(&path, &renamed).unwrap();
    let at = renamed.find("web.FormView.Legacy").unwrap();
    let start = renamed[..at].rfind('<').unwrap();
    let line = renamed[..start].matches('\n').count() + 1;

    let (code, doc) = check_views(&addons, &[]);
    assert_eq!(code, 1, "{:#}", doc["findings"]);
    let x8 = findings_with(&doc, "X008");
    assert_eq!(x8.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(x8[0]["severity"], "error");
    assert_eq!(x8[0]["module"], "web_responsive");
    assert_eq!(x8[0]["file"], path.display().to_string());
    assert_eq!(x8[0]["line"], line);
    let msg = x8[0]["message"].as_str().unwrap();
    assert!(
        msg.ends_with(": Odoo 18.0 defines no template web.FormView.Legacy in web"),
        "{msg}"
    );
    assert_eq!(doc["summary"]["template_errors"], 1);
    assert_eq!(
        doc["summary"]["templates_not_verifiable"].as_u64().unwrap(),
        not_verifiable - 1
    );

    // With Odoo Enterprise, whose template names are not catalogued, it cannot be told.
    let (code, doc) = check_views(&addons, &["--edition", "enterprise"]);
    assert_eq!(code, 0, "{:#}", doc["findings"]);
    assert!(
        findings_with(&doc, "X008").is_empty(),
        "{:#}",
        doc["findings"]
    );
}
