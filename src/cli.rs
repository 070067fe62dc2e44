//! Command-line definitions (clap derive). Parsing only: [`crate::commands`] resolves the
//! options into inputs and runs the checks.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::FailOn;
use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "odoo-audit",
    version = env!("ODOO_AUDIT_LONG_VERSION"),
    about = "Read-only health checks for Odoo deployments",
    long_about = "Read-only health checks for Odoo deployments: addons and manifests, dependency \
graphs, module versions against the database, client actions that would crash the web client, \
and go-live gates.\n\nExit codes (every command): 0 no finding at or above --fail-on (after \
--allow/--warn/--deny); 1 findings at or above --fail-on; 2 usage or configuration error; 3 \
cannot connect to the database (or it is not an Odoo database); 130 interrupted (SIGINT/SIGTERM; \
`backup test-restore` drops its scratch database first). With --format nagios: the \
Monitoring Plugins states, 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
    after_help = "Run `odoo-audit rules` for the list of finding codes and `odoo-audit explain CODE` for one."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options valid for every subcommand.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the report to FILE instead of standard output (a temporary file in the same
    /// directory, renamed when complete: a reader never sees half a report). For `catalogue
    /// build`, the catalogue file to write (its report then goes to standard output).
    #[arg(short = 'o', long, global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also write the run's metrics in the Prometheus text format to FILE, for node_exporter's
    /// textfile collector (a temporary file in the same directory, renamed when complete); a
    /// run that cannot run writes `odoo_audit_up 0` there too.
    #[arg(long, global = true, value_name = "FILE")]
    pub prometheus_textfile: Option<PathBuf>,

    /// The name of the audited instance in reports, history and metrics (default: the
    /// database's name, else the host's name).
    #[arg(long, global = true, value_name = "NAME")]
    pub instance: Option<String>,

    /// Keep this run in the history store (see --history), for `history` and `diff`.
    #[arg(long, global = true)]
    pub record: bool,

    /// The history store: an SQLite file, or `postgres://…` (a database of its own, never
    /// Odoo's) [default: $ODOO_AUDIT_HISTORY, else $XDG_STATE_HOME/odoo-audit/history.sqlite3].
    #[arg(long, global = true, value_name = "PATH|URL", hide_env_values = true)]
    pub history: Option<String>,

    /// Lowest severity that makes the exit code 1 [default: error; warning for
    /// `parity verify --strict`; `--ci` is always error].
    #[arg(long, global = true, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Colors in table output (NO_COLOR in the environment means never).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print only the findings, one line each (table format); nothing else.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Drop findings with this code or rule name (repeatable, or comma-separated).
    #[arg(long, global = true, value_name = "CODE", value_delimiter = ',')]
    pub allow: Vec<String>,

    /// Report findings with this code or rule name as warnings (repeatable, or comma-separated).
    #[arg(long, global = true, value_name = "CODE", value_delimiter = ',')]
    pub warn: Vec<String>,

    /// Report findings with this code or rule name as errors (repeatable, or comma-separated).
    #[arg(long, global = true, value_name = "CODE", value_delimiter = ',')]
    pub deny: Vec<String>,

    /// Comma-separated addons paths, first wins (default: addons_path of the Odoo config).
    #[arg(long, global = true, value_name = "PATHS", value_delimiter = ',')]
    pub addons_path: Vec<PathBuf>,

    /// Odoo configuration file (odoo.conf); also read from ODOO_RC (default: ~/.odoorc, else
    /// ~/.openerp_serverrc, as odoo-bin).
    #[arg(
        short = 'c',
        long = "config",
        global = true,
        env = "ODOO_RC",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,

    /// True when `config` is Odoo's default config file (`~/.odoorc`, else
    /// `~/.openerp_serverrc`), used because neither -c nor ODOO_RC was given.
    #[arg(skip)]
    pub config_is_default: bool,

    /// Why Odoo's default config file cannot be chosen (both of them exist).
    #[arg(skip)]
    pub config_error: Option<String>,

    /// Target Odoo series, e.g. 18.0 (default: the database's, else odoo/release.py on the
    /// addons path, else the series most manifest versions name).
    #[arg(long, global = true, value_name = "SERIES")]
    pub odoo_series: Option<String>,

    /// The Odoo edition the addons run on: `enterprise` makes Odoo Enterprise's addons
    /// available (default: detected in database mode, `web_enterprise` installed; else community).
    #[arg(long, global = true, value_enum, value_name = "EDITION")]
    pub edition: Option<EditionChoice>,

    /// Show problems inside Odoo's own addons one by one (default: one summary line), for
    /// findings the user of an addons repository cannot fix.
    #[arg(long, global = true)]
    pub include_core: bool,

    /// Print only findings at or above this severity [default: all; for the CI formats (sarif,
    /// junit, github) the --fail-on severity, all with --fail-on never; with `--ci`, error].
    /// The exit code still counts every finding.
    #[arg(long, global = true, value_enum, value_name = "SEVERITY")]
    pub min_severity: Option<MinSeverity>,

    /// More output: with `--ci` and the CI formats, the findings below the failing severity
    /// too.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// A catalogue of Odoo's own addons (built by `catalogue build`) to use instead of the
    /// embedded one of its series (repeatable; one file per series).
    #[arg(long, global = true, value_name = "FILE")]
    pub catalogue: Vec<PathBuf>,

    #[command(flatten)]
    pub db: DbArgs,
}

