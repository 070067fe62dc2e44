//! Fuzzes the `__manifest__.py` reader: on any UTF-8 input,
//! `odoo_audit::load::pyliteral::literal_eval` must return (never panic, never
//! hang or overflow the stack), and any value it accepts must encode to
//! canonical JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(value) = odoo_audit::load::pyliteral::literal_eval(text) {
            let json = value.to_canonical_json();
            // Serializing walks the whole value, like the differential tests do.
            let _ = json.to_string();
        }
    }
});
