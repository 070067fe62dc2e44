//! The findings of `parity install` (`Y` codes): a module skipped because a module it needs
//! cannot be installed, the verdict of each `-i MODULE` run, and an install left incomplete by
//! missing modules.

use crate::finding::Finding;
use crate::routines::verdict::Expect;
use crate::routines::OdooRun;
use crate::rules::parity as r;

/// `module` was not run: it needs `blocker`, which cannot be installed.
pub fn blocked(module: &str, blocker: &str) -> Finding {
    Finding::new(
        &r::INSTALL_FAILED,
        format!("{module} not installed: it needs {blocker}, which cannot be installed"),
    )
    .module(module)
    .hint(format!(
        "install {blocker} first (see its finding), then run parity install again"
    ))
}

/// The findings of the run that installed `module`; its failure is attributed to the module.
pub fn step(run: &OdooRun, module: &str, expect: &Expect, apply_cmd: &str) -> Vec<Finding> {
    let mut out = crate::checks::deploy::odoo_run::findings(
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
    out
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
