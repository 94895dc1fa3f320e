#!/usr/bin/env bash
# Installs the system packages the test suite needs, once, from Debian's (or Ubuntu's) archive:
#   postgresql-15, postgresql-15-pgtap, postgresql-15-cron   the throwaway test database and its extensions
#   libtap-parser-sourcehandler-pgtap-perl                   pg_prove, which runs the pgTAP files
#   redis-server                                             the throwaway Redis (skipped when REDIS_URL is set)
# Idempotent and quiet when everything is already there. As root it runs apt-get itself; otherwise
# through sudo when there is one; elsewhere it prints what to install and stops.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
packages=("postgresql-${PG_MAJOR}" "postgresql-${PG_MAJOR}-pgtap" "postgresql-${PG_MAJOR}-cron" "libtap-parser-sourcehandler-pgtap-perl")
[ -n "${REDIS_URL:-}" ] || packages+=("redis-server")

missing=()
if command -v dpkg >/dev/null 2>&1; then
  for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<MSG
provision: this is not a Debian or Ubuntu machine (no apt-get), so the test suite cannot install what it
needs by itself. Install these yourself (names as in Debian; Homebrew and others have equivalents):
  PostgreSQL ${PG_MAJOR} with the pgTAP and pg_cron extensions, pg_prove (Perl TAP::Parser::SourceHandler::pgTAP), redis-server
or point the suite at services you already run:
  TEST_DATABASE_URL=postgresql://...  (Postgres ${PG_MAJOR} with pgTAP and pg_cron; the migrations are applied for you)
  REDIS_URL=redis://...               (any Redis the tests may write keys to)
MSG
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  # sudo may ask for a password at a terminal; without one (CI), only when it needs none.
  if ! command -v sudo >/dev/null 2>&1 || { [ ! -t 0 ] && ! sudo -n true 2>/dev/null; }; then
    cat >&2 <<MSG
provision: the test suite needs these Debian packages, and installing them needs root:
  ${missing[*]}
Run once, as root:  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}
then npm test again.
MSG
    exit 1
  fi
  sudo=(sudo)
fi

echo "provision: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