impl GlobalArgs {
    /// The lowest severity printed: `--min-severity`; else, unless `-v`, with `--ci` (`ci`) the
    /// failing severity, error, and with a CI format ([`Format::is_ci`]) the run's failing
    /// severity `fail_on` ([`crate::exit::fail_on`]; everything with `--fail-on never`); else
    /// everything (`None`). What is printed never changes the exit code, which counts every
    /// finding ([`crate::exit::code_for`]).
    pub fn shown_severity(&self, ci: bool, fail_on: FailOn) -> Option<crate::finding::Severity> {
        use crate::finding::Severity;
        match self.min_severity {
            Some(m) => Some(m.severity()),
            None if self.verbose => None,
            None if ci => Some(Severity::Error),
            None if self.format.is_ci() => match fail_on {
                FailOn::Error => Some(Severity::Error),
                FailOn::Warning => Some(Severity::Warning),
                FailOn::Never => None,
            },
            None => None,
        }
    }
}

/// `--edition`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EditionChoice {
    Community,
    Enterprise,
}

/// `--min-severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MinSeverity {
    Info,
    Warning,
    Error,
}

impl MinSeverity {
    pub fn severity(self) -> crate::finding::Severity {
        match self {
            MinSeverity::Info => crate::finding::Severity::Info,
            MinSeverity::Warning => crate::finding::Severity::Warning,
            MinSeverity::Error => crate::finding::Severity::Error,
        }
    }
}

