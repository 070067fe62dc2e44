//! The dependency graph of modules (from manifests or from the database): cycles, closures, a
//! valid install order (dependencies first, by depth then name, as Odoo's loading graph orders
//! them) and a tree drawing. Odoo's own addons that are not on the addons path come from the
//! catalogue of the series ([`Graph::with_catalogue`]).

use std::collections::{BTreeMap, BTreeSet};

use crate::load::addons::Inventory;
use crate::load::catalogue::{Edition, SeriesCatalogue};

/// Module → its direct dependencies.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub deps: BTreeMap<String, Vec<String>>,
}

/// The dependency closure of some modules.
#[derive(Debug, Clone, Default)]
pub struct Closure {
    /// Every known module reached, roots included.
    pub modules: BTreeSet<String>,
    /// Names reached that the graph does not know.
    pub missing: BTreeSet<String>,
}

impl Graph {
    pub fn from_inventory(inv: &Inventory) -> Graph {
        let mut deps = BTreeMap::new();
        for (name, addon) in &inv.addons {
            deps.insert(name.clone(), addon.manifest.depends.clone());
        }
        Graph { deps }
    }

    /// The addons on the path, plus the catalogued addons the path does not hold (an addon on
    /// the path always wins): every Community addon, and the Enterprise ones when
    /// `enterprise` (an Enterprise addon is not there to be installed otherwise).
    pub fn with_catalogue(
        inv: &Inventory,
        cat: Option<&SeriesCatalogue>,
        enterprise: bool,
    ) -> Graph {
        let mut g = Graph::from_inventory(inv);
        if let Some(cat) = cat {
            for (name, a) in &cat.addons {
                if inv.knows(name) || (a.edition == Edition::Enterprise && !enterprise) {
                    continue;
                }
                g.deps.insert(name.clone(), a.depends.clone());
            }
        }
        g
    }

