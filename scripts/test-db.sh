#!/usr/bin/env bash
# A throwaway Postgres for the test run: its own data directory and port, pg_cron preloaded, the
# Supabase roles, pgTAP, and our migrations applied by the real Supabase CLI.
#
#   source scripts/test-db.sh && test_db_start   # exports TEST_DATABASE_URL, arranges the stop
#
# When TEST_DATABASE_URL is already set, that database is used as it is (roles and migrations are still
# applied, both idempotent) and nothing is started or stopped.

PG_MAJOR="${PG_MAJOR:-15}"
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

test_db_stop() {
  if [ -n "${SLOTLINE_TEST_PGDATA:-}" ] && [ -d "$SLOTLINE_TEST_PGDATA" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$SLOTLINE_TEST_PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$SLOTLINE_TEST_PGDATA"
  fi
}

test_db_start() {
  if [ -z "${TEST_DATABASE_URL:-}" ]; then
    local port
    port="$(free_port)"
    SLOTLINE_TEST_PGDATA="$(mktemp -d /tmp/slotline-pg.XXXXXX)"
    export SLOTLINE_TEST_PGDATA
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$SLOTLINE_TEST_PGDATA"
    trap test_db_stop EXIT
    as_postgres "$PG_BIN/initdb" -D "$SLOTLINE_TEST_PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$SLOTLINE_TEST_PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$SLOTLINE_TEST_PGDATA'
max_connections = 400
shared_buffers = 256MB
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
CONF
    as_postgres "$PG_BIN/pg_ctl" -D "$SLOTLINE_TEST_PGDATA" -l "$SLOTLINE_TEST_PGDATA/server.log" -w -t 60 start >/dev/null
    export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:${port}/postgres"
  fi
  psql "$TEST_DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -f supabase/bootstrap/supabase-roles.sql >/dev/null
  psql "$TEST_DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -c 'create extension if not exists pgtap' >/dev/null
  npx --no-install supabase migration up --yes --remote="$TEST_DATABASE_URL" >/dev/null 2>"${TMPDIR:-/tmp}/slotline-migrate.log" || {
    cat "${TMPDIR:-/tmp}/slotline-migrate.log" >&2
    return 1
  }
}
