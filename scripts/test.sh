#!/usr/bin/env bash
# The project's one test command (README; .ci/run calls it):
#
#   scripts/test.sh [extra args for cargo test]
#
# Fetches the OCA addon corpora (18.0, 19.0), starts the tests' own throwaway PostgreSQL with
# the Odoo 18 and 19 fixtures (a free port and a directory of this run unless
# ODOO_AUDIT_PG_PORT is set; stopped again on exit unless ODOO_AUDIT_PG_KEEP=1;
# never the sample server of scripts/setup.sh), then runs cargo fmt --check,
# clippy -D warnings and cargo test, stopping at the first failure.
set -euo pipefail

die() { echo "test: error: $*" >&2; exit 1; }
step() { echo "==> $*" >&2; }

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO="$PWD"

# Rust toolchain (installed with the machine; it can't be fetched here).
command -v cargo >/dev/null 2>&1 \
    || die "cargo not found: install the Rust toolchain (rustup) and put ~/.cargo/bin on PATH"
cargo fmt --version >/dev/null 2>&1 || die "rustfmt missing: rustup component add rustfmt"
cargo clippy --version >/dev/null 2>&1 || die "clippy missing: rustup component add clippy"

# Native libraries the crate links (native-tls -> openssl-sys).
missing=()
for pkg in pkg-config libssl-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${missing[*]} and not root: apt-get install ${missing[*]}"
    echo "test: installing ${missing[*]} (apt)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
fi

export ODOO_AUDIT_CORPUS="${ODOO_AUDIT_CORPUS:-$REPO/.cache/oca18/addons}"
export ODOO_AUDIT_CORPUS19="${ODOO_AUDIT_CORPUS19:-$REPO/.cache/oca19/addons}"
bash scripts/fetch-corpus.sh 18
bash scripts/fetch-corpus.sh 19

# pre-commit (PyPI), for the test of the README's hook (tests/integration/catalogue_use.rs),
# into .cache/pre-commit.
if [ ! -x .cache/pre-commit/bin/pre-commit ]; then
    step "installing pre-commit into .cache/pre-commit"
    { python3 -m venv .cache/pre-commit && .cache/pre-commit/bin/pip install -q pre-commit; } \
        || { rm -rf .cache/pre-commit; die "pre-commit could not be installed from PyPI (python3 -m venv, pip)"; }
fi
export ODOO_AUDIT_PRE_COMMIT="$REPO/.cache/pre-commit/bin/pre-commit"

# The tests' own PostgreSQL: never the sample server scripts/setup.sh leaves running. With
# ODOO_AUDIT_PG_PORT set, that port (and pg-test.sh's directory for it) is used and may be kept
# running between runs with ODOO_AUDIT_PG_KEEP=1; otherwise a free loopback port and a
# directory of this run, both gone when it ends.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
    local p i
    for i in $(seq 1 50); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        if port_free "$p"; then echo "$p"; return 0; fi
    done
    die "no free loopback port found"
}
if [ -n "${ODOO_AUDIT_PG_PORT:-}" ]; then
    OWN_PORT=0
    export ODOO_AUDIT_PG_DIR="${ODOO_AUDIT_PG_DIR:-/tmp/odoo-audit-pg-$ODOO_AUDIT_PG_PORT}"
    [ ! -f "$ODOO_AUDIT_PG_DIR/sample" ] \
        || die "port $ODOO_AUDIT_PG_PORT is the sample server of scripts/setup.sh; pick another ODOO_AUDIT_PG_PORT (or none)"
else
    OWN_PORT=1
    export ODOO_AUDIT_PG_PORT="$(pick_port)"
    export ODOO_AUDIT_PG_DIR="/tmp/odoo-audit-test-$ODOO_AUDIT_PG_PORT-$$"
fi

cleanup() {
    if [ "${ODOO_AUDIT_PG_KEEP:-0}" != 1 ]; then
        bash "$REPO/scripts/pg-test.sh" stop || true
        rm -f -- "$ODOO_AUDIT_PG_DIR.lock"
    else
        echo "test: the test server keeps running on 127.0.0.1:$ODOO_AUDIT_PG_PORT ($ODOO_AUDIT_PG_DIR);" \
            "stop it with: ODOO_AUDIT_PG_PORT=$ODOO_AUDIT_PG_PORT ODOO_AUDIT_PG_DIR=$ODOO_AUDIT_PG_DIR scripts/pg-test.sh stop" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# A port picked here can be taken before the server binds it: then try another.
for attempt in 1 2 3; do
    if pg_env="$(bash scripts/pg-test.sh start)"; then
        break
    fi
    [ "$OWN_PORT" = 1 ] && [ "$attempt" -lt 3 ] || die "could not start the test server"
    bash scripts/pg-test.sh stop >/dev/null 2>&1 || true
    rm -f -- "$ODOO_AUDIT_PG_DIR.lock"
    export ODOO_AUDIT_PG_PORT="$(pick_port)"
    export ODOO_AUDIT_PG_DIR="/tmp/odoo-audit-test-$ODOO_AUDIT_PG_PORT-$$"
done
eval "$pg_env"

step "cargo fmt --all -- --check"
cargo fmt --all -- --check
step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings
step "cargo test --all-targets${*:+ $*}"
cargo test --all-targets "$@"
