#!/usr/bin/env bash
# Benchmark of the database audits (figures in BENCHMARKS.md, "## versions, audit, broken").
#
#   scripts/bench-db.sh
#
# Times `odoo-audit versions`, `audit` and `broken` with hyperfine on the Odoo 18 fixture
# database of the test server (scripts/pg-test.sh; its env file is $ODOO_AUDIT_TEST_PG_ENV,
# default /tmp/odoo-audit-pg-54329/env) paired with the OCA corpus ($ODOO_AUDIT_CORPUS,
# default .cache/oca18/addons), as the non-superuser `odoo` in read-only sessions. Then counts
# the queries each command runs, twice: as the tool reports it (`summary.queries` of the JSON
# report) and on the wire, through a loopback proxy that counts the statements the client
# sends (protocol messages Parse and Query) without reading the server's logs or settings.
#
# Environment: BENCH_RUNS (default 20), BENCH_WARMUP (default 3), BENCH_DB (default odoo18).
# Results: .cache/bench/db.{json,md}, and the figures on stdout.
set -euo pipefail

NAME=bench-db
DEFAULT_PORT=54329
# shellcheck source=scripts/bench-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"
RUNS="${BENCH_RUNS:-20}"
WARMUP="${BENCH_WARMUP:-3}"
DBNAME="${BENCH_DB:-odoo18}"
url() { echo "postgres://odoo@$HOST:$1/$DBNAME?sslmode=disable"; }
URL="$(url "$PORT")"

cmd() { # command, url
    echo "'$BIN' $1 --db-url '$2' --addons-path '$CORPUS' --format json --fail-on never"
}

mkdir -p "$OUT"
for c in versions audit broken; do
    eval "$(cmd "$c" "$URL")" > "$OUT/db-$c.json" \
        || die "odoo-audit $c failed on $URL"
done

step "hyperfine: versions, audit, broken on $DBNAME ($HOST:$PORT)"
hyperfine --warmup "$WARMUP" --runs "$RUNS" --style basic \
    --export-json "$OUT/db.json" --export-markdown "$OUT/db.md" \
    -n versions "$(cmd versions "$URL") > /dev/null" \
    -n audit "$(cmd audit "$URL") > /dev/null" \
    -n broken "$(cmd broken "$URL") > /dev/null" >&2

# The wire count: a loopback proxy in front of the server that counts the client's messages.
PROXY_LOG="$(mktemp)"
PROXY_PY="$(mktemp --suffix=.py)"
cat > "$PROXY_PY" <<'PY'
"""Forwards PostgreSQL connections and writes one JSON line per closed connection with the
count of each frontend message type (P = Parse, Q = simple Query, B = Bind, E = Execute)."""
import json, socket, struct, sys, threading

listen_port_file, upstream_host, upstream_port, log = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

def client_side(cli, srv):
    buf, counts, started = b"", {}, False
    try:
        while True:
            data = cli.recv(65536)
            if not data:
                break
            srv.sendall(data)
            buf += data
            while True:
                if not started:  # startup packet: int32 length, int32 code, ...
                    if len(buf) < 8:
                        break
                    n, code = struct.unpack("!ii", buf[:8])
                    if len(buf) < n:
                        break
                    if code in (80877103, 80877104):  # SSLRequest / GSSENCRequest
                        counts["unexpected-encryption-request"] = 1
                    buf, started = buf[n:], True
                    continue
                if len(buf) < 5:
                    break
                t = chr(buf[0])
                n = struct.unpack("!i", buf[1:5])[0]
                if len(buf) < 1 + n:
                    break
                counts[t] = counts.get(t, 0) + 1
                buf = buf[1 + n:]
    except OSError:
        pass
    finally:
        try:
            srv.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    return counts

def handle(cli):
    srv = socket.create_connection((upstream_host, upstream_port))
    back = threading.Thread(target=pump, args=(srv, cli))
    back.start()
    counts = client_side(cli, srv)
    back.join()
    cli.close()
    srv.close()
    with open(log, "a") as f:
        f.write(json.dumps(counts) + "\n")

ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(8)
with open(listen_port_file, "w") as f:
    f.write(str(ls.getsockname()[1]))
while True:
    c, _ = ls.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
PY
PORT_FILE="$(mktemp)"
: > "$PORT_FILE"
python3 "$PROXY_PY" "$PORT_FILE" "$HOST" "$PORT" "$PROXY_LOG" &
PROXY_PID=$!
trap 'kill "$PROXY_PID" 2>/dev/null || true; rm -f "$PROXY_LOG" "$PROXY_PY" "$PORT_FILE"' EXIT
for _ in $(seq 50); do [ -s "$PORT_FILE" ] && break; sleep 0.1; done
[ -s "$PORT_FILE" ] || die "the counting proxy did not start"
PROXY_URL="$(url "$(cat "$PORT_FILE")")"
for c in versions audit broken; do
    lines=$(wc -l < "$PROXY_LOG")
    eval "$(cmd "$c" "$PROXY_URL")" > "$OUT/db-$c-proxy.json" || die "odoo-audit $c failed through the proxy"
    for _ in $(seq 50); do [ "$(wc -l < "$PROXY_LOG")" -gt "$lines" ] && break; sleep 0.1; done
    tail -n 1 "$PROXY_LOG" > "$OUT/db-$c-wire.json"
done

echo
echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
    "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "server: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["context"]["postgresql"])' "$OUT/db-versions.json"), database $DBNAME"
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
with open(os.path.join(out, "db.json")) as f:
    res = {r["command"]: r for r in json.load(f)["results"]}
print("\n%-9s %10s %8s %10s %8s %8s %6s %6s" % ("command", "mean ms", "σ ms", "min ms", "modules", "findings", "queries", "wire"))
for c in ("versions", "audit", "broken"):
    with open(os.path.join(out, "db-%s.json" % c)) as f:
        doc = json.load(f)
    with open(os.path.join(out, "db-%s-wire.json" % c)) as f:
        wire = json.load(f)
    statements = wire.get("P", 0) + wire.get("Q", 0)
    rows = len(doc.get("modules", []))
    r = res[c]
    print("%-9s %10.1f %8.1f %10.1f %8d %8d %6d %6d" % (
        c, r["mean"] * 1e3, r["stddev"] * 1e3, r["min"] * 1e3, rows, len(doc["findings"]),
        doc["summary"]["queries"], statements))
    if "unexpected-encryption-request" in wire:
        sys.exit("the client asked for TLS through the proxy: counts are not reliable")
    if statements != doc["summary"]["queries"]:
        print("  warning: %s sent %d statements on the wire (messages %s) but reports %d"
              % (c, statements, wire, doc["summary"]["queries"]))
PY
