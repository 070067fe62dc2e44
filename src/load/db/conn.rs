//! Where to connect, resolved the way users expect from libpq and Odoo: command-line options beat
//! the entries of the service named by `service=` or `PGSERVICE` (in `PGSERVICEFILE`, else
//! `~/.pg_service.conf`, then `PGSYSCONFDIR/pg_service.conf`), which beat the `PG*` environment
//! variables, which beat the `db_*` options of odoo.conf; a missing password is looked up in the
//! password file (`passfile=`, `PGPASSFILE`, else `~/.pgpass`; ignored with a warning when group
//! or others can read it); client certificates and the root certificate default to
//! `~/.postgresql/postgresql.crt`, `.key` and `root.crt`. The `postgres` crate reads none of
//! these by itself. The password is kept out of every `Display`/`Debug` output.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::odoo_conf::OdooConf;
use crate::exit::Fatal;

/// libpq's sslmode values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn parse(s: &str) -> Option<SslMode> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// A resolved connection target.
#[derive(Clone, Default)]
pub struct ConnSpec {
    /// Host name, IP address, or a Unix-socket directory (starting with `/`).
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub dbname: Option<String>,
    pub sslmode: Option<SslMode>,
    pub sslrootcert: Option<PathBuf>,
    /// The client certificate and its private key (PEM; the key in PKCS#8).
    pub sslcert: Option<PathBuf>,
    pub sslkey: Option<PathBuf>,
    /// The password file (`passfile=`, `PGPASSFILE`).
    pub passfile: Option<PathBuf>,
    /// The service to read from the service file (`service=`, `PGSERVICE`).
    pub service: Option<String>,
    pub connect_timeout: Option<Duration>,
    /// Where each value came from, for error messages (never the password itself).
    pub password_source: Option<&'static str>,
    /// libpq's warning about a password file it ignored (group or world access, not a file).
    pub ignored_passfile: Option<String>,
}

impl fmt::Debug for ConnSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnSpec")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("dbname", &self.dbname)
            .field("sslmode", &self.sslmode)
            .field("sslrootcert", &self.sslrootcert)
            .field("sslcert", &self.sslcert)
            .field("sslkey", &self.sslkey)
            .field("service", &self.service)
            .finish()
    }
}

impl ConnSpec {
    /// `user@host:port/db`, for messages; never the password.
    pub fn describe(&self) -> String {
        let shown = format!(
            "{}@{}:{}/{}",
            self.user.clone().unwrap_or_else(default_user),
            self.host.as_deref().unwrap_or(DEFAULT_SOCKET_DIR),
            self.port.unwrap_or(5432),
            self.dbname.as_deref().unwrap_or("?")
        );
        sanitize(&shown, self)
    }

    /// True when the connection goes through a Unix socket (a host starting with `/` or `@`, or
    /// no host: libpq's default socket directory). libpq ignores the TLS settings there.
    pub fn is_unix_socket(&self) -> bool {
        match self.host.as_deref() {
            None | Some("") => true,
            Some(h) => h.starts_with('/') || h.starts_with('@'),
        }
    }

    /// True when `sslrootcert=system` (the system's trusted roots).
    pub fn system_roots(&self) -> bool {
        self.sslrootcert
            .as_deref()
            .is_some_and(|r| r.as_os_str() == "system")
    }

    /// The sslmode in effect: as given, else `prefer` (`verify-full` with `sslrootcert=system`,
    /// as in libpq).
    pub fn effective_sslmode(&self) -> SslMode {
        self.sslmode.unwrap_or(if self.system_roots() {
            SslMode::VerifyFull
        } else {
            SslMode::Prefer
        })
    }

    /// Fills every unset value from `other`.
    fn or(mut self, other: ConnSpec) -> ConnSpec {
        self.host = self.host.or(other.host);
        self.port = self.port.or(other.port);
        self.user = self.user.or(other.user);
        if self.password.is_none() {
            self.password = other.password;
            self.password_source = other.password_source;
        }
        self.dbname = self.dbname.or(other.dbname);
        self.sslmode = self.sslmode.or(other.sslmode);
        self.sslrootcert = self.sslrootcert.or(other.sslrootcert);
        self.sslcert = self.sslcert.or(other.sslcert);
        self.sslkey = self.sslkey.or(other.sslkey);
        self.passfile = self.passfile.or(other.passfile);
        self.service = self.service.or(other.service);
        self.connect_timeout = self.connect_timeout.or(other.connect_timeout);
        self
    }
}

/// libpq's default socket directory on Debian.
pub const DEFAULT_SOCKET_DIR: &str = "/var/run/postgresql";

fn default_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "postgres".into())
}

/// Where a piece of a connection string sits, for error messages: the string itself is never
/// shown, since it may hold a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

fn url_error(url: &str, at: Span, why: &str) -> Fatal {
    // Character positions (1-based), not bytes.
    let pos = |b: usize| url.get(..b).map(|s| s.chars().count()).unwrap_or(0);
    let (a, b) = (pos(at.start) + 1, pos(at.end).max(pos(at.start) + 1));
    let place = if a == b {
        format!("character {a}")
    } else {
        format!("characters {a}-{b}")
    };
    Fatal::usage(format!(
        "--db-url: {why} ({place} of {}; the value is not shown, it may hold a password)",
        url.chars().count()
    ))
}

