//! Checks over the addons found on the addons paths (`D` codes), and what the checks know of
//! Odoo's own addons ([`core`]).

pub mod core;
pub mod deps;
