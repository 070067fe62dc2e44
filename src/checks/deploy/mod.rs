//! The 13-point pre-deployment gate of `deploy-check`, one file per group of checks.
//!
//! Each check returns a [`Check`] (the model of [`crate::checks::table`]): its status (pass, warn, fail or skip), the evidence it saw,
//! a hint, and a [`crate::finding::Finding`] for each warning or failure (warning or error severity), so that
//! the report layer and the exit code treat it like every other command's findings. Checks do
//! not print and do not probe: each is a plain function over what `load/` gathered for it
//! ([`crate::load::engine`], [`crate::load::deploy`], [`crate::load::python`],
//! [`crate::load::http`]) or what [`crate::routines`] ran (checks 4 and 10 judge an
//! [`crate::routines::OdooRun`]); `commands/deploy_check.rs` loads and calls them in order.

pub mod backups;
pub mod conf;
pub mod engine;
pub mod http;
pub mod logs;
pub mod odoo;
pub mod odoo_run;
pub mod python;
pub mod secrets;

pub use crate::checks::table::{Check, Checks, Status, GATE};

/// The default settings (native mode, no settings file), for the checks' unit tests.
#[cfg(test)]
pub(crate) fn test_settings() -> crate::config::settings::Settings {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::config::settings::resolve(&Default::default(), &|_| None, dir.path())
        .expect("default settings")
}