/// The accepted range of a timeout option, in seconds.
pub const CONNECT_TIMEOUT_SECS: std::ops::RangeInclusive<u64> = 1..=600;
pub const STATEMENT_TIMEOUT_SECS: std::ops::RangeInclusive<u64> = 1..=86_400;

/// Checks a timeout against its range; `what` names the option in the message.
pub fn timeout_in_range(
    what: &str,
    secs: u64,
    range: &std::ops::RangeInclusive<u64>,
) -> Result<Duration, Fatal> {
    if range.contains(&secs) {
        Ok(Duration::from_secs(secs))
    } else {
        Err(Fatal::usage(format!(
            "{what}: {secs} is out of range: give a number of seconds from {} to {}",
            range.start(),
            range.end()
        )))
    }
}

/// The connection parameters odoo-audit reads (libpq's names).
const PARAMETERS: &str = "host, port, user, password, dbname, sslmode, sslrootcert, sslcert, sslkey, passfile, service, connect_timeout";

/// Sets the connection parameter `k` of a URL, a connection string or a service file (named by
/// `source` where the password came from); the error says why, never the value.
fn set_param(spec: &mut ConnSpec, k: &str, v: String, source: &'static str) -> Result<(), String> {
    let bad = |why: &str| why.to_string();
    match k {
            "host" => spec.host = Some(v),
            "port" => {
                spec.port = Some(
                    v.parse::<u16>()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
                )
            }
            "user" => spec.user = Some(v),
            "password" => {
                spec.password = Some(v);
                spec.password_source = Some(source);
            }
            "dbname" => spec.dbname = Some(v),
            "sslmode" => {
                spec.sslmode = Some(SslMode::parse(&v).ok_or_else(|| {
                    bad("unknown sslmode (expected disable, allow, prefer, require, verify-ca or verify-full)")
                })?)
            }
            "sslrootcert" => spec.sslrootcert = Some(PathBuf::from(v)),
            "sslcert" => spec.sslcert = Some(PathBuf::from(v)),
            "sslkey" => spec.sslkey = Some(PathBuf::from(v)),
            "passfile" => spec.passfile = Some(PathBuf::from(v)),
            "service" => spec.service = Some(v),
            "connect_timeout" => {
                let secs: u64 = v
                    .parse()
                    .map_err(|_| bad("connect_timeout is not a number of seconds"))?;
                spec.connect_timeout = Some(
                    timeout_in_range("connect_timeout", secs, &CONNECT_TIMEOUT_SECS)
                        .map_err(|_| {
                            bad(&format!(
                                "connect_timeout is out of range: give {} to {} seconds",
                                CONNECT_TIMEOUT_SECS.start(),
                                CONNECT_TIMEOUT_SECS.end()
                            ))
                        })?,
                );
            }
            "application_name" | "options" => {}
            _ => return Err(format!("unsupported parameter (supported: {PARAMETERS})")),
        }
    Ok(())
}

/// Parses a `postgres://` URL or a `key=value` connection string into a spec. Unlike the
/// `postgres` crate, it accepts `sslmode=verify-ca|verify-full` and `sslrootcert`. In a URL,
/// everything before the last `@` is the user and password, so a generated password may hold
/// unencoded `/`, `?`, `#`, `:` or `@`. Errors name the position of the bad part, never its text.
pub fn parse_url(url: &str) -> Result<ConnSpec, Fatal> {
    let mut spec = ConnSpec::default();
    let set = |spec: &mut ConnSpec, k: &str, v: String, at: Span| -> Result<(), Fatal> {
        set_param(spec, k, v, "--db-url").map_err(|why| url_error(url, at, &why))
    };
    let scheme = ["postgres://", "postgresql://"]
        .iter()
        .find(|p| url.starts_with(*p))
        .map(|p| p.len());
    let Some(base) = scheme else {
        for (k, v, at) in split_keyvalues(url).map_err(|(at, why)| url_error(url, at, why))? {
            set(&mut spec, &k, v, at)?;
        }
        return Ok(spec);
    };
    let span = |a: usize, b: usize| Span {
        start: base + a,
        end: base + b,
    };
    let rest = &url[base..];
    let (userinfo, after) = match rest.rfind('@') {
        Some(i) => (Some((&rest[..i], 0)), i + 1),
        None => (None, 0),
    };
    if let Some((u, off)) = userinfo {
        match u.find(':') {
            Some(c) => {
                if c > 0 {
                    set(
                        &mut spec,
                        "user",
                        percent_decode(&u[..c]),
                        span(off, off + c),
                    )?;
                }
                set(
                    &mut spec,
                    "password",
                    percent_decode(&u[c + 1..]),
                    span(off + c + 1, off + u.len()),
                )?;
            }
            None if !u.is_empty() => set(
                &mut spec,
                "user",
                percent_decode(u),
                span(off, off + u.len()),
            )?,
            None => {}
        }
    }
    let tail = &rest[after..];
    let path_at = tail.find(['/', '?']).unwrap_or(tail.len());
    let hostport = &tail[..path_at];
    let (path, query, query_at) = match tail[path_at..].strip_prefix('/') {
        Some(p) => match p.split_once('?') {
            Some((a, b)) => (a, b, after + path_at + 1 + a.len() + 1),
            None => (p, "", tail.len()),
        },
        None => {
            let q = tail[path_at..].strip_prefix('?').unwrap_or("");
            ("", q, after + path_at + 1)
        }
    };
    if !hostport.is_empty() {
        let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
            let close = h
                .find(']')
                .ok_or_else(|| url_error(url, span(after, after + 1), "unclosed `[`"))?;
            (
                (&h[..close], after + 1),
                h[close + 1..]
                    .strip_prefix(':')
                    .map(|p| (p, after + 1 + close + 2)),
            )
        } else {
            match hostport.rfind(':') {
                Some(c) => (
                    (&hostport[..c], after),
                    Some((&hostport[c + 1..], after + c + 1)),
                ),
                None => ((hostport, after), None),
            }
        };
        if !host.0.is_empty() {
            set(
                &mut spec,
                "host",
                percent_decode(host.0),
                span(host.1, host.1 + host.0.len()),
            )?;
        }
        if let Some((p, at)) = port.filter(|p| !p.0.is_empty()) {
            set(&mut spec, "port", p.to_string(), span(at, at + p.len()))?;
        }
    }
    if !path.is_empty() {
        let at = after + path_at + 1;
        set(
            &mut spec,
            "dbname",
            percent_decode(path),
            span(at, at + path.len()),
        )?;
    }
    let mut at = query_at;
    for pair in query.split('&') {
        if !pair.is_empty() {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            set(
                &mut spec,
                &percent_decode(k),
                percent_decode(v),
                span(at, at + pair.len()),
            )?;
        }
        at += pair.len() + 1;
    }
    Ok(spec)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

