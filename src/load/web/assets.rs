//! Which static files each asset bundle loads, computed from the manifests' `assets` the way
//! Odoo's `ir.asset` (`odoo/addons/base/models/ir_asset.py`) assembles them: addons in Odoo's
//! order (application first, then `sequence`, then name, topologically sorted on `depends`),
//! each addon's entries for the bundle applied in turn. An entry is a glob relative to the
//! addons paths (`module/static/src/**/*.js`, only inside the addon's `static` directory), or a
//! directive: `('include', bundle)`, `('remove', glob)`, `('prepend', glob)`,
//! `('before', target, glob)`, `('after', target, glob)`, `('replace', target, glob)`.
//! `ir.asset` records stored in a database are not read.
//!
//! The web client's backend loads `web.assets_backend` (through `web.assets_web` from 17.0) and
//! lazily `web.assets_backend_lazy`; [`BundleMap`] tells for each file whether one of those loads
//! it, only a test bundle, only another bundle (frontend, reports…), or none.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

use crate::finding::Finding;
use crate::load::addons::Addon;
use crate::load::fsread;
use crate::load::pyliteral::PyValue;

/// Extensions Odoo accepts in bundles (`odoo/tools/constants.py` ASSET_EXTENSIONS).
pub const ASSET_EXTENSIONS: &[&str] = &["js", "css", "scss", "sass", "less", "xml"];

/// The bundles the backend web client loads.
pub const BACKEND_BUNDLES: &[&str] = &[
    "web.assets_backend",
    "web.assets_web",
    "web.assets_backend_lazy",
];

/// True for bundles only test runners load (`web.assets_tests`, `web.qunit_suite_tests`,
/// `web.assets_unit_tests`, `*.assets_unit_tests`, `web.tests_assets`, …).
pub fn is_test_bundle(name: &str) -> bool {
    name.contains("test") || name.contains("qunit") || name.contains("hoot")
}

/// The static files of one addon, as web paths (`module/static/…`) with their absolute path.
#[derive(Debug, Clone, Default)]
pub struct StaticFiles {
    /// Sorted by web path.
    pub files: Vec<(String, PathBuf)>,
    /// What the walk could not follow or read (links out of the addon, loops, FIFOs…).
    pub findings: Vec<Finding>,
}

/// Lists `<addon>/static` (asset extensions only). Symlinks are followed only when they
/// resolve inside the addon (see [`fsread::walk_files`]); the others, loops and unreadable
/// entries become findings.
pub fn static_files(addon: &Addon) -> StaticFiles {
    let root = fsread::Root::unresolved(&addon.dir);
    let walked = fsread::walk_files(
        &root,
        &addon.dir.join("static"),
        |_, _| false,
        |p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| ASSET_EXTENSIONS.contains(&x))
        },
    );
    let mut files = Vec::with_capacity(walked.files.len());
    for p in walked.files {
        if let Ok(rel) = p.strip_prefix(&addon.dir) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            files.push((format!("{}/{rel}", addon.name), p));
        }
    }
    files.sort();
    let findings = walked
        .problems
        .iter()
        .map(|(p, e)| e.finding(p).module(&addon.name))
        .collect();
    StaticFiles { files, findings }
}

/// One manifest entry, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Append(String),
    Prepend(String),
    Remove(String),
    Include(String),
    Before(String, String),
    After(String, String),
    Replace(String, String),
}

/// Parses an entry of a manifest's bundle list; `None` for malformed entries (Odoo raises).
pub fn parse_command(v: &PyValue) -> Option<Command> {
    if let Some(s) = v.as_str() {
        return Some(Command::Append(s.to_string()));
    }
    let items = match v {
        PyValue::Tuple(items) | PyValue::List(items) => items,
        _ => return None,
    };
    let s = |i: usize| items.get(i).and_then(PyValue::as_str).map(str::to_string);
    match (s(0)?.as_str(), items.len()) {
        ("append", 2) => Some(Command::Append(s(1)?)),
        ("prepend", 2) => Some(Command::Prepend(s(1)?)),
        ("remove", 2) => Some(Command::Remove(s(1)?)),
        ("include", 2) => Some(Command::Include(s(1)?)),
        ("before", 3) => Some(Command::Before(s(1)?, s(2)?)),
        ("after", 3) => Some(Command::After(s(1)?, s(2)?)),
        ("replace", 3) => Some(Command::Replace(s(1)?, s(2)?)),
        _ => None,
    }
}

