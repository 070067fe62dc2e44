//! Checks 3, 4 and 10: Odoo's version (binary and database), database connectivity, and the
//! one-shot Odoo runs of `--full` (start on the database, module update), judged by their exit
//! status and the module states before and after.

use super::odoo_run::odoo_run;
use super::{Check, Deploy};
use crate::load::version::Series;
use crate::routines::verdict::Expect;
use crate::rules::deploy as r;

/// The series in `odoo-bin --version` output (`Odoo Server 18.0-20241105`, `Odoo Server saas~17.2`).
pub fn series_from_version_output(text: &str) -> Option<(Series, String)> {
    let re = regex::Regex::new(r"Odoo Server ((?:saas~)?\d+\.\d+)(\S*)").expect("regex");
    let caps = re.captures(text)?;
    let full = format!("{}{}", &caps[1], &caps[2]);
    Some((Series::parse(&caps[1])?, full))
}

/// Check 3. The series is the user's `expected_series` when set; otherwise the database's and
/// the binary's must agree.
pub fn check_version(d: &mut Deploy) -> Check {
    let mut c = Check::new(3, "Odoo version");
    let expected = d.settings.expected_series;
    let ran = d.odoo(&["--version"]).run(d.settings.command_timeout);
    let mut binary = None;
    if !ran.success() {
        c.fail(
            &r::VERSION,
            ran.failure(),
            "check odoo_command (the odoo-bin path or `docker compose exec <service> odoo`)",
        );
    } else {
        match series_from_version_output(&format!("{}\n{}", ran.stdout, ran.stderr)) {
            Some((series, full)) => {
                c.see(format!("odoo-bin: {full}"));
                binary = Some(series);
                if let Some(e) = expected.filter(|e| *e != series) {
                    c.fail(
                        &r::VERSION,
                        format!("odoo-bin is {series}, expected {e} (expected_series)"),
                        "deploy the image/checkout of the expected series, or fix expected_series",
                    );
                }
            }
            None => c.fail(
                &r::VERSION,
                format!(
                    "`{}` printed no `Odoo Server X.Y`: {}",
                    ran.display,
                    crate::load::exec::last_line(&ran.stdout).unwrap_or_default()
                ),
                "check that odoo_command runs Odoo",
            ),
        }
    }
    d.binary_series = binary;
    match &d.db {
        Ok(_) => {
            let base = d.modules.iter().find(|m| m.name == "base");
            let series = crate::load::db::series_from_modules(&d.modules);
            match (base.and_then(|b| b.latest_version.clone()), series) {
                (Some(v), Some(s)) => {
                    c.see(format!("database base: {v}"));
                    if let Some(e) = expected.filter(|e| *e != s) {
                        c.fail(
                            &r::VERSION,
                            format!("the database's base module is {v} (series {s}), expected {e} (expected_series)"),
                            "migrate the database to the expected series, or point at the right database",
                        );
                    } else if let Some(b) = binary.filter(|b| *b != s && expected.is_none()) {
                        c.fail(
                            &r::VERSION,
                            format!("odoo-bin is {b} but the database's base module is {v} (series {s})"),
                            "run the Odoo of the database's series, or migrate the database",
                        );
                    }
                }
                _ => c.fail(
                    &r::VERSION,
                    "the database has no installed base module version",
                    "is this an initialised Odoo database?",
                ),
            }
        }
        Err(_) => c.see("database: not connected (see check 4)"),
    }
    match d.series() {
        Some(s) if expected.is_some() => c.see(format!("series {s} (expected_series)")),
        Some(s) => c.see(format!("series {s} (detected)")),
        None => c.see("series unknown"),
    }
    c
}

/// Check 4.
pub fn check_database(d: &mut Deploy) -> Check {
    let mut c = Check::new(4, "database");
    match &d.db {
        Ok(db) => c.see(format!(
            "{} on PostgreSQL {}, connected in {} ms",
            db.spec.describe(),
            db.server_version,
            db.connect_time.as_millis()
        )),
        Err(e) => c.fail(
            &r::DATABASE,
            e.clone(),
            "check db_host/db_port/db_user/db_password (or --db-url) and the database service",
        ),
    }
    if !d.full {
        c.see("Odoo's own connection not tried (--quick)");
    } else if d.db.is_err() {
        c.see("Odoo not started: the database cannot be read, so its pending module operations cannot be listed");
    } else {
        // Odoo starting on the database must change nothing.
        odoo_run(
            d,
            &mut c,
            &r::DATABASE,
            "check4-odoo-db",
            &[],
            Expect::Nothing,
        );
        d.refresh_modules();
    }
    c
}

/// Check 10 (`--full`): `-u base --stop-after-init`.
pub fn check_update(d: &mut Deploy) -> Check {
    const NAME: &str = "module update";
    if !d.full {
        return Check::skipped(10, NAME, "--quick");
    }
    if d.db.is_err() {
        return Check::skipped(10, NAME, "the database cannot be read (check 4)");
    }
    let mut c = Check::new(10, NAME);
    odoo_run(
        d,
        &mut c,
        &r::UPDATE,
        "check10-update",
        &["-u".to_string(), "base".to_string()],
        Expect::Update(vec!["base".into()]),
    );
    d.refresh_modules();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_output() {
        let (s, full) = series_from_version_output("Odoo Server 18.0-20241105\n").unwrap();
        assert_eq!(s, Series::new(18, 0));
        assert_eq!(full, "18.0-20241105");
        let (s, _) = series_from_version_output("Odoo Server saas~17.2").unwrap();
        assert_eq!(s, Series::new(17, 2));
        assert!(series_from_version_output("Python 3.12").is_none());
    }
}