/// Where the database is. Options beat the service file's entries (service=, PGSERVICE), which
/// beat PG* environment variables, which beat odoo.conf's db_*.
#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    /// Database name (else PGDATABASE, else db_name of the Odoo config).
    #[arg(short = 'd', long = "database", global = true, value_name = "NAME")]
    pub database: Option<String>,

    /// Connection URL or libpq key=value string, e.g. postgres://odoo@localhost:5432/prod
    /// (sslmode=disable|prefer|require|verify-ca|verify-full, sslrootcert, sslcert, sslkey,
    /// passfile, service=NAME of pg_service.conf).
    #[arg(long, global = true, value_name = "URL")]
    pub db_url: Option<String>,

    /// Seconds to wait for the connection (else PGCONNECT_TIMEOUT, else 10).
    #[arg(long, global = true, value_name = "SECS")]
    pub connect_timeout: Option<u64>,

    /// Seconds any one query may run before the server cancels it.
    #[arg(long, global = true, value_name = "SECS", default_value_t = 30)]
    pub statement_timeout: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the addons found on the addons paths, with their manifest data.
    Modules(ModulesArgs),
    /// Check the dependency graph of the addons; show closures and install orders.
    Deps(DepsArgs),
    /// Compare manifest versions with the database; find modules stuck half-way. Shows the
    /// modules that need attention (--all: every one).
    Versions(VersionsArgs),
    /// Full inventory: one row per module known to the disk or the database.
    Audit,
    /// Broken modules and records: bad states, missing dependencies, dangling menus, orphan XML ids.
    Broken,
    /// Enterprise parity: verify, plan and install functional sets of community modules.
    Parity(ParityArgs),
    /// The 13-point pre-deployment gate (Docker Compose or native); exit 1 when a check fails.
    DeployCheck(DeployCheckArgs),
    /// Refresh the module list, update all modules, rebuild the assets (stops at the first failure).
    TruthSync(TruthSyncArgs),
    /// Backups: `test-restore` restores a dump into a scratch database of its own and checks it.
    Backup(BackupArgs),
    /// Client actions, field widgets and view classes that no loaded bundle registers
    /// (KeyNotFoundError before users click); with -d/--db-url, the database's client actions
    /// and the menus that break.
    CheckClientActions(ClientActionsArgs),
    /// Every view and template inheritance Odoo would fail to apply (`cannot be located in parent
    /// view`), found in one run; with -d/--db-url, the installed views and what `-u` would meet.
    CheckViews(ViewsArgs),
    /// The catalogue of Odoo's own addons per series: build one from an Odoo source tree, show
    /// what the binary ships.
    Catalogue(CatalogueArgs),
    /// The checksum of every addon, as module_auto_update and click-odoo-update compute it; with
    /// -d/--db-url, installed modules whose code changed since their last update although their
    /// version did not.
    Checksums(ChecksumsArgs),
    /// The post-deployment checks of a release (--release FILE): deployed files against their
    /// digests, success criteria over Odoo's log, rollback readiness, the services; once, or
    /// repeatedly over a window (--for 30m --every 60s), stopping at the first failure.
    VerifyDeploy(VerifyDeployArgs),
    /// Files of a release: `files hash PATHS… -o FILE` writes their digests (md5sum/sha256sum
    /// format) at build time, for verify-deploy.
    Files(FilesArgs),
    /// The runs kept by --record, newest first (those of --instance when given).
    History(HistoryArgs),
    /// What changed between two runs: new, resolved and still open findings, modules upgraded,
    /// downgraded, installed, removed; exit 1 when new findings at or above --fail-on appeared.
    Diff(DiffArgs),
    /// Run read-only database audits (versions, broken, audit, modules) on every instance of a
    /// fleet inventory, in parallel, each under a time limit; one combined report.
    Fleet(FleetArgs),
    /// List every finding code.
    Rules,
    /// Explain a finding code.
    Explain(ExplainArgs),
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the man page (roff), generated from these command-line definitions.
    Man,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct VerifyDeployArgs {
    #[command(flatten)]
    pub target: DeployTargetArgs,
    /// The release file (TOML; see odoo-audit.release.example.toml).
    #[arg(long, value_name = "FILE")]
    pub release: PathBuf,
    /// Check repeatedly for this long (e.g. 30m), stopping at the first failure.
    #[arg(long = "for", value_name = "SPAN")]
    pub for_: Option<String>,
    /// With --for: the time between two rounds.
    #[arg(long, value_name = "SPAN", default_value = "60s", requires = "for_")]
    pub every: String,
}

#[derive(Debug, Args)]
pub struct FilesArgs {
    #[command(subcommand)]
    pub action: FilesAction,
}

#[derive(Debug, Subcommand)]
pub enum FilesAction {
    /// Write the digests of PATHS (files; directories are walked) to --output FILE, in
    /// md5sum/sha256sum format, sorted.
    Hash(FilesHashArgs),
}

