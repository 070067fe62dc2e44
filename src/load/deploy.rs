//! What the deploy gate's checks 3 to 13 judge, gathered from the machine: the Odoo binary's
//! version, the machine's cores and memory. Every command runs through [`crate::load::exec`]
//! with a timeout, every file is read through [`crate::load::fsread`]; the judging is in
//! `checks/deploy`.

use crate::config::settings::Settings;
use crate::load::exec::{Cmd, Ran};

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
