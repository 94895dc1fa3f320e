#!/usr/bin/env bash
# `npm run bench`: every benchmark under bench/, against a throwaway Postgres (or BENCH_DATABASE_URL).
# `npm run bench -- vapi-latency vapi-race`: only those. Redis: a throwaway one, or REDIS_URL; the
# with-Redis scenarios are skipped when it does not answer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh
# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
TEST_DATABASE_URL="${BENCH_DATABASE_URL:-${TEST_DATABASE_URL:-}}"
test_db_start
test_redis_start
export BENCH_DATABASE_URL="$TEST_DATABASE_URL"
benches=()
if [ $# -gt 0 ]; then
  for name in "$@"; do benches+=("bench/${name%.ts}.ts"); done
else
  benches=(bench/*.ts)
fi
for bench in "${benches[@]}"; do
  echo "== $bench (load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown))"
  started=$SECONDS
  npx --no-install tsx "$bench"
  echo "== $bench took $((SECONDS - started)) s"
done
