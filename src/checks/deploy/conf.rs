//! Checks 5 and 6: odoo.conf read the way Odoo reads it (RawConfigParser, no interpolation) and
//! held against Odoo's deployment guide; the addons paths.

use std::path::Path;

use super::Check;
use crate::config::odoo_conf::{ConfError, OdooConf};
use crate::load::addons::Inventory;
use crate::load::deploy::AddonsPaths;
pub use crate::load::deploy::Machine;
use crate::load::version::Series;
use crate::rules::deploy as r;

/// Master passwords that are defaults or trivially guessed.
const WEAK_PASSWORDS: &[&str] = &[
    "admin",
    "odoo",
    "password",
    "123456",
    "12345678",
    "changeme",
    "secret",
    "master",
    "postgres",
    "admin123",
    "odoo123",
    "superadmin",
    "test",
    "demo",
];

fn mib(bytes: u64) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

/// Whether an option is a secret whose value must never be shown.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "passw",
        "secret",
        "token",
        "api_key",
        "apikey",
        "private_key",
    ]
    .iter()
    .any(|p| k.contains(p))
}

/// Check 5 on a parsed file.
pub fn check_conf_file(conf: &OdooConf, series: Series, machine: Machine, compose: bool) -> Check {
    let mut c = Check::new(5, "odoo.conf");
    let file = conf.path.clone().unwrap_or_default();
    // The last finding is about the option `key`: where it is written, when it is.
    let at = |c: &mut Check, key: &str| {
        if let Some(f) = c.findings.last_mut() {
            f.about(key);
            if let Some(line) = conf.line_of(key) {
                f.file = Some(file.display().to_string());
                f.line = Some(line);
            }
        }
    };
    if conf.sections().iter().all(|s| *s != "options") {
        c.fail_about(
            "[options]",
            &r::CONF,
            "no [options] section: Odoo reads no option from this file",
            "put the options under [options]",
        );
        c.file_for_findings(&file);
        return c;
    }
    // RawConfigParser does not interpolate.
    for (key, value) in conf.options() {
        if value.contains("%(") {
            let shown = if is_secret_key(key) {
                "***".to_string()
            } else {
                value.to_string()
            };
            c.fail(
                &r::CONF_INTERPOLATION,
                format!(
                    "`{key}` = {shown} contains `%(`: Odoo reads odoo.conf with RawConfigParser, which does not expand %(env:VAR)s or %(name)s; the value is used literally"
                ),
                r::CONF_INTERPOLATION.fix,
            );
            at(&mut c, key);
        }
    }
    let get = |k: &str| {
        conf.get(k)
            .filter(|v| !v.is_empty() && *v != "None" && *v != "False")
    };
    let bool_of = |k: &str| conf.odoo_bool(k, series);

    match bool_of("proxy_mode") {
        Some(Ok(true)) => c.see("proxy_mode = True"),
        other => {
            c.fail(
                &r::CONF,
                format!(
                    "proxy_mode is {} (needed behind a reverse proxy: client IPs, https URLs)",
                    describe_bool(other)
                ),
                "set proxy_mode = True",
            );
            at(&mut c, "proxy_mode");
        }
    }

    let recommended = machine.cores * 2 + 1;
    let workers = get("workers").map(|w| w.trim().parse::<u64>());
    match workers {
        Some(Ok(w)) if w > 0 => {
            c.see(format!(
                "workers = {w} ({} cores: guide {recommended})",
                machine.cores
            ));
            if w as usize > recommended {
                c.warn(
                    &r::CONF,
                    format!("workers = {w} is more than (cores × 2) + 1 = {recommended}"),
                    format!("set workers = {recommended} or fewer"),
                );
                at(&mut c, "workers");
            }
        }
        Some(Err(_)) => {
            c.fail(
                &r::CONF,
                "workers is not a number",
                format!("set workers = {recommended}"),
            );
            at(&mut c, "workers");
        }
        _ => {
            c.fail(
                &r::CONF,
                "workers is 0 or unset: Odoo runs threaded, with no memory or time limits and no long-polling worker",
                format!("set workers = {recommended} ((cores × 2) + 1 for {} cores)", machine.cores),
            );
            at(&mut c, "workers");
        }
    }
    let workers_n = match workers {
        Some(Ok(w)) => w,
        _ => 0,
    };

    let mem = |k: &str| get(k).map(|v| v.trim().parse::<u64>());
    match (mem("limit_memory_soft"), mem("limit_memory_hard")) {
        (Some(Ok(soft)), Some(Ok(hard))) => {
            c.see(format!("memory soft/hard = {}/{}", mib(soft), mib(hard)));
            if soft >= hard {
                c.fail(
                    &r::CONF,
                    format!(
                        "limit_memory_soft ({}) is not below limit_memory_hard ({})",
                        mib(soft),
                        mib(hard)
                    ),
                    "make limit_memory_soft smaller than limit_memory_hard",
                );
                at(&mut c, "limit_memory_soft");
            }
            let total = hard.saturating_mul(workers_n.max(1));
            if machine.memory_bytes > 0 && total > machine.memory_bytes {
                c.fail(
                    &r::CONF,
                    format!(
                        "limit_memory_hard × workers = {} exceeds the machine's memory ({})",
                        mib(total),
                        mib(machine.memory_bytes)
                    ),
                    "lower limit_memory_hard or workers (guide: workers × (0.8 × 150 MB + 0.2 × 1 GB))",
                );
                at(&mut c, "limit_memory_hard");
            }
        }
        (soft, hard) => {
            for (k, v) in [("limit_memory_soft", soft), ("limit_memory_hard", hard)] {
                match v {
                    Some(Ok(_)) => {}
                    Some(Err(_)) => {
                        c.fail(
                            &r::CONF,
                            format!("{k} is not a number of bytes"),
                            format!("set {k} in bytes"),
                        );
                        at(&mut c, k);
                    }
                    None => c.fail_about(
                        k,
                        &r::CONF,
                        format!("{k} is not set"),
                        format!("set {k} (bytes), sized against workers and memory"),
                    ),
                }
            }
        }
    }
    for k in ["limit_time_cpu", "limit_time_real"] {
        match get(k) {
            Some(v) => c.see(format!("{k} = {v}")),
            None => c.fail_about(
                k,
                &r::CONF,
                format!("{k} is not set"),
                format!("set {k} (seconds)"),
            ),
        }
    }
    match get("logfile") {
        Some(v) => c.see(format!("logfile = {v}")),
        None if compose => c.see("logfile unset: logs go to the container's output"),
        None => c.fail_about(
            "logfile",
            &r::CONF,
            "logfile is not set: logs go to standard output",
            "set logfile = /var/log/odoo/odoo.log (and rotate it)",
        ),
    }
    match bool_of("list_db") {
        Some(Ok(false)) => c.see("list_db = False"),
        other => {
            c.fail(
                &r::CONF,
                format!(
                    "list_db is {}: the database manager is reachable",
                    describe_bool(other)
                ),
                "set list_db = False",
            );
            at(&mut c, "list_db");
        }
    }
    match get("dbfilter") {
        Some(v) => c.see(format!("dbfilter = {v}")),
        None => c.fail_about(
            "dbfilter",
            &r::CONF,
            "dbfilter is not set",
            "set dbfilter = ^<database>$",
        ),
    }
    match conf.get("admin_passwd") {
        None => c.fail(
            &r::WEAK_ADMIN_PASSWD,
            "admin_passwd is not set: Odoo's default master password is `admin`",
            r::WEAK_ADMIN_PASSWD.fix,
        ),
        Some(p) if p.starts_with("$pbkdf2-sha512$") => c.see("admin_passwd hashed"),
        Some(p) => {
            let weak = p.len() < 12 || WEAK_PASSWORDS.contains(&p.to_ascii_lowercase().as_str());
            if weak {
                c.fail(
                    &r::WEAK_ADMIN_PASSWD,
                    "admin_passwd is a default or weak value (***)",
                    r::WEAK_ADMIN_PASSWD.fix,
                );
            } else {
                c.warn(
                    &r::WEAK_ADMIN_PASSWD,
                    "admin_passwd is stored in clear (***)",
                    "store its $pbkdf2-sha512$ hash instead (set it once from the database manager)",
                );
            }
            at(&mut c, "admin_passwd");
        }
    }
    match get("data_dir") {
        Some(v) if compose => c.see(format!(
            "data_dir = {v} (inside the container, not checked)"
        )),
        Some(v) => {
            if Path::new(v).is_dir() {
                c.see(format!("data_dir = {v}"));
            } else {
                c.fail(
                    &r::CONF,
                    format!("data_dir {v} does not exist"),
                    "create it (owned by the Odoo user) or fix data_dir",
                );
                at(&mut c, "data_dir");
            }
        }
        None => c.see("data_dir: Odoo's default (~/.local/share/Odoo)"),
    }
    c.file_for_findings(&file);
    c
}

