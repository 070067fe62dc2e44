//! Check 11: Odoo over HTTP. `/web/health`, `/web/login` and its security headers, the database
//! manager, and on https the certificate (trusted, not expiring within `cert_min_days`). Every
//! request and the TLS handshake have a timeout.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use reqwest::blocking::{Client, Response};
use reqwest::Url;

use super::{Check, Deploy};
use crate::rules::deploy as r;

fn client(timeout: Duration) -> Result<Client, String> {
    Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        // the certificate is judged separately, with its own message
        .danger_accept_invalid_certs(true)
        .user_agent(concat!("odoo-audit/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

fn describe_error(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("timed out after {} s", timeout.as_secs())
    } else if e.is_connect() {
        // the innermost cause says it best ("Connection refused (os error 111)")
        let mut last = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            last = s.to_string();
            src = s.source();
        }
        format!("cannot connect: {last}")
    } else {
        e.to_string()
    }
}

/// The certificate of `host:port`: `Ok(days left)` when trusted, `Err(why)` otherwise.
pub fn certificate_days_left(
    host: &str,
    port: u16,
    ca_file: Option<&Path>,
    timeout: Duration,
) -> Result<i32, String> {
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let mut last = format!("cannot resolve {host}");
    let mut connected = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                connected = Some(s);
                break;
            }
            Err(e) => last = format!("cannot connect to {addr}: {e}"),
        }
    }
    let stream = connected.ok_or(last)?;
    stream.set_read_timeout(Some(timeout)).ok();
    stream.set_write_timeout(Some(timeout)).ok();
    let mut b = native_tls::TlsConnector::builder();
    if let Some(ca) = ca_file {
        let pem = crate::fsread::read(ca, crate::fsread::CONFIG_MAX)
            .map_err(|e| format!("tls_ca_file {}: {}", ca.display(), e.about_file()))?;
        let cert = native_tls::Certificate::from_pem(&pem)
            .map_err(|e| format!("tls_ca_file {}: {e}", ca.display()))?;
        b.add_root_certificate(cert);
    }
    let connector = b.build().map_err(|e| e.to_string())?;
    let tls = connector
        .connect(host, stream)
        .map_err(|e| format!("the certificate is not valid: {e}"))?;
    let cert = tls
        .peer_certificate()
        .map_err(|e| e.to_string())?
        .ok_or("the server sent no certificate")?;
    let der = cert.to_der().map_err(|e| e.to_string())?;
    let x509 = openssl::x509::X509::from_der(&der).map_err(|e| e.to_string())?;
    let now = openssl::asn1::Asn1Time::days_from_now(0).map_err(|e| e.to_string())?;
    let diff = now.diff(x509.not_after()).map_err(|e| e.to_string())?;
    Ok(diff.days)
}

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
            let body = resp.text().unwrap_or_default();
            let json: Option<serde_json::Value> = serde_json::from_str(&body).ok();
            let pass = json.as_ref().and_then(|j| j["status"].as_str()) == Some("pass");
            c.see(format!("/web/health: {status}"));
            if status != 200 || !pass {
                c.fail(
                    &r::HTTP,
                    format!(
                        "/web/health answered {status} {}",
                        crate::exec::shorten(body.trim(), 120)
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
    let list_db = d
        .conf
        .as_ref()
        .ok()
        .and_then(|conf| conf.odoo_bool("list_db", s.expected_series))
        .and_then(Result::ok);
    match get("/web/database/manager") {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let body = resp.text().unwrap_or_default();
            let open = status == 200 && !body.contains("has been disabled");
            c.see(format!(
                "/web/database/manager: {status} ({})",
                if open { "open" } else { "blocked" }
            ));
            if open && list_db == Some(false) {
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
