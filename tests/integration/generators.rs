//! `completions` and `man`: artifacts generated from the command-line definitions, printed to
//! stdout (or `--output`), with no report.

use std::process::Command;

use crate::common::{bin, run};

const SUBCOMMANDS: &[&str] = &["modules", "deps", "check-views", "verify-deploy", "explain"];

#[test]
fn bash_completion_is_valid_and_registers_the_command() {
    let (code, script, err) = run(bin().args(["completions", "bash"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("odoo-audit.bash");
    std::fs::write(&file, &script).unwrap();
    let out = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("bash")
        .args(["-c", r#"source "$1" && complete -p odoo-audit"#, "bash"])
        .arg(&file)
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(shown.contains("odoo-audit"), "{shown}");
    for sub in SUBCOMMANDS {
        assert!(script.contains(sub), "{sub}");
    }
    // --output writes the script to the file instead.
    let (code, out, err) = run(bin()
        .args(["completions", "bash", "--output"])
        .arg(dir.path().join("again.bash")));
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("again.bash")).unwrap(),
        script
    );
}

#[test]
fn zsh_and_fish_completions_name_the_subcommands() {
    for (shell, check) in [("zsh", "-n"), ("fish", "--no-execute")] {
        let (code, script, err) = run(bin().args(["completions", shell]));
        assert_eq!(code, 0, "{err}");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: {sub}");
        }
        // The shell's own syntax check, where the shell is installed.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("completion");
        std::fs::write(&file, &script).unwrap();
        if let Ok(out) = Command::new(shell).arg(check).arg(&file).output() {
            assert!(
                out.status.success(),
                "{shell}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn the_man_page_renders_with_the_subcommands() {
    let (code, page, err) = run(bin().arg("man"));
    assert_eq!(code, 0, "{err}");
    assert!(page.contains(".TH odoo-audit 1"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("odoo-audit.1");
    std::fs::write(&file, &page).unwrap();
    let out = Command::new("groff")
        .args(["-man", "-Tutf8", "-P-cbou"])
        .arg(&file)
        .output()
        .expect("groff (groff-base) renders the man page");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("NAME") && text.contains("SUBCOMMANDS"),
        "{text}"
    );
    for sub in SUBCOMMANDS {
        assert!(text.contains(sub), "{sub}: {text}");
    }
}

#[test]
fn generators_are_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("history.sqlite");
    let (code, _, err) = run(bin().args(["man", "--record", "--history"]).arg(&store));
    assert_eq!(code, 0, "{err}");
    assert!(!store.exists());
}

#[test]
fn version_names_the_commit_and_the_build_date() {
    let (code, out, err) = run(bin().arg("--version"));
    assert_eq!(code, 0, "{err}");
    let re = regex::Regex::new(
        r"^odoo-audit \d+\.\d+\.\d+ \((?:[0-9a-f]{7,}(?:-dirty)?|unknown) (?:\d{4}-\d{2}-\d{2}|unknown)\)\n$",
    )
    .unwrap();
    assert!(re.is_match(&out), "{out:?}");
    // The man page names the same version.
    let (_, page, _) = run(bin().arg("man"));
    assert!(page.contains(out.trim_end()), "{page}");
}
