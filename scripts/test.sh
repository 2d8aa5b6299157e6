#!/usr/bin/env bash
# The README's *test* command: formatting, lints, every Rust test on SQLite and on a throwaway
# PostgreSQL cluster, then the Playwright suite in Debian's Chromium against the release build.
# Every step runs even after a failure (so one run shows everything); the exit code is non-zero
# if any step failed, and the runners' summary lines are printed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
started=$(date +%s)
SETUP_E2E=1 scripts/setup.sh || { echo "setup failed" >&2; exit 1; }

LOG_DIR="$(mktemp -d /tmp/mcp-gateway-test.XXXXXX)"
SUMMARY=("PASS  setup (tools, npm, Python clients) ($(( $(date +%s) - started )) s)")
FAILED=0

step() { # step <name> <log-name> <command...>
  local name="$1" log="$LOG_DIR/$2.log"; shift 2
  local t0; t0=$(date +%s)
  printf '\n\033[1;34m=== %s\033[0m\n' "$name"
  if "$@" 2>&1 | tee "$log"; then
    SUMMARY+=("PASS  $name ($(( $(date +%s) - t0 )) s)")
  else
    SUMMARY+=("FAIL  $name ($(( $(date +%s) - t0 )) s)")
    FAILED=1
  fi
}

step "cargo fmt --check" fmt cargo fmt --all --check
step "cargo clippy -D warnings" clippy cargo clippy --workspace --all-targets --locked -- -D warnings
# Licenses, bans, sources, and advisories from the offline RustSec snapshot (deny.toml).
step "dependency audit (cargo deny)" deny scripts/deny.sh --hide-inclusion-graph
# Not `--workspace`: it would unify `frontend`'s hydrate feature into the server build (leptos then
# spawns tasks the browser way and the server panics). These are all the crates with host tests.
RUST_TESTS=(cargo test --locked -p domain -p migration -p app -p server -p vendor-fakes)
step "Rust tests on SQLite" sqlite env -u TEST_DATABASE_URL "${RUST_TESTS[@]}"

# shellcheck source=pg-throwaway.sh
source scripts/pg-throwaway.sh
if pg_throwaway_start; then
  step "Rust tests on PostgreSQL" postgres env TEST_DATABASE_URL="$TEST_DATABASE_URL" "${RUST_TESTS[@]}"
  pg_throwaway_stop
else
  SUMMARY+=("FAIL  Rust tests on PostgreSQL (cluster did not start)")
  FAILED=1
fi

# Every fuzz target built once (fuzz/target) and run 15 s from its seeds (fuzz/README.md).
step "fuzz smoke (cargo fuzz, 6 targets)" fuzz scripts/fuzz-smoke.sh
step "IdP stand-in selftest (Entra/Auth0 shaped)" idp bash -c 'cd end2end/idp && npm test'
step "release build (cargo leptos)" build cargo leptos build --release --split --cargo-locked
# The vendor stand-ins the connections and MCP-client specs start (end2end/fakes.ts).
step "vendor fakes build" fakes cargo build --release --locked -p vendor-fakes
step "Playwright (Chromium)" e2e bash -c 'cd end2end && npx playwright test'

printf '\n\033[1m=== summary (logs in %s)\033[0m\n' "$LOG_DIR"
for log in sqlite postgres; do
  [ -f "$LOG_DIR/$log.log" ] && grep -E '^test result:' "$LOG_DIR/$log.log" | grep -v ' 0 passed; 0 failed' | awk -v l="$log" '{print "  [" l "] " $0}'
done
[ -f "$LOG_DIR/e2e.log" ] && grep -E '^\s+[0-9]+ (passed|failed|flaky|skipped)' "$LOG_DIR/e2e.log" | sed 's/^ */  [playwright] /'
printf '%s\n' "${SUMMARY[@]}"
echo "total $(( $(date +%s) - started )) s"
exit $FAILED
