//! The dependency graph of `deps` as pictures: Graphviz DOT (`--format dot`) and Mermaid
//! (`--format mermaid`, and inside `--format markdown`, which GitHub and GitLab render).
//!
//! Module names come from directory names and manifests: in DOT they are quoted strings (`\`
//! and `"` escaped, control characters written as escapes); in Mermaid the nodes are `n0`,
//! `n1`… and the names are quoted labels with `"`, `<`, `>` and `#` as entity codes, so no name
//! can end a statement or start another.
//!
//! The Mermaid written is a small subset of its flowchart syntax, one statement a line:
//! `flowchart LR`, nodes `nI["label"]`, edges `nI --> nJ`, `classDef NAME …;` and
//! `class nI,nJ NAME;`.

use std::io::{self, Write};

use crate::escape;

/// What a node of the graph is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// An addon on the addons path.
    Addon,
    /// One of Odoo's own addons (from the catalogue), not on the path.
    Odoo,
    /// A dependency nothing provides.
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Node {
    pub name: String,
    pub kind: NodeKind,
    /// On a dependency cycle.
    pub cycle: bool,
}

/// Nodes and edges (`module → dependency`), by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DepGraph {
    pub nodes: Vec<Node>,
    pub edges: Vec<(String, String)>,
}

impl DepGraph {
    fn index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }
}

fn dot_string(s: &str) -> String {
    let s = escape::control(s);
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

pub fn render_dot(g: &DepGraph, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "digraph dependencies {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  node [shape=box, fontname=\"Helvetica\"];")?;
    for n in &g.nodes {
        let mut attrs = vec![format!("label={}", dot_string(&n.name))];
        match n.kind {
            NodeKind::Addon => {}
            NodeKind::Odoo => attrs.push("style=rounded, color=gray40".into()),
            NodeKind::Missing => {
                attrs[0] = format!("label={}", dot_string(&format!("{} (missing)", n.name)));
                attrs.push("style=dashed, color=red, fontcolor=red".into());
            }
        }
        if n.cycle {
            attrs.push("penwidth=2, color=orange".into());
        }
        writeln!(out, "  {} [{}];", dot_string(&n.name), attrs.join(", "))?;
    }
    for (a, b) in &g.edges {
        let cycle = [a, b]
            .iter()
            .all(|m| g.index(m).is_some_and(|i| g.nodes[i].cycle));
        let missing = g
            .index(b)
            .is_some_and(|i| g.nodes[i].kind == NodeKind::Missing);
        let style = if missing {
            " [color=red, style=dashed]"
        } else if cycle {
            " [color=orange, penwidth=2]"
        } else {
            ""
        };
        writeln!(out, "  {} -> {}{style};", dot_string(a), dot_string(b))?;
    }
    writeln!(out, "}}")
}

fn mermaid_label(s: &str) -> String {
    let s = escape::control(s);
    s.replace('#', "#35;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

pub fn render_mermaid(g: &DepGraph, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "flowchart LR")?;
    for (i, n) in g.nodes.iter().enumerate() {
        let label = match n.kind {
            NodeKind::Missing => format!("{} (missing)", n.name),
            _ => n.name.clone(),
        };
        writeln!(out, "  n{i}[\"{}\"]", mermaid_label(&label))?;
    }
    for (a, b) in &g.edges {
        if let (Some(i), Some(j)) = (g.index(a), g.index(b)) {
            writeln!(out, "  n{i} --> n{j}")?;
        }
    }
    let class = |pick: &dyn Fn(&Node) -> bool| -> Vec<String> {
        g.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| pick(n))
            .map(|(i, _)| format!("n{i}"))
            .collect()
    };
    for (name, style, members) in [
        (
            "missing",
            "stroke:#d00,stroke-dasharray:5 5,color:#d00",
            class(&|n| n.kind == NodeKind::Missing),
        ),
        (
            "odoo",
            "stroke:#888,color:#555",
            class(&|n| n.kind == NodeKind::Odoo),
        ),
        ("cycle", "stroke:#e80,stroke-width:3px", class(&|n| n.cycle)),
    ] {
        if !members.is_empty() {
            writeln!(out, "  classDef {name} {style};")?;
            writeln!(out, "  class {} {name};", members.join(","))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> DepGraph {
        DepGraph {
            nodes: vec![
                Node {
                    name: "a\"]; evil".into(),
                    kind: NodeKind::Addon,
                    cycle: false,
                },
                Node {
                    name: "gone\n".into(),
                    kind: NodeKind::Missing,
                    cycle: false,
                },
            ],
            edges: vec![("a\"]; evil".into(), "gone\n".into())],
        }
    }

    #[test]
    fn names_cannot_break_out_of_their_labels() {
        let mut dot = Vec::new();
        render_dot(&g(), &mut dot).unwrap();
        let dot = String::from_utf8(dot).unwrap();
        assert!(
            dot.contains(r#""a\"]; evil" -> "gone\\n" [color=red, style=dashed];"#),
            "{dot}"
        );
        let mut m = Vec::new();
        render_mermaid(&g(), &mut m).unwrap();
        let m = String::from_utf8(m).unwrap();
        assert!(m.contains("n0[\"a#quot;]; evil\"]"), "{m}");
        assert!(m.contains("n1[\"gone\\n (missing)\"]"), "{m}");
        assert!(m.contains("class n1 missing;"), "{m}");
        assert_eq!(m.lines().count(), 6, "{m}");
    }
}
