//! Checks: plain functions from loaded inputs to findings. They print nothing.

pub mod broken;
pub mod deps;
pub mod versions;
