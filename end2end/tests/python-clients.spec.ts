// Real Python MCP clients end to end: the official Python SDK client (PyPI `mcp`) and the fastmcp
// client (PyPI `fastmcp`), each in its own process (clients/py_client.py, from the venv that
// scripts/setup.sh builds). Each meets the gateway's 401, discovers, registers itself, and asks
// for a browser; the technician allows it on the consent page in Chromium. With its tokens it
// lists the technician's tools, calls a Demo tool and a core vendor's tool against that vendor's
// local fake, gets an actionable isError once the vendor rejects the stored credential, and
// refreshes its access token when it expires (without a browser).
// Own gateway and vendor fakes, serial.
import { test, expect, devSignIn } from "./support";
import { startGateway, removeDataDir, Gateway } from "../gateway";
import { startFakes, Fakes, FakeName } from "../fakes";
import { connectVendor, allowInBrowser, LineClient, PYTHON, CLIENTS_DIR } from "../clients/support";
import path from "node:path";

test.describe.configure({ mode: "serial" });

let gw: Gateway;
let fakes: Fakes;
const TECHNICIAN = { name: "Petra Python", email: "petra@example.com" };

test.beforeAll(async ({ browser }) => {
  test.setTimeout(90_000);
  fakes = await startFakes();
  gw = await startGateway({ env: { GATEWAY_OUTBOUND_ORIGIN_OVERRIDES: JSON.stringify(fakes.overrides) } });
  // The technician connects the Demo vendor and two core vendors (against their fakes) once.
  const page = await browser.newPage();
  await page.goto(`${gw.url}/connections`);
  await devSignIn(page, TECHNICIAN.name, TECHNICIAN.email);
  await expect(page).toHaveURL(`${gw.url}/connections`);
  for (const slug of ["demo", "ninjaone", "autotask"] as const) await connectVendor(page, gw.url, slug);
  await page.close();
});

test.afterAll(async () => {
  const code = await gw?.stop();
  if (gw) removeDataDir(gw.dataDir);
  await fakes?.stop();
  expect(code, "gateway exits cleanly on SIGTERM").toBe(0);
});

const CLIENTS: { client: "mcp" | "fastmcp"; title: string; consentName: string; vendor: FakeName; vendorName: string; tool: string; capture?: string }[] = [
  {
    client: "mcp",
    title: "the Python SDK client",
    consentName: "Python SDK client",
    vendor: "ninjaone",
    vendorName: "NinjaOne",
    tool: "ninjaone__list_organizations",
    // The SDK's callback hook is given the redirect URL: nothing listens there, the browser step captures it.
    capture: "http://127.0.0.1:47113/callback",
  },
  {
    client: "fastmcp",
    title: "the fastmcp client",
    consentName: "fastmcp client",
    vendor: "autotask",
    vendorName: "Autotask",
    tool: "autotask__search_companies",
  },
];

for (const c of CLIENTS) {
  test(`${c.title} signs in, lists and calls tools, reports a rejected credential and refreshes its token`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto(`${gw.url}/connections`);
    await devSignIn(page, TECHNICIAN.name, TECHNICIAN.email);
    await expect(page).toHaveURL(`${gw.url}/connections`);

    const mcpUrl = `${gw.url}/v1/mcp`;
    const args = [path.join(CLIENTS_DIR, "py_client.py"), "--client", c.client, "--url", mcpUrl];
    if (c.capture) args.push("--redirect", c.capture);
    const client = LineClient.spawn(PYTHON, args, {}, c.title);
    try {
      // The client got the 401, discovered the gateway's authorization server, registered, and
      // wants a browser at the gateway's /authorize.
      const wants = await client.next();
      expect(wants.event, JSON.stringify(wants)).toBe("authorize");
      const authorizationUrl = new URL(wants.url);
      expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${gw.url}/authorize`);
      expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
      expect(authorizationUrl.searchParams.get("resource")).toBe(mcpUrl);

      const landed = await allowInBrowser(page, wants.url, c.consentName, c.capture);
      expect(new URL(landed).searchParams.get("iss")).toBe(gw.url);
      if (c.capture) client.send({ callback: landed });
      else await expect(page.locator("body")).toContainText(/success|complete/i); // fastmcp's own callback page
      expect(await client.next(), client.stderr).toEqual({ event: "connected" });

      const names: string[] = await client.request({ op: "list_tools" });
      expect(names).toContain("demo__list_companies");
      expect(names).toContain(c.tool);
      expect(names).toContain("gateway__list_connections");
      expect(names.every((n) => /^[a-zA-Z0-9_-]{1,64}$/.test(n)), names.join(" ")).toBe(true);

      const demo = await client.request({ op: "call", name: "demo__list_companies", arguments: {} });
      expect(demo.isError, demo.text).toBe(false);
      expect(demo.text).toContain("Acme Dental");

      const vendor = await client.request({ op: "call", name: c.tool, arguments: {} });
      expect(vendor.isError, vendor.text).toBe(false);
      expect(vendor.text.length).toBeGreaterThan(10);

      await fakes.setFailure(c.vendor, "unauthorized");
      try {
        const rejected = await client.request({ op: "call", name: c.tool, arguments: {} });
        expect(rejected.isError).toBe(true);
        expect(rejected.text).toContain(c.vendorName);
        expect(rejected.text).toContain("rejected");
        expect(rejected.text).toContain("Reconnect");
        expect(rejected.text).toContain(`${gw.url}/connections#connection-`);
        expect(rejected.text).not.toMatch(/<html|Traceback|fake-(ninja|autotask)-secret/i);
      } finally {
        await fakes.setFailure(c.vendor, "ok");
      }

      // An hour later: the client's clock says the access token is spent; its next request first
      // refreshes (rotating the refresh token), with no browser, and works with the new token.
      const before = await client.request({ op: "tokens" });
      expect(before.refresh, "the gateway issued a refresh token").toBeTruthy();
      await client.request({ op: "expire_access_token" });
      const again = await client.request({ op: "call", name: "demo__list_companies", arguments: {} });
      expect(again.isError, again.text).toBe(false);
      const after = await client.request({ op: "tokens" });
      expect(after.access).not.toBe(before.access);
      expect(after.refresh).not.toBe(before.refresh);
      await client.request({ op: "close" });
      expect(await client.exited).toBe(0);
    } finally {
      await client.stop();
    }
  });
}
