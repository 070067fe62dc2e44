//! The client templates of the asset bundles (see the module documentation of `load::views`).