type KeyValueError = (Span, &'static str);

/// Splits libpq's `key=value key='quoted value'` syntax; each pair with the span it covers.
fn split_keyvalues(s: &str) -> Result<Vec<(String, String, Span)>, KeyValueError> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    let skip_space = |chars: &mut std::iter::Peekable<std::str::CharIndices>| {
        while chars.peek().is_some_and(|(_, c)| c.is_whitespace()) {
            chars.next();
        }
    };
    loop {
        skip_space(&mut chars);
        let Some(&(start, _)) = chars.peek() else {
            break;
        };
        let mut key = String::new();
        while let Some(&(_, c)) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        skip_space(&mut chars);
        let here = |chars: &mut std::iter::Peekable<std::str::CharIndices>| {
            chars.peek().map(|(i, _)| *i).unwrap_or(s.len())
        };
        if chars.peek().map(|(_, c)| *c) != Some('=') {
            let end = here(&mut chars);
            return Err((Span { start, end }, "a parameter without `=`"));
        }
        chars.next();
        skip_space(&mut chars);
        let mut value = String::new();
        if chars.peek().map(|(_, c)| *c) == Some('\'') {
            chars.next();
            loop {
                match chars.next() {
                    None => {
                        return Err((
                            Span {
                                start,
                                end: s.len(),
                            },
                            "a quoted value without its closing quote",
                        ))
                    }
                    Some((_, '\\')) => {
                        if let Some((_, c)) = chars.next() {
                            value.push(c)
                        }
                    }
                    Some((_, '\'')) => break,
                    Some((_, c)) => value.push(c),
                }
            }
        } else {
            while let Some(&(_, c)) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '\\' {
                    if let Some((_, n)) = chars.next() {
                        value.push(n);
                    }
                    continue;
                }
                value.push(c);
            }
        }
        let end = here(&mut chars);
        out.push((key, value, Span { start, end }));
    }
    Ok(out)
}

/// Replaces control characters (and other invisible ones that move the cursor) by escapes,
/// so text from the server or the inputs cannot drive a terminal or a CI log.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A message from the server or the driver, made safe to print: the password (as given and
/// percent-encoded) is replaced, newlines joined, control characters escaped.
pub fn sanitize(msg: &str, spec: &ConnSpec) -> String {
    let mut msg = msg.to_string();
    if let Some(p) = spec.password.as_deref().filter(|p| !p.is_empty()) {
        msg = msg.replace(p, "<redacted>");
        let encoded: String = p
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        msg = msg.replace(&encoded, "<redacted>");
        msg = msg.replace(&encoded.to_lowercase(), "<redacted>");
    }
    let joined: Vec<&str> = msg
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    escape_controls(&joined.join(" "))
}

/// The spec from libpq's environment variables.
pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<ConnSpec, Fatal> {
    let get = |k: &str| env(k).filter(|v| !v.is_empty());
    let mut spec = ConnSpec {
        host: get("PGHOST"),
        user: get("PGUSER"),
        dbname: get("PGDATABASE"),
        sslrootcert: get("PGSSLROOTCERT").map(PathBuf::from),
        sslcert: get("PGSSLCERT").map(PathBuf::from),
        sslkey: get("PGSSLKEY").map(PathBuf::from),
        passfile: get("PGPASSFILE").map(PathBuf::from),
        ..ConnSpec::default()
    };
    if let Some(p) = get("PGPASSWORD") {
        spec.password = Some(p);
        spec.password_source = Some("PGPASSWORD");
    }
    if let Some(p) = get("PGPORT") {
        spec.port = Some(
            p.parse()
                .map_err(|_| Fatal::usage("PGPORT: not a port number (the value is not shown)"))?,
        );
    }
    if let Some(m) = get("PGSSLMODE") {
        spec.sslmode = Some(SslMode::parse(&m).ok_or_else(|| {
            Fatal::usage(format!(
                "PGSSLMODE: unknown sslmode `{}`",
                escape_controls(&m)
            ))
        })?);
    }
    if let Some(t) = get("PGCONNECT_TIMEOUT") {
        let secs: u64 = t.trim().parse().map_err(|_| {
            Fatal::usage("PGCONNECT_TIMEOUT: not a number of seconds (the value is not shown)")
        })?;
        // libpq waits at least 2 s; 0 (wait forever) is refused: every wait is bounded.
        let secs = if secs == 0 { 0 } else { secs.max(2) };
        spec.connect_timeout = Some(timeout_in_range(
            "PGCONNECT_TIMEOUT",
            secs,
            &CONNECT_TIMEOUT_SECS,
        )?);
    }
    Ok(spec)
}

