//! `odoo-audit verify-deploy --release FILE`: the post-deployment checks of a release (files,
//! logs, rollback readiness, services), once or repeatedly over a window (`--for 30m --every
//! 60s`, stopping at the first failure); and `odoo-audit files hash`, which makes the digest
//! file of a release at build time.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use super::Ctx;
use crate::checks::deploy::{self, Check, Checks, Status};
use crate::checks::release as checks;
use crate::checks::table::{Column, Layout};
use crate::cli::{FilesAction, FilesArgs, FilesHashArgs, VerifyDeployArgs};
use crate::config::odoo_conf::OdooConf;
use crate::config::release::{Release, Since};
use crate::config::settings::Mode;
use crate::exit::Fatal;
use crate::load::{self, fsread, release};
use crate::report::Report;
use crate::routines::Deploy;

/// The release checks' table.
pub const RELEASE: Layout = Layout {
    name: "checks",
    title: "Release checks",
    columns: &[
        ("#", Column::Num),
        ("check", Column::Name),
        ("status", Column::Status),
        ("count", Column::Cell("count")),
        ("evidence", Column::Evidence),
        ("hint", Column::Hint),
    ],
};

/// The services' table: deploy-check's checks, with their numbers there.
pub const SERVICES: Layout = Layout {
    name: "services",
    title: "Services (deploy-check)",
    columns: deploy::GATE.columns,
};

fn span(option: &str, s: &str) -> Result<Duration, Fatal> {
    crate::history::parse_since(s)
        .map_err(|e| Fatal::usage(e.message.replacen("--since", option, 1)))?
        .to_std()
        .map_err(|_| Fatal::usage(format!("{option}: must be positive")))
}

pub fn run(args: &VerifyDeployArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    let release = Release::load(&args.release)?;
    let settings = super::settings(&args.target, ctx.global)?;
    let window = args.for_.as_deref().map(|s| span("--for", s)).transpose()?;
    let every = span("--every", &args.every)?;
    if every.is_zero() {
        return Err(Fatal::usage("--every: must be at least 1s"));
    }
    let sums = match &release.files {
        None => None,
        Some(f) => {
            let text = fsread::read_to_string(&f.manifest, fsread::SOURCE_MAX).map_err(|e| {
                Fatal::usage(format!(
                    "{}: {}",
                    crate::escape::control(&f.manifest.display().to_string()),
                    e.about_file()
                ))
            })?;
            Some(release::parse_sums(&text).map_err(|e| {
                Fatal::usage(format!(
                    "{}: {}",
                    crate::escape::control(&f.manifest.display().to_string()),
                    e
                ))
            })?)
        }
    };
    let conf = OdooConf::load(&settings.odoo_conf);
    let mut d = Deploy::new(settings, conf, Err("not used".into()), false, false);
    let progress = std::io::stderr().is_terminal();
    let began = Instant::now();
    let mut rounds = 0u64;
    let (table, services) = loop {
        rounds += 1;
        let round = one_round(&release, sums.as_deref(), &mut d);
        let failed = round.0.failed() || round.1.as_ref().is_some_and(Checks::failed);
        let Some(window) = window else { break round };
        if failed || began.elapsed() + every > window {
            break round;
        }
        if progress {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\rverify-deploy: round {rounds}, {} of {} s, passing so far   ",
                began.elapsed().as_secs(),
                window.as_secs()
            );
            let _ = err.flush();
        }
        std::thread::sleep(every);
    };
    if progress && window.is_some() {
        let _ = writeln!(std::io::stderr().lock());
    }
    let mut report = Report::new("verify-deploy");
    super::settings_context(&mut report, &d.settings);
    report.context("release", release.path.display().to_string());
    if let Some(n) = &release.name {
        report.context("release_name", n.clone());
    }
    if let Some(t) = release.started_at {
        report.context(
            "release_started_at",
            t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
    }
    report.context("rounds", rounds);
    if let Some(w) = window {
        report.context("window_s", w.as_secs());
        report.context("every_s", every.as_secs());
    }
    let mut totals = serde_json::Map::new();
    for st in [Status::Pass, Status::Warn, Status::Fail, Status::Skip] {
        totals.insert(
            st.as_str().into(),
            json!(table.count(st) + services.as_ref().map_or(0, |s| s.count(st))),
        );
    }
    let failed = table.failed() || services.as_ref().is_some_and(Checks::failed);
    report.add_checks(&table);
    if let Some(s) = &services {
        report.add_checks(s);
    }
    report
        .summary
        .insert("checks".into(), serde_json::Value::Object(totals));
    report.summary.insert(
        "result".into(),
        json!(if failed { "failed" } else { "deployed" }),
    );
    Ok(report)
}

