//! `check-views`: every view and template inheritance Odoo would fail to apply.

pub mod apply;
pub mod client;
pub mod combine;