/// The spec from odoo.conf's `db_*` options, read as Odoo reads them (`False`/`None` mean
/// unset).
pub fn from_conf(conf: &OdooConf) -> Result<ConnSpec, Fatal> {
    let get = |k: &str| {
        conf.get(k)
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "False" && *v != "None")
            .map(str::to_string)
    };
    let where_ = |k: &str| {
        escape_controls(&format!(
            "{}:{}",
            conf.path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            conf.line_of(k).unwrap_or(0)
        ))
    };
    let mut spec = ConnSpec {
        host: get("db_host"),
        user: get("db_user"),
        dbname: get("db_name"),
        ..ConnSpec::default()
    };
    if let Some(p) = get("db_password") {
        spec.password = Some(p);
        spec.password_source = Some("db_password in the Odoo config");
    }
    if let Some(p) = get("db_port") {
        spec.port = Some(p.parse().map_err(|_| {
            Fatal::usage(format!(
                "{}: db_port `{}` is not a port number",
                where_("db_port"),
                escape_controls(&p)
            ))
        })?);
    }
    if let Some(m) = get("db_sslmode") {
        spec.sslmode = Some(SslMode::parse(&m).ok_or_else(|| {
            Fatal::usage(format!(
                "{}: unknown db_sslmode `{}`",
                where_("db_sslmode"),
                escape_controls(&m)
            ))
        })?);
    }
    // Odoo's db_name may list several databases separated by commas; the first is the default.
    if let Some(n) = spec.dbname.take() {
        spec.dbname = n
            .split(',')
            .map(str::trim)
            .find(|s| !s.is_empty())
            .map(str::to_string);
    }
    Ok(spec)
}

/// The inputs of [`resolve`].
pub struct Sources<'a> {
    pub url: Option<&'a str>,
    pub database: Option<&'a str>,
    pub conf: Option<&'a OdooConf>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub home: Option<PathBuf>,
}

/// libpq's system configuration directory on Debian (`PGSYSCONFDIR` overrides it).
pub const DEFAULT_SYSCONFDIR: &str = "/etc/postgresql-common";

/// Resolves the connection as libpq does: options (`--db-url`, `-d`), then the entries of the
/// service (`service=` or `PGSERVICE`), then the environment, then odoo.conf; then the password
/// file for a missing password and the files of `~/.postgresql` for the certificates.
pub fn resolve(src: &Sources) -> Result<ConnSpec, Fatal> {
    let mut cli = match src.url {
        Some(u) => parse_url(u)?,
        None => ConnSpec::default(),
    };
    if let Some(d) = src.database {
        cli.dbname = Some(d.to_string());
    }
    let get = |k: &str| (src.env)(k).filter(|v| !v.is_empty());
    let service = match cli.service.clone().or_else(|| get("PGSERVICE")) {
        Some(name) => service_spec(&name, src)?,
        None => ConnSpec::default(),
    };
    let env = from_env(src.env)?;
    let conf = match src.conf {
        Some(c) => from_conf(c)?,
        None => ConnSpec::default(),
    };
    let mut spec = cli.or(service).or(env).or(conf);
    if spec.dbname.is_none() {
        return Err(Fatal::usage(
            "no database: pass -d NAME or --db-url, set PGDATABASE, or db_name in the Odoo config",
        ));
    }
    if spec.password.is_none() {
        let file = spec
            .passfile
            .clone()
            .or_else(|| src.home.as_ref().map(|h| h.join(".pgpass")));
        if let Some(file) = file {
            match read_passfile(&file, &spec) {
                Ok(Some(p)) => {
                    spec.password = Some(p);
                    spec.password_source = Some("the password file");
                }
                Ok(None) => {}
                Err(why) => {
                    spec.ignored_passfile = Some(format!(
                        "password file \"{}\" {why}",
                        escape_controls(&file.display().to_string())
                    ))
                }
            }
        }
    }
    // libpq's defaults in ~/.postgresql: used when the file exists.
    if let Some(dir) = src.home.as_ref().map(|h| h.join(".postgresql")) {
        let exists = |p: &PathBuf| p.exists().then(|| p.clone());
        if spec.sslcert.is_none() {
            spec.sslcert = exists(&dir.join("postgresql.crt"));
        }
        if spec.sslkey.is_none() {
            spec.sslkey = Some(dir.join("postgresql.key"));
        }
        if spec.sslrootcert.is_none() {
            spec.sslrootcert = Some(dir.join("root.crt"));
        }
    }
    Ok(spec)
}

