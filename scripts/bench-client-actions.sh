#!/usr/bin/env bash
# Benchmark of `check-client-actions` against ripgrep searching the same JavaScript files for
# `category(`, in the same run. The tree is the OCA corpus plus a generated addons path with
# thousands of JS files (built from the corpus' own JS), under /tmp. Figures go to BENCHMARKS.md.
#
# Usage: scripts/bench-client-actions.sh [ADDONS_PER_TREE] [FILES_PER_ADDON]
# Needs: hyperfine, ripgrep (apt-get install -y hyperfine ripgrep), the corpus (scripts/fetch-corpus.sh).
set -euo pipefail

cd "$(dirname "$0")/.."
ADDONS=${1:-60}
FILES=${2:-80}
CORPUS=${ODOO_AUDIT_CORPUS:-$PWD/.cache/oca18/addons}
GEN=${BENCH_DIR:-/tmp/odoo-audit-bench-client-actions}

command -v hyperfine >/dev/null || { echo "hyperfine is missing (apt-get install -y hyperfine)" >&2; exit 2; }
command -v rg >/dev/null || { echo "ripgrep is missing (apt-get install -y ripgrep)" >&2; exit 2; }
[ -d "$CORPUS" ] || { echo "corpus missing at $CORPUS (scripts/fetch-corpus.sh)" >&2; exit 2; }

cargo build --release --quiet
BIN=$PWD/target/release/odoo-audit

# Generated addons: each JS file is a real corpus JS file; one in three also registers an action
# (some through an alias, some on several lines); each addon has a client action record per
# registered tag, plus a few that are missing.
rm -rf "$GEN"
mkdir -p "$GEN"
mapfile -t SOURCES < <(find "$CORPUS" -path '*/static/src/*' -name '*.js' -size +2k | sort)
n=0
for a in $(seq 1 "$ADDONS"); do
  mod="bench_mod_$a"
  dir="$GEN/$mod"
  mkdir -p "$dir/static/src/js" "$dir/views"
  {
    echo "{'name': 'Bench $a', 'version': '18.0.1.0.0', 'license': 'AGPL-3', 'depends': ['web'],"
    echo " 'data': ['views/actions.xml'],"
    echo " 'assets': {'web.assets_backend': ['$mod/static/src/**/*']}}"
  } > "$dir/__manifest__.py"
  xml="$dir/views/actions.xml"
  echo '<odoo>' > "$xml"
  for f in $(seq 1 "$FILES"); do
    src=${SOURCES[$(( n % ${#SOURCES[@]} ))]}
    n=$((n + 1))
    out="$dir/static/src/js/file_$f.esm.js"
    cp "$src" "$out"
    if (( f % 3 == 0 )); then
      tag="${mod}_tag_$f"
      if (( f % 2 == 0 )); then
        printf '\nconst actionRegistry_%s = registry.category("actions");\nactionRegistry_%s.add("%s", Object);\n' "$f" "$f" "$tag" >> "$out"
      else
        printf '\nregistry\n    .category("actions")\n    .add(\n        "%s",\n        Object\n    );\n' "$tag" >> "$out"
      fi
      printf '  <record id="a%s" model="ir.actions.client"><field name="name">A</field><field name="tag">%s</field></record>\n' "$f" "$tag" >> "$xml"
    fi
  done
  printf '  <record id="missing" model="ir.actions.client"><field name="name">M</field><field name="tag">%s_missing</field></record>\n' "$mod" >> "$xml"
  echo '</odoo>' >> "$xml"
done

JS_FILES=$(find "$CORPUS" "$GEN" -name '*.js' | wc -l)
JS_BYTES=$(find "$CORPUS" "$GEN" -name '*.js' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
echo "tree: $(ls "$CORPUS" "$GEN" | wc -l) addons, $JS_FILES JS files, $((JS_BYTES / 1024 / 1024)) MiB of JS"

# Sanity: the tool sees the generated registrations and the missing tags.
# (It exits 1: the generated tree holds tags nobody registers.)
{ "$BIN" check-client-actions --odoo-series 18.0 --addons-path "$CORPUS,$GEN" --format json || [ $? -eq 1 ]; } \
  | python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["summary"]; print("tool:", {k: s[k] for k in ("js_files","registrations","actions_checked","actions_valid","actions_not_verifiable")})'

hyperfine --ignore-failure --warmup 3 --runs 20 --export-json /tmp/odoo-audit-bench-client-actions.json \
  -n ripgrep "rg -F -c 'category(' -g '*.js' $CORPUS $GEN" \
  -n check-client-actions "$BIN check-client-actions --odoo-series 18.0 --addons-path $CORPUS,$GEN --format json"

python3 - <<'PY'
import json
d = json.load(open("/tmp/odoo-audit-bench-client-actions.json"))["results"]
t = {r["command"]: r["mean"] for r in d}
ratio = t["check-client-actions"] / t["ripgrep"]
print(f"ratio check-client-actions / ripgrep: {ratio:.2f} (limit 1.5)")
PY
