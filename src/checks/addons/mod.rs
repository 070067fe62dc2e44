//! Checks over the addons found on the addons paths (`D` codes).

pub mod deps;
