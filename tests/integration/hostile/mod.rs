//! Hostile inputs end in a finding or a clear error within a bound: never a hang, a panic, a
//! write, a leaked secret or a raw control character in the output. One submodule per area.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod db;
mod files;
mod output;

/// Runs the binary and fails the test if it has not ended after `limit` (a hang guard, not a
/// speed check); returns (exit code, stdout, stderr).
pub fn run_bounded(cmd: &mut Command, limit: Duration) -> (i32, String, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn odoo-audit");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("odoo-audit did not end within {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        status.code().unwrap_or(-1),
        out_t.join().unwrap_or_default(),
        err_t.join().unwrap_or_default(),
    )
}
