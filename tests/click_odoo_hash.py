"""The checksum of each addon under a directory as click-odoo-contrib computes it.

Usage: click_odoo_hash.py ROOT PATTERNS [LANGS]
PATTERNS and LANGS are comma-separated (LANGS may be empty). Prints a JSON object, addon name to
its checksum, for every directory of ROOT holding a __manifest__.py.
"""

import json
import os
import sys

from click_odoo_contrib._addon_hash import addon_hash


def main():
    root, patterns = sys.argv[1], sys.argv[2]
    langs = [l for l in (sys.argv[3] if len(sys.argv) > 3 else "").split(",") if l]
    exclude = [p.strip() for p in patterns.split(",")]
    out = {}
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if os.path.isfile(os.path.join(path, "__manifest__.py")):
            out[name] = addon_hash(path, exclude, langs)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
