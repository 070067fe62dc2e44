//! The checksum of an addon's code, as OCA's `module_auto_update` and `click-odoo-update`
//! compute it: SHA-1 over each file's path (relative to the addon, `/`-separated, UTF-8) then
//! its content, files in the order of Python's `os.walk` top-down with sorted names (a
//! directory's files before its subdirectories; links to directories not followed), leaving out
//! the paths that match an exclude pattern (Python's `fnmatch`: `*` also matches `/`) and, when
//! languages are given, the `.po` files of `i18n/` and `i18n_extra/` of other languages.
//!
//! Inputs are hostile: a FIFO or a device, a link out of the addon, an unreadable directory, a
//! name that is not UTF-8 make the checksum unknowable (Python would hang, read outside the
//! addon, skip silently or fail); the walk says which file and why instead.

use std::path::{Path, PathBuf};

use crate::load::fsread::{self, ReadError, Root};

/// `module_auto_update.exclude_patterns` when the database does not set it: the default of
/// OCA's `module_auto_update` addon.
pub const DEFAULT_EXCLUDE_PATTERNS: &str = "*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*";

/// The default of `click-odoo-update` (click-odoo-contrib 1.24), which also leaves `tests/`
/// out: the checksums it stores without the parameter are computed so.
pub const CLICK_ODOO_UPDATE_EXCLUDE_PATTERNS: &str =
    "*.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*,tests/*";

/// One `fnmatch` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(Vec<Token>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Star,
    Any,
    Lit(char),
    /// `[...]`: negated, ranges (a single character is `(c, c)`).
    Class(bool, Vec<(char, char)>),
    /// `[]` of nothing (Python makes it match nothing).
    Never,
}

impl Pattern {
    /// Parses a pattern as `fnmatch.translate` reads it.
    pub fn new(pat: &str) -> Pattern {
        let chars: Vec<char> = pat.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            match c {
                '*' => {
                    if out.last() != Some(&Token::Star) {
                        out.push(Token::Star);
                    }
                }
                '?' => out.push(Token::Any),
                '[' => {
                    let mut j = i;
                    if j < chars.len() && chars[j] == '!' {
                        j += 1;
                    }
                    if j < chars.len() && chars[j] == ']' {
                        j += 1;
                    }
                    while j < chars.len() && chars[j] != ']' {
                        j += 1;
                    }
                    if j >= chars.len() {
                        out.push(Token::Lit('['));
                        continue;
                    }
                    let stuff = &chars[i..j];
                    i = j + 1;
                    out.push(class(stuff));
                }
                c => out.push(Token::Lit(c)),
            }
        }
        Pattern(out)
    }

    /// Whether the whole of `name` matches (case-sensitive, as on POSIX).
    pub fn matches(&self, name: &str) -> bool {
        let s: Vec<char> = name.chars().collect();
        let p = &self.0;
        let (mut si, mut pi) = (0usize, 0usize);
        let mut back: Option<(usize, usize)> = None;
        while si < s.len() {
            if pi < p.len() {
                match &p[pi] {
                    Token::Star => {
                        back = Some((pi, si));
                        pi += 1;
                        continue;
                    }
                    t if one(t, s[si]) => {
                        si += 1;
                        pi += 1;
                        continue;
                    }
                    _ => {}
                }
            }
            match back {
                Some((bp, bs)) => {
                    pi = bp + 1;
                    si = bs + 1;
                    back = Some((bp, bs + 1));
                }
                None => return false,
            }
        }
        p[pi..].iter().all(|t| *t == Token::Star)
    }
}

fn one(t: &Token, c: char) -> bool {
    match t {
        Token::Any => true,
        Token::Lit(l) => *l == c,
        Token::Class(neg, ranges) => ranges.iter().any(|(a, b)| *a <= c && c <= *b) != *neg,
        Token::Star | Token::Never => false,
    }
}

/// A bracket expression's content (without the brackets), as Python reads it: `!` first
/// negates; a `-` between two characters is a range (one whose end is before its start is
/// dropped); a `-` first or last is itself.
fn class(stuff: &[char]) -> Token {
    let (neg, body) = match stuff.first() {
        Some('!') => (true, &stuff[1..]),
        _ => (false, stuff),
    };
    if stuff.is_empty() {
        return Token::Never;
    }
    if neg && body.is_empty() {
        // `[!]`: Python makes it `.`.
        return Token::Any;
    }
    let mut ranges = Vec::new();
    let mut k = 0;
    while k < body.len() {
        let a = body[k];
        if k + 2 < body.len() && body[k + 1] == '-' {
            let b = body[k + 2];
            if a <= b {
                ranges.push((a, b));
            }
            k += 3;
        } else {
            ranges.push((a, a));
            k += 1;
        }
    }
    if ranges.is_empty() {
        return if neg { Token::Any } else { Token::Never };
    }
    Token::Class(neg, ranges)
}

/// The patterns of a `module_auto_update.exclude_patterns` value: comma-separated, each
/// stripped of surrounding whitespace (an empty one matches only an empty path).
pub fn patterns(value: &str) -> Vec<Pattern> {
    value.split(',').map(|p| Pattern::new(p.trim())).collect()
}

/// What makes the checksum of an addon unknowable.
#[derive(Debug)]
pub struct Unhashable {
    pub path: PathBuf,
    pub why: ReadError,
}

