#!/usr/bin/env bash
# `npm run bench`: every benchmark under bench/, against a throwaway Postgres (or BENCH_DATABASE_URL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
# shellcheck source=scripts/test-db.sh
source scripts/test-db.sh
TEST_DATABASE_URL="${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:-}}"
test_db_start
export BENCH_DATABASE_URL="$TEST_DATABASE_URL"
for bench in bench/*.ts; do
  echo "== $bench"
  npx --no-install tsx "$bench"
done
