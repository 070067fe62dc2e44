//! odoo-audit: read-only health checks for Odoo deployments.
//!
//! Inputs are loaded by [`addons`] (addons paths and manifests), checks in [`checks`] turn them
//! into [`finding::Finding`]s, and [`report`] renders them. The binary's subcommands live in
//! [`commands`].

pub mod addons;
pub mod assets;
pub mod checks;
pub mod cli;
pub mod client_actions;
pub mod commands;
pub mod db;
pub mod deploy;
pub mod escape;
pub mod exec;
pub mod exit;
pub mod finding;
pub mod fsread;
pub mod graph;
pub mod js_scan;
pub mod manifest;
pub mod odoo_conf;
pub mod parity;
pub mod pyliteral;
#[doc(hidden)]
pub mod render_check;
pub mod report;
pub mod report_ci;
pub mod rules;
pub mod settings;
pub mod version;
pub mod xmlread;
