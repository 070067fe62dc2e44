//! Check 8: the `.env` file (present, required variables, not world-readable) and secrets
//! written in clear in odoo.conf or the compose file. A secret's value is never shown: only
//! its key, file and line.

use yaml_rust2::{Yaml, YamlLoader};

use super::conf::is_secret_key;
use super::Check;
use crate::config::odoo_conf::OdooConf;
use crate::config::settings::Settings;
use crate::load::deploy::SecretFiles;
use crate::rules::deploy as r;

/// The variables a `.env` file defines (`KEY=value`, `export KEY=value`; comments and blank
/// lines skipped), with whether the value is non-empty.
pub fn env_keys(text: &str) -> Vec<(String, bool)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (k, v) = l.split_once('=')?;
            let v = v.trim().trim_matches('"').trim_matches('\'');
            Some((k.trim().to_string(), !v.is_empty()))
        })
        .collect()
}

/// A value that is a reference, not a secret: `${VAR}`, `$VAR`, empty.
fn is_reference(v: &str) -> bool {
    let v = v.trim();
    v.is_empty() || v.starts_with('$')
}

/// Literal secrets in a compose file: (service, key, line).
pub fn compose_secrets(text: &str) -> Result<Vec<(String, String, Option<usize>)>, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let line_of = |key: &str| {
        text.lines()
            .position(|l| {
                let t = l.trim_start().trim_start_matches("- ");
                t.starts_with(key) && t[key.len()..].trim_start().starts_with([':', '='])
            })
            .map(|i| i + 1)
    };
    for doc in &docs {
        let Some(services) = doc["services"].as_hash() else {
            continue;
        };
        for (name, svc) in services {
            let name = name.as_str().unwrap_or("?").to_string();
            let mut pairs: Vec<(String, String)> = Vec::new();
            match &svc["environment"] {
                Yaml::Hash(h) => {
                    for (k, v) in h {
                        let value = match v {
                            Yaml::String(s) => s.clone(),
                            Yaml::Integer(i) => i.to_string(),
                            Yaml::Real(s) => s.clone(),
                            _ => String::new(),
                        };
                        pairs.push((k.as_str().unwrap_or("").to_string(), value));
                    }
                }
                Yaml::Array(items) => {
                    for item in items {
                        if let Some((k, v)) = item.as_str().and_then(|s| s.split_once('=')) {
                            pairs.push((k.to_string(), v.to_string()));
                        }
                    }
                }
                _ => {}
            }
            for (k, v) in pairs {
                if is_secret_key(&k) && !k.ends_with("_FILE") && !is_reference(&v) {
                    out.push((name.clone(), k.clone(), line_of(&k)));
                }
            }
        }
    }
    Ok(out)
}

