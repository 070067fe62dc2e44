//! Checks 3, 4 and 10: Odoo's version (binary and database), database connectivity, and the
//! one-shot Odoo runs of `--full` (start on the database, module update; run by
//! [`crate::routines`]), judged by their exit status and the module states before and after.

use super::odoo_run::judge_run;
use super::Check;
use crate::load::db::Database;
use crate::load::db::DbModule;
use crate::load::exec::Ran;
use crate::load::version::Series;
use crate::routines::verdict::Expect;
use crate::routines::OdooRun;
use crate::rules::deploy as r;

/// The series in `odoo-bin --version` output (`Odoo Server 18.0-20241105`, `Odoo Server saas~17.2`).
pub fn series_from_version_output(text: &str) -> Option<(Series, String)> {
    let re = regex::Regex::new(r"Odoo Server ((?:saas~)?\d+\.\d+)(\S*)").expect("regex");
    let caps = re.captures(text)?;
    let full = format!("{}{}", &caps[1], &caps[2]);
    Some((Series::parse(&caps[1])?, full))
}

/// Check 3. The series is the user's `expected_series` when set; otherwise the database's and
/// the binary's must agree. `binary` is what `odoo-bin --version` did; `modules` the
/// database's module states, `None` when it is not connected. Returns the binary's series too.
pub fn check_version(
    binary: &Ran,
    expected: Option<Series>,
    modules: Option<&[DbModule]>,
) -> (Check, Option<Series>) {
    let mut c = Check::new(3, "Odoo version");
    let ran = binary;
    let mut binary = None;
    if !ran.success() {
        c.fail_about(
            "odoo-bin",
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
                    c.fail_about(
                        "odoo-bin",
                        &r::VERSION,
                        format!("odoo-bin is {series}, expected {e} (expected_series)"),
                        "deploy the image/checkout of the expected series, or fix expected_series",
                    );
                }
            }
            None => c.fail_about(
                "odoo-bin",
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
    let db_series = modules.and_then(crate::load::db::series_from_modules);
    match modules {
        Some(modules) => {
            let base = modules.iter().find(|m| m.name == "base");
            match (base.and_then(|b| b.latest_version.clone()), db_series) {
                (Some(v), Some(s)) => {
                    c.see(format!("database base: {v}"));
                    if let Some(e) = expected.filter(|e| *e != s) {
                        c.fail_about(
                            "database",
                            &r::VERSION,
                            format!("the database's base module is {v} (series {s}), expected {e} (expected_series)"),
                            "migrate the database to the expected series, or point at the right database",
                        );
                    } else if let Some(b) = binary.filter(|b| *b != s && expected.is_none()) {
                        c.fail_about(
                            "odoo-bin and database",
                            &r::VERSION,
                            format!("odoo-bin is {b} but the database's base module is {v} (series {s})"),
                            "run the Odoo of the database's series, or migrate the database",
                        );
                    }
                }
                _ => c.fail_about(
                    "database",
                    &r::VERSION,
                    "the database has no installed base module version",
                    "is this an initialised Odoo database?",
                ),
            }
        }
        None => c.see("database: not connected (see check 4)"),
    }
    // The deployment's series, as `Deploy::series` picks it.
    match expected.or(db_series).or(binary) {
        Some(s) if expected.is_some() => c.see(format!("series {s} (expected_series)")),
        Some(s) => c.see(format!("series {s} (detected)")),
        None => c.see("series unknown"),
    }
    (c, binary)
}

/// What check 4 runs with `--full`: Odoo starting on the database, which must change nothing.
pub const CHECK4_EXPECT: Expect = Expect::Nothing;

/// Check 4: the database session (or why there is none); with `--full` (`full`), the Odoo run
/// on it (`None` when the database cannot be read, so it was not started). `apply` is the
/// command that applies pending module operations.
pub fn check_database(
    db: &Result<Database, String>,
    full: bool,
    run: Option<&OdooRun>,
    apply: &str,
) -> Check {
    let mut c = Check::new(4, "database");
    match db {
        Ok(db) => c.see(format!(
            "{} on PostgreSQL {}, connected in {} ms",
            db.spec.describe(),
            db.server_version,
            db.connect_time.as_millis()
        )),
        Err(e) => c.fail_about(
            "database",
            &r::DATABASE,
            e.clone(),
            "check db_host/db_port/db_user/db_password (or --db-url) and the database service",
        ),
    }
    match run {
        _ if !full => c.see("Odoo's own connection not tried (--quick)"),
        None => c.see("Odoo not started: the database cannot be read, so its pending module operations cannot be listed"),
        Some(run) => judge_run(&mut c, run, &r::DATABASE, &CHECK4_EXPECT, apply),
    }
    c
}

/// What check 10 runs with `--full`: `-u base`.
pub fn check10_expect() -> Expect {
    Expect::Update(vec!["base".into()])
}

/// Check 10 (`--full`): `-u base --stop-after-init`, judged; `run` is `None` when it was not
/// run (`--quick`, or the database cannot be read: `db_readable`).
pub fn check_update(full: bool, db_readable: bool, run: Option<&OdooRun>, apply: &str) -> Check {
    const NAME: &str = "module update";
    if !full {
        return Check::skipped(10, NAME, "--quick");
    }
    let Some(run) = run.filter(|_| db_readable) else {
        return Check::skipped(10, NAME, "the database cannot be read (check 4)");
    };
    let mut c = Check::new(10, NAME);
    judge_run(&mut c, run, &r::UPDATE, &check10_expect(), apply);
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

    fn ran(code: i32, stdout: &str) -> Ran {
        crate::testdata::ran("odoo-bin --version", Some(code), stdout)
    }

    #[test]
    fn version_binary_against_database_and_expected_series() {
        use crate::checks::deploy::Status;
        use crate::testdata::db_module;
        let v18 = ran(0, "Odoo Server 18.0-20241105\n");
        let db17 = [db_module("base", "installed", Some("17.0.1.3"))];
        let (c, binary) = check_version(&v18, None, Some(&db17));
        assert_eq!(binary, Some(Series::new(18, 0)));
        assert_eq!(c.status, Status::Fail);
        assert!(c.findings[0]
            .message
            .contains("odoo-bin is 18.0 but the database's base module is 17.0.1.3"));
        let db18 = [db_module("base", "installed", Some("18.0.1.3"))];
        let (c, _) = check_version(&v18, None, Some(&db18));
        assert_eq!(c.status, Status::Pass, "{}", c.evidence_text());
        assert!(c.evidence_text().contains("series 18.0 (detected)"));
        let (c, _) = check_version(&v18, Some(Series::new(17, 0)), None);
        assert!(c.findings[0]
            .message
            .contains("odoo-bin is 18.0, expected 17.0 (expected_series)"));
        assert!(c.evidence_text().contains("database: not connected"));
        let (c, binary) = check_version(&ran(0, "Python 3.12\n"), None, Some(&[]));
        assert_eq!(binary, None);
        let msgs: Vec<&str> = c.findings.iter().map(|f| f.message.as_str()).collect();
        assert!(
            msgs[0].contains("printed no `Odoo Server X.Y`: Python 3.12"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].contains("no installed base module version"),
            "{msgs:?}"
        );
        assert!(c.evidence_text().contains("series unknown"));
    }

    fn odoo_run(code: i32, failure: Option<&str>) -> OdooRun {
        let mut ran = ran(code, "");
        ran.display = "odoo-bin -d prod --stop-after-init".into();
        ran.elapsed = std::time::Duration::from_millis(2500);
        OdooRun {
            cmd: crate::load::exec::Cmd::new("odoo-bin").args(["-d", "prod", "--stop-after-init"]),
            ran: Some(ran),
            log: Some("/tmp/check4-odoo-db.log".into()),
            refused: None,
            verdict: crate::routines::verdict::Verdict {
                failure: failure.map(String::from),
                compared: true,
                ..Default::default()
            },
            states_unknown: None,
        }
    }

    #[test]
    fn database_and_update_judge_the_odoo_runs() {
        use crate::checks::deploy::Status;
        let db: Result<Database, String> = Err("connection refused".into());
        let c = check_database(&db, false, None, "odoo-bin -d prod");
        assert_eq!(crate::testdata::codes(&c.findings), ["G004"]);
        assert!(c.evidence_text().contains("not tried (--quick)"));
        let c = check_database(&db, true, None, "odoo-bin -d prod");
        assert!(c.evidence_text().contains("Odoo not started"));
        let ok = odoo_run(0, None);
        let c = check_database(&db, true, Some(&ok), "odoo-bin -d prod");
        let seen = c.evidence_text();
        assert!(
            seen.contains("ran `odoo-bin -d prod --stop-after-init` in 2.5 s"),
            "{seen}"
        );
        assert!(seen.contains("log /tmp/check4-odoo-db.log"), "{seen}");
        assert!(seen.contains("module states compared: 0 changed"), "{seen}");

        assert_eq!(check_update(false, true, None, "").status, Status::Skip);
        assert_eq!(check_update(true, false, None, "").status, Status::Skip);
        let c = check_update(true, true, Some(&ok), "");
        assert_eq!(c.status, Status::Pass, "{:?}", c.findings);
        let failed = odoo_run(1, Some("exited with 1"));
        let c = check_update(true, true, Some(&failed), "");
        assert_eq!(c.status, Status::Fail);
        assert_eq!(crate::testdata::codes(&c.findings), ["G010"]);
        assert!(c.findings[0].message.contains("exited with 1"));
        assert_eq!(
            c.findings[0].file.as_deref(),
            Some("/tmp/check4-odoo-db.log")
        );
    }
}
