// A real MCP client end to end: the official TypeScript SDK's Client over Streamable HTTP
// (@modelcontextprotocol/sdk) meets the gateway's 401, discovers, registers and sends the
// technician to the consent popup (Chromium); with its tokens it lists the tools of the vendors the
// technician connected in the portal and calls one of the Demo vendor's. Then IT Glue, connected
// against its local fake, starts rejecting the stored key (the fakes' failure switch): the call
// answers an actionable isError result naming the vendor and where to reconnect (connecting it
// sends the client notifications/tools/list_changed on its open stream). Last, its access
// token is revoked and the SDK refreshes it on the next call.
// Own gateway and vendor fakes, serial.
import type { Page } from "@playwright/test";
import { test, expect, expectAccessible, screenshot, waitForHydration, devSignIn } from "./support";
import { startGateway, removeDataDir, Gateway } from "../gateway";
import { startFakes, Fakes } from "../fakes";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { StreamableHTTPClientTransport } = require("@modelcontextprotocol/sdk/client/streamableHttp.js");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { UnauthorizedError } = require("@modelcontextprotocol/sdk/client/auth.js");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { ToolListChangedNotificationSchema } = require("@modelcontextprotocol/sdk/types.js");

test.describe.configure({ mode: "serial" });

let gw: Gateway;
let fakes: Fakes;
const REDIRECT = "http://127.0.0.1:47112/callback";

test.beforeAll(async () => {
  fakes = await startFakes();
  gw = await startGateway({ env: { GATEWAY_OUTBOUND_ORIGIN_OVERRIDES: JSON.stringify(fakes.overrides) } });
});

test.afterAll(async () => {
  const code = await gw?.stop();
  if (gw) removeDataDir(gw.dataDir);
  await fakes?.stop();
  expect(code, "gateway exits cleanly on SIGTERM").toBe(0);
});

const mcpUrl = () => new URL(`${gw.url}/v1/mcp`);

/** The OAuthClientProvider of the SDK's own example client, in memory. */
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
        client_name: "SDK tools client",
        redirect_uris: [REDIRECT],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      };
    },
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

async function connectVendor(page: Page, vendor: string, fill: Record<string, string>) {
  await page.goto(`${gw.url}/connections`);
  await waitForHydration(page);
  await page.getByLabel("Search vendors").fill(vendor);
  await page.getByRole("button", { name: `Connect ${vendor}` }).click();
  for (const [label, value] of Object.entries(fill)) await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByRole("button", { name: "Test & connect" }).click();
  await expect(page.locator("#effective")).toContainText(`${vendor === "Demo MSP" ? "demo" : "itglue"}__…`);
}

/** The text of a tools/call result. */
const text = (result: any) => (result.content ?? []).map((c: any) => c.text ?? "").join("\n");