/// How the backend sees a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load {
    /// A backend bundle loads it.
    Backend,
    /// Only test bundles load it.
    TestOnly(Vec<String>),
    /// Only other bundles (frontend, reports, libraries) load it.
    Other(Vec<String>),
    /// No bundle loads it.
    Unbundled,
}

/// The addons taking part, in Odoo's order, with their static files and manifest entries.
pub struct Assembler<'a> {
    order: Vec<&'a Addon>,
    statics: HashMap<&'a str, &'a StaticFiles>,
    entries: HashMap<&'a str, Vec<(String, Vec<Command>)>>,
    glob_cache: std::cell::RefCell<HashMap<String, Option<GlobMatcher>>>,
}

/// Odoo's addon order for assets: sorted by (not application, sequence, name), then a
/// depth-first topological sort on `depends` (default `['base']`).
pub fn odoo_order<'a>(addons: &[&'a Addon]) -> Vec<&'a Addon> {
    let mut sorted: Vec<&Addon> = addons.to_vec();
    let seq = |a: &Addon| -> i64 {
        match a.manifest.raw.get("sequence") {
            Some(PyValue::Int(n)) => *n,
            _ => 100,
        }
    };
    sorted.sort_by(|a, b| {
        (!a.manifest.application, seq(a), &a.name).cmp(&(!b.manifest.application, seq(b), &b.name))
    });
    let by_name: HashMap<&str, &Addon> = sorted.iter().map(|a| (a.name.as_str(), *a)).collect();
    let mut done: HashSet<&str> = HashSet::new();
    let mut out = Vec::with_capacity(sorted.len());
    for a in &sorted {
        // Iterative post-order DFS.
        let mut stack: Vec<(&Addon, usize)> = vec![(a, 0)];
        let mut on_path: HashSet<&str> = HashSet::new();
        while let Some((m, k)) = stack.pop() {
            if done.contains(m.name.as_str()) {
                continue;
            }
            on_path.insert(m.name.as_str());
            let deps = &m.manifest.depends;
            if let Some(next) = deps.get(k) {
                stack.push((m, k + 1));
                if let Some(d) = by_name.get(next.as_str()) {
                    if !done.contains(d.name.as_str()) && !on_path.contains(d.name.as_str()) {
                        stack.push((d, 0));
                    }
                }
                continue;
            }
            on_path.remove(m.name.as_str());
            done.insert(m.name.as_str());
            out.push(m);
        }
    }
    out
}

/// The files of one bundle in load order, as (web path, bundle that added it).
#[derive(Debug, Default)]
struct AssetList {
    list: Vec<(String, String)>,
    memo: HashSet<String>,
}

impl AssetList {
    fn index(&self, path: &str) -> Option<usize> {
        self.list.iter().position(|(p, _)| p == path)
    }
    fn insert(&mut self, paths: &[String], bundle: &str, at: usize) {
        let mut at = at.min(self.list.len());
        for p in paths {
            if self.memo.insert(p.clone()) {
                self.list.insert(at, (p.clone(), bundle.to_string()));
                at += 1;
            }
        }
    }
    fn append(&mut self, paths: &[String], bundle: &str) {
        let at = self.list.len();
        self.insert(paths, bundle, at);
    }
    fn remove(&mut self, paths: &[String]) {
        let gone: HashSet<&String> = paths.iter().collect();
        self.list.retain(|(p, _)| !gone.contains(p));
        for p in paths {
            self.memo.remove(p);
        }
    }
}

impl<'a> Assembler<'a> {
    /// `addons` are the addons considered installed; `statics` their static files.
    pub fn new(addons: &[&'a Addon], statics: &'a BTreeMap<String, StaticFiles>) -> Assembler<'a> {
        let order = odoo_order(addons);
        let mut entries = HashMap::new();
        for a in &order {
            let parsed: Vec<(String, Vec<Command>)> = a
                .manifest
                .assets()
                .into_iter()
                .map(|(b, list)| (b, list.iter().filter_map(parse_command).collect()))
                .collect();
            entries.insert(a.name.as_str(), parsed);
        }
        let statics = order
            .iter()
            .filter_map(|a| statics.get(&a.name).map(|s| (a.name.as_str(), s)))
            .collect();
        Assembler {
            order,
            statics,
            entries,
            glob_cache: Default::default(),
        }
    }

