//! Running external commands (`docker`, `odoo-bin`, `pg_restore`, `systemctl`…) safely.
//!
//! A command is a program and a list of arguments, never a string handed to a shell. Every run
//! has a timeout: past it the child and everything it started (its process group) are killed.
//! Standard output and standard error are captured in full (read on their own threads so a
//! chatty child cannot block on a full pipe) and kept for the findings.
//!
//! Because the child runs in its own process group, a Ctrl-C in the terminal reaches odoo-audit
//! but not the child: an Odoo update that was started is not cut off half-way by the terminal;
//! only the timeout stops it.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What happened to one command.
#[derive(Debug, Clone, Default)]
pub struct Ran {
    /// The command line, for messages (`program arg arg…`).
    pub display: String,
    /// Exit code; `None` when it could not start, timed out or died of a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    /// Why it could not start (`No such file or directory`…).
    pub spawn_error: Option<String>,
    /// Stopped (with its process group) because the run was interrupted (see
    /// [`Cmd::run_until`]).
    pub interrupted: bool,
    pub elapsed: Duration,
}

impl Ran {
    /// True when the command started, ended in time and exited with 0.
    pub fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }

    /// How the command ended, for a failure: it could not start, timed out, exited with a
    /// code, or died of a signal.
    pub fn ending(&self) -> String {
        if let Some(e) = &self.spawn_error {
            return format!("`{}` could not start: {e}", self.display);
        }
        if self.interrupted {
            return format!(
                "`{}` was stopped after {:.0} s: the run was interrupted (SIGINT/SIGTERM)",
                self.display,
                self.elapsed.as_secs_f64()
            );
        }
        if self.timed_out {
            return format!(
                "`{}` timed out after {:.0} s and was killed",
                self.display,
                self.elapsed.as_secs_f64()
            );
        }
        match self.code {
            Some(c) => format!("`{}` exited with {c}", self.display),
            None => format!("`{}` was killed by a signal", self.display),
        }
    }

    /// A one-line reason for a failure: spawn error, timeout, exit code, and the last line of
    /// standard error.
    pub fn failure(&self) -> String {
        let mut s = self.ending();
        if self.spawn_error.is_some() {
            return s;
        }
        if let Some(last) = last_line(&self.stderr).or_else(|| last_line(&self.stdout)) {
            s.push_str(": ");
            s.push_str(&last);
        }
        s
    }
}

/// The last non-blank line of a text, trimmed and shortened.
pub fn last_line(text: &str) -> Option<String> {
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?.trim();
    Some(shorten(line, 300))
}

/// At most `max` characters of `s`, with `…` when cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// A command to run: program, arguments, optional working directory and extra environment.
#[derive(Debug, Clone)]
pub struct Cmd {
    pub program: String,
    pub args: Vec<String>,
    pub dir: Option<std::path::PathBuf>,
    pub env: Vec<(String, String)>,
}

