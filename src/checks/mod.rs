//! Checks: plain functions from loaded inputs to findings, one folder per code family. They
//! print nothing and run nothing; every finding code is emitted here (or in [`crate::load`] for
//! loading problems), never in [`crate::commands`].

pub mod addons;
pub mod backup;
pub mod client_actions;
pub mod db;
pub mod deploy;
pub mod diff;
pub mod fleet;
pub mod parity;
pub mod release;
pub mod table;
pub mod views;
