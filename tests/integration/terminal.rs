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
            &format!("stty cols 200 rows 50; {}", cmd.join(" ")),
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