/// One pass of every check of the release.
fn one_round(
    release: &Release,
    sums: Option<&[release::Sum]>,
    d: &mut Deploy,
) -> (Checks, Option<Checks>) {
    let s = &d.settings;
    let compose = s.mode == Mode::Compose;
    let timeout = s.command_timeout;
    let now = chrono::Utc::now();
    let mut rows: Vec<Check> = Vec::new();
    let mut num = 0usize;
    let mut next = || {
        num += 1;
        num
    };
    if let (Some(f), Some(sums)) = (&release.files, sums) {
        let deployed = if compose {
            release::deployed_compose(
                sums,
                &f.root,
                &f.exact,
                &s.compose_command,
                s.compose_file
                    .as_deref()
                    .unwrap_or(Path::new("docker-compose.yml")),
                &s.odoo_service,
                timeout,
            )
        } else {
            release::deployed_native(sums, &f.root, &f.exact)
        };
        rows.push(checks::check_files(
            next(),
            &deployed,
            &f.manifest.display().to_string(),
        ));
    }
    if let Some(l) = &release.logs {
        let since = match &l.since {
            Since::Release => release.started_at.unwrap_or(now),
            Since::Span(span) => now - *span,
        };
        let logfile: Option<PathBuf> = l.file.clone().or_else(|| {
            d.conf
                .as_ref()
                .ok()
                .and_then(load::deploy::conf_logfile)
                .map(PathBuf::from)
        });
        let window = match (&logfile, compose) {
            (Some(file), _) => release::log_window_native(file, since),
            (None, true) => release::log_window_compose(
                &s.compose_command,
                s.compose_file
                    .as_deref()
                    .unwrap_or(Path::new("docker-compose.yml")),
                &s.odoo_service,
                since,
                timeout,
            ),
            (None, false) => Err(
                "no log file: name it in the release file ([logs] file) or as logfile in odoo.conf"
                    .into(),
            ),
        };
        match window {
            Ok(w) => {
                for c in &l.criteria {
                    rows.push(checks::check_criterion(next(), c, &w, since));
                }
                if let Some(max) = l.max_errors {
                    rows.push(checks::check_errors(next(), max, &w, since));
                }
            }
            Err(why) => rows.push(checks::check_log_unreadable(next(), &why)),
        }
    }
    if let Some(r) = &release.rollback {
        if let Some(dir) = &r.backup_dir {
            let kept: Vec<(String, release::Kept)> = r
                .replaces
                .iter()
                .map(|p| (p.clone(), release::kept(&dir.join(p))))
                .collect();
            rows.push(checks::check_file_backups(next(), &kept));
        }
        if let (Some(dir), Some(started)) = (&r.dump_dir, release.started_at) {
            let dump = load::deploy::backups(dir, timeout).map(|b| {
                b.newest_dump.map(|d| {
                    (
                        d.path.display().to_string(),
                        d.size,
                        d.age,
                        d.listed.success(),
                    )
                })
            });
            rows.push(checks::check_dump(next(), dump, started, now));
        }
    }
    let services = release.services.then(|| {
        let mut rows = super::deploy_check::engine_checks(d);
        rows.push(super::deploy_check::http_check(d));
        Checks {
            layout: SERVICES,
            rows,
        }
    });
    (
        Checks {
            layout: RELEASE,
            rows,
        },
        services,
    )
}

/// `p` absolute (from the current directory), `.` and `..` resolved by name (links are not
/// followed: the names are those of the release).
fn lexical(p: &Path) -> PathBuf {
    use std::path::Component;
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `files hash PATHS… -o FILE`: the digest file of the files (directories walked), sorted.
pub fn files(args: &FilesArgs, ctx: &mut Ctx) -> Result<Report, Fatal> {
    match &args.action {
        FilesAction::Hash(h) => hash(h, ctx.global.output.as_deref()),
    }
}

fn hash(args: &FilesHashArgs, output: Option<&Path>) -> Result<Report, Fatal> {
    let output = output.ok_or_else(|| {
        Fatal::usage("files hash: --output FILE (the digest file to write) is required")
    })?;
    let mut report = Report::new("files hash");
    let mut listed: Vec<(String, PathBuf)> = Vec::new();
    for p in &args.paths {
        let (found, problems) = if p.is_dir() {
            release::files_under(p)
        } else {
            (vec![p.clone()], Vec::new())
        };
        report
            .findings
            .extend(problems.iter().map(|(path, e)| e.finding(path)));
        for f in found {
            let name = match &args.relative_to {
                Some(base) => match lexical(&f).strip_prefix(lexical(base)) {
                    Ok(rel) => rel.to_path_buf(),
                    Err(_) => {
                        return Err(Fatal::usage(format!(
                            "{} is not under --relative-to {}",
                            crate::escape::control(&f.display().to_string()),
                            crate::escape::control(&base.display().to_string())
                        )))
                    }
                },
                None => f.clone(),
            };
            listed.push((name.to_string_lossy().into_owned(), f));
        }
    }
    listed.sort();
    listed.dedup();
    let mut text = String::new();
    for (name, path) in &listed {
        match release::digest_file(path, args.algorithm) {
            Ok(d) => text.push_str(&release::sum_line(&d, name)),
            Err(e) => report.findings.push(e.finding(path)),
        }
    }
    crate::report::output::write_atomic(output, |w| w.write_all(text.as_bytes())).map_err(|e| {
        Fatal::usage(format!(
            "--output {}: cannot write: {e}",
            crate::escape::quote(&output.display().to_string())
        ))
    })?;
    report.context("output", output.display().to_string());
    report.context("algorithm", args.algorithm.as_str());
    report
        .summary
        .insert("files".into(), json!(text.lines().count()));
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans() {
        assert_eq!(span("--every", "60s").unwrap(), Duration::from_secs(60));
        assert_eq!(span("--for", "30m").unwrap(), Duration::from_secs(1800));
        assert!(span("--for", "30").unwrap_err().message.contains("--for"));
    }
}
