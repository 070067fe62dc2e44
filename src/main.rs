//! The `odoo-audit` binary: parse the command line, run the subcommand, render its report,
//! exit with the documented code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use odoo_audit::cli::{Cli, ColorChoice};
use odoo_audit::commands::{self, Ctx};
use odoo_audit::exit;
use odoo_audit::report::{self, Format, Levels, RenderOptions};

// Discovery allocates many small values on several threads; mimalloc is much faster at that
// than glibc's allocator (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = run(&cli);
    ExitCode::from(code.clamp(0, 255) as u8)
}

fn run(cli: &Cli) -> i32 {
    let g = &cli.global;
    let mut ctx = Ctx::new(g);
    let outcome = match commands::run(&cli.command, &mut ctx) {
        Ok(o) => o,
        Err(fatal) => {
            eprintln!("odoo-audit: error: {}", fatal.message);
            return fatal.code;
        }
    };
    let mut report = outcome.report;
    let levels = Levels {
        allow: g.allow.iter().map(|c| c.to_ascii_uppercase()).collect(),
        warn: g.warn.iter().map(|c| c.to_ascii_uppercase()).collect(),
        deny: g.deny.iter().map(|c| c.to_ascii_uppercase()).collect(),
    };
    levels.apply(&mut report.findings);
    let stdout = std::io::stdout();
    let color = match g.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && stdout.is_terminal()
        }
    };
    // `--ci`: quiet, and the exit code depends on error findings only.
    let ci = cli.command.ci();
    let opts = RenderOptions {
        format: g.format,
        color,
        quiet: g.quiet || ci,
    };
    // Stdout is line-buffered: a large JSON document would cost one write per line.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    if let Err(e) = report::render(&mut report, opts, &mut out).and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("odoo-audit: error: cannot write the report: {e}");
            return exit::USAGE;
        }
    }
    // CSV carries one table; the findings then go to stderr so they are not lost.
    if g.format == Format::Csv && !report.tables.is_empty() && !opts.quiet {
        for f in &report.findings {
            eprintln!("{}", report::finding_line(f, false));
        }
    }
    let fail_on = if ci { exit::FailOn::Error } else { g.fail_on };
    outcome
        .exit
        .unwrap_or_else(|| exit::code_for(&report.findings, fail_on))
}
