//! Check 11: Odoo over HTTP. `/web/health`, `/web/login` and its security headers, the database
//! manager, and on https the certificate (trusted, not expiring within `cert_min_days`). Every
//! request and the TLS handshake have a timeout ([`crate::load::http`]). Check 9: the asset
//! bundles, requested from the running server.

use super::Check;
use crate::config::settings::Settings;
use crate::load::http::{AssetProbe, Page, SiteProbe, STATIC_FILE};
use crate::rules::deploy as r;

fn header_problems(c: &mut Check, resp: &Page, https: bool) {
    let has = |h: &str| resp.has_header(h);
    let mut required = vec!["X-Frame-Options", "X-Content-Type-Options"];
    if https {
        required.push("Strict-Transport-Security");
    }
    let mut present = Vec::new();
    for h in required {
        if has(h) {
            present.push(h);
        } else {
            c.fail_about(
                h.to_string(),
                &r::SECURITY_HEADER,
                format!("/web/login has no {h} header"),
                format!("add it in the reverse proxy (nginx: add_header {h} ... always;)"),
            );
        }
    }
    if has("Content-Security-Policy") {
        present.push("Content-Security-Policy");
    } else {
        c.warn_about(
            "Content-Security-Policy",
            &r::SECURITY_HEADER,
            "/web/login has no Content-Security-Policy header",
            "add a Content-Security-Policy in the reverse proxy (test it with the web client first)",
        );
    }
    if !present.is_empty() {
        c.see(format!("headers: {}", present.join(", ")));
    }
}

/// What a failure of check 9 is about: the bundle file its message names, without the
/// version segment of its URL (`/web/assets/<hash>/web.assets_web.min.js` →
/// `web.assets_web.min.js`), which changes with every deploy; else the page.
pub fn bundle_key(message: &str) -> String {
    message
        .split_whitespace()
        .find_map(|w| w.strip_prefix("/web/assets/"))
        .map(|rest| rest.rsplit('/').next().unwrap_or(rest))
        .unwrap_or("page")
        .trim_end_matches([':', ','])
        .to_string()
}

/// Check 9: the asset bundles, as requested from the running server.
pub fn check_bundles(p: &AssetProbe) -> Check {
    let mut c = Check::new(9, "asset bundles");
    c.see(format!("{} bundle(s) served without error", p.bundles_ok));
    for e in &p.evidence {
        c.see(e.clone());
    }
    for (m, h) in &p.failures {
        c.fail_about(bundle_key(m), &r::ASSETS, m.clone(), h.clone());
    }
    c
}