impl Cmd {
    pub fn new(program: impl Into<String>) -> Cmd {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            dir: None,
            env: Vec::new(),
        }
    }

    /// A command from an argument list (`["docker", "compose", "exec", "odoo", "odoo"]`).
    pub fn from_argv(argv: &[String]) -> Option<Cmd> {
        let (first, rest) = argv.split_first()?;
        let mut c = Cmd::new(first.clone());
        c.args = rest.to_vec();
        Some(c)
    }

    pub fn arg(mut self, a: impl Into<String>) -> Cmd {
        self.args.push(a.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn current_dir(mut self, dir: &Path) -> Cmd {
        self.dir = Some(dir.to_path_buf());
        self
    }

    /// `program arg arg…`, for messages (arguments with spaces are quoted).
    pub fn display(&self) -> String {
        std::iter::once(&self.program)
            .chain(self.args.iter())
            .map(|a| {
                if a.is_empty() || a.contains(char::is_whitespace) {
                    format!("'{a}'")
                } else {
                    a.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Sets an environment variable of the child (for values that must not be on its
    /// command line, which every local user can read in `ps`).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Cmd {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Runs the command with `timeout`; never panics, never waits longer than the timeout
    /// (plus the time to reap the killed children).
    pub fn run(&self, timeout: Duration) -> Ran {
        static NEVER: AtomicBool = AtomicBool::new(false);
        self.run_until(timeout, &NEVER)
    }

    /// Like [`Cmd::run`], and also stops the child and its process group as soon as `stop` is
    /// set (checked every 10 ms; a signal handler sets it on Ctrl-C), marking the run
    /// `interrupted`.
    pub fn run_until(&self, timeout: Duration, stop: &AtomicBool) -> Ran {
        let started = Instant::now();
        let mut ran = Ran {
            display: self.display(),
            ..Ran::default()
        };
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // its own process group, so that a timeout kills what it started too
            .process_group(0);
        if let Some(d) = &self.dir {
            command.current_dir(d);
        }
        for (k, v) in &self.env {
            command.env(k, v);
        }
        let mut child = match command.spawn() {
            Ok(c) => c,
            Err(e) => {
                ran.spawn_error = Some(e.to_string());
                ran.elapsed = started.elapsed();
                return ran;
            }
        };
        let out = child.stdout.take().map(reader);
        let err = child.stderr.take().map(reader);
        let pid = child.id() as i32;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if stop.load(Ordering::SeqCst) => {
                    ran.interrupted = true;
                    kill_group(pid);
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) if started.elapsed() >= timeout => {
                    ran.timed_out = true;
                    kill_group(pid);
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => {
                    ran.spawn_error = Some(format!("cannot wait for it: {e}"));
                    kill_group(pid);
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
            }
        };
        // Children that outlive the command (daemonised helpers) must not keep the pipes open.
        if status.is_some() {
            kill_group(pid);
        }
        ran.code = status.and_then(|s| s.code());
        ran.stdout = out.map(join).unwrap_or_default();
        ran.stderr = err.map(join).unwrap_or_default();
        ran.elapsed = started.elapsed();
        ran
    }
}

/// Reads a pipe of the child to its end, passing what it reads on to the progress shown on a
/// terminal ([`crate::progress::LastLine`]).
fn reader<R: Read + Send + 'static>(mut r: R) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut last = crate::progress::LastLine::default();
        let mut chunk = vec![0u8; 1 << 16];
        loop {
            match r.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    last.feed(&chunk[..n]);
                    buf.extend_from_slice(&chunk[..n]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        buf
    })
}

fn join(h: std::thread::JoinHandle<Vec<u8>>) -> String {
    String::from_utf8_lossy(&h.join().unwrap_or_default()).into_owned()
}

fn kill_group(pgid: i32) {
    if pgid > 0 {
        // SAFETY: kill(2) with a negative pid signals the process group we created for the
        // child; it has no memory-safety preconditions.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

/// Finds an executable on `PATH` (or checks a path that contains a `/`).
pub fn which(program: &str) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let is_exec = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    if program.contains('/') {
        let p = Path::new(program);
        return is_exec(p).then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| is_exec(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_both_streams_and_the_exit_code() {
        let r = Cmd::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .run(Duration::from_secs(10));
        assert_eq!(r.code, Some(3));
        assert_eq!(r.stdout.trim(), "out");
        assert_eq!(r.stderr.trim(), "err");
        assert!(!r.success());
        assert!(
            r.failure().contains("exited with 3: err"),
            "{}",
            r.failure()
        );
    }

    #[test]
    fn arguments_are_not_interpreted_by_a_shell() {
        let r = Cmd::new("echo")
            .arg("$(touch /tmp/odoo-audit-never); a;b")
            .run(Duration::from_secs(10));
        assert_eq!(r.stdout.trim(), "$(touch /tmp/odoo-audit-never); a;b");
        assert!(!Path::new("/tmp/odoo-audit-never").exists());
    }

    #[test]
    fn a_timeout_kills_the_child_and_its_children() {
        let started = Instant::now();
        // the grandchild holds stdout open: the group kill must close it
        let r = Cmd::new("sh")
            .args(["-c", "sleep 30 & sleep 30"])
            .run(Duration::from_millis(300));
        assert!(r.timed_out);
        assert_eq!(r.code, None);
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(r.failure().contains("timed out"), "{}", r.failure());
    }

    #[test]
    fn a_stop_request_kills_the_child_and_its_children() {
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let setter = stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            setter.store(true, Ordering::SeqCst);
        });
        let started = Instant::now();
        let r = Cmd::new("sh")
            .args(["-c", "sleep 30 & sleep 30"])
            .run_until(Duration::from_secs(60), &stop);
        assert!(r.interrupted && !r.timed_out);
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(r.failure().contains("interrupted"), "{}", r.failure());
    }

    #[test]
    fn the_environment_is_passed_to_the_child() {
        let r = Cmd::new("sh")
            .args(["-c", "echo \"$ODOO_AUDIT_X\""])
            .env("ODOO_AUDIT_X", "secret value")
            .run(Duration::from_secs(10));
        assert_eq!(r.stdout.trim(), "secret value");
        assert!(!r.display.contains("secret"));
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let r = Cmd::new("/nonexistent/odoo-bin").run(Duration::from_secs(1));
        assert!(r.spawn_error.is_some());
        assert!(r.failure().contains("could not start"));
    }
}
