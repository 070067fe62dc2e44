//! One file per subcommand. A subcommand resolves its inputs (through [`Ctx`]), runs checks and
//! returns a [`Report`], or a [`Fatal`] when it cannot run. `main` renders the report;
//! [`crate::exit`] alone turns its findings into the exit code.

use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{Command, GlobalArgs};
use crate::config::odoo_conf::OdooConf;
use crate::exit::Fatal;
use crate::load::addons::{self, Inventory, SeriesSource};
use crate::load::version::Series;
use crate::report::{Format, Report};

pub mod backup;
pub mod catalogue;
pub mod checksums;
pub mod client_actions;
pub mod db;
pub mod deploy_check;
pub mod deps;
pub mod fleet;
pub mod history;
pub mod modules;
pub mod parity;
pub mod rules;
pub mod truth_sync;
pub mod verify_deploy;
pub mod views;

/// The resolved global options, shared by the subcommands.
pub struct Ctx<'a> {
    pub global: &'a GlobalArgs,
    conf: Option<Option<OdooConf>>,
    /// The findings of every database session opened for this run (see [`crate::load::db::Notes`]).
    db_notes: std::cell::RefCell<Vec<crate::load::db::Notes>>,
    /// The catalogues asked for so far, by series (see [`Ctx::catalogue`]).
    catalogues: std::cell::RefCell<
        std::collections::BTreeMap<
            String,
            Option<std::sync::Arc<crate::load::catalogue::SeriesCatalogue>>,
        >,
    >,
}

