#!/usr/bin/env bash
# Benchmark of `check-views` against odoo-linter's two rules that do the same kind of work
# (figures in BENCHMARKS.md, "## check-views").
#
#   scripts/bench-views.sh ODOO_SRC [SERIES]
#
# ODOO_SRC is a source tree of Odoo of SERIES (18 or 19, default 18): its addons are
# ODOO_SRC/odoo/addons. The tree is those addons plus the OCA corpus of the series
# ($ODOO_AUDIT_CORPUS / $ODOO_AUDIT_CORPUS19, default .cache/oca18/addons, .cache/oca19/addons).
# Times, side by side in the same hyperfine run, with a warm page cache:
#   - odoo-audit check-views --addons-path ADDONS,CORPUS (release build)
#   - odl check --select ODOO008,ODOO017 --addons-path ADDONS,CORPUS ADDONS CORPUS
#     (odoo-linter from PyPI, pip-installed in .cache/odoo-linter): ODOO008 applies each
#     view's inheritance specs to its parent as the modules `depends` reaches build it and
#     reports a spec that matches nothing; ODOO017 reports a t-inherit / t-call of an OWL
#     template that no module in reach defines.
# Both get the whole tree; each reports in JSON to /dev/null and exits 0 (--fail-on never,
# --exit-zero).
#
# Environment: BENCH_RUNS (default 5), BENCH_WARMUP (default 1).
# Results: .cache/bench/views-<series>.{json,md}, the findings of one run of each, the ratio.
set -euo pipefail

die() { echo "bench-views: error: $*" >&2; exit 1; }
step() { echo "==> $*" >&2; }

[ $# -ge 1 ] || die "usage: scripts/bench-views.sh ODOO_SRC [18|19]"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"
SRC="$(cd "$1" && pwd)" || die "no directory $1"
SERIES="${2:-18}"
RUNS="${BENCH_RUNS:-5}"
WARMUP="${BENCH_WARMUP:-1}"
ODL_VERSION=0.1.0a17
OUT="$REPO/.cache/bench"
VENV="$REPO/.cache/odoo-linter"
BIN="$REPO/target/release/odoo-audit"
ADDONS="$SRC/odoo/addons"
[ -f "$ADDONS/base/__manifest__.py" ] || die "$SRC is not a source tree of Odoo (no odoo/addons/base)"

case "$SERIES" in
    18) CORPUS="${ODOO_AUDIT_CORPUS:-$REPO/.cache/oca18/addons}" ;;
    19) CORPUS="${ODOO_AUDIT_CORPUS19:-$REPO/.cache/oca19/addons}" ;;
    *) die "series $SERIES: 18 or 19" ;;
esac
[ -d "$CORPUS" ] || bash scripts/fetch-corpus.sh "$SERIES" >&2
CORPUS="$(cd "$CORPUS" && pwd)"

apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "need $* but apt-get is not available; install it by hand"
    [ "$(id -u)" = 0 ] || die "need $* (not installed) and not running as root; install it by hand"
    echo "bench-views: installing $* (apt)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
        || die "apt-get install $* failed"
}

command -v cargo >/dev/null 2>&1 || die "cargo not found: install the Rust toolchain first"
command -v hyperfine >/dev/null 2>&1 || apt_install hyperfine
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv

step "cargo build --release"
cargo build --release --quiet

if ! "$VENV/bin/pip" show odoo-linter 2>/dev/null | grep -x "Version: $ODL_VERSION" >/dev/null; then
    step "odoo-linter $ODL_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "odoo-linter==$ODL_VERSION" || die "pip install odoo-linter failed"
fi
ODL="$VENV/bin/odl"

mkdir -p "$OUT"
OURS="$BIN check-views --fail-on never --format json --addons-path $ADDONS,$CORPUS"
THEIRS="$ODL check --exit-zero --output-format json --odoo-version $SERIES.0 --select ODOO008,ODOO017 --addons-path $ADDONS,$CORPUS $ADDONS $CORPUS"

echo "tree: $(ls "$ADDONS" | wc -l) Odoo addons + $(ls "$CORPUS" | wc -l) corpus addons," \
    "$(find "$ADDONS" "$CORPUS" -name '*.xml' | wc -l) XML files"

# One run of each, to see that both did the work: the findings by code.
step "one run of each"
$OURS > "$OUT/views-$SERIES-ours.json"
$THEIRS > "$OUT/views-$SERIES-odl.json"
python3 - "$OUT/views-$SERIES-ours.json" "$OUT/views-$SERIES-odl.json" <<'PY'
import collections, json, sys
ours = json.load(open(sys.argv[1]))
theirs = json.load(open(sys.argv[2]))
print("check-views findings:", dict(collections.Counter(f["code"] for f in ours.get("findings", []))))
print("check-views summary:", ours.get("summary"))
print("odl findings:", dict(collections.Counter(f["code"] for f in theirs)))
PY

step "hyperfine ($WARMUP warm-up, $RUNS runs)"
hyperfine --warmup "$WARMUP" --runs "$RUNS" --style basic \
    --export-json "$OUT/views-$SERIES.json" --export-markdown "$OUT/views-$SERIES.md" \
    -n check-views "$OURS" \
    -n odl "$THEIRS"

python3 - "$OUT/views-$SERIES.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ours, theirs = r["check-views"], r["odl"]
print(f"odl / check-views: {theirs['mean'] / ours['mean']:.2f}x by mean wall time, "
      f"{theirs['median'] / ours['median']:.2f}x by median, "
      f"{(theirs['user'] + theirs['system']) / (ours['user'] + ours['system']):.2f}x by CPU time")
for name, x in (("check-views", ours), ("odl", theirs)):
    print(f"{name}: mean {x['mean']:.3f} s ± {x['stddev']:.3f}, min {x['min']:.3f}, "
          f"user {x['user']:.3f} + sys {x['system']:.3f}")
PY
