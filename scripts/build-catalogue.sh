#!/usr/bin/env bash
# Regenerates the shipped catalogues of Odoo's own addons, manifests/catalogue/<series>.json,
# from public snapshots of Odoo's source (generation time only: CI never runs this script; the
# JSON files are committed and embedded in the binary).
#
#   scripts/build-catalogue.sh 18.0=$HOME/src/odoo-18 19.0=$HOME/src/odoo-19 ...
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
        16.0)
            # A fork (Odoo 16.0 with OCA repositories and its own addons under odoo/addons).
            # Odoo's addons are those of the fork's own sdist file list (odoo.egg-info/SOURCES.txt
            # of the 16.0.post20230301 sdist) and the later 16.0 addons that the unmodified 16.0
            # sdist of 2023-12-08 (github:albferna/Odoo-16.0.20231208, commit 7f5783d9) holds;
            # every other directory is left out.
            later="l10n_ee l10n_es_edi_tbai l10n_it_edi_pa l10n_lu_peppol_id l10n_lv l10n_mz l10n_pl_jpk l10n_pl_sale_stock l10n_sa_edi l10n_sa_edi_pos pos_mrp"
            exclude=$(python3 -c '
import os, re, sys
root, later = sys.argv[1], set(sys.argv[2].split())
listed = set(re.findall(r"^odoo/addons/([^/]+)/__manifest__\.py$",
                        open(os.path.join(root, "odoo.egg-info/SOURCES.txt")).read(), re.M))
base = os.path.join(root, "odoo/addons")
names = [n for n in os.listdir(base) if os.path.isfile(os.path.join(base, n, "__manifest__.py"))]
print(",".join(sorted(n for n in names if n not in listed | later)))
' "$dir" "$later")
            n_excluded=$(tr ',' '\n' <<<"$exclude" | grep -c .)
            args+=(--name "github:Martel-IT/odoo-16-core (a fork of Odoo 16.0 Community)"
                   --commit 50f9c1b4b48ce70ee2b1f54bd90afd89d0aa1510 --date 2025-07-02
                   --exclude "$exclude"
                   --note "a fork: only Odoo's own addons are taken: the 521 of the fork's sdist file list (odoo.egg-info/SOURCES.txt of 16.0.post20230301) and 11 later 16.0 addons found in the unmodified 16.0 sdist of 2023-12-08 (github:albferna/Odoo-16.0.20231208 7f5783d9): $later"
                   --note "left out: $n_excluded other directories of odoo/addons: OCA addons and the fork's own, and 9 Odoo-authored addons that no unmodified 16.0 snapshot at hand confirms (account_edi_ubl_cii_tax_extension, account_update_tax_tags, l10n_be_pos_sale, l10n_ch_pos, l10n_ch_qriban, l10n_ec_stock, l10n_fr_invoice_addr, l10n_it_edi_doi, l10n_it_edi_website_sale)"
                   --note "checked against the 16.0 sdist of 2023-12-08: of 473 addons in both, none differs in depends, installable, application or external_dependencies; google_recaptcha writes auto_install False there; 13 l10n_* carry a later version here, 18 have more asset entries (later 16.0 fixes and tests), l10n_pl_jpk says LGPL-3 here and OEEL-1 there; the fork's commits after its import change no manifest and no JavaScript (hr_expense, project, mail, web: Python, views, SCSS)"
                   --note "hr_expense/report/hr_expense_report.xml is not well-formed XML in this tree (Odoo would refuse it too): the views of that file are not catalogued"
                   --note "the test_* and theme_* addons are not in this tree: not catalogued"
                   )
            ;;
        17.0)
            args+=(--name "github:Clyde1030/odoo17 (sdist of Odoo 17.0 Community)"
                   --commit 62a16a12e3e0e898e712402d0bf2ec62f31a6964 --date 2024-07-09
                   --community account_payment_term,l10n_it_edi_website_sale
                   --note "the tree's addons are exactly those of the sdist's file list (odoo.egg-info/SOURCES.txt); the snapshot's later commit adds configuration files only"
                   --note "account_payment_term and l10n_it_edi_website_sale say OEEL-1 in this Community sdist: catalogued as Community"
                   )
            ;;
        18.0)
            args+=(--name "github:AhmedElarabyy/odoo-18 (sdist of Odoo 18.0 with Enterprise addons)"
                   --commit c7678f850974aaef37c6c5ce89bd7738d18805cd --date 2025-05-20
                   --community l10n_it_edi_website_sale
                   --note "Enterprise addons are those licensed OEEL-1, but l10n_it_edi_website_sale, which is in Odoo Community's source (odoo/odoo addons/): catalogued as Community")
            ;;
        19.0)
            args+=(--name "github:MohamedLotfy99/Odoo19-ez (sdist of Odoo 19.0 with Enterprise addons)"
                   --commit df435d9e55435aa236a48c90b6b8f5c948b37488 --date 2025-12-27
                   --note "Enterprise addons are those licensed OEEL-1")
            ;;
        *)
            echo "build-catalogue: no source known for series $series" >&2
            exit 2
            ;;
    esac
    out="manifests/catalogue/$series.json"
    "$bin" catalogue build --source "$dir" --series "$series" "${args[@]}" --output "$out" -q --fail-on never
    again=$(mktemp)
    "$bin" catalogue build --source "$dir" --series "$series" "${args[@]}" --output "$again" -q --fail-on never
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
