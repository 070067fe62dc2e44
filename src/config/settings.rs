//! `odoo-audit.toml`: the settings of `deploy-check` and `truth-sync`.
//!
//! The file is read raw (every key optional, unknown keys refused), then resolved with the
//! command-line options and the environment into one typed [`Settings`] that the checks use.
//! Precedence, highest first: options, the environment variables a deploy script sets
//! (`ODOO_CONF`, `ODOO_DB`, `BACKUP_DIR`), the file, the defaults. The file is `--settings FILE`
//! or `./odoo-audit.toml` when it exists. Every key, with its default, is documented in the
//! README and in `odoo-audit.example.toml`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::exit::Fatal;
use crate::load::version::Series;

/// The file name looked for in the current directory.
pub const DEFAULT_FILE: &str = "odoo-audit.toml";

/// Compose file names looked for, in Docker's order.
pub const COMPOSE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// A command as written in the file: one program path, or an argument list.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum RawCommand {
    Program(String),
    Argv(Vec<String>),
}

impl RawCommand {
    fn into_argv(self) -> Vec<String> {
        match self {
            RawCommand::Program(p) => vec![p],
            RawCommand::Argv(v) => v,
        }
    }
}

/// The file as written: every key optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    pub mode: Option<String>,
    pub compose_file: Option<PathBuf>,
    pub compose_command: Option<RawCommand>,
    pub odoo_service: Option<String>,
    pub db_service: Option<String>,
    pub odoo_command: Option<RawCommand>,
    pub python_command: Option<RawCommand>,
    pub odoo_conf: Option<PathBuf>,
    pub database: Option<String>,
    pub base_url: Option<String>,
    pub backup_dir: Option<PathBuf>,
    pub expected_series: Option<String>,
    pub env_file: Option<PathBuf>,
    pub required_env: Option<Vec<String>>,
    pub systemd_unit: Option<String>,
    pub backup_max_age_hours: Option<f64>,
    pub log_max_size_mb: Option<u64>,
    pub cert_min_days: Option<i64>,
    pub tls_ca_file: Option<PathBuf>,
    pub http_timeout_secs: Option<u64>,
    pub command_timeout_secs: Option<u64>,
    pub slow_command_timeout_secs: Option<u64>,
    pub docker_daemon_json: Option<PathBuf>,
    pub logrotate_dir: Option<PathBuf>,
    pub log_dir: Option<PathBuf>,
    /// `[levels]`: read by [`crate::config::levels`], for every command.
    pub levels: Option<toml::Value>,
}

impl RawSettings {
    /// Reads a settings file; a syntax error or an unknown key is a usage error.
    /// The error quotes no more than a short, escaped part of the file (TOML errors otherwise
    /// show the whole offending line).
    pub fn load(path: &Path) -> Result<RawSettings, Fatal> {
        super::load_toml(path)
    }
}

/// Where the deployment runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Docker Compose: services, `docker compose exec`.
    Compose,
    /// Native install: `odoo-bin` on the host, a systemd unit or a process.
    Native,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Compose => "compose",
            Mode::Native => "native",
        }
    }
}

/// What the command line says (the options shared by `deploy-check` and `truth-sync`).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub settings: Option<PathBuf>,
    pub mode: Option<Mode>,
    pub compose_file: Option<PathBuf>,
    /// Split on white space (no shell, no quoting).
    pub compose_command: Option<String>,
    pub odoo_service: Option<String>,
    pub db_service: Option<String>,
    /// Split on white space (no shell, no quoting).
    pub odoo_command: Option<String>,
    pub odoo_conf: Option<PathBuf>,
    pub database: Option<String>,
    pub base_url: Option<String>,
    pub backup_dir: Option<PathBuf>,
    pub expected_series: Option<String>,
}

/// The resolved settings the checks use.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The settings file read, if any.
    pub file: Option<PathBuf>,
    pub mode: Mode,
    /// Why this mode (`--mode`, `compose file found`, …).
    pub mode_reason: String,
    pub compose_file: Option<PathBuf>,
    /// How Docker Compose is run: `docker compose` (the plugin), or `docker-compose` (the
    /// standalone program Debian packages), an argument list.
    pub compose_command: Vec<String>,
    pub odoo_service: String,
    pub db_service: String,
    pub odoo_command: Vec<String>,
    /// True when `odoo_command` came from an option or the settings file, not a default.
    pub odoo_command_configured: bool,
    pub python_command: Vec<String>,
    pub odoo_conf: PathBuf,
    pub database: Option<String>,
    pub base_url: String,
    pub backup_dir: PathBuf,
    /// The series the user requires; `None`: what the database and `odoo-bin --version` say.
    pub expected_series: Option<Series>,
    pub env_file: PathBuf,
    pub required_env: Vec<String>,
    pub systemd_unit: String,
    pub backup_max_age: Duration,
    pub log_max_size_bytes: u64,
    pub cert_min_days: i64,
    pub tls_ca_file: Option<PathBuf>,
    pub http_timeout: Duration,
    pub command_timeout: Duration,
    pub slow_command_timeout: Duration,
    pub docker_daemon_json: PathBuf,
    pub logrotate_dir: PathBuf,
    /// Where the saved Odoo logs of checks 4, 9, 10 and of truth-sync go.
    pub log_dir: PathBuf,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|v| !v.trim().is_empty())
}

