"""The reference MCP upstream of bench/ (docs/perf-anchor.md): the official Python MCP SDK (< 2),
FastMCP stateless with JSON responses and one tool, `echo(text) -> text`, served by uvicorn with
uvloop and httptools, one process, access log and per-request log lines off.

    bench/.venv/bin/python bench/upstream_echo.py PORT
"""

import logging
import sys

import uvicorn
from mcp.server.fastmcp import FastMCP

mcp = FastMCP("echo-upstream", stateless_http=True, json_response=True)


@mcp.tool()
def echo(text: str) -> str:
    """Returns the text it is given."""
    return text


if __name__ == "__main__":
    # No line per request ("Processing request of type …"): the upstream should cost what it does.
    logging.getLogger("mcp").setLevel(logging.WARNING)
    port = int(sys.argv[1])
    uvicorn.run(
        mcp.streamable_http_app(),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )
