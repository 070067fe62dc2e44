#!/usr/bin/env bash
# Regenerates the shipped catalogues of Odoo's own addons, manifests/catalogue/<series>.json,
# from public snapshots of Odoo's source (generation time only: CI never runs this script; the
# JSON files are committed and embedded in the binary).
#
#   scripts/build-catalogue.sh 18.0=/work/odoo-src/18 19.0=/work/odoo-src/19 ...
#
# Each argument is SERIES=DIR, DIR an extracted snapshot of the source named below for that
# series. After writing each file the script checks facts every series must hold (web's
# `reload`/`soft_reload` client actions and `many2many_tags`/`statinfo`/`monetary` widgets, in
# the backend bundle) and that building twice gives the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -gt 0 ] || { sed -n 2,12p "$0" >&2; exit 2; }

cargo build --release --quiet
bin=target/release/odoo-audit
mkdir -p manifests/catalogue

for arg in "$@"; do
    series=${arg%%=*}
    dir=${arg#*=}
    [ -d "$dir" ] || { echo "build-catalogue: $dir: not a directory" >&2; exit 2; }
    args=()
    case "$series" in
        18.0)
            args+=(--name "github:AhmedElarabyy/odoo-18 (sdist of Odoo 18.0 with Enterprise addons)"
                   --commit c7678f850974aaef37c6c5ce89bd7738d18805cd --date 2025-05-20)
            ;;
        19.0)
            args+=(--name "github:MohamedLotfy99/Odoo19-ez (sdist of Odoo 19.0 with Enterprise addons)"
                   --commit df435d9e55435aa236a48c90b6b8f5c948b37488 --date 2025-12-27)
            ;;
        *)
            echo "build-catalogue: no source known for series $series" >&2
            exit 2
            ;;
    esac
    out="manifests/catalogue/$series.json"
    "$bin" catalogue build --source "$dir" --series "$series" "${args[@]}" --output "$out" -q
    again=$(mktemp)
    "$bin" catalogue build --source "$dir" --series "$series" "${args[@]}" --output "$again" -q
    cmp -s "$out" "$again" || { echo "build-catalogue: $series: two builds differ" >&2; rm -f "$again"; exit 1; }
    rm -f "$again"
    python3 - "$out" <<'EOF'
import json, sys
path = sys.argv[1]
cat = json.load(open(path))
web = cat["addons"]["web"]
want = {("actions", "reload"), ("actions", "soft_reload"), ("fields", "many2many_tags"),
        ("fields", "statinfo"), ("fields", "monetary")}
backend = {"web.assets_backend", "web.assets_web"}
have = {(r["registry"], r["key"]) for r in web.get("registrations", [])
        if backend & set(r.get("bundles", []))}
missing = sorted(want - have)
if missing:
    sys.exit(f"{path}: web does not register {missing} in a backend bundle")
ed = {}
for a in cat["addons"].values():
    ed[a["edition"]] = ed.get(a["edition"], 0) + 1
print(f"{path}: {cat['series']}: {ed}, checks passed")
EOF
    ls -l "$out"
done
