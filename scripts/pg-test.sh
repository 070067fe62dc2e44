#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests, on loopback only.
#
#   scripts/pg-test.sh start    initdb + start + restore tests/fixtures/odoo18-community.dump
#                               and odoo19-community.dump into databases odoo18 and odoo19
#                               (templates), copy them to odoo18_tests and odoo19_tests
#                               (templates nobody can connect to), create not_odoo; prints the
#                               env (as `env`); when already running, only prints the env
#   scripts/pg-test.sh env      prints `export ODOO_AUDIT_TEST_PG...=` lines (also in <dir>/env)
#   scripts/pg-test.sh status   exit 0 when running and set up
#   scripts/pg-test.sh stop     stop the server and remove its directory
#
# Environment: ODOO_AUDIT_PG_PORT (default 54329),
#              ODOO_AUDIT_PG_DIR (default /tmp/odoo-audit-pg-<port>),
#              ODOO_AUDIT_PG_SAMPLE=1 marks the server as the sample of scripts/setup.sh
#              (scripts/test.sh never uses or stops it).
# Roles: postgres (superuser), odoo (LOGIN CREATEDB, not superuser); both passwords are
# random, kept in <dir>/superuser.pass and <dir>/odoo.pass; auth is scram-sha-256. certuser
# (member of odoo, no password) logs in with the client certificate <dir>/client.crt and its
# PKCS#8 key <dir>/client.key (signed by the test CA <dir>/ca.crt), over TLS only. The server
# also listens on a unix socket in <dir>/data (ODOO_AUDIT_TEST_PG_SOCKET).
# Tests copy the fixtures with `CREATE DATABASE x TEMPLATE odoo18_tests` (or odoo19_tests):
# connections to those templates are not allowed, so a copy never fails because someone is connected to it (a
# session on odoo18, the sample users try commands on, would make CREATE DATABASE fail).
set -euo pipefail

die() { echo "pg-test: error: $*" >&2; exit 1; }
say() { echo "pg-test: $*" >&2; }

