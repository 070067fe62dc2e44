//! What the user configures, read raw and validated before any check runs: `odoo-audit.toml`
//! ([`settings`]), Odoo's own config file ([`odoo_conf`]), the enterprise-parity definitions
//! ([`parity`]), the fleet inventory ([`fleet`]) and the allow/warn/deny levels given on the
//! command line ([`levels`]).

pub mod fleet;
pub mod levels;
pub mod odoo_conf;
pub mod parity;
pub mod release;
pub mod settings;

use std::path::Path;

use crate::escape;
use crate::exit::Fatal;
use crate::load::fsread;

/// Reads a TOML file of the user's into `T`; a syntax error or an unknown key is a usage error
/// naming the file, line and column. The error quotes no more than a short, escaped part of the
/// file (TOML errors otherwise show the whole offending line).
pub fn load_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Fatal> {
    let shown = escape::control(&path.display().to_string()).into_owned();
    let bytes = fsread::read(path, fsread::CONFIG_MAX)
        .map_err(|e| Fatal::usage(format!("{shown}: {}", e.about_file())))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Fatal::usage(format!(
            "{shown}: not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    toml::from_str(&text).map_err(|e| {
        let at = e.span().map_or(String::new(), |span| {
            let before = text.get(..span.start).unwrap_or_default();
            let line = before.matches('\n').count() + 1;
            let column = before.chars().rev().take_while(|c| *c != '\n').count() + 1;
            format!("line {line}, column {column}: ")
        });
        Fatal::usage(format!(
            "{shown}: {at}{}",
            escape::escape(e.message().trim(), 300)
        ))
    })
}
