# Sourced by the database benchmarks (scripts/bench-db.sh, scripts/bench-fleet.sh): hyperfine
# (installed from Debian's packages when missing and root), a release build, the OCA corpus,
# and the test server's settings from its env file (scripts/pg-test.sh). Expects NAME (for
# messages) and DEFAULT_PORT; sets REPO, OUT, BIN, CORPUS, HOST, PORT, and exports PGPASSWORD
# (the non-superuser `odoo`'s, so that it is in no command line hyperfine prints).

die() { echo "$NAME: error: $*" >&2; exit 1; }
step() { echo "==> $*" >&2; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"
OUT="$REPO/.cache/bench"
BIN="$REPO/target/release/odoo-audit"

command -v cargo >/dev/null 2>&1 || die "cargo not found: install the Rust toolchain first"
if ! command -v hyperfine >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then die "hyperfine not found: install it"; fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null || die "cannot install hyperfine"
fi
command -v python3 >/dev/null 2>&1 || die "python3 not found"

step "cargo build --release"
cargo build --release --quiet

export ODOO_AUDIT_CORPUS="${ODOO_AUDIT_CORPUS:-$REPO/.cache/oca18/addons}"
[ -d "$ODOO_AUDIT_CORPUS" ] || bash scripts/fetch-corpus.sh >&2
CORPUS="$(cd "$ODOO_AUDIT_CORPUS" && pwd)"

ENV_FILE="${ODOO_AUDIT_TEST_PG_ENV:-/tmp/odoo-audit-pg-$DEFAULT_PORT/env}"
if [ -z "${ODOO_AUDIT_TEST_PG_ODOO:-}" ]; then
    [ -f "$ENV_FILE" ] || die "no test server: start one with scripts/pg-test.sh start"
    # shellcheck disable=SC1090
    source "$ENV_FILE"
fi
HOST="${ODOO_AUDIT_TEST_PG_HOST:-127.0.0.1}"
PORT="${ODOO_AUDIT_TEST_PG_PORT:-$DEFAULT_PORT}"
PGPASSWORD=$(sed -n 's/.*password=\([^ "]*\).*/\1/p' <<<"$ODOO_AUDIT_TEST_PG_ODOO")
export PGPASSWORD
unset PGHOST PGPORT PGUSER PGDATABASE PGSSLMODE PGPASSFILE