/// The most files and directories one addon's walk visits.
const MAX_ENTRIES: usize = fsread::WALK_MAX_ENTRIES;

/// The checksum of the addon in `dir`. `langs` are the codes of the active languages of the
/// database (`fr_BE`): only their `.po` files count; none means every `.po` file.
pub fn addon_hash(dir: &Path, exclude: &[Pattern], langs: &[String]) -> Result<String, Unhashable> {
    let keep: std::collections::BTreeSet<&str> = langs
        .iter()
        .map(|l| l.split('_').next().unwrap_or(""))
        .collect();
    let root = Root::new(dir).map_err(|why| Unhashable {
        path: dir.to_path_buf(),
        why,
    })?;
    let mut sha = openssl::sha::Sha1::new();
    let mut seen = 0usize;
    walk(&root, dir, "", exclude, &keep, &mut sha, &mut seen)?;
    Ok(sha.finish().iter().map(|b| format!("{b:02x}")).collect())
}

fn walk(
    root: &Root,
    dir: &Path,
    reldir: &str,
    exclude: &[Pattern],
    keep: &std::collections::BTreeSet<&str>,
    sha: &mut openssl::sha::Sha1,
    seen: &mut usize,
) -> Result<(), Unhashable> {
    let fail = |path: &Path, why: ReadError| Unhashable {
        path: path.to_path_buf(),
        why,
    };
    let entries = std::fs::read_dir(dir).map_err(|e| fail(dir, ReadError::Io(e)))?;
    let mut dirs: Vec<(String, PathBuf, bool)> = Vec::new();
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| fail(dir, ReadError::Io(e)))?;
        *seen += 1;
        if *seen > MAX_ENTRIES {
            return Err(fail(
                root.dir(),
                ReadError::TooManyEntries { limit: MAX_ENTRIES },
            ));
        }
        let path = entry.path();
        let name = entry.file_name().into_string().map_err(|_| {
            fail(
                &path,
                ReadError::Io(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "its name is not UTF-8",
                )),
            )
        })?;
        let link = entry.file_type().map(|t| t.is_symlink()).unwrap_or(false);
        // As os.walk: a directory, or a link to one, is a directory; anything else a file.
        if std::fs::metadata(&path)
            .map(|m| m.is_dir())
            .unwrap_or(false)
        {
            dirs.push((name, path, link));
        } else {
            files.push((name, path));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    dirs.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, path) in files {
        let rel = if reldir.is_empty() {
            name.clone()
        } else {
            format!("{reldir}/{name}")
        };
        if exclude.iter().any(|p| p.matches(&rel)) {
            continue;
        }
        if !keep.is_empty() && (reldir == "i18n" || reldir == "i18n_extra") {
            let (base, ext) = splitext(&name);
            if ext == ".po" && !keep.contains(base.split('_').next().unwrap_or("")) {
                continue;
            }
        }
        // A link is read only when it resolves inside the addon.
        let target = match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                root.resolve(&path).map_err(|why| fail(&path, why))?
            }
            _ => path.clone(),
        };
        sha.update(rel.as_bytes());
        fsread::for_each_chunk(&target, fsread::HASHED_MAX, |chunk| sha.update(chunk))
            .map_err(|why| fail(&path, why))?;
    }
    for (name, path, link) in dirs {
        if link {
            continue;
        }
        let rel = if reldir.is_empty() {
            name
        } else {
            format!("{reldir}/{name}")
        };
        walk(root, &path, &rel, exclude, keep, sha, seen)?;
    }
    Ok(())
}

/// Python's `os.path.splitext`: the extension is from the last dot, unless all the dots lead.
fn splitext(name: &str) -> (&str, &str) {
    match name.rfind('.') {
        Some(i) if name[..i].chars().any(|c| c != '.') => (&name[..i], &name[i..]),
        _ => (name, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_as_python() {
        let m = |p: &str, s: &str| Pattern::new(p).matches(s);
        assert!(m("*.pyc", "a/b/c.pyc"));
        assert!(m("static/*", "static/src/js/x.js"));
        assert!(!m("static/*", "a/static/x"));
        assert!(m("i18n/*.pot", "i18n/x.pot"));
        assert!(m("?.py", "a.py"));
        assert!(!m("?.py", "ab.py"));
        assert!(m("[ab].py", "b.py"));
        assert!(m("[!ab].py", "c.py"));
        assert!(!m("[!ab].py", "a.py"));
        assert!(m("[a-c]x", "bx"));
        assert!(m("[c-a]x", "[c-a]x") || !m("[c-a]x", "bx"));
        assert!(m("[", "["));
        assert!(m("a[", "a["));
        assert!(m("[]]", "]"));
        assert!(m("[!]]", "a"));
        assert!(m("**", ""));
        assert!(!m("", "a"));
        assert!(m(r"a\b", r"a\b"));
        assert!(m("[-a]", "-"));
        assert!(m("[a-]", "-"));
    }

    #[test]
    fn splitext_as_python() {
        assert_eq!(splitext("fr.po"), ("fr", ".po"));
        assert_eq!(splitext(".po"), (".po", ""));
        assert_eq!(splitext("a.b.po"), ("a.b", ".po"));
        assert_eq!(splitext("..po"), ("..po", ""));
        assert_eq!(splitext("po"), ("po", ""));
    }
}
