//! Addons discovery: which addons the addons paths hold, read in parallel, the way Odoo sees
//! them. An addon is a directory directly under an addons path that holds a manifest; when a
//! name is on several paths, the first path wins and the later copies are reported as shadowed.
//! A missing path, an unreadable directory or a bad manifest becomes a finding and the scan goes
//! on.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::finding::Finding;
use crate::load::manifest::{self, Manifest};
use crate::load::version::Series;
use crate::rules::addons as r;

/// One addon found on disk.
#[derive(Debug, Clone)]
pub struct Addon {
    pub name: String,
    pub dir: PathBuf,
    pub manifest_file: PathBuf,
    /// Index of its addons path in [`Inventory::paths`].
    pub path_index: usize,
    pub manifest: Manifest,
}

/// An addons path and what it held.
#[derive(Debug, Clone)]
pub struct AddonsPath {
    pub path: PathBuf,
    pub exists: bool,
    pub addons: usize,
}

/// Where the target series came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeriesSource {
    Option,
    Database,
    ReleaseFile(PathBuf),
    /// The series most manifest versions start with (as manifestoo guesses it): how many of
    /// the addons with a full version (`18.0.x.y.z`) name it, out of how many.
    Manifests {
        naming: usize,
        of: usize,
    },
    Unknown,
}

impl SeriesSource {
    pub fn describe(&self) -> String {
        match self {
            SeriesSource::Option => "--odoo-series".into(),
            SeriesSource::Database => "database (base module version)".into(),
            SeriesSource::ReleaseFile(p) => p.display().to_string(),
            SeriesSource::Manifests { naming, of } => {
                format!("manifest versions ({naming} of {of} full versions name it)")
            }
            SeriesSource::Unknown => "unknown".into(),
        }
    }
}

/// Everything discovery learnt.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub paths: Vec<AddonsPath>,
    /// The addons Odoo would use, by technical name.
    pub addons: BTreeMap<String, Addon>,
    /// Later copies of names already found on an earlier path.
    pub shadowed: Vec<Addon>,
    /// Addons whose manifest exists but could not be read (name → manifest file). They still
    /// shadow later copies, as in Odoo.
    pub broken: BTreeMap<String, PathBuf>,
    pub series: Option<Series>,
    pub series_source: SeriesSource,
    pub findings: Vec<Finding>,
}

impl Inventory {
    /// True when `name` is on an addons path (readable or not).
    pub fn knows(&self, name: &str) -> bool {
        self.addons.contains_key(name) || self.broken.contains_key(name)
    }
}

struct Candidate {
    path_index: usize,
    name: String,
    dir: PathBuf,
    /// True when the directory listing already says this is a directory (not a symlink), so
    /// no `stat` is needed.
    is_dir: bool,
}

enum Scanned {
    NotAddon,
    Addon(Box<Addon>, Vec<Finding>),
    Broken(String, PathBuf, usize, Vec<Finding>),
    Error(Finding),
}

