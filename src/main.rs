//! The `odoo-audit` binary: parse the command line, run the subcommand, render its report,
//! exit with the code [`odoo_audit::exit`] decides.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser};

use odoo_audit::cli::{Cli, ColorChoice, Command, GlobalArgs};
use odoo_audit::commands::{self, Ctx};
use odoo_audit::config::levels::{self, Levels};
use odoo_audit::escape;
use odoo_audit::exit::{self, Fatal};
use odoo_audit::report::{self, Format, Outcome, RenderOptions, Report, RunInfo};

// Discovery allocates many small values on several threads; mimalloc is much faster at that
// than glibc's allocator (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return ExitCode::from(clap_error(&e)),
    };
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(clap_error(&e.format(&mut Cli::command()))),
    };
    // `completions` and `man` generate an artifact from the clap definitions and render no
    // report: the one exception to "every command renders one report", as the artifact must be
    // the whole of the output for a shell or `man` to read it.
    if cli.command.generator() {
        return ExitCode::from(generate(&cli));
    }
    // Without -c or ODOO_RC, Odoo's own default config file, as odoo-bin reads it.
    if cli.global.config.is_none() {
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        match odoo_audit::config::odoo_conf::default_rc(home.as_deref()) {
            Ok(Some(p)) => {
                cli.global.config = Some(p);
                cli.global.config_is_default = true;
            }
            Ok(None) => {}
            Err(why) => cli.global.config_error = Some(why),
        }
    }
    let code = run(&cli, &command_name(&matches));
    ExitCode::from(code.clamp(0, 255) as u8)
}

/// The subcommand's name as its report names it (`versions`, `parity verify`).
fn command_name(matches: &clap::ArgMatches) -> String {
    let mut names = Vec::new();
    let mut m = matches;
    while let Some((name, sub)) = m.subcommand() {
        names.push(name);
        m = sub;
    }
    names.join(" ")
}

/// True when the command line asks for `--format nagios`: a usage error is then UNKNOWN.
fn nagios_asked() -> bool {
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    args.iter().any(|a| a == "--format=nagios")
        || args
            .windows(2)
            .any(|w| w[0] == "--format" && w[1] == "nagios")
}

/// Prints a command-line error or the help/version text, and returns clap's exit code (2 for
/// usage errors). The arguments may come from a pull request: the error is rendered from the
/// arguments with their control characters escaped (clap quotes the bad value as given).
fn clap_error(e: &clap::Error) -> u8 {
    let code = e.exit_code().clamp(0, 255) as u8;
    if e.use_stderr() {
        let escaped =
            std::env::args_os().map(|a| escape::control(&a.to_string_lossy()).into_owned());
        let text = match Cli::try_parse_from(escaped) {
            Err(again) if again.kind() == e.kind() => again.render().to_string(),
            _ => e.render().to_string(),
        };
        let mut err = std::io::stderr().lock();
        for line in text.trim_end_matches('\n').split('\n') {
            let _ = writeln!(err, "{}", escape::control(line));
        }
        if nagios_asked() {
            // The status line on stdout, UNKNOWN.
            let first = text.lines().next().unwrap_or_default();
            let mut report = Report::new("");
            report.outcome.fatal = Some(first.trim_start_matches("error: ").to_string());
            let _ = print_report(&mut report, Format::Nagios);
            return exit::error_code(exit::USAGE, Format::Nagios) as u8;
        }
    } else if let Err(err) = e.print() {
        if !exit::is_broken_pipe(&err) {
            return exit::USAGE as u8;
        }
    }
    code
}

/// Keeps the run in the history store of `--history`.
fn record(ctx: &Ctx, runs: &[odoo_audit::history::StoredRun]) -> Result<(), Fatal> {
    let target = odoo_audit::history::Target::resolve(ctx.global.history.as_deref())?;
    let mut store = odoo_audit::history::Store::open_for_writing(&target, &ctx.limits()?)?;
    for run in runs {
        store.record(run)?;
    }
    Ok(())
}

/// One line on stderr, its control characters escaped. A closed stderr is not an error.
fn eprint_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", escape::control(line));
}

