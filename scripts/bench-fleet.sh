#!/usr/bin/env bash
# Benchmark of `odoo-audit fleet` (figures in BENCHMARKS.md, "## fleet").
#
#   scripts/bench-fleet.sh
#
# Makes 50 copies of the Odoo 18 fixture database on the test server (scripts/pg-test.sh; its
# env file is $ODOO_AUDIT_TEST_PG_ENV, default /tmp/odoo-audit-pg-54342/env) with CREATE
# DATABASE … TEMPLATE, writes inventories of 1, 10 and 50 instances (one copy each, the OCA
# corpus as addons path, the non-superuser `odoo` in read-only sessions; the password comes
# from PGPASSWORD, in no file and no command line), and times
#
#   odoo-audit fleet --inventory fleet-N.toml --format json --fail-on never [--jobs J]
#
# with hyperfine, for the default jobs (the number of cores) and for --jobs 8. Then counts the
# queries per instance twice: as the tool reports them (the `queries` column of the JSON
# report) and as the server saw them (the rolled-back transactions of each copy in
# pg_stat_database, xact_rollback, before and after one run: each query runs in a read-only
# transaction of its own that ends in ROLLBACK; the server's own catalog transactions at the
# start of a session commit, so they are not counted). The copies are dropped at the end.
#
# Environment: BENCH_RUNS (default 5), BENCH_WARMUP (default 1), BENCH_SIZES (default
# "1 10 50"), BENCH_COMMANDS (default "versions broken").
# Results: .cache/bench/fleet-*.{json,md}, and the figures on stdout.
set -euo pipefail

NAME=bench-fleet
DEFAULT_PORT=54342
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
RUNS="${BENCH_RUNS:-5}"
WARMUP="${BENCH_WARMUP:-1}"
SIZES="${BENCH_SIZES:-1 10 50}"
COMMANDS="${BENCH_COMMANDS:-versions broken}"
command -v psql >/dev/null 2>&1 || die "psql not found (apt-get install postgresql-client)"
TEMPLATE="${ODOO_AUDIT_TEST_PG_TEMPLATE:-odoo18}"
SUPER="$ODOO_AUDIT_TEST_PG"
unset ODOO_RC
sql() { psql "$SUPER dbname=postgres" -v ON_ERROR_STOP=1 -qAtX "$@"; }

MAX=0
for n in $SIZES; do [ "$n" -gt "$MAX" ] && MAX=$n; done
WORK="$(mktemp -d)"
drop_copies() {
    for i in $(seq 1 "$MAX"); do
        sql -c "DROP DATABASE IF EXISTS fleet_bench_$i WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap drop_copies EXIT

step "$MAX copies of $TEMPLATE"
started=$(date +%s.%N)
for i in $(seq 1 "$MAX"); do
    sql -c "DROP DATABASE IF EXISTS fleet_bench_$i WITH (FORCE)" >/dev/null
    sql -c "CREATE DATABASE fleet_bench_$i TEMPLATE $TEMPLATE OWNER odoo"
done
echo "copies: $(python3 -c "import sys; print('%.1f s' % (float(sys.argv[2]) - float(sys.argv[1])))" "$started" "$(date +%s.%N)")" >&2

mkdir -p "$OUT"
for n in $SIZES; do
    inv="$WORK/fleet-$n.toml"
    : > "$inv"
    for i in $(seq 1 "$n"); do
        printf '[[instance]]\nname = "i%02d"\ndb = "postgres://odoo@%s:%s/fleet_bench_%d?sslmode=disable"\naddons_path = ["%s"]\nlabels = { env = "bench" }\n\n' \
            "$i" "$HOST" "$PORT" "$i" "$CORPUS" >> "$inv"
    done
done

# shellcheck disable=SC2086
cmd() { echo "'$BIN' fleet --inventory '$WORK/fleet-$1.toml' --format json --fail-on never $2 $COMMANDS"; }

args=()
for n in $SIZES; do
    args+=(-n "$n instances" "$(cmd "$n" "") > /dev/null")
done
for n in $SIZES; do
    [ "$n" -gt 1 ] && args+=(-n "$n instances, --jobs 8" "$(cmd "$n" "--jobs 8") > /dev/null")
done
step "hyperfine: fleet of $SIZES instances ($COMMANDS) on $HOST:$PORT"
hyperfine --warmup "$WARMUP" --runs "$RUNS" --style basic \
    --export-json "$OUT/fleet.json" --export-markdown "$OUT/fleet.md" "${args[@]}" >&2

# The queries per instance: the report's count, and the server's count of transactions.
xacts() { sql -c "SELECT datname, xact_rollback FROM pg_stat_database WHERE datname LIKE 'fleet_bench_%' ORDER BY datname"; }
for n in $SIZES; do
    xacts > "$WORK/before-$n"
    eval "$(cmd "$n" "")" > "$OUT/fleet-$n.json"
    # The server publishes a session's counts when it ends; give it a moment.
    sleep 2
    xacts > "$WORK/after-$n"
    python3 - "$WORK/before-$n" "$WORK/after-$n" "$n" > "$OUT/fleet-$n-server.json" <<'PY'
import json, sys
read = lambda p: dict(l.split("|") for l in open(p).read().split())
before, after, n = read(sys.argv[1]), read(sys.argv[2]), int(sys.argv[3])
print(json.dumps({"i%02d" % i: int(after["fleet_bench_%d" % i]) - int(before.get("fleet_bench_%d" % i, 0)) for i in range(1, n + 1)}))
PY
done

echo
echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
    "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
python3 - "$OUT" "$SIZES" <<'PY'
import json, os, sys
out, sizes = sys.argv[1], [int(s) for s in sys.argv[2].split()]
with open(os.path.join(out, "fleet.json")) as f:
    res = {r["command"]: r for r in json.load(f)["results"]}
print("\n%-22s %10s %8s %10s %12s %10s" % ("fleet", "mean s", "σ s", "min s", "s/instance", "user+sys s"))
for name, r in res.items():
    n = int(name.split()[0])
    print("%-22s %10.3f %8.3f %10.3f %12.3f %10.3f" % (
        name, r["mean"], r["stddev"], r["min"], r["mean"] / n, r["user"] + r["system"]))
print("\n%-10s %8s %18s %22s" % ("instances", "audited", "queries/instance", "server rollbacks/inst"))
for n in sizes:
    doc = json.load(open(os.path.join(out, "fleet-%d.json" % n)))
    server = json.load(open(os.path.join(out, "fleet-%d-server.json" % n)))
    q = sorted({r["queries"] for r in doc["instances"]})
    s = sorted(set(server.values()))
    print("%-10d %8d %18s %22s" % (n, doc["summary"]["audited"], ",".join(map(str, q)), ",".join(map(str, s))))
PY