/// Check 11: what [`crate::load::http::probe_site`] requested of `base_url`; `list_db` is
/// odoo.conf's, when it reads as a boolean.
pub fn check_http(site: &Result<SiteProbe, String>, s: &Settings, list_db: Option<bool>) -> Check {
    let mut c = Check::new(11, "http");
    let base = &s.base_url;
    let https = base.starts_with("https://");
    let site = match site {
        Ok(p) => p,
        Err(e) => {
            c.fail(&r::HTTP, format!("cannot set up HTTP: {e}"), "");
            return c;
        }
    };
    let unreachable_hint = format!("check that Odoo (or its proxy) answers on {base} (base_url)");

    match &site.health {
        Ok(resp) => {
            let status = resp.status;
            let body = &resp.body;
            let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
            let pass = json.as_ref().and_then(|j| j["status"].as_str()) == Some("pass");
            c.see(format!("/web/health: {status}"));
            if status != 200 || !pass {
                c.fail_about(
                    "/web/health",
                    &r::HTTP,
                    format!(
                        "/web/health answered {status} {}",
                        crate::load::exec::shorten(body.trim(), 120)
                    ),
                    "look at Odoo's log: /web/health must answer 200 {\"status\": \"pass\"}",
                );
            }
        }
        Err(e) => c.fail_about(
            "/web/health",
            &r::HTTP,
            format!("/web/health: {e}"),
            unreachable_hint.clone(),
        ),
    }
    match &site.login {
        Ok(resp) => {
            let status = resp.status;
            c.see(format!("/web/login: {status}"));
            if status >= 500 {
                c.fail_about(
                    "/web/login",
                    &r::HTTP,
                    format!("/web/login answered {status}"),
                    "look at Odoo's log",
                );
            }
            header_problems(&mut c, resp, https);
        }
        Err(e) => c.fail_about(
            "/web/login",
            &r::HTTP,
            format!("/web/login: {e}"),
            unreachable_hint.clone(),
        ),
    }
    match &site.static_file {
        Ok(resp) => {
            let status = resp.status;
            c.see(format!("{STATIC_FILE}: {status}"));
            if status >= 400 {
                c.fail_about(
                    STATIC_FILE,
                    &r::WEB_ASSETS,
                    format!("the static file {STATIC_FILE} answered {status}"),
                    "Odoo serves no static file: every asset bundle fails and the backend is blank; look at Odoo's log (a manifest Odoo cannot load? see check 6)",
                );
            }
        }
        Err(e) => c.fail_about(
            STATIC_FILE,
            &r::WEB_ASSETS,
            format!("{STATIC_FILE}: {e}"),
            unreachable_hint.clone(),
        ),
    }
    match &site.manager {
        Ok(resp) => {
            let status = resp.status;
            let disabled = resp.body.contains("has been disabled");
            let blocked = matches!(status, 403 | 404) || (status < 500 && disabled);
            let open = status == 200 && !disabled;
            c.see(format!(
                "/web/database/manager: {status} ({})",
                if blocked {
                    "blocked"
                } else if open {
                    "open"
                } else {
                    "error"
                }
            ));
            if status >= 500 {
                c.fail_about(
                    "/web/database/manager",
                    &r::HTTP,
                    format!("/web/database/manager answered {status}: a server error, not a block"),
                    "look at Odoo's log; block /web/database in the proxy (403/404)",
                );
            } else if open && list_db == Some(false) {
                c.fail_about(
                    "/web/database/manager",
                    &r::HTTP,
                    "/web/database/manager answers 200 although list_db is False",
                    "block /web/database in the proxy and check that Odoo runs with this odoo.conf",
                );
            }
        }
        Err(e) => c.see(format!("/web/database/manager: {e}")),
    }

    match &site.certificate {
        None => {}
        Some(Err(e)) => c.fail(&r::HTTP, format!("base_url: {e}"), "fix base_url"),
        Some(Ok(cert)) => {
            let (host, port) = (&cert.host, cert.port);
            match &cert.days_left {
                Ok(days) => {
                    c.see(format!("certificate valid, expires in {days} day(s)"));
                    if i64::from(*days) < s.cert_min_days {
                        c.fail_about(
                            host.to_string(),
                            &r::TLS_CERTIFICATE,
                            format!(
                                "the certificate of {host} expires in {days} day(s) (threshold {})",
                                s.cert_min_days
                            ),
                            r::TLS_CERTIFICATE.fix,
                        );
                    }
                }
                Err(e) => c.fail_about(
                    host.to_string(),
                    &r::TLS_CERTIFICATE,
                    format!("{host}:{port}: {e}"),
                    "install a certificate trusted by clients (or set tls_ca_file for a private CA)",
                ),
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_failure_is_about_the_bundle_whatever_its_version() {
        assert_eq!(
            bundle_key("/web/assets/84086eb/web.assets_frontend_lazy.min.js answered 500"),
            "web.assets_frontend_lazy.min.js"
        );
        assert_eq!(
            bundle_key("/web/assets/any/web.assets_web.min.css answered 500"),
            "web.assets_web.min.css"
        );
        assert_eq!(bundle_key("/web: no bundle found"), "page");
    }
    use crate::checks::deploy::{test_settings, Status};
    use crate::load::http::CertificateProbe;

    fn page(status: u16, body: &str, headers: &[&str]) -> Result<Page, String> {
        Ok(Page {
            status,
            body: body.into(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
        })
    }

    #[test]
    fn http_judges_pages_headers_and_certificate() {
        let mut s = test_settings();
        s.base_url = "https://odoo.example.com".into();
        let site = SiteProbe {
            health: page(200, r#"{"status": "pass"}"#, &[]),
            login: page(
                200,
                "",
                &[
                    "x-frame-options",
                    "x-content-type-options",
                    "content-security-policy",
                ],
            ),
            static_file: Err("timed out after 5 s".into()),
            manager: page(200, "<html>manager</html>", &[]),
            certificate: Some(Ok(CertificateProbe {
                host: "odoo.example.com".into(),
                port: 443,
                days_left: Ok(3),
            })),
        };
        let c = check_http(&Ok(site.clone()), &s, Some(false));
        assert_eq!(c.status, Status::Fail);
        let msgs: Vec<&str> = c
            .findings
            .iter()
            .map(|f| f.message.trim_start_matches("check 11 (http): "))
            .collect();
        assert_eq!(
            msgs,
            [
                "/web/login has no Strict-Transport-Security header",
                &format!("{STATIC_FILE}: timed out after 5 s"),
                "/web/database/manager answers 200 although list_db is False",
                "the certificate of odoo.example.com expires in 3 day(s) (threshold 14)",
            ]
        );
        assert!(c.evidence_text().contains("/web/health: 200"));
        // Over http, with list_db unknown and the manager blocked: a pass.
        s.base_url = "http://127.0.0.1:8069".into();
        let site = SiteProbe {
            static_file: page(200, "", &[]),
            manager: page(404, "", &[]),
            certificate: None,
            ..site
        };
        let c = check_http(&Ok(site), &s, None);
        assert_eq!(c.status, Status::Pass, "{:?}", c.findings);
        assert!(c
            .evidence_text()
            .contains("/web/database/manager: 404 (blocked)"));
        let c = check_http(&Err("no TLS backend".into()), &s, None);
        assert!(c.findings[0]
            .message
            .ends_with("cannot set up HTTP: no TLS backend"));
    }

    #[test]
    fn bundles_fail_on_each_failure_of_the_probe() {
        let p = AssetProbe {
            evidence: vec!["/web/login: 2 asset(s)".into()],
            failures: vec![("web.assets_web.min.js answered 500".into(), "look".into())],
            bundles_ok: 1,
        };
        let c = check_bundles(&p);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.findings[0].code, "G009");
        assert!(c
            .evidence_text()
            .contains("1 bundle(s) served without error"));
    }
}
