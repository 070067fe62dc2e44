//! The web client's side of the addons: which static files each asset bundle loads
//! ([`assets`]) and the registrations their JavaScript makes ([`js_scan`]).

pub mod assets;
pub mod handlers;
pub mod js_scan;
pub mod uses;
