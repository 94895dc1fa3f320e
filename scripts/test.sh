#!/usr/bin/env bash
# `npm test`: everything, against real services.
#   1. system packages (pgTAP, pg_cron, pg_prove), installed once
#   2. a throwaway Postgres 15 with the Supabase roles and our migrations (unless TEST_DATABASE_URL)
#   3. vitest: unit, property and integration tests
#   4. pgTAP: supabase/tests/database through pg_prove
#   5. Deno: type check of every Edge Function with its import map, and the edge-runtime tests under
#      test/deno (Deno from the npm package; the served-function smoke test runs in vitest, test/edge)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision.sh
# shellcheck source=scripts/test-db.sh
source scripts/test-db.sh
test_db_start

echo "== vitest"
npx --no-install vitest run "$@"

echo "== pgTAP"
pg_prove --ext .sql --recurse -q --dbname "$TEST_DATABASE_URL" supabase/tests/database

echo "== Deno"
npx --no-install deno check --quiet --config supabase/functions/deno.json supabase/functions/*/index.ts
npx --no-install deno test --quiet --allow-net --allow-read --allow-env --allow-run test/deno/
