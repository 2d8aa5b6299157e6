// The MCP authorization server end to end: the official TypeScript SDK's OAuth client
// (@modelcontextprotocol/sdk) discovers, registers, sends the browser to /authorize, and the
// technician signs in and approves in the consent popup (Chromium); then token, refresh and
// revocation. Also Deny, "Use another account", and a page on another loopback port that tries
// to frame the consent popup. Own gateway (development sign-in), serial.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import { test, expect, expectAccessible, screenshot, waitForHydration, devSignIn } from "./support";
import { startGateway, removeDataDir, Gateway } from "../gateway";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { auth } = require("@modelcontextprotocol/sdk/client/auth.js");

test.describe.configure({ mode: "serial" });

let gw: Gateway;
const REDIRECT = "http://127.0.0.1:47111/callback";

test.beforeAll(async () => {
  gw = await startGateway();
});

test.afterAll(async () => {
  const code = await gw?.stop();
  if (gw) removeDataDir(gw.dataDir);
  expect(code, "gateway exits cleanly on SIGTERM").toBe(0);
});

/** An OAuthClientProvider as the SDK's own example client writes one, keeping everything in memory. */
function provider() {
  const store: Record<string, any> = {};
  let authorizationUrl: URL | undefined;
  return {
    store,
    authorizationUrl: () => authorizationUrl,
    get redirectUrl() {
      return REDIRECT;
    },
    get clientMetadata() {
      return {
        client_name: "SDK e2e client",
        redirect_uris: [REDIRECT],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      };
    },
    state: () => "sdk-state",
    clientInformation: () => store.client,
    saveClientInformation: (c: unknown) => {
      store.client = c;
    },
    tokens: () => store.tokens,
    saveTokens: (t: unknown) => {
      store.tokens = t;
    },
    redirectToAuthorization: (url: URL) => {
      authorizationUrl = url;
    },
    saveCodeVerifier: (v: string) => {
      store.verifier = v;
    },
    codeVerifier: () => store.verifier,
  };
}

/** Captures the redirect to the client's loopback callback instead of loading it. */
async function captureCallback(page: Page): Promise<() => string> {
  let final = "";
  await page.route(
    (url) => url.href.startsWith(REDIRECT),
    (route) => {
      final = route.request().url();
      return route.fulfill({ body: "ok" });
    },
  );
  return () => final;
}

const mcpUrl = () => `${gw.url}/v1/mcp`;

test("the TypeScript SDK client registers, the technician signs in and allows, then tokens refresh and revoke", async ({ page }) => {
  const client = provider();
  expect(await auth(client, { serverUrl: mcpUrl() })).toBe("REDIRECT");
  const authorizationUrl = client.authorizationUrl()!;
  expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${gw.url}/authorize`);
  expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorizationUrl.searchParams.get("resource")).toBe(mcpUrl());
  expect(client.store.client.client_id).toMatch(/^gwc_/);

  const callback = await captureCallback(page);
  await page.goto(authorizationUrl.href);
  await expect(page).toHaveURL(/\/auth\/dev\/login/);
  await devSignIn(page, "Ada Lovelace", "ada@example.com");
  await expect(page.getByRole("heading", { name: /Allow SDK e2e client to use your MCP Gateway\?/ })).toBeVisible();
  await expect(page.locator("#unverified")).toBeVisible();
  await expect(page.locator("#redirect-host")).toHaveText("127.0.0.1");
  await expect(page.locator("#loopback-warning")).toBeVisible();
  await expect(page.locator("#consent-account")).toHaveText("Ada Lovelace — ada@example.com (unverified)");
  await waitForHydration(page);
  await expectAccessible(page, "consent popup");
  await screenshot(page, "oauth-01-consent");
  await page.getByRole("button", { name: "Allow" }).click();
  await expect.poll(callback).toContain("code=");
  const answer = new URL(callback());
  expect(answer.searchParams.get("state")).toBe("sdk-state");
  expect(answer.searchParams.get("iss")).toBe(gw.url);

  expect(await auth(client, { serverUrl: mcpUrl(), authorizationCode: answer.searchParams.get("code")! })).toBe("AUTHORIZED");
  const first = client.store.tokens;
  expect(first.access_token).toMatch(/^gwat_/);
  expect(first.refresh_token).toMatch(/^gwrt_/);
  const initialize = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "e2e", version: "1" } },
  });
  const guarded = await fetch(mcpUrl(), {
    method: "POST",
    headers: { authorization: `Bearer ${first.access_token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: initialize,
  });
  expect(guarded.status, "the guard accepts the token and the MCP endpoint initializes a session").toBe(200);
  expect(guarded.headers.get("mcp-session-id")).toBeTruthy();
  expect((await fetch(mcpUrl(), { method: "POST" })).status).toBe(401);

  // With a refresh token the SDK refreshes without the browser, and gets a rotated one.
  expect(await auth(client, { serverUrl: mcpUrl() })).toBe("AUTHORIZED");
  expect(client.store.tokens.refresh_token).not.toBe(first.refresh_token);
  expect(client.store.tokens.access_token).not.toBe(first.access_token);

  // Revoked: the SDK's refresh is refused (invalid_grant), so it needs the browser again.
  const revoked = await fetch(`${gw.url}/revoke`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: client.store.tokens.refresh_token, client_id: client.store.client.client_id }),
  });
  expect(revoked.status).toBe(200);
  const stale = client.store.tokens.access_token;
  expect((await fetch(mcpUrl(), { method: "POST", headers: { authorization: `Bearer ${stale}` } })).status).toBe(401);
  await expect(auth(client, { serverUrl: mcpUrl() })).rejects.toThrow(/authorization revoked/);

  // Settings → Authorized apps lists the client.
  await page.goto(`${gw.url}/settings`);
  await expect(page.locator("#authorized-apps").getByText("SDK e2e client")).toBeVisible();
  await waitForHydration(page);
  await expectAccessible(page, "settings with authorized apps");
  await screenshot(page, "oauth-02-authorized-apps");
});

