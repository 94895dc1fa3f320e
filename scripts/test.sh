#!/usr/bin/env bash
# `npm test`: everything, against real services. Every layer runs and reports even when an earlier
# one failed; the run fails at the end if any did.
#   1. system packages (pgTAP, pg_cron, pg_prove, redis-server), installed once (scripts/provision.sh)
#   2. a throwaway Postgres 15 with the Supabase roles and our migrations, and a throwaway Redis
#      (unless TEST_DATABASE_URL / REDIS_URL name ones to use)
#   3. types: tsc over everything Node runs (shared, server, test, bench, scripts)
#   4. vitest: unit, property and integration tests (arguments go to vitest: `npm test -- test/vapi`)
#   5. pgTAP: supabase/tests/database through pg_prove
#   6. Deno: type check of every Edge Function with its import map, and the edge-runtime tests under
#      test/deno (Deno from the npm package, always through scripts/deno.sh: project-local cache, the
#      system's CA store; the served-function smoke test runs in vitest, test/edge)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision.sh
# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
test_db_start
test_redis_start

results=()
failed=0
layer() {
  local name="$1"
  shift
  echo
  echo "== $name"
  local started=$SECONDS
  if "$@"; then
    results+=("$(printf '%-12s passed  (%ss)' "$name" $((SECONDS - started)))")
  else
    results+=("$(printf '%-12s FAILED  (%ss)' "$name" $((SECONDS - started)))")
    failed=$((failed + 1))
  fi
}

layer "types" npx --no-install tsc --noEmit -p tsconfig.json
layer "vitest" npx --no-install vitest run "$@"
layer "pgTAP" pg_prove --ext .sql --recurse -q --dbname "$TEST_DATABASE_URL" supabase/tests/database
layer "deno check" bash scripts/deno.sh check --quiet --config supabase/functions/deno.json supabase/functions/*/index.ts
layer "deno test" bash scripts/deno.sh test --quiet --allow-net --allow-read --allow-env --allow-run test/deno/

echo
echo "== summary"
printf '%s\n' "${results[@]}"
echo "layers: $((${#results[@]} - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
