//! The steps of `parity install` and their findings (`Y` codes): a module skipped because a
//! module it needs cannot be installed, the verdict of each `-i MODULE` run, and an install left
//! incomplete by missing modules.

use crate::checks::deploy::odoo_run;
use crate::checks::table::Check;
use crate::finding::Finding;
use crate::routines::verdict::Expect;
use crate::routines::OdooRun;
use crate::rules::parity as r;

/// Step `num` (`module`, by `command`) was not run: it needs `blocker`, which cannot be
/// installed.
pub fn blocked(num: usize, module: &str, command: &str, blocker: &str) -> Check {
    let mut c = odoo_run::step_not_run(num, module, command, format!("skipped: needs {blocker}"));
    c.findings.push(blocked_finding(module, blocker));
    c
}

fn blocked_finding(module: &str, blocker: &str) -> Finding {
    Finding::new(
        &r::INSTALL_FAILED,
        format!("{module} not installed: it needs {blocker}, which cannot be installed"),
    )
    .module(module)
    .hint(format!(
        "install {blocker} first (see its finding), then run parity install again"
    ))
}

/// Step `num`, the run that installed `module`, with its findings; its failure is attributed to
/// the module.
pub fn step(num: usize, run: &OdooRun, module: &str, expect: &Expect, apply_cmd: &str) -> Check {
    let mut out = odoo_run::findings(
        run,
        &r::INSTALL_FAILED,
        &format!("installing {module}"),
        expect,
        apply_cmd,
    );
    for f in &mut out {
        if f.is(&r::INSTALL_FAILED) && f.module.is_none() {
            f.module = Some(module.to_string());
        }
    }
    odoo_run::step_ran(num, module, run, "installed", out)
}

/// Modules of the chosen categories are missing, so the install is incomplete.
pub fn incomplete(missing: &[&str]) -> Finding {
    Finding::new(
        &r::INSTALL_INCOMPLETE,
        format!(
            "{} module(s) of the chosen categories are missing, so the install is incomplete: {}",
            missing.len(),
            missing.join(", ")
        ),
    )
    .hint("deploy their code (see the plan's package column), or leave them out with --skip CATEGORY or --allow-missing")
}
