#!/usr/bin/env bash
# Sets everything up on a fresh Debian machine with Rust, then runs the main job on a real
# sample: the Odoo 18 fixture database (restored into a throwaway PostgreSQL on loopback)
# paired with the 93 pinned OCA addons.
#
#   scripts/setup.sh            build, fetch the sample, start the server, run the audits
#
# The server keeps running afterwards so you can try other commands; stop it with
# `scripts/pg-test.sh stop`.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "setup: cargo not found: install Rust (rustup) first" >&2; exit 1; }
if ! dpkg -s libssl-dev pkg-config libxml2-dev libclang-dev >/dev/null 2>&1; then
    echo "setup: installing libssl-dev, pkg-config, libxml2-dev and libclang-dev" >&2
    apt-get update -qq && apt-get install -y -qq libssl-dev pkg-config libxml2-dev libclang-dev >/dev/null
fi

cargo build --release --quiet
bash scripts/fetch-corpus.sh
ODOO_AUDIT_PG_SAMPLE=1 bash scripts/pg-test.sh start >/dev/null
# shellcheck disable=SC1090
eval "$(bash scripts/pg-test.sh env)"

pw=$(sed -n 's/.*password=\([^ "]*\).*/\1/p' <<<"$ODOO_AUDIT_TEST_PG_ODOO")
url="postgres://odoo:${pw}@${ODOO_AUDIT_TEST_PG_HOST}:${ODOO_AUDIT_TEST_PG_PORT}/odoo18?sslmode=disable"
corpus="${ODOO_AUDIT_CORPUS:-.cache/oca18/addons}"

echo
echo "== odoo-audit versions: the OCA addons against the real Odoo 18 database"
./target/release/odoo-audit versions --db-url "$url" --addons-path "$corpus" \
    --allow V004 --fail-on never
echo
echo "== odoo-audit broken"
./target/release/odoo-audit broken --db-url "$url" --allow B001 --fail-on never
echo
echo "The test server is still running on ${ODOO_AUDIT_TEST_PG_HOST}:${ODOO_AUDIT_TEST_PG_PORT};"
echo "stop it with: scripts/pg-test.sh stop"