test("the SDK client signs in, lists the technician's tools, calls a Demo tool, gets an actionable error from a rejecting vendor and refreshes after revocation", async ({ page }) => {
  test.setTimeout(120_000);
  // The technician signs in to the portal and connects the Demo vendor.
  await page.goto(`${gw.url}/connections`);
  await devSignIn(page, "Tess Technician", "tess@example.com");
  await expect(page).toHaveURL(`${gw.url}/connections`);
  await connectVendor(page, "Demo MSP", { "API key": "demo-key-for-the-sdk" });

  // The client connects, gets the 401, discovers and registers, and wants a browser.
  const auth = provider();
  const client = new Client({ name: "SDK tools client", version: "1.0.0" });
  // The GET stream the SDK opens after initialize carries notifications/tools/list_changed.
  let listChanged = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    listChanged += 1;
  });
  await expect(client.connect(new StreamableHTTPClientTransport(mcpUrl(), { authProvider: auth }))).rejects.toBeInstanceOf(UnauthorizedError);
  const authorizationUrl = auth.authorizationUrl()!;
  expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${gw.url}/authorize`);

  // The technician (already signed in) allows it; the redirect to the client is captured.
  let callback = "";
  await page.route(
    (url) => url.href.startsWith(REDIRECT),
    (route) => {
      callback = route.request().url();
      return route.fulfill({ body: "ok" });
    },
  );
  await page.goto(authorizationUrl.href);
  await expect(page.getByRole("heading", { name: /Allow SDK tools client to use your MCP Gateway\?/ })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole("button", { name: "Allow" }).click();
  await expect.poll(() => callback).toContain("code=");
  const code = new URL(callback).searchParams.get("code")!;

  // As the SDK's example client does: finish on one transport, connect with a new one.
  await new StreamableHTTPClientTransport(mcpUrl(), { authProvider: auth }).finishAuth(code);
  await client.connect(new StreamableHTTPClientTransport(mcpUrl(), { authProvider: auth }));
  expect(auth.store.tokens.access_token).toMatch(/^gwat_/);

  const { tools } = await client.listTools();
  const names: string[] = tools.map((t: any) => t.name);
  expect(names).toContain("demo__list_companies");
  expect(names).toContain("gateway__list_connections");
  expect(names.some((n) => n.startsWith("itglue__")), "no IT Glue tools before it is connected").toBe(false);

  const companies = await client.callTool({ name: "demo__list_companies", arguments: {} });
  expect(companies.isError ?? false).toBe(false);
  expect(text(companies)).toContain("Acme Dental");

  // IT Glue against its fake: accepted now, then the vendor starts rejecting the stored key.
  await connectVendor(page, "IT Glue", { "API key": fakes.itglueKey });
  await expect.poll(() => listChanged, { message: "the portal change reaches the client's stream", timeout: 10_000 }).toBeGreaterThan(0);
  const after = (await client.listTools()).tools.map((t: any) => t.name);
  expect(after).toContain("itglue__list_organizations");
  const working = await client.callTool({ name: "itglue__list_organizations", arguments: {} });
  expect(working.isError ?? false, text(working)).toBe(false);

  await fakes.setFailure("itglue", "unauthorized");
  try {
    const rejected = await client.callTool({ name: "itglue__list_organizations", arguments: {} });
    expect(rejected.isError).toBe(true);
    const message = text(rejected);
    expect(message).toContain("IT Glue");
    expect(message).toContain("rejected");
    expect(message).toContain("Reconnect");
    expect(message).toContain(`${gw.url}/connections#connection-`);
    expect(message).not.toContain(fakes.itglueKey);
    // The Demo vendor is unaffected.
    const still = await client.callTool({ name: "demo__list_companies", arguments: {} });
    expect(still.isError ?? false).toBe(false);
  } finally {
    await fakes.setFailure("itglue", "ok");
  }

  // The access token dies (revoked at the gateway, RFC 7009): the SDK meets the 401, refreshes
  // with its refresh token (rotated) and retries the call, with no browser.
  const before = { ...auth.store.tokens };
  expect(before.refresh_token).toMatch(/^gwrt_/);
  const revoked = await fetch(`${gw.url}/revoke`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: before.access_token, token_type_hint: "access_token", client_id: auth.store.client.client_id }),
  });
  expect(revoked.status).toBe(200);
  const urlBefore = auth.authorizationUrl();
  const refreshed = await client.callTool({ name: "demo__list_companies", arguments: {} });
  expect(refreshed.isError ?? false, text(refreshed)).toBe(false);
  expect(auth.store.tokens.access_token).not.toBe(before.access_token);
  expect(auth.store.tokens.refresh_token).not.toBe(before.refresh_token);
  expect(auth.authorizationUrl(), "no new authorization").toBe(urlBefore);
  await client.close();
});

test("Settings shows the MCP URL and ready-to-paste setup for each client, with working copy buttons", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto(`${gw.url}/settings`);
  await devSignIn(page, "Tess Technician", "tess@example.com");
  await expect(page).toHaveURL(`${gw.url}/settings`);
  const url = `${gw.url}/v1/mcp`;
  const card = page.locator("#client-setup");
  await expect(card.getByRole("heading", { name: "Connect your AI client" })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "MCP server URL" })).toHaveValue(url);
  await waitForHydration(page);
  await page.getByRole("button", { name: "Copy the MCP server URL" }).click();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(url);

  await card.locator("summary", { hasText: "Claude Desktop and claude.ai" }).click();
  await expect(card).toContainText("Settings → Connectors → Add custom connector");
  await page.getByRole("button", { name: "Copy: Claude Desktop configuration with mcp-remote" }).click();
  await expect
    .poll(async () => JSON.parse(await page.evaluate(() => navigator.clipboard.readText())))
    .toEqual({ mcpServers: { gateway: { command: "npx", args: ["mcp-remote", url] } } });

  await card.locator("summary", { hasText: "Claude Code" }).click();
  await page.getByRole("button", { name: "Copy: Claude Code command" }).click();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(`claude mcp add --transport http gateway ${url}`);

  await card.locator("summary", { hasText: "Other MCP clients" }).click();
  await expect(card).toContainText("Streamable HTTP");
  await expectAccessible(page, "settings with the client setup open");
  await screenshot(page, "settings-01-client-setup");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await waitForHydration(page);
  await card.locator("summary", { hasText: "Claude Desktop and claude.ai" }).click();
  await expect(page.locator("#mcp-remote-config")).toBeVisible();
  await expectAccessible(page, "settings at phone width");
  await screenshot(page, "settings-02-client-setup-phone");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "no horizontal scrolling of the page").toBeLessThanOrEqual(0);
});