    /// Every bundle name a manifest mentions (as a key or an include).
    pub fn bundle_names(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for list in self.entries.values() {
            for (b, cmds) in list {
                out.insert(b.clone());
                for c in cmds {
                    if let Command::Include(i) = c {
                        out.insert(i.clone());
                    }
                }
            }
        }
        out
    }

    /// The files matching a path definition, as web paths (sorted, as Python's glob + sort).
    fn paths(&self, def: &str) -> Vec<String> {
        let def = def.trim_start_matches('/');
        let addon = def.split('/').next().unwrap_or("");
        let Some(st) = self.statics.get(addon) else {
            return Vec::new();
        };
        let prefix = format!("{addon}/static/");
        if !def.starts_with(&prefix) || def.split('/').any(|p| p == "..") {
            return Vec::new();
        }
        let wild = def.contains(['*', '?', '[', ']']);
        if !wild {
            return st
                .files
                .binary_search_by(|(p, _)| p.as_str().cmp(def))
                .map(|i| vec![st.files[i].0.clone()])
                .unwrap_or_default();
        }
        let mut cache = self.glob_cache.borrow_mut();
        let m = cache.entry(def.to_string()).or_insert_with(|| {
            GlobBuilder::new(def)
                .literal_separator(true)
                .build()
                .ok()
                .map(|g| g.compile_matcher())
        });
        match m {
            Some(m) => st
                .files
                .iter()
                .filter(|(p, _)| m.is_match(p))
                .map(|(p, _)| p.clone())
                .collect(),
            None => Vec::new(),
        }
    }

    fn fill(&self, bundle: &str, list: &mut AssetList, seen: &mut Vec<String>) {
        if seen.iter().any(|s| s == bundle) {
            return; // Odoo raises on circular includes; nothing more to add.
        }
        let start = list.list.len();
        for a in &self.order {
            let Some(entries) = self.entries.get(a.name.as_str()) else {
                continue;
            };
            for (b, cmds) in entries {
                if b != bundle {
                    continue;
                }
                for c in cmds {
                    self.apply(bundle, c, list, seen, start);
                }
            }
        }
    }

    fn target_index(&self, target: &str, list: &AssetList) -> Option<usize> {
        let t = self.paths(target);
        let t = t
            .first()
            .map(String::as_str)
            .unwrap_or(target.trim_start_matches('/'));
        list.index(t)
    }

    fn apply(
        &self,
        bundle: &str,
        c: &Command,
        list: &mut AssetList,
        seen: &mut Vec<String>,
        start: usize,
    ) {
        match c {
            Command::Include(other) => {
                seen.push(bundle.to_string());
                self.fill(other, list, seen);
                seen.pop();
            }
            Command::Append(p) => list.append(&self.paths(p), bundle),
            Command::Prepend(p) => list.insert(&self.paths(p), bundle, start),
            Command::Remove(p) => list.remove(&self.paths(p)),
            Command::Before(t, p) => {
                let at = self.target_index(t, list).unwrap_or(list.list.len());
                list.insert(&self.paths(p), bundle, at);
            }
            Command::After(t, p) => {
                let at = self
                    .target_index(t, list)
                    .map(|i| i + 1)
                    .unwrap_or(list.list.len());
                list.insert(&self.paths(p), bundle, at);
            }
            Command::Replace(t, p) => {
                let at = self.target_index(t, list).unwrap_or(list.list.len());
                list.insert(&self.paths(p), bundle, at);
                let targets = self.paths(t);
                list.remove(&targets);
            }
        }
    }

    /// The web paths a bundle loads, in order.
    pub fn bundle(&self, name: &str) -> Vec<String> {
        let mut list = AssetList::default();
        self.fill(name, &mut list, &mut Vec::new());
        list.list.into_iter().map(|(p, _)| p).collect()
    }

