//! `modules` and `deps` end to end: the real corpus and small trees with one fault each.

use crate::common::*;

const LIC: &str = "'license': 'AGPL-3'";

#[test]
fn corpus_modules_lists_every_pinned_addon() {
    let corpus = corpus();
    let (code, doc, _) = run_json(
        bin()
            .args(["modules", "--odoo-series", "18.0", "--addons-path"])
            .arg(&corpus),
    );
    let rows = doc["modules"].as_array().unwrap();
    let pins = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/odoo18-oca-pins.txt"),
    )
    .unwrap();
    let pinned = pins
        .lines()
        .filter(|l| l.starts_with("odoo-addon-"))
        .count();
    assert_eq!(rows.len(), pinned);
    let mis = rows
        .iter()
        .find(|r| r["name"] == "mis_builder")
        .expect("mis_builder listed");
    assert!(mis["adapted_version"]
        .as_str()
        .unwrap()
        .starts_with("18.0."));
    assert_eq!(mis["installable"], true);
    assert!(mis["depends"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d == "date_range"));
    assert_eq!(doc["context"]["series"], "18.0");
    assert_eq!(doc["command"], "modules");
    // The real corpus has no malformed manifest: only dependency-free findings can come out.
    assert!(
        findings_with(&doc, "M001").is_empty(),
        "{:?}",
        findings_with(&doc, "M001")
    );
    assert_eq!(code, 0, "{doc}");
}

#[test]
fn modules_filters() {
    let corpus = corpus();
    let (_, doc, _) = run_json(
        bin()
            .args([
                "modules",
                "--odoo-series",
                "18.0",
                "--name",
                "web_*",
                "--addons-path",
            ])
            .arg(&corpus),
    );
    let names = module_names(&doc);
    assert!(!names.is_empty());
    assert!(names.iter().all(|n| n.starts_with("web_")), "{names:?}");
    let (_, doc, _) = run_json(
        bin()
            .args(["modules", "--author", "NOBODY-SUCH-AUTHOR", "--addons-path"])
            .arg(&corpus),
    );
    assert_eq!(doc["modules"].as_array().unwrap().len(), 0);
}

#[test]
fn missing_dependency_fails_with_d001() {
    let tmp = tempfile::tempdir().unwrap();
    write_addon(
        tmp.path(),
        "a",
        &format!("{{'name': 'A', {LIC}, 'version': '18.0.1.0.0', 'depends': ['ghost']}}"),
    );
    let (code, doc, _) = run_json(
        bin()
            .args(["deps", "--odoo-series", "18.0", "--addons-path"])
            .arg(tmp.path()),
    );
    assert_eq!(code, 1);
    let f = findings_with(&doc, "D001");
    assert_eq!(f.len(), 1, "{doc}");
    assert_eq!(f[0]["module"], "a");
    assert_eq!(f[0]["severity"], "error");
    assert!(f[0]["message"].as_str().unwrap().contains("ghost"));
    assert!(f[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("a/__manifest__.py"));
    assert!(!f[0]["hint"].as_str().unwrap().is_empty());
}

#[test]
fn cycle_is_reported_once_with_its_path() {
    let tmp = tempfile::tempdir().unwrap();
    write_addon(tmp.path(), "a", &format!("{{{LIC}, 'depends': ['b']}}"));
    write_addon(tmp.path(), "b", &format!("{{{LIC}, 'depends': ['c']}}"));
    write_addon(tmp.path(), "c", &format!("{{{LIC}, 'depends': ['a']}}"));
    write_addon(tmp.path(), "d", &format!("{{{LIC}, 'depends': ['a']}}"));
    let (code, doc, _) = run_json(bin().args(["deps", "--addons-path"]).arg(tmp.path()));
    assert_eq!(code, 1);
    let f = findings_with(&doc, "D002");
    assert_eq!(f.len(), 1, "{doc}");
    assert_eq!(f[0]["message"], "dependency cycle: a → b → c → a");
}

#[test]
fn shadowed_duplicate_first_path_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let p1 = tmp.path().join("p1");
    let p2 = tmp.path().join("p2");
    write_addon(&p1, "dup", &format!("{{{LIC}, 'version': '18.0.2.0.0'}}"));
    write_addon(&p2, "dup", &format!("{{{LIC}, 'version': '18.0.1.0.0'}}"));
    let paths = format!("{},{}", p1.display(), p2.display());
    let (code, doc, _) =
        run_json(bin().args(["modules", "--odoo-series", "18.0", "--addons-path", &paths]));
    assert_eq!(code, 0, "a shadowed copy is a warning: {doc}");
    let rows = doc["modules"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["version"], "18.0.2.0.0");
    let f = findings_with(&doc, "P004");
    assert_eq!(f.len(), 1);
    assert!(f[0]["file"].as_str().unwrap().contains("p2"));
    // --fail-on warning turns it into a failure.
    let (code, _, _) = run(bin().args([
        "modules",
        "--fail-on",
        "warning",
        "--odoo-series",
        "18.0",
        "--addons-path",
        &paths,
    ]));
    assert_eq!(code, 1);
    // --allow drops it.
    let (code, doc, _) = run_json(bin().args([
        "modules",
        "--fail-on",
        "warning",
        "--allow",
        "P004",
        "--odoo-series",
        "18.0",
        "--addons-path",
        &paths,
    ]));
    assert_eq!(code, 0);
    assert!(findings_with(&doc, "P004").is_empty());
}