fn run(cli: &Cli, command: &str) -> i32 {
    let g = &cli.global;
    let started = chrono::Utc::now();
    let clock = std::time::Instant::now();
    // Unknown codes are a usage error before anything runs.
    let levels = match Levels::from_options(&g.allow, &g.warn, &g.deny) {
        Ok(l) => l,
        Err(fatal) => return fatal_end(cli, command, &fatal, started, clock),
    };
    if let Some(why) = &g.config_error {
        return fatal_end(cli, command, &Fatal::usage(why.clone()), started, clock);
    }
    // Progress on stderr, for a terminal only (never with --quiet or --ci).
    odoo_audit::progress::enable(odoo_audit::progress::wanted(g.quiet || cli.command.ci()));
    let mut ctx = Ctx::new(g);
    // A fleet keeps its instances' own reports next to the combined one it renders.
    let mut fleet: Option<commands::fleet::FleetRun> = None;
    let ran = match &cli.command {
        Command::Fleet(args) => commands::fleet::run(args, &mut ctx).map(|mut f| {
            let combined = std::mem::take(&mut f.combined);
            fleet = Some(f);
            combined
        }),
        command => commands::run(command, &mut ctx),
    };
    let mut report = match ran {
        Ok(r) => r,
        Err(fatal) => return fatal_end(cli, command, &fatal, started, clock),
    };
    report.run = run_info(commands::instance_name(g, &report), started, clock);
    if g.config_is_default {
        if let Some(p) = &g.config {
            // Odoo's default config file, read because neither -c nor ODOO_RC was given.
            report.context("odoo_rc", p.display().to_string());
        }
    }
    // `[levels]` of the addons repositories' own files and of the settings file, under the
    // command line's.
    let addons_paths: Vec<std::path::PathBuf> = match report.context.get("addons_paths") {
        Some(serde_json::Value::Array(paths)) => paths
            .iter()
            .filter_map(|p| p.as_str())
            .map(std::path::PathBuf::from)
            .collect(),
        _ => g.addons_path.clone(),
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let files = levels::files_for(&addons_paths, cli.command.settings_file(), &cwd);
    let levels = match levels.under_files(&files) {
        Ok(l) => l,
        Err(fatal) => return fatal_end(cli, command, &fatal, started, clock),
    };
    if !levels.files.is_empty() {
        report.context(
            "levels_files",
            levels
                .files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>(),
        );
    }
    if let Some(p) = g.config.as_ref().filter(|p| p.is_file()) {
        report.sources.config = Some(p.display().to_string());
    }
    levels.apply(&mut report.findings);
    // The exit code counts every finding; the report shows those at or above the chosen
    // severity (`--min-severity`; with `--ci` the failing one).
    let fail_on = exit::fail_on(&cli.command, g);
    // A fleet's exit code is its worst instance's.
    let findings_code = match &fleet {
        Some(f) => exit::fleet_code(f, fail_on),
        None => exit::code_for(&report.findings, fail_on),
    };
    report.outcome = Outcome {
        exit_code: Some(findings_code),
        nagios: Some(exit::nagios_state(&report.findings, fail_on)),
        fail_on: Some(fail_on),
        ..Outcome::default()
    };
    let code = match g.format {
        Format::Nagios => exit::run_code(&report.findings, fail_on, g.format),
        _ => findings_code,
    };
    // `--record`: the run as it failed or passed, every finding (before --min-severity); kept
    // once the report is written. A fleet keeps one run per instance and command.
    let to_record: Vec<odoo_audit::history::StoredRun> = if !(g.record && cli.command.recordable())
    {
        Vec::new()
    } else if let Some(f) = &mut fleet {
        let mut runs = Vec::new();
        for i in &mut f.instances {
            for r in &mut i.reports {
                if r.run.started_at.is_none() {
                    r.run.started_at = report.run.started_at.clone();
                    r.run.duration_ms = Some(i.duration.as_millis().min(u64::MAX as u128) as u64);
                }
                odoo_audit::finding::sort_findings(&mut r.findings);
                report::fingerprint::assign(r);
                runs.push(odoo_audit::history::StoredRun::from_report(
                    r,
                    exit::code_for(&r.findings, fail_on),
                ));
            }
        }
        runs
    } else {
        odoo_audit::finding::sort_findings(&mut report.findings);
        report::fingerprint::assign(&mut report);
        vec![odoo_audit::history::StoredRun::from_report(
            &report,
            findings_code,
        )]
    };
    // What is shown: the exit code above was decided from every finding.
    if let Some(min) = g.shown_severity(cli.command.ci(), fail_on) {
        report.findings.retain(|f| f.severity >= min);
    }
    let stdout = std::io::stdout();
    // `--output FILE`: the report goes to the file (for `catalogue build` the file is the
    // catalogue, and the report stays on stdout).
    let to_file = g.output.as_deref().filter(|_| !cli.command.owns_output());
    let color = match g.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => auto_color(to_file.is_none() && stdout.is_terminal()),
    };
    // `--ci`: quiet (and exit::fail_on makes errors the threshold).
    let ci = cli.command.ci();
    let opts = RenderOptions {
        format: g.format,
        color,
        quiet: g.quiet || ci,
        // Laid out for the terminal (or COLUMNS); a file has no width.
        width: to_file.is_none().then(report::wrap::stdout_width).flatten(),
    };
    let written = write_report(&mut report, opts, to_file);
    // The textfile is written whatever became of the report (a reader of stdout that went
    // away, an unwritable --output).
    let textfile = write_textfile(g, &mut report);
    if !to_record.is_empty() {
        if let Err(fatal) = record(&ctx, &to_record) {
            eprint_line(&format!("odoo-audit: error: {}", fatal.message));
            return exit::error_code(fatal.code, g.format);
        }
    }
    if let Err(code) = written {
        return code;
    }
    if !textfile {
        return exit::error_code(exit::USAGE, g.format);
    }
    // CSV carries one table; the findings then go to stderr so they are not lost.
    if g.format == Format::Csv && !report.tables.is_empty() && !opts.quiet && to_file.is_none() {
        let mut err = std::io::stderr().lock();
        for f in &report.findings {
            let _ = writeln!(err, "{}", report::finding_line(f, false));
        }
    }
    code
}