impl<'a> Ctx<'a> {
    pub fn new(global: &'a GlobalArgs) -> Ctx<'a> {
        Ctx {
            global,
            conf: None,
            db_notes: Default::default(),
            catalogues: Default::default(),
        }
    }

    /// The catalogue of Odoo's own addons for `series`: the `--catalogue` file of that series,
    /// else the embedded one, else `None`. Read once per series and run; a bad `--catalogue`
    /// file is a usage error.
    pub fn catalogue(
        &self,
        series: Series,
    ) -> Result<Option<std::sync::Arc<crate::load::catalogue::SeriesCatalogue>>, Fatal> {
        let key = series.to_string();
        if let Some(c) = self.catalogues.borrow().get(&key) {
            return Ok(c.clone());
        }
        let c =
            crate::load::catalogue::select(&self.global.catalogue, &key)?.map(std::sync::Arc::new);
        self.catalogues.borrow_mut().insert(key, c.clone());
        Ok(c)
    }

    /// `--connect-timeout` and `--statement-timeout`, checked against their ranges.
    pub fn db_timeouts(&self) -> Result<(Option<Duration>, Duration), Fatal> {
        use crate::load::db::conn::{
            timeout_in_range, CONNECT_TIMEOUT_SECS, STATEMENT_TIMEOUT_SECS,
        };
        let a = &self.global.db;
        let connect = a
            .connect_timeout
            .map(|t| timeout_in_range("--connect-timeout", t, &CONNECT_TIMEOUT_SECS))
            .transpose()?;
        let statement = timeout_in_range(
            "--statement-timeout",
            a.statement_timeout,
            &STATEMENT_TIMEOUT_SECS,
        )?;
        Ok((connect, statement))
    }

    /// The time limits of database sessions (`--connect-timeout`, `--statement-timeout`).
    pub fn limits(&self) -> Result<crate::load::db::Limits, Fatal> {
        let (connect, statement_timeout) = self.db_timeouts()?;
        let defaults = crate::load::db::Limits::default();
        Ok(crate::load::db::Limits {
            connect_timeout: connect.unwrap_or(defaults.connect_timeout),
            statement_timeout,
        })
    }

    /// The findings the database sessions of this run made about themselves, once each.
    pub fn take_db_notes(&self) -> Vec<crate::finding::Finding> {
        let mut out: Vec<crate::finding::Finding> = Vec::new();
        for notes in self.db_notes.borrow_mut().drain(..) {
            let taken = match notes.lock() {
                Ok(mut n) => std::mem::take(&mut *n),
                Err(_) => Vec::new(),
            };
            for f in taken {
                if !out
                    .iter()
                    .any(|o| o.code == f.code && o.message == f.message)
                {
                    out.push(f);
                }
            }
        }
        out
    }

    /// The Odoo config file given with -c/--config (or ODOO_RC), parsed as Odoo parses it.
    pub fn conf(&mut self) -> Result<Option<&OdooConf>, Fatal> {
        if self.conf.is_none() {
            let loaded = match &self.global.config {
                None => None,
                Some(p) => Some(OdooConf::load(p).map_err(|e| Fatal::usage(e.to_string()))?),
            };
            self.conf = Some(loaded);
        }
        Ok(self.conf.as_ref().and_then(|c| c.as_ref()))
    }

    /// `--odoo-series`, validated.
    pub fn series_option(&self) -> Result<Option<Series>, Fatal> {
        match &self.global.odoo_series {
            None => Ok(None),
            Some(s) => Series::parse(s).map(Some).ok_or_else(|| {
                Fatal::usage(format!(
                    "--odoo-series: `{s}` is not an Odoo series (expected something like 18.0)"
                ))
            }),
        }
    }

    /// The addons paths: `--addons-path`, else `addons_path` of the config file.
    pub fn addons_paths(&mut self) -> Result<Vec<PathBuf>, Fatal> {
        if !self.global.addons_path.is_empty() {
            return Ok(self
                .global
                .addons_path
                .iter()
                .filter(|p| !p.as_os_str().is_empty())
                .cloned()
                .collect());
        }
        let from_conf = self.conf()?.map(addons::addons_path_from_conf);
        match from_conf {
            Some(paths) if !paths.is_empty() => Ok(paths),
            Some(_) => Err(Fatal::usage(format!(
                "{}: no addons_path in [options]; pass --addons-path",
                self.global
                    .config
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            ))),
            None => Err(Fatal::usage(
                "no addons path: pass --addons-path a,b,c or -c odoo.conf (or set ODOO_RC, or write ~/.odoorc)",
            )),
        }
    }

    /// True when addons paths were given (option or config file).
    pub fn has_addons_paths(&mut self) -> Result<bool, Fatal> {
        if !self.global.addons_path.is_empty() {
            return Ok(true);
        }
        Ok(self.conf()?.is_some_and(|c| !c.addons_path().is_empty()))
    }

    /// True when a database is configured: -d, --db-url, PGDATABASE, PGSERVICE or db_name in
    /// odoo.conf.
    pub fn wants_database(&mut self) -> Result<bool, Fatal> {
        if self.global.db.database.is_some() || self.global.db.db_url.is_some() {
            return Ok(true);
        }
        if ["PGDATABASE", "PGSERVICE"]
            .iter()
            .any(|k| std::env::var(k).is_ok_and(|v| !v.is_empty()))
        {
            return Ok(true);
        }
        Ok(self.conf()?.is_some_and(|c| {
            c.get("db_name")
                .map(str::trim)
                .is_some_and(|v| !v.is_empty() && v != "False" && v != "None")
        }))
    }

    /// Opens the read-only database session.
    pub fn database(&mut self) -> Result<crate::load::db::Database, Fatal> {
        let conf = self.conf()?.cloned();
        self.database_with(None, conf.as_ref())
    }

    /// Opens the read-only database session on `name` when given (instead of -d/--database),
    /// with the `db_*` options of `conf` (instead of the -c/--config file).
    pub fn database_with(
        &self,
        name: Option<&str>,
        conf: Option<&OdooConf>,
    ) -> Result<crate::load::db::Database, Fatal> {
        let mut a = self.global.db.clone();
        if let Some(n) = name {
            a.database = Some(n.to_string());
        }
        let env = |k: &str| std::env::var(k).ok();
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let mut spec = crate::load::db::conn::resolve(&crate::load::db::conn::Sources {
            url: a.db_url.as_deref(),
            database: a.database.as_deref(),
            conf,
            env: &env,
            home,
        })?;
        let (connect_timeout, _) = self.db_timeouts()?;
        if let Some(t) = connect_timeout {
            spec.connect_timeout = Some(t);
        }
        let limits = self.limits()?;
        let db = crate::load::db::Database::connect(spec, limits)?;
        self.db_notes.borrow_mut().push(db.notes());
        Ok(db)
    }

    /// Discovers the addons. `db_series` is the series read from the database, if any; the
    /// option wins over it.
    pub fn inventory(&mut self, db_series: Option<Series>) -> Result<Inventory, Fatal> {
        let paths = self.addons_paths()?;
        let series = match (self.series_option()?, db_series) {
            (Some(s), _) => Some((s, SeriesSource::Option)),
            (None, Some(s)) => Some((s, SeriesSource::Database)),
            (None, None) => None,
        };
        Ok(addons::discover(&paths, series))
    }
}

/// What the checks know of Odoo's own addons: the catalogue of `series` (when the binary ships
/// one) and the edition: `--edition`, else `db_enterprise` (database mode: `web_enterprise`
/// installed), else community. Also returns how the edition was chosen.
pub fn odoo_addons(
    ctx: &Ctx,
    series: Option<Series>,
    db_enterprise: Option<bool>,
) -> Result<(crate::checks::addons::core::OdooAddons, &'static str), Fatal> {
    use crate::cli::EditionChoice;
    let (enterprise, how) = match (ctx.global.edition, db_enterprise) {
        (Some(EditionChoice::Enterprise), _) => (true, "--edition"),
        (Some(EditionChoice::Community), _) => (false, "--edition"),
        (None, Some(true)) => (true, "database: web_enterprise installed"),
        (None, Some(false)) => (false, "database: web_enterprise not installed"),
        (None, None) => (false, "default"),
    };
    let catalogue = match series {
        Some(s) => ctx.catalogue(s)?,
        None => None,
    };
    Ok((
        crate::checks::addons::core::OdooAddons {
            catalogue,
            enterprise,
        },
        how,
    ))
}

/// Adds the catalogue and edition facts to a report.
pub fn odoo_addons_context(
    report: &mut Report,
    odoo: &crate::checks::addons::core::OdooAddons,
    how: &str,
) {
    report.context(
        "catalogue",
        match odoo.catalogue() {
            Some(c) => serde_json::json!(format!("{} ({})", c.series, c.source.name)),
            None => serde_json::json!("none for the series"),
        },
    );
    report.context("edition", format!("{} ({how})", odoo.edition_name()));
}

/// Adds the facts every addons-based report shows.
pub fn inventory_context(report: &mut Report, inv: &Inventory) {
    report.context(
        "series",
        inv.series
            .map(|s| serde_json::Value::String(s.to_string()))
            .unwrap_or(serde_json::Value::Null),
    );
    report.context("series_source", inv.series_source.describe());
    record_addons(report, inv);
    report.context(
        "addons_paths",
        inv.paths
            .iter()
            .map(|p| p.path.display().to_string())
            .collect::<Vec<_>>(),
    );
}

/// The addons of the paths in the report's module inventory, with the version of their code
/// (as Odoo adapts it to the series; as written when it cannot).
pub fn record_addons(report: &mut Report, inv: &Inventory) {
    for (name, addon) in &inv.addons {
        report
            .sources
            .manifests
            .insert(name.clone(), addon.manifest_file.display().to_string());
        report.module_record(name).code_version = Some(
            addon
                .manifest
                .version
                .clone()
                .unwrap_or_else(|| addon.manifest.version_raw.clone()),
        );
    }
}

/// The database's modules in the report's module inventory: state and installed version.
pub fn record_db_modules(report: &mut Report, modules: &[crate::load::db::DbModule]) {
    for m in modules {
        let r = report.module_record(&m.name);
        r.state = Some(m.state.clone());
        r.installed_version = m.latest_version.clone();
    }
}

/// The settings from the options, the environment and the settings file.
pub fn settings(
    target: &crate::cli::DeployTargetArgs,
    global: &GlobalArgs,
) -> Result<crate::config::settings::Settings, Fatal> {
    let o = crate::config::settings::Overrides {
        settings: target.settings.clone(),
        mode: target.mode,
        compose_file: target.compose_file.clone(),
        compose_command: target.compose_command.clone(),
        odoo_service: target.odoo_service.clone(),
        db_service: target.db_service.clone(),
        odoo_command: target.odoo_command.clone(),
        // Odoo's default config file of the user running the audit does not override the
        // deployment's settings.
        odoo_conf: global.config.clone().filter(|_| !global.config_is_default),
        database: global.db.database.clone(),
        base_url: target.base_url.clone(),
        backup_dir: target.backup_dir.clone(),
        expected_series: target
            .expected_series
            .clone()
            .or_else(|| global.odoo_series.clone()),
    };
    let cwd = std::env::current_dir()
        .map_err(|e| Fatal::usage(format!("cannot read the current directory: {e}")))?;
    crate::config::settings::resolve(&o, &|k| std::env::var(k).ok(), &cwd)
}

/// The facts every deploy report starts with.
pub fn settings_context(report: &mut Report, s: &crate::config::settings::Settings) {
    report.context(
        "settings",
        s.file
            .as_ref()
            .map(|f| serde_json::json!(f.display().to_string()))
            .unwrap_or(serde_json::Value::Null),
    );
    report.context("mode", s.mode.as_str());
    report.context("mode_reason", s.mode_reason.clone());
    report.context("odoo_conf", s.odoo_conf.display().to_string());
    report.context("odoo_command", s.odoo_command.clone());
    report.context(
        "expected_series",
        s.expected_series
            .map(|x| serde_json::json!(x.to_string()))
            .unwrap_or(serde_json::Value::Null),
    );
}

/// The name of the audited instance: `--instance`, else the database the report names, else
/// the host's name.
pub fn instance_name(global: &GlobalArgs, report: &Report) -> String {
    if let Some(i) = global.instance.as_deref().filter(|i| !i.is_empty()) {
        return i.to_string();
    }
    if let Some(db) = report
        .context
        .get("database")
        .and_then(serde_json::Value::as_str)
        .filter(|d| !d.is_empty())
    {
        return db.to_string();
    }
    host_name()
}

/// The name of the instance of a run that ended before it had a report (a [`Fatal`]), as
/// [`instance_name`] would have named it: `--instance`, else the database the options, the
/// environment or the -c file name (nothing is connected to), else the host's name.
pub fn configured_instance(global: &GlobalArgs) -> String {
    if let Some(i) = global.instance.as_deref().filter(|i| !i.is_empty()) {
        return i.to_string();
    }
    let conf = global
        .config
        .as_deref()
        .and_then(|p| OdooConf::load(p).ok());
    let env = |k: &str| std::env::var(k).ok();
    let spec = crate::load::db::conn::resolve(&crate::load::db::conn::Sources {
        url: global.db.db_url.as_deref(),
        database: global.db.database.as_deref(),
        conf: conf.as_ref(),
        env: &env,
        home: std::env::var_os("HOME").map(PathBuf::from),
    });
    match spec.ok().and_then(|s| s.dbname).filter(|d| !d.is_empty()) {
        Some(db) => db,
        None => host_name(),
    }
}

/// The host's name (`gethostname`), `localhost` when it has none.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    match std::str::from_utf8(&buf[..end]) {
        Ok(h) if rc == 0 && !h.is_empty() => h.to_string(),
        _ => "localhost".to_string(),
    }
}

