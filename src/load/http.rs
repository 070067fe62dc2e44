//! Odoo over HTTP, as the deploy gate and truth-sync see it: pages and bundles read with a cap
//! and a timeout, the assets a page references, Odoo's error markers in a bundle, a server's
//! certificate. Judging what they say is for `checks/deploy/http.rs`.

use std::io::Read;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use reqwest::blocking::{Client, Response};
use reqwest::Url;

use crate::load::version::Series;

/// The most read of a page (`/web/health`, `/web/login`, the database manager): enough for any
/// real page, and a server that sends gigabytes cannot grow the tool's memory.
pub const PAGE_CAP: u64 = 1024 * 1024;

/// The most read of one asset bundle while scanning it for Odoo's error markers (streamed in
/// chunks, never held whole). Odoo's largest production bundles are a few MiB.
pub const BUNDLE_SCAN_CAP: u64 = 64 * 1024 * 1024;

/// At most `cap` bytes of a body (lossy UTF-8), and whether there was more.
pub fn read_capped(resp: Response, cap: u64) -> (String, bool) {
    let mut buf = Vec::new();
    let mut limited = resp.take(cap + 1);
    let _ = limited.read_to_end(&mut buf);
    let more = buf.len() as u64 > cap;
    buf.truncate(cap as usize);
    (String::from_utf8_lossy(&buf).into_owned(), more)
}

/// Where Odoo writes an error into a bundle it could not build properly (assetsbundle.py):
/// the CSS error block, the `throw new Error("'…' in file '…'")` of a template that does not
/// parse, and the `console.error("'…' in file '…'")` of an asset that could not be read. (A
/// JavaScript syntax error is neither logged nor marked: Odoo does not parse JavaScript.)
const BUNDLE_ERROR_MARKERS: [&str; 5] = [
    "/* ## CSS error message ##*/",
    "A css error occured, using an old style to render this page",
    "throw new Error(\"'",
    "console.error(\"'",
    "console.error(\"Missing (extension) parent templates",
];

/// Reads a bundle in chunks (at most `cap` bytes) and returns the first error marker Odoo
/// wrote into it, with the text that follows it; and the number of bytes read.
pub fn scan_bundle<R: Read>(mut body: R, cap: u64) -> (Option<String>, u64) {
    let mut read = 0u64;
    let mut window: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let longest = BUNDLE_ERROR_MARKERS
        .iter()
        .map(|m| m.len())
        .max()
        .unwrap_or(0)
        + 300;
    while read < cap {
        let want = chunk.len().min((cap - read) as usize);
        let n = match body.read(&mut chunk[..want]) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        read += n as u64;
        window.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&window);
        for m in BUNDLE_ERROR_MARKERS {
            if let Some(at) = text.find(m) {
                let rest: String = text[at..].chars().take(300).collect();
                let one_line = rest.split_whitespace().collect::<Vec<_>>().join(" ");
                return (Some(crate::load::exec::shorten(one_line.trim(), 240)), read);
            }
        }
        if window.len() > longest {
            window.drain(..window.len() - longest);
        }
    }
    (None, read)
}

/// The same-origin assets a page references: `<script src>` and `<link href>` of stylesheets
/// and bundles, as absolute URLs, without duplicates.
pub fn page_assets(html: &str, page: &Url) -> Vec<Url> {
    let re = regex::Regex::new(
        r#"(?is)<(script|link)\b[^>]*?\b(src|href)\s*=\s*["']([^"']+)["'][^>]*>"#,
    )
    .expect("regex");
    let mut out: Vec<Url> = Vec::new();
    for c in re.captures_iter(html) {
        let tag = c[0].to_ascii_lowercase();
        if &c[1].to_ascii_lowercase() == "link"
            && !(tag.contains("stylesheet") || c[3].contains("/web/assets/"))
        {
            continue;
        }
        let Ok(u) = page.join(c[3].trim()) else {
            continue;
        };
        if u.origin() != page.origin() {
            continue;
        }
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

pub fn client(timeout: Duration) -> Result<Client, String> {
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

pub fn describe_error(e: &reqwest::Error, timeout: Duration) -> String {
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
        let pem = crate::load::fsread::read(ca, crate::load::fsread::CONFIG_MAX)
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

/// A static file of the `web` addon, served by every Odoo from 16 to 19. Its path has more than
/// three segments, like every asset URL.
pub const STATIC_FILE: &str = "/web/static/img/favicon.ico";

/// What requesting the web client's assets found.
#[derive(Debug, Default)]
pub struct AssetProbe {
    pub evidence: Vec<String>,
    /// (message, hint) of each failure.
    pub failures: Vec<(String, String)>,
    pub bundles_ok: usize,
}

/// The backend bundles requested by name (`/web/assets/any/<bundle>.min.js|css`), which the
/// backend page loads once logged in.
fn backend_bundle(series: Option<Series>) -> Option<&'static str> {
    match series {
        Some(s) if s.major >= 17 => Some("web.assets_web"),
        _ => None,
    }
}

/// Requests every bundle referenced by `/web/login` and by the backend page (or, when the
/// backend page redirects to the login, its bundles by name), so that Odoo builds the missing
/// ones on demand; a 5xx answer or an error marker in a bundle is a failure.
pub fn probe_web_assets(
    base: &str,
    page_timeout: Duration,
    bundle_timeout: Duration,
    series: Option<Series>,
) -> AssetProbe {
    let mut p = AssetProbe::default();
    let (pages, bundles) = match (client(page_timeout), client(bundle_timeout)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            p.failures
                .push((format!("cannot set up HTTP: {e}"), String::new()));
            return p;
        }
    };
    let mut assets: Vec<Url> = Vec::new();
    let backend = if series.is_some_and(|s| s.major >= 17) {
        "/odoo"
    } else {
        "/web"
    };
    for path in ["/web/login", backend] {
        let Ok(url) = Url::parse(&format!("{base}{path}")) else {
            p.failures
                .push((format!("base_url {base}: not a URL"), "fix base_url".into()));
            return p;
        };
        match pages.get(url.clone()).send() {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let (html, _) = read_capped(resp, PAGE_CAP);
                if status >= 500 {
                    p.failures.push((
                        format!("{path} answered {status}"),
                        "look at Odoo's log at the time of the request".into(),
                    ));
                    continue;
                }
                if (300..400).contains(&status) {
                    p.evidence.push(format!("{path}: {status} (not logged in)"));
                    if let Some(b) = backend_bundle(series).filter(|_| path == backend) {
                        for ext in ["min.js", "min.css"] {
                            if let Ok(u) = url.join(&format!("/web/assets/any/{b}.{ext}")) {
                                if !assets.contains(&u) {
                                    assets.push(u);
                                }
                            }
                        }
                    }
                    continue;
                }
                for u in page_assets(&html, &url) {
                    if !assets.contains(&u) {
                        assets.push(u);
                    }
                }
            }
            Err(e) => p.failures.push((
                format!("{path}: {}", describe_error(&e, page_timeout)),
                format!("check that Odoo (or its proxy) answers on {base} (base_url)"),
            )),
        }
    }
    for u in &assets {
        let shown = u.path().to_string();
        match bundles.get(u.clone()).send() {
            Ok(resp) => {
                let status = resp.status().as_u16();
                if status >= 500 {
                    p.failures.push((
                        format!("{shown} answered {status}"),
                        "the web client does not load: look at Odoo's log at the time of the request (a manifest Odoo cannot load? see check 6)".into(),
                    ));
                    continue;
                }
                if status >= 400 {
                    p.failures.push((
                        format!("{shown} answered {status}"),
                        "a page references an asset Odoo does not serve".into(),
                    ));
                    continue;
                }
                let (marker, bytes) = scan_bundle(resp, BUNDLE_SCAN_CAP);
                match marker {
                    Some(m) => p.failures.push((
                        format!("{shown} holds an error Odoo wrote into it: {m}"),
                        "fix the asset named in the message (Odoo's log has the same error)".into(),
                    )),
                    None => {
                        p.bundles_ok += 1;
                        p.evidence.push(format!("{shown}: {status}, {} KiB", bytes / 1024));
                    }
                }
            }
            Err(e) => p.failures.push((
                format!("{shown}: {}", describe_error(&e, bundle_timeout)),
                "Odoo builds a bundle on the first request; a slow build needs a longer command_timeout_secs".into(),
            )),
        }
    }
    if assets.is_empty() && p.failures.is_empty() {
        p.failures.push((
            "the login and backend pages reference no asset bundle".into(),
            "is base_url an Odoo server?".into(),
        ));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_is_read_in_chunks_up_to_the_cap_however_long_it_is() {
        // an endless body: the scan stops at the cap
        let (marker, read) = scan_bundle(std::io::repeat(b'a'), 3 * 1024 * 1024 + 17);
        assert_eq!(marker, None);
        assert_eq!(read, 3 * 1024 * 1024 + 17);
    }

    #[test]
    fn odoo_error_markers_are_found_across_chunks() {
        // the JS marker of a template that does not parse, as Odoo 18 writes it, after 100 KiB
        let mut body = "x".repeat(100 * 1024 - 10).into_bytes();
        body.extend_from_slice(b"\nthrow new Error(\"'Invalid XML template: Opening and ending tag mismatch: t line 3 and div' in file '/web_responsive/static/src/legacy/xml/form_buttons.xml'\");\n");
        let (marker, _) = scan_bundle(&body[..], BUNDLE_SCAN_CAP);
        let m = marker.unwrap();
        assert!(
            m.starts_with("throw new Error(\"'Invalid XML template"),
            "{m}"
        );
        assert!(m.contains("form_buttons.xml"), "{m}");
        let css = b"body::before {\n  content: \"A css error occured, using an old style to render this page\";\n}";
        assert!(scan_bundle(&css[..], BUNDLE_SCAN_CAP).0.is_some());
        // an indented console.error of ordinary code is not a marker
        let js = b"function f() {\n    console.error(\"bad\");\n    throw new Error(\"x\");\n}\n";
        assert_eq!(scan_bundle(&js[..], BUNDLE_SCAN_CAP).0, None);
    }

    #[test]
    fn the_assets_of_a_page_are_its_same_origin_scripts_and_stylesheets() {
        let page = Url::parse("http://127.0.0.1:8069/web/login").unwrap();
        let html = r#"<link type="image/x-icon" rel="shortcut icon" href="/web/static/img/favicon.ico"/>
<link type="text/css" rel="stylesheet" href="/web/assets/60184a8/web.assets_frontend.min.css"/>
<script type="text/javascript" src="/web/assets/4d10065/web.assets_frontend_minimal.min.js" onerror="__odooAssetError=1"></script>
<script type="text/javascript" data-src="/web/assets/1a554ba/web.assets_frontend_lazy.min.js"></script>
<script src="https://www.google.com/recaptcha/api.js"></script>"#;
        let paths: Vec<String> = page_assets(html, &page)
            .iter()
            .map(|u| u.path().to_string())
            .collect();
        assert_eq!(
            paths,
            vec![
                "/web/assets/60184a8/web.assets_frontend.min.css",
                "/web/assets/4d10065/web.assets_frontend_minimal.min.js",
                "/web/assets/1a554ba/web.assets_frontend_lazy.min.js"
            ]
        );
    }
}

/// One page as check 11 requests it: its status, its body when it was read, the names of its
/// headers (lower case).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub status: u16,
    pub body: String,
    pub headers: Vec<String>,
}

impl Page {
    pub fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|h| h.eq_ignore_ascii_case(name))
    }
}

