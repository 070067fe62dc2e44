//! Check 11: Odoo over HTTP. `/web/health`, `/web/login` and its security headers, the database
//! manager, and on https the certificate (trusted, not expiring within `cert_min_days`). Every
//! request and the TLS handshake have a timeout ([`crate::load::http`]). Check 9: the asset
//! bundles, requested from the running server.

use reqwest::blocking::Response;
use reqwest::Url;

use super::{Check, Deploy};
use crate::load::http::{
    certificate_days_left, client, describe_error, probe_web_assets, read_capped, PAGE_CAP,
    STATIC_FILE,
};
use crate::rules::deploy as r;

fn header_problems(c: &mut Check, resp: &Response, https: bool) {
    let has = |h: &str| resp.headers().contains_key(h);
    let mut required = vec!["X-Frame-Options", "X-Content-Type-Options"];
    if https {
        required.push("Strict-Transport-Security");
    }
    let mut present = Vec::new();
    for h in required {
        if has(h) {
            present.push(h);
        } else {
            c.fail(
                &r::SECURITY_HEADER,
                format!("/web/login has no {h} header"),
                format!("add it in the reverse proxy (nginx: add_header {h} ... always;)"),
            );
        }
    }
    if has("Content-Security-Policy") {
        present.push("Content-Security-Policy");
    } else {
        c.warn(
            &r::SECURITY_HEADER,
            "/web/login has no Content-Security-Policy header",
            "add a Content-Security-Policy in the reverse proxy (test it with the web client first)",
        );
    }
    if !present.is_empty() {
        c.see(format!("headers: {}", present.join(", ")));
    }
}

/// Check 9: the asset bundles, requested from the running server.
pub fn check_bundles(d: &Deploy) -> Check {
    let mut c = Check::new(9, "asset bundles");
    let p = probe_web_assets(
        &d.settings.base_url,
        d.settings.http_timeout,
        d.settings.command_timeout.max(d.settings.http_timeout),
        d.series(),
    );
    c.see(format!("{} bundle(s) served without error", p.bundles_ok));
    for e in p.evidence {
        c.see(e);
    }
    for (m, h) in p.failures {
        c.fail(&r::ASSETS, m, h);
    }
    c
}

/// Check 11.
pub fn check_http(d: &Deploy) -> Check {
    let mut c = Check::new(11, "http");
    let s = &d.settings;
    let timeout = s.http_timeout;
    let base = &s.base_url;
    let https = base.starts_with("https://");
    let client = match client(timeout) {
        Ok(c) => c,
        Err(e) => {
            c.fail(&r::HTTP, format!("cannot set up HTTP: {e}"), "");
            return c;
        }
    };
    let get = |path: &str| client.get(format!("{base}{path}")).send();
    let unreachable_hint = format!("check that Odoo (or its proxy) answers on {base} (base_url)");

    match get("/web/health") {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let (body, _) = read_capped(resp, PAGE_CAP);
            let json: Option<serde_json::Value> = serde_json::from_str(&body).ok();
            let pass = json.as_ref().and_then(|j| j["status"].as_str()) == Some("pass");
            c.see(format!("/web/health: {status}"));
            if status != 200 || !pass {
                c.fail(
                    &r::HTTP,
                    format!(
                        "/web/health answered {status} {}",
                        crate::load::exec::shorten(body.trim(), 120)
                    ),
                    "look at Odoo's log: /web/health must answer 200 {\"status\": \"pass\"}",
                );
            }
        }
        Err(e) => c.fail(
            &r::HTTP,
            format!("/web/health: {}", describe_error(&e, timeout)),
            unreachable_hint.clone(),
        ),
    }
    match get("/web/login") {
        Ok(resp) => {
            let status = resp.status().as_u16();
            c.see(format!("/web/login: {status}"));
            if status >= 500 {
                c.fail(
                    &r::HTTP,
                    format!("/web/login answered {status}"),
                    "look at Odoo's log",
                );
            }
            header_problems(&mut c, &resp, https);
        }
        Err(e) => c.fail(
            &r::HTTP,
            format!("/web/login: {}", describe_error(&e, timeout)),
            unreachable_hint.clone(),
        ),
    }
    match get(STATIC_FILE) {
        Ok(resp) => {
            let status = resp.status().as_u16();
            c.see(format!("{STATIC_FILE}: {status}"));
            if status >= 400 {
                c.fail(
                    &r::WEB_ASSETS,
                    format!("the static file {STATIC_FILE} answered {status}"),
                    "Odoo serves no static file: every asset bundle fails and the backend is blank; look at Odoo's log (a manifest Odoo cannot load? see check 6)",
                );
            }
        }
        Err(e) => c.fail(
            &r::WEB_ASSETS,
            format!("{STATIC_FILE}: {}", describe_error(&e, timeout)),
            unreachable_hint.clone(),
        ),
    }
    let list_db = d
        .conf
        .as_ref()
        .ok()
        .and_then(|conf| conf.odoo_bool("list_db", d.series_or_default()))
        .and_then(Result::ok);
    match get("/web/database/manager") {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let (body, _) = read_capped(resp, PAGE_CAP);
            let disabled = body.contains("has been disabled");
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
                c.fail(
                    &r::HTTP,
                    format!("/web/database/manager answered {status}: a server error, not a block"),
                    "look at Odoo's log; block /web/database in the proxy (403/404)",
                );
            } else if open && list_db == Some(false) {
                c.fail(
                    &r::HTTP,
                    "/web/database/manager answers 200 although list_db is False",
                    "block /web/database in the proxy and check that Odoo runs with this odoo.conf",
                );
            }
        }
        Err(e) => c.see(format!(
            "/web/database/manager: {}",
            describe_error(&e, timeout)
        )),
    }

    if https {
        match Url::parse(base) {
            Ok(url) => {
                let host = url.host_str().unwrap_or("").to_string();
                let port = url.port_or_known_default().unwrap_or(443);
                match certificate_days_left(&host, port, s.tls_ca_file.as_deref(), timeout) {
                    Ok(days) => {
                        c.see(format!("certificate valid, expires in {days} day(s)"));
                        if i64::from(days) < s.cert_min_days {
                            c.fail(
                                &r::TLS_CERTIFICATE,
                                format!(
                                    "the certificate of {host} expires in {days} day(s) (threshold {})",
                                    s.cert_min_days
                                ),
                                r::TLS_CERTIFICATE.fix,
                            );
                        }
                    }
                    Err(e) => c.fail(
                        &r::TLS_CERTIFICATE,
                        format!("{host}:{port}: {e}"),
                        "install a certificate trusted by clients (or set tls_ca_file for a private CA)",
                    ),
                }
            }
            Err(e) => c.fail(&r::HTTP, format!("base_url: {e}"), "fix base_url"),
        }
    }
    c
}