#[derive(Debug, Args)]
pub struct FilesHashArgs {
    /// Files and directories.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = crate::load::release::Algorithm::Sha256)]
    pub algorithm: crate::load::release::Algorithm,
    /// Name the files relative to this directory (the `root` of the release file).
    #[arg(long, value_name = "DIR")]
    pub relative_to: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ChecksumsArgs {
    /// Comma-separated fnmatch patterns of the files left out [default: the database's
    /// `module_auto_update.exclude_patterns`, else *.pyc,*.pyo,i18n/*.pot,i18n_extra/*.pot,static/*].
    #[arg(long, value_name = "PATTERNS")]
    pub exclude_patterns: Option<String>,
    /// Only the .po files of these languages count (comma-separated codes, e.g. fr_FR)
    /// [default: the database's active languages; without a database, every .po file].
    #[arg(long, value_delimiter = ',', value_name = "LANGS")]
    pub languages: Vec<String>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only the runs of this command (e.g. deploy-check).
    #[arg(long, value_name = "COMMAND")]
    pub command: Option<String>,
    /// At most this many runs.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older and the newer run: run ids of the history store, or JSON reports
    /// (`--format json`) given as files, which need no store. Without them: the newest run and
    /// the one before it (or the newest one at least --since old).
    #[arg(value_name = "RUN", num_args = 0..=2)]
    pub runs: Vec<String>,
    /// Compare the newest run with the newest one at least this old (e.g. 7d, 12h, 2w).
    #[arg(long, value_name = "SPAN", conflicts_with = "runs")]
    pub since: Option<String>,
    /// The command whose runs to compare [default: that of the newest run].
    #[arg(long, value_name = "COMMAND", conflicts_with = "runs")]
    pub command: Option<String>,
}

#[derive(Debug, Args, Default, Clone)]
pub struct VersionsArgs {
    /// Every module of the database and the addons path, not only those that need attention.
    #[arg(long)]
    pub all: bool,
    /// Only modules in these states (comma-separated: installed, uninstalled, to upgrade, …).
    #[arg(long, value_delimiter = ',', value_name = "STATES")]
    pub state: Vec<String>,
    /// Only modules with these statuses (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STATUSES")]
    pub status: Vec<VersionStatus>,
}

/// The statuses of the `versions` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VersionStatus {
    Ok,
    UpgradePending,
    DatabaseNewer,
    CodeMissing,
    CoreNotOnPath,
    NotInDatabase,
    NotInstalled,
    ManifestUnreadable,
}

#[derive(Debug, Args)]
pub struct ModulesArgs {
    /// Only addons whose manifest says installable.
    #[arg(long)]
    pub installable_only: bool,
    /// Only addons whose technical name matches this glob (e.g. 'web_*').
    #[arg(long, value_name = "GLOB")]
    pub name: Option<String>,
    /// Only addons whose author contains this text (case-insensitive).
    #[arg(long, value_name = "TEXT")]
    pub author: Option<String>,
}

#[derive(Debug, Args)]
pub struct DepsArgs {
    /// Show the dependency closure and an install order of these modules (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "MODULES")]
    pub modules: Vec<String>,
    /// Draw the closure of --modules as a tree.
    #[arg(long, requires = "modules")]
    pub tree: bool,
}

#[derive(Debug, Args)]
pub struct ClientActionsArgs {
    /// CI mode: only the error findings (all of them with -v), one line each; exit 1 on any
    /// error finding, else 0.
    #[arg(long)]
    pub ci: bool,
    /// The addons path is the server's complete one: a key nothing on it registers is an error,
    /// whatever modules are missing from it (the default when the paths come from -c odoo.conf
    /// without --addons-path).
    #[arg(long, conflicts_with = "partial_path")]
    pub complete_path: bool,
    /// The addons path is partial (given by hand, from another machine): a key nothing on it
    /// registers is "not verifiable" when a module missing from it could register it (the
    /// default with --addons-path).
    #[arg(long)]
    pub partial_path: bool,
    /// Every use in the table, those that are fine too (default: those that need attention;
    /// the findings are the same either way).
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct ViewsArgs {
    /// CI mode: only the error findings (all of them with -v), one line each; exit 1 on any
    /// error finding, else 0.
    #[arg(long)]
    pub ci: bool,
    /// Load the manifests' `demo` files too (as a database with demo data does).
    #[arg(long)]
    pub demo: bool,
    /// Server views only: leave the client (OWL/QWeb) templates of the bundles out.
    #[arg(long)]
    pub no_templates: bool,
    /// Write every spec applied (parent arch, spec, what it located) as JSON lines to FILE.
    #[arg(long, value_name = "FILE", hide = true)]
    pub trace_specs: Option<std::path::PathBuf>,
}

impl Command {
    /// True when `--output` names the file the subcommand makes (`catalogue build`), not where
    /// its report goes.
    pub fn owns_output(&self) -> bool {
        self.generator()
            || matches!(self, Command::Catalogue(c) if matches!(c.action, CatalogueAction::Build(_)))
            || matches!(self, Command::Files(_))
    }