/// The entries of service `name`: from `PGSERVICEFILE` (else `~/.pg_service.conf`), else from
/// `PGSYSCONFDIR/pg_service.conf`; the first file that has the service wins. A service no file
/// has is an error, as in libpq.
fn service_spec(name: &str, src: &Sources) -> Result<ConnSpec, Fatal> {
    let get = |k: &str| (src.env)(k).filter(|v| !v.is_empty());
    let user_file = get("PGSERVICEFILE")
        .map(PathBuf::from)
        .or_else(|| src.home.as_ref().map(|h| h.join(".pg_service.conf")));
    let sys_file = PathBuf::from(get("PGSYSCONFDIR").unwrap_or_else(|| DEFAULT_SYSCONFDIR.into()))
        .join("pg_service.conf");
    for file in user_file.into_iter().chain([sys_file]) {
        if !file.exists() {
            continue;
        }
        if let Some(spec) = read_service_file(&file, name)? {
            return Ok(spec);
        }
    }
    Err(Fatal::usage(format!(
        "definition of service \"{}\" not found",
        escape_controls(name)
    )))
}

/// The entries of service `name` in the service file `file` (`[name]` sections of
/// `keyword=value` lines, `#` comments), or `None` when the file has no such section. Errors
/// name the file and line, never the line's text (it may hold a password).
pub fn read_service_file(file: &Path, name: &str) -> Result<Option<ConnSpec>, Fatal> {
    let shown = escape_controls(&file.display().to_string());
    let text = std::fs::read_to_string(file)
        .map_err(|e| Fatal::usage(format!("service file \"{shown}\": cannot read: {e}")))?;
    let mut spec: Option<ConnSpec> = None;
    let mut in_group = false;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |why: &str| {
            Fatal::usage(format!(
                "{why} in service file \"{shown}\", line {} (the line is not shown, it may hold a password)",
                n + 1
            ))
        };
        if let Some(group) = line.strip_prefix('[') {
            if spec.is_some() {
                // The service's section ended.
                break;
            }
            in_group = group.strip_suffix(']').map(str::trim) == Some(name);
            if in_group {
                spec = Some(ConnSpec::default());
            }
            continue;
        }
        let Some(current) = spec.as_mut().filter(|_| in_group) else {
            continue;
        };
        let (k, v) = line.split_once('=').ok_or_else(|| at("syntax error"))?;
        let k = k.trim();
        if k == "service" {
            return Err(at("nested service specifications not supported"));
        }
        // The first value of a keyword wins (libpq sets only unset options).
        let mut one = ConnSpec::default();
        set_param(&mut one, k, v.trim().to_string(), "the service file").map_err(|w| at(&w))?;
        *current = std::mem::take(current).or(one);
    }
    Ok(spec)
}

/// Looks a password up in a libpq password file (`host:port:db:user:password`, `*` matches
/// anything, `\:` and `\\` escape, first match wins). Like libpq, a file readable by group or
/// others is ignored (see [`read_passfile`]).
pub fn pgpass_lookup(file: &Path, spec: &ConnSpec) -> Option<String> {
    read_passfile(file, spec).ok().flatten()
}

