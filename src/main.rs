//! The `odoo-audit` binary: parse the command line, run the subcommand, render its report,
//! exit with the code [`odoo_audit::exit`] decides.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use odoo_audit::cli::{Cli, ColorChoice, Command};
use odoo_audit::commands::{self, Ctx};
use odoo_audit::config::levels::Levels;
use odoo_audit::escape;
use odoo_audit::exit;
use odoo_audit::report::{self, Format, RenderOptions};

// Discovery allocates many small values on several threads; mimalloc is much faster at that
// than glibc's allocator (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return ExitCode::from(clap_error(&e)),
    };
    let code = run(&cli);
    ExitCode::from(code.clamp(0, 255) as u8)
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
    } else if let Err(err) = e.print() {
        if !exit::is_broken_pipe(&err) {
            return exit::USAGE as u8;
        }
    }
    code
}

/// One line on stderr, its control characters escaped. A closed stderr is not an error.
fn eprint_line(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", escape::control(line));
}

fn run(cli: &Cli) -> i32 {
    let g = &cli.global;
    // Unknown codes are a usage error before anything runs.
    let levels = match Levels::from_options(&g.allow, &g.warn, &g.deny) {
        Ok(l) => l,
        Err(fatal) => {
            eprint_line(&format!("odoo-audit: error: {}", fatal.message));
            return fatal.code;
        }
    };
    let started = chrono::Utc::now();
    let clock = std::time::Instant::now();
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
        Err(fatal) => {
            eprint_line(&format!("odoo-audit: error: {}", fatal.message));
            return fatal.code;
        }
    };
    report.run = report::RunInfo {
        instance: Some(commands::instance_name(g, &report)),
        started_at: Some(started.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        duration_ms: Some(clock.elapsed().as_millis().min(u64::MAX as u128) as u64),
    };
    levels.apply(&mut report.findings);
    // The exit code counts every finding; the report shows those at or above the chosen
    // severity (`--min-severity`; with `--ci` the failing one).
    let fail_on = exit::fail_on(&cli.command, g);
    let code = match &fleet {
        Some(f) => exit::fleet_code(f, fail_on),
        None => exit::code_for(&report.findings, fail_on),
    };
    if let Some(min) = g.shown_severity(cli.command.ci()) {
        report.findings.retain(|f| f.severity >= min);
    }
    let stdout = std::io::stdout();
    // `--output FILE`: the report goes to the file (for `catalogue build` the file is the
    // catalogue, and the report stays on stdout).
    let to_file = g.output.as_deref().filter(|_| !cli.command.owns_output());
    let color = match g.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_file.is_none()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && stdout.is_terminal()
        }
    };
    // `--ci`: quiet (and exit::fail_on makes errors the threshold).
    let ci = cli.command.ci();
    let opts = RenderOptions {
        format: g.format,
        color,
        quiet: g.quiet || ci,
    };
    if let Some(path) = to_file {
        if let Err(e) = report::output::write_atomic(path, |w| report::render(&mut report, opts, w))
        {
            eprint_line(&format!("odoo-audit: error: cannot write the report: {e}"));
            return exit::USAGE;
        }
        return code;
    }
    // Stdout is line-buffered: a large JSON document would cost one write per line.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    if let Err(e) = report::render(&mut report, opts, &mut out).and_then(|_| out.flush()) {
        if exit::is_broken_pipe(&e) {
            // The reader went away (`| head`): end quietly, as ripgrep does. The buffer's
            // remains must not be written again when it is dropped.
            let _ = out.into_parts();
            return exit::SUCCESS;
        }
        eprint_line(&format!("odoo-audit: error: cannot write the report: {e}"));
        return exit::USAGE;
    }
    // CSV carries one table; the findings then go to stderr so they are not lost.
    if g.format == Format::Csv && !report.tables.is_empty() && !opts.quiet {
        let mut err = std::io::stderr().lock();
        for f in &report.findings {
            let _ = writeln!(err, "{}", report::finding_line(f, false));
        }
    }
    code
}