/// Runs a subcommand; adds the findings of its database sessions to its report.
pub fn run(command: &Command, ctx: &mut Ctx) -> Result<Report, Fatal> {
    // Bad timeouts are usage errors whatever the command (not a failed check of deploy-check).
    ctx.db_timeouts()?;
    if matches!(ctx.global.format, Format::Dot | Format::Mermaid)
        && !matches!(command, Command::Deps(_))
    {
        return Err(Fatal::usage(
            "--format dot and --format mermaid draw the dependency graph: they are for `deps`",
        ));
    }
    // Commands that read addons trees show what they read; those that run steps show them.
    let _progress = scan_label(command).map(crate::progress::step);
    let mut report = dispatch(command, ctx)?;
    report.findings.extend(ctx.take_db_notes());
    Ok(report)
}

/// The progress label of a command that reads addons trees (or a database) in one go.
fn scan_label(command: &Command) -> Option<&'static str> {
    Some(match command {
        Command::Modules(_) => "modules: reading the addons",
        Command::Deps(_) => "deps: reading the addons",
        Command::Versions(_) => "versions: reading the addons and the database",
        Command::Audit => "audit: reading the addons and the database",
        Command::Broken => "broken: reading the database",
        Command::CheckClientActions(_) => "check-client-actions: reading the addons",
        Command::CheckViews(_) => "check-views: reading the addons",
        Command::Checksums(_) => "checksums: hashing the addons",
        _ => return None,
    })
}

