//! Behaviour on a terminal: the binary runs under a pseudo-terminal (util-linux `script`), as a
//! user would run it, so `--color auto` sees a TTY.

use std::path::Path;
use std::process::Command;

use crate::common::write_addon;

/// Single-quotes a word for `sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Runs `odoo-audit deps` on `root` under a pty with exactly the environment `env` (plus PATH);
/// returns what the terminal showed.
fn on_terminal(root: &Path, env: &[(&str, &str)], extra: &[&str]) -> String {
    let mut cmd = vec![
        sh_quote(env!("CARGO_BIN_EXE_odoo-audit")),
        "deps".to_string(),
        "--addons-path".to_string(),
        sh_quote(root.to_str().unwrap()),
    ];
    cmd.extend(extra.iter().map(|s| s.to_string()));
    let mut c = Command::new("script");
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        // A wide terminal, so that the table is not squeezed to one letter a column.
        .args([
            "-qec",
            // (Progress goes to stderr; what is coloured here is the report.)
            &format!("stty cols 200 rows 50; {} 2>/dev/null", cmd.join(" ")),
            "/dev/null",
        ]);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run script (util-linux)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("nosuchmod"), "{text}");
    text
}

/// The environment, the extra arguments, and whether the output is coloured.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], bool);

#[test]
fn colour_follows_the_environment_in_anstreams_order() {
    let dir = tempfile::tempdir().unwrap();
    write_addon(
        dir.path(),
        "foo",
        "{'name': 'Foo', 'version': '18.0.1.0.0', 'depends': ['nosuchmod'], 'license': 'LGPL-3'}",
    );
    let root = dir.path();
    let cases: &[Case] = &[
        (&[("TERM", "xterm")], &[], true),
        // No TERM at all, or a dumb one: no colour.
        (&[], &[], false),
        (&[("TERM", "dumb")], &[], false),
        (&[("TERM", "xterm"), ("NO_COLOR", "1")], &[], false),
        // An empty NO_COLOR does not count.
        (&[("TERM", "xterm"), ("NO_COLOR", "")], &[], true),
        (&[("TERM", "xterm"), ("CLICOLOR", "0")], &[], false),
        (&[("TERM", "xterm"), ("CLICOLOR", "1")], &[], true),
        // CLICOLOR set (not 0) vouches for a terminal TERM does not.
        (&[("TERM", "dumb"), ("CLICOLOR", "1")], &[], true),
        (&[("TERM", "dumb"), ("CLICOLOR_FORCE", "1")], &[], true),
        (
            &[
                ("TERM", "xterm"),
                ("CLICOLOR", "0"),
                ("CLICOLOR_FORCE", "1"),
            ],
            &[],
            true,
        ),
        // NO_COLOR wins over CLICOLOR_FORCE (anstream checks it first).
        (
            &[
                ("TERM", "xterm"),
                ("NO_COLOR", "1"),
                ("CLICOLOR_FORCE", "1"),
            ],
            &[],
            false,
        ),
        (&[("TERM", "xterm"), ("CLICOLOR_FORCE", "")], &[], true),
        (&[("TERM", "dumb"), ("CLICOLOR_FORCE", "")], &[], false),
        // --color wins over everything.
        (
            &[("TERM", "xterm"), ("CLICOLOR_FORCE", "1")],
            &["--color", "never"],
            false,
        ),
        (
            &[("TERM", "dumb"), ("NO_COLOR", "1")],
            &["--color", "always"],
            true,
        ),
    ];
    for (env, extra, coloured) in cases {
        let text = on_terminal(root, env, extra);
        assert_eq!(
            text.contains('\u{1b}'),
            *coloured,
            "env {env:?} args {extra:?}:\n{text}"
        );
    }
}

#[test]
fn clicolor_force_colours_a_pipe_too() {
    let dir = tempfile::tempdir().unwrap();
    write_addon(
        dir.path(),
        "foo",
        "{'name': 'Foo', 'version': '18.0.1.0.0', 'depends': ['nosuchmod'], 'license': 'LGPL-3'}",
    );
    let run = |env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_odoo-audit"));
        c.env_clear().env("HOME", "/nonexistent").args([
            "deps",
            "--addons-path",
            dir.path().to_str().unwrap(),
        ]);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(!run(&[("TERM", "xterm")]).contains('\u{1b}'));
    assert!(run(&[("CLICOLOR_FORCE", "1")]).contains('\u{1b}'));
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\u{1b}'));
}