/// When and where the run happened.
fn run_info(
    instance: String,
    started: chrono::DateTime<chrono::Utc>,
    clock: std::time::Instant,
) -> RunInfo {
    RunInfo {
        instance: Some(instance),
        started_at: Some(started.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        duration_ms: Some(clock.elapsed().as_millis().min(u64::MAX as u128) as u64),
    }
}

/// A run that could not run: its error on stderr; with `--format nagios` the UNKNOWN line, with
/// `--format prometheus` the metrics of the failure (`odoo_audit_up 0`), where the report would
/// have gone; the textfile of `--prometheus-textfile` in any format.
fn fatal_end(
    cli: &Cli,
    command: &str,
    fatal: &Fatal,
    started: chrono::DateTime<chrono::Utc>,
    clock: std::time::Instant,
) -> i32 {
    eprint_line(&format!("odoo-audit: error: {}", fatal.message));
    let g = &cli.global;
    let mut report = Report::new(command);
    report.run = run_info(commands::configured_instance(g), started, clock);
    report.outcome = Outcome {
        exit_code: Some(fatal.code),
        fatal: Some(fatal.message.clone()),
        ..Outcome::default()
    };
    if matches!(g.format, Format::Nagios | Format::Prometheus) {
        let opts = RenderOptions {
            format: g.format,
            color: false,
            quiet: false,
            width: None,
        };
        let to_file = g.output.as_deref().filter(|_| !cli.command.owns_output());
        let _ = write_report(&mut report, opts, to_file);
    }
    write_textfile(g, &mut report);
    exit::error_code(fatal.code, g.format)
}

/// The last successful run of the Prometheus file at `path` (written by an earlier run), for a
/// run that fails to keep.
fn previous_success(path: &std::path::Path, report: &Report) -> Option<f64> {
    let text = std::fs::read_to_string(path).ok()?;
    report::prometheus::last_success_in(&text, report)
}

/// Renders the report to `--output` (atomically) or stdout. `Err` holds the exit code of a
/// report that could not be written (0 when stdout's reader went away).
fn write_report(
    report: &mut Report,
    opts: RenderOptions,
    to_file: Option<&std::path::Path>,
) -> Result<(), i32> {
    if let Some(path) = to_file {
        if opts.format == Format::Prometheus {
            report.outcome.last_success = previous_success(path, report);
        }
        if let Err(e) = report::output::write_atomic(path, |w| report::render(report, opts, w)) {
            eprint_line(&format!("odoo-audit: error: cannot write the report: {e}"));
            return Err(exit::error_code(exit::USAGE, opts.format));
        }
        return Ok(());
    }
    report.outcome.last_success = None;
    print_report_with(report, opts)
}

/// Renders the report to stdout in `format`.
fn print_report(report: &mut Report, format: Format) -> Result<(), i32> {
    let opts = RenderOptions {
        format,
        color: false,
        quiet: false,
        width: None,
    };
    print_report_with(report, opts)
}

fn print_report_with(report: &mut Report, opts: RenderOptions) -> Result<(), i32> {
    // Stdout is line-buffered: a large JSON document would cost one write per line.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    if let Err(e) = report::render(report, opts, &mut out).and_then(|_| out.flush()) {
        if exit::is_broken_pipe(&e) {
            // The reader went away (`| head`): end quietly, as ripgrep does. The buffer's
            // remains must not be written again when it is dropped.
            let _ = out.into_parts();
            return Err(exit::SUCCESS);
        }
        eprint_line(&format!("odoo-audit: error: cannot write the report: {e}"));
        return Err(exit::error_code(exit::USAGE, opts.format));
    }
    Ok(())
}