/// Finds a compose file in `dir`.
pub fn find_compose(dir: &Path) -> Option<PathBuf> {
    COMPOSE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// Resolves the settings: options > environment > file > defaults. `cwd` is where
/// `odoo-audit.toml` and compose files are looked for; relative paths of the file are relative
/// to the file's directory.
pub fn resolve(
    o: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
) -> Result<Settings, Fatal> {
    let file = match &o.settings {
        Some(p) => Some(p.clone()),
        None => Some(cwd.join(DEFAULT_FILE)).filter(|p| p.is_file()),
    };
    let raw = match &file {
        Some(p) => RawSettings::load(p)?,
        None => RawSettings::default(),
    };
    let base = file
        .as_ref()
        .and_then(|f| f.parent())
        .map(|p| {
            if p.as_os_str().is_empty() {
                cwd.to_path_buf()
            } else {
                p.to_path_buf()
            }
        })
        .unwrap_or_else(|| cwd.to_path_buf());
    let rel = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
    let file_shown = file.clone();
    let key = |k: &str| -> String {
        match &file_shown {
            Some(f) => format!("{}: {k}", f.display()),
            None => k.to_string(),
        }
    };

    let odoo_conf = o
        .odoo_conf
        .clone()
        .or_else(|| non_empty(env("ODOO_CONF")).map(PathBuf::from))
        .or_else(|| raw.odoo_conf.clone().map(rel))
        .unwrap_or_else(|| PathBuf::from("/etc/odoo/odoo.conf"));
    let database = non_empty(o.database.clone())
        .or_else(|| non_empty(env("ODOO_DB")))
        .or_else(|| non_empty(raw.database.clone()));
    let backup_dir = o
        .backup_dir
        .clone()
        .or_else(|| non_empty(env("BACKUP_DIR")).map(PathBuf::from))
        .or_else(|| raw.backup_dir.clone().map(rel))
        .unwrap_or_else(|| PathBuf::from("/var/backups/odoo"));

    let compose_file = o
        .compose_file
        .clone()
        .or_else(|| raw.compose_file.clone().map(rel))
        .or_else(|| find_compose(&base))
        .or_else(|| odoo_conf.parent().and_then(find_compose));
    let file_mode = match raw.mode.as_deref() {
        None => None,
        Some("compose") => Some(Mode::Compose),
        Some("native") => Some(Mode::Native),
        Some(other) => {
            return Err(Fatal::usage(format!(
                "{}: `{other}` is neither \"compose\" nor \"native\"",
                key("mode")
            )))
        }
    };
    let (mode, mode_reason) = match (o.mode, file_mode, &compose_file) {
        (Some(m), _, _) => (m, "--mode".to_string()),
        (None, Some(m), _) => (m, key("mode")),
        (None, None, Some(c)) => (Mode::Compose, format!("compose file {}", c.display())),
        (None, None, None) => (Mode::Native, "no compose file found".to_string()),
    };
    if mode == Mode::Compose && compose_file.is_none() {
        return Err(Fatal::usage(
            "compose mode needs a compose file: pass --compose-file or set compose_file",
        ));
    }

    let odoo_service = non_empty(o.odoo_service.clone())
        .or_else(|| non_empty(raw.odoo_service.clone()))
        .unwrap_or_else(|| "odoo".into());
    let db_service = non_empty(o.db_service.clone())
        .or_else(|| non_empty(raw.db_service.clone()))
        .unwrap_or_else(|| "db".into());
    let compose_command: Vec<String> = match (&o.compose_command, raw.compose_command.clone()) {
        (Some(s), _) => s.split_whitespace().map(String::from).collect(),
        (None, Some(c)) => c.into_argv(),
        (None, None) => vec!["docker".into(), "compose".into()],
    };
    if compose_command.is_empty() {
        return Err(Fatal::usage("compose_command is empty"));
    }
    let exec_prefix = |program: &str| -> Vec<String> {
        let compose = compose_file.clone().unwrap_or_default();
        let mut argv = compose_command.clone();
        argv.extend([
            "-f".into(),
            compose.display().to_string(),
            "exec".into(),
            "-T".into(),
            odoo_service.clone(),
            program.into(),
        ]);
        argv
    };
    // Whether the Odoo command was configured (option or file) rather than defaulted; commands
    // that change the database (parity install) refuse to guess it.
    let odoo_command_configured = o.odoo_command.is_some() || raw.odoo_command.is_some();
    let odoo_command = match (&o.odoo_command, raw.odoo_command.clone()) {
        (Some(s), _) => s.split_whitespace().map(String::from).collect(),
        (None, Some(c)) => c.into_argv(),
        (None, None) => match mode {
            Mode::Compose => exec_prefix("odoo"),
            Mode::Native => vec!["odoo-bin".into()],
        },
    };
    if odoo_command.is_empty() || odoo_command.iter().any(|a| a.is_empty()) {
        return Err(Fatal::usage(format!(
            "{}: the Odoo command is empty",
            key("odoo_command")
        )));
    }
    let python_command = match raw.python_command.clone() {
        Some(c) => c.into_argv(),
        None => match mode {
            Mode::Compose => exec_prefix("python3"),
            // native: the interpreter odoo-bin runs with is found from its shebang later
            Mode::Native => Vec::new(),
        },
    };

    // Unset: the series is what the database and `odoo-bin --version` say (deploy-check).
    let expected_series = match non_empty(o.expected_series.clone())
        .or_else(|| non_empty(raw.expected_series.clone()))
    {
        None => None,
        Some(series_text) => Some(Series::parse(&series_text).ok_or_else(|| {
            Fatal::usage(format!(
                "{}: `{series_text}` is not an Odoo series (like 19.0)",
                key("expected_series")
            ))
        })?),
    };
    let base_url = non_empty(o.base_url.clone())
        .or_else(|| non_empty(raw.base_url.clone()))
        .unwrap_or_else(|| "http://127.0.0.1:8069".into());
    let base_url = base_url.trim_end_matches('/').to_string();
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        return Err(Fatal::usage(format!(
            "{}: `{base_url}` is not an http:// or https:// URL",
            key("base_url")
        )));
    }
    let env_base = compose_file
        .as_ref()
        .and_then(|c| c.parent())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| base.clone());
    let env_file = match raw.env_file.clone() {
        Some(p) => rel(p),
        None => env_base.join(".env"),
    };
    let hours = raw.backup_max_age_hours.unwrap_or(26.0);
    if !(hours.is_finite() && hours > 0.0) {
        return Err(Fatal::usage(format!(
            "{}: must be a positive number of hours",
            key("backup_max_age_hours")
        )));
    }
    let secs = |v: Option<u64>, default: u64, name: &str| -> Result<Duration, Fatal> {
        match v.unwrap_or(default) {
            0 => Err(Fatal::usage(format!("{}: must be at least 1", key(name)))),
            n => Ok(Duration::from_secs(n)),
        }
    };
    Ok(Settings {
        file,
        mode,
        mode_reason,
        compose_file,
        compose_command,
        odoo_service,
        db_service,
        odoo_command,
        odoo_command_configured,
        python_command,
        odoo_conf,
        database,
        base_url,
        backup_dir,
        expected_series,
        env_file,
        required_env: raw.required_env.clone().unwrap_or_else(|| {
            ["POSTGRES_PASSWORD", "PGUSER", "PGDATABASE"]
                .map(String::from)
                .to_vec()
        }),
        systemd_unit: non_empty(raw.systemd_unit.clone()).unwrap_or_else(|| "odoo".into()),
        backup_max_age: Duration::from_secs_f64(hours * 3600.0),
        log_max_size_bytes: raw.log_max_size_mb.unwrap_or(500) * 1024 * 1024,
        cert_min_days: raw.cert_min_days.unwrap_or(14),
        tls_ca_file: raw.tls_ca_file.clone().map(rel),
        http_timeout: secs(raw.http_timeout_secs, 10, "http_timeout_secs")?,
        command_timeout: secs(raw.command_timeout_secs, 30, "command_timeout_secs")?,
        slow_command_timeout: secs(
            raw.slow_command_timeout_secs,
            1800,
            "slow_command_timeout_secs",
        )?,
        docker_daemon_json: raw
            .docker_daemon_json
            .clone()
            .map(rel)
            .unwrap_or_else(|| PathBuf::from("/etc/docker/daemon.json")),
        logrotate_dir: raw
            .logrotate_dir
            .clone()
            .map(rel)
            .unwrap_or_else(|| PathBuf::from("/etc/logrotate.d")),
        log_dir: raw
            .log_dir
            .clone()
            .map(rel)
            .unwrap_or_else(|| std::env::temp_dir().join("odoo-audit-logs")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_without_a_file_are_native() {
        let dir = tempfile::tempdir().unwrap();
        let s = resolve(&Overrides::default(), &no_env, dir.path()).unwrap();
        assert_eq!(s.mode, Mode::Native);
        assert_eq!(s.odoo_command, vec!["odoo-bin"]);
        assert_eq!(s.expected_series, None);
        assert_eq!(s.odoo_conf, PathBuf::from("/etc/odoo/odoo.conf"));
        assert_eq!(s.backup_max_age, Duration::from_secs(26 * 3600));
        assert_eq!(s.base_url, "http://127.0.0.1:8069");
        assert_eq!(
            s.required_env,
            vec!["POSTGRES_PASSWORD", "PGUSER", "PGDATABASE"]
        );
    }

    #[test]
    fn options_beat_environment_beat_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(DEFAULT_FILE),
            "odoo_conf = \"conf/odoo.conf\"\ndatabase = \"from_file\"\nbackup_dir = \"/b/file\"\nmode = \"native\"\n",
        )
        .unwrap();
        let env = |k: &str| match k {
            "ODOO_DB" => Some("from_env".to_string()),
            "BACKUP_DIR" => Some("/b/env".to_string()),
            _ => None,
        };
        let s = resolve(&Overrides::default(), &env, dir.path()).unwrap();
        assert_eq!(s.database.as_deref(), Some("from_env"));
        assert_eq!(s.backup_dir, PathBuf::from("/b/env"));
        assert_eq!(s.odoo_conf, dir.path().join("conf/odoo.conf"));
        let o = Overrides {
            database: Some("from_option".into()),
            odoo_conf: Some("/x.conf".into()),
            ..Overrides::default()
        };
        let s = resolve(&o, &env, dir.path()).unwrap();
        assert_eq!(s.database.as_deref(), Some("from_option"));
        assert_eq!(s.odoo_conf, PathBuf::from("/x.conf"));
    }

    #[test]
    fn a_compose_file_next_to_the_settings_means_compose_mode() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("docker-compose.yml"), "services: {}\n").unwrap();
        let s = resolve(&Overrides::default(), &no_env, dir.path()).unwrap();
        assert_eq!(s.mode, Mode::Compose);
        assert_eq!(
            s.odoo_command[..2],
            ["docker".to_string(), "compose".to_string()]
        );
        assert_eq!(s.odoo_command.last().unwrap(), "odoo");
        assert_eq!(s.env_file, dir.path().join(".env"));
    }

    #[test]
    fn bad_files_are_usage_errors() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("s.toml");
        std::fs::write(&f, "colour = 1\n").unwrap();
        let o = Overrides {
            settings: Some(f.clone()),
            ..Overrides::default()
        };
        let e = resolve(&o, &no_env, dir.path()).unwrap_err();
        assert_eq!(e.code, crate::exit::USAGE);
        assert!(e.message.contains("colour"), "{}", e.message);
        std::fs::write(&f, "expected_series = \"nineteen\"\n").unwrap();
        let e = resolve(&o, &no_env, dir.path()).unwrap_err();
        assert!(e.message.contains("expected_series"), "{}", e.message);
        // The offending line is not echoed whole, control characters are escaped.
        let line = format!("mode = \"{}\u{1b}[2J", "\0".repeat(200_000));
        std::fs::write(&f, line).unwrap();
        let e = resolve(&o, &no_env, dir.path()).unwrap_err();
        assert!(e.message.len() < 600, "{}", e.message.len());
        assert!(!e.message.chars().any(char::is_control), "{:?}", e.message);
        assert!(e.message.contains("line 1, column "), "{}", e.message);
        // A FIFO is refused, not opened (the read would block).
        let fifo = dir.path().join("fifo.toml");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let o = Overrides {
            settings: Some(fifo),
            ..Overrides::default()
        };
        let e = resolve(&o, &no_env, dir.path()).unwrap_err();
        assert_eq!(e.code, crate::exit::USAGE);
        assert!(e.message.contains("a FIFO"), "{}", e.message);
    }

    #[test]
    fn the_example_file_is_valid_and_lists_every_key() {
        let text = include_str!("../../odoo-audit.example.toml");
        // every key is commented out; uncommented they must parse
        let uncommented: String = text
            .lines()
            .filter_map(|l| {
                l.strip_prefix("# ")
                    .filter(|l| l.contains(" = ") || (l.starts_with('[') && l.ends_with(']')))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let raw: RawSettings = toml::from_str(&uncommented).unwrap();
        assert!(raw.mode.is_some() && raw.log_dir.is_some() && raw.tls_ca_file.is_some());
        let readme = include_str!("../../README.md");
        assert!(raw.levels.is_some());
        for line in uncommented.lines() {
            let k = line.split(" = ").next().unwrap();
            let k = k.trim_start_matches('[').trim_end_matches(']');
            assert!(
                readme.contains(&format!("`{k}`")),
                "README does not document {k}"
            );
        }
    }
}
