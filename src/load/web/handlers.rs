//! The registrations into the web client's `actions`, `fields` and `views` registries of every
//! addon ([`super::js_scan`]), each tagged with how the backend loads its file
//! ([`super::assets`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::finding::Finding;
use crate::load::addons::{Addon, Inventory};
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
                let handler = Handler {
                    registry: reg.registry,
                    key: key.clone(),
                    module: module.to_string(),
                    file: path.to_path_buf(),
                    line: reg.line,
                    load,
                    via: reg.via,
                };
                if reg.registry == Registry::Fields {
                    if let Some((_, suffix)) = key.rsplit_once('.') {
                        h.by_suffix
                            .entry(suffix.to_string())
                            .or_default()
                            .push(handler.clone());
                    }
                }
                h.by_key
                    .entry((reg.registry, key))
                    .or_default()
                    .push(handler);
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
