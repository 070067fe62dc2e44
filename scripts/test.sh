#!/usr/bin/env bash
# The project's one test command (README; .ci/run calls it):
#
#   scripts/test.sh [extra args for cargo test]
#
# Fetches the OCA addon corpus, starts a throwaway PostgreSQL with the Odoo 18
# fixture (stopped again on exit; set ODOO_AUDIT_PG_KEEP=1 to keep it running),
# then runs cargo fmt --check, clippy -D warnings and cargo test, stopping at the
# first failure.
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
bash scripts/fetch-corpus.sh

cleanup() {
    if [ "${ODOO_AUDIT_PG_KEEP:-0}" != 1 ]; then
        bash "$REPO/scripts/pg-test.sh" stop || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
pg_env="$(bash scripts/pg-test.sh start)"
eval "$pg_env"

step "cargo fmt --all -- --check"
cargo fmt --all -- --check
step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings
step "cargo test --all-targets${*:+ $*}"
cargo test --all-targets "$@"