/// The certificate of an https `base_url`: the host and port asked, and the days it is still
/// valid, or why it is not trusted.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateProbe {
    pub host: String,
    pub port: u16,
    pub days_left: Result<i32, String>,
}

/// What check 11 requested of the site: `/web/health`, `/web/login`, [`STATIC_FILE`],
/// `/web/database/manager` (each a page or why it failed), and on https the certificate
/// (`Err` when base_url is not a URL).
#[derive(Debug, Clone, PartialEq)]
pub struct SiteProbe {
    pub health: Result<Page, String>,
    pub login: Result<Page, String>,
    pub static_file: Result<Page, String>,
    pub manager: Result<Page, String>,
    pub certificate: Option<Result<CertificateProbe, String>>,
}

/// Requests the pages of check 11 from `base` (the bodies of `/web/health` and the database
/// manager read up to [`PAGE_CAP`]); `Err` when no HTTP client can be set up.
pub fn probe_site(
    base: &str,
    timeout: Duration,
    tls_ca_file: Option<&Path>,
) -> Result<SiteProbe, String> {
    let client = client(timeout)?;
    let get = |path: &str, read_body: bool| -> Result<Page, String> {
        let resp = client
            .get(format!("{base}{path}"))
            .send()
            .map_err(|e| describe_error(&e, timeout))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .keys()
            .map(|k| k.as_str().to_string())
            .collect();
        let body = if read_body {
            read_capped(resp, PAGE_CAP).0
        } else {
            String::new()
        };
        Ok(Page {
            status,
            body,
            headers,
        })
    };
    let health = get("/web/health", true);
    let login = get("/web/login", false);
    let static_file = get(STATIC_FILE, false);
    let manager = get("/web/database/manager", true);
    let certificate = base.starts_with("https://").then(|| {
        let url = Url::parse(base).map_err(|e| e.to_string())?;
        let host = url.host_str().unwrap_or("").to_string();
        let port = url.port_or_known_default().unwrap_or(443);
        let days_left = certificate_days_left(&host, port, tls_ca_file, timeout);
        Ok(CertificateProbe {
            host,
            port,
            days_left,
        })
    });
    Ok(SiteProbe {
        health,
        login,
        static_file,
        manager,
        certificate,
    })
}