test("Deny answers access_denied to the client, and another account can be chosen", async ({ page }) => {
  const client = provider();
  expect(await auth(client, { serverUrl: mcpUrl() })).toBe("REDIRECT");
  const callback = await captureCallback(page);
  await page.goto(client.authorizationUrl()!.href);
  await devSignIn(page, "Ada Lovelace", "ada@example.com");
  await expect(page.locator("#consent-account")).toHaveText("Ada Lovelace — ada@example.com (unverified)");
  // Use another account: sign in as Bob, back to the same request.
  await page.getByRole("link", { name: "Use another account" }).click();
  await devSignIn(page, "Bob Builder", "bob@example.com");
  await expect(page.locator("#consent-account")).toHaveText("Bob Builder — bob@example.com (unverified)");
  await page.getByRole("button", { name: "Deny" }).click();
  await expect.poll(callback).toContain("error=access_denied");
  const answer = new URL(callback());
  expect(answer.searchParams.get("iss")).toBe(gw.url);
  expect(answer.searchParams.get("state")).toBe("sdk-state");
});

test("a page on another loopback port cannot frame the consent popup", async ({ browser }) => {
  const client = provider();
  expect(await auth(client, { serverUrl: mcpUrl() })).toBe("REDIRECT");
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(client.authorizationUrl()!.href);
  await devSignIn(page, "Ada Lovelace", "ada@example.com");
  await expect(page.getByRole("button", { name: "Allow" })).toBeVisible();
  const consentUrl = page.url();
  const blocked: string[] = [];
  const attacker = http.createServer((_, res) => {
    res.setHeader("content-type", "text/html");
    res.end(`<!DOCTYPE html><title>evil</title><iframe id="victim" src="${consentUrl}" width="800" height="600"></iframe>`);
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  const port = (attacker.address() as AddressInfo).port;
  const evil = await context.newPage();
  evil.on("console", (m) => blocked.push(m.text()));
  await evil.goto(`http://127.0.0.1:${port}/`);
  await evil.waitForTimeout(1000);
  const frame = evil.frames().find((f) => f !== evil.mainFrame());
  const framedText = frame ? await frame.evaluate(() => document.body?.innerText ?? "").catch(() => "") : "";
  expect(framedText).not.toContain("Allow");
  expect(blocked.join("\n")).toMatch(/frame-ancestors|X-Frame-Options|refused to connect|Refused to display/i);
  await screenshot(evil, "oauth-03-framing-blocked");
  attacker.close();
  await context.close();
});
