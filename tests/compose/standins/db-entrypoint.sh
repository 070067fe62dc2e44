#!/bin/bash
# The db service: a real PostgreSQL 15 (Debian's package). On the first start of its volume
# it makes the cluster, the role $PGUSER (password $POSTGRES_PASSWORD) and the database
# $PGDATABASE restored from /seed/odoo18.dump; then PostgreSQL runs in the foreground. Until
# then it listens on no TCP port, so the healthcheck (pg_isready on 127.0.0.1) fails.
set -euo pipefail
: "${PGDATA:?}" "${PGUSER:?}" "${PGDATABASE:?}" "${POSTGRES_PASSWORD:?}"
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
# A first start that did not finish (its marker is written last) is started again from scratch.
if [ ! -f "$PGDATA/restored" ]; then
    find "$PGDATA" -mindepth 1 -delete
    pwfile="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    chown postgres "$pwfile"
    as_pg initdb -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --pwfile="$pwfile" >/dev/null
    rm -f "$pwfile"
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    echo "host all all 0.0.0.0/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
    as_pg pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    export PGUSER_APP="$PGUSER"
    env -u PGUSER -u PGDATABASE psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres \
        -v user="$PGUSER_APP" -v pw="$POSTGRES_PASSWORD" -v db="$PGDATABASE" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"user";
SQL
    env -u PGUSER -u PGDATABASE pg_restore -U postgres --no-owner --role="$PGUSER_APP" \
        -d "$PGDATABASE" /seed/odoo18.dump
    as_pg pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    touch "$PGDATA/restored"
    echo "db-entrypoint: $PGDATABASE restored from /seed/odoo18.dump"
fi
exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA"
