//! `odoo-audit catalogue build|show`: the catalogue of Odoo's own addons per series
//! ([`crate::load::catalogue`]). `build` writes one file (`--output`) from an Odoo source tree;
//! `show` says which series the binary (and `--catalogue` files) hold, from which source.

use serde_json::{json, Value};

use super::Ctx;
use crate::cli::{CatalogueAction, CatalogueArgs, CatalogueBuildArgs, CatalogueShowArgs};
use crate::escape;
use crate::exit::Fatal;
use crate::load::catalogue::{self, build, Edition, Origin, SeriesCatalogue};
use crate::load::version::Series;
use crate::report::{Report, Table};

pub fn run(args: &CatalogueArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    match &args.action {
        CatalogueAction::Build(a) => run_build(a, ctx.global.output.as_deref()),
        CatalogueAction::Show(a) => run_show(a, ctx),
    }
}

/// The columns of the table of catalogues.
pub const COLUMNS: [&str; 14] = [
    "series",
    "origin",
    "source",
    "commit",
    "date",
    "community",
    "enterprise",
    "actions",
    "fields",
    "views",
    "enterprise_registrations",
    "client_actions",
    "view_ids",
    "templates",
];

fn opt(v: &Option<String>) -> Value {
    v.as_ref().map(|s| json!(s)).unwrap_or(Value::Null)
}

/// One row of the table of catalogues.
fn row(origin: &Origin, cat: &SeriesCatalogue) -> Vec<Value> {
    let community: Vec<_> = cat.edition(Edition::Community).collect();
    let enterprise = cat.edition(Edition::Enterprise).count();
    let count = |registry: &str| {
        community
            .iter()
            .map(|(_, a)| {
                a.registrations
                    .iter()
                    .filter(|r| r.registry == registry)
                    .count()
            })
            .sum::<usize>()
    };
    let enterprise_regs: usize = cat
        .edition(Edition::Enterprise)
        .map(|(_, a)| a.registrations.len())
        .sum();
    let tags: usize = community.iter().map(|(_, a)| a.client_actions.len()).sum();
    let views: usize = community.iter().map(|(_, a)| a.views.len()).sum();
    let templates: usize = community.iter().map(|(_, a)| a.templates.len()).sum();
    vec![
        json!(cat.series),
        json!(origin.describe()),
        json!(cat.source.name),
        opt(&cat.source.commit),
        opt(&cat.source.date),
        json!(community.len()),
        json!(enterprise),
        json!(count("actions")),
        json!(count("fields")),
        json!(count("views")),
        json!(enterprise_regs),
        json!(tags),
        json!(views),
        json!(templates),
    ]
}

fn tables(report: &mut Report, cats: &[(Origin, SeriesCatalogue)]) {
    let mut table = Table::new("catalogues", "Catalogues of Odoo's own addons", &COLUMNS);
    let mut notes = Table::new("notes", "Notes on the sources", &["series", "note"]);
    for (origin, cat) in cats {
        table.push(row(origin, cat));
        if let Some(r) = &cat.source.release {
            notes.push(vec![json!(cat.series), json!(format!("release {r}"))]);
        }
        for n in &cat.source.notes {
            notes.push(vec![json!(cat.series), json!(n)]);
        }
    }
    report
        .summary
        .insert("series".into(), json!(table.rows.len()));
    report.tables.push(table);
    report.tables.push(notes);
}

fn run_show(args: &CatalogueShowArgs, ctx: &Ctx) -> Result<Report, Fatal> {
    let mut cats = catalogue::all(&ctx.global.catalogue)?;
    if let Some(s) = &args.series {
        let series = Series::parse(s).ok_or_else(|| {
            Fatal::usage(format!(
                "{} is not an Odoo series (expected something like 18.0)",
                escape::quote(s)
            ))
        })?;
        let held: Vec<String> = cats.iter().map(|(_, c)| c.series.clone()).collect();
        cats.retain(|(_, c)| c.series == series.to_string());
        if cats.is_empty() {
            return Err(Fatal::usage(format!(
                "no catalogue of {series}: the catalogue holds {}",
                if held.is_empty() {
                    "no series".to_string()
                } else {
                    held.join(", ")
                }
            )));
        }
    }
    let mut report = Report::new("catalogue show");
    if !ctx.global.catalogue.is_empty() {
        report.context(
            "catalogue_files",
            ctx.global
                .catalogue
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>(),
        );
    }
    tables(&mut report, &cats);
    Ok(report)
}

fn run_build(args: &CatalogueBuildArgs, output: Option<&std::path::Path>) -> Result<Report, Fatal> {
    let opts = build::Options {
        source: args.source.clone(),
        enterprise: args.enterprise.clone(),
        series: args.series.clone(),
        name: args.name.clone(),
        commit: args.commit.clone(),
        date: args.date.clone(),
        notes: args.note.clone(),
        exclude: args.exclude.clone(),
        community: args.community.clone(),
    };
    let output = output
        .ok_or_else(|| {
            Fatal::usage("catalogue build: --output FILE (the catalogue to write) is required")
        })?
        .to_path_buf();
    let built = build::build(&opts)?;
    let text = build::to_text(&built.catalogue);
    crate::report::output::write_atomic(&output, |w| w.write_all(text.as_bytes())).map_err(
        |e| {
            Fatal::usage(format!(
                "--output {}: cannot write: {e}",
                escape::quote(&output.display().to_string())
            ))
        },
    )?;
    let mut report = Report::new("catalogue build");
    report.context("source", args.source.display().to_string());
    report.context(
        "addons_paths",
        built
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>(),
    );
    report.context("output", output.display().to_string());
    report.summary.insert("bytes".into(), json!(text.len()));
    tables(
        &mut report,
        &[(Origin::File(output.clone()), built.catalogue)],
    );
    report.findings = built.findings;
    Ok(report)
}
