//! The one place input files are read and input trees are walked.
//!
//! Inputs are hostile as a matter of course: a FIFO named `__manifest__.py`, a data file linked
//! to `/dev/zero`, `static/src/root -> /`, a symlink loop, a gigabyte config line. So:
//!
//! * the type is checked before a file is opened (`stat`): FIFOs, devices, sockets and
//!   directories are refused, never opened; the open itself is non-blocking and without a
//!   controlling terminal, in case the file changes in between;
//! * every read is capped ([`MANIFEST_MAX`], [`CONFIG_MAX`], [`SOURCE_MAX`], documented in the
//!   README): a file larger than its cap is refused, and a read never goes past the cap even if
//!   the file grows;
//! * a file of an addon can be required to resolve inside the addon's directory ([`Root`]): a
//!   manifest entry `../../other/x.xml` or a link out of the addon is refused;
//! * walks ([`walk_files`]) follow links only inside the addon, report loops and stop after
//!   [`WALK_MAX_ENTRIES`] entries.
//!
//! Errors are typed ([`ReadError`]); [`ReadError::finding`] turns one into a finding naming the
//! file. Source files are read into one buffer per thread, reused from file to file
//! ([`with_bytes`], [`with_text`]).

use std::cell::RefCell;
use std::fmt;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::finding::Finding;
use crate::rules::{addons as r, Rule};

/// Cap of a manifest (`__manifest__.py`): 1 MiB (the largest real ones are a few KiB).
pub const MANIFEST_MAX: u64 = 1 << 20;
/// Cap of a configuration file (odoo.conf, odoo-audit.toml, env file, compose file, …): 1 MiB.
pub const CONFIG_MAX: u64 = 1 << 20;
/// Cap of a data or source file of an addon (XML, JS, Python, `release.py`): 16 MiB.
pub const SOURCE_MAX: u64 = 16 << 20;
/// The most entries (files and directories) one walk visits.
pub const WALK_MAX_ENTRIES: usize = 200_000;

