#!/usr/bin/env bash
# Fetch a pinned OCA addon corpus used by the tests.
#
#   scripts/fetch-corpus.sh [18|19]     (default 18)
#
# 1. Downloads the wheels pinned in tests/fixtures/odoo<series>-oca-pins.txt
#    (`odoo-addon-<name>==<version>`) into <repo>/.cache/wheels, unless every
#    pinned wheel is already there.
# 2. Unpacks `odoo/addons/<name>/...` of each wheel into the corpus directory
#    (default <repo>/.cache/oca<series>/addons, override with ODOO_AUDIT_CORPUS
#    for 18 and ODOO_AUDIT_CORPUS19 for 19), rebuilt from scratch in a temp dir
#    and renamed into place whenever the pins or the wheels change; skipped
#    when the stamp says it is up to date.
#
# Prints one line: `corpus: 93 addons in .cache/oca18/addons`.
set -euo pipefail

die() { echo "fetch-corpus: error: $*" >&2; exit 1; }

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERIES="${1:-18}"
case "$SERIES" in
    18) CORPUS="${ODOO_AUDIT_CORPUS:-$REPO/.cache/oca18/addons}" ;;
    19) CORPUS="${ODOO_AUDIT_CORPUS19:-$REPO/.cache/oca19/addons}" ;;
    *) die "usage: scripts/fetch-corpus.sh [18|19]" ;;
