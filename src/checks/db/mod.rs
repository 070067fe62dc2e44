//! Checks of the database against the code (`V` and `B` codes).

pub mod broken;
pub mod checksums;
pub mod versions;