/// Why an input file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// A FIFO, device, socket or directory: never opened. The text says which.
    NotRegular(&'static str),
    /// Larger than the cap for its kind of file.
    TooLarge {
        limit: u64,
    },
    /// A walk met more than [`WALK_MAX_ENTRIES`] entries.
    TooManyEntries {
        limit: usize,
    },
    /// Resolves outside the directory it must stay in.
    Outside {
        target: PathBuf,
        root: PathBuf,
    },
    /// A symlink loop (or a chain of links too long to resolve).
    Loop,
    Io(io::Error),
}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == io::ErrorKind::NotFound)
    }

    /// The error in a sentence about a file named elsewhere: "the file is a FIFO, not a regular
    /// file (not read)", "cannot read the file: Permission denied".
    pub fn about_file(&self) -> String {
        match self {
            ReadError::Io(e) => format!("cannot read the file: {e}"),
            ReadError::Outside { .. } => format!("the file {self}"),
            _ => format!("the file is {self}"),
        }
    }

    /// The rule of the finding this error becomes.
    pub fn rule(&self) -> &'static Rule {
        match self {
            ReadError::NotRegular(_) => &r::INPUT_NOT_REGULAR,
            ReadError::TooLarge { .. } | ReadError::TooManyEntries { .. } => &r::INPUT_TOO_LARGE,
            ReadError::Outside { .. } => &r::PATH_OUTSIDE_ADDON,
            ReadError::Loop => &r::SYMLINK_LOOP,
            ReadError::Io(_) => &r::ADDON_FILE_UNREADABLE,
        }
    }

    /// A finding of [`ReadError::rule`] on `path`, saying why it was not read.
    pub fn finding(&self, path: &Path) -> Finding {
        Finding::new(self.rule(), self.about_file()).file(path)
    }

    fn from_io(e: io::Error) -> ReadError {
        if e.raw_os_error() == Some(libc::ELOOP) {
            ReadError::Loop
        } else {
            ReadError::Io(e)
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotRegular(kind) => write!(f, "{kind}, not a regular file (not read)"),
            ReadError::TooLarge { limit } => {
                write!(
                    f,
                    "larger than {}, the limit for this kind of file (not read)",
                    human(*limit)
                )
            }
            ReadError::TooManyEntries { limit } => {
                write!(
                    f,
                    "more than {limit} files and directories (the rest was not read)"
                )
            }
            ReadError::Outside { target, root } => write!(
                f,
                "resolves to {}, outside {} (not read)",
                target.display(),
                root.display()
            ),
            ReadError::Loop => f.write_str("a symlink loop (not followed)"),
            ReadError::Io(e) => write!(f, "cannot be read: {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

fn human(bytes: u64) -> String {
    if bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else if bytes % (1 << 10) == 0 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

fn kind_of(meta: &Metadata) -> Result<(), ReadError> {
    let t = meta.file_type();
    let kind = if t.is_file() {
        return Ok(());
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Err(ReadError::NotRegular(kind))
}

/// Opens a regular file of at most `limit` bytes for reading; returns it with its size.
fn open_checked(path: &Path, limit: u64) -> Result<(File, u64), ReadError> {
    crate::progress::file_read();
    // `stat` first: opening a device can have effects of its own.
    let meta = fs::metadata(path).map_err(ReadError::from_io)?;
    kind_of(&meta)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(ReadError::from_io)?;
    Ok((file, meta.len()))
}

/// Reads `file` into `buf[..]` (grown as needed, never past `limit + 1` bytes); returns the
/// number of bytes read.
fn fill(file: &mut File, buf: &mut Vec<u8>, limit: u64) -> Result<usize, ReadError> {
    let cap = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let mut n = 0;
    loop {
        if n == buf.len() {
            if n >= cap {
                return Err(ReadError::TooLarge { limit });
            }
            let grown = buf.len().max(4096).saturating_mul(2).min(cap);
            buf.resize(grown, 0);
        }
        let end = buf.len().min(cap);
        match file.read(&mut buf[n..end]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
    if n as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(n)
}

/// Cap of one file of an addon hashed whole (`checksums`): 1 GiB.
pub const HASHED_MAX: u64 = 1 << 30;

/// Passes the content of the regular file at `path` to `f`, in chunks, at most `limit` bytes
/// of it; returns its size.
pub fn for_each_chunk(path: &Path, limit: u64, mut f: impl FnMut(&[u8])) -> Result<u64, ReadError> {
    let (mut file, _) = open_checked(path, limit)?;
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(k) => {
                total += k as u64;
                if total > limit {
                    return Err(ReadError::TooLarge { limit });
                }
                f(&buf[..k]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
}

/// The bytes of the regular file at `path`, at most `limit` of them.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (mut file, len) = open_checked(path, limit)?;
    // One byte more than announced, so that the end is seen without growing the buffer.
    let mut bytes = vec![0u8; usize::try_from(len).unwrap_or(0).saturating_add(1)];
    let n = fill(&mut file, &mut bytes, limit)?;
    bytes.truncate(n);
    Ok(bytes)
}

/// The text of the regular file at `path` (at most `limit` bytes), which must be UTF-8.
pub fn read_to_string(path: &Path, limit: u64) -> Result<String, ReadError> {
    String::from_utf8(read(path, limit)?)
        .map_err(|e| ReadError::Io(io::Error::new(io::ErrorKind::InvalidData, e.utf8_error())))
}

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = RefCell::new(vec![0; 256 * 1024]);
}

/// Calls `f` with the bytes of the regular file at `path` (at most `limit` of them). The bytes
/// live in this thread's buffer and are only valid during the call.
pub fn with_bytes<R>(path: &Path, limit: u64, f: impl FnOnce(&[u8]) -> R) -> Result<R, ReadError> {
    let (mut file, _) = open_checked(path, limit)?;
    // Taken out of the cell so that `f` may read another file.
    let mut buf = BUFFER.with(|b| std::mem::take(&mut *b.borrow_mut()));
    if buf.is_empty() {
        buf.resize(256 * 1024, 0);
    }
    let out = fill(&mut file, &mut buf, limit).map(|n| f(&buf[..n]));
    BUFFER.with(|b| {
        let mut cell = b.borrow_mut();
        if cell.len() < buf.len() {
            *cell = buf;
        }
    });
    out
}

/// Calls `f` with the text of the regular file at `path` (at most `limit` bytes; invalid UTF-8
/// replaced, as Python's `errors="replace"` would).
pub fn with_text<R>(path: &Path, limit: u64, f: impl FnOnce(&str) -> R) -> Result<R, ReadError> {
    with_bytes(path, limit, |b| match std::str::from_utf8(b) {
        Ok(s) => f(s),
        Err(_) => f(&String::from_utf8_lossy(b)),
    })
}

/// A directory that files must resolve inside (an addon's directory), canonicalized once.
#[derive(Debug, Clone)]
pub struct Root {
    dir: PathBuf,
    canonical: std::sync::OnceLock<PathBuf>,
}

impl Root {
    /// The directory as given (it may itself be a symlink: an addon linked into an addons path)
    /// and resolved.
    pub fn new(dir: &Path) -> Result<Root, ReadError> {
        let root = Root::unresolved(dir);
        root.canonical()?;
        Ok(root)
    }

    /// A root resolved only when a path needs checking (most files are not symlinks).
    pub fn unresolved(dir: &Path) -> Root {
        Root {
            dir: dir.to_path_buf(),
            canonical: std::sync::OnceLock::new(),
        }
    }

    fn canonical(&self) -> Result<&Path, ReadError> {
        if let Some(c) = self.canonical.get() {
            return Ok(c);
        }
        let c = fs::canonicalize(&self.dir).map_err(ReadError::from_io)?;
        Ok(self.canonical.get_or_init(|| c))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The canonical path of `path`, when it resolves inside the root.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, ReadError> {
        let target = fs::canonicalize(path).map_err(ReadError::from_io)?;
        if target.starts_with(self.canonical()?) {
            Ok(target)
        } else {
            Err(ReadError::Outside {
                target,
                root: self.dir.clone(),
            })
        }
    }

    /// [`with_text`] on a file that must resolve inside the root.
    pub fn with_text<R>(
        &self,
        path: &Path,
        limit: u64,
        f: impl FnOnce(&str) -> R,
    ) -> Result<R, ReadError> {
        with_text(&self.resolve(path)?, limit, f)
    }

    /// [`read`] of `dir/name`, a file directly in the root: only a symlink needs resolving.
    pub fn read_child(&self, name: &str, limit: u64) -> Result<(PathBuf, Vec<u8>), ReadError> {
        let path = self.dir.join(name);
        let meta = fs::symlink_metadata(&path).map_err(ReadError::from_io)?;
        let target = if meta.file_type().is_symlink() {
            self.resolve(&path)?
        } else {
            path.clone()
        };
        Ok((path, read(&target, limit)?))
    }
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Regular files, in walk order (sorted by name within each directory).
    pub files: Vec<PathBuf>,
    /// Entries not followed or not read, with why.
    pub problems: Vec<(PathBuf, ReadError)>,
}

/// Walks `start` (inside `root`), following symlinks only when they resolve inside `root`.
/// `prune(path, is_dir)` leaves out an entry (and, for a directory, what it holds); of the
/// other non-directory entries, those `want` accepts are returned when they are regular files
/// and reported otherwise (a FIFO named `x.js`). Loops, links out of `root` (to a directory or
/// a wanted file), broken wanted links, unreadable directories and going past
/// [`WALK_MAX_ENTRIES`] are reported; the walk goes on after each.
pub fn walk_files(
    root: &Root,
    start: &Path,
    prune: impl Fn(&Path, bool) -> bool,
    want: impl Fn(&Path) -> bool,
) -> Walked {
    walk_at_most(root, start, prune, want, WALK_MAX_ENTRIES)
}

fn walk_at_most(
    root: &Root,
    start: &Path,
    prune: impl Fn(&Path, bool) -> bool,
    want: impl Fn(&Path) -> bool,
    max_entries: usize,
) -> Walked {
    let mut out = Walked::default();
    match root.resolve(start) {
        Ok(_) => {}
        Err(e) if e.is_not_found() => return out,
        Err(e) => {
            out.problems.push((start.to_path_buf(), e));
            return out;
        }
    }
    let mut problems = Vec::new();
    let mut seen = 0usize;
    let iter = walkdir::WalkDir::new(start)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            if prune(e.path(), e.file_type().is_dir()) {
                return false;
            }
            // A link is checked when it is followed (a directory) or read (a wanted file).
            if e.path_is_symlink() && (e.file_type().is_dir() || want(e.path())) {
                if let Err(err) = root.resolve(e.path()) {
                    problems.push((e.path().to_path_buf(), err));
                    return false;
                }
            }
            true
        });
    for entry in iter {
        seen += 1;
        if seen > max_entries {
            out.problems.push((
                start.to_path_buf(),
                ReadError::TooManyEntries { limit: max_entries },
            ));
            break;
        }
        match entry {
            Ok(e) => {
                let t = e.file_type();
                if t.is_dir() || !want(e.path()) {
                    continue;
                }
                if t.is_file() {
                    out.files.push(e.into_path());
                } else {
                    let err = match fs::metadata(e.path()) {
                        Ok(m) => kind_of(&m)
                            .err()
                            .unwrap_or(ReadError::NotRegular("not a file")),
                        Err(io) => ReadError::from_io(io),
                    };
                    out.problems.push((e.into_path(), err));
                }
            }
            Err(err) => {
                let path = err.path().unwrap_or(start).to_path_buf();
                let e = if err.loop_ancestor().is_some() {
                    ReadError::Loop
                } else if !want(&path)
                    && fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink())
                {
                    // A dangling or self-referencing link the walk has no use for.
                    continue;
                } else {
                    match err.into_io_error() {
                        Some(io) => ReadError::from_io(io),
                        None => ReadError::Loop,
                    }
                };
                out.problems.push((path, e));
            }
        }
    }
    out.problems.append(&mut problems);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn reads_files_larger_than_the_buffer_and_nested() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.txt");
        let small = dir.path().join("small.txt");
        let content: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&big, &content).unwrap();
        std::fs::write(&small, "é\u{FFFD}x").unwrap();
        let got = with_text(&big, SOURCE_MAX, |t| {
            let inner = with_text(&small, SOURCE_MAX, str::to_string).unwrap();
            (t.to_string(), inner)
        })
        .unwrap();
        assert_eq!(got.0, content);
        assert_eq!(got.1, "é\u{FFFD}x");
        std::fs::write(&small, b"a\xffb").unwrap();
        assert_eq!(
            with_text(&small, SOURCE_MAX, str::to_string).unwrap(),
            "a\u{FFFD}b"
        );
        let missing = with_bytes(&dir.path().join("missing"), SOURCE_MAX, |_| ()).unwrap_err();
        assert!(missing.is_not_found(), "{missing}");
        assert_eq!(read(&big, SOURCE_MAX).unwrap(), content.as_bytes());
    }

    #[test]
    fn caps_are_exact() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, vec![b'x'; 1000]).unwrap();
        assert_eq!(read(&f, 1000).unwrap().len(), 1000);
        assert_eq!(with_bytes(&f, 1000, <[u8]>::len).unwrap(), 1000);
        assert!(matches!(
            read(&f, 999),
            Err(ReadError::TooLarge { limit: 999 })
        ));
        assert!(matches!(
            with_bytes(&f, 999, |_| ()),
            Err(ReadError::TooLarge { limit: 999 })
        ));
    }

    #[test]
    fn devices_fifos_and_directories_are_refused_unopened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        // Without the type check these would block (FIFO) or never end (/dev/zero).
        for (p, kind) in [
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/zero"), "a character device"),
            (dir.path(), "a directory"),
        ] {
            match read(p, CONFIG_MAX) {
                Err(ReadError::NotRegular(k)) => assert_eq!(k, kind),
                other => panic!("{}: {other:?}", p.display()),
            }
            assert!(matches!(
                with_text(p, SOURCE_MAX, |_| ()),
                Err(ReadError::NotRegular(_))
            ));
        }
        let link = dir.path().join("zero.xml");
        symlink("/dev/zero", &link).unwrap();
        assert!(matches!(
            read(&link, SOURCE_MAX),
            Err(ReadError::NotRegular(_))
        ));
        // /proc files announce a size of 0 and are read up to the cap only.
        assert!(read(Path::new("/proc/self/status"), CONFIG_MAX).is_ok());
    }

    #[test]
    fn root_keeps_files_inside() {
        let dir = tempfile::tempdir().unwrap();
        let addon = dir.path().join("addon");
        std::fs::create_dir_all(addon.join("data")).unwrap();
        std::fs::create_dir_all(dir.path().join("other")).unwrap();
        std::fs::write(addon.join("data/a.xml"), "<odoo/>").unwrap();
        std::fs::write(dir.path().join("other/x.xml"), "<odoo/>").unwrap();
        symlink("../other", addon.join("out")).unwrap();
        symlink("data/a.xml", addon.join("in.xml")).unwrap();
        symlink("loop", addon.join("loop")).unwrap();
        // The addon itself linked into an addons path: legitimate.
        let linked = dir.path().join("linked");
        symlink(&addon, &linked).unwrap();
        for root in [Root::new(&addon).unwrap(), Root::new(&linked).unwrap()] {
            let d = root.dir().to_path_buf();
            assert!(root
                .with_text(&d.join("data/a.xml"), SOURCE_MAX, |_| ())
                .is_ok());
            assert!(root
                .with_text(&d.join("in.xml"), SOURCE_MAX, |_| ())
                .is_ok());
            for bad in ["../other/x.xml", "out/x.xml", "/etc/hostname"] {
                assert!(
                    matches!(
                        root.with_text(&d.join(bad), SOURCE_MAX, |_| ()),
                        Err(ReadError::Outside { .. })
                    ),
                    "{bad}"
                );
            }
            assert!(matches!(
                root.resolve(&d.join("loop")),
                Err(ReadError::Loop)
            ));
            assert!(root.read_child("in.xml", SOURCE_MAX).is_ok());
            assert!(matches!(
                root.read_child("out", SOURCE_MAX),
                Err(ReadError::Outside { .. })
            ));
        }
    }

    #[test]
    fn walks_stay_inside_and_report_loops() {
        let dir = tempfile::tempdir().unwrap();
        let addon = dir.path().join("addon");
        let src = addon.join("static/src");
        std::fs::create_dir_all(src.join("js")).unwrap();
        std::fs::write(src.join("js/a.js"), "").unwrap();
        std::fs::write(dir.path().join("outside.js"), "").unwrap();
        symlink("/", src.join("root")).unwrap();
        symlink("../../outside.js", addon.join("static/out.js")).unwrap();
        symlink("..", src.join("js/up")).unwrap();
        symlink("js", src.join("alias")).unwrap();
        symlink("/dev/zero", src.join("zero.js")).unwrap();
        let root = Root::new(&addon).unwrap();
        let w = walk_files(
            &root,
            &addon.join("static"),
            |_, _| false,
            |p| p.extension().is_some_and(|x| x == "js"),
        );
        let rel = |p: &Path| p.strip_prefix(&addon).unwrap().display().to_string();
        let files: Vec<String> = w.files.iter().map(|p| rel(p)).collect();
        assert_eq!(files, ["static/src/alias/a.js", "static/src/js/a.js"]);
        let mut problems: Vec<(String, &'static str)> = w
            .problems
            .iter()
            .map(|(p, e)| (rel(p), e.rule().code))
            .collect();
        problems.sort();
        assert_eq!(
            problems,
            [
                ("static/out.js".to_string(), "P007"),
                ("static/src/alias/up".to_string(), "P008"),
                ("static/src/js/up".to_string(), "P008"),
                ("static/src/root".to_string(), "P007"),
                ("static/src/zero.js".to_string(), "P007"),
            ]
        );
    }

    #[test]
    fn walks_stop_after_the_entry_limit_and_keep_fifos_out() {
        let dir = tempfile::tempdir().unwrap();
        let addon = dir.path().join("addon");
        std::fs::create_dir_all(addon.join("d")).unwrap();
        for i in 0..5 {
            std::fs::write(addon.join(format!("d/{i}.py")), "").unwrap();
        }
        let fifo = addon.join("d/pipe.py");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let root = Root::new(&addon).unwrap();
        let all = |_: &Path| true;
        let w = walk_at_most(&root, &addon, |_, _| false, all, 100);
        assert_eq!(w.files.len(), 5);
        assert_eq!(w.problems.len(), 1);
        assert!(w.problems[0].0.ends_with("d/pipe.py"));
        assert!(matches!(w.problems[0].1, ReadError::NotRegular("a FIFO")));
        // root, d, then 0.py and 1.py: the limit of 4 entries is reached.
        let w = walk_at_most(&root, &addon, |_, _| false, all, 4);
        assert_eq!(w.files.len(), 2, "{:?}", w.files);
        assert!(matches!(
            w.problems[..],
            [(_, ReadError::TooManyEntries { limit: 4 })]
        ));
        assert_eq!(w.problems[0].1.rule().code, "P006");
        // Pruned directories are not entered.
        let w = walk_at_most(&root, &addon, |p, d| d && p.ends_with("d"), all, 100);
        assert!(w.files.is_empty() && w.problems.is_empty());
    }
}
