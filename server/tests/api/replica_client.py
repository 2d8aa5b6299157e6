"""The official Python MCP SDK client (mcp 2.3.0 in end2end/.venv) of the two-replica test
(replicas.rs): it reaches two gateway processes through a round-robin proxy that sends each HTTP
request to the other replica, so `initialize`, the GET stream, each call and each token refresh
land on alternating processes.

The test signed the user in and obtained the first tokens; they are seeded into the SDK's own
`OAuthClientProvider` storage, which then adds the bearer token and refreshes it itself (the test
asks for a refresh by putting the provider's expiry clock in the past, which is what an hour of
waiting does). Everything on the wire is the SDK's.

One JSON command per input line, one JSON line back:
  {"op": "await_list_changed", "seconds": S}   -> {"ok": true} once tools/list_changed arrived
  {"op": "run", "requests": N, "refresh_every": K, "tool": T}
      -> {"ok": true, "requests": N, "errors": [...], "refreshes": R, "seconds": s}
  {"op": "close"}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from contextlib import AsyncExitStack
from typing import Any

import anyio
import httpx2
from mcp.client.auth import OAuthClientProvider
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken


def emit(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


async def read_line() -> dict[str, Any]:
    line = await anyio.to_thread.run_sync(sys.stdin.readline)
    if not line:
        raise SystemExit("standard input closed")
    return json.loads(line)


class Memory:
    """The SDK's TokenStorage protocol, in memory, seeded with the test's tokens."""

    def __init__(self, tokens: OAuthToken, client_info: OAuthClientInformationFull) -> None:
        self.tokens = tokens
        self.client_info = client_info
        self.saved = 0

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens) -> None:
        self.tokens = tokens
        self.saved += 1

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, client_info) -> None:
        self.client_info = client_info


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--redirect", required=True)
    parser.add_argument("--access", required=True)
    parser.add_argument("--refresh", required=True)
    args = parser.parse_args()

    metadata = OAuthClientMetadata(
        client_name="Replica test (Python SDK)",
        redirect_uris=[args.redirect],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="none",
    )
    storage = Memory(
        OAuthToken(access_token=args.access, token_type="Bearer", refresh_token=args.refresh, expires_in=3600),
        OAuthClientInformationFull(client_id=args.client_id, **metadata.model_dump(exclude_none=True)),
    )

    async def never_interactive(*_: Any) -> Any:
        raise RuntimeError("the client asked for a new sign-in: a token was refused")

    provider = OAuthClientProvider(
        args.url, metadata, storage, redirect_handler=never_interactive, callback_handler=never_interactive
    )
    list_changed = asyncio.Event()

    async def on_message(message: Any) -> None:
        root = getattr(message, "root", message)
        if getattr(root, "method", None) == "notifications/tools/list_changed":
            list_changed.set()

    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(httpx2.AsyncClient(auth=provider, timeout=60))
        read, write = await stack.enter_async_context(streamable_http_client(args.url, http_client=http))
        session = await stack.enter_async_context(ClientSession(read, write, message_handler=on_message))
        await session.initialize()
        emit({"event": "connected"})
        while True:
            command = await read_line()
            op = command.get("op")
            if op == "await_list_changed":
                try:
                    await asyncio.wait_for(list_changed.wait(), command.get("seconds", 10))
                    emit({"ok": True})
                except asyncio.TimeoutError:
                    emit({"ok": False, "error": "no notifications/tools/list_changed on the GET stream"})
            elif op == "run":
                errors: list[str] = []
                saved_before = storage.saved
                started = time.monotonic()
                for n in range(command["requests"]):
                    if n > 0 and n % command["refresh_every"] == 0:
                        provider.context.token_expiry_time = time.time() - 1
                    try:
                        if n % 4 in (0, 1):
                            result = await session.call_tool(command["tool"], {})
                            if getattr(result, "is_error", getattr(result, "isError", False)) or not result.content:
                                errors.append(f"request {n}: tool error {result.content!r}"[:300])
                        elif n % 4 == 2:
                            listed = await session.list_tools()
                            if not any(t.name == command["tool"] for t in listed.tools):
                                errors.append(f"request {n}: {command['tool']} not listed")
                        else:
                            await session.send_ping()
                    except Exception as e:  # noqa: BLE001 - every failure is reported to the test
                        errors.append(f"request {n}: {type(e).__name__}: {e}"[:300])
                emit(
                    {
                        "ok": True,
                        "requests": command["requests"],
                        "errors": errors,
                        "refreshes": storage.saved - saved_before,
                        "seconds": time.monotonic() - started,
                    }
                )
            elif op == "close":
                emit({"ok": True})
                break
            else:
                emit({"ok": False, "error": f"unknown op {op!r}"})


if __name__ == "__main__":
    asyncio.run(main())
