//! The registrations into the web client's `actions`, `fields` and `views` registries of every
//! addon ([`super::js_scan`]), each tagged with how the backend loads its file
//! ([`super::assets`]). Addons that are not on the addons path add the registrations the
//! catalogue of Odoo's own addons records for them ([`Handlers::add_catalogue`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::finding::Finding;
use crate::load::addons::{Addon, Inventory};
use crate::load::catalogue::{Edition, SeriesCatalogue};
use crate::load::fsread;
use crate::load::web::assets::{self, Assembler, Load, StaticFiles};
use crate::load::web::js_scan::{self, Registry};

/// A backend-visible (or not) registration of a literal key.
#[derive(Debug, Clone)]
pub struct Handler {
    pub registry: Registry,
    pub key: String,
    pub module: String,
    pub file: PathBuf,
    pub line: usize,
    pub load: Load,
    pub via: String,
    /// Where the registration was read: the addon's files, or the catalogue.
    pub origin: Origin,
}

/// Where a handler comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A JavaScript file of an addon on the addons path.
    Disk,
    /// The catalogue of Odoo's own addons, for an addon of that edition not on the path
    /// (`file` is then the web path of the registering file, or empty for Enterprise).
    Catalogue(Edition),
}

/// A registration with a computed key.
#[derive(Debug, Clone)]
pub struct DynamicRegistration {
    pub registry: Registry,
    pub expr: String,
    pub module: String,
    pub file: PathBuf,
    pub line: usize,
    pub load: Load,
}

/// Every registration found on the addons paths.
#[derive(Debug, Default)]
pub struct Handlers {
    by_key: HashMap<(Registry, String), Vec<Handler>>,
    /// `fields` keys registered with a view-type prefix (`list.many2many_tags`), by suffix.
    by_suffix: HashMap<String, Vec<Handler>>,
    pub dynamic: Vec<DynamicRegistration>,
    pub js_files: usize,
    pub js_files_tokenized: usize,
    pub registrations: usize,
    /// Registrations taken from the catalogue (addons not on the addons path).
    pub catalogued: usize,
    pub backend_files: usize,
    /// Files that could not be walked or read (links out of an addon, FIFOs, oversize files…).
    pub findings: Vec<Finding>,
}

impl Handlers {
    /// The handlers that can serve `key` in `registry` (for field widgets, also the
    /// `<view type or js_class>.key` registrations).
    pub fn lookup(&self, registry: Registry, key: &str) -> Vec<&Handler> {
        let mut out: Vec<&Handler> = self
            .by_key
            .get(&(registry, key.to_string()))
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        if registry == Registry::Fields {
            if let Some(v) = self.by_suffix.get(key) {
                out.extend(v.iter());
            }
        }
        out
    }

    fn insert(&mut self, handler: Handler) {
        if handler.registry == Registry::Fields {
            if let Some((_, suffix)) = handler.key.rsplit_once('.') {
                self.by_suffix
                    .entry(suffix.to_string())
                    .or_default()
                    .push(handler.clone());
            }
        }
        self.by_key
            .entry((handler.registry, handler.key.clone()))
            .or_default()
            .push(handler);
    }

    /// Adds the registrations the catalogue records for its addons that `on_path` does not
    /// hold (an addon on the addons path always wins over the catalogue). A Community
    /// registration keeps the bundles the catalogue computed for its file; an Enterprise one
    /// (names only) counts as loaded by the backend.
    pub fn add_catalogue(&mut self, cat: &SeriesCatalogue, on_path: impl Fn(&str) -> bool) {
        for (name, addon) in &cat.addons {
            if on_path(name) {
                continue;
            }
            for reg in &addon.registrations {
                let Some(registry) = Registry::from_category(&reg.registry) else {
                    continue;
                };
                let load = match addon.edition {
                    Edition::Enterprise if reg.bundles.is_empty() => Load::Backend,
                    _ => catalogued_load(&reg.bundles),
                };
                self.catalogued += 1;
                self.insert(Handler {
                    registry,
                    key: reg.key.clone(),
                    module: name.clone(),
                    file: PathBuf::from(&reg.file),
                    line: reg.line,
                    load,
                    via: format!("catalogue {}", cat.series),
                    origin: Origin::Catalogue(addon.edition),
                });
            }
        }
    }

    /// Every literal handler, sorted by registry, key, module, file, line.
    pub fn all(&self) -> Vec<&Handler> {
        let mut v: Vec<&Handler> = self.by_key.values().flatten().collect();
        v.sort_by(|a, b| {
            (a.registry, &a.key, &a.module, &a.file, a.line)
                .cmp(&(b.registry, &b.key, &b.module, &b.file, b.line))
        });
        v
    }
}

