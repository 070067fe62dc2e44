//! `odoo-audit catalogue build|show` and `--catalogue FILE` end to end: a catalogue built from a
//! small Odoo tree made by the test, the embedded catalogues shown in every format (snapshots),
//! and bad catalogue files refused with a clear message and exit 2.

use std::path::Path;

use crate::common::*;

/// An Odoo source tree in the sdist layout: `web` (backend registrations and a client
/// template), `crm` (a data file
/// with a client action), `crm_ent` (OEEL-1).
fn odoo_tree(root: &Path) {
    write(
        root,
        &[
            ("odoo/release.py", "version_info = (19, 0, 0, FINAL, 0, '')\n"),
            (
                "odoo/addons/web/__manifest__.py",
                "{'name': 'Web', 'depends': ['base'], 'auto_install': True, \
                 'assets': {'web.assets_backend': ['web/static/src/**/*']}}",
            ),
            (
                "odoo/addons/web/static/src/a.xml",
                "<templates><t t-name=\"web.A\"/><t t-inherit=\"web.A\" t-inherit-mode=\"extension\"/></templates>",
            ),
            (
                "odoo/addons/web/static/src/a.js",
                "registry.category('actions').add('reload', R);\n",
            ),
            ("odoo/addons/base/__manifest__.py", "{'name': 'Base', 'depends': []}"),
            (
                "odoo/addons/crm/__manifest__.py",
                "{'name': 'CRM', 'version': '1.9', 'depends': ['web'], 'data': ['views/crm.xml']}",
            ),
            (
                "odoo/addons/crm/views/crm.xml",
                "<odoo><record id=\"a\" model=\"ir.actions.client\"><field name=\"tag\">crm_dash</field></record></odoo>",
            ),
            (
                "odoo/addons/crm_ent/__manifest__.py",
                "{'name': 'CRM Ent', 'depends': ['crm'], 'license': 'OEEL-1'}",
            ),
        ],
    );
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn build_writes_one_file_that_show_and_catalogue_use() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    odoo_tree(&src);
    let before = listing(tmp.path());
    let out = tmp.path().join("19.0.json");
    let (code, json, err) = run_json(bin().args([
        "catalogue",
        "build",
        "--source",
        src.to_str().unwrap(),
        "--name",
        "test tree",
        "--commit",
        "abc123",
        "--date",
        "2025-12-27",
        "--note",
        "built by the test",
        "--output",
        out.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{err}");
    let row = &json["catalogues"][0];
    assert_eq!(row["series"], "19.0");
    assert_eq!(row["community"], 3);
    assert_eq!(row["enterprise"], 1);
    assert_eq!(row["actions"], 1);
    assert_eq!(row["client_actions"], 1);
    assert_eq!(row["templates"], 1);
    // The output file and nothing else.
    let mut after = listing(tmp.path());
    after.retain(|p| !before.contains(p));
    assert_eq!(after, vec![out.display().to_string()]);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("\n\"crm\":{\"edition\":\"community\",\"version\":\"19.0.1.9\""),
        "{text}"
    );

    // The same tree gives the same bytes.
    let again = tmp.path().join("again.json");
    let (code, _, err) = run(bin().args([
        "catalogue",
        "build",
        "--source",
        src.to_str().unwrap(),
        "--name",
        "test tree",
        "--commit",
        "abc123",
        "--date",
        "2025-12-27",
        "--note",
        "built by the test",
        "-o",
        again.to_str().unwrap(),
        "-q",
    ]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&again).unwrap(), text.as_bytes());

    // `show` with the file: it replaces the embedded 19.0, 18.0 stays embedded.
    let (code, json, err) =
        run_json(bin().args(["--catalogue", out.to_str().unwrap(), "catalogue", "show"]));
    assert_eq!(code, 0, "{err}");
    let rows = json["catalogues"].as_array().unwrap();
    let r19 = rows.iter().find(|r| r["series"] == "19.0").unwrap();
    assert_eq!(r19["origin"], out.display().to_string());
    assert_eq!(r19["source"], "test tree");
    assert_eq!(r19["commit"], "abc123");
    let r18 = rows.iter().find(|r| r["series"] == "18.0").unwrap();
    assert_eq!(r18["origin"], "embedded");
    let notes = json["notes"].as_array().unwrap();
    assert!(notes
        .iter()
        .any(|n| n["series"] == "19.0" && n["note"] == "built by the test"));
}

#[test]
fn snapshot_catalogue_show() {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    // When and where the run happened.
    s.add_filter(r#""started_at": "[^"]*""#, r#""started_at": "[TIMESTAMP]""#);
    s.add_filter(r#""duration_ms": \d+"#, r#""duration_ms": [N]"#);
    // SARIF's %SRCROOT%: the directory the tests run in.
    s.add_filter(
        &regex::escape(&format!(
            "file://{}/",
            std::env::current_dir().unwrap().display()
        )),
        "file://[CWD]/",
    );
    s.add_filter(
        &regex::escape(&format!(
            "\"instance\": \"{}\"",
            odoo_audit::commands::host_name()
        )),
        r#""instance": "[HOST]""#,
    );
    for (name, extra) in [
        ("catalogue_show", &[][..]),
        ("catalogue_show_series", &["18.0"][..]),
    ] {
        for v in if extra.is_empty() {
            VARIANTS
        } else {
            &VARIANTS[..2]
        } {
            let label = v
                .iter()
                .filter(|a| *a != &"--format")
                .map(|a| a.trim_start_matches('-'))
                .collect::<Vec<_>>()
                .join("_");
            let mut c = bin();
            c.args(["catalogue", "show"]).args(extra).args(*v);
            let args: Vec<String> = c
                .get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            let (code, out, err) = run(&mut c);
            let text = format!(
                "args: {}\nexit_code: {code}\n----- stdout -----\n{out}\n----- stderr -----\n{err}",
                args.join(" ")
            );
            s.bind(|| insta::assert_snapshot!(format!("{name}_{label}"), text));
        }
    }
}

#[test]
fn bad_catalogue_files_exit_2_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("text.json"), "this is not JSON\n").unwrap();
    std::fs::write(
        d.join("v2.json"),
        "{\"format\": 2, \"series\": \"18.0\", \"addons\": {}}",
    )
    .unwrap();
    std::fs::File::create(d.join("huge.json"))
        .unwrap()
        .set_len((32 << 20) + 1)
        .unwrap();
    let fifo = d.join("fifo.json");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    for (file, message) in [
        ("text.json", "not JSON (line 1, column 2)"),
        ("v2.json", "format 2 (this odoo-audit reads format 1)"),
        ("huge.json", "the file is larger than 32 MiB"),
        (
            "fifo.json",
            "the file is a FIFO, not a regular file (not read)",
        ),
        ("missing.json", "cannot read the file"),
    ] {
        let p = d.join(file);
        let (code, out, err) =
            run(bin().args(["--catalogue", p.to_str().unwrap(), "catalogue", "show"]));
        assert_eq!(code, 2, "{file}: {out}{err}");
        assert!(out.is_empty(), "{file}: {out}");
        assert!(err.contains(message), "{file}: {err}");
        assert_eq!(err.lines().count(), 1, "{file}: {err}");
    }
    // A series nobody holds.
    let (code, _, err) = run(bin().args(["catalogue", "show", "15.0"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("no catalogue of 15.0: the catalogue holds"),
        "{err}"
    );
}