/// `--prometheus-textfile FILE`: the metrics of the run, written atomically; a failing run
/// keeps the last success of the file it replaces. False when it could not be written.
fn write_textfile(g: &GlobalArgs, report: &mut Report) -> bool {
    let Some(path) = g.prometheus_textfile.as_deref() else {
        return true;
    };
    report.outcome.last_success = previous_success(path, report);
    let opts = RenderOptions {
        format: Format::Prometheus,
        color: false,
        quiet: false,
        width: None,
    };
    if let Err(e) = report::output::write_atomic(path, |w| report::render(report, opts, w)) {
        eprint_line(&format!(
            "odoo-audit: error: cannot write the Prometheus textfile: {e}"
        ));
        return false;
    }
    true
}

/// `--color auto`: the environment's say, in anstream's order (`anstream::AutoStream::choice`,
/// read through `anstyle-query`): a non-empty `NO_COLOR` turns colour off; else a non-empty
/// `CLICOLOR_FORCE` turns it on, even when piped or written to `--output`; else `CLICOLOR=0`
/// turns it off; else colour only on a terminal whose `TERM` is set and not `dumb` (or with
/// `CLICOLOR` set, or on CI).
fn auto_color(terminal: bool) -> bool {
    let clicolor = anstyle_query::clicolor();
    if anstyle_query::no_color() {
        false
    } else if anstyle_query::clicolor_force() {
        true
    } else if clicolor == Some(false) {
        false
    } else {
        terminal
            && (anstyle_query::term_supports_color()
                || clicolor == Some(true)
                || anstyle_query::is_ci())
    }
}

/// Writes the completion script or the man page to `--output` or stdout.
fn generate(cli: &Cli) -> u8 {
    let mut buf = Vec::new();
    let mut cmd = Cli::command();
    let written = match &cli.command {
        Command::Completions(a) => {
            clap_complete::generate(a.shell, &mut cmd, "odoo-audit", &mut buf);
            Ok(())
        }
        _ => clap_mangen::Man::new(cmd).render(&mut buf),
    };
    let written = written.and_then(|_| match cli.global.output.as_deref() {
        Some(path) => std::fs::write(path, &buf),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf).and_then(|_| out.flush())
        }
    });
    match written {
        Ok(()) => exit::SUCCESS as u8,
        Err(e) if exit::is_broken_pipe(&e) => exit::SUCCESS as u8,
        Err(e) => {
            eprint_line(&format!("odoo-audit: error: cannot write the output: {e}"));
            exit::USAGE as u8
        }
    }
}
