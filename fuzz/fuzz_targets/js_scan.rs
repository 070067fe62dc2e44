//! Fuzzes the JavaScript scanners (`odoo_audit::load::web::js_scan`): on any UTF-8 input both must end
//! without panicking, and the sparse scanner, when it does not defer to the whole-file scan,
//! must find the same registrations and exported aliases.
#![no_main]

use libfuzzer_sys::fuzz_target;
use odoo_audit::load::web::js_scan::{resolve, scan, scan_sparse};

fuzz_target!(|data: &[u8]| {
    if let Ok(src) = std::str::from_utf8(data) {
        let whole = scan(src);
        if let Some(sparse) = scan_sparse(src) {
            assert_eq!(sparse.registrations, whole.registrations);
            assert_eq!(sparse.exported_aliases, whole.exported_aliases);
            assert!(whole.helpers.is_empty());
        }
        let _ = resolve(&[whole]);
    }
});