#[test]
fn malformed_manifest_is_a_finding_and_the_scan_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    write_addon(
        tmp.path(),
        "bad",
        "{\n    'name': 'Bad',\n    'depends': [base],\n}\n",
    );
    write_addon(tmp.path(), "latin1", "");
    std::fs::write(
        tmp.path().join("latin1/__manifest__.py"),
        b"{'name': 'caf\xe9'}",
    )
    .unwrap();
    write_addon(tmp.path(), "good", &format!("{{{LIC}, 'name': 'Good'}}"));
    let (code, doc, _) = run_json(bin().args(["modules", "--addons-path"]).arg(tmp.path()));
    assert_eq!(code, 1);
    let rows = doc["modules"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "good");
    let f = findings_with(&doc, "M001");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["line"], 3);
    assert!(f[0]["column"].as_u64().unwrap() > 0);
    assert!(
        f[0]["message"].as_str().unwrap().contains("base"),
        "{}",
        f[0]
    );
    assert_eq!(findings_with(&doc, "M002").len(), 1);
}

#[test]
fn missing_path_is_reported_and_others_scanned() {
    let tmp = tempfile::tempdir().unwrap();
    write_addon(tmp.path(), "good", &format!("{{{LIC}}}"));
    let paths = format!("{}/nope,{}", tmp.path().display(), tmp.path().display());
    let (code, doc, _) = run_json(bin().args(["modules", "--addons-path", &paths]));
    assert_eq!(code, 1);
    assert_eq!(findings_with(&doc, "P001").len(), 1);
    assert_eq!(doc["modules"].as_array().unwrap().len(), 1);
}

#[test]
fn json_shape_is_stable() {
    let tmp = tempfile::tempdir().unwrap();
    write_addon(tmp.path(), "a", "{'name': 'A'}");
    let (_, doc, _) = run_json(bin().args(["modules", "--addons-path"]).arg(tmp.path()));
    for key in [
        "tool", "version", "command", "context", "modules", "findings", "summary",
    ] {
        assert!(doc.get(key).is_some(), "missing {key}: {doc}");
    }
    let f = &findings_with(&doc, "M006")[0];
    for key in [
        "code", "rule", "severity", "module", "file", "line", "column", "message", "hint",
    ] {
        assert!(f.get(key).is_some(), "finding misses {key}: {f}");
    }
    assert_eq!(doc["summary"]["warnings"], 1);
    assert_eq!(doc["context"]["series"], serde_json::Value::Null);
    assert_eq!(findings_with(&doc, "S001").len(), 1);
}

