#!/usr/bin/env bash
# Installs the system packages the test suite needs, once: pgTAP and pg_cron for Postgres 15, and
# pg_prove. Idempotent and quiet when everything is already there.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
packages=("postgresql-${PG_MAJOR}" "postgresql-${PG_MAJOR}-pgtap" "postgresql-${PG_MAJOR}-cron" "libtap-parser-sourcehandler-pgtap-perl")

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "provision: missing Debian packages ${missing[*]}; install them as root (apt-get install ${missing[*]})." >&2
    exit 1
  }
  sudo=(sudo)
fi

echo "provision: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
