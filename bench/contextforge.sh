#!/usr/bin/env bash
# Starts IBM ContextForge (PyPI mcp-contextforge-gateway) in front of an MCP upstream, configured
# as docs/perf-anchor.md measured it: gunicorn with 2 uvicorn workers, SQLite, the default
# stateless Streamable HTTP, loopback upstreams allowed and the rate limiter off (its defaults
# would refuse the benchmark). Registers the upstream and a virtual server holding its tool, and
# writes BENCH_CF_URL, BENCH_CF_TOKEN, BENCH_CF_TOOL, BENCH_CF_PIDS and BENCH_CF_MASTER to ENV_FILE.
#
#   bench/contextforge.sh UPSTREAM_URL ENV_FILE
#
# Installs into bench/.cf-venv on first use (a few minutes; PyPI only). Called by bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
UPSTREAM="$1"
ENV_FILE="$2"
VERSION=1.0.7.post20260921
log() { printf '\033[1;34m[contextforge]\033[0m %s\n' "$*" >&2; }

if [ "$(cat bench/.cf-venv/.version 2>/dev/null)" != "$VERSION" ]; then
  log "installing mcp-contextforge-gateway $VERSION into bench/.cf-venv"
  rm -rf bench/.cf-venv
  python3 -m venv bench/.cf-venv
  bench/.cf-venv/bin/pip install --quiet --disable-pip-version-check "mcp-contextforge-gateway==$VERSION" gunicorn
  echo "$VERSION" > bench/.cf-venv/.version
fi
PY="$PWD/bench/.cf-venv/bin/python"

DIR="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(32))'; }
JWT_SECRET="$(secret)"
cat > "$DIR/.env" <<ENV
JWT_SECRET_KEY=$JWT_SECRET
AUTH_ENCRYPTION_SECRET=$(secret)
BASIC_AUTH_PASSWORD=$(secret)
PLATFORM_ADMIN_EMAIL=admin@example.com
PLATFORM_ADMIN_PASSWORD=$(secret)
DATABASE_URL=sqlite:///$DIR/mcp.db
HOST=127.0.0.1
PORT=$PORT
MCPGATEWAY_UI_ENABLED=false
MCPGATEWAY_ADMIN_API_ENABLED=false
LOG_LEVEL=ERROR
SSRF_ALLOW_LOCALHOST=true
RATE_LIMITING_ENABLED=false
ENV
# The shape of the project's own gunicorn.config.py (make serve).
cat > "$DIR/gunicorn_conf.py" <<CONF
bind = "127.0.0.1:$PORT"
workers = 2
worker_class = "uvicorn.workers.UvicornWorker"
preload_app = True
timeout = 600
max_requests = 100000
accesslog = None
loglevel = "error"


def post_fork(server, worker):
    try:
        from mcpgateway.db import engine

        engine.dispose()
    except Exception:  # noqa: BLE001 - as upstream: best effort
        pass
CONF

log "starting on 127.0.0.1:$PORT (log: $DIR/gunicorn.log)"
GUNICORN="$PWD/bench/.cf-venv/bin/gunicorn"
(cd "$DIR" && exec "$GUNICORN" -c gunicorn_conf.py mcpgateway.main:app) >"$DIR/gunicorn.log" 2>&1 &
MASTER=$!
for _ in $(seq 1 600); do
  if curl -sf -o /dev/null "http://127.0.0.1:$PORT/health"; then break; fi
  if ! kill -0 "$MASTER" 2>/dev/null; then cat "$DIR/gunicorn.log" >&2; exit 1; fi
  sleep 0.5
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/health" || { echo "ContextForge did not start; $DIR/gunicorn.log" >&2; exit 1; }

TOKEN="$(cd "$DIR" && "$PY" -m mcpgateway.utils.create_jwt_token --username admin@example.com --exp 10080 --secret "$JWT_SECRET" | tail -1)"
api() { curl -sf -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' "$@"; }
api -X POST "http://127.0.0.1:$PORT/gateways" \
  -d "{\"name\":\"echo_upstream\",\"url\":\"$UPSTREAM\",\"transport\":\"STREAMABLEHTTP\"}" >/dev/null
read -r TOOL_ID TOOL_NAME < <(api "http://127.0.0.1:$PORT/tools" | python3 -c '
import json, sys
tools = json.load(sys.stdin)
tools = tools.get("items", tools) if isinstance(tools, dict) else tools
tool = next(t for t in tools if "echo" in t["name"])
print(tool["id"], tool["name"])')
SERVER_ID="$(api -X POST "http://127.0.0.1:$PORT/servers" \
  -d "{\"server\":{\"name\":\"echo_vs\",\"associated_tools\":[\"$TOOL_ID\"]}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
WORKERS="$(pgrep -P "$MASTER" | paste -sd, -)"
{
  echo "BENCH_CF_URL=http://127.0.0.1:$PORT/servers/$SERVER_ID/mcp"
  echo "BENCH_CF_TOKEN=$TOKEN"
  echo "BENCH_CF_TOOL=$TOOL_NAME"
  echo "BENCH_CF_PIDS=$MASTER,$WORKERS"
  echo "BENCH_CF_MASTER=$MASTER"
} > "$ENV_FILE"
log "ready: server $SERVER_ID, tool $TOOL_NAME, workers $WORKERS"