    /// True when `--record` keeps the run: an audit of an instance (not the listings, the
    /// history's own commands or the catalogue).
    pub fn recordable(&self) -> bool {
        !matches!(
            self,
            Command::History(_)
                | Command::Diff(_)
                | Command::Rules
                | Command::Explain(_)
                | Command::Catalogue(_)
                | Command::Files(_)
                | Command::Completions(_)
                | Command::Man
        )
    }

    /// True for the generators of `completions` and `man`: their output is the artifact itself
    /// (a script, a man page), written straight to stdout or `--output`, and there is no report.
    pub fn generator(&self) -> bool {
        matches!(self, Command::Completions(_) | Command::Man)
    }

    /// The settings file named with `--settings`, for the commands that take one.
    pub fn settings_file(&self) -> Option<&std::path::Path> {
        let file = match self {
            Command::DeployCheck(a) => &a.target.settings,
            Command::TruthSync(a) => &a.target.settings,
            Command::VerifyDeploy(a) => &a.target.settings,
            Command::Parity(ParityArgs {
                action: ParityAction::Install(a),
                ..
            }) => &a.target.settings,
            Command::Backup(BackupArgs {
                action: BackupAction::TestRestore(a),
            }) => &a.settings,
            _ => return None,
        };
        file.as_deref()
    }

    /// True when the subcommand asks for CI behaviour (`--ci`).
    pub fn ci(&self) -> bool {
        matches!(self, Command::CheckClientActions(a) if a.ci)
            || matches!(self, Command::CheckViews(a) if a.ci)
    }
}

#[derive(Debug, Args)]
pub struct FleetArgs {
    /// The fleet inventory (TOML): one `[[instance]]` table per instance, with `name`, `db` (a
    /// database URL) or `odoo_conf`, `addons_path`, `compose` and `labels` (README: Fleets).
    #[arg(long, value_name = "FILE")]
    pub inventory: PathBuf,
    /// How many instances are audited at the same time [default: the number of CPU cores].
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Seconds each instance may take for all its commands; an instance still running then is
    /// abandoned and reported (F002).
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub timeout: u64,
    /// The commands to run on every instance, in order [default: versions broken].
    #[arg(value_enum, value_name = "COMMAND")]
    pub commands: Vec<FleetCommand>,
}

/// A command `fleet` runs on each instance: the read-only ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FleetCommand {
    Versions,
    Broken,
    Audit,
    Modules,
}

impl FleetCommand {
    pub fn name(self) -> &'static str {
        match self {
            FleetCommand::Versions => "versions",
            FleetCommand::Broken => "broken",
            FleetCommand::Audit => "audit",
            FleetCommand::Modules => "modules",
        }
    }

    /// The subcommand as a single run would take it (`modules` without filters).
    pub fn command(self) -> Command {
        match self {
            FleetCommand::Versions => Command::Versions(VersionsArgs::default()),
            FleetCommand::Broken => Command::Broken,
            FleetCommand::Audit => Command::Audit,
            FleetCommand::Modules => Command::Modules(ModulesArgs {
                installable_only: false,
                name: None,
                author: None,
            }),
        }
    }
}

#[derive(Debug, Args)]
pub struct CatalogueArgs {
    #[command(subcommand)]
    pub action: CatalogueAction,
}

#[derive(Debug, Subcommand)]
pub enum CatalogueAction {
    /// Build the catalogue of one series from an Odoo source tree and write it to --output
    /// (this command writes that one file and nothing else).
    Build(Box<CatalogueBuildArgs>),
    /// Which series the catalogue holds, from which source, with addon and registration counts.
    Show(CatalogueShowArgs),
}

#[derive(Debug, Args)]
pub struct CatalogueBuildArgs {
    /// The Odoo source tree: its `odoo/addons` and `addons` directories are read.
    #[arg(long, value_name = "DIR")]
    pub source: PathBuf,
    /// A separate Odoo Enterprise tree (addons directly under it).
    #[arg(long, value_name = "DIR")]
    pub enterprise: Option<PathBuf>,
    /// The series (default: version_info of the tree's odoo/release.py).
    #[arg(long, value_name = "SERIES")]
    pub series: Option<String>,
    /// How the catalogue names its source (e.g. `github:owner/repo (sdist of Odoo 18.0)`).
    #[arg(long, value_name = "TEXT")]
    pub name: Option<String>,
    /// The commit of the source snapshot.
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// The date of the source snapshot.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// A remark on the source, kept in the catalogue (repeatable).
    #[arg(long, value_name = "TEXT")]
    pub note: Vec<String>,
    /// Addons of the tree to leave out (a fork's own addons; repeatable, or comma-separated).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Addons that are Odoo Community's although their manifest says OEEL-1 (repeatable, or
    /// comma-separated).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub community: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CatalogueShowArgs {
    /// Only this series (e.g. 18.0).
    pub series: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A finding code (e.g. D001) or rule name (e.g. missing-dependency).
    pub code: String,
}