/// The password of `spec` in the password file `file`; `Ok(None)` when the file is missing or
/// has no matching line. `Err` is libpq's reason to ignore the file, for its warning: "has
/// group or world access; permissions should be u=rw (0600) or less", "is not a plain file".
pub fn read_passfile(file: &Path, spec: &ConnSpec) -> Result<Option<String>, &'static str> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(file) else {
        return Ok(None);
    };
    if !meta.is_file() {
        return Err("is not a plain file");
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Err("has group or world access; permissions should be u=rw (0600) or less");
    }
    let Ok(text) = std::fs::read_to_string(file) else {
        return Ok(None);
    };
    // As libpq: no host and the default socket directory match `localhost`; another socket
    // directory matches itself.
    let host = match spec.host.as_deref() {
        None | Some("") | Some(DEFAULT_SOCKET_DIR) => "localhost".to_string(),
        Some(h) => h.to_string(),
    };
    let port = spec.port.unwrap_or(5432).to_string();
    let db = spec.dbname.clone().unwrap_or_default();
    let user = spec.user.clone().unwrap_or_else(default_user);
    let wanted = [host.as_str(), port.as_str(), db.as_str(), user.as_str()];
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() < 5 {
            continue;
        }
        let matches = wanted.iter().zip(&fields).all(|(w, f)| f == "*" || f == w);
        if matches {
            return Ok(Some(fields[4..].join(":")));
        }
    }
    Ok(None)
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    if let Some(last) = out.last_mut() {
                        last.push(n);
                    }
                }
            }
            ':' if out.len() < 5 => out.push(String::new()),
            c => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn url_forms() {
        let s = parse_url(
            "postgres://odoo:p%40ss@db.example:6432/prod?sslmode=verify-full&sslrootcert=/ca.pem",
        )
        .unwrap();
        assert_eq!(s.host.as_deref(), Some("db.example"));
        assert_eq!(s.port, Some(6432));
        assert_eq!(s.user.as_deref(), Some("odoo"));
        assert_eq!(s.password.as_deref(), Some("p@ss"));
        assert_eq!(s.dbname.as_deref(), Some("prod"));
        assert_eq!(s.sslmode, Some(SslMode::VerifyFull));
        assert_eq!(s.sslrootcert, Some(PathBuf::from("/ca.pem")));
        let s = parse_url("host=/tmp port=5433 dbname='my db' user=x").unwrap();
        assert_eq!(s.host.as_deref(), Some("/tmp"));
        assert_eq!(s.dbname.as_deref(), Some("my db"));
        assert!(parse_url("postgres://h/db?bogus=1").is_err());
        assert!(parse_url("postgres://h:notaport/db").is_err());
    }

    #[test]
    fn generated_passwords_need_no_encoding() {
        for (url, pw) in [
            ("postgres://odoo:Pw_Leak/4242@host/db", "Pw_Leak/4242"),
            (
                "postgres://odoo:a?b=c&d@host:6432/db?sslmode=disable",
                "a?b=c&d",
            ),
            ("postgres://odoo:x@y:z#w@[::1]:5433/db", "x@y:z#w"),
        ] {
            let s = parse_url(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(s.user.as_deref(), Some("odoo"), "{url}");
            assert_eq!(s.password.as_deref(), Some(pw), "{url}");
            assert_eq!(s.dbname.as_deref(), Some("db"), "{url}");
            assert!(!s.describe().contains(pw), "{}", s.describe());
        }
        let s = parse_url("postgres://odoo:a?b=c&d@host:6432/db?sslmode=disable").unwrap();
        assert_eq!(s.host.as_deref(), Some("host"));
        assert_eq!(s.port, Some(6432));
        assert_eq!(s.sslmode, Some(SslMode::Disable));
        let s = parse_url("postgres://odoo:x@y:z#w@[::1]:5433/db").unwrap();
        assert_eq!(s.host.as_deref(), Some("::1"));
        assert_eq!(s.port, Some(5433));
        // No user info at all; a query right after the host.
        let s = parse_url("postgresql://h?dbname=d&port=7").unwrap();
        assert_eq!(
            (s.host.as_deref(), s.dbname.as_deref(), s.port),
            (Some("h"), Some("d"), Some(7))
        );
    }

    #[test]
    fn parse_errors_name_positions_not_text() {
        let secret = "S3cr3t_Pw";
        for bad in [
            format!("postgres://odoo:{secret}@host:{secret}/db"),
            format!("postgres://odoo:pw@host/db?sslmode={secret}"),
            format!("postgres://odoo:pw@host/db?{secret}=1"),
            format!("postgres://odoo:pw@host/db?connect_timeout={secret}"),
            format!("postgres://odoo:pw@[{secret}/db"),
            format!("host=h password={secret} {secret}"),
            format!("host=h password='{secret}"),
            format!("host=h password={secret} sslmode={secret}"),
            format!("host=h port={secret} password={secret}"),
        ] {
            let e = parse_url(&bad).unwrap_err();
            assert_eq!(e.code, crate::exit::USAGE, "{bad}");
            assert!(!e.message.contains(secret), "{bad}: {}", e.message);
            assert!(e.message.contains("character"), "{bad}: {}", e.message);
        }
        let e = parse_url("postgres://odoo:pw@host:Pw_Leak/db").unwrap_err();
        assert!(
            e.message
                .contains("the port is not a number from 1 to 65535 (characters 25-31 of 34"),
            "{}",
            e.message
        );
        assert!(parse_url("postgres://h:0/db").is_err());
    }

    #[test]
    fn timeouts_are_range_checked() {
        for (u, ok) in [
            ("postgres://h/d?connect_timeout=0", false),
            ("postgres://h/d?connect_timeout=601", false),
            ("postgres://h/d?connect_timeout=99999999999999999999", false),
            ("postgres://h/d?connect_timeout=600", true),
        ] {
            assert_eq!(parse_url(u).is_ok(), ok, "{u}");
        }
        for (v, ok) in [("0", false), ("1", true), ("601", false), ("x", false)] {
            let env = env_of(&[("PGCONNECT_TIMEOUT", v)]);
            let r = from_env(&env);
            assert_eq!(r.is_ok(), ok, "PGCONNECT_TIMEOUT={v}");
            if let Err(e) = r {
                assert_eq!(e.code, crate::exit::USAGE);
            }
        }
        let env = env_of(&[("PGCONNECT_TIMEOUT", "1")]);
        assert_eq!(
            from_env(&env).unwrap().connect_timeout,
            Some(Duration::from_secs(2))
        );
        let e = timeout_in_range("--statement-timeout", 0, &STATEMENT_TIMEOUT_SECS).unwrap_err();
        assert_eq!(
            e.message,
            "--statement-timeout: 0 is out of range: give a number of seconds from 1 to 86400"
        );
    }

    #[test]
    fn server_text_is_sanitized() {
        let spec = parse_url("postgres://odoo:p@ss/w%rd@h/db").unwrap();
        assert_eq!(spec.password.as_deref(), Some("p@ss/w%rd"));
        let msg = "FATAL: no p@ss/w%rd here\nnor p%40ss%2Fw%25rd\n\u{1b}[31mred";
        let out = sanitize(msg, &spec);
        assert!(!out.contains("p@ss"), "{out}");
        assert!(!out.contains("%40ss"), "{out}");
        assert!(!out.contains('\u{1b}') && !out.contains('\n'), "{out}");
        assert!(out.contains("\\u{1b}[31mred"), "{out}");
        let spec = ConnSpec {
            dbname: Some("db\u{7}\u{202e}x".into()),
            ..ConnSpec::default()
        };
        assert!(
            spec.describe().ends_with("/db\\u{7}\\u{202e}x"),
            "{}",
            spec.describe()
        );
    }

    #[test]
    fn debug_redacts_password() {
        let s = parse_url("postgres://u:hunter2@h/db").unwrap();
        let shown = format!("{s:?} {}", s.describe());
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn precedence_cli_env_conf() {
        let conf = OdooConf::parse(
            "[options]\ndb_host = confhost\ndb_port = 5999\ndb_user = confuser\ndb_password = confpw\ndb_name = confdb\n",
            "odoo.conf",
        )
        .unwrap();
        let env = env_of(&[("PGHOST", "envhost"), ("PGUSER", "envuser")]);
        let s = resolve(&Sources {
            url: None,
            database: Some("clidb"),
            conf: Some(&conf),
            env: &env,
            home: None,
        })
        .unwrap();
        assert_eq!(s.dbname.as_deref(), Some("clidb"));
        assert_eq!(s.host.as_deref(), Some("envhost"));
        assert_eq!(s.user.as_deref(), Some("envuser"));
        assert_eq!(s.port, Some(5999));
        assert_eq!(s.password.as_deref(), Some("confpw"));
    }

    #[test]
    fn conf_false_means_unset() {
        let conf = OdooConf::parse(
            "[options]\ndb_host = False\ndb_password = False\ndb_name = a,b\n",
            "odoo.conf",
        )
        .unwrap();
        let s = from_conf(&conf).unwrap();
        assert_eq!(s.host, None);
        assert_eq!(s.password, None);
        assert_eq!(s.dbname.as_deref(), Some("a"));
    }

    #[test]
    fn no_database_is_a_usage_error() {
        let env = env_of(&[]);
        let e = resolve(&Sources {
            url: None,
            database: None,
            conf: None,
            env: &env,
            home: None,
        })
        .unwrap_err();
        assert_eq!(e.code, crate::exit::USAGE);
    }

    #[test]
    fn pgpass_rules() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pgpass");
        std::fs::write(
            &f,
            "# comment\nother:*:*:*:nope\n127.0.0.1:5433:odoo18:odoo:s\\:ecret\n*:*:*:odoo:fallback\n",
        )
        .unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        let spec = ConnSpec {
            host: Some("127.0.0.1".into()),
            port: Some(5433),
            user: Some("odoo".into()),
            dbname: Some("odoo18".into()),
            ..ConnSpec::default()
        };
        assert_eq!(pgpass_lookup(&f, &spec).as_deref(), Some("s:ecret"));
        let other = ConnSpec {
            dbname: Some("x".into()),
            ..spec.clone()
        };
        assert_eq!(pgpass_lookup(&f, &other).as_deref(), Some("fallback"));
        // The default socket directory matches `localhost`, another one itself.
        std::fs::write(&f, "localhost:5432:*:odoo:local\n/tmp/pg:5432:*:odoo:tmp\n").unwrap();
        let at = |host: Option<&str>| ConnSpec {
            host: host.map(str::to_string),
            port: None,
            ..spec.clone()
        };
        assert_eq!(pgpass_lookup(&f, &at(None)).as_deref(), Some("local"));
        assert_eq!(
            pgpass_lookup(&f, &at(Some(DEFAULT_SOCKET_DIR))).as_deref(),
            Some("local")
        );
        assert_eq!(
            pgpass_lookup(&f, &at(Some("/tmp/pg"))).as_deref(),
            Some("tmp")
        );
        assert_eq!(pgpass_lookup(&f, &at(Some("/elsewhere"))), None);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(pgpass_lookup(&f, &at(None)), None);
    }

    #[test]
    fn system_roots_default_to_verify_full() {
        let s = parse_url("host=h dbname=d sslrootcert=system").unwrap();
        assert_eq!(s.effective_sslmode(), SslMode::VerifyFull);
        let s = parse_url("host=h dbname=d").unwrap();
        assert_eq!(s.effective_sslmode(), SslMode::Prefer);
    }

    fn sources<'a>(
        url: Option<&'a str>,
        env: &'a dyn Fn(&str) -> Option<String>,
        home: &Path,
    ) -> Sources<'a> {
        Sources {
            url,
            database: None,
            conf: None,
            env,
            home: Some(home.to_path_buf()),
        }
    }

    #[test]
    fn service_file_entries_beat_the_environment_and_lose_to_options() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("services");
        std::fs::write(
            &file,
            "# comment\n[other]\nhost=wrong\n\n[shop]\nhost = svchost\nport=6000\ndbname=svcdb\nuser=svcuser\nsslmode=require\nhost=second\n[after]\nuser=after\n",
        )
        .unwrap();
        let f = file.display().to_string();
        let env = env_of(&[
            ("PGSERVICEFILE", &f),
            ("PGHOST", "envhost"),
            ("PGUSER", "envuser"),
            ("PGPASSWORD", "envpw"),
        ]);
        let s = resolve(&sources(
            Some("service=shop user=cliuser"),
            &env,
            dir.path(),
        ))
        .unwrap();
        assert_eq!(s.host.as_deref(), Some("svchost"));
        assert_eq!(s.port, Some(6000));
        assert_eq!(s.user.as_deref(), Some("cliuser"));
        assert_eq!(s.dbname.as_deref(), Some("svcdb"));
        assert_eq!(s.sslmode, Some(SslMode::Require));
        assert_eq!(s.password.as_deref(), Some("envpw"));
        // PGSERVICE names it too; a URL's query as well.
        let env2 = env_of(&[("PGSERVICEFILE", &f), ("PGSERVICE", "shop")]);
        let s = resolve(&sources(None, &env2, dir.path())).unwrap();
        assert_eq!(s.user.as_deref(), Some("svcuser"));
        let s = resolve(&sources(
            Some("postgres:///?service=shop"),
            &env,
            dir.path(),
        ))
        .unwrap();
        assert_eq!(s.dbname.as_deref(), Some("svcdb"));
        // An unknown service is an error.
        let e = resolve(&sources(Some("service=nope"), &env, dir.path())).unwrap_err();
        assert_eq!(e.code, crate::exit::USAGE);
        assert!(e
            .message
            .contains("definition of service \"nope\" not found"));
    }

    #[test]
    fn service_files_home_then_sysconfdir() {
        let home = tempfile::tempdir().unwrap();
        let sys = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join(".pg_service.conf"), "[a]\ndbname=home_a\n").unwrap();
        std::fs::write(
            sys.path().join("pg_service.conf"),
            "[a]\ndbname=sys_a\n[b]\ndbname=sys_b\n",
        )
        .unwrap();
        let s = sys.path().display().to_string();
        let env = env_of(&[("PGSYSCONFDIR", &s)]);
        let got = |svc: &str| {
            resolve(&sources(Some(&format!("service={svc}")), &env, home.path()))
                .unwrap()
                .dbname
        };
        assert_eq!(got("a").as_deref(), Some("home_a"));
        assert_eq!(got("b").as_deref(), Some("sys_b"));
    }

    #[test]
    fn service_file_errors_hide_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s");
        for bad in [
            "[x]\npassword S3cr3t_Pw\n",
            "[x]\nS3cr3t_Pw=1\n",
            "[x]\nport=S3cr3t_Pw\n",
            "[x]\nservice=S3cr3t_Pw\n",
        ] {
            std::fs::write(&file, bad).unwrap();
            let e = read_service_file(&file, "x").unwrap_err();
            assert!(!e.message.contains("S3cr3t_Pw"), "{}", e.message);
            assert!(e.message.contains("line 2"), "{}", e.message);
        }
        std::fs::write(&file, "[y]\nbroken line\n").unwrap();
        assert!(read_service_file(&file, "x").unwrap().is_none());
    }

    #[test]
    fn passfile_keyword_and_loose_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pw");
        std::fs::write(&f, "*:*:*:*:from_passfile\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(dir.path().join(".pgpass"), "*:*:*:*:from_home\n").unwrap();
        std::fs::set_permissions(
            dir.path().join(".pgpass"),
            std::fs::Permissions::from_mode(0o640),
        )
        .unwrap();
        let env = env_of(&[]);
        let url = format!("dbname=d passfile={}", f.display());
        let s = resolve(&sources(Some(&url), &env, dir.path())).unwrap();
        assert_eq!(s.password.as_deref(), Some("from_passfile"));
        assert_eq!(s.ignored_passfile, None);
        // ~/.pgpass, readable by the group: ignored, with libpq's warning.
        let s = resolve(&sources(Some("dbname=d"), &env, dir.path())).unwrap();
        assert_eq!(s.password, None);
        let w = s.ignored_passfile.unwrap();
        assert!(
            w.ends_with("has group or world access; permissions should be u=rw (0600) or less"),
            "{w}"
        );
        assert!(!w.contains("from_home"));
        let d = dir.path().display().to_string();
        let env = env_of(&[("PGPASSFILE", &d)]);
        let s = resolve(&sources(Some("dbname=d"), &env, dir.path())).unwrap();
        assert!(s.ignored_passfile.unwrap().ends_with("is not a plain file"));
    }

    #[test]
    fn client_certificate_defaults_and_sockets() {
        let dir = tempfile::tempdir().unwrap();
        let env = env_of(&[]);
        let s = resolve(&sources(Some("dbname=d"), &env, dir.path())).unwrap();
        assert_eq!(s.sslcert, None);
        let pg = dir.path().join(".postgresql");
        std::fs::create_dir(&pg).unwrap();
        std::fs::write(pg.join("postgresql.crt"), "x").unwrap();
        let s = resolve(&sources(Some("dbname=d"), &env, dir.path())).unwrap();
        assert_eq!(s.sslcert, Some(pg.join("postgresql.crt")));
        assert_eq!(s.sslkey, Some(pg.join("postgresql.key")));
        assert_eq!(s.sslrootcert, Some(pg.join("root.crt")));
        let env = env_of(&[("PGSSLCERT", "/c.pem"), ("PGSSLKEY", "/k.pem")]);
        let s = resolve(&sources(
            Some("dbname=d sslkey=/mine.key"),
            &env,
            dir.path(),
        ))
        .unwrap();
        assert_eq!(s.sslcert, Some(PathBuf::from("/c.pem")));
        assert_eq!(s.sslkey, Some(PathBuf::from("/mine.key")));
        for (host, socket) in [
            (None, true),
            (Some("/run/pg"), true),
            (Some("@abstract"), true),
            (Some("db.example"), false),
            (Some("127.0.0.1"), false),
        ] {
            let s = ConnSpec {
                host: host.map(str::to_string),
                ..ConnSpec::default()
            };
            assert_eq!(s.is_unix_socket(), socket, "{host:?}");
        }
    }
}
