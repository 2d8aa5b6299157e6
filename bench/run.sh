#!/usr/bin/env bash
# bench/: builds the gateway and its load generator in release mode, starts the Python MCP
# reference upstream (and IBM ContextForge in front of it with --with-contextforge), and prints
# the markdown tables of bench/README.md with every budget met or missed.
#
#   bench/run.sh [--with-contextforge] [--seconds N] [--reps N]    (defaults: 5 s, 3 repetitions)
#
# Run it on a quiet machine: everything (load generator, gateway, upstreams) shares its cores.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
log() { printf '\033[1;34m[bench]\033[0m %s\n' "$*" >&2; }

WITH_CF=0
ARGS=()
for arg in "$@"; do
  case "$arg" in
    --with-contextforge) WITH_CF=1 ;;
    *) ARGS+=("$arg") ;;
  esac
done

scripts/setup.sh
# The Python SDK upstream, pinned; reinstalled only when bench/requirements.txt changes.
WANT="$(sha256sum bench/requirements.txt | cut -d' ' -f1)"
if [ "$(cat bench/.venv/.requirements.sha256 2>/dev/null)" != "$WANT" ]; then
  log "installing the Python MCP upstream into bench/.venv"
  rm -rf bench/.venv
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
  echo "$WANT" > bench/.venv/.requirements.sha256
fi

log "building the portal (release WASM) and the load generator in release mode"
cargo leptos build --release --split --cargo-locked >&2
cargo build --release --locked -p server --example bench >&2
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
PKG="$ROOT/target/site/pkg"

PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # url, seconds
  for _ in $(seq 1 "$(( $2 * 5 ))"); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.2
  done
  echo "$1 did not answer within $2 s" >&2; return 1
}

ECHO_PORT="$(free_port)"
bench/.venv/bin/python bench/upstream_echo.py "$ECHO_PORT" >"${TMPDIR:-/tmp}/bench-upstream-echo.log" 2>&1 &
ECHO_PID=$!
PIDS+=("$ECHO_PID")
wait_for "http://127.0.0.1:$ECHO_PORT/mcp" 30
export BENCH_ECHO_URL="http://127.0.0.1:$ECHO_PORT/mcp" BENCH_ECHO_PID="$ECHO_PID" BENCH_PKG="$PKG"

if [ "$WITH_CF" = 1 ]; then
  CF_ENV="$(mktemp)"
  bench/contextforge.sh "$BENCH_ECHO_URL" "$CF_ENV"
  # shellcheck disable=SC1090
  source "$CF_ENV"
  PIDS+=("$BENCH_CF_MASTER")
  export BENCH_CF_URL BENCH_CF_TOKEN BENCH_CF_PIDS BENCH_CF_TOOL
fi

log "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$TARGET_DIR/release/examples/bench" "${ARGS[@]}"
