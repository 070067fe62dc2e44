//! `deps --format dot` and `--format mermaid`: the dependency graph of real addons (the OCA
//! corpus) and of a tree with a cycle and a missing dependency, checked by Graphviz's own `dot`
//! and against the Mermaid subset the renderer documents.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::*;

/// Renders DOT with Graphviz (`dot -Tsvg`, Debian's graphviz, which scripts/test.sh installs):
/// the SVG, or dot's complaint.
fn dot_svg(dot: &str) -> String {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dot (graphviz) not found: scripts/test.sh installs it");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "dot rejected the graph: {}\n{dot}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The Mermaid subset of src/report/graph.rs, one statement a line.
fn assert_mermaid_subset(text: &str) -> (usize, usize) {
    let node = regex::Regex::new(r#"^  n\d+\["[^"\n]*"\]$"#).unwrap();
    let edge = regex::Regex::new(r"^  n\d+ --> n\d+$").unwrap();
    let class_def = regex::Regex::new(r"^  classDef (missing|odoo|cycle) [^;\n]+;$").unwrap();
    let class = regex::Regex::new(r"^  class n\d+(,n\d+)* (missing|odoo|cycle);$").unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("flowchart LR"));
    let (mut nodes, mut edges) = (0, 0);
    for l in lines {
        if node.is_match(l) {
            nodes += 1;
        } else if edge.is_match(l) {
            edges += 1;
        } else {
            assert!(
                class_def.is_match(l) || class.is_match(l),
                "not in the subset: {l:?}"
            );
        }
    }
    (nodes, edges)
}

#[test]
fn the_corpus_graph_is_valid_dot_and_mermaid() {
    let (code, dot, err) = run(bin()
        .args(["deps", "--addons-path"])
        .arg(corpus())
        .args(["--format", "dot"]));
    assert_eq!(code, 0, "{err}");
    let svg = dot_svg(&dot);
    // Every addon of the corpus is a node of the picture.
    for entry in std::fs::read_dir(corpus()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if corpus().join(&name).join("__manifest__.py").is_file() {
            assert!(
                svg.contains(&format!("<title>{name}</title>")),
                "{name} not drawn"
            );
        }
    }
    let (_, mermaid, _) = run(bin()
        .args(["deps", "--addons-path"])
        .arg(corpus())
        .args(["--format", "mermaid"]));
    let (nodes, edges) = assert_mermaid_subset(&mermaid);
    assert_eq!(
        nodes,
        dot.lines().filter(|l| l.contains(" [label=")).count()
    );
    assert_eq!(edges, dot.lines().filter(|l| l.contains(" -> ")).count());
    // --modules: the closure only, in Markdown as a mermaid block.
    let (_, md, _) = run(bin().args(["deps", "--addons-path"]).arg(corpus()).args([
        "--modules",
        "mis_builder",
        "--format",
        "markdown",
    ]));
    let block = md
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_else(|| panic!("no mermaid block: {md}"));
    let (nodes, _) = assert_mermaid_subset(block);
    assert!(
        block.contains("[\"mis_builder\"]") && block.contains("[\"date_range\"]"),
        "{block}"
    );
    assert!(
        !block.contains("[\"auditlog\"]"),
        "outside the closure: {block}"
    );
    assert!(nodes < 40, "{nodes} nodes");
}

#[test]
fn cycles_missing_dependencies_and_hostile_names_are_drawn_safely() {
    let dir = tempfile::tempdir().unwrap();
    let m = |deps: &str| {
        format!(
            "{{'name': 'x', 'version': '18.0.1.0.0', 'license': 'LGPL-3', 'depends': [{deps}]}}"
        )
    };
    write_addon(dir.path(), "a", &m("'b'"));
    write_addon(dir.path(), "b", &m("'a', 'no_such_addon'"));
    write_addon(dir.path(), "c\"quoted", &m("'a'"));
    let args = |fmt: &str| {
        let mut c = bin();
        c.args(["deps", "--odoo-series", "18.0", "--addons-path"])
            .arg(dir.path())
            .args(["--format", fmt]);
        c
    };
    let (code, dot, err) = run(&mut args("dot"));
    assert_eq!(
        code, 1,
        "a cycle and a missing dependency are errors: {err}"
    );
    let svg = dot_svg(&dot);
    assert!(svg.contains("no_such_addon (missing)"), "{svg}");
    assert!(
        dot.contains(r#""b" -> "no_such_addon" [color=red, style=dashed];"#),
        "{dot}"
    );
    assert!(
        dot.contains(r#""a" -> "b" [color=orange, penwidth=2];"#),
        "{dot}"
    );
    assert!(dot.contains(r#""c\"quoted" [label="c\"quoted"];"#), "{dot}");
    let (_, mermaid, _) = run(&mut args("mermaid"));
    assert_mermaid_subset(&mermaid);
    assert!(mermaid.contains("c#quot;quoted"), "{mermaid}");
    assert!(mermaid
        .lines()
        .any(|l| l.starts_with("  class ") && l.ends_with(" cycle;")));
    // Other commands have no graph to draw.
    let (code, _, err) = run(bin()
        .args(["modules", "--addons-path"])
        .arg(dir.path())
        .args(["--format", "dot"]));
    assert_eq!(code, 2);
    assert!(err.contains("for `deps`"), "{err}");
}

#[test]
fn deps_of_some_modules_shows_their_problems_and_their_tree_once() {
    let dir = tempfile::tempdir().unwrap();
    let m = |deps: &str| {
        format!(
            "{{'name': 'x', 'version': '18.0.1.0.0', 'license': 'LGPL-3', 'depends': [{deps}]}}"
        )
    };
    write_addon(dir.path(), "a", &m("'b'"));
    write_addon(dir.path(), "b", &m("'gone_for_b'"));
    write_addon(dir.path(), "elsewhere", &m("'gone_elsewhere'"));
    let (_, doc, _) = run_json(
        bin()
            .args([
                "deps",
                "--odoo-series",
                "18.0",
                "--modules",
                "a",
                "--addons-path",
            ])
            .arg(dir.path()),
    );
    let messages: Vec<&str> = findings_with(&doc, "D001")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("gone_for_b"), "{messages:?}");
    // The whole path still has both.
    let (_, all, _) = run_json(
        bin()
            .args(["deps", "--odoo-series", "18.0", "--addons-path"])
            .arg(dir.path()),
    );
    assert_eq!(findings_with(&all, "D001").len(), 2);
    let (_, out, _) = run(bin()
        .args([
            "deps",
            "--odoo-series",
            "18.0",
            "--modules",
            "a",
            "--tree",
            "--addons-path",
        ])
        .arg(dir.path()));
    assert_eq!(out.matches("└── b").count(), 1, "the tree twice:\n{out}");
}