fn describe_bool(v: Option<Result<bool, String>>) -> String {
    match v {
        None => "not set (default)".into(),
        Some(Ok(b)) => if b { "True" } else { "False" }.into(),
        Some(Err(e)) => format!("invalid ({e})"),
    }
}

/// Check 5: odoo.conf as loaded (or why it could not be), read by `series`, sized against
/// `machine`.
pub fn check_conf(
    conf: &Result<OdooConf, ConfError>,
    path: &Path,
    series: Series,
    machine: Machine,
    compose: bool,
) -> Check {
    match conf {
        Ok(conf) => check_conf_file(conf, series, machine, compose),
        Err(e) => {
            let mut c = Check::new(5, "odoo.conf");
            c.fail(
                &r::CONF,
                e.to_string(),
                "fix the file so that Odoo can read it (odoo_conf / -c)",
            );
            c.file_for_findings(path);
            c
        }
    }
}

/// Check 6 before discovery: the check when the addons paths cannot be discovered (odoo.conf
/// unreadable, no addons_path, or compose mode with odoo.conf's paths that are inside the
/// container); `None` when they can.
pub fn addons_path_unusable(paths: Option<&AddonsPaths>, compose: bool) -> Option<Check> {
    const NAME: &str = "addons_path";
    let Some(p) = paths else {
        return Some(Check::skipped(6, NAME, "odoo.conf unreadable (check 5)"));
    };
    if p.paths.is_empty() {
        let mut c = Check::new(6, NAME);
        c.fail(
            &r::ADDONS_PATH,
            "addons_path is not set",
            "set addons_path in odoo.conf",
        );
        return Some(c);
    }
    if compose && p.from_conf && !p.all_exist {
        return Some(Check::skipped(
            6,
            NAME,
            "compose mode: odoo.conf's addons_path is inside the container; pass --addons-path with the host directories",
        ));
    }
    None
}

