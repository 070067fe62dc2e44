//! `[levels]` in configuration files: an addons repository's own `.odoo-audit.toml` (found from
//! the addons path up to the repository's root), the settings file `./odoo-audit.toml`, and the
//! command line over both; unknown codes and contradictions are usage errors naming the file.

use std::path::{Path, PathBuf};

use crate::common::{bin, findings_with, plant_tag, run, run_json};

/// An addons repository `repo/` (a `.git` directory at its root) whose addons are in
/// `repo/addons/`: one addon whose client action names a tag nobody registers (A001, an error).
fn repository(root: &Path) -> PathBuf {
    let repo = root.join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    plant_tag(&repo.join("addons"));
    repo
}

/// `check-client-actions --ci` on the repository's addons from `cwd`, as JSON.
fn check(cwd: &Path, repo: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut cmd = bin();
    cmd.current_dir(cwd)
        .args(["check-client-actions", "--ci", "--min-severity", "info"])
        .arg("--addons-path")
        .arg(repo.join("addons"))
        .args(extra);
    run_json(&mut cmd)
}

fn severity_of_a001(doc: &serde_json::Value) -> Option<String> {
    findings_with(doc, "A001")
        .first()
        .map(|f| f["severity"].as_str().unwrap().to_string())
}

#[test]
fn without_a_file_the_planted_tag_fails_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repository(tmp.path());
    let (code, doc, err) = check(tmp.path(), &repo, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(severity_of_a001(&doc).as_deref(), Some("error"), "{doc}");
    assert!(doc["context"].get("levels_files").is_none(), "{doc}");
}

#[test]
fn the_repository_file_at_its_root_allows_a_code_for_its_addons() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repository(tmp.path());
    std::fs::write(
        repo.join(".odoo-audit.toml"),
        "# the repository's own levels\n[levels]\nallow = [\"a001\"]\n",
    )
    .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, doc, err) = check(elsewhere.path(), &repo, &[]);
    assert_eq!(code, 0, "{err}\n{doc}");
    assert_eq!(severity_of_a001(&doc), None, "{doc}");
    let files = doc["context"]["levels_files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{doc}");
    assert!(
        files[0]
            .as_str()
            .unwrap()
            .ends_with("repo/.odoo-audit.toml"),
        "{doc}"
    );
}

#[test]
fn outside_a_repository_only_the_addons_path_itself_is_looked_at() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repository(tmp.path());
    std::fs::remove_dir(repo.join(".git")).unwrap();
    // Above the addons path and no repository root: not this run's file.
    std::fs::write(
        repo.join(".odoo-audit.toml"),
        "[levels]\nallow = [\"A001\"]\n",
    )
    .unwrap();
    let (code, doc, err) = check(tmp.path(), &repo, &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(severity_of_a001(&doc).as_deref(), Some("error"), "{doc}");
    // In the addons path itself it counts.
    std::fs::rename(
        repo.join(".odoo-audit.toml"),
        repo.join("addons/odoo-audit.toml"),
    )
    .unwrap();
    let (code, doc, err) = check(tmp.path(), &repo, &[]);
    assert_eq!(code, 0, "{err}\n{doc}");
    assert_eq!(severity_of_a001(&doc), None, "{doc}");
}

#[test]
fn the_settings_file_ranks_over_the_repository_and_the_command_line_over_both() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repository(tmp.path());
    std::fs::write(
        repo.join(".odoo-audit.toml"),
        "[levels]\nallow = [\"A001\"]\n",
    )
    .unwrap();
    let cwd = tmp.path().join("ops");
    std::fs::create_dir(&cwd).unwrap();
    // The operator's settings file: also a deploy-check settings file, whose other keys are
    // left to deploy-check.
    std::fs::write(
        cwd.join("odoo-audit.toml"),
        "database = \"prod\"\n\n[levels]\nwarn = [\"A001\"]\n",
    )
    .unwrap();
    let (code, doc, err) = check(&cwd, &repo, &[]);
    assert_eq!(code, 0, "{err}\n{doc}");
    assert_eq!(severity_of_a001(&doc).as_deref(), Some("warning"), "{doc}");
    assert_eq!(
        doc["context"]["levels_files"].as_array().unwrap().len(),
        2,
        "{doc}"
    );
    let (code, doc, err) = check(&cwd, &repo, &["--deny", "A001"]);
    assert_eq!(code, 1, "{err}\n{doc}");
    assert_eq!(severity_of_a001(&doc).as_deref(), Some("error"), "{doc}");
}

#[test]
fn an_unknown_code_in_a_file_is_a_usage_error_naming_the_file_and_the_close_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repository(tmp.path());
    std::fs::write(
        repo.join(".odoo-audit.toml"),
        "[levels]\ndeny = [\"A00l\"]\n",
    )
    .unwrap();
    let mut cmd = bin();
    cmd.current_dir(tmp.path())
        .args(["check-client-actions", "--ci", "--addons-path"])
        .arg(repo.join("addons"));
    let (code, out, err) = run(&mut cmd);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains(".odoo-audit.toml: levels.deny: A00l"), "{err}");
    assert!(err.contains("close ones: A001"), "{err}");
}

#[test]
fn a_code_in_two_lists_of_one_file_or_an_unknown_key_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = repository(tmp.path());
    let file = repo.join(".odoo-audit.toml");
    std::fs::write(&file, "[levels]\nallow = [\"A001\"]\ndeny = [\"a001\"]\n").unwrap();
    let mut cmd = bin();
    cmd.current_dir(tmp.path())
        .args(["check-client-actions", "--ci", "--addons-path"])
        .arg(repo.join("addons"));
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("A001 is in both `allow` and `deny`"), "{err}");
    std::fs::write(&file, "[levels]\nignore = [\"A001\"]\n").unwrap();
    let (code, _, err) = run(&mut cmd);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown field `ignore`"), "{err}");
}
