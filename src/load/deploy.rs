//! What the deploy gate's checks 3 to 13 judge, gathered from the machine: the Odoo binary's
//! version, the machine's cores and memory, the files holding secrets, the backup directory. Every command runs through [`crate::load::exec`]
//! with a timeout, every file is read through [`crate::load::fsread`]; the judging is in
//! `checks/deploy`.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::config::settings::Settings;
use crate::load::exec::{Cmd, Ran};
use crate::load::fsread;

/// Check 3: what `odoo-bin --version` (the configured `odoo_command`) printed.
pub fn odoo_version(s: &Settings) -> Ran {
    Cmd::from_argv(&s.odoo_command)
        .expect("non-empty odoo_command")
        .arg("--version")
        .run(s.command_timeout)
}

/// The machine's facts the sizing of check 5 is measured against.
#[derive(Debug, Clone, Copy)]
pub struct Machine {
    pub cores: usize,
    pub memory_bytes: u64,
}

impl Machine {
    /// This machine: its available parallelism and `MemTotal` of `/proc/meminfo`.
    pub fn current() -> Machine {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let memory_bytes = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find(|l| l.starts_with("MemTotal:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
            .map(|kb| kb * 1024)
            .unwrap_or(0);
        Machine {
            cores,
            memory_bytes,
        }
    }
}

/// The permission bits of a file (`None` when it cannot be read).
pub fn mode_of(path: &Path) -> Option<u32> {
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

/// The files check 8 reads: the `.env` file (its text and mode, or why it cannot be read),
/// the mode of odoo.conf, the compose file's text (when one is configured).
#[derive(Debug, Clone, PartialEq)]
pub struct SecretFiles {
    pub env_file: Result<(String, u32), String>,
    pub conf_mode: u32,
    pub compose: Option<Result<String, String>>,
}

/// Reads the files of check 8 through [`fsread`]; `conf` is odoo.conf's path when it was read.
pub fn secret_files(s: &Settings, conf: Option<&Path>) -> SecretFiles {
    let env_file = fsread::read_to_string(&s.env_file, fsread::CONFIG_MAX)
        .map(|text| (text, mode_of(&s.env_file).unwrap_or(0)))
        .map_err(|e| e.about_file());
    SecretFiles {
        env_file,
        conf_mode: conf.and_then(mode_of).unwrap_or(0),
        compose: s
            .compose_file
            .as_ref()
            .map(|f| fsread::read_to_string(f, fsread::CONFIG_MAX).map_err(|e| e.about_file())),
    }
}

/// File name endings of database dumps `pg_restore` reads (custom and tar formats).
pub const DUMP_SUFFIXES: [&str; 5] = [".dump", ".backup", ".pgdump", ".dump.tar", ".sql.tar"];

/// Whether `name` is a filestore archive.
pub fn is_filestore_archive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("filestore")
        && [
            ".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz", ".tar.bz2", ".zip",
        ]
        .iter()
        .any(|s| n.ends_with(s))
}

fn is_dump(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    DUMP_SUFFIXES.iter().any(|s| n.ends_with(s))
}

/// Writable for this process (access(2) with W_OK), without creating anything.
fn writable(path: &Path) -> bool {
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated path; access(2) only reads it.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// Finds `pg_restore`: on PATH, else in Debian's /usr/lib/postgresql/*/bin (newest first).
pub fn pg_restore() -> String {
    pg_tool("pg_restore")
}

/// Finds a PostgreSQL client program (`pg_restore`, `pg_dump`): on PATH, else in Debian's
/// /usr/lib/postgresql/*/bin (newest first).
pub fn pg_tool(name: &str) -> String {
    if crate::load::exec::which(name).is_some() {
        return name.into();
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.flatten()
                .map(|e| e.path().join("bin").join(name))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    // Newest version last (numerically: 9.6 < 15 < 16).
    found.sort_by_key(|p| {
        let v = p
            .parent()
            .and_then(Path::parent)
            .and_then(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let nums: Vec<u32> = v.split('.').filter_map(|x| x.parse().ok()).collect();
        (nums, p.clone())
    });
    found
        .pop()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| name.into())
}

/// The newest database dump of the backup directory, and what `pg_restore --list` did with it.
#[derive(Debug, Clone)]
pub struct Dump {
    pub path: PathBuf,
    pub size: u64,
    pub age: Duration,
    pub listed: Ran,
}

/// What check 12 found in the backup directory (read-only: nothing is created).
#[derive(Debug, Clone)]
pub struct Backups {
    pub writable: bool,
    pub newest_dump: Option<Dump>,
    /// The newest filestore archive and its age.
    pub newest_filestore: Option<(PathBuf, Duration)>,
}

/// The dumps and filestore archives of a backup directory, each oldest first (by mtime).
#[derive(Debug, Clone, Default)]
pub struct BackupFiles {
    /// (mtime, path, size) of each database dump.
    pub dumps: Vec<(SystemTime, PathBuf, u64)>,
    /// (mtime, path) of each filestore archive.
    pub filestores: Vec<(SystemTime, PathBuf)>,
}

impl BackupFiles {
    /// The newest dump: (mtime, path, size).
    pub fn newest_dump(&self) -> Option<&(SystemTime, PathBuf, u64)> {
        self.dumps.last()
    }

    /// The newest filestore archive: (mtime, path).
    pub fn newest_filestore(&self) -> Option<&(SystemTime, PathBuf)> {
        self.filestores.last()
    }
}

/// Lists the regular files of `dir` that are dumps or filestore archives; `Err` when the
/// directory cannot be read.
pub fn backup_files(dir: &Path) -> Result<BackupFiles, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| e.to_string())?;
    let mut files = BackupFiles::default();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(meta) = e.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        if is_dump(&name) {
            files.dumps.push((mtime, e.path(), meta.len()));
        } else if is_filestore_archive(&name) {
            files.filestores.push((mtime, e.path()));
        }
    }
    files.dumps.sort();
    files.filestores.sort();
    Ok(files)
}

/// Lists `dir` (its regular files), and runs `pg_restore --list` on the newest dump; `Err`
/// when the directory cannot be read.
pub fn backups(dir: &Path, timeout: Duration) -> Result<Backups, String> {
    let files = backup_files(dir)?;
    let writable = writable(dir);
    let now = SystemTime::now();
    let age = |mtime: &SystemTime| now.duration_since(*mtime).unwrap_or_default();
    let newest_dump = files.newest_dump().map(|(mtime, path, size)| Dump {
        path: path.clone(),
        size: *size,
        age: age(mtime),
        listed: Cmd::new(pg_restore())
            .arg("--list")
            .arg(path.display().to_string())
            .run(timeout),
    });
    Ok(Backups {
        writable,
        newest_dump,
        newest_filestore: files.newest_filestore().map(|(m, p)| (p.clone(), age(m))),
    })
}

/// odoo.conf's `logfile`, when it names a file.
pub fn conf_logfile(conf: &crate::config::odoo_conf::OdooConf) -> Option<String> {
    conf.get("logfile")
        .filter(|v| !v.is_empty() && *v != "False" && *v != "None")
        .map(String::from)
}

/// Docker's daemon.json as check 13 reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum DaemonJson {
    Absent,
    /// Why it cannot be read.
    Unreadable(String),
    Text(String),
}