/// Runs `shell` (a command line) under a pty of `cols` columns with `env` only (plus PATH and
/// HOME), from `dir`; returns what the terminal showed, line ends as `\n`.
fn pty(dir: &Path, cols: usize, env: &[(&str, &str)], shell: &str) -> String {
    let mut c = Command::new("script");
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .current_dir(dir)
        .args([
            "-qec",
            &format!("stty cols {cols} rows 50; {shell}"),
            "/dev/null",
        ]);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run script (util-linux)");
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

fn tool() -> String {
    sh_quote(env!("CARGO_BIN_EXE_odoo-audit"))
}

/// The rows of the table whose header line has a column `first`: for each row (a line whose
/// cell in column `start`, one never wrapped, is not empty starts one), for each column, the
/// cell's lines.
fn table_rows(text: &str, first: &str, start: &str) -> (Vec<String>, Vec<Vec<Vec<String>>>) {
    let cells = |line: &str| -> Vec<String> {
        line.trim_start_matches('│')
            .trim_end_matches('│')
            .split(['┆', '│'])
            .map(|c| c.trim().to_string())
            .collect()
    };
    let mut lines = text
        .lines()
        .skip_while(|l| !(l.starts_with('│') && cells(l).iter().any(|c| c == first)));
    let mut header = cells(
        lines
            .next()
            .unwrap_or_else(|| panic!("no {first} table:\n{text}")),
    );
    // A header wrapped to its column goes on to the line under the header's.
    for line in lines.by_ref().take_while(|l| !l.starts_with('╞')) {
        for (h, more) in header.iter_mut().zip(cells(line)) {
            h.push_str(&more);
        }
    }
    let start = header
        .iter()
        .position(|h| h == start)
        .unwrap_or_else(|| panic!("no column {start} in {header:?}"));
    let mut rows: Vec<Vec<Vec<String>>> = Vec::new();
    for line in lines.take_while(|l| l.starts_with('│')) {
        let c = cells(line);
        assert_eq!(c.len(), header.len(), "{line}");
        if !c[start].is_empty() || rows.is_empty() {
            rows.push(vec![Vec::new(); header.len()]);
        }
        let row = rows.last_mut().unwrap();
        for (i, cell) in c.into_iter().enumerate() {
            if !cell.is_empty() {
                row[i].push(cell);
            }
        }
    }
    (header, rows)
}

/// No line is wider than `cols`.
fn assert_fits(text: &str, cols: usize, what: &str) {
    for line in text.lines() {
        let w = line.chars().count();
        assert!(w <= cols, "{what}: {w} > {cols} columns: {line:?}\n{text}");
    }
}

/// Every word of `want` that fits a line of the cell (`lines`) is on one of its lines whole,
/// and the lines together hold the text of `want`.
fn assert_words_whole(lines: &[String], want: &str, what: &str) {
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let squeezed = |s: &str| s.split_whitespace().collect::<String>();
    assert_eq!(
        squeezed(&lines.concat()),
        squeezed(want),
        "{what}: {lines:?}"
    );
    for word in want.split(' ').filter(|w| w.chars().count() <= width) {
        assert!(
            lines.iter().any(|l| l.split(' ').any(|w| w == word)),
            "{what}: `{word}` is split in {lines:?}"
        );
    }
}

#[test]
fn tables_fit_80_and_120_columns_with_whole_words_and_module_names() {
    let corpus = crate::common::corpus();
    let dir = corpus.parent().unwrap();
    let (_, doc, _) = crate::common::run_json(crate::common::bin().current_dir(dir).args([
        "check-client-actions",
        "--all",
        "--addons-path",
        "addons",
    ]));
    let uses = doc["uses"].as_array().unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert!(uses.len() > 100 && !findings.is_empty(), "{doc}");
    let (_, rules_doc, _) = crate::common::run_json(crate::common::bin().arg("rules"));
    let rules = rules_doc["rules"].as_array().unwrap();
    for cols in [80, 120] {
        let env = [("TERM", "xterm"), ("NO_COLOR", "1")];
        let text = pty(
            dir,
            cols,
            &env,
            &format!(
                "{} check-client-actions --all --addons-path addons 2>/dev/null",
                tool()
            ),
        );
        assert_fits(&text, cols, "check-client-actions");
        let (header, rows) = table_rows(&text, "key", "module");
        assert_eq!(rows.len(), uses.len(), "{text}");
        let module = header.iter().position(|h| h == "module").unwrap();
        for (row, u) in rows.iter().zip(uses) {
            // The module name whole, on one line.
            assert_eq!(row[module], [u["module"].as_str().unwrap()], "{cols}");
        }
        let (header, rows) = table_rows(&text, "Severity", "Severity");
        assert_eq!(rows.len(), findings.len(), "{text}");
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        for (row, f) in rows.iter().zip(findings) {
            assert_eq!(row[col("Code")], [f["code"].as_str().unwrap()]);
            assert_eq!(row[col("Module")], [f["module"].as_str().unwrap()]);
            let message = f["message"].as_str().unwrap();
            assert_words_whole(&row[col("Message")], message, "message");
        }
        // What did not fit is said, not lost silently.
        if cols == 80 {
            assert!(!header.contains(&"Hint".to_string()), "{text}");
            assert!(text.contains("(left out to fit 80 columns: "), "{text}");
        }

        let text = pty(dir, cols, &env, &format!("{} rules", tool()));
        assert_fits(&text, cols, "rules");
        let (header, rows) = table_rows(&text, "code", "code");
        assert_eq!(header, ["code", "name", "severity", "summary"], "{text}");
        assert_eq!(rows.len(), rules.len());
        for (row, r) in rows.iter().zip(rules) {
            assert_eq!(row[0], [r["code"].as_str().unwrap()]);
            assert_eq!(row[1], [r["name"].as_str().unwrap()]);
            assert_words_whole(&row[3], r["summary"].as_str().unwrap(), "summary");
        }
    }
}

#[test]
fn versions_on_a_database_fit_80_columns() {
    let db = crate::common::TestDb::new("terminal_versions");
    let corpus = crate::common::corpus();
    let dir = corpus.parent().unwrap();
    let args = ["versions", "--all", "--addons-path", "addons", "--db-url"];
    let (_, doc, _) = crate::common::run_json(
        crate::common::bin()
            .current_dir(dir)
            .args(args)
            .arg(db.url()),
    );
    let modules = doc["modules"].as_array().unwrap();
    assert!(modules.len() > 100, "{doc}");
    let shell = format!(
        "{} {} {} 2>/dev/null",
        tool(),
        args.join(" "),
        sh_quote(&db.url())
    );
    for cols in [80, 120] {
        let text = pty(dir, cols, &[("TERM", "xterm"), ("NO_COLOR", "1")], &shell);
        assert_fits(&text, cols, "versions");
        let (header, rows) = table_rows(&text, "name", "name");
        assert_eq!(rows.len(), modules.len(), "{text}");
        let col = |name: &str| header.iter().position(|h| h == name);
        for (row, m) in rows.iter().zip(modules) {
            assert_eq!(row[0], [m["name"].as_str().unwrap()], "{header:?}");
            // A version broken to fit is broken after a dot, nothing lost.
            for v in ["disk_version", "db_version"] {
                let i = col(v).unwrap_or_else(|| panic!("no {v} in {header:?}"));
                let want = m[v].as_str().unwrap_or("");
                assert_eq!(row[i].concat(), want, "{v}: {:?}", row[i]);
                let n = row[i].len();
                assert!(n < 2 || row[i][..n - 1].iter().all(|p| p.ends_with('.')));
            }
        }
    }
}

#[test]
fn columns_lays_out_a_pipe_and_no_columns_means_no_limit() {
    let corpus = crate::common::corpus();
    let dir = corpus.parent().unwrap();
    let run = |columns: Option<&str>| {
        let mut c = crate::common::bin();
        c.current_dir(dir)
            .args(["check-client-actions", "--addons-path", "addons"]);
        if let Some(n) = columns {
            c.env("COLUMNS", n);
        }
        crate::common::run(&mut c).1
    };
    let wide = run(None);
    let widest = wide.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(widest > 200, "piped tables have no width limit ({widest})");
    assert!(wide.lines().all(|l| l == l.trim_end()), "trailing spaces");
    let narrow = run(Some("80"));
    assert_fits(&narrow, 80, "COLUMNS=80");
    assert!(narrow.lines().all(|l| l == l.trim_end()), "trailing spaces");
    // The same rows, whatever the width.
    assert_eq!(
        table_rows(&narrow, "key", "module").1.len(),
        table_rows(&wide, "kind", "module").1.len()
    );
}

#[test]
fn explain_is_prose_wrapped_to_the_terminal() {
    let (_, doc, _) = crate::common::run_json(crate::common::bin().args(["explain", "A001"]));
    let rule = &doc["rule"][0];
    let explanation = rule["explanation"].as_str().unwrap();
    assert!(explanation.len() > 300, "{rule}");
    let dir = tempfile::tempdir().unwrap();
    for cols in [80, 120] {
        let text = pty(
            dir.path(),
            cols,
            &[("TERM", "xterm")],
            &format!("{} explain A001", tool()),
        );
        assert_fits(&text, cols.min(100), "explain");
        assert!(
            !text.contains('┆') && !text.contains('│'),
            "a table:\n{text}"
        );
        assert!(
            text.starts_with("A001 client-action-not-registered (error)\n"),
            "{text}"
        );
        let section = |heading: &str| -> Vec<String> {
            text.split(&format!("\n{heading}\n"))
                .nth(1)
                .unwrap_or_else(|| panic!("no {heading}:\n{text}"))
                .split("\n\n")
                .next()
                .unwrap()
                .lines()
                .map(|l| l.strip_prefix("  ").expect("indented").to_string())
                .collect()
        };
        assert_words_whole(&section("Why it matters"), explanation, "explanation");
        assert_eq!(
            section("What it is").join(" "),
            rule["summary"].as_str().unwrap()
        );
        assert_eq!(
            section("How to fix it").join(" "),
            rule["fix"].as_str().unwrap()
        );
        // The example as it is, line for line.
        assert_eq!(
            section("Example").join("\n"),
            rule["example"].as_str().unwrap()
        );
    }
}

#[test]
fn progress_on_a_terminal_only_and_stdout_the_same() {
    let corpus = crate::common::corpus();
    let dir = corpus.parent().unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("stdout");
    let args = "check-views --addons-path addons";
    // stdout to a file, stderr on the terminal.
    let shown = pty(
        dir,
        100,
        &[("TERM", "xterm")],
        &format!("{} {args} > {}", tool(), sh_quote(file.to_str().unwrap())),
    );
    assert!(
        shown.contains("check-views: reading the addons"),
        "{shown:?}"
    );
    let manifests = std::fs::read_dir(&corpus).unwrap().count();
    assert!(
        shown.contains(&format!("{manifests} manifests, ")),
        "{manifests} manifests: {shown:?}"
    );
    // Cleared from the terminal at the end.
    assert!(shown.ends_with("\u{1b}[2K"), "{shown:?}");
    let on_terminal = std::fs::read(&file).unwrap();
    // Piped: the same stdout, byte for byte, and nothing on stderr.
    let piped = crate::common::bin()
        .current_dir(dir)
        .args(args.split(' '))
        .env("TERM", "xterm")
        .output()
        .unwrap();
    assert!(!on_terminal.is_empty());
    assert_eq!(piped.stdout, on_terminal);
    assert_eq!(String::from_utf8_lossy(&piped.stderr), "");
    // Quiet, or a dumb terminal: no progress.
    for (env, extra) in [(("TERM", "xterm"), " -q"), (("TERM", "dumb"), "")] {
        let shown = pty(
            dir,
            100,
            &[env],
            &format!("{} {args}{extra} > /dev/null", tool()),
        );
        assert!(
            !shown.contains("reading the addons"),
            "{env:?}{extra}: {shown:?}"
        );
    }
}
