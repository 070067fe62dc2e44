#!/usr/bin/env bash
# Times `odoo-audit deploy-check --quick` (and `--full` with a stand-in odoo-bin) on a native
# deployment assembled from real parts: the OCA corpus as addons_path, the Odoo 18 database of
# the test server (read-only: the tool's session and pg_dump only read), a real `pg_dump -Fc`
# in the backup directory, and a local HTTP server. There is no Odoo here: odoo-bin is a
# stand-in that prints its version and a few log lines, so the figures are the tool's own cost
# (commands, database, files, HTTP), not Odoo's.
#
#   scripts/bench-deploy-check.sh [runs]     (default 10 runs; needs scripts/pg-test.sh start)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-10}"
# shellcheck disable=SC1090
source "${ODOO_AUDIT_TEST_PG_ENV:-/tmp/odoo-audit-pg-54329/env}"
CORPUS="${ODOO_AUDIT_CORPUS:-$REPO/.cache/oca18/addons}"
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS (scripts/fetch-corpus.sh)" >&2; exit 2; }

(cd "$REPO" && cargo build --release --quiet)
BIN="$REPO/target/release/odoo-audit"

WORK="$(mktemp -d)"
HTTP_PID=""
cleanup() { [ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

pw() { sed -n 's/.*password=\([^ "]*\).*/\1/p' <<<"$ODOO_AUDIT_TEST_PG_ODOO"; }
PGPW="$(pw)"
mkdir -p "$WORK"/{backups,log,data,logrotate.d,www/web/database}
cat > "$WORK/odoo-bin" <<'SH'
#!/bin/sh
if [ "$1" = "--version" ]; then echo "Odoo Server 18.0-20241105"; exit 0; fi
ts=$(date '+%Y-%m-%d %H:%M:%S,000')
echo "$ts $$ INFO prod odoo.modules.loading: loading 48 modules..."
echo "$ts $$ INFO prod odoo.modules.loading: Modules loaded."
SH
chmod 755 "$WORK/odoo-bin"
PGPASSWORD="$PGPW" pg_dump -Fc -h "$ODOO_AUDIT_TEST_PG_HOST" -p "$ODOO_AUDIT_TEST_PG_PORT" \
    -U odoo -d odoo18 -f "$WORK/backups/prod.dump"
tar czf "$WORK/backups/prod-filestore.tar.gz" -C "$WORK" data
printf '{"status": "pass"}' > "$WORK/www/web/health"
echo login > "$WORK/www/web/login"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$WORK/www" "$PORT" >/dev/null 2>&1 &
HTTP_PID=$!
sleep 0.5
cat > "$WORK/odoo.conf" <<EOF2
[options]
addons_path = $CORPUS
proxy_mode = True
workers = 3
limit_memory_soft = 671088640
limit_memory_hard = 805306368
limit_time_cpu = 600
limit_time_real = 1200
logfile = $WORK/log/odoo.log
list_db = False
dbfilter = ^odoo18\$
admin_passwd = \$pbkdf2-sha512\$600000\$abc\$def
data_dir = $WORK/data
EOF2
touch "$WORK/log/odoo.log"
echo "$WORK/log/*.log { weekly }" > "$WORK/logrotate.d/odoo"
printf 'POSTGRES_PASSWORD=x\nPGUSER=odoo\nPGDATABASE=odoo18\n' > "$WORK/.env"; chmod 600 "$WORK/.env"
cat > "$WORK/odoo-audit.toml" <<EOF2
mode = "native"
odoo_command = ["$WORK/odoo-bin"]
python_command = ["python3"]
expected_series = "18.0"
backup_dir = "backups"
logrotate_dir = "logrotate.d"
log_dir = "audit-logs"
base_url = "http://127.0.0.1:$PORT"
EOF2

URL="postgres://odoo:$PGPW@$ODOO_AUDIT_TEST_PG_HOST:$ODOO_AUDIT_TEST_PG_PORT/odoo18?sslmode=disable"
bench() {
    local label="$1"; shift
    local times=()
    for _ in $(seq "$RUNS"); do
        local t0 t1
        t0=$(date +%s.%N)
        (cd "$WORK" && "$BIN" deploy-check -c "$WORK/odoo.conf" --db-url "$URL" "$@" --format json >/dev/null) || true
        t1=$(date +%s.%N)
        times+=("$(echo "$t1 - $t0" | bc)")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" -v runs="$RUNS" \
        '{a[NR]=$1} END {printf "%-28s runs=%d  min=%.2fs  median=%.2fs  max=%.2fs\n", label, runs, a[1], a[int((NR+1)/2)], a[NR]}'
}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); corpus: $(ls "$CORPUS" | wc -l) addons; dump: $(du -h "$WORK/backups/prod.dump" | cut -f1)"
bench "deploy-check --quick" --quick
bench "deploy-check --full (stand-in)" --full
