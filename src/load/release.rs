//! What `verify-deploy` reads on the target: digests of deployed files (natively, or inside the
//! Odoo container through `docker compose exec`), Odoo's log entries over a window (its log file
//! and the rotated ones, `.1`, `.2.gz`, `.YYYY-MM-DD`; or `docker compose logs --since`), and
//! the backups of the replaced files. And the digest files themselves (`md5sum`/`sha256sum`
//! format), which `files hash` writes.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};

use crate::load::fsread::{self, ReadError, Root};

/// A digest algorithm of a digest file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "md5",
            Algorithm::Sha256 => "sha256",
        }
    }

    /// The coreutils program that checks such a file.
    pub fn program(self) -> &'static str {
        match self {
            Algorithm::Md5 => "md5sum",
            Algorithm::Sha256 => "sha256sum",
        }
    }

    fn digest(self) -> openssl::hash::MessageDigest {
        match self {
            Algorithm::Md5 => openssl::hash::MessageDigest::md5(),
            Algorithm::Sha256 => openssl::hash::MessageDigest::sha256(),
        }
    }

    fn of_len(hex: usize) -> Option<Algorithm> {
        match hex {
            32 => Some(Algorithm::Md5),
            64 => Some(Algorithm::Sha256),
            _ => None,
        }
    }
}

/// One line of a digest file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sum {
    pub algorithm: Algorithm,
    pub digest: String,
    pub path: String,
}

/// The digest of a file's content.
pub fn digest_file(path: &Path, algorithm: Algorithm) -> Result<String, ReadError> {
    let mut h = openssl::hash::Hasher::new(algorithm.digest())
        .map_err(|e| ReadError::Io(std::io::Error::other(e.to_string())))?;
    let mut failed = None;
    fsread::for_each_chunk(path, fsread::HASHED_MAX, |chunk| {
        if let Err(e) = h.update(chunk) {
            failed.get_or_insert(e);
        }
    })?;
    if let Some(e) = failed {
        return Err(ReadError::Io(std::io::Error::other(e.to_string())));
    }
    let d = h
        .finish()
        .map_err(|e| ReadError::Io(std::io::Error::other(e.to_string())))?;
    Ok(d.iter().map(|b| format!("{b:02x}")).collect())
}

/// A line of a digest file as coreutils writes it: a name with a backslash or a line break is
/// escaped (`\\`, `\n`, `\r`) and the line starts with a backslash.
pub fn sum_line(digest: &str, path: &str) -> String {
    if path.contains(['\\', '\n', '\r']) {
        let escaped = path
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r");
        format!("\\{digest}  {escaped}\n")
    } else {
        format!("{digest}  {path}\n")
    }
}

/// Parses a digest file (`md5sum`/`sha256sum` output, text or binary mode, escaped names).
/// Blank lines and `#` comments are skipped; any other malformed line is an error naming it.
pub fn parse_sums(text: &str) -> Result<Vec<Sum>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || format!("line {}: not `DIGEST  PATH`", i + 1);
        let (escaped, line) = match line.strip_prefix('\\') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let (digest, rest) = line.split_once(' ').ok_or_else(bad)?;
        let algorithm = Algorithm::of_len(digest.len())
            .filter(|_| digest.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| format!("line {}: not an MD5 or SHA-256 digest", i + 1))?;
        let name = rest
            .strip_prefix(' ')
            .or_else(|| rest.strip_prefix('*'))
            .ok_or_else(bad)?;
        if name.is_empty() {
            return Err(bad());
        }
        let path = if escaped {
            unescape(name).ok_or_else(|| format!("line {}: bad escape in the name", i + 1))?
        } else {
            name.to_string()
        };
        out.push(Sum {
            algorithm,
            digest: digest.to_ascii_lowercase(),
            path,
        });
    }
    Ok(out)
}

fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            _ => return None,
        }
    }
    Some(out)
}

/// The regular files under `dir` (links followed inside it only), sorted, with what could not
/// be read.
pub fn files_under(dir: &Path) -> (Vec<PathBuf>, Vec<(PathBuf, ReadError)>) {
    match Root::new(dir) {
        Ok(root) => {
            let w = fsread::walk_files(&root, dir, |_, _| false, |_| true);
            (w.files, w.problems)
        }
        Err(e) => (Vec::new(), vec![(dir.to_path_buf(), e)]),
    }
}

/// What a deployed file is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Digest(String),
    Missing,
    Unreadable(String),
}

