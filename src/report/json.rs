//! The JSON document: `tool`, `version`, `command`, `context`, each table under its name as a
//! list of objects, the extra data, the findings and the summary counts. Keys are stable
//! (README). Control characters are escaped in the encoding ([`escape::write_json`]).

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::{counts, Report, Table};
use crate::escape;

/// A table as a list of objects, one per row, keyed by column.
fn table_json(table: &Table) -> Value {
    Value::Array(
        table
            .rows
            .iter()
            .map(|row| {
                let mut obj = Map::new();
                for (c, v) in table.columns.iter().zip(row) {
                    obj.insert(c.clone(), v.clone());
                }
                Value::Object(obj)
            })
            .collect(),
    )
}

/// The JSON document. Documented in the README; keys are stable.
pub fn to_json(report: &Report) -> Value {
    let mut doc = Map::new();
    doc.insert("tool".into(), json!("odoo-audit"));
    doc.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    doc.insert("command".into(), json!(report.command));
    doc.insert(
        "run".into(),
        serde_json::to_value(&report.run).unwrap_or(Value::Null),
    );
    doc.insert("context".into(), Value::Object(report.context.clone()));
    for t in &report.tables {
        doc.insert(t.name.clone(), table_json(t));
    }
    for (k, v) in &report.data {
        doc.insert(k.clone(), v.clone());
    }
    doc.insert(
        "inventory".into(),
        serde_json::to_value(&report.inventory).unwrap_or(Value::Null),
    );
    doc.insert(
        "findings".into(),
        serde_json::to_value(&report.findings).unwrap_or(Value::Null),
    );
    let (e, w, i) = counts(&report.findings);
    let mut summary = Map::new();
    summary.insert("errors".into(), json!(e));
    summary.insert("warnings".into(), json!(w));
    summary.insert("info".into(), json!(i));
    for (k, v) in &report.summary {
        summary.insert(k.clone(), v.clone());
    }
    doc.insert("summary".into(), Value::Object(summary));
    Value::Object(doc)
}

pub(super) fn render_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    escape::write_json(out, &to_json(report))?;
    writeln!(out)
}
