//! libxml2 documents and XPath (see the module documentation of `load::views`).