# Ignore the caller's libpq settings: every connection below is explicit.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^PG' || true)

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DUMP="$REPO/tests/fixtures/odoo18-community.dump"
DUMP19="$REPO/tests/fixtures/odoo19-community.dump"
HOST=127.0.0.1
PORT="${ODOO_AUDIT_PG_PORT:-54329}"
[[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1024 ] && [ "$PORT" -le 65535 ] \
    || die "ODOO_AUDIT_PG_PORT must be a port number in 1024..65535, got '$PORT'"
DIR="${ODOO_AUDIT_PG_DIR:-/tmp/odoo-audit-pg-$PORT}"
DIR="${DIR%/}"
[[ "$DIR" =~ ^/[A-Za-z0-9._/-]+$ ]] \
    || die "ODOO_AUDIT_PG_DIR must be an absolute path of [A-Za-z0-9._/-], got '$DIR'"
case "$DIR" in /|/tmp|/root|/home|/usr|/var|/etc|/work) die "refusing to use '$DIR' as the server directory" ;; esac
DATA="$DIR/data"
TEST_TEMPLATE=odoo18_tests
TEST_TEMPLATE19=odoo19_tests
LOG="$DIR/server.log"
MARK="$DIR/.odoo-audit-pg"
READY="$DIR/ready"
ENVFILE="$DIR/env"
[ $(( ${#DATA} + 11 + ${#PORT} )) -le 107 ] \
    || die "ODOO_AUDIT_PG_DIR is too long for a unix socket path: $DIR"

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "need $* but apt-get is not available; install it by hand"
    [ "$(id -u)" = 0 ] || die "need $* (not installed) and not running as root; install it by hand"
    if [ "$APT_UPDATED" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
        APT_UPDATED=1
    fi
    say "installing $* (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
        || die "apt-get install $* failed"
}

# Newest /usr/lib/postgresql/<ver>/bin that has the server and the client tools.
find_pg_bin() {
    local d
    PGBIN=""
    while read -r d; do
        if [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] \
            && [ -x "$d/psql" ] && [ -x "$d/pg_restore" ] && [ -x "$d/pg_isready" ]; then
            PGBIN="$d"
            return 0
        fi
    done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -V -r)
    return 1
}
ensure_pg() {
    if ! find_pg_bin; then
        apt_install postgresql
        find_pg_bin || die "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin after installing postgresql"
    fi
}

# PostgreSQL refuses to run as root: run the server-side tools as `postgres`.
if [ "$(id -u)" = 0 ]; then
    command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) not found"
fi
ensure_os_user() {
    [ "$(id -u)" = 0 ] || return 0
    if ! id -u postgres >/dev/null 2>&1; then
        say "creating system user postgres"
        if getent group postgres >/dev/null; then
            useradd --system -g postgres --home-dir /var/lib/postgresql --no-create-home \
                --shell /usr/sbin/nologin postgres || die "could not create system user postgres"
        else
            useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
                --shell /usr/sbin/nologin postgres || die "could not create system user postgres"
        fi
    fi
}
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { local d=$(( $2 - $1 )); printf '%d.%d' $(( d / 1000 )) $(( (d % 1000) / 100 )); }

# Random alphanumeric secret (no quoting issues in conninfo strings).
gen_pass() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | cut -c1-32; }

psql_su() {
    PGPASSWORD="$(cat "$DIR/superuser.pass")" PGCONNECT_TIMEOUT=10 \
        "$PGBIN/psql" -h "$HOST" -p "$PORT" -U postgres -d postgres -X -q -v ON_ERROR_STOP=1 "$@"
}

server_running() {
    [ -f "$DATA/PG_VERSION" ] && [ -f "$DATA/postmaster.pid" ] \
        && as_pg "$PGBIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}
port_answers() { "$PGBIN/pg_isready" -q -h "$HOST" -p "$PORT" -t 2 >/dev/null 2>&1; }
is_up() { server_running && [ -f "$READY" ] && port_answers; }

print_env() {
    [ -f "$ENVFILE" ] || die "no env file at $ENVFILE (run scripts/pg-test.sh start)"
    cat "$ENVFILE"
}

write_env() {
    local su odoo tmp
    su="$(cat "$DIR/superuser.pass")"
    odoo="$(cat "$DIR/odoo.pass")"
    tmp="$ENVFILE.new"
    (
        umask 077
        cat >"$tmp" <<EOF
export ODOO_AUDIT_TEST_PG="host=$HOST port=$PORT user=postgres password=$su"
export ODOO_AUDIT_TEST_PG_ODOO="host=$HOST port=$PORT user=odoo password=$odoo"
export ODOO_AUDIT_TEST_PG_HOST="$HOST"
export ODOO_AUDIT_TEST_PG_PORT="$PORT"
export ODOO_AUDIT_TEST_PG_ENV="$ENVFILE"
export ODOO_AUDIT_TEST_PG_CA="$DIR/ca.crt"
export ODOO_AUDIT_TEST_PG_TEMPLATE="$TEST_TEMPLATE"
export ODOO_AUDIT_TEST_PG_TEMPLATE19="$TEST_TEMPLATE19"
export ODOO_AUDIT_TEST_PG_SOCKET="$DATA"
export ODOO_AUDIT_TEST_PG_CERTUSER=certuser
export ODOO_AUDIT_TEST_PG_CLIENT_CERT="$DIR/client.crt"
export ODOO_AUDIT_TEST_PG_CLIENT_KEY="$DIR/client.key"
EOF
    )
    mv -f "$tmp" "$ENVFILE"
}

# Remove the server directory, but only one this script made.
remove_dir() {
    [ -e "$DIR" ] || return 0
    if [ -f "$MARK" ] || [ -z "$(ls -A "$DIR" 2>/dev/null)" ]; then
        rm -rf -- "$DIR"
    else
        die "$DIR exists and was not made by pg-test.sh; remove it or set ODOO_AUDIT_PG_DIR"
    fi
}

stop_server() {
    if server_running; then
        if ! as_pg "$PGBIN/pg_ctl" -D "$DATA" stop -m fast -w -t 30 -s >/dev/null 2>&1; then
            say "fast shutdown timed out, using immediate"
            as_pg "$PGBIN/pg_ctl" -D "$DATA" stop -m immediate -w -t 30 -s >/dev/null 2>&1 \
                || die "could not stop the server in $DATA"
        fi
    fi
}

log_tail() {
    if [ -f "$LOG" ]; then
        echo "---- last lines of $LOG ----" >&2
        tail -n 25 "$LOG" >&2
        echo "----" >&2
    fi
}

# A client certificate for the role certuser (PKCS#8 key), signed by the test CA; the CA is
# the server's root for client certificates.
make_client_cert() {
    (
        umask 077
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$DIR/client.key" &&
        openssl req -new -key "$DIR/client.key" -subj "/CN=certuser" -out "$DIR/client.csr" &&
        printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' >"$DIR/client.ext" &&
        openssl x509 -req -in "$DIR/client.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" \
            -CAcreateserial -days 3 -extfile "$DIR/client.ext" -out "$DIR/client.crt" &&
        cp "$DIR/ca.crt" "$DATA/root.crt"
    ) >/dev/null 2>&1 || die "openssl could not make the client certificate"
    chmod 0644 "$DIR/client.crt" "$DATA/root.crt"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$DATA/root.crt"
    fi
}

# pg_hba.conf, and the server's root for client certificates.
write_client_auth() {
    printf "ssl_ca_file = 'root.crt'\n" >>"$DATA/postgresql.conf"
    cat >"$DATA/pg_hba.conf" <<EOF
# pg-test.sh: password (scram-sha-256) logins over the socket and 127.0.0.1 only; certuser
# logs in with a client certificate (over TLS on 127.0.0.1) and nothing else.
local   all   certuser                 reject
hostssl all   certuser  127.0.0.1/32   cert
host    all   certuser  127.0.0.1/32   reject
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
EOF
}

create_certuser() {
    local have
    have="$(psql_su -At -c "select 1 from pg_roles where rolname = 'certuser'")" \
        || die "cannot query the server"
    [ "$have" = 1 ] && return 0
    psql_su -c "CREATE ROLE certuser LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION IN ROLE odoo" \
        >/dev/null || die "could not create the certuser role"
}

# A template the tests copy (`ensure_test_template SOURCE COPY`); made from SOURCE (retried
# while a session is connected to it), then closed to connections.
ensure_test_template() {
    local src="$1" dst="$2" have i
    have="$(psql_su -At -c "select 1 from pg_database where datname = '$dst'")" \
        || die "cannot query the server"
    [ "$have" = 1 ] && return 0
    for i in $(seq 1 50); do
        if psql_su -c "CREATE DATABASE $dst TEMPLATE $src OWNER odoo" 2>/dev/null; then
            psql_su -c "ALTER DATABASE $dst WITH IS_TEMPLATE true ALLOW_CONNECTIONS false" \
                || die "could not close $dst to connections"
            return 0
        fi
        sleep 0.2
    done
    die "could not copy $src to $dst (is someone connected to $src?)"
}

# Restores `dump` into a new database `name` owned by odoo, marks it a template (tests copy it
# with CREATE DATABASE x TEMPLATE name; no one may be connected to it then, and it can't be
# dropped by accident) and prints its count of installed modules.
restore_fixture() {
    local dump="$1" name="$2" rlog="$DIR/pg_restore-$2.log" n
    psql_su -c "CREATE DATABASE $name OWNER odoo TEMPLATE template0 ENCODING 'UTF8'" >/dev/null \
        || die "could not create $name"
    if ! PGPASSWORD="$(cat "$DIR/superuser.pass")" "$PGBIN/pg_restore" -h "$HOST" -p "$PORT" \
            -U postgres -d "$name" --no-owner --role=odoo --exit-on-error -j 2 "$dump" >"$rlog" 2>&1; then
        tail -n 20 "$rlog" >&2
        die "pg_restore of $dump into $name failed (log: $rlog)"
    fi
    if [ -s "$rlog" ]; then
        say "pg_restore printed:"
        head -n 20 "$rlog" >&2
    fi
    psql_su -c "ALTER DATABASE $name WITH IS_TEMPLATE true" >/dev/null \
        || die "could not mark $name as a template"
    n="$(PGPASSWORD="$(cat "$DIR/superuser.pass")" "$PGBIN/psql" -h "$HOST" -p "$PORT" -U postgres \
        -d "$name" -X -At -c "select count(*) from ir_module_module where state='installed'")" \
        || die "restored $name cannot be queried"
    [ "$n" -gt 0 ] || die "restored $name has no installed modules"
    echo "$n"
}

cmd_start() {
    [ -f "$DUMP" ] || die "fixture not found: $DUMP"
    [ -f "$DUMP19" ] || die "fixture not found: $DUMP19"
    if server_running; then
        if [ -f "$READY" ] && port_answers; then
            # A server set up by an older version of this script lacks the test template.
            if ! grep -q ODOO_AUDIT_TEST_PG_TEMPLATE19 "$ENVFILE" 2>/dev/null; then
                ensure_test_template odoo18 "$TEST_TEMPLATE"
                local have19
                have19="$(psql_su -At -c "select 1 from pg_database where datname = 'odoo19'")" \
                    || die "cannot query the server"
                [ "$have19" = 1 ] || restore_fixture "$DUMP19" odoo19 >/dev/null
                ensure_test_template odoo19 "$TEST_TEMPLATE19"
                write_env
            fi
            # A server set up by an older version of this script has no client certificate.
            if ! grep -q ODOO_AUDIT_TEST_PG_CLIENT_CERT "$ENVFILE" 2>/dev/null; then
                make_client_cert
                write_client_auth
                as_pg "$PGBIN/pg_ctl" -D "$DATA" reload -s >/dev/null 2>&1 \
                    || die "could not reload the server's configuration"
                create_certuser
                write_env
            fi
            [ "${ODOO_AUDIT_PG_SAMPLE:-0}" != 1 ] || : >"$DIR/sample"
            print_env
            return 0
        fi
        say "server in $DIR is not fully set up; recreating it"
        stop_server
    fi
    remove_dir
    if port_answers || (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
        die "port $HOST:$PORT is already in use by another program; stop it or set ODOO_AUDIT_PG_PORT"
    fi
    ensure_os_user

    local t0 t1 t2
    t0=$(now_ms)
    mkdir -p "$DIR"
    chmod 0755 "$DIR"
    : >"$MARK"
    (umask 077; gen_pass >"$DIR/superuser.pass"; gen_pass >"$DIR/odoo.pass")
    [ "$(wc -c <"$DIR/superuser.pass")" -ge 20 ] || die "could not generate a password"
    mkdir -m 0700 "$DATA"
    : >"$LOG"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$DATA" "$LOG" "$DIR/superuser.pass"
        as_pg test -w "$DATA" || die "user postgres cannot write to $DATA (check the permissions of its parents)"
    fi

    local out
    if ! out="$(as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --pwfile="$DIR/superuser.pass" \
            --auth=scram-sha-256 --encoding=UTF8 --locale=C --no-sync --no-instructions 2>&1)"; then
        echo "$out" | tail -n 20 >&2
        die "initdb failed in $DATA"
    fi

    # TLS with a throwaway CA. The server certificate names 127.0.0.1 only (not localhost), so
    # tests can tell sslmode=verify-ca (chain only) from verify-full (chain and host name).
    command -v openssl >/dev/null 2>&1 || apt_install openssl
    (
        umask 077
        openssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj "/CN=odoo-audit test CA" \
            -keyout "$DIR/ca.key" -out "$DIR/ca.crt" &&
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
            -keyout "$DATA/server.key" -out "$DIR/server.csr" &&
        printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$DIR/server.ext" &&
        openssl x509 -req -in "$DIR/server.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" \
            -CAcreateserial -days 3 -extfile "$DIR/server.ext" -out "$DATA/server.crt"
    ) >/dev/null 2>&1 || die "openssl could not make the test certificates"
    chmod 0644 "$DIR/ca.crt"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$DATA/server.key" "$DATA/server.crt"
    fi
    make_client_cert

    # Loopback only; speed over durability (the cluster is thrown away).
    cat >>"$DATA/postgresql.conf" <<EOF

# ---- pg-test.sh ----
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$DATA'
password_encryption = scram-sha-256
fsync = off
full_page_writes = off
synchronous_commit = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 1GB
max_connections = 100
logging_collector = off
log_min_messages = warning
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
EOF
    write_client_auth

    # The server must not inherit our lock or any caller's pipe: close every fd above 2.
    (
        for fd in /proc/"$BASHPID"/fd/*; do
            fd="${fd##*/}"
            if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$LOG" -W -s start </dev/null >/dev/null 2>&1
    ) || { log_tail; die "pg_ctl start failed"; }
    local deadline=$((SECONDS + 30))
    until "$PGBIN/pg_isready" -q -h "$HOST" -p "$PORT" -t 1 >/dev/null 2>&1; do
        if grep -q -E '(FATAL|PANIC):' "$LOG" 2>/dev/null; then
            log_tail
            stop_server || true
            die "server failed to start on $HOST:$PORT"
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            log_tail
            stop_server || true
            die "server did not answer on $HOST:$PORT within 30 s"
        fi
        sleep 0.3
    done
    t1=$(now_ms)

    local odoo_pass
    odoo_pass="$(cat "$DIR/odoo.pass")"
    psql_su <<EOF || { log_tail; die "could not create the odoo role and databases"; }
CREATE ROLE odoo LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION PASSWORD '$odoo_pass';
CREATE DATABASE not_odoo OWNER odoo;
EOF
    create_certuser

    local n n19
    n="$(restore_fixture "$DUMP" odoo18)"
    n19="$(restore_fixture "$DUMP19" odoo19)"
    t2=$(now_ms)
    ensure_test_template odoo18 "$TEST_TEMPLATE"
    ensure_test_template odoo19 "$TEST_TEMPLATE19"

    write_env
    [ "${ODOO_AUDIT_PG_SAMPLE:-0}" != 1 ] || : >"$DIR/sample"
    : >"$READY"
    say "$("$PGBIN/postgres" --version | sed 's/^postgres (PostgreSQL) /PostgreSQL /') on $HOST:$PORT ($DIR):" \
        "initdb+start $(secs "$t0" "$t1")s, restore $(secs "$t1" "$t2")s, odoo18 has $n and odoo19 $n19 installed modules"
    print_env
}

cmd_env() {
    is_up || die "not running on $HOST:$PORT (run scripts/pg-test.sh start)"
    print_env
}

cmd_status() {
    if is_up; then
        say "running on $HOST:$PORT ($DIR)"
        return 0
    elif server_running; then
        say "running on $HOST:$PORT ($DIR) but not set up (run scripts/pg-test.sh start)"
        return 1
    fi
    say "not running on $HOST:$PORT"
    return 1
}

cmd_stop() {
    if [ ! -e "$DIR" ]; then
        say "not running on $HOST:$PORT"
        return 0
    fi
    stop_server
    remove_dir
    say "stopped, removed $DIR"
}

case "${1:-}" in
    start|stop|status|env) ;;
    *) echo "usage: scripts/pg-test.sh start|stop|status|env" >&2; exit 2 ;;
esac

ensure_pg
# One invocation at a time per server directory.
{ exec 9>"$DIR.lock"; } 2>/dev/null || die "cannot open the lock file $DIR.lock"
flock -w 300 9 || die "timed out waiting for the lock $DIR.lock"

case "$1" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
esac