/// Scans the addons paths. `series` is the target series when already known (option or
/// database); otherwise it is looked for in `odoo/release.py` next to the paths.
pub fn discover(paths: &[PathBuf], series: Option<(Series, SeriesSource)>) -> Inventory {
    let mut findings = Vec::new();
    let mut infos = Vec::new();
    let mut candidates = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        let mut info = AddonsPath {
            path: p.clone(),
            exists: false,
            addons: 0,
        };
        match fs::metadata(p) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => findings.push(
                Finding::new(
                    &r::ADDONS_PATH_MISSING,
                    format!("addons path {} does not exist", p.display()),
                )
                .file(p),
            ),
            Err(e) => findings.push(
                Finding::new(
                    &r::ADDONS_PATH_UNREADABLE,
                    format!("cannot read addons path {}: {e}", p.display()),
                )
                .file(p),
            ),
            Ok(m) if !m.is_dir() => findings.push(
                Finding::new(
                    &r::ADDONS_PATH_MISSING,
                    format!("addons path {} is not a directory", p.display()),
                )
                .file(p),
            ),
            Ok(_) => {
                info.exists = true;
                list_candidates(i, p, &mut candidates, &mut findings);
            }
        }
        infos.push(info);
    }

    let (mut series, mut series_source) = match series {
        Some((s, src)) => (Some(s), src),
        None => match detect_series(paths) {
            Some((s, file)) => (Some(s), SeriesSource::ReleaseFile(file)),
            None => (None, SeriesSource::Unknown),
        },
    };

    let mut scanned: Vec<Scanned> = candidates
        .par_iter()
        .map(|c| scan_candidate(c, series))
        .collect();
    if series.is_none() {
        // No option, database or release.py: the series the manifests name, then the versions
        // adapted to it (a second parse; manifests are small).
        let versions = scanned.iter().filter_map(|s| match s {
            Scanned::Addon(a, _) => Some(a.manifest.version_raw.as_str()),
            _ => None,
        });
        if let Some((s, naming, of)) = series_from_versions(versions) {
            series = Some(s);
            series_source = SeriesSource::Manifests { naming, of };
            scanned = candidates
                .par_iter()
                .map(|c| scan_candidate(c, series))
                .collect();
        }
    }

    let mut addons: BTreeMap<String, Addon> = BTreeMap::new();
    let mut broken: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut first_dir: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut shadowed = Vec::new();
    for s in scanned {
        match s {
            Scanned::NotAddon => {}
            Scanned::Error(f) => findings.push(f),
            Scanned::Addon(addon, fs) => {
                crate::progress::manifest_read();
                findings.extend(fs);
                infos[addon.path_index].addons += 1;
                if let Some(winner) = first_dir.get(&addon.name) {
                    findings.push(shadow_finding(&addon.name, &addon.dir, winner));
                    shadowed.push(*addon);
                } else {
                    first_dir.insert(addon.name.clone(), addon.dir.clone());
                    addons.insert(addon.name.clone(), *addon);
                }
            }
            Scanned::Broken(name, file, path_index, fs) => {
                crate::progress::manifest_read();
                findings.extend(fs);
                infos[path_index].addons += 1;
                let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
                if let Some(winner) = first_dir.get(&name) {
                    findings.push(shadow_finding(&name, &dir, winner));
                } else {
                    first_dir.insert(name.clone(), dir);
                    broken.insert(name, file);
                }
            }
        }
    }
    for info in &infos {
        if info.exists && info.addons == 0 {
            findings.push(
                Finding::new(
                    &r::ADDONS_PATH_EMPTY,
                    format!("addons path {} holds no addon", info.path.display()),
                )
                .file(&info.path),
            );
        }
    }
    if series.is_none() {
        findings.push(Finding::new(
            &r::SERIES_UNKNOWN,
            "the target Odoo series is unknown: versions are shown as written and series checks are skipped",
        ));
    }
    Inventory {
        paths: infos,
        addons,
        shadowed,
        broken,
        series,
        series_source,
        findings,
    }
}

fn shadow_finding(name: &str, dir: &Path, winner: &Path) -> Finding {
    Finding::new(
        &r::SHADOWED_ADDON,
        format!(
            "{} is shadowed by {}, which comes first on the addons path",
            dir.display(),
            winner.display()
        ),
    )
    .module(name)
    .file(dir)
}

fn list_candidates(
    path_index: usize,
    path: &Path,
    out: &mut Vec<Candidate>,
    findings: &mut Vec<Finding>,
) {
    let entries = match fs::read_dir(path) {
        Ok(e) => e,
        Err(e) => {
            findings.push(
                Finding::new(
                    &r::ADDONS_PATH_UNREADABLE,
                    format!("cannot list addons path {}: {e}", path.display()),
                )
                .file(path),
            );
            return;
        }
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                findings.push(
                    Finding::new(
                        &r::ADDONS_PATH_UNREADABLE,
                        format!("error while listing {}: {e}", path.display()),
                    )
                    .file(path),
                );
                continue;
            }
        };
        let name = match entry.file_name().into_string() {
            Ok(n) => n,
            Err(raw) => {
                findings.push(
                    Finding::new(
                        &r::ADDONS_PATH_UNREADABLE,
                        format!(
                            "entry {:?} in {} has a name that is not UTF-8",
                            raw,
                            path.display()
                        ),
                    )
                    .file(path),
                );
                continue;
            }
        };
        if name.starts_with('.') || name == "__pycache__" {
            continue;
        }
        found.push(Candidate {
            path_index,
            dir: entry.path(),
            name,
            is_dir: entry.file_type().is_ok_and(|t| t.is_dir()),
        });
    }
    // read_dir order is arbitrary: sort for deterministic results.
    found.sort_by(|a, b| a.name.cmp(&b.name));
    out.extend(found);
}

