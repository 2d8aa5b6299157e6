#!/usr/bin/env bash
# Builds the gateway's load generator in release and prints the markdown table of bench/README.md.
# Usage: bench/run.sh [seconds-per-run]   (default 5; the issue's figures used 5)
# Then: cargo bench -p domain --bench connections   (the warm snapshot build, criterion)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/main/target}"
cargo build --release -p server --example bench
"$CARGO_TARGET_DIR/release/examples/bench" "${1:-5}"
