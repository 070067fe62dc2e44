//! odoo-audit: read-only health checks for Odoo deployments.
//!
//! The crate is layered; a layer uses the ones listed before it and never the ones after:
//!
//! - [`finding`], [`escape`], [`rules`], [`progress`]: the one kind of result, the escaping of
//!   input text, the registry of every finding code, and the progress shown on a terminal
//!   while long steps run.
//! - [`config`]: what the user configures (odoo-audit.toml, odoo.conf, parity definitions,
//!   allow/warn/deny levels).
//! - [`load`]: reading the inputs (addons paths and manifests, the database, the web client's
//!   JavaScript and XML), faithfully and within bounds; loading problems are findings too.
//! - [`checks`]: plain functions from loaded data to findings, one folder per code family.
//! - [`routines`]: what runs Odoo (truth-sync steps, parity install), one step model and runner.
//! - [`report`]: the report of a run and one renderer per format.
//! - [`commands`]: one file per subcommand: picks inputs, calls checks, fills the report.
//! - [`exit`]: the one place that turns findings (after levels) into the exit code.

pub mod checks;
pub mod cli;
pub mod commands;
pub mod config;
pub mod escape;
pub mod exit;
pub mod finding;
pub mod history;
pub mod load;
pub mod progress;
pub mod report;
pub mod routines;
pub mod rules;
#[cfg(test)]
pub(crate) mod testdata;
