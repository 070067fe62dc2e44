//! The catalogue of Odoo's own addons in the checks, end to end: the CI of an addons repository
//! (a copy of the OCA corpus alone on the path, no Odoo source, no database) gets real
//! verdicts; the same findings come out with a small Odoo-like source tree on the path as with
//! the catalogue the builder makes of it; the README's pre-commit hook fails on a planted tag.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;

/// The XML of the planted addon: a tag nobody registers (line 4), Odoo's own `reload`, and a
/// view using Odoo's `many2many_tags`, `statinfo` and `monetary` widgets.
const PLANTED_XML: &str = r#"<odoo>
  <record id="action_nobody" model="ir.actions.client">
    <field name="name">Nobody</field>
    <field name="tag">planted_nobody_registers_this</field>
  </record>
  <record id="action_reload" model="ir.actions.client">
    <field name="name">Reload</field>
    <field name="tag">reload</field>
  </record>
  <record id="view_planted" model="ir.ui.view">
    <field name="name">planted</field>
    <field name="model">res.partner</field>
    <field name="arch" type="xml">
      <form>
        <field name="category_id" widget="many2many_tags"/>
        <field name="x" widget="statinfo"/>
        <field name="y" widget="monetary"/>
      </form>
    </field>
  </record>
</odoo>
"#;

/// Plants, under an addons directory of 18.0 addons: `planted_tag` (depends on `web` only, the
/// XML above), `planted_ent` (depends on Odoo Enterprise's `account_accountant`) and
/// `planted_mrp` (depends on `mrp`, opens the `mrp_display` tag that only Enterprise's
/// `mrp_workorder` registers).
fn plant(addons: &Path) {
    let manifest = |depends: &str, data: &str| {
        format!(
            "{{'name': 'Planted', 'version': '18.0.1.0.0', 'license': 'LGPL-3', \
             'depends': [{depends}], 'data': [{data}]}}"
        )
    };
    let mrp_xml = "<odoo>\n  <record id=\"a\" model=\"ir.actions.client\">\n    \
        <field name=\"name\">Shop floor</field>\n    <field name=\"tag\">mrp_display</field>\n  \
        </record>\n</odoo>\n";
    write(
        addons,
        &[
            (
                "planted_tag/__manifest__.py",
                &manifest("'web'", "'views/actions.xml'"),
            ),
            ("planted_tag/views/actions.xml", PLANTED_XML),
            (
                "planted_ent/__manifest__.py",
                &manifest("'account_accountant'", ""),
            ),
            (
                "planted_mrp/__manifest__.py",
                &manifest("'mrp'", "'views/mrp.xml'"),
            ),
            ("planted_mrp/views/mrp.xml", mrp_xml),
        ],
    );
}

/// The non-empty lines of a text.
fn lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.trim().is_empty()).collect()
}