/// The state of the listed files on the target, and the files of the exact directories.
#[derive(Debug, Clone, Default)]
pub struct Deployed {
    /// By path as the digest file names it.
    pub files: Vec<(Sum, Found)>,
    /// The files found in each exact directory (as the digest file would name them).
    pub dirs: Vec<(String, Result<BTreeSet<String>, String>)>,
}

fn under(root: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        root.join(p)
    }
}

/// Native mode: the files as this host has them.
pub fn deployed_native(sums: &[Sum], root: &Path, exact: &[String]) -> Deployed {
    let files = sums
        .iter()
        .map(|s| {
            let found = match digest_file(&under(root, &s.path), s.algorithm) {
                Ok(d) => Found::Digest(d),
                Err(e) if e.is_not_found() => Found::Missing,
                Err(e) => Found::Unreadable(e.about_file()),
            };
            (s.clone(), found)
        })
        .collect();
    let dirs = exact
        .iter()
        .map(|d| {
            let abs = under(root, d);
            if !abs.is_dir() {
                return (d.clone(), Err("not a directory".to_string()));
            }
            let (found, problems) = files_under(&abs);
            if let Some((p, e)) = problems.first() {
                return (d.clone(), Err(format!("{}: {e}", p.display())));
            }
            let names = found
                .iter()
                .filter_map(|f| f.strip_prefix(&abs).ok())
                .map(|rel| {
                    let joined = Path::new(d).join(rel);
                    joined.to_string_lossy().into_owned()
                })
                .collect();
            (d.clone(), Ok(names))
        })
        .collect();
    Deployed { files, dirs }
}

/// How many paths one `docker compose exec` names.
const EXEC_BATCH: usize = 200;

/// Compose mode: the files as the Odoo container has them (`sha256sum`/`md5sum` and `find`
/// run in it); `root` is a path inside the container.
pub fn deployed_compose(
    sums: &[Sum],
    root: &Path,
    exact: &[String],
    compose_command: &[String],
    compose_file: &Path,
    service: &str,
    timeout: Duration,
) -> Deployed {
    let exec = |argv: Vec<String>| {
        crate::load::engine::compose(compose_command, compose_file)
            .args(["exec", "-T", service])
            .args(argv)
            .run(timeout)
    };
    let mut files = Vec::new();
    for algorithm in [Algorithm::Md5, Algorithm::Sha256] {
        let of: Vec<&Sum> = sums.iter().filter(|s| s.algorithm == algorithm).collect();
        for batch in of.chunks(EXEC_BATCH) {
            let paths: Vec<String> = batch
                .iter()
                .map(|s| under(root, &s.path).display().to_string())
                .collect();
            let mut argv = vec![algorithm.program().to_string(), "--".to_string()];
            argv.extend(paths.iter().cloned());
            let ran = exec(argv);
            let got = parse_sums(&ran.stdout).unwrap_or_default();
            for (s, p) in batch.iter().zip(&paths) {
                let found = match got.iter().find(|g| &g.path == p) {
                    Some(g) => Found::Digest(g.digest.clone()),
                    None if ran.spawn_error.is_some() || ran.timed_out => {
                        Found::Unreadable(ran.failure())
                    }
                    // coreutils: `sha256sum: PATH: No such file or directory`; busybox:
                    // `sha256sum: can't open 'PATH': No such file or directory`.
                    None if ran.stderr.lines().any(|l| {
                        l.contains(p.as_str()) && l.ends_with("No such file or directory")
                    }) =>
                    {
                        Found::Missing
                    }
                    None => Found::Unreadable(
                        crate::load::exec::last_line(&ran.stderr).unwrap_or_else(|| ran.failure()),
                    ),
                };
                files.push(((*s).clone(), found));
            }
        }
    }
    // Keep the digest file's order.
    files.sort_by_key(|(s, _)| sums.iter().position(|x| x == s));
    let dirs = exact
        .iter()
        .map(|d| {
            let abs = under(root, d).display().to_string();
            let ran = exec(vec!["find".into(), abs.clone(), "-type".into(), "f".into()]);
            if !ran.success() {
                return (d.clone(), Err(ran.failure()));
            }
            let names = ran
                .stdout
                .lines()
                .filter_map(|l| l.strip_prefix(&abs))
                .map(|rel| {
                    Path::new(d)
                        .join(rel.trim_start_matches('/'))
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            (d.clone(), Ok(names))
        })
        .collect();
    Deployed { files, dirs }
}

/// One entry of Odoo's log: its timestamped line and the lines that continue it (a traceback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub level: String,
    pub text: String,
}

/// The entries of a log window, and where they were read.
#[derive(Debug, Clone, Default)]
pub struct LogWindow {
    pub entries: Vec<Entry>,
    pub read: Vec<PathBuf>,
}

/// The longest line kept (a longer one is cut).
const LINE_MAX: usize = 64 << 10;
/// At most this much of a log file (or of a rotated one, decompressed) is read.
const LOG_MAX: u64 = 8 << 30;

fn entry_head(line: &str) -> Option<(DateTime<Utc>, String)> {
    // `2026-12-01 22:03:11,123 4242 INFO db odoo.modules.loading: …`
    let b = line.as_bytes();
    if b.len() < 24 || b[4] != b'-' || b[10] != b' ' || b[19] != b',' {
        return None;
    }
    let stamp = NaiveDateTime::parse_from_str(&line[..19], "%Y-%m-%d %H:%M:%S").ok()?;
    let mut rest = line[20..].split(' ');
    rest.next()?; // milliseconds
    rest.next()?.parse::<u32>().ok()?; // pid
    let level = rest.next()?;
    if !matches!(level, "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL") {
        return None;
    }
    // Odoo stamps its log in the server's local time.
    let at = Local
        .from_local_datetime(&stamp)
        .earliest()?
        .with_timezone(&Utc);
    Some((at, level.to_string()))
}

/// Parses log text into entries (lines before the first entry are dropped).
pub fn parse_entries(reader: impl BufRead, limit: u64) -> Result<Vec<Entry>, String> {
    let mut out: Vec<Entry> = Vec::new();
    let mut total = 0u64;
    let mut reader = reader.take(limit);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if buf.len() > LINE_MAX {
            buf.truncate(LINE_MAX);
        }
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        match entry_head(line) {
            Some((at, level)) => out.push(Entry {
                at,
                level,
                text: line.to_string(),
            }),
            None => {
                if let Some(last) = out.last_mut() {
                    if last.text.len() < LINE_MAX * 4 {
                        last.text.push('\n');
                        last.text.push_str(line);
                    }
                }
            }
        }
    }
    if total >= limit {
        return Err(format!(
            "larger than {} GiB (not read further)",
            limit >> 30
        ));
    }
    Ok(out)
}