/// Check 6: the addons paths as discovered (their addons, the manifests Odoo cannot load, the
/// entries it blocks or fails on).
pub fn check_addons_path(inv: &Inventory) -> Check {
    let mut c = Check::new(6, "addons_path");
    for p in &inv.paths {
        c.see(format!("{}: {} addon(s)", p.path.display(), p.addons));
        if p.exists && p.addons == 0 {
            c.fail_about(
                p.path.display().to_string(),
                &r::ADDONS_PATH,
                format!("{} holds no addon", p.path.display()),
                "fix the entry (a wrong mount or a parent directory?)",
            );
        }
    }
    for f in &inv.findings {
        // Odoo reads the manifest of every entry of the addons path to serve static files
        // (`Application.statics`): one it cannot load is an exception on every asset request.
        let unloadable = matches!(f.code, "M001" | "M002" | "M003" | "M004" | "M008")
            || (f.code == "M007" && f.severity == crate::finding::Severity::Error);
        if unloadable {
            c.fail(
                &r::MANIFEST_SITE_DOWN,
                format!(
                    "Odoo cannot load this manifest ({}: {}): it reads every manifest on the path to serve static files, so every asset bundle, /web/webclient/* and /web/image/* answers 500 and the site is down",
                    f.code, f.message
                ),
                "fix the manifest or remove the addon from the addons path, then restart Odoo",
            );
            if let Some(last) = c.findings.last_mut() {
                last.module = f.module.clone();
                last.key = Some(f.code.to_string());
                last.file = f.file.clone();
                last.line = f.line;
                last.column = f.column;
            }
            continue;
        }
        match f.code {
            // A FIFO, a link out of the addon or a loop where a manifest should be: Odoo
            // blocks or fails on it at start.
            "P001" | "P002" | "P005" | "P007" | "P008" => c.fail_about(
                f.code,
                &r::ADDONS_PATH,
                format!("{} ({})", f.message, f.code),
                f.hint.clone(),
            ),
            "P004" | "P006" => c.warn_about(
                f.code,
                &r::ADDONS_PATH,
                format!("{} ({})", f.message, f.code),
                f.hint.clone(),
            ),
            _ => continue,
        }
        if let Some(last) = c.findings.last_mut() {
            last.module = f.module.clone();
            last.file = f.file.clone();
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::deploy::Status;

    const GOOD: &str = "[options]\nproxy_mode = True\nworkers = 3\nlimit_memory_soft = 671088640\nlimit_memory_hard = 805306368\nlimit_time_cpu = 600\nlimit_time_real = 1200\nlogfile = /var/log/odoo/odoo.log\nlist_db = False\ndbfilter = ^prod$\nadmin_passwd = $pbkdf2-sha512$600000$abc$def\n";

    fn machine() -> Machine {
        Machine {
            cores: 2,
            memory_bytes: 8 << 30,
        }
    }

    fn check(text: &str) -> Check {
        let conf = OdooConf::parse(text, "odoo.conf").unwrap();
        check_conf_file(&conf, Series::new(18, 0), machine(), false)
    }

    #[test]
    fn a_production_file_passes() {
        let c = check(GOOD);
        assert_eq!(c.status, Status::Pass, "{:?}", c.findings);
    }

    #[test]
    fn interpolation_is_a_failure_that_never_shows_a_secret() {
        let c = check(&format!("{GOOD}db_password = %(env:DB_PASSWORD)s\n"));
        assert_eq!(c.status, Status::Fail);
        let f = c.findings.iter().find(|f| f.code == "G101").unwrap();
        assert!(f.message.contains("RawConfigParser"), "{}", f.message);
        assert!(!f.message.contains("DB_PASSWORD"), "{}", f.message);
        assert_eq!(f.line, Some(12));
    }

    #[test]
    fn list_db_zero_is_true_for_odoo_18() {
        let c = check(&GOOD.replace("list_db = False", "list_db = 0"));
        assert!(
            c.findings
                .iter()
                .any(|f| f.message.contains("list_db is True")),
            "{:?}",
            c.findings
        );
    }

    #[test]
    fn sizing_against_cores_and_memory() {
        let c = check(&GOOD.replace("workers = 3", "workers = 17"));
        assert!(c
            .findings
            .iter()
            .any(|f| f.message.contains("more than (cores × 2) + 1 = 5")));
        assert!(c
            .findings
            .iter()
            .any(|f| f.message.contains("exceeds the machine's memory")
                && f.severity == crate::finding::Severity::Error));
        let c = check(&GOOD.replace("671088640", "905306368"));
        assert!(c.findings.iter().any(|f| f.message.contains("not below")));
    }

    #[test]
    fn data_dir_must_exist_natively_but_not_in_a_container() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{GOOD}data_dir = {}\n", dir.path().display());
        assert_eq!(check(&text).status, Status::Pass);
        let text = format!("{GOOD}data_dir = /nonexistent/odoo-data\n");
        let c = check(&text);
        let f = c
            .findings
            .iter()
            .find(|f| f.message.contains("data_dir"))
            .unwrap();
        assert!(f.message.contains("does not exist"));
        assert_eq!(f.line, Some(12));
        let conf = OdooConf::parse(&text, "odoo.conf").unwrap();
        let c = check_conf_file(&conf, Series::new(18, 0), machine(), true);
        assert_eq!(c.status, Status::Pass, "{:?}", c.findings);
    }

    #[test]
    fn weak_and_clear_master_passwords() {
        let c = check(&GOOD.replace("$pbkdf2-sha512$600000$abc$def", "admin"));
        let f = c.findings.iter().find(|f| f.code == "G102").unwrap();
        assert_eq!(f.severity, crate::finding::Severity::Error);
        let c = check(&GOOD.replace(
            "$pbkdf2-sha512$600000$abc$def",
            "a-long-Random-passphrase-42",
        ));
        let f = c.findings.iter().find(|f| f.code == "G102").unwrap();
        assert_eq!(f.severity, crate::finding::Severity::Warning);
        assert!(!f.message.contains("passphrase"));
    }

    #[test]
    fn addons_path_unusable_or_judged() {
        let paths = |paths: Vec<&str>, from_conf, all_exist| AddonsPaths {
            paths: paths.into_iter().map(std::path::PathBuf::from).collect(),
            from_conf,
            all_exist,
        };
        let c = addons_path_unusable(None, false).unwrap();
        assert_eq!(c.status, Status::Skip);
        let c = addons_path_unusable(Some(&paths(vec![], true, true)), false).unwrap();
        assert_eq!(c.status, Status::Fail);
        let inside = paths(vec!["/mnt/extra-addons"], true, false);
        assert_eq!(
            addons_path_unusable(Some(&inside), true).unwrap().status,
            Status::Skip
        );
        assert!(addons_path_unusable(Some(&inside), false).is_none());
        let (_dir, inv) = crate::testdata::addons(&[
            (
                "good/__manifest__.py",
                &crate::testdata::manifest(&["base"], ""),
            ),
            ("bad/__manifest__.py", "{'name': "),
        ]);
        let c = check_addons_path(&inv);
        assert_eq!(c.status, Status::Fail);
        assert!(
            c.evidence_text().contains(": 2 addon(s)"),
            "{}",
            c.evidence_text()
        );
        let f = c
            .findings
            .iter()
            .find(|f| f.code == r::MANIFEST_SITE_DOWN.code)
            .expect("the unloadable manifest");
        assert_eq!(f.module.as_deref(), Some("bad"));
    }
}
