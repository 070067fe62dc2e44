//! The one integration-test binary. Each module tests one area end to end, on real inputs: the
//! OCA corpus, temporary addons trees, and copies of the real Odoo 18 database.

mod common;

mod backup;
mod catalogue;
mod catalogue_use;
mod checksums;
mod ci_formats;
mod cli_addons;
mod client_actions;
mod compose_engine;
mod db_audits;
mod db_decode;
mod deploy_check;
mod every_code;
mod fleet;
mod generators;
mod graph;
mod history;
mod hostile;
mod levels;
mod libpq;
mod monitoring;
mod odoo19;
mod odoo_replay;
mod output;
mod parity;
mod pyliteral_diff;
mod snapshots;
mod terminal;
mod verify_deploy;
mod views;
mod views_catalogue;
mod views_db;
mod views_load;
mod views_lxml;
