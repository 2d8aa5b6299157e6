// mcp-remote (npm, pinned), the bridge Claude Desktop runs: a stdio MCP client (the TypeScript
// SDK's StdioClientTransport, as Claude Desktop's config starts it) talks to `mcp-remote <url>`,
// which meets the gateway's 401, registers itself and opens the browser through `open`/xdg-open
// → $BROWSER (clients/browser-hook.sh hands the URL to this spec); the technician allows it in
// Chromium and the redirect reaches mcp-remote's own loopback listener. Through the bridge the
// client lists tools, calls a Demo tool and an IT Glue tool against its fake, gets an actionable
// isError when IT Glue rejects the stored key, and keeps working after its access token is revoked:
// mcp-remote refreshes with its refresh token, without a second browser.
// Own gateway and vendor fakes, serial.
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test, expect, devSignIn } from "./support";
import { startGateway, removeDataDir, Gateway, freePort } from "../gateway";
import { startFakes, Fakes } from "../fakes";
import { connectVendor, allowInBrowser, CLIENTS_DIR } from "../clients/support";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { StdioClientTransport } = require("@modelcontextprotocol/sdk/client/stdio.js");

test.describe.configure({ mode: "serial" });

let gw: Gateway;
let fakes: Fakes;
const MCP_REMOTE = path.join(__dirname, "../node_modules/mcp-remote/dist/proxy.js");

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

const text = (result: any) => (result.content ?? []).map((c: any) => c.text ?? "").join("\n");

/** The one file of `name` mcp-remote keeps for this server (`<hash>_<name>`). */
function stored(configDir: string, name: string): any {
  const dir = path.join(configDir, readdirSync(configDir).find((d) => d.startsWith("mcp-remote-"))!);
  const file = readdirSync(dir).find((f) => f.endsWith(`_${name}`));
  return file ? JSON.parse(readFileSync(path.join(dir, file), "utf8")) : undefined;
}

test("a stdio client through mcp-remote signs in, lists and calls tools, reports a rejected key and refreshes after revocation", async ({ page }) => {
  test.setTimeout(150_000);
  await page.goto(`${gw.url}/connections`);
  await devSignIn(page, "Remy Remote", "remy@example.com");
  await expect(page).toHaveURL(`${gw.url}/connections`);
  await connectVendor(page, gw.url, "demo");
  await connectVendor(page, gw.url, "itglue");

  const configDir = mkdtempSync(path.join(tmpdir(), "mcp-remote-e2e-"));
  const hookFile = path.join(configDir, "browser-urls.txt");
  const opened = () => (existsSync(hookFile) ? readFileSync(hookFile, "utf8").split("\n").filter(Boolean) : []);
  const callbackPort = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: configDir,
    MCP_REMOTE_CONFIG_DIR: configDir,
    BROWSER: path.join(CLIENTS_DIR, "browser-hook.sh"),
    BROWSER_HOOK_FILE: hookFile,
  };
  let stderr = "";
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MCP_REMOTE, `${gw.url}/v1/mcp`, String(callbackPort), "--host", "127.0.0.1", "--auth-timeout", "90"],
    env,
    stderr: "pipe",
  });
  transport.stderr?.on("data", (d: Buffer) => (stderr += d));
  const client = new Client({ name: "Claude Desktop stand-in", version: "1.0.0" });
  try {
    const connected = client.connect(transport);
    await expect.poll(opened, { timeout: 30_000, message: "mcp-remote opened no browser (see its stderr in the failure)" }).toHaveLength(1);
    const authorizationUrl = new URL(opened()[0]);
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${gw.url}/authorize`);
    expect(authorizationUrl.searchParams.get("redirect_uri")).toBe(`http://127.0.0.1:${callbackPort}/oauth/callback`);
    await allowInBrowser(page, authorizationUrl.href, /.+/);
    await connected;

    const names: string[] = (await client.listTools()).tools.map((t: any) => t.name);
    expect(names).toContain("demo__list_companies");
    expect(names).toContain("itglue__list_organizations");
    expect(names).toContain("gateway__list_connections");

    const demo = await client.callTool({ name: "demo__list_companies", arguments: {} });
    expect(demo.isError ?? false, text(demo)).toBe(false);
    expect(text(demo)).toContain("Acme Dental");
    const itglue = await client.callTool({ name: "itglue__list_organizations", arguments: {} });
    expect(itglue.isError ?? false, text(itglue)).toBe(false);

    await fakes.setFailure("itglue", "unauthorized");
    try {
      const rejected = await client.callTool({ name: "itglue__list_organizations", arguments: {} });
      expect(rejected.isError).toBe(true);
      expect(text(rejected)).toContain("IT Glue");
      expect(text(rejected)).toContain("Reconnect");
      expect(text(rejected)).toContain(`${gw.url}/connections#connection-`);
      expect(text(rejected)).not.toContain(fakes.itglueKey);
    } finally {
      await fakes.setFailure("itglue", "ok");
    }

    // The access token dies (revoked at the gateway, RFC 7009): the next call meets a 401 and
    // mcp-remote refreshes with its refresh token — rotated — and retries, with no browser.
    const before = stored(configDir, "tokens.json");
    const clientInfo = stored(configDir, "client_info.json");
    expect(before.refresh_token).toMatch(/^gwrt_/);
    const revoked = await fetch(`${gw.url}/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: before.access_token, token_type_hint: "access_token", client_id: clientInfo.client_id }),
    });
    expect(revoked.status).toBe(200);
    // Refused at once on this replica (and within a second on others: the token cache).
    const ping = () =>
      fetch(`${gw.url}/v1/mcp`, {
        method: "POST",
        headers: { authorization: `Bearer ${before.access_token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      }).then((r) => r.status);
    await expect.poll(ping, { timeout: 3_000, message: "the revoked token is refused" }).toBe(401);

    const again = await client.callTool({ name: "demo__list_companies", arguments: {} });
    expect(again.isError ?? false, `${text(again)}\n${stderr}`).toBe(false);
    const after = stored(configDir, "tokens.json");
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(opened(), "no second browser").toHaveLength(1);
  } finally {
    await client.close().catch(() => {});
    rmSync(configDir, { recursive: true, force: true });
  }
});
