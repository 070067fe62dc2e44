//! Fuzzes the XML reader (`odoo_audit::load::xmlread`) and what check-client-actions does with an XML
//! data file: on any UTF-8 input, parsing must end (never panic, hang, overflow the stack or
//! expand entities without bound), and the uses found in an accepted document point at lines of
//! the input.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut uses = Vec::new();
        let parsed = odoo_audit::load::web::uses::xml_uses("m", Path::new("f.xml"), text, &mut uses);
        assert_eq!(parsed.is_ok(), odoo_audit::load::xmlread::parse(text).is_ok());
        let lines = text.lines().count().max(1);
        for u in &uses {
            let line = u.line.unwrap();
            assert!(line >= 1 && line <= lines + 1, "line {line} of {lines}");
        }
    }
});