esac
PINS="$REPO/tests/fixtures/odoo$SERIES-oca-pins.txt"
WHEELS="${ODOO_AUDIT_WHEELS:-$REPO/.cache/wheels}"
case "$CORPUS" in /*) ;; *) CORPUS="$PWD/$CORPUS" ;; esac
case "$WHEELS" in /*) ;; *) WHEELS="$PWD/$WHEELS" ;; esac
CORPUS="${CORPUS%/}"

[ -f "$PINS" ] || die "pins file not found: $PINS"
[ -n "$CORPUS" ] && [ "$CORPUS" != "/" ] || die "refusing to use '/' as the corpus directory"

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "need $* but apt-get is not available; install it by hand"
    [ "$(id -u)" = 0 ] || die "need $* (not installed) and not running as root; install it by hand"
    if [ "$APT_UPDATED" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
        APT_UPDATED=1
    fi
    echo "fetch-corpus: installing $* (apt)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
        || die "apt-get install $* failed"
}

# python3 (zipfile, hashing); pip only when something must be downloaded.
if ! command -v python3 >/dev/null 2>&1; then
    apt_install python3 python3-pip
    hash -r
fi
ensure_pip() {
    if ! python3 -m pip --version >/dev/null 2>&1; then
        apt_install python3-pip
        hash -r
        python3 -m pip --version >/dev/null 2>&1 \
            || die "python3 -m pip does not work even after installing python3-pip"
    fi
}

mkdir -p "$WHEELS" "$(dirname "$CORPUS")"

# Serialise concurrent runs on the same corpus.
LOCK="$(dirname "$CORPUS")/.$(basename "$CORPUS").lock"
{ exec 9>"$LOCK"; } 2>/dev/null || die "cannot open the lock file $LOCK"
flock -w 600 9 || die "timed out waiting for the lock on $CORPUS"

# The helper: `check` exits 0 when every pin has its wheel in the cache;
# `sync` (re)builds the corpus dir when needed and prints the summary line.
helper() {
    python3 - "$@" <<'PY'
import hashlib, os, re, shutil, sys, zipfile

mode, pins_path, wheels_dir, corpus, repo = sys.argv[1:6]

def fail(msg):
    print(f"fetch-corpus: error: {msg}", file=sys.stderr)
    sys.exit(1)

def canon(name):
    return re.sub(r"[-_.]+", "-", name).lower()

pins = []
with open(pins_path, encoding="utf-8") as fh:
    for n, line in enumerate(fh, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"(odoo-addon-[A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)", line)
        if not m:
            fail(f"{pins_path}:{n}: expected 'odoo-addon-<name>==<version>', got {line!r}")
        pins.append((m.group(1), m.group(2)))
if not pins:
    fail(f"no pins in {pins_path}")

wheels = {}  # (canonical dist, version) -> [file names]
for fn in os.listdir(wheels_dir):
    if fn.endswith(".whl") and fn.count("-") >= 4:
        dist, ver = fn.split("-")[:2]
        wheels.setdefault((canon(dist), ver), []).append(fn)

found, missing = [], []
for name, ver in pins:
    cands = sorted(wheels.get((canon(name), ver), []))
    if cands:
        found.append((name, ver, cands[0]))
    else:
        missing.append(f"{name}=={ver}")

if mode == "check":
    sys.exit(0 if not missing else 3)

if missing:
    fail(f"{len(missing)} pinned wheel(s) missing from {wheels_dir} after download: {', '.join(missing[:5])}"
         + (" ..." if len(missing) > 5 else ""))

# Up to date? The key covers the pins file and the exact wheels used.
h = hashlib.sha256()
with open(pins_path, "rb") as fh:
    h.update(fh.read())
for name, ver, fn in found:
    h.update(f"\0{fn}\0{os.path.getsize(os.path.join(wheels_dir, fn))}".encode())
key = h.hexdigest()

parent, base = os.path.split(corpus)
stamp = os.path.join(parent, f".{base}.stamp")
shown = os.path.relpath(corpus, repo) if (corpus + "/").startswith(repo.rstrip("/") + "/") else corpus

def count_addons(d):
    return sum(1 for e in os.scandir(d) if e.is_dir() and not e.name.startswith("."))

try:
    with open(stamp) as fh:
        old_key = fh.read().strip()
except OSError:
    old_key = None
if old_key == key and os.path.isdir(corpus) and count_addons(corpus) == len(pins):
    print(f"corpus: {len(pins)} addons in {shown} (cached)")
    sys.exit(0)

# Leftovers of an interrupted run.
for e in os.listdir(parent):
    if e.startswith(f".{base}.tmp-") or e.startswith(f".{base}.old-"):
        shutil.rmtree(os.path.join(parent, e), ignore_errors=True)

tmp = os.path.join(parent, f".{base}.tmp-{os.getpid()}")
os.makedirs(tmp)
notes = []
owner = {}
try:
    for name, ver, fn in found:
        expected = name[len("odoo-addon-"):].replace("-", "_")
        with zipfile.ZipFile(os.path.join(wheels_dir, fn)) as zf:
            members = [i for i in zf.infolist() if i.filename.startswith("odoo/addons/")]
            addons = sorted({i.filename.split("/")[2] for i in members
                             if len(i.filename.split("/")) > 3 and i.filename.split("/")[2]})
            if len(addons) != 1:
                notes.append(f"{fn}: contains {len(addons)} addons ({', '.join(addons) or 'none'}), expected exactly 1")
            elif addons[0] != expected:
                notes.append(f"{fn}: addon dir is '{addons[0]}', pin name gives '{expected}'")
            for a in addons:
                if a in owner:
                    fail(f"addon '{a}' is in both {owner[a]} and {fn}")
                owner[a] = fn
            for info in members:
                parts = info.filename.split("/")
                rel = parts[2:]
                if len(rel) < 2 or any(p in ("", ".", "..") for p in rel[:-1]) or rel[-1] in (".", ".."):
                    continue
                target = os.path.join(tmp, *rel)
                if info.is_dir():
                    os.makedirs(target, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    n = count_addons(tmp)
    if n != len(pins):
        fail(f"unpacked {n} addons from {len(found)} wheels but {pins_path} pins {len(pins)}"
             + ("".join(f"\n  {x}" for x in notes)))
    # Swap into place: rename the old dir away, rename the new one in.
    if os.path.lexists(corpus):
        old = os.path.join(parent, f".{base}.old-{os.getpid()}")
        os.rename(corpus, old)
        os.rename(tmp, corpus)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, corpus)
finally:
    if os.path.isdir(tmp):
        shutil.rmtree(tmp, ignore_errors=True)

with open(stamp + ".new", "w") as fh:
    fh.write(key + "\n")
os.replace(stamp + ".new", stamp)

for x in notes:
    print(f"fetch-corpus: note: {x}", file=sys.stderr)
print(f"corpus: {len(pins)} addons in {shown}")
PY
}

if ! helper check "$PINS" "$WHEELS" "$CORPUS" "$REPO"; then
    ensure_pip
    log="$(mktemp)"
    trap 'rm -f "$log"' EXIT
    if ! python3 -m pip download --disable-pip-version-check --no-input --progress-bar off -q \
            --no-deps --only-binary=:all: -d "$WHEELS" -r "$PINS" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "pip download of the pinned OCA wheels failed (is PyPI reachable?)"
    fi
fi

helper sync "$PINS" "$WHEELS" "$CORPUS" "$REPO"
