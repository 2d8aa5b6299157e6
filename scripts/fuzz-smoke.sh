#!/usr/bin/env bash
# Fuzz smoke run (issue 14 item 5): builds every cargo-fuzz target once (fuzz/target, its own
# workspace and lock file), then runs each for FUZZ_SECONDS (default 15) from its committed seeds
# in fuzz/seeds/<target> into a scratch corpus. Any crash fails the step and leaves the
# reproducer in fuzz/artifacts/<target>/. Longer runs and the recipe: fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
# cargo-fuzz passes `-Z` flags to rustc; the stable toolchain accepts them with this switch.
export RUSTC_BOOTSTRAP=1
SECONDS_EACH="${FUZZ_SECONDS:-15}"
FLAGS=(--sanitizer none)

cargo fetch --locked --quiet
t0=$(date +%s)
cargo fuzz build "${FLAGS[@]}"
echo "fuzz build: $(( $(date +%s) - t0 )) s"
CORPUS="$(mktemp -d /tmp/mcp-gateway-fuzz.XXXXXX)"
trap 'rm -rf "$CORPUS"' EXIT
# The database-backed targets create their SQLite files in the temporary directory: this one.
export TMPDIR="$CORPUS"
for target in $(cargo fuzz list); do
  mkdir -p "$CORPUS/$target"
  echo "--- $target (${SECONDS_EACH} s)"
  status=0
  cargo fuzz run "${FLAGS[@]}" "$target" "$CORPUS/$target" "seeds/$target" -- \
    -max_total_time="$SECONDS_EACH" -print_final_stats=1 >"$CORPUS/$target.log" 2>&1 || status=$?
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$CORPUS/$target.log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$CORPUS/$target.log"
    echo "fuzz target $target failed (reproducer in fuzz/artifacts/$target/)" >&2
    exit 1
  fi
done