fn dispatch(command: &Command, ctx: &mut Ctx) -> Result<Report, Fatal> {
    match command {
        Command::Modules(args) => modules::run(args, ctx),
        Command::Deps(args) => deps::run(args, ctx),
        Command::Versions(args) => db::versions(args, ctx),
        Command::Audit => db::audit(ctx),
        Command::Broken => db::broken(ctx),
        Command::Parity(args) => parity::run(args, ctx),
        Command::DeployCheck(args) => deploy_check::run(args, ctx),
        Command::TruthSync(args) => truth_sync::run(args, ctx),
        Command::Backup(args) => backup::run(args, ctx),
        Command::CheckClientActions(args) => client_actions::run(args, ctx),
        Command::CheckViews(args) => views::run(args, ctx),
        Command::Catalogue(args) => catalogue::run(args, ctx),
        Command::Checksums(args) => checksums::run(args, ctx),
        Command::VerifyDeploy(args) => verify_deploy::run(args, ctx),
        Command::Files(args) => verify_deploy::files(args, ctx),
        Command::History(args) => history::list(args, ctx),
        Command::Diff(args) => history::diff(args, ctx),
        Command::Fleet(args) => fleet::run(args, ctx).map(|f| f.combined),
        Command::Rules => Ok(rules::list()),
        Command::Explain(args) => rules::explain(args),
        // Handled by the binary before any report (src/main.rs `generate`).
        Command::Completions(_) | Command::Man => Ok(Report::new("")),
    }
}