#[test]
fn ci_on_the_corpus_alone_gets_real_verdicts_from_the_catalogue() {
    let (_tmp, addons) = corpus_copy(&[]);
    plant(&addons);

    // --ci: only the errors, one line each; exit 1. No --odoo-series: the manifests say 18.0.
    let (code, out, err) = run(bin()
        .args(["check-client-actions", "--ci", "--addons-path"])
        .arg(&addons));
    assert_eq!(code, 1, "{out}\n{err}");
    let shown = lines(&out);
    let file = addons.join("planted_tag/views/actions.xml");
    let nobody = format!("{}:4: error[A001] planted_tag: ", file.display());
    assert!(
        shown
            .iter()
            .any(|l| l.starts_with(&nobody) && l.contains("`planted_nobody_registers_this`")),
        "{out}"
    );
    let mrp = format!(
        "{}:4: error[A009] planted_mrp: ",
        addons.join("planted_mrp/views/mrp.xml").display()
    );
    assert!(
        shown
            .iter()
            .any(|l| l.starts_with(&mrp) && l.contains("mrp_workorder")),
        "{out}"
    );
    // Nothing else is an error, and no info or warning line is printed by default.
    assert_eq!(shown.len(), 2, "{out}");
    for key in ["reload", "many2many_tags", "statinfo", "monetary"] {
        assert!(!out.contains(&format!("`{key}`")), "{key}: {out}");
    }

    // The same run in JSON: Odoo's tags and widgets are valid, each by a catalogued handler.
    let (code, doc, err) = run_json(
        bin()
            .args(["check-client-actions", "--all", "--addons-path"])
            .arg(&addons),
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(doc["context"]["catalogue"].as_str().unwrap()[..4], *"18.0");
    assert!(
        doc["context"]["series_source"]
            .as_str()
            .unwrap()
            .starts_with("manifest versions ("),
        "{}",
        doc["context"]
    );
    assert_eq!(doc["context"]["edition"], "community (default)");
    let uses = doc["uses"].as_array().unwrap();
    for key in ["reload", "many2many_tags", "statinfo", "monetary"] {
        let u = uses
            .iter()
            .find(|u| u["module"] == "planted_tag" && u["key"] == key)
            .unwrap_or_else(|| panic!("{key} not checked"));
        assert_eq!(u["status"], "ok", "{u:#}");
        assert!(
            u["handler"].as_str().unwrap().starts_with("web: /web/"),
            "{u:#}"
        );
    }
    let ent = findings_with(&doc, "A009");
    assert_eq!(ent.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(ent[0]["module"], "planted_mrp");
    assert!(
        ent[0]["message"]
            .as_str()
            .unwrap()
            .contains("registered only by mrp_workorder, an addon of Odoo Enterprise 18.0"),
        "{}",
        ent[0]["message"]
    );
    // Not verifiable is left for modules neither on the path nor in the catalogue: none here.
    assert!(
        findings_with(&doc, "A007").is_empty(),
        "{:#}",
        doc["findings"]
    );
    assert!(doc["summary"]["catalogued_registrations"].as_u64().unwrap() > 500);

    // -v and --min-severity info show the rest (the corpus's own warnings).
    for extra in [&["-v"][..], &["--min-severity", "info"][..]] {
        let (code, out, _) = run(bin()
            .args(["check-client-actions", "--ci", "--addons-path"])
            .arg(&addons)
            .args(extra));
        assert_eq!(code, 1);
        assert!(lines(&out).len() > 2, "{extra:?}: {out}");
        assert!(out.contains("warning[A004]"), "{extra:?}: {out}");
    }

    // deps: no D001 for Odoo's own addons; the Enterprise dependency is its own finding.
    let (code, doc, err) = run_json(bin().args(["deps", "--addons-path"]).arg(&addons));
    assert_eq!(code, 1, "{err}");
    assert!(
        findings_with(&doc, "D001").is_empty(),
        "{:#}",
        doc["findings"]
    );
    let ent = findings_with(&doc, "D005");
    assert_eq!(ent.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(ent[0]["module"], "planted_ent");
    assert_eq!(ent[0]["severity"], "error");
    assert!(
        ent[0]["message"]
            .as_str()
            .unwrap()
            .contains("`account_accountant`, an addon of Odoo Enterprise 18.0"),
        "{}",
        ent[0]["message"]
    );
    // With Enterprise, nothing: the dependency and its own dependencies are satisfied.
    let (code, doc, err) = run_json(
        bin()
            .args([
                "deps",
                "--edition",
                "enterprise",
                "--modules",
                "planted_ent",
                "--addons-path",
            ])
            .arg(&addons),
    );
    assert_eq!(code, 0, "{err}\n{:#}", doc["findings"]);
    assert!(findings_with(&doc, "D005").is_empty());
    let order = install_order(&doc);
    for m in [
        "base",
        "web",
        "mail",
        "account",
        "account_accountant",
        "planted_ent",
    ] {
        assert!(order.contains(&m), "{m} not in {order:?}");
    }
    let pos = |m: &str| order.iter().position(|x| *x == m).unwrap();
    assert!(pos("base") < pos("account") && pos("account") < pos("account_accountant"));
    assert_eq!(*order.last().unwrap(), "planted_ent");
    // The Enterprise key is an A004 (not a dependency of planted_mrp) on Enterprise.
    let (_, doc, _) = run_json(
        bin()
            .args([
                "check-client-actions",
                "--edition",
                "enterprise",
                "--addons-path",
            ])
            .arg(&addons),
    );
    assert!(findings_with(&doc, "A009").is_empty());
    assert!(
        findings_with(&doc, "A004")
            .iter()
            .any(|f| f["module"] == "planted_mrp"),
        "{:#}",
        doc["findings"]
    );
}

/// A small Odoo-like source tree in the sdist layout, series 18.0, with an Enterprise tree
/// beside it: `web` registers Odoo's widgets and `reload`, `account` registers a widget of its
/// own, `mail` (a core addon) uses it without depending on `account`, `crm` (core) depends on
/// an addon that does not exist, and Enterprise's `account_accountant` registers a tag.
fn odoo_like_tree(root: &Path) {
    let backend = |name: &str, depends: &str, extra: &str| {
        format!(
            "{{'name': '{name}', 'version': '1.0', 'license': 'LGPL-3', 'depends': [{depends}], \
             'assets': {{'web.assets_backend': ['{name}/static/src/**/*.js']}}, {extra}}}"
        )
    };
    let js = |registry: &str, keys: &[&str]| {
        let mut s = String::from("import { registry } from \"@web/core/registry\";\n");
        for k in keys {
            s.push_str(&format!(
                "registry.category(\"{registry}\").add(\"{k}\", X);\n"
            ));
        }
        s
    };
    let view = |widget: &str| {
        format!(
            "<odoo>\n  <record id=\"v\" model=\"ir.ui.view\">\n    <field name=\"name\">v</field>\n    \
             <field name=\"arch\" type=\"xml\">\n      <form><field name=\"a\" widget=\"{widget}\"/></form>\n    \
             </field>\n  </record>\n</odoo>\n"
        )
    };
    write(
        root,
        &[
            (
                "odoo/release.py",
                "version_info = (18, 0, 0, FINAL, 0, '')\n",
            ),
            (
                "odoo/addons/base/__manifest__.py",
                "{'name': 'Base', 'version': '1.3', 'license': 'LGPL-3', 'depends': []}",
            ),
            (
                "odoo/addons/web/__manifest__.py",
                &backend("web", "'base'", ""),
            ),
            (
                "odoo/addons/web/static/src/fields.js",
                &js("fields", &["many2many_tags", "statinfo", "monetary"]),
            ),
            (
                "odoo/addons/web/static/src/actions.js",
                &js("actions", &["reload"]),
            ),
            (
                "odoo/addons/mail/__manifest__.py",
                &backend("mail", "'web'", "'data': ['views/mail.xml'],"),
            ),
            ("odoo/addons/mail/views/mail.xml", &view("account_widget")),
            (
                "odoo/addons/account/__manifest__.py",
                &backend("account", "'mail'", ""),
            ),
            (
                "odoo/addons/account/static/src/w.js",
                &js("fields", &["account_widget"]),
            ),
            (
                "odoo/addons/crm/__manifest__.py",
                &backend("crm", "'mail', 'crm_ghost'", ""),
            ),
            (
                "enterprise/account_accountant/__manifest__.py",
                "{'name': 'Accounting', 'version': '1.1', 'license': 'OEEL-1', \
                 'depends': ['account'], \
                 'assets': {'web.assets_backend': ['account_accountant/static/src/**/*.js']}}",
            ),
            (
                "enterprise/account_accountant/static/src/a.js",
                &js("actions", &["accountant_dashboard"]),
            ),
        ],
    );
}

/// Addons of a repository that use the tree: a tag nobody registers, `reload`, Odoo's widgets,
/// `account`'s widget without depending on `account` (A004), a dependency on nothing (D001),
/// a dependency on `account_accountant`, and the Enterprise tag.
fn repository_addons(addons: &Path) {
    let manifest = |depends: &str| {
        format!(
            "{{'name': 'R', 'version': '18.0.1.0.0', 'license': 'LGPL-3', 'depends': [{depends}], \
             'data': ['views/v.xml']}}"
        )
    };
    let xml = "<odoo>\n  <record id=\"a\" model=\"ir.actions.client\">\n    \
        <field name=\"name\">A</field>\n    <field name=\"tag\">repo_nobody</field>\n  </record>\n  \
        <record id=\"b\" model=\"ir.actions.client\">\n    <field name=\"name\">B</field>\n    \
        <field name=\"tag\">reload</field>\n  </record>\n  \
        <record id=\"v\" model=\"ir.ui.view\">\n    <field name=\"name\">v</field>\n    \
        <field name=\"arch\" type=\"xml\">\n      <form>\n        \
        <field name=\"a\" widget=\"many2many_tags\"/>\n        \
        <field name=\"b\" widget=\"account_widget\"/>\n        \
        <field name=\"c\" widget=\"monetary\"/>\n      </form>\n    </field>\n  </record>\n</odoo>\n";
    let ent_xml = "<odoo>\n  <record id=\"a\" model=\"ir.actions.client\">\n    \
        <field name=\"name\">A</field>\n    <field name=\"tag\">accountant_dashboard</field>\n  \
        </record>\n</odoo>\n";
    write(
        addons,
        &[
            ("repo_a/__manifest__.py", &manifest("'mail'")),
            ("repo_a/views/v.xml", xml),
            ("repo_b/__manifest__.py", &manifest("'web', 'repo_ghost'")),
            ("repo_b/views/v.xml", "<odoo/>\n"),
            ("repo_c/__manifest__.py", &manifest("'account'")),
            ("repo_c/views/v.xml", ent_xml),
            ("repo_d/__manifest__.py", &manifest("'account_accountant'")),
            ("repo_d/views/v.xml", "<odoo/>\n"),
        ],
    );
}

/// The error and warning findings of a JSON report for modules of `modules`, as
/// (code, severity, module, file, line, the first quoted key of the message).
fn comparable(doc: &Value, modules: &BTreeSet<String>) -> BTreeSet<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error" || f["severity"] == "warning")
        .filter(|f| f["module"].as_str().is_some_and(|m| modules.contains(m)))
        .map(|f| {
            let msg = f["message"].as_str().unwrap_or_default();
            let key = msg.split('`').nth(1).unwrap_or_default();
            format!(
                "{} {} {} {} {} `{key}`",
                f["code"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["module"].as_str().unwrap(),
                f["file"].as_str().unwrap_or_default(),
                f["line"]
            )
        })
        .collect()
}

#[test]
fn the_same_findings_with_the_source_tree_and_with_its_catalogue() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("odoo");
    odoo_like_tree(&tree);
    let cat = tmp.path().join("18.0.json");
    let (code, out, err) = run(bin()
        .args(["catalogue", "build", "--source"])
        .arg(&tree)
        .arg("--enterprise")
        .arg(tree.join("enterprise"))
        .arg("--output")
        .arg(&cat));
    assert_eq!(code, 0, "{out}\n{err}");
    let addons = tmp.path().join("addons");
    repository_addons(&addons);
    let modules: BTreeSet<String> = ["repo_a", "repo_b", "repo_c", "repo_d"]
        .into_iter()
        .map(String::from)
        .collect();
    let community = tree.join("odoo/addons");
    let enterprise = tree.join("enterprise");
    let joined = |paths: &[&Path]| {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(",")
    };

    let run_both = |cmd: &str, edition: &str, with_source: &[&Path]| {
        let mut paths: Vec<&Path> = vec![&addons];
        paths.extend(with_source);
        let (_, with, err) = run_json(bin().args([
            cmd,
            "--catalogue",
            cat.to_str().unwrap(),
            "--edition",
            edition,
            "--addons-path",
            &joined(&paths),
        ]));
        assert!(with["findings"].is_array(), "{err}");
        let (_, without, err) = run_json(bin().args([
            cmd,
            "--catalogue",
            cat.to_str().unwrap(),
            "--edition",
            edition,
            "--addons-path",
            &joined(&[&addons]),
        ]));
        assert!(without["findings"].is_array(), "{err}");
        (with, without)
    };

    // Enterprise: the Community and Enterprise trees on the path, against the catalogue.
    for cmd in ["check-client-actions", "deps"] {
        let (with, without) = run_both(cmd, "enterprise", &[&community, &enterprise]);
        let (a, b) = (comparable(&with, &modules), comparable(&without, &modules));
        assert_eq!(
            a, b,
            "{cmd}: with the source {a:#?}\nwith the catalogue {b:#?}"
        );
        assert!(!a.is_empty(), "{cmd}: nothing compared");
    }
    let (ca, _) = run_both(
        "check-client-actions",
        "enterprise",
        &[&community, &enterprise],
    );
    let found = comparable(&ca, &modules);
    let expect = [
        "A001 error repo_a",
        "A004 warning repo_a",
        "A004 warning repo_c",
    ];
    for e in expect {
        assert!(found.iter().any(|f| f.starts_with(e)), "{e} in {found:#?}");
    }
    assert_eq!(found.len(), 3, "{found:#?}");

    // Community: the Community tree on the path, against the catalogue. The same, but where
    // the catalogue knows more: what only Enterprise provides is D005/A009 instead of the
    // D001/A001 of a name nothing on the path provides (same module, file and line).
    for cmd in ["check-client-actions", "deps"] {
        let (with, without) = run_both(cmd, "community", &[&community]);
        let a: BTreeSet<String> = comparable(&with, &modules)
            .into_iter()
            .map(|f| {
                if f.ends_with("`account_accountant`") {
                    f.replacen("D001", "D005", 1)
                } else if f.ends_with("`accountant_dashboard`") {
                    f.replacen("A001", "A009", 1)
                } else {
                    f
                }
            })
            .collect();
        let b = comparable(&without, &modules);
        assert_eq!(a, b, "{cmd}");
        let raw = b;
        match cmd {
            "deps" => {
                assert!(
                    raw.iter().any(|f| f.starts_with("D005 error repo_d")),
                    "{raw:#?}"
                );
                assert!(
                    raw.iter().any(|f| f.starts_with("D001 error repo_b")),
                    "{raw:#?}"
                );
            }
            _ => {
                assert!(
                    raw.iter().any(|f| f.starts_with("A009 error repo_c")),
                    "{raw:#?}"
                );
                assert!(
                    raw.iter().any(|f| f.starts_with("A001 error repo_a")),
                    "{raw:#?}"
                );
            }
        }
    }

    // With the tree on the path, the problems inside Odoo's own addons (mail's widget of a
    // module it does not depend on, crm's missing dependency) are one summary line each...
    let path = joined(&[&addons, &community]);
    let args = |cmd: &'static str| {
        vec![
            cmd.to_string(),
            "--catalogue".into(),
            cat.display().to_string(),
            "--addons-path".into(),
            path.clone(),
        ]
    };
    let (_, doc, _) = run_json(bin().args(args("check-client-actions")));
    let summary = findings_with(&doc, "A010");
    assert_eq!(summary.len(), 1, "{:#}", doc["findings"]);
    assert_eq!(summary[0]["severity"], "info");
    assert!(
        summary[0]["message"].as_str().unwrap().contains("A004 ×1")
            && summary[0]["message"].as_str().unwrap().contains("in mail"),
        "{}",
        summary[0]["message"]
    );
    assert!(module_findings(&doc, "A004", "mail").is_empty());
    let (_, doc, _) = run_json(bin().args(args("deps")));
    let summary = findings_with(&doc, "D006");
    assert_eq!(summary.len(), 1, "{:#}", doc["findings"]);
    assert!(summary[0]["message"].as_str().unwrap().contains("D001 ×1"));
    assert!(module_findings(&doc, "D001", "crm").is_empty());
    // ... and --include-core shows them one by one.
    let (_, doc, _) = run_json(
        bin()
            .args(args("check-client-actions"))
            .arg("--include-core"),
    );
    assert!(findings_with(&doc, "A010").is_empty());
    assert_eq!(module_findings(&doc, "A004", "mail").len(), 1);
    let (_, doc, _) = run_json(bin().args(args("deps")).arg("--include-core"));
    assert!(findings_with(&doc, "D006").is_empty());
    assert_eq!(module_findings(&doc, "D001", "crm").len(), 1);
}

/// The findings of a JSON report with `code` for `module`.
fn module_findings<'a>(doc: &'a Value, code: &str, module: &str) -> Vec<&'a Value> {
    findings_with(doc, code)
        .into_iter()
        .filter(|f| f["module"] == module)
        .collect()
}