/// The log file and its rotated copies, newest first: `file`, then `file.1`, `file.2.gz`, …
/// and `file.2026-11-30` (Python's TimedRotatingFileHandler), by modification time.
fn rotated(file: &Path) -> Vec<PathBuf> {
    let mut out = vec![file.to_path_buf()];
    let (Some(dir), Some(name)) = (file.parent(), file.file_name().and_then(|n| n.to_str())) else {
        return out;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{name}.");
    let mut older: Vec<(SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().into_string().ok()?;
            let rest = n.strip_prefix(&prefix)?;
            let rest = rest.strip_suffix(".gz").unwrap_or(rest);
            let numbered = rest.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty();
            let dated = rest.len() >= 10
                && chrono::NaiveDate::parse_from_str(&rest[..10], "%Y-%m-%d").is_ok();
            if !(numbered || dated) {
                return None;
            }
            let m = e.metadata().ok().filter(|m| m.is_file())?;
            Some((m.modified().unwrap_or(SystemTime::UNIX_EPOCH), e.path()))
        })
        .collect();
    older.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    out.extend(older.into_iter().map(|(_, p)| p));
    out
}

fn read_one(path: &Path) -> Result<Vec<Entry>, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular("not a regular file").to_string());
    }
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| e.to_string())?;
    if path.extension().is_some_and(|e| e == "gz") {
        parse_entries(
            BufReader::new(flate2::read::MultiGzDecoder::new(file)),
            LOG_MAX,
        )
    } else {
        parse_entries(BufReader::new(file), LOG_MAX)
    }
}

