//! Loading the inputs: addons paths and manifests ([`addons`], [`manifest`], [`pyliteral`]),
//! versions and the dependency graph ([`version`], [`graph`]), the database ([`db`]), the web
//! client's registrations and their uses ([`web`]), the container engine and the machine's
//! processes ([`engine`]), Odoo over HTTP ([`http`]). Every file goes through [`fsread`], every
//! XML document through [`xmlread`], every external command through [`exec`], so hostile input
//! ends in a finding or an error within a bound. Loaders do not judge: checks do.

pub mod addons;
pub mod catalogue;
pub mod checksum;
pub mod db;
pub mod deploy;
pub mod engine;
pub mod exec;
pub mod fsread;
pub mod graph;
pub mod http;
pub mod manifest;
pub mod pyliteral;
pub mod python;
pub mod release;
pub mod restore;
pub mod version;
pub mod views;
pub mod web;
pub mod xmlread;