/// What check 13 reads: in compose mode daemon.json and the compose file (empty when it
/// cannot be read); in native mode the files of the logrotate directory (path and text,
/// sorted by path); the sizes of the log files it looks at (the containers' log files, or
/// odoo.conf's logfile), when they exist.
#[derive(Debug, Clone, PartialEq)]
pub struct LogFiles {
    pub daemon_json: DaemonJson,
    pub compose: String,
    pub logrotate: Vec<(String, String)>,
    pub sizes: std::collections::BTreeMap<String, u64>,
}

/// Reads the files of check 13: for compose mode, `containers`' log files; for native mode,
/// `logfile` (odoo.conf's).
pub fn log_files(
    s: &Settings,
    compose: bool,
    containers: &[crate::load::engine::Container],
    logfile: Option<&str>,
) -> LogFiles {
    let read = |p: &Path| fsread::read_to_string(p, fsread::CONFIG_MAX);
    let mut files = LogFiles {
        daemon_json: DaemonJson::Absent,
        compose: String::new(),
        logrotate: Vec::new(),
        sizes: Default::default(),
    };
    let mut logs: Vec<String> = Vec::new();
    if compose {
        files.daemon_json = match read(&s.docker_daemon_json) {
            Ok(text) => DaemonJson::Text(text),
            Err(e) if e.is_not_found() => DaemonJson::Absent,
            Err(e) => DaemonJson::Unreadable(e.about_file()),
        };
        files.compose = s
            .compose_file
            .as_ref()
            .and_then(|f| read(f).ok())
            .unwrap_or_default();
        logs.extend(containers.iter().filter_map(|x| x.log_path.clone()));
    } else if let Some(logfile) = logfile {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&s.logrotate_dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        paths.sort();
        files.logrotate = paths
            .iter()
            .filter_map(|p| Some((p.display().to_string(), read(p).ok()?)))
            .collect();
        logs.push(logfile.to_string());
    }
    for path in logs {
        if let Ok(m) = std::fs::metadata(&path) {
            files.sizes.insert(path, m.len());
        }
    }
    files
}

/// The addons paths check 6 discovers: `--addons-path` when given, else odoo.conf's.
#[derive(Debug, Clone, PartialEq)]
pub struct AddonsPaths {
    pub paths: Vec<PathBuf>,
    /// Read from odoo.conf (not `--addons-path`).
    pub from_conf: bool,
    /// Every path exists on this machine.
    pub all_exist: bool,
}

/// `option` (`--addons-path`) when not empty, else the addons_path of `conf`; `None` when
/// neither is there (odoo.conf unreadable).
pub fn addons_paths(
    option: &[PathBuf],
    conf: Option<&crate::config::odoo_conf::OdooConf>,
) -> Option<AddonsPaths> {
    let (paths, from_conf) = if !option.is_empty() {
        (option.to_vec(), false)
    } else {
        (crate::load::addons::addons_path_from_conf(conf?), true)
    };
    let all_exist = paths.iter().all(|p| p.exists());
    Some(AddonsPaths {
        paths,
        from_conf,
        all_exist,
    })
}