#[test]
fn csv_is_quoted() {
    let tmp = tempfile::tempdir().unwrap();
    write_addon(
        tmp.path(),
        "a",
        &format!("{{{LIC}, 'name': 'Say \"hi\", twice', 'depends': ['x', 'y']}}"),
    );
    let (_, out, err) = run(bin()
        .args(["modules", "--format", "csv", "--addons-path"])
        .arg(tmp.path()));
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(&headers[0], "name");
    let rec = rdr.records().next().unwrap().unwrap();
    assert_eq!(&rec[1], "Say \"hi\", twice");
    assert_eq!(&rec[9], "x, y");
    // The findings of a CSV run go to stderr, one line each (here: the unknown series).
    assert!(err.contains("info[S001]"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn deps_closure_order_and_tree() {
    let tmp = tempfile::tempdir().unwrap();
    write_addon(tmp.path(), "base", &format!("{{{LIC}}}"));
    write_addon(
        tmp.path(),
        "web",
        &format!("{{{LIC}, 'depends': ['base']}}"),
    );
    write_addon(
        tmp.path(),
        "mail",
        &format!("{{{LIC}, 'depends': ['base', 'web']}}"),
    );
    write_addon(
        tmp.path(),
        "sale",
        &format!("{{{LIC}, 'depends': ['mail', 'product']}}"),
    );
    write_addon(
        tmp.path(),
        "product",
        &format!("{{{LIC}, 'depends': ['mail']}}"),
    );
    write_addon(tmp.path(), "other", &format!("{{{LIC}}}"));
    let (code, doc, _) = run_json(
        bin()
            .args(["deps", "--modules", "sale", "--tree", "--addons-path"])
            .arg(tmp.path()),
    );
    assert_eq!(code, 0, "{doc}");
    assert_eq!(
        doc["install_order"],
        serde_json::json!(["base", "web", "mail", "product", "sale"])
    );
    let tree = doc["tree"].as_str().unwrap();
    assert!(tree.starts_with("sale\n├── mail\n"), "{tree}");
    let (_, out, _) = run(bin()
        .args(["deps", "--modules", "sale", "--tree", "--addons-path"])
        .arg(tmp.path()));
    assert!(out.contains("└── product"), "{out}");
}

#[test]
fn deps_on_real_corpus_orders_mis_builder_after_date_range() {
    let corpus = corpus();
    let (_, doc, _) = run_json(
        bin()
            .args([
                "deps",
                "--odoo-series",
                "18.0",
                "--modules",
                "mis_builder",
                "--addons-path",
            ])
            .arg(&corpus),
    );
    let order = install_order(&doc);
    let pos = |n: &str| {
        order
            .iter()
            .position(|m| *m == n)
            .unwrap_or_else(|| panic!("{n} not in {order:?}"))
    };
    assert!(pos("date_range") < pos("mis_builder"));
    assert!(pos("report_xlsx") < pos("mis_builder"));
    // Core modules are not in the corpus: the catalogue of 18.0 gives them, with their own
    // dependencies, so the order is complete and nothing is missing.
    assert!(pos("base") < pos("account") && pos("account") < pos("mis_builder"));
    assert_eq!(
        doc["missing"],
        serde_json::json!([]),
        "{:#}",
        doc["missing"]
    );
    assert!(findings_with(&doc, "D001").is_empty());
}

#[test]
fn uninstallable_dependency_and_series_mismatch() {
    let tmp = tempfile::tempdir().unwrap();
    write_addon(
        tmp.path(),
        "old",
        &format!("{{{LIC}, 'version': '17.0.1.0.0', 'installable': False}}"),
    );
    write_addon(
        tmp.path(),
        "new",
        &format!("{{{LIC}, 'version': '18.0.1.0.0', 'depends': ['old']}}"),
    );
    write_addon(
        tmp.path(),
        "mismatch",
        &format!("{{{LIC}, 'version': '17.0.1.0.0'}}"),
    );
    let (code, doc, _) = run_json(
        bin()
            .args(["deps", "--odoo-series", "18.0", "--addons-path"])
            .arg(tmp.path()),
    );
    assert_eq!(code, 1);
    let d3 = findings_with(&doc, "D003");
    assert_eq!(d3.len(), 1);
    assert_eq!(d3[0]["module"], "new");
    let d4: Vec<_> = findings_with(&doc, "D004")
        .into_iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(d4.len(), 1, "only the installable addon is an error: {doc}");
    assert_eq!(d4[0]["module"], "mismatch");
    // The uninstallable one is mentioned, as information.
    assert!(findings_with(&doc, "D004")
        .iter()
        .any(|f| f["module"] == "old" && f["severity"] == "info"));
}

#[test]
fn addons_path_from_config_file() {
    let tmp = tempfile::tempdir().unwrap();
    let addons = tmp.path().join("addons");
    write_addon(&addons, "a", &format!("{{{LIC}}}"));
    let conf = tmp.path().join("odoo.conf");
    std::fs::write(
        &conf,
        format!(
            "[options]\naddons_path = {} , {}/%(env:X)s\n",
            addons.display(),
            tmp.path().display()
        ),
    )
    .unwrap();
    let (_, doc, _) = run_json(bin().arg("modules").arg("-c").arg(&conf));
    assert_eq!(doc["modules"].as_array().unwrap().len(), 1);
    // No interpolation: the second entry is taken literally and does not exist.
    let p1 = findings_with(&doc, "P001");
    assert_eq!(p1.len(), 1);
    assert!(p1[0]["message"].as_str().unwrap().contains("%(env:X)s"));
    // The same through ODOO_RC.
    let (_, doc, _) = run_json(bin().arg("modules").env("ODOO_RC", &conf));
    assert_eq!(doc["modules"].as_array().unwrap().len(), 1);
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let conf = tmp.path().join("odoo.conf");
    std::fs::write(&conf, "[options]\nworkers = 2\nworkers = 3\n").unwrap();
    let (code, out, err) = run(bin().arg("modules").arg("-c").arg(&conf));
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("odoo.conf:3"), "{err}");
    let (code, _, err) = run(bin().arg("modules"));
    assert_eq!(code, 2);
    assert!(err.contains("--addons-path"), "{err}");
    let (code, _, _) = run(bin().args([
        "modules",
        "--odoo-series",
        "eighteen",
        "--addons-path",
        "/tmp",
    ]));
    assert_eq!(code, 2);
    let (code, _, _) = run(bin().args(["modules", "--format", "yaml"]));
    assert_eq!(code, 2);
}

#[test]
fn ci_formats_point_at_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    write_addon(tmp.path(), "a", &format!("{{{LIC}, 'depends': ['ghost']}}"));
    let (_, out, _) = run(bin()
        .args(["deps", "--format", "github", "--addons-path"])
        .arg(tmp.path()));
    assert!(out.starts_with("::error file="), "{out}");
    assert!(
        out.contains("title=D001 missing-dependency::a: depends on `ghost`"),
        "{out}"
    );
    let (_, out, _) = run(bin()
        .args(["deps", "--format", "sarif", "--addons-path"])
        .arg(tmp.path()));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "D001");
    let (_, out, _) = run(bin()
        .args(["deps", "--format", "junit", "--min-severity", "info"])
        .arg("--addons-path")
        .arg(tmp.path()));
    let (_, doc, _) = run_json(bin().args(["deps", "--addons-path"]).arg(tmp.path()));
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2, "{doc}"); // D001 and S001
    assert_junit_matches(&out, &doc);
    let (_, out, _) = run(bin().args(["deps", "-q", "--addons-path"]).arg(tmp.path()));
    assert_eq!(out.lines().count(), 2, "{out}"); // D001 and S001
}