/// Scans the JavaScript of every addon. `installed` limits the bundles to the installed addons
/// (database mode); otherwise every installable addon takes part.
pub fn scan_handlers(inv: &Inventory, installed: Option<&BTreeSet<String>>) -> Handlers {
    let addons: Vec<&Addon> = inv.addons.values().collect();
    let statics: BTreeMap<String, StaticFiles> = addons
        .par_iter()
        .map(|a| (a.name.clone(), assets::static_files(a)))
        .collect();
    let taking_part: Vec<&Addon> = addons
        .iter()
        .copied()
        .filter(|a| match installed {
            Some(set) => set.contains(&a.name),
            None => a.manifest.installable,
        })
        .collect();
    // Which bundles load each file; computed while the files are read.
    let bundle_maps = || {
        let asm = Assembler::new(&taking_part, &statics);
        let map = asm.bundle_map();
        // Database mode: files of addons that are not installed are judged as if their addon were
        // installed, to tell "registered by a module that is not installed" apart.
        let all_map = installed.map(|_| {
            let installable: Vec<&Addon> = addons
                .iter()
                .copied()
                .filter(|a| a.manifest.installable)
                .collect();
            Assembler::new(&installable, &statics).bundle_map()
        });
        (map, all_map)
    };
    // (module, web path, absolute path) of every JS file.
    let files: Vec<(&str, &str, &Path)> = statics
        .iter()
        .flat_map(|(m, st)| {
            st.files
                .iter()
                .filter(|(w, _)| w.ends_with(".js"))
                .map(move |(w, p)| (m.as_str(), w.as_str(), p.as_path()))
        })
        .collect();

    // Pass 1: read every file once; scan those that can register a key or define an alias or a
    // helper (they name a registry category or a legacy registry), looking only around those
    // names where possible.
    enum Depth {
        Unread,
        Sparse,
        Whole,
    }
    let unread = std::sync::Mutex::new(Vec::new());
    let read_all = || -> Vec<(Depth, js_scan::FileScan)> {
        files
            .par_iter()
            .map(|(m, _, p)| {
                fsread::with_text(p, fsread::SOURCE_MAX, |text| {
                    match js_scan::scan_sparse(text) {
                        Some(s) => (Depth::Sparse, s),
                        None => (Depth::Whole, js_scan::scan(text)),
                    }
                })
                .unwrap_or_else(|e| {
                    if let Ok(mut u) = unread.lock() {
                        u.push(e.finding(p).module(*m));
                    }
                    (Depth::Unread, js_scan::FileScan::default())
                })
            })
            .collect()
    };
    let ((map, all_map), mut slots) = rayon::join(bundle_maps, read_all);
    // Next passes: files that mention an exported alias or a helper found so far may use it
    // (import it, call it): read them again and scan them whole. Repeat while new names appear
    // (a helper built on an imported alias).
    let mut known: std::collections::HashSet<String> = std::collections::HashSet::new();
    loop {
        let mut fresh: Vec<String> = Vec::new();
        for (_, s) in &slots {
            let names = s
                .exported_aliases
                .iter()
                .map(|(n, _)| n)
                .chain(s.helpers.iter().map(|h| &h.name));
            for n in names {
                if known.insert(n.clone()) {
                    fresh.push(n.clone());
                }
            }
        }
        if fresh.is_empty() {
            break;
        }
        let Ok(finder) = aho_corasick::AhoCorasick::new(&fresh) else {
            break;
        };
        slots
            .par_iter_mut()
            .zip(files.par_iter())
            .filter(|(slot, _)| matches!(slot.0, Depth::Sparse))
            .for_each(|(slot, (_, _, p))| {
                let whole = fsread::with_text(p, fsread::SOURCE_MAX, |t| {
                    finder.is_match(t).then(|| js_scan::scan(t))
                });
                if let Ok(Some(s)) = whole {
                    *slot = (Depth::Whole, s);
                }
            });
    }
    let scans: Vec<js_scan::FileScan> = slots.into_iter().map(|(_, s)| s).collect();
    let tokenized = scans
        .iter()
        .filter(|s| !s.registrations.is_empty() || !s.calls.is_empty() || !s.alias_calls.is_empty())
        .count();

    let mut findings: Vec<Finding> = statics
        .values()
        .flat_map(|st| st.findings.iter().cloned())
        .collect();
    findings.extend(unread.into_inner().unwrap_or_default());
    let mut h = Handlers {
        js_files: files.len(),
        js_files_tokenized: tokenized,
        backend_files: map.backend_len(),
        findings,
        ..Handlers::default()
    };
    for res in js_scan::resolve(&scans) {
        let (module, web, path) = files[res.file];
        let reg = res.registration;
        let load = match (installed, &all_map) {
            (Some(set), Some(all)) if !set.contains(module) => all.load(web),
            _ => map.load(web),
        };
        h.registrations += 1;
        match reg.key {
            Some(key) => {
                h.insert(Handler {
                    registry: reg.registry,
                    key,
                    module: module.to_string(),
                    file: path.to_path_buf(),
                    line: reg.line,
                    load,
                    via: reg.via,
                    origin: Origin::Disk,
                });
            }
            None => h.dynamic.push(DynamicRegistration {
                registry: reg.registry,
                expr: reg.expr,
                module: module.to_string(),
                file: path.to_path_buf(),
                line: reg.line,
                load,
            }),
        }
    }
    h
}

/// How the backend loads a file the catalogue lists with these bundles (as
/// [`assets::BundleMap::load`] decides it for a file on disk).
pub fn catalogued_load(bundles: &[String]) -> Load {
    if bundles
        .iter()
        .any(|b| assets::BACKEND_BUNDLES.contains(&b.as_str()))
    {
        return Load::Backend;
    }
    if bundles.is_empty() {
        return Load::Unbundled;
    }
    let mut b: Vec<String> = bundles.to_vec();
    b.sort();
    b.dedup();
    if b.iter().all(|n| assets::is_test_bundle(n)) {
        Load::TestOnly(b)
    } else {
        Load::Other(
            b.into_iter()
                .filter(|n| !assets::is_test_bundle(n))
                .collect(),
        )
    }
}
