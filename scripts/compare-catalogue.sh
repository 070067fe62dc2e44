#!/usr/bin/env bash
# Generation-time proof that the catalogue of Odoo's own addons gives the same findings as
# Odoo's source (BENCHMARKS.md, "The catalogue against the source"): for each SERIES=DIR, runs
# `check-client-actions` and `deps` on an OCA corpus of that series
#
#   (a) with Odoo's source on the addons path, and
#   (b) with the corpus alone (the embedded catalogue of the series, or --catalogue FILE),
#
# for Community (the tree's Community addons only on the path: a symlink view leaving out the
# OEEL-1 addons, as the catalogue builder tells them apart) and for Enterprise (the whole tree,
# `--edition enterprise`), and prints the error and warning findings of the corpus's modules
# that differ, compared by (code, severity, module, file, line, first quoted key), and the
# uses of the corpus's modules whose status differs (every client action, widget and view class).
#
#   scripts/compare-catalogue.sh 18.0=$HOME/src/odoo-18:.cache/oca18/addons \
#                                19.0=$HOME/src/odoo-19:.cache/oca19/addons
#
# The source is never in CI; the tests check the same on a small tree made by the test.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -gt 0 ] || { sed -n 2,16p "$0" >&2; exit 2; }
if [ -n "${ODOO_AUDIT_BIN:-}" ]; then
    bin=$ODOO_AUDIT_BIN
else
    cargo build --release --quiet
    bin=$PWD/target/release/odoo-audit
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

compare() { # label with.json without.json corpus
    python3 - "$@" <<'EOF'
import json, os, sys
label, a_file, b_file, corpus = sys.argv[1:5]
mods = set(os.listdir(corpus))
def keys(path):
    doc = json.load(open(path))
    out = set()
    for f in doc["findings"]:
        if f["severity"] not in ("error", "warning") or f.get("module") not in mods:
            continue
        key = (f["message"].split("`") + ["", ""])[1]
        out.add((f["code"], f["severity"], f["module"], f.get("file") or "", f.get("line"), key))
    return out
def uses(path):
    doc = json.load(open(path))
    return {(u["kind"], u["key"], u["module"], u["location"], u["status"])
            for u in doc.get("uses", []) if u["module"] in mods}
a, b = keys(a_file), keys(b_file)
print(f"{label}: {len(a)} error/warning findings with the source, {len(b)} with the catalogue, {len(a ^ b)} different")
for k in sorted(a - b):
    print("   only with the source:   ", *k)
for k in sorted(b - a):
    print("   only with the catalogue:", *k)
ua, ub = uses(a_file), uses(b_file)
if ua or ub:
    ok = sum(1 for u in ua if u[4] == "ok")
    print(f"{label}: {len(ua)} uses checked ({ok} ok) with the source, {len(ub)} with the catalogue, {len(ua ^ ub)} with another status")
    for k in sorted(ua - ub):
        print("   status with the source:   ", *k)
    for k in sorted(ub - ua):
        print("   status with the catalogue:", *k)
EOF
}

for arg in "$@"; do
    series=${arg%%=*}
    rest=${arg#*=}
    src=${rest%%:*}
    corpus=$(cd "${rest#*:}" && pwd)
    view="$work/$series/odoo"
    mkdir -p "$view/addons"
    cp "$src/odoo/release.py" "$view/release.py"
    for m in "$src"/odoo/addons/*/__manifest__.py; do
        d=$(dirname "$m")
        grep -q "OEEL-1" "$m" || ln -s "$d" "$view/addons/$(basename "$d")"
    done
    echo "== $series: $(ls "$view/addons" | wc -l) Community addons of $(ls -d "$src"/odoo/addons/*/ | wc -l) in $src; corpus $corpus ($(ls "$corpus" | wc -l) addons)"
    for cmd in check-client-actions deps; do
        for edition in community enterprise; do
            if [ "$edition" = community ]; then tree="$view/addons"; else tree="$src/odoo/addons"; fi
            out="$work/$series-$cmd-$edition"
            "$bin" "$cmd" --format json --edition "$edition" --odoo-series "$series" \
                --addons-path "$corpus,$tree" > "$out-with.json" || true
            "$bin" "$cmd" --format json --edition "$edition" --odoo-series "$series" \
                --addons-path "$corpus" > "$out-without.json" || true
            compare "$series $cmd $edition" "$out-with.json" "$out-without.json" "$corpus"
        done
    done
done