/// `pre-commit`: $ODOO_AUDIT_PRE_COMMIT, else `.cache/pre-commit/bin/pre-commit` (installed by
/// scripts/test.sh), else on PATH.
fn pre_commit() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ODOO_AUDIT_PRE_COMMIT") {
        return Some(PathBuf::from(p));
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/pre-commit/bin/pre-commit");
    if local.is_file() {
        return Some(local);
    }
    let ok = std::process::Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then(|| PathBuf::from("pre-commit"))
}

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_pre_commit_hook_fails_on_a_planted_tag_with_its_default_arguments() {
    let pre_commit = pre_commit().expect(
        "pre-commit not found: scripts/test.sh installs it into .cache/pre-commit; \
         or set ODOO_AUDIT_PRE_COMMIT",
    );
    let (_tmp, addons) = corpus_copy(&[]);
    plant(&addons);
    git(&addons, &["init", "-q"]);
    git(&addons, &["add", "-A"]);
    git(&addons, &["commit", "-q", "-m", "addons"]);
    let repo = env!("CARGO_MANIFEST_DIR");
    // The hook builds the binary with cargo; its build directory is kept between runs.
    let out = std::process::Command::new(&pre_commit)
        .args(["try-repo", repo, "odoo-audit-client-actions", "--all-files"])
        .current_dir(&addons)
        .env(
            "PRE_COMMIT_HOME",
            Path::new(repo).join("target/pre-commit-home"),
        )
        .env(
            "CARGO_TARGET_DIR",
            Path::new(repo).join("target/pre-commit-build"),
        )
        // pre-commit builds the hook with `cargo install` (the release profile); what the hook
        // runs does not depend on optimisation, so the build is made cheap.
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .output()
        .expect("run pre-commit");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("odoo-audit check-client-actions"), "{text}");
    assert!(text.contains("Failed"), "{text}");
    assert!(
        text.contains("planted_tag/views/actions.xml:4: error[A001] planted_tag"),
        "{text}"
    );
    // Only the errors: the planted tag and the Enterprise-only tag.
    assert!(text.contains("error[A009] planted_mrp"), "{text}");
    assert!(!text.contains("warning["), "{text}");
}

