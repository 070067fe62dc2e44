//! `odoo-audit deps`: dependency problems of the addons found, and with `--modules` the full
//! closure of some modules with a valid install order (and `--tree`, a drawing).

use serde_json::{json, Value};

use super::{inventory_context, odoo_addons, odoo_addons_context, Ctx};
use crate::checks;
use crate::cli::DepsArgs;
use crate::exit::Fatal;
use crate::load::graph::Graph;
use crate::report::graph::{DepGraph, Node, NodeKind};
use crate::report::{Report, Table};

pub fn run(args: &DepsArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let inv = ctx.inventory(None)?;
    let (odoo, how) = odoo_addons(ctx, inv.series, None)?;
    let graph = Graph::with_catalogue(&inv, odoo.catalogue(), odoo.enterprise);
    let mut report = Report::new("deps");
    inventory_context(&mut report, &inv);
    odoo_addons_context(&mut report, &odoo, how);
    let mut findings = inv.findings.clone();
    findings.extend(checks::addons::deps::check(&inv, &graph, &odoo));

    if !args.modules.is_empty() {
        let closure = graph.closure(&args.modules);
        // The problems of the closure, not of the whole path.
        findings.retain(|f| {
            f.module
                .as_ref()
                .is_none_or(|m| closure.modules.contains(m) || closure.missing.contains(m))
        });
        findings.extend(checks::addons::deps::requested_missing(
            &graph,
            &args.modules,
            &odoo,
        ));
        let (order, left) = graph.install_order(&closure.modules);
        let mut table = Table::new(
            "closure",
            "Dependency closure, in install order",
            &["order", "name", "version", "installable", "path"],
        );
        for (i, name) in order.iter().enumerate() {
            let (version, installable, path) = match (inv.addons.get(name), odoo.get(name)) {
                (Some(a), _) => (
                    a.manifest
                        .version
                        .as_ref()
                        .map(|v| json!(v))
                        .unwrap_or_else(|| json!(a.manifest.version_raw)),
                    a.manifest.installable,
                    a.dir.display().to_string(),
                ),
                (None, Some(c)) => (
                    json!(c.version),
                    c.installable,
                    format!(
                        "(Odoo {} {:?}, from the catalogue)",
                        odoo.series().unwrap_or_default(),
                        c.edition
                    ),
                ),
                (None, None) => continue,
            };
            table.push(vec![
                json!(i + 1),
                json!(name),
                version,
                json!(installable),
                json!(path),
            ]);
        }
        report.tables.push(table);
        report.data.insert("install_order".into(), json!(order));
        report.data.insert(
            "missing".into(),
            Value::Array(closure.missing.iter().map(|m| json!(m)).collect()),
        );
        report.data.insert("on_cycle".into(), json!(left));
        if args.tree {
            report
                .text
                .push(("Dependency tree".into(), graph.tree(&args.modules)));
            report
                .data
                .insert("tree".into(), json!(graph.tree(&args.modules)));
        }
    }
    report.graph = Some(picture(&graph, &inv, &args.modules));
    let edges: usize = graph.deps.values().map(Vec::len).sum();
    report
        .summary
        .insert("addons".into(), json!(graph.deps.len()));
    report.summary.insert("dependencies".into(), json!(edges));
    report.findings = checks::addons::core::group_core(
        findings,
        &odoo,
        ctx.global.include_core,
        crate::checks::addons::deps::CORE_RULE,
        &[crate::rules::Family::Dependency],
    );
    Ok(report)
}

/// The graph `--format dot`/`mermaid` draws: the closure of `--modules` when given, else every
/// addon on the path with its direct dependencies (Odoo's own addons and missing ones as leaves,
/// not expanded). Nodes on a cycle are marked.
fn picture(graph: &Graph, inv: &crate::load::addons::Inventory, modules: &[String]) -> DepGraph {
    use std::collections::BTreeSet;
    let on_cycle: BTreeSet<String> = graph.cycles().into_iter().flatten().collect();
    let (expand, mut names): (BTreeSet<String>, BTreeSet<String>) = if modules.is_empty() {
        let own: BTreeSet<String> = inv.addons.keys().cloned().collect();
        (own.clone(), own)
    } else {
        let c = graph.closure(modules);
        let all = c.modules.iter().chain(&c.missing).cloned().collect();
        (c.modules, all)
    };
    let mut edges = Vec::new();
    for m in &expand {
        for d in graph.deps.get(m).into_iter().flatten() {
            names.insert(d.clone());
            edges.push((m.clone(), d.clone()));
        }
    }
    let nodes = names
        .into_iter()
        .map(|name| Node {
            kind: if inv.addons.contains_key(&name) {
                NodeKind::Addon
            } else if graph.contains(&name) {
                NodeKind::Odoo
            } else {
                NodeKind::Missing
            },
            cycle: on_cycle.contains(&name),
            name,
        })
        .collect();
    DepGraph { nodes, edges }
}
