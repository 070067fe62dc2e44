//! The views of the addons' XML data files (see the module documentation of `load::views`).
