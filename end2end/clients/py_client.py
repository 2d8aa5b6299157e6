"""A real Python MCP client, driven line by line by a Playwright spec (tests/python-clients.spec.ts).

Runs either the official Python SDK client (`--client mcp`: `mcp.client.auth.OAuthClientProvider`
over `streamable_http_client` and `ClientSession`) or the fastmcp client (`--client fastmcp`:
`fastmcp.Client` with its `OAuth` provider and its own loopback callback server) against the
gateway's MCP URL. Everything the client does on the wire is the library's own; this script only
stands in for the person:

* the browser: the authorization URL the client wants opened is printed as
  `{"event": "authorize", "url": ...}`, and the spec completes sign-in and consent in Chromium.
  The SDK client's callback hook then waits for `{"callback": "<redirect URL>"}` on standard input
  (the spec captures the redirect); fastmcp's own callback server receives the redirect itself.
* the technician's requests: after connecting, it answers one JSON command per input line with one
  JSON line — `{"op": "list_tools"}`, `{"op": "call", "name": ..., "arguments": {...}}`,
  `{"op": "expire_access_token"}` (what an hour of waiting does: the client's own expiry clock says
  the access token is spent, so its next request refreshes first), `{"op": "tokens"}` (SHA-256
  prefixes of the stored tokens, never the tokens) and `{"op": "close"}`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import time
import webbrowser
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import parse_qs, urlparse

import anyio


def emit(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


async def read_line() -> dict[str, Any]:
    line = await anyio.to_thread.run_sync(sys.stdin.readline)
    if not line:
        raise SystemExit("standard input closed")
    return json.loads(line)


def fingerprint(value: str | None) -> str | None:
    return hashlib.sha256(value.encode()).hexdigest()[:16] if value else None


def result_json(result: Any) -> dict[str, Any]:
    """A tools/call result as the spec checks it: isError and the joined text content."""
    content = getattr(result, "content", None) or []
    text = "\n".join(getattr(c, "text", "") or "" for c in content)
    is_error = getattr(result, "is_error", None)
    if is_error is None:
        is_error = getattr(result, "isError", False)
    return {"isError": bool(is_error), "text": text}


class Memory:
    """The SDK's TokenStorage protocol, in memory."""

    def __init__(self) -> None:
        self.tokens = None
        self.client_info = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens) -> None:
        self.tokens = tokens

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, client_info) -> None:
        self.client_info = client_info


async def open_sdk_client(url: str, redirect: str, stack: AsyncExitStack):
    """The official SDK: OAuthClientProvider with redirect and callback hooks."""
    import httpx2
    from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared.auth import OAuthClientMetadata

    async def redirect_handler(authorization_url: str) -> None:
        emit({"event": "authorize", "url": authorization_url})

    async def callback_handler() -> AuthorizationCodeResult:
        answer = await read_line()
        query = parse_qs(urlparse(answer["callback"]).query)
        first = lambda k: query.get(k, [None])[0]  # noqa: E731
        return AuthorizationCodeResult(code=first("code"), state=first("state"), iss=first("iss"))

    storage = Memory()
    provider = OAuthClientProvider(
        url,
        OAuthClientMetadata(
            client_name="Python SDK client",
            redirect_uris=[redirect],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )
    http = await stack.enter_async_context(httpx2.AsyncClient(auth=provider, timeout=60))
    read, write = await stack.enter_async_context(streamable_http_client(url, http_client=http))
    session = await stack.enter_async_context(ClientSession(read, write))
    await session.initialize()

    class Ops:
        async def list_tools(self) -> list[str]:
            from mcp_types import PaginatedRequestParams

            names: list[str] = []
            cursor = None
            while True:
                page = await session.list_tools(params=PaginatedRequestParams(cursor=cursor) if cursor else None)
                names += [t.name for t in page.tools]
                cursor = page.next_cursor
                if not cursor:
                    return names

        async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
            return result_json(await session.call_tool(name, arguments))

        def expire(self) -> None:
            provider.context.token_expiry_time = time.time() - 1

        def tokens(self):
            return storage.tokens

    return Ops()


async def open_fastmcp_client(url: str, stack: AsyncExitStack):
    """fastmcp: its OAuth provider, its pre-flight check of the authorization URL and its own
    loopback callback server; only `webbrowser.open` is the spec's Chromium."""
    from fastmcp import Client
    from fastmcp.client.auth import OAuth
    from key_value.aio.stores.memory import MemoryStore

    def open_in_spec_browser(authorization_url: str, *args: Any, **kwargs: Any) -> bool:
        emit({"event": "authorize", "url": authorization_url})
        return True

    webbrowser.open = open_in_spec_browser  # type: ignore[assignment]
    store = MemoryStore()
    oauth = OAuth(client_name="fastmcp client", callback_host="127.0.0.1", token_storage=store, callback_timeout=120)
    client = await stack.enter_async_context(Client(url, auth=oauth, timeout=60))

    class Ops:
        async def list_tools(self) -> list[str]:
            return [t.name for t in await client.list_tools()]

        async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
            return result_json(await client.call_tool(name, arguments, raise_on_error=False))

        def expire(self) -> None:
            oauth.context.token_expiry_time = time.time() - 1

        def tokens(self):
            return oauth.context.current_tokens

    return Ops()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", choices=["mcp", "fastmcp"], required=True)
    parser.add_argument("--url", required=True, help="the gateway's MCP URL")
    parser.add_argument("--redirect", default="http://127.0.0.1:47113/callback", help="SDK client only")
    args = parser.parse_args()

    async with AsyncExitStack() as stack:
        if args.client == "mcp":
            ops = await open_sdk_client(args.url, args.redirect, stack)
        else:
            ops = await open_fastmcp_client(args.url, stack)
        emit({"event": "connected"})
        while True:
            command = await read_line()
            op = command.get("op")
            try:
                if op == "list_tools":
                    emit({"ok": True, "result": await ops.list_tools()})
                elif op == "call":
                    emit({"ok": True, "result": await ops.call(command["name"], command.get("arguments") or {})})
                elif op == "expire_access_token":
                    ops.expire()
                    emit({"ok": True})
                elif op == "tokens":
                    t = ops.tokens()
                    emit({"ok": True, "result": {"access": fingerprint(t.access_token), "refresh": fingerprint(t.refresh_token)}})
                elif op == "close":
                    emit({"ok": True})
                    break
                else:
                    emit({"ok": False, "error": f"unknown op {op!r}"})
            except Exception as e:  # reported to the spec, which fails the test with it
                emit({"ok": False, "error": f"{type(e).__name__}: {e}"})


if __name__ == "__main__":
    asyncio.run(main())
