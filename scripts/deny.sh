#!/usr/bin/env bash
# Dependency audit (issue 14 item 6): `cargo deny` checks licenses, bans and sources from
# Cargo.lock, and advisories from the offline RustSec snapshot at ../shared/advisory-db (the
# checkout's parent holds shared/, on developer machines and in CI alike). Nothing is fetched.
#
# cargo-deny reads its database as a git repository named after the default URL's hash under
# `db-path` (deny.toml: target/advisory-db); ../shared/advisory-db/OFFLINE.md gives the recipe.
# The copy is rebuilt only when the snapshot changes.
set -euo pipefail
cd "$(dirname "$0")/.."

SNAPSHOT_DIR="${ADVISORY_DB:-../shared/advisory-db}"
DB="target/advisory-db/advisory-db-3157b0e258782691"
if [ ! -f "$SNAPSHOT_DIR/SNAPSHOT" ]; then
  echo "deny: no advisory snapshot at $SNAPSHOT_DIR (see ../shared/advisory-db/OFFLINE.md)" >&2
  exit 1
fi
if ! cmp -s "$SNAPSHOT_DIR/SNAPSHOT" "$DB/SNAPSHOT" 2>/dev/null || [ ! -d "$DB/.git" ]; then
  rm -rf "$DB"
  mkdir -p "$(dirname "$DB")"
  cp -R "$SNAPSHOT_DIR" "$DB"
  # The snapshot's own date as the commit date (SNAPSHOT reads "<repo> <commit> (<date>)").
  DATE="$(sed -n 's/.*(\(.*\)).*/\1/p' "$DB/SNAPSHOT")T00:00:00Z"
  (
    cd "$DB"
    git init -q
    git add -A
    GIT_AUTHOR_DATE="$DATE" GIT_COMMITTER_DATE="$DATE" \
      git -c user.name=advisory-snapshot -c user.email=snapshot@localhost \
      commit -q -m "$(cat SNAPSHOT)"
  )
fi
# The crates must be in the local cache for the license check; --offline keeps every fetch off.
cargo fetch --locked --quiet
cargo deny --offline --locked check "$@"