    pub fn from_pairs<I, S>(pairs: I) -> Graph
    where
        I: IntoIterator<Item = (S, Vec<S>)>,
        S: Into<String>,
    {
        Graph {
            deps: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into_iter().map(Into::into).collect()))
                .collect(),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.deps.contains_key(name)
    }

    fn children(&self, name: &str) -> &[String] {
        self.deps.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every cycle (strongly connected component of more than one module, or a module that
    /// depends on itself), each starting at its smallest name, sorted.
    pub fn cycles(&self) -> Vec<Vec<String>> {
        // Tarjan's algorithm, iterative so that deep graphs cannot overflow the stack.
        let names: Vec<&String> = self.deps.keys().collect();
        let idx: BTreeMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let adj: Vec<Vec<usize>> = names
            .iter()
            .map(|n| {
                self.children(n)
                    .iter()
                    .filter_map(|d| idx.get(d.as_str()).copied())
                    .collect()
            })
            .collect();
        let n = names.len();
        let mut index = vec![usize::MAX; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut counter = 0;
        let mut out = Vec::new();
        for start in 0..n {
            if index[start] != usize::MAX {
                continue;
            }
            let mut work: Vec<(usize, usize)> = vec![(start, 0)];
            while let Some(&mut (v, ref mut child)) = work.last_mut() {
                if *child == 0 && index[v] == usize::MAX {
                    index[v] = counter;
                    low[v] = counter;
                    counter += 1;
                    stack.push(v);
                    on_stack[v] = true;
                }
                if *child < adj[v].len() {
                    let w = adj[v][*child];
                    *child += 1;
                    if index[w] == usize::MAX {
                        work.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    let self_loop = comp.len() == 1 && adj[v].contains(&v);
                    if comp.len() > 1 || self_loop {
                        out.push(self.cycle_path(comp.iter().map(|&i| names[i].as_str())));
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Orders the members of a strongly connected component as a walk: start at the smallest
    /// name and follow dependencies inside the component.
    fn cycle_path<'a>(&self, members: impl Iterator<Item = &'a str>) -> Vec<String> {
        let set: BTreeSet<&str> = members.collect();
        let mut path = Vec::new();
        let mut seen = BTreeSet::new();
        let mut cur = match set.iter().next() {
            Some(c) => *c,
            None => return path,
        };
        loop {
            path.push(cur.to_string());
            seen.insert(cur);
            let next = self
                .children(cur)
                .iter()
                .map(String::as_str)
                .filter(|d| set.contains(d) && !seen.contains(d))
                .min();
            match next {
                Some(n) => cur = n,
                None => break,
            }
        }
        for m in &set {
            if !seen.contains(m) {
                path.push(m.to_string());
            }
        }
        path
    }

    /// Every module `roots` need, roots included.
    pub fn closure(&self, roots: &[String]) -> Closure {
        let mut c = Closure::default();
        let mut todo: Vec<&str> = roots.iter().map(String::as_str).collect();
        while let Some(m) = todo.pop() {
            if c.modules.contains(m) || c.missing.contains(m) {
                continue;
            }
            if !self.contains(m) {
                c.missing.insert(m.to_string());
                continue;
            }
            c.modules.insert(m.to_string());
            todo.extend(self.children(m).iter().map(String::as_str));
        }
        c
    }

    /// Depth of each module of `set` (0 without known dependencies, else one more than its
    /// deepest dependency). Modules on a cycle get no depth.
    fn depths(&self, set: &BTreeSet<String>) -> BTreeMap<String, usize> {
        let mut depth: BTreeMap<String, usize> = BTreeMap::new();
        let mut visiting: BTreeSet<String> = BTreeSet::new();
        let mut blocked: BTreeSet<String> = BTreeSet::new();
        for root in set {
            let mut work: Vec<(String, bool)> = vec![(root.clone(), false)];
            while let Some((m, expanded)) = work.pop() {
                if depth.contains_key(&m) || blocked.contains(&m) {
                    continue;
                }
                let kids: Vec<&String> = self
                    .children(&m)
                    .iter()
                    .filter(|d| set.contains(*d))
                    .collect();
                if expanded {
                    visiting.remove(&m);
                    if kids
                        .iter()
                        .any(|k| blocked.contains(*k) || !depth.contains_key(*k))
                    {
                        blocked.insert(m);
                        continue;
                    }
                    let d = kids.iter().map(|k| depth[*k] + 1).max().unwrap_or(0);
                    depth.insert(m, d);
                    continue;
                }
                if visiting.contains(&m) {
                    // Back edge: m is on a cycle.
                    blocked.insert(m);
                    continue;
                }
                visiting.insert(m.clone());
                work.push((m.clone(), true));
                for k in kids {
                    if !depth.contains_key(k) && !blocked.contains(k) {
                        if visiting.contains(k) {
                            blocked.insert(k.clone());
                        } else {
                            work.push((k.clone(), false));
                        }
                    }
                }
            }
        }
        depth
    }

    /// A valid install order of `set`: by depth, then by name (dependencies always come before
    /// the modules that need them). Modules on a dependency cycle, or needing one, are left out
    /// and returned second.
    pub fn install_order(&self, set: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
        let depth = self.depths(set);
        let mut ordered: Vec<(&usize, &String)> = depth.iter().map(|(m, d)| (d, m)).collect();
        ordered.sort();
        let order: Vec<String> = ordered.into_iter().map(|(_, m)| m.clone()).collect();
        let left: Vec<String> = set
            .iter()
            .filter(|m| !depth.contains_key(*m))
            .cloned()
            .collect();
        (order, left)
    }

    /// Odoo's loading order of `set` (the modules of a database, all of them loaded): `base`
    /// first, then by depth (the longest path down to `base`), then by name, as
    /// `odoo/modules/graph.py` (up to 18.0) and `module_graph.py` (19.0, mode `load`) iterate.
    /// A module without dependencies other than `base` depends on `base` (Odoo's manifest
    /// default). With `test_modules` (19.0), a module named `test_*` comes right after its
    /// last-loaded dependency: it takes that dependency's depth, and sorts by that dependency's
    /// order name followed by a space and its own name. Modules on a dependency cycle, or
    /// needing one, are left out and returned second.
    pub fn loading_order(
        &self,
        set: &BTreeSet<String>,
        test_modules: bool,
    ) -> (Vec<String>, Vec<String>) {
        let deps_of = |m: &str| -> Vec<String> {
            let d = self.children(m);
            if d.is_empty() && m != "base" {
                vec!["base".to_string()]
            } else {
                d.to_vec()
            }
        };
        let with_base = Graph {
            deps: set.iter().map(|m| (m.clone(), deps_of(m))).collect(),
        };
        // A topological order first (dependencies before dependents).
        let (topo, left) = with_base.install_order(set);
        let mut key: BTreeMap<&str, (usize, String)> = BTreeMap::new();
        for m in &topo {
            let kids: Vec<&(usize, String)> = with_base
                .children(m)
                .iter()
                .filter_map(|d| key.get(d.as_str()))
                .collect();
            let k = match kids.iter().max() {
                Some(last) if test_modules && m.starts_with("test_") => {
                    (last.0, format!("{} {m}", last.1))
                }
                Some(_) => (kids.iter().map(|k| k.0).max().unwrap_or(0) + 1, m.clone()),
                None => (0, m.clone()),
            };
            key.insert(m.as_str(), k);
        }
        let mut ordered: Vec<(bool, &(usize, String), &str)> =
            key.iter().map(|(m, k)| (*m != "base", k, *m)).collect();
        ordered.sort();
        let order = ordered.into_iter().map(|(_, _, m)| m.to_string()).collect();
        (order, left)
    }

    /// Draws the dependencies of `roots` as a tree. A module already drawn is marked `(*)` and
    /// not expanded again; unknown modules are marked `(missing)`.
    pub fn tree(&self, roots: &[String]) -> String {
        let mut out = String::new();
        let mut shown = BTreeSet::new();
        for root in roots {
            self.draw(root, "", true, true, &mut shown, &mut out, 0);
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn draw(
        &self,
        m: &str,
        prefix: &str,
        last: bool,
        root: bool,
        shown: &mut BTreeSet<String>,
        out: &mut String,
        level: usize,
    ) {
        let mark = if !self.contains(m) {
            " (missing)"
        } else if shown.contains(m) && !self.children(m).is_empty() {
            " (*)"
        } else {
            ""
        };
        if root {
            out.push_str(&format!("{m}{mark}\n"));
        } else {
            let branch = if last { "└── " } else { "├── " };
            out.push_str(&format!("{prefix}{branch}{m}{mark}\n"));
        }
        if !mark.is_empty() || level > 500 {
            return;
        }
        shown.insert(m.to_string());
        let kids = self.children(m);
        let child_prefix = if root {
            String::new()
        } else {
            format!("{prefix}{}", if last { "    " } else { "│   " })
        };
        for (i, k) in kids.iter().enumerate() {
            self.draw(
                k,
                &child_prefix,
                i + 1 == kids.len(),
                false,
                shown,
                out,
                level + 1,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(pairs: &[(&str, &[&str])]) -> Graph {
        Graph::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())),
        )
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_cycles_and_self_loops() {
        let graph = g(&[
            ("a", &["b"]),
            ("b", &["c"]),
            ("c", &["a"]),
            ("d", &["d"]),
            ("e", &["a"]),
        ]);
        assert_eq!(
            graph.cycles(),
            vec![vec!["a", "b", "c"], vec!["d"]]
                .into_iter()
                .map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn no_cycle_in_a_dag() {
        let graph = g(&[("a", &["b", "c"]), ("b", &["c"]), ("c", &[])]);
        assert!(graph.cycles().is_empty());
    }

    #[test]
    fn closure_and_order() {
        let graph = g(&[
            ("base", &[]),
            ("web", &["base"]),
            ("mail", &["base", "web"]),
            ("sale", &["mail", "product"]),
            ("product", &["mail"]),
        ]);
        let c = graph.closure(&["sale".to_string(), "ghost".to_string()]);
        assert_eq!(c.modules, set(&["base", "mail", "product", "sale", "web"]));
        assert_eq!(c.missing, set(&["ghost"]));
        let (order, left) = graph.install_order(&c.modules);
        assert_eq!(order, vec!["base", "web", "mail", "product", "sale"]);
        assert!(left.is_empty());
    }

    #[test]
    fn order_leaves_out_cycles() {
        let graph = g(&[("a", &["b"]), ("b", &["a"]), ("c", &[]), ("d", &["a"])]);
        let (order, left) = graph.install_order(&set(&["a", "b", "c", "d"]));
        assert_eq!(order, vec!["c"]);
        assert_eq!(left, vec!["a", "b", "d"]);
    }

    #[test]
    fn loading_order_is_odoos() {
        // Empty depends mean base; depth is the longest path to base; test_ modules follow
        // their last dependency in 19.0.
        let graph = g(&[
            ("base", &[]),
            ("web", &["base"]),
            ("zeta", &[]),
            ("mail", &["web"]),
            ("test_web", &["web"]),
            ("alpha", &["mail"]),
        ]);
        let all = set(&["alpha", "base", "mail", "test_web", "web", "zeta"]);
        let (o18, left) = graph.loading_order(&all, false);
        assert_eq!(o18, ["base", "web", "zeta", "mail", "test_web", "alpha"]);
        assert!(left.is_empty());
        let (o19, _) = graph.loading_order(&all, true);
        assert_eq!(o19, ["base", "web", "test_web", "zeta", "mail", "alpha"]);
    }

    #[test]
    fn tree_marks_repeats_and_missing() {
        let graph = g(&[("a", &["b", "c"]), ("b", &["c"]), ("c", &["x"])]);
        let t = graph.tree(&["a".to_string()]);
        assert_eq!(
            t,
            "a\n├── b\n│   └── c\n│       └── x (missing)\n└── c (*)\n"
        );
    }
}
