#!/usr/bin/env bash
# Deno as this project runs it, everywhere: `npm test`, the tests that spawn Deno, and by hand
# (`bash scripts/deno.sh check ...`). One place for the settings a fresh machine needs:
#
# - DENO_DIR: a cache inside the checkout (git-ignored), so a clean clone, as CI uses, starts with an
#   empty cache and every run on a new machine downloads through the real path. A warm cache in
#   $HOME once hid a download that failed everywhere else.
# - DENO_TLS_CA_STORE: Deno trusts only its own bundled roots unless told otherwise. Behind a
#   TLS-inspecting proxy (many companies; our CI machines) the npm registry's certificate is signed by
#   a CA that only the system store knows, so every download fails with "invalid peer certificate:
#   UnknownIssuer". "system,mozilla" trusts both, which works with and without such a proxy.
#   DENO_CERT, HTTPS_PROXY, NO_PROXY and the rest pass through untouched.
#
# Each default yields to a value already in the environment.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DENO_DIR="${DENO_DIR:-$repo/.deno}"
export DENO_TLS_CA_STORE="${DENO_TLS_CA_STORE:-system,mozilla}"
export DENO_NO_UPDATE_CHECK=1
deno="$repo/node_modules/.bin/deno"
[ -x "$deno" ] || { echo "deno: $deno is missing; run 'npm install' first (Deno comes from the npm package 'deno')." >&2; exit 127; }
exec "$deno" "$@"