/// Check 8: the files [`crate::load::deploy::secret_files`] read; `conf` is odoo.conf when
/// it could be read.
pub fn check_secrets(files: &SecretFiles, s: &Settings, conf: Option<&OdooConf>) -> Check {
    let mut c = Check::new(8, "environment and secrets");
    let env_file = &s.env_file;
    match &files.env_file {
        Err(e) => c.fail(
            &r::ENV_FILE,
            format!("{}: {e}", env_file.display()),
            format!(
                "create {} with {} (mode 600)",
                env_file.display(),
                s.required_env.join(", ")
            ),
        ),
        Ok((text, mode)) => {
            let mode = *mode;
            let keys = env_keys(text);
            let missing: Vec<&String> = s
                .required_env
                .iter()
                .filter(|k| !keys.iter().any(|(name, set)| name == *k && *set))
                .collect();
            c.see(format!(
                "{}: mode {mode:03o}, {}/{} required variable(s)",
                env_file.display(),
                s.required_env.len() - missing.len(),
                s.required_env.len()
            ));
            if !missing.is_empty() {
                c.fail_about(
                    "required variables",
                    &r::ENV_FILE,
                    format!(
                        "{} does not set {}",
                        env_file.display(),
                        missing
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "add the missing variables (with non-empty values)",
                );
            }
            if mode & 0o004 != 0 {
                c.fail_about(
                    "mode",
                    &r::ENV_FILE,
                    format!("{} is world-readable (mode {mode:03o})", env_file.display()),
                    format!("chmod 600 {}", env_file.display()),
                );
            }
            c.file_for_findings(env_file);
        }
    }
    if let Some(conf) = conf {
        let file = conf.path.clone().unwrap_or_default();
        let mut secrets = 0;
        for (key, value) in conf.options() {
            let literal = !value.is_empty()
                && !matches!(value, "False" | "None")
                && !value.contains("%(")
                && !value.starts_with("$pbkdf2-");
            if literal && (is_secret_key(key) || key == "admin_passwd") {
                secrets += 1;
                c.fail_about(
                    key.to_string(),
                    &r::SECRET_IN_CLEAR,
                    format!("`{key}` is written in clear in {} (***)", file.display()),
                    if key == "db_password" {
                        "remove db_password and give the password through PGPASSWORD or ~/.pgpass (libpq reads them)".to_string()
                    } else {
                        r::SECRET_IN_CLEAR.fix.to_string()
                    },
                );
                if let Some(f) = c.findings.last_mut() {
                    f.file = Some(file.display().to_string());
                    f.line = conf.line_of(key);
                }
            }
        }
        let mode = files.conf_mode;
        if secrets > 0 && mode & 0o004 != 0 {
            c.fail_about(
                "mode",
                &r::SECRET_IN_CLEAR,
                format!(
                    "{} holds secrets and is world-readable (mode {mode:03o})",
                    file.display()
                ),
                format!("chmod 640 {} (owner root, group odoo)", file.display()),
            );
        }
        c.see(format!("odoo.conf: {secrets} secret(s) in clear"));
    }
    if let (Some(compose), Some(read)) = (&s.compose_file, &files.compose) {
        match read {
            Err(e) => c.fail(
                &r::SECRET_IN_CLEAR,
                format!("{}: {e}", compose.display()),
                "check compose_file",
            ),
            Ok(text) => match compose_secrets(text) {
                Err(e) => c.fail(
                    &r::SECRET_IN_CLEAR,
                    format!("{}: not valid YAML: {e}", compose.display()),
                    "fix the compose file",
                ),
                Ok(found) => {
                    c.see(format!(
                        "{}: {} secret(s) in clear",
                        compose.display(),
                        found.len()
                    ));
                    for (service, key, line) in found {
                        c.fail_about(
                            format!("{service}.{key}"),
                            &r::SECRET_IN_CLEAR,
                            format!("`{key}` of service `{service}` is written in clear (***)"),
                            format!("put {key} in .env and write {key}: ${{{key}}}"),
                        );
                        if let Some(f) = c.findings.last_mut() {
                            f.file = Some(compose.display().to_string());
                            f.line = line;
                        }
                    }
                }
            },
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_file_keys() {
        let keys =
            env_keys("# db\nexport PGUSER=odoo\nPGDATABASE=\nPOSTGRES_PASSWORD=\"s3cret\"\n");
        assert_eq!(
            keys,
            vec![
                ("PGUSER".to_string(), true),
                ("PGDATABASE".to_string(), false),
                ("POSTGRES_PASSWORD".to_string(), true)
            ]
        );
    }

    #[test]
    fn compose_literals_and_references() {
        let text = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: hunter2\n      POSTGRES_USER: odoo\n  odoo:\n    environment:\n      - PASSWORD=${DB_PASSWORD}\n      - STRIPE_API_KEY=sk_live_123\n      - POSTGRES_PASSWORD_FILE=/run/secrets/pg\n";
        let found = compose_secrets(text).unwrap();
        assert_eq!(
            found,
            vec![
                ("db".to_string(), "POSTGRES_PASSWORD".to_string(), Some(5)),
                ("odoo".to_string(), "STRIPE_API_KEY".to_string(), Some(10)),
            ]
        );
    }

    #[test]
    fn secrets_judge_the_files_read() {
        use crate::checks::deploy::{test_settings, Status};
        let mut s = test_settings();
        s.required_env = vec!["PGPASSWORD".into(), "PGUSER".into()];
        s.compose_file = Some("/srv/compose.yaml".into());
        let conf = OdooConf::parse("[options]\nadmin_passwd = hunter2\n", "odoo.conf").unwrap();
        let files = SecretFiles {
            env_file: Ok(("PGUSER=odoo\nPGPASSWORD=\n".into(), 0o644)),
            conf_mode: 0o644,
            compose: Some(Ok(
                "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: x\n".into(),
            )),
        };
        let c = check_secrets(&files, &s, Some(&conf));
        assert_eq!(c.status, Status::Fail);
        let msgs: Vec<&str> = c
            .findings
            .iter()
            .map(|f| {
                f.message
                    .trim_start_matches("check 8 (environment and secrets): ")
            })
            .collect();
        assert!(
            msgs[0].ends_with(".env does not set PGPASSWORD"),
            "{msgs:?}"
        );
        assert!(msgs[1].contains("is world-readable (mode 644)"), "{msgs:?}");
        assert!(
            msgs[2].starts_with("`admin_passwd` is written in clear in odoo.conf"),
            "{msgs:?}"
        );
        assert!(
            msgs[3].contains("holds secrets and is world-readable"),
            "{msgs:?}"
        );
        assert_eq!(
            msgs[4],
            "`POSTGRES_PASSWORD` of service `db` is written in clear (***)"
        );
        assert_eq!(c.findings[4].line, Some(4));
        let files = SecretFiles {
            env_file: Err("not found".into()),
            conf_mode: 0o600,
            compose: None,
        };
        s.compose_file = None;
        let c = check_secrets(&files, &s, None);
        assert_eq!(c.findings.len(), 1);
        assert!(c.findings[0].message.ends_with(": not found"));
        assert!(c.findings[0].hint.contains("PGPASSWORD, PGUSER (mode 600)"));
    }
}
