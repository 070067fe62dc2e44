"""Stand-in for the HTTP side of an Odoo 18 server (Odoo's own source is not available to the
tests), answering the routes odoo-audit requests: /web/health 200 {"status": "pass"} (500 once
/tmp/odoo-unhealthy exists), /web/login with the security headers a proxy adds and two asset
bundles, /odoo and /web redirecting to the login, bundles under /web/assets/, the favicon, and a
disabled database manager. GET /standin/exit ends the process with status 3, so that the engine
restarts the container (restart: on-failure)."""

import http.server
import os
import sys

HEADERS = [
    ("X-Frame-Options", "SAMEORIGIN"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "frame-ancestors 'self'"),
]

LOGIN = b"""<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8"/><title>Odoo</title>
<link type="image/x-icon" rel="shortcut icon" href="/web/static/img/favicon.ico"/>
<link type="text/css" rel="stylesheet" href="/web/assets/5b1c7e2/web.assets_frontend.min.css"/>
<script type="text/javascript" src="/web/assets/5b1c7e2/web.assets_frontend_minimal.min.js" onerror="__odooAssetError=1"></script>
</head>
<body><form class="oe_login_form" action="/web/login" method="post"></form></body></html>
"""


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, status, ctype, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in list(HEADERS) + list(extra):
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/web/health":
            if os.path.exists("/tmp/odoo-unhealthy"):
                self.answer(500, "application/json", b'{"status": "fail"}')
            else:
                self.answer(200, "application/json", b'{"status": "pass"}')
        elif path == "/web/login":
            self.answer(200, "text/html; charset=utf-8", LOGIN)
        elif path in ("/odoo", "/web"):
            self.answer(303, "text/html", b"", [("Location", "/web/login?redirect=%2Fodoo%3F")])
        elif path == "/web/static/img/favicon.ico":
            self.answer(200, "image/x-icon", b"\x00\x00\x01\x00icon")
        elif path.startswith("/web/assets/") and path.endswith(".css"):
            self.answer(200, "text/css", b"/* /web/static/src/scss/x.scss */\n.o_x{color:red}\n")
        elif path.startswith("/web/assets/") and path.endswith(".js"):
            self.answer(200, "application/javascript", b"/* /web/static/src/x.js */\nodoo.define('@web/x', [], function (require) {});\n")
        elif path == "/web/database/manager":
            self.answer(403, "text/html", b"The database manager has been disabled by the administrator")
        elif path == "/standin/exit":
            self.answer(200, "text/plain", b"exiting\n")
            self.wfile.flush()
            os._exit(3)
        else:
            self.answer(404, "text/html; charset=utf-8", b"<h1>Not Found</h1>")

    do_HEAD = do_GET

    def log_message(self, fmt, *args):
        sys.stderr.write("odoo-http-standin: " + (fmt % args) + "\n")


print("odoo-http-standin: listening on 0.0.0.0:8069", flush=True)
http.server.ThreadingHTTPServer(("0.0.0.0", 8069), Handler).serve_forever()