#[derive(Debug, Args)]
pub struct ParityArgs {
    /// Parity definitions (TOML) to use instead of the shipped ones (manifests/parity.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub parity_file: Option<PathBuf>,
    #[command(subcommand)]
    pub action: ParityAction,
}

#[derive(Debug, Subcommand)]
pub enum ParityAction {
    /// Check that the parity set is installed and healthy (exit 1 on a critical failure; with
    /// --strict on any failure).
    Verify(ParityVerifyArgs),
    /// Show what is installed, available and missing per category, and a valid install order.
    Plan(ParityPlanArgs),
    /// Install the plan through the configured Odoo command, one module per step, in
    /// dependency order (`-i MODULE --stop-after-init`), each step with a timeout and a log.
    Install(Box<ParityInstallArgs>),
}

#[derive(Debug, Args)]
pub struct ParityVerifyArgs {
    /// Fail (exit 1) on non-critical failures too: the default --fail-on becomes warning.
    #[arg(long)]
    pub strict: bool,
    /// Also write a dated report (Markdown; JSON with --format json) to FILE, or into the
    /// directory FILE as parity-<database>-<date>.md|json.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ParityPlanArgs {
    /// Categories to plan (comma-separated keys, or `all`; default all).
    #[arg(long, value_delimiter = ',', value_name = "KEY")]
    pub category: Vec<String>,
    /// Categories to leave out (comma-separated keys).
    #[arg(long, value_delimiter = ',', value_name = "KEY")]
    pub skip: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ParityInstallArgs {
    #[command(flatten)]
    pub plan: ParityPlanArgs,
    #[command(flatten)]
    pub target: DeployTargetArgs,
    /// Print the exact commands without running them.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds each step may run before it is killed (default: slow_command_timeout_secs of
    /// odoo-audit.toml).
    #[arg(long, value_name = "SECS")]
    pub step_timeout: Option<u64>,
    /// Modules of the chosen categories that are missing do not make the run incomplete.
    #[arg(long)]
    pub allow_missing: bool,
}

/// Where and how the deployment runs; every option also has a key in odoo-audit.toml.
#[derive(Debug, Args, Clone, Default)]
pub struct DeployTargetArgs {
    /// Settings file (default: ./odoo-audit.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
    /// compose or native (default: compose when a compose file is given or found).
    #[arg(long, value_enum)]
    pub mode: Option<crate::config::settings::Mode>,
    /// The Docker Compose file.
    #[arg(long, value_name = "FILE")]
    pub compose_file: Option<PathBuf>,
    /// How Docker Compose is run, split on white space [default: `docker compose`;
    /// `docker-compose` for the standalone program].
    #[arg(long, value_name = "COMMAND")]
    pub compose_command: Option<String>,
    /// Compose service running Odoo (default odoo).
    #[arg(long, value_name = "NAME")]
    pub odoo_service: Option<String>,
    /// Compose service running PostgreSQL (default db).
    #[arg(long, value_name = "NAME")]
    pub db_service: Option<String>,
    /// How to run Odoo, split on white space, no shell (default: odoo-bin, or
    /// `docker compose -f FILE exec -T SERVICE odoo`).
    #[arg(long, value_name = "COMMAND")]
    pub odoo_command: Option<String>,
    /// Where Odoo answers HTTP (default http://127.0.0.1:8069).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Backup directory (else BACKUP_DIR, else /var/backups/odoo).
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// The Odoo series the deployment must run (default: what the database and
    /// `odoo-bin --version` say; they must agree).
    #[arg(long, value_name = "SERIES")]
    pub expected_series: Option<String>,
    /// Start Odoo even when the database has pending module operations (`to install`,
    /// `to upgrade`, `to remove`), which Odoo then applies.
    #[arg(long)]
    pub apply_pending: bool,
}

#[derive(Debug, Args)]
pub struct DeployCheckArgs {
    #[command(flatten)]
    pub target: DeployTargetArgs,
    /// Skip the Odoo runs on the database (check 4's start of Odoo, check 10 module update); the
    /// default.
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,
    /// Run all 13 checks, including Odoo runs on the database (check 10 writes: -u base);
    /// refused while the database has pending module operations, unless --apply-pending.
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(subcommand)]
    pub action: BackupAction,
}