#[cfg(test)]
mod tests {
    /// Every finding code is emitted by `checks/` (or `load/` for loading problems): a command
    /// picks inputs, calls checks and fills the report, it never makes a finding of its own.
    #[test]
    fn commands_emit_no_finding_codes() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands");
        let rule_path = regex::Regex::new(r"rules::[a-z_]+::|rules::[a-z_]+ as ").unwrap();
        let mut read = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            read += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            // This test's own patterns are not uses.
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let at = format!("{}:{}", path.display(), n + 1);
                assert!(
                    !line.contains("Finding::new("),
                    "{at}: a finding made in a command"
                );
                assert!(
                    !line.contains("Finding {"),
                    "{at}: a finding built in a command"
                );
                assert!(
                    !rule_path.is_match(line),
                    "{at}: a rule of the registry used in a command: {line}"
                );
            }
        }
        assert!(
            read >= 9,
            "only {read} command files read in {}",
            dir.display()
        );
    }

    /// Every rule is emitted somewhere under `checks/` or `load/`.
    #[test]
    fn every_rule_is_emitted_from_checks_or_load() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut text = String::new();
        let mut stack = vec![src.join("checks"), src.join("load")];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let p = entry.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "rs") {
                    text.push_str(&std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        let consts = rule_constants(&src.join("rules"));
        assert!(consts.len() >= crate::rules::all().len(), "{consts:?}");
        for name in consts {
            let used =
                regex::Regex::new(&format!(r"\b(r|rules|rules::[a-z_]+)::{name}\b")).unwrap();

            assert!(
                used.is_match(&text),
                "rule constant {name} is used nowhere in checks/ or load/"
            );
        }
    }

    /// The names of the rule constants (`pub const NAME: Rule`) of the registry.
    fn rule_constants(dir: &std::path::Path) -> Vec<String> {
        let re = regex::Regex::new(r"pub const ([A-Z0-9_]+): Rule").unwrap();
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            out.extend(re.captures_iter(&text).map(|c| c[1].to_string()));
        }
        out
    }
}
