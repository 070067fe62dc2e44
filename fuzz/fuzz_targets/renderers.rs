//! Fuzzes the CI and monitoring renderers: arbitrary findings built from the bytes
//! (`odoo_audit::report::render_check::findings_from_bytes`) are rendered as SARIF, JUnit, GitHub
//! annotations, Prometheus metrics and a Nagios line, and what each emits must parse back to the
//! findings' text
//! (`odoo_audit::report::render_check::check_renderers`): SARIF reads back with serde-sarif, JUnit is
//! well-formed XML whose failure texts round-trip, every GitHub line is one workflow command
//! whose properties and message un-escape to the finding's text, and no output holds a raw
//! control character.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let findings = odoo_audit::report::render_check::findings_from_bytes(data);
    if let Err(e) = odoo_audit::report::render_check::check_renderers(findings.clone()) {
        panic!("{e}\nfindings: {findings:#?}");
    }
});