#[derive(Debug, Subcommand)]
pub enum BackupAction {
    /// Restore the newest dump of the backup directory (or --dump) with pg_restore into a
    /// scratch database it creates (`odoo_audit_restore_<time>_<pid>`) on the --restore-url
    /// server, run sanity queries on it (base installed, modules, series, key tables, the
    /// filestore archive against ir_attachment), and drop it again, also on failure and Ctrl-C.
    TestRestore(Box<TestRestoreArgs>),
}

#[derive(Debug, Args)]
pub struct TestRestoreArgs {
    /// The restore server: a role with CREATEDB, on a maintenance database (postgres when the
    /// URL names none); never the production database, which is refused.
    #[arg(
        long,
        value_name = "URL",
        env = "ODOO_AUDIT_RESTORE_URL",
        hide_env_values = true
    )]
    pub restore_url: String,
    /// The dump to restore (default: the newest dump of the backup directory).
    #[arg(long, value_name = "FILE")]
    pub dump: Option<PathBuf>,
    /// The filestore archive to compare with ir_attachment (default: the newest
    /// `*filestore*` archive next to the dump).
    #[arg(long, value_name = "FILE")]
    pub filestore: Option<PathBuf>,
    /// Backup directory (else BACKUP_DIR, else backup_dir of odoo-audit.toml, else
    /// /var/backups/odoo).
    #[arg(long, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Settings file (default: ./odoo-audit.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
    /// Parallel pg_restore jobs (connections) for a custom-format dump (default: the machine's
    /// cores, at most 8).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Seconds pg_restore may run before it is killed (default: slow_command_timeout_secs of
    /// odoo-audit.toml, 1800).
    #[arg(long, value_name = "SECS")]
    pub restore_timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct TruthSyncArgs {
    #[command(flatten)]
    pub target: DeployTargetArgs,
    /// List the steps (the two Odoo commands and the bundle requests) without running them.
    #[arg(long)]
    pub dry_run: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    fn global(args: &[&str]) -> GlobalArgs {
        let mut v = vec!["odoo-audit"];
        v.extend(args);
        v.push("rules");
        Cli::try_parse_from(v).unwrap().global
    }

    #[test]
    fn ci_shows_the_failing_severity_unless_asked_for_more() {
        let e = FailOn::Error;
        assert_eq!(global(&[]).shown_severity(true, e), Some(Severity::Error));
        assert_eq!(global(&["-v"]).shown_severity(true, e), None);
        assert_eq!(
            global(&["--min-severity", "info"]).shown_severity(true, e),
            Some(Severity::Info)
        );
        assert_eq!(global(&[]).shown_severity(false, e), None);
        assert_eq!(
            global(&["--min-severity", "warning"]).shown_severity(false, e),
            Some(Severity::Warning)
        );
    }

    #[test]
    fn ci_formats_show_the_fail_on_severity_by_default() {
        for format in ["sarif", "junit", "github"] {
            let g = global(&["--format", format]);
            assert_eq!(
                g.shown_severity(false, FailOn::Error),
                Some(Severity::Error)
            );
            assert_eq!(
                g.shown_severity(false, FailOn::Warning),
                Some(Severity::Warning)
            );
            assert_eq!(g.shown_severity(false, FailOn::Never), None);
            let g = global(&["--format", format, "--min-severity", "info"]);
            assert_eq!(g.shown_severity(false, FailOn::Error), Some(Severity::Info));
            let g = global(&["--format", format, "-v"]);
            assert_eq!(g.shown_severity(false, FailOn::Error), None);
        }
        for format in ["table", "json", "csv", "markdown", "prometheus", "nagios"] {
            let g = global(&["--format", format]);
            assert_eq!(g.shown_severity(false, FailOn::Warning), None, "{format}");
        }
    }
}