/// Native mode: the entries of `file` (and, when the window reaches back past its first
/// entry, of the rotated copies) at or after `since`, oldest first.
pub fn log_window_native(file: &Path, since: DateTime<Utc>) -> Result<LogWindow, String> {
    let mut w = LogWindow::default();
    let mut chunks: Vec<Vec<Entry>> = Vec::new();
    for (i, path) in rotated(file).into_iter().enumerate() {
        let entries = match read_one(&path) {
            Ok(e) => e,
            Err(e) if i == 0 => {
                return Err(format!(
                    "{}: {e}",
                    crate::escape::control(&path.display().to_string())
                ))
            }
            Err(_) => continue,
        };
        w.read.push(path);
        let reaches_back = entries.first().is_none_or(|e| e.at > since);
        chunks.push(entries.into_iter().filter(|e| e.at >= since).collect());
        if !reaches_back {
            break;
        }
    }
    for c in chunks.into_iter().rev() {
        w.entries.extend(c);
    }
    Ok(w)
}

/// Compose mode: `docker compose logs` of the Odoo service, each line with Docker's timestamp
/// (`-t`), kept from `since` on: `--since` asks the server for the window (Compose v2); the
/// standalone docker-compose 1.x has no `--since`, so the whole log is read and cut here.
pub fn log_window_compose(
    compose_command: &[String],
    compose_file: &Path,
    service: &str,
    since: DateTime<Utc>,
    timeout: Duration,
) -> Result<LogWindow, String> {
    let logs = |with_since: bool| {
        let mut c = crate::load::engine::compose(compose_command, compose_file).args([
            "logs",
            "--no-color",
            "--no-log-prefix",
            "-t",
        ]);
        if with_since {
            c = c
                .arg("--since")
                .arg(since.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
        c.arg(service).run(timeout)
    };
    let mut ran = logs(true);
    // docker-compose 1.x answers an option it does not know with its usage (and exit 0).
    let refused = ran.stdout.trim().is_empty() && ran.stderr.contains("Usage:");
    if refused || (!ran.success() && ran.stderr.contains("since")) {
        ran = logs(false);
    }
    if !ran.success() {
        return Err(ran.failure());
    }
    // Docker's timestamp first (`2026-12-01T22:00:01.123456789Z `), then Odoo's line.
    let mut text = String::with_capacity(ran.stdout.len());
    for line in ran.stdout.lines() {
        let (stamp, rest) = line.split_once(' ').unwrap_or(("", line));
        match DateTime::parse_from_rfc3339(stamp) {
            Ok(t) if t.with_timezone(&Utc) < since => continue,
            Ok(_) => text.push_str(rest),
            Err(_) => text.push_str(line),
        }
        text.push('\n');
    }
    let entries = parse_entries(text.as_bytes(), LOG_MAX)?;
    Ok(LogWindow {
        entries,
        read: vec![PathBuf::from(format!("compose logs of {service}"))],
    })
}

/// A backup kept for the rollback: its size and age, or why there is none.
pub type Kept = Result<(u64, Duration), String>;

/// A file kept for the rollback: its size and age, or why not.
pub fn kept(path: &Path) -> Kept {
    let m = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "missing".to_string(),
        _ => e.to_string(),
    })?;
    if !m.is_file() {
        return Err("not a regular file".into());
    }
    let age = m
        .modified()
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .unwrap_or_default();
    Ok((m.len(), age))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_files_round_trip_escaped_names() {
        let d = "d41d8cd98f00b204e9800998ecf8427e";
        let text = format!(
            "{}{}{d} *bin.dat\n# comment\n\n",
            sum_line(d, "plain/x.py"),
            sum_line(d, "odd\\name\nwith break")
        );
        let sums = parse_sums(&text).unwrap();
        assert_eq!(sums.len(), 3);
        assert_eq!(sums[0].path, "plain/x.py");
        assert_eq!(sums[1].path, "odd\\name\nwith break");
        assert_eq!(sums[2].path, "bin.dat");
        assert!(sums.iter().all(|s| s.algorithm == Algorithm::Md5));
        assert!(parse_sums("abc  x\n").unwrap_err().contains("line 1"));
        assert!(parse_sums(&format!("{d}x\n")).is_err());
    }

    #[test]
    fn entries_group_tracebacks_and_skip_other_lines() {
        let log = "garbage before\n\
2026-12-01 22:00:00,001 42 INFO db odoo.modules.loading: loading\n\
2026-12-01 22:00:01,002 42 ERROR db odoo.sql_db: bad query\n\
Traceback (most recent call last):\n\
psycopg2.errors.CheckViolation: ConstraintError\n\
2026-12-01 22:00:02,003 42 WARNING db odoo.x: w\n";
        let e = parse_entries(log.as_bytes(), 1 << 20).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[1].level, "ERROR");
        assert!(e[1].text.contains("ConstraintError"));
        assert!(e[0].at < e[1].at);
    }
}
