//! Fuzzes the odoo.conf reader: on any UTF-8 input, `OdooConf::parse` must return (never
//! panic, never hang), every accessor must work on what it accepts, and an error must quote
//! the input short and escaped (no control character, a bounded length).
#![no_main]

use libfuzzer_sys::fuzz_target;
use odoo_audit::config::odoo_conf::OdooConf;
use odoo_audit::load::version::Series;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match OdooConf::parse(text, "fuzz.conf") {
        Err(e) => {
            let shown = e.to_string();
            // At most two quoted parts of 60 characters, each escaped to at most 10 bytes.
            assert!(shown.len() < 2000, "{} bytes", shown.len());
            assert!(!shown.chars().any(char::is_control), "{shown:?}");
        }
        Ok(conf) => {
            let series: Vec<Series> = ["16.0", "17.0", "18.0", "19.0"]
                .iter()
                .filter_map(|s| Series::parse(s))
                .collect();
            let keys: Vec<String> = conf.options().map(|(k, _)| k.to_string()).collect();
            for k in keys
                .iter()
                .map(String::as_str)
                .chain(["addons_path", "list_db", "workers"])
            {
                let _ = conf.get(k);
                let _ = conf.line_of(k);
                let _ = conf.get_bool(k);
                let _ = conf.odoo_value(k);
                for s in &series {
                    let _ = conf.odoo_bool(k, *s);
                }
            }
            for section in conf.sections() {
                let _ = conf.items(section);
                let _ = conf.section_line(section);
            }
            let _ = conf.addons_path();
            let env = |name: &str| (name == "ODOO_WORKERS").then(|| "x".to_string());
            let _ = conf.with_env_overrides(&env).options().count();
        }
    }
});
