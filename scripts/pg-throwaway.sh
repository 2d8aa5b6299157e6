# shellcheck shell=bash
# Sourced by scripts/test.sh: starts a throwaway PostgreSQL cluster on a free loopback port from the
# PostgreSQL binaries already on the machine, exports TEST_DATABASE_URL, and removes the cluster
# (data directory included) when the calling shell exits.

pg_bin_dir() {
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -n "$d" ] || { echo "PostgreSQL binaries not found (install postgresql)" >&2; return 1; }
  echo "$d"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pg_throwaway_start() {
  local bin; bin="$(pg_bin_dir)" || return 1
  PG_TMP="$(mktemp -d /tmp/mcp-gateway-pg.XXXXXX)"
  local as_pg=()
  # initdb refuses to run as root: run the cluster as the `postgres` system user then.
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PG_TMP"; as_pg=(runuser -u postgres --); fi
  PG_AS=("${as_pg[@]}")
  PG_BIN="$bin"
  "${as_pg[@]}" "$bin/initdb" -D "$PG_TMP/data" -U postgres -A trust -E UTF8 --no-sync >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log" >&2; return 1; }
  local port; port="$(free_port)"
  "${as_pg[@]}" "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TMP -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$PG_TMP/server.log" >&2; return 1; }
  trap pg_throwaway_stop EXIT
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:${port}/postgres"
  echo "throwaway PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:${port}"
}

pg_throwaway_stop() {
  if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP" ]; then
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
    PG_TMP=""
  fi
}