/// The real Odoo 19 database with the 19.0 corpus alone on the path (no Odoo source): Odoo's
/// Enterprise-only tag in `mrp` is counted in one line (listed with `--include-core`), the
/// installations Odoo left pending say why they cannot succeed, the Enterprise placeholders are
/// not findings; with `web_enterprise` installed the edition is Enterprise.
#[test]
fn odoo19_database_without_the_source_actionable_findings_first() {
    let db = TestDb::new19("cat_use19");
    let args = |cmd: &str| {
        vec![
            cmd.to_string(),
            "--db-url".into(),
            db.url(),
            "--addons-path".into(),
            corpus19().display().to_string(),
        ]
    };
    let (code, doc, err) = run_json(bin().args(args("check-client-actions")));
    assert_eq!(code, 0, "{err}\n{:#}", doc["findings"]);
    assert_eq!(
        doc["context"]["edition"],
        "community (database: web_enterprise not installed)"
    );
    let summary = findings_with(&doc, "A010");
    assert_eq!(summary.len(), 1, "{:#}", doc["findings"]);
    let msg = summary[0]["message"].as_str().unwrap();
    assert!(msg.contains("A009 ×2") && msg.contains("in mrp"), "{msg}");
    assert!(findings_with(&doc, "A009").is_empty());
    let (code, doc, _) = run_json(
        bin()
            .args(args("check-client-actions"))
            .arg("--include-core"),
    );
    assert_eq!(code, 1);
    let ent = findings_with(&doc, "A009");
    assert_eq!(ent.len(), 2, "{:#}", doc["findings"]);
    for f in ent {
        assert_eq!(f["module"], "mrp");
        let m = f["message"].as_str().unwrap();
        assert!(
            m.contains("`mrp_display`") && m.contains("registered only by mrp_workorder"),
            "{m}"
        );
    }

    // broken: the pending installations say which Enterprise addon they wait for.
    let (_, doc, _) = run_json(bin().args(args("broken")));
    let v003 = findings_with(&doc, "V003");
    assert_eq!(v003.len(), 5, "{:#}", doc["findings"]);
    let online = v003
        .iter()
        .find(|f| f["module"] == "account_online_payment")
        .unwrap();
    assert!(
        online["message"].as_str().unwrap().contains(
            "its dependency `account_batch_payment` is an Odoo Enterprise addon, not available on Odoo Community"
        ),
        "{}",
        online["message"]
    );
    assert!(online["hint"].as_str().unwrap().starts_with(
        "cancel the scheduled installation (Apps > account_online_payment > Cancel Install)"
    ));
    assert!(findings_with(&doc, "B001")
        .iter()
        .all(|f| f["module"] == "iot_box_image" || f["module"] == "iot_drivers"));

    // An Odoo addon on the path that the database does not know (an Enterprise addon of a
    // tree holding both editions): counted in one line, listed with --include-core.
    let extra = tempfile::tempdir().unwrap();
    write_addon(
        extra.path(),
        "account_3way_match",
        "{'name': '3-way matching', 'version': '1.0', 'license': 'OEEL-1', 'depends': ['account']}",
    );
    let path = format!("{},{}", corpus19().display(), extra.path().display());
    let versions = |more: &[&str]| {
        let (_, doc, err) = run_json(
            bin()
                .args(["versions", "--db-url", &db.url(), "--addons-path", &path])
                .args(more),
        );
        assert!(doc["findings"].is_array(), "{err}");
        doc
    };
    let doc = versions(&[]);
    let v007 = findings_with(&doc, "V007");
    assert_eq!(v007.len(), 1, "{:#}", doc["findings"]);
    assert!(v007[0]["message"]
        .as_str()
        .unwrap()
        .contains("V005 ×1) in account_3way_match"));
    assert!(findings_with(&doc, "V005").is_empty());
    let doc = versions(&["--include-core"]);
    assert!(findings_with(&doc, "V007").is_empty());
    assert_eq!(
        findings_with(&doc, "V005").len(),
        1,
        "{:#}",
        doc["findings"]
    );

    // web_enterprise installed: the database runs Enterprise; the tag is then registered by an
    // Enterprise addon that is not installed (A006), not Enterprise-only.
    db.exec(
        "INSERT INTO ir_module_module (name, state, license, author)
              VALUES ('web_enterprise', 'installed', 'OEEL-1', 'Odoo S.A.')",
    );
    let (_, doc, err) = run_json(
        bin()
            .args(args("check-client-actions"))
            .arg("--include-core"),
    );
    assert_eq!(
        doc["context"]["edition"], "enterprise (database: web_enterprise installed)",
        "{err}"
    );
    assert!(
        findings_with(&doc, "A009").is_empty(),
        "{:#}",
        doc["findings"]
    );
    assert!(
        findings_with(&doc, "A006")
            .iter()
            .any(|f| f["module"] == "mrp"
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains("mrp_workorder (Odoo Enterprise)")),
        "{:#}",
        doc["findings"]
    );
}
