//! Hostile inputs end in a finding or a clear error within a bound: never a hang, a panic, a
//! write, a leaked secret or a raw control character in the output. One submodule per area.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod client_actions;
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
    // Drained on their own threads so that a large output cannot block the child; not UTF-8
    // is kept (lossy) for the asserts.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        })
    };
    let out_t = drain(Box::new(child.stdout.take().expect("stdout")));
    let err_t = drain(Box::new(child.stderr.take().expect("stderr")));
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
    // Hostile input never crashes the tool: no signal, no abort (134), no panic (101).
    let code = status
        .code()
        .unwrap_or_else(|| panic!("odoo-audit was killed by a signal: {status:?}"));
    assert!(
        code != 134 && code != 101,
        "odoo-audit crashed with exit {code}"
    );
    (
        code,
        out_t.join().unwrap_or_default(),
        err_t.join().unwrap_or_default(),
    )
}
