#!/usr/bin/env bash
# The README's *run* command: set up the tools if needed, then build and serve the gateway on
# http://127.0.0.1:3000 with an embedded SQLite database and a master key under ./data and the
# development sign-in on. Any GATEWAY_* / DATABASE_URL already set in the environment wins.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

# Database and key files are readable by this user only.
umask 077
mkdir -p data
if [ -z "${GATEWAY_MASTER_KEY:-}" ] && [ -z "${GATEWAY_MASTER_KEY_FILE:-}" ]; then
  if [ ! -f data/master.key ]; then
    # 32 random bytes, base64, readable by the owner only (the gateway refuses anything looser).
    (umask 077 && head -c 32 /dev/urandom | base64 > data/master.key)
    echo "[run] generated data/master.key (mode 0600) — back it up: stored secrets cannot be decrypted without it"
  fi
  export GATEWAY_MASTER_KEY_FILE=data/master.key
fi
export DATABASE_URL="${DATABASE_URL:-sqlite://data/gateway.db?mode=rwc}"
export GATEWAY_DEV_LOGIN="${GATEWAY_DEV_LOGIN:-true}"
export GATEWAY_BIND="${GATEWAY_BIND:-127.0.0.1:3000}"
export GATEWAY_PUBLIC_URL="${GATEWAY_PUBLIC_URL:-http://127.0.0.1:3000}"

echo "[run] building and serving on ${GATEWAY_PUBLIC_URL} (ctrl-C to stop)"
exec cargo leptos serve --release --split
