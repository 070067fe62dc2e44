"""The odoo service's healthcheck: /web/health answers 200."""

import sys
import urllib.request

try:
    with urllib.request.urlopen("http://127.0.0.1:8069/web/health", timeout=2) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception:
    sys.exit(1)
