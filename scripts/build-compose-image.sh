#!/usr/bin/env bash
# Builds the Debian image of the compose tests (tests/integration/compose_engine.rs,
# tests/compose/) without any registry: a minimal Debian 12 root made with debootstrap from
# Debian's own packages (the mirror of this machine's apt sources), holding PostgreSQL 15 and
# Python 3 with the libraries Odoo itself needs (psycopg2, lxml, requests, werkzeug: what
# deploy-check's check 7 looks for), imported with `docker import`. The image is tagged by the
# hash of this script (its package list and steps are the build's only inputs) and built only
# when that tag is absent.
#
#   scripts/build-compose-image.sh      # prints the image's tag on stdout
#
# Needs root (debootstrap) and a running Docker engine. Takes two to four minutes.
set -euo pipefail

die() { echo "build-compose-image: error: $*" >&2; exit 1; }

SUITE=bookworm
PACKAGES=postgresql-15,python3,python3-psycopg2,python3-lxml,python3-requests,python3-werkzeug

HASH="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
TAG="odoo-audit-test-debian:$HASH"

if docker image inspect "$TAG" >/dev/null 2>&1; then
    echo "$TAG"
    exit 0
fi

[ "$(id -u)" = 0 ] || die "the image $TAG is missing and building it needs root (debootstrap)"
if ! command -v debootstrap >/dev/null 2>&1; then
    echo "build-compose-image: installing debootstrap (apt)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; } \
        || die "apt-get install debootstrap failed"
fi

# The Debian mirror apt uses here: the first URI of a deb822 .sources file, else the first
# `deb` line of sources.list; Debian's own address when neither names one.
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    mirror="$(awk '/^URIs:/ { print $2; exit }' "$f")"
    case "$mirror" in *security*) mirror="" ;; esac
    [ -n "$mirror" ] && break
done
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror="$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

root="$(mktemp -d /tmp/odoo-audit-image.XXXXXX)"
# debootstrap mounts /proc and /sys in the new root while it installs: unmounted before the
# root is removed, and the removal stays on this file system.
cleanup() {
    umount -R "$root/rootfs/proc" "$root/rootfs/sys" 2>/dev/null || true
    rm -rf --one-file-system -- "$root"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
started=$SECONDS
echo "build-compose-image: debootstrap $SUITE ($PACKAGES) from $mirror" >&2
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root/rootfs" "$mirror" \
    >"$root/debootstrap.log" 2>&1 \
    || { tail -20 "$root/debootstrap.log" >&2; die "debootstrap failed"; }
# What a container never needs: package caches and lists, documentation, translations.
rm -rf "$root"/rootfs/var/cache/apt/* "$root"/rootfs/var/lib/apt/lists/* \
    "$root"/rootfs/usr/share/doc/* "$root"/rootfs/usr/share/man/* "$root"/rootfs/usr/share/info/* \
    "$root"/rootfs/var/log/*.log
find "$root/rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
# PostgreSQL's JIT (llvmjit and the LLVM library, a quarter of the image): without its provider
# PostgreSQL runs every query without JIT.
rm -rf "$root"/rootfs/usr/lib/postgresql/15/lib/llvmjit* "$root"/rootfs/usr/lib/postgresql/15/lib/bitcode \
    "$root"/rootfs/usr/lib/x86_64-linux-gnu/libLLVM-*
# The cluster the package made at install time is not used: the tests' db service makes its own.
rm -rf "$root"/rootfs/var/lib/postgresql/15/main "$root"/rootfs/etc/postgresql/15/main
tar -C "$root/rootfs" --numeric-owner -c . \
    | docker import \
        --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["/bin/bash"]' \
        - "$TAG" >/dev/null \
    || die "docker import failed"
echo "build-compose-image: built $TAG in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "$TAG" | awk '{ printf "%d MB", $1 / 1000000 }'))" >&2
echo "$TAG"