    /// How every bundled file is loaded (files absent from the map are unbundled).
    pub fn bundle_map(&self) -> BundleMap {
        let mut backend: HashSet<String> = HashSet::new();
        for b in BACKEND_BUNDLES {
            backend.extend(self.bundle(b));
        }
        let mut others: HashMap<String, Vec<String>> = HashMap::new();
        for name in self.bundle_names() {
            if BACKEND_BUNDLES.contains(&name.as_str()) {
                continue;
            }
            for p in self.bundle(&name) {
                if !backend.contains(&p) {
                    others.entry(p).or_default().push(name.clone());
                }
            }
        }
        BundleMap { backend, others }
    }
}

/// For each web path: which bundles load it.
#[derive(Debug, Default)]
pub struct BundleMap {
    backend: HashSet<String>,
    others: HashMap<String, Vec<String>>,
}

impl BundleMap {
    pub fn load(&self, web_path: &str) -> Load {
        if self.backend.contains(web_path) {
            return Load::Backend;
        }
        match self.others.get(web_path) {
            None => Load::Unbundled,
            Some(bundles) => {
                let mut b = bundles.clone();
                b.sort();
                b.dedup();
                if b.iter().all(|n| is_test_bundle(n)) {
                    Load::TestOnly(b)
                } else {
                    Load::Other(b.into_iter().filter(|n| !is_test_bundle(n)).collect())
                }
            }
        }
    }

    pub fn backend_len(&self) -> usize {
        self.backend.len()
    }
}

/// The web path of a file under an addon (`module/static/…`), if it is one.
pub fn web_path(addon: &Addon, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(&addon.dir).ok()?;
    Some(format!(
        "{}/{}",
        addon.name,
        rel.to_string_lossy().replace('\\', "/")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::manifest;

    fn addon(root: &Path, name: &str, manifest_text: &str, files: &[&str]) -> Addon {
        let dir = root.join(name);
        for f in files {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "x").unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        let mf = dir.join("__manifest__.py");
        std::fs::write(&mf, manifest_text).unwrap();
        let mut f = Vec::new();
        let m = manifest::parse(name, &mf, manifest_text, None, &mut f).unwrap();
        Addon {
            name: name.into(),
            dir,
            manifest_file: mf,
            path_index: 0,
            manifest: m,
        }
    }

    #[test]
    fn directives_follow_ir_asset() {
        let tmp = tempfile::tempdir().unwrap();
        let a = addon(
            tmp.path(),
            "a",
            "{'assets': {'web.assets_backend': ['a/static/src/**/*.js', ('include', 'a.lib')], \
             'a.lib': ['a/static/lib/l.js'], 'web.assets_tests': ['a/static/tests/t.js']}}",
            &[
                "static/src/x.js",
                "static/src/sub/y.js",
                "static/lib/l.js",
                "static/tests/t.js",
                "static/src/z.js",
            ],
        );
        let b = addon(
            tmp.path(),
            "b",
            "{'depends': ['a'], 'assets': {'web.assets_backend': [('remove', 'a/static/src/sub/*.js'), \
             ('before', 'a/static/src/x.js', 'b/static/src/b1.js'), ('after', 'a/static/src/x.js', 'b/static/src/b2.js'), \
             ('replace', 'a/static/src/z.js', 'b/static/src/b3.js'), ('prepend', 'b/static/src/b0.js')]}}",
            &["static/src/b0.js", "static/src/b1.js", "static/src/b2.js", "static/src/b3.js"],
        );
        let mut statics = BTreeMap::new();
        statics.insert("a".to_string(), static_files(&a));
        statics.insert("b".to_string(), static_files(&b));
        // b first on input: the order must still put a (its dependency) first.
        let asm = Assembler::new(&[&b, &a], &statics);
        assert_eq!(
            asm.bundle("web.assets_backend"),
            vec![
                "b/static/src/b0.js",
                "b/static/src/b1.js",
                "a/static/src/x.js",
                "b/static/src/b2.js",
                "b/static/src/b3.js",
                "a/static/lib/l.js",
            ]
        );
        let map = asm.bundle_map();
        assert_eq!(map.load("a/static/src/x.js"), Load::Backend);
        assert_eq!(map.load("a/static/lib/l.js"), Load::Backend);
        assert_eq!(
            map.load("a/static/tests/t.js"),
            Load::TestOnly(vec!["web.assets_tests".into()])
        );
        assert_eq!(map.load("a/static/src/sub/y.js"), Load::Unbundled);
        assert_eq!(map.load("a/static/src/z.js"), Load::Unbundled);
    }
}
