//! What the user configures, read raw and validated before any check runs: `odoo-audit.toml`
//! ([`settings`]), Odoo's own config file ([`odoo_conf`]), the enterprise-parity definitions
//! ([`parity`]), the fleet inventory ([`fleet`]) and the allow/warn/deny levels given on the
//! command line ([`levels`]).

pub mod fleet;
pub mod levels;
pub mod odoo_conf;
pub mod parity;
pub mod settings;
