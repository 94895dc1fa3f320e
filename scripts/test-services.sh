#!/usr/bin/env bash
# The services a test run needs, each throwaway, on a free port, stopped when the run ends:
#
#   source scripts/test-services.sh
#   test_db_start      # Postgres 15: pg_cron preloaded, the Supabase roles, pgTAP, our migrations
#   test_redis_start   # redis-server, nothing kept on disk
#
# TEST_DATABASE_URL or REDIS_URL already set: that service is used as it is (roles and migrations are
# still applied to the database, both idempotent) and nothing is started or stopped. A Redis already
# running on this machine is not borrowed: tests write keys, and a run should not depend on what a
# machine happens to have running.

PG_MAJOR="${PG_MAJOR:-15}"
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
SLOTLINE_TEST_STOPS=()
trap test_services_stop EXIT

test_services_stop() {
  local stop
  for stop in "${SLOTLINE_TEST_STOPS[@]}"; do "$stop"; done
  SLOTLINE_TEST_STOPS=()
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A port free right now. Another process may take it before the server binds it: the callers retry
# on a bind failure with a new port.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# --- Postgres --------------------------------------------------------------------------------------

test_db_stop() {
  if [ -n "${SLOTLINE_TEST_PGDATA:-}" ] && [ -d "$SLOTLINE_TEST_PGDATA" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$SLOTLINE_TEST_PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$SLOTLINE_TEST_PGDATA"
  fi
}

test_db_start() {
  if [ -z "${TEST_DATABASE_URL:-}" ]; then
    SLOTLINE_TEST_PGDATA="$(mktemp -d /tmp/slotline-pg.XXXXXX)"
    export SLOTLINE_TEST_PGDATA
    SLOTLINE_TEST_STOPS+=(test_db_stop)
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$SLOTLINE_TEST_PGDATA"
    as_postgres "$PG_BIN/initdb" -D "$SLOTLINE_TEST_PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cp "$SLOTLINE_TEST_PGDATA/postgresql.conf" "$SLOTLINE_TEST_PGDATA/postgresql.conf.initdb"
    local port attempt
    for attempt in 1 2 3 4 5; do
      port="$(free_port)"
      cp "$SLOTLINE_TEST_PGDATA/postgresql.conf.initdb" "$SLOTLINE_TEST_PGDATA/postgresql.conf"
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
      if as_postgres "$PG_BIN/pg_ctl" -D "$SLOTLINE_TEST_PGDATA" -l "$SLOTLINE_TEST_PGDATA/server.log" -w -t 60 start >/dev/null; then
        break
      fi
      if [ "$attempt" -eq 5 ] || ! grep -q "could not bind" "$SLOTLINE_TEST_PGDATA/server.log"; then
        echo "test-services: Postgres did not start; its log:" >&2
        cat "$SLOTLINE_TEST_PGDATA/server.log" >&2
        return 1
      fi
    done
    export TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:${port}/postgres"
  fi
  psql "$TEST_DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -f supabase/bootstrap/supabase-roles.sql >/dev/null
  psql "$TEST_DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -c 'create extension if not exists pgtap' >/dev/null
  npx --no-install supabase migration up --yes --remote="$TEST_DATABASE_URL" >/dev/null 2>"${TMPDIR:-/tmp}/slotline-migrate.log" || {
    cat "${TMPDIR:-/tmp}/slotline-migrate.log" >&2
    return 1
  }
}

# --- Redis -----------------------------------------------------------------------------------------

test_redis_stop() {
  if [ -n "${SLOTLINE_TEST_REDIS_PORT:-}" ]; then
    redis-cli -h 127.0.0.1 -p "$SLOTLINE_TEST_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "${SLOTLINE_TEST_REDIS_DIR:-}"
  fi
}

test_redis_start() {
  [ -n "${REDIS_URL:-}" ] && return 0
  SLOTLINE_TEST_REDIS_DIR="$(mktemp -d /tmp/slotline-redis.XXXXXX)"
  SLOTLINE_TEST_STOPS+=(test_redis_stop)
  local port attempt
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --dir "$SLOTLINE_TEST_REDIS_DIR" --logfile "$SLOTLINE_TEST_REDIS_DIR/redis.log" \
      --pidfile "$SLOTLINE_TEST_REDIS_DIR/redis.pid" >/dev/null
    SLOTLINE_TEST_REDIS_PORT="$port"
    # Daemonized: wait (at most 10 s) until it answers or its log says why not.
    for _ in $(seq 1 100); do
      redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break 2
      grep -q "Address already in use" "$SLOTLINE_TEST_REDIS_DIR/redis.log" 2>/dev/null && break
      sleep 0.1
    done
    if [ "$attempt" -eq 5 ] || ! grep -q "Address already in use" "$SLOTLINE_TEST_REDIS_DIR/redis.log" 2>/dev/null; then
      echo "test-services: redis-server did not answer on port $port within 10 s; its log:" >&2
      cat "$SLOTLINE_TEST_REDIS_DIR/redis.log" >&2 2>/dev/null || true
      return 1
    fi
    : >"$SLOTLINE_TEST_REDIS_DIR/redis.log"
  done
  export SLOTLINE_TEST_REDIS_PORT
  export REDIS_URL="redis://127.0.0.1:${port}"
}