fn scan_candidate(c: &Candidate, series: Option<Series>) -> Scanned {
    // fs::metadata follows a symlinked addon; we never recurse, so links cannot loop.
    let meta = if c.is_dir {
        Ok(None)
    } else {
        fs::metadata(&c.dir).map(Some)
    };
    match meta {
        Ok(None) => {}
        Ok(Some(m)) if m.is_dir() => {}
        Ok(_) => return Scanned::NotAddon,
        Err(e) => {
            if fs::symlink_metadata(&c.dir).is_ok() {
                return Scanned::Error(
                    Finding::new(
                        &r::ADDONS_PATH_UNREADABLE,
                        format!("cannot read {}: {e}", c.dir.display()),
                    )
                    .module(&c.name)
                    .file(&c.dir),
                );
            }
            return Scanned::NotAddon;
        }
    }
    let (file, bytes) = match manifest::read_manifest(&c.dir) {
        Some(found) => found,
        None => return Scanned::NotAddon,
    };
    let mut findings = Vec::new();
    match manifest::load_bytes(&c.name, &file, bytes, series, &mut findings) {
        Some(m) => Scanned::Addon(
            Box::new(Addon {
                name: c.name.clone(),
                dir: c.dir.clone(),
                manifest_file: file,
                path_index: c.path_index,
                manifest: m,
            }),
            findings,
        ),
        None => Scanned::Broken(c.name.clone(), file, c.path_index, findings),
    }
}

/// Looks for Odoo's `odoo/release.py` next to the addons paths (`<root>/addons` and
/// `<root>/odoo/addons` are the two paths of an Odoo checkout) and reads its series.
pub fn detect_series(paths: &[PathBuf]) -> Option<(Series, PathBuf)> {
    for p in paths {
        let candidates = [
            p.join("..").join("odoo").join("release.py"),
            p.join("..").join("release.py"),
            p.join("base").join("..").join("..").join("release.py"),
        ];
        for c in candidates {
            if let Ok(text) =
                crate::load::fsread::read_to_string(&c, crate::load::fsread::SOURCE_MAX)
            {
                if let Some(s) = series_from_release(&text) {
                    let shown = fs::canonicalize(&c).unwrap_or(c);
                    return Some((s, shown));
                }
            }
        }
    }
    None
}

/// Reads `version_info = (18, 0, 0, FINAL, 0)` (or `('saas~17', 2, …)`) from release.py.
pub fn series_from_release(text: &str) -> Option<Series> {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("version_info") && l.contains('='))?;
    let tuple = line.split_once('=')?.1.trim();
    let inner = tuple.strip_prefix('(')?;
    let mut parts = inner
        .split(',')
        .map(|s| s.trim().trim_matches(|c| c == '\'' || c == '"'));
    let major = parts.next()?;
    let minor = parts.next()?;
    let major = major.trim_start_matches("saas~");
    Series::parse(&format!("{major}.{minor}"))
}

/// The series most full versions (`18.0.1.2.0`: five numeric parts) start with, with how many
/// name it and how many full versions there are; ties go to the newest series. `None` without
/// any full version.
pub fn series_from_versions<'a>(
    versions: impl Iterator<Item = &'a str>,
) -> Option<(Series, usize, usize)> {
    let mut counts: BTreeMap<Series, usize> = BTreeMap::new();
    let mut of = 0;
    for v in versions {
        let parts: Vec<&str> = v.trim().split('.').collect();
        if parts.len() != 5 || !parts.iter().all(|p| p.parse::<u32>().is_ok()) {
            continue;
        }
        let Some(s) = Series::parse(&format!("{}.{}", parts[0], parts[1])) else {
            continue;
        };
        of += 1;
        *counts.entry(s).or_default() += 1;
    }
    let (s, n) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))?;
    Some((s, n, of))
}

/// Reads `addons_path` from an Odoo configuration file.
pub fn addons_path_from_conf(conf: &crate::config::odoo_conf::OdooConf) -> Vec<PathBuf> {
    conf.addons_path().into_iter().map(PathBuf::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_py_series() {
        let t = "RELEASE_LEVELS = [ALPHA, BETA, RELEASE_CANDIDATE, FINAL] = ['alpha', 'beta', 'candidate', 'final']\nversion_info = (18, 0, 0, FINAL, 0)\n";
        assert_eq!(series_from_release(t), Series::parse("18.0"));
        let t = "version_info = ('saas~17', 2, 0, 'final', 0)\n";
        assert_eq!(series_from_release(t), Series::parse("17.2"));
        assert_eq!(series_from_release("nothing here"), None);
    }

    #[test]
    fn series_from_the_most_common_manifest_prefix() {
        let v = [
            "18.0.1.0.0",
            "18.0.2.1.0",
            "17.0.1.0.0",
            "1.0",
            "18.0.1",
            "x.y",
        ];
        assert_eq!(
            series_from_versions(v.into_iter()),
            Some((Series::parse("18.0").unwrap(), 2, 3))
        );
        // A tie goes to the newest series.
        let v = ["17.0.1.0.0", "18.0.1.0.0"];
        assert_eq!(
            series_from_versions(v.into_iter()).map(|x| x.0),
            Series::parse("18.0")
        );
        assert_eq!(series_from_versions(["1.0", "2.3.4"].into_iter()), None);
    }
}
