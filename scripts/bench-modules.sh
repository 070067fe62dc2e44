#!/usr/bin/env bash
# Benchmark of `odoo-audit modules --format json` (figures in BENCHMARKS.md, "## modules").
#
#   scripts/bench-modules.sh
#
# Times, side by side in the same hyperfine run and with a warm page cache:
#   - odoo-audit modules --format json --addons-path X
#   - manifestoo list over the same addons path (pip-installed in .cache/bench-venv)
#   - cat of every manifest file, the I/O floor
# on (a) the real OCA corpus ($ODOO_AUDIT_CORPUS, default .cache/oca18/addons) and (b) a
# generated tree of $BENCH_ADDONS (default 20000) addons made of copies of the corpus
# manifests, each in its own uniquely named addon directory with an empty __init__.py
# (.cache/bench-tree-<N>, rebuilt when N or the corpus changes).
#
# Environment: BENCH_RUNS (default 10), BENCH_WARMUP (default 3), BENCH_ADDONS (20000).
# Results: .cache/bench/modules-{corpus,tree}.{json,md}, and the ratios on stdout.
set -euo pipefail

die() { echo "bench-modules: error: $*" >&2; exit 1; }
step() { echo "==> $*" >&2; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"
RUNS="${BENCH_RUNS:-10}"
WARMUP="${BENCH_WARMUP:-3}"
N="${BENCH_ADDONS:-20000}"
SERIES=18.0
MANIFESTOO_VERSION=1.1
OUT="$REPO/.cache/bench"
VENV="$REPO/.cache/bench-venv"
TREE="$REPO/.cache/bench-tree-$N"
BIN="$REPO/target/release/odoo-audit"

apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "need $* but apt-get is not available; install it by hand"
    [ "$(id -u)" = 0 ] || die "need $* (not installed) and not running as root; install it by hand"
    echo "bench-modules: installing $* (apt)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
        || die "apt-get install $* failed"
}

command -v cargo >/dev/null 2>&1 || die "cargo not found: install the Rust toolchain first"
command -v hyperfine >/dev/null 2>&1 || apt_install hyperfine
command -v python3 >/dev/null 2>&1 || apt_install python3 python3-venv
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv

step "cargo build --release"
cargo build --release --quiet

export ODOO_AUDIT_CORPUS="${ODOO_AUDIT_CORPUS:-$REPO/.cache/oca18/addons}"
[ -d "$ODOO_AUDIT_CORPUS" ] || bash scripts/fetch-corpus.sh >&2
CORPUS="$(cd "$ODOO_AUDIT_CORPUS" && pwd)"

if ! "$VENV/bin/manifestoo" --version 2>/dev/null | grep -q "manifestoo version $MANIFESTOO_VERSION,"; then
    step "manifestoo $MANIFESTOO_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "manifestoo==$MANIFESTOO_VERSION" || die "pip install manifestoo failed"
fi
MANIFESTOO="$VENV/bin/manifestoo"

# The large tree: N addons, each a copy of a corpus manifest (round robin) under a unique name.
stamp="n=$N corpus=$CORPUS $(find "$CORPUS" -mindepth 2 -maxdepth 2 -name __manifest__.py -printf '%s ' | cksum)"
if [ "$(cat "$TREE.stamp" 2>/dev/null)" != "$stamp" ]; then
    step "generating $N addons in $TREE"
    rm -rf "$TREE" "$TREE.tmp"
    python3 - "$CORPUS" "$TREE.tmp" "$N" <<'PY'
import os, sys
corpus, dest, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = sorted(d for d in os.listdir(corpus)
               if os.path.isfile(os.path.join(corpus, d, "__manifest__.py")))
if not names:
    sys.exit("no addon in " + corpus)
manifests = []
for d in names:
    with open(os.path.join(corpus, d, "__manifest__.py"), "rb") as f:
        manifests.append((d, f.read()))
os.makedirs(dest)
for i in range(n):
    name, text = manifests[i % len(manifests)]
    addon = os.path.join(dest, "%s_%05d" % (name, i))
    os.mkdir(addon)
    with open(os.path.join(addon, "__manifest__.py"), "wb") as f:
        f.write(text)
    open(os.path.join(addon, "__init__.py"), "wb").close()
PY
    mv "$TREE.tmp" "$TREE"
    echo "$stamp" > "$TREE.stamp"
fi

# Sanity: the tools see the same addons.
for dir in "$CORPUS" "$TREE"; do
    ours=$("$BIN" modules --format json --installable-only --fail-on never --odoo-series "$SERIES" \
        --addons-path "$dir" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["modules"]))')
    theirs=$("$MANIFESTOO" --addons-path "$dir" --no-addons-path-from-import-odoo \
        --odoo-series "$SERIES" --select-found list 2>/dev/null | wc -l)
    files=$(find "$dir" -mindepth 2 -maxdepth 2 -name __manifest__.py | wc -l)
    echo "$dir: $files manifests; installable addons: odoo-audit $ours, manifestoo $theirs" >&2
    [ "$ours" = "$theirs" ] || die "odoo-audit and manifestoo disagree on $dir"
done

mkdir -p "$OUT"
bench() {
    local label="$1" dir="$2"
    step "hyperfine: $label ($dir)"
    hyperfine --warmup "$WARMUP" --runs "$RUNS" --style basic \
        --export-json "$OUT/modules-$label.json" --export-markdown "$OUT/modules-$label.md" \
        -n odoo-audit "'$BIN' modules --format json --fail-on never --odoo-series $SERIES --addons-path '$dir' > /dev/null" \
        -n manifestoo "'$MANIFESTOO' --addons-path '$dir' --no-addons-path-from-import-odoo --odoo-series $SERIES --select-found list > /dev/null" \
        -n cat "find '$dir' -mindepth 2 -maxdepth 2 -name __manifest__.py -print0 | xargs -0 cat > /dev/null" >&2
}
bench corpus "$CORPUS"
bench tree "$TREE"

echo
echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
    "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM; $(date -u '+%Y-%m-%d %H:%M UTC')"
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
for label, what in (("corpus", "real corpus"), ("tree", "generated tree")):
    with open(os.path.join(out, "modules-%s.json" % label)) as f:
        res = {r["command"]: r for r in json.load(f)["results"]}
    ours, mo, cat = res["odoo-audit"], res["manifestoo"], res["cat"]
    print("\n%s (mean ± σ, min, over %d runs)" % (what, len(ours["times"])))
    for name in ("odoo-audit", "manifestoo", "cat"):
        r = res[name]
        print("  %-10s %9.1f ms ± %6.1f  (min %9.1f ms)" % (name, r["mean"] * 1e3, r["stddev"] * 1e3, r["min"] * 1e3))
    print("  manifestoo / odoo-audit: %.1fx faster (target >= 20x on the tree)" % (mo["mean"] / ours["mean"]))
    print("  odoo-audit / cat:        %.2fx the I/O floor (target <= 3x on the tree)" % (ours["mean"] / cat["mean"]))
PY
