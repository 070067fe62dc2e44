//! The 13-point pre-deployment gate of `deploy-check`, one file per group of checks.
//!
//! Each check returns a [`Check`] (the model of [`crate::checks::table`]): its status (pass, warn, fail or skip), the evidence it saw,
//! a hint, and a [`crate::finding::Finding`] for each warning or failure (warning or error severity), so that
//! the report layer and the exit code treat it like every other command's findings. Checks do
//! not print; external commands go through [`crate::load::exec`] with a timeout.

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
pub use crate::routines::Deploy;