#[test]
fn explain_and_rules() {
    let (code, out, _) = run(bin().args(["explain", "D001"]));
    assert_eq!(code, 0);
    assert!(out.contains("missing-dependency"));
    let (code, _, err) = run(bin().args(["explain", "Z999"]));
    assert_eq!(code, 2);
    assert!(err.contains("Z999"));
    // The registry is exactly the README's table of codes (code, name, severity).
    let (_, doc, _) = run_json(bin().arg("rules"));
    let mut listed: Vec<(String, String, String)> = doc["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap().to_string();
            (s("code"), s("name"), s("severity"))
        })
        .collect();
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let row =
        regex::Regex::new(r"(?m)^\| `([A-Z][0-9]{3})` \| ([a-z0-9-]+) \| (error|warning|info) \|")
            .unwrap();
    let mut documented: Vec<(String, String, String)> = row
        .captures_iter(&readme)
        .map(|c| (c[1].to_string(), c[2].to_string(), c[3].to_string()))
        .collect();
    listed.sort();
    documented.sort();
    assert_eq!(listed.len(), documented.len(), "rules vs README table rows");
    assert_eq!(listed, documented);
}

#[cfg(unix)]
#[test]
fn symlink_loop_and_unreadable_dir_do_not_stop_the_scan() {
    let tmp = tempfile::tempdir().unwrap();
    write_addon(tmp.path(), "good", &format!("{{{LIC}}}"));
    std::os::unix::fs::symlink(tmp.path().join("loop"), tmp.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(tmp.path(), tmp.path().join("good").join("self")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("good"), tmp.path().join("linked")).unwrap();
    let (_, doc, _) = run_json(bin().args(["modules", "--addons-path"]).arg(tmp.path()));
    let names = module_names(&doc);
    assert_eq!(names, vec!["good", "linked"]);
    assert_eq!(findings_with(&doc, "P002").len(), 1, "{doc}");
}
