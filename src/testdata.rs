//! Loaded data built in the unit tests: an addons tree written to a temporary
//! directory and discovered as the tool discovers one, and database rows as the loaders return
//! them. No server, no corpus: `cargo test --lib` runs anywhere.

use std::path::PathBuf;

use crate::load::addons::{discover, Inventory, SeriesSource};
use crate::load::db::DbModule;
use crate::load::version::Series;

/// An addons path holding `files` (paths relative to it, with their text), discovered for
/// Odoo 18.0. The directory lives as long as the returned guard.
pub fn addons(files: &[(&str, &str)]) -> (tempfile::TempDir, Inventory) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
    }
    let inv = discover(
        &[PathBuf::from(dir.path())],
        Some((Series::new(18, 0), SeriesSource::Option)),
    );
    (dir, inv)
}

/// A manifest with `depends` and extra keys (Python source, e.g. `'installable': False,`).
pub fn manifest(depends: &[&str], extra: &str) -> String {
    let deps: Vec<String> = depends.iter().map(|d| format!("'{d}'")).collect();
    format!(
        "{{'name': 'T', 'version': '18.0.1.0.0', 'license': 'LGPL-3', 'depends': [{}], {extra}}}",
        deps.join(", ")
    )
}

/// A row of `ir_module_module`.
pub fn db_module(name: &str, state: &str, version: Option<&str>) -> DbModule {
    DbModule {
        name: name.into(),
        state: state.into(),
        latest_version: version.map(String::from),
        display_name: None,
        category: None,
        author: None,
        website: None,
        license: None,
        auto_install: false,
        application: false,
    }
}

/// The codes of some findings, sorted.
pub fn codes(findings: &[crate::finding::Finding]) -> Vec<&'static str> {
    let mut c: Vec<&'static str> = findings.iter().map(|f| f.code).collect();
    c.sort();
    c
}

/// A finished command: `display` exited with `code` and printed `stdout`.
pub fn ran(display: &str, code: Option<i32>, stdout: &str) -> crate::load::exec::Ran {
    crate::load::exec::Ran {
        display: display.into(),
        code,
        stdout: stdout.into(),
        ..Default::default()
    }
}
